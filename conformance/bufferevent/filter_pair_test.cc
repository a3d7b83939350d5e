// Filter bufferevents over one end of a bufferevent pair: data both ways,
// BEV_FINISHED reaching the partner, and free inside each callback.
#include "filter_fixture.h"

namespace evc {
namespace {

class BufferEventFilterPair : public FilterTest {
 protected:
  void TearDown() override {
    FreeFilter();
    if (partner_ != nullptr) bufferevent_free(partner_);
    partner_ = nullptr;
    FilterTest::TearDown();
  }

  // filter_ on pair end bev_ (owned by the filter with
  // BEV_OPT_CLOSE_ON_FREE); partner_ the other end, reading, with log_bev_.
  bufferevent* NewFilterOnPair(int options = BEV_OPT_CLOSE_ON_FREE) {
    bufferevent* pair[2] = {nullptr, nullptr};
    if (bufferevent_pair_new(base_, 0, pair) != 0) return nullptr;
    bev_ = pair[0];
    partner_ = pair[1];
    bufferevent_setcb(partner_, BevLog::Read, BevLog::Write, BevLog::Event, &log_bev_);
    bufferevent_enable(partner_, EV_READ);
    filter_ = bufferevent_filter_new(bev_, FilterCtx::In, FilterCtx::Out, options, FilterCtx::Free, &ctx_);
    if (filter_ == nullptr) return nullptr;
    owns_bev_ = (options & BEV_OPT_CLOSE_ON_FREE) != 0;
    bufferevent_setcb(filter_, BevLog::Read, BevLog::Write, BevLog::Event, &log_filter_);
    return filter_;
  }

  bufferevent* partner_ = nullptr;
};

TEST_F(BufferEventFilterPair, DataIsFilteredBothWays) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/over-pair",
           "bufferevent.h: a filter on one end of a bufferevent pair filters what it writes to "
           "the partner (output_filter) and what the partner writes to it (input_filter)");
  ASSERT_NE(NewFilterOnPair(), nullptr);
  ctx_.out.body = FilterLog::Upper();
  ctx_.in.body = FilterLog::Double();
  std::string got;
  log_bev_.on_read = [&](bufferevent* b) {
    got += Drain(bufferevent_get_input(b));
    if (got.size() >= 2) Stop();
  };
  ASSERT_EQ(bufferevent_write(filter_, "ab", 2), 0);
  if (got.size() < 2) Run();
  EXPECT_EQ(got, "AB");
  CollectUntil("xxyy");
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  ASSERT_EQ(bufferevent_write(partner_, "xy", 2), 0);
  if (read_.size() < 4) Run();
  EXPECT_EQ(read_, "xxyy");
}

TEST_F(BufferEventFilterPair, FinishedFlushIsAnEofForThePartner) {
  EVC_RULE("bufferevent.h/bufferevent_flush/filter-over-pair-finished",
           "libevent 2.1.12 (be_filter_flush, be_pair_flush): flushing a filter with BEV_FINISHED "
           "flushes its pair end, which delivers the data and BEV_EVENT_EOF|BEV_EVENT_READING to "
           "the partner");
  ASSERT_NE(NewFilterOnPair(), nullptr);
  log_bev_.on_event = [this](bufferevent*, short) { Stop(); };
  ASSERT_EQ(bufferevent_write(filter_, "end", 3), 0);
  EXPECT_EQ(bufferevent_flush(filter_, EV_WRITE, BEV_FINISHED), 0);  // the filter had nothing left
  if (log_bev_.events.empty()) Run();
  EXPECT_EQ(Drain(bufferevent_get_input(partner_)), "end");
  EXPECT_EQ(log_bev_.events, (std::vector<short>{BEV_EVENT_EOF | BEV_EVENT_READING}));
}

// Free inside a callback, with the filter's callbacks at once or deferred.
class BufferEventFilterPairFreeInside : public BufferEventFilterPair, public ::testing::WithParamInterface<int> {};
INSTANTIATE_TEST_SUITE_P(Options, BufferEventFilterPairFreeInside, ::testing::Values(0, BEV_OPT_DEFER_CALLBACKS),
                         [](const ::testing::TestParamInfo<int>& p) {
                           return std::string(p.param ? "Deferred" : "Immediate");
                         });

TEST_P(BufferEventFilterPairFreeInside, ReadCallback) {
  EVC_RULE("bufferevent.h/bufferevent_free/filter-over-pair-inside-read-cb",
           "bufferevent.h: bufferevent_free inside the read callback of a filter on a pair end is "
           "safe; no callback runs afterwards, and the filter's context is freed once");
  ASSERT_NE(NewFilterOnPair(BEV_OPT_CLOSE_ON_FREE | GetParam()), nullptr);
  log_filter_.on_read = [this](bufferevent*) { FreeFilter(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  ASSERT_EQ(bufferevent_write(partner_, "one", 3), 0);
  event_base_dispatch(base_);
  ASSERT_EQ(bufferevent_write(partner_, "two", 3), 0);  // nobody reads it now
  Settle();
  EXPECT_EQ(log_filter_.reads, 1);
  EXPECT_TRUE(log_filter_.events.empty());
  EXPECT_EQ(ctx_.freed, 1);
}

TEST_P(BufferEventFilterPairFreeInside, WriteCallback) {
  EVC_RULE("bufferevent.h/bufferevent_free/filter-over-pair-inside-write-cb",
           "bufferevent.h: bufferevent_free inside the write callback of a filter on a pair end is "
           "safe; what it wrote reaches the partner");
  ASSERT_NE(NewFilterOnPair(BEV_OPT_CLOSE_ON_FREE | GetParam()), nullptr);
  log_filter_.on_write = [this](bufferevent*) { FreeFilter(); };
  ASSERT_EQ(bufferevent_write(filter_, "bye", 3), 0);
  event_base_dispatch(base_);
  Settle();
  EXPECT_EQ(log_filter_.writes, 1);
  EXPECT_EQ(Drain(bufferevent_get_input(partner_)), "bye");
  EXPECT_EQ(ctx_.freed, 1);
}

TEST_P(BufferEventFilterPairFreeInside, EventCallback) {
  EVC_RULE("bufferevent.h/bufferevent_free/filter-over-pair-inside-event-cb",
           "bufferevent.h: bufferevent_free inside the event callback of a filter on a pair end "
           "(an EOF from the partner's BEV_FINISHED flush) is safe");
  ASSERT_NE(NewFilterOnPair(BEV_OPT_CLOSE_ON_FREE | GetParam()), nullptr);
  log_filter_.on_event = [this](bufferevent*, short) { FreeFilter(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  bufferevent_flush(partner_, EV_WRITE, BEV_FINISHED);
  event_base_dispatch(base_);
  Settle();
  EXPECT_EQ(log_filter_.events, (std::vector<short>{BEV_EVENT_EOF | BEV_EVENT_READING}));
  EXPECT_EQ(ctx_.freed, 1);
}

}  // namespace
}  // namespace evc
