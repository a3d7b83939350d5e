// What a rate limit does to a socket bufferevent's transfers. Bounded runs of
// a few ticks; the upper bounds are the token bucket's (Bound: burst plus a
// refill per tick boundary crossed, time measured around the run), the lower
// bounds only ask for progress, so a loaded machine never fails a test.
#include "ratelim_fixture.h"

namespace evc {
namespace {

class BufferEventRateLimitTransfer : public RateLimitTest {};

constexpr int kTickMs = 50;

TEST_F(BufferEventRateLimitTransfer, ReaderMovesAtMostBurstPlusRatePerTick) {
  EVC_RULE("bufferevent.h/ev_token_bucket_cfg_new/read-rate",
           "bufferevent.h: read_rate is 'the maximum number of bytes to read per tick on average', "
           "read_burst 'the maximum ... in any single tick': over t, at most burst + rate per tick "
           "boundary, no single read above the burst, and some progress");
  ASSERT_NE(NewPairBev(), nullptr);
  const double t0 = Now();
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, Cfg(1000, 2000, 1000, 2000, kTickMs)), 0);
  CountReads();
  bufferevent_enable(bev_, EV_READ);
  PeerFill(64 * 1024);
  RunFor(300);
  const double t = Now() - t0;
  EXPECT_GE(read_, 1000u);
  EXPECT_LE(read_, Bound(2000, 1000, kTickMs, t)) << "in " << t << " s";
  EXPECT_LE(max_read_, 2000u);
  RecordProperty("read_bytes_per_s", std::to_string(static_cast<long>(read_ / t)));
}

TEST_F(BufferEventRateLimitTransfer, WriterMovesAtMostBurstPlusRatePerTick) {
  EVC_RULE("bufferevent.h/ev_token_bucket_cfg_new/write-rate",
           "bufferevent.h: write_rate / write_burst bound the bytes written as read_rate / "
           "read_burst bound the bytes read");
  ASSERT_NE(NewPairBev(), nullptr);
  const double t0 = Now();
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, Cfg(1000, 2000, 1000, 2000, kTickMs)), 0);
  const std::string data(64 * 1024, 'w');
  ASSERT_EQ(bufferevent_write(bev_, data.data(), data.size()), 0);
  RunFor(300);
  const double t = Now() - t0;
  const size_t sent = PeerRecv().size();
  EXPECT_GE(sent, 1000u);
  EXPECT_LE(sent, Bound(2000, 1000, kTickMs, t)) << "in " << t << " s";
  EXPECT_EQ(sent + evbuffer_get_length(bufferevent_get_output(bev_)), data.size());
  RecordProperty("written_bytes_per_s", std::to_string(static_cast<long>(sent / t)));
}

TEST_F(BufferEventRateLimitTransfer, ANegativeReadBucketStopsReadingUntilRefilled) {
  EVC_RULE("bufferevent.h/bufferevent_decrement_read_limit/suspends",
           "bufferevent.h: 'If the change puts the bucket above or below zero, the bufferevent "
           "will resume or suspend reading': at -900 with 100 per tick nothing is read for three "
           "ticks; a manual refill resumes reading at once");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, Cfg(100, 100, 100, 100, kTickMs)), 0);
  const double t0 = Now();
  ASSERT_EQ(bufferevent_decrement_read_limit(bev_, 1000), 0);
  CountReads();
  bufferevent_enable(bev_, EV_READ);
  PeerFill(100);
  RunFor(2 * kTickMs);
  if (Now() - t0 < 6 * kTickMs) EXPECT_EQ(read_, 0u);  // -900 + 100 * (ceil(t / tick) + 1) <= 0
  ASSERT_EQ(bufferevent_decrement_read_limit(bev_, -10000), 0);
  CountReads(100);
  RunFor(1000);
  EXPECT_EQ(read_, 100u);
}

TEST_F(BufferEventRateLimitTransfer, ANegativeWriteBucketStopsWritingUntilRefilled) {
  EVC_RULE("bufferevent.h/bufferevent_decrement_write_limit/suspends",
           "bufferevent.h: a write bucket put below zero suspends writing; put back above zero it "
           "resumes, and the queued data goes out");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, Cfg(100, 100, 100, 100, kTickMs)), 0);
  const double t0 = Now();
  ASSERT_EQ(bufferevent_decrement_write_limit(bev_, 1000), 0);
  ASSERT_EQ(bufferevent_write(bev_, "0123456789", 10), 0);
  RunFor(2 * kTickMs);
  if (Now() - t0 < 6 * kTickMs) EXPECT_EQ(PeerRecv(), "");
  ASSERT_EQ(bufferevent_decrement_write_limit(bev_, -10000), 0);
  log_bev_.on_write = [this](bufferevent*) { event_base_loopbreak(base_); };
  RunFor(1000);
  EXPECT_EQ(PeerRecv(), "0123456789");
}

TEST_F(BufferEventRateLimitTransfer, AnExhaustedBucketRefillsByItself) {
  EVC_RULE("bufferevent.h/bufferevent_set_rate_limit/refill",
           "bufferevent.h: the bucket refills every tick: 250 bytes at 100 per 50 ms tick all "
           "arrive (bounded wait of 1 s)");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, Cfg(100, 100, 100, 100, kTickMs)), 0);
  CountReads(250);
  bufferevent_enable(bev_, EV_READ);
  PeerFill(250);
  RunFor(1000);
  EXPECT_EQ(read_, 250u);
}

}  // namespace
}  // namespace evc
