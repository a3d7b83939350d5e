// evref::FdMap — the I/O events of a base, listed per fd, with per fd the
// number of events wanting each condition. The backend is told only when
// the union of an fd's interest changes (libevent's evmap does the same),
// so a backend keeps no per-event state.
#ifndef EVREF_CORE_FD_MAP_H
#define EVREF_CORE_FD_MAP_H

#include <vector>

#include "backend.h"
#include "event_types.h"

namespace evref {

class FdMap {
 public:
  // Links ev into its fd's list (newest first, as libevent's evmap, so the
  // most recently added runs first) and updates the backend. -1 when the
  // fd can never be open, memory runs out, the backend refuses the fd, or
  // (refuse_mixed_edge) the fd has events of the other trigger mode.
  int insert(Event& ev, Backend& backend, bool refuse_mixed_edge) noexcept;
  void remove(Event& ev, Backend& backend) noexcept;
  // Tells a new backend (event_reinit) every fd's interest; -1 when it
  // refuses one, the others told all the same.
  int reinit(Backend& backend) noexcept;
  // The fd's events, newest first (nullptr when none).
  Event* events(int fd) const noexcept {
    return fd >= 0 && static_cast<size_t>(fd) < slots_.size() ? slots_[fd].head : nullptr;
  }
  size_t table_size() const noexcept { return slots_.size(); }
  // nullptr, or the first violation: a list and its counts out of step.
  const char* check_invariants() const noexcept;

 private:
  struct Slot {
    Event* head = nullptr;
    uint32_t nread = 0, nwrite = 0, nclosed = 0, nedge = 0;
    short mask() const noexcept;
    void count(const Event& ev, int delta) noexcept;
  };
  bool grow_to(int fd) noexcept;

  std::vector<Slot> slots_;
};

}  // namespace evref

#endif  // EVREF_CORE_FD_MAP_H
