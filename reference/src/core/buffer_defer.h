// evbuffer_defer_callbacks: a buffer's callbacks run from an event loop.
// Apart from buffer.cc so that the buffer core links without the event core
// (the differential fuzzers build it alone).
#ifndef EVREF_CORE_BUFFER_DEFER_H
#define EVREF_CORE_BUFFER_DEFER_H

#include "buffer.h"

namespace evref {

class Base;

// A queue that runs buf's deferred callbacks from an active event on base,
// at the base's default priority (libevent: npriorities / 2); nullptr when
// memory runs out.
Buffer::CallbackQueue* new_loop_queue(Base& base, Buffer& buf) noexcept;

}  // namespace evref

#endif  // EVREF_CORE_BUFFER_DEFER_H
