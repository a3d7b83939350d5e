// evref::debug — event_enable_debug_mode's bookkeeping (event.h).
//
// In debug mode libevent remembers every event that is set up (assigned,
// not yet freed or unassigned) and whether it is added, and ends the
// process (log an error, then the fatal callback or abort(): log.h fatal
// with kAbort) when a call misuses one. The header names the two misuses:
// "An event is re-assigned while it is added" and "Any function is called
// on a non-assigned event". The map is keyed by the event's address, so a
// copy of an assigned struct event is not assigned. Process-wide, like
// libevent's global_debug_map.
#ifndef EVREF_CORE_DEBUG_MAP_H
#define EVREF_CORE_DEBUG_MAP_H

namespace evref {
namespace debug {

// event_enable_debug_mode: a fatal error (code 1) when called twice or after
// any base or event was made (libevent's event_debug_mode_too_late).
void enable() noexcept;
bool enabled() noexcept;
void mark_too_late() noexcept;  // a base or an event now exists

// The notes, after libevent's event_debug_note_*_ (each marks too late).
void note_setup(const void* ev) noexcept;     // event_assign
void note_teardown(const void* ev) noexcept;  // event_free, event_debug_unassign, a finalizer ran
void note_add(const void* ev) noexcept;       // fatal unless set up
void note_del(const void* ev) noexcept;       // fatal unless set up
// The loop's own deletions (a callback about to run, an expired timer, the
// base going): no longer added, if tracked (once-events are not).
void note_deleted(const void* ev) noexcept;

// The checks: fatal (kAbort) when in debug mode and they fail.
void assert_setup(const void* ev, const char* func) noexcept;
void assert_not_added(const void* ev, const char* func) noexcept;
// libevent's event_debug_assert_socket_nonblocking_: an open fd given to
// event_assign for I/O must be nonblocking.
void assert_nonblocking(int fd) noexcept;

}  // namespace debug
}  // namespace evref

#endif  // EVREF_CORE_DEBUG_MAP_H
