// Event-dispatch cost, in the style of libevent's classic test/bench.c:
// P socketpairs, each with a persistent read event; A of them are written
// to, and every callback reads its byte and passes one on to the next pair
// until W writes have been made. One round = re-add all P events, then
// dispatch until every byte has been read. Written against <event2/...>
// only, so the same source builds for every implementation.
//
// -k eventfd gives each pipe one semaphore eventfd instead of a socketpair:
// a write adds one, each read takes one, so every write is still one
// readiness and one callback, but a pipe costs one fd, not two (P=10000
// socketpairs need 20,003 fds, over the 20,000 a machine may allow).
//
// Prints one JSON object: the median round time (dispatch only, as the
// classic benchmark times it) and the median including the re-adds.
#include <event2/event.h>
#include <sys/eventfd.h>
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
  bool eventfds = false;         // one eventfd per pipe instead of a socketpair
  std::vector<int> fds;          // 2 per pipe: [2i] watched, [2i+1] written
  std::vector<char> storage;     // P events of event_get_struct_event_size()
  event_base* base = nullptr;
  long count = 0, fired = 0, writes_left = 0, failures = 0;

  event* ev(int i) { return reinterpret_cast<event*>(&storage[i * event_get_struct_event_size()]); }
};

Bench* g;

// One byte (or one eventfd count) into pipe i.
bool put(const Bench& b, int i) {
  if (b.eventfds) {
    const uint64_t one = 1;
    return write(b.fds[2 * i + 1], &one, sizeof one) == sizeof one;
  }
  return send(b.fds[2 * i + 1], "e", 1, 0) == 1;
}

void read_cb(evutil_socket_t fd, short, void* arg) {
  const long idx = reinterpret_cast<long>(arg);
  unsigned char ch;
  uint64_t one;
  const ssize_t n = g->eventfds ? (read(fd, &one, sizeof one) == sizeof one ? 1 : -1)
                                : recv(fd, &ch, 1, 0);
  if (n >= 0) g->count += n;
  else ++g->failures;
  if (g->writes_left > 0) {
    const long next = (idx + 1) % g->pipes;
    if (!put(*g, static_cast<int>(next))) ++g->failures;
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
  for (int i = 0; i < b.active; ++i, ++b.fired) (void)put(b, i * space / 2);
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
               "[-w writes] [-r rounds] [-k socketpair|eventfd])\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Bench b;
  int c;
  while ((c = getopt(argc, argv, "n:a:w:r:k:")) != -1) {
    const int v = std::atoi(optarg);
    switch (c) {
      case 'k':
        if (std::strcmp(optarg, "eventfd") == 0) b.eventfds = true;
        else if (std::strcmp(optarg, "socketpair") != 0) return usage("unknown pipe kind");
        break;
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
  const rlim_t need = static_cast<rlim_t>(b.pipes) * (b.eventfds ? 1 : 2) + 50;
  if (rl.rlim_cur < need) {
    // Raising the hard limit needs CAP_SYS_RESOURCE (root); without it the
    // soft limit goes as far as the hard one allows.
    rlimit want{need, std::max(need, rl.rlim_max)};
    if (setrlimit(RLIMIT_NOFILE, &want) != 0) {
      want = {std::min(need, rl.rlim_max), rl.rlim_max};
      setrlimit(RLIMIT_NOFILE, &want);
    }
    if (want.rlim_cur < need) return usage("not enough file descriptors for that many pipes");
  }
  g = &b;
  b.fds.resize(2 * b.pipes);
  for (int i = 0; i < b.pipes; ++i) {
    if (b.eventfds) {
      b.fds[2 * i] = b.fds[2 * i + 1] = eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK);
      if (b.fds[2 * i] < 0) return usage("eventfd failed");
    } else if (socketpair(AF_UNIX, SOCK_STREAM, 0, &b.fds[2 * i]) != 0) {
      return usage("socketpair failed");
    }
  }
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
              "\"writes\": %d, \"rounds\": %d, \"pipe\": \"%s\", \"dispatch_us\": %.1f, \"round_us\": %.1f, "
              "\"failures\": %ld}\n",
              event_base_get_method(b.base), b.pipes, b.active, b.writes, b.rounds,
              b.eventfds ? "eventfd" : "socketpair",
              median(dispatch), median(round), b.failures);
  for (int i = 0; i < b.pipes; ++i) event_del(b.ev(i));
  event_base_free(b.base);
  for (size_t i = 0; i < b.fds.size(); ++i)
    if (!b.eventfds || i % 2 == 0) close(b.fds[i]);
  return b.failures == 0 ? 0 : 1;
}
