// Fixture for the evconnlistener suite: real loopback sockets (127.0.0.1
// and ::1, port 0 only), driven by plain blocking client sockets.
#ifndef EVC_LISTENER_FIXTURE_H
#define EVC_LISTENER_FIXTURE_H

#include <arpa/inet.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <functional>
#include <vector>

#include "../event/event_fixture.h"
#include "evc_net.h"

namespace evc {

inline bool HasCloexec(int fd) { return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }
inline bool IsNonblocking(int fd) { return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

// What the accept callback saw, and what it does from inside.
struct Accepts {
  int calls = 0;
  std::vector<int> fds;
  int family = -1;
  int socklen = -1;
  uint16_t peer_port = 0;
  int errors = 0;
  int error_errno = 0;
  std::function<void(evconnlistener*, int fd)> action;
  std::function<void(evconnlistener*)> on_error;

  static void Cb(evconnlistener* lev, evutil_socket_t fd, sockaddr* sa, int socklen, void* arg) {
    Accepts* a = static_cast<Accepts*>(arg);
    ++a->calls;
    a->fds.push_back(fd);
    a->family = sa->sa_family;
    a->socklen = socklen;
    a->peer_port = sa->sa_family == AF_INET6
                       ? ntohs(reinterpret_cast<sockaddr_in6*>(sa)->sin6_port)
                       : ntohs(reinterpret_cast<sockaddr_in*>(sa)->sin_port);
    if (a->action) a->action(lev, fd);
  }
  static void ErrorCb(evconnlistener* lev, void* arg) {
    Accepts* a = static_cast<Accepts*>(arg);
    a->error_errno = EVUTIL_SOCKET_ERROR();
    ++a->errors;
    if (a->on_error) a->on_error(lev);
  }
};

class ListenerTest : public EventTest {
 protected:
  void TearDown() override {
    if (lev_ != nullptr) evconnlistener_free(lev_);
    for (int fd : clients_) CloseAbortively(fd);  // first: no TIME_WAIT anywhere
    for (int fd : accepted_.fds)
      if (FdIsOpen(fd)) close(fd);
    EventTest::TearDown();
  }

  // A listener on 127.0.0.1, port 0, closing its socket when freed.
  evconnlistener* Bind4(unsigned flags = LEV_OPT_CLOSE_ON_FREE, int backlog = -1,
                        evconnlistener_cb cb = Accepts::Cb) {
    sockaddr_in sin = Loopback4();
    lev_ = evconnlistener_new_bind(base_, cb, &accepted_, flags, backlog,
                                   reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    return lev_;
  }
  uint16_t Port() { return LocalPort(evconnlistener_get_fd(lev_)); }

  // A blocking client connected to the loopback address, closed by TearDown.
  int Connect(uint16_t port, int family = AF_INET) {
    const int fd = ConnectLoopback(port, family);
    EXPECT_GE(fd, 0) << "connect: " << strerror(errno);
    if (fd >= 0) clients_.push_back(fd);
    return fd;
  }

  // Frees the listener from a test (or marks it freed by a callback).
  void FreeListener() {
    if (lev_) evconnlistener_free(lev_);
    lev_ = nullptr;
  }

  evconnlistener* lev_ = nullptr;
  Accepts accepted_;
  std::vector<int> clients_;
};

}  // namespace evc

#endif  // EVC_LISTENER_FIXTURE_H
