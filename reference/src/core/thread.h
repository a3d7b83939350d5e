// evref::thread — the process-wide lock, condition and thread-id callbacks
// (libevent 2.1.12's evthread.c), through which every lock of the reference
// goes: a base's, a bufferevent's, an evbuffer's. Nothing is set by
// default, and then a lock is a null pointer and taking it does nothing, so
// a program that never calls evthread_* pays one branch per lock. The C
// facade (thread.cc) maps <event2/thread.h> onto these; libevref_pthreads
// installs pthread-based callbacks (evthread_use_pthreads).
#ifndef EVREF_CORE_THREAD_H
#define EVREF_CORE_THREAD_H

#include <sys/time.h>

namespace evref {
namespace thread {

// EVTHREAD_WRITE / READ / TRY and EVTHREAD_LOCKTYPE_* (event2/thread.h).
enum : unsigned { kWrite = 0x04, kRead = 0x08, kTry = 0x10 };
enum : unsigned { kRecursive = 1, kReadWrite = 2 };

// struct evthread_lock_callbacks and evthread_condition_callbacks, field
// for field (the facade checks the layout).
struct LockCallbacks {
  int api_version;
  unsigned supported_types;
  void* (*alloc)(unsigned type);
  void (*free)(void* lock, unsigned type);
  int (*lock)(unsigned mode, void* lock);
  int (*unlock)(unsigned mode, void* lock);
};
struct CondCallbacks {
  int api_version;
  void* (*alloc)(unsigned type);
  void (*free)(void* cond);
  int (*signal)(void* cond, int broadcast);
  int (*wait)(void* cond, void* lock, const timeval* timeout);
};

// The callbacks in use (all null until set).
extern LockCallbacks lock_fns;
extern CondCallbacks cond_fns;
extern unsigned long (*id_fn)();

// evthread_set_lock_callbacks / _condition_callbacks: nullptr clears;
// setting different functions once some are set fails (-1), the same ones
// again is a no-op (0); an incomplete set is refused (-1).
int set_lock_callbacks(const LockCallbacks* cbs) noexcept;
int set_cond_callbacks(const CondCallbacks* cbs) noexcept;
inline void set_id_callback(unsigned long (*fn)()) noexcept { id_fn = fn; }
// evthread_enable_lock_debugging: wraps the lock callbacks (debug_lock_*)
// so that misuse aborts; the locks made from then on are debug locks.
void enable_lock_debugging() noexcept;

inline bool locking_enabled() noexcept { return lock_fns.lock != nullptr; }
// A new lock, or nullptr when no callbacks are set (or they fail).
inline void* alloc_lock(unsigned type) noexcept { return lock_fns.alloc ? lock_fns.alloc(type) : nullptr; }
inline void free_lock(void* lock, unsigned type) noexcept {
  if (lock) lock_fns.free(lock, type);
}
inline void lock(void* lock) noexcept {
  if (lock) lock_fns.lock(0, lock);
}
// EVTHREAD_TRY: true when taken (or there is no lock).
inline bool try_lock(void* lock) noexcept { return lock == nullptr || lock_fns.lock(kTry, lock) == 0; }
inline void unlock(void* lock) noexcept {
  if (lock) lock_fns.unlock(0, lock);
}
inline void* alloc_cond() noexcept { return cond_fns.alloc ? cond_fns.alloc(0) : nullptr; }
inline void free_cond(void* cond) noexcept {
  if (cond) cond_fns.free(cond);
}
inline void broadcast(void* cond) noexcept {
  if (cond) cond_fns.signal(cond, 1);
}
// Waits on cond, releasing lock meanwhile (no-op without a condition).
inline void wait(void* cond, void* lock) noexcept {
  if (cond) cond_fns.wait(cond, lock, nullptr);
}
// The calling thread's id; 0 without an id callback.
inline unsigned long self() noexcept { return id_fn ? id_fn() : 0; }

// Holds a lock (possibly null) for a scope.
class Locked {
 public:
  explicit Locked(void* lock) noexcept : lock_(lock) { thread::lock(lock_); }
  ~Locked() { thread::unlock(lock_); }
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;

 private:
  void* lock_;
};

// Holds two locks (possibly null, possibly the same) for a scope, taken in
// address order so that two threads locking the same pair cannot deadlock
// (libevent's EVLOCK_LOCK2). Without locks it is two tests: the ordering
// is out of line.
void lock_pair(void* a, void* b) noexcept;
void unlock_pair(void* a, void* b) noexcept;
class Locked2 {
 public:
  Locked2(void* a, void* b) noexcept : a_(a), b_(a == b ? nullptr : b) {
    if (a_ != nullptr || b_ != nullptr) lock_pair(a_, b_);
  }
  ~Locked2() {
    if (a_ != nullptr || b_ != nullptr) unlock_pair(a_, b_);
  }
  Locked2(const Locked2&) = delete;
  Locked2& operator=(const Locked2&) = delete;

 private:
  void* a_;
  void* b_;
};

// Releases a held lock for a scope (around a wait or a user callback).
class Unlocked {
 public:
  explicit Unlocked(void* lock) noexcept : lock_(lock) { thread::unlock(lock_); }
  ~Unlocked() { thread::lock(lock_); }
  Unlocked(const Unlocked&) = delete;
  Unlocked& operator=(const Unlocked&) = delete;

 private:
  void* lock_;
};

}  // namespace thread
}  // namespace evref

#endif  // EVREF_CORE_THREAD_H
