// Socket bufferevents with descriptors, priorities, sizes, watermarks and
// timeouts at their extremes. Each value runs in a child process
// (RunInChild), so a crash or an exception escaping the C API is that
// value's result.
#include <climits>
#include <cstdint>

#include "bufferevent_fixture.h"

namespace evc {
namespace {

class BufferEventExtremes : public Test {};

// One bounded loop iteration (returns within 50 ms when nothing is ready).
int LoopOnceBounded(event_base* base) {
  const timeval limit = Ms(50);
  event_base_loopexit(base, &limit);
  return event_base_loop(base, EVLOOP_ONCE);
}

// A base and a bufferevent on one end of a fresh socket pair (closed with
// it), made and freed inside a child; the test drives the other end, peer.
struct PairWorld {
  event_base* base = event_base_new();
  int peer = -1;
  BevLog log;
  bufferevent* bev = nullptr;

  PairWorld() {
    int sv[2];
    if (base == nullptr || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return;
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev, BevLog::Read, BevLog::Write, BevLog::Event, &log);
    peer = sv[1];
  }
  ~PairWorld() {
    if (bev != nullptr) bufferevent_free(bev);
    if (peer >= 0) close(peer);
    if (base != nullptr) event_base_free(base);
  }
  // Reading enabled, the peer sends "hello", one bounded iteration.
  void ReceiveHello() {
    ASSERT_EQ(bufferevent_enable(bev, EV_READ), 0);
    ASSERT_EQ(write(peer, "hello", 5), 5);
    LoopOnceBounded(base);
  }
};

// Makes a bufferevent on fd (or on -1, then bufferevent_setfd), enables it,
// writes, runs one bounded iteration and frees it; every answer is checked
// by check_enable.
void SweepBevOnFd(int fd, bool via_setfd, const std::function<void(int enable_rc)>& check_enable) {
  event_base* base = event_base_new();
  ASSERT_NE(base, nullptr);
  bufferevent* bev = bufferevent_socket_new(base, via_setfd ? -1 : fd, 0);
  if (bev != nullptr) {  // NULL is a refusal too
    if (via_setfd) {
      const int rc = bufferevent_setfd(bev, fd);
      EXPECT_TRUE(rc == 0 || rc == -1) << "bufferevent_setfd returned " << rc;
    }
    check_enable(bufferevent_enable(bev, EV_READ | EV_WRITE));
    EXPECT_EQ(bufferevent_write(bev, "x", 1), 0);
    EXPECT_GE(LoopOnceBounded(base), -1);
    bufferevent_disable(bev, EV_READ | EV_WRITE);
    bufferevent_free(bev);
    event_base_loop(base, EVLOOP_NONBLOCK);  // let a deferred free finish
  }
  event_base_free(base);
}

TEST_F(BufferEventExtremes, FdsNoProcessCanHaveCannotBeEnabled) {
  EVC_RULE("bufferevent.h/bufferevent_enable/impossible-fd",
           "bufferevent.h: bufferevent_enable returns -1 on failure; observed libevent 2.1.12: on "
           "fd INT_MAX or INT_MAX/2 (given to bufferevent_socket_new or bufferevent_setfd) "
           "enabling fails with -1 on every backend. NULL from bufferevent_socket_new is accepted "
           "too; a crash or an exception is not");
  for (int fd : {INT_MAX, INT_MAX / 2}) {
    for (bool via_setfd : {false, true}) {
      SCOPED_TRACE("fd " + std::to_string(fd) + (via_setfd ? " via bufferevent_setfd" : ""));
      EXPECT_IN_CHILD({ SweepBevOnFd(fd, via_setfd, [](int rc) { EXPECT_EQ(rc, -1); }); });
    }
  }
}

TEST_F(BufferEventExtremes, NegativeAndUnopenedFdsAreSurvived) {
  EVC_RULE("bufferevent.h/bufferevent_enable/negative-or-unopened-fd",
           "observed libevent 2.1.12: a socket bufferevent on a negative fd enables (0) and never "
           "touches it; on a closed fd or 1<<20, epoll refuses to enable (-1), poll reports an "
           "error, select's loop fails. Accepted: NULL, or enable 0 / -1 and a loop iteration "
           "that returns. No crash, no hang");
  std::vector<Named<int>> fds = NegativeFds();
  for (const auto& fd : UnopenedFds())
    if (fd.value != INT_MAX && fd.value != INT_MAX / 2) fds.push_back(fd);
  for (const auto& fd : fds) {
    for (bool via_setfd : {false, true}) {
      SCOPED_TRACE("fd " + fd.name + (via_setfd ? " via bufferevent_setfd" : ""));
      EXPECT_IN_CHILD({
        SweepBevOnFd(fd.value, via_setfd, [](int rc) {
          EXPECT_TRUE(rc == 0 || rc == -1) << "bufferevent_enable returned " << rc;
        });
      });
    }
  }
}

TEST_F(BufferEventExtremes, PrioritiesOutsideTheBaseRangeAreRefused) {
  EVC_RULE("bufferevent.h/bufferevent_priority_set/out-of-range",
           "bufferevent.h: bufferevent_priority_set returns -1 if an error occurred; event.h: a "
           "priority is between 0 and the number of priorities minus one. Observed libevent "
           "2.1.12: -1, 3 (of 3), 256, INT_MAX, INT_MIN give -1 and the priority stays");
  for (int pri : {-1, 3, 256, INT_MAX, INT_MIN}) {
    SCOPED_TRACE("priority " + std::to_string(pri));
    EXPECT_IN_CHILD({
      PairWorld w;
      ASSERT_NE(w.bev, nullptr);
      ASSERT_EQ(event_base_priority_init(w.base, 3), 0);
      const int before = bufferevent_get_priority(w.bev);
      EXPECT_EQ(bufferevent_priority_set(w.bev, pri), -1);
      EXPECT_EQ(bufferevent_get_priority(w.bev), before);
      EXPECT_EQ(bufferevent_priority_set(w.bev, 2), 0);
      EXPECT_EQ(bufferevent_get_priority(w.bev), 2);
    });
  }
}

TEST_F(BufferEventExtremes, HugeWritesFailAndHugeReadsTakeWhatThereIs) {
  EVC_RULE("bufferevent.h/bufferevent_write/huge-size",
           "bufferevent.h: bufferevent_write returns -1 on failure (evbuffer_add cannot hold "
           "SIZE_MAX or SSIZE_MAX bytes) and bufferevent_read returns the number of bytes read");
  for (size_t size : {SIZE_MAX, static_cast<size_t>(SSIZE_MAX)}) {
    SCOPED_TRACE("size " + std::to_string(size));
    EXPECT_IN_CHILD({
      PairWorld w;
      ASSERT_NE(w.bev, nullptr);
      static const char data[8] = "abc";
      EXPECT_EQ(bufferevent_write(w.bev, data, size), -1);
      EXPECT_EQ(evbuffer_get_length(bufferevent_get_output(w.bev)), 0u);
      w.ReceiveHello();
      char out[8] = {};
      EXPECT_EQ(bufferevent_read(w.bev, out, size), 5u);
      EXPECT_EQ(std::string(out), "hello");
    });
  }
}

TEST_F(BufferEventExtremes, WatermarksAtTheLimitsAreKeptAsGiven) {
  EVC_RULE("bufferevent.h/bufferevent_getwatermark/extreme-values",
           "bufferevent.h: bufferevent_getwatermark returns the watermarks bufferevent_setwatermark "
           "set (observed libevent 2.1.12: SIZE_MAX and SSIZE_MAX are kept as given, in either "
           "order, for EV_READ and EV_WRITE)");
  const std::vector<size_t> marks = {0, SIZE_MAX, static_cast<size_t>(SSIZE_MAX)};
  for (size_t low : marks) {
    for (size_t high : marks) {
      SCOPED_TRACE("low " + std::to_string(low) + ", high " + std::to_string(high));
      EXPECT_IN_CHILD({
        PairWorld w;
        ASSERT_NE(w.bev, nullptr);
        bufferevent_setwatermark(w.bev, EV_READ | EV_WRITE, low, high);
        for (short what : {short(EV_READ), short(EV_WRITE)}) {
          size_t got_low = 7, got_high = 7;
          EXPECT_EQ(bufferevent_getwatermark(w.bev, what, &got_low, &got_high), 0);
          EXPECT_EQ(got_low, low) << "events " << what;
          EXPECT_EQ(got_high, high) << "events " << what;
        }
      });
    }
  }
}

TEST_F(BufferEventExtremes, AHugeReadLowWatermarkHoldsTheReadCallback) {
  EVC_RULE("bufferevent.h/bufferevent_setwatermark/huge-read-low",
           "bufferevent.h: a bufferevent does not invoke the user read callback unless there is at "
           "least low watermark data in the buffer; with no high watermark (0) it keeps reading");
  for (size_t low : {SIZE_MAX, static_cast<size_t>(SSIZE_MAX)}) {
    SCOPED_TRACE("low " + std::to_string(low));
    EXPECT_IN_CHILD({
      PairWorld w;
      ASSERT_NE(w.bev, nullptr);
      bufferevent_setwatermark(w.bev, EV_READ, low, 0);
      w.ReceiveHello();
      EXPECT_EQ(evbuffer_get_length(bufferevent_get_input(w.bev)), 5u);
      EXPECT_EQ(w.log.reads, 0);
    });
  }
}

TEST_F(BufferEventExtremes, AHugeReadHighWatermarkStillReads) {
  EVC_RULE("bufferevent.h/bufferevent_setwatermark/huge-read-high",
           "bufferevent.h: 'If the read buffer is beyond the high watermark, the bufferevent stops "
           "reading from the network' - an empty input is not beyond a high watermark of SIZE_MAX "
           "or SSIZE_MAX+1, so the bufferevent reads and calls the read callback");
  for (size_t high : {SIZE_MAX, static_cast<size_t>(SSIZE_MAX) + 1, static_cast<size_t>(SSIZE_MAX)}) {
    SCOPED_TRACE("high " + std::to_string(high));
    EXPECT_IN_CHILD({
      PairWorld w;
      ASSERT_NE(w.bev, nullptr);
      bufferevent_setwatermark(w.bev, EV_READ, 0, high);
      w.ReceiveHello();
      EXPECT_EQ(evbuffer_get_length(bufferevent_get_input(w.bev)), 5u);
      EXPECT_EQ(w.log.reads, 1);
    });
  }
}

// bufferevent_set_timeouts(tv, tv) on an enabled, idle bufferevent, then a
// bounded iteration: any timeout that fired is reported as documented.
void SetTimeoutsAndSurvive(const timeval& tv) {
  PairWorld w;
  ASSERT_NE(w.bev, nullptr);
  ASSERT_EQ(bufferevent_enable(w.bev, EV_READ), 0);
  const int rc = bufferevent_set_timeouts(w.bev, &tv, &tv);
  EXPECT_TRUE(rc == 0 || rc == -1) << "bufferevent_set_timeouts returned " << rc;
  EXPECT_GE(LoopOnceBounded(w.base), 0);
  for (short what : w.log.events)
    EXPECT_EQ(what, BEV_EVENT_TIMEOUT | BEV_EVENT_READING) << "an idle reader can only time out";
}

TEST_F(BufferEventExtremes, TimeoutsAtTheLimitsOfSecondsAreSurvived) {
  EVC_RULE("bufferevent.h/bufferevent_set_timeouts/extreme-seconds",
           "bufferevent.h: bufferevent_set_timeouts returns 0 or -1; a timeout that elapses is "
           "reported as BEV_EVENT_TIMEOUT|BEV_EVENT_READING. Observed libevent 2.1.12: every "
           "timeval here is accepted; one in the past fires at once. Accepted: -1, or 0 and the "
           "timeout fires or stays pending. No crash, no hang");
  for (const auto& tv : ExtremeSeconds()) {
    SCOPED_TRACE("timeout " + tv.name);
    EXPECT_IN_CHILD({ SetTimeoutsAndSurvive(tv.value); });
  }
}

TEST_F(BufferEventExtremes, TimeoutsWithMicrosecondsOutOfRangeAreSurvived) {
  EVC_RULE("bufferevent.h/bufferevent_set_timeouts/usec-out-of-range",
           "bufferevent.h: bufferevent_set_timeouts returns 0 or -1; the bufferevent's timeouts "
           "re-arm its persistent events. A tv_usec outside 0..999999 is accepted or refused, "
           "never fatal");
  for (const auto& tv : ExtremeMicroseconds()) {
    SCOPED_TRACE("timeout " + tv.name);
    EXPECT_IN_CHILD({ SetTimeoutsAndSurvive(tv.value); });
  }
}

}  // namespace
}  // namespace evc
