// evconnlistener with descriptors and backlogs at their extremes. Each value
// runs in a child process (RunInChild), so a crash or an exception escaping
// the C API is that value's result.
#include <climits>

#include "listener_fixture.h"

namespace evc {
namespace {

class ListenerExtremes : public Test {};

void Accepted(evconnlistener* lev, evutil_socket_t fd, sockaddr*, int, void* arg) {
  close(fd);
  ++*static_cast<int*>(arg);
  event_base_loopbreak(evconnlistener_get_base(lev));
}

// Runs body(base, fd, &accepted) in a child with a fresh base, for every
// descriptor number that is not an open socket.
void ForEachFdNotOpen(const std::function<void(event_base*, int fd, int* accepted)>& body) {
  std::vector<Named<int>> fds = NegativeFds();
  for (const auto& fd : UnopenedFds()) fds.push_back(fd);
  for (const auto& fd : fds) {
    SCOPED_TRACE("fd " + fd.name);
    EXPECT_IN_CHILD({
      event_base* base = event_base_new();
      ASSERT_NE(base, nullptr);
      int accepted = 0;
      body(base, fd.value, &accepted);
      EXPECT_EQ(accepted, 0);
      event_base_free(base);
    });
  }
}

TEST_F(ListenerExtremes, FdsThatAreNotOpenGiveNullWhenTheyMustListen) {
  EVC_RULE("listener.h/evconnlistener_new/unopened-fd-must-listen",
           "listener.h: backlog is 'passed to the listen() call'; -1 for a default. listener.c: "
           "evconnlistener_new returns NULL when listen() fails, so every fd that is not an open "
           "socket gives NULL with a backlog of -1, 1 or INT_MAX");
  ForEachFdNotOpen([](event_base* base, int fd, int* accepted) {
    for (int backlog : {-1, 1, INT_MAX}) {
      EXPECT_EQ(evconnlistener_new(base, Accepted, accepted, LEV_OPT_CLOSE_ON_FREE, backlog, fd),
                nullptr)
          << "backlog " << backlog;
    }
  });
}

TEST_F(ListenerExtremes, FdsThatAreNotOpenAndSaidToListenAlreadyAreSurvived) {
  EVC_RULE("listener.h/evconnlistener_new/unopened-fd-backlog-zero",
           "listener.h: backlog 0 means the socket is already listening, so nothing checks it. "
           "Observed libevent 2.1.12: a listener is made and evconnlistener_enable returns -1 "
           "where event_add refuses the fd. Accepted: NULL, or a listener that can be disabled, "
           "enabled (0 or -1), run and freed. No crash, no hang");
  ForEachFdNotOpen([](event_base* base, int fd, int* accepted) {
    // No LEV_OPT_CLOSE_ON_FREE: the closed fd's number is not ours to close.
    evconnlistener* lev = evconnlistener_new(base, Accepted, accepted, 0, 0, fd);
    if (lev == nullptr) return;
    EXPECT_EQ(evconnlistener_get_fd(lev), fd);
    EXPECT_EQ(evconnlistener_disable(lev), 0);
    const int rc = evconnlistener_enable(lev);
    EXPECT_TRUE(rc == 0 || rc == -1) << "evconnlistener_enable returned " << rc;
    EXPECT_GE(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), -1);
    evconnlistener_free(lev);
  });
}

TEST_F(ListenerExtremes, BacklogsAtTheLimitsListenAndAccept) {
  EVC_RULE("listener.h/evconnlistener_new_bind/extreme-backlogs",
           "listener.h: backlog is passed to listen(), -1 for a reasonable default; listener.c "
           "uses 128 for any negative backlog and listen() caps large ones. Observed libevent "
           "2.1.12: -1, -2, INT_MIN, 1 and INT_MAX all give a listener that accepts");
  for (int backlog : {-1, -2, INT_MIN, 1, INT_MAX}) {
    SCOPED_TRACE("backlog " + std::to_string(backlog));
    EXPECT_IN_CHILD({
      event_base* base = event_base_new();
      ASSERT_NE(base, nullptr);
      int accepted = 0;
      sockaddr_in sin = Loopback4();
      evconnlistener* lev =
          evconnlistener_new_bind(base, Accepted, &accepted, LEV_OPT_CLOSE_ON_FREE, backlog,
                                  reinterpret_cast<sockaddr*>(&sin), sizeof sin);
      ASSERT_NE(lev, nullptr);
      const int client = ConnectLoopback(LocalPort(evconnlistener_get_fd(lev)));
      ASSERT_GE(client, 0);
      // The kernel completed the handshake: one bounded iteration accepts.
      const timeval limit = Ms(2000);
      event_base_loopexit(base, &limit);
      event_base_loop(base, EVLOOP_ONCE);
      EXPECT_EQ(accepted, 1);
      CloseAbortively(client);
      evconnlistener_free(lev);
      event_base_free(base);
    });
  }
}

TEST_F(ListenerExtremes, BindWithBacklogZeroGivesNull) {
  EVC_RULE("listener.h/evconnlistener_new_bind/backlog-zero-no-leak",
           "listener.h: backlog 0 is for a socket that is already listening; observed libevent "
           "2.1.12: evconnlistener_new_bind with backlog 0 returns NULL (the socket it makes is "
           "not listening) and leaks no socket");
  EXPECT_IN_CHILD({
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    int accepted = 0;
    const std::map<int, std::string> before = OpenFds();
    sockaddr_in sin = Loopback4();
    EXPECT_EQ(evconnlistener_new_bind(base, Accepted, &accepted, LEV_OPT_CLOSE_ON_FREE, 0,
                                      reinterpret_cast<sockaddr*>(&sin), sizeof sin),
              nullptr);
    EXPECT_EQ(OpenFds(), before);
    event_base_free(base);
  });
}

}  // namespace
}  // namespace evc
