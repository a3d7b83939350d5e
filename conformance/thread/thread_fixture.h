// Fixture and helpers for the thread suite (<event2/thread.h> and the
// thread-safe parts of event.h, buffer.h and bufferevent.h). Public API only.
//
// Lock callbacks are process-global and can be set once
// (evthread_set_lock_callbacks refuses a change), and thread.h wants them set
// before any base is made. So the suite has two kinds of tests:
//
// - ThreadTest (most): the process uses evthread_use_pthreads(), called once
//   by the first such test; the tests share the process in a batch.
// - fresh-process tests (ThreadSetup, ThreadCallbacks, ThreadLockDebug,
//   ThreadWithoutPthreads, listed in harness/own-process.txt): they need a
//   process that never set threading up (to install their own callbacks, to
//   enable lock debugging, or to see the answers without threads). Their
//   body runs in a forked, bounded child (InFreshChild); when the process
//   has set threading up already (the binary run by hand, every test in one
//   process), they skip.
//
// Every cross-thread wait is bounded (kBoundMs) and ends on a condition or a
// handshake, never on a sleep. A loop thread that a test cannot stop is
// rescued (a byte on its keeper's socket, a signal that interrupts its
// kernel wait) and the test fails, so threads are always joined.
#ifndef EVC_THREAD_FIXTURE_H
#define EVC_THREAD_FIXTURE_H

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "evc_event_util.h"
#include "evc_test.h"

namespace evc {

// A generous bound on every effect one thread waits for from another: never
// a timing assertion, only the point where a test stops waiting.
constexpr int kBoundMs = 5000;

// Whether this process has set libevent's threading up (through this file).
inline std::atomic<bool>& ThreadingSetUp() {
  static std::atomic<bool> set_up{false};
  return set_up;
}

// evthread_use_pthreads(), once per process; its answer.
inline int UsePthreadsOnce() {
  static const int rc = (ThreadingSetUp() = true, evthread_use_pthreads());
  return rc;
}

// Starts a fresh-process test: skips it when this process set threading up.
#define EVC_NEEDS_FRESH_PROCESS()                                                   \
  if (::evc::ThreadingSetUp())                                                      \
  GTEST_SKIP() << "needs:fresh-process: the process has set libevent's threading " \
                  "up already (harness/own-process.txt runs this test alone)"

// Runs body in a forked child (the parent stays fresh for the next such
// test); the test fails if the child failed, crashed or hung.
inline void InFreshChild(const std::function<void()>& body) {
  EXPECT_TRUE(EndedCleanly(RunInChild(body, 3 * kBoundMs)));
}

inline pid_t CurrentTid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// Whether thread tid of this process is asleep in the kernel (state S or D
// in /proc: blocked on a lock, a condition or a kernel wait).
inline bool IsAsleep(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(tid));
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return false;
  char buf[512];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const std::string stat(buf);
  const size_t close = stat.rfind(") ");
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  const char state = stat[close + 2];
  return state == 'S' || state == 'D';
}

// Whether thread tid of this process is blocked on a lock: asleep in the
// futex system call (where pthread mutexes and condition variables wait),
// not in the kernel wait for events (epoll_wait, poll, select).
inline bool IsBlockedOnALock(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/syscall", static_cast<int>(tid));
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return false;
  long nr = -1;
  const int n = std::fscanf(f, "%ld", &nr);
  std::fclose(f);
  return n == 1 && nr == SYS_futex && IsAsleep(tid);
}

// Waits (bounded) until thread tid is asleep, or until done() holds. True
// when it saw it asleep. Best effort: a test never fails on a false answer,
// it only gives the other thread the chance to block first.
inline bool WaitUntilAsleep(pid_t tid, const std::function<bool()>& done = [] { return false; },
                            int bound_ms = 2000) {
  const double deadline = NowMs() + bound_ms;
  while (NowMs() < deadline) {
    if (done()) return false;
    if (IsAsleep(tid)) return true;
    sched_yield();
  }
  return false;
}

// A one-shot flag a thread can wait on, bounded.
class Flag {
 public:
  void Set() {
    {
      std::lock_guard<std::mutex> lock(m_);
      set_ = true;
    }
    cv_.notify_all();
  }
  bool IsSet() {
    std::lock_guard<std::mutex> lock(m_);
    return set_;
  }
  bool WaitFor(int ms = kBoundMs) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return set_; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool set_ = false;
};

// An idle event that keeps a loop waiting (its socket is never written, so
// the loop would wait forever): the "no other events" of the wake-up tests.
// Wake() writes a byte, which the kernel delivers whatever the base's
// cross-thread notification does: its callback drains it and breaks the
// loop. Tests use it to stop a loop when waking is not what they check.
class Keeper {
 public:
  explicit Keeper(event_base* base) {
    ev_ = event_new(base, pair_.fd[0], EV_READ | EV_PERSIST, Callback, base);
    EXPECT_NE(ev_, nullptr);
    if (ev_) EXPECT_EQ(event_add(ev_, nullptr), 0);
  }
  ~Keeper() {
    if (ev_) event_free(ev_);
  }
  event* ev() { return ev_; }
  void Wake() { (void)!write(pair_.fd[1], "k", 1); }

 private:
  static void Callback(evutil_socket_t fd, short, void* base) {
    SocketPair::Drain(fd);
    event_base_loopbreak(static_cast<event_base*>(base));
  }
  SocketPair pair_;
  event* ev_ = nullptr;
};

// event_base_loop on a thread of its own. Start() returns once the loop has
// run a first callback (it is looping); End() waits (bounded) for the loop
// to return and joins the thread, rescuing it first if it does not return.
class LoopThread {
 public:
  explicit LoopThread(event_base* base, int flags = 0) : base_(base), flags_(flags) {}
  ~LoopThread() { End(); }

  // True once the loop runs (its first callback ran) within the bound.
  bool Start() {
    static const timeval now{0, 0};
    if (event_base_once(base_, -1, EV_TIMEOUT, Started, state_.get(), &now) != 0) return false;
    InstallWakeSignal();
    std::shared_ptr<State> state = state_;
    event_base* base = base_;
    const int flags = flags_;
    thread_ = std::thread([state, base, flags] {
      state->rc = event_base_loop(base, flags);
      state->ended.Set();
    });
    return state_->started.WaitFor();
  }
  pid_t tid() const { return state_->tid; }
  bool Ended() { return state_->ended.IsSet(); }
  // Waits for the loop to return by itself; true if it did within ms.
  bool WaitEnded(int ms = kBoundMs) { return state_->ended.WaitFor(ms); }
  int rc() const { return state_->rc; }

  // Joins the thread. A loop still running is rescued (keeper, loopbreak,
  // a signal interrupting its kernel wait) and reported as a failure.
  void End(Keeper* keeper = nullptr) {
    if (!thread_.joinable()) return;
    if (!state_->ended.IsSet()) {
      const double deadline = NowMs() + 2000;
      while (!state_->ended.WaitFor(50) && NowMs() < deadline) {
        if (keeper) keeper->Wake();
        event_base_loopbreak(base_);
        pthread_kill(thread_.native_handle(), SIGUSR1);
      }
    }
    if (state_->ended.IsSet()) {
      thread_.join();
    } else {
      ADD_FAILURE() << "the loop thread could not be stopped; left running";
      thread_.detach();
    }
  }

 private:
  struct State {
    Flag started, ended;
    std::atomic<pid_t> tid{0};
    std::atomic<int> rc{-2};
  };
  static void Started(evutil_socket_t, short, void* arg) {
    State* s = static_cast<State*>(arg);
    s->tid = CurrentTid();
    s->started.Set();
  }
  // A no-op SIGUSR1 handler without SA_RESTART: the signal interrupts a
  // kernel wait (epoll_wait, poll, select) with EINTR, and the loop runs on.
  static void InstallWakeSignal() {
    static std::once_flag once;
    std::call_once(once, [] {
      struct sigaction sa {};
      sa.sa_handler = [](int) {};
      sigemptyset(&sa.sa_mask);
      sigaction(SIGUSR1, &sa, nullptr);
    });
  }

  event_base* base_;
  int flags_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::thread thread_;
};

// Runs base's loop (with flags) on a thread of its own, waiting in the
// kernel (the only event a Keeper's idle one, unless the test added
// others; none with with_keeper false), calls wake from this thread once
// the loop sleeps, and waits (bounded) for the loop to return. Its return
// code, or -2 when it did not return (the test then fails).
inline int LoopWokenBy(event_base* base, const std::function<void(Keeper*)>& wake, int flags = 0,
                       bool with_keeper = true) {
  std::unique_ptr<Keeper> keeper(with_keeper ? new Keeper(base) : nullptr);
  LoopThread loop(base, flags);
  EXPECT_TRUE(loop.Start());
  WaitUntilAsleep(loop.tid());
  wake(keeper.get());
  const bool ended = loop.WaitEnded();
  EXPECT_TRUE(ended) << "the loop did not return within " << kBoundMs << " ms";
  loop.End(keeper.get());
  return ended ? loop.rc() : -2;
}

// A callback that counts its calls, keeps the flags of the last, and
// breaks its loop.
struct Breaker {
  event_base* base = nullptr;
  std::atomic<int> calls{0};
  std::atomic<short> what{0};
  static void Callback(evutil_socket_t, short what, void* arg) {
    Breaker* b = static_cast<Breaker*>(arg);
    b->what = what;
    ++b->calls;
    event_base_loopbreak(b->base);
  }
};

// What another thread saw of a lock this thread held.
struct Exclusion {
  bool got_while_held = false;  // it took its lock while this thread held ours
  bool got_after = false;       // it took it once ours was released (bounded)
};

// Takes a lock in this thread (lock), has another thread take one
// (other_lock, then other_unlock), gives it the chance to block (until it
// sleeps, bounded), then releases ours (unlock). With one lock behind both,
// the other thread gets it only after the release.
inline Exclusion HoldWhileAnotherThreadLocks(const std::function<void()>& lock,
                                             const std::function<void()>& unlock,
                                             const std::function<void()>& other_lock,
                                             const std::function<void()>& other_unlock) {
  Exclusion seen;
  lock();
  std::atomic<pid_t> tid{0};
  std::atomic<bool> acquired{false};
  Flag done;
  std::thread other([&] {
    tid = CurrentTid();
    other_lock();
    acquired = true;
    other_unlock();
    done.Set();
  });
  const double deadline = NowMs() + kBoundMs;
  while (tid == 0 && NowMs() < deadline) sched_yield();
  WaitUntilAsleep(tid, [&] { return acquired.load(); });
  seen.got_while_held = acquired;
  unlock();
  seen.got_after = done.WaitFor();
  other.join();
  return seen;
}

// ------------------------------------------------ event_del and a running callback

// What a deletion from the test's thread saw while the event's callback ran
// in the loop's thread: whether the deletion returned while the callback
// still ran, and whether the callback had finished when it returned.
struct DelOutcome {
  bool returned_during_callback = false;
  bool callback_done_at_return = false;
};

struct HeldCallback {
  Flag entered;
  std::atomic<bool> del_returned{false};
  std::atomic<bool> done{false};
  std::atomic<bool> saw_return{false};
  std::atomic<pid_t> deleter{0};
  bool wait_for_return = false;  // noblock: wait for the deletion to return

  static void Callback(evutil_socket_t, short, void* arg) {
    HeldCallback* h = static_cast<HeldCallback*>(arg);
    h->entered.Set();
    const auto returned = [h] { return h->del_returned.load(); };
    if (h->wait_for_return) {
      // A deletion that never waits returns while this callback runs.
      const double deadline = NowMs() + kBoundMs;
      while (!returned() && NowMs() < deadline) sched_yield();
    } else {
      // Give a waiting deletion the time to block (bounded): until the
      // deleting thread sleeps or the deletion returned.
      const double deadline = NowMs() + kBoundMs;
      while (h->deleter == 0 && NowMs() < deadline) sched_yield();
      WaitUntilAsleep(h->deleter, returned);
    }
    h->saw_return = returned();
    h->done = true;
  }
};

// Runs del on an event (made with extra_flags) from this thread while its
// callback runs in the loop thread.
inline DelOutcome DeleteWhileTheCallbackRuns(event_base* base, int (*del)(event*), short extra_flags,
                                      bool callback_waits_for_return) {
  DelOutcome out;
  Keeper keeper(base);
  HeldCallback held;
  held.wait_for_return = callback_waits_for_return;
  event* ev = event_new(base, -1, extra_flags, HeldCallback::Callback, &held);
  EXPECT_NE(ev, nullptr);
  if (ev == nullptr) return out;
  LoopThread loop(base);
  EXPECT_TRUE(loop.Start());
  event_active(ev, EV_TIMEOUT, 1);
  EXPECT_TRUE(held.entered.WaitFor()) << "the callback did not start";
  held.deleter = CurrentTid();
  EXPECT_EQ(del(ev), 0);
  out.callback_done_at_return = held.done;
  held.del_returned = true;
  const double deadline = NowMs() + kBoundMs;
  while (!held.done && NowMs() < deadline) sched_yield();
  out.returned_during_callback = held.saw_return;
  keeper.Wake();
  EXPECT_TRUE(loop.WaitEnded());
  loop.End(&keeper);
  event_free(ev);
  return out;
}

// The shared-process fixture: pthreads set up, a base per test.
class ThreadTest : public Test {
 protected:
  void SetUp() override {
    Test::SetUp();
    ASSERT_EQ(UsePthreadsOnce(), 0);
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
  }
  void TearDown() override {
    if (base_ != nullptr) event_base_free(base_);
    Test::TearDown();
  }

  event_base* base_ = nullptr;
};

}  // namespace evc

#endif  // EVC_THREAD_FIXTURE_H
