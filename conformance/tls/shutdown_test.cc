// TLS bufferevents: how a connection ends (close_notify, a dirty shutdown
// with bufferevent_openssl_set_allow_dirty_shutdown on and off, a peer
// that closes in the middle of a record), what BEV_OPT_CLOSE_ON_FREE
// frees, and renegotiation (bufferevent_ssl_renegotiate).
#include "tls_fixture.h"

namespace evc {
namespace {

// The server end is an SSL bufferevent in BUFFEREVENT_SSL_OPEN (socket or
// filter over a socket bufferevent); its peer is plain OpenSSL on a
// blocking socket, driven by the test.
class TlsShutdown : public TlsTest, public ::testing::WithParamInterface<Transport> {
 protected:
  void TearDown() override {
    if (peer_) SSL_free(peer_);
    TlsTest::TearDown();
  }
  void Start(int allow_dirty_shutdown) {
    SSL* ssl[2];
    ASSERT_NO_FATAL_FAILURE(BlockingHandshake(ssl));
    peer_ = ssl[0];
    const int flags = fcntl(fd_[0], F_GETFL);
    fcntl(fd_[0], F_SETFL, flags & ~O_NONBLOCK);
    ASSERT_NE(NewEnd(1, GetParam(), BUFFEREVENT_SSL_OPEN, BEV_OPT_CLOSE_ON_FREE, nullptr, ssl[1]), nullptr);
    bufferevent_openssl_set_allow_dirty_shutdown(end_[1].bev, allow_dirty_shutdown);
    ASSERT_EQ(bufferevent_enable(end_[1].bev, EV_READ | EV_WRITE), 0);
    Collect(1);
  }
  void PeerWrite(const std::string& s) { ASSERT_EQ(SSL_write(peer_, s.data(), static_cast<int>(s.size())), static_cast<int>(s.size())); }
  // The first n bytes of the TLS record(s) that SSL_write makes of s, sent
  // raw on the peer's socket.
  void PeerWritePartialRecord(const std::string& s, size_t keep) {
    BIO* mem = BIO_new(BIO_s_mem());
    SSL_set0_wbio(peer_, mem);  // writes go to mem now (the SSL owns it)
    ASSERT_EQ(SSL_write(peer_, s.data(), static_cast<int>(s.size())), static_cast<int>(s.size()));
    char* bytes = nullptr;
    const long n = BIO_get_mem_data(mem, &bytes);
    ASSERT_GT(static_cast<size_t>(n), keep);
    ASSERT_EQ(send(fd_[0], bytes, keep, 0), static_cast<ssize_t>(keep));
  }
  bool Ended() { return RunUntil([this] { return Closed(1); }); }
  // The server end got `data`, then one event: `want`, not `not_want`.
  void ExpectEnd(const std::string& data, short want, short not_want) {
    ASSERT_TRUE(Ended());
    EXPECT_EQ(end_[1].got, data);
    ASSERT_EQ(end_[1].log.events.size(), 1u);
    EXPECT_TRUE(end_[1].log.events[0] & want) << end_[1].log.events[0] << "; " << ErrorText(end_[1].bev);
    EXPECT_FALSE(end_[1].log.events[0] & not_want) << end_[1].log.events[0];
  }
  // A TCP close without close_notify: a FIN (shutdown), never a reset
  // (closing with the server's unread TLS 1.3 session tickets would send one).
  void PeerCloseTcp() { ASSERT_EQ(shutdown(fd_[0], SHUT_WR), 0); }

  SSL* peer_ = nullptr;
};
INSTANTIATE_TEST_SUITE_P(Transports, TlsShutdown, ::testing::Values(kSocket, kFilter),
                         [](const ::testing::TestParamInfo<Transport>& p) { return TransportName(p.param); });

TEST_P(TlsShutdown, CloseNotifyIsEndOfFileAfterTheData) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_set_allow_dirty_shutdown/close-notify",
           "bufferevent_ssl.h: only a TCP close before the SSL channel is closed is a dirty "
           "shutdown: a peer that sends close_notify ends the SSL bufferevent with "
           "BEV_EVENT_EOF (not ERROR, even with dirty shutdowns not allowed), after its data");
  ASSERT_NO_FATAL_FAILURE(Start(0));
  PeerWrite("last words");
  ASSERT_GE(SSL_shutdown(peer_), 0);
  ExpectEnd("last words", BEV_EVENT_EOF, BEV_EVENT_ERROR);
}

TEST_P(TlsShutdown, DirtyShutdownIsAnErrorByDefault) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_set_allow_dirty_shutdown/default",
           "bufferevent_ssl.h: if the peer closes the TCP connection before closing the SSL "
           "channel, and allow_dirty_shutdown is 0 (default), this is reported as "
           "BEV_EVENT_ERROR; the data before it arrives");
  ASSERT_NO_FATAL_FAILURE(Start(0));
  PeerWrite("cut");
  PeerCloseTcp();
  ExpectEnd("cut", BEV_EVENT_ERROR, BEV_EVENT_EOF);
}

TEST_P(TlsShutdown, DirtyShutdownAllowedIsEndOfFile) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_set_allow_dirty_shutdown",
           "bufferevent_ssl.h: if instead allow_dirty_shutdown=1, a dirty shutdown (the peer "
           "closes the TCP connection without close_notify) is reported as BEV_EVENT_EOF");
  ASSERT_NO_FATAL_FAILURE(Start(1));
  PeerWrite("cut");
  PeerCloseTcp();
  ExpectEnd("cut", BEV_EVENT_EOF, BEV_EVENT_ERROR);
}

TEST_P(TlsShutdown, PeerClosingInTheMiddleOfARecordIsAnError) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/truncated-record",
           "bufferevent_ssl.h: a peer that closes the TCP connection in the middle of a TLS "
           "record shuts down dirtily: BEV_EVENT_ERROR by default, and none of the record's "
           "bytes reach the input");
  ASSERT_NO_FATAL_FAILURE(Start(0));
  ASSERT_NO_FATAL_FAILURE(PeerWritePartialRecord(std::string(1000, 'r'), 100));
  PeerCloseTcp();
  ASSERT_TRUE(Ended());
  EXPECT_TRUE(HasEvent(end_[1].log, BEV_EVENT_ERROR));
  EXPECT_EQ(end_[1].got, "");
  EXPECT_EQ(evbuffer_get_length(bufferevent_get_input(end_[1].bev)), 0u);
}

// What BEV_OPT_CLOSE_ON_FREE frees: the SSL (watched through an ex_data
// free callback) and the socket or the underlying bufferevent.
using TlsFree = TlsTransportTest;
EVC_TLS_TRANSPORTS(TlsFree);

TEST_P(TlsFree, CloseOnFreeFreesTheSslAndTheTransport) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/close-on-free",
           "bufferevent.h: BEV_OPT_CLOSE_ON_FREE closes the underlying transport when the "
           "bufferevent is freed: on an SSL bufferevent the SSL object is freed (once) and the "
           "socket, or the underlying bufferevent and its socket, are closed");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  int frees = 0;
  tls::WatchFree(end_[1].ssl, &frees);
  const int fd = bufferevent_getfd(end_[1].bev);
  FreeEnd(1);
  Settle();
  EXPECT_EQ(frees, 1);
  EXPECT_FALSE(FdIsOpen(fd)) << fd;
}

TEST_P(TlsFree, WithoutCloseOnFreeTheSslAndTheTransportStay) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/no-close-on-free",
           "bufferevent.h: without BEV_OPT_CLOSE_ON_FREE, freeing an SSL bufferevent leaves its "
           "SSL object to the caller (not freed) and its socket or underlying bufferevent open");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam(), 0));
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  int frees = 0;
  tls::WatchFree(end_[1].ssl, &frees);
  bufferevent_free(end_[1].bev);
  end_[1].bev = nullptr;
  Settle();
  EXPECT_EQ(frees, 0);
  if (GetParam() == kSocket) EXPECT_TRUE(FdIsOpen(fd_[1]));
  if (GetParam() == kFilter) EXPECT_TRUE(FdIsOpen(bufferevent_getfd(end_[1].under)));
  SSL_free(end_[1].ssl);
  end_[1].ssl = nullptr;
  EXPECT_EQ(frees, 1);
}

TEST_P(TlsFree, GetSslReturnsTheSslGiven) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_get_ssl",
           "bufferevent_ssl.h: bufferevent_openssl_get_ssl returns the underlying openssl SSL * "
           "object of an SSL bufferevent: the one it was created with, before and after the "
           "handshake");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  EXPECT_EQ(bufferevent_openssl_get_ssl(end_[0].bev), end_[0].ssl);
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  EXPECT_EQ(bufferevent_openssl_get_ssl(end_[0].bev), end_[0].ssl);
  EXPECT_EQ(bufferevent_openssl_get_ssl(end_[1].bev), end_[1].ssl);
}

TEST_P(TlsFree, AllowDirtyShutdownReadsBack) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_get_allow_dirty_shutdown",
           "bufferevent_ssl.h: allow_dirty_shutdown is 0 by default; "
           "bufferevent_openssl_get_allow_dirty_shutdown reads back what "
           "bufferevent_openssl_set_allow_dirty_shutdown set (nonzero for 1, 0 for 0)");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  EXPECT_EQ(bufferevent_openssl_get_allow_dirty_shutdown(end_[0].bev), 0);
  bufferevent_openssl_set_allow_dirty_shutdown(end_[0].bev, 1);
  EXPECT_NE(bufferevent_openssl_get_allow_dirty_shutdown(end_[0].bev), 0);
  bufferevent_openssl_set_allow_dirty_shutdown(end_[0].bev, 0);
  EXPECT_EQ(bufferevent_openssl_get_allow_dirty_shutdown(end_[0].bev), 0);
}

// Renegotiation: TLS 1.2 has it, TLS 1.3 does not.
class TlsRenegotiate : public TlsTest {
 protected:
  void Start(int version) {
    SSL_CTX* client = tls::NewCtx(false, version, version);
    SSL_CTX* server = tls::NewCtx(true, version, version);
    ASSERT_NO_FATAL_FAILURE(TcpPair());
    end_[0].bev = NewEnd(0, kSocket, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE, client);
    end_[1].bev = NewEnd(1, kSocket, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE, server);
    SSL_CTX_free(client);
    SSL_CTX_free(server);
    ASSERT_TRUE(end_[0].bev && end_[1].bev);
    for (End& e : end_) bufferevent_enable(e.bev, EV_READ | EV_WRITE);
    ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  }
  void ExpectNoFailure() {
    for (const End& e : end_) {
      EXPECT_FALSE(HasEvent(e.log, BEV_EVENT_ERROR));
      EXPECT_FALSE(HasEvent(e.log, BEV_EVENT_EOF));
    }
  }
};

TEST_F(TlsRenegotiate, ServerRenegotiationOnTls12KeepsTheConnection) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_ssl_renegotiate",
           "bufferevent_ssl.h: bufferevent_ssl_renegotiate tells a bufferevent to begin SSL "
           "renegotiation: on a TLS 1.2 connection the server's call starts it, the "
           "renegotiation completes as data flows, and data keeps flowing both ways without error");
  ASSERT_NO_FATAL_FAILURE(Start(TLS1_2_VERSION));
  const int r = bufferevent_ssl_renegotiate(end_[1].bev);
  EXPECT_GE(r, 0);
  EXPECT_TRUE(Transfer(1, "after renegotiate, from the server"));
  EXPECT_TRUE(Transfer(0, "after renegotiate, from the client"));
  EXPECT_TRUE(RunUntil([this] { return !SSL_renegotiate_pending(end_[1].ssl); }, 2000));
  EXPECT_TRUE(Transfer(1, "and after it completed"));
  ExpectNoFailure();
}

TEST_F(TlsRenegotiate, OnTls13TheConnectionGoesOn) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_ssl_renegotiate/tls13",
           "bufferevent_ssl.h: TLS 1.3 has no renegotiation, so bufferevent_ssl_renegotiate on "
           "a TLS 1.3 connection may fail (-1) or do nothing, but the connection goes on: data "
           "both ways, no error");
  ASSERT_NO_FATAL_FAILURE(Start(TLS1_3_VERSION));
  const int r = bufferevent_ssl_renegotiate(end_[0].bev);
  EXPECT_GE(r, -1);
  EXPECT_TRUE(Transfer(0, "from the client"));
  EXPECT_TRUE(Transfer(1, "from the server"));
  ExpectNoFailure();
}

}  // namespace
}  // namespace evc
