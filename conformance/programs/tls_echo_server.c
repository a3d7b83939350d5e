/*
 * The seeds' TLS server (seed 003, "Libevent for Event Driven Network
 * Servers": "When using openssl to encrypt the traffic") made whole: the
 * echo server of seed 001 where each accepted connection gets
 * SSL_new(ssl_ctx) and bufferevent_openssl_socket_new(base, fd, ssl,
 * BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE). An ordinary libevent
 * program in C. For the test harness it listens on 127.0.0.1 port 0 and
 * prints the port it got; the certificate chain and key come from the
 * files named on the command line (the seed's tls_cert_file, tls_key_file).
 *
 * usage: tls_echo_server CERT_CHAIN_PEM KEY_PEM
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* The seed's get_server_ssl_ctx(tls_cert_file, tls_key_file). */
static SSL_CTX *get_server_ssl_ctx(const char *tls_cert_file, const char *tls_key_file) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return NULL;
  if (SSL_CTX_use_certificate_chain_file(ctx, tls_cert_file) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, tls_key_file, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    ERR_print_errors_fp(stderr);
    SSL_CTX_free(ctx);
    return NULL;
  }
  return ctx;
}

static void echo_read_cb(struct bufferevent *bev, void *ctx) {
  (void)ctx;
  evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev));
}

static void echo_event_cb(struct bufferevent *bev, short events, void *ctx) {
  (void)ctx;
  if (events & BEV_EVENT_CONNECTED) {
    puts("handshake done");
    fflush(stdout);
  }
  if (events & BEV_EVENT_ERROR) {
    unsigned long err;
    while ((err = bufferevent_get_openssl_error(bev)))
      fprintf(stderr, "tls error: %s\n", ERR_error_string(err, NULL));
  }
  if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    bufferevent_free(bev);
    puts("connection closed");
    fflush(stdout);
  }
}

static void accept_conn_cb(struct evconnlistener *listener, evutil_socket_t fd,
                           struct sockaddr *address, int socklen, void *ctx) {
  struct event_base *base = evconnlistener_get_base(listener);
  SSL_CTX *ssl_ctx = ctx;
  SSL *ssl = SSL_new(ssl_ctx);
  struct bufferevent *bev;
  (void)address;
  (void)socklen;
  if (!ssl) {
    evutil_closesocket(fd);
    return;
  }
  bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) {
    /* With BEV_OPT_CLOSE_ON_FREE a failed call may have freed the SSL
     * (libevent does): only the socket is still ours. */
    evutil_closesocket(fd);
    return;
  }
  bufferevent_setcb(bev, echo_read_cb, NULL, echo_event_cb, NULL);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

int main(int argc, char **argv) {
  struct event_base *base;
  struct evconnlistener *listener;
  struct sockaddr_in sin;
  socklen_t len = sizeof(sin);
  SSL_CTX *ssl_ctx;

  if (argc != 3) {
    fprintf(stderr, "usage: %s CERT_CHAIN_PEM KEY_PEM\n", argv[0]);
    return 2;
  }
  ssl_ctx = get_server_ssl_ctx(argv[1], argv[2]);
  if (!ssl_ctx) {
    fputs("Couldn't load the certificate and key\n", stderr);
    return 1;
  }
  base = event_base_new();
  if (!base) {
    puts("Couldn't open event base");
    return 1;
  }
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(0);
  listener = evconnlistener_new_bind(base, accept_conn_cb, ssl_ctx,
                                     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
                                     (struct sockaddr *)&sin, sizeof(sin));
  if (!listener) {
    perror("Couldn't create listener");
    return 1;
  }
  getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&sin, &len);
  printf("port %d\n", ntohs(sin.sin_port));
  fflush(stdout);
  event_base_dispatch(base);
  evconnlistener_free(listener);
  event_base_free(base);
  SSL_CTX_free(ssl_ctx);
  return 0;
}
