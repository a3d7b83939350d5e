// Helpers for the tests of event callbacks that need no libevent header:
// shared by the libevent 2 event suite (event/event_fixture.h) and the
// libevent 1.4-API suite (compat14/), which is compiled against <event.h>
// alone, libev's emulation included.
#ifndef EVC_EVENT_UTIL_H
#define EVC_EVENT_UTIL_H

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

struct event;

namespace evc {

inline timeval Ms(long ms) {
  timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

inline double NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// How early a timer may seem to fire when measured with a precise clock:
// libevent (2.1 and 2.2) reads CLOCK_MONOTONIC_COARSE unless
// EVENT_BASE_FLAG_PRECISE_TIMER is set, and that clock moves one kernel tick
// at a time: 4 ms with HZ=250, 10 ms with HZ=100. One tick of this machine's
// coarse clock, plus a millisecond, and never under 5 ms.
inline double ClockSlackMs() {
  double tick_ms = 4.0;
#ifdef CLOCK_MONOTONIC_COARSE
  timespec res;
  if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) == 0) tick_ms = res.tv_sec * 1e3 + res.tv_nsec / 1e6;
#endif
  return tick_ms + 1.0 > 5.0 ? tick_ms + 1.0 : 5.0;
}
inline const double kClockSlackMs = ClockSlackMs();

inline double WallMs(const timeval& tv) { return tv.tv_sec * 1e3 + tv.tv_usec / 1e3; }

struct Probe {
  std::string name;
  std::vector<std::string>* log = nullptr;
  int calls = 0;
  short what = 0;  // the flags of the last call
  int fd = -2;  // evutil_socket_t is int on the platforms tested
  std::function<void(Probe&)> action;  // runs inside the callback
  event* ev = nullptr;                 // the probe's own event, when it has one

  static void Callback(int fd, short what, void* arg) {
    Probe* p = static_cast<Probe*>(arg);
    ++p->calls;
    p->what = what;
    p->fd = fd;
    if (p->log) p->log->push_back(p->name);
    if (p->action) p->action(*p);
  }
};

// A connected pair of local stream sockets: a[0] is watched, a[1] writes.
struct SocketPair {
  int fd[2] = {-1, -1};
  SocketPair() {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd) != 0) fd[0] = fd[1] = -1;
  }
  ~SocketPair() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
  bool ok() const { return fd[0] >= 0; }
  void MakeReadable() { ASSERT_EQ(write(fd[1], "x", 1), 1); }
  // Drains what was written to fd[0] (the callback's job in most tests).
  static void Drain(int f) {
    char sink[64];
    while (recv(f, sink, sizeof sink, MSG_DONTWAIT) > 0) {
    }
  }
};

// Runs a loop one iteration at a time -- run_once is event_base_loop(base,
// EVLOOP_ONCE) -- until it returns non-zero (nothing left, or an error), and
// returns what the probes appended to log, one group per iteration (empty
// iterations left out). libevent leaves open the order of the callbacks of
// events that become active together (the libevent book, "Working with
// events": "When multiple events trigger at the same time, Libevent does not
// define any order with respect to when their callbacks will be executed"),
// and on a slow or loaded machine timers with different deadlines can come
// due in one iteration: order rules compare groups, never places inside one.
inline std::vector<std::vector<std::string>> RunIterations(const std::function<int()>& run_once,
                                                           std::vector<std::string>& log,
                                                           int max_iterations = 100000) {
  std::vector<std::vector<std::string>> groups;
  for (int i = 0; i < max_iterations; ++i) {
    const size_t before = log.size();
    const int rc = run_once();
    if (log.size() > before) groups.emplace_back(log.begin() + before, log.end());
    if (rc != 0) return groups;
  }
  ADD_FAILURE() << "the loop still had events after " << max_iterations << " iterations";
  return groups;
}

// Checks that groups (from RunIterations) ran in the order of rank (a
// deadline): every name in a group ranks no later than every name in a
// later group (give or take tolerance). Names inside one group may come in
// any order.
inline void ExpectGroupsInRankOrder(const std::vector<std::vector<std::string>>& groups,
                                    const std::function<double(const std::string&)>& rank,
                                    double tolerance = 0) {
  for (size_t i = 0; i < groups.size(); ++i)
    for (size_t j = i + 1; j < groups.size(); ++j)
      for (const std::string& early : groups[i])
        for (const std::string& late : groups[j])
          EXPECT_LE(rank(early), rank(late) + tolerance)
              << early << " (" << rank(early) << ") ran in iteration " << i << ", before "
              << late << " (" << rank(late) << ") in iteration " << j;
}

// All names of groups, sorted (each test decides which names it expects).
inline std::vector<std::string> SortedNames(const std::vector<std::vector<std::string>>& groups) {
  std::vector<std::string> all;
  for (const auto& g : groups) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  return all;
}

}  // namespace evc

#endif  // EVC_EVENT_UTIL_H
