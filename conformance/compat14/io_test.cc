// The 1.4 way to watch a descriptor: event_set on caller storage,
// event_base_set, event_add / event_del, and what event_pending,
// event_initialized and event_active say. Rules from libevent's
// event_compat.h and event.h (2.1.12, which keeps the 1.4 API), checked on
// every implementation that claims the compat14 area.
#include <cstring>

#include "compat14_fixture.h"

namespace evc {
namespace {

using Compat14Io = Compat14Test;

TEST_F(Compat14Io, SetAndBaseSetPrepareAReadEvent) {
  EVC_RULE("event_compat.h/event_set/read-event-runs",
           "event_compat.h: event_set prepares an event; event_base_set binds it to a base; "
           "once added, a readable fd runs the callback with the fd, EV_READ and the argument");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = Set(p, sp.fd[0], EV_READ);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();
  event_base_loop(base_, EVLOOP_ONCE);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_READ);
  EXPECT_EQ(p.fd, sp.fd[0]);
}

TEST_F(Compat14Io, EventInitializedAfterEventSet) {
  EVC_RULE("event.h/event_initialized/after-event-set",
           "event.h: event_initialized is true once the event was prepared (event_set) and "
           "false for zeroed storage");
  Probe& p = NewProbe("read");
  EXPECT_FALSE(event_initialized(p.ev));
  SocketPair& sp = NewPair();
  Set(p, sp.fd[0], EV_READ);
  EXPECT_TRUE(event_initialized(p.ev));
}

TEST_F(Compat14Io, NonPersistentEventRunsOnce) {
  EVC_RULE("event.h/EV_PERSIST/unset-not-pending-though-ready",
           "event.h: without EV_PERSIST the event stops being pending when its callback runs, "
           "even if the fd stays readable");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = Set(p, sp.fd[0], EV_READ);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();  // never drained
  event_base_loop(base_, EVLOOP_ONCE);
  ASSERT_EQ(p.calls, 1);
  EXPECT_EQ(event_pending(ev, EV_READ, nullptr), 0);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(p.calls, 1);
}

TEST_F(Compat14Io, PersistentEventStaysPending) {
  EVC_RULE("event.h/EV_PERSIST/runs-again-while-readable",
           "event.h: with EV_PERSIST the event stays pending after its callback and runs again "
           "while the fd is readable");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = Set(p, sp.fd[0], EV_READ | EV_PERSIST);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();  // never drained
  event_base_loop(base_, EVLOOP_ONCE);
  event_base_loop(base_, EVLOOP_ONCE);
  EXPECT_EQ(p.calls, 2);
  EXPECT_NE(event_pending(ev, EV_READ, nullptr), 0);
}

TEST_F(Compat14Io, ReadAndWriteEventsOnOneFdBothRun) {
  EVC_RULE("event.h/EV_WRITE/independent-of-read-event",
           "event.h: a writable socket runs a write event with EV_WRITE; a read event and a "
           "write event on the same fd are independent");
  Probe& r = NewProbe("read");
  Probe& w = NewProbe("write");
  SocketPair& sp = NewPair();
  ASSERT_EQ(event_add(Set(r, sp.fd[0], EV_READ), nullptr), 0);
  ASSERT_EQ(event_add(Set(w, sp.fd[0], EV_WRITE), nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.what, EV_READ);
  EXPECT_EQ(w.calls, 1);
  EXPECT_EQ(w.what, EV_WRITE);
}

TEST_F(Compat14Io, DelBeforeTheLoopPreventsTheCallback) {
  EVC_RULE("event.h/event_del/before-loop-no-callback",
           "event.h: event_del makes the event non-pending (0 on success); its callback does "
           "not run even though the fd is ready");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = Set(p, sp.fd[0], EV_READ | EV_PERSIST);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_del(ev), 0);
  EXPECT_EQ(event_pending(ev, EV_READ, nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1) << "no events: the loop returns 1";
  EXPECT_EQ(p.calls, 0);
}

TEST_F(Compat14Io, DelOfANeverAddedEventSucceeds) {
  EVC_RULE("event.h/event_del/not-pending-returns-zero",
           "event.c (1.4 and 2.1): event_del of an event that is not pending does nothing "
           "and returns 0");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  EXPECT_EQ(event_del(Set(p, sp.fd[0], EV_READ)), 0);
}

TEST_F(Compat14Io, DelInsideItsOwnCallbackStopsAPersistentEvent) {
  EVC_RULE("event.h/event_del/own-callback-stops-persistent",
           "event.h: event_del from inside the event's own callback stops a persistent event");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = Set(p, sp.fd[0], EV_READ | EV_PERSIST);
  p.action = [](Probe& self) { event_del(self.ev); };
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();  // never drained
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
}

TEST_F(Compat14Io, ReAddInsideTheCallbackRunsAgain) {
  EVC_RULE("event.h/event_add/own-callback-runs-again",
           "event.h: a non-persistent event may be added again from its own callback and then "
           "runs again");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = Set(p, sp.fd[0], EV_READ);
  p.action = [](Probe& self) {
    if (self.calls < 3) event_add(self.ev, nullptr);
  };
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();  // never drained
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 3);
}

TEST_F(Compat14Io, PendingReportsTheAddedConditions) {
  EVC_RULE("event.h/event_pending/added-conditions",
           "event.h: event_pending returns the asked-for conditions the event is pending on "
           "(EV_READ, EV_TIMEOUT) and 0 for others");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = Set(p, sp.fd[0], EV_READ);
  EXPECT_EQ(event_pending(ev, EV_READ | EV_TIMEOUT, nullptr), 0) << "not added yet";
  timeval tv = Ms(5000);
  ASSERT_EQ(event_add(ev, &tv), 0);
  EXPECT_EQ(event_pending(ev, EV_READ | EV_WRITE | EV_TIMEOUT, nullptr), EV_READ | EV_TIMEOUT);
  EXPECT_EQ(event_pending(ev, EV_WRITE, nullptr), 0);
}

TEST_F(Compat14Io, PendingGivesTheTimeoutsExpiry) {
  EVC_RULE("event.h/event_pending/tv-is-expiry-wall-clock",
           "event.h: event_pending's tv, when the event has a timeout, is set to the time the "
           "timeout expires (wall-clock, as gettimeofday)");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = Set(p, sp.fd[0], EV_READ);
  timeval tv = Ms(5000);
  timeval before;
  gettimeofday(&before, nullptr);
  ASSERT_EQ(event_add(ev, &tv), 0);
  timeval expiry{};
  ASSERT_NE(event_pending(ev, EV_TIMEOUT, &expiry), 0);
  timeval after;
  gettimeofday(&after, nullptr);
  EXPECT_GE(WallMs(expiry), WallMs(before) + 5000 - 50);
  EXPECT_LE(WallMs(expiry), WallMs(after) + 5000 + 50);
}

TEST_F(Compat14Io, ActiveRunsTheCallbackWithTheGivenResult) {
  EVC_RULE("event.h/event_active/next-loop-given-flags",
           "event.h: event_active makes the event active: its callback runs in the next loop "
           "with the given flags, whether or not the fd is ready");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = Set(p, sp.fd[0], EV_READ);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  event_active(ev, EV_WRITE, 1);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_WRITE);
}

TEST_F(Compat14Io, BaseSetRefusesAPendingEvent) {
  EVC_RULE("event.h/event_base_set/refuses-pending",
           "event.h: event_base_set: the event must not be pending or active; -1 on failure "
           "(libevent 2.1 accepts only an event that was never added)");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = Set(p, sp.fd[0], EV_READ);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  event_base* other = event_base_new();
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(event_base_set(other, ev), -1);
  event_del(ev);
  event_base_free(other);
}

TEST_F(Compat14Io, HigherPriorityRunsFirst) {
  EVC_RULE("event.h/event_base_priority_init/zero-most-important",
           "event.h: with event_base_priority_init(base, n), priority 0 is the most important; "
           "of the active events, the lower priority number runs first");
  ASSERT_EQ(event_base_priority_init(base_, 3), 0);
  SocketPair& sp = NewPair();
  Probe& low = NewProbe("priority 2");
  Probe& high = NewProbe("priority 0");
  event* lev = Set(low, sp.fd[0], EV_WRITE);
  event* hev = Set(high, sp.fd[0], EV_WRITE);
  ASSERT_EQ(event_priority_set(lev, 2), 0);
  ASSERT_EQ(event_priority_set(hev, 0), 0);
  ASSERT_EQ(event_add(lev, nullptr), 0);  // the less important one first
  ASSERT_EQ(event_add(hev, nullptr), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(log_, (std::vector<std::string>{"priority 0", "priority 2"}));
}

}  // namespace
}  // namespace evc
