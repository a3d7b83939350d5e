// The C face of <event2/bufferevent.h>: argument checks the header promises
// (NULL / -1 / no-op on a NULL handle) in front of evref::Bufferevent and
// its kinds (core/bufferevent.h, core/bufferevent_socket.h), which hold all
// of the logic.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_compat.h>
#include <event2/bufferevent_struct.h>

#include "bufferevent_handle.h"
#include "bufferevent_tls.h"
#include "core/bufferevent_pair.h"
#include "core/bufferevent_filter.h"
#include "core/bufferevent_socket.h"
#include "core/thread.h"
#include "facade.h"

namespace {

using evref::Bufferevent;
using evref::PairBufferevent;
using evref::FilterBufferevent;
using evref::SocketBufferevent;
using evref::TlsBufferevent;

static_assert(Bufferevent::kEvReading == BEV_EVENT_READING && Bufferevent::kEvWriting == BEV_EVENT_WRITING &&
                  Bufferevent::kEvEof == BEV_EVENT_EOF && Bufferevent::kEvError == BEV_EVENT_ERROR &&
                  Bufferevent::kEvTimeout == BEV_EVENT_TIMEOUT && Bufferevent::kEvConnected == BEV_EVENT_CONNECTED,
              "BEV_EVENT_* values");
static_assert(Bufferevent::kOptCloseOnFree == int{BEV_OPT_CLOSE_ON_FREE} &&
                  Bufferevent::kOptThreadsafe == int{BEV_OPT_THREADSAFE} &&
                  Bufferevent::kOptDeferCallbacks == int{BEV_OPT_DEFER_CALLBACKS} &&
                  Bufferevent::kOptUnlockCallbacks == int{BEV_OPT_UNLOCK_CALLBACKS} &&
                  Bufferevent::kTrigIgnoreWatermarks == int{BEV_TRIG_IGNORE_WATERMARKS} &&
                  Bufferevent::kTrigDeferCallbacks == int{BEV_TRIG_DEFER_CALLBACKS},
              "BEV_OPT_* / BEV_TRIG_* values");
static_assert(Bufferevent::kFlushNormal == int{BEV_NORMAL} && Bufferevent::kFlushFlush == int{BEV_FLUSH} &&
                  Bufferevent::kFlushFinished == int{BEV_FINISHED},
              "enum bufferevent_flush_mode values");

// The handle is the core's struct bufferevent (bufferevent_handle.h).
using H = evref::BevHandle;

// The user's callbacks cast back to their own types, and the buffers made
// as the evbuffers the user is handed.
const Bufferevent::Calls calls = {
    [](Bufferevent& bev, Bufferevent::Fn fn, void* arg) {
      reinterpret_cast<bufferevent_data_cb>(fn)(H::handle(&bev), arg);
    },
    [](Bufferevent& bev, Bufferevent::Fn fn, short what, void* arg) {
      reinterpret_cast<bufferevent_event_cb>(fn)(H::handle(&bev), what, arg);
    },
    []() -> evref::Buffer* { return new (std::nothrow) evbuffer(); },
    [](evref::Buffer* buf) { delete static_cast<evbuffer*>(buf); },
};

// Every entry point holds the bufferevent's lock (BEV_OPT_THREADSAFE), or
// none.
void* lock_of(bufferevent* bev) { return bev ? H::core(bev)->lock() : nullptr; }

evbuffer* facade(evref::Buffer& buf) { return static_cast<evbuffer*>(&buf); }

// The socket kind behind a handle, or NULL (a NULL handle, another kind).
SocketBufferevent* socket_kind(bufferevent* bev) {
  return bev ? dynamic_cast<SocketBufferevent*>(H::core(bev)) : nullptr;
}

static_assert(FilterBufferevent::kOk == int{BEV_OK} && FilterBufferevent::kNeedMore == int{BEV_NEED_MORE} &&
                  FilterBufferevent::kError == int{BEV_ERROR},
              "bufferevent_filter_result values");

// The user's filters cast back, and the callbacks a filter sets on its
// underlying, which hand on to it.
FilterBufferevent* filter_of(void* arg) { return static_cast<FilterBufferevent*>(arg); }
const FilterBufferevent::Hooks filter_hooks = {
    [](Bufferevent::Fn fn, evref::Buffer& src, evref::Buffer& dst, ssize_t limit, int mode, void* ctx) -> int {
      return reinterpret_cast<bufferevent_filter_cb>(fn)(facade(src), facade(dst), limit,
                                                         static_cast<bufferevent_flush_mode>(mode), ctx);
    },
    reinterpret_cast<Bufferevent::Fn>(+[](bufferevent*, void* arg) { filter_of(arg)->on_underlying_read(); }),
    reinterpret_cast<Bufferevent::Fn>(+[](bufferevent*, void* arg) { filter_of(arg)->on_underlying_write(); }),
    reinterpret_cast<Bufferevent::Fn>(
        +[](bufferevent*, short what, void* arg) { filter_of(arg)->on_underlying_event(what); }),
};

// The same for a TLS bufferevent over an underlying one.
TlsBufferevent* tls_of(void* arg) { return static_cast<TlsBufferevent*>(arg); }
const TlsBufferevent::Hooks tls_hooks = {
    reinterpret_cast<Bufferevent::Fn>(+[](bufferevent*, void* arg) { tls_of(arg)->on_underlying_read(); }),
    reinterpret_cast<Bufferevent::Fn>(+[](bufferevent*, void* arg) { tls_of(arg)->on_underlying_write(); }),
    reinterpret_cast<Bufferevent::Fn>(
        +[](bufferevent*, short what, void* arg) { tls_of(arg)->on_underlying_event(what); }),
};

TlsBufferevent* tls_kind(bufferevent* bev) { return bev ? dynamic_cast<TlsBufferevent*>(H::core(bev)) : nullptr; }


}  // namespace

extern "C" {

bufferevent* bufferevent_socket_new(event_base* base, evutil_socket_t fd, int options) {
  return base ? H::handle(SocketBufferevent::make(*base, calls, fd, options)) : nullptr;
}

// The socket kind and a TLS bufferevent over a socket connect; other kinds
// refuse (-1).
int bufferevent_socket_connect(bufferevent* bev, const sockaddr* sa, int socklen) {
  const evref::thread::Locked held(lock_of(bev));
  return bev ? H::core(bev)->connect(sa, socklen) : -1;
}

// The reference has no evdns: an evdns_base cannot exist, so only the
// blocking lookup (evdns_base NULL) is there to take.
int bufferevent_socket_connect_hostname(bufferevent* bev, evdns_base* dns, int family, const char* hostname,
                                        int port) {
  const evref::thread::Locked held(lock_of(bev));
  SocketBufferevent* s = socket_kind(bev);
  return s && dns == nullptr ? s->connect_hostname(family, hostname, port) : -1;
}

int bufferevent_socket_get_dns_error(bufferevent* bev) {
  const evref::thread::Locked held(lock_of(bev));
  SocketBufferevent* s = socket_kind(bev);
  return s ? s->dns_error() : 0;
}

int bufferevent_pair_new(event_base* base, int options, bufferevent* pair[2]) {
  PairBufferevent* ends[2];
  if (base == nullptr || pair == nullptr || !PairBufferevent::make(*base, calls, options, ends)) return -1;
  pair[0] = H::handle(ends[0]);
  pair[1] = H::handle(ends[1]);
  return 0;
}

// NULL for a bufferevent that is not a pair end (libevent 2.1.12).
bufferevent* bufferevent_pair_get_partner(bufferevent* bev) {
  const evref::thread::Locked held(lock_of(bev));
  PairBufferevent* p = bev ? dynamic_cast<PairBufferevent*>(H::core(bev)) : nullptr;
  return p ? H::handle(p->partner()) : nullptr;
}

bufferevent* bufferevent_filter_new(bufferevent* underlying, bufferevent_filter_cb input_filter,
                                    bufferevent_filter_cb output_filter, int options, void (*free_context)(void*),
                                    void* ctx) {
  if (underlying == nullptr) return nullptr;
  const FilterBufferevent::Filters filters = {reinterpret_cast<Bufferevent::Fn>(input_filter),
                                              reinterpret_cast<Bufferevent::Fn>(output_filter), free_context, ctx};
  return H::handle(FilterBufferevent::make(*H::core(underlying), calls, filter_hooks, filters, options));
}

// bufferevent_tls.h: for libevref_openssl.
bufferevent* bufferevent_tls_new_(event_base* base, bufferevent* underlying, evutil_socket_t fd,
                                  evref::TlsSession* session, int state, int options) {
  if (base == nullptr || session == nullptr) return nullptr;
  return H::handle(TlsBufferevent::make(*base, H::core(underlying), fd, session, state, calls, tls_hooks, options));
}

evref::TlsSession* bufferevent_tls_session_(bufferevent* bev) {
  TlsBufferevent* t = tls_kind(bev);
  return t ? &t->session() : nullptr;
}

int bufferevent_tls_renegotiate_(bufferevent* bev) {
  const evref::thread::Locked held(lock_of(bev));
  TlsBufferevent* t = tls_kind(bev);
  return t ? t->renegotiate() : -1;
}

void bufferevent_free(bufferevent* bev) {
  if (bev) H::core(bev)->release();
}

void bufferevent_incref(bufferevent* bev) {
  if (bev) H::core(bev)->incref();
}

int bufferevent_decref(bufferevent* bev) { return bev && H::core(bev)->decref() ? 1 : 0; }

void bufferevent_setcb(bufferevent* bev, bufferevent_data_cb readcb, bufferevent_data_cb writecb,
                       bufferevent_event_cb eventcb, void* cbarg) {
  const evref::thread::Locked held(lock_of(bev));
  if (bev == nullptr) return;
  H::core(bev)->set_callbacks({reinterpret_cast<Bufferevent::Fn>(readcb), reinterpret_cast<Bufferevent::Fn>(writecb),
                               reinterpret_cast<Bufferevent::Fn>(eventcb), cbarg});
}

void bufferevent_getcb(bufferevent* bev, bufferevent_data_cb* readcb_ptr, bufferevent_data_cb* writecb_ptr,
                       bufferevent_event_cb* eventcb_ptr, void** cbarg_ptr) {
  const evref::thread::Locked held(lock_of(bev));
  if (bev == nullptr) return;
  const Bufferevent::Callbacks& cbs = H::core(bev)->callbacks();
  if (readcb_ptr) *readcb_ptr = reinterpret_cast<bufferevent_data_cb>(cbs.read);
  if (writecb_ptr) *writecb_ptr = reinterpret_cast<bufferevent_data_cb>(cbs.write);
  if (eventcb_ptr) *eventcb_ptr = reinterpret_cast<bufferevent_event_cb>(cbs.event);
  if (cbarg_ptr) *cbarg_ptr = cbs.arg;
}

int bufferevent_setfd(bufferevent* bev, evutil_socket_t fd) {
  const evref::thread::Locked held(lock_of(bev));
  return bev ? H::core(bev)->set_fd(fd) : -1;
}
evutil_socket_t bufferevent_getfd(bufferevent* bev) {
  const evref::thread::Locked held(lock_of(bev));
  return bev ? H::core(bev)->fd() : -1;
}

event_base* bufferevent_get_base(bufferevent* bev) {
  const evref::thread::Locked held(lock_of(bev));
  return bev ? static_cast<event_base*>(&H::core(bev)->base()) : nullptr;
}

int bufferevent_base_set(event_base* base, bufferevent* bev) {
  const evref::thread::Locked held(lock_of(bev));
  return base && bev ? H::core(bev)->set_base(*base) : -1;
}

int bufferevent_priority_set(bufferevent* bev, int pri) {
  const evref::thread::Locked held(lock_of(bev));
  return bev ? H::core(bev)->set_priority(pri) : -1;
}
int bufferevent_get_priority(const bufferevent* bev) {
  return bev ? H::core(const_cast<bufferevent*>(bev))->priority() : -1;
}
bufferevent* bufferevent_get_underlying(bufferevent* bev) {
  const evref::thread::Locked held(lock_of(bev));
  return bev ? H::handle(H::core(bev)->underlying()) : nullptr;
}

// The data calls are the evbuffer calls on input or output, with their
// argument checks (as in libevent).
int bufferevent_write(bufferevent* bev, const void* data, size_t size) {
  const evref::thread::Locked held(lock_of(bev));
  return bev && evbuffer_add(bufferevent_get_output(bev), data, size) == 0 ? 0 : -1;
}

int bufferevent_write_buffer(bufferevent* bev, evbuffer* buf) {
  const evref::thread::Locked held(lock_of(bev));
  return bev && evbuffer_add_buffer(bufferevent_get_output(bev), buf) == 0 ? 0 : -1;
}

// libevent 2.1.12 returns (size_t)-1 when evbuffer_remove fails.
size_t bufferevent_read(bufferevent* bev, void* data, size_t size) {
  const evref::thread::Locked held(lock_of(bev));
  return bev ? static_cast<size_t>(evbuffer_remove(bufferevent_get_input(bev), data, size)) : 0;
}

int bufferevent_read_buffer(bufferevent* bev, evbuffer* buf) {
  const evref::thread::Locked held(lock_of(bev));
  return bev ? evbuffer_add_buffer(buf, bufferevent_get_input(bev)) : -1;
}

evbuffer* bufferevent_get_input(bufferevent* bev) { return bev ? facade(H::core(bev)->input()) : nullptr; }
evbuffer* bufferevent_get_output(bufferevent* bev) { return bev ? facade(H::core(bev)->output()) : nullptr; }

int bufferevent_enable(bufferevent* bev, short event) {
  const evref::thread::Locked held(lock_of(bev));
  return bev ? H::core(bev)->enable(event) : -1;
}
int bufferevent_disable(bufferevent* bev, short event) {
  const evref::thread::Locked held(lock_of(bev));
  return bev ? H::core(bev)->disable(event) : -1;
}
short bufferevent_get_enabled(bufferevent* bev) {
  const evref::thread::Locked held(lock_of(bev));
  return bev ? H::core(bev)->enabled() : 0;
}

int bufferevent_set_timeouts(bufferevent* bev, const timeval* tv_read, const timeval* tv_write) {
  const evref::thread::Locked held(lock_of(bev));
  if (bev == nullptr) return -1;
  return H::core(bev)->set_timeouts(tv_read, tv_write);
}

void bufferevent_setwatermark(bufferevent* bev, short events, size_t lowmark, size_t highmark) {
  const evref::thread::Locked held(lock_of(bev));
  if (bev) H::core(bev)->set_watermark(events, lowmark, highmark);
}

int bufferevent_getwatermark(bufferevent* bev, short events, size_t* lowmark, size_t* highmark) {
  const evref::thread::Locked held(lock_of(bev));
  return bev ? H::core(bev)->get_watermark(events, lowmark, highmark) : -1;
}

int bufferevent_flush(bufferevent* bev, short iotype, bufferevent_flush_mode mode) {
  const evref::thread::Locked held(lock_of(bev));
  return bev ? H::core(bev)->flush(iotype, mode) : -1;
}

void bufferevent_trigger(bufferevent* bev, short iotype, int options) {
  const evref::thread::Locked held(lock_of(bev));
  if (bev) H::core(bev)->trigger(iotype, options);
}

void bufferevent_trigger_event(bufferevent* bev, short what, int options) {
  const evref::thread::Locked held(lock_of(bev));
  if (bev) H::core(bev)->trigger_event(what, options);
}

// ------------------------------------------- bufferevent_compat.h (1.4)

// A socket bufferevent on the current base; NULL without one (libevent
// 2.1.12 crashes there).
bufferevent* bufferevent_new(evutil_socket_t fd, bufferevent_data_cb readcb, bufferevent_data_cb writecb,
                             bufferevent_event_cb errorcb, void* cbarg) {
  bufferevent* bev = bufferevent_socket_new(evref::current_event_base(), fd, 0);
  bufferevent_setcb(bev, readcb, writecb, errorcb, cbarg);
  return bev;
}

// Whole seconds; 0 is no timeout for that direction.
void bufferevent_settimeout(bufferevent* bev, int timeout_read, int timeout_write) {
  const timeval r = {timeout_read, 0}, w = {timeout_write, 0};
  bufferevent_set_timeouts(bev, timeout_read ? &r : nullptr, timeout_write ? &w : nullptr);
}

void bufferevent_lock(bufferevent* bev) { evref::thread::lock(lock_of(bev)); }
void bufferevent_unlock(bufferevent* bev) { evref::thread::unlock(lock_of(bev)); }

}  // extern "C"
