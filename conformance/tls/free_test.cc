// TLS bufferevents freed inside their own callbacks (read, write, event),
// with and without BEV_OPT_DEFER_CALLBACKS, and a filter's underlying
// bufferevent freed inside the filter's callback.
#include <tuple>

#include "tls_fixture.h"

namespace evc {
namespace {

class TlsFreeInside : public TlsTest, public ::testing::WithParamInterface<std::tuple<Transport, bool>> {
 protected:
  Transport transport() const { return std::get<0>(GetParam()); }
  int Options(int base_options = BEV_OPT_CLOSE_ON_FREE) const {
    return base_options | (std::get<1>(GetParam()) ? BEV_OPT_DEFER_CALLBACKS : 0);
  }
  // Connected ends; the server's SSL is watched, and its socket noted.
  void Start(int options) {
    ASSERT_NO_FATAL_FAILURE(NewEnds(transport(), options));
    ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
    Watch();
  }
  void Watch() {
    tls::WatchFree(end_[1].ssl, &ssl_frees_);
    server_fd_ = bufferevent_getfd(end_[1].bev);
  }
  // The server end frees itself (it owns its SSL and transport).
  void FreeServer() {
    bufferevent_free(end_[1].bev);
    end_[1].bev = nullptr;
    freed_ = true;
    at_free_ = end_[1].log;
  }
  // After the free: no callback of the server end runs again, and what it
  // owned is gone.
  void ExpectServerGone() {
    RunFor(30);
    Settle();
    ASSERT_TRUE(freed_);
    EXPECT_EQ(end_[1].log.events, at_free_.events);
    EXPECT_EQ(end_[1].log.reads, at_free_.reads);
    EXPECT_EQ(end_[1].log.writes, at_free_.writes);
    // The free may finish in a later loop pass (libevent finalizes the
    // bufferevent there): the SSL is freed at the latest with the base.
    FreeEnd(0);
    Settle();
    event_base_free(base_);
    base_ = nullptr;
    EXPECT_EQ(ssl_frees_, 1);
    EXPECT_FALSE(FdIsOpen(server_fd_));
  }
  int ssl_frees_ = 0;
  int server_fd_ = -1;
  bool freed_ = false;
  BevLog at_free_;  // the server's log when it was freed
};
INSTANTIATE_TEST_SUITE_P(Cases, TlsFreeInside,
                         ::testing::Combine(::testing::Values(kSocket, kFilter), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<Transport, bool>>& p) {
                           return TransportName(std::get<0>(p.param)) + (std::get<1>(p.param) ? "Deferred" : "Immediate");
                         });

TEST_P(TlsFreeInside, ReadCallback) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/free-inside-read-cb",
           "bufferevent.h: bufferevent_free inside an SSL bufferevent's read callback is safe: "
           "no callback runs afterwards, and BEV_OPT_CLOSE_ON_FREE frees its SSL and transport");
  ASSERT_NO_FATAL_FAILURE(Start(Options()));
  end_[1].log.on_read = [this](bufferevent*) { FreeServer(); };
  ASSERT_EQ(bufferevent_write(end_[0].bev, "one", 3), 0);
  ASSERT_TRUE(RunUntil([this] { return freed_; }));
  FreeEnd(0);  // a dirty close is ready too: it must not be reported
  ExpectServerGone();
}

TEST_P(TlsFreeInside, WriteCallback) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/free-inside-write-cb",
           "bufferevent.h: bufferevent_free inside an SSL bufferevent's write callback is safe: "
           "no callback runs afterwards, and BEV_OPT_CLOSE_ON_FREE frees its SSL and transport");
  ASSERT_NO_FATAL_FAILURE(Start(Options()));
  end_[1].log.writes = 0;
  end_[1].log.on_write = [this](bufferevent*) { FreeServer(); };
  ASSERT_EQ(bufferevent_write(end_[1].bev, "bye", 3), 0);
  ASSERT_TRUE(RunUntil([this] { return freed_; }));
  FreeEnd(0);
  ExpectServerGone();
}

TEST_P(TlsFreeInside, EventCallbackOnConnected) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/free-inside-connected-cb",
           "bufferevent.h: bufferevent_free inside an SSL bufferevent's event callback for "
           "BEV_EVENT_CONNECTED is safe: no callback runs afterwards, and its SSL and transport "
           "are freed");
  ASSERT_NO_FATAL_FAILURE(NewEnds(transport(), Options()));
  Watch();
  end_[1].log.on_event = [this](bufferevent*, short what) {
    if (what & BEV_EVENT_CONNECTED) FreeServer();
  };
  ASSERT_EQ(bufferevent_write(end_[0].bev, "early", 5), 0);
  ASSERT_TRUE(RunUntil([this] { return freed_; }));
  EXPECT_EQ(end_[1].log.events.size(), 1u);  // the one it was freed in
  ExpectServerGone();
}

TEST_P(TlsFreeInside, EventCallbackOnError) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/free-inside-error-cb",
           "bufferevent.h: bufferevent_free inside an SSL bufferevent's event callback for the "
           "error of a dirty shutdown is safe: no callback runs afterwards, and its SSL and "
           "transport are freed");
  ASSERT_NO_FATAL_FAILURE(Start(Options()));
  end_[1].log.events.clear();
  end_[1].log.on_event = [this](bufferevent*, short) { FreeServer(); };
  FreeEnd(0);  // no close_notify
  ASSERT_TRUE(RunUntil([this] { return freed_; }));
  EXPECT_EQ(end_[1].log.events.size(), 1u);  // the one it was freed in
  ExpectServerGone();
}

// The underlying of a filter (socket SSL bufferevents have none), freed by
// the user (the filter has no BEV_OPT_CLOSE_ON_FREE) inside one of the
// filter's callbacks; then the filter is freed.
class TlsFreeUnderlyingInside : public TlsFreeInside {
 protected:
  void FreeUnderlying() {
    bufferevent_free(end_[1].under);
    end_[1].under = nullptr;
    end_[1].owns_under = false;
    freed_ = true;
    at_free_ = end_[1].log;
  }
  // After the free, more data from the peer: no callback of the filter
  // runs for it; freeing the filter then releases everything.
  void ExpectReleased() {
    ASSERT_TRUE(RunUntil([this] { return freed_; }));
    bufferevent_write(end_[0].bev, "more", 4);
    RunFor(30);
    EXPECT_EQ(end_[1].log.reads, at_free_.reads);
    FreeEnd(1);
    Settle();
    EXPECT_FALSE(FdIsOpen(server_fd_));
  }
};
INSTANTIATE_TEST_SUITE_P(Cases, TlsFreeUnderlyingInside, ::testing::Combine(::testing::Values(kFilter), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<Transport, bool>>& p) {
                           return std::string(std::get<1>(p.param) ? "Deferred" : "Immediate");
                         });

TEST_P(TlsFreeUnderlyingInside, ReadCallback) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_filter_new/underlying-freed-inside-cb",
           "bufferevent.h: a filter without BEV_OPT_CLOSE_ON_FREE leaves its underlying to the "
           "user, who may free it inside the SSL filter's read callback: no callback of the "
           "filter runs for its transport afterwards, and freeing the filter then releases "
           "everything (the socket is closed)");
  ASSERT_NO_FATAL_FAILURE(Start(Options(0)));
  end_[1].log.on_read = [this](bufferevent*) { FreeUnderlying(); };
  ASSERT_EQ(bufferevent_write(end_[0].bev, "one", 3), 0);
  ExpectReleased();
}

TEST_P(TlsFreeUnderlyingInside, WriteCallback) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_filter_new/underlying-freed-inside-write-cb",
           "bufferevent.h: the user may free a filter's underlying (no BEV_OPT_CLOSE_ON_FREE) "
           "inside the SSL filter's write callback: no read callback follows, and freeing the "
           "filter then releases everything (the socket is closed)");
  ASSERT_NO_FATAL_FAILURE(Start(Options(0)));
  end_[1].log.on_write = [this](bufferevent*) { FreeUnderlying(); };
  ASSERT_EQ(bufferevent_write(end_[1].bev, "out", 3), 0);
  ExpectReleased();
}

TEST_P(TlsFreeUnderlyingInside, EventCallbackOnConnected) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_filter_new/underlying-freed-inside-connected-cb",
           "bufferevent.h: the user may free a filter's underlying (no BEV_OPT_CLOSE_ON_FREE) "
           "inside the SSL filter's event callback for BEV_EVENT_CONNECTED: no read callback "
           "follows, and freeing the filter then releases everything (the socket is closed)");
  ASSERT_NO_FATAL_FAILURE(NewEnds(transport(), Options(0)));
  Watch();
  end_[1].log.on_event = [this](bufferevent*, short what) {
    if (what & BEV_EVENT_CONNECTED) FreeUnderlying();
  };
  ExpectReleased();
}

}  // namespace
}  // namespace evc
