// The parts of <event2/event_compat.h> that need libevent 2's API next to
// them (event_get_priority, event_get_signal), or that libev's emulation
// lacks or answers otherwise (event_loopbreak, evsignal_set; a second
// event_init, where its first one returned the default loop, which
// event_base_free never frees): the rest of the 1.4 API is tested through
// <event.h> alone in compat14/. Also what the calls on the current
// base answer without one, where libevent 2.1.12 answers rather than
// crashes (event_loop, event_dispatch, event_get_method and
// event_priority_init crash there, so nothing is asserted for them).
#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/event_struct.h>

#include <climits>
#include <csignal>
#include <vector>

#include "event_fixture.h"

namespace evc {
namespace {

// Each test that calls event_init frees that base before it ends, so that
// the next test starts with no current base.
using EventCompat = EventTest;

// Leaves the process without a current base: makes one and frees it
// (event_base_free of the current base clears it, as in libevent).
void ForgetCurrentBase() { event_base_free(event_init()); }

TEST_F(EventCompat, InitMakesANewCurrentBaseEachTime) {
  EVC_RULE("event_compat.h/event_init",
           "event_compat.h: event_init returns a new event base and makes it the current one: "
           "events prepared with event_set (and no event_base_set) run on the latest one, and "
           "event_loop runs that one");
  event_base* first = event_init();
  ASSERT_NE(first, nullptr);
  event_base* second = event_init();
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first, second);
  EXPECT_NE(second, base_);
  Probe& p = NewProbe("timer");
  event ev;
  evtimer_set(&ev, Probe::Callback, &p);
  const timeval zero = Ms(0);
  ASSERT_EQ(evtimer_add(&ev, &zero), 0);
  EXPECT_EQ(event_base_loop(first, EVLOOP_NONBLOCK), 1) << "the first base has nothing";
  EXPECT_EQ(p.calls, 0);
  EXPECT_EQ(event_loop(EVLOOP_ONCE), 0);
  EXPECT_EQ(p.calls, 1);
  event_base_free(second);
  event_base_free(first);
}

TEST_F(EventCompat, LoopbreakEndsTheLoopAfterTheRunningCallback) {
  EVC_RULE("event_compat.h/event_loopbreak",
           "event_compat.h: event_loopbreak is event_base_loopbreak on the current base: "
           "called from a callback, event_dispatch returns 0 right after it, before other "
           "ready events run");
  event_base* current = event_init();
  ASSERT_NE(current, nullptr);
  SocketPair a, b;
  ASSERT_TRUE(a.ok() && b.ok());
  Probe& pa = NewProbe("a");
  Probe& pb = NewProbe("b");
  pa.action = pb.action = [](Probe&) { event_loopbreak(); };
  event ea, eb;
  event_set(&ea, a.fd[0], EV_READ | EV_PERSIST, Probe::Callback, &pa);
  event_set(&eb, b.fd[0], EV_READ | EV_PERSIST, Probe::Callback, &pb);
  ASSERT_EQ(event_add(&ea, nullptr), 0);
  ASSERT_EQ(event_add(&eb, nullptr), 0);
  a.MakeReadable();
  b.MakeReadable();
  EXPECT_EQ(event_dispatch(), 0);
  EXPECT_EQ(pa.calls + pb.calls, 1);
  event_del(&ea);
  event_del(&eb);
  event_base_free(current);
}

TEST_F(EventCompat, LoopbreakWithoutACurrentBaseFails) {
  EVC_RULE("event_compat.h/event_loopbreak/no-current-base",
           "observed libevent 2.1.12: with no current base (none made, or the last one freed) "
           "event_loopbreak returns -1");
  EXPECT_IN_CHILD({
    ForgetCurrentBase();
    EXPECT_EQ(event_loopbreak(), -1);
  });
}

TEST_F(EventCompat, LoopexitWithoutACurrentBaseFails) {
  EVC_RULE("event_compat.h/event_loopexit/no-current-base",
           "observed libevent 2.1.12: with no current base (none made, or the last one freed) "
           "event_loopexit returns -1, with or without a time");
  EXPECT_IN_CHILD({
    ForgetCurrentBase();
    EXPECT_EQ(event_loopexit(nullptr), -1);
    const timeval tv = Ms(10);
    EXPECT_EQ(event_loopexit(&tv), -1);
  });
}

TEST_F(EventCompat, PriorityInitSetsTheCurrentBasesPriorities) {
  EVC_RULE("event_compat.h/event_priority_init",
           "event_compat.h: event_priority_init(n) is event_base_priority_init on the current "
           "base: it returns 0, events prepared afterwards get the middle priority n/2, and "
           "event_priority_set accepts 0 to n-1 only");
  event_base* current = event_init();
  ASSERT_NE(current, nullptr);
  ASSERT_EQ(event_priority_init(5), 0);
  EXPECT_EQ(event_base_get_npriorities(current), 5);
  Probe& p = NewProbe("timer");
  event ev;
  evtimer_set(&ev, Probe::Callback, &p);
  EXPECT_EQ(event_get_priority(&ev), 2);
  EXPECT_EQ(event_priority_set(&ev, 4), 0);
  EXPECT_EQ(event_priority_set(&ev, 5), -1);
  event_base_free(current);
}

TEST_F(EventCompat, PriorityInitRefusesCountsOutOfRange) {
  EVC_RULE("event_compat.h/event_priority_init/bad-count",
           "event.h (event_base_priority_init, via event_compat.h): the count is 1 to "
           "EVENT_MAX_PRIORITIES-1 (255); event_priority_init refuses 0, negative counts and "
           "256 or more with -1 and keeps the current base's count");
  const std::vector<Named<int>> counts = {
      {"0", 0}, {"-1", -1}, {"INT_MIN", INT_MIN}, {"256", 256}, {"INT_MAX", INT_MAX}};
  for (const Named<int>& n : counts) {
    SCOPED_TRACE(n.name);
    EXPECT_IN_CHILD({
      event_base* current = event_init();
      ASSERT_NE(current, nullptr);
      const int before = event_base_get_npriorities(current);
      EXPECT_EQ(event_priority_init(n.value), -1);
      EXPECT_EQ(event_base_get_npriorities(current), before);
      event_base_free(current);
    });
  }
}

TEST_F(EventCompat, EvsignalSetPreparesAPersistentSignalEvent) {
  EVC_RULE("event_compat.h/evsignal_set",
           "event_compat.h: evsignal_set(ev, x, cb, arg) is event_set(ev, x, EV_SIGNAL | "
           "EV_PERSIST, cb, arg): a persistent event for signal x whose callback runs with x "
           "and EV_SIGNAL for each delivery");
  Probe& p = NewProbe("signal");
  event ev;
  evsignal_set(&ev, SIGUSR2, Probe::Callback, &p);
  ASSERT_EQ(event_base_set(base_, &ev), 0);
  EXPECT_EQ(event_get_events(&ev), EV_SIGNAL | EV_PERSIST);
  EXPECT_EQ(event_get_signal(&ev), SIGUSR2);
  ASSERT_EQ(event_add(&ev, nullptr), 0);
  for (int i = 1; i <= 2; ++i) {
    ASSERT_EQ(raise(SIGUSR2), 0);
    event_base_loop(base_, EVLOOP_ONCE);
    EXPECT_EQ(p.calls, i);
  }
  EXPECT_EQ(p.what, EV_SIGNAL);
  EXPECT_EQ(p.fd, SIGUSR2);
  event_del(&ev);
}

}  // namespace
}  // namespace evc
