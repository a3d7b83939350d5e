// evconnlistener: socket options set by evconnlistener_new_bind, IPv6, and
// accept errors.
#include <netinet/tcp.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>

#include "listener_fixture.h"

namespace evc {
namespace {

using ListenerOptions = ListenerTest;

int IntOption(int fd, int level, int name) {
  int v = -1;
  socklen_t len = sizeof v;
  return getsockopt(fd, level, name, &v, &len) == 0 ? v : -1;
}

TEST_F(ListenerOptions, ReuseableSetsSoReuseaddr) {
  EVC_RULE("listener.h/LEV_OPT_REUSEABLE",
           "listener.h: LEV_OPT_REUSEABLE: the address may be reused at once (SO_REUSEADDR)");
  ASSERT_NE(Bind4(LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE), nullptr);
  EXPECT_NE(IntOption(evconnlistener_get_fd(lev_), SOL_SOCKET, SO_REUSEADDR), 0);
}

TEST_F(ListenerOptions, ReuseablePortSetsSoReuseport) {
  EVC_RULE("listener.h/LEV_OPT_REUSEABLE_PORT",
           "listener.h: LEV_OPT_REUSEABLE_PORT: other sockets may bind the same port "
           "(SO_REUSEPORT)");
  ASSERT_NE(Bind4(LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE_PORT), nullptr);
  EXPECT_NE(IntOption(evconnlistener_get_fd(lev_), SOL_SOCKET, SO_REUSEPORT), 0);
  sockaddr_in sin = Loopback4(Port());
  Accepts twin;
  evconnlistener* second = evconnlistener_new_bind(
      base_, Accepts::Cb, &twin, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE_PORT, -1,
      reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  EXPECT_NE(second, nullptr) << "a second listener on the same port";
  if (second) evconnlistener_free(second);
}

TEST_F(ListenerOptions, WithoutReuseablePortTheSamePortIsRefused) {
  EVC_RULE("listener.h/LEV_OPT_REUSEABLE_PORT/unset",
           "listener.h: without LEV_OPT_REUSEABLE_PORT a second bind of the port fails (NULL)");
  ASSERT_NE(Bind4(), nullptr);
  sockaddr_in sin = Loopback4(Port());
  EXPECT_EQ(evconnlistener_new_bind(base_, Accepts::Cb, &accepted_, LEV_OPT_CLOSE_ON_FREE, -1,
                                    reinterpret_cast<sockaddr*>(&sin), sizeof sin),
            nullptr);
}

TEST_F(ListenerOptions, ListeningSocketKeepsConnectionsAlive) {
  EVC_RULE("listener.h/evconnlistener_new_bind/so-keepalive",
           "listener.c (2.1.12): evconnlistener_new_bind sets SO_KEEPALIVE on the socket");
  ASSERT_NE(Bind4(), nullptr);
  EXPECT_NE(IntOption(evconnlistener_get_fd(lev_), SOL_SOCKET, SO_KEEPALIVE), 0);
}

TEST_F(ListenerOptions, DeferredAcceptWaitsForData) {
  EVC_RULE("listener.h/LEV_OPT_DEFERRED_ACCEPT",
           "listener.h: LEV_OPT_DEFERRED_ACCEPT: the connection is reported only once the "
           "client has sent data (TCP_DEFER_ACCEPT)");
  ASSERT_NE(Bind4(LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DEFERRED_ACCEPT), nullptr);
  EXPECT_GT(IntOption(evconnlistener_get_fd(lev_), IPPROTO_TCP, TCP_DEFER_ACCEPT), 0);
  const int client = Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(accepted_.calls, 0) << "no data yet";
  ASSERT_EQ(send(client, "hi", 2, 0), 2);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.calls, 1);
}

TEST_F(ListenerOptions, Ipv6LoopbackListenerAccepts) {
  EVC_RULE("listener.h/evconnlistener_new_bind/ipv6",
           "listener.h: evconnlistener_new_bind works for any address family (::1 here)");
  sockaddr_in6 sin6 = Loopback6();
  lev_ = evconnlistener_new_bind(base_, Accepts::Cb, &accepted_, LEV_OPT_CLOSE_ON_FREE, -1,
                                 reinterpret_cast<sockaddr*>(&sin6), sizeof sin6);
  if (lev_ == nullptr) GTEST_SKIP() << "needs:ipv6: cannot bind ::1 here: " << strerror(errno);
  Connect(Port(), AF_INET6);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.calls, 1);
  EXPECT_EQ(accepted_.family, AF_INET6);
  EXPECT_EQ(accepted_.socklen, static_cast<int>(sizeof(sockaddr_in6)));
}

TEST_F(ListenerOptions, BindIpv6OnlySetsTheOptionOnIpv6) {
  EVC_RULE("listener.h/LEV_OPT_BIND_IPV6ONLY",
           "listener.h: LEV_OPT_BIND_IPV6ONLY: an IPv6 listener accepts IPv6 only "
           "(IPV6_V6ONLY)");
  sockaddr_in6 sin6 = Loopback6();
  lev_ = evconnlistener_new_bind(base_, Accepts::Cb, &accepted_,
                                 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_BIND_IPV6ONLY, -1,
                                 reinterpret_cast<sockaddr*>(&sin6), sizeof sin6);
  if (lev_ == nullptr) GTEST_SKIP() << "needs:ipv6: cannot bind ::1 here: " << strerror(errno);
  EXPECT_EQ(IntOption(evconnlistener_get_fd(lev_), IPPROTO_IPV6, IPV6_V6ONLY), 1);
}

TEST_F(ListenerOptions, BindIpv6OnlyOnAnIpv4AddressFails) {
  EVC_RULE("listener.h/LEV_OPT_BIND_IPV6ONLY/ipv4-address",
           "observed libevent 2.1.12: LEV_OPT_BIND_IPV6ONLY on an AF_INET address returns NULL "
           "(the option does not exist for IPv4 sockets)");
  EXPECT_EQ(Bind4(LEV_OPT_CLOSE_ON_FREE | LEV_OPT_BIND_IPV6ONLY), nullptr);
}

TEST_F(ListenerOptions, ThreadsafeFlagStillAccepts) {
  EVC_RULE("listener.h/LEV_OPT_THREADSAFE",
           "listener.h: LEV_OPT_THREADSAFE adds locking; the listener works the same");
  ASSERT_NE(Bind4(LEV_OPT_CLOSE_ON_FREE | LEV_OPT_THREADSAFE), nullptr);
  Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.calls, 1);
}

TEST_F(ListenerOptions, RetriableAcceptErrorsDoNotReachTheErrorCallback) {
  EVC_RULE("listener.h/evconnlistener_set_error_cb/eagain-not-reported",
           "listener.c: the accept loop ends on EAGAIN, which is retriable: the error callback "
           "does not run");
  ASSERT_NE(Bind4(), nullptr);
  evconnlistener_set_error_cb(lev_, Accepts::ErrorCb);
  Connect(Port());
  Connect(Port());
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.calls, 2);
  EXPECT_EQ(accepted_.errors, 0);
}

// A socket that is bound but not listening, given with backlog 0: accept()
// fails with EINVAL when the loop tries it.
int BoundNotListening() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in sin = Loopback4();
  if (bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) return -1;
  return fd;
}

TEST_F(ListenerOptions, AcceptErrorRunsTheErrorCallbackWithErrno) {
  EVC_RULE("listener.h/evconnlistener_set_error_cb/accept-error",
           "listener.h: evconnlistener_set_error_cb: called when accept() fails; the error is "
           "in EVUTIL_SOCKET_ERROR() (observed libevent 2.1.12: EINVAL on a socket that was "
           "never listening)");
  const int fd = BoundNotListening();
  ASSERT_GE(fd, 0);
  lev_ = evconnlistener_new(base_, Accepts::Cb, &accepted_, LEV_OPT_CLOSE_ON_FREE, 0, fd);
  ASSERT_NE(lev_, nullptr);
  evconnlistener_set_error_cb(lev_, Accepts::ErrorCb);
  accepted_.on_error = [](evconnlistener* l) { evconnlistener_disable(l); };
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(accepted_.errors, 1);
  EXPECT_EQ(accepted_.error_errno, EINVAL);
  EXPECT_EQ(accepted_.calls, 0);
}

TEST_F(ListenerOptions, FreeInsideTheErrorCallbackIsSafe) {
  EVC_RULE("listener.h/evconnlistener_free/inside-error-callback",
           "listener.c: the error callback runs with a reference held, so freeing the listener "
           "inside it is safe: no further callback, the socket closed (CLOSE_ON_FREE)");
  const int fd = BoundNotListening();
  ASSERT_GE(fd, 0);
  lev_ = evconnlistener_new(base_, Accepts::Cb, &accepted_, LEV_OPT_CLOSE_ON_FREE, 0, fd);
  ASSERT_NE(lev_, nullptr);
  evconnlistener_set_error_cb(lev_, Accepts::ErrorCb);
  accepted_.on_error = [this](evconnlistener*) { FreeListener(); };
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(accepted_.errors, 1);
  EXPECT_FALSE(FdIsOpen(fd));
}

TEST_F(ListenerOptions, OutOfFileDescriptorsGoesToTheErrorCallback) {
  EVC_RULE("listener.h/evconnlistener_set_error_cb/emfile",
           "listener.c: EMFILE from accept() is not retriable: the error callback runs, and the "
           "connection stays queued for a later accept");
  const char* preload = std::getenv("LD_PRELOAD");
  if (preload && std::strstr(preload, "vgpreload"))
    GTEST_SKIP() << "needs:kernel-rlimit: valgrind emulates RLIMIT_NOFILE and closes the "
                    "connection it refuses";
  ASSERT_NE(Bind4(), nullptr);
  evconnlistener_set_error_cb(lev_, Accepts::ErrorCb);
  Connect(Port());
  // Allow no new descriptor: the lowest free one becomes the limit.
  const int probe = dup(0);
  close(probe);
  rlimit old;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
  rlimit tight = old;
  tight.rlim_cur = static_cast<rlim_t>(probe);
  accepted_.on_error = [](evconnlistener* l) { evconnlistener_disable(l); };
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  const int enforced = dup(0);
  if (enforced >= 0) {  // valgrind virtualises the limit
    close(enforced);
    setrlimit(RLIMIT_NOFILE, &old);
    GTEST_SKIP() << "needs:rlimit: RLIMIT_NOFILE is not enforced in this environment";
  }
  const int rc = event_base_loop(base_, EVLOOP_ONCE);
  const bool restored = setrlimit(RLIMIT_NOFILE, &old) == 0 && getrlimit(RLIMIT_NOFILE, &tight) == 0 &&
                        tight.rlim_cur == old.rlim_cur;
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(accepted_.errors, 1);
  EXPECT_EQ(accepted_.error_errno, EMFILE);
  EXPECT_EQ(accepted_.calls, 0);
  accepted_.on_error = nullptr;
  if (!restored) GTEST_SKIP() << "needs:rlimit: the limit cannot be raised again here (valgrind)";
  ASSERT_EQ(evconnlistener_enable(lev_), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(accepted_.calls, 1);
}

}  // namespace
}  // namespace evc
