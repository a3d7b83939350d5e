#include "signal_map.h"

#include <new>

namespace evref {

int SignalMap::insert(Event& ev, Backend& backend) noexcept {
  const int signo = ev.fd;
  if (signo <= 0 || signo >= SignalPipe::kMaxSignal) return -1;
  if (!watched_) {
    const int rfd = pipe_.open();
    if (rfd < 0 || backend.change(rfd, 0, kIoRead) != 0) return -1;
    watched_ = true;
  }
  if (heads_.size() <= static_cast<size_t>(signo)) {
    try {
      heads_.resize(SignalPipe::kMaxSignal, nullptr);
    } catch (const std::bad_alloc&) {
      return -1;
    }
  }
  if (heads_[signo] == nullptr && pipe_.catch_signal(signo) != 0) return -1;
  ev.io_prev = nullptr;
  ev.io_next = heads_[signo];
  if (ev.io_next) ev.io_next->io_prev = &ev;
  heads_[signo] = &ev;
  ++n_;
  return 0;
}

void SignalMap::remove(Event& ev) noexcept {
  const int signo = ev.fd;
  (ev.io_prev ? ev.io_prev->io_next : heads_[signo]) = ev.io_next;
  if (ev.io_next) ev.io_next->io_prev = ev.io_prev;
  ev.io_prev = ev.io_next = nullptr;
  --n_;
  if (heads_[signo] == nullptr) pipe_.restore(signo);
}

int SignalMap::reinit(Backend& backend) noexcept {
  if (!watched_) return 0;
  if (pipe_.reopen() < 0 || backend.change(pipe_.read_fd(), 0, kIoRead) != 0) {
    watched_ = false;
    return -1;
  }
  return 0;
}

const char* SignalMap::check_invariants() const noexcept {
  size_t n = 0;
  for (size_t signo = 0; signo < heads_.size(); ++signo) {
    const Event* prev = nullptr;
    for (const Event* ev = heads_[signo]; ev; prev = ev, ev = ev->io_next, ++n) {
      if (ev->io_prev != prev) return "a signal list's back link is wrong";
      if (ev->fd != static_cast<int>(signo)) return "an event is listed under another signal";
      if (!(ev->state & Event::kInserted)) return "a listed signal event is not inserted";
    }
  }
  return n == n_ ? nullptr : "the signal event count differs from the lists";
}

}  // namespace evref
