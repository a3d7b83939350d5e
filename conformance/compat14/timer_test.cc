// Timers the 1.4 way (evtimer_set / timeout_set, event_add with a timeval)
// and I/O events with timeouts.
#include "compat14_fixture.h"

namespace evc {
namespace {

using Compat14Timer = Compat14Test;

TEST_F(Compat14Timer, TimerRunsWithTimeoutAfterItsDelay) {
  EVC_RULE("event_compat.h/evtimer_set/runs-after-delay",
           "event_compat.h: evtimer_set prepares a timer; added with a timeout, its callback "
           "runs with EV_TIMEOUT once the time has passed");
  Probe& p = NewProbe("timer");
  evtimer_set(p.ev, Probe::Callback, &p);
  ASSERT_EQ(event_base_set(base_, p.ev), 0);
  set_.push_back(p.ev);
  timeval tv = Ms(20);
  FreshLoopTime();
  const double start = NowMs();
  ASSERT_EQ(evtimer_add(p.ev, &tv), 0);
  event_base_dispatch(base_);
  EXPECT_GE(NowMs() - start, 20.0 - kClockSlackMs) << "the timer ran early";
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_TIMEOUT);
}

TEST_F(Compat14Timer, TimeoutCountsFromTheAdd) {
  EVC_RULE("event.h/event_add/timeout-from-call",
           "event.h: event_add's timeout is the time to wait from the call; time that passed "
           "before it (here 50 ms since the base was made) does not count");
  Probe& p = NewProbe("timer");
  event* ev = SetTimer(p);
  const double busy_from = NowMs();
  while (NowMs() - busy_from < 50) {
    // the program does other work before it adds the timer
  }
  timeval tv = Ms(30);
  const double start = NowMs();
  ASSERT_EQ(event_add(ev, &tv), 0);
  event_base_dispatch(base_);
  EXPECT_GE(NowMs() - start, 30.0 - kClockSlackMs)
      << "the timeout was counted from before the add";
  EXPECT_EQ(p.calls, 1);
}

TEST_F(Compat14Timer, TimeoutMacrosAreTimers) {
  EVC_RULE("event_compat.h/timeout_set/evtimer-aliases",
           "event_compat.h: timeout_set / timeout_add / timeout_pending are the evtimer_* "
           "calls under their 1.4 names");
  Probe& p = NewProbe("timeout");
  timeout_set(p.ev, Probe::Callback, &p);
  ASSERT_EQ(event_base_set(base_, p.ev), 0);
  set_.push_back(p.ev);
  timeval tv = Ms(5);
  ASSERT_EQ(timeout_add(p.ev, &tv), 0);
  EXPECT_NE(timeout_pending(p.ev, nullptr), 0);
  event_base_dispatch(base_);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(timeout_pending(p.ev, nullptr), 0);
}

TEST_F(Compat14Timer, DispatchReturnsOneWhenTheLastTimerHasRun) {
  EVC_RULE("event.h/event_base_dispatch/one-when-empty-zero-on-loopexit",
           "event.h: event_base_dispatch returns 1 when no events are pending or active any "
           "more, 0 when it exits through loopexit");
  Probe& p = NewProbe("timer");
  timeval tv = Ms(5);
  ASSERT_EQ(event_add(SetTimer(p), &tv), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
}

TEST_F(Compat14Timer, TimersRunInDeadlineOrder) {
  EVC_RULE("event.h/event_add/deadline-not-add-order",
           "event.h: timeouts expire in the order of their deadlines, not of their adds");
  // 50 ms apart: the adds themselves take time (several ms each for the
  // first calls under valgrind), and a deadline counts from its add.
  // Run one iteration at a time: timers that come due in one iteration (a
  // loaded machine) may run in any order.
  const long delays[] = {150, 50, 100};
  const char* names[] = {"150ms", "50ms", "100ms"};
  for (int i = 0; i < 3; ++i) {
    Probe& p = NewProbe(names[i]);
    timeval tv = Ms(delays[i]);
    ASSERT_EQ(event_add(SetTimer(p), &tv), 0);
  }
  const auto groups = RunIterations([this] { return event_base_loop(base_, EVLOOP_ONCE); }, log_);
  EXPECT_EQ(SortedNames(groups), (std::vector<std::string>{"100ms", "150ms", "50ms"}));
  ExpectGroupsInRankOrder(groups, [](const std::string& n) { return std::stod(n); });
}

TEST_F(Compat14Timer, AddingAgainReplacesTheTimeout) {
  EVC_RULE("event.h/event_add/readd-pending-replaces-timeout",
           "event.h: event_add on a pending event replaces its timeout with the new one");
  Probe& p = NewProbe("timer");
  event* ev = SetTimer(p);
  timeval far = Ms(10000);
  timeval near = Ms(10);
  ASSERT_EQ(event_add(ev, &far), 0);
  ASSERT_EQ(event_add(ev, &near), 0);
  const double start = NowMs();
  event_base_dispatch(base_);
  EXPECT_EQ(p.calls, 1);
  EXPECT_LT(NowMs() - start, 5000.0) << "the first, longer timeout was kept";
}

TEST_F(Compat14Timer, ZeroTimeoutRunsInTheNextLoop) {
  EVC_RULE("event.h/event_add/zero-timeout-next-nonblock-loop",
           "event.h: a timeout of zero expires at once: the callback runs in the next "
           "non-blocking loop with EV_TIMEOUT");
  Probe& p = NewProbe("timer");
  timeval zero = Ms(0);
  ASSERT_EQ(event_add(SetTimer(p), &zero), 0);
  event_base_loop(base_, EVLOOP_ONCE);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_TIMEOUT);
}

TEST_F(Compat14Timer, DelCancelsATimer) {
  EVC_RULE("event.h/event_del/cancels-pending-timeout",
           "event.h: event_del cancels a pending timeout; the callback never runs");
  Probe& p = NewProbe("timer");
  event* ev = SetTimer(p);
  timeval tv = Ms(5);
  ASSERT_EQ(event_add(ev, &tv), 0);
  ASSERT_EQ(evtimer_del(ev), 0);
  EXPECT_EQ(evtimer_pending(ev, nullptr), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 0);
}

TEST_F(Compat14Timer, IdleIoEventReportsTimeout) {
  EVC_RULE("event.h/event_add/io-timeout-then-not-pending",
           "event.h: an I/O event added with a timeout runs with EV_TIMEOUT if the fd does not "
           "become ready in time, and is then no longer pending");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = Set(p, sp.fd[0], EV_READ);
  timeval tv = Ms(10);
  ASSERT_EQ(event_add(ev, &tv), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_TIMEOUT);
  EXPECT_EQ(event_pending(ev, EV_READ | EV_TIMEOUT, nullptr), 0);
}

TEST_F(Compat14Timer, ReadyIoEventCancelsItsTimeout) {
  EVC_RULE("event.h/event_add/io-ready-timeout-no-longer-pends",
           "event.h: an I/O event with a timeout that becomes ready runs with EV_READ, and its "
           "timeout no longer pends");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = Set(p, sp.fd[0], EV_READ);
  timeval tv = Ms(10000);
  ASSERT_EQ(event_add(ev, &tv), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_READ);
  EXPECT_EQ(event_pending(ev, EV_TIMEOUT, nullptr), 0);
}

TEST_F(Compat14Timer, PersistentTimeoutIsRearmed) {
  EVC_RULE("event.h/EV_PERSIST/timeout-rearmed-on-expiry",
           "event.h: an EV_PERSIST event with a timeout is re-armed with the same timeout each "
           "time it expires");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = Set(p, sp.fd[0], EV_READ | EV_PERSIST);
  p.action = [](Probe& self) {
    if (self.calls == 3) event_del(self.ev);
  };
  timeval tv = Ms(5);
  ASSERT_EQ(event_add(ev, &tv), 0);
  const double start = NowMs();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 3);
  EXPECT_EQ(p.what, EV_TIMEOUT);
  EXPECT_GE(NowMs() - start, 15.0 - 3 * kClockSlackMs);
}

}  // namespace
}  // namespace evc
