// Cases of libevent's own regress suite (test/regress.c, 2.1.12) that speak
// only through the public API, ported one behaviour per test. Where the
// regress case asserts more than the documentation supports, only the
// documented part is kept and the rule says so.
//
// Cases covered by tests elsewhere (not repeated here):
//   main/signal_switchbase        EventSignal.WithTwoBasesEachRaisedSignalRunsOnExactlyOneBase
//   main/signal_while_processing  EventSignal.PersistentSignalEventCountsEachDelivery
//                                 EventSignal.SignalRaisedInsideACallbackIsNotLost
#include <unistd.h>

#include <csignal>

#include "event_fixture.h"

namespace evc {
namespace {

using EventRegress = EventTest;

TEST_F(EventRegress, PendingAfterTwoActivationsReportsBothFlags) {
  EVC_RULE("event.h/event_pending/active-flags-merged",
           "libevent regress main/manipulate_active_events: an event made active with EV_READ "
           "is pending for EV_READ (asked EV_READ|EV_TIMEOUT|EV_WRITE); activated again with "
           "EV_WRITE before it runs, it is pending for EV_READ|EV_WRITE");
  Probe& p = NewProbe("p");
  event* ev = NewEvent(p, -1, EV_TIMEOUT);
  event_active(ev, EV_READ, 1);
  EXPECT_EQ(event_pending(ev, EV_READ | EV_TIMEOUT | EV_WRITE, nullptr), EV_READ);
  event_active(ev, EV_WRITE, 1);
  EXPECT_EQ(event_pending(ev, EV_READ | EV_TIMEOUT | EV_WRITE, nullptr), EV_READ | EV_WRITE);
}

TEST_F(EventRegress, ReentrantDispatchFailsAndTheOuterLoopRunsOn) {
  EVC_RULE("event.h/event_base_loop/reentrant-blocking-call",
           "libevent regress main/bad_reentrant: event_base_loop(base, 0) called from a callback "
           "of a loop running on the same base returns -1, and the outer loop goes on and "
           "returns 1 when nothing is left");
  Probe& p = NewProbe("p");
  int inner = 0;
  p.action = [this, &inner](Probe&) { inner = event_base_loop(base_, 0); };
  event_active(NewEvent(p, -1, 0), EV_WRITE, 1);
  EXPECT_EQ(event_base_loop(base_, 0), 1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(inner, -1);
}

TEST_F(EventRegress, HigherPriorityActivatedSecondRunsBeforeSamePriorityActivatedFirst) {
  EVC_RULE("event.h/event_priority_set/active-inversion",
           "libevent regress main/priority_active_inversion: a callback of priority 4 activates "
           "another priority-4 event, then a priority-0 one; the priority-0 event runs next, "
           "the priority-4 one after it (event.h: higher priorities run before lower ones, "
           "whatever the order of activation)");
  ASSERT_EQ(event_base_priority_init(base_, 8), 0);
  Probe& first = NewProbe("first");
  Probe& same = NewProbe("same");
  Probe& urgent = NewProbe("urgent");
  event* ev_first = NewEvent(first, -1, 0);
  event* ev_same = NewEvent(same, -1, 0);
  event* ev_urgent = NewEvent(urgent, -1, 0);
  ASSERT_EQ(event_priority_set(ev_first, 4), 0);
  ASSERT_EQ(event_priority_set(ev_same, 4), 0);
  ASSERT_EQ(event_priority_set(ev_urgent, 0), 0);
  first.action = [ev_same, ev_urgent](Probe&) {
    event_active(ev_same, EV_READ, 1);
    event_active(ev_urgent, EV_TIMEOUT, 1);
  };
  event_active(ev_first, EV_WRITE, 1);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(log_, (std::vector<std::string>{"first", "urgent", "same"}));
}

TEST_F(EventRegress, NonPersistentEventReaddedBeforeItsCallbackIsNotPendingAfterIt) {
  EVC_RULE("event.h/event_add/readd-active-nonpersistent",
           "the libevent book ('Working with events'): a non-persistent event 'becomes "
           "non-pending right before its callback is executed'. libevent regress "
           "main/nonpersist_readd: two read events ready in one iteration, each callback "
           "re-adding the other: the one whose callback ran second was re-added before it ran, "
           "so it ends not pending; the one that ran first ends pending");
  SocketPair& sp = NewPair();
  Probe& a = NewProbe("a");
  Probe& b = NewProbe("b");
  event* ev_a = NewEvent(a, sp.fd[0], EV_READ);
  event* ev_b = NewEvent(b, sp.fd[1], EV_READ);
  a.action = [ev_b](Probe& self) {
    SocketPair::Drain(self.fd);
    event_add(ev_b, nullptr);
  };
  b.action = [ev_a](Probe& self) {
    SocketPair::Drain(self.fd);
    event_add(ev_a, nullptr);
  };
  ASSERT_EQ(write(sp.fd[0], "Hello", 5), 5);
  ASSERT_EQ(write(sp.fd[1], "Hello", 5), 5);
  ASSERT_EQ(event_add(ev_a, nullptr), 0);
  ASSERT_EQ(event_add(ev_b, nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  ASSERT_EQ(log_.size(), 2u) << "both were ready before the loop: one iteration runs both";
  event* ran_first = log_[0] == "a" ? ev_a : ev_b;
  event* ran_second = log_[0] == "a" ? ev_b : ev_a;
  EXPECT_NE(event_pending(ran_first, EV_READ, nullptr), 0) << log_[0] << " was re-added by "
                                                           << log_[1];
  EXPECT_EQ(event_pending(ran_second, EV_READ, nullptr), 0) << log_[1] << " ran after its re-add";
}

TEST_F(EventRegress, OnceTimerNotDueWhenTheLoopExitsNeverRuns) {
  EVC_RULE("event.h/event_base_once/not-due-never-runs",
           "libevent regress main/event_once_never: an event_base_once timer of 10 s, with the "
           "loop ended by event_base_loopexit after 20 ms: the callback does not run (and the "
           "base frees the once event: leaks show under the asan and valgrind presets)");
  Probe& p = NewProbe("never");
  timeval later = Ms(10000);
  ASSERT_EQ(event_base_once(base_, -1, EV_TIMEOUT, Probe::Callback, &p, &later), 0);
  timeval soon = Ms(20);
  ASSERT_EQ(event_base_loopexit(base_, &soon), 0);
  EXPECT_EQ(event_base_dispatch(base_), 0);
  EXPECT_EQ(p.calls, 0);
}

// The epoll quirk the case was written for: fd2 = dup(fd1); add(fd2);
// close(fd2); dup2(fd1, fd2); add(fd2) gets EEXIST from epoll_ctl, since the
// kernel keeps the registration while fd1 holds the file open.
TEST_F(EventRegress, ReduplicatedFdNumberRunsItsNewEvent) {
  EVC_RULE("event.h/event_add/redup-closed-fd-number",
           "libevent regress main/dup_fd: a dup of a readable fd is closed and its event then "
           "deleted; dup2 gives the same number to the fd again, and a new EV_WRITE event on "
           "it runs with EV_WRITE, while the original fd's persistent read event keeps running");
  SocketPair& sp = NewPair();
  ASSERT_EQ(write(sp.fd[0], "Hello world", 11), 11);
  const int fd = sp.fd[1];
  const int dfd = dup(fd);
  ASSERT_GE(dfd, 0);
  Probe& orig = NewProbe("orig");
  Probe& copy = NewProbe("copy");
  event* ev_orig = NewEvent(orig, fd, EV_READ | EV_PERSIST);
  event* ev_copy = NewEvent(copy, dfd, EV_READ | EV_PERSIST);
  ASSERT_EQ(event_add(ev_orig, nullptr), 0);
  ASSERT_EQ(event_add(ev_copy, nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(orig.calls, 1);
  EXPECT_EQ(copy.calls, 1);

  close(dfd);
  event_del(ev_copy);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(orig.calls, 2);
  EXPECT_EQ(copy.calls, 1) << "deleted";

  ASSERT_EQ(dup2(fd, dfd), dfd);
  event_free(ev_copy);
  Forget(ev_copy);
  Probe& again = NewProbe("again");
  ASSERT_EQ(event_add(NewEvent(again, dfd, EV_WRITE | EV_PERSIST), nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(orig.calls, 3);
  EXPECT_EQ(orig.what, EV_READ);
  EXPECT_EQ(again.calls, 1);
  EXPECT_EQ(again.what, EV_WRITE);
  event_del(events_.back());
  close(dfd);
}

TEST_F(EventRegress, SignalRaisedBeforeANonblockLoopRunsInIt) {
  EVC_RULE("event.h/EVLOOP_NONBLOCK/signal-already-raised",
           "libevent regress main/immediatesignal: a signal raised after its event was added "
           "and before the loop is ready then: one event_base_loop(EVLOOP_NONBLOCK) runs the "
           "callback (event.h: 'see which events are ready now, run the callbacks')");
  Probe& p = NewProbe("usr1");
  event* ev = NewSignal(p, SIGUSR1);
  ASSERT_NE(ev, nullptr);
  p.action = DelSelf;
  ASSERT_EQ(evsignal_add(ev, nullptr), 0);
  ASSERT_EQ(raise(SIGUSR1), 0);
  EXPECT_NE(event_base_loop(base_, EVLOOP_NONBLOCK), -1);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_SIGNAL);
}

}  // namespace
}  // namespace evc
