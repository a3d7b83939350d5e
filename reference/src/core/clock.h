// Time for the event loop: microseconds on the monotonic clock, so that
// timeouts do not jump when the wall clock is set. libevent 2.1 keeps the
// same split: monotonic internally, wall-clock time only where the API hands
// a struct timeval back (event_pending, event_base_gettimeofday_cached).
#ifndef EVREF_CORE_CLOCK_H
#define EVREF_CORE_CLOCK_H

#include <cstdint>
#include <ctime>
#include <sys/time.h>

namespace evref {

using Micros = int64_t;

inline Micros clock_micros(clockid_t id) noexcept {
  timespec ts;
  clock_gettime(id, &ts);
  return static_cast<Micros>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

inline Micros monotonic_now() noexcept { return clock_micros(CLOCK_MONOTONIC); }
inline Micros realtime_now() noexcept { return clock_micros(CLOCK_REALTIME); }

// a + b, held at the int64 limits instead of wrapping: a deadline far in
// the future stays far in the future (a wrapped one would be in the past).
inline Micros add_saturating(Micros a, Micros b) noexcept {
  Micros sum;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? INT64_MAX : INT64_MIN;
}

inline Micros to_micros(const timeval& tv) noexcept {
  return static_cast<Micros>(tv.tv_sec) * 1000000 + tv.tv_usec;
}

// The longest timeout the core is given, either way (about 73,000 years):
// libevent 2.1.12 accepts every timeval (observed), but tv_sec near
// LONG_MAX, or a tv_usec of any size, would overflow the core's 64-bit
// deadline arithmetic (now + timeout, deadline + wall offset), and a wrapped
// deadline hung the loop. Longer timers simply stay pending; shorter
// negative ones are due at once, as any timeout in the past.
constexpr Micros kMaxTimeout = INT64_MAX / 4;

inline Micros saturated_micros(const timeval& tv) noexcept {
  const Micros sec = tv.tv_sec, usec = tv.tv_usec;
  Micros us;
  if (__builtin_mul_overflow(sec, Micros{1000000}, &us)) return sec < 0 ? -kMaxTimeout : kMaxTimeout;
  if (__builtin_add_overflow(us, usec, &us)) return usec < 0 ? -kMaxTimeout : kMaxTimeout;
  return us < -kMaxTimeout ? -kMaxTimeout : us > kMaxTimeout ? kMaxTimeout : us;
}

inline timeval to_timeval(Micros us) noexcept {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(us / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(us % 1000000);
  if (tv.tv_usec < 0) {
    tv.tv_usec += 1000000;
    tv.tv_sec -= 1;
  }
  return tv;
}

}  // namespace evref

#endif  // EVREF_CORE_CLOCK_H
