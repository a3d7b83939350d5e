// The rest of <event2/bufferevent.h> for socket bufferevents: triggering
// callbacks by hand, priorities, moving to another base, the enabled set,
// locking without threads, and connecting by (numeric) host name.
#include <arpa/inet.h>
#include <event2/util.h>

#include <ostream>

#include "bufferevent_fixture.h"

namespace evc {
namespace {

using BufferEventApi = BufferEventTest;

TEST_F(BufferEventApi, TriggerReadHonoursTheReadLowWatermark) {
  EVC_RULE("bufferevent.h/bufferevent_trigger/honours-watermarks",
           "bufferevent.h: bufferevent_trigger honors watermarks unless options contain "
           "BEV_TRIG_IGNORE_WATERMARKS");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_setwatermark(bev_, EV_READ, 4, 0);
  bufferevent_trigger(bev_, EV_READ, 0);  // input empty: below the low watermark
  EXPECT_EQ(log_bev_.reads, 0);
  bufferevent_trigger(bev_, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
  EXPECT_EQ(log_bev_.reads, 1);
  EXPECT_EQ(log_bev_.writes, 0);
}

TEST_F(BufferEventApi, TriggerWriteHonoursTheWriteLowWatermark) {
  EVC_RULE("bufferevent.h/bufferevent_trigger/write-low-watermark",
           "bufferevent.h: bufferevent_trigger(EV_WRITE) calls the write callback when the "
           "output is at or below its low watermark, or always with BEV_TRIG_IGNORE_WATERMARKS");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_disable(bev_, EV_WRITE), 0);  // keep the bytes in output
  ASSERT_EQ(bufferevent_write(bev_, "12345678", 8), 0);
  bufferevent_setwatermark(bev_, EV_WRITE, 4, 0);
  bufferevent_trigger(bev_, EV_WRITE, 0);
  EXPECT_EQ(log_bev_.writes, 0);
  bufferevent_trigger(bev_, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
  EXPECT_EQ(log_bev_.output_at_write, (std::vector<size_t>{8}));
  bufferevent_setwatermark(bev_, EV_WRITE, 8, 0);
  bufferevent_trigger(bev_, EV_WRITE, 0);
  EXPECT_EQ(log_bev_.writes, 2);
}

TEST_F(BufferEventApi, TriggerBothRunsReadThenWrite) {
  EVC_RULE("bufferevent.h/bufferevent_trigger/both-directions",
           "bufferevent.h: iotype is EV_READ or EV_WRITE or both: each callback whose watermark "
           "allows it runs once");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_trigger(bev_, EV_READ | EV_WRITE, 0);
  EXPECT_EQ(log_bev_.reads, 1);
  EXPECT_EQ(log_bev_.writes, 1);
}

TEST_F(BufferEventApi, TriggerWithDeferRunsFromTheLoop) {
  EVC_RULE("bufferevent.h/bufferevent_trigger/defer",
           "bufferevent.h: BEV_TRIG_DEFER_CALLBACKS defers the callbacks even if the "
           "bufferevent's are not: they run from the event loop, not inside the call");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_trigger(bev_, EV_READ, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
  bufferevent_trigger_event(bev_, BEV_EVENT_ERROR | BEV_EVENT_READING, BEV_TRIG_DEFER_CALLBACKS);
  EXPECT_EQ(log_bev_.reads, 0);
  EXPECT_TRUE(log_bev_.events.empty());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(log_bev_.reads, 1);
  EXPECT_EQ(log_bev_.events, (std::vector<short>{BEV_EVENT_ERROR | BEV_EVENT_READING}));
}

TEST_F(BufferEventApi, TriggerWithoutACallbackDoesNothing) {
  EVC_RULE("bufferevent.h/bufferevent_trigger/no-callback",
           "bufferevent.h: bufferevent_trigger runs the callbacks that are set; with none set it "
           "has no effect (and schedules nothing)");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_setcb(bev_, nullptr, nullptr, nullptr, nullptr);
  bufferevent_trigger(bev_, EV_READ | EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
  bufferevent_trigger_event(bev_, BEV_EVENT_EOF, BEV_TRIG_DEFER_CALLBACKS);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);  // nothing pending or active
  EXPECT_EQ(log_bev_.reads + log_bev_.writes, 0);
  EXPECT_TRUE(log_bev_.events.empty());
}

TEST_F(BufferEventApi, FreeInsideATriggeredCallbackIsSafe) {
  EVC_RULE("bufferevent.h/bufferevent_trigger/free-inside",
           "bufferevent.h: bufferevent_free inside a callback run by bufferevent_trigger is "
           "safe; the other direction's callback does not run for the freed bufferevent");
  ASSERT_NE(NewPairBev(), nullptr);
  const int fd = bufferevent_getfd(bev_);
  log_bev_.on_read = [this](bufferevent*) { FreeBev(); };
  bufferevent_incref(bev_);  // keeps our handle valid for the trigger call itself
  bufferevent* held = bev_;
  bufferevent_trigger(held, EV_READ | EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
  EXPECT_EQ(log_bev_.reads, 1);
  EXPECT_EQ(log_bev_.writes, 0);
  EXPECT_EQ(bufferevent_decref(held), 1);
  event_base_loop(base_, EVLOOP_NONBLOCK);  // libevent finalizes on the next loop turn
  EXPECT_FALSE(FdIsOpen(fd));
}

TEST_F(BufferEventApi, PrioritySetIsReadBack) {
  EVC_RULE("bufferevent.h/bufferevent_get_priority/round-trip",
           "bufferevent.h: bufferevent_get_priority returns the priority set with "
           "bufferevent_priority_set");
  ASSERT_EQ(event_base_priority_init(base_, 4), 0);
  ASSERT_NE(NewPairBev(), nullptr);
  for (int pri : {0, 3, 1}) {
    ASSERT_EQ(bufferevent_priority_set(bev_, pri), 0);
    EXPECT_EQ(bufferevent_get_priority(bev_), pri);
  }
}

TEST_F(BufferEventApi, AHigherPriorityBuffereventRunsFirst) {
  EVC_RULE("bufferevent.h/bufferevent_priority_set/orders-callbacks",
           "bufferevent.h: bufferevent_priority_set gives the bufferevent's events that "
           "priority; event.h: active events of a numerically lower priority run first");
  ASSERT_EQ(event_base_priority_init(base_, 2), 0);
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_priority_set(bev_, 0), 0);
  std::vector<std::string> order;
  event* low = event_new(base_, -1, 0, [](evutil_socket_t, short, void* arg) {
    static_cast<std::vector<std::string>*>(arg)->push_back("event");
  }, &order);
  ASSERT_EQ(event_priority_set(low, 1), 0);
  log_bev_.on_read = [&](bufferevent*) { order.push_back("bufferevent"); };
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  PeerSend("x");
  event_active(low, EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(order, (std::vector<std::string>{"bufferevent", "event"}));
  event_free(low);
}

TEST_F(BufferEventApi, GetEnabledFollowsEnableAndDisable) {
  EVC_RULE("bufferevent.h/bufferevent_get_enabled/tracks-calls",
           "bufferevent.h: bufferevent_get_enabled returns the events that are enabled on the "
           "bufferevent: what enable added and disable did not take away");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_disable(bev_, EV_READ | EV_WRITE), 0);
  EXPECT_EQ(bufferevent_get_enabled(bev_), 0);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  EXPECT_EQ(bufferevent_get_enabled(bev_), EV_READ);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ | EV_WRITE), 0);
  EXPECT_EQ(bufferevent_get_enabled(bev_), EV_READ | EV_WRITE);
  ASSERT_EQ(bufferevent_disable(bev_, EV_READ), 0);
  EXPECT_EQ(bufferevent_get_enabled(bev_), EV_WRITE);
  ASSERT_EQ(bufferevent_disable(bev_, EV_READ), 0);  // again: no change
  EXPECT_EQ(bufferevent_get_enabled(bev_), EV_WRITE);
}

TEST_F(BufferEventApi, LockAndUnlockWithoutThreadsafeHaveNoEffect) {
  EVC_RULE("bufferevent.h/bufferevent_lock/no-effect-without-threadsafe",
           "bufferevent.h: bufferevent_lock has no effect if locking was not enabled with "
           "BEV_OPT_THREADSAFE: nested calls do not block and the bufferevent works between them");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_lock(bev_);
  bufferevent_lock(bev_);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  PeerSend("ping");
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(Drain(bufferevent_get_input(bev_)), "ping");
  bufferevent_unlock(bev_);
  bufferevent_unlock(bev_);
  ASSERT_EQ(bufferevent_write(bev_, "pong", 4), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(PeerRecv(), "pong");
}

TEST_F(BufferEventApi, BaseSetToItsOwnBaseSucceeds) {
  EVC_RULE("bufferevent.h/bufferevent_base_set/same-base",
           "bufferevent.h: bufferevent_base_set assigns a socket bufferevent to a base; 0 if "
           "successful");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bufferevent_base_set(base_, bev_), 0);
  EXPECT_EQ(bufferevent_get_base(bev_), base_);
}

TEST_F(BufferEventApi, BaseSetMovesAnIdleSocketBuffereventToAnotherBase) {
  EVC_RULE("bufferevent.h/bufferevent_base_set/other-base",
           "bufferevent.h: bufferevent_base_set assigns a socket bufferevent to a specific "
           "event_base: afterwards its I/O runs on that base's loop");
  event_base* other = event_base_new();
  ASSERT_NE(other, nullptr);
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_disable(bev_, EV_WRITE), 0);  // nothing pending on the old base
  EXPECT_EQ(bufferevent_base_set(other, bev_), 0);
  EXPECT_EQ(bufferevent_get_base(bev_), other);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  PeerSend("moved");
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);  // the old base has nothing
  EXPECT_EQ(log_bev_.reads, 0);
  EXPECT_EQ(event_base_loop(other, EVLOOP_ONCE), 0);
  EXPECT_EQ(Drain(bufferevent_get_input(bev_)), "moved");
  FreeBev();
  event_base_free(other);
}

TEST_F(BufferEventApi, BaseSetRefusesAPair) {
  EVC_RULE("bufferevent.h/bufferevent_base_set/sockets-only",
           "bufferevent.h: only socket bufferevents support bufferevent_base_set; -1 if an error "
           "occurred (a pair end stays on its base)");
  event_base* other = event_base_new();
  ASSERT_NE(other, nullptr);
  bufferevent* pair[2];
  ASSERT_EQ(bufferevent_pair_new(base_, 0, pair), 0);
  EXPECT_EQ(bufferevent_base_set(other, pair[0]), -1);
  EXPECT_EQ(bufferevent_get_base(pair[0]), base_);
  bufferevent_free(pair[0]);
  bufferevent_free(pair[1]);
  event_base_free(other);
}

TEST_F(BufferEventApi, BaseSetRefusesASocketBuffereventWithAPendingEvent) {
  EVC_RULE("bufferevent.h/bufferevent_base_set/pending-refused",
           "bufferevent.h: bufferevent_base_set returns -1 if an error occurred; it moves the "
           "read and write events with event_base_set, whose event \"must not be currently "
           "active or pending\" (event.h): while reading is enabled it fails and the "
           "bufferevent goes on reading on its base; once nothing waits it moves");
  event_base* other = event_base_new();
  ASSERT_NE(other, nullptr);
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);  // the read event is pending on base_
  EXPECT_EQ(bufferevent_base_set(other, bev_), -1);
  PeerSend("still");
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);  // bounded even if the event moved
  EXPECT_EQ(Drain(bufferevent_get_input(bev_)), "still");
  ASSERT_EQ(bufferevent_disable(bev_, EV_READ), 0);  // nothing pending any more
  EXPECT_EQ(bufferevent_base_set(base_, bev_), 0);
  EXPECT_EQ(bufferevent_get_base(bev_), base_);
  FreeBev();
  event_base_free(other);
}

struct NumericHost {
  int family;
  const char* host;
  int listen_family;
};

// Without a printer gtest prints a parameter byte by byte, the padding after
// `family` included: uninitialised bytes, which memcheck reports in every run
// of the binary (gtest prints each parameter when it registers the tests).
void PrintTo(const NumericHost& h, std::ostream* os) {
  *os << "{family " << h.family << ", host \"" << h.host << "\", listen_family " << h.listen_family << "}";
}

class BufferEventConnectHostname : public BufferEventTest, public ::testing::WithParamInterface<NumericHost> {};

TEST_P(BufferEventConnectHostname, ANumericHostConnects) {
  EVC_RULE("bufferevent.h/bufferevent_socket_connect_hostname/numeric",
           "bufferevent.h: connect_hostname resolves the host (recognized formats: 1.2.3.4, ::1, "
           "[::1]) and connects as bufferevent_socket_connect: BEV_EVENT_CONNECTED; no DNS error");
  uint16_t port = 0;
  const int lfd = ListenLoopback(GetParam().listen_family, port);
  if (lfd < 0) GTEST_SKIP() << "needs:loopback-" << GetParam().host << ": cannot listen there";
  bev_ = bufferevent_socket_new(base_, -1, BEV_OPT_CLOSE_ON_FREE);
  ASSERT_NE(bev_, nullptr);
  bufferevent_setcb(bev_, BevLog::Read, BevLog::Write, BevLog::Event, &log_bev_);
  log_bev_.on_event = [this](bufferevent*, short) { event_base_loopbreak(base_); };
  ASSERT_EQ(bufferevent_socket_connect_hostname(bev_, nullptr, GetParam().family, GetParam().host, port), 0);
  const timeval bound = {5, 0};  // a connect on loopback takes far less
  event_base_loopexit(base_, &bound);
  if (log_bev_.events.empty()) event_base_dispatch(base_);  // a failed lookup may report at once
  EXPECT_EQ(log_bev_.events, (std::vector<short>{BEV_EVENT_CONNECTED}));
  EXPECT_EQ(bufferevent_socket_get_dns_error(bev_), 0);
  EXPECT_GE(bufferevent_getfd(bev_), 0);
  close(lfd);
}

INSTANTIATE_TEST_SUITE_P(Hosts, BufferEventConnectHostname,
                         ::testing::Values(NumericHost{AF_INET, "127.0.0.1", AF_INET},
                                           NumericHost{AF_UNSPEC, "127.0.0.1", AF_INET},
                                           NumericHost{AF_INET6, "::1", AF_INET6},
                                           NumericHost{AF_UNSPEC, "::1", AF_INET6},
                                           NumericHost{AF_UNSPEC, "[::1]", AF_INET6}),
                         [](const ::testing::TestParamInfo<NumericHost>& info) {
                           return std::string(info.param.family == AF_INET    ? "Inet"
                                              : info.param.family == AF_INET6 ? "Inet6"
                                                                              : "Unspec") +
                                  (info.param.listen_family == AF_INET ? "V4Literal"
                                   : info.param.host[0] == '['         ? "BracketedV6Literal"
                                                                       : "V6Literal");
                         });

TEST_F(BufferEventApi, ConnectHostnameRefusesUnsupportedFamiliesAndPorts) {
  EVC_RULE("bufferevent.h/bufferevent_socket_connect_hostname/bad-arguments",
           "bufferevent.h: only AF_INET, AF_INET6 and AF_UNSPEC are supported; -1 on failure "
           "(libevent 2.1.12 also refuses ports outside 1..65535)");
  bev_ = bufferevent_socket_new(base_, -1, BEV_OPT_CLOSE_ON_FREE);
  ASSERT_NE(bev_, nullptr);
  bufferevent_setcb(bev_, BevLog::Read, BevLog::Write, BevLog::Event, &log_bev_);
  EXPECT_EQ(bufferevent_socket_connect_hostname(bev_, nullptr, AF_UNIX, "127.0.0.1", 80), -1);
  EXPECT_EQ(bufferevent_socket_connect_hostname(bev_, nullptr, AF_INET, "127.0.0.1", 0), -1);
  EXPECT_EQ(bufferevent_socket_connect_hostname(bev_, nullptr, AF_INET, "127.0.0.1", 65536), -1);
  EXPECT_EQ(bufferevent_socket_connect_hostname(bev_, nullptr, AF_INET, "127.0.0.1", -1), -1);
  EXPECT_EQ(bufferevent_getfd(bev_), -1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_TRUE(log_bev_.events.empty());
}

TEST_F(BufferEventApi, ConnectHostnameLookupFailureIsAnErrorEventWithTheDnsError) {
  EVC_RULE("bufferevent.h/bufferevent_socket_get_dns_error/failed-lookup",
           "bufferevent.h: a failed lookup is reported as BEV_EVENT_ERROR and "
           "bufferevent_socket_get_dns_error returns its (evutil_gai_strerror) code; here a "
           "numeric IPv4 literal asked for as AF_INET6, which fails without any DNS traffic");
  bev_ = bufferevent_socket_new(base_, -1, BEV_OPT_CLOSE_ON_FREE);
  ASSERT_NE(bev_, nullptr);
  bufferevent_setcb(bev_, BevLog::Read, BevLog::Write, BevLog::Event, &log_bev_);
  EXPECT_EQ(bufferevent_socket_get_dns_error(bev_), 0);
  // 0 (the lookup was started and failed) is libevent's answer; -1 would be
  // an allowed immediate failure.
  const int rc = bufferevent_socket_connect_hostname(bev_, nullptr, AF_INET6, "127.0.0.1", 80);
  ASSERT_TRUE(rc == 0 || rc == -1) << rc;
  event_base_loop(base_, EVLOOP_NONBLOCK);
  if (rc == 0) EXPECT_EQ(log_bev_.events, (std::vector<short>{BEV_EVENT_ERROR}));
  const int err = bufferevent_socket_get_dns_error(bev_);
  EXPECT_NE(err, 0);
  EXPECT_NE(evutil_gai_strerror(err), nullptr);
}

}  // namespace
}  // namespace evc
