// Rate limits on socket bufferevents (bufferevent.h, "rate-limiting"):
// token-bucket configs, a bufferevent's own buckets, single-read / -write
// sizes, and what a limit does to a transfer. Groups: ratelim_group_test.cc.
#include "ratelim_fixture.h"

namespace evc {
namespace {

class BufferEventRateLimitCfg : public RateLimitTest {};
class BufferEventRateLimit : public RateLimitTest {};

TEST_F(BufferEventRateLimitCfg, ZeroRatesAndBurstsBelowTheRateAreRefused) {
  EVC_RULE("bufferevent.h/ev_token_bucket_cfg_new/bad-rates",
           "observed libevent 2.1.12: a zero rate, or a burst (the most per tick) below the "
           "average rate, gives NULL");
  EXPECT_EQ(Cfg(0, 10, 10, 10, 100), nullptr);
  EXPECT_EQ(Cfg(10, 10, 0, 10, 100), nullptr);
  EXPECT_EQ(Cfg(10, 9, 10, 10, 100), nullptr);
  EXPECT_EQ(Cfg(10, 10, 10, 9, 100), nullptr);
  EXPECT_NE(Cfg(1, 1, 1, 1, 100), nullptr);
  EXPECT_NE(Cfg(10, 20, 30, 40, 100), nullptr);
}

TEST_F(BufferEventRateLimitCfg, ValuesAboveEvRateLimitMaxAreRefused) {
  EVC_RULE("bufferevent.h/ev_token_bucket_cfg_new/rate-limit-max",
           "bufferevent.h: EV_RATE_LIMIT_MAX is the 'maximum configurable rate- or burst-limit': "
           "it is accepted, anything above (a negative value cast to size_t included) gives NULL");
  const size_t max = EV_RATE_LIMIT_MAX;
  EXPECT_EQ(max, static_cast<size_t>(EV_SSIZE_MAX));
  EXPECT_NE(Cfg(max, max, max, max, 100), nullptr);
  EXPECT_EQ(Cfg(1, max + 1, 1, 1, 100), nullptr);
  EXPECT_EQ(Cfg(1, 1, 1, max + 1, 100), nullptr);
  EXPECT_EQ(Cfg(static_cast<size_t>(-1), static_cast<size_t>(-1), 1, 1, 100), nullptr);
  ev_token_bucket_cfg_free(nullptr);  // like free(NULL)
}

TEST_F(BufferEventRateLimitCfg, HugeRatesNeverWrapTheBucket) {
  EVC_RULE("bufferevent.h/ev_token_bucket_cfg_new/huge-refill",
           "bufferevent.h: a bucket holds at most the burst; with EV_RATE_LIMIT_MAX rates and 1 ms "
           "ticks refills saturate there (no overflow to a negative limit; cf. libevent's later "
           "overflow fixes found by OSS-Fuzz)");
  const size_t max = EV_RATE_LIMIT_MAX;
  ASSERT_NE(NewPairBev(), nullptr);
  ev_token_bucket_cfg* cfg = Cfg(max, max, max, max, 1);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, cfg), 0);
  CountReads();
  bufferevent_enable(bev_, EV_READ);
  PeerFill(1000);
  RunFor(30);
  EXPECT_EQ(read_, 1000u);
  EXPECT_GE(bufferevent_get_read_limit(bev_), 0);
  EXPECT_GE(bufferevent_get_write_limit(bev_), 0);
}

TEST_F(BufferEventRateLimitCfg, NullTickMeansOneSecond) {
  EVC_RULE("bufferevent.h/ev_token_bucket_cfg_new/default-tick",
           "bufferevent.h: tick_len 'defaults to one second': with a NULL tick, 300 ms of reading "
           "moves at most burst + rate (one tick boundary crossed at most)");
  ASSERT_NE(NewPairBev(), nullptr);
  ev_token_bucket_cfg* cfg = ev_token_bucket_cfg_new(100, 100, 100, 100, nullptr);
  ASSERT_NE(cfg, nullptr);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, cfg), 0);
  CountReads();
  bufferevent_enable(bev_, EV_READ);
  PeerFill(2000);
  const double t = RunFor(300);
  FreeBev();
  ev_token_bucket_cfg_free(cfg);
  EXPECT_GT(read_, 0u);
  if (t < 1.0) EXPECT_LE(read_, 200u) << "after " << t << " s";
}

TEST_F(BufferEventRateLimit, WithoutALimitTheBucketsAreSsizeMax) {
  EVC_RULE("bufferevent.h/bufferevent_get_read_limit/no-limit",
           "bufferevent.h: 'If it is not configured with a per-bufferevent ratelimit, return "
           "EV_SSIZE_MAX'; with no limit at all the most to read / write is the single-op size");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bufferevent_get_read_limit(bev_), EV_SSIZE_MAX);
  EXPECT_EQ(bufferevent_get_write_limit(bev_), EV_SSIZE_MAX);
  EXPECT_EQ(bufferevent_get_max_to_read(bev_), bufferevent_get_max_single_read(bev_));
  EXPECT_EQ(bufferevent_get_max_to_write(bev_), bufferevent_get_max_single_write(bev_));
  EXPECT_EQ(bufferevent_get_token_bucket_cfg(bev_), nullptr);
  EXPECT_EQ(bufferevent_set_rate_limit(bev_, nullptr), 0);  // nothing to remove
}

TEST_F(BufferEventRateLimit, MaxSingleReadAndWriteDefaultTo16384) {
  EVC_RULE("bufferevent.h/bufferevent_set_max_single_read/default",
           "bufferevent.h: 'Set to 0 for a reasonable default'; observed libevent 2.1.12: the "
           "default is 16384 each way, and sizes above EV_SSIZE_MAX also restore it");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bufferevent_get_max_single_read(bev_), 16384);
  EXPECT_EQ(bufferevent_get_max_single_write(bev_), 16384);
  EXPECT_EQ(bufferevent_set_max_single_read(bev_, 7), 0);
  EXPECT_EQ(bufferevent_set_max_single_write(bev_, 9), 0);
  EXPECT_EQ(bufferevent_get_max_single_read(bev_), 7);
  EXPECT_EQ(bufferevent_get_max_single_write(bev_), 9);
  EXPECT_EQ(bufferevent_get_max_to_read(bev_), 7);
  EXPECT_EQ(bufferevent_set_max_single_read(bev_, 0), 0);
  EXPECT_EQ(bufferevent_set_max_single_write(bev_, static_cast<size_t>(-1)), 0);
  EXPECT_EQ(bufferevent_get_max_single_read(bev_), 16384);
  EXPECT_EQ(bufferevent_get_max_single_write(bev_), 16384);
  EXPECT_EQ(bufferevent_set_max_single_read(bev_, EV_SSIZE_MAX), 0);
  EXPECT_EQ(bufferevent_get_max_single_read(bev_), EV_SSIZE_MAX);
}

TEST_F(BufferEventRateLimit, MaxSingleReadBoundsEachRead) {
  EVC_RULE("bufferevent.h/bufferevent_set_max_single_read/bounds-reads",
           "bufferevent.h: the max single read is the 'size limit for single read operation': "
           "with 7, no read callback sees more than 7 new bytes");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_set_max_single_read(bev_, 7), 0);
  CountReads(100);
  bufferevent_enable(bev_, EV_READ);
  PeerFill(100);
  RunFor(1000);
  EXPECT_EQ(read_, 100u);
  EXPECT_LE(max_read_, 7u);
}

TEST_F(BufferEventRateLimit, BucketsStartAtTheRate) {
  EVC_RULE("bufferevent.h/bufferevent_set_rate_limit/initial-bucket",
           "bufferevent.h: set_rate_limit returns 0 and the buckets hold what one tick allows "
           "(rate = burst here, so the value is exact); get_token_bucket_cfg gives the config");
  ASSERT_NE(NewPairBev(), nullptr);
  ev_token_bucket_cfg* cfg = Cfg(100, 100, 50, 50, 1000);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, cfg), 0);
  EXPECT_EQ(bufferevent_get_read_limit(bev_), 100);
  EXPECT_EQ(bufferevent_get_write_limit(bev_), 50);
  EXPECT_EQ(bufferevent_get_token_bucket_cfg(bev_), cfg);
  EXPECT_GT(bufferevent_get_max_to_read(bev_), 0);
  EXPECT_LE(bufferevent_get_max_to_read(bev_), 100);
  EXPECT_GT(bufferevent_get_max_to_write(bev_), 0);
  EXPECT_LE(bufferevent_get_max_to_write(bev_), 50);
  EXPECT_EQ(bufferevent_set_rate_limit(bev_, cfg), 0);  // the same one again
  EXPECT_EQ(bufferevent_get_read_limit(bev_), 100);
}

TEST_F(BufferEventRateLimit, DecrementChangesTheBucketEitherWay) {
  EVC_RULE("bufferevent.h/bufferevent_decrement_read_limit/arithmetic",
           "bufferevent.h: decrement 'can be negative, if you want to manually refill the bucket'; "
           "the limit 'can return a negative value'; max to read is then 0 (rate = burst: a refill "
           "cannot go above 100)");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, Cfg(100, 100, 100, 100, 1000)), 0);
  EXPECT_EQ(bufferevent_decrement_read_limit(bev_, 30), 0);
  EXPECT_EQ(bufferevent_decrement_write_limit(bev_, 1000), 0);
  EXPECT_LE(bufferevent_get_read_limit(bev_), 100);
  EXPECT_GE(bufferevent_get_read_limit(bev_), 70);
  EXPECT_LE(bufferevent_get_write_limit(bev_), -800);  // at most one refill so soon
  EXPECT_GE(bufferevent_get_write_limit(bev_), -900);
  EXPECT_EQ(bufferevent_get_max_to_write(bev_), 0);
  EXPECT_EQ(bufferevent_decrement_write_limit(bev_, -950), 0);
  EXPECT_GT(bufferevent_get_write_limit(bev_), 0);
  EXPECT_GT(bufferevent_get_max_to_write(bev_), 0);
}

TEST_F(BufferEventRateLimit, ReplacingClipsTheBucketToTheNewBurst) {
  EVC_RULE("bufferevent.h/bufferevent_set_rate_limit/replace",
           "bufferevent.h: a new config replaces the old; its burst is 'the maximum number of bytes "
           "to read in any single tick', so a fuller bucket is cut down to it");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, Cfg(100, 100, 100, 100, 1000)), 0);
  ASSERT_EQ(bufferevent_decrement_read_limit(bev_, -1000), 0);
  ev_token_bucket_cfg* small = Cfg(10, 20, 10, 20, 1000);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, small), 0);
  EXPECT_EQ(bufferevent_get_token_bucket_cfg(bev_), small);
  EXPECT_GT(bufferevent_get_read_limit(bev_), 0);
  EXPECT_LE(bufferevent_get_read_limit(bev_), 20);
  EXPECT_GT(bufferevent_get_write_limit(bev_), 0);
  EXPECT_LE(bufferevent_get_write_limit(bev_), 20);
}

TEST_F(BufferEventRateLimit, NullRemovesTheLimitAndResumesReading) {
  EVC_RULE("bufferevent.h/bufferevent_set_rate_limit/null-removes",
           "bufferevent.h: 'If cfg is NULL, disable any per-bufferevent rate-limiting': an "
           "exhausted bucket no longer holds reading back, and the limits read EV_SSIZE_MAX");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, Cfg(100, 100, 100, 100, 1000)), 0);
  ASSERT_EQ(bufferevent_decrement_read_limit(bev_, 10000), 0);
  CountReads();
  bufferevent_enable(bev_, EV_READ);
  PeerFill(500);
  EXPECT_EQ(bufferevent_set_rate_limit(bev_, nullptr), 0);
  EXPECT_EQ(bufferevent_get_read_limit(bev_), EV_SSIZE_MAX);
  EXPECT_EQ(bufferevent_get_token_bucket_cfg(bev_), nullptr);
  CountReads(500);
  RunFor(1000);
  EXPECT_EQ(read_, 500u);
}

}  // namespace
}  // namespace evc
