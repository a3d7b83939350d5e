// Small socket helpers shared by the core's listener and the C facade's
// <event2/util.h> functions.
#ifndef EVREF_CORE_SOCKETS_H
#define EVREF_CORE_SOCKETS_H

#include <sys/socket.h>

namespace evref {

// Turns a boolean socket option on: 0, or -1 with errno.
inline int set_socket_option(int fd, int level, int name) noexcept {
  const int on = 1;
  return setsockopt(fd, level, name, &on, sizeof on);
}

}  // namespace evref

#endif  // EVREF_CORE_SOCKETS_H
