// The I/O backend interface: what the event loop needs from epoll, poll or
// anything else. Each backend is one file implementing these three calls.
//
// The loop keeps, per file descriptor, the union of what its events want
// (read, write, closed, edge-triggered) and tells the backend only when that
// union changes, so a backend holds no per-event state.
#ifndef EVREF_CORE_BACKEND_H
#define EVREF_CORE_BACKEND_H

#include <cerrno>
#include <memory>
#include <new>
#include <vector>

#include "clock.h"

namespace evref {

// Interest and readiness bits; the values of EV_READ, EV_WRITE, EV_ET and
// EV_CLOSED, so no translation is needed between the loop and the API.
enum : short { kIoRead = 0x02, kIoWrite = 0x04, kIoEdge = 0x20, kIoClosed = 0x80 };

struct Ready {
  int fd;
  short what;  // kIoRead | kIoWrite | kIoClosed
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Changes the interest set of fd from `before` to `after` (0 = none).
  // Returns 0, or -1 with errno set when the kernel refuses the fd.
  virtual int change(int fd, short before, short after) noexcept = 0;
  // Waits up to `timeout` microseconds (-1: no limit) and appends what is
  // ready to `out`. An interrupted wait is not an error: it returns 0.
  // Without memory for the answer it returns -1 (ENOMEM) having taken
  // nothing from the kernel. `lock` (the base's, or null) is held on entry
  // and released only around the system call, so that other threads can
  // change the interest set meanwhile (libevent's dispatch functions).
  virtual int wait(Micros timeout, std::vector<Ready>& out, void* lock) noexcept = 0;
};

struct BackendInfo {
  const char* name;  // as event_base_get_method reports it
  int features;      // enum event_method_feature bits
  // Null when the kernel refuses; may throw std::bad_alloc.
  std::unique_ptr<Backend> (*create)();
};

// The backends this build has, in order of preference (libevent's order).
const std::vector<BackendInfo>& backends();

std::unique_ptr<Backend> make_epoll_backend();
std::unique_ptr<Backend> make_poll_backend();

// Room in `out` for n more entries, so that wait() can append without
// throwing (it is noexcept); false with errno ENOMEM when memory is short.
inline bool reserve_ready(std::vector<Ready>& out, size_t n) noexcept {
  try {
    out.reserve(out.size() + n);
  } catch (const std::bad_alloc&) {
    errno = ENOMEM;
    return false;
  }
  return true;
}

// libevent's timeout rounding for millisecond APIs: round up, so a timer is
// never woken early (evutil_tv_to_msec_), capped like epoll's 35 minutes.
inline int timeout_millis(Micros timeout) noexcept {
  if (timeout < 0) return -1;
  const Micros ms = (timeout + 999) / 1000;
  return ms > 35 * 60 * 1000 ? 35 * 60 * 1000 : static_cast<int>(ms);
}

}  // namespace evref

#endif  // EVREF_CORE_BACKEND_H
