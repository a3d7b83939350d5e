// The loop the 1.4 way: event_base_loop flags, loopexit, event_base_once,
// and the "current" base of event_init with the calls that use it.
#include <cstring>

#include "compat14_fixture.h"

namespace evc {
namespace {

using Compat14Loop = Compat14Test;

TEST_F(Compat14Loop, LoopWithNothingToDoReturnsOne) {
  EVC_RULE("event.h/event_base_loop/empty-returns-one",
           "event.h: event_base_loop returns 1 when no events are pending or active");
  EXPECT_EQ(event_base_loop(base_, 0), 1);
  EXPECT_EQ(event_base_dispatch(base_), 1);
}

TEST_F(Compat14Loop, NonblockDoesNotWait) {
  EVC_RULE("event.h/EVLOOP_NONBLOCK/returns-without-waiting",
           "event.h: EVLOOP_NONBLOCK runs what is ready and returns without waiting (0 with "
           "events still pending)");
  Probe& p = NewProbe("timer");
  timeval tv = Ms(10000);
  ASSERT_EQ(event_add(SetTimer(p), &tv), 0);
  const double start = NowMs();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_LT(NowMs() - start, 1000.0);
  EXPECT_EQ(p.calls, 0);
}

TEST_F(Compat14Loop, OnceWaitsForOneRound) {
  EVC_RULE("event.h/EVLOOP_ONCE/blocks-one-round",
           "event.h: EVLOOP_ONCE blocks until an event is active, runs the active events, and "
           "returns 0");
  Probe& first = NewProbe("10ms");
  Probe& second = NewProbe("5000ms");
  timeval near = Ms(10);
  timeval far = Ms(5000);
  ASSERT_EQ(event_add(SetTimer(first), &near), 0);
  ASSERT_EQ(event_add(SetTimer(second), &far), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(second.calls, 0);
}

TEST_F(Compat14Loop, OnceReturnsZeroEvenWhenNothingIsLeftPending) {
  EVC_RULE("event.h/EVLOOP_ONCE/last-event-returns-zero",
           "event.h: event_base_loop returns 1 only when it exits because no events were "
           "pending or active; an EVLOOP_ONCE round that ran the last event returns 0");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  ASSERT_EQ(event_add(Set(p, sp.fd[0], EV_READ), nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(p.calls, 1);
}

TEST_F(Compat14Loop, LoopexitWithATimeoutEndsTheLoop) {
  EVC_RULE("event.h/event_base_loopexit/timeout-ends-loop",
           "event.h: event_base_loopexit(base, tv) makes the loop exit once tv has passed; the "
           "loop returns 0 although events are still pending");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  ASSERT_EQ(event_add(Set(p, sp.fd[0], EV_READ | EV_PERSIST), nullptr), 0);  // never ready
  timeval tv = Ms(30);
  FreshLoopTime();
  const double start = NowMs();
  ASSERT_EQ(event_base_loopexit(base_, &tv), 0);
  EXPECT_EQ(event_base_dispatch(base_), 0);
  const double elapsed = NowMs() - start;
  EXPECT_GE(elapsed, 30.0 - kClockSlackMs);
  EXPECT_LT(elapsed, 5000.0);
  EXPECT_EQ(p.calls, 0);
}

TEST_F(Compat14Loop, LoopexitInsideACallbackFinishesTheRound) {
  EVC_RULE("event.h/event_base_loopexit/null-finishes-round",
           "event.h: event_base_loopexit(base, NULL) from a callback exits the loop after the "
           "current round: the other active events of that round still run");
  SocketPair& a = NewPair();
  SocketPair& b = NewPair();
  Probe& pa = NewProbe("a");
  Probe& pb = NewProbe("b");
  event_base* base = base_;
  pa.action = [base](Probe& self) {  // asks once: no request is left pending at the end
    if (self.calls == 1) event_base_loopexit(base, nullptr);
  };
  ASSERT_EQ(event_add(Set(pa, a.fd[0], EV_READ | EV_PERSIST), nullptr), 0);
  ASSERT_EQ(event_add(Set(pb, b.fd[0], EV_READ | EV_PERSIST), nullptr), 0);
  a.MakeReadable();  // never drained: each would run in every round
  b.MakeReadable();
  EXPECT_EQ(event_base_dispatch(base_), 0);
  EXPECT_EQ(pa.calls, 1);
  EXPECT_EQ(pb.calls, 1);
}

TEST_F(Compat14Loop, BaseOnceRunsATimerOnce) {
  EVC_RULE("event.h/event_base_once/timer-once",
           "event.h: event_base_once with fd -1 and EV_TIMEOUT runs the callback once with "
           "EV_TIMEOUT after tv, with no event to manage");
  Probe p;
  timeval tv = Ms(5);
  ASSERT_EQ(event_base_once(base_, -1, EV_TIMEOUT, Probe::Callback, &p, &tv), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_TIMEOUT);
}

TEST_F(Compat14Loop, BaseOnceRunsWhenTheFdIsReady) {
  EVC_RULE("event.h/event_base_once/fd-ready-once",
           "event.h: event_base_once on an fd runs the callback once, with EV_READ, when it "
           "becomes readable");
  Probe p;
  SocketPair& sp = NewPair();
  timeval tv = Ms(10000);
  ASSERT_EQ(event_base_once(base_, sp.fd[0], EV_READ, Probe::Callback, &p, &tv), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_READ);
  EXPECT_EQ(p.fd, sp.fd[0]);
}

TEST_F(Compat14Loop, VersionAndMethodAreNamed) {
  EVC_RULE("event.h/event_get_version/non-empty",
           "event.h: event_get_version and event_base_get_method return non-empty strings");
  ASSERT_NE(event_get_version(), nullptr);
  EXPECT_GT(std::strlen(event_get_version()), 0u);
  const char* method = event_base_get_method(base_);
  ASSERT_NE(method, nullptr);
  EXPECT_GT(std::strlen(method), 0u);
}

// The current base: event_init makes one, and event_set, event_loop,
// event_dispatch, event_loopexit, event_once and event_get_method use it.
// Each test frees it before the fixture's checks.
TEST_F(Compat14Loop, EventSetUsesTheCurrentBase) {
  EVC_RULE("event_compat.h/event_set/current-base",
           "event_compat.h: event_init sets the current base; an event prepared with event_set "
           "and no event_base_set belongs to it, and event_loop runs it");
  event_base* current = static_cast<event_base*>(event_init());
  ASSERT_NE(current, nullptr);
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event_set(p.ev, sp.fd[0], EV_READ, Probe::Callback, &p);
  ASSERT_EQ(event_add(p.ev, nullptr), 0);
  sp.MakeReadable();
  event_loop(EVLOOP_ONCE);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_READ);
  event_del(p.ev);
  event_base_free(current);
}

TEST_F(Compat14Loop, DispatchAndLoopexitUseTheCurrentBase) {
  EVC_RULE("event_compat.h/event_dispatch/current-base",
           "event_compat.h: event_dispatch and event_loopexit act on the current base "
           "(event_init's)");
  event_base* current = static_cast<event_base*>(event_init());
  ASSERT_NE(current, nullptr);
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event_set(p.ev, sp.fd[0], EV_READ | EV_PERSIST, Probe::Callback, &p);
  ASSERT_EQ(event_add(p.ev, nullptr), 0);  // never ready
  timeval tv = Ms(20);
  ASSERT_EQ(event_loopexit(&tv), 0);
  const double start = NowMs();
  EXPECT_EQ(event_dispatch(), 0);
  EXPECT_GE(NowMs() - start, 20.0 - kClockSlackMs);
  EXPECT_EQ(p.calls, 0);
  event_del(p.ev);
  event_base_free(current);
}

TEST_F(Compat14Loop, EventOnceAndGetMethodUseTheCurrentBase) {
  EVC_RULE("event_compat.h/event_once/current-base",
           "event_compat.h: event_once schedules on the current base; event_get_method names "
           "its method, the same as event_base_get_method");
  event_base* current = static_cast<event_base*>(event_init());
  ASSERT_NE(current, nullptr);
  ASSERT_NE(event_get_method(), nullptr);
  EXPECT_STREQ(event_get_method(), event_base_get_method(current));
  Probe p;
  timeval tv = Ms(5);
  ASSERT_EQ(event_once(-1, EV_TIMEOUT, Probe::Callback, &p, &tv), 0);
  EXPECT_EQ(event_dispatch(), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_TIMEOUT);
  event_base_free(current);
}

}  // namespace
}  // namespace evc
