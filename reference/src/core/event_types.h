// evref::Event and the EV_* / EVLOOP_* values the event core works with.
//
// An Event is plain data owned by its user (event_new's heap block or the
// caller's own storage for event_assign); a Base links it into at most four
// places: its fd's (or signal's) list (FdMap, SignalMap), the timer heap
// (TimerHeap), and the active queue of its priority (ActiveQueues). Its
// state bits say which.
#ifndef EVREF_CORE_EVENT_TYPES_H
#define EVREF_CORE_EVENT_TYPES_H

#include <cstddef>
#include <cstdint>

#include "clock.h"

namespace evref {

// The EV_* flag values (event2/event.h).
enum : short {
  kTimeout = 0x01,
  kRead = 0x02,
  kWrite = 0x04,
  kSignal = 0x08,
  kPersist = 0x10,
  kEdge = 0x20,
  kFinalize = 0x40,
  kClosed = 0x80,
};

// enum event_method_feature: EV_FEATURE_ET.
enum : int { kFeatureEdge = 0x01 };

// The EVLOOP_* flags and event_base_config_flag bits used here.
enum : int { kLoopOnce = 0x01, kLoopNonblock = 0x02, kLoopNoExitOnEmpty = 0x04 };
enum : int { kFlagNoLock = 0x01, kFlagIgnoreEnv = 0x02, kFlagNoCacheTime = 0x08 };

using Callback = void (*)(int fd, short what, void* arg);

}  // namespace evref

// event_finalize's callback takes the public struct event (the storage an
// Event lives in, facade.h), so the loop calls the user's function with the
// type it was written for.
struct event;

namespace evref {

using Finalizer = void (*)(::event* ev, void* arg);

class Base;

// The fields sit where libevent 2.1's public struct event
// (<event2/event_struct.h>) keeps theirs, so that programs reading ev_base,
// ev_fd, ev_events, ev_res, evcb_flags, evcb_pri, the callback or its
// argument see what libevent would show: the state bits are libevent's
// EVLIST_* values, the kinds its closure numbers. The facade checks every
// offset (facade.h). The rest is the reference's own bookkeeping, in the
// slots libevent uses for its own.
struct Event {
  enum State : uint8_t {
    kTimerSet = 0x01,
    kInserted = 0x02,
    kActive = 0x08,
    kFinalizing = 0x40,  // event_finalize: only its finalizer is left to run
    kInit = 0x80
  };
  // libevent's closure numbers (EV_CLOSURE_EVENT ... _EVENT_FINALIZE_FREE).
  enum Kind : uint8_t {
    kPlain = 0,
    kSignalled = 1,
    kPersistent = 2,
    kFinalizer = 5,  // not EV_FINALIZE (the flag kFinalize above)
    kFinalizerFree = 6
  };

  Event* active_next = nullptr;  // ev_evcallback.evcb_active_next
  Event* active_prev = nullptr;
  uint16_t state = 0;            // evcb_flags
  uint8_t priority = 0;          // evcb_pri (EVENT_MAX_PRIORITIES is 256)
  uint8_t kind = kPlain;         // evcb_closure
  union {                        // evcb_cb_union
    Callback cb = nullptr;       //   .evcb_callback
    Finalizer finalizer;         //   .evcb_evfinalize, from event_finalize on
  };
  void* arg = nullptr;           // evcb_arg
  size_t heap_index = 0;         // ev_timeout_pos
  uint64_t seq = 0;              // orders equal deadlines first-added-first
  int fd = -1;                   // ev_fd
  short ncalls = 0;              // signal events: calls still to make in this activation
  Base* base = nullptr;          // ev_base
  Event* io_next = nullptr;      // ev_.ev_io.ev_io_next: the fd's (or signal's) list
  Event* io_prev = nullptr;
  Micros interval = 0;           // ev_.ev_io.ev_timeout: EV_PERSIST's timeout (0: none)
  uint64_t spare_ = 0;           // the rest of ev_.ev_io.ev_timeout
  short events = 0;              // ev_events: what the user asked for
  short res = 0;                 // ev_res: why it is active
  Micros deadline = 0;           // ev_timeout: absolute, monotonic
  uint64_t spare_timeout_ = 0;   // the rest of ev_timeout
};

}  // namespace evref

#endif  // EVREF_CORE_EVENT_TYPES_H
