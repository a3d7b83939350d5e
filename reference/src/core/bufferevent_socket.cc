// evref::SocketBufferevent, after libevent 2.1.12's bufferevent_sock.c.
#include "bufferevent_socket.h"

#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <new>

#include "event_base.h"

namespace evref {

namespace {

// What the rate limit allows, as an evbuffer length (above INT_MAX: no
// limit, which evbuffer reads bound by themselves). At least one byte when
// not suspended: libevent reads 0 bytes then and takes it for an EOF.
int io_size(ssize_t allowed) { return static_cast<int>(std::clamp<ssize_t>(allowed, 1, INT_MAX)); }

bool retriable(int err) { return err == EINTR || err == EAGAIN || err == EWOULDBLOCK; }

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

}  // namespace

SocketBufferevent::SocketBufferevent(Base& base, const Calls& calls, int fd, int options) noexcept
    : Bufferevent(base, calls, options) {
  assign_io(fd);
}

SocketBufferevent* SocketBufferevent::make(Base& base, const Calls& calls, int fd, int options) noexcept {
  // UNLOCK_CALLBACKS only makes sense with DEFER_CALLBACKS (libevent).
  if ((options & (kOptDeferCallbacks | kOptUnlockCallbacks)) == kOptUnlockCallbacks) return nullptr;
  SocketBufferevent* bev = new (std::nothrow) SocketBufferevent(base, calls, fd, options);
  if (bev == nullptr) return nullptr;
  // Without its output callback the bufferevent would never write: a
  // failure to add it fails the call, as in libevent's
  // bufferevent_init_common_.
  // BEV_OPT_THREADSAFE needs a lock, which needs lock callbacks
  // (bufferevent_init_common_ fails without them).
  if (!bev->init() || bev->output().add_core_cb(output_added, bev) == nullptr ||
      ((options & kOptThreadsafe) && !bev->enable_locking(nullptr))) {
    bev->ev_read_.fd = -1;  // a failed call leaves the caller's fd open
    delete bev;
    return nullptr;
  }
  // The user may not add to input nor drain output: only we do.
  bev->input().freeze(false);
  bev->output().freeze(true);
  return bev;
}

SocketBufferevent::~SocketBufferevent() {
  base().del(ev_read_, Base::kDelNoBlock);
  base().del(ev_write_, Base::kDelNoBlock);
  if ((options_ & kOptCloseOnFree) && ev_read_.fd >= 0) close(ev_read_.fd);
}

void SocketBufferevent::assign_io(int fd) noexcept {
  Base::assign(ev_read_, &base(), fd, kRead | kPersist, on_readable, this);
  Base::assign(ev_write_, &base(), fd, kWrite | kPersist, on_writable, this);
}

// An event added with the bufferevent's timeout in its direction, or none.
int SocketBufferevent::add_io(Event& ev, short dir) noexcept { return base().add(ev, timeout(dir), false); }

int SocketBufferevent::start_io(short what) noexcept {
  if ((what & kRead) && add_io(ev_read_, kRead) != 0) return -1;
  if ((what & kWrite) && add_io(ev_write_, kWrite) != 0) return -1;
  return 0;
}

// While connecting the write event stays: it reports the connect (a user's
// bufferevent_disable(EV_WRITE) does not cancel a connect, as in libevent).
void SocketBufferevent::stop_io(short what) noexcept {
  if (what & kRead) base().del(ev_read_, Base::kDelNoBlock);
  if ((what & kWrite) && !connecting_) base().del(ev_write_, Base::kDelNoBlock);
}

// libevent's bufferevent_generic_adj_existing_timeouts_.
int SocketBufferevent::adjust_timeouts() noexcept {
  int r = 0;
  for (Event* ev : {&ev_read_, &ev_write_}) {
    const short dir = ev == &ev_read_ ? kRead : kWrite;
    if (!base().pending(*ev, dir, nullptr)) continue;
    if (timeout(dir)) r |= add_io(*ev, dir);
    else base().remove_timer(*ev);
  }
  return r ? -1 : 0;
}

int SocketBufferevent::set_io_priority(int pri) noexcept {
  return base().set_priority(ev_read_, pri) != 0 || base().set_priority(ev_write_, pri) != 0 ? -1 : 0;
}

// A new fd: both events re-made on it, and the enabled directions resumed
// (libevent's BEV_CTRL_SET_FD, which also unfreezes the buffers).
int SocketBufferevent::set_fd(int fd) noexcept {
  base().del(ev_read_, Base::kDelNoBlock);
  base().del(ev_write_, Base::kDelNoBlock);
  input().unfreeze(false);
  output().unfreeze(true);
  assign_io(fd);
  if (fd >= 0) enable(enabled());
  return 0;
}

// libevent's bufferevent_base_set moves the read and write events with
// event_base_set, which refuses an event that is added: so a bufferevent
// moves only while neither direction waits on its socket.
int SocketBufferevent::set_base(Base& to) noexcept {
  if (base().pending(ev_read_, kRead | kWrite | kTimeout, nullptr) ||
      base().pending(ev_write_, kRead | kWrite | kTimeout, nullptr) || !rebase(to))
    return -1;
  assign_io(ev_read_.fd);
  return 0;
}

// Data added to output while writing is enabled starts the write event.
void SocketBufferevent::output_added(Buffer&, const CbInfo& info, void* arg) {
  SocketBufferevent* bev = static_cast<SocketBufferevent*>(arg);
  if (info.n_added && (bev->enabled() & kWrite) && !bev->suspended(kWrite) &&
      !bev->base().pending(bev->ev_write_, kWrite, nullptr))
    bev->add_io(bev->ev_write_, kWrite);
}

void SocketBufferevent::on_readable(int fd, short what, void* arg) {
  SocketBufferevent* bev = static_cast<SocketBufferevent*>(arg);
  Hold hold(bev);
  short event = kEvReading;
  if (what == kTimeout) {
    event |= kEvTimeout;
  } else {
    if (bev->read_room(1) == 0) {  // input at the high watermark
      bev->suspend_read();
      return;
    }
    const size_t howmuch = bev->read_room(io_size(bev->ratelim().allowed(kRead)));
    if (bev->read_suspended()) return;
    bev->input().unfreeze(false);
    const int res = bev->input().read_from(fd, static_cast<int>(howmuch));
    bev->input().freeze(false);
    if (res > 0) {
      bev->ratelim().moved(kRead, res);
      bev->deliver(kRead, 0);
      return;
    }
    if (res < 0) {
      if (retriable(errno)) return;
      if (errno == ECONNREFUSED) {  // reported by the write side
        bev->connection_refused_ = true;
        return;
      }
      event |= kEvError;
    } else {
      event |= kEvEof;
    }
  }
  bev->disable(kRead);
  bev->deliver_event(event, 0);
}

// Returns true when done with this wake-up (connect still pending, or it
// failed), false to go on writing.
bool SocketBufferevent::finish_connect(int fd, bool& connected) noexcept {
  int c = finished_connecting(fd);
  if (connection_refused_) {
    connection_refused_ = false;
    errno = ECONNREFUSED;
    c = -1;
  }
  if (c == 0) return true;
  connecting_ = false;
  if (c < 0) {
    base().del(ev_write_, Base::kDelNoBlock);
    base().del(ev_read_, Base::kDelNoBlock);
    deliver_event(kEvError, 0);
    return true;
  }
  connected = true;
  deliver_event(kEvConnected, 0);
  if (!(enabled() & kWrite)) {
    base().del(ev_write_, Base::kDelNoBlock);
    return true;
  }
  return false;
}

// libevent's bufferevent_writecb: finish a connect, write what output
// holds, stop the write event once output is empty, and call the write
// callback (not after a connect that wrote nothing).
void SocketBufferevent::on_writable(int fd, short what, void* arg) {
  SocketBufferevent* bev = static_cast<SocketBufferevent*>(arg);
  Hold hold(bev);
  short event = kEvWriting;
  if (what == kTimeout) {
    event |= kEvTimeout;
  } else {
    bool connected = false;
    if (bev->connecting_ && bev->finish_connect(fd, connected)) return;
    int res = 0;
    Buffer& out = bev->output();
    const int atmost = io_size(bev->ratelim().allowed(kWrite));
    if (bev->suspended(kWrite)) return;
    const bool had_data = out.length() != 0;
    if (had_data) {
      out.unfreeze(true);
      res = out.write_to(fd, atmost);
      out.freeze(true);
      if (res < 0 && retriable(errno)) {
        if (out.length() == 0) bev->base().del(bev->ev_write_, Base::kDelNoBlock);
        return;
      }
    }
    if (!had_data || res > 0) {
      if (res > 0) bev->ratelim().moved(kWrite, res);
      if (out.length() == 0) bev->base().del(bev->ev_write_, Base::kDelNoBlock);
      if (res > 0 || !connected) bev->deliver(kWrite, 0);
      return;
    }
    event |= res < 0 ? kEvError : kEvEof;
  }
  bev->disable(kWrite);
  // bufferevent.h: after a timeout "the corresponding operation becomes
  // disabled until you re-enable it" -- during a connect too. (libevent
  // 2.1.12 keeps the write event while connecting, so its write timeout
  // fires again and again; re-enabling EV_WRITE here resumes the connect.)
  if (event & kEvTimeout) bev->base().del(bev->ev_write_, Base::kDelNoBlock);
  bev->deliver_event(event, 0);
}

Connecting start_connect(int& fd, const sockaddr* sa, int socklen) noexcept {
  int s = fd;
  if (s < 0) {
    if (sa == nullptr) return Connecting::kFailed;
    s = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (s < 0) return Connecting::kFailed;
  }
  Connecting r = Connecting::kInProgress;
  if (sa != nullptr) {
    if (::connect(s, sa, static_cast<socklen_t>(socklen)) == 0) {
      r = Connecting::kConnected;
    } else if (errno == ECONNREFUSED) {
      r = Connecting::kRefused;
    } else if (errno != EINTR && errno != EINPROGRESS) {
      if (s != fd) close(s);
      return Connecting::kFailed;
    }
  }
  fd = s;
  return r;
}

// bufferevent_socket_connect, after libevent: a socket of the address's
// family when the bufferevent has none; a refused connect is reported to
// the event callback (deferred), not by the return value.
int SocketBufferevent::connect(const sockaddr* sa, int socklen) noexcept {
  Hold hold(this);
  int fd = this->fd();
  const Connecting r = start_connect(fd, sa, socklen);
  if (r == Connecting::kFailed) return -1;
  set_fd(fd);
  if (r == Connecting::kInProgress) {
    if (start_io(kWrite) != 0) return -1;
    connecting_ = true;
  } else if (r == Connecting::kConnected) {
    connecting_ = true;
    deliver(kWrite, kOptDeferCallbacks);
  } else {
    deliver_event(kEvError, kOptDeferCallbacks);
    disable(kWrite | kRead);
  }
  return 0;
}

// libevent's connect_hostname without an evdns_base: a blocking lookup
// (evutil_getaddrinfo), then bufferevent_socket_connect to the first
// address. A failed lookup still returns 0: the error goes to the event
// callback and to dns_error(). The header's "[::1]" form is accepted by
// taking the brackets off, which getaddrinfo itself does not do.
int SocketBufferevent::connect_hostname(int family, const char* host, int port) noexcept {
  if (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC) return -1;
  if (port < 1 || port > 65535) return -1;
  Hold hold(this);
  dns_error_ = 0;
  char unbracketed[64];  // an IPv6 literal is at most 45 characters
  const size_t len = host ? std::strlen(host) : 0;
  if (len >= 2 && len - 2 < sizeof unbracketed && host[0] == '[' && host[len - 1] == ']') {
    std::memcpy(unbracketed, host + 1, len - 2);
    unbracketed[len - 2] = '\0';
    host = unbracketed;
  }
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  char service[8];
  std::snprintf(service, sizeof service, "%d", port);
  addrinfo* ai = nullptr;
  const int err = getaddrinfo(host, service, &hints, &ai);
  if (err != 0) {
    dns_error_ = err;
    deliver_event(kEvError, 0);
    return 0;
  }
  if (connect(ai->ai_addr, static_cast<int>(ai->ai_addrlen)) < 0) deliver_event(kEvError, 0);
  freeaddrinfo(ai);
  return 0;
}

}  // namespace evref
