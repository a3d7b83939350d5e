// Token buckets, groups and a bufferevent's limits, after libevent 2.1.12's
// bufferevent_ratelim.c (same accounting; see ratelim.h).
#include "ratelim.h"

#include <algorithm>
#include <climits>

#include "bufferevent.h"
#include "event_base.h"
#include "thread.h"

namespace evref {

namespace {

constexpr ssize_t kSsizeMax = SSIZE_MAX;  // EV_SSIZE_MAX, EV_RATE_LIMIT_MAX
constexpr ssize_t kMaxSingleDefault = 16384;  // MAX_SINGLE_{READ,WRITE}_DEFAULT

short other(short dir) { return dir == kRead ? kWrite : kRead; }

}  // namespace

// ------------------------------------------------------------ buckets

bool BucketCfg::make(size_t rr, size_t rb, size_t wr, size_t wb, const Micros* tick, BucketCfg& out) noexcept {
  const Micros len = tick ? *tick : 1000000;
  if (rr > rb || wr > wb || rr < 1 || wr < 1) return false;
  if (rb > static_cast<size_t>(kSsizeMax) || wb > static_cast<size_t>(kSsizeMax)) return false;
  if (len < 1000 || len / 1000 > UINT32_MAX) return false;
  out = {rr, rb, wr, wb, len, static_cast<uint64_t>(len / 1000)};
  return true;
}

size_t BucketCfg::rate(short dir) const noexcept { return dir == kRead ? read_rate : write_rate; }
size_t BucketCfg::burst(short dir) const noexcept { return dir == kRead ? read_max : write_max; }

void Bucket::init(const BucketCfg& cfg, uint32_t tick, bool again) noexcept {
  if (again) {  // this tick's bandwidth may be spent already: only cut down
    read = std::min(read, static_cast<ssize_t>(cfg.read_max));
    write = std::min(write, static_cast<ssize_t>(cfg.write_max));
    return;
  }
  read = static_cast<ssize_t>(cfg.read_rate);
  write = static_cast<ssize_t>(cfg.write_rate);
  last_tick = tick;
}

// The tick counter may wrap (unsigned difference); a clock going back, or
// no tick, adds nothing. A rate per tick, saturating at the burst, as
// libevent's overflow-safe `(max - limit) / n < rate` test does; a bucket a
// manual refill put above the burst keeps growing there, as in libevent,
// but stops at EV_SSIZE_MAX instead of overflowing.
void Bucket::update(const BucketCfg& cfg, uint32_t tick) noexcept {
  const uint32_t n = tick - last_tick;
  if (n == 0 || n > INT_MAX) return;
  for (short dir : {kRead, kWrite}) {
    ssize_t& lim = of(dir);
    const __int128 burst = static_cast<__int128>(cfg.burst(dir));
    __int128 v = static_cast<__int128>(lim) + static_cast<__int128>(cfg.rate(dir)) * n;
    if (lim <= burst && v > burst) v = burst;
    lim = static_cast<ssize_t>(std::min<__int128>(v, kSsizeMax));
  }
  last_tick = tick;
}

// ------------------------------------------------------------ groups

RateGroup::RateGroup(Base& base, const BucketCfg& cfg) noexcept : cfg_(cfg), base_(base) {
  lock_ = thread::alloc_lock(thread::kRecursive);
  bucket_.init(cfg_, cfg_.tick_at(base_.now()), false);
  Base::assign(refill_, &base_, -1, kPersist, refill, this);
  base_.add(refill_, &cfg_.tick, false);
  set_min_share(configured_min_share_);
}

RateGroup::~RateGroup() {
  base_.del(refill_, Base::kDelNoBlock);
  while (!members_.empty()) members_.back()->leave(true);
  thread::free_lock(lock_, thread::kRecursive);
}

// A new tick length restarts the refill timer (libevent: "can cause a
// hiccup in the schedule"); the buckets are only cut to the new bursts.
void RateGroup::set_cfg(const BucketCfg& cfg) noexcept {
  thread::Locked locked(lock_);
  const bool same_tick = cfg.tick == cfg_.tick;
  cfg_ = cfg;
  bucket_.init(cfg_, 0, true);
  if (!same_tick) base_.add(refill_, &cfg_.tick, false);
  set_min_share(configured_min_share_);
}

// Never above a tick's rate, so at steady state one member may go a tick.
int RateGroup::set_min_share(size_t share) noexcept {
  thread::Locked locked(lock_);
  if (share > static_cast<size_t>(kSsizeMax)) return -1;
  configured_min_share_ = share;
  min_share_ = std::min({share, cfg_.read_rate, cfg_.write_rate});
  return 0;
}

ssize_t RateGroup::share(short dir) const noexcept {
  const ssize_t each = limit(dir) / static_cast<ssize_t>(std::max<size_t>(members_.size(), 1));
  return std::max(each, static_cast<ssize_t>(min_share_));
}

void RateGroup::decrement(short dir, ssize_t n) noexcept {
  thread::Locked locked(lock_);
  ssize_t& lim = bucket_.of(dir);
  const ssize_t old = lim;
  lim -= n;
  if (old > 0 && lim <= 0) suspend_all(dir);
  else if (old <= 0 && lim > 0) resume_all(dir);
}

void RateGroup::charge(short dir, ssize_t n) noexcept {
  thread::Locked locked(lock_);
  ssize_t& lim = bucket_.of(dir);
  lim -= n;
  (dir == kRead ? total_read : total_written) += static_cast<uint64_t>(n);
  if (lim <= 0) suspend_all(dir);
  else if (dir == kRead ? read_suspended_ : write_suspended_) resume_all(dir);
}

void RateGroup::suspend_all(short dir) noexcept {
  (dir == kRead ? read_suspended_ : write_suspended_) = true;
  // A member whose lock is busy finds out from allowed() (libevent's
  // bev_group_suspend_reading_ does the same).
  for (RateLimit* m : members_) {
    if (!thread::try_lock(m->bev_.lock())) continue;
    m->bev_.suspend(dir, Bufferevent::kSuspendBwGroup);
    thread::unlock(m->bev_.lock());
  }
}

// Starting from a different member each time, for some fairness.
void RateGroup::resume_all(short dir) noexcept {
  (dir == kRead ? read_suspended_ : write_suspended_) = false;
  const size_t n = members_.size();
  const size_t first = n ? next_++ % n : 0;
  bool again = false;  // a member's lock was busy: the next refill retries
  for (size_t i = 0; i < n && i < members_.size(); ++i) {
    Bufferevent& bev = members_[(first + i) % members_.size()]->bev_;
    if (!thread::try_lock(bev.lock())) {
      again = true;
      continue;
    }
    bev.unsuspend(dir, Bufferevent::kSuspendBwGroup);
    thread::unlock(bev.lock());
  }
  (dir == kRead ? read_suspended_ : write_suspended_) = again;
}

void RateGroup::refill(int, short, void* arg) {
  RateGroup* g = static_cast<RateGroup*>(arg);
  thread::Locked locked(g->lock_);
  g->bucket_.update(g->cfg_, g->cfg_.tick_at(g->base_.now()));
  const ssize_t min_share = static_cast<ssize_t>(g->min_share_);
  if (g->read_suspended_ && g->bucket_.read >= min_share) g->resume_all(kRead);
  if (g->write_suspended_ && g->bucket_.write >= min_share) g->resume_all(kWrite);
}

// ------------------------------------------------------------ a bufferevent's

RateLimit::RateLimit(Bufferevent& bev, Base& base) noexcept
    : bev_(bev), max_read_(kMaxSingleDefault), max_write_(kMaxSingleDefault) {
  Base::assign(refill_, &base, -1, 0, refill, this);
}

void RateLimit::rebind() noexcept { Base::assign(refill_, &bev_.base(), -1, 0, refill, this); }

RateLimit::~RateLimit() {
  bev_.base().del(refill_, Base::kDelNoBlock);
  leave(false);
}

// 0, or above EV_SSIZE_MAX: the default (libevent).
void RateLimit::set_max_single(short dir, size_t size) noexcept {
  const ssize_t v = size == 0 || size > static_cast<size_t>(kSsizeMax) ? kMaxSingleDefault : static_cast<ssize_t>(size);
  (dir == kRead ? max_read_ : max_write_) = v;
}

void RateLimit::refresh() noexcept {
  if (cfg_) bucket_.update(*cfg_, cfg_->tick_at(bev_.base().now()));
}

void RateLimit::start_refill() noexcept { bev_.base().add(refill_, &cfg_->tick, false); }

// libevent's bufferevent_set_rate_limit: a new config cuts the buckets to
// its bursts; an empty bucket suspends its direction until a refill.
int RateLimit::set_cfg(const BucketCfg* cfg) noexcept {
  if (cfg == nullptr) {
    if (cfg_ == nullptr) return 0;
    cfg_ = nullptr;
    bev_.base().del(refill_, Base::kDelNoBlock);
    bev_.unsuspend(kRead, Bufferevent::kSuspendBw);
    bev_.unsuspend(kWrite, Bufferevent::kSuspendBw);
    return 0;
  }
  if (cfg == cfg_) return 0;
  const bool again = cfg_ != nullptr;
  cfg_ = cfg;
  bucket_.init(*cfg_, cfg_->tick_at(bev_.base().now()), again);
  bev_.base().del(refill_, Base::kDelNoBlock);
  bool suspended = false;
  for (short dir : {kRead, kWrite}) {
    if (bucket_.of(dir) > 0) {
      bev_.unsuspend(dir, Bufferevent::kSuspendBw);
    } else {
      bev_.suspend(dir, Bufferevent::kSuspendBw);
      suspended = true;
    }
  }
  if (suspended) start_refill();
  return 0;
}

ssize_t RateLimit::limit(short dir) noexcept {
  if (cfg_ == nullptr) return kSsizeMax;
  refresh();
  return bucket_.of(dir);
}

// Crossing zero suspends or resumes the direction; the group is untouched
// (bufferevent.h). libevent asserts a config; the reference fails.
int RateLimit::decrement(short dir, ssize_t n) noexcept {
  if (cfg_ == nullptr) return -1;
  ssize_t& lim = bucket_.of(dir);
  const ssize_t old = lim;
  lim = static_cast<ssize_t>(std::max<__int128>(std::min<__int128>(static_cast<__int128>(lim) - n, kSsizeMax), -kSsizeMax));
  if (old > 0 && lim <= 0) {
    bev_.suspend(dir, Bufferevent::kSuspendBw);
    start_refill();
  } else if (old <= 0 && lim > 0) {
    if (!(bev_.suspended(other(dir)) & Bufferevent::kSuspendBw)) bev_.base().del(refill_, Base::kDelNoBlock);
    bev_.unsuspend(dir, Bufferevent::kSuspendBw);
  }
  return 0;
}

int RateLimit::join(RateGroup* g) noexcept {
  if (g == group_) return 0;
  leave(true);
  if (g == nullptr) return 0;  // the header: "If g is NULL, remove bev"
  thread::Locked locked(g->lock_);
  try {
    g->members_.push_back(this);
  } catch (...) {
    return -1;
  }
  group_ = g;
  if (g->read_suspended_) bev_.suspend(kRead, Bufferevent::kSuspendBwGroup);
  if (g->write_suspended_) bev_.suspend(kWrite, Bufferevent::kSuspendBwGroup);
  return 0;
}

void RateLimit::leave(bool resume) noexcept {
  if (group_) {
    thread::Locked locked(group_->lock_);
    std::vector<RateLimit*>& m = group_->members_;
    m.erase(std::find(m.begin(), m.end(), this));
    group_ = nullptr;
  }
  if (!resume) return;
  bev_.unsuspend(kRead, Bufferevent::kSuspendBwGroup);
  bev_.unsuspend(kWrite, Bufferevent::kSuspendBwGroup);
}

// libevent's bufferevent_get_rlim_max_: the single-operation size, replaced
// (not bounded: libevent's quirk) by the bucket when there is a config, then
// bounded by the group's share; a suspended group gives 0.
ssize_t RateLimit::allowed(short dir) noexcept {
  ssize_t most = max_single(dir);
  if (cfg_) {
    refresh();
    most = bucket_.of(dir);
  }
  if (group_) {
    if (dir == kRead ? group_->read_suspended_ : group_->write_suspended_) {
      bev_.suspend(dir, Bufferevent::kSuspendBwGroup);
      most = 0;
    } else {
      most = std::min(most, group_->share(dir));
    }
  }
  return std::max<ssize_t>(most, 0);
}

// libevent's bufferevent_decrement_{read,write}_buckets_.
void RateLimit::moved(short dir, ssize_t n) noexcept {
  if (cfg_) {
    ssize_t& lim = bucket_.of(dir);
    lim -= n;
    if (lim <= 0) {
      bev_.suspend(dir, Bufferevent::kSuspendBw);
      start_refill();
    } else if (bev_.suspended(dir) & Bufferevent::kSuspendBw) {
      if (!(bev_.suspended(other(dir)) & Bufferevent::kSuspendBw)) bev_.base().del(refill_, Base::kDelNoBlock);
      bev_.unsuspend(dir, Bufferevent::kSuspendBw);
    }
  }
  if (group_) group_->charge(dir, n);
}

// One tick after a bucket ran out: resume what is above zero again, wait
// another tick for the rest.
void RateLimit::refill(int, short, void* arg) {
  RateLimit* r = static_cast<RateLimit*>(arg);
  thread::Locked locked(r->bev_.lock());
  if (r->cfg_ == nullptr) return;
  r->refresh();
  bool again = false;
  for (short dir : {kRead, kWrite}) {
    if (!(r->bev_.suspended(dir) & Bufferevent::kSuspendBw)) continue;
    if (r->bucket_.of(dir) > 0) r->bev_.unsuspend(dir, Bufferevent::kSuspendBw);
    else again = true;
  }
  if (again) r->start_refill();
}

}  // namespace evref
