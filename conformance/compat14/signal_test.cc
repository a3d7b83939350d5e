// Signals the 1.4 way: signal_set / signal_add / signal_del.
#include <csignal>

#include "compat14_fixture.h"

namespace evc {
namespace {

using Compat14Signal = Compat14Test;

TEST_F(Compat14Signal, RaisedSignalRunsTheCallback) {
  EVC_RULE("event_compat.h/signal_set/callback-on-delivery",
           "event_compat.h: signal_set prepares a persistent EV_SIGNAL event; once added, a "
           "delivered signal runs the callback with the signal number and EV_SIGNAL");
  Probe& p = NewProbe("signal");
  event* ev = SetSignal(p, SIGUSR1);
  ASSERT_EQ(signal_add(ev, nullptr), 0);
  ASSERT_EQ(raise(SIGUSR1), 0);
  event_base_loop(base_, EVLOOP_ONCE);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_SIGNAL);
  EXPECT_EQ(p.fd, SIGUSR1);
}

TEST_F(Compat14Signal, SignalEventsArePersistent) {
  EVC_RULE("event_compat.h/signal_set/persistent",
           "event_compat.h: signal_set adds EV_PERSIST: the event stays pending and runs for "
           "each later delivery");
  Probe& p = NewProbe("signal");
  event* ev = SetSignal(p, SIGUSR1);
  ASSERT_EQ(signal_add(ev, nullptr), 0);
  ASSERT_EQ(raise(SIGUSR1), 0);
  event_base_loop(base_, EVLOOP_ONCE);
  EXPECT_NE(signal_pending(ev, nullptr), 0);
  ASSERT_EQ(raise(SIGUSR1), 0);
  event_base_loop(base_, EVLOOP_ONCE);
  EXPECT_EQ(p.calls, 2);
}

TEST_F(Compat14Signal, SignalDelStopsDelivery) {
  EVC_RULE("event_compat.h/signal_del/not-pending",
           "event_compat.h: signal_del makes the signal event non-pending; the loop has "
           "nothing left and returns 1");
  Probe& p = NewProbe("signal");
  event* ev = SetSignal(p, SIGUSR2);
  ASSERT_EQ(signal_add(ev, nullptr), 0);
  ASSERT_EQ(signal_del(ev), 0);
  EXPECT_EQ(signal_pending(ev, nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(p.calls, 0);
}

TEST_F(Compat14Signal, SignalMacrosGiveTheSignalNumber) {
  EVC_RULE("event_compat.h/EVENT_SIGNAL",
           "event_compat.h: EVENT_SIGNAL of a signal event is its signal number");
  Probe& p = NewProbe("signal");
  event* ev = SetSignal(p, SIGUSR2);
  EXPECT_EQ(EVENT_SIGNAL(ev), SIGUSR2);
}

TEST_F(Compat14Signal, WithTwoBasesEachRaisedSignalRunsOnExactlyOneBase) {
  EVC_RULE("event_compat.h/signal_set/two-bases-one-receives",
           "libevent book, 'Working with events': only one event_base at a time receives "
           "signals, even if two added signal events; which one is not specified. Each raised "
           "signal runs the callback on exactly one of the bases once both have looped");
  event_base* base2 = event_base_new();
  ASSERT_NE(base2, nullptr);
  Probe& p1 = NewProbe("base1");
  Probe& p2 = NewProbe("base2");
  event* ev1 = SetSignal(p1, SIGUSR1);
  signal_set(p2.ev, SIGUSR1, Probe::Callback, &p2);
  ASSERT_EQ(event_base_set(base2, p2.ev), 0);
  ASSERT_EQ(signal_add(ev1, nullptr), 0);
  ASSERT_EQ(signal_add(p2.ev, nullptr), 0);
  event_base* const orders[][2] = {{base2, base_}, {base_, base2}};
  for (int round = 0; round < 2; ++round) {
    const int before = p1.calls + p2.calls;
    ASSERT_EQ(raise(SIGUSR1), 0);
    for (event_base* b : orders[round]) event_base_loop(b, EVLOOP_NONBLOCK);
    EXPECT_EQ(p1.calls + p2.calls, before + 1) << "round " << round;
  }
  signal_del(p2.ev);
  event_base_free(base2);
}

}  // namespace
}  // namespace evc
