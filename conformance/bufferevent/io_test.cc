// Socket bufferevents: reading, writing, EOF, enable/disable, watermarks.
#include <csignal>

#include "bufferevent_fixture.h"

namespace evc {
namespace {

using BufferEvent = BufferEventTest;

TEST_F(BufferEvent, StartsWithOnlyWriteEnabled) {
  EVC_RULE("bufferevent.h/bufferevent_get_enabled/new-is-write-only",
           "observed libevent 2.1.12 (bufferevent_init_common_): a new bufferevent has EV_WRITE "
           "enabled and EV_READ disabled");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bufferevent_get_enabled(bev_), EV_WRITE);
  PeerSend("ignored");
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1) << "nothing to do until EV_READ";
  EXPECT_EQ(log_bev_.reads, 0);
}

TEST_F(BufferEvent, ReadCallbackSeesTheBytesInInput) {
  EVC_RULE("bufferevent.h/bufferevent_data_cb/read-on-input",
           "bufferevent.h: with EV_READ enabled, data from the socket goes to the input buffer "
           "and the read callback runs");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  EXPECT_EQ(bufferevent_get_enabled(bev_), EV_READ | EV_WRITE);
  PeerSend("hello");
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(log_bev_.reads, 1);
  EXPECT_EQ(Drain(bufferevent_get_input(bev_)), "hello");
}

TEST_F(BufferEvent, ReadAndReadBufferTakeFromInput) {
  EVC_RULE("bufferevent.h/bufferevent_read/takes-from-input",
           "bufferevent.h: bufferevent_read removes up to size bytes from input; "
           "bufferevent_read_buffer moves all of input to a buffer");
  ASSERT_NE(NewPairBev(), nullptr);
  log_bev_.on_read = [](bufferevent* b) {
    char two[2];
    EXPECT_EQ(bufferevent_read(b, two, 2), 2u);
    EXPECT_EQ(std::string(two, 2), "ab");
    evbuffer* rest = evbuffer_new();
    EXPECT_EQ(bufferevent_read_buffer(b, rest), 0);
    EXPECT_EQ(Drain(rest), "cdef");
    evbuffer_free(rest);
  };
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  PeerSend("abcdef");
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(log_bev_.reads, 1);
  EXPECT_EQ(evbuffer_get_length(bufferevent_get_input(bev_)), 0u);
}

TEST_F(BufferEvent, WriteSendsOutputThenCallsTheWriteCallback) {
  EVC_RULE("bufferevent.h/bufferevent_write/sent-then-write-cb",
           "bufferevent.h: bufferevent_write queues data; it is written to the socket, and the "
           "write callback runs when output has drained (to the low watermark, 0)");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_write(bev_, "abc", 3), 0);
  evbuffer* more = evbuffer_new();
  evbuffer_add(more, "def", 3);
  ASSERT_EQ(bufferevent_write_buffer(bev_, more), 0);
  EXPECT_EQ(evbuffer_get_length(more), 0u);
  evbuffer_free(more);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(PeerRecv(), "abcdef");
  EXPECT_EQ(log_bev_.writes, 1);
  EXPECT_EQ(log_bev_.output_at_write, (std::vector<size_t>{0}));
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1) << "idle once output is empty";
}

TEST_F(BufferEvent, NothingIsWrittenWhileWriteIsDisabled) {
  EVC_RULE("bufferevent.h/bufferevent_disable/write",
           "bufferevent.h: bufferevent_disable(EV_WRITE) stops writing; enable resumes it");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_disable(bev_, EV_WRITE), 0);
  EXPECT_EQ(bufferevent_get_enabled(bev_), 0);
  ASSERT_EQ(bufferevent_write(bev_, "xyz", 3), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(PeerRecv(), "");
  ASSERT_EQ(bufferevent_enable(bev_, EV_WRITE), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(PeerRecv(), "xyz");
}

TEST_F(BufferEvent, NothingIsReadWhileReadIsDisabled) {
  EVC_RULE("bufferevent.h/bufferevent_disable/read",
           "bufferevent.h: bufferevent_disable(EV_READ) stops reading");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  ASSERT_EQ(bufferevent_disable(bev_, EV_READ), 0);
  PeerSend("data");
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(log_bev_.reads, 0);
  EXPECT_EQ(evbuffer_get_length(bufferevent_get_input(bev_)), 0u);
}

TEST_F(BufferEvent, EnablingWriteWithNothingQueuedCallsTheWriteCallbackOnce) {
  EVC_RULE("bufferevent.h/bufferevent_enable/write-with-empty-output",
           "observed libevent 2.1.12 (be_socket_enable): enabling EV_WRITE adds the write event "
           "even with empty output, so the write callback runs once");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_enable(bev_, EV_WRITE), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(log_bev_.writes, 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(log_bev_.writes, 1);
}

TEST_F(BufferEvent, EofIsReportedWithReadingAndDisablesRead) {
  EVC_RULE("bufferevent.h/BEV_EVENT_EOF/reading-then-read-disabled",
           "bufferevent.h: end of file is reported as BEV_EVENT_EOF|BEV_EVENT_READING, and "
           "reading is disabled");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  PeerSend("last");
  ClosePeer();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(log_bev_.reads, 1);
  EXPECT_EQ(log_bev_.events, (std::vector<short>{BEV_EVENT_EOF | BEV_EVENT_READING}));
  EXPECT_EQ(bufferevent_get_enabled(bev_) & EV_READ, 0);
  EXPECT_EQ(Drain(bufferevent_get_input(bev_)), "last");
}

TEST_F(BufferEvent, WriteErrorIsReportedWithWritingAndErrno) {
  EVC_RULE("bufferevent.h/BEV_EVENT_ERROR/write-error-with-errno",
           "bufferevent.h: a failed write is reported as BEV_EVENT_ERROR|BEV_EVENT_WRITING, "
           "with the error in EVUTIL_SOCKET_ERROR()");
  signal(SIGPIPE, SIG_IGN);
  ASSERT_NE(NewPairBev(), nullptr);
  ClosePeer();
  ASSERT_EQ(bufferevent_write(bev_, "lost", 4), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  ASSERT_EQ(log_bev_.events, (std::vector<short>{BEV_EVENT_ERROR | BEV_EVENT_WRITING}));
  EXPECT_EQ(log_bev_.event_errno, EPIPE);
  EXPECT_EQ(bufferevent_get_enabled(bev_) & EV_WRITE, 0);
}

TEST_F(BufferEvent, UserCannotTakeFromOutputNorAddToInput) {
  EVC_RULE("bufferevent.h/bufferevent_get_output/frozen-ends",
           "observed libevent 2.1.12: a socket bufferevent freezes the start of output and the "
           "end of input; only the bufferevent drains output and fills input");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_write(bev_, "abc", 3), 0);
  EXPECT_EQ(evbuffer_drain(bufferevent_get_output(bev_), 1), -1);
  EXPECT_EQ(evbuffer_add(bufferevent_get_input(bev_), "x", 1), -1);
}

TEST_F(BufferEvent, ReadLowWatermarkHoldsTheCallbackUntilEnoughArrived) {
  EVC_RULE("bufferevent.h/bufferevent_setwatermark/read-low",
           "bufferevent.h: read low watermark: the read callback runs only once input holds at "
           "least that many bytes");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_setwatermark(bev_, EV_READ, 10, 0);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  PeerSend("12345");
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(log_bev_.reads, 0);
  EXPECT_EQ(evbuffer_get_length(bufferevent_get_input(bev_)), 5u);
  PeerSend("67890");
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(log_bev_.input_at_read, (std::vector<size_t>{10}));
}

TEST_F(BufferEvent, ReadHighWatermarkLimitsWhatInputHolds) {
  EVC_RULE("bufferevent.h/bufferevent_setwatermark/read-high",
           "bufferevent.h: read high watermark: the bufferevent stops reading once input holds "
           "that many bytes, and reads on when the callback drains it");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_setwatermark(bev_, EV_READ, 0, 8);
  size_t low = 1, high = 0;
  ASSERT_EQ(bufferevent_getwatermark(bev_, EV_READ, &low, &high), 0);
  EXPECT_EQ(low, 0u);
  EXPECT_EQ(high, 8u);
  std::string got;
  log_bev_.on_read = [this, &got](bufferevent* b) {
    got += Drain(bufferevent_get_input(b));
    if (got.size() == 20) event_base_loopbreak(base_);
  };
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  PeerSend(std::string(20, 'z'));
  EXPECT_EQ(event_base_dispatch(base_), 0);
  EXPECT_EQ(got, std::string(20, 'z'));
  for (size_t n : log_bev_.input_at_read) EXPECT_LE(n, 8u);
  EXPECT_GE(log_bev_.reads, 3);
}

TEST_F(BufferEvent, ReadCallbackIsRepeatedWhileInputStaysAtTheHighWatermark) {
  EVC_RULE("bufferevent.h/bufferevent_setwatermark/read-high-repeats-callback",
           "observed libevent 2.1.12 (bufferevent_inbuf_wm_check): while input stays at the "
           "high watermark after the read callback, the callback is called again");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_setwatermark(bev_, EV_READ, 0, 8);
  log_bev_.on_read = [this](bufferevent*) {
    if (log_bev_.reads == 3) event_base_loopbreak(base_);
  };
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  PeerSend(std::string(20, 'z'));
  EXPECT_EQ(event_base_dispatch(base_), 0);
  EXPECT_EQ(log_bev_.reads, 3);
  EXPECT_EQ(log_bev_.input_at_read, (std::vector<size_t>{8, 8, 8})) << "nothing more was read";
}

TEST_F(BufferEvent, WriteLowWatermarkCallsBackOnlyAtOrBelowIt) {
  EVC_RULE("bufferevent.h/bufferevent_setwatermark/write-low",
           "bufferevent.h: write low watermark: the write callback runs when output is at or "
           "below it");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_setwatermark(bev_, EV_WRITE, 1000, 0);
  const std::string big(1 << 20, 'w');
  ASSERT_EQ(bufferevent_write(bev_, big.data(), big.size()), 0);
  log_bev_.on_write = [](bufferevent* b) { bufferevent_disable(b, EV_WRITE); };
  size_t received = 0;
  for (int i = 0; i < 10000 && log_bev_.writes == 0; ++i) {
    EXPECT_GE(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
    received += PeerRecv().size();
  }
  ASSERT_EQ(log_bev_.writes, 1);
  EXPECT_LE(log_bev_.output_at_write[0], 1000u);
  received += PeerRecv().size();
  EXPECT_EQ(received + evbuffer_get_length(bufferevent_get_output(bev_)), big.size());
}

TEST_F(BufferEvent, SetcbAndGetcbRoundTrip) {
  EVC_RULE("bufferevent.h/bufferevent_getcb/round-trip",
           "bufferevent.h: bufferevent_getcb returns what bufferevent_setcb set");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_data_cb r = nullptr, w = nullptr;
  bufferevent_event_cb e = nullptr;
  void* arg = nullptr;
  bufferevent_getcb(bev_, &r, &w, &e, &arg);
  EXPECT_EQ(r, &BevLog::Read);
  EXPECT_EQ(w, &BevLog::Write);
  EXPECT_EQ(e, &BevLog::Event);
  EXPECT_EQ(arg, &log_bev_);
  bufferevent_setcb(bev_, nullptr, nullptr, nullptr, nullptr);
  bufferevent_getcb(bev_, &r, &w, &e, &arg);
  EXPECT_EQ(r, nullptr);
  EXPECT_EQ(e, nullptr);
}

TEST_F(BufferEvent, GetfdSetfdAndGetBase) {
  EVC_RULE("bufferevent.h/bufferevent_setfd/getfd-and-base",
           "bufferevent.h: bufferevent_getfd/_setfd get and replace the socket; "
           "bufferevent_get_base returns the base");
  bufferevent* b = bufferevent_socket_new(base_, -1, BEV_OPT_CLOSE_ON_FREE);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(bufferevent_getfd(b), -1);
  EXPECT_EQ(bufferevent_get_base(b), base_);
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  ASSERT_EQ(bufferevent_setfd(b, sv[0]), 0);
  EXPECT_EQ(bufferevent_getfd(b), sv[0]);
  BevLog log;
  bufferevent_setcb(b, BevLog::Read, nullptr, nullptr, &log);
  ASSERT_EQ(bufferevent_enable(b, EV_READ), 0);
  ASSERT_EQ(send(sv[1], "x", 1, 0), 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(log.reads, 1);
  bufferevent_free(b);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  close(sv[1]);
}

}  // namespace
}  // namespace evc
