// The rest of <event2/event_compat.h> that 1.4 programs use through
// <event.h>: event_init's current base with event_loop, event_loopexit and
// event_get_method, the timeout_* and signal_* macros, and EVENT_FD.
// (event_init's replacing of the current base, event_loopbreak,
// evsignal_set and event_priority_init, which libev's emulation lacks or
// answers otherwise, are in event/compat_test.cc.)
#include <csignal>
#include <cstring>

#include "compat14_fixture.h"

namespace evc {
namespace {

using Compat14Api = Compat14Test;
// The tests that call event_init: each runs in a process of its own
// (harness/own-process.txt), since the current base is process-wide.
using Compat14CurrentBase = Compat14Test;

TEST_F(Compat14CurrentBase, LoopRunsTheCurrentBaseWithTheFlagsGiven) {
  EVC_RULE("event_compat.h/event_loop",
           "event_compat.h: event_loop(flags) is event_base_loop on the current base: "
           "EVLOOP_NONBLOCK runs the events that are ready without waiting and returns 0 "
           "while an event is still pending, 1 when none is");
  event_base* current = static_cast<event_base*>(event_init());
  ASSERT_NE(current, nullptr);
  Probe& p = NewProbe("read");
  p.action = [](Probe& self) { SocketPair::Drain(self.fd); };
  SocketPair& sp = NewPair();
  event_set(p.ev, sp.fd[0], EV_READ | EV_PERSIST, Probe::Callback, &p);
  ASSERT_EQ(event_add(p.ev, nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_loop(EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_READ);
  ASSERT_EQ(event_del(p.ev), 0);
  EXPECT_EQ(event_loop(EVLOOP_NONBLOCK), 1) << "nothing is pending";
  EXPECT_EQ(p.calls, 1);
  event_base_free(current);
}

TEST_F(Compat14CurrentBase, LoopexitWithoutATimeEndsAfterTheReadyEvents) {
  EVC_RULE("event_compat.h/event_loopexit",
           "event_compat.h: event_loopexit(NULL) makes the current base's loop exit after the "
           "pass that handles the events already ready: event_dispatch runs a ready persistent "
           "event once and returns 0");
  event_base* current = static_cast<event_base*>(event_init());
  ASSERT_NE(current, nullptr);
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event_set(p.ev, sp.fd[0], EV_READ | EV_PERSIST, Probe::Callback, &p);
  ASSERT_EQ(event_add(p.ev, nullptr), 0);
  sp.MakeReadable();  // and never drained: ready on every pass
  ASSERT_EQ(event_loopexit(nullptr), 0);
  EXPECT_EQ(event_dispatch(), 0);
  EXPECT_EQ(p.calls, 1);
  event_del(p.ev);
  event_base_free(current);
}

TEST_F(Compat14CurrentBase, GetMethodNamesTheLatestCurrentBasesMethod) {
  EVC_RULE("event_compat.h/event_get_method",
           "event_compat.h: event_get_method names the kernel method of the current base: "
           "after each event_init, the string event_base_get_method gives for the new base");
  event_base* first = static_cast<event_base*>(event_init());
  ASSERT_NE(first, nullptr);
  ASSERT_NE(event_get_method(), nullptr);
  EXPECT_STREQ(event_get_method(), event_base_get_method(first));
  event_base* second = static_cast<event_base*>(event_init());
  ASSERT_NE(second, nullptr);
  ASSERT_NE(event_get_method(), nullptr);
  EXPECT_STREQ(event_get_method(), event_base_get_method(second));
  EXPECT_GT(std::strlen(event_get_method()), 0u);
  event_base_free(second);
  event_base_free(first);
}

// ------------------------------------------------------------ timeout_*

TEST_F(Compat14Api, TimeoutInitializedAfterTimeoutSet) {
  EVC_RULE("event_compat.h/timeout_initialized",
           "event_compat.h: timeout_initialized is event_initialized: false for zeroed "
           "storage, true once timeout_set prepared the timer");
  Probe& p = NewProbe("timer");
  EXPECT_FALSE(timeout_initialized(p.ev));
  timeout_set(p.ev, Probe::Callback, &p);
  EXPECT_TRUE(timeout_initialized(p.ev));
}

TEST_F(Compat14Api, TimeoutAddRunsTheTimerOnceAfterTheDelay) {
  EVC_RULE("event_compat.h/timeout_add",
           "event_compat.h: timeout_add is event_add: the timer's callback runs once, with "
           "EV_TIMEOUT, after the delay given");
  Probe& p = NewProbe("timer");
  timeout_set(p.ev, Probe::Callback, &p);
  ASSERT_EQ(event_base_set(base_, p.ev), 0);
  set_.push_back(p.ev);
  timeval tv = Ms(10);
  FreshLoopTime();
  const double start = NowMs();
  ASSERT_EQ(timeout_add(p.ev, &tv), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_GE(NowMs() - start, 10.0 - kClockSlackMs);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_TIMEOUT);
}

TEST_F(Compat14Api, TimeoutDelCancelsTheTimer) {
  EVC_RULE("event_compat.h/timeout_del",
           "event_compat.h: timeout_del is event_del: the timer is no longer pending and its "
           "callback never runs");
  Probe& p = NewProbe("timer");
  event* ev = SetTimer(p);
  timeval tv = Ms(0);
  ASSERT_EQ(timeout_add(ev, &tv), 0);
  ASSERT_EQ(timeout_del(ev), 0);
  EXPECT_EQ(timeout_pending(ev, nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(p.calls, 0);
}

TEST_F(Compat14Api, TimeoutPendingGivesTheExpiry) {
  EVC_RULE("event_compat.h/timeout_pending",
           "event_compat.h: timeout_pending is event_pending(ev, EV_TIMEOUT, tv): non-zero "
           "while the timer is added, with its expiry (wall-clock time, about now plus the "
           "delay) in tv; 0 before it is added");
  Probe& p = NewProbe("timer");
  event* ev = SetTimer(p);
  EXPECT_EQ(timeout_pending(ev, nullptr), 0);
  timeval delay = Ms(60000);
  timeval now;
  gettimeofday(&now, nullptr);
  ASSERT_EQ(timeout_add(ev, &delay), 0);
  timeval expiry = {0, 0};
  EXPECT_NE(timeout_pending(ev, &expiry), 0);
  const double wait_ms = WallMs(expiry) - WallMs(now);
  EXPECT_GE(wait_ms, 60000.0 - 1000.0);
  EXPECT_LE(wait_ms, 60000.0 + 1000.0);
}

// ------------------------------------------------------------ signal_*

using Compat14ApiSignal = Compat14Test;

TEST_F(Compat14ApiSignal, SignalAddMakesTheEventReceiveTheSignal) {
  EVC_RULE("event_compat.h/signal_add",
           "event_compat.h: signal_add is event_add: once added (no timeout), the signal "
           "event is pending and a raised signal runs its callback once with EV_SIGNAL");
  Probe& p = NewProbe("signal");
  event* ev = SetSignal(p, SIGUSR2);
  ASSERT_EQ(signal_add(ev, nullptr), 0);
  EXPECT_NE(signal_pending(ev, nullptr), 0);
  ASSERT_EQ(raise(SIGUSR2), 0);
  event_base_loop(base_, EVLOOP_ONCE);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_SIGNAL);
  signal_del(ev);
}

TEST_F(Compat14ApiSignal, SignalPendingOnlyWhileAdded) {
  EVC_RULE("event_compat.h/signal_pending",
           "event_compat.h: signal_pending is event_pending(ev, EV_SIGNAL): 0 before "
           "signal_add, non-zero while added, 0 after signal_del");
  Probe& p = NewProbe("signal");
  event* ev = SetSignal(p, SIGUSR2);
  EXPECT_EQ(signal_pending(ev, nullptr), 0);
  ASSERT_EQ(signal_add(ev, nullptr), 0);
  EXPECT_NE(signal_pending(ev, nullptr), 0);
  ASSERT_EQ(signal_del(ev), 0);
  EXPECT_EQ(signal_pending(ev, nullptr), 0);
  EXPECT_EQ(p.calls, 0);
}

TEST_F(Compat14ApiSignal, SignalInitializedAfterSignalSet) {
  EVC_RULE("event_compat.h/signal_initialized",
           "event_compat.h: signal_initialized is event_initialized: false for zeroed "
           "storage, true once signal_set prepared the event");
  Probe& p = NewProbe("signal");
  EXPECT_FALSE(signal_initialized(p.ev));
  SetSignal(p, SIGUSR2);
  EXPECT_TRUE(signal_initialized(p.ev));
}

TEST_F(Compat14Api, EventFdIsTheEventsDescriptor) {
  EVC_RULE("event_compat.h/EVENT_FD",
           "event_compat.h: EVENT_FD(ev) is the file descriptor of an I/O event "
           "((int)event_get_fd(ev)), and -1 for a timer");
  Probe& io = NewProbe("io");
  SocketPair& sp = NewPair();
  event* ev = Set(io, sp.fd[0], EV_READ);
  EXPECT_EQ(EVENT_FD(ev), sp.fd[0]);
  Probe& t = NewProbe("timer");
  EXPECT_EQ(EVENT_FD(SetTimer(t)), -1);
}

}  // namespace
}  // namespace evc
