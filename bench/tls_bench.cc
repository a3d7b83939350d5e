// TLS over loopback, both ends on the implementation under test: a child
// process runs a TLS echo server (evconnlistener + one
// bufferevent_openssl_socket_new(ACCEPTING) per connection, input moved to
// output with evbuffer_add_buffer); the parent runs the clients, each a
// bufferevent_openssl_socket_new(CONNECTING) + bufferevent_socket_connect.
//   -k echo       C connections each send S-byte messages and wait for
//                 the echo, N times: MiB/s (both directions)
//   -k handshake  C connections at a time, N in all: each connects,
//                 completes the handshake (BEV_EVENT_CONNECTED), has one
//                 byte echoed (so the server has finished its side too)
//                 and is freed: handshakes/s
// TLS 1.3, ECDSA P-256 certificate made at start (in memory), X25519. The
// crypto is OpenSSL's in both implementations: what differs is the
// bufferevent layer around it. Prints one JSON line, with the CPU time
// both processes used (client and server, user + system): per CPU second
// the figures stay comparable on a loaded machine, where wall time is noise.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../fuzz/tls_cert.h"
#include "server_child.h"

namespace {

// A self-signed ECDSA P-256 certificate for a fresh key, in a server context.
SSL_CTX* ServerContext() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* cert = evc::SelfSigned(key, "localhost", EVP_sha256());
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (cert == nullptr || SSL_CTX_use_certificate(ctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key) != 1) {
    std::fprintf(stderr, "tls_bench: cannot make the server's certificate\n");
    std::exit(1);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return ctx;
}

SSL_CTX* ClientContext() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // our own throwaway certificate
  return ctx;
}

void Configure(SSL_CTX* ctx) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set1_groups_list(ctx, "X25519");
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);  // every handshake a full one
}

// Without TCP_NODELAY a ping-pong of partial writes waits on delayed ACKs.
void NoDelay(evutil_socket_t fd) {
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

// --- the server (child process) ------------------------------------------------

void EchoRead(bufferevent* bev, void*) {
  evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev));
}

void EchoEvent(bufferevent* bev, short what, void*) {
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bufferevent_free(bev);
}

void OnAccept(evconnlistener* lev, evutil_socket_t fd, sockaddr*, int, void* ctx) {
  NoDelay(fd);
  bufferevent* bev = bufferevent_openssl_socket_new(evconnlistener_get_base(lev), fd,
                                                    SSL_new(static_cast<SSL_CTX*>(ctx)),
                                                    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, EchoRead, nullptr, EchoEvent, nullptr);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

// --- the clients (parent) ------------------------------------------------------

struct Clients {
  event_base* base;
  SSL_CTX* ctx;
  sockaddr_in server;
  int rounds;        // messages per connection
  int to_start = 0;  // connections still to open
  int total = 0, done = 0, failed = 0;
  std::string msg;
};

struct Conn {
  Clients* cl;
  bufferevent* bev;
  size_t got = 0;
  int rounds = 0;
};

void Start(Clients& cl);

void Finished(Conn* c, bool ok) {
  Clients& cl = *c->cl;
  bufferevent_free(c->bev);
  delete c;
  ++(ok ? cl.done : cl.failed);
  if (cl.to_start > 0) Start(cl);
  if (cl.done + cl.failed == cl.total) event_base_loopbreak(cl.base);
}

void ClientRead(bufferevent* bev, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  evbuffer* in = bufferevent_get_input(bev);
  c->got += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
  if (c->got < c->cl->msg.size()) return;
  c->got = 0;
  if (++c->rounds == c->cl->rounds) return Finished(c, true);
  bufferevent_write(bev, c->cl->msg.data(), c->cl->msg.size());
}

void ClientEvent(bufferevent* bev, short what, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  if (what & BEV_EVENT_CONNECTED) {
    NoDelay(bufferevent_getfd(bev));
    bufferevent_write(bev, c->cl->msg.data(), c->cl->msg.size());
    return;
  }
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) Finished(c, false);
}

void Start(Clients& cl) {
  --cl.to_start;
  auto* c = new Conn{&cl, nullptr};
  c->bev = bufferevent_openssl_socket_new(cl.base, -1, SSL_new(cl.ctx), BUFFEREVENT_SSL_CONNECTING,
                                          BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(c->bev, ClientRead, nullptr, ClientEvent, c);
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  if (bufferevent_socket_connect(c->bev, reinterpret_cast<sockaddr*>(&cl.server), sizeof cl.server) != 0)
    Finished(c, false);
}

double CpuSeconds(const rusage& ru) {
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int Usage(const char* why) {
  std::fprintf(stderr, "tls_bench: %s (usage: tls_bench [-k echo|handshake] [-c conns] [-s bytes] [-n count])\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string kind = "echo";
  int conns = 16, size = 16384, count = 200, opt;
  while ((opt = getopt(argc, argv, "k:c:s:n:")) != -1) {
    if (opt == 'k') kind = optarg;
    else if (opt == 'c') conns = std::atoi(optarg);
    else if (opt == 's') size = std::atoi(optarg);
    else if (opt == 'n') count = std::atoi(optarg);
    else return Usage("unknown option");
  }
  if ((kind != "echo" && kind != "handshake") || conns < 1 || conns > 1024 || size < 1 || size > (1 << 24) ||
      count < 1 || count > 1000000)
    return Usage("need -k echo|handshake, 1 <= conns <= 1024, 1 <= bytes <= 16 MiB, 1 <= count <= 1000000");
  signal(SIGPIPE, SIG_IGN);
  SSL_CTX* server_ctx = ServerContext();
  Configure(server_ctx);
  SSL_CTX_set_num_tickets(server_ctx, 0);
  evc::ServerChild server;
  if (!server.Start(OnAccept, server_ctx)) return Usage("the server did not start");
  Clients cl{};
  cl.base = event_base_new();
  cl.ctx = ClientContext();
  Configure(cl.ctx);
  cl.server.sin_family = AF_INET;
  cl.server.sin_port = htons(static_cast<uint16_t>(server.port));
  cl.server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool echo = kind == "echo";
  cl.rounds = echo ? count : 1;
  cl.msg.assign(echo ? static_cast<size_t>(size) : 1, 'e');
  cl.total = cl.to_start = echo ? conns : count;
  // Bounded: the loop stops after 120 s even if connections hang.
  const timeval limit = {120, 0};
  event_base_loopexit(cl.base, &limit);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < conns && cl.to_start > 0; ++i) Start(cl);
  event_base_dispatch(cl.base);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage server_ru{}, client_ru{};
  server.Stop(&server_ru);
  getrusage(RUSAGE_SELF, &client_ru);
  const double cpu = CpuSeconds(server_ru) + CpuSeconds(client_ru);
  event_base_free(cl.base);  // nothing left for LeakSanitizer (the asan build's smoke run)
  SSL_CTX_free(cl.ctx);
  if (cl.done < cl.total) {
    std::fprintf(stderr, "tls_bench: %d of %d connections finished (%d failed)\n", cl.done, cl.total, cl.failed);
    return 1;
  }
  if (echo) {
    const double mib = 2.0 * conns * count * static_cast<double>(size) / (1 << 20);
    std::printf("{\"bench\": \"tls\", \"kind\": \"echo\", \"method\": \"%s\", \"conns\": %d, \"size\": %d, "
                "\"rounds\": %d, \"elapsed_ms\": %.1f, \"mib_per_s\": %.2f, \"cpu_ms\": %.1f, "
                "\"mib_per_cpu_s\": %.2f}\n",
                server.method, conns, size, count, secs * 1e3, mib / secs, cpu * 1e3, mib / cpu);
  } else {
    std::printf("{\"bench\": \"tls\", \"kind\": \"handshake\", \"method\": \"%s\", \"conns\": %d, "
                "\"handshakes\": %d, \"elapsed_ms\": %.1f, \"handshakes_per_s\": %.1f, \"cpu_ms\": %.1f, "
                "\"handshakes_per_cpu_s\": %.1f}\n",
                server.method, conns, count, secs * 1e3, count / secs, cpu * 1e3, count / cpu);
  }
  return 0;
}
