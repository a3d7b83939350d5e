#include "fd_map.h"

#include <sys/resource.h>

#include <cerrno>
#include <climits>
#include <new>

namespace evref {

short FdMap::Slot::mask() const noexcept {
  short m = 0;
  if (nread) m |= kIoRead;
  if (nwrite) m |= kIoWrite;
  if (nclosed) m |= kIoClosed;
  if (nedge) m |= kIoEdge;
  return m;
}

void FdMap::Slot::count(const Event& ev, int delta) noexcept {
  nread += (ev.events & kRead) ? delta : 0;
  nwrite += (ev.events & kWrite) ? delta : 0;
  nclosed += (ev.events & kClosed) ? delta : 0;
  nedge += (ev.events & kEdge) ? delta : 0;
}

// The table grows to hold fd. An fd at or above the hard RLIMIT_NOFILE
// can never be open, so it is refused (EBADF) rather than sizing the table
// for it; libevent refuses such fds too (its fd map stops growing at
// INT_MAX/8 entries, and epoll_ctl refuses fds that are not open).
bool FdMap::grow_to(int fd) noexcept {
  if (static_cast<size_t>(fd) < slots_.size()) return true;
  rlimit rl{};
  rlim_t limit = INT_MAX / 8;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max < limit)
    limit = rl.rlim_max;
  if (static_cast<rlim_t>(fd) >= limit) {
    errno = EBADF;
    return false;
  }
  try {
    slots_.resize(static_cast<size_t>(fd) + 1);
  } catch (const std::bad_alloc&) {
    errno = ENOMEM;
    return false;
  }
  return true;
}

int FdMap::insert(Event& ev, Backend& backend, bool refuse_mixed_edge) noexcept {
  if (ev.fd < 0) return 0;  // nothing to watch; libevent accepts it too
  if (!grow_to(ev.fd)) return -1;
  Slot& slot = slots_[ev.fd];
  // One fd cannot be both edge- and level-triggered: the kernel's flag is
  // per fd. libevent's debug mode refuses the mix ("Tried to mix
  // edge-triggered and non-edge-triggered events"); otherwise it lets the
  // last change decide for every event of the fd, and so does this.
  if (refuse_mixed_edge && slot.head && ((slot.head->events ^ ev.events) & kEdge)) return -1;
  const short before = slot.mask();
  slot.count(ev, +1);
  const short after = slot.mask();
  if (after != before && backend.change(ev.fd, before, after) != 0) {
    slot.count(ev, -1);
    return -1;
  }
  ev.io_prev = nullptr;
  ev.io_next = slot.head;
  if (slot.head) slot.head->io_prev = &ev;
  slot.head = &ev;
  return 0;
}

void FdMap::remove(Event& ev, Backend& backend) noexcept {
  if (ev.fd < 0 || static_cast<size_t>(ev.fd) >= slots_.size()) return;
  Slot& slot = slots_[ev.fd];
  (ev.io_prev ? ev.io_prev->io_next : slot.head) = ev.io_next;
  if (ev.io_next) ev.io_next->io_prev = ev.io_prev;
  ev.io_prev = ev.io_next = nullptr;
  const short before = slot.mask();
  slot.count(ev, -1);
  const short after = slot.mask();
  if (after != before) backend.change(ev.fd, before, after);
}

int FdMap::reinit(Backend& backend) noexcept {
  int rc = 0;
  for (size_t fd = 0; fd < slots_.size(); ++fd) {
    const short mask = slots_[fd].mask();
    if (mask != 0 && backend.change(static_cast<int>(fd), 0, mask) != 0) rc = -1;
  }
  return rc;
}

const char* FdMap::check_invariants() const noexcept {
  for (size_t fd = 0; fd < slots_.size(); ++fd) {
    Slot counted;
    const Event* prev = nullptr;
    for (const Event* ev = slots_[fd].head; ev; prev = ev, ev = ev->io_next) {
      if (ev->io_prev != prev) return "an fd list's back link is wrong";
      if (ev->fd != static_cast<int>(fd)) return "an event is listed under another fd";
      if (!(ev->state & Event::kInserted)) return "a listed event is not inserted";
      counted.count(*ev, +1);
    }
    const Slot& s = slots_[fd];
    if (counted.nread != s.nread || counted.nwrite != s.nwrite || counted.nclosed != s.nclosed ||
        counted.nedge != s.nedge)
      return "an fd's counts differ from its list";
  }
  return nullptr;
}

}  // namespace evref
