// The opaque libevent handles as the reference defines them: each is the
// core object itself, as a class derived from it (event_base, evbuffer) or
// as its address (Handle: evconnlistener); a bufferevent is the core's
// public struct (bufferevent_handle.h). Shared by the C
// facades (event.cc, listener.cc, ...), with the boundary rules below.
#ifndef EVREF_FACADE_H
#define EVREF_FACADE_H

#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include <cerrno>
#include <cstddef>
#include <deque>
#include <type_traits>
#include <new>
#include <utility>

#include "core/buffer.h"
#include "core/event_base.h"

struct event_base final : evref::Base {
  using evref::Base::Base;

  // event_base_init_common_timeout: a stored copy of the duration (the same
  // copy again for an equal duration, or when given one of these copies),
  // which event_add then takes like any timeval. libevent hides a queue
  // index in tv_usec to keep one list per duration; the reference's timer
  // heap needs no such hint. At most 256 (libevent's MAX_COMMON_TIMEOUTS);
  // may throw std::bad_alloc (the entry point's guard).
  const timeval* common_timeout(const timeval& duration) {
    for (const timeval& t : common_timeouts_) {
      if (&t == &duration || (t.tv_sec == duration.tv_sec && t.tv_usec == duration.tv_usec)) return &t;
    }
    if (common_timeouts_.size() >= 256) return nullptr;
    common_timeouts_.push_back(duration);
    return &common_timeouts_.back();
  }

 private:
  std::deque<timeval> common_timeouts_;  // a deque: the addresses stay put
};

// The opaque handle is the core object itself (the bufferevent facade makes
// its buffers as evbuffers too).
struct evbuffer final : evref::Buffer {
  evbuffer() noexcept : evref::Buffer(&invoke) {}

  // Calls a user callback: the function was stored type-erased by
  // evbuffer_add_cb (or evbuffer_setcb: buffer_compat.h's evbuffer_cb, told
  // the lengths before and after) and is cast back to its own type here.
  static void invoke(evref::Buffer& buf, const CbEntry& e, const evref::CbInfo& info) {
    evbuffer* self = static_cast<evbuffer*>(&buf);
    if (e.flags & kCbObsolete) {
      const size_t new_len = info.orig_size + info.n_added - info.n_deleted;
      reinterpret_cast<evbuffer_cb>(e.fn)(self, info.orig_size, new_len, e.arg);
      return;
    }
    const evbuffer_cb_info out{info.orig_size, info.n_added, info.n_deleted};
    reinterpret_cast<evbuffer_cb_func>(e.fn)(self, &out, e.arg);
  }
};


namespace evref {

// The libevent 1.4 "current" base (event_compat.h: event_init's latest,
// until freed), or NULL; event.cc keeps it, bufferevent_new uses it.
event_base* current_event_base() noexcept;

// Handles the reference never defines (evconnlistener): the C type stays
// incomplete and a handle is the address of the core object (Listener),
// cast both ways. The core makes these objects itself, so the handle cannot
// be a class derived from the core one the way event_base and evbuffer are.
template <class C, class Core>
struct Handle {
  static Core* core(C* h) noexcept { return reinterpret_cast<Core*>(h); }
  static C* handle(Core* obj) noexcept { return reinterpret_cast<C*>(obj); }
};

// An optional timeval argument as the core takes it: NULL stays NULL,
// anything else is saturated into `slot` (clock.h: saturated_micros).
inline Micros* opt_micros(const timeval* tv, Micros& slot) noexcept {
  if (tv == nullptr) return nullptr;
  slot = saturated_micros(*tv);
  return &slot;
}

// The C boundary (STYLE rule 3). Out of memory inside the reference ends in
// the value the libevent header documents for the call (-1 or NULL, errno
// ENOMEM), never in an exception crossing into C nor std::terminate. The
// layers split the work this way:
//   - core methods marked noexcept allocate only with malloc / nothrow new,
//     or catch std::bad_alloc themselves where a local answer is right
//     (FdMap::grow_to, TimerHeap::push, SignalMap::insert,
//     ActiveQueues::reset, the backends' change and wait), and leave the
//     object as it was when they fail;
//   - core code that may throw std::bad_alloc is not noexcept (Base's
//     constructor: backend choice and creation);
//   - every extern "C" entry whose body can throw std::bad_alloc (a std
//     container, a plain new, a core call that is not noexcept) runs it
//     inside guarded(): the exception becomes the call's failure value.
//     Entries that reach only noexcept core methods take the failure value
//     those return (-1 / NULL); a guard there would be dead code.
//   Either way a failed call frees what it made (RAII while an exception
//   unwinds) and leaves every object as it was.
// reference/tests/alloc_failure_test.cc checks all of this by failing the
// Nth allocation for every N.
template <class R, class F>
R guarded(R failure, F&& body) noexcept {
  try {
    return std::forward<F>(body)();
  } catch (const std::bad_alloc&) {
    errno = ENOMEM;
    return failure;
  }
}

// For the entries that return nothing (libevent gives no failure value).
template <class F>
void guarded_void(F&& body) noexcept {
  try {
    std::forward<F>(body)();
  } catch (const std::bad_alloc&) {
    errno = ENOMEM;
  }
}

// A struct event is storage its owner provides (<event2/event_struct.h>:
// event_new's heap, or the caller's for event_assign / event_set); the
// core's Event lives in it from event_assign on. NULL maps to NULL.
static_assert(sizeof(Event) == sizeof(::event) && alignof(Event) == alignof(::event),
              "struct event holds an evref::Event");
// The public fields are the core's own (event_types.h), at libevent's places.
static_assert(std::is_standard_layout<Event>::value, "Event layout");
#define EVREF_SAME_PLACE(pub, mine) static_assert(offsetof(::event, pub) == offsetof(Event, mine), #pub)
EVREF_SAME_PLACE(ev_evcallback.evcb_active_next, active_next);
EVREF_SAME_PLACE(ev_evcallback.evcb_flags, state);
EVREF_SAME_PLACE(ev_evcallback.evcb_pri, priority);
EVREF_SAME_PLACE(ev_evcallback.evcb_closure, kind);
EVREF_SAME_PLACE(ev_evcallback.evcb_cb_union.evcb_callback, cb);
EVREF_SAME_PLACE(ev_evcallback.evcb_arg, arg);
EVREF_SAME_PLACE(ev_timeout_pos, heap_index);
EVREF_SAME_PLACE(ev_fd, fd);
EVREF_SAME_PLACE(ev_base, base);
EVREF_SAME_PLACE(ev_.ev_io.ev_io_next, io_next);
EVREF_SAME_PLACE(ev_.ev_io.ev_timeout, interval);
EVREF_SAME_PLACE(ev_events, events);
EVREF_SAME_PLACE(ev_res, res);
EVREF_SAME_PLACE(ev_timeout, deadline);
#undef EVREF_SAME_PLACE
static_assert(Event::kTimerSet == EVLIST_TIMEOUT && Event::kInserted == EVLIST_INSERTED &&
                  Event::kActive == EVLIST_ACTIVE && Event::kInit == EVLIST_INIT,
              "the state bits are libevent's EVLIST_* values");
inline Event* core(::event* ev) { return std::launder(reinterpret_cast<Event*>(ev)); }
inline const Event* core(const ::event* ev) {
  return std::launder(reinterpret_cast<const Event*>(ev));
}
// Constructs the core event in the storage (event_assign's first step).
inline Event* make_core(::event* ev) { return new (ev) Event(); }
inline ::event* facade(Event* ev) { return reinterpret_cast<::event*>(ev); }
inline const ::event* facade(const Event* ev) { return reinterpret_cast<const ::event*>(ev); }

}  // namespace evref

#endif  // EVREF_FACADE_H
