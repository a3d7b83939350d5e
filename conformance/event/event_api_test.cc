// The per-event calls of event.h not covered elsewhere: the delete variants
// (event_del_block, event_del_noblock), event_remove_timer, and the
// accessors (event_get_assignment, event_get_base, event_get_callback,
// event_get_callback_arg, event_get_events, event_get_priority).
//
// event_del_block and event_del_noblock differ from event_del only when
// another thread runs the event's callback (they wait for it, or do not);
// single-threaded, what can be observed is event_del's rule: the return
// value, the event no longer pending, and the callback not run again.
#include <event2/event_struct.h>

#include <csignal>
#include <functional>
#include <vector>

#include "event_fixture.h"

namespace evc {
namespace {

class EventDelVariants : public EventTest {
 protected:
  using DelFn = int (*)(event*);
  // A pending persistent I/O event with a timeout, made ready, then
  // deleted with del: the callback must never run.
  void ExpectDeletesAPendingEvent(DelFn del) {
    Probe& p = NewProbe("p");
    SocketPair& sp = NewPair();
    event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_PERSIST);
    const timeval tv = Ms(10000);
    ASSERT_EQ(event_add(ev, &tv), 0);
    sp.MakeReadable();
    EXPECT_EQ(del(ev), 0);
    EXPECT_EQ(event_pending(ev, EV_READ | EV_TIMEOUT, nullptr), 0);
    EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1) << "nothing is pending any more";
    EXPECT_EQ(p.calls, 0);
    EXPECT_EQ(del(ev), 0) << "deleting a non-pending event succeeds";
  }
  // Inside its own callback, a persistent event deletes itself with del.
  void ExpectDeletesItselfInItsCallback(DelFn del) {
    Probe& p = NewProbe("self");
    SocketPair& sp = NewPair();
    event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_PERSIST);
    p.action = [del](Probe& self) { EXPECT_EQ(del(self.ev), 0); };
    ASSERT_EQ(event_add(ev, nullptr), 0);
    sp.MakeReadable();  // never drained: it would run again if still added
    event_base_loop(base_, EVLOOP_NONBLOCK);
    EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
    EXPECT_EQ(p.calls, 1);
    EXPECT_EQ(event_pending(ev, EV_READ, nullptr), 0);
  }
  // An event assigned without a base (none from event_init either).
  void ExpectRefusesAnEventWithoutABase(DelFn del) {
    Probe& p = NewProbe("nobase");
    std::vector<char> storage(event_get_struct_event_size());
    event* ev = reinterpret_cast<event*>(storage.data());
    ASSERT_EQ(event_assign(ev, nullptr, -1, 0, Probe::Callback, &p), 0);
    if (event_get_base(ev) != nullptr)
      GTEST_SKIP() << "needs:no-current-base: event_init was called";
    EXPECT_EQ(del(ev), -1);
  }
};

TEST_F(EventDelVariants, DelBlockDeletesAPendingEvent) {
  EVC_RULE("event.h/event_del_block",
           "event.h: event_del_block is event_del that waits for a callback running in another "
           "thread; single-threaded: it returns 0 and the event is no longer pending for its "
           "fd or its timeout, so its callback does not run (deleting it again returns 0)");
  ExpectDeletesAPendingEvent(event_del_block);
}

TEST_F(EventDelVariants, DelNoblockDeletesAPendingEvent) {
  EVC_RULE("event.h/event_del_noblock",
           "event.h: event_del_noblock is event_del that never waits for a callback running in "
           "another thread; single-threaded: it returns 0 and the event is no longer pending "
           "for its fd or its timeout, so its callback does not run (deleting it again returns "
           "0)");
  ExpectDeletesAPendingEvent(event_del_noblock);
}

TEST_F(EventDelVariants, DelBlockInsideItsOwnCallback) {
  EVC_RULE("event.h/event_del_block/inside-own-callback",
           "event.h: event_del_block of the event whose callback is running, from that callback "
           "(the same thread, so nothing to wait for), returns 0 and the persistent event runs "
           "no more");
  ExpectDeletesItselfInItsCallback(event_del_block);
}

TEST_F(EventDelVariants, DelNoblockInsideItsOwnCallback) {
  EVC_RULE("event.h/event_del_noblock/inside-own-callback",
           "event.h: event_del_noblock of the event whose callback is running, from that "
           "callback, returns 0 and the persistent event runs no more");
  ExpectDeletesItselfInItsCallback(event_del_noblock);
}

TEST_F(EventDelVariants, ClosedFdIsStillDeleted) {
  EVC_RULE("event.h/event_del_noblock/closed-fd",
           "observed libevent 2.1.12: event_del_block and event_del_noblock of an added I/O "
           "event whose fd was closed meanwhile return 0 and the event is no longer pending "
           "(epoll's EBADF on delete is ignored)");
  SocketPair& sp = NewPair();
  for (DelFn del : {DelFn{event_del_block}, DelFn{event_del_noblock}}) {
    const int fd = dup(sp.fd[0]);
    ASSERT_GE(fd, 0);
    Probe& p = NewProbe("closed");
    event* ev = NewEvent(p, fd, EV_READ);
    ASSERT_EQ(event_add(ev, nullptr), 0);
    ASSERT_EQ(close(fd), 0);
    EXPECT_EQ(del(ev), 0);
    EXPECT_EQ(event_pending(ev, EV_READ, nullptr), 0);
    EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
    EXPECT_EQ(p.calls, 0);
  }
}

TEST_F(EventDelVariants, DelBlockRefusesAnEventWithoutABase) {
  EVC_RULE("event.h/event_del_block/no-base",
           "observed libevent 2.1.12: event_del_block of an event assigned without a base "
           "returns -1 ('event has no event_base set'), as event_del does");
  ExpectRefusesAnEventWithoutABase(event_del_block);
}

TEST_F(EventDelVariants, DelNoblockRefusesAnEventWithoutABase) {
  EVC_RULE("event.h/event_del_noblock/no-base",
           "observed libevent 2.1.12: event_del_noblock of an event assigned without a base "
           "returns -1 ('event has no event_base set'), as event_del does");
  ExpectRefusesAnEventWithoutABase(event_del_noblock);
}

// --- event_remove_timer

class EventRemoveTimer : public EventTest {};

TEST_F(EventRemoveTimer, KeepsTheIoPartPending) {
  EVC_RULE("event.h/event_remove_timer",
           "event.h: event_remove_timer removes a pending event's timeout without removing the "
           "event itself: it returns 0, the event is pending for EV_READ but not EV_TIMEOUT, and "
           "it runs for its fd with EV_READ");
  Probe& p = NewProbe("io");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ);
  const timeval tv = Ms(10000);
  ASSERT_EQ(event_add(ev, &tv), 0);
  EXPECT_EQ(event_remove_timer(ev), 0);
  EXPECT_EQ(event_pending(ev, EV_READ | EV_TIMEOUT, nullptr), EV_READ);
  sp.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_READ);
}

TEST_F(EventRemoveTimer, PureTimerIsNoLongerPending) {
  EVC_RULE("event.h/event_remove_timer/pure-timer",
           "event.h: event_remove_timer of a timer with no fd or signal leaves nothing pending: "
           "0, event_pending reports nothing, and a loop with no other event returns 1");
  Probe& p = NewProbe("timer");
  event* ev = NewTimer(p);
  const timeval tv = Ms(1);
  ASSERT_EQ(event_add(ev, &tv), 0);
  EXPECT_EQ(event_remove_timer(ev), 0);
  EXPECT_EQ(event_pending(ev, EV_TIMEOUT, nullptr), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(p.calls, 0);
}

TEST_F(EventRemoveTimer, WithoutATimeoutChangesNothing) {
  EVC_RULE("event.h/event_remove_timer/no-timeout",
           "observed libevent 2.1.12: event_remove_timer of an event with no timeout, added or "
           "not, returns 0 and changes nothing: an added I/O event stays pending for its fd");
  Probe& p = NewProbe("plain");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ);
  EXPECT_EQ(event_remove_timer(ev), 0);
  EXPECT_EQ(event_pending(ev, EV_READ | EV_TIMEOUT, nullptr), 0);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  EXPECT_EQ(event_remove_timer(ev), 0);
  EXPECT_EQ(event_pending(ev, EV_READ | EV_TIMEOUT, nullptr), EV_READ);
}

TEST_F(EventRemoveTimer, PersistentTimeoutIsNotRearmed) {
  EVC_RULE("event.h/event_remove_timer/persist-timeout-cleared",
           "observed libevent 2.1.12 (event_remove_timer_nolock_ clears ev_io_timeout): after "
           "event_remove_timer a persistent I/O event that runs for its fd is not given its old "
           "timeout again: it stays pending for EV_READ only");
  Probe& p = NewProbe("persist");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_PERSIST);
  p.action = [](Probe& self) { SocketPair::Drain(self.fd); };
  const timeval tv = Ms(10000);
  ASSERT_EQ(event_add(ev, &tv), 0);
  ASSERT_EQ(event_remove_timer(ev), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(event_pending(ev, EV_READ | EV_TIMEOUT, nullptr), EV_READ);
}

TEST_F(EventRemoveTimer, EventWithoutABaseIsRefused) {
  EVC_RULE("event.h/event_remove_timer/no-base",
           "observed libevent 2.1.12: event_remove_timer of an event assigned without a base "
           "returns -1 ('event has no event_base set')");
  Probe& p = NewProbe("nobase");
  std::vector<char> storage(event_get_struct_event_size());
  event* ev = reinterpret_cast<event*>(storage.data());
  ASSERT_EQ(event_assign(ev, nullptr, -1, 0, Probe::Callback, &p), 0);
  if (event_get_base(ev) != nullptr) GTEST_SKIP() << "needs:no-current-base: event_init was called";
  EXPECT_EQ(event_remove_timer(ev), -1);
}

// --- accessors

class EventAccessors : public EventTest {};

void OtherCallback(evutil_socket_t, short, void*) {}

TEST_F(EventAccessors, AssignmentReportsEveryField) {
  EVC_RULE("event.h/event_get_assignment",
           "event.h: event_get_assignment extracts every field event_assign set: the base, fd, "
           "events, callback and callback argument");
  Probe& p = NewProbe("p");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_WRITE | EV_PERSIST);
  event_base* base = nullptr;
  evutil_socket_t fd = -5;
  short events = 0;
  event_callback_fn cb = nullptr;
  void* arg = nullptr;
  event_get_assignment(ev, &base, &fd, &events, &cb, &arg);
  EXPECT_EQ(base, base_);
  EXPECT_EQ(fd, sp.fd[0]);
  EXPECT_EQ(events, EV_READ | EV_WRITE | EV_PERSIST);
  EXPECT_EQ(cb, &Probe::Callback);
  EXPECT_EQ(arg, &p);
}

TEST_F(EventAccessors, AssignmentSkipsNullOutPointers) {
  EVC_RULE("event.h/event_get_assignment/null-out-pointers",
           "event.h: every out-parameter of event_get_assignment may be NULL: it fills the "
           "others and leaves the NULL ones alone");
  int marker = 0;
  event* ev = event_new(base_, -1, EV_TIMEOUT, OtherCallback, &marker);
  ASSERT_NE(ev, nullptr);
  events_.push_back(ev);
  event_get_assignment(ev, nullptr, nullptr, nullptr, nullptr, nullptr);
  short events = 0;
  void* arg = nullptr;
  event_get_assignment(ev, nullptr, nullptr, &events, nullptr, &arg);
  EXPECT_EQ(events, EV_TIMEOUT);
  EXPECT_EQ(arg, &marker);
  event_base* base = nullptr;
  event_callback_fn cb = nullptr;
  event_get_assignment(ev, &base, nullptr, nullptr, &cb, nullptr);
  EXPECT_EQ(base, base_);
  EXPECT_EQ(cb, &OtherCallback);
}

TEST_F(EventAccessors, BaseIsTheAssignedOne) {
  EVC_RULE("event.h/event_get_base",
           "event.h: event_get_base is the event_base the event was assigned to, also after "
           "event_base_set moved a never-added event to another base");
  Probe& p = NewProbe("p");
  event* ev = NewTimer(p);
  EXPECT_EQ(event_get_base(ev), base_);
  event_base* other = event_base_new();
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(event_base_set(other, ev), 0);
  EXPECT_EQ(event_get_base(ev), other);
  EXPECT_EQ(event_base_set(base_, ev), 0);
  event_base_free(other);
}

TEST_F(EventAccessors, CallbackIsTheAssignedOne) {
  EVC_RULE("event.h/event_get_callback",
           "event.h: event_get_callback is the callback function given to event_new or "
           "event_assign");
  Probe& p = NewProbe("p");
  EXPECT_EQ(event_get_callback(NewTimer(p)), &Probe::Callback);
  event* other = event_new(base_, -1, 0, OtherCallback, nullptr);
  ASSERT_NE(other, nullptr);
  events_.push_back(other);
  EXPECT_EQ(event_get_callback(other), &OtherCallback);
}

TEST_F(EventAccessors, CallbackArgIsTheAssignedOne) {
  EVC_RULE("event.h/event_get_callback_arg",
           "event.h: event_get_callback_arg is the argument given to event_new or event_assign "
           "(NULL stays NULL; event_self_cbarg() becomes the event itself)");
  Probe& p = NewProbe("p");
  EXPECT_EQ(event_get_callback_arg(NewTimer(p)), &p);
  event* none = event_new(base_, -1, 0, OtherCallback, nullptr);
  ASSERT_NE(none, nullptr);
  events_.push_back(none);
  EXPECT_EQ(event_get_callback_arg(none), nullptr);
  event* self = event_new(base_, -1, 0, OtherCallback, event_self_cbarg());
  ASSERT_NE(self, nullptr);
  events_.push_back(self);
  EXPECT_EQ(event_get_callback_arg(self), self);
}

TEST_F(EventAccessors, EventsAreTheAssignedFlags) {
  EVC_RULE("event.h/event_get_events",
           "event.h: event_get_events is the EV_* flags given to event_new or event_assign, "
           "unchanged by adding, running or deleting the event");
  Probe& p = NewProbe("p");
  SocketPair& sp = NewPair();
  const short flags = EV_READ | EV_WRITE | EV_PERSIST;
  event* ev = NewEvent(p, sp.fd[0], flags);
  EXPECT_EQ(event_get_events(ev), flags);
  p.action = [](Probe& self) { event_del(self.ev); };
  ASSERT_EQ(event_add(ev, nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);  // writable at once
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(event_get_events(ev), flags);
  Probe& s = NewProbe("sig");
  EXPECT_EQ(event_get_events(NewSignal(s, SIGUSR1)), EV_SIGNAL | EV_PERSIST);
  Probe& t = NewProbe("timer");
  EXPECT_EQ(event_get_events(NewTimer(t)), 0);
}

TEST_F(EventAccessors, PriorityDefaultsToTheMiddle) {
  EVC_RULE("event.h/event_get_priority",
           "event.h: event_get_priority is the event's priority: by default npriorities/2 of "
           "its base, then what event_priority_set set; a refused event_priority_set leaves it");
  ASSERT_EQ(event_base_priority_init(base_, 5), 0);
  Probe& p = NewProbe("p");
  event* ev = NewTimer(p);
  EXPECT_EQ(event_get_priority(ev), 2);
  ASSERT_EQ(event_priority_set(ev, 4), 0);
  EXPECT_EQ(event_get_priority(ev), 4);
  EXPECT_EQ(event_priority_set(ev, 5), -1);
  EXPECT_EQ(event_priority_set(ev, -1), -1);
  EXPECT_EQ(event_get_priority(ev), 4);
  Probe& q = NewProbe("q");
  EXPECT_EQ(event_get_priority(NewTimer(q)), 2);
}

TEST_F(EventAccessors, PriorityOfTheDefaultSingleQueueIsZero) {
  EVC_RULE("event.h/event_get_priority/one-queue",
           "event.h: a base not given priorities has one queue, so an event's priority is 0 "
           "(1/2)");
  Probe& p = NewProbe("p");
  EXPECT_EQ(event_get_priority(NewTimer(p)), 0);
}

TEST_F(EventAccessors, NullEventIsNotAnEvent) {
  EVC_RULE("event.h/event_get_assignment/null-event",
           "observed libevent 2.1.12: the accessors (event_get_assignment, event_get_base, "
           "event_get_callback, event_get_callback_arg, event_get_events, event_get_priority, "
           "event_get_fd) read through a NULL event (a crash); accepted: the process dies, or a "
           "NULL / 0 / -1 answer with the out-parameters left alone; never a hang");
  const std::vector<Named<std::function<void()>>> calls = {
      {"event_get_assignment",
       [] {
         event_base* base = nullptr;
         evutil_socket_t fd = -7;
         event_get_assignment(nullptr, &base, &fd, nullptr, nullptr, nullptr);
         EXPECT_EQ(base, nullptr);
         EXPECT_EQ(fd, -7);
       }},
      {"event_get_base", [] { EXPECT_EQ(event_get_base(nullptr), nullptr); }},
      {"event_get_callback", [] { EXPECT_EQ(event_get_callback(nullptr), nullptr); }},
      {"event_get_callback_arg", [] { EXPECT_EQ(event_get_callback_arg(nullptr), nullptr); }},
      {"event_get_events", [] { EXPECT_EQ(event_get_events(nullptr), 0); }},
      {"event_get_priority", [] { EXPECT_EQ(event_get_priority(nullptr), -1); }},
      {"event_get_fd", [] { EXPECT_EQ(event_get_fd(nullptr), -1); }},
  };
  for (const auto& c : calls) {
    SCOPED_TRACE(c.name);
    const ChildEnd end = RunInChild(c.value);
    EXPECT_TRUE(end.kind == ChildEnd::kExited ? end.code == 0 : end.kind == ChildEnd::kSignalled)
        << end.Describe();
  }
}

TEST_F(EventDelVariants, NullEventIsNotDeleted) {
  EVC_RULE("event.h/event_del_block/null-event",
           "observed libevent 2.1.12: event_del_block, event_del_noblock and event_remove_timer "
           "read through a NULL event (a crash); accepted: -1, or the process dies; never 0 nor "
           "a hang");
  const std::vector<Named<DelFn>> calls = {
      {"event_del_block", event_del_block},
      {"event_del_noblock", event_del_noblock},
      {"event_remove_timer", event_remove_timer},
  };
  for (const auto& c : calls) {
    SCOPED_TRACE(c.name);
    const DelFn fn = c.value;
    const ChildEnd end = RunInChild([fn] { EXPECT_EQ(fn(nullptr), -1); });
    EXPECT_TRUE(end.kind == ChildEnd::kExited ? end.code == 0 : end.kind == ChildEnd::kSignalled)
        << end.Describe();
  }
}

// ------------------------------------------------------------ user events
using EventUser = EventTest;

TEST_F(EventUser, TriggerRunsTheCallbackOnceWithNoFd) {
  EVC_RULE("event.h/evuser_trigger",
           "event.h evuser_* macros, 'aliases for working with user-triggered events': "
           "evuser_new makes an initialized event with no fd; evuser_trigger makes it active, "
           "so the loop runs its callback once with fd -1; evuser_del then leaves it neither "
           "pending nor run again");
  Probe p;
  event* ev = evuser_new(base_, Probe::Callback, &p);
  ASSERT_NE(ev, nullptr);
  p.ev = ev;
  EXPECT_TRUE(evuser_initialized(ev));
  EXPECT_EQ(evuser_pending(ev, nullptr), 0) << "a user event is never pending for a flag";
  evuser_trigger(ev);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.fd, -1);
  EXPECT_EQ(evuser_del(ev), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1) << "nothing left to run";
  EXPECT_EQ(p.calls, 1);
  event_free(ev);
}

}  // namespace
}  // namespace evc
