// One focused rule for each bufferevent.h call the other bufferevent tests
// only use in passing: the base and input accessors, write_buffer and
// read_buffer, unlock, and the rate-limit calls (cfg_free, group removal,
// single read/write sizes, the limit inspectors, group limits, decrements
// and totals).
#include <utility>

#include "ratelim_fixture.h"

namespace evc {
namespace {

class BufferEventApiRules : public RateLimitTest {
 protected:
  // Runs the loop until the peer's bytes are in bev_'s input (the read
  // callback breaks the loop; nothing is drained), at most two seconds.
  void ReadIntoInput(size_t n) {
    log_bev_.on_read = [this, n](bufferevent* bev) {
      if (evbuffer_get_length(bufferevent_get_input(bev)) >= n) event_base_loopbreak(base_);
    };
    bufferevent_enable(bev_, EV_READ);
    RunFor(2000);
  }
  // Runs the loop until bev_'s output is empty (the write callback breaks
  // it), at most two seconds.
  void Flush() {
    log_bev_.on_write = [this](bufferevent* bev) {
      if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) event_base_loopbreak(base_);
    };
    bufferevent_enable(bev_, EV_WRITE);
    RunFor(2000);
  }
  static std::pair<uint64_t, uint64_t> Totals(bufferevent_rate_limit_group* g) {
    ev_uint64_t r = 7, w = 7;
    bufferevent_rate_limit_group_get_totals(g, &r, &w);
    return {r, w};
  }
};

// ---------------------------------------------------------------- accessors

TEST_F(BufferEventApiRules, GetBaseIsTheBaseItWasCreatedOn) {
  EVC_RULE("bufferevent.h/bufferevent_get_base",
           "bufferevent.h: bufferevent_get_base returns the event_base used by the bufferevent: "
           "the one given to bufferevent_socket_new or bufferevent_pair_new");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bufferevent_get_base(bev_), base_);
  event_base* other = event_base_new();
  ASSERT_NE(other, nullptr);
  bufferevent* pair[2] = {nullptr, nullptr};
  ASSERT_EQ(bufferevent_pair_new(other, 0, pair), 0);
  EXPECT_EQ(bufferevent_get_base(pair[0]), other);
  EXPECT_EQ(bufferevent_get_base(pair[1]), other);
  EXPECT_EQ(bufferevent_get_base(bev_), base_);
  bufferevent_free(pair[0]);
  bufferevent_free(pair[1]);
  event_base_loop(other, EVLOOP_NONBLOCK);
  event_base_free(other);
}

TEST_F(BufferEventApiRules, GetInputIsOneBufferWhereReadDataLands) {
  EVC_RULE("bufferevent.h/bufferevent_get_input",
           "bufferevent.h: bufferevent_get_input returns the input buffer: the same evbuffer at "
           "every call, not the output buffer, and the bytes read from the socket land in it");
  ASSERT_NE(NewPairBev(), nullptr);
  evbuffer* input = bufferevent_get_input(bev_);
  ASSERT_NE(input, nullptr);
  EXPECT_EQ(bufferevent_get_input(bev_), input);
  EXPECT_NE(input, bufferevent_get_output(bev_));
  EXPECT_EQ(evbuffer_get_length(input), 0u);
  PeerSend("hello");
  ReadIntoInput(5);
  EXPECT_EQ(bufferevent_get_input(bev_), input);
  EXPECT_EQ(Drain(input), "hello");
}

// ------------------------------------------------------ moving whole buffers

TEST_F(BufferEventApiRules, WriteBufferMovesAllOfTheBufferToThePeer) {
  EVC_RULE("bufferevent.h/bufferevent_write_buffer",
           "bufferevent.h: bufferevent_write_buffer returns 0 and drains the evbuffer given; "
           "all of its bytes are written to the descriptor, in order");
  ASSERT_NE(NewPairBev(), nullptr);
  evbuffer* src = evbuffer_new();
  ASSERT_NE(src, nullptr);
  std::string data;
  for (size_t i = 0; i < 20000; ++i) data.push_back(static_cast<char>('a' + i % 26));
  ASSERT_EQ(evbuffer_add(src, data.data(), 12000), 0);
  ASSERT_EQ(evbuffer_add(src, data.data() + 12000, data.size() - 12000), 0);
  EXPECT_EQ(bufferevent_write_buffer(bev_, src), 0);
  EXPECT_EQ(evbuffer_get_length(src), 0u);
  evbuffer_free(src);
  Flush();
  EXPECT_EQ(evbuffer_get_length(bufferevent_get_output(bev_)), 0u);
  EXPECT_EQ(PeerRecv(), data);
}

TEST_F(BufferEventApiRules, WriteBufferAppendsAfterPendingOutput) {
  EVC_RULE("bufferevent.h/bufferevent_write_buffer/appends",
           "bufferevent.h: bufferevent_write_buffer appends to the output buffer: bytes written "
           "before it with bufferevent_write reach the peer first");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_write(bev_, "first,", 6), 0);
  evbuffer* src = evbuffer_new();
  ASSERT_NE(src, nullptr);
  ASSERT_EQ(evbuffer_add(src, "second", 6), 0);
  EXPECT_EQ(bufferevent_write_buffer(bev_, src), 0);
  EXPECT_EQ(evbuffer_get_length(src), 0u);
  evbuffer_free(src);
  Flush();
  EXPECT_EQ(PeerRecv(), "first,second");
}

TEST_F(BufferEventApiRules, ReadBufferMovesTheInputIntoTheBuffer) {
  EVC_RULE("bufferevent.h/bufferevent_read_buffer",
           "bufferevent.h: bufferevent_read_buffer returns 0 and moves the input buffer's data to "
           "the end of the evbuffer given; the input is left empty");
  ASSERT_NE(NewPairBev(), nullptr);
  PeerSend("hello world");
  ReadIntoInput(11);
  ASSERT_EQ(evbuffer_get_length(bufferevent_get_input(bev_)), 11u);
  evbuffer* dst = evbuffer_new();
  ASSERT_NE(dst, nullptr);
  ASSERT_EQ(evbuffer_add(dst, "<", 1), 0);
  EXPECT_EQ(bufferevent_read_buffer(bev_, dst), 0);
  EXPECT_EQ(evbuffer_get_length(bufferevent_get_input(bev_)), 0u);
  EXPECT_EQ(Drain(dst), "<hello world");
  EXPECT_EQ(bufferevent_read_buffer(bev_, dst), 0) << "nothing to move";
  EXPECT_EQ(evbuffer_get_length(dst), 0u);
  evbuffer_free(dst);
}

// -------------------------------------------------------------------- locks

TEST_F(BufferEventApiRules, UnlockWithoutThreadsafeHasNoEffect) {
  EVC_RULE("bufferevent.h/bufferevent_unlock",
           "bufferevent.h: bufferevent_unlock 'Has no effect if locking was not enabled with "
           "BEV_OPT_THREADSAFE': it returns after bufferevent_lock, and the bufferevent goes on "
           "working");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_lock(bev_);
  EXPECT_EQ(bufferevent_write(bev_, "ab", 2), 0);
  bufferevent_unlock(bev_);
  bufferevent_lock(bev_);
  bufferevent_unlock(bev_);
  EXPECT_EQ(bufferevent_write(bev_, "cd", 2), 0);
  Flush();
  EXPECT_EQ(PeerRecv(), "abcd");
}

// ------------------------------------------------------------- rate limits

TEST_F(BufferEventApiRules, TokenBucketCfgFreeOnceNoBuffereventUsesIt) {
  EVC_RULE("bufferevent.h/ev_token_bucket_cfg_free",
           "bufferevent.h: ev_token_bucket_cfg_free frees a config no bufferevent is using: one "
           "never used, and one whose bufferevent's limit was removed first (the bufferevent "
           "goes on unlimited)");
  const timeval tick = {1, 0};
  ev_token_bucket_cfg* unused = ev_token_bucket_cfg_new(10, 10, 10, 10, &tick);
  ASSERT_NE(unused, nullptr);
  ev_token_bucket_cfg_free(unused);
  ASSERT_NE(NewPairBev(), nullptr);
  ev_token_bucket_cfg* cfg = ev_token_bucket_cfg_new(10, 10, 10, 10, &tick);
  ASSERT_NE(cfg, nullptr);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, cfg), 0);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, nullptr), 0);
  ev_token_bucket_cfg_free(cfg);
  EXPECT_EQ(bufferevent_get_token_bucket_cfg(bev_), nullptr);
  EXPECT_EQ(bufferevent_get_read_limit(bev_), EV_SSIZE_MAX);
  CountReads(1000);
  bufferevent_enable(bev_, EV_READ);
  PeerFill(1000);
  RunFor(2000);
  EXPECT_EQ(read_, 1000u);
}

TEST_F(BufferEventApiRules, TokenBucketCfgFreeOfNull) {
  EVC_RULE("bufferevent.h/ev_token_bucket_cfg_free/null",
           "observed libevent 2.1.12: ev_token_bucket_cfg_free(NULL) does nothing (it is a free "
           "of NULL)");
  EXPECT_IN_CHILD({ ev_token_bucket_cfg_free(nullptr); });
}

TEST_F(BufferEventApiRules, RemoveFromGroupLiftsTheGroupLimit) {
  EVC_RULE("bufferevent.h/bufferevent_remove_from_rate_limit_group",
           "bufferevent.h: bufferevent_remove_from_rate_limit_group removes the bufferevent from "
           "its group (0): an emptied group bucket no longer stops it reading");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_rate_limit_group* g = Group(Cfg(100, 100, 100, 100, 1000));
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(bev_, g), 0);
  ASSERT_EQ(bufferevent_rate_limit_group_decrement_read(g, 1000000), 0);
  ASSERT_EQ(bufferevent_get_max_to_read(bev_), 0);
  EXPECT_EQ(bufferevent_remove_from_rate_limit_group(bev_), 0);
  EXPECT_GT(bufferevent_get_max_to_read(bev_), 0);
  CountReads(1000);
  bufferevent_enable(bev_, EV_READ);
  PeerFill(1000);
  RunFor(2000);
  EXPECT_EQ(read_, 1000u);
  EXPECT_EQ(Totals(g).first, 0u) << "bytes read after the removal do not count in the group";
}

TEST_F(BufferEventApiRules, RemoveFromGroupWhenInNoGroup) {
  EVC_RULE("bufferevent.h/bufferevent_remove_from_rate_limit_group/not-in-group",
           "bufferevent.h: remove_from_rate_limit_group removes the bufferevent from its group "
           "'(if any)': on a bufferevent in no group it returns 0 and changes no limit");
  ASSERT_NE(NewPairBev(), nullptr);
  const ev_ssize_t before = bufferevent_get_max_to_read(bev_);
  EXPECT_EQ(bufferevent_remove_from_rate_limit_group(bev_), 0);
  EXPECT_EQ(bufferevent_get_max_to_read(bev_), before);
  EXPECT_EQ(bufferevent_get_read_limit(bev_), EV_SSIZE_MAX);
  ASSERT_EQ(bufferevent_write(bev_, "x", 1), 0);
  Flush();
  EXPECT_EQ(PeerRecv(), "x");
}

TEST_F(BufferEventApiRules, SetMaxSingleWriteZeroRestoresTheDefault) {
  EVC_RULE("bufferevent.h/bufferevent_set_max_single_write",
           "bufferevent.h: bufferevent_set_max_single_write returns 0; the value set is what "
           "get_max_single_write gives, and 0 ('a reasonable default') gives back the initial "
           "positive value");
  ASSERT_NE(NewPairBev(), nullptr);
  const ev_ssize_t initial = bufferevent_get_max_single_write(bev_);
  EXPECT_GT(initial, 0);
  EXPECT_EQ(bufferevent_set_max_single_write(bev_, 9), 0);
  EXPECT_EQ(bufferevent_get_max_single_write(bev_), 9);
  EXPECT_EQ(bufferevent_set_max_single_write(bev_, 0), 0);
  EXPECT_EQ(bufferevent_get_max_single_write(bev_), initial);
  EXPECT_EQ(bufferevent_set_max_single_write(bev_, EV_SSIZE_MAX), 0);
  EXPECT_EQ(bufferevent_get_max_single_write(bev_), EV_SSIZE_MAX);
}

struct PeerReader {
  int fd;
  size_t want;
  event_base* base;
  std::string got;
  static void Cb(evutil_socket_t fd, short, void* arg) {
    PeerReader* r = static_cast<PeerReader*>(arg);
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) r->got.append(buf, n);
    if (r->got.size() >= r->want) event_base_loopbreak(r->base);
  }
};

TEST_F(BufferEventApiRules, SetMaxSingleWriteStillDeliversEverything) {
  EVC_RULE("bufferevent.h/bufferevent_set_max_single_write/transfer",
           "bufferevent.h: a single-write size limit of 9 only bounds each write operation: "
           "1000 bytes still all reach the peer, in order");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_set_max_single_write(bev_, 9), 0);
  std::string data;
  for (size_t i = 0; i < 1000; ++i) data.push_back(static_cast<char>('0' + i % 10));
  ASSERT_EQ(bufferevent_write(bev_, data.data(), data.size()), 0);
  // The peer reads as the bytes come: small writes fill a socket buffer
  // long before their bytes do.
  PeerReader reader{peer_, data.size(), base_, {}};
  event* ev = event_new(base_, peer_, EV_READ | EV_PERSIST, PeerReader::Cb, &reader);
  ASSERT_NE(ev, nullptr);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  bufferevent_enable(bev_, EV_WRITE);
  RunFor(5000);
  event_free(ev);
  EXPECT_EQ(reader.got, data);
  EXPECT_EQ(evbuffer_get_length(bufferevent_get_output(bev_)), 0u);
}

TEST_F(BufferEventApiRules, GetMaxSingleReadGivesTheReadSizeOnly) {
  EVC_RULE("bufferevent.h/bufferevent_get_max_single_read",
           "bufferevent.h: bufferevent_get_max_single_read gives the current single-read size "
           "limit: positive at first, the value set after set_max_single_read, and unchanged "
           "by set_max_single_write");
  ASSERT_NE(NewPairBev(), nullptr);
  const ev_ssize_t initial = bufferevent_get_max_single_read(bev_);
  EXPECT_GT(initial, 0);
  ASSERT_EQ(bufferevent_set_max_single_write(bev_, 5), 0);
  EXPECT_EQ(bufferevent_get_max_single_read(bev_), initial);
  ASSERT_EQ(bufferevent_set_max_single_read(bev_, 11), 0);
  EXPECT_EQ(bufferevent_get_max_single_read(bev_), 11);
  ASSERT_EQ(bufferevent_set_max_single_read(bev_, 1), 0);
  EXPECT_EQ(bufferevent_get_max_single_read(bev_), 1);
}

TEST_F(BufferEventApiRules, GetMaxSingleWriteGivesTheWriteSizeOnly) {
  EVC_RULE("bufferevent.h/bufferevent_get_max_single_write",
           "bufferevent.h: bufferevent_get_max_single_write gives the current single-write size "
           "limit: positive at first, the value set after set_max_single_write, and unchanged "
           "by set_max_single_read");
  ASSERT_NE(NewPairBev(), nullptr);
  const ev_ssize_t initial = bufferevent_get_max_single_write(bev_);
  EXPECT_GT(initial, 0);
  ASSERT_EQ(bufferevent_set_max_single_read(bev_, 5), 0);
  EXPECT_EQ(bufferevent_get_max_single_write(bev_), initial);
  ASSERT_EQ(bufferevent_set_max_single_write(bev_, 13), 0);
  EXPECT_EQ(bufferevent_get_max_single_write(bev_), 13);
  ASSERT_EQ(bufferevent_set_max_single_write(bev_, 1), 0);
  EXPECT_EQ(bufferevent_get_max_single_write(bev_), 1);
}

TEST_F(BufferEventApiRules, GetWriteLimitIsTheWriteBucket) {
  EVC_RULE("bufferevent.h/bufferevent_get_write_limit",
           "bufferevent.h: bufferevent_get_write_limit is EV_SSIZE_MAX without a per-bufferevent "
           "limit, else the write bucket: the rate at first (rate = burst here), less what "
           "decrement_write_limit took, negative when it took more");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bufferevent_get_write_limit(bev_), EV_SSIZE_MAX);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, Cfg(100, 100, 50, 50, 1000)), 0);
  EXPECT_EQ(bufferevent_get_write_limit(bev_), 50);
  ASSERT_EQ(bufferevent_decrement_write_limit(bev_, 20), 0);
  EXPECT_EQ(bufferevent_get_write_limit(bev_), 30);
  ASSERT_EQ(bufferevent_decrement_write_limit(bev_, 100), 0);
  EXPECT_EQ(bufferevent_get_write_limit(bev_), -70);
  EXPECT_EQ(bufferevent_get_read_limit(bev_), 100) << "the read bucket is another one";
}

TEST_F(BufferEventApiRules, GetMaxToReadIsTheSmallestLimit) {
  EVC_RULE("bufferevent.h/bufferevent_get_max_to_read",
           "observed libevent 2.1.12: bufferevent_get_max_to_read is what the next read may take: "
           "the single-read size without a rate limit; with a per-bufferevent limit at most the "
           "read bucket (2.1.12 gives the bucket even above a smaller single-read size; either is "
           "accepted), and 0 (never negative) once the bucket is below zero");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bufferevent_get_max_to_read(bev_), bufferevent_get_max_single_read(bev_));
  ASSERT_EQ(bufferevent_set_max_single_read(bev_, 500), 0);
  EXPECT_EQ(bufferevent_get_max_to_read(bev_), 500);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, Cfg(100, 100, 1000, 1000, 1000)), 0);
  EXPECT_EQ(bufferevent_get_max_to_read(bev_), 100);
  ASSERT_EQ(bufferevent_set_max_single_read(bev_, 7), 0);
  const ev_ssize_t limited = bufferevent_get_max_to_read(bev_);
  EXPECT_TRUE(limited == 7 || limited == 100) << limited;
  ASSERT_EQ(bufferevent_decrement_read_limit(bev_, 150), 0);
  EXPECT_EQ(bufferevent_get_max_to_read(bev_), 0);
}

TEST_F(BufferEventApiRules, GetMaxToWriteIsTheSmallestLimit) {
  EVC_RULE("bufferevent.h/bufferevent_get_max_to_write",
           "observed libevent 2.1.12: bufferevent_get_max_to_write is what the next write may "
           "give: the single-write size without a rate limit; with a per-bufferevent limit at "
           "most the write bucket (2.1.12 gives the bucket even above a smaller single-write "
           "size; either is accepted), and 0 (never negative) once the bucket is below zero");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bufferevent_get_max_to_write(bev_), bufferevent_get_max_single_write(bev_));
  ASSERT_EQ(bufferevent_set_max_single_write(bev_, 500), 0);
  EXPECT_EQ(bufferevent_get_max_to_write(bev_), 500);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, Cfg(1000, 1000, 100, 100, 1000)), 0);
  EXPECT_EQ(bufferevent_get_max_to_write(bev_), 100);
  ASSERT_EQ(bufferevent_set_max_single_write(bev_, 7), 0);
  const ev_ssize_t limited = bufferevent_get_max_to_write(bev_);
  EXPECT_TRUE(limited == 7 || limited == 100) << limited;
  ASSERT_EQ(bufferevent_decrement_write_limit(bev_, 150), 0);
  EXPECT_EQ(bufferevent_get_max_to_write(bev_), 0);
}

TEST_F(BufferEventApiRules, GetTokenBucketCfgFollowsSetRateLimit) {
  EVC_RULE("bufferevent.h/bufferevent_get_token_bucket_cfg",
           "bufferevent.h: bufferevent_get_token_bucket_cfg is NULL without a rate limit, the "
           "config last given to set_rate_limit, and NULL again after set_rate_limit(bev, NULL)");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bufferevent_get_token_bucket_cfg(bev_), nullptr);
  ev_token_bucket_cfg* a = Cfg(100, 100, 100, 100, 1000);
  ev_token_bucket_cfg* b = Cfg(200, 200, 200, 200, 500);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, a), 0);
  EXPECT_EQ(bufferevent_get_token_bucket_cfg(bev_), a);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, b), 0);
  EXPECT_EQ(bufferevent_get_token_bucket_cfg(bev_), b);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, nullptr), 0);
  EXPECT_EQ(bufferevent_get_token_bucket_cfg(bev_), nullptr);
}

TEST_F(BufferEventApiRules, GroupGetReadLimitIsTheGroupReadBucket) {
  EVC_RULE("bufferevent.h/bufferevent_rate_limit_group_get_read_limit",
           "bufferevent.h: bufferevent_rate_limit_group_get_read_limit is the group's read "
           "bucket: the rate at first (rate = burst here), less each group_decrement_read, "
           "negative when more was taken, and not the write bucket");
  bufferevent_rate_limit_group* g = Group(Cfg(100, 100, 50, 50, 1000));
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(bufferevent_rate_limit_group_get_read_limit(g), 100);
  ASSERT_EQ(bufferevent_rate_limit_group_decrement_read(g, 30), 0);
  EXPECT_EQ(bufferevent_rate_limit_group_get_read_limit(g), 70);
  ASSERT_EQ(bufferevent_rate_limit_group_decrement_read(g, 500), 0);
  EXPECT_EQ(bufferevent_rate_limit_group_get_read_limit(g), -430);
  EXPECT_EQ(bufferevent_rate_limit_group_get_write_limit(g), 50);
}

TEST_F(BufferEventApiRules, GroupGetWriteLimitIsTheGroupWriteBucket) {
  EVC_RULE("bufferevent.h/bufferevent_rate_limit_group_get_write_limit",
           "bufferevent.h: bufferevent_rate_limit_group_get_write_limit is the group's write "
           "bucket: the rate at first (rate = burst here), less each group_decrement_write, "
           "negative when more was taken, and not the read bucket");
  bufferevent_rate_limit_group* g = Group(Cfg(100, 100, 50, 50, 1000));
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(bufferevent_rate_limit_group_get_write_limit(g), 50);
  ASSERT_EQ(bufferevent_rate_limit_group_decrement_write(g, 20), 0);
  EXPECT_EQ(bufferevent_rate_limit_group_get_write_limit(g), 30);
  ASSERT_EQ(bufferevent_rate_limit_group_decrement_write(g, 100), 0);
  EXPECT_EQ(bufferevent_rate_limit_group_get_write_limit(g), -70);
  EXPECT_EQ(bufferevent_rate_limit_group_get_read_limit(g), 100);
}

TEST_F(BufferEventApiRules, GroupDecrementReadSuspendsAndResumesReading) {
  EVC_RULE("bufferevent.h/bufferevent_rate_limit_group_decrement_read",
           "bufferevent.h: group_decrement_read returns 0; putting the group's read bucket below "
           "zero suspends its bufferevents' reading, and a negative decrement that puts it above "
           "zero resumes it");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_rate_limit_group* g = Group(Cfg(100, 100, 100000, 100000, 1000));
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(bev_, g), 0);
  EXPECT_EQ(bufferevent_rate_limit_group_decrement_read(g, 1000000), 0);
  EXPECT_EQ(bufferevent_get_max_to_read(bev_), 0);
  CountReads(50);
  bufferevent_enable(bev_, EV_READ);
  PeerFill(50);
  RunFor(200);  // less than a tick: no refill could bring it back above zero either
  EXPECT_EQ(read_, 0u);
  EXPECT_EQ(bufferevent_rate_limit_group_decrement_read(g, -1000000), 0);
  EXPECT_GT(bufferevent_rate_limit_group_get_read_limit(g), 0);
  RunFor(2000);
  EXPECT_EQ(read_, 50u);
}

TEST_F(BufferEventApiRules, GroupDecrementWriteSuspendsAndResumesWriting) {
  EVC_RULE("bufferevent.h/bufferevent_rate_limit_group_decrement_write",
           "bufferevent.h: group_decrement_write returns 0; putting the group's write bucket "
           "below zero suspends its bufferevents' writing, and a negative decrement that puts it "
           "above zero resumes it");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_rate_limit_group* g = Group(Cfg(100000, 100000, 100, 100, 1000));
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(bev_, g), 0);
  EXPECT_EQ(bufferevent_rate_limit_group_decrement_write(g, 1000000), 0);
  EXPECT_EQ(bufferevent_get_max_to_write(bev_), 0);
  ASSERT_EQ(bufferevent_write(bev_, std::string(50, 'w').data(), 50), 0);
  log_bev_.on_write = [this](bufferevent*) { event_base_loopbreak(base_); };
  bufferevent_enable(bev_, EV_WRITE);
  RunFor(200);  // less than a tick
  EXPECT_EQ(PeerRecv().size(), 0u);
  EXPECT_EQ(bufferevent_rate_limit_group_decrement_write(g, -1000000), 0);
  EXPECT_GT(bufferevent_rate_limit_group_get_write_limit(g), 0);
  RunFor(2000);
  EXPECT_EQ(evbuffer_get_length(bufferevent_get_output(bev_)), 0u);
  EXPECT_EQ(PeerRecv(), std::string(50, 'w'));
}

TEST_F(BufferEventApiRules, GroupResetTotalsStartsCountingAgain) {
  EVC_RULE("bufferevent.h/bufferevent_rate_limit_group_reset_totals",
           "bufferevent.h: bufferevent_rate_limit_group_reset_totals sets the group's totals "
           "read and written back to 0; bytes moved afterwards count from 0");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_rate_limit_group* g = Group(Cfg(1 << 20, 1 << 20, 1 << 20, 1 << 20, 1000));
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(bev_, g), 0);
  ASSERT_EQ(bufferevent_write(bev_, "abc", 3), 0);
  Flush();
  ASSERT_EQ(PeerRecv(), "abc");
  PeerSend("hello");
  ReadIntoInput(5);
  ASSERT_EQ(Totals(g), std::make_pair(uint64_t{5}, uint64_t{3}));
  bufferevent_rate_limit_group_reset_totals(g);
  EXPECT_EQ(Totals(g), std::make_pair(uint64_t{0}, uint64_t{0}));
  bufferevent_rate_limit_group_reset_totals(g);  // twice: still 0
  EXPECT_EQ(Totals(g), std::make_pair(uint64_t{0}, uint64_t{0}));
  ASSERT_EQ(bufferevent_write(bev_, "xy", 2), 0);
  Flush();
  EXPECT_EQ(PeerRecv(), "xy");
  EXPECT_EQ(Totals(g), std::make_pair(uint64_t{0}, uint64_t{2}));
}

}  // namespace
}  // namespace evc
