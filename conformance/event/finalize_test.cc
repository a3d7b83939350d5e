// Finalizers (event.h, "Finalization functions"): event_finalize and
// event_free_finalize tear an event down and call a finalizer from the loop
// once the event can no longer be running; event_base_free runs the
// finalizers still waiting, event_base_free_nofinalize drops them.
//
// An event given to event_finalize is uninitialized memory once its
// finalizer has run, so those tests keep it in caller storage
// (event_assign) and never free it; event_free_finalize frees event_new's
// events itself (a leak or a double free shows under the asan and valgrind
// presets).
#include <event2/event_struct.h>

#include <deque>
#include <vector>

#include "event_fixture.h"

namespace evc {
namespace {

// A probe whose event also gets a finalizer: the finalizer is told the
// event and the event's callback argument (this probe).
struct Finalized : Probe {
  int fin_calls = 0;
  event* fin_ev = nullptr;
  bool callback_returned = false;  // set by tests whose callback finalizes itself

  static void Finalizer(event* ev, void* arg) {
    Finalized* f = static_cast<Finalized*>(static_cast<Probe*>(arg));
    ++f->fin_calls;
    f->fin_ev = ev;
    if (f->log) f->log->push_back(f->name + ".fin");
  }
};

class EventFinalize : public EventTest {
 protected:
  Finalized& NewFinalized(const std::string& name) {
    finalized_.emplace_back();
    Finalized& f = finalized_.back();
    f.name = name;
    f.log = &log_;
    return f;
  }
  // An event in caller storage (event_finalize leaves the memory to us).
  event* AssignEvent(Finalized& f, evutil_socket_t fd, short what, event_base* base = nullptr) {
    storage_.emplace_back(event_get_struct_event_size());
    event* ev = reinterpret_cast<event*>(storage_.back().data());
    Probe* arg = &f;
    EXPECT_EQ(event_assign(ev, base ? base : base_, fd, what, Probe::Callback, arg), 0);
    f.ev = ev;
    return ev;
  }
  // An event_new event for event_free_finalize, which frees it: not the
  // fixture's to free.
  event* NewFreeable(Finalized& f, evutil_socket_t fd, short what) {
    event* ev = event_new(base_, fd, what, Probe::Callback, static_cast<Probe*>(&f));
    EXPECT_NE(ev, nullptr);
    f.ev = ev;
    return ev;
  }
  // Frees the fixture's base now (TearDown then has none to free).
  void FreeBase(void (*free_fn)(event_base*)) {
    free_fn(base_);
    base_ = nullptr;
  }

  std::deque<Finalized> finalized_;
  std::deque<std::vector<char>> storage_;
};

TEST_F(EventFinalize, FinalizerRunsOnceFromTheLoop) {
  EVC_RULE("event.h/event_finalize",
           "event.h: event_finalize returns 0 and its callback is invoked as part of the event "
           "loop (not by event_finalize itself), once, with the event and the event's callback "
           "argument; the event's own callback does not run");
  Finalized& f = NewFinalized("t");
  event* ev = AssignEvent(f, -1, 0);
  ASSERT_EQ(event_finalize(0, ev, Finalized::Finalizer), 0);
  EXPECT_EQ(f.fin_calls, 0) << "the finalizer runs from the loop";
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(f.fin_calls, 1);
  EXPECT_EQ(f.fin_ev, ev);
  EXPECT_EQ(f.calls, 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1) << "nothing is left after the finalizer";
  EXPECT_EQ(f.fin_calls, 1);
}

TEST_F(EventFinalize, PendingEventIsDeletedAtOnce) {
  EVC_RULE("event.h/event_finalize/pending-event-deleted",
           "event.h: finalizing tears the event down: a pending I/O event with a timeout is no "
           "longer pending for anything, its callback never runs though its fd is ready, and its "
           "finalizer runs once");
  Finalized& f = NewFinalized("io");
  SocketPair& sp = NewPair();
  event* ev = AssignEvent(f, sp.fd[0], EV_READ | EV_PERSIST);
  const timeval tv = Ms(10000);
  ASSERT_EQ(event_add(ev, &tv), 0);
  sp.MakeReadable();
  ASSERT_EQ(event_finalize(0, ev, Finalized::Finalizer), 0);
  EXPECT_EQ(event_pending(ev, EV_READ | EV_TIMEOUT, nullptr), 0);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(f.calls, 0);
  EXPECT_EQ(f.fin_calls, 1);
}

TEST_F(EventFinalize, ActiveCallbackIsDropped) {
  EVC_RULE("event.h/event_finalize/active-event",
           "event.h: an event already active when finalized never runs its callback; only its "
           "finalizer runs, once");
  Finalized& f = NewFinalized("active");
  event* ev = AssignEvent(f, -1, 0);
  event_active(ev, EV_TIMEOUT, 1);
  ASSERT_EQ(event_finalize(0, ev, Finalized::Finalizer), 0);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(f.calls, 0);
  EXPECT_EQ(f.fin_calls, 1);
}

TEST_F(EventFinalize, AddActiveAndDelNoLongerWork) {
  EVC_RULE("event.h/event_finalize/no-resuscitation",
           "event.h: after a finalizer function is called, event_add() and event_active() no "
           "longer work on the event (event_add returns -1, the callback never runs) and "
           "event_del() is a no-op (0): the finalizer still runs, once");
  Finalized& f = NewFinalized("dead");
  event* ev = AssignEvent(f, -1, 0);
  ASSERT_EQ(event_finalize(0, ev, Finalized::Finalizer), 0);
  const timeval tv = Ms(0);
  EXPECT_EQ(event_add(ev, &tv), -1);
  event_active(ev, EV_TIMEOUT, 1);
  EXPECT_EQ(event_del(ev), 0);
  EXPECT_EQ(event_pending(ev, EV_TIMEOUT | EV_READ, nullptr), 0);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(f.calls, 0);
  EXPECT_EQ(f.fin_calls, 1);
}

TEST_F(EventFinalize, InsideItsOwnCallbackRunsAfterTheCallbackReturns) {
  EVC_RULE("event.h/event_finalize/inside-own-callback",
           "event.h: a persistent event finalized from inside its own callback gets its "
           "finalizer once, after that callback returned, and its callback runs no more");
  Finalized& f = NewFinalized("self");
  SocketPair& sp = NewPair();
  event* ev = AssignEvent(f, sp.fd[0], EV_READ | EV_PERSIST);
  f.action = [&](Probe& self) {
    EXPECT_EQ(event_finalize(0, self.ev, Finalized::Finalizer), 0);
    EXPECT_EQ(f.fin_calls, 0) << "not while the callback is in progress";
    self.log->push_back("self.returns");
  };
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();  // never drained: it would run again if it could
  for (int i = 0; i < 3; ++i) event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(f.calls, 1);
  EXPECT_EQ(f.fin_calls, 1);
  EXPECT_EQ(log_, (std::vector<std::string>{"self", "self.returns", "self.fin"}));
}

TEST_F(EventFinalize, FinalizerWaitsForMoreUrgentCallbacks) {
  EVC_RULE("event.h/event_finalize/priority",
           "event.h: the finalizer is invoked with the event's priority: while an event of a "
           "more urgent priority is active, that one's callback runs first");
  ASSERT_EQ(event_base_priority_init(base_, 2), 0);
  Finalized& low = NewFinalized("low");
  Probe& high = NewProbe("high");
  event* lev = AssignEvent(low, -1, 0);
  ASSERT_EQ(event_priority_set(lev, 1), 0);
  event* hev = NewTimer(high);
  ASSERT_EQ(event_priority_set(hev, 0), 0);
  ASSERT_EQ(event_finalize(0, lev, Finalized::Finalizer), 0);
  event_active(hev, EV_TIMEOUT, 1);
  std::vector<std::vector<std::string>> groups =
      RunIterations([&] { return event_base_loop(base_, EVLOOP_NONBLOCK); }, log_, 10);
  EXPECT_EQ(SortedNames(groups), (std::vector<std::string>{"high", "low.fin"}));
  ASSERT_FALSE(log_.empty());
  EXPECT_EQ(log_.front(), "high");
}

TEST_F(EventFinalize, SecondFinalizeStillGivesOneCall) {
  EVC_RULE("event.h/event_finalize/twice",
           "observed libevent 2.1.12: a second event_finalize of an event whose finalizer has "
           "not run yet returns 0 and replaces the finalizer: one finalizer call in all");
  Finalized& f = NewFinalized("twice");
  event* ev = AssignEvent(f, -1, 0);
  ASSERT_EQ(event_finalize(0, ev, Finalized::Finalizer), 0);
  EXPECT_EQ(event_finalize(0, ev, Finalized::Finalizer), 0);
  RunIterations([&] { return event_base_loop(base_, EVLOOP_NONBLOCK); }, log_, 10);
  EXPECT_EQ(f.fin_calls, 1);
  EXPECT_EQ(f.calls, 0);
}

TEST_F(EventFinalize, EventWithoutABaseIsRefused) {
  EVC_RULE("event.h/event_finalize/no-base",
           "observed libevent 2.1.12: event_finalize and event_free_finalize of an event "
           "assigned without a base (and no event_init base) return -1 ('event has no "
           "event_base set') and call nothing");
  Finalized& f = NewFinalized("nobase");
  storage_.emplace_back(event_get_struct_event_size());
  event* ev = reinterpret_cast<event*>(storage_.back().data());
  ASSERT_EQ(event_assign(ev, nullptr, -1, 0, Probe::Callback, static_cast<Probe*>(&f)), 0);
  if (event_get_base(ev) != nullptr) GTEST_SKIP() << "needs:no-current-base: event_init was called";
  EXPECT_EQ(event_finalize(0, ev, Finalized::Finalizer), -1);
  EXPECT_EQ(event_free_finalize(0, ev, Finalized::Finalizer), -1);
  EXPECT_EQ(f.fin_calls, 0);
}

TEST_F(EventFinalize, NullEventIsNotFinalized) {
  EVC_RULE("event.h/event_finalize/null-event",
           "observed libevent 2.1.12: event_finalize(0, NULL, cb) and event_free_finalize read "
           "through the NULL event (a crash); accepted: -1, or the process dies; never 0 nor a "
           "hang");
  for (bool free_it : {false, true}) {
    SCOPED_TRACE(free_it ? "event_free_finalize" : "event_finalize");
    const ChildEnd end = RunInChild([free_it] {
      const int rc = free_it ? event_free_finalize(0, nullptr, Finalized::Finalizer)
                             : event_finalize(0, nullptr, Finalized::Finalizer);
      EXPECT_EQ(rc, -1);
    });
    EXPECT_TRUE(end.kind == ChildEnd::kExited ? end.code == 0 : end.kind == ChildEnd::kSignalled)
        << end.Describe();
  }
}

// --- event_free_finalize

TEST_F(EventFinalize, FreeFinalizeRunsTheFinalizerThenFreesTheEvent) {
  EVC_RULE("event.h/event_free_finalize",
           "event.h: event_free_finalize returns 0, the finalizer runs once from the loop with "
           "the event and its argument, and then the event is freed (the caller must not free "
           "it; a leak or double free shows under the asan and valgrind presets)");
  Finalized& f = NewFinalized("free");
  event* ev = NewFreeable(f, -1, 0);
  ASSERT_EQ(evtimer_add(ev, nullptr), 0);
  ASSERT_EQ(event_free_finalize(0, ev, Finalized::Finalizer), 0);
  EXPECT_EQ(f.fin_calls, 0);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(f.fin_calls, 1);
  EXPECT_EQ(f.fin_ev, ev);
  EXPECT_EQ(f.calls, 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
}

TEST_F(EventFinalize, FreeFinalizeInsideItsOwnCallback) {
  EVC_RULE("event.h/event_free_finalize/inside-own-callback",
           "event.h: event_free_finalize from inside the event's own callback: the callback "
           "finishes, the finalizer runs once afterwards and the event is freed");
  Finalized& f = NewFinalized("selffree");
  event* ev = NewFreeable(f, -1, EV_PERSIST);
  f.action = [&](Probe& self) {
    EXPECT_EQ(event_free_finalize(0, self.ev, Finalized::Finalizer), 0);
    self.log->push_back("selffree.returns");
  };
  const timeval tv = Ms(1);
  ASSERT_EQ(event_add(ev, &tv), 0);
  RunIterations([&] { return event_base_loop(base_, EVLOOP_ONCE); }, log_, 100);
  EXPECT_EQ(f.calls, 1);
  EXPECT_EQ(f.fin_calls, 1);
  EXPECT_EQ(log_, (std::vector<std::string>{"selffree", "selffree.returns", "selffree.fin"}));
}

// --- what freeing the base does with waiting finalizers

TEST_F(EventFinalize, BaseFreeRunsWaitingFinalizers) {
  EVC_RULE("event.h/event_base_free/runs-finalizers",
           "event.h: if there are any pending finalizer callbacks, event_base_free invokes "
           "them: each once, the event_free_finalize events freed");
  Finalized& kept = NewFinalized("kept");
  Finalized& freed = NewFinalized("freed");
  ASSERT_EQ(event_finalize(0, AssignEvent(kept, -1, 0), Finalized::Finalizer), 0);
  ASSERT_EQ(event_free_finalize(0, NewFreeable(freed, -1, 0), Finalized::Finalizer), 0);
  FreeBase(event_base_free);
  EXPECT_EQ(kept.fin_calls, 1);
  EXPECT_EQ(freed.fin_calls, 1);
  EXPECT_EQ(kept.calls + freed.calls, 0);
}

TEST_F(EventFinalize, BaseFreeNofinalizeDropsWaitingFinalizers) {
  EVC_RULE("event.h/event_base_free_nofinalize",
           "event.h: event_base_free_nofinalize is event_base_free without running finalizers: "
           "a finalizer still waiting never runs, nor does the event's callback");
  Finalized& f = NewFinalized("dropped");
  Probe& other = NewProbe("other");
  ASSERT_EQ(event_finalize(0, AssignEvent(f, -1, 0), Finalized::Finalizer), 0);
  ASSERT_EQ(evtimer_add(NewTimer(other), nullptr), 0);
  event_active(other.ev, EV_TIMEOUT, 1);
  // The fixture's events outlive the base (event_base_free's rule): freed
  // first here, so that nothing refers to the freed base.
  for (event* e : events_) event_free(e);
  events_.clear();
  FreeBase(event_base_free_nofinalize);
  EXPECT_EQ(f.fin_calls, 0);
  EXPECT_EQ(f.calls + other.calls, 0);
}

TEST_F(EventFinalize, BaseFreeNofinalizeOfNullDoesNothing) {
  EVC_RULE("event.h/event_base_free_nofinalize/null",
           "observed libevent 2.1.12: event_base_free_nofinalize(NULL) warns 'no base to free' "
           "and returns, as event_base_free(NULL) does");
  event_base_free_nofinalize(nullptr);
  SUCCEED();
}

}  // namespace
}  // namespace evc
