// Rate limits on pairs and filters. bufferevent.h: "only some bufferevent
// types currently respect rate-limiting. They are: socket-based
// bufferevents ... and SSL-based bufferevents". Observed on libevent
// 2.1.12 (bufferevent_pair.c and bufferevent_filter.c never consult nor
// charge the buckets): a pair or filter takes a limit, reports it, and
// moves bytes regardless; but a bucket put below zero suspends reading,
// which stops a pair's transfers and a filter's underlying reads.
#include <event2/bufferevent.h>

#include "ratelim_fixture.h"

namespace evc {
namespace {

class BufferEventRateLimitKinds : public RateLimitTest {
 protected:
  void SetUp() override {
    RateLimitTest::SetUp();
    ASSERT_EQ(bufferevent_pair_new(base_, 0, pair_), 0);
    bufferevent_setcb(pair_[1], BevLog::Read, nullptr, nullptr, &log_bev_);
    bufferevent_enable(pair_[1], EV_READ);
    CountReads();
  }
  void TearDown() override {
    for (bufferevent* b : pair_)
      if (b) bufferevent_free(b);
    RateLimitTest::TearDown();
  }
  bufferevent* pair_[2] = {nullptr, nullptr};
};

TEST_F(BufferEventRateLimitKinds, APairTakesALimitButMovesRegardless) {
  EVC_RULE("bufferevent.h/bufferevent_set_rate_limit/pair-not-honoured",
           "bufferevent.h: pairs are not among the kinds that respect rate limits; observed "
           "libevent 2.1.12: set_rate_limit returns 0, the limits read back, and 1000 bytes "
           "cross a 10-per-second pair at once, the buckets unchanged");
  ev_token_bucket_cfg* cfg = Cfg(10, 10, 10, 10, 1000);
  ASSERT_EQ(bufferevent_set_rate_limit(pair_[0], cfg), 0);
  ASSERT_EQ(bufferevent_set_rate_limit(pair_[1], cfg), 0);
  EXPECT_EQ(bufferevent_get_read_limit(pair_[1]), 10);
  ASSERT_EQ(bufferevent_write(pair_[0], std::string(1000, 'p').data(), 1000), 0);
  RunFor(100);
  EXPECT_EQ(read_, 1000u);
  EXPECT_EQ(bufferevent_get_read_limit(pair_[1]), 10);
  EXPECT_EQ(bufferevent_get_write_limit(pair_[0]), 10);
}

TEST_F(BufferEventRateLimitKinds, APairWithANegativeReadBucketReceivesNothing) {
  EVC_RULE("bufferevent.h/bufferevent_decrement_read_limit/pair-suspends",
           "bufferevent.h: a bucket put below zero suspends reading; observed libevent 2.1.12: on "
           "a pair nothing crosses to it while it is negative, and all does once it is refilled");
  ASSERT_EQ(bufferevent_set_rate_limit(pair_[1], Cfg(10, 10, 10, 10, 1000)), 0);
  ASSERT_EQ(bufferevent_decrement_read_limit(pair_[1], 100000), 0);
  ASSERT_EQ(bufferevent_write(pair_[0], "abc", 3), 0);
  RunFor(50);
  EXPECT_EQ(read_, 0u);
  ASSERT_EQ(bufferevent_decrement_read_limit(pair_[1], -200000), 0);
  CountReads(3);
  RunFor(1000);
  EXPECT_EQ(read_, 3u);
}

TEST_F(BufferEventRateLimitKinds, AFilterOverARateLimitedSocketMovesAtTheSocketsRate) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/rate-limited-underlying",
           "bufferevent.h: a filter reads through its underlying bufferevent, so a limit on that "
           "socket bounds the filter's input too (burst + rate per tick boundary)");
  ASSERT_NE(NewPairBev(), nullptr);
  const double t0 = Now();
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, Cfg(1000, 1000, 1000, 1000, 50)), 0);
  bufferevent* filter = bufferevent_filter_new(bev_, nullptr, nullptr, 0, nullptr, nullptr);
  ASSERT_NE(filter, nullptr);
  bufferevent_setcb(filter, BevLog::Read, nullptr, nullptr, &log_bev_);
  bufferevent_enable(filter, EV_READ);
  PeerFill(64 * 1024);
  RunFor(300);
  const double t = Now() - t0;
  bufferevent_free(filter);
  EXPECT_GT(read_, 0u);
  EXPECT_LE(read_, Bound(1000, 1000, 50, t)) << "in " << t << " s";
}

}  // namespace
}  // namespace evc
