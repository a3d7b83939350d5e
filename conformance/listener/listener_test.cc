// evconnlistener: accepting, the LEV_OPT_* flags, enable/disable, backlog,
// callbacks that free or disable the listener, and accept errors.
#include <netinet/tcp.h>
#include <sys/resource.h>

#include "listener_fixture.h"

namespace evc {
namespace {

using Listener = ListenerTest;

TEST_F(Listener, AcceptsAConnectionAndReportsThePeer) {
  EVC_RULE("listener.h/evconnlistener_cb/fd-and-peer",
           "listener.h: the callback gets the new connection's fd and its peer address");
  ASSERT_NE(Bind4(), nullptr);
  const int client = Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  ASSERT_EQ(accepted_.calls, 1);
  EXPECT_GE(accepted_.fds[0], 0);
  EXPECT_EQ(accepted_.family, AF_INET);
  EXPECT_EQ(accepted_.socklen, static_cast<int>(sizeof(sockaddr_in)));
  EXPECT_EQ(accepted_.peer_port, LocalPort(client));
  EXPECT_EQ(LocalPort(accepted_.fds[0]), Port());
}

TEST_F(Listener, AcceptedSocketIsNonblockingByDefault) {
  EVC_RULE("listener.h/LEV_OPT_LEAVE_SOCKETS_BLOCKING/unset-nonblocking",
           "listener.h: accepted sockets are made nonblocking unless "
           "LEV_OPT_LEAVE_SOCKETS_BLOCKING is given");
  ASSERT_NE(Bind4(), nullptr);
  Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  ASSERT_EQ(accepted_.calls, 1);
  EXPECT_TRUE(IsNonblocking(accepted_.fds[0]));
}

TEST_F(Listener, LeaveSocketsBlockingKeepsAcceptedSocketsBlocking) {
  EVC_RULE("listener.h/LEV_OPT_LEAVE_SOCKETS_BLOCKING",
           "listener.h: LEV_OPT_LEAVE_SOCKETS_BLOCKING: do not make accepted sockets nonblocking");
  ASSERT_NE(Bind4(LEV_OPT_CLOSE_ON_FREE | LEV_OPT_LEAVE_SOCKETS_BLOCKING), nullptr);
  Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  ASSERT_EQ(accepted_.calls, 1);
  EXPECT_FALSE(IsNonblocking(accepted_.fds[0]));
}

TEST_F(Listener, CloseOnExecMarksListeningAndAcceptedSockets) {
  EVC_RULE("listener.h/LEV_OPT_CLOSE_ON_EXEC",
           "listener.h: LEV_OPT_CLOSE_ON_EXEC: the listening socket is close-on-exec; libevent "
           "2.1.12 marks accepted sockets too");
  ASSERT_NE(Bind4(LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC), nullptr);
  EXPECT_TRUE(HasCloexec(evconnlistener_get_fd(lev_)));
  Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  ASSERT_EQ(accepted_.calls, 1);
  EXPECT_TRUE(HasCloexec(accepted_.fds[0]));
}

TEST_F(Listener, WithoutCloseOnExecSocketsAreInherited) {
  EVC_RULE("listener.h/LEV_OPT_CLOSE_ON_EXEC/unset",
           "listener.h: without LEV_OPT_CLOSE_ON_EXEC neither socket is close-on-exec");
  ASSERT_NE(Bind4(), nullptr);
  EXPECT_FALSE(HasCloexec(evconnlistener_get_fd(lev_)));
  Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  ASSERT_EQ(accepted_.calls, 1);
  EXPECT_FALSE(HasCloexec(accepted_.fds[0]));
}

TEST_F(Listener, CloseOnFreeClosesTheSocketAndReleasesThePort) {
  EVC_RULE("listener.h/LEV_OPT_CLOSE_ON_FREE",
           "listener.h: LEV_OPT_CLOSE_ON_FREE: freeing the listener closes its socket, so the "
           "port can be bound again");
  ASSERT_NE(Bind4(LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE), nullptr);
  const int fd = evconnlistener_get_fd(lev_);
  const uint16_t port = Port();
  FreeListener();
  EXPECT_FALSE(FdIsOpen(fd));
  sockaddr_in sin = Loopback4(port);
  lev_ = evconnlistener_new_bind(base_, Accepts::Cb, &accepted_,
                                 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
                                 reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  EXPECT_NE(lev_, nullptr) << "port " << port << " still taken: " << strerror(errno);
}

TEST_F(Listener, WithoutCloseOnFreeTheSocketStaysOpen) {
  EVC_RULE("listener.h/LEV_OPT_CLOSE_ON_FREE/unset",
           "listener.h: without LEV_OPT_CLOSE_ON_FREE the socket is the caller's: it stays "
           "open, listening, after the listener is freed");
  ASSERT_NE(Bind4(0), nullptr);
  const int fd = evconnlistener_get_fd(lev_);
  const uint16_t port = Port();
  FreeListener();
  ASSERT_TRUE(FdIsOpen(fd));
  sockaddr_in sin = Loopback4(port);
  const int other = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_NE(bind(other, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0) << "the port is kept";
  close(other);
  Connect(port);  // the kernel still queues connections on it
  close(fd);
}

TEST_F(Listener, DisableStopsAcceptingAndEnableResumes) {
  EVC_RULE("listener.h/evconnlistener_disable",
           "listener.h: evconnlistener_disable stops listening for connections; "
           "evconnlistener_enable resumes");
  ASSERT_NE(Bind4(), nullptr);
  ASSERT_EQ(evconnlistener_disable(lev_), 0);
  Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1) << "nothing pending while disabled";
  EXPECT_EQ(accepted_.calls, 0);
  ASSERT_EQ(evconnlistener_enable(lev_), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.calls, 1);
}

TEST_F(Listener, DisabledFlagCreatesADisabledListener) {
  EVC_RULE("listener.h/LEV_OPT_DISABLED",
           "listener.h: LEV_OPT_DISABLED: the listener starts disabled; enable it to accept");
  ASSERT_NE(Bind4(LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED), nullptr);
  Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(accepted_.calls, 0);
  ASSERT_EQ(evconnlistener_enable(lev_), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.calls, 1);
}

TEST_F(Listener, QueuedConnectionsAreAllAcceptedInOneGo) {
  EVC_RULE("listener.h/evconnlistener_cb/accept-loop-drains-queue",
           "listener.c: one readiness runs the accept loop until accept would block, so every "
           "queued connection is taken in the same iteration");
  ASSERT_NE(Bind4(), nullptr);
  for (int i = 0; i < 5; ++i) Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.calls, 5);
}

TEST_F(Listener, DisableInsideTheCallbackStopsTheAcceptLoop) {
  EVC_RULE("listener.h/evconnlistener_disable/inside-callback",
           "listener.c (e03cd0b7): a callback that disables the listener stops the accept loop "
           "at once; the other queued connections wait for enable");
  ASSERT_NE(Bind4(), nullptr);
  for (int i = 0; i < 3; ++i) Connect(Port());
  accepted_.action = [](evconnlistener* l, int) { evconnlistener_disable(l); };
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(accepted_.calls, 1);
  accepted_.action = nullptr;
  ASSERT_EQ(evconnlistener_enable(lev_), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.calls, 3);
}

TEST_F(Listener, FreeInsideTheAcceptCallbackIsSafe) {
  EVC_RULE("listener.h/evconnlistener_free/inside-callback",
           "observed libevent 2.1.12: evconnlistener_free inside the accept callback: no "
           "further callback (two were queued), the accepted fd stays the user's, the listening "
           "socket is closed (CLOSE_ON_FREE), and the loop has nothing left");
  ASSERT_NE(Bind4(), nullptr);
  const int listen_fd = evconnlistener_get_fd(lev_);
  Connect(Port());
  Connect(Port());
  accepted_.action = [this](evconnlistener*, int) { FreeListener(); };
  EXPECT_EQ(event_base_dispatch(base_), 1);
  ASSERT_EQ(accepted_.calls, 1);
  EXPECT_TRUE(FdIsOpen(accepted_.fds[0]));
  EXPECT_FALSE(FdIsOpen(listen_fd));
}

TEST_F(Listener, NullCallbackAcceptsNothingUntilOneIsSet) {
  EVC_RULE("listener.h/evconnlistener_set_cb/null-disables",
           "listener.h: a NULL callback means the listener is disabled until "
           "evconnlistener_set_cb gives one");
  ASSERT_NE(Bind4(LEV_OPT_CLOSE_ON_FREE, -1, nullptr), nullptr);
  Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(accepted_.calls, 0);
  evconnlistener_set_cb(lev_, Accepts::Cb, &accepted_);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.calls, 1);
}

TEST_F(Listener, ClearingTheCallbackOfAnEnabledListenerClosesNewConnections) {
  EVC_RULE("listener.h/evconnlistener_set_cb/null-while-enabled",
           "observed libevent 2.1.12: evconnlistener_set_cb(NULL) on an enabled listener leaves "
           "it watching; a new connection is accepted and closed (the client sees EOF)");
  ASSERT_NE(Bind4(), nullptr);
  evconnlistener_set_cb(lev_, nullptr, nullptr);
  const int client = Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.calls, 0);
  char c;
  EXPECT_EQ(recv(client, &c, 1, 0), 0) << "EOF";
}

TEST_F(Listener, SetCbReplacesTheCallbackAndArgument) {
  EVC_RULE("listener.h/evconnlistener_set_cb/replaces",
           "listener.h: evconnlistener_set_cb changes the callback and its argument");
  ASSERT_NE(Bind4(), nullptr);
  Accepts other;
  evconnlistener_set_cb(lev_, Accepts::Cb, &other);
  Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.calls, 0);
  ASSERT_EQ(other.calls, 1);
  close(other.fds[0]);
}

TEST_F(Listener, NewBindWithBacklogZeroFails) {
  EVC_RULE("listener.h/evconnlistener_new_bind/backlog-zero",
           "listener.c: evconnlistener_new_bind returns NULL for backlog 0 (there is no "
           "already-listening socket to use)");
  EXPECT_EQ(Bind4(LEV_OPT_CLOSE_ON_FREE, 0), nullptr);
}

TEST_F(Listener, NegativeBacklogMeansADefault) {
  EVC_RULE("listener.h/evconnlistener_new/negative-backlog",
           "listener.h: a negative backlog means a reasonable default");
  ASSERT_NE(Bind4(LEV_OPT_CLOSE_ON_FREE, -5), nullptr);
  Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.calls, 1);
}

TEST_F(Listener, NewWithBacklogZeroUsesASocketAlreadyListening) {
  EVC_RULE("listener.h/evconnlistener_new/backlog-zero-already-listening",
           "listener.h: evconnlistener_new with backlog 0 takes a socket that is already "
           "listening");
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in sin = Loopback4();
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  lev_ = evconnlistener_new(base_, Accepts::Cb, &accepted_, LEV_OPT_CLOSE_ON_FREE, 0, fd);
  ASSERT_NE(lev_, nullptr);
  EXPECT_EQ(evconnlistener_get_fd(lev_), fd);
  EXPECT_EQ(evconnlistener_get_base(lev_), base_);
  Connect(LocalPort(fd));
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.calls, 1);
}

TEST_F(Listener, NewFailsWhenListenFails) {
  EVC_RULE("listener.h/evconnlistener_new/listen-fails",
           "listener.c: evconnlistener_new returns NULL when listen() on the fd fails");
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);  // datagram sockets cannot listen
  EXPECT_EQ(evconnlistener_new(base_, Accepts::Cb, &accepted_, 0, 16, fd), nullptr);
  close(fd);
}

TEST_F(Listener, NewBindWithoutAnAddressFails) {
  EVC_RULE("listener.h/evconnlistener_new_bind/null-address",
           "observed libevent 2.1.12: evconnlistener_new_bind with a NULL address returns NULL");
  EXPECT_EQ(evconnlistener_new_bind(base_, Accepts::Cb, &accepted_, LEV_OPT_CLOSE_ON_FREE, -1,
                                    nullptr, 0),
            nullptr);
}

}  // namespace
}  // namespace evc
