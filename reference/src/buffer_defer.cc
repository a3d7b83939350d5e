// evbuffer_defer_callbacks (<event2/buffer.h>), apart from buffer.cc: it is
// the one buffer entry that needs the event core, and buffer.cc also builds
// alone with the buffer core (the ClusterFuzzLite targets).
#include <event2/buffer.h>

#include "core/buffer_defer.h"
#include "core/thread.h"
#include "facade.h"

extern "C" int evbuffer_defer_callbacks(evbuffer* buffer, event_base* base) {
  if (buffer == nullptr || base == nullptr) return -1;
  const evref::thread::Locked held(buffer->lock());
  evref::Buffer::CallbackQueue* queue = evref::new_loop_queue(*base, *buffer);
  if (queue == nullptr) return -1;
  buffer->defer_callbacks(queue);
  return 0;
}
