// TLS bufferevents: failed handshakes (an untrusted certificate, no common
// protocol version, a peer that speaks plain TCP or sends garbage, a peer
// that closes) are BEV_EVENT_ERROR, with the OpenSSL errors kept for
// bufferevent_get_openssl_error.
#include "tls_fixture.h"

namespace evc {
namespace {

using TlsFailure = TlsTransportTest;
EVC_TLS_TRANSPORTS(TlsFailure);

TEST_P(TlsFailure, UntrustedCertificateIsAnErrorWithAnOpensslError) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_get_openssl_error/untrusted-certificate",
           "bufferevent_ssl.h: a client with SSL_VERIFY_PEER that cannot verify the server's "
           "certificate fails the handshake: BEV_EVENT_ERROR, never CONNECTED, and "
           "bufferevent_get_openssl_error returns a nonzero OpenSSL error");
  ASSERT_NO_FATAL_FAILURE(TcpPair());
  ASSERT_NE(NewEnd(0, GetParam(), BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE, tls::UntrustingClientCtx()),
            nullptr);
  ASSERT_NE(NewEnd(1, GetParam(), BUFFEREVENT_SSL_ACCEPTING), nullptr);
  for (End& e : end_) bufferevent_enable(e.bev, EV_READ | EV_WRITE);
  ASSERT_TRUE(RunUntil([this] { return Closed(0); }));
  EXPECT_TRUE(HasEvent(end_[0].log, BEV_EVENT_ERROR));
  EXPECT_FALSE(Connected(0));
  const std::vector<unsigned long> errs = OpensslErrors(end_[0].bev);
  ASSERT_FALSE(errs.empty());
  bool verify_failed = false;
  for (unsigned long e : errs) verify_failed |= ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED;
  EXPECT_TRUE(verify_failed) << "no SSL_R_CERTIFICATE_VERIFY_FAILED among " << errs.size() << " errors";
}

TEST_P(TlsFailure, NoCommonProtocolVersionIsAnErrorOnBothEnds) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_get_openssl_error/no-common-version",
           "bufferevent_ssl.h: a client that speaks only TLS 1.3 and a server that speaks only "
           "TLS 1.2 fail the handshake: each end reports BEV_EVENT_ERROR (the server, that "
           "refuses, with a nonzero OpenSSL error) and neither reports CONNECTED");
  SSL_CTX* client = tls::NewCtx(false, TLS1_3_VERSION, TLS1_3_VERSION);
  SSL_CTX* server = tls::NewCtx(true, TLS1_2_VERSION, TLS1_2_VERSION);
  ASSERT_NO_FATAL_FAILURE(TcpPair());
  EXPECT_NE(NewEnd(0, GetParam(), BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE, client), nullptr);
  EXPECT_NE(NewEnd(1, GetParam(), BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE, server), nullptr);
  SSL_CTX_free(client);  // each SSL holds its own reference
  SSL_CTX_free(server);
  ASSERT_TRUE(end_[0].bev && end_[1].bev);
  for (End& e : end_) bufferevent_enable(e.bev, EV_READ | EV_WRITE);
  ASSERT_TRUE(RunUntil([this] { return Closed(0) && Closed(1); }));
  EXPECT_TRUE(HasEvent(end_[1].log, BEV_EVENT_ERROR));
  EXPECT_NE(bufferevent_get_openssl_error(end_[1].bev), 0u);
  EXPECT_FALSE(Connected(0) || Connected(1));
}

// A server end whose peer is a plain TCP socket the test drives.
class TlsPlainPeer : public TlsTest {
 protected:
  void StartServer() {
    ASSERT_NO_FATAL_FAILURE(TcpPair());
    ASSERT_NE(NewEnd(1, kSocket, BUFFEREVENT_SSL_ACCEPTING), nullptr);
    ASSERT_EQ(bufferevent_enable(end_[1].bev, EV_READ | EV_WRITE), 0);
  }
};

TEST_F(TlsPlainPeer, GarbageInsteadOfAClientHelloIsAnError) {
  EVC_RULE("bufferevent_ssl.h/BUFFEREVENT_SSL_ACCEPTING/garbage",
           "bufferevent_ssl.h: an accepting SSL bufferevent whose peer speaks plain HTTP fails "
           "the handshake: BEV_EVENT_ERROR, not CONNECTED, a nonzero OpenSSL error, no read "
           "callback");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const char req[] = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
  ASSERT_EQ(send(fd_[0], req, sizeof req - 1, 0), static_cast<ssize_t>(sizeof req - 1));
  ASSERT_TRUE(RunUntil([this] { return Closed(1); }));
  EXPECT_TRUE(HasEvent(end_[1].log, BEV_EVENT_ERROR));
  EXPECT_FALSE(Connected(1));
  EXPECT_NE(bufferevent_get_openssl_error(end_[1].bev), 0u);
  EXPECT_EQ(end_[1].log.reads, 0);
}

TEST_F(TlsPlainPeer, PeerClosingBeforeTheHandshakeIsAnError) {
  EVC_RULE("bufferevent_ssl.h/BUFFEREVENT_SSL_ACCEPTING/peer-closes",
           "bufferevent_ssl.h: a TCP close before any TLS close is a dirty shutdown, "
           "BEV_EVENT_ERROR by default: so a peer that connects and closes without a client "
           "hello ends the accepting SSL bufferevent with an error, never CONNECTED");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  CloseFd(0);
  ASSERT_TRUE(RunUntil([this] { return Closed(1); }));
  EXPECT_TRUE(HasEvent(end_[1].log, BEV_EVENT_ERROR));
  EXPECT_FALSE(Connected(1));
}

TEST_F(TlsPlainPeer, GarbageFromAPlainServerFailsTheClient) {
  EVC_RULE("bufferevent_ssl.h/BUFFEREVENT_SSL_CONNECTING/garbage",
           "bufferevent_ssl.h: a connecting SSL bufferevent whose server answers the client hello "
           "with plain text fails the handshake: BEV_EVENT_ERROR and a nonzero OpenSSL error");
  ASSERT_NO_FATAL_FAILURE(TcpPair());
  ASSERT_NE(NewEnd(0, kSocket, BUFFEREVENT_SSL_CONNECTING), nullptr);
  ASSERT_EQ(bufferevent_enable(end_[0].bev, EV_READ | EV_WRITE), 0);
  const std::string junk(200, 'x');
  ASSERT_EQ(send(fd_[1], junk.data(), junk.size(), 0), static_cast<ssize_t>(junk.size()));
  ASSERT_TRUE(RunUntil([this] { return Closed(0); }));
  EXPECT_TRUE(HasEvent(end_[0].log, BEV_EVENT_ERROR));
  EXPECT_NE(bufferevent_get_openssl_error(end_[0].bev), 0u);
}

TEST_F(TlsPlainPeer, OpensslErrorsAreKeptMostRecentFirstThenZero) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_get_openssl_error/drained",
           "observed libevent 2.1.12: bufferevent_get_openssl_error returns the errors kept at "
           "the failure (at most 3) one per call, then 0; 0 on an SSL "
           "bufferevent that had no error");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  EXPECT_EQ(bufferevent_get_openssl_error(end_[1].bev), 0u);
  const char req[] = "GET / HTTP/1.0\r\n\r\n";
  ASSERT_EQ(send(fd_[0], req, sizeof req - 1, 0), static_cast<ssize_t>(sizeof req - 1));
  ASSERT_TRUE(RunUntil([this] { return Closed(1); }));
  const std::vector<unsigned long> errs = OpensslErrors(end_[1].bev);
  EXPECT_GE(errs.size(), 1u);
  EXPECT_LE(errs.size(), 3u);
  EXPECT_EQ(bufferevent_get_openssl_error(end_[1].bev), 0u);
}

}  // namespace
}  // namespace evc
