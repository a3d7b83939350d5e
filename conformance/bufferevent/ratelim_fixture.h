// Fixture for the rate-limit tests: socket bufferevents on socket pairs, the
// configs and groups a test makes (freed after the bufferevents that use
// them: bufferevent.h, ev_token_bucket_cfg_free "is not safe ... until no
// bufferevent is using it"), and timed runs measured with the monotonic
// clock for the token bucket's bounds.
#ifndef EVC_RATELIM_FIXTURE_H
#define EVC_RATELIM_FIXTURE_H

#include <time.h>

#include <cmath>
#include <memory>

#include "bufferevent_fixture.h"

namespace evc {

class RateLimitTest : public BufferEventTest {
 protected:
  void TearDown() override {
    FreeBev();
    for (auto& e : ends_)
      if (e->bev) bufferevent_free(e->bev);
    if (base_) event_base_loop(base_, EVLOOP_NONBLOCK);  // freed members leave their groups
    for (bufferevent_rate_limit_group* g : groups_) bufferevent_rate_limit_group_free(g);
    for (ev_token_bucket_cfg* c : cfgs_) ev_token_bucket_cfg_free(c);
    for (auto& e : ends_) close(e->peer);
    BufferEventTest::TearDown();
  }

  // A config freed at teardown; tick in milliseconds.
  ev_token_bucket_cfg* Cfg(size_t rr, size_t rb, size_t wr, size_t wb, int tick_ms) {
    const timeval tick = {tick_ms / 1000, (tick_ms % 1000) * 1000};
    ev_token_bucket_cfg* c = ev_token_bucket_cfg_new(rr, rb, wr, wb, &tick);
    if (c) cfgs_.push_back(c);
    return c;
  }
  bufferevent_rate_limit_group* Group(ev_token_bucket_cfg* cfg) {
    bufferevent_rate_limit_group* g = bufferevent_rate_limit_group_new(base_, cfg);
    if (g) groups_.push_back(g);
    return g;
  }

  // Another socket bufferevent on a socket pair, reading enabled; its read
  // callback drains input, counting the bytes and the largest read.
  struct End {
    bufferevent* bev = nullptr;
    int peer = -1;
    size_t got = 0, max_read = 0;
    static void Read(bufferevent* bev, void* arg) {
      End* e = static_cast<End*>(arg);
      const size_t n = Drain(bufferevent_get_input(bev)).size();
      e->got += n;
      if (n > e->max_read) e->max_read = n;
    }
  };
  End* NewEnd() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return nullptr;
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    ends_.push_back(std::make_unique<End>());
    End* e = ends_.back().get();
    e->peer = sv[1];
    e->bev = bufferevent_socket_new(base_, sv[0], BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(e->bev, End::Read, nullptr, nullptr, e);
    bufferevent_enable(e->bev, EV_READ);
    return e;
  }

  // Drains what bev_ reads, recording the total and the largest single
  // read; with `until`, the loop ends once that many bytes were read.
  void CountReads(size_t until = 0) {
    log_bev_.on_read = [this, until](bufferevent* bev) {
      const size_t n = Drain(bufferevent_get_input(bev)).size();
      read_ += n;
      if (n > max_read_) max_read_ = n;
      if (until != 0 && read_ == until) event_base_loopbreak(base_);
    };
  }

  // Runs the loop for ms milliseconds; returns the seconds it took
  // (monotonic clock).
  double RunFor(int ms) {
    const double t0 = Now();
    const timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_base_loopexit(base_, &tv);
    event_base_dispatch(base_);
    return Now() - t0;
  }
  static double Now() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
  }
  // What a token bucket lets through in `seconds`: the burst, plus a refill
  // for every tick boundary the interval may cross (at most ceil + 1, as
  // boundaries need not line up with the start).
  static size_t Bound(size_t burst, size_t rate, int tick_ms, double seconds) {
    return burst + rate * static_cast<size_t>(std::ceil(seconds * 1000 / tick_ms) + 1);
  }
  // Fills the peer's side so that bev_ has `n` bytes to read.
  void PeerFill(size_t n) { PeerSend(std::string(n, 'r')); }

  size_t read_ = 0, max_read_ = 0;

 private:
  std::vector<std::unique_ptr<End>> ends_;
  std::vector<ev_token_bucket_cfg*> cfgs_;
  std::vector<bufferevent_rate_limit_group*> groups_;
};

}  // namespace evc

#endif  // EVC_RATELIM_FIXTURE_H
