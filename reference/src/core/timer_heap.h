// evref::TimerHeap — the pending timeouts of a base: a binary min-heap
// ordered by (deadline, seq), so equal deadlines run first-added-first.
// Each event records its index, so removal is O(log n) (redis' ae.c keeps
// a list; libevent 2.1's minheap-internal.h is the model here).
#ifndef EVREF_CORE_TIMER_HEAP_H
#define EVREF_CORE_TIMER_HEAP_H

#include <vector>

#include "event_types.h"

namespace evref {

class TimerHeap {
 public:
  bool empty() const noexcept { return heap_.empty(); }
  size_t size() const noexcept { return heap_.size(); }
  Event& top() const noexcept { return *heap_.front(); }
  const Event& at(size_t i) const noexcept { return *heap_[i]; }
  Event& at(size_t i) noexcept { return *heap_[i]; }
  // false when memory runs out; the heap is then unchanged.
  bool push(Event& ev) noexcept;
  void remove(Event& ev) noexcept;
  // nullptr, or the first violation: order, or an index out of step.
  const char* check_invariants() const noexcept;

 private:
  static bool earlier(const Event* a, const Event* b) noexcept {
    return a->deadline != b->deadline ? a->deadline < b->deadline : a->seq < b->seq;
  }
  void place(size_t i, Event* ev) noexcept {
    heap_[i] = ev;
    ev->heap_index = i;
  }
  void sift_up(size_t i) noexcept;
  void sift_down(size_t i) noexcept;

  std::vector<Event*> heap_;
};

}  // namespace evref

#endif  // EVREF_CORE_TIMER_HEAP_H
