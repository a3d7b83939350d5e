// The reference's private interface between libevref (the bufferevent
// machinery, where the TLS kind lives: core/bufferevent_tls.h) and
// libevref_openssl (OpenSSL: bufferevent_openssl.cc). Three C names that
// libevref exports for its sibling library, as libevent's libevent_core
// exports bufferevent_init_common_ and friends for libevent_openssl; no
// installed header declares them, and no program should call them.
#ifndef EVREF_BUFFEREVENT_TLS_H
#define EVREF_BUFFEREVENT_TLS_H

#include <event2/bufferevent.h>

#include "core/bufferevent_tls.h"

extern "C" {

// A TLS bufferevent over underlying or the socket fd, speaking through
// session (owned by it from then on); NULL on failure, the session still
// the caller's.
bufferevent* bufferevent_tls_new_(event_base* base, bufferevent* underlying, evutil_socket_t fd,
                                  evref::TlsSession* session, int state, int options);
// The session of a TLS bufferevent; NULL for another kind.
evref::TlsSession* bufferevent_tls_session_(bufferevent* bev);
// bufferevent_ssl_renegotiate; -1 for another kind.
int bufferevent_tls_renegotiate_(bufferevent* bev);

}  // extern "C"

#endif  // EVREF_BUFFEREVENT_TLS_H
