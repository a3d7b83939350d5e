// <event2/util.h>: the socket, time, string, address, getaddrinfo and
// random helpers, and the compatibility headers around it (<evutil.h>,
// <event2/visibility.h>, <event2/event-config.h>). Public API only; the
// constants, types and signatures are checked at compile time so drift
// breaks the build. Addresses are numeric only: nothing here asks a
// resolver or the network.
#include <evutil.h>  // first: the 1.4 name must bring <event2/util.h> by itself

#include <event2/event-config.h>
#include <event2/event.h>
#include <event2/util.h>
#include <event2/visibility.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "evc_net.h"
#include "evc_test.h"

namespace {

template <typename Actual, typename Expected>
constexpr bool kSame = std::is_same<Actual, Expected>::value;

// <event2/event-config.h>: what public programs test, true of every
// implementation on Linux (values from the compiler, not guesses).
#if !defined(EVENT__HAVE_SYS_TIME_H) || !defined(EVENT__HAVE_SYS_SOCKET_H) || \
    !defined(EVENT__HAVE_NETINET_IN_H) || !defined(EVENT__HAVE_SYS_TYPES_H)
#error "event-config.h: the Linux headers a program may include"
#endif
static_assert(EVENT__NUMERIC_VERSION == LIBEVENT_VERSION_NUMBER, "EVENT__NUMERIC_VERSION");
static_assert(EVENT__SIZEOF_INT == sizeof(int) && EVENT__SIZEOF_LONG == sizeof(long) &&
                  EVENT__SIZEOF_SIZE_T == sizeof(size_t) && EVENT__SIZEOF_VOID_P == sizeof(void*),
              "EVENT__SIZEOF_*");

// <event2/visibility.h>: the export marker expands to a declaration prefix.
EVENT2_EXPORT_SYMBOL int EvcDeclaredWithExportMarker(void);

static_assert(kSame<ev_uint64_t, uint64_t> && kSame<ev_int64_t, int64_t> &&
                  kSame<ev_uint32_t, uint32_t> && kSame<ev_int32_t, int32_t> &&
                  kSame<ev_uint16_t, uint16_t> && kSame<ev_int16_t, int16_t> &&
                  kSame<ev_uint8_t, uint8_t> && kSame<ev_int8_t, int8_t> &&
                  sizeof(ev_uintptr_t) == sizeof(void*) && sizeof(ev_intptr_t) == sizeof(void*) &&
                  sizeof(ev_ssize_t) == sizeof(size_t) && sizeof(ev_off_t) == 8 &&
                  kSame<ev_socklen_t, socklen_t> && kSame<evutil_socket_t, int>,
              "ev_* types");
static_assert(EV_UINT64_MAX == UINT64_MAX && EV_INT64_MAX == INT64_MAX && EV_INT64_MIN == INT64_MIN &&
                  EV_UINT32_MAX == UINT32_MAX && EV_INT32_MAX == INT32_MAX &&
                  EV_INT32_MIN == INT32_MIN && EV_UINT16_MAX == UINT16_MAX &&
                  EV_INT16_MAX == INT16_MAX && EV_INT16_MIN == INT16_MIN &&
                  EV_UINT8_MAX == UINT8_MAX && EV_INT8_MAX == INT8_MAX && EV_INT8_MIN == INT8_MIN &&
                  EV_SIZE_MAX == SIZE_MAX && EV_SSIZE_MAX == SSIZE_MAX &&
                  EV_SSIZE_MIN == -SSIZE_MAX - 1,
              "EV_* limits");
static_assert(EVUTIL_INVALID_SOCKET == -1 && EV_MONOT_PRECISE == 1 && EV_MONOT_FALLBACK == 2,
              "util.h constants");
static_assert(kSame<evutil_addrinfo, addrinfo>, "evutil_addrinfo is struct addrinfo on Linux");
static_assert(EVUTIL_EAI_CANCEL == -90001 && EVUTIL_EAI_NONAME == EAI_NONAME &&
                  EVUTIL_EAI_SERVICE == EAI_SERVICE && EVUTIL_EAI_FAMILY == EAI_FAMILY &&
                  EVUTIL_AI_PASSIVE == AI_PASSIVE && EVUTIL_AI_NUMERICHOST == AI_NUMERICHOST &&
                  EVUTIL_AI_NUMERICSERV == AI_NUMERICSERV && EVUTIL_AI_CANONNAME == AI_CANONNAME &&
                  EVUTIL_AI_ADDRCONFIG == AI_ADDRCONFIG,
              "EVUTIL_EAI_* / EVUTIL_AI_* are the system's");

static_assert(kSame<decltype(&evutil_socketpair), int (*)(int, int, int, evutil_socket_t*)>,
              "evutil_socketpair");
static_assert(kSame<decltype(&evutil_make_socket_nonblocking), int (*)(evutil_socket_t)>, "nonblock");
static_assert(kSame<decltype(&evutil_make_listen_socket_ipv6only), int (*)(evutil_socket_t)>, "v6only");
static_assert(kSame<decltype(&evutil_make_tcp_listen_socket_deferred), int (*)(evutil_socket_t)>,
              "deferred");
static_assert(kSame<decltype(&evutil_strtoll), ev_int64_t (*)(const char*, char**, int)>, "strtoll");
// (printf format attributes make decltype comparisons warn: a pointer of
// exactly this type must accept them instead.)
[[maybe_unused]] constexpr int (*kSnprintf)(char*, size_t, const char*, ...) = &evutil_snprintf;
[[maybe_unused]] constexpr int (*kVsnprintf)(char*, size_t, const char*, va_list) = &evutil_vsnprintf;
static_assert(kSame<decltype(&evutil_inet_ntop), const char* (*)(int, const void*, char*, size_t)>,
              "inet_ntop");
static_assert(kSame<decltype(&evutil_inet_pton), int (*)(int, const char*, void*)>, "inet_pton");
static_assert(kSame<decltype(&evutil_inet_pton_scope), int (*)(int, const char*, void*, unsigned*)>,
              "inet_pton_scope");
static_assert(kSame<decltype(&evutil_parse_sockaddr_port), int (*)(const char*, sockaddr*, int*)>,
              "parse_sockaddr_port");
static_assert(kSame<decltype(&evutil_sockaddr_cmp), int (*)(const sockaddr*, const sockaddr*, int)>,
              "sockaddr_cmp");
static_assert(kSame<decltype(&evutil_ascii_strcasecmp), int (*)(const char*, const char*)>, "casecmp");
static_assert(kSame<decltype(&evutil_ascii_strncasecmp), int (*)(const char*, const char*, size_t)>,
              "ncasecmp");
static_assert(kSame<decltype(&evutil_getaddrinfo),
                    int (*)(const char*, const char*, const addrinfo*, addrinfo**)>,
              "getaddrinfo");
static_assert(kSame<decltype(&evutil_freeaddrinfo), void (*)(addrinfo*)>, "freeaddrinfo");
static_assert(kSame<decltype(&evutil_gai_strerror), const char* (*)(int)>, "gai_strerror");
static_assert(kSame<decltype(&evutil_secure_rng_get_bytes), void (*)(void*, size_t)>, "rng_get_bytes");
static_assert(kSame<decltype(&evutil_secure_rng_init), int (*)()>, "rng_init");
static_assert(kSame<decltype(&evutil_secure_rng_set_urandom_device_file), int (*)(char*)>,
              "rng_set_urandom_device_file");
static_assert(kSame<decltype(&evutil_secure_rng_add_bytes), void (*)(const char*, size_t)>,
              "rng_add_bytes");
static_assert(kSame<decltype(&evutil_date_rfc1123), int (*)(char*, size_t, const tm*)>, "rfc1123");
static_assert(kSame<decltype(&evutil_monotonic_timer_new), evutil_monotonic_timer* (*)()>, "mt_new");
static_assert(kSame<decltype(&evutil_gettime_monotonic),
                    int (*)(evutil_monotonic_timer*, timeval*)>,
              "gettime_monotonic");

}  // namespace

namespace evc {
namespace {

// ---------------------------------------------------------------- sockets

using UtilSocket = Test;

TEST_F(UtilSocket, SocketpairGivesTwoConnectedSockets) {
  EVC_RULE("util.h/evutil_socketpair",
           "util.h: evutil_socketpair creates two sockets connected to each other; on Unix it "
           "is socketpair()");
  evutil_socket_t sv[2] = {-1, -1};
  ASSERT_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_GE(sv[0], 0);
  ASSERT_GE(sv[1], 0);
  EXPECT_EQ(write(sv[0], "ab", 2), 2);
  char got[2] = {0, 0};
  EXPECT_EQ(read(sv[1], got, 2), 2);
  EXPECT_EQ(std::string(got, 2), "ab");
  EXPECT_EQ(evutil_closesocket(sv[0]), 0);
  EXPECT_EQ(EVUTIL_CLOSESOCKET(sv[1]), 0);
}

TEST_F(UtilSocket, SocketpairFailureIsMinusOneWithASocketError) {
  EVC_RULE("util.h/evutil_socketpair/failure",
           "util.h: evutil_socketpair's parameters and return values are as for socketpair(): "
           "-1 and the error in EVUTIL_SOCKET_ERROR() for a family it cannot pair");
  evutil_socket_t sv[2] = {-1, -1};
  errno = 0;
  EXPECT_EQ(evutil_socketpair(AF_INET, SOCK_STREAM, 0, sv), -1);
  EXPECT_NE(EVUTIL_SOCKET_ERROR(), 0);
}

TEST_F(UtilSocket, NonblockingSetsONonblockAndIsIdempotent) {
  EVC_RULE("util.h/evutil_make_socket_nonblocking",
           "util.h: evutil_make_socket_nonblocking makes the socket nonblocking, 0 on success");
  evutil_socket_t sv[2];
  ASSERT_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  EXPECT_EQ(evutil_make_socket_nonblocking(sv[0]), 0);
  EXPECT_NE(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
  EXPECT_EQ(evutil_make_socket_nonblocking(sv[0]), 0);
  EXPECT_NE(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
  EXPECT_EQ(fcntl(sv[1], F_GETFL) & O_NONBLOCK, 0) << "the other end is left alone";
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
}

TEST_F(UtilSocket, NonblockingOnAClosedDescriptorFails) {
  EVC_RULE("util.h/evutil_make_socket_nonblocking/bad-fd",
           "util.h: evutil_make_socket_nonblocking returns -1 on failure (a descriptor that "
           "is not open)");
  evutil_socket_t sv[2];
  ASSERT_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  EXPECT_EQ(evutil_make_socket_nonblocking(sv[0]), -1);
  EXPECT_EQ(evutil_make_socket_closeonexec(sv[0]), -1);
}

TEST_F(UtilSocket, CloseonexecSetsFdCloexec) {
  EVC_RULE("util.h/evutil_make_socket_closeonexec",
           "util.h: evutil_make_socket_closeonexec makes the socket close on exec, 0 on success");
  evutil_socket_t sv[2];
  ASSERT_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  EXPECT_EQ(evutil_make_socket_closeonexec(sv[1]), 0);
  EXPECT_NE(fcntl(sv[1], F_GETFD) & FD_CLOEXEC, 0);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
}

TEST_F(UtilSocket, ClosesocketClosesTheDescriptor) {
  EVC_RULE("util.h/evutil_closesocket",
           "util.h: evutil_closesocket closes a socket: 0, and the descriptor is no longer open");
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(evutil_closesocket(fd), 0);
  errno = 0;
  EXPECT_EQ(fcntl(fd, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
}

TEST_F(UtilSocket, ListenSocketOptionsAreSet) {
  EVC_RULE("util.h/evutil_make_listen_socket_reuseable",
           "util.h: evutil_make_listen_socket_reuseable (SO_REUSEADDR), _reuseable_port "
           "(SO_REUSEPORT, Linux 3.9+) and _ipv6only (IPV6_V6ONLY) set their option, 0 on success");
  const int fd4 = socket(AF_INET, SOCK_STREAM, 0);
  const int fd6 = socket(AF_INET6, SOCK_STREAM, 0);
  ASSERT_GE(fd4, 0);
  auto option = [](int fd, int level, int name) {
    int v = 0;
    socklen_t len = sizeof v;
    return getsockopt(fd, level, name, &v, &len) == 0 ? v : -1;
  };
  EXPECT_EQ(evutil_make_listen_socket_reuseable(fd4), 0);
  EXPECT_NE(option(fd4, SOL_SOCKET, SO_REUSEADDR), 0);
  EXPECT_EQ(evutil_make_listen_socket_reuseable_port(fd4), 0);
  EXPECT_NE(option(fd4, SOL_SOCKET, SO_REUSEPORT), 0);
  EXPECT_EQ(evutil_make_tcp_listen_socket_deferred(fd4), 0);
  if (fd6 >= 0) {
    EXPECT_EQ(evutil_make_listen_socket_ipv6only(fd6), 0);
    EXPECT_NE(option(fd6, IPPROTO_IPV6, IPV6_V6ONLY), 0);
    evutil_closesocket(fd6);
  }
  evutil_closesocket(fd4);
}

TEST_F(UtilSocket, SocketErrorMacrosAreErrno) {
  EVC_RULE("util.h/EVUTIL_SOCKET_ERROR",
           "util.h: on Unix EVUTIL_SOCKET_ERROR() and evutil_socket_geterror(sock) are errno, "
           "EVUTIL_SET_SOCKET_ERROR sets it, evutil_socket_error_to_string is strerror");
  errno = ECONNRESET;
  EXPECT_EQ(EVUTIL_SOCKET_ERROR(), ECONNRESET);
  EXPECT_EQ(evutil_socket_geterror(0), ECONNRESET);
  EVUTIL_SET_SOCKET_ERROR(EPIPE);
  EXPECT_EQ(errno, EPIPE);
  EXPECT_STREQ(evutil_socket_error_to_string(EPIPE), std::strerror(EPIPE));
}

// ---------------------------------------------------------------- time

using UtilTime = Test;

TEST_F(UtilTime, TimeraddCarriesMicroseconds) {
  EVC_RULE("util.h/evutil_timeradd",
           "util.h: evutil_timeradd(a, b, out) sets out to a + b with tv_usec below 1000000");
  const timeval a{1, 600000}, b{2, 500000};
  timeval out{};
  evutil_timeradd(&a, &b, &out);
  EXPECT_EQ(out.tv_sec, 4);
  EXPECT_EQ(out.tv_usec, 100000);
  evutil_timeradd(&a, &a, &out);
  EXPECT_EQ(out.tv_sec, 3);
  EXPECT_EQ(out.tv_usec, 200000);
}

TEST_F(UtilTime, TimersubBorrowsMicroseconds) {
  EVC_RULE("util.h/evutil_timersub",
           "util.h: evutil_timersub(a, b, out) sets out to a - b with tv_usec in [0, 1000000)");
  const timeval a{4, 100000}, b{2, 500000};
  timeval out{};
  evutil_timersub(&a, &b, &out);
  EXPECT_EQ(out.tv_sec, 1);
  EXPECT_EQ(out.tv_usec, 600000);
  evutil_timersub(&b, &a, &out);
  EXPECT_EQ(out.tv_sec, -2);
  EXPECT_EQ(out.tv_usec, 400000);
}

TEST_F(UtilTime, TimerclearZeroesBothFields) {
  EVC_RULE("util.h/evutil_timerclear", "util.h: evutil_timerclear sets a timeval to zero");
  timeval tv{7, 8};
  evutil_timerclear(&tv);
  EXPECT_EQ(tv.tv_sec, 0);
  EXPECT_EQ(tv.tv_usec, 0);
}

TEST_F(UtilTime, TimerissetIsTrueForAnyNonzeroField) {
  EVC_RULE("util.h/evutil_timerisset",
           "util.h: evutil_timerisset is true when tv_sec or tv_usec is nonzero");
  const timeval zero{0, 0}, usec{0, 1}, sec{1, 0};
  EXPECT_FALSE(evutil_timerisset(&zero));
  EXPECT_TRUE(evutil_timerisset(&usec));
  EXPECT_TRUE(evutil_timerisset(&sec));
}

TEST_F(UtilTime, TimercmpOrdersSecondsThenMicroseconds) {
  EVC_RULE("util.h/evutil_timercmp",
           "util.h: evutil_timercmp(a, b, cmp) is true iff a is related to b by cmp (==, <=, <, "
           ">=, >), seconds first, then microseconds");
  const timeval a{1, 900000}, b{2, 100000}, c{2, 100000};
  EXPECT_TRUE(evutil_timercmp(&a, &b, <));
  EXPECT_TRUE(evutil_timercmp(&a, &b, <=));
  EXPECT_FALSE(evutil_timercmp(&a, &b, >));
  EXPECT_FALSE(evutil_timercmp(&a, &b, >=));
  EXPECT_FALSE(evutil_timercmp(&a, &b, ==));
  EXPECT_TRUE(evutil_timercmp(&b, &c, ==));
  EXPECT_TRUE(evutil_timercmp(&b, &c, >=));
  EXPECT_FALSE(evutil_timercmp(&b, &c, <));
}

TEST_F(UtilTime, GettimeofdayIsTheWallClock) {
  EVC_RULE("util.h/evutil_gettimeofday",
           "util.h: evutil_gettimeofday is gettimeofday (0, the wall clock's time)");
  // Bounded by gettimeofday itself: time() reads the kernel's coarse clock,
  // which can still show the previous second for a tick after
  // gettimeofday has moved on.
  timeval before, after, tv{-1, -1};
  gettimeofday(&before, nullptr);
  ASSERT_EQ(evutil_gettimeofday(&tv, nullptr), 0);
  gettimeofday(&after, nullptr);
  EXPECT_GE(tv.tv_usec, 0);
  EXPECT_LT(tv.tv_usec, 1000000);
  auto usec = [](const timeval& t) { return t.tv_sec * 1000000LL + t.tv_usec; };
  EXPECT_GE(usec(tv), usec(before));
  EXPECT_LE(usec(tv), usec(after));
}

TEST_F(UtilTime, MonotonicTimeNeverRunsBackwards) {
  EVC_RULE("util.h/evutil_gettime_monotonic",
           "util.h: a monotonic timer configured with any flags gives times that never run in "
           "reverse (0 per reading)");
  for (int flags : {0, EV_MONOT_PRECISE, EV_MONOT_FALLBACK}) {
    SCOPED_TRACE(flags);
    evutil_monotonic_timer* timer = evutil_monotonic_timer_new();
    ASSERT_NE(timer, nullptr);
    ASSERT_EQ(evutil_configure_monotonic_time(timer, flags), 0);
    timeval last{0, 0};
    for (int i = 0; i < 200; ++i) {
      timeval now{};
      ASSERT_EQ(evutil_gettime_monotonic(timer, &now), 0);
      EXPECT_TRUE(evutil_timercmp(&last, &now, <=)) << i;
      EXPECT_GE(now.tv_usec, 0);
      EXPECT_LT(now.tv_usec, 1000000);
      last = now;
    }
    evutil_monotonic_timer_free(timer);
  }
}

TEST_F(UtilTime, DateRfc1123FormatsAGivenTime) {
  EVC_RULE("util.h/evutil_date_rfc1123",
           "util.h: evutil_date_rfc1123 writes tm in RFC 1123 format and returns the number of "
           "characters (smaller than datelen when not truncated)");
  tm t{};
  t.tm_year = 94;
  t.tm_mon = 10;
  t.tm_mday = 6;
  t.tm_wday = 0;
  t.tm_hour = 8;
  t.tm_min = 49;
  t.tm_sec = 37;
  char date[64];
  EXPECT_EQ(evutil_date_rfc1123(date, sizeof date, &t), 29);
  EXPECT_STREQ(date, "Sun, 06 Nov 1994 08:49:37 GMT");
  char small[10];
  EXPECT_EQ(evutil_date_rfc1123(small, sizeof small, &t), 29) << "truncated, length returned";
  EXPECT_STREQ(small, "Sun, 06 N");
  EXPECT_EQ(evutil_date_rfc1123(date, sizeof date, nullptr), 29) << "NULL: the current time";
  EXPECT_STREQ(date + 25, " GMT");
}

// ---------------------------------------------------------------- strings

using UtilString = Test;

TEST_F(UtilString, StrtollParsesSixtyFourBitValues) {
  EVC_RULE("util.h/evutil_strtoll",
           "util.h: evutil_strtoll parses a 64-bit value; arguments are as for strtol");
  char* end = nullptr;
  const char* min = "-9223372036854775808 rest";
  EXPECT_EQ(evutil_strtoll(min, &end, 10), INT64_MIN);
  EXPECT_EQ(end, min + 20);
  EXPECT_EQ(evutil_strtoll("0x7fffffffffffffff", nullptr, 16), INT64_MAX);
  EXPECT_EQ(evutil_strtoll("0x10", nullptr, 0), 16);
  EXPECT_EQ(evutil_strtoll("  42", nullptr, 10), 42);
}

TEST_F(UtilString, SnprintfReturnsTheFullLengthAndTerminates) {
  EVC_RULE("util.h/evutil_snprintf",
           "util.h: evutil_snprintf behaves as C99 snprintf: the buffer is NUL-terminated and "
           "the return is the length the whole output needs");
  char buf[8];
  EXPECT_EQ(evutil_snprintf(buf, sizeof buf, "%s-%d", "hello", 42), 8);
  EXPECT_STREQ(buf, "hello-4");
  EXPECT_EQ(evutil_snprintf(buf, sizeof buf, "%d", 7), 1);
  EXPECT_STREQ(buf, "7");
}

int CallVsnprintf(char* buf, size_t len, const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  const int r = evutil_vsnprintf(buf, len, format, ap);
  va_end(ap);
  return r;
}

TEST_F(UtilString, VsnprintfReturnsTheFullLengthAndTerminates) {
  EVC_RULE("util.h/evutil_vsnprintf",
           "util.h: evutil_vsnprintf behaves as C99 vsnprintf: the buffer is NUL-terminated and "
           "the return is the length the whole output needs");
  char buf[4];
  EXPECT_EQ(CallVsnprintf(buf, sizeof buf, "%s", "abcdef"), 6);
  EXPECT_STREQ(buf, "abc");
}

TEST_F(UtilString, AsciiStrcasecmpFoldsAsciiLettersOnly) {
  EVC_RULE("util.h/evutil_ascii_strcasecmp",
           "util.h: evutil_ascii_strcasecmp is strcasecmp in locale-independent ASCII");
  EXPECT_EQ(evutil_ascii_strcasecmp("Content-LENGTH", "content-length"), 0);
  EXPECT_LT(evutil_ascii_strcasecmp("abc", "ABD"), 0);
  EXPECT_GT(evutil_ascii_strcasecmp("ABD", "abc"), 0);
  EXPECT_GT(evutil_ascii_strcasecmp("a", ""), 0);
  EXPECT_LT(evutil_ascii_strcasecmp("", "a"), 0);
  EXPECT_NE(evutil_ascii_strcasecmp("[", "{"), 0) << "only letters fold";
}

TEST_F(UtilString, AsciiStrncasecmpComparesAtMostN) {
  EVC_RULE("util.h/evutil_ascii_strncasecmp",
           "util.h: evutil_ascii_strncasecmp is strncasecmp in locale-independent ASCII");
  EXPECT_EQ(evutil_ascii_strncasecmp("HOST: x", "host: y", 5), 0);
  EXPECT_NE(evutil_ascii_strncasecmp("HOST: x", "host: y", 7), 0);
  EXPECT_EQ(evutil_ascii_strncasecmp("abc", "xyz", 0), 0);
  EXPECT_EQ(evutil_ascii_strncasecmp("Ab", "aB", 10), 0) << "stops at the end of equal strings";
}

// ---------------------------------------------------------------- addresses

using UtilAddress = Test;

std::string Ntop(int af, const void* src) {
  char buf[128];
  const char* r = evutil_inet_ntop(af, src, buf, sizeof buf);
  return r == nullptr ? "(null)" : r;
}

TEST_F(UtilAddress, InetPtonParsesNumericAddresses) {
  EVC_RULE("util.h/evutil_inet_pton",
           "util.h: evutil_inet_pton is inet_pton: 1 and the address in network order");
  in_addr a4{};
  ASSERT_EQ(evutil_inet_pton(AF_INET, "192.0.2.33", &a4), 1);
  EXPECT_EQ(ntohl(a4.s_addr), 0xc0000221u);
  in6_addr a6{};
  ASSERT_EQ(evutil_inet_pton(AF_INET6, "2001:db8::ff00:42:8329", &a6), 1);
  const unsigned char want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29};
  EXPECT_EQ(std::memcmp(a6.s6_addr, want, 16), 0);
  ASSERT_EQ(evutil_inet_pton(AF_INET6, "::ffff:1.2.3.4", &a6), 1);
  EXPECT_EQ(a6.s6_addr[10], 0xff);
  EXPECT_EQ(a6.s6_addr[15], 4);
}

TEST_F(UtilAddress, InetPtonRejectsMalformedText) {
  EVC_RULE("util.h/evutil_inet_pton/malformed",
           "util.h: evutil_inet_pton is inet_pton: 0 for text that is not an address of the "
           "family");
  in_addr a4{};
  for (const char* bad : {"1.2.3", "256.1.1.1", "1.2.3.4.5", "abc", "", "::1"})
    EXPECT_EQ(evutil_inet_pton(AF_INET, bad, &a4), 0) << bad;
  in6_addr a6{};
  for (const char* bad : {":::", "1::2::3", "12345::", "1.2.3.4", "g::1", ""})
    EXPECT_EQ(evutil_inet_pton(AF_INET6, bad, &a6), 0) << bad;
}

TEST_F(UtilAddress, InetNtopFormatsCanonicalText) {
  EVC_RULE("util.h/evutil_inet_ntop",
           "util.h: evutil_inet_ntop is inet_ntop: dst holding the text form, with the longest "
           "run of zero groups as ::");
  in_addr a4{};
  a4.s_addr = htonl(0x7f000001);
  EXPECT_EQ(Ntop(AF_INET, &a4), "127.0.0.1");
  in6_addr a6{};
  for (const char* text : {"::1", "2001:db8::ff00:42:8329", "::ffff:1.2.3.4", "fe80::1:0:0:2",
                           "1:2:3:4:5:6:7:8"}) {
    ASSERT_EQ(inet_pton(AF_INET6, text, &a6), 1) << text;
    EXPECT_EQ(Ntop(AF_INET6, &a6), text);
  }
}

TEST_F(UtilAddress, InetNtopRefusesABufferTooSmall) {
  EVC_RULE("util.h/evutil_inet_ntop/short-buffer",
           "util.h: evutil_inet_ntop is inet_ntop: NULL when the text does not fit in len");
  char buf[16];
  in_addr a4{};
  a4.s_addr = htonl(0x7f000001);
  EXPECT_EQ(evutil_inet_ntop(AF_INET, &a4, buf, 9), nullptr) << "127.0.0.1 needs 10 bytes";
  in6_addr a6{};
  ASSERT_EQ(inet_pton(AF_INET6, "2001:db8::1", &a6), 1);
  EXPECT_EQ(evutil_inet_ntop(AF_INET6, &a6, buf, 5), nullptr);
}

TEST_F(UtilAddress, InetPtonScopeReadsANumericZone) {
  EVC_RULE("util.h/evutil_inet_pton_scope",
           "util.h: evutil_inet_pton_scope parses an IPv6 address with an optional scope (an "
           "interface name or index after %) into *indexp, 0 when there is none");
  in6_addr a6{};
  unsigned index = 99;
  ASSERT_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%7", &a6, &index), 1);
  EXPECT_EQ(index, 7u);
  EXPECT_EQ(a6.s6_addr[0], 0xfe);
  EXPECT_EQ(a6.s6_addr[15], 1);
  ASSERT_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::2", &a6, &index), 1);
  EXPECT_EQ(index, 0u);
  EXPECT_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%no-such-if", &a6, &index), 0);
}

struct Parsed {
  int r = 0;
  int len = 0;
  sockaddr_storage ss{};
};

Parsed Parse(const char* text, int room = sizeof(sockaddr_storage)) {
  Parsed p;
  p.len = room;
  p.r = evutil_parse_sockaddr_port(text, reinterpret_cast<sockaddr*>(&p.ss), &p.len);
  return p;
}

TEST_F(UtilAddress, ParseSockaddrPortReadsIpv4WithAndWithoutPort) {
  EVC_RULE("util.h/evutil_parse_sockaddr_port",
           "util.h: evutil_parse_sockaddr_port parses IPv4[:port], [IPv6][:port] and IPv6 into "
           "a sockaddr (port 0 when none is given) and sets *outlen to the bytes used");
  Parsed p = Parse("192.0.2.7:8080");
  ASSERT_EQ(p.r, 0);
  EXPECT_EQ(p.len, static_cast<int>(sizeof(sockaddr_in)));
  const auto* sin = reinterpret_cast<const sockaddr_in*>(&p.ss);
  EXPECT_EQ(sin->sin_family, AF_INET);
  EXPECT_EQ(ntohs(sin->sin_port), 8080);
  EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0xc0000207u);
  p = Parse("127.0.0.1");
  ASSERT_EQ(p.r, 0);
  EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in*>(&p.ss)->sin_port), 0);
}

TEST_F(UtilAddress, ParseSockaddrPortReadsIpv6Forms) {
  EVC_RULE("util.h/evutil_parse_sockaddr_port",
           "util.h: evutil_parse_sockaddr_port parses IPv4[:port], [IPv6][:port] and IPv6 into "
           "a sockaddr (port 0 when none is given) and sets *outlen to the bytes used");
  for (auto [text, port] : std::vector<std::pair<const char*, int>>{
           {"[::1]:65535", 65535}, {"[::1]", 0}, {"::1", 0}}) {
    SCOPED_TRACE(text);
    const Parsed p = Parse(text);
    ASSERT_EQ(p.r, 0);
    EXPECT_EQ(p.len, static_cast<int>(sizeof(sockaddr_in6)));
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&p.ss);
    EXPECT_EQ(sin6->sin6_family, AF_INET6);
    EXPECT_EQ(ntohs(sin6->sin6_port), port);
    EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
  }
}

TEST_F(UtilAddress, ParseSockaddrPortRejectsMalformedInput) {
  EVC_RULE("util.h/evutil_parse_sockaddr_port/malformed",
           "util.h: evutil_parse_sockaddr_port returns -1 if the address is not well-formed or "
           "the port is out of range");
  for (const char* bad : {"1.2.3.4:65536", "1.2.3.4:-1", "1.2.3:80", "localhost:80", "[::1",
                          "[1.2.3.4]:80", "1::2::3", "", "[::1]:99999"})
    EXPECT_EQ(Parse(bad).r, -1) << bad;
}

TEST_F(UtilAddress, ParseSockaddrPortNeedsRoomForTheResult) {
  EVC_RULE("util.h/evutil_parse_sockaddr_port/outlen",
           "util.h: evutil_parse_sockaddr_port returns -1 if out is not large enough to hold "
           "the result (*outlen bytes)");
  EXPECT_EQ(Parse("127.0.0.1:80", sizeof(sockaddr_in) - 1).r, -1);
  EXPECT_EQ(Parse("[::1]:80", sizeof(sockaddr_in)).r, -1);
  const Parsed exact = Parse("127.0.0.1:80", sizeof(sockaddr_in));
  EXPECT_EQ(exact.r, 0);
  EXPECT_EQ(exact.len, static_cast<int>(sizeof(sockaddr_in)));
}

TEST_F(UtilAddress, SockaddrCmpComparesAddressThenPort) {
  EVC_RULE("util.h/evutil_sockaddr_cmp",
           "util.h: evutil_sockaddr_cmp returns 0 for equal AF_INET / AF_INET6 addresses (the "
           "port counts only with include_port), else the sign of an order");
  const sockaddr_in a = Loopback4(80), a81 = Loopback4(81);
  sockaddr_in b = Loopback4(80);
  b.sin_addr.s_addr = htonl(0x7f000002);
  const sockaddr_in6 v6 = Loopback6(80), v6b = Loopback6(80);
  auto sa = [](const auto& s) { return reinterpret_cast<const sockaddr*>(&s); };
  EXPECT_EQ(evutil_sockaddr_cmp(sa(a), sa(a81), 0), 0);
  EXPECT_NE(evutil_sockaddr_cmp(sa(a), sa(a81), 1), 0);
  const int ab = evutil_sockaddr_cmp(sa(a), sa(b), 0), ba = evutil_sockaddr_cmp(sa(b), sa(a), 0);
  EXPECT_NE(ab, 0);
  EXPECT_EQ(ab < 0, ba > 0) << "antisymmetric";
  EXPECT_EQ(evutil_sockaddr_cmp(sa(v6), sa(v6b), 1), 0);
  EXPECT_NE(evutil_sockaddr_cmp(sa(a), sa(v6), 0), 0);
}

// ---------------------------------------------------------------- getaddrinfo

using UtilGetaddrinfo = Test;

addrinfo Hints(int family, int flags) {
  addrinfo h{};
  h.ai_family = family;
  h.ai_socktype = SOCK_STREAM;
  h.ai_flags = flags;
  return h;
}

TEST_F(UtilGetaddrinfo, NumericHostAndPort) {
  EVC_RULE("util.h/evutil_getaddrinfo",
           "util.h: evutil_getaddrinfo clones getaddrinfo (RFC 3493 6.1): 0 and a list of "
           "addresses for a numeric host and port, freed by evutil_freeaddrinfo");
  const addrinfo hints = Hints(AF_UNSPEC, EVUTIL_AI_NUMERICHOST | EVUTIL_AI_NUMERICSERV);
  addrinfo* res = nullptr;
  ASSERT_EQ(evutil_getaddrinfo("127.0.0.1", "8080", &hints, &res), 0);
  ASSERT_NE(res, nullptr);
  EXPECT_EQ(res->ai_family, AF_INET);
  EXPECT_EQ(res->ai_socktype, SOCK_STREAM);
  ASSERT_EQ(res->ai_addrlen, sizeof(sockaddr_in));
  const auto* sin = reinterpret_cast<const sockaddr_in*>(res->ai_addr);
  EXPECT_EQ(ntohs(sin->sin_port), 8080);
  EXPECT_EQ(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
  evutil_freeaddrinfo(res);
  res = nullptr;
  ASSERT_EQ(evutil_getaddrinfo("::1", "80", &hints, &res), 0);
  ASSERT_NE(res, nullptr);
  EXPECT_EQ(res->ai_family, AF_INET6);
  EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in6*>(res->ai_addr)->sin6_port), 80);
  evutil_freeaddrinfo(res);
}

TEST_F(UtilGetaddrinfo, PassiveWithoutANodeIsTheWildcard) {
  EVC_RULE("util.h/EVUTIL_AI_PASSIVE",
           "RFC 3493 6.1 (util.h's evutil_getaddrinfo): with AI_PASSIVE and no nodename the "
           "address is the wildcard, for bind");
  const addrinfo hints = Hints(AF_INET, EVUTIL_AI_PASSIVE | EVUTIL_AI_NUMERICSERV);
  addrinfo* res = nullptr;
  ASSERT_EQ(evutil_getaddrinfo(nullptr, "4242", &hints, &res), 0);
  ASSERT_NE(res, nullptr);
  // Only the lookup's answer is checked: nothing binds to it.
  const auto* sin = reinterpret_cast<const sockaddr_in*>(res->ai_addr);
  EXPECT_EQ(sin->sin_addr.s_addr, htonl(INADDR_ANY));  // the answer only: nothing binds
  EXPECT_EQ(ntohs(sin->sin_port), 4242);
  evutil_freeaddrinfo(res);
}

TEST_F(UtilGetaddrinfo, NullHintsAcceptAnyFamily) {
  EVC_RULE("util.h/evutil_getaddrinfo/null-hints",
           "RFC 3493 6.1 (util.h's evutil_getaddrinfo): NULL hints are AF_UNSPEC with no flags; "
           "a numeric IPv4 host gives its address");
  addrinfo* res = nullptr;
  ASSERT_EQ(evutil_getaddrinfo("127.0.0.1", nullptr, nullptr, &res), 0);
  ASSERT_NE(res, nullptr);
  for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    EXPECT_EQ(ai->ai_family, AF_INET);
    EXPECT_EQ(ntohl(reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr.s_addr),
              INADDR_LOOPBACK);
  }
  evutil_freeaddrinfo(res);
}

TEST_F(UtilGetaddrinfo, NumericHostRefusesAName) {
  EVC_RULE("util.h/evutil_getaddrinfo/numerichost-refuses-names",
           "RFC 3493 6.1 (util.h's evutil_getaddrinfo): with AI_NUMERICHOST a nodename that is "
           "not a numeric address is EVUTIL_EAI_NONAME, without a lookup");
  const addrinfo hints = Hints(AF_UNSPEC, EVUTIL_AI_NUMERICHOST);
  addrinfo* res = nullptr;
  EXPECT_EQ(evutil_getaddrinfo("no-such-host.invalid", "80", &hints, &res), EVUTIL_EAI_NONAME);
  EXPECT_EQ(res, nullptr);
}

TEST_F(UtilGetaddrinfo, GaiStrerrorNamesEveryCode) {
  EVC_RULE("util.h/evutil_gai_strerror",
           "util.h: evutil_gai_strerror gives a message for each evutil_getaddrinfo error code");
  for (int code : {EVUTIL_EAI_ADDRFAMILY, EVUTIL_EAI_AGAIN, EVUTIL_EAI_BADFLAGS, EVUTIL_EAI_FAIL,
                   EVUTIL_EAI_FAMILY, EVUTIL_EAI_MEMORY, EVUTIL_EAI_NODATA, EVUTIL_EAI_NONAME,
                   EVUTIL_EAI_SERVICE, EVUTIL_EAI_SOCKTYPE, EVUTIL_EAI_SYSTEM, EVUTIL_EAI_CANCEL}) {
    const char* text = evutil_gai_strerror(code);
    ASSERT_NE(text, nullptr) << code;
    EXPECT_GT(std::strlen(text), 0u) << code;
  }
  EXPECT_STRNE(evutil_gai_strerror(EVUTIL_EAI_NONAME), evutil_gai_strerror(EVUTIL_EAI_SERVICE));
}

// ---------------------------------------------------------------- random

using UtilRandom = Test;

TEST_F(UtilRandom, InitSucceedsEveryTime) {
  EVC_RULE("util.h/evutil_secure_rng_init",
           "util.h: evutil_secure_rng_init returns 0 once the RNG is seeded, and may be called "
           "more than once");
  EXPECT_EQ(evutil_secure_rng_init(), 0);
  EXPECT_EQ(evutil_secure_rng_init(), 0);
}

TEST_F(UtilRandom, GetBytesFillsExactlyNBytes) {
  EVC_RULE("util.h/evutil_secure_rng_get_bytes",
           "util.h: evutil_secure_rng_get_bytes stores n random bytes in buf (two 64-byte draws "
           "differ; nothing past n is written)");
  unsigned char a[65], b[65];
  std::memset(a, 0xA5, sizeof a);
  std::memset(b, 0xA5, sizeof b);
  evutil_secure_rng_get_bytes(a, 64);
  evutil_secure_rng_get_bytes(b, 64);
  EXPECT_NE(std::memcmp(a, b, 64), 0);
  EXPECT_EQ(a[64], 0xA5);
  EXPECT_EQ(b[64], 0xA5);
  evutil_secure_rng_get_bytes(a, 0);
  EXPECT_EQ(a[64], 0xA5);
}

TEST_F(UtilRandom, AddedBytesKeepTheGeneratorWorking) {
  EVC_RULE("util.h/evutil_secure_rng_add_bytes",
           "util.h: evutil_secure_rng_add_bytes seeds the generator with extra bytes; it stays "
           "usable");
  const char seed[32] = "not much entropy, but harmless";
  evutil_secure_rng_add_bytes(seed, sizeof seed);
  unsigned char a[32], b[32];
  evutil_secure_rng_get_bytes(a, sizeof a);
  evutil_secure_rng_get_bytes(b, sizeof b);
  EXPECT_NE(std::memcmp(a, b, sizeof a), 0);
}

}  // namespace
}  // namespace evc
