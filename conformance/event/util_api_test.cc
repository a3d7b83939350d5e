// <event2/util.h>: the integer types and limits, evutil_offsetof, the socket
// error macros, the socket helpers' effects and their answers for
// descriptors that are not sockets or not open, evutil_strtoll,
// evutil_snprintf / evutil_vsnprintf, the ASCII comparisons and the secure
// random generator. Every sweep of bad input runs each value in a child
// (RunInChild). Sockets are on 127.0.0.1 only, port 0.
// (util_test.cc has the first rule of each function.)
#include <event2/util.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "evc_net.h"
#include "evc_test.h"

namespace evc {
namespace {

// ---------------------------------------------------------------- types and limits

using UtilTypes = Test;

template <typename T>
constexpr bool kSigned = std::numeric_limits<T>::is_signed;

TEST_F(UtilTypes, FixedWidthIntegersHaveTheirWidthAndSign) {
  EVC_RULE("util.h/ev_uint64_t/width-and-sign",
           "util.h: ev_uintN_t and ev_intN_t are unsigned and signed integers of exactly N bits "
           "(N = 8, 16, 32, 64); ev_uintptr_t and ev_intptr_t are as wide as a pointer");
  EXPECT_EQ(sizeof(ev_uint8_t) * CHAR_BIT, 8u);
  EXPECT_EQ(sizeof(ev_int8_t) * CHAR_BIT, 8u);
  EXPECT_EQ(sizeof(ev_uint16_t) * CHAR_BIT, 16u);
  EXPECT_EQ(sizeof(ev_int16_t) * CHAR_BIT, 16u);
  EXPECT_EQ(sizeof(ev_uint32_t) * CHAR_BIT, 32u);
  EXPECT_EQ(sizeof(ev_int32_t) * CHAR_BIT, 32u);
  EXPECT_EQ(sizeof(ev_uint64_t) * CHAR_BIT, 64u);
  EXPECT_EQ(sizeof(ev_int64_t) * CHAR_BIT, 64u);
  EXPECT_FALSE(kSigned<ev_uint8_t> || kSigned<ev_uint16_t> || kSigned<ev_uint32_t> ||
               kSigned<ev_uint64_t> || kSigned<ev_uintptr_t>);
  EXPECT_TRUE(kSigned<ev_int8_t> && kSigned<ev_int16_t> && kSigned<ev_int32_t> &&
              kSigned<ev_int64_t> && kSigned<ev_intptr_t>);
  EXPECT_EQ(sizeof(ev_uintptr_t), sizeof(void*));
  EXPECT_EQ(sizeof(ev_intptr_t), sizeof(void*));
  int x = 0;
  EXPECT_EQ(reinterpret_cast<int*>(reinterpret_cast<ev_uintptr_t>(&x)), &x);
}

TEST_F(UtilTypes, LimitsAreThoseOfTheirTypes) {
  EVC_RULE("util.h/EV_UINT64_MAX/limits",
           "util.h: EV_UINTN_MAX is 2^N - 1, EV_INTN_MAX 2^(N-1) - 1 and EV_INTN_MIN -2^(N-1), "
           "the limits of ev_uintN_t and ev_intN_t (N = 8, 16, 32, 64)");
  EXPECT_EQ(EV_UINT64_MAX, 0xffffffffffffffffull);
  EXPECT_EQ(EV_INT64_MAX, 0x7fffffffffffffffll);
  EXPECT_EQ(EV_INT64_MIN, -EV_INT64_MAX - 1);
  EXPECT_EQ(EV_UINT32_MAX, 0xffffffffu);
  EXPECT_EQ(EV_INT32_MAX, 0x7fffffff);
  EXPECT_EQ(static_cast<long long>(EV_INT32_MIN), -0x80000000ll);
  EXPECT_EQ(EV_UINT16_MAX, 0xffff);
  EXPECT_EQ(EV_INT16_MAX, 0x7fff);
  EXPECT_EQ(EV_INT16_MIN, -0x8000);
  EXPECT_EQ(EV_UINT8_MAX, 255);
  EXPECT_EQ(EV_INT8_MAX, 127);
  EXPECT_EQ(EV_INT8_MIN, -128);
  EXPECT_EQ(EV_UINT64_MAX, std::numeric_limits<ev_uint64_t>::max());
  EXPECT_EQ(EV_INT64_MIN, std::numeric_limits<ev_int64_t>::min());
  EXPECT_EQ(EV_UINT32_MAX, std::numeric_limits<ev_uint32_t>::max());
  EXPECT_EQ(EV_INT32_MIN, std::numeric_limits<ev_int32_t>::min());
  EXPECT_EQ(EV_INT16_MIN, std::numeric_limits<ev_int16_t>::min());
  EXPECT_EQ(EV_INT8_MIN, std::numeric_limits<ev_int8_t>::min());
}

TEST_F(UtilTypes, SizeLimitsAndSsizeType) {
  EVC_RULE("util.h/EV_SSIZE_MAX",
           "util.h: ev_ssize_t is the signed type of size_t's width; EV_SIZE_MAX is size_t's "
           "maximum, EV_SSIZE_MAX and EV_SSIZE_MIN ev_ssize_t's limits");
  EXPECT_TRUE(kSigned<ev_ssize_t>);
  EXPECT_EQ(sizeof(ev_ssize_t), sizeof(size_t));
  EXPECT_EQ(static_cast<size_t>(EV_SIZE_MAX), std::numeric_limits<size_t>::max());
  EXPECT_EQ(static_cast<ev_ssize_t>(EV_SSIZE_MAX), std::numeric_limits<ev_ssize_t>::max());
  EXPECT_EQ(static_cast<ev_ssize_t>(EV_SSIZE_MIN), std::numeric_limits<ev_ssize_t>::min());
}

TEST_F(UtilTypes, OffTypeIsSignedAndHoldsOffT) {
  EVC_RULE("util.h/ev_off_t",
           "util.h: ev_off_t is a signed file offset type at least as wide as off_t (64 bits "
           "where off_t is); ev_socklen_t is the socket length type");
  EXPECT_TRUE(kSigned<ev_off_t>);
  EXPECT_GE(sizeof(ev_off_t), sizeof(off_t));
  const ev_off_t big = static_cast<ev_off_t>(1) << 40;
  EXPECT_EQ(big >> 40, 1);
  EXPECT_TRUE((std::is_same<ev_socklen_t, socklen_t>::value));
}

struct Layout {
  char first;
  double middle;
  int last[3];
};

TEST_F(UtilTypes, OffsetofIsTheFieldsByteOffset) {
  EVC_RULE("util.h/evutil_offsetof",
           "util.h: evutil_offsetof(type, field) is offsetof: the byte offset of field in type, "
           "0 for the first");
  EXPECT_EQ(static_cast<size_t>(evutil_offsetof(Layout, first)), 0u);
  EXPECT_EQ(static_cast<size_t>(evutil_offsetof(Layout, middle)), offsetof(Layout, middle));
  EXPECT_EQ(static_cast<size_t>(evutil_offsetof(Layout, last)), offsetof(Layout, last));
  Layout l{};
  EXPECT_EQ(reinterpret_cast<char*>(&l) + evutil_offsetof(Layout, last), reinterpret_cast<char*>(l.last));
}

// ---------------------------------------------------------------- socket errors

using UtilSocketError = Test;

TEST_F(UtilSocketError, GeterrorGivesTheLastFailureOnASocket) {
  EVC_RULE("util.h/evutil_socket_geterror",
           "util.h: evutil_socket_geterror(sock) returns the most recent socket error on sock: "
           "after a read from an empty nonblocking socket, EAGAIN (or EWOULDBLOCK), as "
           "EVUTIL_SOCKET_ERROR() says");
  evutil_socket_t sv[2];
  ASSERT_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_EQ(evutil_make_socket_nonblocking(sv[0]), 0);
  char c;
  ASSERT_EQ(read(sv[0], &c, 1), -1);
  const int err = evutil_socket_geterror(sv[0]);
  EXPECT_TRUE(err == EAGAIN || err == EWOULDBLOCK) << err;
  EXPECT_EQ(EVUTIL_SOCKET_ERROR(), err);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
}

TEST_F(UtilSocketError, SetSocketErrorIsOneStatement) {
  EVC_RULE("util.h/EVUTIL_SET_SOCKET_ERROR",
           "util.h: EVUTIL_SET_SOCKET_ERROR(errcode) replaces the most recent socket error, so "
           "EVUTIL_SOCKET_ERROR() reads errcode back; it is a single statement (safe in an "
           "unbraced if / else)");
  bool flag = true;
  if (flag)
    EVUTIL_SET_SOCKET_ERROR(ECONNREFUSED);
  else
    EVUTIL_SET_SOCKET_ERROR(EINVAL);
  EXPECT_EQ(EVUTIL_SOCKET_ERROR(), ECONNREFUSED);
  flag = false;
  if (flag)
    EVUTIL_SET_SOCKET_ERROR(ECONNREFUSED);
  else
    EVUTIL_SET_SOCKET_ERROR(EINVAL);
  EXPECT_EQ(EVUTIL_SOCKET_ERROR(), EINVAL);
  EVUTIL_SET_SOCKET_ERROR(0);
  EXPECT_EQ(EVUTIL_SOCKET_ERROR(), 0);
}

TEST_F(UtilSocketError, ErrorToStringNamesEachError) {
  EVC_RULE("util.h/evutil_socket_error_to_string",
           "util.h: evutil_socket_error_to_string converts a socket error to a string: a "
           "nonempty text per code, different for different errors");
  std::set<std::string> texts;
  for (int code : {EPIPE, ECONNRESET, ECONNREFUSED, EAGAIN, EBADF, ENOTSOCK, EINPROGRESS}) {
    const char* text = evutil_socket_error_to_string(code);
    ASSERT_NE(text, nullptr) << code;
    EXPECT_GT(std::strlen(text), 0u) << code;
    texts.insert(text);
  }
  EXPECT_EQ(texts.size(), 7u);
}

TEST_F(UtilSocketError, InvalidSocketIsWhatAFailedSocketCallReturns) {
  EVC_RULE("util.h/EVUTIL_INVALID_SOCKET",
           "util.h: EVUTIL_INVALID_SOCKET is the value socket() and accept() return on failure "
           "(-1 on Unix)");
  const evutil_socket_t fd = socket(-1, SOCK_STREAM, 0);
  EXPECT_EQ(fd, EVUTIL_INVALID_SOCKET);
  EXPECT_EQ(EVUTIL_INVALID_SOCKET, -1);
}

// ---------------------------------------------------------------- socket helpers

using UtilSocketHelper = Test;

int Option(int fd, int level, int name) {
  int v = 0;
  socklen_t len = sizeof v;
  return getsockopt(fd, level, name, &v, &len) == 0 ? v : -1;
}

// A TCP socket of `family` bound to its loopback address, port `port`
// (0: any); -1 when it cannot be made or bound. `prepare` runs before bind.
int BoundLoopback(int family, uint16_t port, const std::function<void(int)>& prepare) {
  const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  prepare(fd);
  int rc;
  if (family == AF_INET6) {
    sockaddr_in6 sin6 = Loopback6(port);
    rc = bind(fd, reinterpret_cast<sockaddr*>(&sin6), sizeof sin6);
  } else {
    sockaddr_in sin = Loopback4(port);
    rc = bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  }
  if (rc != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST_F(UtilSocketHelper, ReuseablePortLetsTwoSocketsListenOnOnePort) {
  EVC_RULE("util.h/evutil_make_listen_socket_reuseable_port",
           "util.h: evutil_make_listen_socket_reuseable_port (0) lets sockets that all set it "
           "bind and listen on the same address and port at the same time (Linux 3.9+: "
           "SO_REUSEPORT reads back set)");
  auto reuse = [](int fd) { EXPECT_EQ(evutil_make_listen_socket_reuseable_port(fd), 0); };
  const int a = BoundLoopback(AF_INET, 0, reuse);
  ASSERT_GE(a, 0);
  EXPECT_NE(Option(a, SOL_SOCKET, SO_REUSEPORT), 0);
  ASSERT_EQ(listen(a, 4), 0);
  const uint16_t port = LocalPort(a);
  const int b = BoundLoopback(AF_INET, port, reuse);
  EXPECT_GE(b, 0) << "a second SO_REUSEPORT socket binds 127.0.0.1:" << port;
  if (b >= 0) {
    EXPECT_EQ(listen(b, 4), 0);
    close(b);
  }
  close(a);
}

TEST_F(UtilSocketHelper, ReuseableRebindsAnAddressInTimeWait) {
  EVC_RULE("util.h/evutil_make_listen_socket_reuseable/rebind-after-close",
           "util.h: after evutil_make_listen_socket_reuseable (0, SO_REUSEADDR) another socket "
           "can bind a listener's address right after it was closed, while its connection is "
           "still in TIME_WAIT");
  auto reuse = [](int fd) { EXPECT_EQ(evutil_make_listen_socket_reuseable(fd), 0); };
  const int listener = BoundLoopback(AF_INET, 0, reuse);
  ASSERT_GE(listener, 0);
  EXPECT_NE(Option(listener, SOL_SOCKET, SO_REUSEADDR), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  const uint16_t port = LocalPort(listener);
  const int client = ConnectLoopback(port);
  ASSERT_GE(client, 0);
  const int server = accept(listener, nullptr, nullptr);
  ASSERT_GE(server, 0);
  close(server);  // the server end closes first: its 127.0.0.1:port goes to TIME_WAIT
  close(listener);
  char c;
  EXPECT_EQ(read(client, &c, 1), 0) << "the client saw the close";
  close(client);
  const int again = BoundLoopback(AF_INET, port, reuse);
  EXPECT_GE(again, 0) << "rebinding 127.0.0.1:" << port;
  if (again >= 0) close(again);
}

TEST_F(UtilSocketHelper, Ipv6onlySetsTheOptionOnAnIpv6Socket) {
  EVC_RULE("util.h/evutil_make_listen_socket_ipv6only",
           "util.h: evutil_make_listen_socket_ipv6only makes an IPv6 socket IPv6-only: 0, and "
           "IPV6_V6ONLY reads back set");
  const int fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) GTEST_SKIP() << "needs:ipv6: no AF_INET6 sockets here";
  EXPECT_EQ(evutil_make_listen_socket_ipv6only(fd), 0);
  EXPECT_EQ(Option(fd, IPPROTO_IPV6, IPV6_V6ONLY), 1);
  close(fd);
}

TEST_F(UtilSocketHelper, Ipv6onlyFailsOnAnIpv4Socket) {
  EVC_RULE("util.h/evutil_make_listen_socket_ipv6only/ipv4-socket",
           "util.h: evutil_make_listen_socket_ipv6only returns -1 on failure: an IPv4 socket has "
           "no IPv6-only mode (setsockopt refuses IPV6_V6ONLY)");
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(evutil_make_listen_socket_ipv6only(fd), -1);
  close(fd);
}

TEST_F(UtilSocketHelper, DeferredSetsTcpDeferAccept) {
  EVC_RULE("util.h/evutil_make_tcp_listen_socket_deferred",
           "util.h: evutil_make_tcp_listen_socket_deferred makes a TCP listener defer accept()s "
           "until data arrives: 0, and on Linux TCP_DEFER_ACCEPT reads back set");
  const int fd = BoundLoopback(AF_INET, 0, [](int) {});
  ASSERT_GE(fd, 0);
  EXPECT_EQ(Option(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), 0);
  EXPECT_EQ(evutil_make_tcp_listen_socket_deferred(fd), 0);
  EXPECT_GT(Option(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), 0);
  EXPECT_EQ(listen(fd, 4), 0);
  close(fd);
}

TEST_F(UtilSocketHelper, CloseonexecKeepsOtherDescriptorFlags) {
  EVC_RULE("util.h/evutil_make_socket_closeonexec/idempotent",
           "util.h: evutil_make_socket_closeonexec returns 0 on success, also when the socket "
           "already closes on exec; O_NONBLOCK set before stays set");
  evutil_socket_t sv[2];
  ASSERT_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_EQ(evutil_make_socket_nonblocking(sv[0]), 0);
  EXPECT_EQ(evutil_make_socket_closeonexec(sv[0]), 0);
  EXPECT_EQ(evutil_make_socket_closeonexec(sv[0]), 0);
  EXPECT_NE(fcntl(sv[0], F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_NE(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
}

// Every descriptor number no test opened (negative, just closed, beyond
// any table), each in a child: `call` must fail with -1 and EBADF.
void ExpectEachBadFdFails(const std::function<int(evutil_socket_t)>& call) {
  std::vector<Named<int>> fds = NegativeFds();
  for (auto& fd : UnopenedFds()) fds.push_back(fd);
  for (const auto& fd : fds) {
    SCOPED_TRACE("fd " + fd.name);
    EXPECT_IN_CHILD({
      errno = 0;
      EXPECT_EQ(call(fd.value), -1);
      EXPECT_EQ(errno, EBADF);
    });
  }
}

TEST_F(UtilSocketHelper, ClosesocketFailsForADescriptorThatIsNotOpen) {
  EVC_RULE("util.h/evutil_closesocket/bad-fd",
           "util.h: evutil_closesocket returns -1 on failure: -1 (EBADF) for a negative, "
           "just-closed or never-opened descriptor");
  ExpectEachBadFdFails([](evutil_socket_t fd) { return evutil_closesocket(fd); });
}

TEST_F(UtilSocketHelper, NonblockingFailsForEachBadDescriptor) {
  EVC_RULE("util.h/evutil_make_socket_nonblocking/bad-fd-sweep",
           "util.h: evutil_make_socket_nonblocking returns -1 on failure: -1 (EBADF) for a "
           "negative, just-closed or never-opened descriptor");
  ExpectEachBadFdFails([](evutil_socket_t fd) { return evutil_make_socket_nonblocking(fd); });
}

TEST_F(UtilSocketHelper, CloseonexecFailsForEachBadDescriptor) {
  EVC_RULE("util.h/evutil_make_socket_closeonexec/bad-fd",
           "util.h: evutil_make_socket_closeonexec returns -1 on failure: -1 (EBADF) for a "
           "negative, just-closed or never-opened descriptor");
  ExpectEachBadFdFails([](evutil_socket_t fd) { return evutil_make_socket_closeonexec(fd); });
}

TEST_F(UtilSocketHelper, ReuseableFailsForEachBadDescriptor) {
  EVC_RULE("util.h/evutil_make_listen_socket_reuseable/bad-fd",
           "util.h: evutil_make_listen_socket_reuseable returns -1 on failure: -1 (EBADF) for a "
           "negative, just-closed or never-opened descriptor");
  ExpectEachBadFdFails([](evutil_socket_t fd) { return evutil_make_listen_socket_reuseable(fd); });
}

TEST_F(UtilSocketHelper, ReuseablePortFailsForEachBadDescriptor) {
  EVC_RULE("util.h/evutil_make_listen_socket_reuseable_port/bad-fd",
           "util.h: evutil_make_listen_socket_reuseable_port returns -1 on failure: -1 (EBADF) "
           "for a negative, just-closed or never-opened descriptor");
  ExpectEachBadFdFails(
      [](evutil_socket_t fd) { return evutil_make_listen_socket_reuseable_port(fd); });
}

TEST_F(UtilSocketHelper, Ipv6onlyFailsForEachBadDescriptor) {
  EVC_RULE("util.h/evutil_make_listen_socket_ipv6only/bad-fd",
           "util.h: evutil_make_listen_socket_ipv6only returns -1 on failure: -1 (EBADF) for a "
           "negative, just-closed or never-opened descriptor");
  ExpectEachBadFdFails([](evutil_socket_t fd) { return evutil_make_listen_socket_ipv6only(fd); });
}

TEST_F(UtilSocketHelper, DeferredFailsForEachBadDescriptor) {
  EVC_RULE("util.h/evutil_make_tcp_listen_socket_deferred/bad-fd",
           "util.h: evutil_make_tcp_listen_socket_deferred returns -1 on failure: -1 (EBADF) for "
           "a negative, just-closed or never-opened descriptor");
  ExpectEachBadFdFails(
      [](evutil_socket_t fd) { return evutil_make_tcp_listen_socket_deferred(fd); });
}

TEST_F(UtilSocketHelper, SocketpairRefusesBadArgumentsAndOpensNothing) {
  EVC_RULE("util.h/evutil_socketpair/bad-arguments",
           "util.h: evutil_socketpair's parameters and return values are as for socketpair(): -1 "
           "for a negative family, an unknown type, a protocol the family lacks or a NULL array "
           "(EFAULT), and no descriptor is left open");
  struct Case {
    const char* name;
    int family, type, protocol;
  };
  for (const Case& c : {Case{"family -1", -1, SOCK_STREAM, 0},
                        Case{"type 12345", AF_UNIX, 12345, 0},
                        Case{"AF_UNIX with IPPROTO_TCP", AF_UNIX, SOCK_STREAM, IPPROTO_TCP}}) {
    evutil_socket_t sv[2] = {-5, -5};
    EXPECT_EQ(evutil_socketpair(c.family, c.type, c.protocol, sv), -1) << c.name;
    EXPECT_NE(EVUTIL_SOCKET_ERROR(), 0) << c.name;
  }
  EXPECT_IN_CHILD({
    errno = 0;
    EXPECT_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, nullptr), -1);
    EXPECT_EQ(errno, EFAULT);
  });
}

// ---------------------------------------------------------------- strtoll

using UtilStrtoll = Test;

struct StrtollCase {
  const char* text;
  int base;
  ev_int64_t value;
  int end;  // offset of *endptr
  int err;  // errno afterwards (set to 0 before)
};

TEST_F(UtilStrtoll, EachInputAsStrtolReadsIt) {
  EVC_RULE("util.h/evutil_strtoll/table",
           "util.h: evutil_strtoll's arguments are as for strtol (C99 7.20.1.4): leading blanks "
           "and one sign, base 0 reading 0x as hex and 0 as octal, *endptr after the last digit "
           "used (at s when none), and INT64_MAX / INT64_MIN with ERANGE on overflow");
  const std::vector<StrtollCase> cases = {
      {"9223372036854775807", 10, INT64_MAX, 19, 0},
      {"9223372036854775808", 10, INT64_MAX, 19, ERANGE},
      {"99999999999999999999999", 0, INT64_MAX, 23, ERANGE},
      {"-9223372036854775808", 10, INT64_MIN, 20, 0},
      {"-9223372036854775809", 10, INT64_MIN, 20, ERANGE},
      {"  +12x", 10, 12, 5, 0},
      {"\t\n-7", 0, -7, 4, 0},
      {"", 10, 0, 0, 0},
      {"abc", 10, 0, 0, 0},
      {"  - 5", 10, 0, 0, 0},
      {"--5", 10, 0, 0, 0},
      {"0x1g", 0, 1, 3, 0},
      {"0x", 16, 0, 1, 0},
      {"0X7fffffffffffffff", 16, INT64_MAX, 18, 0},
      {"ff", 16, 255, 2, 0},
      {"077", 0, 63, 3, 0},
      {"089", 0, 0, 1, 0},
      {"077", 10, 77, 3, 0},
      {"1e5", 10, 1, 1, 0},
      {"zZ", 36, 35 * 36 + 35, 2, 0},
      {"101", 2, 5, 3, 0},
      {"102", 2, 2, 2, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string("\"") + c.text + "\" base " + std::to_string(c.base));
    char* end = nullptr;
    errno = 0;
    EXPECT_EQ(evutil_strtoll(c.text, &end, c.base), c.value);
    EXPECT_EQ(errno, c.err);
    EXPECT_EQ(end - c.text, c.end);
  }
}

TEST_F(UtilStrtoll, UnsupportedBaseConvertsNothing) {
  EVC_RULE("util.h/evutil_strtoll/bad-base",
           "util.h: evutil_strtoll's arguments are as for strtol: a base other than 0 or 2..36 "
           "converts nothing and returns 0");
  for (int base : {1, 37, -1, INT_MAX}) {
    EXPECT_IN_CHILD({ EXPECT_EQ(evutil_strtoll("12", nullptr, base), 0) << "base " << base; });
  }
}

// ---------------------------------------------------------------- snprintf

using UtilSnprintf = Test;

int Vsnprintf(char* buf, size_t len, const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  const int r = evutil_vsnprintf(buf, len, format, ap);
  va_end(ap);
  return r;
}

TEST_F(UtilSnprintf, TruncationAtEachEdge) {
  EVC_RULE("util.h/evutil_snprintf/truncation",
           "util.h: evutil_snprintf returns as C99 snprintf does: the whole output's length "
           "whatever buflen; it writes at most buflen - 1 characters and a NUL (size 1: an empty "
           "string; a length of buflen - 1 fits, buflen is cut by one)");
  char buf[8];
  std::memset(buf, '#', sizeof buf);
  EXPECT_EQ(evutil_snprintf(buf, 1, "%s", "hello"), 5);
  EXPECT_EQ(buf[0], '\0');
  EXPECT_EQ(buf[1], '#') << "nothing past buflen";
  EXPECT_EQ(evutil_snprintf(buf, sizeof buf, "%s", "1234567"), 7);
  EXPECT_STREQ(buf, "1234567");
  EXPECT_EQ(evutil_snprintf(buf, sizeof buf, "%s", "12345678"), 8);
  EXPECT_STREQ(buf, "1234567");
  EXPECT_EQ(evutil_snprintf(buf, sizeof buf, "%s", ""), 0);
  EXPECT_STREQ(buf, "");
  std::memset(buf, '#', sizeof buf);
  EXPECT_EQ(evutil_snprintf(buf, 4, "%d-%d", 1234, 5), 6);
  EXPECT_STREQ(buf, "123");
  EXPECT_EQ(buf[4], '#');
}

TEST_F(UtilSnprintf, SizeZeroWritesNothingAndReturnsTheLength) {
  EVC_RULE("util.h/evutil_snprintf/size-zero",
           "util.h: evutil_snprintf exists to give C99's return value everywhere; C99 7.19.6.5: "
           "with n == 0 nothing is written (buf may be NULL) and the return is still the length "
           "the output needs");
  char buf[4] = {'#', '#', '#', '#'};
  EXPECT_EQ(evutil_snprintf(buf, 0, "%s", "hello"), 5);
  EXPECT_EQ(buf[0], '#');
  EXPECT_IN_CHILD({ EXPECT_EQ(evutil_snprintf(nullptr, 0, "%d", 123456), 6); });
}

TEST_F(UtilSnprintf, VsnprintfSizeZeroReturnsTheLength) {
  EVC_RULE("util.h/evutil_vsnprintf/size-zero",
           "util.h: evutil_vsnprintf exists to give C99's return value everywhere; C99 "
           "7.19.6.12: with n == 0 nothing is written and the return is still the length the "
           "output needs");
  char buf[4] = {'#', '#', '#', '#'};
  EXPECT_EQ(Vsnprintf(buf, 0, "%s-%s", "ab", "cd"), 5);
  EXPECT_EQ(buf[0], '#');
}

TEST_F(UtilSnprintf, VsnprintfTruncatesAndTerminates) {
  EVC_RULE("util.h/evutil_vsnprintf/truncation",
           "util.h: evutil_vsnprintf returns as C99 vsnprintf does: the whole output's length; at "
           "most buflen - 1 characters and a NUL are written");
  char buf[6];
  std::memset(buf, '#', sizeof buf);
  EXPECT_EQ(Vsnprintf(buf, 3, "%05d", 42), 5);
  EXPECT_STREQ(buf, "00");
  EXPECT_EQ(buf[3], '#');
  EXPECT_EQ(Vsnprintf(buf, 1, "%s", "x"), 1);
  EXPECT_STREQ(buf, "");
}

// ---------------------------------------------------------------- ASCII comparison

using UtilAsciiCase = Test;

TEST_F(UtilAsciiCase, FoldsBeforeComparing) {
  EVC_RULE("util.h/evutil_ascii_strcasecmp/fold-then-compare",
           "util.h: evutil_ascii_strcasecmp is strcasecmp in locale-independent ASCII (POSIX: as "
           "if both were lowered, then compared): 'Z' follows '_' because 'z' does; '@' / '`' "
           "and '[' / '{' are not case pairs");
  EXPECT_GT(evutil_ascii_strcasecmp("Z", "_"), 0);
  EXPECT_LT(evutil_ascii_strcasecmp("_", "Z"), 0);
  EXPECT_NE(evutil_ascii_strcasecmp("@", "`"), 0);
  EXPECT_NE(evutil_ascii_strcasecmp("[", "{"), 0);
  EXPECT_EQ(evutil_ascii_strcasecmp("AZaz09", "azAZ09"), 0);
}

TEST_F(UtilAsciiCase, BytesAboveAsciiAreNotFolded) {
  EVC_RULE("util.h/evutil_ascii_strcasecmp/non-ascii-unfolded",
           "util.h: evutil_ascii_strcasecmp and evutil_ascii_strncasecmp fold ASCII letters "
           "only, whatever the locale: the Latin-1 pair 0xC4 / 0xE4 stays different");
  EXPECT_NE(evutil_ascii_strcasecmp("\xc4", "\xe4"), 0);
  EXPECT_NE(evutil_ascii_strncasecmp("a\xc4", "A\xe4", 2), 0);
  EXPECT_EQ(evutil_ascii_strcasecmp("\xc4x", "\xc4X"), 0);
}

TEST_F(UtilAsciiCase, BytesAboveAsciiSortAfterAscii) {
  EVC_RULE("util.h/evutil_ascii_strcasecmp/byte-order",
           "util.h: evutil_ascii_strcasecmp and evutil_ascii_strncasecmp are strcasecmp and "
           "strncasecmp, which compare bytes as unsigned char (POSIX: a byte comparison after "
           "lowering): 0xFF follows 'a', and 0xC4 precedes 0xE4");
  EXPECT_GT(evutil_ascii_strcasecmp("\xff", "a"), 0);
  EXPECT_LT(evutil_ascii_strcasecmp("a", "\xff"), 0);
  EXPECT_GT(evutil_ascii_strncasecmp("x\x80", "XA", 2), 0);
  EXPECT_LT(evutil_ascii_strcasecmp("\xc4", "\xe4"), 0);
}

TEST_F(UtilAsciiCase, StrncasecmpOfZeroBytesReadsNothing) {
  EVC_RULE("util.h/evutil_ascii_strncasecmp/zero-length",
           "util.h: evutil_ascii_strncasecmp is strncasecmp: n == 0 compares no byte and returns "
           "0; a difference after n bytes does not count, nor any byte after an equal NUL");
  EXPECT_EQ(evutil_ascii_strncasecmp("abc", "xyz", 0), 0);
  EXPECT_EQ(evutil_ascii_strncasecmp("abcX", "ABCY", 3), 0);
  EXPECT_LT(evutil_ascii_strncasecmp("abcX", "ABCY", 4), 0);
  const char a[] = {'a', '\0', 'x'}, b[] = {'A', '\0', 'y'};
  EXPECT_EQ(evutil_ascii_strncasecmp(a, b, 3), 0);
  EXPECT_IN_CHILD({ EXPECT_EQ(evutil_ascii_strncasecmp(nullptr, nullptr, 0), 0); });
}

// ---------------------------------------------------------------- secure RNG

using UtilSecureRng = Test;

// The generator still works: init succeeds and two draws differ.
void ExpectGeneratorWorks() {
  EXPECT_EQ(evutil_secure_rng_init(), 0);
  unsigned char a[32], b[32];
  evutil_secure_rng_get_bytes(a, sizeof a);
  evutil_secure_rng_get_bytes(b, sizeof b);
  EXPECT_NE(std::memcmp(a, b, sizeof a), 0);
}

TEST_F(UtilSecureRng, UrandomDeviceFileIsAcceptedOrRefused) {
  EVC_RULE("util.h/evutil_secure_rng_set_urandom_device_file",
           "util.h: evutil_secure_rng_set_urandom_device_file, called before any other RNG "
           "function, returns 0 on success or -1 on failure; observed libevent 2.1.12 (built on "
           "arc4random, which needs no device): -1 for /dev/urandom. Either way the generator "
           "then seeds and draws");
  EXPECT_IN_CHILD({
    static char name[] = "/dev/urandom";
    const int rc = evutil_secure_rng_set_urandom_device_file(name);
    EXPECT_TRUE(rc == 0 || rc == -1) << rc;
    ExpectGeneratorWorks();
  });
}

TEST_F(UtilSecureRng, MissingDeviceFileNeverBreaksTheGenerator) {
  EVC_RULE("util.h/evutil_secure_rng_set_urandom_device_file/missing",
           "util.h: evutil_secure_rng_set_urandom_device_file returns 0 on success, -1 on "
           "failure; observed libevent 2.1.12 (arc4random): -1 for a file that does not exist "
           "and for NULL, and the generator keeps working. Accepted too: 0, then "
           "evutil_secure_rng_init says whether seeding worked (0 or -1), without a crash");
  static char missing[] = "/nonexistent/evconform-urandom";
  for (char* name : {missing, static_cast<char*>(nullptr)}) {
    SCOPED_TRACE(name == nullptr ? "NULL" : name);
    EXPECT_IN_CHILD({
      const int rc = evutil_secure_rng_set_urandom_device_file(name);
      EXPECT_TRUE(rc == 0 || rc == -1) << rc;
      if (rc == -1) {
        ExpectGeneratorWorks();
      } else {
        const int init = evutil_secure_rng_init();
        EXPECT_TRUE(init == 0 || init == -1) << init;
      }
    });
  }
}

TEST_F(UtilSecureRng, LargeDrawUsesEveryByteValue) {
  EVC_RULE("util.h/evutil_secure_rng_get_bytes/large",
           "util.h: evutil_secure_rng_get_bytes stores n pseudorandom bytes in buf for a large n "
           "too: 64 KiB take at least 250 of the 256 byte values, and nothing past n is written");
  std::vector<unsigned char> buf(65536 + 1, 0xA5);
  evutil_secure_rng_get_bytes(buf.data(), 65536);
  EXPECT_EQ(buf[65536], 0xA5) << "nothing past n";
  std::set<unsigned char> seen(buf.begin(), buf.end() - 1);
  EXPECT_GE(seen.size(), 250u);
}

TEST_F(UtilSecureRng, EmptyDrawAndEmptySeedDoNothing) {
  EVC_RULE("util.h/evutil_secure_rng_add_bytes/empty",
           "util.h: evutil_secure_rng_add_bytes(dat, datlen) reads datlen bytes and "
           "evutil_secure_rng_get_bytes(buf, n) writes n: with 0 neither touches its buffer (NULL "
           "included), and a large seed is accepted; the generator keeps working");
  EXPECT_IN_CHILD({
    evutil_secure_rng_get_bytes(nullptr, 0);
    evutil_secure_rng_add_bytes(nullptr, 0);
    std::vector<char> seed(1 << 20, 'x');
    evutil_secure_rng_add_bytes(seed.data(), seed.size());
    ExpectGeneratorWorks();
  });
}

}  // namespace
}  // namespace evc
