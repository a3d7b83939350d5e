/*
 * evconform reference implementation: <event2/bufferevent_ssl.h>.
 *
 * TLS bufferevents over OpenSSL: an SSL object speaking over a socket or
 * over another bufferevent. Declared here, defined in libevent_openssl
 * (the reference's libevref_openssl), as in libevent 2.1. Names,
 * signatures and values are libevent 2.1's; the comments state the rules
 * the reference follows (libevent 2.1.12's bufferevent_openssl.c).
 */
#ifndef EVENT2_BUFFEREVENT_SSL_H_INCLUDED_
#define EVENT2_BUFFEREVENT_SSL_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>
#include <event2/bufferevent.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* This is what openssl's SSL objects are underneath. */
struct ssl_st;

/* The state of the SSL object given to a new TLS bufferevent: OPEN when
   the handshake is done; CONNECTING / ACCEPTING to run it as the client /
   the server (the event callback gets BEV_EVENT_CONNECTED when it ends). */
/* In C++ (the reference's own sources) the enum is an int, as it is in C:
   a C caller may pass any int, and C++ may read any int from it. */
enum bufferevent_ssl_state
#ifdef __cplusplus
	: int
#endif
{
	BUFFEREVENT_SSL_OPEN = 0,
	BUFFEREVENT_SSL_CONNECTING = 1,
	BUFFEREVENT_SSL_ACCEPTING = 2
};

#if defined(EVENT__HAVE_OPENSSL) || defined(EVENT_IN_DOXYGEN_)
/* A TLS bufferevent speaking over `underlying` (on the same base), which it
   holds a reference on and whose callbacks it takes over. NULL on failure
   (a NULL underlying, a state not above); with BEV_OPT_CLOSE_ON_FREE a
   failure frees the SSL, and a free frees the SSL and the underlying. */
EVENT2_EXPORT_SYMBOL
struct bufferevent *
bufferevent_openssl_filter_new(struct event_base *base,
    struct bufferevent *underlying,
    struct ssl_st *ssl,
    enum bufferevent_ssl_state state,
    int options);

/* A TLS bufferevent over the socket fd: the SSL reads and writes it
   directly. fd -1 takes the SSL's own fd, or none yet (then
   bufferevent_socket_connect makes and connects one). NULL on failure (an
   fd other than the SSL's own, a bad state); BEV_OPT_CLOSE_ON_FREE frees
   the SSL on failure, and the SSL and the fd on free. */
EVENT2_EXPORT_SYMBOL
struct bufferevent *
bufferevent_openssl_socket_new(struct event_base *base,
    evutil_socket_t fd,
    struct ssl_st *ssl,
    enum bufferevent_ssl_state state,
    int options);

/* A dirty shutdown (the connection closes before the peer's close_notify)
   is BEV_EVENT_ERROR by default, BEV_EVENT_EOF when allowed. get: 0 or 1,
   -1 for a bufferevent that is not a TLS one. */
EVENT2_EXPORT_SYMBOL
int bufferevent_openssl_get_allow_dirty_shutdown(struct bufferevent *bev);
EVENT2_EXPORT_SYMBOL
void bufferevent_openssl_set_allow_dirty_shutdown(struct bufferevent *bev,
    int allow_dirty_shutdown);

/* The SSL of a TLS bufferevent; NULL for another kind. */
EVENT2_EXPORT_SYMBOL
struct ssl_st *
bufferevent_openssl_get_ssl(struct bufferevent *bufev);

/* Starts a renegotiation (SSL_renegotiate and a new handshake); -1 for
   another kind or when OpenSSL refuses. */
EVENT2_EXPORT_SYMBOL
int bufferevent_ssl_renegotiate(struct bufferevent *bev);

/* The OpenSSL errors behind the last BEV_EVENT_ERROR, most recent first,
   one per call (at most 3 kept); 0 when none is left or for another kind. */
EVENT2_EXPORT_SYMBOL
unsigned long bufferevent_get_openssl_error(struct bufferevent *bev);

#endif

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_SSL_H_INCLUDED_ */
