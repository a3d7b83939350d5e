// evref::TlsBufferevent, after libevent 2.1.12's bufferevent_openssl.c
// (the names of its functions are kept: do_read, consider_reading, ...).
#include "bufferevent_tls.h"

#include <sys/uio.h>

#include <algorithm>
#include <climits>
#include <new>

#include "bufferevent_socket.h"
#include "event_base.h"

namespace evref {

namespace {

// libevent's WRITE_FRAME is unused: do_write takes the rate limit's size.
constexpr int kReadDefault = 4096;  // READ_DEFAULT: a read without a high watermark
// What one do_read / do_write did (OP_MADE_PROGRESS, OP_BLOCKED, OP_ERR).
enum : int { kProgress = 1, kBlocked = 2, kErr = 4 };

int io_size(ssize_t n) { return static_cast<int>(std::clamp<ssize_t>(n, 0, INT_MAX)); }

}  // namespace

TlsBufferevent::TlsBufferevent(Base& base, Bufferevent* underlying, TlsSession* session, int state,
                               const Calls& calls, const Hooks& hooks, int options) noexcept
    : GenericBufferevent(base, calls, options),
      underlying_(underlying),
      session_(session),
      hooks_(hooks),
      state_(state),
      start_state_(state) {
  if (!underlying) assign_io(-1);
}

// libevent's bufferevent_openssl_new_impl. THREADSAFE makes the lock after
// the output callback, as libevent does (over an underlying, its lock).
TlsBufferevent* TlsBufferevent::make(Base& base, Bufferevent* underlying, int fd, TlsSession* session, int state,
                                     const Calls& calls, const Hooks& hooks, int options) noexcept {
  if (underlying != nullptr && fd >= 0) return nullptr;
  if ((options & (kOptDeferCallbacks | kOptUnlockCallbacks)) == kOptUnlockCallbacks) return nullptr;
  TlsBufferevent* bev = new (std::nothrow) TlsBufferevent(base, underlying, session, state, calls, hooks, options);
  if (bev == nullptr) return nullptr;
  if (!bev->init() || bev->output().add_core_cb(output_added, bev) == nullptr) {
    bev->session_ = nullptr;
    delete bev;
    return nullptr;
  }
  if (options & kOptThreadsafe) bev->enable_locking(nullptr);
  if (underlying) {
    bev->linked_ = true;
    underlying->incref();
  }
  // A failure here is libevent's bufferevent_free of the new bufferevent:
  // with CLOSE_ON_FREE its unlink frees the underlying too.
  if (bev->start(state, fd) != 0) {
    bev->session_ = nullptr;
    Refs::drop(bev);
    return nullptr;
  }
  if (underlying) {
    underlying->set_watermark(kRead, 0, 0);
    underlying->enable(kRead | kWrite);
    if (state == kOpen) underlying->suspend_read(kSuspendFilter);
  }
  return bev;
}

// be_openssl_unlink, be_openssl_destruct and the decref of the underlying.
// The session's destructor does what CLOSE_ON_FREE asks of the SSL and the
// socket; the underlying goes here, unless the user freed it already.
TlsBufferevent::~TlsBufferevent() {
  if (!underlying_) {
    base().del(ev_read_);
    base().del(ev_write_);
  } else if (linked_ && (options_ & kOptCloseOnFree)) {
    if (underlying_->refcnt >= 2) underlying_->release();
  } else if (linked_) {
    if (underlying_->callbacks().event == hooks_.underlying_event) underlying_->set_callbacks({});
    underlying_->unsuspend_read(kSuspendFilter);
  }
  delete session_;
  if (linked_) underlying_->decref();
}

int TlsBufferevent::fd() const noexcept { return underlying_ ? underlying_->fd() : ev_read_.fd; }

// ------------------------------------------------------------ states

// be_openssl_set_fd: the state's callbacks on fd.
int TlsBufferevent::start(int state, int fd) noexcept {
  state_ = state;
  switch (state) {
    case kAccepting:
    case kConnecting:
      if (!session_->begin_handshake(state)) return -1;
      return set_handshake_callbacks(fd) < 0 ? -1 : 0;
    case kOpen:
      return set_open_callbacks(fd) < 0 ? -1 : 0;
    default:
      return -1;
  }
}

// BEV_CTRL_SET_FD: the session over the new fd, from the state it began in.
int TlsBufferevent::set_fd(int fd) noexcept {
  Hold hold(this);
  if (!session_->attach(fd)) return -1;
  return start(start_state_, fd);
}

// One set of callbacks on the underlying, which look at the state, where
// libevent swaps the handshake ones for the open ones.
void TlsBufferevent::link_underlying() noexcept {
  underlying_->set_callbacks({hooks_.underlying_read, hooks_.underlying_write, hooks_.underlying_event, this});
}

void TlsBufferevent::assign_io(int fd) noexcept {
  Base::assign(ev_read_, &base(), fd, kRead | kPersist, on_event<kRead>, this);
  Base::assign(ev_write_, &base(), fd, kWrite | kPersist, on_event<kWrite>, this);
}

int TlsBufferevent::set_handshake_callbacks(int fd) noexcept {
  if (underlying_) {
    link_underlying();
    if (fd < 0) return 0;
    if (underlying_->set_fd(fd) != 0) return 1;
    return do_handshake();
  }
  base().del(ev_read_);
  base().del(ev_write_);
  assign_io(fd);
  if (fd >= 0) enable(enabled());
  return 0;
}

// The events keep being added or not across the new fd.
int TlsBufferevent::set_open_callbacks(int fd) noexcept {
  if (underlying_) {
    link_underlying();
    return 0;
  }
  const bool rpending = base().pending(ev_read_, kRead, nullptr);
  const bool wpending = base().pending(ev_write_, kWrite, nullptr);
  base().del(ev_read_);
  base().del(ev_write_);
  assign_io(fd);
  const int r1 = rpending ? add_io(ev_read_, kRead) : 0;
  const int r2 = wpending ? add_io(ev_write_, kWrite) : 0;
  return r1 < 0 || r2 < 0 ? -1 : 0;
}

int TlsBufferevent::do_handshake() noexcept {
  const TlsSession::Result r = session_->handshake();
  charge();
  switch (r.outcome) {
    case TlsSession::kDone:
      state_ = kOpen;
      set_open_callbacks(fd());
      enable(enabled());  // reads and writes what waited for the handshake
      deliver_event(kEvConnected, 0);
      return 1;
    case TlsSession::kWantWrite:
      stop_reading();
      return start_writing();
    case TlsSession::kWantRead:
      stop_writing();
      return start_reading();
    default:
      conn_closed(kEvReading, r.outcome);
      return -1;
  }
}

int TlsBufferevent::renegotiate() noexcept {
  Hold hold(this);
  if (session_->renegotiate() < 0) return -1;
  state_ = kConnecting;
  if (set_handshake_callbacks(underlying_ ? -1 : ev_read_.fd) < 0) return -1;
  return underlying_ ? 0 : do_handshake();
}

// A TLS bufferevent over a socket connects like a socket one; the
// handshake starts when the socket turns writable. libevent's connect on a
// filter would add the generic write timer as if it were a socket event:
// refused here.
int TlsBufferevent::connect(const sockaddr* sa, int socklen) noexcept {
  if (underlying_) return -1;
  Hold hold(this);
  int fd = ev_read_.fd;
  const Connecting r = start_connect(fd, sa, socklen);
  if (r == Connecting::kFailed) return -1;
  set_fd(fd);  // its failure is left for the handshake to report, as in libevent
  if (r == Connecting::kInProgress) return add_io(ev_write_, kWrite) != 0 ? -1 : 0;
  if (r == Connecting::kConnected) {
    deliver(kWrite, kOptDeferCallbacks);
  } else {
    deliver_event(kEvError, kOptDeferCallbacks);
    disable(kWrite | kRead);
  }
  return 0;
}

// ------------------------------------------------------------ wire

int TlsBufferevent::add_io(Event& ev, short dir) noexcept { return base().add(ev, timeout(dir), false); }

// Reading and writing of the wire (the underlying's reading, or the
// socket's events), each also started by the other direction's block.
// Over a socket, bytes the session decrypted before reading stopped (a
// record is read whole, past the high watermark) would wait for the socket
// to turn readable again, maybe forever: the read event runs for them now
// (libevent 2.1.12 stalls there).
int TlsBufferevent::start_reading() noexcept {
  if (underlying_) {
    underlying_->unsuspend_read(kSuspendFilter);
    return 0;
  }
  int r = add_io(ev_read_, kRead);
  if (r == 0 && state_ == kOpen && session_->pending() > 0) base().activate(ev_read_, kRead, 1);
  if (r == 0 && read_blocked_on_write_) r = add_io(ev_write_, kWrite);
  return r;
}

int TlsBufferevent::start_writing() noexcept {
  if (underlying_) {
    if (write_blocked_on_read_) underlying_->unsuspend_read(kSuspendFilter);
    return 0;
  }
  int r = add_io(ev_write_, kWrite);
  if (r == 0 && write_blocked_on_read_) r = add_io(ev_read_, kRead);
  return r;
}

void TlsBufferevent::stop_reading() noexcept {
  if (write_blocked_on_read_) return;
  if (underlying_) underlying_->suspend_read(kSuspendFilter);
  else base().del(ev_read_);
}

// libevent 2.1.12 resumes the underlying's reading here.
void TlsBufferevent::stop_writing() noexcept {
  if (read_blocked_on_write_) return;
  if (underlying_) underlying_->unsuspend_read(kSuspendFilter);
  else base().del(ev_write_);
}

int TlsBufferevent::set_rbow() noexcept {
  if (!underlying_) stop_reading();
  read_blocked_on_write_ = true;
  return start_writing();
}

int TlsBufferevent::set_wbor() noexcept {
  if (!underlying_) stop_writing();
  write_blocked_on_read_ = true;
  return start_reading();
}

int TlsBufferevent::clear_rbow() noexcept {
  read_blocked_on_write_ = false;
  if (!(enabled() & kWrite)) stop_writing();
  return enabled() & kRead ? start_reading() : 0;
}

int TlsBufferevent::clear_wbor() noexcept {
  write_blocked_on_read_ = false;
  if (!(enabled() & kRead)) stop_reading();
  return enabled() & kWrite ? start_writing() : 0;
}

// conn_closed: the session has kept the error codes; a dirty shutdown is
// an EOF only when allowed.
void TlsBufferevent::conn_closed(short when, TlsSession::Outcome outcome) noexcept {
  const bool eof = outcome == TlsSession::kEof || (outcome == TlsSession::kDirty && session_->allow_dirty_shutdown);
  stop_reading();
  stop_writing();
  deliver_event(when | (eof ? kEvEof : kEvError), 0);
}

// decrement_buckets: what the session moved on the wire counts against the
// rate limits.
void TlsBufferevent::charge() noexcept {
  size_t r = 0, w = 0;
  session_->moved(r, w);
  if (w) ratelim().moved(kWrite, static_cast<ssize_t>(w));
  if (r) ratelim().moved(kRead, static_cast<ssize_t>(r));
}

// ------------------------------------------------------------ data

int TlsBufferevent::do_read(int n_to_read) noexcept {
  if (read_suspended()) return 0;
  n_to_read = std::min(n_to_read, io_size(ratelim().allowed(kRead)));
  iovec space[2];
  const int n = input().reserve_space(n_to_read, space, 2);
  if (n < 0) return kErr;
  int result = 0, n_used = 0;
  for (int i = 0; i < n && !read_suspended(); ++i) {
    const TlsSession::Result r = session_->read(space[i].iov_base, static_cast<int>(space[i].iov_len));
    if (r.outcome == TlsSession::kDone) {
      result |= kProgress;
      if (read_blocked_on_write_ && clear_rbow() < 0) return kErr | result;
      ++n_used;
      space[i].iov_len = static_cast<size_t>(r.n);
      charge();
      continue;
    }
    if (r.outcome == TlsSession::kWantRead) {
      if (read_blocked_on_write_ && clear_rbow() < 0) return kErr | result;
    } else if (r.outcome == TlsSession::kWantWrite) {
      if (!read_blocked_on_write_ && set_rbow() < 0) return kErr | result;
    } else {
      conn_closed(kEvReading, r.outcome);
    }
    result |= kBlocked;
    break;
  }
  if (n_used) {
    input().commit_space(space, n_used);
    if (underlying_) restart_timer(kRead);
  }
  return result;
}

// SSL_write is retried with the same bytes after WANT_READ / WANT_WRITE
// (last_write_); the write callback runs deferred, as in libevent.
int TlsBufferevent::do_write() noexcept {
  const ssize_t atmost = last_write_ > 0 ? last_write_ : io_size(ratelim().allowed(kWrite));
  iovec space[8];
  const int n = std::min(output().peek(atmost, nullptr, space, 8), 8);
  if (n < 0) return kErr;
  int result = 0;
  size_t n_written = 0;
  for (int i = 0; i < n && !suspended(kWrite); ++i) {
    if (space[i].iov_len == 0) continue;  // SSL_write of 0 bytes says 0, which is no error
    const TlsSession::Result r = session_->write(space[i].iov_base, static_cast<int>(space[i].iov_len));
    if (r.outcome == TlsSession::kDone) {
      result |= kProgress;
      if (write_blocked_on_read_ && clear_wbor() < 0) return kErr | result;
      n_written += static_cast<size_t>(r.n);
      last_write_ = -1;
      charge();
      continue;
    }
    if (r.outcome == TlsSession::kWantWrite) {
      if (write_blocked_on_read_ && clear_wbor() < 0) return kErr | result;
      last_write_ = static_cast<ssize_t>(space[i].iov_len);
    } else if (r.outcome == TlsSession::kWantRead) {
      if (!write_blocked_on_read_ && set_wbor() < 0) return kErr | result;
      last_write_ = static_cast<ssize_t>(space[i].iov_len);
    } else {
      conn_closed(kEvWriting, r.outcome);
      last_write_ = -1;
    }
    result |= kBlocked;
    break;
  }
  if (n_written) {
    output().drain(n_written);
    if (underlying_) restart_timer(kWrite);
    deliver(kWrite, kOptDeferCallbacks);
  }
  return result;
}

// How much to read now: up to the read high watermark (READ_DEFAULT
// without one) and the rate limit; 0 when reading is off.
int TlsBufferevent::bytes_to_read() noexcept {
  if (write_blocked_on_read_ || !(enabled() & kRead) || read_suspended()) return 0;
  int result = kReadDefault;
  const size_t high = face().wm_read.high, have = input().length();
  if (high) {
    if (have >= high) return 0;
    result = static_cast<int>(std::min<size_t>(high - have, INT_MAX));
  }
  return std::min(result, io_size(ratelim().allowed(kRead)));
}

// The wire is readable: finish a write that waited for it, then read until
// blocked or full, including what the session already decrypted (which may
// go past the high watermark: the record is read whole). A round that
// moves nothing ends the loops, where libevent would spin.
void TlsBufferevent::consider_reading() noexcept {
  while (write_blocked_on_read_) {
    const int r = do_write();
    if (r == 0 || (r & (kBlocked | kErr))) break;
  }
  if (write_blocked_on_read_) return;
  int all = 0;
  for (int n_to_read = bytes_to_read(); n_to_read;) {
    const int r = do_read(n_to_read);
    all |= r;
    if ((r & (kBlocked | kErr)) || read_suspended()) break;
    n_to_read = session_->pending();
    // libevent: without this a filter could wait forever for bytes its
    // underlying already holds.
    if (!n_to_read && underlying_) n_to_read = bytes_to_read();
  }
  if (all & kProgress) deliver(kRead, 0);
  if (!underlying_ && (read_suspended() || !(enabled() & kRead))) base().del(ev_read_);
}

// The wire is writable: finish a read that waited for it, then write while
// enabled, the output holds data and an underlying's output is under its
// high watermark.
void TlsBufferevent::consider_writing() noexcept {
  while (read_blocked_on_write_) {
    const int r = do_read(1024);  // libevent's "XXXX 1024 is a hack"
    if (r & kProgress) deliver(kRead, 0);
    if (r == 0 || (r & (kErr | kBlocked))) break;
  }
  if (read_blocked_on_write_) return;
  const auto room = [this] {
    if (!underlying_) return true;
    const size_t high = underlying_->face().wm_write.high;
    return high == 0 || underlying_->output().length() < high;
  };
  while ((enabled() & kWrite) && !suspended(kWrite) && output().length() && room()) {
    const int r = do_write();
    if (r == 0 || (r & (kBlocked | kErr))) break;
  }
  if (!underlying_ && (output().length() == 0 || suspended(kWrite) || !(enabled() & kWrite)))
    base().del(ev_write_);
}

// ------------------------------------------------------------ triggers

// be_openssl_enable / be_openssl_disable. Over an underlying, enabling
// also reads and writes what is waiting: from the loop (through the
// underlying's callbacks, deferred), so that no user callback runs inside
// the evbuffer callback that resumed reading, as the filter kind does.
int TlsBufferevent::start_io(short what) noexcept {
  const int r1 = (what & kRead) ? start_reading() : 0;
  const int r2 = (what & kWrite) ? start_writing() : 0;
  if (underlying_) {
    if (what & kRead) restart_timer(kRead);
    if (what & kWrite) restart_timer(kWrite);
    underlying_->trigger(what, kTrigDeferCallbacks | kTrigIgnoreWatermarks);
  }
  return r1 < 0 || r2 < 0 ? -1 : 0;
}

void TlsBufferevent::stop_io(short what) noexcept {
  if (what & kRead) stop_reading();
  if (what & kWrite) stop_writing();
  if (!underlying_) return;
  if (what & kRead) stop_timer(kRead);
  if (what & kWrite) stop_timer(kWrite);
}

// Over a socket the timeouts ride on the I/O events
// (bufferevent_generic_adj_existing_timeouts_), over an underlying they
// are the generic timers.
int TlsBufferevent::adjust_timeouts() noexcept {
  if (underlying_) return GenericBufferevent::adjust_timeouts();
  int r = 0;
  for (short dir : {kRead, kWrite}) {
    Event& ev = dir == kRead ? ev_read_ : ev_write_;
    if (!base().pending(ev, dir, nullptr)) continue;
    if (timeout(dir)) r |= add_io(ev, dir);
    else base().remove_timer(ev);
  }
  return r ? -1 : 0;
}

// be_openssl_outbuf_cb: new data to write once the handshake is done.
void TlsBufferevent::output_added(Buffer&, const CbInfo& info, void* arg) {
  TlsBufferevent* bev = static_cast<TlsBufferevent*>(arg);
  if (info.n_added == 0 || bev->state_ != kOpen) return;
  Hold hold(bev);
  if (info.orig_size == 0) {
    if (bev->underlying_) bev->restart_timer(kWrite);
    else bev->add_io(bev->ev_write_, kWrite);
  }
  if (bev->underlying_) bev->consider_writing();
}

// The socket's events (be_openssl_readeventcb / writeeventcb, and
// handshakeeventcb before the handshake is done). A timeout disables its
// direction and is reported with it, during the handshake too, as
// bufferevent.h says and the generic timers of the filter mode do (libevent
// 2.1.12 disables nothing here, so the timeout fires again and again, and
// says BEV_EVENT_TIMEOUT alone during the handshake).
void TlsBufferevent::on_io(short dir, short what) noexcept {
  Hold hold(this);
  if (what & kTimeout) {
    disable(dir);
    deliver_event(kEvTimeout | (dir == kRead ? kEvReading : kEvWriting), 0);
  } else if (state_ != kOpen) {
    do_handshake();
  } else if (dir == kRead) {
    consider_reading();
  } else {
    consider_writing();
  }
}

template <short Dir>
void TlsBufferevent::on_event(int, short what, void* arg) {
  static_cast<TlsBufferevent*>(arg)->on_io(Dir, what);
}

void TlsBufferevent::on_underlying_read() noexcept {
  Hold hold(this);
  if (state_ == kOpen) consider_reading();
  else do_handshake();
}

void TlsBufferevent::on_underlying_write() noexcept {
  Hold hold(this);
  if (state_ == kOpen) consider_writing();
  else do_handshake();
}

// be_openssl_eventcb: the underlying's EOF is a dirty shutdown (the TLS
// layer saw no close_notify), its timeouts and errors are ours, its
// connect is the handshake's business.
void TlsBufferevent::on_underlying_event(short what) noexcept {
  short event = 0;
  if (what & kEvEof) event = session_->allow_dirty_shutdown ? kEvEof : kEvError;
  else if (what & (kEvTimeout | kEvError)) event = what;
  if (event) deliver_event(event, 0);
}

}  // namespace evref
