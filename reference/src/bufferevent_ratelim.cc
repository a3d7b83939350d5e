// The C face of bufferevent.h's rate limits: configs, a bufferevent's
// limits, groups. The logic is in core/ratelim.h. NULL handles get -1 /
// EV_SSIZE_MAX / 0 / nothing where libevent 2.1.12 checks them, and the
// same answers where it would crash (it dereferences or asserts).
#include <event2/bufferevent.h>

#include <new>

#include "core/bufferevent.h"
#include "bufferevent_handle.h"
#include "core/ratelim.h"
#include "core/thread.h"
#include "facade.h"

struct ev_token_bucket_cfg final : evref::BucketCfg {};
struct bufferevent_rate_limit_group final : evref::RateGroup {
  using evref::RateGroup::RateGroup;
};

namespace {

using evref::Bufferevent;
using evref::kRead;
using evref::kWrite;
using H = evref::BevHandle;

evref::RateLimit* rl(bufferevent* bev) { return bev ? &H::core(bev)->ratelim() : nullptr; }
const ev_token_bucket_cfg* facade(const evref::BucketCfg* cfg) { return static_cast<const ev_token_bucket_cfg*>(cfg); }

}  // namespace

static_assert(EV_RATE_LIMIT_MAX == EV_SSIZE_MAX, "EV_RATE_LIMIT_MAX");

extern "C" {

ev_token_bucket_cfg* ev_token_bucket_cfg_new(size_t read_rate, size_t read_burst, size_t write_rate,
                                             size_t write_burst, const timeval* tick_len) {
  evref::Micros tick = 0;
  ev_token_bucket_cfg c;
  if (!evref::BucketCfg::make(read_rate, read_burst, write_rate, write_burst,
                              tick_len ? &(tick = evref::saturated_micros(*tick_len)) : nullptr, c))
    return nullptr;
  return new (std::nothrow) ev_token_bucket_cfg(c);
}

void ev_token_bucket_cfg_free(ev_token_bucket_cfg* cfg) { delete cfg; }

int bufferevent_set_rate_limit(bufferevent* bev, ev_token_bucket_cfg* cfg) {
  const evref::thread::Locked held(bev ? H::core(bev)->lock() : nullptr);
  return bev ? rl(bev)->set_cfg(cfg) : -1;
}

const ev_token_bucket_cfg* bufferevent_get_token_bucket_cfg(const bufferevent* bev) {
  const evref::thread::Locked held(bev ? H::core(const_cast<bufferevent*>(bev))->lock() : nullptr);
  return bev ? facade(rl(const_cast<bufferevent*>(bev))->cfg()) : nullptr;
}

int bufferevent_set_max_single_read(bufferevent* bev, size_t size) {
  const evref::thread::Locked held(bev ? H::core(bev)->lock() : nullptr);
  if (bev == nullptr) return -1;
  rl(bev)->set_max_single(kRead, size);
  return 0;
}

int bufferevent_set_max_single_write(bufferevent* bev, size_t size) {
  const evref::thread::Locked held(bev ? H::core(bev)->lock() : nullptr);
  if (bev == nullptr) return -1;
  rl(bev)->set_max_single(kWrite, size);
  return 0;
}

ev_ssize_t bufferevent_get_max_single_read(bufferevent* bev) {
  const evref::thread::Locked held(bev ? H::core(bev)->lock() : nullptr);
  return bev ? rl(bev)->max_single(kRead) : -1;
}
ev_ssize_t bufferevent_get_max_single_write(bufferevent* bev) {
  const evref::thread::Locked held(bev ? H::core(bev)->lock() : nullptr);
  return bev ? rl(bev)->max_single(kWrite) : -1;
}
ev_ssize_t bufferevent_get_read_limit(bufferevent* bev) {
  const evref::thread::Locked held(bev ? H::core(bev)->lock() : nullptr);
  return bev ? rl(bev)->limit(kRead) : EV_SSIZE_MAX;
}
ev_ssize_t bufferevent_get_write_limit(bufferevent* bev) {
  const evref::thread::Locked held(bev ? H::core(bev)->lock() : nullptr);
  return bev ? rl(bev)->limit(kWrite) : EV_SSIZE_MAX;
}
ev_ssize_t bufferevent_get_max_to_read(bufferevent* bev) {
  const evref::thread::Locked held(bev ? H::core(bev)->lock() : nullptr);
  return bev ? rl(bev)->allowed(kRead) : 0;
}
ev_ssize_t bufferevent_get_max_to_write(bufferevent* bev) {
  const evref::thread::Locked held(bev ? H::core(bev)->lock() : nullptr);
  return bev ? rl(bev)->allowed(kWrite) : 0;
}

int bufferevent_decrement_read_limit(bufferevent* bev, ev_ssize_t decr) {
  const evref::thread::Locked held(bev ? H::core(bev)->lock() : nullptr);
  return bev ? rl(bev)->decrement(kRead, decr) : -1;
}

int bufferevent_decrement_write_limit(bufferevent* bev, ev_ssize_t decr) {
  const evref::thread::Locked held(bev ? H::core(bev)->lock() : nullptr);
  return bev ? rl(bev)->decrement(kWrite, decr) : -1;
}

bufferevent_rate_limit_group* bufferevent_rate_limit_group_new(event_base* base, const ev_token_bucket_cfg* cfg) {
  if (base == nullptr || cfg == nullptr) return nullptr;
  return new (std::nothrow) bufferevent_rate_limit_group(*base, *cfg);
}

int bufferevent_rate_limit_group_set_cfg(bufferevent_rate_limit_group* g, const ev_token_bucket_cfg* cfg) {
  const evref::thread::Locked held(g ? g->lock() : nullptr);
  if (g == nullptr || cfg == nullptr) return -1;
  g->set_cfg(*cfg);
  return 0;
}

int bufferevent_rate_limit_group_set_min_share(bufferevent_rate_limit_group* g, size_t share) {
  const evref::thread::Locked held(g ? g->lock() : nullptr);
  return g ? g->set_min_share(share) : -1;
}

void bufferevent_rate_limit_group_free(bufferevent_rate_limit_group* g) { delete g; }

int bufferevent_add_to_rate_limit_group(bufferevent* bev, bufferevent_rate_limit_group* g) {
  const evref::thread::Locked held(bev ? H::core(bev)->lock() : nullptr);
  return bev ? rl(bev)->join(g) : -1;
}

int bufferevent_remove_from_rate_limit_group(bufferevent* bev) {
  const evref::thread::Locked held(bev ? H::core(bev)->lock() : nullptr);
  return bev ? rl(bev)->join(nullptr) : -1;
}

ev_ssize_t bufferevent_rate_limit_group_get_read_limit(bufferevent_rate_limit_group* g) {
  const evref::thread::Locked held(g ? g->lock() : nullptr);
  return g ? g->limit(kRead) : EV_SSIZE_MAX;
}

ev_ssize_t bufferevent_rate_limit_group_get_write_limit(bufferevent_rate_limit_group* g) {
  const evref::thread::Locked held(g ? g->lock() : nullptr);
  return g ? g->limit(kWrite) : EV_SSIZE_MAX;
}

int bufferevent_rate_limit_group_decrement_read(bufferevent_rate_limit_group* g, ev_ssize_t decr) {
  const evref::thread::Locked held(g ? g->lock() : nullptr);
  if (g == nullptr) return -1;
  g->decrement(kRead, decr);
  return 0;
}

int bufferevent_rate_limit_group_decrement_write(bufferevent_rate_limit_group* g, ev_ssize_t decr) {
  const evref::thread::Locked held(g ? g->lock() : nullptr);
  if (g == nullptr) return -1;
  g->decrement(kWrite, decr);
  return 0;
}

void bufferevent_rate_limit_group_get_totals(bufferevent_rate_limit_group* g, ev_uint64_t* total_read_out,
                                             ev_uint64_t* total_written_out) {
  const evref::thread::Locked held(g ? g->lock() : nullptr);
  if (g == nullptr) return;
  if (total_read_out) *total_read_out = g->total_read;
  if (total_written_out) *total_written_out = g->total_written;
}

void bufferevent_rate_limit_group_reset_totals(bufferevent_rate_limit_group* g) {
  const evref::thread::Locked held(g ? g->lock() : nullptr);
  if (g) g->total_read = g->total_written = 0;
}

}  // extern "C"
