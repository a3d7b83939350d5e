// <event2/listener.h>: an accept loop on one persistent read event.
//
// The listener is reference-counted the way libevent 2.1's listener.c is:
// the accept loop holds a reference while a user callback runs, so
// evconnlistener_free inside the accept or error callback only drops the
// user's reference, and the loop destroys the listener when the callback
// returns, without touching it again.
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <new>

#include "facade.h"
#include "refs.h"

struct evconnlistener {
  evref::Event ev;  // EV_READ | EV_PERSIST on the listening fd
  evconnlistener_cb cb;
  evconnlistener_errorcb errorcb;
  void* arg;
  unsigned flags;
  int accept_flags;  // for accept4: SOCK_NONBLOCK, SOCK_CLOEXEC
  int refcnt;
  bool enabled;
};

namespace {

evref::Base& base_of(evconnlistener* lev) { return *lev->ev.base; }

// The last reference removes the event, closes the socket if asked to,
// and frees the listener.
void destroy(evconnlistener* lev) {
  base_of(lev).del(lev->ev);
  if (lev->flags & LEV_OPT_CLOSE_ON_FREE) close(lev->ev.fd);
  delete lev;
}
using Refs = evref::Refs<evconnlistener, destroy>;

// EVUTIL_ERR_ACCEPT_RETRIABLE on Unix.
bool retriable(int err) {
  return err == EINTR || err == EAGAIN || err == EWOULDBLOCK || err == ECONNABORTED;
}

// Takes every pending connection (libevent's listener_read_cb). Stops when
// the listener was freed or disabled by its callback, or accept fails.
void accept_ready(int fd, short, void* arg) {
  evconnlistener* lev = static_cast<evconnlistener*>(arg);
  for (;;) {
    sockaddr_storage ss;
    socklen_t len = sizeof ss;
    const int nfd = accept4(fd, reinterpret_cast<sockaddr*>(&ss), &len, lev->accept_flags);
    if (nfd < 0) break;
    if (len == 0) {  // seen on old kernels (nmap): no peer to report
      close(nfd);
      continue;
    }
    if (lev->cb == nullptr) {  // the callback was removed while active
      close(nfd);
      return;
    }
    if (!Refs::call(lev, lev->cb, lev, nfd, reinterpret_cast<sockaddr*>(&ss),
                    static_cast<int>(len), lev->arg))
      return;  // freed inside the callback
    if (!lev->enabled) return;
  }
  if (retriable(errno) || lev->errorcb == nullptr) return;
  // errno is still accept's: the error callback reads EVUTIL_SOCKET_ERROR().
  Refs::call(lev, lev->errorcb, lev, lev->arg);
}

int set_option(int fd, int level, int name) {
  const int on = 1;
  return setsockopt(fd, level, name, &on, sizeof on);
}

}  // namespace

extern "C" {

evconnlistener* evconnlistener_new(event_base* base, evconnlistener_cb cb, void* ptr,
                                   unsigned flags, int backlog, evutil_socket_t fd) {
  if (base == nullptr) return nullptr;
  if (backlog != 0 && listen(fd, backlog > 0 ? backlog : 128) < 0) return nullptr;
  evconnlistener* lev = new (std::nothrow) evconnlistener{};
  if (lev == nullptr) return nullptr;
  lev->cb = cb;
  lev->arg = ptr;
  lev->flags = flags;
  lev->refcnt = 1;
  if (!(flags & LEV_OPT_LEAVE_SOCKETS_BLOCKING)) lev->accept_flags |= SOCK_NONBLOCK;
  if (flags & LEV_OPT_CLOSE_ON_EXEC) lev->accept_flags |= SOCK_CLOEXEC;
  evref::Base::assign(lev->ev, base, fd, EV_READ | EV_PERSIST, accept_ready, lev);
  if (!(flags & LEV_OPT_DISABLED)) evconnlistener_enable(lev);
  return lev;
}

evconnlistener* evconnlistener_new_bind(event_base* base, evconnlistener_cb cb, void* ptr,
                                        unsigned flags, int backlog, const sockaddr* sa,
                                        int socklen) {
  if (backlog == 0) return nullptr;
  int type = SOCK_STREAM | SOCK_NONBLOCK;
  if (flags & LEV_OPT_CLOSE_ON_EXEC) type |= SOCK_CLOEXEC;
  const int fd = socket(sa ? sa->sa_family : AF_UNSPEC, type, 0);
  if (fd < 0) return nullptr;
  bool ok = set_option(fd, SOL_SOCKET, SO_KEEPALIVE) == 0;
  if (ok && (flags & LEV_OPT_REUSEABLE)) ok = evutil_make_listen_socket_reuseable(fd) == 0;
  if (ok && (flags & LEV_OPT_REUSEABLE_PORT)) ok = evutil_make_listen_socket_reuseable_port(fd) == 0;
  if (ok && (flags & LEV_OPT_DEFERRED_ACCEPT))
    ok = set_option(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT) == 0;
  if (ok && (flags & LEV_OPT_BIND_IPV6ONLY)) ok = set_option(fd, IPPROTO_IPV6, IPV6_V6ONLY) == 0;
  if (ok && sa) ok = bind(fd, sa, static_cast<socklen_t>(socklen)) == 0;
  evconnlistener* lev = ok ? evconnlistener_new(base, cb, ptr, flags, backlog, fd) : nullptr;
  if (lev == nullptr) {
    const int err = errno;  // keep the failing call's errno for the caller
    close(fd);
    errno = err;
  }
  return lev;
}

void evconnlistener_free(evconnlistener* lev) {
  if (lev == nullptr) return;
  lev->cb = nullptr;
  lev->errorcb = nullptr;
  Refs::drop(lev);
}

// A listener without a callback stays disabled until it gets one.
int evconnlistener_enable(evconnlistener* lev) {
  if (lev == nullptr) return -1;
  lev->enabled = true;
  return lev->cb ? base_of(lev).add(lev->ev, nullptr, false) : 0;
}

int evconnlistener_disable(evconnlistener* lev) {
  if (lev == nullptr) return -1;
  lev->enabled = false;
  return base_of(lev).del(lev->ev);
}

event_base* evconnlistener_get_base(evconnlistener* lev) {
  return lev ? static_cast<event_base*>(lev->ev.base) : nullptr;
}

evutil_socket_t evconnlistener_get_fd(evconnlistener* lev) { return lev ? lev->ev.fd : -1; }

void evconnlistener_set_cb(evconnlistener* lev, evconnlistener_cb cb, void* arg) {
  if (lev == nullptr) return;
  const bool start = lev->enabled && lev->cb == nullptr;
  lev->cb = cb;
  lev->arg = arg;
  if (start) evconnlistener_enable(lev);
}

void evconnlistener_set_error_cb(evconnlistener* lev, evconnlistener_errorcb errorcb) {
  if (lev) lev->errorcb = errorcb;
}

}  // extern "C"
