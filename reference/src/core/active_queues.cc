#include "active_queues.h"

#include <new>

namespace evref {

bool ActiveQueues::reset(int n) noexcept {
  if (n_ != 0 || n < 1) return false;
  try {
    queues_.assign(static_cast<size_t>(n), Queue{});
  } catch (const std::bad_alloc&) {
    return false;
  }
  return true;
}

ActiveQueues::Queue* ActiveQueues::first_nonempty(int* priority) noexcept {
  for (Queue& q : queues_) {
    if (q.head == nullptr) continue;
    *priority = static_cast<int>(&q - queues_.data());
    return &q;
  }
  return nullptr;
}

const char* ActiveQueues::check_invariants() const noexcept {
  size_t n = 0;
  for (size_t p = 0; p < queues_.size(); ++p) {
    const Event* prev = nullptr;
    for (const Event* ev = queues_[p].head; ev; prev = ev, ev = ev->active_next, ++n) {
      if (ev->active_prev != prev) return "an active queue's back link is wrong";
      if (!(ev->state & Event::kActive)) return "a queued event is not marked active";
      if (static_cast<size_t>(std::min<int>(ev->priority, priorities() - 1)) != p)
        return "an event is queued under another priority";
    }
    if (queues_[p].tail != prev) return "an active queue's tail is not its last event";
  }
  return n == n_ ? nullptr : "the active count differs from the queues";
}

}  // namespace evref
