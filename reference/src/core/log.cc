// The process-wide log (log.h), after libevent 2.1's log.c: messages are
// formatted into a fixed buffer (no allocation, so it can report allocation
// failures), then given to the user's sink or printed as "[warn] text" on
// stderr.
#include "log.h"

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace evref {
namespace log {
namespace {

std::atomic<Sink> g_sink{nullptr};
std::atomic<Fatal> g_fatal{nullptr};
std::atomic<std::uint32_t> g_debug_mask{0};

const char* severity_name(int severity) {
  switch (severity) {
    case kDebug: return "debug";
    case kMsg: return "msg";
    case kWarn: return "warn";
    case kErr: return "err";
    default: return "???";
  }
}

void emit(int severity, const char* msg) {
  if (Sink sink = g_sink.load()) {
    sink(severity, msg);
  } else {
    std::fprintf(stderr, "[%s] %s\n", severity_name(severity), msg);
  }
}

// Formats into buf (a suffix ": strerror(err)" when err != 0) and emits.
void emitv(int severity, int err, const char* format, va_list ap) {
  char buf[1024];
  std::vsnprintf(buf, sizeof buf, format, ap);
  if (err != 0) {
    const std::size_t len = std::strlen(buf);
    std::snprintf(buf + len, sizeof buf - len, ": %s", std::strerror(err));
  }
  emit(severity, buf);
}

}  // namespace

void set_sink(Sink sink) noexcept { g_sink.store(sink); }
void set_fatal(Fatal fatal) noexcept { g_fatal.store(fatal); }
void set_debug_mask(std::uint32_t mask) noexcept { g_debug_mask.store(mask); }
bool debug_enabled() noexcept { return g_debug_mask.load() != 0; }

void write(Severity severity, const char* format, ...) noexcept {
  if (severity == kDebug && !debug_enabled()) return;
  va_list ap;
  va_start(ap, format);
  emitv(severity, 0, format, ap);
  va_end(ap);
}

void warn_errno(const char* format, ...) noexcept {
  const int err = errno;  // before anything else can change it
  va_list ap;
  va_start(ap, format);
  emitv(kWarn, err, format, ap);
  va_end(ap);
  errno = err;  // the caller still reports the call's failure through errno
}

void fatal(int err) noexcept {
  if (Fatal f = g_fatal.load()) {
    f(err);
    std::exit(err);  // the callback returned: libevent exits all the same
  }
  if (err == kAbort) std::abort();
  std::exit(err);
}

}  // namespace log
}  // namespace evref
