/*
 * evconform reference implementation: <event2/bufferevent_struct.h>.
 *
 * struct bufferevent with libevent 2.1's layout, public because libevent
 * 1.4 programs read its fields (bev->input, bev->output...). The reference
 * keeps ev_base, input, output, the watermarks, the callbacks and their
 * argument, the timeouts and enabled true; be_ops is always NULL and
 * ev_read / ev_write are never-assigned events (no rule says what they
 * hold). Programs should use the accessors of bufferevent.h instead.
 */
#ifndef EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_

#include <event2/bufferevent.h>
#include <event2/event_struct.h>
#include <event2/util.h>
#include <sys/time.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bufferevent_ops;

struct event_watermark {
  size_t low;
  size_t high;
};

struct bufferevent {
  struct event_base *ev_base;
  const struct bufferevent_ops *be_ops;
  struct event ev_read;
  struct event ev_write;
  struct evbuffer *input;
  struct evbuffer *output;
  struct event_watermark wm_read;
  struct event_watermark wm_write;
  bufferevent_data_cb readcb;
  bufferevent_data_cb writecb;
  /* the event callback; 'errorcb' is its libevent 1.4 name */
  bufferevent_event_cb errorcb;
  void *cbarg;
  struct timeval timeout_read;  /* zero: none */
  struct timeval timeout_write; /* zero: none */
  /* EV_READ / EV_WRITE as bufferevent_enable / _disable left them */
  short enabled;
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_ */
