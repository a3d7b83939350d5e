/*
 * evconform reference implementation: <event2/buffer_compat.h>.
 *
 * The evbuffer calls of libevent 1.4 that libevent 2.1 keeps, deprecated
 * there: names, signatures and macros are libevent's.
 */
#ifndef EVENT2_BUFFER_COMPAT_H_INCLUDED_
#define EVENT2_BUFFER_COMPAT_H_INCLUDED_

#include <event2/buffer.h>

#ifdef __cplusplus
extern "C" {
#endif

/* evbuffer_readln(buffer, NULL, EVBUFFER_EOL_ANY): the first line, which
 * the caller frees with free(), or NULL when there is no whole line. */
char *evbuffer_readline(struct evbuffer *buffer);

/* The 1.4 callback: told the length before and after a change. */
typedef void (*evbuffer_cb)(struct evbuffer *buffer, size_t old_len, size_t new_len, void *arg);

/* Replaces every callback of the buffer (evbuffer_add_cb's as well) with cb,
 * or removes them all when cb is NULL; 0, or -1 on error. */
int evbuffer_setcb(struct evbuffer *buffer, evbuffer_cb cb, void *cbarg);

/* The first occurrence of what[0..len) (evbuffer_search), with the buffer
 * made contiguous up to its end; NULL when absent. */
unsigned char *evbuffer_find(struct evbuffer *buffer, const unsigned char *what, size_t len);

#define EVBUFFER_LENGTH(x) evbuffer_get_length(x)
#define EVBUFFER_DATA(x) evbuffer_pullup((x), -1)

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFER_COMPAT_H_INCLUDED_ */
