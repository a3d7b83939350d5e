// Bad input to socket bufferevents: no socket, a closed socket, and a peer
// that resets the connection while the bufferevent is writing.
#include <cerrno>
#include <csignal>

#include "bufferevent_fixture.h"

namespace evc {
namespace {

class BufferEventBadInput : public BufferEventTest {};

TEST_F(BufferEventBadInput, NoSocketIsAcceptedUntilAConnectWithoutAddress) {
  EVC_RULE("bufferevent.h/bufferevent_socket_new/fd-minus-one",
           "bufferevent.h: a socket bufferevent may be made on fd -1 and given one later; enabling "
           "and writing succeed, and bufferevent_socket_connect with no address fails");
  bev_ = bufferevent_socket_new(base_, -1, BEV_OPT_CLOSE_ON_FREE);
  ASSERT_NE(bev_, nullptr);
  EXPECT_EQ(bufferevent_getfd(bev_), -1);
  EXPECT_EQ(bufferevent_enable(bev_, EV_READ | EV_WRITE), 0);
  EXPECT_EQ(bufferevent_write(bev_, nullptr, 0), 0);
  EXPECT_EQ(bufferevent_socket_connect(bev_, nullptr, 0), -1);
}

TEST_F(BufferEventBadInput, ClosedSocketIsRefusedByEpollAndReportedByPollAndSelect) {
  EVC_RULE("bufferevent.h/bufferevent_enable/closed-fd",
           "observed libevent 2.1.12: a bufferevent on a closed fd: epoll refuses to enable it "
           "(-1); poll accepts it and reports BEV_EVENT_ERROR for writing, then reading, with "
           "EBADF; select accepts it and the loop fails (-1)");
  const std::string method = event_base_get_method(base_);
  const int fd = ClosedFd();
  ASSERT_GE(fd, 0);
  bev_ = bufferevent_socket_new(base_, fd, 0);
  ASSERT_NE(bev_, nullptr);
  bufferevent_setcb(bev_, BevLog::Read, BevLog::Write, BevLog::Event, &log_bev_);
  if (method == "epoll") {
    EXPECT_EQ(bufferevent_enable(bev_, EV_READ), -1);
    EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
    EXPECT_TRUE(log_bev_.events.empty());
  } else if (method == "poll") {
    ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
    ASSERT_EQ(bufferevent_write(bev_, "x", 1), 0);
    EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
    EXPECT_EQ(log_bev_.events, (std::vector<short>{BEV_EVENT_ERROR | BEV_EVENT_WRITING,
                                                   BEV_EVENT_ERROR | BEV_EVENT_READING}));
    EXPECT_EQ(log_bev_.event_errno, EBADF);
  } else if (method == "select") {
    ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
    EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), -1);
    EXPECT_TRUE(log_bev_.events.empty());
  } else {
    GTEST_SKIP() << "no rule recorded for method " << method;
  }
}

TEST_F(BufferEventBadInput, PeerResetMidWriteIsAWriteError) {
  EVC_RULE("bufferevent.h/BEV_EVENT_ERROR/peer-reset-mid-write",
           "bufferevent.h: a failed write is reported once as BEV_EVENT_ERROR|BEV_EVENT_WRITING; "
           "a peer that resets the connection (SO_LINGER 0) while data is queued makes the next "
           "write fail");
  signal(SIGPIPE, SIG_IGN);
  // A TCP connection on 127.0.0.1: the bufferevent writes, the peer never reads.
  const int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(lfd, 0);
  sockaddr_in sin = Loopback4();
  ASSERT_EQ(bind(lfd, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
  ASSERT_EQ(listen(lfd, 1), 0);
  const int cfd = ConnectLoopback(LocalPort(lfd));
  ASSERT_GE(cfd, 0);
  peer_ = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
  close(lfd);
  ASSERT_GE(peer_, 0);
  fcntl(cfd, F_SETFL, O_NONBLOCK);
  bev_ = bufferevent_socket_new(base_, cfd, BEV_OPT_CLOSE_ON_FREE);
  ASSERT_NE(bev_, nullptr);
  bufferevent_setcb(bev_, BevLog::Read, BevLog::Write, BevLog::Event, &log_bev_);
  const std::string chunk(1 << 20, 'w');
  for (int i = 0; i < 8; ++i) ASSERT_EQ(bufferevent_write(bev_, chunk.data(), chunk.size()), 0);
  // Write until the kernel's buffers are full and data is still queued.
  for (int i = 0; i < 50 && evbuffer_get_length(bufferevent_get_output(bev_)) ==
                                8 * chunk.size(); ++i)
    event_base_loop(base_, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  ASSERT_GT(evbuffer_get_length(bufferevent_get_output(bev_)), 0u);
  const linger reset{1, 0};
  ASSERT_EQ(setsockopt(peer_, SOL_SOCKET, SO_LINGER, &reset, sizeof reset), 0);
  close(peer_);
  peer_ = -1;
  const timeval limit = Ms(5000);
  event_base_loopexit(base_, &limit);
  log_bev_.on_event = [this](bufferevent*, short) { event_base_loopbreak(base_); };
  event_base_dispatch(base_);
  ASSERT_EQ(log_bev_.events, (std::vector<short>{BEV_EVENT_ERROR | BEV_EVENT_WRITING}));
  EXPECT_TRUE(log_bev_.event_errno == ECONNRESET || log_bev_.event_errno == EPIPE)
      << "errno " << log_bev_.event_errno;
  EXPECT_EQ(bufferevent_get_enabled(bev_) & EV_WRITE, 0);
}

}  // namespace
}  // namespace evc
