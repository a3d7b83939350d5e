// The reference's log: where messages go (a user sink or stderr), whether
// debug messages are wanted, and what a fatal error does. Process-wide, as
// libevent's log.c is: the C facade (log.cc) sets it from
// event_set_log_callback, event_enable_debug_logging and
// event_set_fatal_callback; any part of the reference writes to it.
#ifndef EVREF_CORE_LOG_H
#define EVREF_CORE_LOG_H

#include <cstdint>

namespace evref {
namespace log {

// libevent's severities (EVENT_LOG_DEBUG .. EVENT_LOG_ERR), by value.
enum Severity : int { kDebug = 0, kMsg = 1, kWarn = 2, kErr = 3 };

using Sink = void (*)(int severity, const char* msg);
using Fatal = void (*)(int err);

void set_sink(Sink sink) noexcept;  // nullptr: the default, stderr
void set_fatal(Fatal fatal) noexcept;
void set_debug_mask(std::uint32_t mask) noexcept;
bool debug_enabled() noexcept;

// One message, printf-style, cut at 1023 bytes as libevent's are. Debug
// messages are dropped unless debug logging is on.
void write(Severity severity, const char* format, ...) noexcept
    __attribute__((format(printf, 2, 3)));
// A warning about a failed system call: the message, ": ", strerror(errno)
// (libevent's event_warn).
void warn_errno(const char* format, ...) noexcept __attribute__((format(printf, 1, 2)));

// A fatal error: the user's fatal callback, then exit(err) should it return
// (libevent's event_exit); abort() when err is kAbort and no callback is set.
constexpr int kAbort = static_cast<int>(0xdeaddead);  // libevent's EVENT_ERR_ABORT_
[[noreturn]] void fatal(int err) noexcept;

}  // namespace log
}  // namespace evref

#endif  // EVREF_CORE_LOG_H
