// The logging entry points of <event2/event.h> (libevent's log.c and the
// global ones of event.c), over the core's process-wide log (core/log.h).
#include <event2/event.h>

#include "core/log.h"

extern "C" {

void event_set_log_callback(event_log_cb cb) { evref::log::set_sink(cb); }

void event_set_fatal_callback(event_fatal_cb cb) { evref::log::set_fatal(cb); }

void event_enable_debug_logging(ev_uint32_t which) { evref::log::set_debug_mask(which); }

void libevent_global_shutdown(void) {}

}  // extern "C"
