// evref::Listener — <event2/listener.h>: an accept loop on one persistent
// read event, reference-counted the way libevent 2.1's listener.c is (the
// accept loop holds a reference while a user callback runs, so a free
// inside the accept or error callback only drops the owner's reference).
//
// The user's callbacks are kept type-erased; the C facade's Calls cast them
// back to their real types (as Buffer's invoker does), so the core never
// names a libevent type.
#ifndef EVREF_CORE_LISTENER_H
#define EVREF_CORE_LISTENER_H

#include <sys/socket.h>

#include "event_types.h"
#include "refs.h"

namespace evref {

class Listener {
 public:
  // The LEV_OPT_* values (event2/listener.h).
  enum : unsigned {
    kLeaveSocketsBlocking = 1u << 0,
    kCloseOnFree = 1u << 1,
    kCloseOnExec = 1u << 2,
    kReuseable = 1u << 3,
    kDisabled = 1u << 5,
    kDeferredAccept = 1u << 6,
    kReuseablePort = 1u << 7,
    kBindIpv6Only = 1u << 8,
  };
  using Fn = void (*)();  // a user callback, type-erased
  struct Calls {
    void (*accept)(Listener& lev, Fn fn, int fd, sockaddr* sa, int socklen, void* arg);
    void (*error)(Listener& lev, Fn fn, void* arg);
  };

  // evconnlistener_new: listens on fd (unless backlog is 0) and starts
  // accepting unless kDisabled. NULL on failure.
  static Listener* make(Base& base, const Calls& calls, Fn cb, void* arg, unsigned flags, int backlog,
                        int fd) noexcept;
  // evconnlistener_new_bind: a new socket with the options the flags ask
  // for, bound to sa. NULL on failure, with the failing call's errno.
  static Listener* bind(Base& base, const Calls& calls, Fn cb, void* arg, unsigned flags, int backlog,
                        const sockaddr* sa, int socklen) noexcept;

  // evconnlistener_free: no callback runs after it; the object goes with
  // the last reference.
  void release() noexcept;
  int enable() noexcept;
  int disable() noexcept;
  void set_callback(Fn cb, void* arg) noexcept;
  void set_error_callback(Fn errorcb) noexcept { errorcb_ = errorcb; }
  Base* base() const noexcept { return ev_.base; }
  int fd() const noexcept { return ev_.fd; }

  // For Refs: whether the accept loop may go on.
  bool enabled_for(short) const noexcept { return enabled_; }
  int refcnt = 1;

 private:
  Listener(const Calls& calls, Fn cb, void* arg, unsigned flags) noexcept;
  static void destroy(Listener* lev) noexcept;
  using Refs = evref::Refs<Listener, destroy>;
  static void accept_ready(int fd, short what, void* arg);

  Event ev_;  // EV_READ | EV_PERSIST on the listening fd
  const Calls& calls_;
  Fn cb_;
  Fn errorcb_ = nullptr;
  void* arg_;
  unsigned flags_;
  int accept_flags_ = 0;  // for accept4: SOCK_NONBLOCK, SOCK_CLOEXEC
  bool enabled_ = false;
};

}  // namespace evref

#endif  // EVREF_CORE_LISTENER_H
