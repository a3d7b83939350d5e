// Numeric arguments of the event API at their extremes: descriptor numbers,
// signal numbers, priorities and timeouts. Every value runs in a child
// process (RunInChild), so a crash, an exception escaping the C API or a
// hang is reported for that value. Where libevent's header documents the
// failure value the test asserts it; where it does not, every reasonable
// answer is accepted (refused with -1 / NULL, or accepted and survived),
// never an accident of libevent's clock or overflow arithmetic.
#include <climits>
#include <csignal>

#include "event_fixture.h"

namespace evc {
namespace {

class EventExtremes : public Test {};

void Noop(evutil_socket_t, short, void*) {}

// One bounded loop iteration: runs what is ready (EVLOOP_ONCE) but returns
// within 50 ms even when nothing is, and never loops on a descriptor that
// stays ready. Returns event_base_loop's answer.
int LoopOnceBounded(event_base* base) {
  event* watchdog = event_new(
      base, -1, 0, [](evutil_socket_t, short, void* b) { event_base_loopbreak(static_cast<event_base*>(b)); },
      base);
  const timeval limit = Ms(50);
  event_add(watchdog, &limit);
  const int rc = event_base_loop(base, EVLOOP_ONCE);
  event_free(watchdog);
  return rc;
}

// event_new / event_assign / event_base_once on `fd` for each I/O kind; the
// answer of each is checked by `check_add` (event_add's result).
void SweepIoCalls(int fd, const std::function<void(int add_rc, const char* call)>& check_add) {
  event_base* base = event_base_new();
  ASSERT_NE(base, nullptr);
  for (short what : {short(EV_READ), short(EV_WRITE), short(EV_READ | EV_WRITE | EV_PERSIST)}) {
    SCOPED_TRACE("events " + std::to_string(what));
    event* ev = event_new(base, fd, what, Noop, nullptr);
    if (ev != nullptr) {  // NULL is a refusal too
      check_add(event_add(ev, nullptr), "event_add");
      const timeval tv = Ms(1);
      check_add(event_add(ev, &tv), "event_add with a timeout");
      LoopOnceBounded(base);
      event_del(ev);
      event_free(ev);
    }
    std::vector<unsigned char> storage(event_get_struct_event_size());
    event* assigned = reinterpret_cast<event*>(storage.data());
    if (event_assign(assigned, base, fd, what, Noop, nullptr) == 0) {
      check_add(event_add(assigned, nullptr), "event_add of an assigned event");
      event_del(assigned);
    }
    if (!(what & EV_PERSIST)) {
      const timeval tv = Ms(1);
      check_add(event_base_once(base, fd, what, Noop, nullptr, &tv), "event_base_once");
      LoopOnceBounded(base);
    }
  }
  event_base_free(base);
}

TEST_F(EventExtremes, NegativeFdsAreAcceptedOrRefusedWithoutHarm) {
  EVC_RULE("event.h/event_add/negative-fds",
           "observed libevent 2.1.12: event_add / event_base_once of an I/O event on a negative fd "
           "(-1, -2, INT_MIN) returns 0 and no kernel method watches it; -1 (refused) is accepted "
           "too. No crash, no hang");
  for (const auto& fd : NegativeFds()) {
    SCOPED_TRACE("fd " + fd.name);
    EXPECT_IN_CHILD({
      SweepIoCalls(fd.value, [](int rc, const char* call) {
        EXPECT_TRUE(rc == 0 || rc == -1) << call << " returned " << rc;
      });
    });
  }
}

TEST_F(EventExtremes, FdsNoProcessCanHaveAreRefused) {
  EVC_RULE("event.h/event_add/impossible-fd",
           "event.h: event_add returns -1 if an error occurred; observed libevent 2.1.12: for fd "
           "INT_MAX or INT_MAX/2 event_add and event_base_once return -1 (the fd map cannot grow "
           "that far) on every backend. event_new returning NULL is accepted too; a crash or an "
           "exception is not");
  for (int fd : {INT_MAX, INT_MAX / 2}) {
    SCOPED_TRACE("fd " + std::to_string(fd));
    EXPECT_IN_CHILD({
      SweepIoCalls(fd, [](int rc, const char* call) { EXPECT_EQ(rc, -1) << call; });
    });
  }
}

TEST_F(EventExtremes, UnopenedFdsAreRefusedOrReportedWithoutHarm) {
  EVC_RULE("event.h/event_add/unopened-fd",
           "observed libevent 2.1.12: an I/O event on a descriptor that is not open (just closed, "
           "or 1<<20): epoll refuses event_add (-1, EBADF); poll accepts it and reports it "
           "(POLLNVAL); select accepts a closed fd below FD_SETSIZE and its loop fails. Accepted: "
           "-1, or 0 and a loop iteration that returns. No crash, no hang");
  for (const auto& fd : UnopenedFds()) {
    if (fd.value == INT_MAX || fd.value == INT_MAX / 2) continue;  // FdsNoProcessCanHaveAreRefused
    SCOPED_TRACE("fd " + fd.name);
    EXPECT_IN_CHILD({
      SweepIoCalls(fd.value, [](int rc, const char* call) {
        EXPECT_TRUE(rc == 0 || rc == -1) << call << " returned " << rc;
      });
    });
  }
}

TEST_F(EventExtremes, SignalNumbersOutsideOneToNsigAreRefused) {
  EVC_RULE("event.h/evsignal_add/out-of-range",
           "observed libevent 2.1.12 (signal.c, evmap.c): evsignal_add of signal 0, a negative "
           "number, NSIG or above returns -1 and catches nothing; NSIG-1 (SIGRTMAX) is accepted. "
           "evsignal_new returning NULL for a bad number is accepted too");
  for (int signo : {0, -1, NSIG, NSIG + 1, INT_MAX, INT_MIN, 1 << 20}) {
    SCOPED_TRACE("signal " + std::to_string(signo));
    EXPECT_IN_CHILD({
      event_base* base = event_base_new();
      ASSERT_NE(base, nullptr);
      event* ev = evsignal_new(base, signo, Noop, nullptr);
      if (ev != nullptr) {
        EXPECT_EQ(evsignal_add(ev, nullptr), -1);
        EXPECT_EQ(evsignal_pending(ev, nullptr), 0);
        EXPECT_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1) << "nothing is pending";
        event_free(ev);
      }
      event_base_free(base);
    });
  }
  EXPECT_IN_CHILD({
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    event* ev = evsignal_new(base, NSIG - 1, Noop, nullptr);
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ(evsignal_add(ev, nullptr), 0) << "signal NSIG-1";
    EXPECT_EQ(evsignal_pending(ev, nullptr), EV_SIGNAL);
    event_free(ev);
    event_base_free(base);
  });
}

TEST_F(EventExtremes, PriorityCountsOutsideOneTo255AreRefused) {
  EVC_RULE("event.h/event_base_priority_init/extreme-counts",
           "event.h: event_base_priority_init returns -1 on error; EVENT_MAX_PRIORITIES (256) is "
           "the largest number of priorities. Observed libevent 2.1.12: 1 and 255 succeed; 0, -1, "
           "256, INT_MAX, INT_MIN return -1 and leave one priority");
  for (int n : {0, -1, 256, INT_MAX, INT_MIN, 1, 255}) {
    SCOPED_TRACE("npriorities " + std::to_string(n));
    EXPECT_IN_CHILD({
      event_base* base = event_base_new();
      ASSERT_NE(base, nullptr);
      const bool valid = n >= 1 && n < EVENT_MAX_PRIORITIES;
      EXPECT_EQ(event_base_priority_init(base, n), valid ? 0 : -1);
      EXPECT_EQ(event_base_get_npriorities(base), valid ? n : 1);
      event_base_free(base);
    });
  }
}

TEST_F(EventExtremes, PrioritiesOutsideTheBaseRangeAreRefused) {
  EVC_RULE("event.h/event_priority_set/extreme-values",
           "event.h: event_priority_set takes a priority between 0 and the number of priorities "
           "minus one and returns -1 on error; the event keeps its priority and still runs");
  for (int pri : {-1, 3, 256, INT_MAX, INT_MIN}) {
    SCOPED_TRACE("priority " + std::to_string(pri));
    EXPECT_IN_CHILD({
      event_base* base = event_base_new();
      ASSERT_NE(base, nullptr);
      ASSERT_EQ(event_base_priority_init(base, 3), 0);
      Probe p;
      event* ev = event_new(base, -1, 0, Probe::Callback, &p);
      ASSERT_NE(ev, nullptr);
      const int before = event_get_priority(ev);
      EXPECT_EQ(event_priority_set(ev, pri), -1);
      EXPECT_EQ(event_get_priority(ev), before);
      event_active(ev, EV_TIMEOUT, 1);
      EXPECT_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1) << "ran, then nothing was left";
      EXPECT_EQ(p.calls, 1);
      event_free(ev);
      event_base_free(base);
    });
  }
}

// event_add of a timer (flags 0 or EV_PERSIST) with `tv`: accepted or
// refused, then a bounded loop iteration and a clean delete.
void AddTimerAndSurvive(short flags, const timeval& tv) {
  event_base* base = event_base_new();
  ASSERT_NE(base, nullptr);
  Probe p;
  event* ev = event_new(base, -1, flags, Probe::Callback, &p);
  ASSERT_NE(ev, nullptr);
  const int rc = event_add(ev, &tv);
  EXPECT_TRUE(rc == 0 || rc == -1) << "event_add returned " << rc;
  if (rc == 0) EXPECT_EQ(event_pending(ev, EV_TIMEOUT, nullptr), EV_TIMEOUT);
  timeval when;
  event_pending(ev, EV_TIMEOUT, &when);
  EXPECT_GE(LoopOnceBounded(base), 0);
  EXPECT_GE(LoopOnceBounded(base), 0);  // a persistent timer re-arms from its own interval
  if (p.calls > 0) EXPECT_EQ(p.what, EV_TIMEOUT);
  EXPECT_EQ(event_del(ev), 0);
  event_free(ev);
  event_base_free(base);
}

TEST_F(EventExtremes, TimeoutsAtTheLimitsAreAcceptedOrRefusedWithoutHarm) {
  EVC_RULE("event.h/event_add/extreme-timeouts",
           "event.h: event_add returns 0 or -1. Observed libevent 2.1.12: every timeval is accepted; "
           "a negative one fires at once, {0, 1000000} waits a second, and the seconds that "
           "overflow its clock arithmetic ({LONG_MAX, 0}) fire at once (an accident, not "
           "asserted). Accepted: -1, or 0 and the timer fires or stays pending. No crash, no hang");
  for (const auto& tv : ExtremeTimeouts()) {
    SCOPED_TRACE("timeout " + tv.name);
    EXPECT_IN_CHILD({ AddTimerAndSurvive(0, tv.value); });
  }
}

TEST_F(EventExtremes, PersistentTimeoutsAtTheLimitsOfSecondsAreSurvived) {
  EVC_RULE("event.h/event_add/persist-extreme-seconds",
           "event.h: event_add returns 0 or -1; an EV_PERSIST timer re-arms with its timeout each "
           "time it runs. Accepted: -1, or 0 and the timer runs or stays pending. No crash, no "
           "hang");
  for (const auto& tv : ExtremeSeconds()) {
    SCOPED_TRACE("timeout " + tv.name);
    EXPECT_IN_CHILD({ AddTimerAndSurvive(EV_PERSIST, tv.value); });
  }
}

TEST_F(EventExtremes, PersistentTimeoutsWithMicrosecondsOutOfRangeAreSurvived) {
  EVC_RULE("event.h/event_add/persist-usec-out-of-range",
           "event.h: event_add returns 0 or -1; an EV_PERSIST timer re-arms with its timeout each "
           "time it runs. A tv_usec outside 0..999999 is accepted or refused, never fatal");
  for (const auto& tv : ExtremeMicroseconds()) {
    SCOPED_TRACE("timeout " + tv.name);
    EXPECT_IN_CHILD({ AddTimerAndSurvive(EV_PERSIST, tv.value); });
  }
}

TEST_F(EventExtremes, LoopexitAndOnceTimeoutsAtTheLimitsAreSurvived) {
  EVC_RULE("event.h/event_base_loopexit/extreme-timeouts",
           "event.h: event_base_loopexit and event_base_once return 0 or -1. Observed libevent "
           "2.1.12: every timeval is accepted; those in the past act at once. Accepted: -1, or 0 "
           "and the exit / callback happens or stays pending. No crash, no hang");
  for (const auto& tv : ExtremeTimeouts()) {
    SCOPED_TRACE("timeout " + tv.name);
    EXPECT_IN_CHILD({
      event_base* base = event_base_new();
      ASSERT_NE(base, nullptr);
      int rc = event_base_loopexit(base, &tv.value);
      EXPECT_TRUE(rc == 0 || rc == -1) << "event_base_loopexit returned " << rc;
      Probe p;
      rc = event_base_once(base, -1, EV_TIMEOUT, Probe::Callback, &p, &tv.value);
      EXPECT_TRUE(rc == 0 || rc == -1) << "event_base_once returned " << rc;
      EXPECT_GE(LoopOnceBounded(base), 0);
      if (p.calls > 0) EXPECT_EQ(p.what, EV_TIMEOUT);
      event_base_free(base);  // frees what is still pending
    });
  }
}

}  // namespace
}  // namespace evc
