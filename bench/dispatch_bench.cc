// Event-dispatch cost, in the style of libevent's classic test/bench.c:
// P socketpairs, each with a persistent read event; A of them are written
// to, and every callback reads its byte and passes one on to the next pair
// until W writes have been made. One round = re-add all P events, then
// dispatch until every byte has been read. Written against <event2/...>
// only, so the same source builds for every implementation.
//
// Prints one JSON object: the median round time (dispatch only, as the
// classic benchmark times it) and the median including the re-adds.
#include <event2/event.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

struct Bench {
  int pipes = 1000, active = 100, writes = 1000, rounds = 25;
  std::vector<int> fds;          // 2 per pair: [2i] watched, [2i+1] written
  std::vector<char> storage;     // P events of event_get_struct_event_size()
  event_base* base = nullptr;
  long count = 0, fired = 0, writes_left = 0, failures = 0;

  event* ev(int i) { return reinterpret_cast<event*>(&storage[i * event_get_struct_event_size()]); }
};

Bench* g;

void read_cb(evutil_socket_t fd, short, void* arg) {
  const long idx = reinterpret_cast<long>(arg);
  unsigned char ch;
  const ssize_t n = recv(fd, &ch, 1, 0);
  if (n >= 0) g->count += n;
  else ++g->failures;
  if (g->writes_left > 0) {
    const long next = (idx + 1) % g->pipes;
    if (send(g->fds[2 * next + 1], "e", 1, 0) != 1) ++g->failures;
    --g->writes_left;
    ++g->fired;
  }
}

using Clock = std::chrono::steady_clock;

double micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

// One round; returns false if the bytes did not all arrive within a bound.
bool run_round(Bench& b, double& dispatch_us, double& round_us) {
  const auto t0 = Clock::now();
  for (int i = 0; i < b.pipes; ++i) {
    if (event_initialized(b.ev(i))) event_del(b.ev(i));
    event_assign(b.ev(i), b.base, b.fds[2 * i], EV_READ | EV_PERSIST, read_cb,
                 reinterpret_cast<void*>(static_cast<long>(i)));
    event_add(b.ev(i), nullptr);
  }
  event_base_loop(b.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  b.fired = 0;
  const int space = (b.pipes / b.active) * 2;
  for (int i = 0; i < b.active; ++i, ++b.fired) (void)send(b.fds[i * space + 1], "e", 1, 0);
  b.count = 0;
  b.writes_left = b.writes;
  const auto t1 = Clock::now();
  // Bounded: every iteration reads at least one byte when all is well.
  for (long guard = 0; b.count != b.fired; ++guard) {
    if (guard > 100L * (b.writes + b.active)) return false;
    event_base_loop(b.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  }
  const auto t2 = Clock::now();
  dispatch_us = micros(t1, t2);
  round_us = micros(t0, t2);
  return true;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int usage(const char* why) {
  std::fprintf(stderr, "dispatch_bench: %s (usage: dispatch_bench [-n pipes] [-a active] "
               "[-w writes] [-r rounds])\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Bench b;
  int c;
  while ((c = getopt(argc, argv, "n:a:w:r:")) != -1) {
    const int v = std::atoi(optarg);
    switch (c) {
      case 'n': b.pipes = v; break;
      case 'a': b.active = v; break;
      case 'w': b.writes = v; break;
      case 'r': b.rounds = v; break;
      default: return usage("unknown option");
    }
  }
  if (b.pipes < 1 || b.pipes > 100000 || b.active < 1 || b.active > b.pipes || b.writes < 0 ||
      b.rounds < 1 || b.rounds > 100000)
    return usage("need 1 <= active <= pipes <= 100000, writes >= 0, 1 <= rounds <= 100000");
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  const rlim_t need = static_cast<rlim_t>(b.pipes) * 2 + 50;
  if (rl.rlim_cur < need) {
    rl.rlim_cur = std::min(need, rl.rlim_max);
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < need) return usage("not enough file descriptors for that many pipes");
  }
  g = &b;
  b.fds.resize(2 * b.pipes);
  for (int i = 0; i < b.pipes; ++i)
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, &b.fds[2 * i]) != 0) return usage("socketpair failed");
  b.storage.assign(static_cast<size_t>(b.pipes) * event_get_struct_event_size(), 0);
  b.base = event_base_new();
  if (b.base == nullptr) return usage("event_base_new failed");
  std::vector<double> dispatch, round;
  for (int r = 0; r < b.rounds; ++r) {
    double d, t;
    if (!run_round(b, d, t)) {
      std::fprintf(stderr, "dispatch_bench: round %d: bytes lost (read %ld of %ld)\n", r, b.count,
                   b.fired);
      return 1;
    }
    dispatch.push_back(d);
    round.push_back(t);
  }
  std::printf("{\"bench\": \"dispatch\", \"method\": \"%s\", \"pipes\": %d, \"active\": %d, "
              "\"writes\": %d, \"rounds\": %d, \"dispatch_us\": %.1f, \"round_us\": %.1f, "
              "\"failures\": %ld}\n",
              event_base_get_method(b.base), b.pipes, b.active, b.writes, b.rounds,
              median(dispatch), median(round), b.failures);
  for (int i = 0; i < b.pipes; ++i) event_del(b.ev(i));
  event_base_free(b.base);
  for (int fd : b.fds) close(fd);
  return b.failures == 0 ? 0 : 1;
}
