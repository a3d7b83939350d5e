// evref::SocketBufferevent — the socket kind of bufferevent, after
// libevent 2.1.12's bufferevent_sock.c: two persistent events (read,
// write) move bytes between the socket and the input / output buffers,
// and the write event also reports a non-blocking connect.
#ifndef EVREF_CORE_BUFFEREVENT_SOCKET_H
#define EVREF_CORE_BUFFEREVENT_SOCKET_H

#include <sys/socket.h>

#include "bufferevent.h"

namespace evref {

// The socket side of bufferevent_socket_connect, shared by the kinds that
// own a socket (socket, TLS): connects fd, or when fd < 0 a new
// non-blocking socket of sa's family, which it stores in fd. kFailed (errno
// set) leaves fd as it was and closes a socket it made.
enum class Connecting { kFailed, kInProgress, kConnected, kRefused };
Connecting start_connect(int& fd, const sockaddr* sa, int socklen) noexcept;

class SocketBufferevent final : public Bufferevent {
 public:
  // bufferevent_socket_new: NULL for options libevent refuses here, or
  // when out of memory.
  static SocketBufferevent* make(Base& base, const Calls& calls, int fd, int options) noexcept;
  // bufferevent_socket_connect: 0 when started (or refused: reported to
  // the event callback), -1 when it could not be.
  int connect(const sockaddr* sa, int socklen) noexcept override;
  // bufferevent_socket_connect_hostname without an evdns_base, and
  // bufferevent_socket_get_dns_error (a getaddrinfo code, 0: none).
  int connect_hostname(int family, const char* host, int port) noexcept;
  int dns_error() const noexcept { return dns_error_; }

  int fd() const noexcept override { return ev_read_.fd; }
  int set_fd(int fd) noexcept override;
  int set_base(Base& base) noexcept override;

 private:
  SocketBufferevent(Base& base, const Calls& calls, int fd, int options) noexcept;
  ~SocketBufferevent() override;
  int start_io(short what) noexcept override;
  void stop_io(short what) noexcept override;
  int adjust_timeouts() noexcept override;
  int set_io_priority(int pri) noexcept override;

  void assign_io(int fd) noexcept;
  int add_io(Event& ev, short dir) noexcept;
  static void on_readable(int fd, short what, void* arg);
  static void on_writable(int fd, short what, void* arg);
  static void output_added(Buffer& buf, const CbInfo& info, void* arg);
  bool finish_connect(int fd, bool& connected) noexcept;

  // The I/O events are the public struct's ev_read / ev_write, as in
  // libevent (bufferevent_struct.h).
  Event& ev_read_ = face().ev_read;
  Event& ev_write_ = face().ev_write;
  bool connecting_ = false;
  bool connection_refused_ = false;
  int dns_error_ = 0;
};

}  // namespace evref

#endif  // EVREF_CORE_BUFFEREVENT_SOCKET_H
