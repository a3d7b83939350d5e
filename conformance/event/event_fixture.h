// Fixture and helpers for the event-core suite. Public API only.
//
// Observation is by exact counts: every callback in a test is a Probe that
// counts its calls, remembers what it was told, appends its name to the
// test's shared log (so order can be checked), and may run an action from
// inside the callback (free, delete, add, activate, break...).
#ifndef EVC_EVENT_FIXTURE_H
#define EVC_EVENT_FIXTURE_H

#include <event2/event.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "evc_test.h"

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
// libevent 2.1 reads CLOCK_MONOTONIC_COARSE (one tick, about 4 ms on Linux)
// unless EVENT_BASE_FLAG_PRECISE_TIMER is set.
constexpr double kClockSlackMs = 5.0;

inline double WallMs(const timeval& tv) { return tv.tv_sec * 1e3 + tv.tv_usec / 1e3; }

struct Probe {
  std::string name;
  std::vector<std::string>* log = nullptr;
  int calls = 0;
  short what = 0;  // the flags of the last call
  evutil_socket_t fd = -2;
  std::function<void(Probe&)> action;  // runs inside the callback
  event* ev = nullptr;                 // the probe's own event, when it has one

  static void Callback(evutil_socket_t fd, short what, void* arg) {
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

class EventTest : public Test {
 protected:
  void SetUp() override {
    Test::SetUp();
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
  }
  void TearDown() override {
    for (event* ev : events_) event_free(ev);
    events_.clear();
    if (base_ != nullptr) event_base_free(base_);
    pairs_.clear();
    Test::TearDown();
  }

  Probe& NewProbe(const std::string& name) {
    probes_.emplace_back();
    Probe& p = probes_.back();
    p.name = name;
    p.log = &log_;
    return p;
  }

  // A new event owned by the fixture (freed in TearDown unless the test
  // frees it and calls Forget).
  event* NewEvent(Probe& p, evutil_socket_t fd, short what) {
    event* ev = event_new(base_, fd, what, Probe::Callback, &p);
    EXPECT_NE(ev, nullptr);
    if (ev) events_.push_back(ev);
    p.ev = ev;
    return ev;
  }
  event* NewTimer(Probe& p) { return NewEvent(p, -1, 0); }
  event* NewSignal(Probe& p, int signo) {
    event* ev = evsignal_new(base_, signo, Probe::Callback, &p);
    EXPECT_NE(ev, nullptr);
    if (ev) events_.push_back(ev);
    p.ev = ev;
    return ev;
  }

  // Actions for a probe's own event, run from inside its callback.
  std::function<void(Probe&)> FreeSelf() {
    return [this](Probe& self) {
      event_free(self.ev);
      Forget(self.ev);
    };
  }
  static void DelSelf(Probe& self) { event_del(self.ev); }
  void Forget(event* ev) {
    std::vector<event*> kept;
    for (event* e : events_)
      if (e != ev) kept.push_back(e);
    events_ = kept;
  }

  SocketPair& NewPair() {
    pairs_.emplace_back();
    EXPECT_TRUE(pairs_.back().ok());
    return pairs_.back();
  }

  event_base* base_ = nullptr;
  std::vector<std::string> log_;
  std::deque<Probe> probes_;
  std::vector<event*> events_;
  std::deque<SocketPair> pairs_;
};

}  // namespace evc

#endif  // EVC_EVENT_FIXTURE_H
