// The opaque libevent handles as the reference defines them: each is the
// core object itself. Shared by the C facades (event.cc, listener.cc, ...).
#ifndef EVREF_FACADE_H
#define EVREF_FACADE_H

#include <event2/event.h>
#include <event2/event_struct.h>

#include <new>

#include "core/event_base.h"

struct event_base final : evref::Base {
  using evref::Base::Base;
};

namespace evref {

// A struct event is storage its owner provides (<event2/event_struct.h>:
// event_new's heap, or the caller's for event_assign / event_set); the
// core's Event lives in it from event_assign on. NULL maps to NULL.
static_assert(sizeof(Event) <= sizeof(::event) && alignof(Event) <= alignof(::event),
              "struct event holds an evref::Event");
inline Event* core(::event* ev) { return std::launder(reinterpret_cast<Event*>(ev)); }
inline const Event* core(const ::event* ev) {
  return std::launder(reinterpret_cast<const Event*>(ev));
}
// Constructs the core event in the storage (event_assign's first step).
inline Event* make_core(::event* ev) { return new (ev) Event(); }
inline ::event* facade(Event* ev) { return reinterpret_cast<::event*>(ev); }

}  // namespace evref

#endif  // EVREF_FACADE_H
