/*
 * evconform reference implementation: <event2/event.h>, the subset.
 *
 * event_base, events (I/O, timers, signals), the loop and its controls.
 * Names, signatures and constant values are libevent 2.1's; the comments
 * state the rules the reference follows (the conformance suite checks them
 * on every implementation).
 */
#ifndef EVENT2_EVENT_H_INCLUDED_
#define EVENT2_EVENT_H_INCLUDED_

#include <event2/util.h>
#include <stdio.h>
#include <sys/time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque handles. */
struct event_base;
struct event;
struct event_config;

/* API level: libevent 2.1.12's. */
#define LIBEVENT_VERSION "2.1.12-evref"
#define LIBEVENT_VERSION_NUMBER 0x02010c00
const char *event_get_version(void);
ev_uint32_t event_get_version_number(void);

/* What an event waits for, and why its callback runs. */
#define EV_TIMEOUT 0x01
#define EV_READ 0x02
#define EV_WRITE 0x04
#define EV_SIGNAL 0x08
#define EV_PERSIST 0x10 /* stays pending after its callback; timeout re-armed */
#define EV_ET 0x20      /* edge-triggered, where the backend supports it */
#define EV_FINALIZE 0x40
#define EV_CLOSED 0x80 /* peer closed, where the backend supports it */

/* event_base_loop flags. */
#define EVLOOP_ONCE 0x01             /* wait for events, run them, return */
#define EVLOOP_NONBLOCK 0x02         /* run what is ready, never wait */
#define EVLOOP_NO_EXIT_ON_EMPTY 0x04 /* keep looping with nothing pending */

#define EVENT_MAX_PRIORITIES 256

/* event_base_get_num_events / event_base_get_max_events flags, summed:
   active events, virtual ones (none on Linux) and added ones (active events
   count here again, as in libevent). */
#define EVENT_BASE_COUNT_ACTIVE 1U
#define EVENT_BASE_COUNT_VIRTUAL 2U
#define EVENT_BASE_COUNT_ADDED 4U

typedef void (*event_callback_fn)(evutil_socket_t, short, void *);
typedef void (*event_log_cb)(int severity, const char *msg);

enum event_method_feature {
  EV_FEATURE_ET = 0x01,
  EV_FEATURE_O1 = 0x02,
  EV_FEATURE_FDS = 0x04,
  EV_FEATURE_EARLY_CLOSE = 0x08
};

enum event_base_config_flag {
  EVENT_BASE_FLAG_NOLOCK = 0x01,
  EVENT_BASE_FLAG_IGNORE_ENV = 0x02, /* ignore EVENT_NO<METHOD> variables */
  EVENT_BASE_FLAG_STARTUP_IOCP = 0x04,
  EVENT_BASE_FLAG_NO_CACHE_TIME = 0x08,
  EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST = 0x10,
  EVENT_BASE_FLAG_PRECISE_TIMER = 0x20
};

/* Configuration: methods to avoid, features to require, flags. */
struct event_config *event_config_new(void);
void event_config_free(struct event_config *cfg);
int event_config_avoid_method(struct event_config *cfg, const char *method);
int event_config_require_features(struct event_config *cfg, int feature);
int event_config_set_flag(struct event_config *cfg, int flag);

/* A new base on the first method (epoll, then poll) that the config allows
 * and the environment does not disable (EVENT_NOEPOLL, EVENT_NOPOLL);
 * NULL when none qualifies. */
struct event_base *event_base_new(void);
struct event_base *event_base_new_with_config(const struct event_config *);
/* Events still added are removed without their callbacks running; their
 * memory and fds stay the caller's. */
void event_base_free(struct event_base *);
void event_base_free_nofinalize(struct event_base *);
const char *event_base_get_method(const struct event_base *);
const char **event_get_supported_methods(void);
int event_base_get_features(const struct event_base *base);

/* The loop. Returns 0 after loopexit/loopbreak or when EVLOOP_ONCE /
 * EVLOOP_NONBLOCK are done, 1 when no events are pending or active, -1 on
 * error (also when the loop is already running). */
int event_base_dispatch(struct event_base *);
int event_base_loop(struct event_base *, int);
/* Exit after the callbacks active in the current iteration (or after tv). */
int event_base_loopexit(struct event_base *, const struct timeval *);
/* Exit after the callback now running; lost if the loop is not running. */
int event_base_loopbreak(struct event_base *);
int event_base_loopcontinue(struct event_base *);
int event_base_got_exit(struct event_base *);
int event_base_got_break(struct event_base *);
struct event *event_base_get_running_event(struct event_base *base);
int event_base_gettimeofday_cached(struct event_base *base, struct timeval *tv);
int event_gettime_monotonic(struct event_base *base, struct timeval *tp);

/* Priorities: 0 is the highest; new events get n/2. */
int event_base_priority_init(struct event_base *, int);
int event_base_get_npriorities(struct event_base *eb);
int event_priority_set(struct event *, int);

/* Inspection and tuning. */
typedef int (*event_base_foreach_event_cb)(const struct event_base *, const struct event *, void *);
/* fn on each added or active event; returns 0, or fn's first nonzero answer. */
int event_base_foreach_event(struct event_base *base, event_base_foreach_event_cb fn, void *arg);
/* A description of the added and active events; the format is not fixed. */
void event_base_dump_events(struct event_base *, FILE *);
/* A timeout to give event_add for many events of one duration. */
const struct timeval *event_base_init_common_timeout(struct event_base *base,
                                                     const struct timeval *duration);

/* Events. */
void *event_self_cbarg(void);
struct event *event_new(struct event_base *, evutil_socket_t, short, event_callback_fn, void *);
int event_assign(struct event *, struct event_base *, evutil_socket_t, short, event_callback_fn,
                 void *);
size_t event_get_struct_event_size(void);
int event_base_set(struct event_base *, struct event *);
void event_free(struct event *);
int event_add(struct event *ev, const struct timeval *timeout);
int event_remove_timer(struct event *ev);
int event_del(struct event *);
int event_del_noblock(struct event *ev);
int event_del_block(struct event *ev);
void event_active(struct event *ev, int res, short ncalls);
int event_pending(const struct event *ev, short events, struct timeval *tv);
int event_initialized(const struct event *ev);
evutil_socket_t event_get_fd(const struct event *ev);
struct event_base *event_get_base(const struct event *ev);
short event_get_events(const struct event *ev);
event_callback_fn event_get_callback(const struct event *ev);
void *event_get_callback_arg(const struct event *ev);
int event_get_priority(const struct event *ev);
void event_get_assignment(const struct event *event, struct event_base **base_out,
                          evutil_socket_t *fd_out, short *events_out,
                          event_callback_fn *callback_out, void **arg_out);

/* Finalizers: the event is deleted at once and cb(ev, arg) runs once from
 * the loop, at the event's priority, after any callback of it in progress;
 * until then event_add fails (-1) and event_del / event_active do nothing.
 * event_free_finalize frees the event (event_new's) after cb returns.
 * event_base_free runs the finalizers still waiting; _nofinalize does not.
 * The first argument is reserved (0). */
typedef void (*event_finalize_callback_fn)(struct event *, void *);
int event_finalize(unsigned, struct event *, event_finalize_callback_fn);
int event_free_finalize(unsigned, struct event *, event_finalize_callback_fn);

/* One callback, then the event frees itself (no EV_SIGNAL, no EV_PERSIST). */
int event_base_once(struct event_base *, evutil_socket_t, short, event_callback_fn, void *,
                    const struct timeval *);

/* Logging (log.cc): messages go to the callback, or to stderr as
   "[warn] text" when it is NULL; debug messages only while debug logging is
   on (EVENT_DBG_ALL). The reference logs what libevent logs from the same
   calls where it has such calls (evutil's fcntl failures). */
#define EVENT_LOG_DEBUG 0
#define EVENT_LOG_MSG 1
#define EVENT_LOG_WARN 2
#define EVENT_LOG_ERR 3
/* Obsolete names that older programs use. */
#define _EVENT_LOG_DEBUG EVENT_LOG_DEBUG
#define _EVENT_LOG_MSG EVENT_LOG_MSG
#define _EVENT_LOG_WARN EVENT_LOG_WARN
#define _EVENT_LOG_ERR EVENT_LOG_ERR
void event_set_log_callback(event_log_cb cb);
typedef void (*event_fatal_cb)(int err);
/* Called on a fatal internal error instead of exit(1). The reference
   reports failures as return values, so its only fatal error is a kernel
   that gives no random bytes (evutil_secure_rng_get_bytes). */
void event_set_fatal_callback(event_fatal_cb cb);
#define EVENT_DBG_ALL 0xffffffffu
#define EVENT_DBG_NONE 0
void event_enable_debug_logging(ev_uint32_t which);

/* Debug mode, before any base or event exists (else, or when called twice,
   a fatal error): every assigned event is tracked, and a call on an event
   that is not assigned (never, or since event_free / event_debug_unassign),
   or event_assign / event_debug_unassign on an added one, logs an error and
   ends the process (the fatal callback, else abort()). event_add also
   refuses (-1) to mix EV_ET and level-triggered events on one fd.
   event_debug_unassign: the event is no longer tracked; nothing without
   debug mode. */
void event_enable_debug_mode(void);
void event_debug_unassign(struct event *);

/* The allocator behind what the reference hands out to be freed by the
   caller (evbuffer_readln's line) and behind events and evbuffer chains;
   NULL restores malloc / realloc / free. Call it before anything that
   allocates. */
void event_set_mem_functions(void *(*malloc_fn)(size_t sz),
                             void *(*realloc_fn)(void *ptr, size_t sz),
                             void (*free_fn)(void *ptr));
/* Present because the reference implements event_set_mem_functions. */
#define EVENT_SET_MEM_FUNCTIONS_IMPLEMENTED

/* Base and loop inspection (issue 19). */
int event_base_get_num_events(struct event_base *, unsigned int);
/* The highest count since the base was made or the maximum cleared. */
int event_base_get_max_events(struct event_base *, unsigned int, int);
/* Activate the added events of an fd whose flags match (with EV_TIMEOUT:
   those with a timeout), or of a signal. */
void event_base_active_by_fd(struct event_base *base, evutil_socket_t fd, short events);
void event_base_active_by_signal(struct event_base *base, int sig);
/* Reads the time again for event_base_gettimeofday_cached; inside the loop
   only, and not with EVENT_BASE_FLAG_NO_CACHE_TIME. */
int event_base_update_cache_time(struct event_base *base);
/* After fork(): a new kernel backend and signal pipe for the child's base,
   with every added event registered again. */
int event_reinit(struct event_base *base);
/* Windows (IOCP) only in libevent: accepted and ignored. */
int event_config_set_num_cpus_hint(struct event_config *cfg, int cpus);
/* Check for new events after max_callbacks callbacks (-1: no limit) or
   max_interval (NULL: none), for priorities min_priority and above. */
int event_config_set_max_dispatch_interval(struct event_config *cfg,
                                           const struct timeval *max_interval,
                                           int max_callbacks, int min_priority);

/* Releases global resources. The reference holds none that outlive the
   bases, so there is nothing to do; programs call it before exiting. */
void libevent_global_shutdown(void);

#define evtimer_assign(ev, b, cb, arg) event_assign((ev), (b), -1, 0, (cb), (arg))
#define evtimer_new(b, cb, arg) event_new((b), -1, 0, (cb), (arg))
#define evtimer_add(ev, tv) event_add((ev), (tv))
#define evtimer_del(ev) event_del(ev)
#define evtimer_pending(ev, tv) event_pending((ev), EV_TIMEOUT, (tv))
#define evtimer_initialized(ev) event_initialized(ev)

#define evsignal_add(ev, tv) event_add((ev), (tv))
#define evsignal_assign(ev, b, x, cb, arg) \
  event_assign((ev), (b), (x), EV_SIGNAL | EV_PERSIST, cb, (arg))
#define evsignal_new(b, x, cb, arg) event_new((b), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
#define evsignal_del(ev) event_del(ev)
#define evsignal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
#define evsignal_initialized(ev) event_initialized(ev)
#define event_get_signal(ev) ((int)event_get_fd(ev))
/* User-triggered events: no fd, no flags, made active by evuser_trigger. */
#define evuser_new(b, cb, arg) event_new((b), -1, 0, (cb), (arg))
#define evuser_del(ev) event_del(ev)
#define evuser_pending(ev, tv) event_pending((ev), 0, (tv))
#define evuser_initialized(ev) event_initialized(ev)
#define evuser_trigger(ev) event_active((ev), 0, 0)

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_EVENT_H_INCLUDED_ */
