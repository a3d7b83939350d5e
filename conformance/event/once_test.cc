// event_base_once: one callback, then the event frees itself.
#include "event_fixture.h"

namespace evc {
namespace {

using EventOnce = EventTest;

TEST_F(EventOnce, TimerRunsOnceAndLeavesNothingPending) {
  EVC_RULE("event.h/event_base_once/timer-frees-itself",
           "event.h: event_base_once schedules a callback to run once; the event frees "
           "itself (nothing remains pending: dispatch returns 1)");
  Probe& p = NewProbe("once");
  timeval tv = Ms(5);
  ASSERT_EQ(event_base_once(base_, -1, EV_TIMEOUT, Probe::Callback, &p, &tv), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_TIMEOUT);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
}

TEST_F(EventOnce, NullTimeoutRunsOnTheNextIteration) {
  EVC_RULE("event.h/event_base_once/null-timeout",
           "event.c: event_base_once with EV_TIMEOUT and no timeout runs at once");
  Probe& p = NewProbe("once");
  ASSERT_EQ(event_base_once(base_, -1, EV_TIMEOUT, Probe::Callback, &p, nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(p.calls, 1);
}

TEST_F(EventOnce, ReadOnceRunsWhenTheFdIsReady) {
  EVC_RULE("event.h/event_base_once/read-ready",
           "event.h: event_base_once with EV_READ runs once when the fd is readable");
  Probe& p = NewProbe("once");
  SocketPair& sp = NewPair();
  timeval tv = Ms(10000);
  ASSERT_EQ(event_base_once(base_, sp.fd[0], EV_READ, Probe::Callback, &p, &tv), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_READ);
  EXPECT_EQ(p.fd, sp.fd[0]);
}

TEST_F(EventOnce, SignalAndPersistAreRejected) {
  EVC_RULE("event.h/event_base_once/signal-persist-rejected",
           "event.c: event_base_once does not support EV_SIGNAL or EV_PERSIST (returns -1)");
  Probe& p = NewProbe("once");
  EXPECT_EQ(event_base_once(base_, SIGUSR1, EV_SIGNAL, Probe::Callback, &p, nullptr), -1);
  SocketPair& sp = NewPair();
  EXPECT_EQ(event_base_once(base_, sp.fd[0], EV_READ | EV_PERSIST, Probe::Callback, &p, nullptr),
            -1);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 0);
}

TEST_F(EventOnce, PendingOnceIsFreedWithTheBase) {
  EVC_RULE("event.h/event_base_free/pending-once-events-freed",
           "event.c (event_base_free): once-events that never ran are freed with the base "
           "and their callbacks never run (leaks show under the asan and valgrind presets)");
  Probe& p = NewProbe("never");
  timeval tv = Ms(60000);
  ASSERT_EQ(event_base_once(base_, -1, EV_TIMEOUT, Probe::Callback, &p, &tv), 0);
  ASSERT_EQ(event_base_once(base_, -1, EV_TIMEOUT, Probe::Callback, &p, nullptr), 0);
  event_base_free(base_);
  base_ = nullptr;
  EXPECT_EQ(p.calls, 0);
}

}  // namespace
}  // namespace evc
