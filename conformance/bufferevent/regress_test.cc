// Cases of libevent's regress suite (test/regress_bufferevent.c, 2.1.12)
// ported to the public API.
//
// Covered elsewhere: bufferevent/bufferevent_connect_fail (and its deferred
// form) is RefusedConnect.ReportsOneErrorWithErrno in lifecycle_test.cc.
#include "bufferevent_fixture.h"

namespace evc {
namespace {

// A socket bound to 127.0.0.1 (port 0) that never listens: a connect to its
// port is refused, and the port stays ours while it is open (the case's
// fake_listener_create).
int BoundNotListening(sockaddr_in& addr) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  addr = Loopback4(0);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  addr.sin_port = htons(LocalPort(fd));
  return fd;
}

class ConnectFailEventcb : public BufferEventTest, public ::testing::WithParamInterface<int> {
 protected:
  void TearDown() override {
    if (fake_listener_ >= 0) close(fake_listener_);
    BufferEventTest::TearDown();
  }
  int fake_listener_ = -1;
};

TEST_P(ConnectFailEventcb, ReadAndWriteEnabledGetOneEventAndNoReadOrWrite) {
  EVC_RULE("bufferevent.h/bufferevent_socket_connect/refused-read-write-enabled",
           "libevent regress bufferevent/bufferevent_connect_fail_eventcb (and _defer): with "
           "EV_READ|EV_WRITE enabled before the connect, a refused connect runs the event "
           "callback exactly once, with BEV_EVENT_ERROR, and never the read or write callback; "
           "the loop goes on (the case closes the refusing socket 100 ms later) and ends with "
           "nothing pending. The connect returns 0 (or -1, which the case accepts too: then at "
           "most that one event callback)");
  sockaddr_in addr;
  fake_listener_ = BoundNotListening(addr);
  ASSERT_GE(fake_listener_, 0);
  bev_ = bufferevent_socket_new(base_, -1, BEV_OPT_CLOSE_ON_FREE | GetParam());
  ASSERT_NE(bev_, nullptr);
  bufferevent_setcb(bev_, BevLog::Read, BevLog::Write, BevLog::Event, &log_bev_);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ | EV_WRITE), 0);
  const int r = bufferevent_socket_connect(bev_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ASSERT_TRUE(r == 0 || r == -1) << r;
  if (r == 0) EXPECT_TRUE(log_bev_.events.empty()) << "the failure is reported by the loop";

  Probe& closer = NewProbe("close-listener");
  closer.action = [this](Probe&) {
    close(fake_listener_);
    fake_listener_ = -1;
  };
  timeval later = Ms(100);
  ASSERT_EQ(event_add(NewTimer(closer), &later), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(closer.calls, 1);
  if (r == 0) {
    ASSERT_EQ(log_bev_.events.size(), 1u);
    EXPECT_NE(log_bev_.events[0] & BEV_EVENT_ERROR, 0) << log_bev_.events[0];
  } else {
    EXPECT_LE(log_bev_.events.size(), 1u);
  }
  EXPECT_EQ(log_bev_.reads, 0);
  EXPECT_EQ(log_bev_.writes, 0);
}

INSTANTIATE_TEST_SUITE_P(Options, ConnectFailEventcb, ::testing::Values(0, BEV_OPT_DEFER_CALLBACKS),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(info.param ? "Deferred" : "Direct");
                         });

}  // namespace
}  // namespace evc
