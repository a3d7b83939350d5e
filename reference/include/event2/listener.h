/*
 * evconform reference implementation: <event2/listener.h>.
 *
 * An evconnlistener accepts connections on a listening socket and hands each
 * new fd to its callback. Names, signatures and flag values are libevent
 * 2.1's; the comments state the rules the reference follows.
 */
#ifndef EVENT2_LISTENER_H_INCLUDED_
#define EVENT2_LISTENER_H_INCLUDED_

#include <event2/event.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sockaddr;
struct evconnlistener;

/* A new connection: its fd (now the callback's to close), the peer address. */
typedef void (*evconnlistener_cb)(struct evconnlistener *, evutil_socket_t, struct sockaddr *,
                                  int socklen, void *);
/* accept() failed with an error that is not retriable; errno says which. */
typedef void (*evconnlistener_errorcb)(struct evconnlistener *, void *);

#define LEV_OPT_LEAVE_SOCKETS_BLOCKING (1u << 0) /* accepted fds stay blocking */
#define LEV_OPT_CLOSE_ON_FREE (1u << 1)          /* free closes the listening fd */
#define LEV_OPT_CLOSE_ON_EXEC (1u << 2)          /* listening and accepted fds */
#define LEV_OPT_REUSEABLE (1u << 3)              /* SO_REUSEADDR */
#define LEV_OPT_THREADSAFE (1u << 4)             /* accepted; no threads here */
#define LEV_OPT_DISABLED (1u << 5)               /* created disabled */
#define LEV_OPT_DEFERRED_ACCEPT (1u << 6)        /* TCP_DEFER_ACCEPT (new_bind) */
#define LEV_OPT_REUSEABLE_PORT (1u << 7)         /* SO_REUSEPORT */
#define LEV_OPT_BIND_IPV6ONLY (1u << 8)          /* IPV6_V6ONLY (new_bind) */

/* backlog > 0: listen(fd, backlog); < 0: listen(fd, 128); 0: the socket is
 * already listening. NULL if listen() fails. A NULL cb means disabled until
 * evconnlistener_set_cb gives one. */
struct evconnlistener *evconnlistener_new(struct event_base *base, evconnlistener_cb cb,
                                          void *ptr, unsigned flags, int backlog,
                                          evutil_socket_t fd);
/* A new nonblocking socket bound to sa; NULL when backlog is 0. */
struct evconnlistener *evconnlistener_new_bind(struct event_base *base, evconnlistener_cb cb,
                                               void *ptr, unsigned flags, int backlog,
                                               const struct sockaddr *sa, int socklen);
/* Safe inside the listener's own callbacks: no callback runs afterwards. */
void evconnlistener_free(struct evconnlistener *lev);
int evconnlistener_enable(struct evconnlistener *lev);
int evconnlistener_disable(struct evconnlistener *lev);
struct event_base *evconnlistener_get_base(struct evconnlistener *lev);
evutil_socket_t evconnlistener_get_fd(struct evconnlistener *lev);
void evconnlistener_set_cb(struct evconnlistener *lev, evconnlistener_cb cb, void *arg);
void evconnlistener_set_error_cb(struct evconnlistener *lev, evconnlistener_errorcb errorcb);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_LISTENER_H_INCLUDED_ */
