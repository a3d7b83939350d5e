// Bad input to evconnlistener: unusable sockets and addresses, and more
// connections at once than the backlog holds.
#include <cerrno>

#include "listener_fixture.h"

namespace evc {
namespace {

class ListenerBadInput : public ListenerTest {};

TEST_F(ListenerBadInput, NoSocketOrAClosedOneGivesNull) {
  EVC_RULE("listener.h/evconnlistener_new/bad-fd",
           "listener.c: evconnlistener_new calls listen() when backlog > 0 and returns NULL if it "
           "fails (fd -1 or a closed fd: EBADF)");
  errno = 0;
  EXPECT_EQ(evconnlistener_new(base_, Accepts::Cb, &accepted_, 0, 8, -1), nullptr);
  EXPECT_EQ(errno, EBADF);
  const int fd = ClosedFd();
  ASSERT_GE(fd, 0);
  EXPECT_EQ(evconnlistener_new(base_, Accepts::Cb, &accepted_, 0, 8, fd), nullptr);
}

TEST_F(ListenerBadInput, AnAddressTooShortOrMissingGivesNull) {
  EVC_RULE("listener.h/evconnlistener_new_bind/bad-address",
           "observed libevent 2.1.12: evconnlistener_new_bind with a socklen shorter than the "
           "address (bind: EINVAL) or with no address at all returns NULL and leaks no socket");
  sockaddr_in sin = Loopback4();
  errno = 0;
  EXPECT_EQ(evconnlistener_new_bind(base_, Accepts::Cb, &accepted_, LEV_OPT_CLOSE_ON_FREE, -1,
                                    reinterpret_cast<sockaddr*>(&sin), 3),
            nullptr);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(evconnlistener_new_bind(base_, Accepts::Cb, &accepted_, LEV_OPT_CLOSE_ON_FREE, -1,
                                    nullptr, 0),
            nullptr);
}

// Non-blocking connects to 127.0.0.1:port, n of them, kept in clients_.
void ConnectMany(std::vector<int>& clients, uint16_t port, int n) {
  const sockaddr_in sin = Loopback4(port);
  for (int i = 0; i < n; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    clients.push_back(fd);
    const int rc = connect(fd, reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
    ASSERT_TRUE(rc == 0 || errno == EINPROGRESS) << strerror(errno);
  }
}

TEST_F(ListenerBadInput, AFloodBeyondTheBacklogIsAcceptedInFull) {
  EVC_RULE("listener.h/evconnlistener_cb/flood-beyond-backlog",
           "listener.h: the listener accepts every connection the kernel completes; with more "
           "clients at once than the backlog, the kernel queues the rest and each is accepted "
           "exactly once");
  // Eight times what a backlog of 2 holds, all at once. (Much larger floods
  // wait on the kernel's SYN retransmission backoff, 1, 3, 7, 15 s, the
  // same on every implementation, and would only measure the kernel.)
  constexpr int kClients = 16;
  ASSERT_NE(Bind4(LEV_OPT_CLOSE_ON_FREE, 2), nullptr);
  accepted_.action = [this](evconnlistener*, int) {
    if (accepted_.calls == kClients) event_base_loopbreak(base_);
  };
  ConnectMany(clients_, Port(), kClients);
  // Each client says one byte as soon as its side of the handshake is
  // done: a connection whose last ACK the server dropped (accept queue
  // full) is completed by that data segment or its retransmission.
  for (int fd : clients_) {
    Probe& p = NewProbe("client");
    p.action = [](Probe& self) { (void)send(self.fd, "c", 1, MSG_NOSIGNAL); };
    ASSERT_EQ(event_add(NewEvent(p, fd, EV_WRITE), nullptr), 0);
  }
  // Bounded: a SYN the kernel dropped is retried by the client after 1 s,
  // then 3 s, 7 s; 15 s covers them all.
  const timeval limit = Ms(15000);
  event_base_loopexit(base_, &limit);
  event_base_dispatch(base_);
  EXPECT_EQ(accepted_.calls, kClients);
  EXPECT_EQ(accepted_.errors, 0);
}

}  // namespace
}  // namespace evc
