// Filter bufferevents (bufferevent_filter_new) on a socket bufferevent:
// data through the filters both ways, the filters' arguments and results,
// the read low watermark, and writing. The other files: flush modes and
// dst_limit (filter_modes_test.cc), events, timeouts and stacking
// (filter_events_test.cc), freeing and bad input (filter_life_test.cc),
// filters over pairs (filter_pair_test.cc).
#include <type_traits>

#include "filter_fixture.h"

namespace evc {
namespace {

// The declarations as libevent 2.1 has them, checked at build time against
// each implementation's headers.
static_assert(BEV_OK == 0 && BEV_NEED_MORE == 1 && BEV_ERROR == 2, "enum bufferevent_filter_result");
static_assert(BEV_NORMAL == 0 && BEV_FLUSH == 1 && BEV_FINISHED == 2, "enum bufferevent_flush_mode");
static_assert(std::is_same<bufferevent_filter_cb,
                           bufferevent_filter_result (*)(evbuffer*, evbuffer*, ev_ssize_t, bufferevent_flush_mode,
                                                         void*)>::value,
              "bufferevent_filter_cb");
static_assert(std::is_same<decltype(&bufferevent_filter_new),
                           bufferevent* (*)(bufferevent*, bufferevent_filter_cb, bufferevent_filter_cb, int,
                                            void (*)(void*), void*)>::value,
              "bufferevent_filter_new");
static_assert(std::is_same<decltype(&bufferevent_get_underlying), bufferevent* (*)(bufferevent*)>::value,
              "bufferevent_get_underlying");
static_assert(std::is_same<decltype(&bufferevent_flush), int (*)(bufferevent*, short, bufferevent_flush_mode)>::value,
              "bufferevent_flush");

using BufferEventFilter = FilterTest;

// A filter call in BEV_NORMAL mode without a watermark: dst_limit -1.
void ExpectNormalCall(const FilterLog::Call& c, evbuffer* src, evbuffer* dst, void* ctx) {
  EXPECT_EQ(c.src, src);
  EXPECT_EQ(c.dst, dst);
  EXPECT_EQ(c.limit, -1);
  EXPECT_EQ(c.mode, BEV_NORMAL);
  EXPECT_EQ(c.ctx, ctx);
}

TEST_F(BufferEventFilter, InputFilterTransformsWhatTheUnderlyingReads) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/input-filter",
           "bufferevent.h: input_filter is 'the filter to apply to data we read from the underlying "
           "bufferevent'; what it adds to dst is the filter bufferevent's input");
  ASSERT_NE(NewFilter(), nullptr);
  ctx_.in.body = FilterLog::Upper();
  CollectUntil("HELLO");
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  PeerSend("hello");
  Run();
  EXPECT_EQ(read_, "HELLO");
}

TEST_F(BufferEventFilter, OutputFilterTransformsWhatTheUserWrites) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/output-filter",
           "bufferevent.h: output_filter is 'the filter to apply to data we write to the underlying "
           "bufferevent'; what it adds to dst is written by the underlying");
  ASSERT_NE(NewFilter(), nullptr);
  ctx_.out.body = FilterLog::Double();
  ASSERT_EQ(bufferevent_write(filter_, "ab", 2), 0);
  EXPECT_EQ(PeerReceive(4), "aabb");
}

TEST_F(BufferEventFilter, FramingFiltersWorkBothWays) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/both-filters",
           "bufferevent.h: with both filters, bytes written go through output_filter and bytes "
           "read through input_filter, independently");
  ASSERT_NE(NewFilter(), nullptr);
  ctx_.out.body = FilterLog::Frame();
  ctx_.in.body = FilterLog::Unframe();
  ASSERT_EQ(bufferevent_write(filter_, "hi", 2), 0);
  EXPECT_EQ(PeerReceive(3), std::string("\x02hi"));
  CollectUntil("abc");
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  PeerSend(std::string("\x03" "abc"));
  Run();
  EXPECT_EQ(read_, "abc");
}

TEST_F(BufferEventFilter, NullFiltersPassBytesThrough) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/null-filters",
           "libevent 2.1.12 (bufferevent_filter.c, be_null_filter): a NULL input or output filter "
           "passes bytes through unchanged");
  ASSERT_NE(NewFilter(BEV_OPT_CLOSE_ON_FREE, /*null_filters=*/true), nullptr);
  ASSERT_EQ(bufferevent_write(filter_, "ping", 4), 0);
  EXPECT_EQ(PeerReceive(4), "ping");
  CollectUntil("pong");
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  PeerSend("pong");
  Run();
  EXPECT_EQ(read_, "pong");
}

TEST_F(BufferEventFilter, InputFilterGetsTheBuffersTheContextAndNormalMode) {
  EVC_RULE("bufferevent.h/bufferevent_filter_cb/input-arguments",
           "bufferevent.h: the input filter drains src (the underlying's input) into dst (the "
           "filter's input), gets ctx, dst_limit -1 ('no limit') without a read high watermark, "
           "and BEV_NORMAL 'when processing data'");
  ASSERT_NE(NewFilter(), nullptr);
  ctx_.in.on_call = [this] { Stop(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  PeerSend("x");
  Run();
  ASSERT_FALSE(ctx_.in.calls.empty());
  ExpectNormalCall(ctx_.in.calls[0], bufferevent_get_input(bev_), bufferevent_get_input(filter_), &ctx_);
}

TEST_F(BufferEventFilter, OutputFilterGetsTheBuffersTheContextAndNormalMode) {
  EVC_RULE("bufferevent.h/bufferevent_filter_cb/output-arguments",
           "bufferevent.h: the output filter drains src (the filter's output) into dst (the "
           "underlying's output), gets ctx, dst_limit -1 without a write high watermark on the "
           "underlying, and BEV_NORMAL");
  ASSERT_NE(NewFilter(), nullptr);
  ASSERT_EQ(bufferevent_write(filter_, "x", 1), 0);
  EXPECT_EQ(PeerReceive(1), "x");
  ASSERT_FALSE(ctx_.out.calls.empty());
  ExpectNormalCall(ctx_.out.calls[0], bufferevent_get_output(filter_), bufferevent_get_output(bev_), &ctx_);
}

TEST_F(BufferEventFilter, NeedMoreWaitsUntilTheRestArrives) {
  EVC_RULE("bufferevent.h/bufferevent_filter_result/need-more",
           "bufferevent.h: BEV_NEED_MORE: 'the filter needs to read more data before output'; no "
           "read callback until it produces, and the bytes it left are offered again with more");
  ASSERT_NE(NewFilter(), nullptr);
  ctx_.in.body = FilterLog::Unframe();
  ctx_.in.on_call = [this] { Stop(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  PeerSend(std::string("\x05" "ab"));
  Run();
  EXPECT_EQ(log_filter_.reads, 0);
  ctx_.in.on_call = nullptr;
  CollectUntil("abcde");
  PeerSend("cde");
  Run();
  EXPECT_EQ(read_, "abcde");
}

TEST_F(BufferEventFilter, ReadLowWatermarkWaitsForEnoughFilteredBytes) {
  EVC_RULE("bufferevent.h/bufferevent_setwatermark/filter-read-low",
           "bufferevent.h: a filter's read callback waits until its input (what the input filter "
           "produced) holds the read low watermark");
  ASSERT_NE(NewFilter(), nullptr);
  bufferevent_setwatermark(filter_, EV_READ, 4, 0);
  ctx_.in.on_call = [this] { Stop(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  PeerSend("ab");
  Run();
  EXPECT_EQ(log_filter_.reads, 0);
  ctx_.in.on_call = nullptr;
  CollectUntil("abcd");
  PeerSend("cd");
  Run();
  EXPECT_EQ(read_, "abcd");
  EXPECT_EQ(log_filter_.input_at_read, (std::vector<size_t>{4}));
}

TEST_F(BufferEventFilter, WriteCallbackRunsOnceTheOutputIsPassedOn) {
  EVC_RULE("bufferevent.h/bufferevent_setcb/filter-write-cb",
           "bufferevent.h: a filter's write callback runs when its output is at or below the write "
           "low watermark (0): after the output filter has taken the bytes");
  ASSERT_NE(NewFilter(), nullptr);
  ASSERT_EQ(bufferevent_write(filter_, "abc", 3), 0);
  EXPECT_EQ(PeerReceive(3), "abc");
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_GE(log_filter_.writes, 1);
  for (size_t len : log_filter_.output_at_write) EXPECT_EQ(len, 0u);
}

TEST_F(BufferEventFilter, DisabledWritingKeepsBytesInTheFiltersOutput) {
  EVC_RULE("bufferevent.h/bufferevent_disable/filter-write",
           "bufferevent.h: with EV_WRITE disabled nothing goes through the output filter; once "
           "enabled, the bytes go out with the next write");
  ASSERT_NE(NewFilter(), nullptr);
  ASSERT_EQ(bufferevent_disable(filter_, EV_WRITE), 0);
  ASSERT_EQ(bufferevent_write(filter_, "abc", 3), 0);
  Settle();
  EXPECT_TRUE(ctx_.out.calls.empty());
  EXPECT_EQ(evbuffer_get_length(bufferevent_get_output(filter_)), 3u);
  ASSERT_EQ(bufferevent_enable(filter_, EV_WRITE), 0);
  ASSERT_EQ(bufferevent_write(filter_, "def", 3), 0);
  EXPECT_EQ(PeerReceive(6), "abcdef");
}

// BEV_ERROR: libevent 2.1.12 ignores it ("XXXX use return value"); an
// event callback, if any, must say the error and the direction.
bool OnlyErrorEvents(const std::vector<short>& events, short direction) {
  for (short what : events)
    if (what != (BEV_EVENT_ERROR | direction)) return false;
  return true;
}

TEST_F(BufferEventFilter, InputFilterErrorDeliversNothing) {
  EVC_RULE("bufferevent.h/bufferevent_filter_result/input-error",
           "bufferevent.h: BEV_ERROR: 'the filter encountered a critical error, no further data "
           "can be processed': no read callback; an event, if reported, is BEV_EVENT_ERROR|"
           "BEV_EVENT_READING (libevent 2.1.12 reports none)");
  ASSERT_NE(NewFilter(), nullptr);
  ctx_.in.body = [](evbuffer*, evbuffer*, ev_ssize_t, bufferevent_flush_mode) { return BEV_ERROR; };
  ctx_.in.on_call = [this] { Stop(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  PeerSend("bad");
  Run();
  event_base_loop(base_, EVLOOP_NONBLOCK);  // deferred callbacks, if any
  EXPECT_FALSE(ctx_.in.calls.empty());
  EXPECT_EQ(log_filter_.reads, 0);
  EXPECT_TRUE(OnlyErrorEvents(log_filter_.events, BEV_EVENT_READING));
}

TEST_F(BufferEventFilter, OutputFilterErrorWritesNothing) {
  EVC_RULE("bufferevent.h/bufferevent_filter_result/output-error",
           "bufferevent.h: BEV_ERROR from the output filter: nothing reaches the underlying, no "
           "write callback; an event, if reported, is BEV_EVENT_ERROR|BEV_EVENT_WRITING "
           "(libevent 2.1.12 reports none)");
  ASSERT_NE(NewFilter(), nullptr);
  ctx_.out.body = [](evbuffer*, evbuffer*, ev_ssize_t, bufferevent_flush_mode) { return BEV_ERROR; };
  ASSERT_EQ(bufferevent_write(filter_, "bad", 3), 0);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_FALSE(ctx_.out.calls.empty());
  EXPECT_EQ(PeerRecv(), "");
  EXPECT_EQ(log_filter_.writes, 0);
  EXPECT_TRUE(OnlyErrorEvents(log_filter_.events, BEV_EVENT_WRITING));
}

}  // namespace
}  // namespace evc
