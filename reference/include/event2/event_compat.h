/*
 * evconform reference implementation: <event2/event_compat.h>.
 *
 * The libevent 1.4 API that libevent 2.1 keeps: a "current" base made by
 * event_init() and used by the functions without a base argument, and by
 * events prepared with event_set() until event_base_set() moves them.
 * Deprecated in libevent 2; here so 1.4-style programs build unchanged.
 */
#ifndef EVENT2_EVENT_COMPAT_H_INCLUDED_
#define EVENT2_EVENT_COMPAT_H_INCLUDED_

#include <event2/util.h>
#include <sys/time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event;
struct event_base;

/* A new base that becomes the current one (the previous one is not freed). */
struct event_base *event_init(void);
/* event_base_dispatch / _loop / _loopexit / _loopbreak / _once /
 * _get_method / _priority_init on the current base; -1 (NULL for
 * event_get_method) when there is none. */
int event_dispatch(void);
int event_loop(int);
int event_loopexit(const struct timeval *);
int event_loopbreak(void);
int event_once(evutil_socket_t, short, void (*)(evutil_socket_t, short, void *), void *,
               const struct timeval *);
const char *event_get_method(void);
int event_priority_init(int);

/* event_assign on the current base (none: the event has no base until
 * event_base_set). */
void event_set(struct event *, evutil_socket_t, short, void (*)(evutil_socket_t, short, void *),
               void *);

#define evtimer_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
#define evsignal_set(ev, x, cb, arg) event_set((ev), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))

#define timeout_add(ev, tv) event_add((ev), (tv))
#define timeout_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
#define timeout_del(ev) event_del(ev)
#define timeout_pending(ev, tv) event_pending((ev), EV_TIMEOUT, (tv))
#define timeout_initialized(ev) event_initialized(ev)

#define signal_add(ev, tv) event_add((ev), (tv))
#define signal_set(ev, x, cb, arg) event_set((ev), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
#define signal_del(ev) event_del(ev)
#define signal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
#define signal_initialized(ev) event_initialized(ev)

#ifndef EVENT_FD
#define EVENT_FD(ev) ((int)event_get_fd(ev))
#define EVENT_SIGNAL(ev) event_get_signal(ev)
#endif

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_EVENT_COMPAT_H_INCLUDED_ */
