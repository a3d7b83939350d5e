// A scenario shared by the loop-control and dispatch-limit tests
// (base_api_test.cc: event_base_loopcontinue; config_test.cc:
// event_config_set_max_dispatch_interval): when does the loop look for new
// events while lower-priority callbacks are still queued?
#ifndef EVC_PRIORITY_ORDER_H
#define EVC_PRIORITY_ORDER_H

#include <event2/event.h>

#include <functional>
#include <string>
#include <vector>

#include "evc_event_util.h"

namespace evc {

// Two priorities. Two "low" callbacks (priority 1) are made active
// together; the first of them to run writes a byte that makes a "high"
// read event (priority 0, added, nothing to read before) ready, then calls
// in_first. One event_base_loop(EVLOOP_NONBLOCK) runs everything that is
// ready, iteration after iteration; the answer is the order the callbacks
// ran in.
//
// libevent runs the whole low queue before it looks at the kernel again,
// so normally the answer is low, low, high. The high event can only come
// between the two lows when the loop goes back to the kernel after the
// first one: loopcontinue, or a dispatch limit. (An event made active with
// event_active from the callback would run first in every case -- libevent
// sets event_continue for a higher priority -- so it could not tell these
// apart; readiness from the kernel can.) Which low runs first is not asked.
inline std::vector<std::string> LowLowHighOrder(event_base* base,
                                                const std::function<void()>& in_first = {}) {
  std::vector<std::string> log;
  EXPECT_EQ(event_base_priority_init(base, 2), 0);
  SocketPair sp;
  EXPECT_TRUE(sp.ok());
  Probe high, low1, low2;
  high.name = "high";
  low1.name = low2.name = "low";
  bool first = true;
  for (Probe* p : {&high, &low1, &low2}) p->log = &log;
  low1.action = low2.action = [&](Probe&) {
    if (!first) return;
    first = false;
    sp.MakeReadable();
    if (in_first) in_first();
  };
  event* h = event_new(base, sp.fd[0], EV_READ, Probe::Callback, &high);
  event* l1 = event_new(base, -1, 0, Probe::Callback, &low1);
  event* l2 = event_new(base, -1, 0, Probe::Callback, &low2);
  EXPECT_TRUE(h && l1 && l2);
  if (h && l1 && l2) {
    EXPECT_EQ(event_priority_set(h, 0), 0);
    EXPECT_EQ(event_priority_set(l1, 1), 0);
    EXPECT_EQ(event_priority_set(l2, 1), 0);
    EXPECT_EQ(event_add(h, nullptr), 0);
    event_active(l1, EV_TIMEOUT, 1);
    event_active(l2, EV_TIMEOUT, 1);
    // 1 in the end (nothing is left), or 0: not what is asked here.
    EXPECT_GE(event_base_loop(base, EVLOOP_NONBLOCK), 0);
  }
  for (event* ev : {h, l1, l2})
    if (ev) event_free(ev);
  return log;
}

// The two answers LowLowHighOrder can give.
inline std::vector<std::string> QueueFirst() { return {"low", "low", "high"}; }
inline std::vector<std::string> RescanFirst() { return {"low", "high", "low"}; }

}  // namespace evc

#endif  // EVC_PRIORITY_ORDER_H
