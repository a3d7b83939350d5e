// White-box checks of the reference's thread support (core/thread.h and
// evref::Base's lock, condition and notify fd): what the public thread
// tests cannot see. Each test installs counting pthread callbacks and
// clears them again (evthread_set_lock_callbacks(NULL) is allowed).
#include <event2/event.h>
#include <event2/thread.h>
#include <gtest/gtest.h>

#include <dirent.h>
#include <pthread.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/thread.h"
#include "facade.h"

namespace {

std::atomic<int> locks_made{0}, locks_freed{0}, lock_calls{0}, conds_made{0}, conds_freed{0}, waits{0};
unsigned last_type = 99;

void* lock_alloc(unsigned type) {
  last_type = type;
  ++locks_made;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if (type & EVTHREAD_LOCKTYPE_RECURSIVE) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  auto* m = new pthread_mutex_t;
  pthread_mutex_init(m, &attr);
  return m;
}
void lock_free(void* l, unsigned) {
  ++locks_freed;
  pthread_mutex_destroy(static_cast<pthread_mutex_t*>(l));
  delete static_cast<pthread_mutex_t*>(l);
}
int lock_lock(unsigned, void* l) {
  ++lock_calls;
  return pthread_mutex_lock(static_cast<pthread_mutex_t*>(l));
}
int lock_unlock(unsigned, void* l) { return pthread_mutex_unlock(static_cast<pthread_mutex_t*>(l)); }
void* cond_alloc(unsigned) {
  ++conds_made;
  auto* c = new pthread_cond_t;
  pthread_cond_init(c, nullptr);
  return c;
}
void cond_free(void* c) {
  ++conds_freed;
  pthread_cond_destroy(static_cast<pthread_cond_t*>(c));
  delete static_cast<pthread_cond_t*>(c);
}
int cond_signal(void* c, int) { return pthread_cond_broadcast(static_cast<pthread_cond_t*>(c)); }
int cond_wait(void* c, void* l, const timeval*) {
  ++waits;
  return pthread_cond_wait(static_cast<pthread_cond_t*>(c), static_cast<pthread_mutex_t*>(l));
}
unsigned long self_id() { return static_cast<unsigned long>(pthread_self()); }

const evthread_lock_callbacks kLocks = {EVTHREAD_LOCK_API_VERSION, EVTHREAD_LOCKTYPE_RECURSIVE, lock_alloc,
                                        lock_free, lock_lock, lock_unlock};
const evthread_condition_callbacks kConds = {EVTHREAD_CONDITION_API_VERSION, cond_alloc, cond_free,
                                             cond_signal, cond_wait};

int open_fds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n;
}

// Installs the counting callbacks for one test and clears them after.
class ThreadWhitebox : public ::testing::Test {
 protected:
  void SetUp() override {
    locks_made = locks_freed = lock_calls = conds_made = conds_freed = waits = 0;
    ASSERT_EQ(0, evthread_set_lock_callbacks(&kLocks));
    ASSERT_EQ(0, evthread_set_condition_callbacks(&kConds));
    evthread_set_id_callback(self_id);
  }
  void TearDown() override {
    evthread_set_lock_callbacks(nullptr);
    evthread_set_condition_callbacks(nullptr);
    evthread_set_id_callback(nullptr);
  }
};

TEST(ThreadWhiteboxNone, NoLockNoNotifyFdWithoutCallbacks) {
  event_base* base = event_base_new();
  ASSERT_NE(nullptr, base);
  EXPECT_FALSE(base->has_lock());
  EXPECT_EQ(-1, base->notify_fd());
  event_base_free(base);
}

TEST_F(ThreadWhitebox, BaseTakesItsLockThroughTheCallbacks) {
  event_base* base = event_base_new();
  ASSERT_NE(nullptr, base);
  EXPECT_TRUE(base->has_lock());
  EXPECT_EQ(1, locks_made.load());
  EXPECT_EQ(1, conds_made.load());
  EXPECT_GE(base->notify_fd(), 0);
  const int before = lock_calls;
  event* ev = evtimer_new(base, [](evutil_socket_t, short, void*) {}, nullptr);
  timeval tv{10, 0};
  evtimer_add(ev, &tv);
  EXPECT_GT(lock_calls.load(), before);
  event_free(ev);
  event_base_free(base);
  EXPECT_EQ(1, locks_freed.load());
  EXPECT_EQ(1, conds_freed.load());
}

TEST_F(ThreadWhitebox, NoLockFlagMakesAnUnlockedBase) {
  event_config* cfg = event_config_new();
  event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
  event_base* base = event_base_new_with_config(cfg);
  event_config_free(cfg);
  ASSERT_NE(nullptr, base);
  EXPECT_FALSE(base->has_lock());
  EXPECT_EQ(0, locks_made.load());
  event_base_free(base);
}

TEST_F(ThreadWhitebox, OtherCallbacksOnceSetAreRefused) {
  evthread_lock_callbacks other = kLocks;
  other.lock = [](unsigned, void*) { return 0; };
  EXPECT_EQ(-1, evthread_set_lock_callbacks(&other));
  EXPECT_EQ(0, evthread_set_lock_callbacks(&kLocks));  // the same again: fine
}

TEST_F(ThreadWhitebox, NotifyFdIsNotLeaked) {
  const int before = open_fds();
  for (int i = 0; i < 3; ++i) {
    event_base* base = event_base_new();
    ASSERT_NE(nullptr, base);
    EXPECT_EQ(0, evthread_make_base_notifiable(base));
    EXPECT_EQ(0, event_reinit(base));  // a new notify fd; the old one closed
    event_base_free(base);
  }
  EXPECT_EQ(before, open_fds());
}

// A thread waiting in event_del for a running callback is released when
// the callback returns, and the base (its lock and condition) can be freed
// right after.
TEST_F(ThreadWhitebox, DelWaiterReleasedThenBaseFreed) {
  event_base* base = event_base_new();
  ASSERT_NE(nullptr, base);
  static std::atomic<bool> running, finished;
  running = finished = false;
  event* ev = event_new(base, -1, 0, [](evutil_socket_t, short, void*) {
    running = true;
    // Until the other thread waits in event_del (bounded).
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (waits.load() == 0 && std::chrono::steady_clock::now() < end) std::this_thread::yield();
    finished = true;
  }, nullptr);
  event_active(ev, EV_TIMEOUT, 1);
  std::thread loop([base] { event_base_loop(base, EVLOOP_ONCE); });
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!running && std::chrono::steady_clock::now() < end) std::this_thread::yield();
  ASSERT_TRUE(running.load());
  EXPECT_EQ(0, event_del(ev));
  EXPECT_TRUE(finished.load()) << "event_del returned while the callback ran";
  EXPECT_EQ(1, waits.load());
  loop.join();
  event_free(ev);
  event_base_free(base);
  EXPECT_EQ(locks_made.load(), locks_freed.load());
  EXPECT_EQ(conds_made.load(), conds_freed.load());
}

// Lock debugging wraps whatever callbacks are set: a lock freed while held
// aborts.
TEST(ThreadWhiteboxDebug, FreeingAHeldLockAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // TSan runs a thread of its own
  EXPECT_DEATH(
      {
        evthread_enable_lock_debugging();
        evthread_set_lock_callbacks(&kLocks);
        void* l = evref::thread::alloc_lock(0);
        evref::thread::lock(l);
        evref::thread::free_lock(l, 0);
      },
      "");
  EXPECT_DEATH(
      {
        evthread_enable_lock_debuging();
        void* l = evref::thread::alloc_lock(0);
        evref::thread::unlock(l);  // not held
      },
      "");
  EXPECT_DEATH(
      {
        evthread_enable_lock_debugging();
        void* l = evref::thread::alloc_lock(0);
        evref::thread::lock(l);
        evref::thread::lock(l);  // not recursive
      },
      "");
}

}  // namespace
