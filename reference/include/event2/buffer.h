/*
 * evconform reference implementation: <event2/buffer.h>, the subset.
 *
 * Same function names, signatures, types and constant values as libevent
 * 2.1's header; the comments summarise the documented contract that the
 * conformance suite checks. An evbuffer is a queue of bytes kept in a list of
 * chunks ("chains"), so data can be moved between buffers without copying.
 */
#ifndef EVENT2_BUFFER_H_INCLUDED_
#define EVENT2_BUFFER_H_INCLUDED_

#include <event2/util.h>
#include <stdarg.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An opaque queue of bytes. */
struct evbuffer;

/** A position inside an evbuffer, from its start up to just past its end.
    Set only with evbuffer_ptr_set() or the search functions; any change to
    the buffer may invalidate it. Layout as in libevent 2.1. */
struct evbuffer_ptr {
	ev_ssize_t pos;
	struct {
		void *chain;
		size_t pos_in_chain;
	} internal_;
};

/* On platforms with <sys/uio.h> libevent's extent type is struct iovec. */
#define evbuffer_iovec iovec
#define EVBUFFER_IOVEC_IS_NATIVE_

/** A new empty buffer, or NULL on failure. */
struct evbuffer *evbuffer_new(void);
/** Frees the buffer, running the cleanup of any reference it still holds. */
void evbuffer_free(struct evbuffer *buf);

/** Makes the buffer safe to use from several threads: every call holds
    `lock` (NULL: a new recursive lock, which needs evthread_* lock
    callbacks), the callbacks included. 0 on success, -1 on failure. */
int evbuffer_enable_locking(struct evbuffer *buf, void *lock);
/** Takes / releases the buffer's lock; no effect without one. */
void evbuffer_lock(struct evbuffer *buf);
void evbuffer_unlock(struct evbuffer *buf);

/** Total number of bytes stored. */
size_t evbuffer_get_length(const struct evbuffer *buf);
/** Bytes available contiguously at the front (the first chain), 0 if empty. */
size_t evbuffer_get_contiguous_space(const struct evbuffer *buf);
/** Makes room so that appending datlen bytes needs no new allocation.
    0 on success, -1 on failure. */
int evbuffer_expand(struct evbuffer *buf, size_t datlen);

/** Exposes at least size writable bytes at the end as up to n_vec extents;
    returns the number of extents used, or -1. */
int evbuffer_reserve_space(struct evbuffer *buf, ev_ssize_t size,
    struct evbuffer_iovec *vec, int n_vec);
/** Makes reserved bytes readable; the extents (possibly shortened) must be
    those that evbuffer_reserve_space() returned. 0 on success, -1 on error. */
int evbuffer_commit_space(struct evbuffer *buf,
    struct evbuffer_iovec *vec, int n_vecs);

/** Appends a copy of datlen bytes. 0 on success, -1 on failure. */
int evbuffer_add(struct evbuffer *buf, const void *data, size_t datlen);
/** Copies up to datlen bytes out and drains them; returns the number of
    bytes read, or -1 if the buffer cannot be drained. */
int evbuffer_remove(struct evbuffer *buf, void *data, size_t datlen);
/** Copies up to datlen bytes out, leaving the buffer unchanged. */
ev_ssize_t evbuffer_copyout(struct evbuffer *buf, void *data_out, size_t datlen);
/** Like evbuffer_copyout(), starting at pos (NULL: the start). */
ev_ssize_t evbuffer_copyout_from(struct evbuffer *buf,
    const struct evbuffer_ptr *pos, void *data_out, size_t datlen);
/** Moves up to datlen bytes from src to the end of dst, avoiding copies;
    returns the number of bytes moved. */
int evbuffer_remove_buffer(struct evbuffer *src, struct evbuffer *dst,
    size_t datlen);

/** What evbuffer_readln() and evbuffer_search_eol() take as an end of line. */
enum evbuffer_eol_style {
	/** Any sequence of CR and LF characters. */
	EVBUFFER_EOL_ANY,
	/** An LF, optionally preceded by a CR. */
	EVBUFFER_EOL_CRLF,
	/** Exactly a CR followed by an LF. */
	EVBUFFER_EOL_CRLF_STRICT,
	/** A single LF. */
	EVBUFFER_EOL_LF,
	/** A single NUL byte. */
	EVBUFFER_EOL_NUL
};

/** Removes one line and its end of line; returns the line (without the EOL)
    as a new NUL-terminated string the caller frees, or NULL if no complete
    line is buffered. *n_read_out gets the line's length. */
char *evbuffer_readln(struct evbuffer *buffer, size_t *n_read_out,
    enum evbuffer_eol_style eol_style);

/** Moves all of inbuf to the end of outbuf without copying. 0 or -1. */
int evbuffer_add_buffer(struct evbuffer *outbuf, struct evbuffer *inbuf);

/** Called when a reference added with evbuffer_add_reference() is released. */
typedef void (*evbuffer_ref_cleanup_cb)(const void *data,
    size_t datalen, void *extra);
/** Appends datlen bytes of caller-owned memory without copying them;
    cleanupfn (if any) runs once when the buffer no longer needs them. */
int evbuffer_add_reference(struct evbuffer *outbuf,
    const void *data, size_t datlen,
    evbuffer_ref_cleanup_cb cleanupfn, void *cleanupfn_arg);

/** Appends printf-formatted text; returns the number of bytes added, or -1. */
int evbuffer_add_printf(struct evbuffer *buf, const char *fmt, ...)
#ifdef __GNUC__
  __attribute__((format(printf, 2, 3)))
#endif
;
/** va_list form of evbuffer_add_printf(). */
int evbuffer_add_vprintf(struct evbuffer *buf, const char *fmt, va_list ap)
#ifdef __GNUC__
	__attribute__((format(printf, 2, 0)))
#endif
;

/** Removes len bytes from the front (all of them if fewer). 0 or -1. */
int evbuffer_drain(struct evbuffer *buf, size_t len);

/** Finds the first occurrence of what[0..len) at or after start (NULL: the
    start); pos is -1 when absent. */
struct evbuffer_ptr evbuffer_search(struct evbuffer *buffer, const char *what,
    size_t len, const struct evbuffer_ptr *start);
/** Like evbuffer_search(), but the match must end at or before end. */
struct evbuffer_ptr evbuffer_search_range(struct evbuffer *buffer,
    const char *what, size_t len, const struct evbuffer_ptr *start,
    const struct evbuffer_ptr *end);

/** How evbuffer_ptr_set() moves a pointer. */
enum evbuffer_ptr_how {
	/** Set to an absolute position. */
	EVBUFFER_PTR_SET,
	/** Advance by a number of bytes. */
	EVBUFFER_PTR_ADD
};
/** Sets or advances ptr. Positions up to the length are valid; beyond it the
    call returns -1. */
int evbuffer_ptr_set(struct evbuffer *buffer, struct evbuffer_ptr *ptr,
    size_t position, enum evbuffer_ptr_how how);

/** Finds the first end of line at or after start (NULL: the start); pos is
    -1 when none, and *eol_len_out gets the EOL's length (0 when none). */
struct evbuffer_ptr evbuffer_search_eol(struct evbuffer *buffer,
    struct evbuffer_ptr *start, size_t *eol_len_out,
    enum evbuffer_eol_style eol_style);

/** Points vec at the stored data without copying: the chunks holding the
    first len bytes (len < 0: as many as fit) from start_at (NULL: the start).
    Returns the number of extents needed, which may exceed n_vec. */
int evbuffer_peek(struct evbuffer *buffer, ev_ssize_t len,
    struct evbuffer_ptr *start_at,
    struct evbuffer_iovec *vec_out, int n_vec);

/** What a buffer callback is told about the change since its last call. */
struct evbuffer_cb_info {
	/** Length when the callbacks last ran. */
	size_t orig_size;
	/** Bytes added since then. */
	size_t n_added;
	/** Bytes removed since then. */
	size_t n_deleted;
};

/** Runs after data is added to or removed from the buffer. */
typedef void (*evbuffer_cb_func)(struct evbuffer *buffer,
    const struct evbuffer_cb_info *info, void *arg);

/** An opaque handle to one registered callback. */
struct evbuffer_cb_entry;
/** Registers a callback; returns its handle, or NULL. */
struct evbuffer_cb_entry *evbuffer_add_cb(struct evbuffer *buffer,
    evbuffer_cb_func cb, void *cbarg);
/** Unregisters the callback behind ent. 0 on success, -1 on failure. */
int evbuffer_remove_cb_entry(struct evbuffer *buffer,
    struct evbuffer_cb_entry *ent);
/** Unregisters the first callback with this function and argument; -1 if
    there is none. */
int evbuffer_remove_cb(struct evbuffer *buffer, evbuffer_cb_func cb,
    void *cbarg);

/** The callback runs while this flag is set (it is, after evbuffer_add_cb). */
#define EVBUFFER_CB_ENABLED 1
/** Sets flags on a callback. 0 on success. */
int evbuffer_cb_set_flags(struct evbuffer *buffer,
    struct evbuffer_cb_entry *cb, ev_uint32_t flags);
/** Clears flags on a callback. 0 on success. */
int evbuffer_cb_clear_flags(struct evbuffer *buffer,
    struct evbuffer_cb_entry *cb, ev_uint32_t flags);

/** Makes at least size bytes at the front contiguous (size -1: all of them)
    and returns them, or NULL if the buffer holds fewer than size bytes. */
unsigned char *evbuffer_pullup(struct evbuffer *buf, ev_ssize_t size);

/** Inserts a copy of size bytes at the front. 0 or -1. */
int evbuffer_prepend(struct evbuffer *buf, const void *data, size_t size);
/** Moves all of src to the front of dst. 0 or -1. */
int evbuffer_prepend_buffer(struct evbuffer *dst, struct evbuffer *src);

/* Socket I/O. evbuffer_read appends what one read() returns (at most
 * howmuch bytes; a negative howmuch means "what is there", up to 4096);
 * evbuffer_write_atmost writes at most howmuch bytes from the front (all
 * with a negative howmuch) and drains them. Bytes moved, 0 on EOF (read),
 * or -1 with errno set; -1 also when the buffer end they touch is frozen. */
int evbuffer_read(struct evbuffer *buffer, evutil_socket_t fd, int howmuch);
int evbuffer_write(struct evbuffer *buffer, evutil_socket_t fd);
int evbuffer_write_atmost(struct evbuffer *buffer, evutil_socket_t fd, ev_ssize_t howmuch);

/** Forbids changes at the front (at_front != 0) or at the end; the calls
    that would make them fail. 0 on success. */
int evbuffer_freeze(struct evbuffer *buf, int at_front);
/** Lifts evbuffer_freeze(). 0 on success. */
int evbuffer_unfreeze(struct evbuffer *buf, int at_front);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFER_H_INCLUDED_ */
