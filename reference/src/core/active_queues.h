// evref::ActiveQueues — the events waiting for their callback, one FIFO
// queue per priority (lower numbers first), as libevent 2.1's
// activequeues. An event is in at most one queue: that of its priority.
#ifndef EVREF_CORE_ACTIVE_QUEUES_H
#define EVREF_CORE_ACTIVE_QUEUES_H

#include <algorithm>
#include <vector>

#include "event_types.h"

namespace evref {

class ActiveQueues {
 public:
  struct Queue {
    Event* head = nullptr;
    Event* tail = nullptr;
  };

  ActiveQueues() : queues_(1) {}
  int priorities() const noexcept { return static_cast<int>(queues_.size()); }
  // event_base_priority_init: n queues; only while none is in use.
  bool reset(int n) noexcept;
  size_t size() const noexcept { return n_; }
  const Queue& queue(int priority) const noexcept { return queues_[priority]; }

  // Appends ev to its priority's queue and marks it active.
  void push(Event& ev) noexcept {
    Queue& q = queue_of(ev);
    ev.active_next = nullptr;
    ev.active_prev = q.tail;
    (q.tail ? q.tail->active_next : q.head) = &ev;
    q.tail = &ev;
    ev.state |= Event::kActive;
    ++n_;
  }
  void remove(Event& ev) noexcept {
    Queue& q = queue_of(ev);
    (ev.active_prev ? ev.active_prev->active_next : q.head) = ev.active_next;
    (ev.active_next ? ev.active_next->active_prev : q.tail) = ev.active_prev;
    ev.active_prev = ev.active_next = nullptr;
    ev.state &= ~Event::kActive;
    --n_;
  }
  // The most urgent non-empty queue and its priority, or nullptr.
  Queue* first_nonempty(int* priority) noexcept;

  const char* check_invariants() const noexcept;

 private:
  // An event's queue; a priority beyond the range (after priority_init
  // shrank it) uses the lowest.
  Queue& queue_of(const Event& ev) noexcept {
    return queues_[std::min<int>(ev.priority, priorities() - 1)];
  }

  std::vector<Queue> queues_;
  size_t n_ = 0;  // events queued
};

}  // namespace evref

#endif  // EVREF_CORE_ACTIVE_QUEUES_H
