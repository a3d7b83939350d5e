// Rate limiting for every kind of bufferevent, after libevent 2.1.12's
// bufferevent_ratelim.c: token-bucket configs, a bufferevent's own buckets
// (RateLimit, one per Bufferevent) and groups sharing one bucket
// (RateGroup). A kind asks RateLimit::allowed how much it may move now and
// reports what it moved with RateLimit::moved; an exhausted bucket suspends
// the direction (Bufferevent::suspend with kSuspendBw or kSuspendBwGroup)
// until a refill timer finds it above zero again.
//
// Ticks are counted from the base's cached monotonic time (libevent uses its
// cached wall-clock time): a bucket gains `rate` per tick boundary crossed,
// never beyond the burst. Buckets start at the rate, not the burst, as in
// libevent's ev_token_bucket_init_.
#ifndef EVREF_CORE_RATELIM_H
#define EVREF_CORE_RATELIM_H

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "event_types.h"

namespace evref {

class Bufferevent;
class RateGroup;
class RateLimit;

// ev_token_bucket_cfg.
struct BucketCfg {
  size_t read_rate = 0, read_max = 0, write_rate = 0, write_max = 0;
  Micros tick = 0;             // the refill timers' period
  uint64_t msec_per_tick = 0;  // what counts ticks (fractions of a ms dropped)
  // Fills `out`; false for what libevent refuses (a zero rate, a burst
  // below the rate, a value above EV_SSIZE_MAX) and for a tick under 1 ms
  // (libevent takes it, then divides by zero) or negative. NULL tick: 1 s.
  static bool make(size_t rr, size_t rb, size_t wr, size_t wb, const Micros* tick, BucketCfg& out) noexcept;
  uint32_t tick_at(Micros now) const noexcept { return static_cast<uint32_t>(now / 1000 / msec_per_tick); }
  size_t rate(short dir) const noexcept;
  size_t burst(short dir) const noexcept;
};

// ev_token_bucket: what may still be read and written in this tick.
struct Bucket {
  ssize_t read = 0, write = 0;
  uint32_t last_tick = 0;
  // Fresh: both at the rate. Again (a new config): only cut to the burst.
  void init(const BucketCfg& cfg, uint32_t tick, bool again) noexcept;
  // Adds a rate per tick since the last update, saturating at the burst.
  void update(const BucketCfg& cfg, uint32_t tick) noexcept;
  ssize_t& of(short dir) noexcept { return dir == kRead ? read : write; }
};

// bufferevent_rate_limit_group.
class RateGroup {
 public:
  RateGroup(Base& base, const BucketCfg& cfg) noexcept;
  ~RateGroup();  // members still in it (against the header's rule) leave it
  RateGroup(const RateGroup&) = delete;
  RateGroup& operator=(const RateGroup&) = delete;

  void set_cfg(const BucketCfg& cfg) noexcept;
  int set_min_share(size_t share) noexcept;
  ssize_t limit(short dir) const noexcept { return dir == kRead ? bucket_.read : bucket_.write; }
  // A user's decrement: crossing zero suspends or resumes every member.
  void decrement(short dir, ssize_t n) noexcept;
  uint64_t total_read = 0, total_written = 0;
  // The group's own lock (libevent's: recursive, made when lock callbacks
  // are set); it nests inside the members' locks, so the group takes a
  // member's only with EVTHREAD_TRY.
  void* lock() const noexcept { return lock_; }

 private:
  friend class RateLimit;
  void charge(short dir, ssize_t n) noexcept;  // a member moved n bytes
  ssize_t share(short dir) const noexcept;
  void suspend_all(short dir) noexcept;
  void resume_all(short dir) noexcept;
  static void refill(int, short, void* arg);

  BucketCfg cfg_;
  Bucket bucket_;
  Event refill_;  // every tick, while the group exists
  Base& base_;
  size_t configured_min_share_ = 64, min_share_ = 64;  // the header: "currently 64 bytes"
  bool read_suspended_ = false, write_suspended_ = false;
  size_t next_ = 0;  // who resumes first next time (libevent: a random member)
  std::vector<RateLimit*> members_;
  void* lock_ = nullptr;
};

// A bufferevent's rate-limit state: single-operation sizes, its own bucket
// (a config set by the user, who keeps it alive) and its group.
class RateLimit {
 public:
  // The base is given apart: the owner's members are still being built.
  RateLimit(Bufferevent& bev, Base& base) noexcept;
  ~RateLimit();  // leaves the group, stops the refill timer
  RateLimit(const RateLimit&) = delete;
  RateLimit& operator=(const RateLimit&) = delete;

  // bufferevent_{get,set}_max_single_{read,write}.
  ssize_t max_single(short dir) const noexcept { return dir == kRead ? max_read_ : max_write_; }
  void set_max_single(short dir, size_t size) noexcept;
  // NULL removes the bufferevent's own limit.
  int set_cfg(const BucketCfg* cfg) noexcept;
  const BucketCfg* cfg() const noexcept { return cfg_; }
  // Neither a limit of its own nor a group: nothing waits on the base, and
  // rebind() may move the refill timer to the bufferevent's new base.
  bool idle() const noexcept { return cfg_ == nullptr && group_ == nullptr; }
  void rebind() noexcept;
  ssize_t limit(short dir) noexcept;  // EV_SSIZE_MAX without a config
  int decrement(short dir, ssize_t n) noexcept;  // -1 without a config
  int join(RateGroup* g) noexcept;  // NULL: leave
  void leave(bool resume) noexcept;

  // For the kinds: how much may move now (0: wait), and what did.
  ssize_t allowed(short dir) noexcept;
  void moved(short dir, ssize_t n) noexcept;

 private:
  friend class RateGroup;
  void refresh() noexcept;
  void start_refill() noexcept;
  static void refill(int, short, void* arg);

  Bufferevent& bev_;
  ssize_t max_read_, max_write_;
  const BucketCfg* cfg_ = nullptr;
  Bucket bucket_;
  Event refill_;  // one tick after a bucket ran out
  RateGroup* group_ = nullptr;
};

}  // namespace evref

#endif  // EVREF_CORE_RATELIM_H
