// <event2/util.h>: thin wrappers over POSIX and the C library with libevent
// 2.1's conventions on Linux (0 or -1 with errno; getaddrinfo's codes;
// NULL / -1 for bad arguments where libevent would crash). Where libevent
// has its own parser (evutil_parse_sockaddr_port, the scope of
// evutil_inet_pton_scope) the rules are its, cited below.
#include <event2/util.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "core/log.h"
#include "core/sockets.h"

// The opaque type of the header: which clock, and for EV_MONOT_FALLBACK the
// last reading, so a wall clock set backwards never makes it run backwards.
struct evutil_monotonic_timer {
  bool fallback = false;
  clockid_t clock = CLOCK_MONOTONIC;
  timeval last{0, 0};
  timeval adjust{0, 0};
};

namespace {

// Sets a descriptor flag; a failure is logged as libevent logs it
// ("fcntl(5, F_GETFL): Bad file descriptor", EVENT_LOG_WARN).
struct FlagOps {
  int get, set;
  const char *get_name, *set_name;
};
constexpr FlagOps kFileFlags{F_GETFL, F_SETFL, "F_GETFL", "F_SETFL"};
constexpr FlagOps kFdFlags{F_GETFD, F_SETFD, "F_GETFD", "F_SETFD"};

int add_flag(int fd, const FlagOps& ops, int flag) {
  const int flags = fcntl(fd, ops.get, nullptr);
  if (flags < 0) {
    evref::log::warn_errno("fcntl(%d, %s)", fd, ops.get_name);
    return -1;
  }
  if ((flags & flag) || fcntl(fd, ops.set, flags | flag) == 0) return 0;
  evref::log::warn_errno("fcntl(%d, %s)", fd, ops.set_name);
  return -1;
}

// libevent's EVUTIL_AI_LIBEVENT_ALLOCATED (evutil.c): a flag only libevent
// understands, cleared before the hints reach the system.
constexpr int kLibeventOnlyAiFlags = static_cast<int>(0x80000000u);

// One part of evutil_parse_sockaddr_port's input: the address text and the
// port text (nullptr when none), split as libevent 2.1's evutil.c does.
struct AddrText {
  std::string addr;
  const char* port = nullptr;
  bool ipv6 = false;
};

bool split_addr_port(const char* s, AddrText& out) {
  const char* colon = std::strchr(s, ':');
  if (*s == '[') {  // "[v6]" or "[v6]:port"
    const char* close = std::strchr(s, ']');
    if (close == nullptr || close - (s + 1) > 127) return false;
    out.addr.assign(s + 1, close);
    out.port = close[1] == ':' ? close + 2 : nullptr;
    out.ipv6 = true;
  } else if (colon != nullptr && std::strchr(colon + 1, ':') != nullptr) {
    out.addr = s;  // bare IPv6: two colons or more, no port
    out.ipv6 = true;
  } else if (colon != nullptr) {  // "v4:port"
    if (colon - s > 127) return false;
    out.addr.assign(s, colon);
    out.port = colon + 1;
  } else {
    out.addr = s;
  }
  return true;
}

// The port as libevent reads it (atoi's grammar: leading blanks, a sign,
// digits up to the first other character), and only 1..65535 when one is
// given. The range is checked on the whole number: libevent's int from atoi
// wraps "4294967376" around to 80, which util.h's "-1 if the port is out of
// range" forbids.
int parse_port(const char* text) {
  if (text == nullptr) return 0;
  const long port = std::strtol(text, nullptr, 10);
  return port <= 0 || port > 65535 ? -1 : static_cast<int>(port);
}

// One dotted-quad IPv4 address as POSIX inet_pton reads it: four decimal
// numbers of one to three digits, each at most 255, and nothing else (no
// blanks, no signs). Leading zeros are decimal digits, as libevent reads
// them ("010.0.0.1" is 10.0.0.1; glibc refuses them).
bool parse_ipv4(const char* s, unsigned char out[4]) {
  for (int part = 0; part < 4; ++part) {
    if (part > 0 && *s++ != '.') return false;
    int digits = 0, value = 0;
    for (; *s >= '0' && *s <= '9' && digits < 4; ++s, ++digits) value = value * 10 + (*s - '0');
    if (digits == 0 || digits > 3 || value > 255) return false;
    out[part] = static_cast<unsigned char>(value);
  }
  return *s == '\0';
}

// IPv6 text: glibc's inet_pton (RFC 4291 2.2), except that a trailing
// dotted quad is read by parse_ipv4 first, so that it takes the same
// leading zeros as an IPv4 address does.
int parse_ipv6(const char* src, void* dst) {
  const char* colon = std::strrchr(src, ':');
  if (colon == nullptr || std::strchr(colon, '.') == nullptr) return inet_pton(AF_INET6, src, dst);
  unsigned char quad[4];
  if (!parse_ipv4(colon + 1, quad)) return 0;
  char text[INET6_ADDRSTRLEN + 16];
  const size_t head = static_cast<size_t>(colon + 1 - src);
  if (head + 10 > sizeof text) return 0;
  std::memcpy(text, src, head);
  std::snprintf(text + head, sizeof text - head, "%x:%x", quad[0] << 8 | quad[1], quad[2] << 8 | quad[3]);
  return inet_pton(AF_INET6, text, dst);
}

template <class Sockaddr>
int copy_out(const Sockaddr& sa, sockaddr* out, int* outlen) {
  if (static_cast<int>(sizeof sa) > *outlen) return -1;
  std::memset(out, 0, *outlen);
  std::memcpy(out, &sa, sizeof sa);
  *outlen = sizeof sa;
  return 0;
}

int ordered(int diff) { return diff < 0 ? -1 : diff > 0 ? 1 : 0; }

// evutil_sockaddr_cmp's order: the address bytes, then (port_diff, 0 when
// ports do not count) the port.
int compare_address(const void* a, const void* b, size_t len, int port_diff) {
  const int r = std::memcmp(a, b, len);
  return ordered(r != 0 ? r : port_diff);
}

}  // namespace

extern "C" {

// ---------------------------------------------------------------- sockets

int evutil_socketpair(int d, int type, int protocol, evutil_socket_t sv[2]) {
  if (sv == nullptr) {
    errno = EFAULT;
    return -1;
  }
  return socketpair(d, type, protocol, sv);
}

int evutil_make_socket_nonblocking(evutil_socket_t sock) {
  return add_flag(sock, kFileFlags, O_NONBLOCK);
}

int evutil_make_socket_closeonexec(evutil_socket_t sock) {
  return add_flag(sock, kFdFlags, FD_CLOEXEC);
}

int evutil_make_listen_socket_reuseable(evutil_socket_t sock) {
  return evref::set_socket_option(sock, SOL_SOCKET, SO_REUSEADDR);
}

int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock) {
  return evref::set_socket_option(sock, SOL_SOCKET, SO_REUSEPORT);
}

int evutil_make_listen_socket_ipv6only(evutil_socket_t sock) {
  return evref::set_socket_option(sock, IPPROTO_IPV6, IPV6_V6ONLY);
}

int evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock) {
  return evref::set_socket_option(sock, IPPROTO_TCP, TCP_DEFER_ACCEPT);
}

int evutil_closesocket(evutil_socket_t sock) { return close(sock); }

// ---------------------------------------------------------------- strings

ev_int64_t evutil_strtoll(const char* s, char** endptr, int base) {
  return std::strtoll(s, endptr, base);
}

int evutil_vsnprintf(char* buf, size_t buflen, const char* format, va_list ap) {
  // C99's answer, which util.h promises: the length the whole output needs,
  // for a buflen of 0 too (libevent 2.1 returns 0 there, a finding).
  if (format == nullptr) {  // glibc's answer for no format
    if (buf != nullptr && buflen > 0) buf[0] = '\0';
    errno = EINVAL;
    return -1;
  }
  if (buf == nullptr) buflen = 0;
  const int r = std::vsnprintf(buf, buflen, format, ap);
  if (buflen > 0) buf[buflen - 1] = '\0';
  return r;
}

int evutil_snprintf(char* buf, size_t buflen, const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  const int r = evutil_vsnprintf(buf, buflen, format, ap);
  va_end(ap);
  return r;
}

int evutil_ascii_strncasecmp(const char* s1, const char* s2, size_t n) {
  // ASCII folding only, then a byte comparison as strcasecmp's (POSIX):
  // unsigned, so bytes above 0x7f sort after ASCII (libevent compares
  // them as signed char on x86-64, a finding).
  auto lower = [](char ch) {
    const unsigned char c = static_cast<unsigned char>(ch);
    return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c;
  };
  for (; n > 0; --n, ++s1, ++s2) {
    const unsigned char c1 = lower(*s1), c2 = lower(*s2);
    if (c1 != c2) return c1 < c2 ? -1 : 1;
    if (c1 == '\0') return 0;
  }
  return 0;
}

int evutil_ascii_strcasecmp(const char* s1, const char* s2) {
  return evutil_ascii_strncasecmp(s1, s2, static_cast<size_t>(-1));
}

// ---------------------------------------------------------------- addresses

const char* evutil_inet_ntop(int af, const void* src, char* dst, size_t len) {
  if (src == nullptr || dst == nullptr) return nullptr;
  return inet_ntop(af, src, dst, static_cast<socklen_t>(len < 65536 ? len : 65535));
}

int evutil_inet_pton(int af, const char* src, void* dst) {
  if (src == nullptr || dst == nullptr) return -1;
  if (af == AF_INET) {
    unsigned char quad[4];
    if (!parse_ipv4(src, quad)) return 0;
    std::memcpy(dst, quad, sizeof quad);
    return 1;
  }
  if (af == AF_INET6) return parse_ipv6(src, dst);
  errno = EAFNOSUPPORT;
  return -1;
}

int evutil_inet_pton_scope(int af, const char* src, void* dst, unsigned* indexp) {
  if (indexp == nullptr) return -1;
  *indexp = 0;
  const char* pct = af == AF_INET6 && src != nullptr ? std::strchr(src, '%') : nullptr;
  if (pct == nullptr) return evutil_inet_pton(af, src, dst);
  // libevent: an interface name, else a decimal index, else not an address.
  unsigned index = if_nametoindex(pct + 1);
  if (index == 0) {
    char* end = nullptr;
    index = static_cast<unsigned>(std::strtoul(pct + 1, &end, 10));
    if (*end != '\0') return 0;
  }
  *indexp = index;
  return evutil_inet_pton(af, std::string(src, pct).c_str(), dst);
}

int evutil_parse_sockaddr_port(const char* str, sockaddr* out, int* outlen) {
  AddrText text;
  if (str == nullptr || out == nullptr || outlen == nullptr || !split_addr_port(str, text))
    return -1;
  const int port = parse_port(text.port);
  if (port < 0) return -1;
  if (text.ipv6) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(static_cast<uint16_t>(port));
    unsigned scope = 0;
    if (evutil_inet_pton_scope(AF_INET6, text.addr.c_str(), &sin6.sin6_addr, &scope) != 1)
      return -1;
    sin6.sin6_scope_id = scope;
    return copy_out(sin6, out, outlen);
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(port));
  if (evutil_inet_pton(AF_INET, text.addr.c_str(), &sin.sin_addr) != 1) return -1;
  return copy_out(sin, out, outlen);
}

int evutil_sockaddr_cmp(const sockaddr* sa1, const sockaddr* sa2, int include_port) {
  if (sa1 == nullptr || sa2 == nullptr) return sa1 == sa2 ? 0 : sa1 == nullptr ? -1 : 1;
  if (sa1->sa_family != sa2->sa_family) return ordered(sa1->sa_family - sa2->sa_family);
  if (sa1->sa_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(sa1);
    const auto* b = reinterpret_cast<const sockaddr_in*>(sa2);
    return compare_address(&a->sin_addr, &b->sin_addr, sizeof a->sin_addr,
                           include_port ? ntohs(a->sin_port) - ntohs(b->sin_port) : 0);
  }
  if (sa1->sa_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(sa1);
    const auto* b = reinterpret_cast<const sockaddr_in6*>(sa2);
    return compare_address(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr,
                           include_port ? ntohs(a->sin6_port) - ntohs(b->sin6_port) : 0);
  }
  return 1;  // libevent: other families never compare equal
}

// ---------------------------------------------------------------- getaddrinfo

int evutil_getaddrinfo(const char* nodename, const char* servname,
                       const evutil_addrinfo* hints_in, evutil_addrinfo** res) {
  if (res == nullptr) return EVUTIL_EAI_FAIL;
  *res = nullptr;
  addrinfo hints{};
  if (hints_in != nullptr) hints = *hints_in;
  else hints.ai_family = AF_UNSPEC;
  hints.ai_flags &= ~kLibeventOnlyAiFlags;
  return getaddrinfo(nodename, servname, &hints, res);
}

void evutil_freeaddrinfo(evutil_addrinfo* ai) {
  if (ai != nullptr) freeaddrinfo(ai);
}

const char* evutil_gai_strerror(int err) {
  // libevent names its own code and "No error"; the rest are the system's.
  if (err == EVUTIL_EAI_CANCEL) return "Request canceled";
  if (err == 0) return "No error";
  return gai_strerror(err);
}

// ---------------------------------------------------------------- time

int evutil_date_rfc1123(char* date, const size_t datelen, const struct tm* tm) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm now;
  if (tm == nullptr) {
    const time_t t = time(nullptr);
    gmtime_r(&t, &now);
    tm = &now;
  }
  if (tm->tm_wday < 0 || tm->tm_wday > 6 || tm->tm_mon < 0 || tm->tm_mon > 11) return -1;
  return evutil_snprintf(date, datelen, "%s, %02d %s %4d %02d:%02d:%02d GMT", kDays[tm->tm_wday],
                         tm->tm_mday, kMonths[tm->tm_mon], 1900 + tm->tm_year, tm->tm_hour,
                         tm->tm_min, tm->tm_sec);
}

evutil_monotonic_timer* evutil_monotonic_timer_new(void) {
  return new (std::nothrow) evutil_monotonic_timer();
}

void evutil_monotonic_timer_free(evutil_monotonic_timer* timer) { delete timer; }

int evutil_configure_monotonic_time(evutil_monotonic_timer* timer, int flags) {
  if (timer == nullptr) return -1;
  *timer = evutil_monotonic_timer();
  // As libevent on Linux: the coarse clock unless precision is asked for;
  // EV_MONOT_FALLBACK asks for the wall clock, made monotonic.
  timer->fallback = (flags & EV_MONOT_FALLBACK) != 0;
  timer->clock = (flags & EV_MONOT_PRECISE) ? CLOCK_MONOTONIC : CLOCK_MONOTONIC_COARSE;
  timespec ts;
  if (!timer->fallback && clock_gettime(timer->clock, &ts) != 0) timer->clock = CLOCK_MONOTONIC;
  return 0;
}

int evutil_gettime_monotonic(evutil_monotonic_timer* timer, struct timeval* tp) {
  if (timer == nullptr || tp == nullptr) return -1;
  if (!timer->fallback) {
    timespec ts;
    if (clock_gettime(timer->clock, &ts) != 0) return -1;
    tp->tv_sec = ts.tv_sec;
    tp->tv_usec = ts.tv_nsec / 1000;
    return 0;
  }
  // The wall clock plus an adjustment that grows whenever it is set back.
  timeval now;
  if (gettimeofday(&now, nullptr) != 0) return -1;
  evutil_timeradd(&now, &timer->adjust, tp);
  if (evutil_timercmp(tp, &timer->last, <)) {
    timeval back;
    evutil_timersub(&timer->last, tp, &back);
    evutil_timeradd(&timer->adjust, &back, &timer->adjust);
    *tp = timer->last;
  }
  timer->last = *tp;
  return 0;
}

// ---------------------------------------------------------------- random

// The kernel's generator (getrandom) is the secure RNG: it is seeded by the
// kernel, so there is nothing to seed, no device file to open and nothing
// to add. libevent built on arc4random answers the same way (init 0,
// set_urandom_device_file -1).
void evutil_secure_rng_get_bytes(void* buf, size_t n) {
  auto* out = static_cast<unsigned char*>(buf);
  while (n > 0) {
    const ssize_t got = getrandom(out, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      // No secure bytes: never hand back predictable ones (a fatal error,
      // logged first, as libevent's are).
      evref::log::warn_errno("getrandom");
      evref::log::fatal(evref::log::kAbort);
    }
    out += got;
    n -= static_cast<size_t>(got);
  }
}

int evutil_secure_rng_init(void) {
  unsigned char probe;
  return getrandom(&probe, 1, GRND_NONBLOCK) == 1 ? 0 : -1;
}

int evutil_secure_rng_set_urandom_device_file(char*) { return -1; }

void evutil_secure_rng_add_bytes(const char*, size_t) {}

}  // extern "C"
