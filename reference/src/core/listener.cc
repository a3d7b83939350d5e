// evref::Listener, after libevent 2.1.12's listener.c.
#include "listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <new>

#include "event_base.h"
#include "sockets.h"

namespace evref {

namespace {

// EVUTIL_ERR_ACCEPT_RETRIABLE on Unix.
bool retriable(int err) {
  return err == EINTR || err == EAGAIN || err == EWOULDBLOCK || err == ECONNABORTED;
}

}  // namespace

Listener::Listener(const Calls& calls, Fn cb, void* arg, unsigned flags) noexcept
    : calls_(calls), cb_(cb), arg_(arg), flags_(flags) {
  if (!(flags & kLeaveSocketsBlocking)) accept_flags_ |= SOCK_NONBLOCK;
  if (flags & kCloseOnExec) accept_flags_ |= SOCK_CLOEXEC;
}

Listener* Listener::make(Base& base, const Calls& calls, Fn cb, void* arg, unsigned flags, int backlog,
                         int fd) noexcept {
  if (backlog != 0 && listen(fd, backlog > 0 ? backlog : 128) < 0) return nullptr;
  Listener* lev = new (std::nothrow) Listener(calls, cb, arg, flags);
  if (lev == nullptr) return nullptr;
  Base::assign(lev->ev_, &base, fd, kRead | kPersist, accept_ready, lev);
  if (!(flags & kDisabled)) lev->enable();
  return lev;
}

Listener* Listener::bind(Base& base, const Calls& calls, Fn cb, void* arg, unsigned flags, int backlog,
                         const sockaddr* sa, int socklen) noexcept {
  if (backlog == 0) return nullptr;
  int type = SOCK_STREAM | SOCK_NONBLOCK;
  if (flags & kCloseOnExec) type |= SOCK_CLOEXEC;
  const int fd = socket(sa ? sa->sa_family : AF_UNSPEC, type, 0);
  if (fd < 0) return nullptr;
  bool ok = set_socket_option(fd, SOL_SOCKET, SO_KEEPALIVE) == 0;
  if (ok && (flags & kReuseable)) ok = set_socket_option(fd, SOL_SOCKET, SO_REUSEADDR) == 0;
  if (ok && (flags & kReuseablePort)) ok = set_socket_option(fd, SOL_SOCKET, SO_REUSEPORT) == 0;
  if (ok && (flags & kDeferredAccept)) ok = set_socket_option(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT) == 0;
  if (ok && (flags & kBindIpv6Only)) ok = set_socket_option(fd, IPPROTO_IPV6, IPV6_V6ONLY) == 0;
  if (ok && sa) ok = ::bind(fd, sa, static_cast<socklen_t>(socklen)) == 0;
  Listener* lev = ok ? make(base, calls, cb, arg, flags, backlog, fd) : nullptr;
  if (lev == nullptr) {
    const int err = errno;  // keep the failing call's errno for the caller
    close(fd);
    errno = err;
  }
  return lev;
}

// The last reference removes the event, closes the socket if asked to,
// and frees the listener.
void Listener::destroy(Listener* lev) noexcept {
  lev->ev_.base->del(lev->ev_);
  if (lev->flags_ & kCloseOnFree) close(lev->ev_.fd);
  delete lev;
}

void Listener::release() noexcept {
  cb_ = nullptr;
  errorcb_ = nullptr;
  Refs::drop(this);
}

// A listener without a callback stays disabled until it gets one.
int Listener::enable() noexcept {
  enabled_ = true;
  return cb_ ? ev_.base->add(ev_, nullptr, false) : 0;
}

int Listener::disable() noexcept {
  enabled_ = false;
  return ev_.base->del(ev_);
}

void Listener::set_callback(Fn cb, void* arg) noexcept {
  const bool start = enabled_ && cb_ == nullptr;
  cb_ = cb;
  arg_ = arg;
  if (start) enable();
}

// Takes every pending connection (libevent's listener_read_cb). Stops when
// the listener was freed or disabled by its callback, or accept fails.
void Listener::accept_ready(int fd, short, void* arg) {
  Listener* lev = static_cast<Listener*>(arg);
  for (;;) {
    sockaddr_storage ss;
    socklen_t len = sizeof ss;
    const int nfd = accept4(fd, reinterpret_cast<sockaddr*>(&ss), &len, lev->accept_flags_);
    if (nfd < 0) break;
    if (len == 0) {  // seen on old kernels (nmap): no peer to report
      close(nfd);
      continue;
    }
    if (lev->cb_ == nullptr) {  // the callback was removed while active
      close(nfd);
      return;
    }
    if (Refs::call(lev, kRead, lev->calls_.accept, *lev, lev->cb_, nfd, reinterpret_cast<sockaddr*>(&ss),
                   static_cast<int>(len), lev->arg_) != After::kLive)
      return;  // freed or disabled inside the callback
  }
  if (retriable(errno) || lev->errorcb_ == nullptr) return;
  // errno is still accept's: the error callback reads EVUTIL_SOCKET_ERROR().
  Refs::call(lev, 0, lev->calls_.error, *lev, lev->errorcb_, lev->arg_);
}

}  // namespace evref
