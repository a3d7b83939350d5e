// evref::Bufferevent: the rules every kind shares, after libevent 2.1.12's
// bufferevent.c.
#include "bufferevent.h"

#include <algorithm>
#include <cerrno>

#include "event_base.h"

namespace evref {

Bufferevent::Bufferevent(Base& base, const Calls& calls, int options) noexcept
    : options_(options), calls_(calls), ratelim_(*this, base) {
  face_.ev_base = &base;
  face_.enabled = kWrite;  // libevent's bufferevent_init_common_
  face_.owner = this;
  Base::assign(deferred_, &base, -1, 0, run_deferred, this);
}

bool Bufferevent::init() noexcept {
  face_.input = calls_.new_buffer();
  face_.output = calls_.new_buffer();
  return face_.input != nullptr && face_.output != nullptr;
}

Bufferevent::~Bufferevent() {
  base().del(deferred_, Base::kDelNoBlock);
  if (face_.input) calls_.free_buffer(face_.input);
  if (face_.output) calls_.free_buffer(face_.output);
  if (own_lock_) thread::free_lock(lock_, thread::kRecursive);
}

void Bufferevent::release() noexcept {
  thread::lock(lock_);
  set_callbacks(Callbacks{});
  unlock_and_drop(lock_);
}

bool Bufferevent::unlock_and_drop(void* lock) noexcept {
  if (refcnt > 1) {
    --refcnt;
    thread::unlock(lock);
    return false;
  }
  thread::unlock(lock);
  return Refs::drop(this);
}

bool Bufferevent::enable_locking(void* lock) noexcept {
  if (lock_ != nullptr) return false;
  Bufferevent* under = underlying();
  if (lock == nullptr && under != nullptr && under->lock_ != nullptr) lock = under->lock_;
  own_lock_ = lock == nullptr;
  lock_ = own_lock_ ? thread::alloc_lock(thread::kRecursive) : lock;
  if (lock_ == nullptr) return false;
  face_.input->enable_locking(lock_);
  face_.output->enable_locking(lock_);
  if (under != nullptr && under->lock_ == nullptr) under->enable_locking(lock_);
  return true;
}

void Bufferevent::set_callbacks(const Callbacks& cbs) noexcept {
  face_.readcb = cbs.read;
  face_.writecb = cbs.write;
  face_.errorcb = cbs.event;
  face_.cbarg = cbs.arg;
}

int Bufferevent::enable(short what) noexcept {
  Hold hold(this);
  short now = what;
  if (read_suspended_) now &= ~kRead;
  if (write_suspended_) now &= ~kWrite;
  face_.enabled |= what;
  return now && start_io(now) != 0 ? -1 : 0;
}

int Bufferevent::disable(short what) noexcept {
  face_.enabled &= ~what;
  stop_io(what);
  return 0;
}

const Micros* Bufferevent::timeout(short dir) const noexcept {
  const std::optional<Micros>& t = dir == kRead ? timeout_read_ : timeout_write_;
  return t ? &*t : nullptr;
}

// libevent keeps the timevals as given; a zero one is no timeout
// (evutil_timerisset).
int Bufferevent::set_timeouts(const timeval* read, const timeval* write) noexcept {
  face_.timeout_read = read ? *read : timeval{};
  face_.timeout_write = write ? *write : timeval{};
  const auto as_timer = [](const timeval& tv) -> std::optional<Micros> {
    if (tv.tv_sec == 0 && tv.tv_usec == 0) return std::nullopt;
    return saturated_micros(tv);
  };
  timeout_read_ = as_timer(face_.timeout_read);
  timeout_write_ = as_timer(face_.timeout_write);
  return adjust_timeouts();
}

bool Bufferevent::rebase(Base& base) noexcept {
  if (deferred_scheduled_ || !ratelim_.idle()) return false;
  face_.ev_base = &base;
  Base::assign(deferred_, face_.ev_base, -1, 0, run_deferred, this);
  ratelim_.rebind();
  return true;
}

int Bufferevent::set_priority(int pri) noexcept {
  if (set_io_priority(pri) != 0) return -1;
  base().set_priority(deferred_, pri);
  return 0;
}

// ------------------------------------------------------------ watermarks

void Bufferevent::set_watermark(short events, size_t low, size_t high) noexcept {
  if (events & kWrite) {
    face_.wm_write.low = low;
    face_.wm_write.high = high;
  }
  if (!(events & kRead)) return;
  face_.wm_read.low = low;
  face_.wm_read.high = high;
  if (high == 0) {
    if (read_wm_cb_) Buffer::cb_clear_flags(*read_wm_cb_, Buffer::kCbEnabled);
    unsuspend_read();
    return;
  }
  if (read_wm_cb_ == nullptr) read_wm_cb_ = face_.input->add_core_cb(input_watermark, this);
  if (read_wm_cb_) Buffer::cb_set_flags(*read_wm_cb_, Buffer::kCbEnabled);
  if (face_.input->length() >= high) suspend_read();
  else unsuspend_read();
}

int Bufferevent::get_watermark(short events, size_t* low, size_t* high) const noexcept {
  if (events != kRead && events != kWrite) return -1;
  if (low) *low = events == kRead ? face_.wm_read.low : face_.wm_write.low;
  if (high) *high = events == kRead ? face_.wm_read.high : face_.wm_write.high;
  return 0;
}

// Unsigned, unlike libevent 2.1.12's ev_ssize_t room, which is negative for
// a high watermark above SSIZE_MAX, so that it never reads; bufferevent.h
// stops reading only beyond the high watermark.
size_t Bufferevent::read_room(size_t want) const noexcept {
  if (face_.wm_read.high == 0) return want;
  const size_t len = face_.input->length();
  return len >= face_.wm_read.high ? 0 : std::min(want, face_.wm_read.high - len);
}

// libevent's bufferevent_suspend_read_ / _write_ and the unsuspends.
void Bufferevent::suspend(short dir, uint8_t why) noexcept {
  uint8_t& flags = dir == kRead ? read_suspended_ : write_suspended_;
  if (!flags) stop_io(dir);
  flags |= why;
}

void Bufferevent::unsuspend(short dir, uint8_t why) noexcept {
  uint8_t& flags = dir == kRead ? read_suspended_ : write_suspended_;
  flags &= ~why;
  if (!flags && (face_.enabled & dir)) start_io(dir);
}

void Bufferevent::input_watermark(Buffer& buf, const CbInfo&, void* arg) {
  Bufferevent* bev = static_cast<Bufferevent*>(arg);
  if (buf.length() >= bev->face_.wm_read.high) bev->suspend_read();
  else bev->unsuspend_read();
}

// Input still at or above the high watermark after the read callback:
// call it again (deferred) so the user can drain it.
void Bufferevent::check_read_high_watermark() noexcept {
  if (face_.wm_read.high == 0 || !(face_.enabled & kRead)) return;
  if (face_.input->length() < face_.wm_read.high) return;
  deliver(kRead, kOptDeferCallbacks);
}

// ------------------------------------------------------------ callbacks

void Bufferevent::call_read() noexcept {
  if (Refs::call(this, kRead, calls_.data, *this, face_.readcb, face_.cbarg) == After::kLive) check_read_high_watermark();
}

void Bufferevent::call_write() noexcept { Refs::call(this, 0, calls_.data, *this, face_.writecb, face_.cbarg); }

void Bufferevent::call_event(short what) noexcept { Refs::call(this, 0, calls_.event, *this, face_.errorcb, what, face_.cbarg); }

void Bufferevent::schedule_deferred() noexcept {
  if (deferred_scheduled_) return;
  deferred_scheduled_ = true;
  Refs::take(this);  // released by run_deferred
  base().activate(deferred_, kTimeout, 1);
}

void Bufferevent::deliver(short iotype, int options) noexcept {
  const bool ignore = options & kTrigIgnoreWatermarks;
  if ((iotype & kRead) && face_.readcb && (ignore || face_.input->length() >= face_.wm_read.low)) {
    if (deferring(options)) {
      readcb_pending_ = true;
      schedule_deferred();
    } else {
      call_read();
    }
  }
  if ((iotype & kWrite) && face_.writecb && (ignore || face_.output->length() <= face_.wm_write.low)) {
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
  if (face_.errorcb == nullptr) return;
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
  void* const lock = bev->lock_;
  thread::lock(lock);
  bev->deferred_scheduled_ = false;
  if ((bev->eventcb_pending_ & kEvConnected) && bev->face_.errorcb) {
    bev->eventcb_pending_ &= ~kEvConnected;
    bev->call_event(kEvConnected);
  }
  if (bev->readcb_pending_ && bev->face_.readcb) {
    bev->readcb_pending_ = false;
    bev->call_read();
  }
  if (bev->writecb_pending_ && bev->face_.writecb) {
    bev->writecb_pending_ = false;
    bev->call_write();
  }
  if (bev->eventcb_pending_ && bev->face_.errorcb) {
    const short what = bev->eventcb_pending_;
    errno = bev->errno_pending_;
    bev->eventcb_pending_ = 0;
    bev->errno_pending_ = 0;
    bev->call_event(what);
  }
  bev->unlock_and_drop(lock);
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
