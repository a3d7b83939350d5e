// A base waiting in its loop is woken by another thread's calls, and
// event_del waits for (or, as asked, does not wait for) a callback running
// in the loop's thread. Every effect is awaited with a generous bound
// (kBoundMs); none is timed.
#include "thread_fixture.h"

namespace evc {
namespace {

using ThreadWakeup = ThreadTest;

TEST_F(ThreadWakeup, EventActiveFromAnotherThreadRunsTheCallback) {
  EVC_RULE("event.h/event_active/from-another-thread",
           "thread.h: with thread support set up, another thread may use the base: its "
           "event_active wakes the loop waiting in the kernel (nothing else would: its only "
           "event is idle) and the callback runs once, with the flags given");
  Breaker b{base_};
  event* ev = event_new(base_, -1, 0, Breaker::Callback, &b);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(LoopWokenBy(base_, [ev](Keeper*) { event_active(ev, EV_READ, 1); }), 0);
  EXPECT_EQ(b.calls, 1);
  EXPECT_EQ(b.what, EV_READ);
  event_free(ev);
}

TEST_F(ThreadWakeup, EventAddWithATimeoutFromAnotherThreadRunsTheCallback) {
  EVC_RULE("event.h/event_add/from-another-thread",
           "thread.h: event_add from another thread reaches a loop waiting in the kernel: a "
           "timer added with a 10 ms timeout fires once (EV_TIMEOUT) although the loop was "
           "waiting without a deadline");
  Breaker b{base_};
  event* ev = evtimer_new(base_, Breaker::Callback, &b);
  ASSERT_NE(ev, nullptr);
  const timeval tv = Ms(10);
  EXPECT_EQ(LoopWokenBy(base_, [&](Keeper*) { EXPECT_EQ(event_add(ev, &tv), 0); }), 0);
  EXPECT_EQ(b.calls, 1);
  EXPECT_EQ(b.what, EV_TIMEOUT);
  event_free(ev);
}

TEST_F(ThreadWakeup, EventAddWithAZeroTimeoutFromAnotherThreadRunsTheCallback) {
  EVC_RULE("event.h/event_add/zero-timeout-from-another-thread",
           "thread.h: event_add with a zero timeout from another thread makes the timer due "
           "at once: the waiting loop wakes and runs it once");
  Breaker b{base_};
  event* ev = evtimer_new(base_, Breaker::Callback, &b);
  ASSERT_NE(ev, nullptr);
  const timeval zero{0, 0};
  EXPECT_EQ(LoopWokenBy(base_, [&](Keeper*) { EXPECT_EQ(event_add(ev, &zero), 0); }), 0);
  EXPECT_EQ(b.calls, 1);
  event_free(ev);
}

TEST_F(ThreadWakeup, EventDelOfTheOnlyEventFromAnotherThreadEndsTheLoop) {
  EVC_RULE("event.h/event_del/from-another-thread-ends-empty-loop",
           "observed libevent 2.1.12 (event_del_nolock_: 'If we do not have events, let's "
           "notify event base so it can exit without waiting'): event_del of a waiting loop's "
           "only event, from another thread, wakes it and it returns 1 (no events left)");
  EXPECT_EQ(LoopWokenBy(base_, [](Keeper* k) { EXPECT_EQ(event_del(k->ev()), 0); }), 1);
}

TEST_F(ThreadWakeup, LoopbreakFromAnotherThreadStopsTheLoop) {
  EVC_RULE("event.h/event_base_loopbreak/from-another-thread",
           "event.h: event_base_loopbreak makes the loop exit after its current callbacks; "
           "called from another thread it wakes a loop waiting in the kernel, which returns 0 "
           "with event_base_got_break true");
  EXPECT_EQ(LoopWokenBy(base_, [this](Keeper*) { EXPECT_EQ(event_base_loopbreak(base_), 0); }), 0);
  EXPECT_TRUE(event_base_got_break(base_));
  EXPECT_FALSE(event_base_got_exit(base_));
}

TEST_F(ThreadWakeup, LoopexitFromAnotherThreadStopsTheLoop) {
  EVC_RULE("event.h/event_base_loopexit/from-another-thread",
           "event.h: event_base_loopexit(base, NULL) makes the loop exit once its active "
           "callbacks have run; from another thread it wakes a loop waiting in the kernel, "
           "which returns 0 with event_base_got_exit true");
  EXPECT_EQ(LoopWokenBy(base_, [this](Keeper*) { EXPECT_EQ(event_base_loopexit(base_, nullptr), 0); }), 0);
  EXPECT_TRUE(event_base_got_exit(base_));
  EXPECT_FALSE(event_base_got_break(base_));
}

TEST_F(ThreadWakeup, LoopexitWithATimeoutFromAnotherThreadStopsTheLoop) {
  EVC_RULE("event.h/event_base_loopexit/timeout-from-another-thread",
           "event.h: event_base_loopexit with a timeout makes the loop exit after it; the "
           "timer it adds from another thread reaches a loop waiting without a deadline");
  const timeval tv = Ms(10);
  EXPECT_EQ(LoopWokenBy(base_, [&](Keeper*) { EXPECT_EQ(event_base_loopexit(base_, &tv), 0); }), 0);
  EXPECT_TRUE(event_base_got_exit(base_));
}

TEST_F(ThreadWakeup, NoExitOnEmptyLoopIsWokenByAnotherThread) {
  EVC_RULE("event.h/EVLOOP_NO_EXIT_ON_EMPTY/woken-from-another-thread",
           "event.h: with EVLOOP_NO_EXIT_ON_EMPTY the loop waits with no events at all, until "
           "event_base_loopbreak: another thread's event_active runs its callback there, and "
           "its loopbreak ends the loop");
  Breaker b{base_};
  event* ev = event_new(base_, -1, 0, Breaker::Callback, &b);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(LoopWokenBy(base_, [ev](Keeper*) { event_active(ev, EV_TIMEOUT, 1); }, EVLOOP_NO_EXIT_ON_EMPTY,
                        false),
            0);
  EXPECT_EQ(b.calls, 1);
  event_free(ev);
}

// ------------------------------------------------ event_del and a running callback

using ThreadEventDel = ThreadTest;

TEST_F(ThreadEventDel, EventDelWaitsForTheCallbackRunningInAnotherThread) {
  EVC_RULE("event.h/event_del/waits-for-running-callback",
           "event.h (EV_FINALIZE): without EV_FINALIZE, event_del in one thread blocks while "
           "the event's callback runs in another thread: it returns after the callback did");
  const DelOutcome out = DeleteWhileTheCallbackRuns(base_, event_del, 0, false);
  EXPECT_FALSE(out.returned_during_callback);
  EXPECT_TRUE(out.callback_done_at_return);
}

TEST_F(ThreadEventDel, EventDelOfAFinalizeEventDoesNotWait) {
  EVC_RULE("event.h/EV_FINALIZE/del-does-not-wait",
           "event.h: 'If this option is provided, then event_del() will not block in one thread "
           "while waiting for the event callback to complete in another thread'");
  const DelOutcome out = DeleteWhileTheCallbackRuns(base_, event_del, EV_FINALIZE, true);
  EXPECT_TRUE(out.returned_during_callback);
  EXPECT_FALSE(out.callback_done_at_return);
}

TEST_F(ThreadEventDel, EventDelBlockWaitsEvenForAFinalizeEvent) {
  EVC_RULE("event.h/event_del_block/waits-for-running-callback",
           "event.h: event_del_block 'always blocks while the event's callback is running in "
           "another thread, even if the event was constructed with the EV_FINALIZE flag'");
  const DelOutcome out = DeleteWhileTheCallbackRuns(base_, event_del_block, EV_FINALIZE, false);
  EXPECT_FALSE(out.returned_during_callback);
  EXPECT_TRUE(out.callback_done_at_return);
}

TEST_F(ThreadEventDel, EventDelNoblockDoesNotWait) {
  EVC_RULE("event.h/event_del_noblock/does-not-wait",
           "event.h: event_del_noblock 'never blocks while the event's callback is running in "
           "another thread, even if the event was constructed without the EV_FINALIZE flag'");
  const DelOutcome out = DeleteWhileTheCallbackRuns(base_, event_del_noblock, 0, true);
  EXPECT_TRUE(out.returned_during_callback);
  EXPECT_FALSE(out.callback_done_at_return);
}

TEST_F(ThreadEventDel, DeletedEventDoesNotRunAgain) {
  EVC_RULE("event.h/event_del/from-another-thread-no-later-call",
           "event.h: event_del cancels the event: a persistent timer deleted from another "
           "thread while the loop runs it makes no call after event_del returned");
  Keeper keeper(base_);
  std::atomic<int> calls{0};
  Flag fired;
  struct Ctx {
    std::atomic<int>* calls;
    Flag* fired;
  } ctx{&calls, &fired};
  event* ev = event_new(base_, -1, EV_PERSIST,
                        [](evutil_socket_t, short, void* arg) {
                          Ctx* c = static_cast<Ctx*>(arg);
                          if (++*c->calls == 3) c->fired->Set();
                        },
                        &ctx);
  ASSERT_NE(ev, nullptr);
  const timeval tv = Ms(1);
  ASSERT_EQ(event_add(ev, &tv), 0);
  LoopThread loop(base_);
  ASSERT_TRUE(loop.Start());
  ASSERT_TRUE(fired.WaitFor()) << "the timer did not fire 3 times";
  ASSERT_EQ(event_del(ev), 0);
  const int at_del = calls;
  // A later callback would come within a few periods; the loop runs on
  // until the keeper stops it, after an iteration that could have run it.
  Flag looped;
  event_base_once(base_, -1, EV_TIMEOUT,
                  [](evutil_socket_t, short, void* arg) { static_cast<Flag*>(arg)->Set(); },
                  &looped, &tv);
  EXPECT_TRUE(looped.WaitFor());
  keeper.Wake();
  EXPECT_TRUE(loop.WaitEnded());
  loop.End(&keeper);
  EXPECT_EQ(calls, at_del);
  event_free(ev);
}

}  // namespace
}  // namespace evc
