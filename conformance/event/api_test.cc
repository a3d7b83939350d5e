// The public face of <event2/event.h>: constant values and function
// signatures as libevent 2.1 declares them. Compiled against every
// implementation's headers, so drift breaks the build rather than a user.
#include <event2/event.h>

#include <type_traits>

namespace {

template <typename Actual, typename Expected>
constexpr bool kSame = std::is_same<Actual, Expected>::value;

using Cb = void (*)(evutil_socket_t, short, void*);

static_assert(EV_TIMEOUT == 0x01 && EV_READ == 0x02 && EV_WRITE == 0x04 && EV_SIGNAL == 0x08 &&
                  EV_PERSIST == 0x10 && EV_ET == 0x20 && EV_FINALIZE == 0x40 && EV_CLOSED == 0x80,
              "EV_* values");
static_assert(EVLOOP_ONCE == 0x01 && EVLOOP_NONBLOCK == 0x02 && EVLOOP_NO_EXIT_ON_EMPTY == 0x04,
              "EVLOOP_* values");
static_assert(EVENT_MAX_PRIORITIES == 256, "EVENT_MAX_PRIORITIES");
static_assert(EV_FEATURE_ET == 0x01 && EV_FEATURE_O1 == 0x02 && EV_FEATURE_FDS == 0x04 &&
                  EV_FEATURE_EARLY_CLOSE == 0x08,
              "enum event_method_feature");
static_assert(EVENT_BASE_FLAG_NOLOCK == 0x01 && EVENT_BASE_FLAG_IGNORE_ENV == 0x02 &&
                  EVENT_BASE_FLAG_STARTUP_IOCP == 0x04 && EVENT_BASE_FLAG_NO_CACHE_TIME == 0x08 &&
                  EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST == 0x10 &&
                  EVENT_BASE_FLAG_PRECISE_TIMER == 0x20,
              "enum event_base_config_flag");
static_assert(kSame<event_callback_fn, Cb>, "event_callback_fn");

static_assert(kSame<decltype(&event_base_new), event_base* (*)()>, "event_base_new");
static_assert(kSame<decltype(&event_base_new_with_config), event_base* (*)(const event_config*)>,
              "event_base_new_with_config");
static_assert(kSame<decltype(&event_base_free), void (*)(event_base*)>, "event_base_free");
static_assert(kSame<decltype(&event_config_new), event_config* (*)()>, "event_config_new");
static_assert(kSame<decltype(&event_config_free), void (*)(event_config*)>, "event_config_free");
static_assert(kSame<decltype(&event_config_avoid_method), int (*)(event_config*, const char*)>,
              "event_config_avoid_method");
static_assert(kSame<decltype(&event_config_require_features), int (*)(event_config*, int)>,
              "event_config_require_features");
static_assert(kSame<decltype(&event_get_supported_methods), const char** (*)()>,
              "event_get_supported_methods");
static_assert(kSame<decltype(&event_base_get_method), const char* (*)(const event_base*)>,
              "event_base_get_method");
static_assert(kSame<decltype(&event_base_dispatch), int (*)(event_base*)>, "dispatch");
static_assert(kSame<decltype(&event_base_loop), int (*)(event_base*, int)>, "loop");
static_assert(kSame<decltype(&event_base_loopexit), int (*)(event_base*, const timeval*)>,
              "loopexit");
static_assert(kSame<decltype(&event_base_loopbreak), int (*)(event_base*)>, "loopbreak");
static_assert(kSame<decltype(&event_base_got_exit), int (*)(event_base*)>, "got_exit");
static_assert(kSame<decltype(&event_base_got_break), int (*)(event_base*)>, "got_break");
static_assert(kSame<decltype(&event_base_once),
                    int (*)(event_base*, evutil_socket_t, short, Cb, void*, const timeval*)>,
              "event_base_once");
static_assert(kSame<decltype(&event_new), event* (*)(event_base*, evutil_socket_t, short, Cb, void*)>,
              "event_new");
static_assert(kSame<decltype(&event_assign),
                    int (*)(event*, event_base*, evutil_socket_t, short, Cb, void*)>,
              "event_assign");
static_assert(kSame<decltype(&event_free), void (*)(event*)>, "event_free");
static_assert(kSame<decltype(&event_add), int (*)(event*, const timeval*)>, "event_add");
static_assert(kSame<decltype(&event_del), int (*)(event*)>, "event_del");
static_assert(kSame<decltype(&event_active), void (*)(event*, int, short)>, "event_active");
static_assert(kSame<decltype(&event_pending), int (*)(const event*, short, timeval*)>,
              "event_pending");
static_assert(kSame<decltype(&event_initialized), int (*)(const event*)>, "event_initialized");
static_assert(kSame<decltype(&event_get_fd), evutil_socket_t (*)(const event*)>, "event_get_fd");
static_assert(kSame<decltype(&event_get_base), event_base* (*)(const event*)>, "event_get_base");
static_assert(kSame<decltype(&event_get_events), short (*)(const event*)>, "event_get_events");
static_assert(kSame<decltype(&event_get_callback), event_callback_fn (*)(const event*)>,
              "event_get_callback");
static_assert(kSame<decltype(&event_get_callback_arg), void* (*)(const event*)>,
              "event_get_callback_arg");
static_assert(kSame<decltype(&event_self_cbarg), void* (*)()>, "event_self_cbarg");
static_assert(kSame<decltype(&event_base_priority_init), int (*)(event_base*, int)>,
              "event_base_priority_init");
static_assert(kSame<decltype(&event_priority_set), int (*)(event*, int)>, "event_priority_set");
static_assert(kSame<decltype(&event_get_struct_event_size), size_t (*)()>,
              "event_get_struct_event_size");

}  // namespace
