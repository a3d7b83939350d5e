// Fixture for the TLS-bufferevent suite (event2/bufferevent_ssl.h): two
// ends of one TLS connection on 127.0.0.1, client (0) and server (1), each
// a bufferevent logging its callbacks (BevLog), made in one of three ways:
// bufferevent_openssl_socket_new on a TCP socket, bufferevent_openssl_filter_new
// over a socket bufferevent, or the filter over one end of a bufferevent
// pair. Certificates come from tls_certs.h (made in memory, once).
#ifndef EVC_TLS_FIXTURE_H
#define EVC_TLS_FIXTURE_H

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <csignal>
#include <string>

#include "../bufferevent/bufferevent_fixture.h"
#include "tls_certs.h"

namespace evc {

enum Transport { kSocket, kFilter, kFilterOverPair };

inline std::string TransportName(Transport t) {
  return t == kSocket ? "Socket" : t == kFilter ? "Filter" : "FilterOverPair";
}

// Bytes of a transfer: a pattern that shows loss, reordering and
// duplication (no period shorter than the transfer: any 8 bytes name their
// place).
inline std::string Pattern(size_t n, size_t seed = 0) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    const uint64_t x = (i / 4 + seed * 0x9e3779b97f4a7c15ull) * 0xff51afd7ed558ccdull;
    s[i] = static_cast<char>((x >> (8 * (i % 4) + 24)) & 0xff);
  }
  return s;
}

inline bool HasEvent(const BevLog& log, short what) {
  for (short e : log.events)
    if ((e & what) == what) return true;
  return false;
}
inline int CountEvents(const BevLog& log, short what) {
  int n = 0;
  for (short e : log.events) n += (e & what) == what;
  return n;
}

class TlsTest : public EventTest {
 protected:
  struct End {
    bufferevent* bev = nullptr;
    bufferevent* under = nullptr;  // the filter's underlying, when there is one
    SSL* ssl = nullptr;
    bool owns_ssl = false;  // the test frees ssl (no BEV_OPT_CLOSE_ON_FREE)
    bool owns_under = false;
    BevLog log;
    std::string got;  // what Collect drained from the input
  };

  void SetUp() override {
    // An SSL end writes (an alert, the rest of its output) to a peer that
    // may be gone: as every network program must (the libevent book), the
    // tests ignore SIGPIPE, which would otherwise end the process.
    signal(SIGPIPE, SIG_IGN);
    EventTest::SetUp();
  }
  void TearDown() override {
    for (int i = 0; i < 2; ++i) FreeEnd(i);
    if (base_) Settle();
    for (int i = 0; i < 2; ++i) CloseFd(i);
    EventTest::TearDown();
  }

  // fd_[0] (client) and fd_[1] (server): a TCP connection on 127.0.0.1,
  // non-blocking unless asked.
  void TcpPair(bool nonblocking = true) {
    uint16_t port = 0;
    const int lfd = ListenLoopback(AF_INET, port);
    ASSERT_GE(lfd, 0);
    fd_[0] = ConnectLoopback(port);
    fd_[1] = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    close(lfd);
    ASSERT_GE(fd_[0], 0);
    ASSERT_GE(fd_[1], 0);
    if (nonblocking) SetNonBlocking();
  }
  void SetNonBlocking() {
    for (int fd : fd_)
      if (fd >= 0) evutil_make_socket_nonblocking(fd);
  }
  void CloseFd(int i) {
    if (fd_[i] >= 0) close(fd_[i]);
    fd_[i] = -1;
  }

  static SSL_CTX* CtxFor(int i) { return i == 0 ? tls::ClientCtx() : tls::ServerCtx(); }
  static bufferevent_ssl_state StartState(int i) {
    return i == 0 ? BUFFEREVENT_SSL_CONNECTING : BUFFEREVENT_SSL_ACCEPTING;
  }

  // End i on fd_[i] (or under it, for the filters) in `state`, with ssl (a
  // new one from ctx when null). With BEV_OPT_CLOSE_ON_FREE the bufferevent
  // owns the SSL, the fd and the underlying.
  bufferevent* NewEnd(int i, Transport t, bufferevent_ssl_state state, int options = BEV_OPT_CLOSE_ON_FREE,
                      SSL_CTX* ctx = nullptr, SSL* ssl = nullptr) {
    End& e = end_[i];
    e.ssl = ssl ? ssl : SSL_new(ctx ? ctx : CtxFor(i));
    const bool close_on_free = (options & BEV_OPT_CLOSE_ON_FREE) != 0;
    if (t == kSocket) {
      e.bev = bufferevent_openssl_socket_new(base_, fd_[i], e.ssl, state, options);
    } else {
      if (t == kFilter) {
        e.under = bufferevent_socket_new(base_, fd_[i], BEV_OPT_CLOSE_ON_FREE);
      } else {
        // One pair for both ends: made by whichever end comes first.
        if (pair_[0] == nullptr && pair_[1] == nullptr && bufferevent_pair_new(base_, 0, pair_) != 0)
          return nullptr;
        e.under = pair_[i];
        pair_[i] = nullptr;
      }
      e.owns_under = true;  // until the filter takes it
      e.bev = bufferevent_openssl_filter_new(base_, e.under, e.ssl, state, options);
    }
    if (e.bev == nullptr) return nullptr;
    if (e.under) e.owns_under = !close_on_free;
    if (close_on_free && t != kFilterOverPair) fd_[i] = -1;  // closed with the bufferevent
    if (t == kFilter && !close_on_free) fd_[i] = -1;         // closed with the underlying
    e.owns_ssl = !close_on_free;
    bufferevent_setcb(e.bev, BevLog::Read, BevLog::Write, BevLog::Event, &e.log);
    return e.bev;
  }

  // Both ends over a new connection, started in CONNECTING / ACCEPTING and
  // enabled for reading and writing.
  void NewEnds(Transport t, int options = BEV_OPT_CLOSE_ON_FREE) {
    if (t != kFilterOverPair) TcpPair();
    for (int i = 0; i < 2; ++i) {
      ASSERT_NE(NewEnd(i, t, StartState(i), options), nullptr) << "end " << i;
      ASSERT_EQ(bufferevent_enable(end_[i].bev, EV_READ | EV_WRITE), 0);
    }
  }
  // Both ends over a connection whose handshake plain blocking OpenSSL
  // calls finished, in BUFFEREVENT_SSL_OPEN.
  void NewOpenEnds(int options = BEV_OPT_CLOSE_ON_FREE) {
    SSL* ssl[2];
    ASSERT_NO_FATAL_FAILURE(BlockingHandshake(ssl));
    for (int i = 0; i < 2; ++i) {
      ASSERT_NE(NewEnd(i, kSocket, BUFFEREVENT_SSL_OPEN, options, nullptr, ssl[i]), nullptr);
      ASSERT_EQ(bufferevent_enable(end_[i].bev, EV_READ | EV_WRITE), 0);
    }
  }
  // A finished handshake on a new TCP connection (left non-blocking).
  void BlockingHandshake(SSL* ssl[2], SSL_CTX* client = tls::ClientCtx(), SSL_CTX* server = tls::ServerCtx()) {
    ASSERT_NO_FATAL_FAILURE(TcpPair(false));
    const bool ok = tls::BlockingHandshake(fd_[0], fd_[1], client, server, &ssl[0], &ssl[1]);
    SetNonBlocking();
    if (!ok) {
      SSL_free(ssl[0]);
      SSL_free(ssl[1]);
    }
    ASSERT_TRUE(ok) << "the blocking handshake failed";
  }

  // Runs the loop until done() holds (checked every 2 ms) or ms pass;
  // returns done().
  bool RunUntil(const std::function<bool()>& done, long ms = 5000) {
    const double deadline = NowMs() + ms;
    std::function<void()> check = [&] {
      if (done() || NowMs() >= deadline) event_base_loopbreak(base_);
    };
    event* tick = event_new(
        base_, -1, EV_PERSIST, [](evutil_socket_t, short, void* f) { (*static_cast<std::function<void()>*>(f))(); },
        &check);
    const timeval period = Ms(2);
    event_add(tick, &period);
    if (!done()) event_base_dispatch(base_);
    event_free(tick);
    return done();
  }
  // Runs the loop for ms (a bound for tests that count what happens in a
  // period, e.g. how often a timeout fires).
  void RunFor(long ms) {
    RunUntil([] { return false; }, ms);
  }
  // A few loop passes without waiting: frees that finish in the loop.
  void Settle() {
    for (int i = 0; i < 4; ++i) event_base_loop(base_, EVLOOP_NONBLOCK);
  }

  bool Connected(int i) const { return HasEvent(end_[i].log, BEV_EVENT_CONNECTED); }
  bool BothConnected() const { return Connected(0) && Connected(1); }
  bool Closed(int i) const { return HasEvent(end_[i].log, BEV_EVENT_EOF) || HasEvent(end_[i].log, BEV_EVENT_ERROR); }

  // Appends what `in` holds to `to`, then drains it. In that order: libevent
  // 2.1.12 can run the read callback again from inside the drain (a drain
  // that resumes a suspended SSL filter reads and calls back at once), and
  // the later bytes that nested call appends must come after these.
  static void TakeAll(evbuffer* in, std::string& to) {
    const size_t n = evbuffer_get_length(in), at = to.size();
    to.resize(at + n);
    if (n) evbuffer_copyout(in, &to[at], n);
    evbuffer_drain(in, n);
  }
  // End i's read callback appends its input to end_[i].got.
  void Collect(int i) {
    end_[i].log.on_read = [this, i](bufferevent* b) { TakeAll(bufferevent_get_input(b), end_[i].got); };
  }
  // Sends data from end `from` to the other end; true once it all arrived.
  bool Transfer(int from, const std::string& data, long ms = 10000) {
    const int to = 1 - from;
    Collect(to);
    end_[to].got.clear();
    EXPECT_EQ(bufferevent_write(end_[from].bev, data.data(), data.size()), 0);
    const bool ok = RunUntil([&] { return end_[to].got.size() >= data.size() || Closed(to); }, ms);
    EXPECT_TRUE(end_[to].got == data) << "received " << end_[to].got.size() << " of " << data.size();
    return ok && end_[to].got == data;
  }

  void FreeEnd(int i) {
    End& e = end_[i];
    if (e.bev) bufferevent_free(e.bev);
    e.bev = nullptr;
    if (e.owns_under && e.under) bufferevent_free(e.under);
    e.under = nullptr;
    e.owns_under = false;
    if (e.owns_ssl && e.ssl) SSL_free(e.ssl);
    e.ssl = nullptr;
    e.owns_ssl = false;
    if (pair_[i]) bufferevent_free(pair_[i]);
    pair_[i] = nullptr;
  }

  // Every error the bufferevent reports, most recent first, until it says
  // 0 (at most `limit` calls).
  static std::vector<unsigned long> OpensslErrors(bufferevent* bev, int limit = 16) {
    std::vector<unsigned long> errs;
    for (int k = 0; k < limit; ++k) {
      const unsigned long e = bufferevent_get_openssl_error(bev);
      if (e == 0) break;
      errs.push_back(e);
    }
    return errs;
  }

  // The OpenSSL errors the bufferevent kept, as text (for failure messages;
  // reading them drains them).
  static std::string ErrorText(bufferevent* bev) {
    std::string out;
    for (unsigned long e : OpensslErrors(bev)) {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof buf);
      out += std::string(buf) + "; ";
    }
    return out;
  }

  End end_[2];
  int fd_[2] = {-1, -1};
  bufferevent* pair_[2] = {nullptr, nullptr};
};

// A TlsTest run over each transport.
class TlsTransportTest : public TlsTest, public ::testing::WithParamInterface<Transport> {};

// The parameterized suites run over a socket and a filter over a socket
// bufferevent; the filter over a pair has its own tests (TlsFilterPair):
// libevent 2.1.12 never starts a handshake there (see the expectations).
#define EVC_TLS_TRANSPORTS(suite)                                                      \
  INSTANTIATE_TEST_SUITE_P(Transports, suite, ::testing::Values(kSocket, kFilter),     \
                           [](const ::testing::TestParamInfo<Transport>& p) { return TransportName(p.param); })

}  // namespace evc

#endif  // EVC_TLS_FIXTURE_H
