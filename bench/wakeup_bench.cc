// Cross-thread wake-up latency: the loop thread waits in dispatch (its only
// event an idle socket, so nothing else would wake it); another thread
// takes a timestamp and wakes it, and the loop thread takes one when the
// wake-up reaches it. Many rounds, each after a handshake that waits until
// the loop thread sleeps in the kernel again (/proc), so every round
// measures a wake-up from sleep. Written against <event2/...> only.
//
//   -k active   event_active on an event of the base; t1 in its callback
//   -k add      event_add of a timer with a zero timeout; t1 in its callback
//   -k break    event_base_loopbreak; t1 when event_base_dispatch returns
//
// Prints one JSON object: the median, 99th percentile and mean latency in
// microseconds, and the load average when it ran.
#include <event2/event.h>
#include <event2/thread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

enum class Kind { kActive, kAdd, kBreak };

struct Bench {
  Kind kind = Kind::kActive;
  int rounds = 2000;
  event_base* base = nullptr;
  event* target = nullptr;
  std::atomic<pid_t> loop_tid{0};
  std::atomic<bool> stop{false};
  // the handshake: the loop thread publishes t1 and bumps `done`
  std::mutex m;
  std::condition_variable cv;
  long done = 0;
  Clock::time_point t1;
};

void Publish(Bench& b, Clock::time_point t) {
  {
    std::lock_guard<std::mutex> g(b.m);
    b.t1 = t;
    ++b.done;
  }
  b.cv.notify_one();
}

void TargetCb(evutil_socket_t, short, void* arg) { Publish(*static_cast<Bench*>(arg), Clock::now()); }

void IdleCb(evutil_socket_t fd, short, void* arg) {  // the end: stop() then a byte
  char sink[16];
  while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
  }
  event_base_loopbreak(static_cast<Bench*>(arg)->base);
}

void LoopThread(Bench* b) {
  b->loop_tid = static_cast<pid_t>(syscall(SYS_gettid));
  while (!b->stop) {
    event_base_dispatch(b->base);
    if (b->kind == Kind::kBreak && !b->stop) Publish(*b, Clock::now());
  }
}

// Whether the thread sleeps in the kernel (/proc state S).
bool Asleep(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(tid));
  FILE* f = std::fopen(path, "r");
  if (!f) return false;
  char buf[512];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* close = std::strrchr(buf, ')');
  return close && close[1] == ' ' && close[2] == 'S';
}

bool WaitAsleep(pid_t tid) {
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (Clock::now() < deadline) {
    if (Asleep(tid)) return true;
    sched_yield();
  }
  return false;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

int Usage(const char* why) {
  std::fprintf(stderr, "wakeup_bench: %s (usage: wakeup_bench [-k active|add|break] [-n rounds])\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Bench b;
  int c;
  while ((c = getopt(argc, argv, "k:n:")) != -1) {
    if (c == 'k') {
      if (std::strcmp(optarg, "active") == 0) b.kind = Kind::kActive;
      else if (std::strcmp(optarg, "add") == 0) b.kind = Kind::kAdd;
      else if (std::strcmp(optarg, "break") == 0) b.kind = Kind::kBreak;
      else return Usage("unknown kind");
    } else if (c == 'n') {
      b.rounds = std::atoi(optarg);
    } else {
      return Usage("unknown option");
    }
  }
  if (b.rounds < 1 || b.rounds > 1000000) return Usage("need 1 <= rounds <= 1000000");
  if (evthread_use_pthreads() != 0) return Usage("evthread_use_pthreads failed");
  b.base = event_base_new();
  int sv[2];
  if (!b.base || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return Usage("setup failed");
  event* idle = event_new(b.base, sv[0], EV_READ | EV_PERSIST, IdleCb, &b);
  b.target = evtimer_new(b.base, TargetCb, &b);
  if (!idle || !b.target || event_add(idle, nullptr) != 0) return Usage("setup failed");

  std::thread loop(LoopThread, &b);
  std::vector<double> us;
  us.reserve(static_cast<size_t>(b.rounds));
  int not_asleep = 0;
  while (b.loop_tid == 0) sched_yield();
  const timeval zero{0, 0};
  for (int r = 0; r < b.rounds; ++r) {
    if (!WaitAsleep(b.loop_tid)) ++not_asleep;
    long before;
    {
      std::lock_guard<std::mutex> g(b.m);
      before = b.done;
    }
    const Clock::time_point t0 = Clock::now();
    switch (b.kind) {
      case Kind::kActive: event_active(b.target, EV_TIMEOUT, 1); break;
      case Kind::kAdd: event_add(b.target, &zero); break;
      case Kind::kBreak: event_base_loopbreak(b.base); break;
    }
    std::unique_lock<std::mutex> lock(b.m);
    if (!b.cv.wait_for(lock, std::chrono::seconds(5), [&] { return b.done > before; })) {
      std::fprintf(stderr, "wakeup_bench: round %d: no wake-up within 5 s\n", r);
      std::_Exit(1);
    }
    us.push_back(std::chrono::duration<double, std::micro>(b.t1 - t0).count());
  }
  b.stop = true;
  (void)!write(sv[1], "x", 1);
  loop.join();

  double load = -1;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = -1;
    std::fclose(f);
  }
  const char* kinds[] = {"active", "add", "break"};
  std::printf("{\"bench\": \"wakeup\", \"method\": \"%s\", \"kind\": \"%s\", \"rounds\": %d, "
              "\"median_us\": %.2f, \"p99_us\": %.2f, \"mean_us\": %.2f, \"not_asleep\": %d, "
              "\"loadavg\": %.2f}\n",
              event_base_get_method(b.base), kinds[static_cast<int>(b.kind)], b.rounds,
              Percentile(us, 0.5), Percentile(us, 0.99),
              std::accumulate(us.begin(), us.end(), 0.0) / static_cast<double>(us.size()), not_asleep,
              load);
  event_free(b.target);
  event_free(idle);
  event_base_free(b.base);
  close(sv[0]);
  close(sv[1]);
  return 0;
}
