#include "thread.h"

#include <cstring>
#include <utility>

#include "log.h"
#include "mm.h"

namespace evref {
namespace thread {

LockCallbacks lock_fns = {};
CondCallbacks cond_fns = {};
unsigned long (*id_fn)() = nullptr;

namespace {

// With lock debugging on, the user's callbacks live here and lock_fns holds
// the debug wrappers (libevent's original_lock_fns_ / original_cond_fns_).
bool debugging = false;
LockCallbacks real_lock_fns = {};
CondCallbacks real_cond_fns = {};

LockCallbacks& lock_target() noexcept { return debugging ? real_lock_fns : lock_fns; }
CondCallbacks& cond_target() noexcept { return debugging ? real_cond_fns : cond_fns; }

bool same(const LockCallbacks& a, const LockCallbacks& b) noexcept {
  return a.api_version == b.api_version && a.supported_types == b.supported_types &&
         a.alloc == b.alloc && a.free == b.free && a.lock == b.lock && a.unlock == b.unlock;
}
bool same(const CondCallbacks& a, const CondCallbacks& b) noexcept {
  return a.api_version == b.api_version && a.alloc == b.alloc && a.free == b.free &&
         a.signal == b.signal && a.wait == b.wait;
}

// EVUTIL_ASSERT: a message, then the fatal callback or abort().
void check(bool ok, const char* what) noexcept {
  if (ok) return;
  log::write(log::kErr, "evthread lock debugging: assertion %s failed", what);
  log::fatal(log::kAbort);
}

// ---------------------------------------------------------- debug locks
// libevent's struct debug_lock: a signature, the type asked for, who holds
// it and how many times, and the real lock (always recursive underneath).

constexpr unsigned kSignature = 0xdeb0b10c;

struct DebugLock {
  unsigned signature;
  unsigned type;
  unsigned long held_by;
  int count;
  void* real;
};

DebugLock* as_debug(void* lock) noexcept {
  DebugLock* d = static_cast<DebugLock*>(lock);
  check(d->signature == kSignature, "a debug lock's signature");
  return d;
}

void* debug_alloc(unsigned type) {
  DebugLock* d = static_cast<DebugLock*>(mm::malloc(sizeof(DebugLock)));
  if (d == nullptr) return nullptr;
  d->real = nullptr;
  if (real_lock_fns.alloc && !(d->real = real_lock_fns.alloc(type | kRecursive))) {
    mm::free(d);
    return nullptr;
  }
  *d = DebugLock{kSignature, type, 0, 0, d->real};
  return d;
}

void debug_free(void* lock, unsigned type) {
  DebugLock* d = as_debug(lock);
  check(d->count == 0, "lock->count == 0 (freeing a held lock)");
  check(type == d->type, "locktype == lock->locktype");
  if (real_lock_fns.free) real_lock_fns.free(d->real, d->type | kRecursive);
  d->signature = 0x12300fda;
  mm::free(d);
}

void check_mode(const DebugLock& d, unsigned mode) noexcept {
  if (d.type & kReadWrite) check(mode & (kRead | kWrite), "a read-write lock taken as one");
  else check((mode & (kRead | kWrite)) == 0, "a plain lock taken as read-write");
}

void mark_locked(DebugLock& d) noexcept {
  ++d.count;
  if (!(d.type & kRecursive)) check(d.count == 1, "lock->count == 1 (a non-recursive lock taken twice)");
  if (id_fn) {
    const unsigned long me = id_fn();
    if (d.count > 1) check(d.held_by == me, "lock->held_by == me");
    d.held_by = me;
  }
}

void mark_unlocked(DebugLock& d) noexcept {
  if (id_fn) {
    check(d.held_by == id_fn(), "lock->held_by == me (unlocking a lock held elsewhere)");
    if (d.count == 1) d.held_by = 0;
  }
  --d.count;
  check(d.count >= 0, "lock->count >= 0 (unlocking a lock not held)");
}

int debug_lock(unsigned mode, void* lock) {
  DebugLock* d = as_debug(lock);
  check_mode(*d, mode);
  const int rc = real_lock_fns.lock ? real_lock_fns.lock(mode, d->real) : 0;
  if (rc == 0) mark_locked(*d);
  return rc;
}

int debug_unlock(unsigned mode, void* lock) {
  DebugLock* d = as_debug(lock);
  check_mode(*d, mode);
  mark_unlocked(*d);
  return real_lock_fns.unlock ? real_lock_fns.unlock(mode, d->real) : 0;
}

int debug_wait(void* cond, void* lock, const timeval* timeout) {
  check(lock != nullptr, "a lock to wait with");
  DebugLock* d = as_debug(lock);
  check(d->count > 0, "waiting without holding the lock");
  mark_unlocked(*d);
  const int rc = real_cond_fns.wait(cond, d->real, timeout);
  mark_locked(*d);
  return rc;
}

}  // namespace

void lock_pair(void* a, void* b) noexcept {
  if (b < a) std::swap(a, b);
  lock(a);
  lock(b);
}

void unlock_pair(void* a, void* b) noexcept {
  if (b < a) std::swap(a, b);
  unlock(b);
  unlock(a);
}

int set_lock_callbacks(const LockCallbacks* cbs) noexcept {
  LockCallbacks& target = lock_target();
  if (cbs == nullptr) {
    if (target.alloc) log::write(log::kWarn, "Trying to disable lock functions after they have been set up will probaby not work.");
    target = LockCallbacks{};
    return 0;
  }
  if (target.alloc) {
    if (same(target, *cbs)) return 0;
    log::write(log::kWarn, "Can't change lock callbacks once they have been initialized.");
    return -1;
  }
  if (!(cbs->alloc && cbs->free && cbs->lock && cbs->unlock)) return -1;
  target = *cbs;
  return 0;
}

int set_cond_callbacks(const CondCallbacks* cbs) noexcept {
  CondCallbacks& target = cond_target();
  if (cbs == nullptr) {
    target = CondCallbacks{};
    return 0;
  }
  if (target.alloc) {
    if (same(target, *cbs)) return 0;
    log::write(log::kWarn, "Can't change condition callbacks once they have been initialized.");
    return -1;
  }
  if (cbs->alloc && cbs->free && cbs->signal && cbs->wait) target = *cbs;
  if (debugging) {  // the wrapper keeps waiting; the rest is the user's
    cond_fns.alloc = cbs->alloc;
    cond_fns.free = cbs->free;
    cond_fns.signal = cbs->signal;
  }
  return 0;
}

void enable_lock_debugging() noexcept {
  if (debugging) return;
  real_lock_fns = lock_fns;
  lock_fns = LockCallbacks{1, kRecursive, debug_alloc, debug_free, debug_lock, debug_unlock};
  real_cond_fns = cond_fns;
  cond_fns.wait = debug_wait;
  debugging = true;
}

}  // namespace thread
}  // namespace evref
