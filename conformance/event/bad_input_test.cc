// Bad input to the event core: what libevent 2.1.12 gives for a NULL base,
// closed and invalid fds and negative timeouts. Where the result depends on
// the kernel method, the test states each method's rule.
#include "event_fixture.h"
#include "evc_net.h"

namespace evc {
namespace {

class EventBadInput : public EventTest {};

TEST_F(EventBadInput, FreeingANullBaseDoesNothing) {
  EVC_RULE("event.h/event_base_free/null",
           "observed libevent 2.1.12: event_base_free(NULL) warns 'no base to free' and returns");
  event_base_free(nullptr);
  SUCCEED();
}

TEST_F(EventBadInput, ClosedFdIsRefusedByEpollAndReportedByPollAndSelect) {
  EVC_RULE("event.h/event_add/closed-fd",
           "observed libevent 2.1.12: an event on a closed fd: epoll refuses event_add (-1, "
           "epoll_ctl EBADF); poll accepts it and reports it readable (POLLNVAL); select accepts "
           "it and the loop fails (-1, select EBADF)");
  const std::string method = event_base_get_method(base_);
  const int fd = ClosedFd();
  ASSERT_GE(fd, 0);
  Probe& p = NewProbe("closed");
  event* ev = NewEvent(p, fd, EV_READ);
  if (method == "epoll") {
    EXPECT_EQ(event_add(ev, nullptr), -1);
    EXPECT_EQ(event_pending(ev, EV_READ, nullptr), 0);
    EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
    EXPECT_EQ(p.calls, 0);
  } else if (method == "poll") {
    ASSERT_EQ(event_add(ev, nullptr), 0);
    // It runs (and, not persistent, is deleted): nothing is left, so 1.
    EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
    EXPECT_EQ(p.calls, 1);
    EXPECT_EQ(p.what, EV_READ);
  } else if (method == "select") {
    ASSERT_EQ(event_add(ev, nullptr), 0);
    EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), -1);
    EXPECT_EQ(p.calls, 0);
  } else {
    GTEST_SKIP() << "no rule recorded for method " << method;
  }
}

TEST_F(EventBadInput, MinusOneFdWithReadIsPendingAndNeverFires) {
  EVC_RULE("event.h/event_add/fd-minus-one",
           "observed libevent 2.1.12: event_add of an EV_READ event on fd -1 returns 0; the event "
           "is pending, no kernel method watches it, and it never runs");
  Probe& p = NewProbe("nofd");
  event* ev = NewEvent(p, -1, EV_READ);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  EXPECT_EQ(event_pending(ev, EV_READ, nullptr), EV_READ);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(p.calls, 0);
}

TEST_F(EventBadInput, NegativeTimeoutsFireOnTheNextIteration) {
  EVC_RULE("event.h/event_add/negative-timeout",
           "observed libevent 2.1.12: a timeout in the past ({-1, 0} or {0, -5}) is accepted and "
           "fires with EV_TIMEOUT on the next loop iteration");
  for (const timeval tv : {timeval{-1, 0}, timeval{0, -5}}) {
    Probe& p = NewProbe("past");
    event* ev = NewTimer(p);
    ASSERT_EQ(event_add(ev, &tv), 0);
    EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
    EXPECT_EQ(p.calls, 1) << "timeout {" << tv.tv_sec << ", " << tv.tv_usec << "}";
    EXPECT_EQ(p.what, EV_TIMEOUT);
  }
}

}  // namespace
}  // namespace evc
