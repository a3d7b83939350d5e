// The public face of <event2/buffer.h>: constant values, type layouts and
// function signatures as libevent 2.1 declares them. Compiled against every
// implementation's headers, so drift breaks the build rather than a user.
#include <event2/buffer.h>

#include <cstddef>
#include <type_traits>


// The printf format attribute on evbuffer_add_printf is not part of the type.
#pragma GCC diagnostic ignored "-Wignored-attributes"

namespace {

template <typename Actual, typename Expected>
constexpr bool kSame = std::is_same<Actual, Expected>::value;

static_assert(EVBUFFER_EOL_ANY == 0 && EVBUFFER_EOL_CRLF == 1 && EVBUFFER_EOL_CRLF_STRICT == 2 &&
                  EVBUFFER_EOL_LF == 3 && EVBUFFER_EOL_NUL == 4,
              "enum evbuffer_eol_style values");
static_assert(EVBUFFER_PTR_SET == 0 && EVBUFFER_PTR_ADD == 1, "enum evbuffer_ptr_how values");
static_assert(EVBUFFER_CB_ENABLED == 1, "EVBUFFER_CB_ENABLED");

static_assert(kSame<decltype(&evbuffer_new), evbuffer* (*)()>, "evbuffer_new");
static_assert(kSame<decltype(&evbuffer_free), void (*)(evbuffer*)>, "evbuffer_free");
static_assert(kSame<decltype(&evbuffer_get_length), size_t (*)(const evbuffer*)>, "get_length");
static_assert(kSame<decltype(&evbuffer_get_contiguous_space), size_t (*)(const evbuffer*)>,
              "get_contiguous_space");
static_assert(kSame<decltype(&evbuffer_expand), int (*)(evbuffer*, size_t)>, "expand");
static_assert(kSame<decltype(&evbuffer_reserve_space),
                    int (*)(evbuffer*, ev_ssize_t, evbuffer_iovec*, int)>,
              "reserve_space");
static_assert(kSame<decltype(&evbuffer_commit_space), int (*)(evbuffer*, evbuffer_iovec*, int)>,
              "commit_space");
static_assert(kSame<decltype(&evbuffer_add), int (*)(evbuffer*, const void*, size_t)>, "add");
static_assert(kSame<decltype(&evbuffer_remove), int (*)(evbuffer*, void*, size_t)>, "remove");
static_assert(kSame<decltype(&evbuffer_copyout), ev_ssize_t (*)(evbuffer*, void*, size_t)>,
              "copyout");
static_assert(kSame<decltype(&evbuffer_copyout_from),
                    ev_ssize_t (*)(evbuffer*, const evbuffer_ptr*, void*, size_t)>,
              "copyout_from");
static_assert(kSame<decltype(&evbuffer_remove_buffer), int (*)(evbuffer*, evbuffer*, size_t)>,
              "remove_buffer");
static_assert(kSame<decltype(&evbuffer_readln), char* (*)(evbuffer*, size_t*, evbuffer_eol_style)>,
              "readln");
static_assert(kSame<decltype(&evbuffer_add_buffer), int (*)(evbuffer*, evbuffer*)>, "add_buffer");
static_assert(kSame<evbuffer_ref_cleanup_cb, void (*)(const void*, size_t, void*)>,
              "evbuffer_ref_cleanup_cb");
static_assert(kSame<decltype(&evbuffer_add_reference),
                    int (*)(evbuffer*, const void*, size_t, evbuffer_ref_cleanup_cb, void*)>,
              "add_reference");
static_assert(kSame<decltype(&evbuffer_add_printf), int (*)(evbuffer*, const char*, ...)>,
              "add_printf");
static_assert(kSame<decltype(&evbuffer_add_vprintf), int (*)(evbuffer*, const char*, va_list)>,
              "add_vprintf");
static_assert(kSame<decltype(&evbuffer_drain), int (*)(evbuffer*, size_t)>, "drain");
static_assert(kSame<decltype(&evbuffer_search),
                    evbuffer_ptr (*)(evbuffer*, const char*, size_t, const evbuffer_ptr*)>,
              "search");
static_assert(kSame<decltype(&evbuffer_search_range),
                    evbuffer_ptr (*)(evbuffer*, const char*, size_t, const evbuffer_ptr*,
                                     const evbuffer_ptr*)>,
              "search_range");
static_assert(kSame<decltype(&evbuffer_ptr_set),
                    int (*)(evbuffer*, evbuffer_ptr*, size_t, evbuffer_ptr_how)>,
              "ptr_set");
static_assert(kSame<decltype(&evbuffer_search_eol),
                    evbuffer_ptr (*)(evbuffer*, evbuffer_ptr*, size_t*, evbuffer_eol_style)>,
              "search_eol");
static_assert(kSame<decltype(&evbuffer_peek),
                    int (*)(evbuffer*, ev_ssize_t, evbuffer_ptr*, evbuffer_iovec*, int)>,
              "peek");
static_assert(kSame<evbuffer_cb_func, void (*)(evbuffer*, const evbuffer_cb_info*, void*)>,
              "evbuffer_cb_func");
static_assert(kSame<decltype(&evbuffer_add_cb),
                    evbuffer_cb_entry* (*)(evbuffer*, evbuffer_cb_func, void*)>,
              "add_cb");
static_assert(kSame<decltype(&evbuffer_remove_cb_entry), int (*)(evbuffer*, evbuffer_cb_entry*)>,
              "remove_cb_entry");
static_assert(kSame<decltype(&evbuffer_remove_cb), int (*)(evbuffer*, evbuffer_cb_func, void*)>,
              "remove_cb");
static_assert(kSame<decltype(&evbuffer_cb_set_flags),
                    int (*)(evbuffer*, evbuffer_cb_entry*, ev_uint32_t)>,
              "cb_set_flags");
static_assert(kSame<decltype(&evbuffer_cb_clear_flags),
                    int (*)(evbuffer*, evbuffer_cb_entry*, ev_uint32_t)>,
              "cb_clear_flags");
static_assert(kSame<decltype(&evbuffer_pullup), unsigned char* (*)(evbuffer*, ev_ssize_t)>,
              "pullup");
static_assert(kSame<decltype(&evbuffer_prepend), int (*)(evbuffer*, const void*, size_t)>,
              "prepend");
static_assert(kSame<decltype(&evbuffer_prepend_buffer), int (*)(evbuffer*, evbuffer*)>,
              "prepend_buffer");
static_assert(kSame<decltype(&evbuffer_freeze), int (*)(evbuffer*, int)>, "freeze");
static_assert(kSame<decltype(&evbuffer_unfreeze), int (*)(evbuffer*, int)>, "unfreeze");

// Public structs keep libevent's layout: programs and other libraries
// allocate them on their own stacks.
static_assert(sizeof(evbuffer_ptr) == sizeof(ev_ssize_t) + sizeof(void*) + sizeof(size_t),
              "evbuffer_ptr size");
static_assert(offsetof(evbuffer_ptr, pos) == 0, "evbuffer_ptr.pos");
static_assert(kSame<decltype(evbuffer_ptr::pos), ev_ssize_t>, "evbuffer_ptr.pos type");
static_assert(sizeof(evbuffer_cb_info) == 3 * sizeof(size_t), "evbuffer_cb_info size");
static_assert(offsetof(evbuffer_cb_info, orig_size) == 0 &&
                  offsetof(evbuffer_cb_info, n_added) == sizeof(size_t) &&
                  offsetof(evbuffer_cb_info, n_deleted) == 2 * sizeof(size_t),
              "evbuffer_cb_info fields");
static_assert(kSame<evbuffer_iovec, struct iovec>, "evbuffer_iovec is struct iovec on Unix");

// No runtime test here on purpose: the static_asserts are the check, and an
// implementation whose header drifts fails to build its evbuffer binary.

}  // namespace
