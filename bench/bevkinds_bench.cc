// The bufferevent kinds beyond plain sockets, one measurement per run:
//   -k pair     N MiB through a bufferevent pair, written in S-byte pieces
//               from the writer's write callback, drained by the partner's
//               read callback (both ends BEV_OPT_DEFER_CALLBACKS, as
//               programs use pairs: no recursion between the two ends);
//   -k filter   the same through D pass-through filters stacked on the
//               writing end (each output filter moves what it may, as
//               libevent's own null filter does);
//   -k ratelim  a socket bufferevent writing under a token bucket of R bytes
//               per T-ms tick (burst R) into a plain reader on the other end
//               of a socketpair, for K ticks: the achieved rate over the
//               configured one, from the refill clusters the reader sees.
// Prints one JSON object: elapsed_ms and MiB/s, or the rate figures.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string kind = "pair";
  long mib = 64, piece = 16384;
  int depth = 2;
  long rate = 8192;
  int tick_ms = 20, ticks = 50;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "bevkinds_bench: %s (usage: bevkinds_bench -k pair|filter|ratelim [-n MiB] [-s piece] "
               "[-d depth] [-r bytes-per-tick] [-t tick-ms] [-T ticks])\n",
               why);
  std::exit(2);
}

// ---------------------------------------------------------------- transfer

struct Transfer {
  event_base* base;
  bufferevent* top;  // where the writer writes: an end of the pair or the top filter
  std::vector<char> piece;
  size_t total, sent = 0, received = 0;
};

void write_more(bufferevent* bev, void* arg) {
  Transfer* t = static_cast<Transfer*>(arg);
  if (t->sent >= t->total) return;
  const size_t n = std::min(t->piece.size(), t->total - t->sent);
  bufferevent_write(bev, t->piece.data(), n);
  t->sent += n;
}

void drain(bufferevent* bev, void* arg) {
  Transfer* t = static_cast<Transfer*>(arg);
  evbuffer* in = bufferevent_get_input(bev);
  const size_t n = evbuffer_get_length(in);
  evbuffer_drain(in, n);
  t->received += n;
  if (t->received >= t->total) event_base_loopbreak(t->base);
}

bufferevent_filter_result pass(evbuffer* src, evbuffer* dst, ev_ssize_t limit, bufferevent_flush_mode, void*) {
  const size_t len = evbuffer_get_length(src);
  const size_t n = limit >= 0 && static_cast<size_t>(limit) < len ? static_cast<size_t>(limit) : len;
  if (n == 0) return BEV_NEED_MORE;
  evbuffer_remove_buffer(src, dst, n);
  return BEV_OK;
}

int run_transfer(const Options& o) {
  event_base* base = event_base_new();
  bufferevent* pair[2];
  if (base == nullptr || bufferevent_pair_new(base, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, pair) != 0)
    usage("cannot make a base and a pair");
  Transfer t{base, pair[0], std::vector<char>(static_cast<size_t>(o.piece), 'x'),
             static_cast<size_t>(o.mib) << 20};
  const int depth = o.kind == "filter" ? o.depth : 0;
  for (int i = 0; i < depth; ++i) {
    t.top = bufferevent_filter_new(t.top, nullptr, pass, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS,
                                   nullptr, nullptr);
    if (t.top == nullptr) usage("bufferevent_filter_new failed");
    bufferevent_enable(t.top, EV_WRITE);
  }
  bufferevent_setcb(t.top, nullptr, write_more, nullptr, &t);
  bufferevent_setcb(pair[1], drain, nullptr, nullptr, &t);
  bufferevent_enable(pair[1], EV_READ);
  const Clock::time_point start = Clock::now();
  write_more(t.top, &t);
  event_base_dispatch(base);
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (t.received != t.total) usage("the transfer did not finish");
  std::printf("{\"bench\": \"bevkinds\", \"kind\": \"%s\", \"method\": \"%s\", \"depth\": %d, \"bytes\": %zu, "
              "\"piece\": %ld, \"elapsed_ms\": %.3f, \"mib_s\": %.1f}\n",
              o.kind.c_str(), event_base_get_method(base), depth, t.total, o.piece, secs * 1e3,
              static_cast<double>(t.total) / (1 << 20) / secs);
  bufferevent_free(t.top);
  bufferevent_free(pair[1]);
  // A freed bufferevent with a deferred callback still queued goes when
  // the loop runs it: one more turn, or (libevent and the reference alike)
  // event_base_free would leave it behind.
  event_base_loop(base, EVLOOP_NONBLOCK);
  event_base_free(base);
  return 0;
}

// ---------------------------------------------------------------- rate limit

struct RateRun {
  event_base* base;
  int fd;
  std::vector<char> piece;
  // Arrival clusters: a read more than half a tick after the previous one
  // starts a new cluster (one token-bucket refill).
  std::vector<std::pair<Clock::time_point, size_t>> clusters;
  Clock::time_point last;
  double half_tick_s;
  size_t wanted_clusters;
};

void keep_full(bufferevent* bev, void* arg) {
  RateRun* r = static_cast<RateRun*>(arg);
  bufferevent_write(bev, r->piece.data(), r->piece.size());
}

void on_readable(evutil_socket_t fd, short, void* arg) {
  RateRun* r = static_cast<RateRun*>(arg);
  char buf[65536];
  const ssize_t n = read(fd, buf, sizeof buf);
  if (n <= 0) return;
  const Clock::time_point now = Clock::now();
  if (r->clusters.empty() || std::chrono::duration<double>(now - r->last).count() > r->half_tick_s)
    r->clusters.emplace_back(now, 0);
  r->clusters.back().second += static_cast<size_t>(n);
  r->last = now;
  if (r->clusters.size() > r->wanted_clusters) event_base_loopbreak(r->base);
}

int run_ratelim(const Options& o) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) usage("socketpair failed");
  evutil_make_socket_nonblocking(sv[0]);
  evutil_make_socket_nonblocking(sv[1]);
  event_base* base = event_base_new();
  bufferevent* bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  const timeval tick = {0, o.tick_ms * 1000};
  ev_token_bucket_cfg* cfg = ev_token_bucket_cfg_new(EV_RATE_LIMIT_MAX, EV_RATE_LIMIT_MAX, static_cast<size_t>(o.rate),
                                                     static_cast<size_t>(o.rate), &tick);
  if (bev == nullptr || cfg == nullptr || bufferevent_set_rate_limit(bev, cfg) != 0) usage("cannot rate-limit");
  // The cluster after the first (the initial burst) ends the first full tick.
  RateRun r{base, sv[1], std::vector<char>(static_cast<size_t>(o.rate) * 4, 'x'), {}, {}, o.tick_ms / 2000.0,
            static_cast<size_t>(o.ticks) + 2};
  bufferevent_setwatermark(bev, EV_WRITE, static_cast<size_t>(o.rate) * 2, 0);
  bufferevent_setcb(bev, nullptr, keep_full, nullptr, &r);
  event* reader = event_new(base, sv[1], EV_READ | EV_PERSIST, on_readable, &r);
  event_add(reader, nullptr);
  keep_full(bev, &r);
  event_base_dispatch(base);
  // Clusters 2..K+1 are K refills; from cluster 1's time to cluster K+1's.
  const size_t k = r.clusters.size() - 2;
  size_t bytes = 0;
  for (size_t i = 2; i < r.clusters.size() - 1; ++i) bytes += r.clusters[i].second;
  const double secs = std::chrono::duration<double>(r.clusters[k].first - r.clusters[1].first).count();
  const double configured = static_cast<double>(o.rate) / (o.tick_ms / 1000.0);
  const double achieved = static_cast<double>(bytes) / secs;
  std::printf("{\"bench\": \"bevkinds\", \"kind\": \"ratelim\", \"method\": \"%s\", \"rate\": %ld, "
              "\"tick_ms\": %d, \"refills\": %zu, \"burst_bytes\": %zu, \"configured_bps\": %.0f, "
              "\"achieved_bps\": %.0f, \"accuracy\": %.4f, \"elapsed_ms\": %.1f}\n",
              event_base_get_method(base), o.rate, o.tick_ms, k - 1, r.clusters[0].second, configured, achieved,
              achieved / configured, secs * 1e3);
  event_free(reader);
  bufferevent_free(bev);
  ev_token_bucket_cfg_free(cfg);
  close(sv[1]);
  event_base_free(base);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + a).c_str());
    const char* v = argv[++i];
    char* end = nullptr;
    const long n = std::strtol(v, &end, 10);
    const bool num = *v != '\0' && *end == '\0' && n > 0;
    if (a == "-k") o.kind = v;
    else if (!num) usage(("not a positive number: " + a + " " + v).c_str());
    else if (a == "-n") o.mib = n;
    else if (a == "-s") o.piece = n;
    else if (a == "-d") o.depth = static_cast<int>(n);
    else if (a == "-r") o.rate = n;
    else if (a == "-t") o.tick_ms = static_cast<int>(n);
    else if (a == "-T") o.ticks = static_cast<int>(n);
    else usage(("unknown option " + a).c_str());
  }
  if (o.kind == "pair" || o.kind == "filter") return run_transfer(o);
  if (o.kind == "ratelim") {
    if (o.ticks < 3 || o.tick_ms >= 1000) usage("ratelim needs -T 3 or more and -t under 1000");
    return run_ratelim(o);
  }
  usage(("unknown kind " + o.kind).c_str());
}
