// Loopback socket helpers shared by the suites (no <event2/...> here):
// 127.0.0.1 and ::1 addresses, the port a socket got, plain connects.
#ifndef EVC_NET_H
#define EVC_NET_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace evc {

inline sockaddr_in Loopback4(uint16_t port = 0) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sin;
}

inline sockaddr_in6 Loopback6(uint16_t port = 0) {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  sin6.sin6_addr = in6addr_loopback;
  return sin6;
}

// The local port of a bound socket (0 if it has none).
inline uint16_t LocalPort(int fd) {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

// A listening socket on the loopback address of `family` (127.0.0.1 or
// ::1), port 0, and the port it got; -1 when the machine cannot listen there.
inline int ListenLoopback(int family, uint16_t& port) {
  const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int rc;
  if (family == AF_INET6) {
    sockaddr_in6 sin6 = Loopback6(0);
    rc = bind(fd, reinterpret_cast<sockaddr*>(&sin6), sizeof sin6);
  } else {
    sockaddr_in sin = Loopback4(0);
    rc = bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  }
  if (rc != 0 || listen(fd, 8) != 0) {
    close(fd);
    return -1;
  }
  port = LocalPort(fd);
  return fd;
}

// A blocking client connected to the loopback address of `family`, or -1.
// (The kernel completes the handshake before accept, so this returns at once.)
inline int ConnectLoopback(uint16_t port, int family = AF_INET) {
  const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int rc;
  if (family == AF_INET6) {
    sockaddr_in6 sin6 = Loopback6(port);
    rc = connect(fd, reinterpret_cast<sockaddr*>(&sin6), sizeof sin6);
  } else {
    sockaddr_in sin = Loopback4(port);
    rc = connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  }
  if (rc != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

inline bool FdIsOpen(int fd) { return fcntl(fd, F_GETFD) != -1; }

// Closes a test's own TCP client with a reset (SO_LINGER 0) once the test
// is done with it: no TIME_WAIT is left on either end. Tests that open
// thousands of loopback connections (properties, repeated runs) would
// otherwise run out of ephemeral ports within a minute.
inline void CloseAbortively(int fd) {
  const linger reset{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  close(fd);
}

// A descriptor number that was just closed: a copy of stdin at 100 or above,
// closed again, so nothing the test does before using it reopens that
// number (descriptors are reused lowest first).
inline int ClosedFd() {
  const int fd = fcntl(0, F_DUPFD_CLOEXEC, 100);
  if (fd >= 0) close(fd);
  return fd;
}

}  // namespace evc

#endif  // EVC_NET_H
