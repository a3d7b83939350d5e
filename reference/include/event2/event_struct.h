/*
 * evconform reference implementation: <event2/event_struct.h>.
 *
 * The size of struct event, for code that keeps events in its own storage
 * (a stack or static struct event given to event_set or event_assign, the
 * libevent 1.4 style). The bytes are the reference's own event record:
 * use the event_* functions, never the fields. 128 bytes, as libevent 2.1's
 * struct event on x86-64 (event_get_struct_event_size() returns it).
 */
#ifndef EVENT2_EVENT_STRUCT_H_INCLUDED_
#define EVENT2_EVENT_STRUCT_H_INCLUDED_

struct event {
  union {
    void *ev_align_ptr_;
    long long ev_align_ll_;
    unsigned char ev_bytes_[128];
  } ev_storage_;
};

#endif /* EVENT2_EVENT_STRUCT_H_INCLUDED_ */
