// The per-fd rules of the event map: several events on one fd, each told
// its own conditions; edge- and level-triggered events on one fd; EV_CLOSED
// beside EV_READ; dup'ed fds and reused fd numbers, which are other fds.
#include <fcntl.h>
#include <unistd.h>

#include "event_fixture.h"

namespace evc {
namespace {

bool MakeNonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

using EventFdMap = EventTest;

TEST_F(EventFdMap, EachEventOfAnFdIsToldItsOwnConditions) {
  EVC_RULE("event.h/event_callback_fn/own-conditions-per-event",
           "event.h (event_callback_fn) and libevent 2.1.12's evmap_io_active_: every event of "
           "a ready fd that asked for a ready condition runs, told only the conditions it asked "
           "for");
  Probe& r = NewProbe("read");
  Probe& w = NewProbe("write");
  Probe& rw = NewProbe("readwrite");
  SocketPair& sp = NewPair();
  sp.MakeReadable();
  ASSERT_EQ(event_add(NewEvent(r, sp.fd[0], EV_READ), nullptr), 0);
  ASSERT_EQ(event_add(NewEvent(w, sp.fd[0], EV_WRITE), nullptr), 0);
  ASSERT_EQ(event_add(NewEvent(rw, sp.fd[0], EV_READ | EV_WRITE), nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.what, EV_READ);
  EXPECT_EQ(w.calls, 1);
  EXPECT_EQ(w.what, EV_WRITE);
  EXPECT_EQ(rw.calls, 1);
  EXPECT_EQ(rw.what, EV_READ | EV_WRITE);
}

TEST_F(EventFdMap, DeletingTheWriterLeavesTheReaderWatchingOnly) {
  EVC_RULE("event.h/event_del/others-of-fd-unchanged",
           "event.h (event_del): a deleted event no longer runs; the other events of its fd "
           "keep what they asked for, and nothing more");
  Probe& r = NewProbe("read");
  Probe& w = NewProbe("write");
  SocketPair& sp = NewPair();
  event* rev = NewEvent(r, sp.fd[0], EV_READ | EV_PERSIST);
  event* wev = NewEvent(w, sp.fd[0], EV_WRITE | EV_PERSIST);
  ASSERT_EQ(event_add(rev, nullptr), 0);
  ASSERT_EQ(event_add(wev, nullptr), 0);
  ASSERT_EQ(event_del(wev), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(w.calls, 0) << "deleted";
  EXPECT_EQ(r.calls, 0) << "nothing to read yet: the writable socket must not wake the reader";
  sp.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.what, EV_READ);
  EXPECT_EQ(w.calls, 0);
}

TEST_F(EventFdMap, ClosedAndReadEventsOfOneFdBothSeeThePeerClose) {
  EVC_RULE("event.h/EV_CLOSED/beside-read-event",
           "event.h (EV_CLOSED): where the method has EV_FEATURE_EARLY_CLOSE, an EV_CLOSED event "
           "and an EV_READ event on one fd both run when the peer closes, each told its own "
           "condition");
  if (!(event_base_get_features(base_) & EV_FEATURE_EARLY_CLOSE))
    GTEST_SKIP() << "needs:EV_FEATURE_EARLY_CLOSE: the method cannot report a close early";
  Probe& c = NewProbe("closed");
  Probe& r = NewProbe("read");
  SocketPair& sp = NewPair();
  ASSERT_EQ(event_add(NewEvent(c, sp.fd[0], EV_CLOSED), nullptr), 0);
  ASSERT_EQ(event_add(NewEvent(r, sp.fd[0], EV_READ), nullptr), 0);
  close(sp.fd[1]);
  sp.fd[1] = -1;
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(c.calls, 1);
  EXPECT_EQ(c.what, EV_CLOSED);
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.what, EV_READ);
}

TEST_F(EventFdMap, DupedFdIsWatchedOnItsOwn) {
  EVC_RULE("event.h/event_add/duped-fd",
           "event.h: an event watches an fd number; a dup of the fd is another fd, so deleting "
           "the event of one and closing it leaves the other's event working (libevent 2.1.12's "
           "epoll.c handles dup'ed fds in one epoll set)");
  Probe& a = NewProbe("original");
  Probe& b = NewProbe("dup");
  SocketPair& sp = NewPair();
  const int copy = dup(sp.fd[0]);
  ASSERT_GE(copy, 0);
  event* aev = NewEvent(a, sp.fd[0], EV_READ | EV_PERSIST);
  event* bev = NewEvent(b, copy, EV_READ | EV_PERSIST);
  ASSERT_EQ(event_add(aev, nullptr), 0);
  ASSERT_EQ(event_add(bev, nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(b.calls, 1);
  ASSERT_EQ(event_del(aev), 0);
  close(sp.fd[0]);
  sp.fd[0] = -1;
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(a.calls, 1) << "deleted before its fd was closed";
  EXPECT_EQ(b.calls, 2) << "the dup is still open and readable";
  EXPECT_EQ(b.fd, copy);
  event_del(bev);
  close(copy);
}

TEST_F(EventFdMap, ReusedFdNumberStartsWithoutTheOldEvents) {
  EVC_RULE("event.h/event_del/reused-fd-number",
           "event.h: an event deleted before its fd was closed is gone; when the fd number is "
           "reused, only the new fd's events run, told the new fd's conditions");
  Probe& old_probe = NewProbe("old");
  Probe& new_probe = NewProbe("new");
  SocketPair& first = NewPair();
  const int number = first.fd[0];
  event* old_ev = NewEvent(old_probe, number, EV_READ | EV_WRITE | EV_PERSIST);
  ASSERT_EQ(event_add(old_ev, nullptr), 0);
  ASSERT_EQ(event_del(old_ev), 0);
  SocketPair& second = NewPair();
  ASSERT_EQ(dup2(second.fd[0], number), number);  // closes the old socket, reuses its number
  event* new_ev = NewEvent(new_probe, number, EV_READ);
  ASSERT_EQ(event_add(new_ev, nullptr), 0);
  second.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(old_probe.calls, 0);
  EXPECT_EQ(new_probe.calls, 1);
  EXPECT_EQ(new_probe.what, EV_READ);
}

// --- edge- and level-triggered events on one fd, in debug mode

// event_enable_debug_mode must come before any base exists; every test runs
// in its own process, so turning it on here affects this test only.
class EventFdMapDebug : public EventTest {
 protected:
  void SetUp() override {
    event_enable_debug_mode();
    EventTest::SetUp();
  }
  // libevent's debug mode also checks that watched sockets are nonblocking.
  SocketPair& NewNonblockingPair() {
    SocketPair& sp = NewPair();
    EXPECT_TRUE(MakeNonblocking(sp.fd[0]) && MakeNonblocking(sp.fd[1]));
    return sp;
  }
};

TEST_F(EventFdMapDebug, EdgeTriggeredEventBesideALevelTriggeredOneIsRefused) {
  EVC_RULE("event.h/event_enable_debug_mode/et-beside-lt-refused",
           "observed libevent 2.1.12 (evmap.c, debug mode): event_add of an EV_ET event on an fd "
           "that has a level-triggered event added fails (-1, 'Tried to mix edge-triggered and "
           "non-edge-triggered events'), in either direction; the refused event is not pending "
           "and the other keeps working");
  Probe& lt = NewProbe("level");
  Probe& et = NewProbe("edge");
  SocketPair& sp = NewNonblockingPair();
  event* lev = NewEvent(lt, sp.fd[0], EV_READ);
  event* eev = NewEvent(et, sp.fd[0], EV_READ | EV_ET);
  ASSERT_EQ(event_add(lev, nullptr), 0);
  EXPECT_EQ(event_add(eev, nullptr), -1);
  EXPECT_EQ(event_pending(eev, EV_READ, nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(lt.calls, 1);
  EXPECT_EQ(et.calls, 0);
}

TEST_F(EventFdMapDebug, LevelTriggeredEventBesideAnEdgeTriggeredOneIsRefused) {
  EVC_RULE("event.h/event_enable_debug_mode/lt-beside-et-refused",
           "observed libevent 2.1.12 (evmap.c, debug mode): the mix is refused the other way "
           "round too, whatever direction the new event watches");
  Probe& et = NewProbe("edge");
  Probe& lt = NewProbe("level");
  SocketPair& sp = NewNonblockingPair();
  ASSERT_EQ(event_add(NewEvent(et, sp.fd[0], EV_READ | EV_ET), nullptr), 0);
  event* lev = NewEvent(lt, sp.fd[0], EV_WRITE);
  EXPECT_EQ(event_add(lev, nullptr), -1);
  EXPECT_EQ(event_pending(lev, EV_WRITE, nullptr), 0);
}

TEST_F(EventFdMapDebug, TheOtherModeIsAllowedOnceTheFdHasNoEvents) {
  EVC_RULE("event.h/event_enable_debug_mode/other-mode-after-del",
           "observed libevent 2.1.12 (evmap.c, debug mode): the check compares with the events "
           "the fd has now, so after event_del of the edge-triggered event a level-triggered one "
           "can be added");
  Probe& et = NewProbe("edge");
  Probe& lt = NewProbe("level");
  SocketPair& sp = NewNonblockingPair();
  event* eev = NewEvent(et, sp.fd[0], EV_READ | EV_ET);
  ASSERT_EQ(event_add(eev, nullptr), 0);
  ASSERT_EQ(event_del(eev), 0);
  ASSERT_EQ(event_add(NewEvent(lt, sp.fd[0], EV_READ), nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(lt.calls, 1);
  EXPECT_EQ(lt.what, EV_READ);
}

TEST_F(EventFdMapDebug, ADupedFdMayUseTheOtherMode) {
  EVC_RULE("event.h/event_enable_debug_mode/per-fd-number",
           "observed libevent 2.1.12 (evmap.c, debug mode): the rule is per fd number, so a "
           "dup of an fd with an edge-triggered event may have a level-triggered one");
  Probe& et = NewProbe("edge");
  Probe& lt = NewProbe("level");
  SocketPair& sp = NewNonblockingPair();
  const int copy = dup(sp.fd[0]);
  ASSERT_GE(copy, 0);
  event* eev = NewEvent(et, sp.fd[0], EV_READ | EV_ET);
  event* lev = NewEvent(lt, copy, EV_READ);
  EXPECT_EQ(event_add(eev, nullptr), 0);
  EXPECT_EQ(event_add(lev, nullptr), 0);
  event_del(eev);
  event_del(lev);
  close(copy);
}

}  // namespace
}  // namespace evc
