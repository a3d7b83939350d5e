// Fixture for the filter-bufferevent suites: filters that record how they
// are called and transform bytes in ways that do not commute (so the order
// of two stacked filters shows), and a filter on one end of a socket pair.
#ifndef EVC_FILTER_FIXTURE_H
#define EVC_FILTER_FIXTURE_H

#include <cctype>
#include <cstdint>

#include "bufferevent_fixture.h"

namespace evc {

// What one filter function (input or output) was called with and does.
struct FilterLog {
  struct Call {
    evbuffer* src;
    evbuffer* dst;
    ev_ssize_t limit;
    bufferevent_flush_mode mode;
    void* ctx;
  };
  using Body = std::function<bufferevent_filter_result(evbuffer*, evbuffer*, ev_ssize_t, bufferevent_flush_mode)>;
  std::vector<Call> calls;
  Body body;                 // default: Pass
  std::function<void()> on_call;  // runs after the body

  // Moves what src holds, at most limit bytes (-1: all); BEV_NEED_MORE
  // when src is empty.
  static bufferevent_filter_result Pass(evbuffer* src, evbuffer* dst, ev_ssize_t limit, bufferevent_flush_mode) {
    if (evbuffer_get_length(src) == 0) return BEV_NEED_MORE;
    evbuffer_remove_buffer(src, dst, limit < 0 ? SIZE_MAX : static_cast<size_t>(limit));
    return BEV_OK;
  }
  // Maps every byte (upper-casing, doubling: "ab" -> "aabb").
  static bufferevent_filter_result Map(evbuffer* src, evbuffer* dst, const std::function<std::string(char)>& f) {
    const std::string in = Drain(src);
    if (in.empty()) return BEV_NEED_MORE;
    std::string out;
    for (char c : in) out += f(c);
    evbuffer_add(dst, out.data(), out.size());
    return BEV_OK;
  }
  static Body Upper() {
    return [](evbuffer* s, evbuffer* d, ev_ssize_t, bufferevent_flush_mode) {
      return Map(s, d, [](char c) { return std::string(1, static_cast<char>(toupper(c))); });
    };
  }
  static Body Double() {
    return [](evbuffer* s, evbuffer* d, ev_ssize_t, bufferevent_flush_mode) {
      return Map(s, d, [](char c) { return std::string(2, c); });
    };
  }
  // Length-prefix framing: Frame adds a one-byte length before what src
  // holds; Unframe passes one whole frame's payload, BEV_NEED_MORE until
  // the frame is complete.
  static Body Frame() {
    return [](evbuffer* src, evbuffer* dst, ev_ssize_t, bufferevent_flush_mode) {
      const std::string in = Drain(src);
      if (in.empty()) return BEV_NEED_MORE;
      const std::string framed = std::string(1, static_cast<char>(in.size())) + in;
      evbuffer_add(dst, framed.data(), framed.size());
      return BEV_OK;
    };
  }
  static Body Unframe() {
    return [](evbuffer* src, evbuffer* dst, ev_ssize_t, bufferevent_flush_mode) {
      unsigned char len = 0;
      if (evbuffer_copyout(src, &len, 1) != 1 || evbuffer_get_length(src) < 1u + len) return BEV_NEED_MORE;
      evbuffer_drain(src, 1);
      evbuffer_remove_buffer(src, dst, len);
      return BEV_OK;
    };
  }
};

// The context both filters of one filter bufferevent get.
struct FilterCtx {
  FilterLog in, out;
  int freed = 0;  // free_context calls

  static bufferevent_filter_result In(evbuffer* src, evbuffer* dst, ev_ssize_t limit, bufferevent_flush_mode mode,
                                      void* ctx) {
    return Run(static_cast<FilterCtx*>(ctx)->in, src, dst, limit, mode, ctx);
  }
  static bufferevent_filter_result Out(evbuffer* src, evbuffer* dst, ev_ssize_t limit, bufferevent_flush_mode mode,
                                       void* ctx) {
    return Run(static_cast<FilterCtx*>(ctx)->out, src, dst, limit, mode, ctx);
  }
  static void Free(void* ctx) { ++static_cast<FilterCtx*>(ctx)->freed; }

 private:
  static bufferevent_filter_result Run(FilterLog& log, evbuffer* src, evbuffer* dst, ev_ssize_t limit,
                                       bufferevent_flush_mode mode, void* ctx) {
    log.calls.push_back({src, dst, limit, mode, ctx});
    const bufferevent_filter_result r = log.body ? log.body(src, dst, limit, mode) : FilterLog::Pass(src, dst, limit, mode);
    if (log.on_call) log.on_call();
    return r;
  }
};

class FilterTest : public BufferEventTest {
 protected:
  void TearDown() override {
    FreeFilter();
    BufferEventTest::TearDown();
  }

  // filter_ on bev_ (a socket bufferevent on one end of a socket pair,
  // BEV_OPT_CLOSE_ON_FREE | under_options), with ctx_'s recording filters and log_filter_
  // as its callbacks. With BEV_OPT_CLOSE_ON_FREE the filter owns bev_.
  bufferevent* NewFilter(int options = BEV_OPT_CLOSE_ON_FREE, bool null_filters = false, int under_options = 0) {
    if (NewPairBev(BEV_OPT_CLOSE_ON_FREE | under_options) == nullptr) return nullptr;
    filter_ = bufferevent_filter_new(bev_, null_filters ? nullptr : FilterCtx::In,
                                     null_filters ? nullptr : FilterCtx::Out, options, FilterCtx::Free, &ctx_);
    if (filter_ == nullptr) return nullptr;
    owns_bev_ = (options & BEV_OPT_CLOSE_ON_FREE) != 0;
    bufferevent_setcb(filter_, BevLog::Read, BevLog::Write, BevLog::Event, &log_filter_);
    return filter_;
  }
  void FreeFilter() {
    if (filter_ != nullptr) bufferevent_free(filter_);
    filter_ = nullptr;
    if (owns_bev_) bev_ = nullptr;  // freed with it
    owns_bev_ = false;
  }

  // Runs the loop until Stop() or `seconds` (a bound, not a wait).
  void Run(int seconds = 5) {
    timeval limit = {seconds, 0};
    event_base_loopexit(base_, &limit);
    event_base_dispatch(base_);
  }
  void Stop() { event_base_loopbreak(base_); }
  // A few loop passes without waiting: frees that finish in the loop (as
  // libevent's do) are done after it.
  void Settle() {
    for (int i = 0; i < 4; ++i) event_base_loop(base_, EVLOOP_NONBLOCK);
  }
  // Runs the loop until the peer has received n bytes; returns them.
  std::string PeerReceive(size_t n) {
    std::string got;
    std::function<void()> on_readable = [&] {
      got += PeerRecv();
      if (got.size() >= n) Stop();
    };
    event* ev = event_new(
        base_, peer_, EV_READ | EV_PERSIST, [](evutil_socket_t, short, void* f) { (*static_cast<std::function<void()>*>(f))(); },
        &on_readable);
    event_add(ev, nullptr);
    Run();
    event_free(ev);
    return got;
  }
  // The filter's read callback collects its input and stops the loop once
  // it holds `want`.
  void CollectUntil(const std::string& want) {
    log_filter_.on_read = [this, want](bufferevent* b) {
      read_ += Drain(bufferevent_get_input(b));
      if (read_.size() >= want.size()) Stop();
    };
  }

  bufferevent* filter_ = nullptr;
  bool owns_bev_ = false;
  FilterCtx ctx_, outer_ctx_;  // outer_ctx_: for a second filter
  BevLog log_filter_;
  std::string read_;  // what CollectUntil drained
};

}  // namespace evc

#endif  // EVC_FILTER_FIXTURE_H
