/*
 * evconform reference implementation: <event2/thread.h>.
 *
 * Functions for multi-threaded programs, as libevent 2.1.12 declares them:
 * the lock, condition and thread-id callbacks must be set up before the
 * event_base (or bufferevent, or evbuffer lock) that should use them is
 * made. evthread_use_pthreads() sets pthread-based ones; it lives in
 * libevent_pthreads (here libevref_pthreads), which programs link as well.
 */
#ifndef EVENT2_THREAD_H_INCLUDED_
#define EVENT2_THREAD_H_INCLUDED_

#include <event2/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

#include <event2/event-config.h>

/* Flags passed to lock functions. */
#define EVTHREAD_WRITE 0x04
#define EVTHREAD_READ 0x08
#define EVTHREAD_TRY 0x10

#if !defined(EVENT__DISABLE_THREAD_SUPPORT) || defined(EVENT_IN_DOXYGEN_)

#define EVTHREAD_LOCK_API_VERSION 1

/* Types of locks. */
#define EVTHREAD_LOCKTYPE_RECURSIVE 1
#define EVTHREAD_LOCKTYPE_READWRITE 2

/* Lock callbacks: alloc makes a lock of a type, free releases it, lock and
   unlock take the mode (EVTHREAD_READ / WRITE / TRY) and return 0 on
   success. */
struct evthread_lock_callbacks {
	int lock_api_version;
	unsigned supported_locktypes;
	void *(*alloc)(unsigned locktype);
	void (*free)(void *lock, unsigned locktype);
	int (*lock)(unsigned mode, void *lock);
	int (*unlock)(unsigned mode, void *lock);
};

/* Sets the lock callbacks; 0 on success, -1 on failure (among others: other
   callbacks were set already). NULL clears them. */
EVENT2_EXPORT_SYMBOL
int evthread_set_lock_callbacks(const struct evthread_lock_callbacks *);

#define EVTHREAD_CONDITION_API_VERSION 1

struct timeval;

/* Condition callbacks: wait_condition returns 0 when signalled, 1 on
   timeout, -1 on failure. */
struct evthread_condition_callbacks {
	int condition_api_version;
	void *(*alloc_condition)(unsigned condtype);
	void (*free_condition)(void *cond);
	int (*signal_condition)(void *cond, int broadcast);
	int (*wait_condition)(void *cond, void *lock,
	    const struct timeval *timeout);
};

EVENT2_EXPORT_SYMBOL
int evthread_set_condition_callbacks(
	const struct evthread_condition_callbacks *);

/* Sets the function that tells which thread is running. */
EVENT2_EXPORT_SYMBOL
void evthread_set_id_callback(
    unsigned long (*id_fn)(void));

#if defined(EVENT__HAVE_PTHREADS) || defined(EVENT_IN_DOXYGEN_)
/* Sets up libevent to use pthreads locks, conditions and thread ids
   (link libevent_pthreads too). 0 on success, -1 on failure. */
EVENT2_EXPORT_SYMBOL
int evthread_use_pthreads(void);
#define EVTHREAD_USE_PTHREADS_IMPLEMENTED 1
#endif

/* Wraps the lock callbacks in checks of their use (unlocking a lock not
   held, taking a non-recursive lock twice, freeing a held lock, ...); a
   failed check aborts. Call it before any lock is made. */
EVENT2_EXPORT_SYMBOL
void evthread_enable_lock_debugging(void);

/* The misspelled name, kept for backward compatibility. */
EVENT2_EXPORT_SYMBOL
void evthread_enable_lock_debuging(void);

#endif /* EVENT__DISABLE_THREAD_SUPPORT */

struct event_base;
/* Makes it possible to wake an event_base's loop from another thread or a
   signal handler; a base made with locking already is. 0 on success, -1 on
   failure. */
EVENT2_EXPORT_SYMBOL
int evthread_make_base_notifiable(struct event_base *base);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_THREAD_H_INCLUDED_ */
