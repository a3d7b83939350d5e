// The C face of <event2/listener.h>: argument checks the header promises
// (NULL / -1 / no-op on a NULL handle) in front of evref::Listener, which
// holds the accept loop and its lifetime rules. No logic lives here.
#include <event2/listener.h>

#include "core/listener.h"
#include "facade.h"

namespace {

using evref::Listener;

static_assert(Listener::kLeaveSocketsBlocking == LEV_OPT_LEAVE_SOCKETS_BLOCKING &&
                  Listener::kCloseOnFree == LEV_OPT_CLOSE_ON_FREE && Listener::kCloseOnExec == LEV_OPT_CLOSE_ON_EXEC &&
                  Listener::kReuseable == LEV_OPT_REUSEABLE && Listener::kDisabled == LEV_OPT_DISABLED &&
                  Listener::kDeferredAccept == LEV_OPT_DEFERRED_ACCEPT &&
                  Listener::kReuseablePort == LEV_OPT_REUSEABLE_PORT &&
                  Listener::kBindIpv6Only == LEV_OPT_BIND_IPV6ONLY,
              "LEV_OPT_* values");

// The opaque handle is the core object (facade.h: Handle).
using H = evref::Handle<evconnlistener, Listener>;

// The user's callbacks, cast back to their own types.
const Listener::Calls calls = {
    [](Listener& lev, Listener::Fn fn, int fd, sockaddr* sa, int socklen, void* arg) {
      reinterpret_cast<evconnlistener_cb>(fn)(H::handle(&lev), fd, sa, socklen, arg);
    },
    [](Listener& lev, Listener::Fn fn, void* arg) {
      reinterpret_cast<evconnlistener_errorcb>(fn)(H::handle(&lev), arg);
    },
};

Listener::Fn erase(evconnlistener_cb cb) { return reinterpret_cast<Listener::Fn>(cb); }

}  // namespace

extern "C" {

evconnlistener* evconnlistener_new(event_base* base, evconnlistener_cb cb, void* ptr, unsigned flags, int backlog,
                                   evutil_socket_t fd) {
  if (base == nullptr) return nullptr;
  return H::handle(Listener::make(*base, calls, erase(cb), ptr, flags, backlog, fd));
}

evconnlistener* evconnlistener_new_bind(event_base* base, evconnlistener_cb cb, void* ptr, unsigned flags,
                                        int backlog, const sockaddr* sa, int socklen) {
  if (base == nullptr) return nullptr;
  return H::handle(Listener::bind(*base, calls, erase(cb), ptr, flags, backlog, sa, socklen));
}

void evconnlistener_free(evconnlistener* lev) {
  if (lev) H::core(lev)->release();
}

int evconnlistener_enable(evconnlistener* lev) { return lev ? H::core(lev)->enable() : -1; }
int evconnlistener_disable(evconnlistener* lev) { return lev ? H::core(lev)->disable() : -1; }

event_base* evconnlistener_get_base(evconnlistener* lev) {
  return lev ? static_cast<event_base*>(H::core(lev)->base()) : nullptr;
}

evutil_socket_t evconnlistener_get_fd(evconnlistener* lev) { return lev ? H::core(lev)->fd() : -1; }

void evconnlistener_set_cb(evconnlistener* lev, evconnlistener_cb cb, void* arg) {
  if (lev) H::core(lev)->set_callback(erase(cb), arg);
}

void evconnlistener_set_error_cb(evconnlistener* lev, evconnlistener_errorcb errorcb) {
  if (lev) H::core(lev)->set_error_callback(reinterpret_cast<Listener::Fn>(errorcb));
}

}  // extern "C"
