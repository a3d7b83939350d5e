// TLS bufferevents: the handshake in each start state (connecting,
// accepting, already open), over a socket, a socket created by
// bufferevent_socket_connect, a filter over a socket bufferevent and a
// filter over a bufferevent pair; BEV_EVENT_CONNECTED and what the SSL
// holds then.
#include "tls_fixture.h"

namespace evc {
namespace {

using TlsHandshake = TlsTransportTest;
EVC_TLS_TRANSPORTS(TlsHandshake);

TEST_P(TlsHandshake, ConnectingEndReportsConnectedOnce) {
  EVC_RULE("bufferevent_ssl.h/BUFFEREVENT_SSL_CONNECTING",
           "bufferevent_ssl.h: an SSL bufferevent created in BUFFEREVENT_SSL_CONNECTING runs the "
           "client handshake; bufferevent.h: its event callback is told BEV_EVENT_CONNECTED once "
           "it is done, and nothing else");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  RunFor(20);  // anything else the handshake would report
  EXPECT_EQ(end_[0].log.events, std::vector<short>{BEV_EVENT_CONNECTED});
}

TEST_P(TlsHandshake, AcceptingEndReportsConnectedOnce) {
  EVC_RULE("bufferevent_ssl.h/BUFFEREVENT_SSL_ACCEPTING",
           "bufferevent_ssl.h: an SSL bufferevent created in BUFFEREVENT_SSL_ACCEPTING runs the "
           "server handshake; its event callback is told BEV_EVENT_CONNECTED once it is done, "
           "and nothing else");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  RunFor(20);
  EXPECT_EQ(end_[1].log.events, std::vector<short>{BEV_EVENT_CONNECTED});
}

TEST_P(TlsHandshake, ClientHasTheVerifiedServerCertificateWhenConnected) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_get_ssl/verified-at-connected",
           "bufferevent_ssl.h: bufferevent_openssl_get_ssl returns the SSL given at creation; "
           "when BEV_EVENT_CONNECTED is reported its handshake is finished and, with "
           "SSL_VERIFY_PEER, the server's certificate was verified");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  SSL* seen = nullptr;
  bool finished = false;
  long verify = -1;
  X509* peer = nullptr;
  end_[0].log.on_event = [&](bufferevent* b, short what) {
    if (!(what & BEV_EVENT_CONNECTED)) return;
    seen = bufferevent_openssl_get_ssl(b);
    finished = SSL_is_init_finished(seen);
    verify = SSL_get_verify_result(seen);
    peer = SSL_get1_peer_certificate(seen);
  };
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  EXPECT_EQ(seen, end_[0].ssl);
  EXPECT_TRUE(finished);
  EXPECT_EQ(verify, X509_V_OK);
  EXPECT_NE(peer, nullptr);
  X509_free(peer);
}

TEST_P(TlsHandshake, DataWrittenBeforeTheHandshakeIsSentAfterIt) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/write-before-handshake",
           "libevent regress ssl/bufferevent_socketpair: data added to an SSL bufferevent's output "
           "before the handshake is done is sent, encrypted, once it is, and arrives intact");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  EXPECT_TRUE(Transfer(0, "hello before the handshake"));
}

TEST_F(TlsHandshake, OpenStateCarriesDataAfterABlockingHandshake) {
  EVC_RULE("bufferevent_ssl.h/BUFFEREVENT_SSL_OPEN",
           "bufferevent_ssl.h: BUFFEREVENT_SSL_OPEN is the state of an SSL object whose handshake "
           "is already done (here by plain SSL_connect / SSL_accept): the bufferevent reads and "
           "writes through it at once, both ways, with no error");
  ASSERT_NO_FATAL_FAILURE(NewOpenEnds());
  EXPECT_TRUE(Transfer(0, "from the client"));
  EXPECT_TRUE(Transfer(1, "from the server"));
  for (const End& e : end_) {
    EXPECT_FALSE(HasEvent(e.log, BEV_EVENT_ERROR));
    EXPECT_FALSE(HasEvent(e.log, BEV_EVENT_EOF));
  }
}

// Both ends TLS filters over the two ends of one bufferevent pair.
using TlsFilterPair = TlsTest;

TEST_F(TlsFilterPair, BothEndsReportConnected) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_filter_new/over-pair",
           "bufferevent_ssl.h: bufferevent_openssl_filter_new sends its data over another "
           "bufferevent, any kind: over the two ends of a bufferevent pair, a connecting and an "
           "accepting SSL filter complete the handshake and each reports BEV_EVENT_CONNECTED");
  ASSERT_NO_FATAL_FAILURE(NewEnds(kFilterOverPair));
  EXPECT_TRUE(RunUntil([this] { return BothConnected(); }, 2000));
  EXPECT_EQ(end_[0].log.events, std::vector<short>{BEV_EVENT_CONNECTED});
  EXPECT_EQ(end_[1].log.events, std::vector<short>{BEV_EVENT_CONNECTED});
}

TEST_F(TlsFilterPair, DataCrossesBothWays) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_filter_new/over-pair-data",
           "bufferevent_ssl.h: SSL filters over the two ends of a bufferevent pair carry data "
           "both ways, more than a TLS record, written before the handshake is done");
  ASSERT_NO_FATAL_FAILURE(NewEnds(kFilterOverPair));
  EXPECT_TRUE(Transfer(0, Pattern(100000, 1), 2000));
  EXPECT_TRUE(Transfer(1, Pattern(100000, 2), 2000));
}

// The client made with fd -1, then bufferevent_socket_connect; the server
// accepts in a listener callback.
class TlsConnect : public TlsTest {
 protected:
  void Start(int options) {
    uint16_t port = 0;
    lfd_ = ListenLoopback(AF_INET, port);
    ASSERT_GE(lfd_, 0);
    accept_ = event_new(
        base_, lfd_, EV_READ,
        [](evutil_socket_t lfd, short, void* self) {
          TlsConnect* t = static_cast<TlsConnect*>(self);
          t->fd_[1] = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
          if (t->NewEnd(1, kSocket, BUFFEREVENT_SSL_ACCEPTING) != nullptr)
            bufferevent_enable(t->end_[1].bev, EV_READ | EV_WRITE);
        },
        this);
    event_add(accept_, nullptr);
    ASSERT_NE(NewEnd(0, kSocket, BUFFEREVENT_SSL_CONNECTING, options), nullptr);
    EXPECT_EQ(bufferevent_getfd(end_[0].bev), -1);
    const sockaddr_in sin = Loopback4(port);
    ASSERT_EQ(bufferevent_socket_connect(end_[0].bev, reinterpret_cast<const sockaddr*>(&sin), sizeof sin), 0);
    ASSERT_EQ(bufferevent_enable(end_[0].bev, EV_READ | EV_WRITE), 0);
  }
  void TearDown() override {
    if (accept_) event_free(accept_);
    if (lfd_ >= 0) close(lfd_);
    TlsTest::TearDown();
  }
  int lfd_ = -1;
  event* accept_ = nullptr;
};

TEST_F(TlsConnect, SocketConnectOnAnSslBufferEventWithoutFdHandshakes) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/fd-minus-one-then-connect",
           "libevent regress ssl/bufferevent_connect: an SSL bufferevent made with fd -1 gets its "
           "socket from bufferevent_socket_connect, runs the handshake after the TCP connect, "
           "reports BEV_EVENT_CONNECTED, and carries data both ways");
  ASSERT_NO_FATAL_FAILURE(Start(BEV_OPT_CLOSE_ON_FREE));
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  EXPECT_GE(bufferevent_getfd(end_[0].bev), 0);
  EXPECT_FALSE(HasEvent(end_[0].log, BEV_EVENT_ERROR));
  EXPECT_TRUE(Transfer(0, "ping"));
  EXPECT_TRUE(Transfer(1, "pong"));
}

TEST_F(TlsConnect, TheHandshakeIsDoneWheneverConnectedIsReported) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/connected-after-handshake",
           "bufferevent_ssl.h, bufferevent.h: on an SSL bufferevent BEV_EVENT_CONNECTED means the "
           "SSL connection is up: every time it is reported the handshake is finished (the TCP "
           "connect is not reported on its own), with deferred callbacks too");
  ASSERT_NO_FATAL_FAILURE(Start(BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS));
  int connected = 0, finished = 0;
  end_[0].log.on_event = [&](bufferevent* b, short what) {
    if (!(what & BEV_EVENT_CONNECTED)) return;
    ++connected;
    finished += SSL_is_init_finished(bufferevent_openssl_get_ssl(b));
  };
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  RunFor(20);
  EXPECT_GE(connected, 1);
  EXPECT_EQ(finished, connected);
}

}  // namespace
}  // namespace evc
