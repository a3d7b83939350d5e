// Filter bufferevents: events forwarded from the underlying, the filter's
// own timeouts, the underlying itself, and a filter stacked on a filter.
#include <csignal>

#include "filter_fixture.h"

namespace evc {
namespace {

using BufferEventFilterEvents = FilterTest;

TEST_F(BufferEventFilterEvents, EofOfTheUnderlyingIsForwarded) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/forwards-eof",
           "libevent 2.1.12 (be_filter_eventcb): an EOF on the underlying reaches the filter's "
           "event callback as BEV_EVENT_EOF|BEV_EVENT_READING");
  ASSERT_NE(NewFilter(), nullptr);
  log_filter_.on_event = [this](bufferevent*, short) { Stop(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  ClosePeer();
  Run();
  EXPECT_EQ(log_filter_.events, (std::vector<short>{BEV_EVENT_EOF | BEV_EVENT_READING}));
}

TEST_F(BufferEventFilterEvents, WriteErrorOfTheUnderlyingIsForwarded) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/forwards-error",
           "libevent 2.1.12 (be_filter_eventcb): a write error on the underlying reaches the "
           "filter's event callback as BEV_EVENT_ERROR|BEV_EVENT_WRITING");
  signal(SIGPIPE, SIG_IGN);
  ASSERT_NE(NewFilter(), nullptr);
  log_filter_.on_event = [this](bufferevent*, short) { Stop(); };
  ClosePeer();
  ASSERT_EQ(bufferevent_write(filter_, "x", 1), 0);
  Run();
  EXPECT_EQ(log_filter_.events, (std::vector<short>{BEV_EVENT_ERROR | BEV_EVENT_WRITING}));
}

TEST_F(BufferEventFilterEvents, TimeoutOfTheUnderlyingIsForwarded) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/forwards-timeout",
           "libevent 2.1.12 (be_filter_eventcb): a read timeout of the underlying reaches the "
           "filter's event callback as BEV_EVENT_TIMEOUT|BEV_EVENT_READING");
  ASSERT_NE(NewFilter(), nullptr);
  const timeval tv = {0, 20000};
  ASSERT_EQ(bufferevent_set_timeouts(bev_, &tv, nullptr), 0);
  log_filter_.on_event = [this](bufferevent*, short) { Stop(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  Run();
  EXPECT_EQ(log_filter_.events, (std::vector<short>{BEV_EVENT_TIMEOUT | BEV_EVENT_READING}));
}

TEST_F(BufferEventFilterEvents, ReadTimeoutOfTheFilterDisablesItsReading) {
  EVC_RULE("bufferevent.h/bufferevent_set_timeouts/filter-read",
           "bufferevent.h: a filter's own read timeout is reported as BEV_EVENT_TIMEOUT|"
           "BEV_EVENT_READING when nothing comes through for that long, and 'the corresponding "
           "operation becomes disabled'");
  ASSERT_NE(NewFilter(), nullptr);
  const timeval tv = {0, 20000};
  ASSERT_EQ(bufferevent_set_timeouts(filter_, &tv, nullptr), 0);
  log_filter_.on_event = [this](bufferevent*, short) { Stop(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  Run();
  EXPECT_EQ(log_filter_.events, (std::vector<short>{BEV_EVENT_TIMEOUT | BEV_EVENT_READING}));
  EXPECT_EQ(bufferevent_get_enabled(filter_) & EV_READ, 0);
}

TEST_F(BufferEventFilterEvents, ReadTimeoutSetWhileReadingApplies) {
  EVC_RULE("bufferevent.h/bufferevent_set_timeouts/filter-read-while-enabled",
           "bufferevent.h: a read timeout set on a filter that is already reading applies to it: "
           "BEV_EVENT_TIMEOUT|BEV_EVENT_READING when nothing comes through");
  ASSERT_NE(NewFilter(), nullptr);
  log_filter_.on_event = [this](bufferevent*, short) { Stop(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  const timeval tv = {0, 20000};
  ASSERT_EQ(bufferevent_set_timeouts(filter_, &tv, nullptr), 0);
  Run();
  EXPECT_EQ(log_filter_.events, (std::vector<short>{BEV_EVENT_TIMEOUT | BEV_EVENT_READING}));
}

TEST_F(BufferEventFilterEvents, WriteTimeoutOfTheFilterDisablesItsWriting) {
  EVC_RULE("bufferevent.h/bufferevent_set_timeouts/filter-write",
           "bufferevent.h: a filter's own write timeout is reported as BEV_EVENT_TIMEOUT|"
           "BEV_EVENT_WRITING when it is writing and its output filter passes nothing for that "
           "long; writing becomes disabled");
  ASSERT_NE(NewFilter(), nullptr);
  ctx_.out.body = [](evbuffer*, evbuffer*, ev_ssize_t, bufferevent_flush_mode) { return BEV_NEED_MORE; };
  const timeval tv = {0, 20000};
  ASSERT_EQ(bufferevent_set_timeouts(filter_, nullptr, &tv), 0);
  log_filter_.on_event = [this](bufferevent*, short) { Stop(); };
  ASSERT_EQ(bufferevent_write(filter_, "x", 1), 0);
  ASSERT_EQ(bufferevent_enable(filter_, EV_WRITE), 0);
  Run();
  EXPECT_EQ(log_filter_.events, (std::vector<short>{BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING}));
  EXPECT_EQ(bufferevent_get_enabled(filter_) & EV_WRITE, 0);
}

using BufferEventFilterUnderlying = FilterTest;

TEST_F(BufferEventFilterUnderlying, GetUnderlyingReturnsIt) {
  EVC_RULE("bufferevent.h/bufferevent_get_underlying/filter",
           "bufferevent.h: bufferevent_get_underlying returns 'the underlying bufferevent "
           "associated with a bufferevent (if the bufferevent is a wrapper), or NULL'");
  ASSERT_NE(NewFilter(), nullptr);
  EXPECT_EQ(bufferevent_get_underlying(filter_), bev_);
  EXPECT_EQ(bufferevent_get_underlying(bev_), nullptr);
  EXPECT_EQ(bufferevent_get_base(filter_), base_);
}

TEST_F(BufferEventFilterUnderlying, NewFilterStartsWithWritingEnabled) {
  EVC_RULE("bufferevent.h/bufferevent_get_enabled/filter-new",
           "libevent 2.1.12 (bufferevent_init_common_): a new filter bufferevent, like every new "
           "bufferevent, has EV_WRITE enabled and EV_READ not");
  ASSERT_NE(NewFilter(), nullptr);
  EXPECT_EQ(bufferevent_get_enabled(filter_), EV_WRITE);
}

TEST_F(BufferEventFilterUnderlying, GetfdIsTheUnderlyingsSocket) {
  EVC_RULE("bufferevent.h/bufferevent_getfd/filter",
           "libevent 2.1.12 (be_filter_ctrl, BEV_CTRL_GET_FD): a filter's file descriptor is its "
           "underlying's");
  ASSERT_NE(NewFilter(), nullptr);
  EXPECT_GE(bufferevent_getfd(bev_), 0);
  EXPECT_EQ(bufferevent_getfd(filter_), bufferevent_getfd(bev_));
}

// Halves doubled bytes: "aabb" -> "ab" (BEV_NEED_MORE for less than a pair).
bufferevent_filter_result Halve(evbuffer* src, evbuffer* dst, ev_ssize_t, bufferevent_flush_mode) {
  std::string in(evbuffer_get_length(src) / 2 * 2, '\0');
  if (in.empty()) return BEV_NEED_MORE;
  evbuffer_remove(src, &in[0], in.size());
  for (size_t i = 0; i < in.size(); i += 2) evbuffer_add(dst, &in[i], 1);
  return BEV_OK;
}

TEST_F(BufferEventFilterUnderlying, StackedFiltersComposeInOrder) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/stacked",
           "bufferevent.h: a filter's underlying may itself be a filter: written bytes go through "
           "the outer output filter, then the inner one; read bytes the other way round");
  ASSERT_NE(NewFilter(), nullptr);  // inner: framing
  ctx_.out.body = FilterLog::Frame();
  ctx_.in.body = FilterLog::Unframe();
  outer_ctx_.out.body = FilterLog::Double();  // outer: doubling out, halving in
  outer_ctx_.in.body = Halve;
  bufferevent* outer = bufferevent_filter_new(filter_, FilterCtx::In, FilterCtx::Out, BEV_OPT_CLOSE_ON_FREE,
                                              FilterCtx::Free, &outer_ctx_);
  ASSERT_NE(outer, nullptr);
  filter_ = outer;  // it owns the inner filter, which owns bev_
  bufferevent_setcb(outer, BevLog::Read, BevLog::Write, BevLog::Event, &log_filter_);
  ASSERT_EQ(bufferevent_write(outer, "ab", 2), 0);
  EXPECT_EQ(PeerReceive(5), std::string("\x04" "aabb"));
  CollectUntil("cd");
  ASSERT_EQ(bufferevent_enable(outer, EV_READ), 0);
  PeerSend(std::string("\x04" "ccdd"));
  Run();
  EXPECT_EQ(read_, "cd");
  FreeFilter();
  Settle();
  EXPECT_EQ(outer_ctx_.freed, 1);
  EXPECT_EQ(ctx_.freed, 1);
}

}  // namespace
}  // namespace evc
