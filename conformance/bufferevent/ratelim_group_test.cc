// Rate-limit groups (bufferevent.h: "A rate-limit group constrains the
// maximum number of bytes sent and received, in toto, by all of its
// bufferevents"), freeing rate-limited bufferevents, and bad input.
#include <utility>
#include <vector>

#include "ratelim_fixture.h"

namespace evc {
namespace {

class BufferEventRateLimitGroup : public RateLimitTest {
 protected:
  // A transfer of `in` bytes to bev_ and `out` bytes from it, run to the end.
  void Transfer(size_t in, size_t out) {
    const std::string data(out, 'o');
    ASSERT_EQ(bufferevent_write(bev_, data.data(), data.size()), 0);
    read_ = 0;
    auto done = [this, in](bufferevent* bev) {
      read_ += Drain(bufferevent_get_input(bev)).size();
      if (read_ == in && evbuffer_get_length(bufferevent_get_output(bev)) == 0) event_base_loopbreak(base_);
    };
    log_bev_.on_read = done;
    log_bev_.on_write = done;
    bufferevent_enable(bev_, EV_READ);
    PeerFill(in);
    RunFor(1000);
    ASSERT_EQ(read_, in);
    ASSERT_EQ(PeerRecv().size(), out);
  }
  static std::pair<uint64_t, uint64_t> Totals(bufferevent_rate_limit_group* g) {
    ev_uint64_t r = 7, w = 7;
    bufferevent_rate_limit_group_get_totals(g, &r, &w);
    return {r, w};
  }
};
class BufferEventRateLimitLife : public RateLimitTest {};
class BufferEventRateLimitBadInput : public RateLimitTest {};

constexpr int kTickMs = 50;

TEST_F(BufferEventRateLimitGroup, NewGroupStartsAtTheRateAndSetCfgClips) {
  EVC_RULE("bufferevent.h/bufferevent_rate_limit_group_new/buckets",
           "bufferevent.h: a group's buckets start at what one tick allows (rate = burst: exact) "
           "and can be decremented below zero and back; set_cfg returns 0 and cuts a fuller "
           "bucket to the new burst");
  bufferevent_rate_limit_group* g = Group(Cfg(100, 100, 50, 50, 1000));
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(bufferevent_rate_limit_group_get_read_limit(g), 100);
  EXPECT_EQ(bufferevent_rate_limit_group_get_write_limit(g), 50);
  EXPECT_EQ(bufferevent_rate_limit_group_decrement_read(g, 500), 0);
  EXPECT_EQ(bufferevent_rate_limit_group_get_read_limit(g), -400);
  EXPECT_EQ(bufferevent_rate_limit_group_decrement_write(g, -1000), 0);
  EXPECT_EQ(bufferevent_rate_limit_group_get_write_limit(g), 1050);
  EXPECT_EQ(bufferevent_rate_limit_group_set_cfg(g, Cfg(10, 20, 10, 20, 1000)), 0);
  EXPECT_EQ(bufferevent_rate_limit_group_get_read_limit(g), -400);
  EXPECT_EQ(bufferevent_rate_limit_group_get_write_limit(g), 20);
}

TEST_F(BufferEventRateLimitGroup, MinShareTakesAnySsizeValue) {
  EVC_RULE("bufferevent.h/bufferevent_rate_limit_group_set_min_share/range",
           "bufferevent.h: set_min_share 'Returns 0 on success, -1 on failure'; observed "
           "libevent 2.1.12: any value up to EV_SSIZE_MAX (0 included) succeeds, above fails");
  bufferevent_rate_limit_group* g = Group(Cfg(1000, 1000, 1000, 1000, 1000));
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(bufferevent_rate_limit_group_set_min_share(g, 0), 0);
  EXPECT_EQ(bufferevent_rate_limit_group_set_min_share(g, 10), 0);
  EXPECT_EQ(bufferevent_rate_limit_group_set_min_share(g, EV_SSIZE_MAX), 0);
  EXPECT_EQ(bufferevent_rate_limit_group_set_min_share(g, static_cast<size_t>(EV_SSIZE_MAX) + 1), -1);
}

TEST_F(BufferEventRateLimitGroup, AMemberMayMoveAtLeastTheMinShare) {
  EVC_RULE("bufferevent.h/bufferevent_rate_limit_group_set_min_share/smallest-quantum",
           "bufferevent.h: the min share is \"the smallest quantum we're willing to allocate to "
           "any single bufferevent in a group for reading or writing at a time\", 64 bytes by "
           "default: four members of a group with 100 in each bucket may each move 64 (not "
           "100 / 4), 25 with a min share of 0, 50 with 50");
  bufferevent_rate_limit_group* g = Group(Cfg(100, 100, 100, 100, 1000));
  ASSERT_NE(g, nullptr);
  std::vector<End*> members;
  for (int i = 0; i < 4; ++i) {
    members.push_back(NewEnd());
    ASSERT_EQ(bufferevent_add_to_rate_limit_group(members.back()->bev, g), 0);
  }
  for (const auto& [share, each] : {std::pair<size_t, ev_ssize_t>{64, 64}, {0, 25}, {50, 50}}) {
    if (share != 64) ASSERT_EQ(bufferevent_rate_limit_group_set_min_share(g, share), 0);
    for (End* e : members) {
      EXPECT_EQ(bufferevent_get_max_to_read(e->bev), each) << "min share " << share;
      EXPECT_EQ(bufferevent_get_max_to_write(e->bev), each) << "min share " << share;
    }
  }
}

TEST_F(BufferEventRateLimitGroup, MembersReadAtMostTheirShare) {
  EVC_RULE("bufferevent.h/bufferevent_add_to_rate_limit_group/share",
           "bufferevent.h: a member may move no more than the group allows: with 1000 in the "
           "bucket and two members, each may read something and at most 1000; once the group's "
           "bucket is below zero, nothing");
  bufferevent_rate_limit_group* g = Group(Cfg(1000, 1000, 1000, 1000, 1000));
  ASSERT_NE(g, nullptr);
  End* a = NewEnd();
  End* b = NewEnd();
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(a->bev, g), 0);
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(b->bev, g), 0);
  for (End* e : {a, b}) {
    EXPECT_GT(bufferevent_get_max_to_read(e->bev), 0);
    EXPECT_LE(bufferevent_get_max_to_read(e->bev), 1000);
    EXPECT_EQ(bufferevent_get_read_limit(e->bev), EV_SSIZE_MAX);  // "does not inspect the group"
  }
  ASSERT_EQ(bufferevent_rate_limit_group_decrement_read(g, 5000), 0);
  EXPECT_EQ(bufferevent_get_max_to_read(a->bev), 0);
  EXPECT_EQ(bufferevent_get_max_to_read(b->bev), 0);
}

TEST_F(BufferEventRateLimitGroup, TotalsCountEveryByteAndReset) {
  EVC_RULE("bufferevent.h/bufferevent_rate_limit_group_get_totals/exact",
           "bufferevent.h: get_totals gives 'the total number of bytes ever read on grp' and "
           "written; reset_totals sets both to 0");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_rate_limit_group* g = Group(Cfg(1 << 20, 1 << 20, 1 << 20, 1 << 20, 1000));
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(Totals(g), std::make_pair(uint64_t{0}, uint64_t{0}));
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(bev_, g), 0);
  Transfer(1000, 300);
  EXPECT_EQ(Totals(g), std::make_pair(uint64_t{1000}, uint64_t{300}));
  bufferevent_rate_limit_group_get_totals(g, nullptr, nullptr);  // either may be NULL
  bufferevent_rate_limit_group_reset_totals(g);
  EXPECT_EQ(Totals(g), std::make_pair(uint64_t{0}, uint64_t{0}));
}

TEST_F(BufferEventRateLimitGroup, MovingToAnotherGroupLeavesTheFirst) {
  EVC_RULE("bufferevent.h/bufferevent_add_to_rate_limit_group/move",
           "bufferevent.h: 'If bev is already a member of a group, it will be removed from its old "
           "group before being added to g'; remove_from_rate_limit_group removes it 'if any' "
           "(0 when in none); bytes count only in the current group");
  ASSERT_NE(NewPairBev(), nullptr);
  bufferevent_rate_limit_group* g1 = Group(Cfg(1 << 20, 1 << 20, 1 << 20, 1 << 20, 1000));
  bufferevent_rate_limit_group* g2 = Group(Cfg(1 << 20, 1 << 20, 1 << 20, 1 << 20, 1000));
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(bev_, g1), 0);
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(bev_, g2), 0);
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(bev_, g2), 0);  // already there
  Transfer(100, 10);
  EXPECT_EQ(Totals(g1), std::make_pair(uint64_t{0}, uint64_t{0}));
  EXPECT_EQ(Totals(g2), std::make_pair(uint64_t{100}, uint64_t{10}));
  EXPECT_EQ(bufferevent_remove_from_rate_limit_group(bev_), 0);
  EXPECT_EQ(bufferevent_remove_from_rate_limit_group(bev_), 0);
  Transfer(50, 5);
  EXPECT_EQ(Totals(g2), std::make_pair(uint64_t{100}, uint64_t{10}));
}

TEST_F(BufferEventRateLimitGroup, MembersTogetherRespectTheGroupBucket) {
  EVC_RULE("bufferevent.h/bufferevent_rate_limit_group_new/shared",
           "bufferevent.h: the group 'constrains the maximum number of bytes ... in toto': two "
           "members' reads together stay within the group's bucket bound (plus one min share per "
           "member: a share is at least the min share), and the totals are their sum");
  bufferevent_rate_limit_group* g = Group(Cfg(1000, 2000, 1000, 2000, kTickMs));
  ASSERT_NE(g, nullptr);
  const double t0 = Now();
  End* ends[] = {NewEnd(), NewEnd()};
  for (End* e : ends) {
    ASSERT_EQ(bufferevent_add_to_rate_limit_group(e->bev, g), 0);
    ASSERT_EQ(send(e->peer, std::string(64 * 1024, 'g').data(), 64 * 1024, 0), 64 * 1024);
  }
  RunFor(300);
  const double t = Now() - t0;
  const size_t sum = ends[0]->got + ends[1]->got;
  EXPECT_GT(sum, 0u);
  EXPECT_LE(sum, Bound(2000, 1000, kTickMs, t) + 2 * 64) << "in " << t << " s";
  EXPECT_EQ(Totals(g).first, sum);
  RecordProperty("group_read_bytes_per_s", std::to_string(static_cast<long>(sum / t)));
}

TEST_F(BufferEventRateLimitLife, FreeInsideTheReadCallbackWithARefillPending) {
  EVC_RULE("bufferevent.h/bufferevent_free/rate-limited-in-callback",
           "bufferevent.h: bufferevent_free inside a callback is safe; a rate-limited "
           "bufferevent whose bucket just ran out (a refill pending) calls nothing after it, "
           "for two ticks after");
  ASSERT_NE(NewPairBev(), nullptr);
  ASSERT_EQ(bufferevent_set_rate_limit(bev_, Cfg(10, 10, 10, 10, kTickMs)), 0);
  log_bev_.on_read = [this](bufferevent*) { FreeBev(); };
  bufferevent_enable(bev_, EV_READ);
  PeerFill(100);
  RunFor(3 * kTickMs);
  EXPECT_EQ(log_bev_.reads, 1);
  EXPECT_EQ(bev_, nullptr);
}

TEST_F(BufferEventRateLimitLife, AFreedMemberLeavesItsGroup) {
  EVC_RULE("bufferevent.h/bufferevent_rate_limit_group_free/after-members-freed",
           "bufferevent.h: a group 'must have no members' when freed: a member freed inside its "
           "own read callback leaves it (observed libevent 2.1.12: once the loop has run again, as "
           "its free is finished then), and its bytes stay in the totals");
  ASSERT_NE(NewPairBev(), nullptr);
  ev_token_bucket_cfg* cfg = Cfg(1 << 20, 1 << 20, 1 << 20, 1 << 20, 1000);
  bufferevent_rate_limit_group* g = bufferevent_rate_limit_group_new(base_, cfg);
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(bev_, g), 0);
  log_bev_.on_read = [this](bufferevent*) { FreeBev(); };
  bufferevent_enable(bev_, EV_READ);
  PeerFill(100);
  RunFor(200);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  ASSERT_EQ(bev_, nullptr);
  ev_uint64_t r = 0;
  bufferevent_rate_limit_group_get_totals(g, &r, nullptr);
  EXPECT_EQ(r, 100u);
  bufferevent_rate_limit_group_free(g);
}

TEST_F(BufferEventRateLimitLife, AGroupWhoseMembersLeftCanBeFreed) {
  EVC_RULE("bufferevent.h/bufferevent_rate_limit_group_free/no-members",
           "bufferevent.h: 'The group must have no members when this function is called': after "
           "one member is removed and the other moved to another group, the first group frees");
  bufferevent_rate_limit_group* g2 = Group(Cfg(100, 100, 100, 100, 1000));
  bufferevent_rate_limit_group* g = bufferevent_rate_limit_group_new(base_, Cfg(100, 100, 100, 100, 1000));
  ASSERT_NE(g, nullptr);
  End* a = NewEnd();
  End* b = NewEnd();
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(a->bev, g), 0);
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(b->bev, g), 0);
  ASSERT_EQ(bufferevent_remove_from_rate_limit_group(a->bev), 0);
  ASSERT_EQ(bufferevent_add_to_rate_limit_group(b->bev, g2), 0);
  bufferevent_rate_limit_group_free(g);
  RunFor(kTickMs);  // nothing of g's runs any more
}

TEST_F(BufferEventRateLimitBadInput, NullConfigsAndGroupsWhereLibeventChecks) {
  EVC_RULE("bufferevent.h/bufferevent_rate_limit_group_set_cfg/null",
           "observed libevent 2.1.12: group_set_cfg with a NULL group or config fails (-1); "
           "removing a bufferevent that is in no group, or adding it to NULL then, succeeds (0). "
           "(Other NULL handles crash libevent: not a documented input)");
  ASSERT_NE(NewPairBev(), nullptr);
  ev_token_bucket_cfg* cfg = Cfg(100, 100, 100, 100, 1000);
  bufferevent_rate_limit_group* g = Group(cfg);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(bufferevent_rate_limit_group_set_cfg(nullptr, cfg), -1);
  EXPECT_EQ(bufferevent_rate_limit_group_set_cfg(g, nullptr), -1);
  EXPECT_EQ(bufferevent_remove_from_rate_limit_group(bev_), 0);
  EXPECT_EQ(bufferevent_add_to_rate_limit_group(bev_, nullptr), 0);
  EXPECT_EQ(bufferevent_get_read_limit(bev_), EV_SSIZE_MAX);
}

TEST_F(BufferEventRateLimitBadInput, AddingToANullGroupRemovesFromTheCurrentOne) {
  EVC_RULE("bufferevent.h/bufferevent_add_to_rate_limit_group/null-removes",
           "bufferevent.h: 'If g is NULL, remove bev from its current group' (0 on success): "
           "afterwards its bytes no longer count in the group's totals");
  EXPECT_IN_CHILD({
    event_base* base = event_base_new();
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    bufferevent* bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
    ev_token_bucket_cfg* cfg = ev_token_bucket_cfg_new(100, 100, 100, 100, nullptr);
    bufferevent_rate_limit_group* g = bufferevent_rate_limit_group_new(base, cfg);
    ASSERT_EQ(bufferevent_add_to_rate_limit_group(bev, g), 0);
    EXPECT_EQ(bufferevent_add_to_rate_limit_group(bev, nullptr), 0);
    bufferevent_rate_limit_group_free(g);  // no members left
    bufferevent_free(bev);
    ev_token_bucket_cfg_free(cfg);
    close(sv[1]);
    event_base_free(base);
  });
}

TEST_F(BufferEventRateLimitBadInput, ATickShorterThanAMillisecondIsRefusedOrUsable) {
  EVC_RULE("bufferevent.h/ev_token_bucket_cfg_new/sub-millisecond-tick",
           "bufferevent.h: 'Any fractions of a millisecond are ignored' in tick_len: a zero or "
           "0.5 ms tick either gives NULL or a config that bufferevent_set_rate_limit takes "
           "(0) or refuses (-1) like any other, the loop running on");
  for (const timeval tick : {timeval{0, 0}, timeval{0, 500}}) {
    SCOPED_TRACE(tick.tv_usec);
    EXPECT_IN_CHILD({
      event_base* base = event_base_new();
      bufferevent* bev = bufferevent_socket_new(base, -1, 0);
      ev_token_bucket_cfg* cfg = ev_token_bucket_cfg_new(100, 100, 100, 100, &tick);
      if (cfg != nullptr) {
        const int r = bufferevent_set_rate_limit(bev, cfg);
        EXPECT_TRUE(r == 0 || r == -1) << r;
        bufferevent_get_read_limit(bev);
        event_base_loop(base, EVLOOP_NONBLOCK);
      }
      bufferevent_free(bev);
      ev_token_bucket_cfg_free(cfg);
      event_base_free(base);
    });
  }
}

}  // namespace
}  // namespace evc
