// Filter bufferevents: bufferevent_flush and its modes, watermarks as the
// filters' dst_limit, and enabling reading.
#include "filter_fixture.h"

namespace evc {
namespace {

using BufferEventFilterFlush = FilterTest;
class BufferEventFilterFlushMode : public FilterTest,
                                   public ::testing::WithParamInterface<bufferevent_flush_mode> {};
INSTANTIATE_TEST_SUITE_P(Modes, BufferEventFilterFlushMode, ::testing::Values(BEV_FLUSH, BEV_FINISHED),
                         [](const ::testing::TestParamInfo<bufferevent_flush_mode>& p) {
                           return std::string(p.param == BEV_FLUSH ? "Flush" : "Finished");
                         });

// Holds bytes back in BEV_NORMAL mode; passes them when flushed.
bufferevent_filter_result HoldUntilFlushed(evbuffer* src, evbuffer* dst, ev_ssize_t limit,
                                           bufferevent_flush_mode mode) {
  return mode == BEV_NORMAL ? BEV_NEED_MORE : FilterLog::Pass(src, dst, limit, mode);
}

TEST_P(BufferEventFilterFlushMode, FlushWriteRunsTheOutputFilterInThatMode) {
  EVC_RULE("bufferevent.h/bufferevent_flush/filter-write-mode",
           "bufferevent.h: bufferevent_flush 'triggers the bufferevent to produce more data', "
           "passing its mode (BEV_FLUSH, BEV_FINISHED) to the output filter; 1 when data was "
           "produced");
  ASSERT_NE(NewFilter(), nullptr);
  ctx_.out.body = HoldUntilFlushed;
  ASSERT_EQ(bufferevent_write(filter_, "abc", 3), 0);
  ASSERT_FALSE(ctx_.out.calls.empty());
  EXPECT_EQ(ctx_.out.calls.back().mode, BEV_NORMAL);
  EXPECT_EQ(bufferevent_flush(filter_, EV_WRITE, GetParam()), 1);
  EXPECT_EQ(ctx_.out.calls.back().mode, GetParam());
  EXPECT_EQ(PeerReceive(3), "abc");
}

TEST_P(BufferEventFilterFlushMode, FlushReadRunsTheInputFilterInThatMode) {
  EVC_RULE("bufferevent.h/bufferevent_flush/filter-read-mode",
           "bufferevent.h: bufferevent_flush(EV_READ) passes its mode to the input filter, which "
           "then moves what it held back into the filter's input; 1 when data was produced");
  ASSERT_NE(NewFilter(), nullptr);
  ctx_.in.body = HoldUntilFlushed;
  ctx_.in.on_call = [this] { Stop(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  PeerSend("abc");
  Run();
  ctx_.in.on_call = nullptr;
  ASSERT_EQ(ctx_.in.calls.size(), 1u);
  EXPECT_EQ(bufferevent_flush(filter_, EV_READ, GetParam()), 1);
  EXPECT_EQ(ctx_.in.calls.back().mode, GetParam());
  EXPECT_EQ(evbuffer_get_length(bufferevent_get_input(filter_)), 3u);
}

TEST_P(BufferEventFilterFlushMode, FlushWithNothingProducedReturnsZero) {
  EVC_RULE("bufferevent.h/bufferevent_flush/nothing-produced",
           "bufferevent.h: bufferevent_flush returns '0 if no data was produced' (the filters "
           "answer BEV_NEED_MORE)");
  ASSERT_NE(NewFilter(), nullptr);
  EXPECT_EQ(bufferevent_flush(filter_, EV_READ | EV_WRITE, GetParam()), 0);
  EXPECT_EQ(bufferevent_flush(filter_, EV_WRITE, GetParam()), 0);
}

TEST_P(BufferEventFilterFlushMode, SocketUnderneathIsNotShutDown) {
  EVC_RULE("bufferevent.h/bufferevent_flush/socket-not-shut-down",
           "libevent 2.1.12 (be_socket_flush): flushing a filter flushes its socket underlying, "
           "which does nothing: even BEV_FINISHED leaves the socket open both ways");
  ASSERT_NE(NewFilter(), nullptr);
  ASSERT_EQ(bufferevent_write(filter_, "end", 3), 0);
  EXPECT_GE(bufferevent_flush(filter_, EV_READ | EV_WRITE, GetParam()), 0);
  EXPECT_EQ(PeerReceive(3), "end");
  char c;
  EXPECT_EQ(recv(peer_, &c, 1, MSG_DONTWAIT), -1);  // no EOF
  CollectUntil("more");
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  PeerSend("more");
  Run();
  EXPECT_EQ(read_, "more");
  EXPECT_TRUE(log_filter_.events.empty());
}

TEST_P(BufferEventFilterFlushMode, FlushThroughAFailingFilterClaimsNoData) {
  EVC_RULE("bufferevent.h/bufferevent_flush/filter-error",
           "bufferevent.h: bufferevent_flush returns -1 on failure, 0 if no data was produced: a "
           "filter answering BEV_ERROR produces nothing, so not 1 (libevent 2.1.12 returns 0)");
  ASSERT_NE(NewFilter(), nullptr);
  ctx_.out.body = [](evbuffer*, evbuffer*, ev_ssize_t, bufferevent_flush_mode) { return BEV_ERROR; };
  ASSERT_EQ(bufferevent_write(filter_, "abc", 3), 0);
  const int r = bufferevent_flush(filter_, EV_WRITE, GetParam());
  EXPECT_TRUE(r == 0 || r == -1) << r;
  ASSERT_FALSE(ctx_.out.calls.empty());
  EXPECT_EQ(ctx_.out.calls.back().mode, GetParam());
  EXPECT_EQ(evbuffer_get_length(bufferevent_get_output(filter_)), 3u);
}

TEST_F(BufferEventFilterFlush, SocketBuffereventFlushProducesNothing) {
  EVC_RULE("bufferevent.h/bufferevent_flush/socket-returns-zero",
           "bufferevent.h: bufferevent_flush returns 0 'if no data was produced': a socket "
           "bufferevent has nothing to produce (libevent 2.1.12's be_socket_flush)");
  ASSERT_NE(NewPairBev(), nullptr);
  for (bufferevent_flush_mode mode : {BEV_NORMAL, BEV_FLUSH, BEV_FINISHED})
    EXPECT_EQ(bufferevent_flush(bev_, EV_READ | EV_WRITE, mode), 0) << mode;
}

TEST_F(BufferEventFilterFlush, NullFiltersWithNothingToPassProduceNothing) {
  EVC_RULE("bufferevent.h/bufferevent_flush/null-filters-nothing-produced",
           "bufferevent.h: bufferevent_flush returns '0 if no data was produced': a filter with "
           "NULL (pass-through) filters and empty buffers produces nothing");
  ASSERT_NE(NewFilter(BEV_OPT_CLOSE_ON_FREE, /*null_filters=*/true), nullptr);
  for (bufferevent_flush_mode mode : {BEV_FLUSH, BEV_FINISHED}) {
    EXPECT_EQ(bufferevent_flush(filter_, EV_WRITE, mode), 0) << mode;
    EXPECT_EQ(bufferevent_flush(filter_, EV_READ, mode), 0) << mode;
  }
  EXPECT_EQ(evbuffer_get_length(bufferevent_get_input(filter_)), 0u);
}

using BufferEventFilterRead = FilterTest;

TEST_F(BufferEventFilterRead, HighWatermarkIsTheFiltersDstLimit) {
  EVC_RULE("bufferevent.h/bufferevent_filter_cb/dst-limit-high-watermark",
           "bufferevent.h: dst_limit is 'a suggested upper bound of bytes to write to dst', the "
           "room under dst's high-water mark; the rest flows once the input is drained");
  ASSERT_NE(NewFilter(), nullptr);
  bufferevent_setwatermark(filter_, EV_READ, 0, 4);
  log_filter_.on_read = [this](bufferevent*) { Stop(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  PeerSend("abcdefgh");
  Run();
  ASSERT_FALSE(ctx_.in.calls.empty());
  EXPECT_EQ(ctx_.in.calls[0].limit, 4);
  ASSERT_EQ(log_filter_.input_at_read.size(), 1u);
  EXPECT_EQ(log_filter_.input_at_read[0], 4u);
  CollectUntil("efgh");
  EXPECT_EQ(Drain(bufferevent_get_input(filter_)), "abcd");
  if (read_.size() < 4) Run();
  EXPECT_EQ(read_, "efgh");
}

TEST_F(BufferEventFilterRead, DrainingInsideTheReadCallbackLetsTheRestFlow) {
  EVC_RULE("bufferevent.h/bufferevent_setwatermark/filter-read-high-resumes",
           "bufferevent.h: reading stops only while the input is beyond the high watermark: a "
           "read callback that drains the filter's input gets the bytes held back, with no more "
           "arriving from the network");
  ASSERT_NE(NewFilter(), nullptr);
  bufferevent_setwatermark(filter_, EV_READ, 0, 4);
  CollectUntil("abcdefgh");
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  PeerSend("abcdefgh");
  Run(1);
  EXPECT_EQ(read_, "abcdefgh");
  for (size_t len : log_filter_.input_at_read) EXPECT_LE(len, 4u);
}

TEST_F(BufferEventFilterRead, DisabledReadingLeavesBytesUnfiltered) {
  EVC_RULE("bufferevent.h/bufferevent_disable/filter-read",
           "bufferevent.h: a filter bufferevent starts with EV_READ disabled, and while it is "
           "disabled nothing is read through the input filter; enabling it lets the bytes flow");
  ASSERT_NE(NewFilter(), nullptr);
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  ASSERT_EQ(bufferevent_disable(filter_, EV_READ), 0);
  PeerSend("abc");
  timeval window = {0, 50000};
  event_base_loopexit(base_, &window);
  event_base_dispatch(base_);
  EXPECT_TRUE(ctx_.in.calls.empty());
  EXPECT_EQ(log_filter_.reads, 0);
  CollectUntil("abc");
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  Run();
  EXPECT_EQ(read_, "abc");
}

TEST_F(BufferEventFilterRead, FilterMayOverflowTheHighWatermark) {
  EVC_RULE("bufferevent.h/bufferevent_filter_cb/dst-limit-is-a-suggestion",
           "bufferevent.h: 'the filter may ignore this value, but doing so means that it will "
           "overflow the high-water mark associated with dst': all it adds is delivered");
  ASSERT_NE(NewFilter(), nullptr);
  ctx_.in.body = FilterLog::Double();  // ignores dst_limit
  bufferevent_setwatermark(filter_, EV_READ, 0, 4);
  CollectUntil("aabbccdd");
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  PeerSend("abcd");
  Run();
  ASSERT_FALSE(ctx_.in.calls.empty());
  EXPECT_EQ(ctx_.in.calls[0].limit, 4);
  ASSERT_FALSE(log_filter_.input_at_read.empty());
  EXPECT_EQ(log_filter_.input_at_read[0], 8u);
  EXPECT_EQ(read_, "aabbccdd");
}

TEST_F(BufferEventFilterFlush, UnderlyingWriteHighWatermarkIsTheOutputDstLimit) {
  EVC_RULE("bufferevent.h/bufferevent_filter_cb/output-dst-limit",
           "bufferevent.h: the output filter's dst_limit is the room under the underlying's write "
           "high-water mark; the rest follows as the underlying drains");
  ASSERT_NE(NewFilter(), nullptr);
  bufferevent_setwatermark(bev_, EV_WRITE, 0, 4);
  ASSERT_EQ(bufferevent_write(filter_, "abcdefgh", 8), 0);
  ASSERT_FALSE(ctx_.out.calls.empty());
  EXPECT_EQ(ctx_.out.calls[0].limit, 4);
  EXPECT_EQ(PeerReceive(8), "abcdefgh");
  EXPECT_GE(ctx_.out.calls.size(), 2u);
}

}  // namespace
}  // namespace evc
