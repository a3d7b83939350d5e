// <event2/thread.h>: setting threading up (evthread_use_pthreads, user lock,
// condition and id callbacks), lock debugging, evthread_make_base_notifiable,
// and what locks do without thread support. Threading is process-global and
// set once, so most of these run in a process that never set it up
// (harness/own-process.txt), each in a forked child (thread_fixture.h).
#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>

#include <map>
#include <set>

#include "thread_fixture.h"

namespace evc {
namespace {

// One event_active from this thread into a loop waiting in another: the
// number of calls its callback made (1 when all is well).
int ActivateAcrossThreads(event_base* base) {
  Breaker b{base};
  event* ev = event_new(base, -1, 0, Breaker::Callback, &b);
  EXPECT_NE(ev, nullptr);
  if (ev == nullptr) return 0;
  EXPECT_EQ(LoopWokenBy(base, [ev](Keeper*) { event_active(ev, EV_TIMEOUT, 1); }), 0);
  event_free(ev);
  return b.calls;
}

// ------------------------------------------------------------ counting callbacks
// Lock, condition and id callbacks around pthreads that count their calls
// and check that every lock they are given is one they made.

struct Counts {
  std::atomic<int> alloc{0}, free{0}, lock{0}, unlock{0};
  std::atomic<int> cond_alloc{0}, cond_free{0}, signal{0}, wait{0}, id{0};
  std::atomic<int> unknown_lock{0};      // a lock/unlock/free of a lock not ours
  std::atomic<int> wait_unknown_lock{0}; // a wait with a lock not ours
  std::mutex m;
  std::set<void*> live;
  std::map<void*, int> locks_of;  // lock -> successful lock calls
  bool Live(void* l) {
    std::lock_guard<std::mutex> g(m);
    return live.count(l) != 0;
  }
};
Counts& C() {
  static Counts c;
  return c;
}

void* CountingAlloc(unsigned) {
  auto* mu = new pthread_mutex_t;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(mu, &attr);
  pthread_mutexattr_destroy(&attr);
  ++C().alloc;
  std::lock_guard<std::mutex> g(C().m);
  C().live.insert(mu);
  return mu;
}
void CountingFree(void* lock, unsigned) {
  ++C().free;
  {
    std::lock_guard<std::mutex> g(C().m);
    if (C().live.erase(lock) == 0) {
      ++C().unknown_lock;
      return;
    }
  }
  pthread_mutex_destroy(static_cast<pthread_mutex_t*>(lock));
  delete static_cast<pthread_mutex_t*>(lock);
}
int CountingLock(unsigned mode, void* lock) {
  if (!C().Live(lock)) {
    ++C().unknown_lock;
    return -1;
  }
  auto* mu = static_cast<pthread_mutex_t*>(lock);
  const int r = (mode & EVTHREAD_TRY) ? pthread_mutex_trylock(mu) : pthread_mutex_lock(mu);
  if (r == 0) {
    ++C().lock;
    std::lock_guard<std::mutex> g(C().m);
    ++C().locks_of[lock];
  }
  return r;
}
int CountingUnlock(unsigned, void* lock) {
  if (!C().Live(lock)) {
    ++C().unknown_lock;
    return -1;
  }
  ++C().unlock;
  return pthread_mutex_unlock(static_cast<pthread_mutex_t*>(lock));
}
// A different set (for the change-refused tests): the same work.
int OtherLock(unsigned mode, void* lock) { return CountingLock(mode, lock); }

void* CountingCondAlloc(unsigned) {
  ++C().cond_alloc;
  auto* cv = new pthread_cond_t;
  pthread_cond_init(cv, nullptr);
  return cv;
}
void CountingCondFree(void* cond) {
  ++C().cond_free;
  pthread_cond_destroy(static_cast<pthread_cond_t*>(cond));
  delete static_cast<pthread_cond_t*>(cond);
}
int CountingCondSignal(void* cond, int broadcast) {
  ++C().signal;
  auto* cv = static_cast<pthread_cond_t*>(cond);
  return (broadcast ? pthread_cond_broadcast(cv) : pthread_cond_signal(cv)) == 0 ? 0 : -1;
}
int CountingCondWait(void* cond, void* lock, const timeval* tv) {
  ++C().wait;
  if (!C().Live(lock)) ++C().wait_unknown_lock;
  auto* cv = static_cast<pthread_cond_t*>(cond);
  auto* mu = static_cast<pthread_mutex_t*>(lock);
  if (tv == nullptr) return pthread_cond_wait(cv, mu) == 0 ? 0 : -1;
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += tv->tv_sec;
  ts.tv_nsec += tv->tv_usec * 1000L;
  if (ts.tv_nsec >= 1000000000L) {
    ++ts.tv_sec;
    ts.tv_nsec -= 1000000000L;
  }
  const int r = pthread_cond_timedwait(cv, mu, &ts);
  return r == 0 ? 0 : r == ETIMEDOUT ? 1 : -1;
}
int OtherCondSignal(void* cond, int broadcast) { return CountingCondSignal(cond, broadcast); }

unsigned long CountingId() {
  ++C().id;
  return static_cast<unsigned long>(CurrentTid());
}

const evthread_lock_callbacks kCountingLocks = {EVTHREAD_LOCK_API_VERSION, EVTHREAD_LOCKTYPE_RECURSIVE,
                                                CountingAlloc, CountingFree, CountingLock,
                                                CountingUnlock};
const evthread_condition_callbacks kCountingConds = {EVTHREAD_CONDITION_API_VERSION, CountingCondAlloc,
                                                     CountingCondFree, CountingCondSignal,
                                                     CountingCondWait};

// Installs the counting callbacks (in a fresh child).
void UseCountingCallbacks() {
  ASSERT_EQ(evthread_set_lock_callbacks(&kCountingLocks), 0);
  ASSERT_EQ(evthread_set_condition_callbacks(&kCountingConds), 0);
  evthread_set_id_callback(CountingId);
}

// Every fd open now that was not in before (a base's notification fd left
// open, say).
void ExpectNoNewFds(const std::map<int, std::string>& before) {
  for (const auto& [fd, what] : OpenFds())
    EXPECT_TRUE(before.count(fd) && before.at(fd) == what) << "fd " << fd << " -> " << what << " left open";
}

// ------------------------------------------------------------------ setup

using ThreadSetup = Test;

TEST_F(ThreadSetup, UsePthreadsReturnsZeroAndABaseWorksFromTwoThreads) {
  EVC_RULE("thread.h/evthread_use_pthreads",
           "thread.h: evthread_use_pthreads 'Sets up Libevent for use with Pthreads locking "
           "and thread ID functions' and returns 0 on success; a base made after it takes "
           "event_active from another thread while its loop waits");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    EXPECT_EQ(evthread_use_pthreads(), 0);
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    EXPECT_EQ(ActivateAcrossThreads(base), 1);
    event_base_free(base);
  });
}

TEST_F(ThreadSetup, UsePthreadsTwiceReturnsZeroBothTimes) {
  EVC_RULE("thread.h/evthread_use_pthreads/twice",
           "observed libevent 2.1.12 (evthread_set_lock_callbacks allows 'no change'): a second "
           "evthread_use_pthreads sets the same callbacks again and returns 0; bases still "
           "work across threads");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    EXPECT_EQ(evthread_use_pthreads(), 0);
    EXPECT_EQ(evthread_use_pthreads(), 0);
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    EXPECT_EQ(ActivateAcrossThreads(base), 1);
    event_base_free(base);
  });
}

// ------------------------------------------------------------ user callbacks

using ThreadCallbacks = Test;

TEST_F(ThreadCallbacks, LockCallbacksAreUsedByABaseUsedFromTwoThreads) {
  EVC_RULE("thread.h/evthread_set_lock_callbacks",
           "thread.h: evthread_set_lock_callbacks sets 'a group of functions that Libevent "
           "should use for locking' (0 on success): a base used from two threads allocates, "
           "takes and releases locks through them, only locks they made, every lock released");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    UseCountingCallbacks();
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    EXPECT_GT(C().alloc, 0) << "the base made no lock";
    EXPECT_EQ(ActivateAcrossThreads(base), 1);
    event_base_free(base);
    EXPECT_GT(C().lock, 0);
    EXPECT_EQ(C().lock, C().unlock) << "locks taken and released";
    EXPECT_GT(C().free, 0) << "freeing the base freed none of its locks";
    EXPECT_EQ(C().unknown_lock, 0) << "a callback was given a lock it did not make";
  });
}

TEST_F(ThreadCallbacks, ConditionCallbacksAreUsedWhenEventDelWaits) {
  EVC_RULE("thread.h/evthread_set_condition_callbacks",
           "thread.h: evthread_set_condition_callbacks sets 'a group of functions that "
           "Libevent should use for condition variables' (0 on success): an event_del that "
           "waits for a callback running in the loop's thread waits on such a condition, with "
           "a lock of the lock callbacks, and is signalled");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    UseCountingCallbacks();
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    EXPECT_GT(C().cond_alloc, 0) << "the base made no condition";
    const DelOutcome out = DeleteWhileTheCallbackRuns(base, event_del, 0, false);
    EXPECT_TRUE(out.callback_done_at_return);
    EXPECT_GT(C().wait, 0) << "event_del waited without the condition callbacks";
    EXPECT_GT(C().signal, 0);
    EXPECT_EQ(C().wait_unknown_lock, 0) << "a wait was given a lock the callbacks did not make";
    event_base_free(base);
  });
}

TEST_F(ThreadCallbacks, IdCallbackIsUsed) {
  EVC_RULE("thread.h/evthread_set_id_callback",
           "thread.h: evthread_set_id_callback sets 'the function for determining the thread "
           "id' that Libevent invokes: a base used from two threads calls it");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    UseCountingCallbacks();
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    EXPECT_EQ(ActivateAcrossThreads(base), 1);
    event_base_free(base);
    EXPECT_GT(C().id, 0);
  });
}

TEST_F(ThreadCallbacks, ChangingLockCallbacksOnceSetFails) {
  EVC_RULE("thread.h/evthread_set_lock_callbacks/change-refused",
           "observed libevent 2.1.12 (evthread_set_lock_callbacks: \"Can't change lock "
           "callbacks once they have been initialized\"): once set, the same callbacks again "
           "give 0 and different ones -1, and the first stay in use");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    ASSERT_EQ(evthread_set_lock_callbacks(&kCountingLocks), 0);
    EXPECT_EQ(evthread_set_lock_callbacks(&kCountingLocks), 0);
    evthread_lock_callbacks other = kCountingLocks;
    other.lock = OtherLock;
    EXPECT_EQ(evthread_set_lock_callbacks(&other), -1);
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    EXPECT_GT(C().alloc, 0);
    event_base_free(base);
  });
}

TEST_F(ThreadCallbacks, ChangingConditionCallbacksOnceSetFails) {
  EVC_RULE("thread.h/evthread_set_condition_callbacks/change-refused",
           "observed libevent 2.1.12 (evthread_set_condition_callbacks: \"Can't change "
           "condition callbacks once they have been initialized\"): once set, the same "
           "callbacks again give 0 and different ones -1");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    ASSERT_EQ(evthread_set_lock_callbacks(&kCountingLocks), 0);
    ASSERT_EQ(evthread_set_condition_callbacks(&kCountingConds), 0);
    EXPECT_EQ(evthread_set_condition_callbacks(&kCountingConds), 0);
    evthread_condition_callbacks other = kCountingConds;
    other.signal_condition = OtherCondSignal;
    EXPECT_EQ(evthread_set_condition_callbacks(&other), -1);
  });
}

TEST_F(ThreadCallbacks, IncompleteLockCallbacksAreRefused) {
  EVC_RULE("thread.h/evthread_set_lock_callbacks/incomplete",
           "observed libevent 2.1.12 (evthread_set_lock_callbacks needs alloc, free, lock and "
           "unlock): a group without unlock is refused (-1) and sets nothing: a complete one "
           "is accepted after it");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    evthread_lock_callbacks incomplete = kCountingLocks;
    incomplete.unlock = nullptr;
    EXPECT_EQ(evthread_set_lock_callbacks(&incomplete), -1);
    EXPECT_EQ(evthread_set_lock_callbacks(&kCountingLocks), 0);
  });
}

TEST_F(ThreadCallbacks, NullLockCallbacksBeforeAnyAreAccepted) {
  EVC_RULE("thread.h/evthread_set_lock_callbacks/null",
           "observed libevent 2.1.12: evthread_set_lock_callbacks(NULL) with none set clears "
           "nothing and returns 0; bases work without locks");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    EXPECT_EQ(evthread_set_lock_callbacks(nullptr), 0);
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    EXPECT_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);
    event_base_free(base);
  });
}

TEST_F(ThreadCallbacks, NullConditionCallbacksBeforeAnyAreAccepted) {
  EVC_RULE("thread.h/evthread_set_condition_callbacks/null",
           "observed libevent 2.1.12: evthread_set_condition_callbacks(NULL) with none set "
           "returns 0; lock callbacks can still be set after it");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    EXPECT_EQ(evthread_set_condition_callbacks(nullptr), 0);
    EXPECT_EQ(evthread_set_lock_callbacks(&kCountingLocks), 0);
  });
}

TEST_F(ThreadCallbacks, SharedLockGivenToTwoBuffersIsTheOneTheyTake) {
  EVC_RULE("buffer.h/evbuffer_enable_locking/given-lock",
           "buffer.h: evbuffer_enable_locking(buf, lock) uses 'A lock object' given: two "
           "buffers given one lock (made by the lock callbacks) take that lock, so one "
           "thread's evbuffer_lock of the first blocks another's of the second; freeing the "
           "buffers does not free it");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    UseCountingCallbacks();
    void* lock = CountingAlloc(EVTHREAD_LOCKTYPE_RECURSIVE);
    evbuffer* b1 = evbuffer_new();
    evbuffer* b2 = evbuffer_new();
    ASSERT_TRUE(b1 && b2);
    ASSERT_EQ(evbuffer_enable_locking(b1, lock), 0);
    ASSERT_EQ(evbuffer_enable_locking(b2, lock), 0);
    const Exclusion seen = HoldWhileAnotherThreadLocks([b1] { evbuffer_lock(b1); }, [b1] { evbuffer_unlock(b1); },
                                                       [b2] { evbuffer_lock(b2); }, [b2] { evbuffer_unlock(b2); });
    EXPECT_FALSE(seen.got_while_held) << "the second buffer's lock is not the first's";
    EXPECT_TRUE(seen.got_after);
    {
      std::lock_guard<std::mutex> g(C().m);
      EXPECT_EQ(C().locks_of[lock], 2) << "both buffers took the given lock once";
    }
    evbuffer_free(b1);
    evbuffer_free(b2);
    EXPECT_TRUE(C().Live(lock)) << "a buffer freed the lock it was given";
    CountingFree(lock, EVTHREAD_LOCKTYPE_RECURSIVE);
  });
}

// ------------------------------------------------------------ lock debugging

using ThreadLockDebug = Test;

TEST_F(ThreadLockDebug, CorrectUseRunsUnharmed) {
  EVC_RULE("thread.h/evthread_enable_lock_debugging",
           "thread.h: evthread_enable_lock_debugging enables 'debugging wrappers around the "
           "current lock callbacks', which stop the process only on a locking error: a base "
           "and a locked buffer used correctly from two threads run unharmed");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    ASSERT_EQ(evthread_use_pthreads(), 0);
    evthread_enable_lock_debugging();
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    EXPECT_EQ(ActivateAcrossThreads(base), 1);
    evbuffer* buf = evbuffer_new();
    ASSERT_EQ(evbuffer_enable_locking(buf, nullptr), 0);
    std::thread other([buf] {
      evbuffer_lock(buf);
      evbuffer_add(buf, "x", 1);
      evbuffer_unlock(buf);
    });
    other.join();
    evbuffer_lock(buf);
    EXPECT_EQ(evbuffer_get_length(buf), 1u);
    evbuffer_unlock(buf);
    evbuffer_free(buf);
    event_base_free(base);
  });
}

// A locking error in a fresh child with lock debugging on (enable): the
// child must die of a signal (libevent asserts: abort).
void ExpectLockErrorIsCaught(void (*enable)(), const std::function<void(evbuffer*)>& misuse) {
  const ChildEnd end = RunInChild(
      [&] {
        ASSERT_EQ(evthread_use_pthreads(), 0);
        enable();
        evbuffer* buf = evbuffer_new();
        ASSERT_NE(buf, nullptr);
        ASSERT_EQ(evbuffer_enable_locking(buf, nullptr), 0);
        misuse(buf);
        evbuffer_free(buf);
      },
      3 * kBoundMs);
  EXPECT_EQ(end.kind, ChildEnd::kSignalled) << "the locking error was not caught: " << end.Describe();
}

TEST_F(ThreadLockDebug, UnlockingABufferNobodyLockedIsCaught) {
  EVC_RULE("thread.h/evthread_enable_lock_debugging/unlock-unheld",
           "thread.h: with lock debugging, a locking error ends the process 'with an assertion "
           "failure': evbuffer_unlock of a buffer lock nobody holds aborts (libevent "
           "evthread.c, evthread_debug_lock_mark_unlocked)");
  EVC_NEEDS_FRESH_PROCESS();
  ExpectLockErrorIsCaught(evthread_enable_lock_debugging, [](evbuffer* buf) { evbuffer_unlock(buf); });
}

TEST_F(ThreadLockDebug, UnlockingFromAnotherThreadIsCaught) {
  EVC_RULE("thread.h/evthread_enable_lock_debugging/unlock-other-thread",
           "thread.h: with lock debugging, a locking error ends the process 'with an assertion "
           "failure': a thread unlocking a buffer lock another thread holds aborts (libevent "
           "evthread.c: 'lock->held_by == me')");
  EVC_NEEDS_FRESH_PROCESS();
  ExpectLockErrorIsCaught(evthread_enable_lock_debugging, [](evbuffer* buf) {
    evbuffer_lock(buf);
    std::thread other([buf] { evbuffer_unlock(buf); });
    other.join();
    evbuffer_unlock(buf);
  });
}

TEST_F(ThreadLockDebug, MisspelledNameEnablesTheSameDebugging) {
  EVC_RULE("thread.h/evthread_enable_lock_debuging",
           "thread.h: evthread_enable_lock_debuging is the 'Old (misspelled) version' of "
           "evthread_enable_lock_debugging: after it, evbuffer_unlock of a buffer lock nobody "
           "holds aborts as well");
  EVC_NEEDS_FRESH_PROCESS();
  ExpectLockErrorIsCaught(evthread_enable_lock_debuging, [](evbuffer* buf) { evbuffer_unlock(buf); });
}

// ------------------------------------------------- without thread support

using ThreadWithoutPthreads = Test;

TEST_F(ThreadWithoutPthreads, EnableLockingFailsAndLockingHasNoEffect) {
  EVC_RULE("buffer.h/evbuffer_enable_locking/without-threads",
           "observed libevent 2.1.12 (evbuffer_enable_locking: no lock can be made without "
           "lock callbacks): evbuffer_enable_locking(buf, NULL) returns -1; evbuffer_lock and "
           "evbuffer_unlock then have no effect ('Has no effect if locking was not enabled')");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    evbuffer* buf = evbuffer_new();
    ASSERT_NE(buf, nullptr);
    EXPECT_EQ(evbuffer_enable_locking(buf, nullptr), -1);
    evbuffer_lock(buf);
    evbuffer_unlock(buf);
    evbuffer_unlock(buf);  // no lock: nothing to get wrong
    EXPECT_EQ(evbuffer_add(buf, "x", 1), 0);
    evbuffer_free(buf);
  });
}

TEST_F(ThreadWithoutPthreads, MakeBaseNotifiableAddsNoEventOfTheUsers) {
  EVC_RULE("thread.h/evthread_make_base_notifiable/without-threads",
           "observed libevent 2.1.12: evthread_make_base_notifiable works without thread "
           "support too (0); what it adds is internal: a base with no events of the user's "
           "still has none (dispatch returns 1) and frees what it opened");
  EVC_NEEDS_FRESH_PROCESS();
  InFreshChild([] {
    const std::map<int, std::string> before = OpenFds();
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    EXPECT_EQ(evthread_make_base_notifiable(base), 0);
    EXPECT_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 0);
    EXPECT_EQ(event_base_dispatch(base), 1);
    event_base_free(base);
    ExpectNoNewFds(before);
  });
}

// ------------------------------------------- notifiable (threads set up)

using ThreadNotifiable = ThreadTest;

TEST_F(ThreadNotifiable, ThreadedBaseIsNotifiableAlready) {
  EVC_RULE("thread.h/evthread_make_base_notifiable",
           "thread.h: 'configuring the base with thread support should be necessary and "
           "sufficient': on a base made after evthread_use_pthreads, "
           "evthread_make_base_notifiable returns 0 (again 0 the second time) and the base "
           "still exits when it has no events");
  EXPECT_EQ(evthread_make_base_notifiable(base_), 0);
  EXPECT_EQ(evthread_make_base_notifiable(base_), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(ActivateAcrossThreads(base_), 1);
}

TEST_F(ThreadNotifiable, NullBaseFails) {
  EVC_RULE("thread.h/evthread_make_base_notifiable/null-base",
           "observed libevent 2.1.12 (evthread_make_base_notifiable: 'if (!base) return -1'): "
           "a NULL base gives -1, the documented failure");
  EXPECT_EQ(evthread_make_base_notifiable(nullptr), -1);
}

}  // namespace
}  // namespace evc
