// The socket helpers of <event2/util.h>: thin wrappers over POSIX calls,
// with libevent 2.1's return conventions (0, or -1 with errno set).
#include <event2/util.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/sockets.h"

namespace {

int add_flag(int fd, int get, int set, int flag) {
  const int flags = fcntl(fd, get, nullptr);
  if (flags < 0) return -1;
  if (flags & flag) return 0;
  return fcntl(fd, set, flags | flag) < 0 ? -1 : 0;
}

}  // namespace

extern "C" {

int evutil_make_socket_nonblocking(evutil_socket_t sock) {
  return add_flag(sock, F_GETFL, F_SETFL, O_NONBLOCK);
}

int evutil_make_socket_closeonexec(evutil_socket_t sock) {
  return add_flag(sock, F_GETFD, F_SETFD, FD_CLOEXEC);
}

int evutil_make_listen_socket_reuseable(evutil_socket_t sock) {
  return evref::set_socket_option(sock, SOL_SOCKET, SO_REUSEADDR);
}

int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock) {
  return evref::set_socket_option(sock, SOL_SOCKET, SO_REUSEPORT);
}

int evutil_closesocket(evutil_socket_t sock) { return close(sock); }

}  // extern "C"
