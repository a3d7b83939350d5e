// event_base_loop and its controls: return values, EVLOOP_* flags,
// loopexit, loopbreak, got_exit / got_break.
#include <algorithm>

#include "event_fixture.h"

namespace evc {
namespace {

using EventLoop = EventTest;

TEST_F(EventLoop, DispatchReturnsOneWhenNothingIsPending) {
  EVC_RULE("event.h/event_base_dispatch/empty-returns-one",
           "event.h: event_base_dispatch returns 1 if there were no events pending or active");
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
}

TEST_F(EventLoop, DispatchReturnsOneOnceTheLastEventHasRun) {
  EVC_RULE("event.h/event_base_dispatch/last-event-returns-one",
           "event.h: the loop runs until no events are pending or active, then returns 1");
  Probe& p = NewProbe("timer");
  event* ev = NewTimer(p);
  timeval tv = Ms(1);
  ASSERT_EQ(event_add(ev, &tv), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
}

TEST_F(EventLoop, NonblockReturnsAtOnceWhenNothingIsReady) {
  EVC_RULE("event.h/EVLOOP_NONBLOCK/nothing-ready",
           "event.h: EVLOOP_NONBLOCK: do not block; run the events that are ready, if any");
  Probe& p = NewProbe("timer");
  event* ev = NewTimer(p);
  timeval tv = Ms(10000);
  ASSERT_EQ(event_add(ev, &tv), 0);
  const double start = NowMs();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_LT(NowMs() - start, 1000.0);
  EXPECT_EQ(p.calls, 0);
}

TEST_F(EventLoop, NonblockRunsWhatIsReady) {
  EVC_RULE("event.h/EVLOOP_NONBLOCK/runs-ready",
           "event.h: EVLOOP_NONBLOCK runs the callbacks of events already ready, and returns "
           "once an iteration finds nothing active (0 while events stay pending)");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_PERSIST);
  p.action = [&sp](Probe&) { SocketPair::Drain(sp.fd[0]); };
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_READ);
}

TEST_F(EventLoop, NonblockReturnsOneWhenItsLastEventRan) {
  EVC_RULE("event.h/EVLOOP_NONBLOCK/last-event-returns-one",
           "observed libevent 2.1.12: EVLOOP_NONBLOCK keeps iterating while callbacks ran; if "
           "that left no event pending, the next iteration returns 1");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(p.calls, 1);
}

TEST_F(EventLoop, OnceWaitsForAnEventRunsItAndReturns) {
  EVC_RULE("event.h/EVLOOP_ONCE/waits-runs-returns",
           "event.h: EVLOOP_ONCE: block until we have an active event, then exit once all "
           "active events have had their callbacks run");
  Probe& a = NewProbe("a");
  Probe& b = NewProbe("b");
  event* ea = NewTimer(a);
  event* eb = NewTimer(b);
  timeval ta = Ms(5), tb = Ms(60000);
  ASSERT_EQ(event_add(ea, &ta), 0);
  ASSERT_EQ(event_add(eb, &tb), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(b.calls, 0);
  EXPECT_NE(event_pending(eb, EV_TIMEOUT, nullptr), 0);
}

TEST_F(EventLoop, OnceRunsEveryActiveEventAcrossPriorities) {
  EVC_RULE("event.h/EVLOOP_ONCE/all-priorities",
           "event.h: EVLOOP_ONCE exits once all active events have had their callbacks run "
           "(lower priorities included)");
  ASSERT_EQ(event_base_priority_init(base_, 3), 0);
  Probe& hi = NewProbe("hi");
  Probe& lo = NewProbe("lo");
  event* eh = NewTimer(hi);
  event* el = NewTimer(lo);
  ASSERT_EQ(event_priority_set(eh, 0), 0);
  ASSERT_EQ(event_priority_set(el, 2), 0);
  event_active(el, EV_TIMEOUT, 1);
  event_active(eh, EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(log_, (std::vector<std::string>{"hi", "lo"}));
}

TEST_F(EventLoop, NoExitOnEmptyDoesNotReturnOneOnAnEmptyBase) {
  EVC_RULE("event.h/EVLOOP_NO_EXIT_ON_EMPTY/nonblock-empty-returns-zero",
           "event.h: EVLOOP_NO_EXIT_ON_EMPTY: do not exit the loop because we have no pending "
           "events; with EVLOOP_NONBLOCK the empty pass ends normally (0), not with 1");
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK | EVLOOP_NO_EXIT_ON_EMPTY), 0);
}

TEST_F(EventLoop, NoExitOnEmptyLoopStillEndsOnLoopexit) {
  EVC_RULE("event.h/EVLOOP_NO_EXIT_ON_EMPTY/until-loopexit",
           "event.h: EVLOOP_NO_EXIT_ON_EMPTY keeps the loop running after its last event has "
           "run, until event_base_loopexit");
  Probe& last = NewProbe("last");
  Probe& stopper = NewProbe("stopper");
  event* ev = NewTimer(last);
  event* stop = NewTimer(stopper);
  // The last event's callback asks for exit from a fresh callback of the
  // next iteration, after the base has been empty for one wait.
  last.action = [stop](Probe&) { event_active(stop, EV_TIMEOUT, 1); };
  stopper.action = [this](Probe&) { event_base_loopexit(base_, nullptr); };
  timeval tv = Ms(1);
  ASSERT_EQ(event_add(ev, &tv), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY), 0);
  EXPECT_EQ(last.calls, 1);
  EXPECT_EQ(stopper.calls, 1);
  EXPECT_NE(event_base_got_exit(base_), 0);
}

TEST_F(EventLoop, LoopexitLetsTheActiveCallbacksFinish) {
  EVC_RULE("event.h/event_base_loopexit/active-callbacks-finish",
           "event.h: event_base_loopexit: the loop exits after all active callbacks of the "
           "current iteration have run (the first of three to run asks; their order is open)");
  Probe& a = NewProbe("a");
  Probe& b = NewProbe("b");
  Probe& c = NewProbe("c");
  for (Probe* p : {&a, &b, &c}) {
    p->action = [this](Probe&) {
      if (log_.size() == 1) event_base_loopexit(base_, nullptr);
    };
    event_active(NewTimer(*p), EV_TIMEOUT, 1);
  }
  EXPECT_EQ(event_base_dispatch(base_), 0);
  std::vector<std::string> ran = log_;
  std::sort(ran.begin(), ran.end());
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_NE(event_base_got_exit(base_), 0);
  EXPECT_EQ(event_base_got_break(base_), 0);
}

TEST_F(EventLoop, LoopexitHonoursItsTimeout) {
  EVC_RULE("event.h/event_base_loopexit/timeout",
           "event.h: event_base_loopexit(tv): exit after the given time has passed, running "
           "the events that become active meanwhile");
  Probe& tick = NewProbe("tick");
  event* ev = NewEvent(tick, -1, EV_PERSIST);
  timeval every = Ms(20), after = Ms(110);
  const double start = NowMs();
  ASSERT_EQ(event_add(ev, &every), 0);
  ASSERT_EQ(event_base_loopexit(base_, &after), 0);
  EXPECT_EQ(event_base_dispatch(base_), 0);
  const double took = NowMs() - start;
  EXPECT_GE(took, 110.0 - 2 * kClockSlackMs);
  EXPECT_LT(took, 5000.0);
  // The ticks that came due meanwhile ran: at least one (a loaded machine
  // that holds the loop past an interval makes a persistent timer re-arm
  // from then, so there may be fewer than 5), at most one per 20 ms.
  EXPECT_GE(tick.calls, 1);
  EXPECT_LE(tick.calls, static_cast<int>((took + kClockSlackMs) / 20.0));
  EXPECT_NE(event_base_got_exit(base_), 0);
}

TEST_F(EventLoop, LoopexitBeforeTheLoopIsKept) {
  EVC_RULE("event.h/event_base_loopexit/before-loop-kept",
           "observed libevent 2.1.12: loopexit is a once-event, so one asked before the loop "
           "starts ends it after its first iteration");
  Probe& p = NewProbe("later");
  event* ev = NewTimer(p);
  timeval tv = Ms(10000);
  ASSERT_EQ(event_add(ev, &tv), 0);
  ASSERT_EQ(event_base_loopexit(base_, nullptr), 0);
  EXPECT_EQ(event_base_dispatch(base_), 0);
  EXPECT_EQ(p.calls, 0);
  EXPECT_NE(event_base_got_exit(base_), 0);
}

TEST_F(EventLoop, LoopbreakStopsAfterTheRunningCallback) {
  EVC_RULE("event.h/event_base_loopbreak/after-running-callback",
           "event.h: event_base_loopbreak: exit after the currently running callback; the "
           "other active callbacks wait for the next loop (the first of three to run breaks; "
           "their order is open)");
  Probe& a = NewProbe("a");
  Probe& b = NewProbe("b");
  Probe& c = NewProbe("c");
  for (Probe* p : {&a, &b, &c}) {
    p->action = [this](Probe&) {
      if (log_.size() == 1) event_base_loopbreak(base_);
    };
    event_active(NewTimer(*p), EV_TIMEOUT, 1);
  }
  EXPECT_EQ(event_base_dispatch(base_), 0);
  EXPECT_EQ(log_.size(), 1u) << "only the callback that broke ran";
  EXPECT_NE(event_base_got_break(base_), 0);
  EXPECT_EQ(event_base_got_exit(base_), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  std::vector<std::string> ran = log_;
  std::sort(ran.begin(), ran.end());
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(EventLoop, LoopbreakBeforeTheLoopIsForgotten) {
  EVC_RULE("event.h/event_base_loopbreak/before-loop-forgotten",
           "observed libevent 2.1.12: event_base_loop clears the break flag on entry, so a "
           "loopbreak asked while no loop runs has no effect");
  Probe& p = NewProbe("p");
  event_active(NewTimer(p), EV_TIMEOUT, 1);
  ASSERT_EQ(event_base_loopbreak(base_), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(event_base_got_break(base_), 0);
}

TEST_F(EventLoop, GotFlagsStayUntilTheNextLoop) {
  EVC_RULE("event.h/event_base_got_exit/cleared-on-next-loop",
           "event.h: got_exit/got_break report whether the loop was told to exit/break; "
           "entering the loop again clears them");
  Probe& p = NewProbe("p");
  p.action = [this](Probe&) { event_base_loopbreak(base_); };
  event_active(NewTimer(p), EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_dispatch(base_), 0);
  EXPECT_NE(event_base_got_break(base_), 0);
  EXPECT_NE(event_base_got_break(base_), 0) << "reading the flag does not clear it";
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(event_base_got_break(base_), 0);
  EXPECT_EQ(event_base_got_exit(base_), 0);
}

TEST_F(EventLoop, ReentrantLoopFails) {
  EVC_RULE("event.h/event_base_loop/reentrant",
           "event.c: only one event_base_loop can run on a base at once; a reentrant call "
           "returns -1");
  Probe& p = NewProbe("p");
  int inner = 0;
  p.action = [this, &inner](Probe&) { inner = event_base_loop(base_, EVLOOP_NONBLOCK); };
  event_active(NewTimer(p), EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(inner, -1);
}

}  // namespace
}  // namespace evc
