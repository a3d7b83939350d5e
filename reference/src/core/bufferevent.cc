// evref::Bufferevent: the rules every kind shares, after libevent 2.1.12's
// bufferevent.c.
#include "bufferevent.h"

#include <algorithm>
#include <cerrno>

#include "event_base.h"

namespace evref {

Bufferevent::Bufferevent(Base& base, const Calls& calls, int options) noexcept
    : base_(base), options_(options), calls_(calls) {
  Base::assign(deferred_, &base, -1, 0, run_deferred, this);
}

bool Bufferevent::init() noexcept {
  input_ = calls_.new_buffer();
  output_ = calls_.new_buffer();
  return input_ != nullptr && output_ != nullptr;
}

Bufferevent::~Bufferevent() {
  base_.del(deferred_);
  if (input_) calls_.free_buffer(input_);
  if (output_) calls_.free_buffer(output_);
}

void Bufferevent::release() noexcept {
  cbs_ = Callbacks{};
  Refs::drop(this);
}

int Bufferevent::enable(short what) noexcept {
  Hold hold(this);
  short now = what;
  if (read_suspended_) now &= ~kRead;
  enabled_ |= what;
  return now && start_io(now) != 0 ? -1 : 0;
}

int Bufferevent::disable(short what) noexcept {
  enabled_ &= ~what;
  stop_io(what);
  return 0;
}

const Micros* Bufferevent::timeout(short dir) const noexcept {
  const std::optional<Micros>& t = dir == kRead ? timeout_read_ : timeout_write_;
  return t ? &*t : nullptr;
}

int Bufferevent::set_timeouts(const Micros* read, const Micros* write) noexcept {
  timeout_read_.reset();
  timeout_write_.reset();
  if (read) timeout_read_ = *read;
  if (write) timeout_write_ = *write;
  return adjust_timeouts();
}

int Bufferevent::set_priority(int pri) noexcept {
  if (set_io_priority(pri) != 0) return -1;
  base_.set_priority(deferred_, pri);
  return 0;
}

// ------------------------------------------------------------ watermarks

void Bufferevent::set_watermark(short events, size_t low, size_t high) noexcept {
  if (events & kWrite) {
    wm_write_low_ = low;
    wm_write_high_ = high;
  }
  if (!(events & kRead)) return;
  wm_read_low_ = low;
  wm_read_high_ = high;
  if (high == 0) {
    if (read_wm_cb_) Buffer::cb_clear_flags(*read_wm_cb_, Buffer::kCbEnabled);
    unsuspend_read();
    return;
  }
  if (read_wm_cb_ == nullptr) read_wm_cb_ = input_->add_core_cb(input_watermark, this);
  if (read_wm_cb_) Buffer::cb_set_flags(*read_wm_cb_, Buffer::kCbEnabled);
  if (input_->length() >= high) suspend_read();
  else unsuspend_read();
}

int Bufferevent::get_watermark(short events, size_t* low, size_t* high) const noexcept {
  if (events != kRead && events != kWrite) return -1;
  if (low) *low = events == kRead ? wm_read_low_ : wm_write_low_;
  if (high) *high = events == kRead ? wm_read_high_ : wm_write_high_;
  return 0;
}

// Unsigned, unlike libevent 2.1.12's ev_ssize_t room, which is negative for
// a high watermark above SSIZE_MAX, so that it never reads; bufferevent.h
// stops reading only beyond the high watermark.
size_t Bufferevent::read_room(size_t want) const noexcept {
  if (wm_read_high_ == 0) return want;
  const size_t len = input_->length();
  return len >= wm_read_high_ ? 0 : std::min(want, wm_read_high_ - len);
}

void Bufferevent::suspend_read(unsigned why) noexcept {
  if (!read_suspended_) stop_io(kRead);
  read_suspended_ |= why;
}

void Bufferevent::unsuspend_read(unsigned why) noexcept {
  read_suspended_ &= ~why;
  if (!read_suspended_ && (enabled_ & kRead)) start_io(kRead);
}

void Bufferevent::input_watermark(Buffer& buf, const CbInfo&, void* arg) {
  Bufferevent* bev = static_cast<Bufferevent*>(arg);
  if (buf.length() >= bev->wm_read_high_) bev->suspend_read();
  else bev->unsuspend_read();
}

// Input still at or above the high watermark after the read callback:
// call it again (deferred) so the user can drain it.
void Bufferevent::check_read_high_watermark() noexcept {
  if (wm_read_high_ == 0 || !(enabled_ & kRead)) return;
  if (input_->length() < wm_read_high_) return;
  deliver(kRead, kOptDeferCallbacks);
}

// ------------------------------------------------------------ callbacks

void Bufferevent::call_read() noexcept {
  if (Refs::call(this, kRead, calls_.data, *this, cbs_.read, cbs_.arg) == After::kLive) check_read_high_watermark();
}

void Bufferevent::call_write() noexcept { Refs::call(this, 0, calls_.data, *this, cbs_.write, cbs_.arg); }

void Bufferevent::call_event(short what) noexcept { Refs::call(this, 0, calls_.event, *this, cbs_.event, what, cbs_.arg); }

void Bufferevent::schedule_deferred() noexcept {
  if (deferred_scheduled_) return;
  deferred_scheduled_ = true;
  Refs::take(this);  // released by run_deferred
  base_.activate(deferred_, kTimeout, 1);
}

void Bufferevent::deliver(short iotype, int options) noexcept {
  const bool ignore = options & kTrigIgnoreWatermarks;
  if ((iotype & kRead) && cbs_.read && (ignore || input_->length() >= wm_read_low_)) {
    if (deferring(options)) {
      readcb_pending_ = true;
      schedule_deferred();
    } else {
      call_read();
    }
  }
  if ((iotype & kWrite) && cbs_.write && (ignore || output_->length() <= wm_write_low_)) {
    if (deferring(options)) {
      writecb_pending_ = true;
      schedule_deferred();
    } else {
      call_write();
    }
  }
}

// errno is the event's error: deferred delivery saves and restores it.
void Bufferevent::deliver_event(short what, int options) noexcept {
  if (cbs_.event == nullptr) return;
  if (!deferring(options)) {
    call_event(what);
    return;
  }
  eventcb_pending_ |= what;
  errno_pending_ = errno;
  schedule_deferred();
}

// Deferred callbacks, in libevent's order: a connect first, then read,
// write, and the other events with their saved errno.
void Bufferevent::run_deferred(int, short, void* arg) {
  Bufferevent* bev = static_cast<Bufferevent*>(arg);
  bev->deferred_scheduled_ = false;
  if ((bev->eventcb_pending_ & kEvConnected) && bev->cbs_.event) {
    bev->eventcb_pending_ &= ~kEvConnected;
    bev->call_event(kEvConnected);
  }
  if (bev->readcb_pending_ && bev->cbs_.read) {
    bev->readcb_pending_ = false;
    bev->call_read();
  }
  if (bev->writecb_pending_ && bev->cbs_.write) {
    bev->writecb_pending_ = false;
    bev->call_write();
  }
  if (bev->eventcb_pending_ && bev->cbs_.event) {
    const short what = bev->eventcb_pending_;
    errno = bev->errno_pending_;
    bev->eventcb_pending_ = 0;
    bev->errno_pending_ = 0;
    bev->call_event(what);
  }
  Refs::drop(bev);
}

void Bufferevent::trigger(short iotype, int options) noexcept {
  Hold hold(this);
  deliver(iotype, options & (kTrigIgnoreWatermarks | kTrigDeferCallbacks));
}

void Bufferevent::trigger_event(short what, int options) noexcept {
  Hold hold(this);
  deliver_event(what, options & (kTrigIgnoreWatermarks | kTrigDeferCallbacks));
}

}  // namespace evref
