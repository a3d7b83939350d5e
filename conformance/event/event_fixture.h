// Fixture and helpers for the event-core suite. Public API only.
//
// Observation is by exact counts: every callback in a test is a Probe that
// counts its calls, remembers what it was told, appends its name to the
// test's shared log (so order can be checked), and may run an action from
// inside the callback (free, delete, add, activate, break...).
#ifndef EVC_EVENT_FIXTURE_H
#define EVC_EVENT_FIXTURE_H

#include <event2/event.h>
#include <cstdlib>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "evc_event_util.h"
#include "evc_test.h"

namespace evc {

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
