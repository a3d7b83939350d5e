// evref::FilterBufferevent, after libevent 2.1.12's bufferevent_filter.c.
#include "bufferevent_filter.h"

#include <cstdint>
#include <new>

namespace evref {

FilterBufferevent::FilterBufferevent(Bufferevent& underlying, const Calls& calls, const Hooks& hooks,
                                     const Filters& filters, int options) noexcept
    : GenericBufferevent(underlying.base(), calls, options),
      underlying_(underlying),
      hooks_(hooks),
      filters_(filters) {}

FilterBufferevent* FilterBufferevent::make(Bufferevent& underlying, const Calls& calls, const Hooks& hooks,
                                           const Filters& filters, int options) noexcept {
  // UNLOCK_CALLBACKS only makes sense with DEFER_CALLBACKS (libevent's
  // bufferevent_init_common_). THREADSAFE shares the underlying's lock,
  // or makes one; libevent's bufferevent_filter_new ignores a failure to
  // make it, so without lock callbacks it returns a filter all the same.
  if ((options & (kOptDeferCallbacks | kOptUnlockCallbacks)) == kOptUnlockCallbacks) return nullptr;
  FilterBufferevent* bev = new (std::nothrow) FilterBufferevent(underlying, calls, hooks, filters, options);
  if (bev == nullptr) return nullptr;
  if (!bev->init() || (bev->output_cb_ = bev->output().add_core_cb(output_added, bev)) == nullptr) {
    delete bev;  // not linked yet: the underlying is untouched
    return nullptr;
  }
  // Linked as in libevent: our callbacks on the underlying, a reference on
  // it, both directions enabled there, its reading suspended until ours is
  // enabled (a new bufferevent starts with EV_WRITE only).
  if (options & kOptThreadsafe) bev->enable_locking(nullptr);
  bev->linked_ = true;
  underlying.set_callbacks({hooks.underlying_read, hooks.underlying_write, hooks.underlying_event, bev});
  underlying.incref();
  underlying.suspend_read(kSuspendFilter);
  underlying.enable(kRead | kWrite);
  return bev;
}

// libevent's be_filter_unlink and be_filter_destruct, then the decref of
// the underlying (bufferevent_finalize_cb_). With CLOSE_ON_FREE the user's
// reference on the underlying goes too, unless the user already freed it
// (libevent warns "too few references" then and frees nothing more).
FilterBufferevent::~FilterBufferevent() {
  if (!linked_) return;
  if (options_ & kOptCloseOnFree) {
    if (underlying_.refcnt >= 2) underlying_.release();
  } else {
    const Callbacks& cbs = underlying_.callbacks();
    if (cbs.event == hooks_.underlying_event && cbs.arg == this) underlying_.set_callbacks({});
    underlying_.unsuspend_read(kSuspendFilter);
  }
  if (filters_.free_context) filters_.free_context(filters_.ctx);
  underlying_.decref();
}

// Our reading is the underlying's (be_filter_enable / be_filter_disable),
// and enabling a direction arms its timeout anew. Bytes the underlying read
// while our input was at its high watermark wait in its input: pull them
// now (libevent's inbuf callback does it when the user drains our input),
// from the loop, so that a drain inside our read callback does not call it
// again from within.
int FilterBufferevent::start_io(short what) noexcept {
  if (what & kWrite) restart_timer(kWrite);
  if (!(what & kRead)) return 0;
  restart_timer(kRead);
  underlying_.unsuspend_read(kSuspendFilter);
  if (underlying_.input().length() > 0) underlying_.trigger(kRead, kTrigDeferCallbacks);
  return 0;
}

void FilterBufferevent::stop_io(short what) noexcept {
  if (what & kWrite) stop_timer(kWrite);
  if (!(what & kRead)) return;
  stop_timer(kRead);
  underlying_.suspend_read(kSuspendFilter);
}

// A null filter moves everything it may (libevent's be_null_filter), and
// says BEV_NEED_MORE when there is nothing to move, so that a flush of
// empty buffers returns 0 ("no data was produced", bufferevent.h), where
// libevent 2.1.12's returns BEV_OK and the flush 1.
int FilterBufferevent::run(Fn filter, Buffer& src, Buffer& dst, ssize_t limit, int mode) noexcept {
  if (filter) return hooks_.run(filter, src, dst, limit, mode, filters_.ctx);
  if (src.length() == 0) return kNeedMore;
  return src.remove_buffer(dst, limit < 0 ? SIZE_MAX : static_cast<size_t>(limit)) >= 0 ? kOk : kError;
}

// In BEV_NORMAL mode a full buffer stops the filter; flushes go on.
bool FilterBufferevent::input_full(int mode) noexcept {
  size_t high = 0;
  get_watermark(kRead, nullptr, &high);
  return mode == kFlushNormal && high != 0 && input().length() >= high;
}

bool FilterBufferevent::underlying_output_full(int mode) const noexcept {
  size_t high = 0;
  underlying_.get_watermark(kWrite, nullptr, &high);
  return mode == kFlushNormal && high != 0 && underlying_.output().length() >= high;
}

// The input filter, from the underlying's input into ours, while reading
// is enabled and our input is under its high watermark, whose room is the
// filter's dst_limit (be_filter_process_input).
int FilterBufferevent::process_input(int mode, bool& processed) noexcept {
  if (mode == kFlushNormal && (!(enabled() & kRead) || input_full(mode))) return kOk;
  int res;
  do {
    size_t high = 0;
    get_watermark(kRead, nullptr, &high);
    const ssize_t limit = mode == kFlushNormal && high ? static_cast<ssize_t>(high - input().length()) : -1;
    res = run(filters_.input, underlying_.input(), input(), limit, mode);
    if (res == kOk) processed = true;
  } while (res == kOk && (enabled() & kRead) && underlying_.input().length() && !input_full(mode));
  if (processed) restart_timer(kRead);
  return res;
}

// The output filter, from our output into the underlying's, and our write
// callback after each round that moved data (be_filter_process_output).
// Our output callback is off meanwhile: what the user writes from the
// write callback goes in the next round.
int FilterBufferevent::process_output(int mode, bool& processed) noexcept {
  auto more = [&] { return (enabled() & kWrite) && output().length() && !underlying_output_full(mode); };
  if (mode == kFlushNormal && !more()) return kOk;
  Buffer::cb_clear_flags(*output_cb_, Buffer::kCbEnabled);
  int res = kOk;
  bool again = false;
  do {
    bool any = false;
    do {
      size_t high = 0;
      underlying_.get_watermark(kWrite, nullptr, &high);
      const size_t have = underlying_.output().length();
      const ssize_t limit = mode == kFlushNormal && high ? static_cast<ssize_t>(high - have) : -1;
      res = run(filters_.output, output(), underlying_.output(), limit, mode);
      if (res == kOk) any = processed = true;
    } while (res == kOk && more());
    if (any) deliver(kWrite, 0);
    again = any && res == kOk && more();
  } while (again);
  Buffer::cb_set_flags(*output_cb_, Buffer::kCbEnabled);
  if (processed) restart_timer(kWrite);
  return res;
}

void FilterBufferevent::output_added(Buffer&, const CbInfo& info, void* arg) {
  if (info.n_added == 0) return;
  FilterBufferevent* bev = static_cast<FilterBufferevent*>(arg);
  Hold hold(bev);
  bool processed = false;
  bev->process_output(kFlushNormal, processed);
}

// libevent ignores the filters' BEV_ERROR here ("XXXX use return value"):
// nothing reaches the user; the filter runs again on the next bytes.
void FilterBufferevent::on_underlying_read() noexcept {
  Hold hold(this);
  bool processed = false;
  process_input(kFlushNormal, processed);
  if (processed) deliver(kRead, 0);
}

void FilterBufferevent::on_underlying_write() noexcept {
  Hold hold(this);
  bool processed = false;
  process_output(kFlushNormal, processed);
}

void FilterBufferevent::on_underlying_event(short what) noexcept { deliver_event(what, 0); }

// bufferevent_flush: the filters run in `mode` whatever the watermarks, no
// read callback follows (be_filter_flush), and the underlying is flushed
// in turn. 1 when a filter returned BEV_OK.
int FilterBufferevent::flush(short iotype, int mode) noexcept {
  Hold hold(this);
  bool processed = false;
  if (iotype & kRead) process_input(mode, processed);
  if (iotype & kWrite) process_output(mode, processed);
  underlying_.flush(iotype, mode);
  return processed ? 1 : 0;
}

}  // namespace evref
