/*
 * evconform reference implementation: <event2/bufferevent_compat.h>.
 *
 * The bufferevent calls and names of libevent 1.4 that libevent 2.1 keeps,
 * deprecated there: names, signatures and values are libevent's.
 */
#ifndef EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_

#include <event2/bufferevent.h>

#ifdef __cplusplus
extern "C" {
#endif

#define evbuffercb bufferevent_data_cb
#define everrorcb bufferevent_event_cb

/* A socket bufferevent for fd on the current base (event_init's), with the
 * callbacks set; NULL on error. With several bases, bufferevent_base_set
 * must move it before it is first enabled. */
struct bufferevent *bufferevent_new(evutil_socket_t fd, evbuffercb readcb, evbuffercb writecb,
                                    everrorcb errorcb, void *cbarg);

/* bufferevent_set_timeouts in whole seconds; 0 is no timeout. */
void bufferevent_settimeout(struct bufferevent *bufev, int timeout_read, int timeout_write);

#define EVBUFFER_READ BEV_EVENT_READING
#define EVBUFFER_WRITE BEV_EVENT_WRITING
#define EVBUFFER_EOF BEV_EVENT_EOF
#define EVBUFFER_ERROR BEV_EVENT_ERROR
#define EVBUFFER_TIMEOUT BEV_EVENT_TIMEOUT

#define EVBUFFER_INPUT(x) bufferevent_get_input(x)
#define EVBUFFER_OUTPUT(x) bufferevent_get_output(x)

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_ */
