#include "timer_heap.h"

#include <new>

namespace evref {

bool TimerHeap::push(Event& ev) noexcept {
  try {
    heap_.push_back(&ev);
  } catch (const std::bad_alloc&) {
    return false;
  }
  ev.heap_index = heap_.size() - 1;
  sift_up(ev.heap_index);
  return true;
}

void TimerHeap::remove(Event& ev) noexcept {
  const size_t i = ev.heap_index;
  Event* last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;
  place(i, last);
  sift_up(i);
  sift_down(last->heap_index);
}

void TimerHeap::sift_up(size_t i) noexcept {
  Event* ev = heap_[i];
  while (i > 0) {
    const size_t parent = (i - 1) / 2;
    if (!earlier(ev, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, ev);
}

void TimerHeap::sift_down(size_t i) noexcept {
  Event* ev = heap_[i];
  const size_t n = heap_.size();
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && earlier(heap_[child + 1], heap_[child])) ++child;
    if (!earlier(heap_[child], ev)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, ev);
}

const char* TimerHeap::check_invariants() const noexcept {
  for (size_t i = 0; i < heap_.size(); ++i) {
    if (heap_[i]->heap_index != i) return "an event's heap_index is not its place";
    if (!(heap_[i]->state & Event::kTimerSet)) return "an event in the heap has no timer set";
    if (i > 0 && earlier(heap_[i], heap_[(i - 1) / 2])) return "a child is earlier than its parent";
  }
  return nullptr;
}

}  // namespace evref
