// Fixture for the libevent 1.4-API suite. It includes <event.h> and nothing
// of <event2/...>, so the same sources build against libevent 2 (which
// keeps the 1.4 API), the reference, and libev's libevent emulation, whose
// event.h is this API only. Events live in test-owned struct event storage
// (event_set), as 1.4 programs keep them; every call passes non-const
// pointers, as libev's prototypes take them.
#ifndef EVC_COMPAT14_FIXTURE_H
#define EVC_COMPAT14_FIXTURE_H

#include <event.h>

#include <deque>
#include <string>
#include <vector>

#include "evc_event_util.h"
#include "evc_test.h"

namespace evc {

class Compat14Test : public Test {
 protected:
  void SetUp() override {
    Test::SetUp();
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
  }
  void TearDown() override {
    for (event* ev : set_) event_del(ev);  // a no-op unless still pending
    slots_.clear();
    if (base_ != nullptr) event_base_free(base_);
    pairs_.clear();
    Test::TearDown();
  }

  Probe& NewProbe(const std::string& name) {
    slots_.emplace_back();
    Probe& p = slots_.back().probe;
    p.name = name;
    p.log = &log_;
    p.ev = &slots_.back().ev;
    return p;
  }

  // The 1.4 pattern: event_set on the probe's own struct event, then
  // event_base_set to bind it to base (the fixture's unless given).
  event* Set(Probe& p, int fd, short what, event_base* base = nullptr) {
    event_set(p.ev, fd, what, Probe::Callback, &p);
    EXPECT_EQ(event_base_set(base ? base : base_, p.ev), 0);
    set_.push_back(p.ev);
    return p.ev;
  }
  event* SetTimer(Probe& p) { return Set(p, -1, 0); }
  // The same with signal_set: a persistent EV_SIGNAL event for signo.
  event* SetSignal(Probe& p, int signo) {
    signal_set(p.ev, signo, Probe::Callback, &p);
    EXPECT_EQ(event_base_set(base_, p.ev), 0);
    set_.push_back(p.ev);
    return p.ev;
  }

  // Runs the loop once without waiting, as a program does before it adds
  // more events. libev counts a new timeout from when its loop last read
  // the clock (Compat14Timer.TimeoutCountsFromTheAdd checks that rule);
  // tests of other timing rules call this first so that rule, which shows
  // whenever the process is slow (under valgrind), does not decide them.
  void FreshLoopTime() { event_base_loop(base_, EVLOOP_NONBLOCK); }

  SocketPair& NewPair() {
    pairs_.emplace_back();
    EXPECT_TRUE(pairs_.back().ok());
    return pairs_.back();
  }

  struct Slot {
    event ev{};
    Probe probe;
  };

  event_base* base_ = nullptr;
  std::vector<std::string> log_;
  std::deque<Slot> slots_;
  std::vector<event*> set_;  // events given to event_set, deleted in TearDown
  std::deque<SocketPair> pairs_;
};

}  // namespace evc

#endif  // EVC_COMPAT14_FIXTURE_H
