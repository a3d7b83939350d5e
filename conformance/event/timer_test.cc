// Timeouts: EV_TIMEOUT reporting, re-adding, EV_PERSIST re-arming, and what
// event_pending says about them.
#include <map>
#include <string>

#include "event_fixture.h"

namespace evc {
namespace {

using EventTimer = EventTest;

TEST_F(EventTimer, TimerReportsTimeout) {
  EVC_RULE("event.h/evtimer_new/ev-timeout",
           "event.h: when the timeout expires the callback runs with EV_TIMEOUT");
  Probe& p = NewProbe("timer");
  event* ev = NewTimer(p);
  timeval tv = Ms(20);
  ASSERT_EQ(evtimer_add(ev, &tv), 0);
  const double start = NowMs();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_GE(NowMs() - start, 20.0 - kClockSlackMs) << "the timer ran early";
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_TIMEOUT);
}

TEST_F(EventTimer, IoEventWithATimeoutReportsTimeoutWhenIdle) {
  EVC_RULE("event.h/event_add/io-timeout-when-idle",
           "event.h: an I/O event added with a timeout runs with EV_TIMEOUT if the fd does not "
           "become ready in time");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ);
  timeval tv = Ms(10);
  ASSERT_EQ(event_add(ev, &tv), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_TIMEOUT);
}

TEST_F(EventTimer, IoEventWithATimeoutReportsReadWhenReady) {
  EVC_RULE("event.h/event_add/io-ready-cancels-timeout",
           "event.h: an I/O event with a timeout that becomes ready runs with EV_READ and its "
           "timeout is cancelled");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ);
  timeval tv = Ms(10000);
  ASSERT_EQ(event_add(ev, &tv), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_READ);
  EXPECT_EQ(event_pending(ev, EV_TIMEOUT, nullptr), 0);
}

TEST_F(EventTimer, TimersRunInDeadlineOrder) {
  EVC_RULE("event.h/event_add/deadline-order",
           "event.h: timeouts expire in the order of their deadlines");
  const long delays[] = {30, 10, 20};
  const char* names[] = {"30ms", "10ms", "20ms"};
  for (int i = 0; i < 3; ++i) {
    Probe& p = NewProbe(names[i]);
    timeval tv = Ms(delays[i]);
    ASSERT_EQ(evtimer_add(NewTimer(p), &tv), 0);
  }
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(log_, (std::vector<std::string>{"10ms", "20ms", "30ms"}));
}

TEST_F(EventTimer, AddingAPendingTimerAgainResetsItsTimeout) {
  EVC_RULE("event.h/event_add/readd-replaces-timeout",
           "event.h: event_add on an event that already has a timeout replaces the old "
           "timeout with the new one");
  Probe& moved = NewProbe("moved");
  Probe& marker = NewProbe("marker");
  event* ev = NewTimer(moved);
  timeval first = Ms(10), later = Ms(60), mid = Ms(30);
  ASSERT_EQ(evtimer_add(ev, &first), 0);
  ASSERT_EQ(evtimer_add(ev, &later), 0);
  ASSERT_EQ(evtimer_add(NewTimer(marker), &mid), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(log_, (std::vector<std::string>{"marker", "moved"}));
  EXPECT_EQ(moved.calls, 1);
}

TEST_F(EventTimer, AddingAPendingTimerAgainCanShortenIt) {
  EVC_RULE("event.h/event_add/readd-shorter",
           "event.h: re-adding with a shorter timeout makes the event expire sooner");
  Probe& moved = NewProbe("moved");
  Probe& marker = NewProbe("marker");
  event* ev = NewTimer(moved);
  timeval first = Ms(10000), sooner = Ms(5), mid = Ms(40);
  ASSERT_EQ(evtimer_add(ev, &first), 0);
  ASSERT_EQ(evtimer_add(NewTimer(marker), &mid), 0);
  ASSERT_EQ(evtimer_add(ev, &sooner), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(log_, (std::vector<std::string>{"moved", "marker"}));
}

TEST_F(EventTimer, PersistentTimerRearmsItsTimeout) {
  EVC_RULE("event.h/EV_PERSIST/timer-rearms",
           "event.h: EV_PERSIST with a timeout: the timeout is re-armed each time the "
           "callback runs");
  Probe& p = NewProbe("tick");
  event* ev = NewEvent(p, -1, EV_PERSIST);
  p.action = [](Probe& self) {
    if (self.calls == 4) event_del(self.ev);
  };
  timeval tv = Ms(5);
  ASSERT_EQ(event_add(ev, &tv), 0);
  const double start = NowMs();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 4);
  EXPECT_EQ(p.what, EV_TIMEOUT);
  EXPECT_GE(NowMs() - start, 20.0 - kClockSlackMs) << "four 5 ms periods";
}

TEST_F(EventTimer, PersistentTimerFiresOncePerIntervalBeforeALaterTimer) {
  EVC_RULE("event.h/EV_PERSIST/timer-once-per-interval",
           "event.h: EV_PERSIST with a timeout re-arms the same timeout: a 10 ms persistent "
           "timer fires about 4 times before a one-shot 45 ms timer (at least 3 allowed)");
  Probe& tick = NewProbe("tick");
  Probe& marker = NewProbe("marker");
  event* ev = NewEvent(tick, -1, EV_PERSIST);
  int ticks_before_marker = -1;
  marker.action = [&](Probe&) {
    ticks_before_marker = tick.calls;
    event_del(ev);
  };
  timeval every = Ms(10), later = Ms(45);
  ASSERT_EQ(event_add(ev, &every), 0);
  ASSERT_EQ(evtimer_add(NewTimer(marker), &later), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_GE(ticks_before_marker, 3);
  EXPECT_LE(ticks_before_marker, 4);
}

TEST_F(EventTimer, PersistentTimeoutIsReArmedFromTheDeadlineThatFired) {
  EVC_RULE("event.h/EV_PERSIST/timer-no-drift",
           "event.c (event_persist_closure): a persistent timeout is re-armed from the deadline "
           "that fired, not from the time the callback runs, so it does not drift: successive "
           "deadlines reported by event_pending are exactly one interval apart (unless the loop "
           "fell a whole interval behind)");
  Probe& tick = NewProbe("tick");
  event* ev = NewEvent(tick, -1, EV_PERSIST);
  std::vector<double> deadlines;
  tick.action = [&](Probe& self) {
    timeval next = {0, 0};
    ASSERT_EQ(event_pending(self.ev, EV_TIMEOUT, &next), EV_TIMEOUT);
    deadlines.push_back(WallMs(next));
    if (self.calls == 5) event_del(self.ev);
  };
  timeval every = Ms(40);
  ASSERT_EQ(event_add(ev, &every), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  ASSERT_EQ(deadlines.size(), 5u);
  int exact = 0;
  for (size_t i = 1; i < deadlines.size(); ++i) {
    const double step = deadlines[i] - deadlines[i - 1];
    EXPECT_GE(step, 40.0 - 0.1) << "step " << i;
    if (step <= 40.0 + 0.1) ++exact;  // a step is longer only after a whole interval of delay
  }
  EXPECT_GE(exact, 3) << "the deadlines drift: re-armed from the callback's time?";
}

TEST_F(EventTimer, PersistentIoEventTimeoutRestartsOnActivity) {
  EVC_RULE("event.h/EV_PERSIST/io-timeout-restarts",
           "event.h: EV_PERSIST: the timeout restarts whenever the event's callback runs, so "
           "a busy fd does not time out");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_PERSIST);
  std::vector<short> whats;
  p.action = [&](Probe& self) {
    whats.push_back(self.what);
    SocketPair::Drain(sp.fd[0]);
    if (self.what == EV_TIMEOUT) event_del(self.ev);
  };
  Probe& feeder = NewProbe("feeder");
  event* feed = NewEvent(feeder, -1, EV_PERSIST);
  feeder.action = [&](Probe& self) {
    if (self.calls <= 4) sp.MakeReadable();
    else event_del(self.ev);
  };
  timeval idle = Ms(200), every = Ms(15);
  ASSERT_EQ(event_add(ev, &idle), 0);
  ASSERT_EQ(event_add(feed, &every), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  ASSERT_EQ(whats.size(), 5u) << "four reads, then the idle timeout";
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(whats[i], EV_READ) << "call " << i;
  EXPECT_EQ(whats[4], EV_TIMEOUT);
}

TEST_F(EventTimer, PendingReportsFlagsAndTheDeadline) {
  EVC_RULE("event.h/event_pending/flags-and-deadline",
           "event.h: event_pending returns the flags the event is pending on, and with "
           "EV_TIMEOUT and a tv stores the expiry time");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_WRITE);
  EXPECT_EQ(event_pending(ev, EV_READ | EV_WRITE | EV_TIMEOUT, nullptr), 0);
  timeval tv = Ms(10000);
  timeval before;
  gettimeofday(&before, nullptr);
  ASSERT_EQ(event_add(ev, &tv), 0);
  EXPECT_EQ(event_pending(ev, EV_READ | EV_WRITE | EV_TIMEOUT, nullptr),
            EV_READ | EV_WRITE | EV_TIMEOUT);
  EXPECT_EQ(event_pending(ev, EV_READ, nullptr), EV_READ);
  EXPECT_EQ(event_pending(ev, EV_SIGNAL, nullptr), 0);
  timeval expiry = {0, 0};
  EXPECT_EQ(event_pending(ev, EV_TIMEOUT, &expiry), EV_TIMEOUT);
  const double delta = WallMs(expiry) - WallMs(before);
  EXPECT_GT(delta, 9000.0) << "expiry is wall-clock time about 10 s from now";
  EXPECT_LT(delta, 11000.0);
}

TEST_F(EventTimer, PendingWithoutTimeoutLeavesTvAlone) {
  EVC_RULE("event.h/event_pending/tv-only-with-timeout",
           "event.h: event_pending stores the expiry only if EV_TIMEOUT is asked for and set");
  Probe& p = NewProbe("p");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  timeval tv = {12345, 678};
  EXPECT_EQ(event_pending(ev, EV_READ | EV_TIMEOUT, &tv), EV_READ);
  EXPECT_EQ(tv.tv_sec, 12345);
  EXPECT_EQ(tv.tv_usec, 678);
}

TEST_F(EventTimer, DelCancelsATimer) {
  EVC_RULE("event.h/event_del/cancels-timer",
           "event.h: event_del cancels the timeout; the callback never runs");
  Probe& p = NewProbe("timer");
  event* ev = NewTimer(p);
  timeval tv = Ms(1);
  ASSERT_EQ(evtimer_add(ev, &tv), 0);
  EXPECT_NE(evtimer_pending(ev, nullptr), 0);
  ASSERT_EQ(evtimer_del(ev), 0);
  EXPECT_EQ(evtimer_pending(ev, nullptr), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 0);
}

TEST_F(EventTimer, ManyTimersWithDeletesAndResetsFireOnceInDeadlineOrder) {
  EVC_RULE("event.h/event_add/many-timers",
           "event.h: every added timer fires once, at its deadline; deleted timers never "
           "fire; re-added timers fire at the new deadline (checked on 200 timers, seeded)");
  constexpr int kTimers = 200;
  unsigned seed = 12345;
  auto next = [&seed](unsigned mod) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) % mod;
  };
  std::vector<event*> evs;
  for (int i = 0; i < kTimers; ++i) {
    Probe& p = NewProbe(std::to_string(i));
    evs.push_back(NewTimer(p));
    timeval tv = Ms(1 + next(60));
    ASSERT_EQ(evtimer_add(evs.back(), &tv), 0);
  }
  std::vector<bool> deleted(kTimers, false);
  for (int i = 0; i < kTimers; ++i) {
    const unsigned what = next(4);
    if (what == 0) {
      ASSERT_EQ(evtimer_del(evs[i]), 0);
      deleted[i] = true;
    } else if (what == 1) {
      timeval tv = Ms(1 + next(60));
      ASSERT_EQ(evtimer_add(evs[i], &tv), 0);
    }
  }
  std::map<std::string, double> deadline;
  for (int i = 0; i < kTimers; ++i) {
    timeval at;
    if (evtimer_pending(evs[i], &at)) deadline[std::to_string(i)] = WallMs(at);
    EXPECT_EQ(evtimer_pending(evs[i], nullptr) != 0, !deleted[i]) << "timer " << i;
  }
  EXPECT_EQ(event_base_dispatch(base_), 1);
  ASSERT_EQ(log_.size(), deadline.size()) << "each pending timer fires once, no other";
  for (size_t k = 1; k < log_.size(); ++k)
    EXPECT_LE(deadline[log_[k - 1]], deadline[log_[k]])
        << std::fixed << log_[k - 1] << " (" << deadline[log_[k - 1]] << " ms) ran before "
        << log_[k] << " (" << deadline[log_[k]] << " ms)";
}

TEST_F(EventTimer, ZeroTimeoutRunsOnTheNextIteration) {
  EVC_RULE("event.h/event_add/zero-timeout",
           "event.h: a zero timeout expires at once: the callback runs on the next iteration");
  Probe& p = NewProbe("now");
  timeval zero = Ms(0);
  ASSERT_EQ(evtimer_add(NewTimer(p), &zero), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(p.calls, 1);
}

}  // namespace
}  // namespace evc
