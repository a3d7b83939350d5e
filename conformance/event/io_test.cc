// I/O events: activation, EV_PERSIST, several events on one fd, and
// deleting or freeing events from inside callbacks.
#include "event_fixture.h"

namespace evc {
namespace {

using EventIo = EventTest;

TEST_F(EventIo, ReadEventRunsOncePerActivation) {
  EVC_RULE("event.h/EV_PERSIST/unset-once-per-activation",
           "event.h: a non-persistent event becomes non-pending when its callback runs; "
           "it runs once per activation");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_READ);
  EXPECT_EQ(p.fd, sp.fd[0]);
  EXPECT_EQ(event_pending(ev, EV_READ, nullptr), 0);
}

TEST_F(EventIo, WriteEventFiresOnAWritableSocket) {
  EVC_RULE("event.h/EV_WRITE/writable",
           "event.h: EV_WRITE: the callback runs when the fd is ready for writing");
  Probe& p = NewProbe("write");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_WRITE);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_WRITE);
}

TEST_F(EventIo, ReadAndWriteInOneEventReportWhatIsReady) {
  EVC_RULE("event.h/event_callback_fn/what-is-ready",
           "event.h: the callback's `what` says which of the requested conditions are ready");
  Probe& p = NewProbe("rw");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_WRITE);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(p.what, EV_WRITE) << "nothing to read yet";
  sp.MakeReadable();
  ASSERT_EQ(event_add(ev, nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(p.what, EV_READ | EV_WRITE);
}

TEST_F(EventIo, PersistentEventStaysPendingAndRunsAgain) {
  EVC_RULE("event.h/EV_PERSIST/stays-pending",
           "event.h: EV_PERSIST: the event stays pending after its callback runs");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_PERSIST);
  p.action = [&sp](Probe& self) {
    SocketPair::Drain(sp.fd[0]);
    if (self.calls < 3) sp.MakeReadable();
    else event_del(self.ev);
  };
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 3);
}

TEST_F(EventIo, PersistentEventIsPendingInsideItsCallback) {
  EVC_RULE("event.h/EV_PERSIST/pending-inside-callback",
           "event.h: EV_PERSIST: the event is still pending while its callback runs");
  Probe& p = NewProbe("read");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_PERSIST);
  int pending_inside = -1;
  p.action = [&](Probe& self) {
    pending_inside = event_pending(self.ev, EV_READ, nullptr);
    event_del(self.ev);
  };
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(pending_inside, EV_READ);
  EXPECT_EQ(event_pending(ev, EV_READ, nullptr), 0);
}

TEST_F(EventIo, TwoEventsOnOneFdBothRun) {
  EVC_RULE("event.h/event_add/several-events-one-fd",
           "event.h: any number of events may watch the same fd; each is activated");
  Probe& a = NewProbe("a");
  Probe& b = NewProbe("b");
  SocketPair& sp = NewPair();
  ASSERT_EQ(event_add(NewEvent(a, sp.fd[0], EV_READ), nullptr), 0);
  ASSERT_EQ(event_add(NewEvent(b, sp.fd[0], EV_READ), nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(b.calls, 1);
}

TEST_F(EventIo, DeletingOneOfTwoEventsOnAnFdKeepsTheOther) {
  EVC_RULE("event.h/event_del/other-event-on-fd-stays",
           "event.h: event_del of one event leaves other events on the same fd pending");
  Probe& a = NewProbe("a");
  Probe& b = NewProbe("b");
  SocketPair& sp = NewPair();
  event* ea = NewEvent(a, sp.fd[0], EV_READ);
  ASSERT_EQ(event_add(ea, nullptr), 0);
  ASSERT_EQ(event_add(NewEvent(b, sp.fd[0], EV_READ), nullptr), 0);
  ASSERT_EQ(event_del(ea), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(a.calls, 0);
  EXPECT_EQ(b.calls, 1);
}

TEST_F(EventIo, DelOfAnActiveEventPreventsItsCallback) {
  EVC_RULE("event.h/event_del/active-not-run",
           "event.h: event_del makes the event non-pending and non-active: an event already "
           "active but not yet run does not run");
  Probe& first = NewProbe("first");
  Probe& victim = NewProbe("victim");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(victim, sp.fd[0], EV_READ);
  first.action = [ev](Probe&) { event_del(ev); };
  event_active(NewTimer(first), EV_TIMEOUT, 1);
  event_active(ev, EV_READ, 1);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(victim.calls, 0);
}

TEST_F(EventIo, FreeOfAnotherActiveEventInsideACallback) {
  EVC_RULE("event.h/event_free/other-active-not-run",
           "event.h: event_free makes a pending or active event non-pending and non-active "
           "first; freeing another active event from a callback means it never runs");
  Probe& first = NewProbe("first");
  Probe& victim = NewProbe("victim");
  event* ev = NewTimer(victim);
  first.action = [this, ev](Probe&) {
    event_free(ev);
    Forget(ev);
  };
  event_active(NewTimer(first), EV_TIMEOUT, 1);
  event_active(ev, EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(victim.calls, 0);
}

TEST_F(EventIo, FreeSelfInsideAPersistentCallback) {
  EVC_RULE("event.h/event_free/self-inside-callback",
           "event.c (dispatch): nothing of the event is used after its callback returns, so "
           "event_free of itself from inside is safe; it runs once");
  Probe& p = NewProbe("self");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_PERSIST);
  p.action = FreeSelf();
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
}

TEST_F(EventIo, FreeSelfWhileActiveAndPendingWithATimeout) {
  EVC_RULE("event.h/event_free/self-active-and-pending",
           "observed libevent 2.1.12: an event both active and pending (fd ready, 5 s timeout) "
           "that frees itself runs once, and the loop then has nothing left (returns 1)");
  Probe& p = NewProbe("self");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_PERSIST);
  p.action = FreeSelf();
  timeval tv = Ms(5000);
  ASSERT_EQ(event_add(ev, &tv), 0);
  sp.MakeReadable();
  event_active(ev, EV_READ, 1);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
}

TEST_F(EventIo, DelSelfInsideAPersistentCallbackStopsIt) {
  EVC_RULE("event.h/event_del/self-stops-persistent",
           "event.h: event_del from its own callback makes a persistent event non-pending");
  Probe& p = NewProbe("self");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_PERSIST);
  p.action = DelSelf;
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(event_pending(ev, EV_READ | EV_TIMEOUT, nullptr), 0);
}

TEST_F(EventIo, AddInsideOwnCallbackRearmsANonPersistentEvent) {
  EVC_RULE("event.h/event_add/self-rearms",
           "event.h: a non-persistent event can be re-added from its own callback to run again");
  Probe& p = NewProbe("self");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ);
  p.action = [](Probe& self) {
    if (self.calls < 3) event_add(self.ev, nullptr);
  };
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();  // stays readable: never drained
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 3);
}

TEST_F(EventIo, DelOfAnEventNeverAddedIsANoOp) {
  EVC_RULE("event.h/event_del/never-added",
           "event.h: event_del of an event that was never added has no effect (returns 0)");
  Probe& p = NewProbe("p");
  event* ev = NewTimer(p);
  EXPECT_EQ(event_del(ev), 0);
  EXPECT_EQ(event_del(ev), 0);
}

}  // namespace
}  // namespace evc
