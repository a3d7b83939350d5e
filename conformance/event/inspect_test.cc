// Looking into a base: event_base_foreach_event, event_base_dump_events,
// and the common timeouts of event_base_init_common_timeout.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "event_fixture.h"

namespace evc {
namespace {

using EventInspect = EventTest;

// How many times each event was visited.
int CountVisits(const event_base*, const event* ev, void* arg) {
  ++(*static_cast<std::map<const event*, int>*>(arg))[ev];
  return 0;
}

TEST_F(EventInspect, ForeachVisitsEachAddedOrActiveEventOnce) {
  EVC_RULE("event.h/event_base_foreach_event",
           "event.h: event_base_foreach_event calls fn on each added or active event (I/O, "
           "timer, signal, or only activated), not on an event never added, and returns 0 after "
           "the last; the library's own events may be visited too");
  SocketPair s;
  ASSERT_TRUE(s.ok());
  Probe& pi = NewProbe("io");
  Probe& pt = NewProbe("timer");
  Probe& ps = NewProbe("signal");
  Probe& pa = NewProbe("active");
  Probe& pn = NewProbe("never");
  event* io = NewEvent(pi, s.fd[0], EV_READ);
  event* timer = NewTimer(pt);
  event* sig = NewSignal(ps, SIGUSR2);
  event* active = NewTimer(pa);
  event* never = NewTimer(pn);
  const timeval minute = Ms(60000);
  ASSERT_EQ(event_add(io, nullptr), 0);
  ASSERT_EQ(event_add(timer, &minute), 0);
  ASSERT_EQ(event_add(sig, nullptr), 0);
  event_active(active, EV_TIMEOUT, 1);
  std::map<const event*, int> seen;
  EXPECT_EQ(event_base_foreach_event(base_, CountVisits, &seen), 0);
  for (const event* ev : {io, timer, sig, active}) EXPECT_EQ(seen[ev], 1) << "event " << ev;
  EXPECT_EQ(seen.count(never), 0u);
}

TEST_F(EventInspect, ForeachStopsAtTheFirstNonzeroAnswer) {
  EVC_RULE("event.h/event_base_foreach_event/stop",
           "event.h: a callback answering nonzero stops event_base_foreach_event, which returns "
           "that answer");
  Probe& p = NewProbe("p");
  const timeval minute = Ms(60000);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(event_add(NewTimer(p), &minute), 0);
  int calls = 0;
  EXPECT_EQ(event_base_foreach_event(
                base_, [](const event_base*, const event*, void* n) { return ++*static_cast<int*>(n) + 6; },
                &calls),
            7);
  EXPECT_EQ(calls, 1);
}

TEST_F(EventInspect, ForeachWithoutCallbackFails) {
  EVC_RULE("event.h/event_base_foreach_event/no-callback",
           "event.c: event_base_foreach_event without a callback returns -1");
  EXPECT_EQ(event_base_foreach_event(base_, nullptr, nullptr), -1);
}

std::string Dump(event_base* base) {
  char* text = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&text, &len);
  if (f == nullptr) return "";
  event_base_dump_events(base, f);
  std::fclose(f);
  std::string s(text, len);
  std::free(text);
  return s;
}

TEST_F(EventInspect, DumpDescribesEveryAddedAndActiveEvent) {
  EVC_RULE("event.h/event_base_dump_events",
           "event.h: event_base_dump_events writes a human-readable description of the inserted "
           "and active events (its format is not fixed): text that grows with each event added "
           "or activated");
  SocketPair s;
  ASSERT_TRUE(s.ok());
  const std::string empty = Dump(base_);
  Probe& pi = NewProbe("io");
  Probe& pa = NewProbe("active");
  ASSERT_EQ(event_add(NewEvent(pi, s.fd[0], EV_READ), nullptr), 0);
  const std::string one = Dump(base_);
  event_active(NewTimer(pa), EV_TIMEOUT, 1);
  const std::string two = Dump(base_);
  EXPECT_GT(one.size(), empty.size()) << one;
  EXPECT_GT(two.size(), one.size()) << two;
  EXPECT_EQ(two.back(), '\n');
}

TEST_F(EventInspect, CommonTimeoutSchedulesLikeItsDuration) {
  EVC_RULE("event.h/event_base_init_common_timeout",
           "event.h: event_base_init_common_timeout returns a timeout value that event_add "
           "takes; events added with it run once its duration has passed, with EV_TIMEOUT");
  const timeval d = Ms(30);
  const timeval* common = event_base_init_common_timeout(base_, &d);
  ASSERT_NE(common, nullptr);
  Probe& a = NewProbe("a");
  Probe& b = NewProbe("b");
  ASSERT_EQ(event_add(NewTimer(a), common), 0);
  ASSERT_EQ(event_add(NewTimer(b), common), 0);
  const double start = NowMs();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_GE(NowMs() - start, 30.0 - kClockSlackMs) << "the timers ran early";
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(b.calls, 1);
  EXPECT_EQ(a.what, EV_TIMEOUT);
}

TEST_F(EventInspect, CommonTimeoutsOfOtherDurationsKeepTheirOwn) {
  EVC_RULE("event.h/event_base_init_common_timeout/several",
           "event.h: a base takes several common timeouts; each schedules with its own "
           "duration, so the shorter one runs first (or in the same iteration)");
  const timeval d1 = Ms(10), d2 = Ms(40);
  const timeval* c2 = event_base_init_common_timeout(base_, &d2);
  const timeval* c1 = event_base_init_common_timeout(base_, &d1);
  ASSERT_NE(c1, nullptr);
  ASSERT_NE(c2, nullptr);
  Probe& slow = NewProbe("slow");
  Probe& fast = NewProbe("fast");
  ASSERT_EQ(event_add(NewTimer(slow), c2), 0);
  ASSERT_EQ(event_add(NewTimer(fast), c1), 0);
  // One iteration at a time: on a loaded machine both can come due in one
  // iteration, where their order is open.
  const auto groups =
      RunIterations([this] { return event_base_loop(base_, EVLOOP_ONCE); }, log_);
  EXPECT_EQ(SortedNames(groups), (std::vector<std::string>{"fast", "slow"}));
  ExpectGroupsInRankOrder(groups, [](const std::string& n) { return n == "fast" ? 10 : 40; });
}

}  // namespace
}  // namespace evc
