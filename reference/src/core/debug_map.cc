#include "debug_map.h"

#include <fcntl.h>

#include <atomic>
#include <new>
#include <unordered_map>

#include "log.h"
#include "thread.h"

namespace evref {
namespace debug {
namespace {

bool g_on = false;  // set before any base or event: read-only after
// Set by every thread that touches an event (a relaxed store: a plain one).
std::atomic<bool> g_too_late{false};

// Event address -> whether it is added. Made on first use and never
// destroyed, so that events freed by static destructors find it.
std::unordered_map<const void*, bool>& map() {
  static auto* m = new std::unordered_map<const void*, bool>();
  return *m;
}

// The map's lock (libevent's event_debug_map_lock_), made through the lock
// callbacks on the first use of the map once they are set; null before.
void* map_lock() noexcept {
  static std::atomic<void*> lock{nullptr};
  void* held = lock.load(std::memory_order_acquire);
  if (held != nullptr || !thread::locking_enabled()) return held;
  void* fresh = thread::alloc_lock(0);
  if (lock.compare_exchange_strong(held, fresh)) return fresh;
  thread::free_lock(fresh, 0);
  return held;
}

[[noreturn]] void misuse(const char* what, const char* func, const void* ev) noexcept {
  log::write(log::kErr, "%s %s event %p", func, what, ev);
  log::fatal(log::kAbort);
}

}  // namespace

void enable() noexcept {
  if (g_on) {
    log::write(log::kErr, "event_enable_debug_mode was called twice!");
    log::fatal(1);
  }
  if (g_too_late.load(std::memory_order_relaxed)) {
    log::write(log::kErr,
               "event_enable_debug_mode must be called *before* creating any events or "
               "event_bases");
    log::fatal(1);
  }
  g_on = true;
}

bool enabled() noexcept { return g_on; }
void mark_too_late() noexcept { g_too_late.store(true, std::memory_order_relaxed); }

void note_setup(const void* ev) noexcept {
  g_too_late.store(true, std::memory_order_relaxed);
  if (!g_on) return;
  thread::Locked locked(map_lock());
  try {
    map()[ev] = false;
  } catch (const std::bad_alloc&) {
    log::write(log::kErr, "Out of memory in debugging code");
    log::fatal(1);
  }
}

void note_teardown(const void* ev) noexcept {
  g_too_late.store(true, std::memory_order_relaxed);
  if (!g_on) return;
  thread::Locked locked(map_lock());
  map().erase(ev);
}

void note_add(const void* ev) noexcept {
  g_too_late.store(true, std::memory_order_relaxed);
  if (!g_on) return;
  thread::Locked locked(map_lock());
  auto it = map().find(ev);
  if (it == map().end()) misuse("noting an add on a non-setup", "event_add:", ev);
  it->second = true;
}

void note_del(const void* ev) noexcept {
  g_too_late.store(true, std::memory_order_relaxed);
  if (!g_on) return;
  thread::Locked locked(map_lock());
  auto it = map().find(ev);
  if (it == map().end()) misuse("noting a del on a non-setup", "event_del:", ev);
  it->second = false;
}

void note_deleted(const void* ev) noexcept {
  if (!g_on) return;
  thread::Locked locked(map_lock());
  auto it = map().find(ev);
  if (it != map().end()) it->second = false;
}

void assert_setup(const void* ev, const char* func) noexcept {
  if (!g_on) return;
  thread::Locked locked(map_lock());
  if (map().count(ev) == 0) misuse("called on a non-initialized", func, ev);
}

void assert_not_added(const void* ev, const char* func) noexcept {
  if (!g_on) return;
  thread::Locked locked(map_lock());
  auto it = map().find(ev);
  if (it != map().end() && it->second) misuse("called on an already added", func, ev);
}

void assert_nonblocking(int fd) noexcept {
  if (!g_on || fd < 0) return;
  const int flags = fcntl(fd, F_GETFL);
  if (flags >= 0 && !(flags & O_NONBLOCK)) {
    log::write(log::kErr, "event_assign: fd %d is not nonblocking", fd);
    log::fatal(log::kAbort);
  }
}

}  // namespace debug
}  // namespace evref
