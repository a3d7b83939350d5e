// event_active and priorities.
#include <algorithm>
#include <set>

#include "event_fixture.h"

namespace evc {
namespace {

using EventActive = EventTest;

TEST_F(EventActive, ActiveRunsTheCallbackWithTheChosenFlags) {
  EVC_RULE("event.h/event_active/given-flags",
           "event.h: event_active makes the event active with the given flags; the callback "
           "receives them, even for an event that is not pending");
  Probe& p = NewProbe("p");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ);
  event_active(ev, EV_WRITE | EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_WRITE | EV_TIMEOUT);
}

TEST_F(EventActive, ActivatingTwiceBeforeItRunsMergesFlagsIntoOneCall) {
  EVC_RULE("event.h/event_active/twice-merges",
           "observed libevent 2.1.12: event_active on an already active event ORs the flags; "
           "the callback runs once");
  Probe& p = NewProbe("p");
  event* ev = NewTimer(p);
  event_active(ev, EV_READ, 1);
  event_active(ev, EV_WRITE, 1);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_READ | EV_WRITE);
}

TEST_F(EventActive, PendingReportsTheActiveFlags) {
  EVC_RULE("event.h/event_pending/active-flags",
           "event.c (event_pending): an active event reports the flags it was activated with");
  Probe& p = NewProbe("p");
  event* ev = NewTimer(p);
  event_active(ev, EV_WRITE, 1);
  EXPECT_EQ(event_pending(ev, EV_WRITE | EV_READ, nullptr), EV_WRITE);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(event_pending(ev, EV_WRITE, nullptr), 0);
}

TEST_F(EventActive, ActiveCallbacksOfOnePriorityEachRunOnceInOneIteration) {
  EVC_RULE("event.h/event_active/same-priority-each-once",
           "event.h: events made active before the loop all run, once each, in its next "
           "iteration; their order is open (the libevent book, 'Working with events': 'When "
           "multiple events trigger at the same time, Libevent does not define any order')");
  std::vector<event*> evs;
  for (const char* n : {"a", "b", "c", "d"}) evs.push_back(NewTimer(NewProbe(n)));
  for (int i : {2, 0, 3, 1}) event_active(evs[i], EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  std::vector<std::string> ran = log_;
  std::sort(ran.begin(), ran.end());
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1) << "nothing is left";
}

TEST_F(EventActive, PrioritiesOrderCallbacks) {
  EVC_RULE("event.h/event_priority_set/lower-number-first",
           "event.h: events of a higher priority (lower number) run before lower ones");
  ASSERT_EQ(event_base_priority_init(base_, 3), 0);
  const struct {
    const char* name;
    int pri;
  } spec[] = {{"low", 2}, {"mid", 1}, {"high", 0}, {"low2", 2}};
  for (const auto& s : spec) {
    event* ev = NewTimer(NewProbe(s.name));
    ASSERT_EQ(event_priority_set(ev, s.pri), 0);
    event_active(ev, EV_TIMEOUT, 1);
  }
  EXPECT_EQ(event_base_dispatch(base_), 1);
  ASSERT_EQ(log_.size(), 4u);
  EXPECT_EQ(log_[0], "high");
  EXPECT_EQ(log_[1], "mid");
  // "low" and "low2" share a priority: either order (the book leaves it open).
  EXPECT_EQ(std::set<std::string>(log_.begin() + 2, log_.end()),
            (std::set<std::string>{"low", "low2"}));
}

TEST_F(EventActive, HigherPriorityActivatedInACallbackRunsNext) {
  EVC_RULE("event.h/event_priority_set/higher-activated-runs-next",
           "event.c (event_continue): a higher-priority event activated by a lower-priority "
           "callback runs before the rest of the lower-priority queue (whichever of the two "
           "lower-priority events runs first activates it: their order is open)");
  ASSERT_EQ(event_base_priority_init(base_, 2), 0);
  Probe& urgent = NewProbe("urgent");
  event* eu = NewTimer(urgent);
  ASSERT_EQ(event_priority_set(eu, 0), 0);
  Probe& l1 = NewProbe("low1");
  Probe& l2 = NewProbe("low2");
  for (Probe* p : {&l1, &l2}) {
    p->action = [eu, &urgent](Probe& self) {
      if (self.calls == 1 && urgent.calls == 0) event_active(eu, EV_TIMEOUT, 1);
    };
    event* ev = NewTimer(*p);
    ASSERT_EQ(event_priority_set(ev, 1), 0);
    event_active(ev, EV_TIMEOUT, 1);
  }
  EXPECT_EQ(event_base_dispatch(base_), 1);
  ASSERT_EQ(log_.size(), 3u);
  EXPECT_EQ(log_[1], "urgent") << log_[0] << " activated it; " << log_[2] << " waited";
  EXPECT_EQ(std::set<std::string>({log_[0], log_[2]}), (std::set<std::string>{"low1", "low2"}));
}

TEST_F(EventActive, LowerPriorityWaitsWhileHigherKeepsFiring) {
  EVC_RULE("event.h/event_priority_set/lower-waits",
           "event.h: only the highest-priority active events run in an iteration; lower "
           "priorities wait while higher ones stay active");
  ASSERT_EQ(event_base_priority_init(base_, 2), 0);
  Probe& busy = NewProbe("busy");
  Probe& low = NewProbe("low");
  event* eb = NewTimer(busy);
  event* el = NewTimer(low);
  ASSERT_EQ(event_priority_set(eb, 0), 0);
  ASSERT_EQ(event_priority_set(el, 1), 0);
  busy.action = [](Probe& self) {
    if (self.calls < 3) event_active(self.ev, EV_TIMEOUT, 1);
  };
  event_active(el, EV_TIMEOUT, 1);
  event_active(eb, EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(log_, (std::vector<std::string>{"busy", "busy", "busy", "low"}));
}

}  // namespace
}  // namespace evc
