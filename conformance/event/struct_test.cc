// The public fields of struct event (<event2/event_struct.h>), which
// programs read directly (memcached reads ev_base to re-add its events):
// while an event is assigned they say what libevent 2.1 says.
#include <event2/event_compat.h>
#include <event2/event_struct.h>

#include "event_fixture.h"

namespace evc {
namespace {

using EventStruct = EventTest;

short Flags(const event& ev) { return ev.ev_evcallback.evcb_flags; }
// The bits that say where an event is (EVLIST_INIT aside).
short Where(const event& ev) { return Flags(ev) & (EVLIST_INSERTED | EVLIST_TIMEOUT | EVLIST_ACTIVE); }

TEST_F(EventStruct, AssignedEventShowsItsBaseFdEventsCallbackAndArgument) {
  EVC_RULE("event_struct.h/ev_base/assigned",
           "event_struct.h: after event_assign, ev_base, ev_fd, ev_events, the callback and its "
           "argument are the ones given, evcb_flags is EVLIST_INIT and evcb_pri the event's priority");
  Probe& p = NewProbe("p");
  SocketPair s;
  ASSERT_TRUE(s.ok());
  event ev;
  ASSERT_EQ(event_assign(&ev, base_, s.fd[0], EV_READ | EV_PERSIST, Probe::Callback, &p), 0);
  EXPECT_EQ(ev.ev_base, base_);
  EXPECT_EQ(ev.ev_fd, s.fd[0]);
  EXPECT_EQ(ev.ev_events, EV_READ | EV_PERSIST);
  EXPECT_EQ(ev.ev_evcallback.evcb_cb_union.evcb_callback, &Probe::Callback);
  EXPECT_EQ(ev.ev_evcallback.evcb_arg, &p);
  EXPECT_EQ(Flags(ev), EVLIST_INIT);
  EXPECT_EQ(ev.ev_evcallback.evcb_pri, event_get_priority(&ev));
}

TEST_F(EventStruct, FlagsFollowAddTimeoutActivationAndDelete) {
  EVC_RULE("event_struct.h/EVLIST_INSERTED",
           "event_struct.h: evcb_flags holds EVLIST_INSERTED while the event is added, "
           "EVLIST_TIMEOUT while its timeout is pending, EVLIST_ACTIVE while it is active, and "
           "EVLIST_INIT throughout; event_del clears the first three");
  Probe& p = NewProbe("p");
  SocketPair s;
  ASSERT_TRUE(s.ok());
  event ev;
  ASSERT_EQ(event_assign(&ev, base_, s.fd[0], EV_READ, Probe::Callback, &p), 0);
  ASSERT_EQ(event_add(&ev, nullptr), 0);
  EXPECT_EQ(Where(ev), EVLIST_INSERTED);
  const timeval tv = Ms(60000);
  ASSERT_EQ(event_add(&ev, &tv), 0);
  EXPECT_EQ(Where(ev), EVLIST_INSERTED | EVLIST_TIMEOUT);
  event_active(&ev, EV_READ, 0);
  EXPECT_EQ(Where(ev), EVLIST_INSERTED | EVLIST_TIMEOUT | EVLIST_ACTIVE);
  ASSERT_EQ(event_del(&ev), 0);
  EXPECT_EQ(Where(ev), 0);
  EXPECT_NE(Flags(ev) & EVLIST_INIT, 0);
  EXPECT_EQ(p.calls, 0);
}

TEST_F(EventStruct, ResultIsWhatTheCallbackIsTold) {
  EVC_RULE("event_struct.h/ev_res",
           "event_struct.h: while its callback runs, an event's ev_res holds the flags the "
           "callback is told (EV_READ for a readable fd, EV_TIMEOUT for a timeout)");
  SocketPair s;
  ASSERT_TRUE(s.ok());
  Probe& r = NewProbe("read");
  Probe& t = NewProbe("timer");
  event* re = NewEvent(r, s.fd[0], EV_READ);
  event* te = NewTimer(t);
  short seen_read = 0, seen_timer = 0;
  r.action = [&](Probe& p) { seen_read = p.ev->ev_res; };
  t.action = [&](Probe& p) { seen_timer = p.ev->ev_res; };
  s.MakeReadable();
  const timeval zero = Ms(0);
  ASSERT_EQ(event_add(re, nullptr), 0);
  ASSERT_EQ(event_add(te, &zero), 0);
  event_base_loop(base_, EVLOOP_NONBLOCK);  // both run in this one pass
  ASSERT_EQ(r.calls, 1);
  ASSERT_EQ(t.calls, 1);
  EXPECT_EQ(seen_read, r.what);
  EXPECT_EQ(seen_read & EV_READ, EV_READ);
  EXPECT_EQ(seen_timer, EV_TIMEOUT);
}

TEST_F(EventStruct, BaseSetIsSeenInEvBase) {
  EVC_RULE("event_struct.h/ev_base/base-set",
           "event_struct.h, event_compat.h: an event made with event_set and bound with "
           "event_base_set shows that base in ev_base, so a program can re-add it there");
  Probe& p = NewProbe("p");
  event ev;
  event_set(&ev, -1, 0, Probe::Callback, &p);
  ASSERT_EQ(event_base_set(base_, &ev), 0);
  EXPECT_EQ(ev.ev_base, base_);
  EXPECT_EQ(ev.ev_fd, -1);
}

TEST_F(EventStruct, PriorityIsSeenInEvcbPri) {
  EVC_RULE("event_struct.h/evcb_pri",
           "event_struct.h: evcb_pri is the priority event_priority_set gave the event");
  ASSERT_EQ(event_base_priority_init(base_, 3), 0);
  Probe& p = NewProbe("p");
  event* ev = NewTimer(p);
  ASSERT_EQ(event_priority_set(ev, 2), 0);
  EXPECT_EQ(ev->ev_evcallback.evcb_pri, 2);
  EXPECT_EQ(event_get_priority(ev), 2);
}

}  // namespace
}  // namespace evc
