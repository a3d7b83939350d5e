// <event2/bufferevent.h>: socket bufferevents, after libevent 2.1.12's
// bufferevent.c and bufferevent_sock.c.
//
// Two persistent events (read, write) move bytes between the socket and the
// input/output evbuffers; a third, internal one runs deferred callbacks
// (BEV_OPT_DEFER_CALLBACKS). Every path that may call the user holds a
// reference (Guard), so bufferevent_free inside any callback only drops the
// user's reference and the object goes when the guard does. Difference
// from libevent, unobservable through the API: the last reference frees at
// once, where libevent finalizes on the next loop iteration.
#include <event2/bufferevent.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <new>

#include "facade.h"
#include "refs.h"

struct bufferevent {
  evref::Event ev_read;
  evref::Event ev_write;
  evref::Event deferred;
  evbuffer* input;
  evbuffer* output;
  evbuffer_cb_entry* read_wm_cb;
  bufferevent_data_cb readcb, writecb;
  bufferevent_event_cb eventcb;
  void* cbarg;
  short enabled;
  size_t wm_read_low, wm_read_high, wm_write_low, wm_write_high;
  timeval timeout_read, timeout_write;  // zero: none
  int options;
  int refcnt;
  bool connecting, connection_refused;
  bool read_suspended, write_suspended;  // by the read high watermark
  bool deferred_scheduled, readcb_pending, writecb_pending;
  short eventcb_pending;
  int errno_pending;
};

namespace {

constexpr size_t kMaxSingleRead = 16384;   // libevent's MAX_SINGLE_READ_DEFAULT
constexpr size_t kMaxSingleWrite = 16384;  // MAX_SINGLE_WRITE_DEFAULT

evref::Base& base_of(bufferevent* bev) { return *bev->ev_read.base; }
bool timer_set(const timeval& tv) { return tv.tv_sec != 0 || tv.tv_usec != 0; }

void destroy(bufferevent* bev) {
  evref::Base& base = base_of(bev);
  base.del(bev->ev_read);
  base.del(bev->ev_write);
  base.del(bev->deferred);
  if ((bev->options & BEV_OPT_CLOSE_ON_FREE) && bev->ev_read.fd >= 0) close(bev->ev_read.fd);
  evbuffer_free(bev->input);
  evbuffer_free(bev->output);
  delete bev;
}

// Entry points and event callbacks that may run user code hold a
// reference (Guard) so bufferevent_free inside a callback only drops the
// owner's; the last reference destroys.
using Refs = evref::Refs<bufferevent, destroy>;
using Guard = Refs::Hold;

// An event added with the bufferevent's timeout, or none when unset;
// through event_add, which turns any timeval into a deadline the core can
// hold (extreme values saturate).
int add_with_timeout(evref::Event& ev, const timeval& tv) {
  return event_add(evref::facade(&ev), timer_set(tv) ? &tv : nullptr);
}

int io_enable(bufferevent* bev, short what) {
  if ((what & EV_READ) && add_with_timeout(bev->ev_read, bev->timeout_read) != 0) return -1;
  if ((what & EV_WRITE) && add_with_timeout(bev->ev_write, bev->timeout_write) != 0) return -1;
  return 0;
}

// While connecting the write event stays: it reports the connect (a user's
// bufferevent_disable(EV_WRITE) does not cancel a connect, as in libevent).
void io_disable(bufferevent* bev, short what) {
  if (what & EV_READ) base_of(bev).del(bev->ev_read);
  if ((what & EV_WRITE) && !bev->connecting) base_of(bev).del(bev->ev_write);
}

void schedule_deferred(bufferevent* bev) {
  if (bev->deferred_scheduled) return;
  bev->deferred_scheduled = true;
  Refs::take(bev);  // released by run_deferred
  base_of(bev).activate(bev->deferred, EV_TIMEOUT, 1);
}

bool deferring(bufferevent* bev, int options) {
  return ((bev->options | options) & BEV_OPT_DEFER_CALLBACKS) != 0;
}

void check_read_high_watermark(bufferevent* bev);

void run_readcb(bufferevent* bev, int options) {
  if (bev->readcb == nullptr) return;
  if (deferring(bev, options)) {
    bev->readcb_pending = true;
    schedule_deferred(bev);
    return;
  }
  bev->readcb(bev, bev->cbarg);
  check_read_high_watermark(bev);
}

void run_writecb(bufferevent* bev, int options) {
  if (bev->writecb == nullptr) return;
  if (deferring(bev, options)) {
    bev->writecb_pending = true;
    schedule_deferred(bev);
    return;
  }
  bev->writecb(bev, bev->cbarg);
}

// errno is the event's error: deferred delivery saves and restores it.
void run_eventcb(bufferevent* bev, short what, int options) {
  if (bev->eventcb == nullptr) return;
  if (deferring(bev, options)) {
    bev->eventcb_pending |= what;
    bev->errno_pending = errno;
    schedule_deferred(bev);
    return;
  }
  bev->eventcb(bev, what, bev->cbarg);
}

// The read callback waits for the low watermark; the write callback for
// output at or below its low watermark (bufferevent_trigger_nolock_).
void trigger(bufferevent* bev, short iotype, int options) {
  const bool ignore = options & BEV_TRIG_IGNORE_WATERMARKS;
  if ((iotype & EV_READ) && (ignore || evbuffer_get_length(bev->input) >= bev->wm_read_low))
    run_readcb(bev, options);
  if ((iotype & EV_WRITE) && (ignore || evbuffer_get_length(bev->output) <= bev->wm_write_low))
    run_writecb(bev, options);
}

// Deferred callbacks, in libevent's order: a connect first, then read,
// write, and the other events with their saved errno.
void run_deferred(int, short, void* arg) {
  bufferevent* bev = static_cast<bufferevent*>(arg);
  bev->deferred_scheduled = false;
  if ((bev->eventcb_pending & BEV_EVENT_CONNECTED) && bev->eventcb) {
    bev->eventcb_pending &= ~BEV_EVENT_CONNECTED;
    bev->eventcb(bev, BEV_EVENT_CONNECTED, bev->cbarg);
  }
  if (bev->readcb_pending && bev->readcb) {
    bev->readcb_pending = false;
    bev->readcb(bev, bev->cbarg);
    check_read_high_watermark(bev);
  }
  if (bev->writecb_pending && bev->writecb) {
    bev->writecb_pending = false;
    bev->writecb(bev, bev->cbarg);
  }
  if (bev->eventcb_pending && bev->eventcb) {
    const short what = bev->eventcb_pending;
    errno = bev->errno_pending;
    bev->eventcb_pending = 0;
    bev->errno_pending = 0;
    bev->eventcb(bev, what, bev->cbarg);
  }
  Refs::drop(bev);
}

void suspend_read(bufferevent* bev) {
  if (!bev->read_suspended) io_disable(bev, EV_READ);
  bev->read_suspended = true;
}

void unsuspend_read(bufferevent* bev) {
  bev->read_suspended = false;
  if (bev->enabled & EV_READ) io_enable(bev, EV_READ);
}

// Input still at or above the high watermark after the read callback:
// call it again (deferred) so the user can drain it.
void check_read_high_watermark(bufferevent* bev) {
  if (bev->wm_read_high == 0 || !(bev->enabled & EV_READ)) return;
  if (evbuffer_get_length(bev->input) < bev->wm_read_high) return;
  trigger(bev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
}

void input_watermark_cb(evbuffer* buf, const evbuffer_cb_info*, void* arg) {
  bufferevent* bev = static_cast<bufferevent*>(arg);
  if (evbuffer_get_length(buf) >= bev->wm_read_high) suspend_read(bev);
  else unsuspend_read(bev);
}

// Data added to output while writing is enabled starts the write event.
void output_added_cb(evbuffer*, const evbuffer_cb_info* info, void* arg) {
  bufferevent* bev = static_cast<bufferevent*>(arg);
  if (info->n_added && (bev->enabled & EV_WRITE) && !bev->write_suspended &&
      !base_of(bev).pending(bev->ev_write, EV_WRITE, nullptr))
    add_with_timeout(bev->ev_write, bev->timeout_write);
}

bool retriable(int err) { return err == EINTR || err == EAGAIN || err == EWOULDBLOCK; }

void on_readable(int fd, short what, void* arg) {
  bufferevent* bev = static_cast<bufferevent*>(arg);
  Guard guard(bev);
  short event = BEV_EVENT_READING;
  if (what == EV_TIMEOUT) {
    event |= BEV_EVENT_TIMEOUT;
  } else {
    size_t howmuch = kMaxSingleRead;
    if (bev->wm_read_high != 0) {
      // Unsigned, unlike libevent 2.1.12's ev_ssize_t room, which is
      // negative for a high watermark above SSIZE_MAX, so that it never
      // reads; bufferevent.h stops reading only beyond the high watermark.
      const size_t len = evbuffer_get_length(bev->input);
      if (len >= bev->wm_read_high) {
        suspend_read(bev);
        return;
      }
      howmuch = std::min(howmuch, bev->wm_read_high - len);
    }
    if (bev->read_suspended) return;
    evbuffer_unfreeze(bev->input, 0);
    const int res = evbuffer_read(bev->input, fd, static_cast<int>(howmuch));
    evbuffer_freeze(bev->input, 0);
    if (res > 0) {
      trigger(bev, EV_READ, 0);
      return;
    }
    if (res < 0) {
      if (retriable(errno)) return;
      if (errno == ECONNREFUSED) {  // reported by the write side
        bev->connection_refused = true;
        return;
      }
      event |= BEV_EVENT_ERROR;
    } else {
      event |= BEV_EVENT_EOF;
    }
  }
  bufferevent_disable(bev, EV_READ);
  run_eventcb(bev, event, 0);
}

// 1 connected, 0 still connecting, -1 failed (errno set).
int finished_connecting(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return -1;
  if (err == 0) return 1;
  if (err == EINTR || err == EINPROGRESS) return 0;
  errno = err;
  return -1;
}

// Returns true when done with this wake-up (connect still pending, or it
// failed), false to go on writing.
bool finish_connect(bufferevent* bev, int fd, bool& connected) {
  int c = finished_connecting(fd);
  if (bev->connection_refused) {
    bev->connection_refused = false;
    errno = ECONNREFUSED;
    c = -1;
  }
  if (c == 0) return true;
  bev->connecting = false;
  if (c < 0) {
    base_of(bev).del(bev->ev_write);
    base_of(bev).del(bev->ev_read);
    run_eventcb(bev, BEV_EVENT_ERROR, 0);
    return true;
  }
  connected = true;
  run_eventcb(bev, BEV_EVENT_CONNECTED, 0);
  if (!(bev->enabled & EV_WRITE) || bev->write_suspended) {
    base_of(bev).del(bev->ev_write);
    return true;
  }
  return false;
}

// libevent's bufferevent_writecb: finish a connect, write what output
// holds, stop the write event once output is empty, and call the write
// callback (not after a connect that wrote nothing).
void on_writable(int fd, short what, void* arg) {
  bufferevent* bev = static_cast<bufferevent*>(arg);
  Guard guard(bev);
  short event = BEV_EVENT_WRITING;
  if (what == EV_TIMEOUT) {
    event |= BEV_EVENT_TIMEOUT;
  } else {
    bool connected = false;
    if (bev->connecting && finish_connect(bev, fd, connected)) return;
    if (bev->write_suspended) return;
    int res = 0;
    const bool had_data = evbuffer_get_length(bev->output) != 0;
    if (had_data) {
      evbuffer_unfreeze(bev->output, 1);
      res = evbuffer_write_atmost(bev->output, fd, static_cast<ev_ssize_t>(kMaxSingleWrite));
      evbuffer_freeze(bev->output, 1);
      if (res < 0 && retriable(errno)) {
        if (evbuffer_get_length(bev->output) == 0) base_of(bev).del(bev->ev_write);
        return;
      }
    }
    if (!had_data || res > 0) {
      if (evbuffer_get_length(bev->output) == 0) base_of(bev).del(bev->ev_write);
      if (res > 0 || !connected) trigger(bev, EV_WRITE, 0);
      return;
    }
    event |= res < 0 ? BEV_EVENT_ERROR : BEV_EVENT_EOF;
  }
  bufferevent_disable(bev, EV_WRITE);
  // bufferevent.h: after a timeout "the corresponding operation becomes
  // disabled until you re-enable it" -- during a connect too. (libevent
  // 2.1.12 keeps the write event while connecting, so its write timeout
  // fires again and again; re-enabling EV_WRITE here resumes the connect.)
  if (event & BEV_EVENT_TIMEOUT) base_of(bev).del(bev->ev_write);
  run_eventcb(bev, event, 0);
}

void assign_io(bufferevent* bev, event_base* base, int fd) {
  evref::Base::assign(bev->ev_read, base, fd, EV_READ | EV_PERSIST, on_readable, bev);
  evref::Base::assign(bev->ev_write, base, fd, EV_WRITE | EV_PERSIST, on_writable, bev);
}

}  // namespace

extern "C" {

bufferevent* bufferevent_socket_new(event_base* base, evutil_socket_t fd, int options) {
  if (base == nullptr) return nullptr;
  // UNLOCK_CALLBACKS only makes sense with DEFER_CALLBACKS (libevent).
  if ((options & (BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS)) == BEV_OPT_UNLOCK_CALLBACKS)
    return nullptr;
  // The reference has no thread support (no evthread_use_pthreads), and
  // libevent without it cannot make the lock BEV_OPT_THREADSAFE needs.
  if (options & BEV_OPT_THREADSAFE) return nullptr;
  bufferevent* bev = new (std::nothrow) bufferevent{};
  if (bev == nullptr) return nullptr;
  bev->input = evbuffer_new();
  bev->output = evbuffer_new();
  if (bev->input == nullptr || bev->output == nullptr) {
    evbuffer_free(bev->input);
    evbuffer_free(bev->output);
    delete bev;
    return nullptr;
  }
  bev->refcnt = 1;
  bev->enabled = EV_WRITE;
  bev->options = options;
  assign_io(bev, base, fd);
  evref::Base::assign(bev->deferred, base, -1, 0, run_deferred, bev);
  // Without its output callback the bufferevent would never write: a
  // failure to add it fails the call, as in libevent's
  // bufferevent_init_common_.
  if (evbuffer_add_cb(bev->output, output_added_cb, bev) == nullptr) {
    evbuffer_free(bev->input);
    evbuffer_free(bev->output);
    delete bev;
    return nullptr;
  }
  // The user may not add to input nor drain output: only we do.
  evbuffer_freeze(bev->input, 0);
  evbuffer_freeze(bev->output, 1);
  return bev;
}

int bufferevent_socket_connect(bufferevent* bev, const sockaddr* sa, int socklen) {
  if (bev == nullptr) return -1;
  Guard guard(bev);
  int fd = bufferevent_getfd(bev);
  bool own_fd = false;
  if (fd < 0) {
    if (sa == nullptr) return -1;
    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    own_fd = true;
  }
  int r = 0;  // 0 in progress, 1 connected, 2 refused
  if (sa != nullptr) {
    if (connect(fd, sa, static_cast<socklen_t>(socklen)) == 0) r = 1;
    else if (errno == EINTR || errno == EINPROGRESS) r = 0;
    else if (errno == ECONNREFUSED) r = 2;
    else {
      if (own_fd) close(fd);
      return -1;
    }
  }
  bufferevent_setfd(bev, fd);
  if (r == 0) {
    if (io_enable(bev, EV_WRITE) != 0) return -1;
    bev->connecting = true;
  } else if (r == 1) {
    bev->connecting = true;
    trigger(bev, EV_WRITE, BEV_OPT_DEFER_CALLBACKS);
  } else {
    run_eventcb(bev, BEV_EVENT_ERROR, BEV_OPT_DEFER_CALLBACKS);
    bufferevent_disable(bev, EV_WRITE | EV_READ);
  }
  return 0;
}

void bufferevent_free(bufferevent* bev) {
  if (bev == nullptr) return;
  bufferevent_setcb(bev, nullptr, nullptr, nullptr, nullptr);
  Refs::drop(bev);
}

void bufferevent_incref(bufferevent* bev) {
  if (bev) Refs::take(bev);
}

int bufferevent_decref(bufferevent* bev) { return bev && Refs::drop(bev) ? 1 : 0; }

void bufferevent_setcb(bufferevent* bev, bufferevent_data_cb readcb, bufferevent_data_cb writecb,
                       bufferevent_event_cb eventcb, void* cbarg) {
  if (bev == nullptr) return;
  bev->readcb = readcb;
  bev->writecb = writecb;
  bev->eventcb = eventcb;
  bev->cbarg = cbarg;
}

void bufferevent_getcb(bufferevent* bev, bufferevent_data_cb* readcb_ptr,
                       bufferevent_data_cb* writecb_ptr, bufferevent_event_cb* eventcb_ptr,
                       void** cbarg_ptr) {
  if (bev == nullptr) return;
  if (readcb_ptr) *readcb_ptr = bev->readcb;
  if (writecb_ptr) *writecb_ptr = bev->writecb;
  if (eventcb_ptr) *eventcb_ptr = bev->eventcb;
  if (cbarg_ptr) *cbarg_ptr = bev->cbarg;
}

// A new fd: both events re-made on it, and the enabled directions resumed.
int bufferevent_setfd(bufferevent* bev, evutil_socket_t fd) {
  if (bev == nullptr) return -1;
  event_base* base = static_cast<event_base*>(bev->ev_read.base);
  base_of(bev).del(bev->ev_read);
  base_of(bev).del(bev->ev_write);
  evbuffer_unfreeze(bev->input, 0);
  evbuffer_unfreeze(bev->output, 1);
  assign_io(bev, base, fd);
  if (fd >= 0) bufferevent_enable(bev, bev->enabled);
  return 0;
}

evutil_socket_t bufferevent_getfd(bufferevent* bev) { return bev ? bev->ev_read.fd : -1; }

event_base* bufferevent_get_base(bufferevent* bev) {
  return bev ? static_cast<event_base*>(bev->ev_read.base) : nullptr;
}

int bufferevent_base_set(event_base* base, bufferevent* bev) {
  if (base == nullptr || bev == nullptr) return -1;
  if (bev->ev_read.base == base) return 0;
  return -1;  // moving between bases is not supported (nor by libevent once in use)
}

int bufferevent_priority_set(bufferevent* bev, int pri) {
  if (bev == nullptr) return -1;
  evref::Base& base = base_of(bev);
  if (base.set_priority(bev->ev_read, pri) != 0 || base.set_priority(bev->ev_write, pri) != 0)
    return -1;
  base.set_priority(bev->deferred, pri);
  return 0;
}

int bufferevent_get_priority(const bufferevent* bev) { return bev ? bev->ev_read.priority : -1; }
bufferevent* bufferevent_get_underlying(bufferevent*) { return nullptr; }

int bufferevent_write(bufferevent* bev, const void* data, size_t size) {
  return bev && evbuffer_add(bev->output, data, size) == 0 ? 0 : -1;
}

int bufferevent_write_buffer(bufferevent* bev, evbuffer* buf) {
  return bev && evbuffer_add_buffer(bev->output, buf) == 0 ? 0 : -1;
}

// libevent 2.1.12 returns (size_t)-1 when evbuffer_remove fails.
size_t bufferevent_read(bufferevent* bev, void* data, size_t size) {
  return bev ? static_cast<size_t>(evbuffer_remove(bev->input, data, size)) : 0;
}

int bufferevent_read_buffer(bufferevent* bev, evbuffer* buf) {
  return bev ? evbuffer_add_buffer(buf, bev->input) : -1;
}

evbuffer* bufferevent_get_input(bufferevent* bev) { return bev ? bev->input : nullptr; }
evbuffer* bufferevent_get_output(bufferevent* bev) { return bev ? bev->output : nullptr; }

int bufferevent_enable(bufferevent* bev, short event) {
  if (bev == nullptr) return -1;
  Guard guard(bev);
  short now = event;
  if (bev->read_suspended) now &= ~EV_READ;
  if (bev->write_suspended) now &= ~EV_WRITE;
  bev->enabled |= event;
  return now && io_enable(bev, now) != 0 ? -1 : 0;
}

int bufferevent_disable(bufferevent* bev, short event) {
  if (bev == nullptr) return -1;
  bev->enabled &= ~event;
  io_disable(bev, event);
  return 0;
}

short bufferevent_get_enabled(bufferevent* bev) { return bev ? bev->enabled : 0; }

// New timeouts apply to the events already pending (libevent's
// bufferevent_generic_adj_existing_timeouts_).
int bufferevent_set_timeouts(bufferevent* bev, const timeval* tv_read, const timeval* tv_write) {
  if (bev == nullptr) return -1;
  bev->timeout_read = tv_read ? *tv_read : timeval{0, 0};
  bev->timeout_write = tv_write ? *tv_write : timeval{0, 0};
  evref::Base& base = base_of(bev);
  int r = 0;
  const struct {
    evref::Event& ev;
    const timeval& tv;
    short what;
  } dirs[] = {{bev->ev_read, bev->timeout_read, EV_READ},
              {bev->ev_write, bev->timeout_write, EV_WRITE}};
  for (const auto& d : dirs) {
    if (!base.pending(d.ev, d.what, nullptr)) continue;
    if (timer_set(d.tv)) r |= add_with_timeout(d.ev, d.tv);
    else base.remove_timer(d.ev);
  }
  return r ? -1 : 0;
}

void bufferevent_setwatermark(bufferevent* bev, short events, size_t lowmark, size_t highmark) {
  if (bev == nullptr) return;
  if (events & EV_WRITE) {
    bev->wm_write_low = lowmark;
    bev->wm_write_high = highmark;
  }
  if (!(events & EV_READ)) return;
  bev->wm_read_low = lowmark;
  bev->wm_read_high = highmark;
  if (highmark == 0) {
    if (bev->read_wm_cb) evbuffer_cb_clear_flags(bev->input, bev->read_wm_cb, EVBUFFER_CB_ENABLED);
    unsuspend_read(bev);
    return;
  }
  if (bev->read_wm_cb == nullptr) bev->read_wm_cb = evbuffer_add_cb(bev->input, input_watermark_cb, bev);
  evbuffer_cb_set_flags(bev->input, bev->read_wm_cb, EVBUFFER_CB_ENABLED);
  if (evbuffer_get_length(bev->input) >= highmark) suspend_read(bev);
  else unsuspend_read(bev);
}

int bufferevent_getwatermark(bufferevent* bev, short events, size_t* lowmark, size_t* highmark) {
  if (bev == nullptr) return -1;
  if (events == EV_WRITE) {
    if (lowmark) *lowmark = bev->wm_write_low;
    if (highmark) *highmark = bev->wm_write_high;
    return 0;
  }
  if (events == EV_READ) {
    if (lowmark) *lowmark = bev->wm_read_low;
    if (highmark) *highmark = bev->wm_read_high;
    return 0;
  }
  return -1;
}

int bufferevent_flush(bufferevent*, short, bufferevent_flush_mode) { return 0; }

void bufferevent_trigger(bufferevent* bev, short iotype, int options) {
  if (bev == nullptr) return;
  Guard guard(bev);
  trigger(bev, iotype, options & (BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS));
}

void bufferevent_trigger_event(bufferevent* bev, short what, int options) {
  if (bev == nullptr) return;
  Guard guard(bev);
  run_eventcb(bev, what, options & (BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS));
}

void bufferevent_lock(bufferevent*) {}
void bufferevent_unlock(bufferevent*) {}

}  // extern "C"
