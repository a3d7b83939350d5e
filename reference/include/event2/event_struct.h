/*
 * evconform reference implementation: <event2/event_struct.h>.
 *
 * struct event with libevent 2.1's public field layout (128 bytes on
 * x86-64; event_get_struct_event_size() returns it), for code that keeps
 * events in its own storage (event_set / event_assign on a stack or static
 * struct event) and for programs that read its fields. While an event is
 * assigned, these fields mean what they mean in libevent:
 *   ev_base, ev_fd, ev_events (what was asked for), ev_res (why the
 *   callback runs), ev_evcallback.evcb_flags (the EVLIST_* bits below),
 *   ev_evcallback.evcb_pri, ev_evcallback.evcb_cb_union.evcb_callback and
 *   ev_evcallback.evcb_arg.
 * The other fields hold the reference's own bookkeeping (list links, the
 * timer heap position, deadlines in its own clock units): as in libevent
 * they are internal, and they are not libevent's values. Change nothing
 * here directly; use the event_* functions.
 */
#ifndef EVENT2_EVENT_STRUCT_H_INCLUDED_
#define EVENT2_EVENT_STRUCT_H_INCLUDED_

#include <event2/util.h>
#include <sys/time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* evcb_flags: where the event is. */
#define EVLIST_TIMEOUT 0x01      /* its timeout is pending */
#define EVLIST_INSERTED 0x02     /* added (I/O or signal) */
#define EVLIST_SIGNAL 0x04       /* unused */
#define EVLIST_ACTIVE 0x08       /* queued to run */
#define EVLIST_INTERNAL 0x10     /* the library's own event */
#define EVLIST_ACTIVE_LATER 0x20 /* queued for the next iteration */
#define EVLIST_FINALIZING 0x40   /* being finalized */
#define EVLIST_INIT 0x80         /* assigned */
#define EVLIST_ALL 0xff

/* The list links as <sys/queue.h> spells them, for those without it. */
#ifndef TAILQ_ENTRY
#define EVENT_DEFINED_TQENTRY_
#define TAILQ_ENTRY(type) \
  struct {                \
    struct type *tqe_next; \
    struct type **tqe_prev; \
  }
#endif
#ifndef TAILQ_HEAD
#define EVENT_DEFINED_TQHEAD_
#define TAILQ_HEAD(name, type) \
  struct name {                \
    struct type *tqh_first;    \
    struct type **tqh_last;    \
  }
#endif
#ifndef LIST_ENTRY
#define EVENT_DEFINED_LISTENTRY_
#define LIST_ENTRY(type)   \
  struct {                 \
    struct type *le_next;  \
    struct type **le_prev; \
  }
#endif
#ifndef LIST_HEAD
#define EVENT_DEFINED_LISTHEAD_
#define LIST_HEAD(name, type) \
  struct name {               \
    struct type *lh_first;    \
  }
#endif

struct event;

struct event_callback {
  TAILQ_ENTRY(event_callback) evcb_active_next;
  short evcb_flags;
  ev_uint8_t evcb_pri; /* smaller runs first */
  ev_uint8_t evcb_closure;
  union {
    void (*evcb_callback)(evutil_socket_t, short, void *);
    void (*evcb_selfcb)(struct event_callback *, void *);
    void (*evcb_evfinalize)(struct event *, void *);
    void (*evcb_cbfinalize)(struct event_callback *, void *);
  } evcb_cb_union;
  void *evcb_arg;
};

struct event_base;

struct event {
  struct event_callback ev_evcallback;
  union {
    TAILQ_ENTRY(event) ev_next_with_common_timeout;
    int min_heap_idx;
  } ev_timeout_pos;
  evutil_socket_t ev_fd;
  struct event_base *ev_base;
  union {
    struct {
      LIST_ENTRY(event) ev_io_next;
      struct timeval ev_timeout;
    } ev_io;
    struct {
      LIST_ENTRY(event) ev_signal_next;
      short ev_ncalls;
      short *ev_pncalls;
    } ev_signal;
  } ev_;
  short ev_events;
  short ev_res;
  struct timeval ev_timeout;
};

TAILQ_HEAD(event_list, event);
LIST_HEAD(event_dlist, event);

#ifdef EVENT_DEFINED_TQENTRY_
#undef TAILQ_ENTRY
#endif
#ifdef EVENT_DEFINED_TQHEAD_
#undef TAILQ_HEAD
#endif
#ifdef EVENT_DEFINED_LISTENTRY_
#undef LIST_ENTRY
#endif
#ifdef EVENT_DEFINED_LISTHEAD_
#undef LIST_HEAD
#endif

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_EVENT_STRUCT_H_INCLUDED_ */
