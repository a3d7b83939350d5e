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
enum : int { kFlagIgnoreEnv = 0x02, kFlagNoCacheTime = 0x08 };

using Callback = void (*)(int fd, short what, void* arg);

class Base;

struct Event {
  enum State : uint8_t { kInit = 0x80, kInserted = 0x01, kTimerSet = 0x02, kActive = 0x04 };
  enum Kind : uint8_t { kPlain, kPersistent, kSignalled };

  Base* base = nullptr;
  Callback cb = nullptr;
  void* arg = nullptr;
  int fd = -1;
  short events = 0;  // what the user asked for
  short res = 0;     // why it is active
  uint8_t state = 0;
  uint8_t kind = kPlain;
  int priority = 0;
  // Signal events: calls still to make in this activation.
  short ncalls = 0;
  Micros deadline = 0;  // absolute, monotonic
  Micros interval = 0;  // EV_PERSIST: the timeout to re-arm with (0: none)
  uint64_t seq = 0;     // orders equal deadlines first-added-first
  size_t heap_index = 0;
  Event* active_prev = nullptr;
  Event* active_next = nullptr;
  Event* io_prev = nullptr;  // the fd's (or signal's) list of events
  Event* io_next = nullptr;
};

}  // namespace evref

#endif  // EVREF_CORE_EVENT_TYPES_H
