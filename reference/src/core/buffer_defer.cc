#include "buffer_defer.h"

#include <new>

#include "event_base.h"
#include "thread.h"

namespace evref {

namespace {

class LoopQueue final : public Buffer::CallbackQueue {
 public:
  LoopQueue(Base& base, Buffer& buf) noexcept : base_(base) { Base::assign(ev_, &base, -1, 0, run, &buf); }
  ~LoopQueue() override { base_.del(ev_); }
  // Activating an active event only merges: one run however many changes.
  void schedule() noexcept override { base_.activate(ev_, kTimeout, 1); }

 private:
  // As libevent's deferred evbuffer callback: the buffer's lock held.
  static void run(int, short, void* arg) {
    Buffer* buf = static_cast<Buffer*>(arg);
    const thread::Locked held(buf->lock());
    buf->run_deferred_callbacks();
  }

  Base& base_;
  Event ev_;
};

}  // namespace

Buffer::CallbackQueue* new_loop_queue(Base& base, Buffer& buf) noexcept {
  return new (std::nothrow) LoopQueue(base, buf);
}

}  // namespace evref
