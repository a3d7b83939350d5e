/*
 * evconform reference implementation: <event.h>, the libevent 1.4-style
 * umbrella header that libevent 2.1 still ships: the event core with
 * struct event's size (event_struct.h) and the 1.4 functions
 * (event_compat.h), evbuffer and bufferevents with their 1.4 calls
 * (buffer_compat.h, bufferevent_compat.h) and struct bufferevent's fields
 * (bufferevent_struct.h). 1.4 programs include this one header.
 */
#ifndef EVENT_H_INCLUDED_
#define EVENT_H_INCLUDED_

#include <event2/util.h>
#include <event2/event_struct.h>
#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent_compat.h>

#endif /* EVENT_H_INCLUDED_ */
