/*
 * evconform reference implementation: <event2/bufferevent.h>, socket
 * bufferevents.
 *
 * A bufferevent is a socket with an input and an output evbuffer: it reads
 * into input and calls the read callback, writes output out and calls the
 * write callback when output drains, and reports EOF, errors, timeouts and
 * connects to the event callback. Names, signatures and values are libevent
 * 2.1's; the comments state the rules the reference follows.
 */
#ifndef EVENT2_BUFFEREVENT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_H_INCLUDED_

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bufferevent;
struct sockaddr;

#define BEV_EVENT_READING 0x01   /* error encountered while reading */
#define BEV_EVENT_WRITING 0x02   /* error encountered while writing */
#define BEV_EVENT_EOF 0x10       /* eof file reached */
#define BEV_EVENT_ERROR 0x20     /* unrecoverable error; errno says which */
#define BEV_EVENT_TIMEOUT 0x40   /* user-specified timeout reached */
#define BEV_EVENT_CONNECTED 0x80 /* connect operation finished */

typedef void (*bufferevent_data_cb)(struct bufferevent *bev, void *ctx);
typedef void (*bufferevent_event_cb)(struct bufferevent *bev, short what, void *ctx);

enum bufferevent_options {
  BEV_OPT_CLOSE_ON_FREE = (1 << 0),    /* free closes the socket */
  BEV_OPT_THREADSAFE = (1 << 1),       /* a lock; needs evthread_* lock callbacks */
  BEV_OPT_DEFER_CALLBACKS = (1 << 2),  /* callbacks run from the loop */
  BEV_OPT_UNLOCK_CALLBACKS = (1 << 3)  /* needs DEFER_CALLBACKS */
};

enum bufferevent_flush_mode { BEV_NORMAL = 0, BEV_FLUSH = 1, BEV_FINISHED = 2 };

enum bufferevent_trigger_options {
  BEV_TRIG_IGNORE_WATERMARKS = (1 << 16),
  BEV_TRIG_DEFER_CALLBACKS = BEV_OPT_DEFER_CALLBACKS
};

/* fd may be -1 (set later, or by bufferevent_socket_connect). Starts with
 * EV_WRITE enabled and EV_READ disabled. */
struct bufferevent *bufferevent_socket_new(struct event_base *base, evutil_socket_t fd,
                                           int options);
/* 0 when the connect is under way (BEV_EVENT_CONNECTED or BEV_EVENT_ERROR
 * follows), -1 when it could not start. sa NULL: the fd is connecting. */
int bufferevent_socket_connect(struct bufferevent *, const struct sockaddr *, int);
struct evdns_base;
/* Resolves hostname (1.2.3.4, ::1 or [::1]; a name blocks in getaddrinfo:
 * the reference has no evdns, so evdns_base must be NULL) for family
 * AF_INET, AF_INET6 or AF_UNSPEC and connects as above; -1 for other
 * families or ports outside 1..65535. A failed lookup returns 0 and is
 * reported as BEV_EVENT_ERROR, its code kept for
 * bufferevent_socket_get_dns_error (see evutil_gai_strerror). */
int bufferevent_socket_connect_hostname(struct bufferevent *, struct evdns_base *, int,
                                        const char *, int);
int bufferevent_socket_get_dns_error(struct bufferevent *bev);

/* Two linked bufferevents, each the other's partner: what one writes the
 * other reads. Callbacks are always deferred. 0 on success, -1 on failure. */
int bufferevent_pair_new(struct event_base *base, int options, struct bufferevent *pair[2]);
/* The other end of a pair while it exists; otherwise (or not a pair) NULL. */
struct bufferevent *bufferevent_pair_get_partner(struct bufferevent *bev);

/* Drops the user's reference: no user callback runs afterwards; the socket
 * is closed (BEV_OPT_CLOSE_ON_FREE) once the last reference is gone. Safe
 * inside the bufferevent's own callbacks. */
void bufferevent_free(struct bufferevent *bufev);
void bufferevent_incref(struct bufferevent *bufev);
int bufferevent_decref(struct bufferevent *bufev); /* 1 if it freed it */

void bufferevent_setcb(struct bufferevent *bufev, bufferevent_data_cb readcb,
                       bufferevent_data_cb writecb, bufferevent_event_cb eventcb, void *cbarg);
void bufferevent_getcb(struct bufferevent *bufev, bufferevent_data_cb *readcb_ptr,
                       bufferevent_data_cb *writecb_ptr, bufferevent_event_cb *eventcb_ptr,
                       void **cbarg_ptr);
int bufferevent_setfd(struct bufferevent *bufev, evutil_socket_t fd);
evutil_socket_t bufferevent_getfd(struct bufferevent *bufev);
struct event_base *bufferevent_get_base(struct bufferevent *bev);
int bufferevent_base_set(struct event_base *base, struct bufferevent *bufev);
int bufferevent_priority_set(struct bufferevent *bufev, int pri);
int bufferevent_get_priority(const struct bufferevent *bufev);
struct bufferevent *bufferevent_get_underlying(struct bufferevent *bufev);

int bufferevent_write(struct bufferevent *bufev, const void *data, size_t size);
int bufferevent_write_buffer(struct bufferevent *bufev, struct evbuffer *buf);
size_t bufferevent_read(struct bufferevent *bufev, void *data, size_t size);
int bufferevent_read_buffer(struct bufferevent *bufev, struct evbuffer *buf);
struct evbuffer *bufferevent_get_input(struct bufferevent *bufev);
struct evbuffer *bufferevent_get_output(struct bufferevent *bufev);

int bufferevent_enable(struct bufferevent *bufev, short event);
int bufferevent_disable(struct bufferevent *bufev, short event);
short bufferevent_get_enabled(struct bufferevent *bufev);

/* A timeout disables its direction and reports BEV_EVENT_TIMEOUT with
 * BEV_EVENT_READING or BEV_EVENT_WRITING. NULL: no timeout. */
int bufferevent_set_timeouts(struct bufferevent *bufev, const struct timeval *timeout_read,
                             const struct timeval *timeout_write);
/* Read: the read callback waits for `low` bytes; reading stops at `high`.
 * Write: the write callback runs when output is at or below `low`. */
void bufferevent_setwatermark(struct bufferevent *bufev, short events, size_t lowmark,
                              size_t highmark);
int bufferevent_getwatermark(struct bufferevent *bufev, short events, size_t *lowmark,
                             size_t *highmark);
/* -1 on failure, 0 if no data was produced, 1 if data was produced. A pair
 * end: -1 without a partner; BEV_FLUSH / BEV_FINISHED hand over its output
 * (EV_WRITE) or the partner's (EV_READ) and return 0; BEV_FINISHED then
 * reports BEV_EVENT_EOF to the partner. */
int bufferevent_flush(struct bufferevent *bufev, short iotype, enum bufferevent_flush_mode mode);
void bufferevent_trigger(struct bufferevent *bufev, short iotype, int options);
void bufferevent_trigger_event(struct bufferevent *bufev, short what, int options);

enum bufferevent_filter_result {
  BEV_OK = 0,        /* everything is okay */
  BEV_NEED_MORE = 1, /* the filter needs to read more data before output */
  BEV_ERROR = 2      /* critical error: no further data can be processed */
};

/* Moves data from src to dst, transforming it; dst_limit (-1: none) is the
 * room under dst's high watermark. */
typedef enum bufferevent_filter_result (*bufferevent_filter_cb)(
    struct evbuffer *src, struct evbuffer *dst, ev_ssize_t dst_limit,
    enum bufferevent_flush_mode mode, void *ctx);

/* A bufferevent on top of `underlying` (it takes over its callbacks and
 * holds a reference on it; BEV_OPT_CLOSE_ON_FREE frees it with the filter).
 * A NULL filter passes bytes through. free_context(ctx) runs on free. */
struct bufferevent *bufferevent_filter_new(struct bufferevent *underlying,
                                           bufferevent_filter_cb input_filter,
                                           bufferevent_filter_cb output_filter, int options,
                                           void (*free_context)(void *), void *ctx);
void bufferevent_lock(struct bufferevent *bufev);
void bufferevent_unlock(struct bufferevent *bufev);

/* Rate limiting: token buckets refilled every tick (default one second);
 * a bufferevent's own buckets and those of its group, if any, bound what it
 * reads and writes. Limits may go negative; reading / writing then waits. */
struct ev_token_bucket_cfg;
struct bufferevent_rate_limit_group;

/** Maximum configurable rate- or burst-limit. */
#define EV_RATE_LIMIT_MAX EV_SSIZE_MAX

struct ev_token_bucket_cfg *ev_token_bucket_cfg_new(
	size_t read_rate, size_t read_burst,
	size_t write_rate, size_t write_burst,
	const struct timeval *tick_len);
void ev_token_bucket_cfg_free(struct ev_token_bucket_cfg *cfg);
int bufferevent_set_rate_limit(struct bufferevent *bev,
    struct ev_token_bucket_cfg *cfg);
struct bufferevent_rate_limit_group *bufferevent_rate_limit_group_new(
	struct event_base *base,
	const struct ev_token_bucket_cfg *cfg);
int bufferevent_rate_limit_group_set_cfg(
	struct bufferevent_rate_limit_group *,
	const struct ev_token_bucket_cfg *);
int bufferevent_rate_limit_group_set_min_share(
	struct bufferevent_rate_limit_group *, size_t);
void bufferevent_rate_limit_group_free(struct bufferevent_rate_limit_group *);
int bufferevent_add_to_rate_limit_group(struct bufferevent *bev,
    struct bufferevent_rate_limit_group *g);
int bufferevent_remove_from_rate_limit_group(struct bufferevent *bev);
int bufferevent_set_max_single_read(struct bufferevent *bev, size_t size);
int bufferevent_set_max_single_write(struct bufferevent *bev, size_t size);
ev_ssize_t bufferevent_get_max_single_read(struct bufferevent *bev);
ev_ssize_t bufferevent_get_max_single_write(struct bufferevent *bev);
ev_ssize_t bufferevent_get_read_limit(struct bufferevent *bev);
ev_ssize_t bufferevent_get_write_limit(struct bufferevent *bev);
ev_ssize_t bufferevent_get_max_to_read(struct bufferevent *bev);
ev_ssize_t bufferevent_get_max_to_write(struct bufferevent *bev);
const struct ev_token_bucket_cfg *bufferevent_get_token_bucket_cfg(const struct bufferevent * bev);
ev_ssize_t bufferevent_rate_limit_group_get_read_limit(
	struct bufferevent_rate_limit_group *);
ev_ssize_t bufferevent_rate_limit_group_get_write_limit(
	struct bufferevent_rate_limit_group *);
int bufferevent_decrement_read_limit(struct bufferevent *bev, ev_ssize_t decr);
int bufferevent_decrement_write_limit(struct bufferevent *bev, ev_ssize_t decr);
int bufferevent_rate_limit_group_decrement_read(
	struct bufferevent_rate_limit_group *, ev_ssize_t);
int bufferevent_rate_limit_group_decrement_write(
	struct bufferevent_rate_limit_group *, ev_ssize_t);
void bufferevent_rate_limit_group_get_totals(
    struct bufferevent_rate_limit_group *grp,
    ev_uint64_t *total_read_out, ev_uint64_t *total_written_out);
void
bufferevent_rate_limit_group_reset_totals(
	struct bufferevent_rate_limit_group *grp);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_H_INCLUDED_ */
