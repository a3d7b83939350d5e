// The public fields of struct event (<event2/event_struct.h>), which
// programs read directly (memcached reads ev_base to re-add its events):
// while an event is assigned they say what libevent 2.1 says.
#include <event2/event_compat.h>
#include <event2/event_struct.h>

#include <cstddef>
#include <type_traits>

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

// libevent 2.1.12's struct event on x86-64 (LP64), computed once with
// offsetof / sizeof against Debian's <event2/event_struct.h>
// 2.1.12-stable-8.
struct EventFieldPlace {
  const char* name;
  size_t offset, size, libevent_offset, libevent_size;
};
#define EVC_FIELD(f, off, sz) \
  EventFieldPlace { #f, offsetof(event, f), sizeof(event::f), off, sz }

TEST_F(EventStruct, LayoutIsLibeventsOnLp64) {
  EVC_RULE("event_struct.h/event/layout",
           "event_struct.h: struct event, which programs allocate themselves (event_assign, "
           "event_set), has libevent 2.1.12's fields, order, offsets and size (128 bytes on "
           "x86-64), so storage a program sized with one implementation's header fits another");
  if (sizeof(void*) != 8 || sizeof(long) != 8) GTEST_SKIP() << "needs:lp64: the numbers are x86-64's";
  static_assert(std::is_same<decltype(event::ev_evcallback), event_callback>::value, "ev_evcallback");
  static_assert(std::is_same<decltype(event::ev_fd), evutil_socket_t>::value, "ev_fd");
  static_assert(std::is_same<decltype(event::ev_base), event_base*>::value, "ev_base");
  static_assert(std::is_same<decltype(event::ev_events), short>::value, "ev_events");
  static_assert(std::is_same<decltype(event::ev_res), short>::value, "ev_res");
  static_assert(std::is_same<decltype(event::ev_timeout), timeval>::value, "ev_timeout");
  const EventFieldPlace fields[] = {
      EVC_FIELD(ev_evcallback, 0, 40), EVC_FIELD(ev_timeout_pos, 40, 16), EVC_FIELD(ev_fd, 56, 4),
      EVC_FIELD(ev_base, 64, 8),       EVC_FIELD(ev_, 72, 32),            EVC_FIELD(ev_events, 104, 2),
      EVC_FIELD(ev_res, 106, 2),       EVC_FIELD(ev_timeout, 112, 16),
  };
  for (const EventFieldPlace& f : fields) {
    EXPECT_EQ(f.offset, f.libevent_offset) << f.name;
    EXPECT_EQ(f.size, f.libevent_size) << f.name;
  }
  EXPECT_EQ(offsetof(event_callback, evcb_flags), 16u);
  EXPECT_EQ(offsetof(event_callback, evcb_pri), 18u);
  EXPECT_EQ(offsetof(event_callback, evcb_closure), 19u);
  EXPECT_EQ(offsetof(event_callback, evcb_cb_union), 24u);
  EXPECT_EQ(offsetof(event_callback, evcb_arg), 32u);
  EXPECT_EQ(sizeof(event), 128u);
  EXPECT_EQ(alignof(event), 8u);
}
#undef EVC_FIELD

}  // namespace
}  // namespace evc
