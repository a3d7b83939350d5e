// Paired bufferevents: freeing an end (outside and inside every callback of
// either end), references across the pair, timeouts and bad input.
#include <functional>
#include <tuple>
#include <utility>

#include "pair_fixture.h"

namespace evc {
namespace {

using BufferEventPairLife = BufferEventPair;

TEST_F(BufferEventPairLife, FreeingAnEndUnlinksItsPartner) {
  EVC_RULE("bufferevent.h/bufferevent_pair_get_partner/after-free",
           "bufferevent.h: bufferevent_pair_get_partner returns the other end 'if it still "
           "exists. Otherwise returns NULL'; the survivor gets no read or write callback, at most "
           "an EOF (libevent 2.1.12 reports nothing), and bufferevent_flush on it fails (-1)");
  NewPair();
  for (bufferevent* b : end_) ASSERT_EQ(bufferevent_enable(b, EV_READ), 0);
  Free(0);
  EXPECT_EQ(bufferevent_pair_get_partner(end_[1]), nullptr);
  EXPECT_EQ(bufferevent_write(end_[1], "lost", 4), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(log_[1].reads, 0);
  EXPECT_TRUE(log_[1].events.empty() || log_[1].events == std::vector<short>{BEV_EVENT_EOF | BEV_EVENT_READING});
  EXPECT_EQ(bufferevent_flush(end_[1], EV_WRITE, BEV_FLUSH), -1);
  EXPECT_EQ(bufferevent_flush(end_[1], EV_WRITE, BEV_FINISHED), -1);
}

TEST_F(BufferEventPairLife, AReferenceKeepsTheFreedEndLinked) {
  EVC_RULE("bufferevent.h/bufferevent_incref/pair-partner",
           "bufferevent.h: a bufferevent freed while another reference is held still exists, so "
           "bufferevent_pair_get_partner returns it; after the last bufferevent_decref (1), NULL");
  NewPair();
  bufferevent* held = end_[0];
  bufferevent_incref(held);
  Free(0);
  EXPECT_EQ(bufferevent_pair_get_partner(end_[1]), held);
  EXPECT_EQ(bufferevent_pair_get_partner(held), end_[1]);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(bufferevent_decref(held), 1);
  EXPECT_EQ(bufferevent_pair_get_partner(end_[1]), nullptr);
}

TEST_F(BufferEventPairLife, PartnerHeldAndFreedFromACallbackStaysUsableUntilDecref) {
  EVC_RULE("bufferevent.h/bufferevent_decref/pair-across",
           "bufferevent.h: inside one end's read callback, the partner may be referenced "
           "(bufferevent_incref) and freed; it stays linked and usable until "
           "bufferevent_decref, which returns 1 and unlinks it; its callbacks never run again");
  NewPair();
  ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);
  bufferevent* held = nullptr;
  log_[1].on_read = [&](bufferevent* b) {
    if (held) return;
    held = bufferevent_pair_get_partner(b);
    bufferevent_incref(held);
    Free(0);
  };
  ASSERT_EQ(bufferevent_write(end_[0], "x", 1), 0);
  EXPECT_EQ(Run(), 1);
  ASSERT_NE(held, nullptr);
  const int writes_at_free = log_[0].writes;
  EXPECT_EQ(bufferevent_pair_get_partner(end_[1]), held);
  EXPECT_EQ(bufferevent_write(held, "y", 1), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(Drain(bufferevent_get_input(end_[1])), "xy");
  EXPECT_EQ(log_[0].writes, writes_at_free);
  EXPECT_EQ(bufferevent_decref(held), 1);
  EXPECT_EQ(bufferevent_pair_get_partner(end_[1]), nullptr);
}

// Free inside a callback: (which callback, on which end, frees which ends,
// options). Every callback of both ends is pending in the same iteration:
// data both ways (read and write callbacks) and BEV_FINISHED both ways
// (event callbacks).
enum Which { kRead, kWrite, kEvent };
enum Victims { kSelf = 1, kPartner = 2, kBoth = 3 };
using FreeCase = std::tuple<Which, int, Victims, int>;

class BufferEventPairFreeInside : public BufferEventPair, public ::testing::WithParamInterface<FreeCase> {};

TEST_P(BufferEventPairFreeInside, NoCallbackAfterFree) {
  EVC_RULE("bufferevent.h/bufferevent_free/pair-inside-cb",
           "bufferevent.h: bufferevent_free inside any callback of either end, freeing that end, "
           "its partner or both, is safe: no callback runs for a freed end afterwards");
  const auto [which, end, victims, options] = GetParam();
  NewPair(options);
  for (bufferevent* b : end_) ASSERT_EQ(bufferevent_enable(b, EV_READ), 0);
  int calls_at_free[2] = {-1, -1};
  auto calls = [this](int i) { return log_[i].reads + log_[i].writes + static_cast<int>(log_[i].events.size()); };
  bool done = false;
  auto free_them = [&, end = end, victims = victims] {
    if (std::exchange(done, true)) return;
    for (int i : {end, 1 - end}) {
      if (!(victims & (i == end ? kSelf : kPartner))) continue;
      Free(i);
      calls_at_free[i] = calls(i);
    }
  };
  BevLog& log = log_[end];
  if (which == kRead) log.on_read = [&](bufferevent*) { free_them(); };
  if (which == kWrite) log.on_write = [&](bufferevent*) { free_them(); };
  if (which == kEvent) log.on_event = [&](bufferevent*, short) { free_them(); };
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(bufferevent_write(end_[i], "data", 4), 0);
    ASSERT_EQ(bufferevent_flush(end_[i], EV_WRITE, BEV_FINISHED), 0);
  }
  EXPECT_EQ(Run(), 1);
  EXPECT_TRUE(done) << "the callback ran";
  for (int i = 0; i < 2; ++i)
    if (calls_at_free[i] >= 0) EXPECT_EQ(calls(i), calls_at_free[i]) << "end " << i;
}

std::string FreeCaseName(const ::testing::TestParamInfo<FreeCase>& info) {
  static const char* const kWhich[] = {"Read", "Write", "Event"};
  static const char* const kVictims[] = {"", "Self", "Partner", "Both"};
  const auto [which, end, victims, options] = info.param;
  return std::string(kWhich[which]) + "CbOfEnd" + std::to_string(end) + "Frees" + kVictims[victims] +
         (options ? "Deferred" : "Plain");
}

INSTANTIATE_TEST_SUITE_P(Cases, BufferEventPairFreeInside,
                         ::testing::Combine(::testing::Values(kRead, kWrite, kEvent), ::testing::Values(0, 1),
                                            ::testing::Values(kSelf, kPartner, kBoth),
                                            ::testing::Values(0, int{BEV_OPT_DEFER_CALLBACKS})),
                         FreeCaseName);

// --------------------------------------------------------------- timeouts

TEST_F(BufferEventPairLife, ReadTimeoutFiresWhenThePartnerSendsNothing) {
  EVC_RULE("bufferevent.h/bufferevent_set_timeouts/pair-read",
           "bufferevent.h: a read timeout fires when nothing is read for that long: the event "
           "callback gets BEV_EVENT_TIMEOUT|BEV_EVENT_READING once and EV_READ becomes disabled");
  NewPair();
  const timeval read_timeout = Ms(30);
  ASSERT_EQ(bufferevent_set_timeouts(end_[1], &read_timeout, nullptr), 0);
  ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);
  log_[1].on_event = [this](bufferevent*, short) { event_base_loopbreak(base_); };
  RunAtMost(2000);
  EXPECT_EQ(log_[1].events, (std::vector<short>{BEV_EVENT_TIMEOUT | BEV_EVENT_READING}));
  EXPECT_EQ(bufferevent_get_enabled(end_[1]) & EV_READ, 0);
  EXPECT_TRUE(log_[0].events.empty());
}

TEST_F(BufferEventPairLife, WriteTimeoutFiresWhileThePartnerDoesNotRead) {
  EVC_RULE("bufferevent.h/bufferevent_set_timeouts/pair-write",
           "bufferevent.h: a write timeout fires when output waits that long unwritten (here the "
           "partner does not read): BEV_EVENT_TIMEOUT|BEV_EVENT_WRITING once, EV_WRITE disabled");
  NewPair();
  ASSERT_EQ(bufferevent_write(end_[0], "stuck", 5), 0);
  const timeval write_timeout = Ms(30);
  ASSERT_EQ(bufferevent_set_timeouts(end_[0], nullptr, &write_timeout), 0);
  log_[0].on_event = [this](bufferevent*, short) { event_base_loopbreak(base_); };
  RunAtMost(2000);
  EXPECT_EQ(log_[0].events, (std::vector<short>{BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING}));
  EXPECT_EQ(bufferevent_get_enabled(end_[0]) & EV_WRITE, 0);
  EXPECT_EQ(Out(0), 5u);
}

TEST_F(BufferEventPairLife, WriteTimeoutStopsOnceTheOutputHasGone) {
  EVC_RULE("bufferevent.h/bufferevent_set_timeouts/pair-write-idle",
           "bufferevent.h: a timeout is active only 'when we're willing to actually read or "
           "write', not when 'there's no data to write': once the partner has taken all of an "
           "end's output, its write timeout does not fire");
  NewPair();
  ASSERT_EQ(bufferevent_write(end_[0], "moving", 6), 0);
  const timeval write_timeout = Ms(30);
  ASSERT_EQ(bufferevent_set_timeouts(end_[0], nullptr, &write_timeout), 0);
  ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);  // takes the output
  RunAtMost(150);
  EXPECT_EQ(Out(0), 0u);
  EXPECT_EQ(log_[1].reads, 1);
  EXPECT_TRUE(log_[0].events.empty());
  EXPECT_EQ(bufferevent_get_enabled(end_[0]) & EV_WRITE, EV_WRITE);
}

TEST_F(BufferEventPairLife, ArrivingDataKeepsTheReadTimeoutAway) {
  EVC_RULE("bufferevent.h/bufferevent_set_timeouts/pair-read-reset",
           "bufferevent.h: the read timeout counts from the last read: data arriving from the "
           "partner (every 10 ms, read timeout 200 ms) reports no timeout");
  NewPair();
  const timeval read_timeout = Ms(200);
  ASSERT_EQ(bufferevent_set_timeouts(end_[1], &read_timeout, nullptr), 0);
  ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);
  log_[1].on_read = [](bufferevent* b) { Drain(bufferevent_get_input(b)); };
  std::function<void()> on_tick;
  event* tick = event_new(base_, -1, EV_PERSIST, [](evutil_socket_t, short, void* fn) {
    (*static_cast<std::function<void()>*>(fn))();
  }, &on_tick);
  ASSERT_NE(tick, nullptr);
  int sends = 0;
  on_tick = [&] {
    if (++sends <= 30) {
      bufferevent_write(end_[0], "t", 1);
      return;
    }
    event_base_loopbreak(base_);  // 300 ms of traffic, no timeout
  };
  const timeval period = Ms(10);
  ASSERT_EQ(event_add(tick, &period), 0);
  RunAtMost(3000);
  event_free(tick);
  EXPECT_EQ(log_[1].reads, 30);
  EXPECT_TRUE(log_[1].events.empty());
}

// --------------------------------------------------------------- bad input

TEST_F(BufferEventPairLife, ThreadsafeWithoutThreadsIsRefused) {
  EVC_RULE("bufferevent.h/bufferevent_pair_new/threadsafe-without-threads",
           "observed libevent 2.1.12 (bufferevent_enable_locking_): BEV_OPT_THREADSAFE needs "
           "locking set up (evthread_use_pthreads), so without it bufferevent_pair_new fails (-1) "
           "and leaves pair untouched");
  bufferevent* pair[2] = {nullptr, nullptr};
  EXPECT_EQ(bufferevent_pair_new(base_, BEV_OPT_THREADSAFE, pair), -1);
  EXPECT_EQ(pair[0], nullptr);
  EXPECT_EQ(pair[1], nullptr);
}

TEST_F(BufferEventPairLife, UnlockCallbacksAloneIsAcceptedSincePairsDefer) {
  EVC_RULE("bufferevent.h/bufferevent_pair_new/unlock-callbacks",
           "observed libevent 2.1.12 (bufferevent_pair_new adds BEV_OPT_DEFER_CALLBACKS): "
           "BEV_OPT_UNLOCK_CALLBACKS, which needs deferred callbacks, is accepted alone on a "
           "pair, as is BEV_OPT_CLOSE_ON_FREE (nothing to close)");
  for (int options : {int{BEV_OPT_UNLOCK_CALLBACKS}, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS}) {
    NewPair(options);
    ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);
    ASSERT_EQ(bufferevent_write(end_[0], "ok", 2), 0);
    EXPECT_EQ(Run(), 1);
    EXPECT_EQ(Drain(bufferevent_get_input(end_[1])), "ok");
    Free(0);
    Free(1);
  }
}

TEST_F(BufferEventPairLife, NullBaseFails) {
  EVC_RULE("bufferevent.h/bufferevent_pair_new/null-base",
           "bufferevent.h: bufferevent_pair_new returns '-1 on failure'; without a base there is "
           "no pair to make: -1, pair untouched, no crash");
  EXPECT_IN_CHILD({
    bufferevent* pair[2] = {nullptr, nullptr};
    EXPECT_EQ(bufferevent_pair_new(nullptr, 0, pair), -1);
    EXPECT_EQ(pair[0], nullptr);
  });
}

}  // namespace
}  // namespace evc
