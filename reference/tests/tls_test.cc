// White-box checks of the reference's TLS bufferevents (libevref_openssl):
// what the public suite cannot see. Each SSL counts its SSL_free (an
// ex_data free callback), so every path frees it exactly once, or not at
// all without BEV_OPT_CLOSE_ON_FREE; and the fd table is as it was after
// each test, error paths included.
#include <dirent.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace {

// ------------------------------------------------ OpenSSL set-up

// SSL_free of an SSL given a counter increments it.
int FreeCounterIndex() {
  static const int index = SSL_get_ex_new_index(
      0, nullptr, nullptr, nullptr, [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
        if (ptr) ++*static_cast<int*>(ptr);
      });
  return index;
}

// A server context with a fresh self-signed P-256 certificate, and a
// client one that does not verify it.
SSL_CTX* ServerCtx() {
  static SSL_CTX* const ctx = [] {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    X509_sign(cert, key, EVP_sha256());
    SSL_CTX* c = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(c, cert);
    SSL_CTX_use_PrivateKey(c, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    return c;
  }();
  return ctx;
}

SSL_CTX* ClientCtx() {
  static SSL_CTX* const ctx = SSL_CTX_new(TLS_client_method());
  return ctx;
}

SSL* CountedSsl(SSL_CTX* ctx, int* frees) {
  SSL* ssl = SSL_new(ctx);
  SSL_set_ex_data(ssl, FreeCounterIndex(), frees);
  return ssl;
}

int OpenFds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1; }

// ------------------------------------------------ the fixture

class ReferenceTls : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerCtx();
    ClientCtx();
    fds_before_ = OpenFds();
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd_), 0);
  }
  void TearDown() override {
    for (int fd : fd_)
      if (fd >= 0 && IsOpen(fd)) close(fd);
    event_base_free(base_);
    EXPECT_EQ(OpenFds(), fds_before_) << "an fd leaked";
  }
  // Runs the loop until done() or 5 s.
  template <class F>
  bool RunUntil(F done) {
    for (int i = 0; i < 5000 && !done(); ++i) {
      const timeval ms = {0, 1000};
      event_base_loopexit(base_, &ms);
      event_base_dispatch(base_);
    }
    return done();
  }

  struct Log {
    short events = 0;
    std::string got;
    bool free_on_event = false;
    bufferevent* bev = nullptr;
  };
  static void OnRead(bufferevent* bev, void* arg) {
    Log* log = static_cast<Log*>(arg);
    evbuffer* in = bufferevent_get_input(bev);
    const size_t n = evbuffer_get_length(in);
    log->got.append(reinterpret_cast<char*>(evbuffer_pullup(in, -1)), n);
    evbuffer_drain(in, n);
  }
  static void OnEvent(bufferevent* bev, short what, void* arg) {
    Log* log = static_cast<Log*>(arg);
    log->events |= what;
    if (log->free_on_event && (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_CONNECTED))) {
      bufferevent_free(bev);
      log->bev = nullptr;
    }
  }
  bufferevent* Watch(bufferevent* bev, Log& log) {
    log.bev = bev;
    bufferevent_setcb(bev, OnRead, nullptr, OnEvent, &log);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    return bev;
  }

  event_base* base_ = nullptr;
  int fd_[2] = {-1, -1};
  int fds_before_ = 0;
};

// ------------------------------------------------ tests

TEST_F(ReferenceTls, CloseOnFreeFreesTheSslOnceAndClosesTheFd) {
  int frees = 0;
  bufferevent* bev = bufferevent_openssl_socket_new(base_, fd_[0], CountedSsl(ClientCtx(), &frees),
                                                    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
  ASSERT_NE(bev, nullptr);
  bufferevent_free(bev);
  EXPECT_EQ(frees, 1);
  EXPECT_FALSE(IsOpen(fd_[0]));
}

TEST_F(ReferenceTls, WithoutCloseOnFreeTheSslAndFdStay) {
  int frees = 0;
  SSL* ssl = CountedSsl(ClientCtx(), &frees);
  bufferevent* bev = bufferevent_openssl_socket_new(base_, fd_[0], ssl, BUFFEREVENT_SSL_CONNECTING, 0);
  ASSERT_NE(bev, nullptr);
  bufferevent_free(bev);
  EXPECT_EQ(frees, 0);
  EXPECT_TRUE(IsOpen(fd_[0]));
  SSL_free(ssl);
  EXPECT_EQ(frees, 1);
}

// A refused call with CLOSE_ON_FREE frees the SSL (libevent's err path)
// and leaves the fd, which the caller still owns, open.
TEST_F(ReferenceTls, RefusedCallsFreeTheSslOnceAndLeaveTheFd) {
  int frees = 0;
  EXPECT_EQ(bufferevent_openssl_socket_new(base_, fd_[0], CountedSsl(ClientCtx(), &frees),
                                           static_cast<bufferevent_ssl_state>(7), BEV_OPT_CLOSE_ON_FREE),
            nullptr);
  EXPECT_EQ(frees, 1);
  EXPECT_EQ(bufferevent_openssl_filter_new(base_, nullptr, CountedSsl(ClientCtx(), &frees),
                                           BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE),
            nullptr);
  EXPECT_EQ(frees, 2);
  SSL* ssl = CountedSsl(ClientCtx(), &frees);
  EXPECT_EQ(bufferevent_openssl_socket_new(base_, fd_[0], ssl, static_cast<bufferevent_ssl_state>(-1), 0), nullptr);
  EXPECT_EQ(frees, 2);
  SSL_free(ssl);
  EXPECT_TRUE(IsOpen(fd_[0]));
}

// libevent's failed filter_new with CLOSE_ON_FREE frees the underlying too
// (its unlink runs on the half-made bufferevent); without it the
// underlying is as it was.
TEST_F(ReferenceTls, RefusedFilterLeavesTheUnderlyingUnlessCloseOnFree) {
  int frees = 0;
  bufferevent* under = bufferevent_socket_new(base_, fd_[0], BEV_OPT_CLOSE_ON_FREE);
  SSL* ssl = CountedSsl(ClientCtx(), &frees);
  EXPECT_EQ(bufferevent_openssl_filter_new(base_, under, ssl, static_cast<bufferevent_ssl_state>(3), 0), nullptr);
  bufferevent_data_cb readcb = nullptr;
  bufferevent_getcb(under, &readcb, nullptr, nullptr, nullptr);
  EXPECT_EQ(readcb, nullptr);
  EXPECT_EQ(bufferevent_openssl_filter_new(base_, under, ssl, static_cast<bufferevent_ssl_state>(3),
                                           BEV_OPT_CLOSE_ON_FREE),
            nullptr);
  EXPECT_EQ(frees, 1);
  EXPECT_FALSE(IsOpen(fd_[0]));  // the underlying went, and its fd with it
}

TEST_F(ReferenceTls, FilterCloseOnFreeFreesSslAndUnderlyingOnce) {
  int frees = 0;
  bufferevent* under = bufferevent_socket_new(base_, fd_[0], BEV_OPT_CLOSE_ON_FREE);
  bufferevent* bev = bufferevent_openssl_filter_new(base_, under, CountedSsl(ClientCtx(), &frees),
                                                    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
  ASSERT_NE(bev, nullptr);
  EXPECT_EQ(bufferevent_get_underlying(bev), under);
  bufferevent_free(bev);
  EXPECT_EQ(frees, 1);
  EXPECT_FALSE(IsOpen(fd_[0]));
}

// Both ends over the socketpair: the handshake, data both ways, and a
// free from inside each end's CONNECTED callback.
TEST_F(ReferenceTls, HandshakeCarriesDataThenFreeInsideConnected) {
  int frees[2] = {0, 0};
  Log log[2];
  Watch(bufferevent_openssl_socket_new(base_, fd_[0], CountedSsl(ClientCtx(), &frees[0]), BUFFEREVENT_SSL_CONNECTING,
                                       BEV_OPT_CLOSE_ON_FREE),
        log[0]);
  bufferevent* under = bufferevent_socket_new(base_, fd_[1], BEV_OPT_CLOSE_ON_FREE);
  Watch(bufferevent_openssl_filter_new(base_, under, CountedSsl(ServerCtx(), &frees[1]), BUFFEREVENT_SSL_ACCEPTING,
                                       BEV_OPT_CLOSE_ON_FREE),
        log[1]);
  ASSERT_TRUE(log[0].bev && log[1].bev);
  const std::string big(100000, 'x');
  bufferevent_write(log[0].bev, big.data(), big.size());
  bufferevent_write(log[1].bev, "pong", 4);
  ASSERT_TRUE(RunUntil([&] { return log[1].got.size() == big.size() && log[0].got == "pong"; }));
  EXPECT_EQ(log[0].events, BEV_EVENT_CONNECTED);
  EXPECT_EQ(log[1].events, BEV_EVENT_CONNECTED);
  // close_notify from the client is the server's EOF; each frees inside.
  log[1].free_on_event = true;
  SSL_shutdown(bufferevent_openssl_get_ssl(log[0].bev));
  ASSERT_TRUE(RunUntil([&] { return log[1].bev == nullptr; }));
  EXPECT_EQ(log[1].events, BEV_EVENT_CONNECTED | BEV_EVENT_EOF | BEV_EVENT_READING);
  EXPECT_EQ(frees[1], 1);
  EXPECT_FALSE(IsOpen(fd_[1]));
  bufferevent_free(log[0].bev);
  EXPECT_EQ(frees[0], 1);
}

// Garbage instead of a server hello: an error with OpenSSL's codes, and a
// free inside that error callback frees the SSL and the fd once.
TEST_F(ReferenceTls, GarbageIsAnErrorAndFreeInsideItFreesOnce) {
  int frees = 0;
  Log log;
  log.free_on_event = true;
  Watch(bufferevent_openssl_socket_new(base_, fd_[0], CountedSsl(ClientCtx(), &frees), BUFFEREVENT_SSL_CONNECTING,
                                       BEV_OPT_CLOSE_ON_FREE),
        log);
  const std::string junk(64, 'G');
  ASSERT_EQ(write(fd_[1], junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
  ASSERT_TRUE(RunUntil([&] { return log.bev == nullptr; }));
  EXPECT_TRUE(log.events & BEV_EVENT_ERROR);
  EXPECT_EQ(frees, 1);
  EXPECT_FALSE(IsOpen(fd_[0]));
}

// fd -1, then bufferevent_socket_connect: the socket it makes is the
// SSL's, and CLOSE_ON_FREE closes it with the SSL (through its BIO).
TEST_F(ReferenceTls, SocketMadeByConnectIsClosedOnFree) {
  const int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sin;
  ASSERT_EQ(bind(lfd, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
  ASSERT_EQ(listen(lfd, 1), 0);
  ASSERT_EQ(getsockname(lfd, reinterpret_cast<sockaddr*>(&sin), &len), 0);
  int frees = 0;
  bufferevent* bev = bufferevent_openssl_socket_new(base_, -1, CountedSsl(ClientCtx(), &frees),
                                                    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
  ASSERT_NE(bev, nullptr);
  EXPECT_EQ(bufferevent_getfd(bev), -1);
  ASSERT_EQ(bufferevent_socket_connect(bev, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
  const int fd = bufferevent_getfd(bev);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(SSL_get_fd(bufferevent_openssl_get_ssl(bev)), fd);
  bufferevent_free(bev);
  EXPECT_EQ(frees, 1);
  EXPECT_FALSE(IsOpen(fd));
  close(lfd);
}

// The reference answers NULL / -1 / 0 where libevent 2.1.12 crashes (a
// NULL SSL, base or bufferevent) and for other kinds, as libevent does.
TEST_F(ReferenceTls, NullAndOtherKindsAnswerNothing) {
  bufferevent* plain = bufferevent_socket_new(base_, -1, 0);
  EXPECT_EQ(bufferevent_openssl_get_ssl(plain), nullptr);
  EXPECT_EQ(bufferevent_openssl_get_allow_dirty_shutdown(plain), -1);
  EXPECT_EQ(bufferevent_get_openssl_error(plain), 0u);
  EXPECT_EQ(bufferevent_ssl_renegotiate(plain), -1);
  bufferevent_openssl_set_allow_dirty_shutdown(plain, 1);
  bufferevent_free(plain);
  EXPECT_EQ(bufferevent_openssl_get_ssl(nullptr), nullptr);
  EXPECT_EQ(bufferevent_openssl_get_allow_dirty_shutdown(nullptr), -1);
  EXPECT_EQ(bufferevent_get_openssl_error(nullptr), 0u);
  EXPECT_EQ(bufferevent_ssl_renegotiate(nullptr), -1);
  bufferevent_openssl_set_allow_dirty_shutdown(nullptr, 1);
  EXPECT_EQ(bufferevent_openssl_socket_new(base_, fd_[0], nullptr, BUFFEREVENT_SSL_OPEN, BEV_OPT_CLOSE_ON_FREE),
            nullptr);
  EXPECT_EQ(bufferevent_openssl_socket_new(nullptr, fd_[0], nullptr, BUFFEREVENT_SSL_OPEN, 0), nullptr);
  EXPECT_TRUE(IsOpen(fd_[0]));
}

}  // namespace
