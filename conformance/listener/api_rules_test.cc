// One focused rule for each listener.h call the other listener tests only
// use in passing: evconnlistener_enable, evconnlistener_get_base and
// evconnlistener_get_fd.
#include "listener_fixture.h"

namespace evc {
namespace {

using ListenerApiRules = ListenerTest;

// Runs the loop until the first accept, at most two seconds.
void RunUntilAccepted(event_base* base, Accepts& a) {
  a.action = [base](evconnlistener*, int) { event_base_loopbreak(base); };
  const timeval bound = {2, 0};
  event_base_loopexit(base, &bound);
  event_base_dispatch(base);
}

TEST_F(ListenerApiRules, EnableAcceptsTheConnectionThatWaitedWhileDisabled) {
  EVC_RULE("listener.h/evconnlistener_enable",
           "listener.h: evconnlistener_enable re-enables a disabled listener (0): a connection "
           "made while it was disabled is not accepted then, and is accepted once on enable");
  ASSERT_NE(Bind4(), nullptr);
  ASSERT_EQ(evconnlistener_disable(lev_), 0);
  ASSERT_GE(Connect(Port()), 0);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  ASSERT_EQ(accepted_.calls, 0);
  EXPECT_EQ(evconnlistener_enable(lev_), 0);
  RunUntilAccepted(base_, accepted_);
  EXPECT_EQ(accepted_.calls, 1);
}

TEST_F(ListenerApiRules, EnableOfAListenerCreatedDisabled) {
  EVC_RULE("listener.h/evconnlistener_enable/created-disabled",
           "listener.h: LEV_OPT_DISABLED creates the listener disabled, 'Use "
           "evconnlistener_enable() to enable it later': enable returns 0 and the waiting "
           "connection is accepted");
  ASSERT_NE(Bind4(LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED), nullptr);
  ASSERT_GE(Connect(Port()), 0);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  ASSERT_EQ(accepted_.calls, 0);
  EXPECT_EQ(evconnlistener_enable(lev_), 0);
  RunUntilAccepted(base_, accepted_);
  EXPECT_EQ(accepted_.calls, 1);
}

TEST_F(ListenerApiRules, GetBaseIsTheBaseItWasCreatedWith) {
  EVC_RULE("listener.h/evconnlistener_get_base",
           "listener.h: evconnlistener_get_base returns the event_base the listener was created "
           "with, whether it was made by evconnlistener_new or evconnlistener_new_bind");
  ASSERT_NE(Bind4(), nullptr);
  EXPECT_EQ(evconnlistener_get_base(lev_), base_);
  event_base* other = event_base_new();
  ASSERT_NE(other, nullptr);
  uint16_t port = 0;
  const int fd = ListenLoopback(AF_INET, port);
  ASSERT_GE(fd, 0);
  evconnlistener* lev = evconnlistener_new(other, Accepts::Cb, &accepted_, LEV_OPT_CLOSE_ON_FREE, 0, fd);
  ASSERT_NE(lev, nullptr);
  EXPECT_EQ(evconnlistener_get_base(lev), other);
  EXPECT_EQ(evconnlistener_get_base(lev_), base_);
  evconnlistener_free(lev);
  event_base_free(other);
}

TEST_F(ListenerApiRules, GetFdIsTheSocketGiven) {
  EVC_RULE("listener.h/evconnlistener_get_fd/given-socket",
           "listener.h: evconnlistener_get_fd returns the socket the listener listens on: for "
           "evconnlistener_new, the fd it was given");
  uint16_t port = 0;
  const int fd = ListenLoopback(AF_INET, port);
  ASSERT_GE(fd, 0);
  lev_ = evconnlistener_new(base_, Accepts::Cb, &accepted_, LEV_OPT_CLOSE_ON_FREE, 0, fd);
  ASSERT_NE(lev_, nullptr);
  EXPECT_EQ(evconnlistener_get_fd(lev_), fd);
}

TEST_F(ListenerApiRules, GetFdIsTheBoundListeningSocket) {
  EVC_RULE("listener.h/evconnlistener_get_fd/bound-socket",
           "listener.h: evconnlistener_get_fd of a listener from evconnlistener_new_bind is its "
           "listening socket: getsockname gives 127.0.0.1 and the port it got, and a connection "
           "to that port is accepted by the listener");
  ASSERT_NE(Bind4(), nullptr);
  const int fd = evconnlistener_get_fd(lev_);
  ASSERT_GE(fd, 0);
  sockaddr_in sin{};
  socklen_t len = sizeof sin;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len), 0);
  EXPECT_EQ(sin.sin_family, AF_INET);
  EXPECT_EQ(ntohl(sin.sin_addr.s_addr), INADDR_LOOPBACK);
  EXPECT_NE(ntohs(sin.sin_port), 0);
  int listening = 0;
  socklen_t optlen = sizeof listening;
  ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen), 0);
  EXPECT_EQ(listening, 1);
  ASSERT_GE(Connect(ntohs(sin.sin_port)), 0);
  RunUntilAccepted(base_, accepted_);
  ASSERT_EQ(accepted_.calls, 1);
  EXPECT_EQ(LocalPort(accepted_.fds[0]), ntohs(sin.sin_port));
}

}  // namespace
}  // namespace evc
