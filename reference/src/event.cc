// The C face of <event2/event.h>: argument checks the way libevent answers
// them (-1 / NULL / 0, never a crash on NULL), then evref::Base. No loop
// logic lives here.
#include <event2/event.h>
#include <event2/event_compat.h>

#include <sys/time.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <new>
#include <type_traits>

#include "core/debug_map.h"
#include "core/mm.h"
#include "facade.h"

using evref::core;
using evref::guarded;
using evref::opt_micros;
namespace debug = evref::debug;

struct event_config {
  evref::Base::Options options;
};

namespace {

static_assert(EV_TIMEOUT == evref::kTimeout && EV_READ == evref::kRead &&
                  EV_WRITE == evref::kWrite && EV_SIGNAL == evref::kSignal &&
                  EV_PERSIST == evref::kPersist && EV_ET == evref::kEdge &&
                  EV_CLOSED == evref::kClosed,
              "EV_* values");
static_assert(EVLOOP_ONCE == evref::kLoopOnce && EVLOOP_NONBLOCK == evref::kLoopNonblock &&
                  EVLOOP_NO_EXIT_ON_EMPTY == evref::kLoopNoExitOnEmpty,
              "EVLOOP_* values");
static_assert(int{EVENT_BASE_FLAG_NOLOCK} == int{evref::kFlagNoLock} &&
                  int{EVENT_BASE_FLAG_IGNORE_ENV} == int{evref::kFlagIgnoreEnv} &&
                  int{EVENT_BASE_FLAG_NO_CACHE_TIME} == int{evref::kFlagNoCacheTime},
              "event_base_config_flag values");
// event_assign works on caller storage and event_free on event_new's: the
// event must need no destructor.
static_assert(std::is_trivially_destructible<event>::value, "event is plain data");

// The libevent 1.4 "current" base: event_init's latest, until freed.
event_base* current_base = nullptr;

// event_self_cbarg's answer: an address no user can pass by accident.
char self_cbarg_marker;

evref::Callback to_core(event_callback_fn cb) { return cb; }

}  // namespace

event_base* evref::current_event_base() noexcept { return current_base; }

extern "C" {

const char* event_get_version(void) { return LIBEVENT_VERSION; }
ev_uint32_t event_get_version_number(void) { return LIBEVENT_VERSION_NUMBER; }

// ------------------------------------------------------------------ config

event_config* event_config_new(void) {
  return guarded<event_config*>(nullptr, [] { return new event_config(); });
}
void event_config_free(event_config* cfg) { delete cfg; }

int event_config_avoid_method(event_config* cfg, const char* method) {
  if (cfg == nullptr || method == nullptr) return -1;
  // emplace_back changes nothing when it throws: the config stays as it was.
  return guarded(-1, [&] {
    cfg->options.avoid.emplace_back(method);
    return 0;
  });
}

int event_config_require_features(event_config* cfg, int feature) {
  if (cfg == nullptr) return -1;
  cfg->options.required_features = feature;
  return 0;
}

int event_config_set_flag(event_config* cfg, int flag) {
  if (cfg == nullptr) return -1;
  cfg->options.flags |= flag;
  return 0;
}

// ------------------------------------------------------------------- base

event_base* event_base_new_with_config(const event_config* cfg) {
  // Base's constructor may throw (it names and makes the backend); the
  // memory of a base whose constructor threw is released by the new
  // expression, its members by their destructors.
  debug::mark_too_late();  // event_enable_debug_mode must come before any base
  return guarded<event_base*>(nullptr, [cfg]() -> event_base* {
    const evref::Base::Options none;
    event_base* base = new event_base(cfg ? cfg->options : none);
    if (!base->ok()) {
      delete base;
      return nullptr;
    }
    return base;
  });
}

event_base* event_base_new(void) { return event_base_new_with_config(nullptr); }
void event_base_free(event_base* base) {
  if (base == current_base) current_base = nullptr;
  if (base) base->end_finalizers(true);  // event.h: it invokes pending finalizers
  delete base;
}

const char* event_base_get_method(const event_base* base) {
  return base ? base->method() : nullptr;
}

const char** event_get_supported_methods(void) {
  static const char* names[] = {nullptr, nullptr, nullptr};
  // evref::backends() builds its list on first use; without memory the
  // list stays unbuilt and the answer is NULL, libevent's failure value.
  return guarded<const char**>(nullptr, [] {
    if (names[0] == nullptr) {
      size_t i = 0;
      for (const evref::BackendInfo& b : evref::backends())
        if (i + 1 < sizeof names / sizeof names[0]) names[i++] = b.name;
    }
    return names;
  });
}

int event_base_get_features(const event_base* base) { return base ? base->features() : 0; }

int event_base_dispatch(event_base* base) { return event_base_loop(base, 0); }
int event_base_loop(event_base* base, int flags) { return base ? base->loop(flags) : -1; }

int event_base_loopexit(event_base* base, const timeval* tv) {
  evref::Micros delay;
  return base ? base->loopexit(opt_micros(tv, delay)) : -1;
}

int event_base_loopbreak(event_base* base) {
  if (base == nullptr) return -1;
  base->loopbreak();
  return 0;
}

int event_base_loopcontinue(event_base* base) {
  if (base == nullptr) return -1;
  base->loopcontinue();
  return 0;
}

int event_base_got_exit(event_base* base) { return base && base->got_exit() ? 1 : 0; }
int event_base_got_break(event_base* base) { return base && base->got_break() ? 1 : 0; }

event* event_base_get_running_event(event_base* base) {
  return base && base->running_event() ? evref::facade(base->running_event()) : nullptr;
}

// libevent: a NULL base means the current one (event_init's); without a
// cached time (outside the loop, or EVENT_BASE_FLAG_NO_CACHE_TIME) the
// time is read from the system.
int event_base_gettimeofday_cached(event_base* base, timeval* tv) {
  if (tv == nullptr) return -1;
  if (base == nullptr) base = current_base;
  if (base == nullptr || !base->time_cached()) return gettimeofday(tv, nullptr);
  *tv = evref::to_timeval(base->now() + base->wall_offset());
  return 0;
}

int event_gettime_monotonic(event_base* base, timeval* tp) {
  if (base == nullptr || tp == nullptr) return -1;
  *tp = evref::to_timeval(evref::monotonic_now());
  return 0;
}

int event_base_priority_init(event_base* base, int n) { return base ? base->priority_init(n) : -1; }
int event_base_get_npriorities(event_base* base) {
  if (base == nullptr) base = current_base;  // libevent reads the current base
  return base ? base->npriorities() : 0;
}

// ------------------------------------------------------------- inspection

int event_base_foreach_event(event_base* base, event_base_foreach_event_cb fn, void* arg) {
  if (base == nullptr || fn == nullptr) return -1;
  struct Visit {
    const event_base* base;
    event_base_foreach_event_cb fn;
    void* arg;
  } visit{base, fn, arg};
  return base->foreach_event(
      [](const evref::Event& ev, void* v) {
        const Visit* c = static_cast<const Visit*>(v);
        return c->fn(c->base, evref::facade(&ev), c->arg);
      },
      &visit);
}

// libevent 2.1.12's format, which tools such as its test/check-dumpevents.py
// read: the added events with their flags and wall-clock deadline, then the
// active ones with their priority and result.
void event_base_dump_events(event_base* base, FILE* out) {
  if (base == nullptr || out == nullptr) return;
  struct Dump {
    const event_base* base;
    FILE* out;
  } dump{base, out};
  std::fputs("Inserted events:\n", out);
  base->foreach_event(
      [](const evref::Event& ev, void* v) {
        const Dump* d = static_cast<const Dump*>(v);
        if (!(ev.state & (evref::Event::kInserted | evref::Event::kTimerSet))) return 0;
        std::fprintf(d->out, "  %p [%s %d]%s%s%s%s%s%s", static_cast<const void*>(&ev),
                     ev.events & EV_SIGNAL ? "sig" : "fd ", ev.fd, ev.events & EV_READ ? " Read" : "",
                     ev.events & EV_WRITE ? " Write" : "", ev.events & EV_CLOSED ? " EOF" : "",
                     ev.events & EV_SIGNAL ? " Signal" : "", ev.events & EV_PERSIST ? " Persist" : "",
                     ev.events & EV_ET ? " ET" : "");
        if (ev.state & evref::Event::kTimerSet) {
          const timeval tv = evref::to_timeval(evref::add_saturating(ev.deadline, d->base->wall_offset()));
          std::fprintf(d->out, " Timeout=%ld.%06d", static_cast<long>(tv.tv_sec), static_cast<int>(tv.tv_usec));
        }
        std::fputc('\n', d->out);
        return 0;
      },
      &dump);
  std::fputs("Active events:\n", out);
  base->foreach_event(
      [](const evref::Event& ev, void* v) {
        const Dump* d = static_cast<const Dump*>(v);
        if (!(ev.state & evref::Event::kActive)) return 0;
        std::fprintf(d->out, "  %p [%s %d, priority=%d]%s%s%s%s%s active\n", static_cast<const void*>(&ev),
                     ev.events & EV_SIGNAL ? "sig" : "fd ", ev.fd, ev.priority, ev.res & EV_READ ? " Read" : "",
                     ev.res & EV_WRITE ? " Write" : "", ev.res & EV_CLOSED ? " EOF" : "",
                     ev.res & EV_SIGNAL ? " Signal" : "", ev.res & EV_TIMEOUT ? " Timeout" : "");
        return 0;
      },
      &dump);
}

const timeval* event_base_init_common_timeout(event_base* base, const timeval* duration) {
  if (base == nullptr || duration == nullptr) return nullptr;
  return guarded<const timeval*>(nullptr, [&] { return base->common_timeout(*duration); });
}

int event_priority_set(event* ev, int pri) {
  debug::assert_setup(ev, __func__);
  evref::Event* e = core(ev);
  return e && e->base ? e->base->set_priority(*e, pri) : -1;
}

// ------------------------------------------------------------------ events

void* event_self_cbarg(void) { return &self_cbarg_marker; }

int event_assign(event* ev, event_base* base, evutil_socket_t fd, short events,
                 event_callback_fn cb, void* arg) {
  if (ev == nullptr) return -1;
  if (!(events & EV_SIGNAL)) debug::assert_nonblocking(fd);
  debug::assert_not_added(ev, __func__);  // event.h: "re-assigned while it is added"
  if (arg == &self_cbarg_marker) arg = ev;
  const int rc = evref::Base::assign(*evref::make_core(ev), base, fd, events, to_core(cb), arg);
  if (rc == 0) debug::note_setup(ev);
  return rc;
}

event* event_new(event_base* base, evutil_socket_t fd, short events, event_callback_fn cb,
                 void* arg) {
  // event_set_mem_functions' allocator: event_free_finalize's finalizer
  // frees the event from the core (mm.h). event_assign constructs it.
  event* ev = static_cast<event*>(evref::mm::malloc(sizeof(event)));
  if (ev == nullptr) return nullptr;
  if (event_assign(ev, base, fd, events, cb, arg) != 0) {
    evref::mm::free(ev);
    return nullptr;
  }
  return ev;
}

size_t event_get_struct_event_size(void) { return sizeof(event); }

// Binds an event assigned without a base; only before it was ever added.
int event_base_set(event_base* base, event* ev) {
  evref::Event* e = core(ev);
  if (base == nullptr || e == nullptr || e->state != evref::Event::kInit) return -1;
  debug::assert_setup(ev, __func__);
  e->base = base;
  e->priority = base->default_priority();
  return 0;
}

void event_free(event* ev) {
  if (ev == nullptr) return;
  evref::Event* e = core(ev);
  if (e->base) e->base->del(*e);
  debug::note_teardown(ev);
  evref::mm::free(ev);
}

int event_add(event* ev, const timeval* tv) {
  evref::Micros timeout;
  evref::Event* e = core(ev);
  if (e == nullptr || e->base == nullptr) return -1;
  debug::assert_setup(ev, __func__);
  const int rc = e->base->add(*e, opt_micros(tv, timeout), false);
  if (rc == 0) debug::note_add(ev);
  return rc;
}

int event_remove_timer(event* ev) {
  evref::Event* e = core(ev);
  if (e == nullptr || e->base == nullptr) return -1;
  debug::assert_setup(ev, __func__);
  return e->base->remove_timer(*e);
}

void event_active(event* ev, int res, short ncalls) {
  evref::Event* e = core(ev);
  if (e == nullptr || e->base == nullptr) return;
  debug::assert_setup(ev, __func__);
  e->base->activate(*e, static_cast<short>(res), ncalls);
}

int event_pending(const event* ev, short what, timeval* tv) {
  const evref::Event* e = core(ev);
  if (e == nullptr || e->base == nullptr) return 0;
  debug::assert_setup(ev, __func__);
  evref::Micros deadline = 0;
  const short flags = e->base->pending(*e, what, tv ? &deadline : nullptr);
  if (tv && (flags & EV_TIMEOUT)) *tv = evref::to_timeval(deadline);
  return flags;
}

int event_initialized(const event* ev) {
  return ev && (core(ev)->state & evref::Event::kInit) ? 1 : 0;
}

// The accessors: what event_assign stored (debug mode: only of an
// assigned event).
evutil_socket_t event_get_fd(const event* ev) {
  debug::assert_setup(ev, __func__);
  return ev ? core(ev)->fd : -1;
}
event_base* event_get_base(const event* ev) {
  debug::assert_setup(ev, __func__);
  return ev ? static_cast<event_base*>(core(ev)->base) : nullptr;
}
short event_get_events(const event* ev) {
  debug::assert_setup(ev, __func__);
  return ev ? core(ev)->events : 0;
}
event_callback_fn event_get_callback(const event* ev) {
  debug::assert_setup(ev, __func__);
  return ev ? core(ev)->cb : nullptr;
}
void* event_get_callback_arg(const event* ev) {
  debug::assert_setup(ev, __func__);
  return ev ? core(ev)->arg : nullptr;
}
int event_get_priority(const event* ev) {
  debug::assert_setup(ev, __func__);
  return ev ? core(ev)->priority : -1;
}

void event_get_assignment(const event* ev, event_base** base_out, evutil_socket_t* fd_out,
                          short* events_out, event_callback_fn* callback_out, void** arg_out) {
  debug::assert_setup(ev, __func__);
  if (ev == nullptr) return;
  const evref::Event* e = core(ev);
  if (base_out) *base_out = static_cast<event_base*>(e->base);
  if (fd_out) *fd_out = e->fd;
  if (events_out) *events_out = e->events;
  if (callback_out) *callback_out = e->cb;
  if (arg_out) *arg_out = e->arg;
}

int event_base_once(event_base* base, evutil_socket_t fd, short events, event_callback_fn cb,
                    void* arg, const timeval* tv) {
  evref::Micros timeout;
  return base ? base->once(fd, events, to_core(cb), arg, opt_micros(tv, timeout)) : -1;
}

// --- base and loop inspection (issue 19)

int event_base_get_num_events(event_base* base, unsigned int type) {
  return base ? base->count_events(type) : 0;
}

int event_base_get_max_events(event_base* base, unsigned int type, int clear) {
  return base ? base->max_events(type, clear != 0) : 0;
}

void event_base_active_by_fd(event_base* base, evutil_socket_t fd, short events) {
  if (base) base->activate_by_fd(fd, events);
}

void event_base_active_by_signal(event_base* base, int sig) {
  if (base) base->activate_by_signal(sig);
}

// libevent: a NULL base means the current one; -1 without one. Outside the
// loop (or with EVENT_BASE_FLAG_NO_CACHE_TIME) nothing is cached: 0 and no
// effect.
int event_base_update_cache_time(event_base* base) {
  if (base == nullptr) base = current_base;
  if (base == nullptr) return -1;
  base->update_cache_time();
  return 0;
}

int event_reinit(event_base* base) { return base ? base->reinit() : -1; }

// Windows only in libevent (the IOCP thread pool): recorded there, unused
// on Linux; here accepted and dropped.
int event_config_set_num_cpus_hint(event_config* cfg, int) { return cfg ? 0 : -1; }

// libevent's reading of the arguments: NULL, or a negative tv_sec, is no
// interval; a negative count is no limit; a negative priority is 0.
int event_config_set_max_dispatch_interval(event_config* cfg, const timeval* max_interval,
                                           int max_callbacks, int min_priority) {
  if (cfg == nullptr) return -1;
  evref::Base::DispatchLimits& d = cfg->options.dispatch;
  d.has_interval = max_interval != nullptr && max_interval->tv_sec >= 0;
  d.interval = d.has_interval ? evref::saturated_micros(*max_interval) : 0;
  d.max_callbacks = max_callbacks >= 0 ? max_callbacks : INT_MAX;
  d.min_priority = min_priority < 0 ? 0 : min_priority;
  return 0;
}

// ------------------------------------------------ the libevent 1.4 API

event_base* event_init(void) {
  event_base* base = event_base_new();
  if (base != nullptr) current_base = base;
  return base;
}

void event_set(event* ev, evutil_socket_t fd, short events, event_callback_fn cb, void* arg) {
  event_assign(ev, current_base, fd, events, cb, arg);
}

int event_dispatch(void) { return event_base_dispatch(current_base); }
int event_loop(int flags) { return event_base_loop(current_base, flags); }
int event_loopexit(const timeval* tv) { return event_base_loopexit(current_base, tv); }
int event_loopbreak(void) { return event_base_loopbreak(current_base); }
int event_once(evutil_socket_t fd, short events, event_callback_fn cb, void* arg,
               const timeval* tv) {
  return event_base_once(current_base, fd, events, cb, arg, tv);
}
const char* event_get_method(void) { return event_base_get_method(current_base); }
int event_priority_init(int n) { return event_base_priority_init(current_base, n); }

void event_enable_debug_mode(void) {
  debug::enable();  // a fatal error when too late or twice
  evref::Base::enable_debug_mode();
}

// --- per-event finalizers, accessors and debug hooks (issue 19)

void event_base_free_nofinalize(event_base* base) {
  if (base) base->end_finalizers(false);  // dropped: event_base_free finds none to run
  event_base_free(base);
}

// libevent refuses (-1, "event has no event_base set") an event without a
// base. The unsigned flags are reserved: 0 in every caller.
static int finalize_event(event* ev, event_finalize_callback_fn cb, bool free_after) {
  evref::Event* e = core(ev);
  if (e == nullptr || e->base == nullptr) return -1;
  return e->base->finalize(*e, cb, free_after);
}
int event_finalize(unsigned, event* ev, event_finalize_callback_fn cb) {
  return finalize_event(ev, cb, false);
}
int event_free_finalize(unsigned, event* ev, event_finalize_callback_fn cb) {
  return finalize_event(ev, cb, true);
}

// event.h: "When debugging mode is not enabled, does nothing". In debug mode
// the event is forgotten, and no longer initialized.
void event_debug_unassign(event* ev) {
  if (ev == nullptr || !debug::enabled()) return;
  debug::assert_not_added(ev, __func__);
  debug::note_teardown(ev);
  core(ev)->state &= ~evref::Event::kInit;
}

// The delete variants: event_del waits for the event's callback running in
// another thread unless the event has EV_FINALIZE; these always / never do.
static int del_event(event* ev, evref::Base::DelMode mode) {
  evref::Event* e = core(ev);
  if (e == nullptr || e->base == nullptr) return -1;
  // A finalized event: a no-op (Base::del decides, under the base's lock).
  const int rc = e->base->del(*e, mode);
  debug::note_del(ev);
  return rc;
}
int event_del(event* ev) { return del_event(ev, evref::Base::kDelAuto); }
int event_del_noblock(event* ev) { return del_event(ev, evref::Base::kDelNoBlock); }
int event_del_block(event* ev) { return del_event(ev, evref::Base::kDelBlock); }

void event_set_mem_functions(void* (*malloc_fn)(size_t sz),
                             void* (*realloc_fn)(void* ptr, size_t sz),
                             void (*free_fn)(void* ptr)) {
  evref::mm::set_functions(malloc_fn, realloc_fn, free_fn);
}

}  // extern "C"
