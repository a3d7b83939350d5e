/* Unknown bufferevent_ssl_state values, passed from C as a C program would:
   in C an enum argument is an int, where in C++ building an enumeration
   value outside its range is undefined (and UBSan reports it). */
#include <event2/bufferevent_ssl.h>

struct bufferevent *evc_tls_socket_new_raw(struct event_base *base, evutil_socket_t fd, struct ssl_st *ssl,
                                           int state, int options) {
  return bufferevent_openssl_socket_new(base, fd, ssl, (enum bufferevent_ssl_state)state, options);
}

struct bufferevent *evc_tls_filter_new_raw(struct event_base *base, struct bufferevent *under, struct ssl_st *ssl,
                                           int state, int options) {
  return bufferevent_openssl_filter_new(base, under, ssl, (enum bufferevent_ssl_state)state, options);
}
