// Generated stress of one looping base by 2-4 threads: each runs a random
// list of event_active, event_add (zero or 1 ms timeout) and event_del on a
// shared set of (non-persistent, fd-less) events while the loop runs in a
// thread of its own. The operations on one event are serialized by a mutex
// of the test's (so their order is known), never the callbacks; a global
// atomic clock stamps every operation's start and end and every callback's
// entry and exit. The rules checked, per event (event.h, thread.h):
//  - every callback has an activation of its own: the k-th callback enters
//    after at least k activations started, and after the last event_del that
//    returned before it there is an activation that started before it
//    (event_del cancels what it finds; nothing runs without a cause);
//  - no callback runs across an event_del's return: event_del from another
//    thread waits for the running callback ("event_del() will ... block ...
//    while waiting for the event callback to complete in another thread"
//    unless EV_FINALIZE);
//  - no lost wake-up: when an event's last operation is an activation, a
//    callback enters after it starts, within a bound after the threads stop;
//  - the base frees every fd it opened.
#include <event2/event.h>
#include <event2/thread.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <ostream>
#include <thread>
#include <vector>

#include "../conformance/thread/thread_fixture.h"
#include "evc_property.h"

namespace evc {
namespace {

struct Op {
  enum Kind { kActive, kAddZero, kAddShort, kDel } kind;
  int target;
};

struct Scenario {
  int events = 1;
  std::vector<std::vector<Op>> threads;  // per thread: its operations, in order
};

void showValue(const Scenario& s, std::ostream& os) {
  static const char* const names[] = {"active", "add(0)", "add(1ms)", "del"};
  os << "events " << s.events << "; threads " << s.threads.size();
  for (size_t t = 0; t < s.threads.size(); ++t) {
    os << "\n  thread " << t << ":";
    for (const Op& op : s.threads[t]) os << " " << names[op.kind] << " e" << op.target;
  }
}

rc::Gen<Scenario> GenScenario() {
  return rc::gen::mapcat(Uniform(1, 7), [](int n) {
    const auto op = rc::gen::build<Op>(
        rc::gen::set(&Op::kind, rc::gen::weightedElement<Op::Kind>(
                                    {{4, Op::kActive}, {2, Op::kAddZero}, {1, Op::kAddShort}, {3, Op::kDel}})),
        rc::gen::set(&Op::target, Uniform(0, n)));
    const auto ops = rc::gen::resize(40, rc::gen::container<std::vector<Op>>(op));
    return rc::gen::build<Scenario>(
        rc::gen::set(&Scenario::events, rc::gen::just(n)),
        rc::gen::set(&Scenario::threads,
                     rc::gen::mapcat(Uniform(2, 5), [ops](int k) {
                       return rc::gen::container<std::vector<std::vector<Op>>>(static_cast<size_t>(k), ops);
                     })));
  });
}

std::atomic<long> g_clock{0};

struct Stamped {
  bool activation;  // active or add; else del
  long start, end;
};

// One event of the run: its operations (under mu) and callbacks (loop thread).
struct Slot {
  std::mutex mu;
  std::vector<Stamped> ops;
  std::vector<std::pair<long, long>> calls;  // entry, exit
  std::atomic<long> last_entry{0};
  event* ev = nullptr;

  static void Callback(evutil_socket_t, short, void* arg) {
    Slot* s = static_cast<Slot*>(arg);
    const long entry = ++g_clock;
    s->last_entry = entry;
    std::this_thread::yield();  // widen the window a concurrent event_del must wait out
    s->calls.emplace_back(entry, ++g_clock);
  }
};

void RunOp(Slot& slot, Op::Kind kind) {
  std::lock_guard<std::mutex> g(slot.mu);
  const long start = ++g_clock;
  static const timeval zero{0, 0}, short_tv{0, 1000};
  switch (kind) {
    case Op::kActive: event_active(slot.ev, EV_TIMEOUT, 1); break;
    case Op::kAddZero: event_add(slot.ev, &zero); break;
    case Op::kAddShort: event_add(slot.ev, &short_tv); break;
    case Op::kDel: event_del(slot.ev); break;
  }
  slot.ops.push_back({kind != Op::kDel, start, ++g_clock});
}

// The events whose last operation is an activation that no callback has
// entered after yet.
bool AllWokenUp(std::deque<Slot>& slots) {
  for (Slot& s : slots)
    if (!s.ops.empty() && s.ops.back().activation && s.last_entry < s.ops.back().start) return false;
  return true;
}

void CheckSlot(const Slot& s, int index) {
  size_t k = 0;
  for (const auto& [entry, exit] : s.calls) {
    ++k;
    size_t started = 0;
    const Stamped* last_del = nullptr;
    for (const Stamped& op : s.ops) {
      if (op.activation && op.start < entry) ++started;
      if (!op.activation && op.end < entry) last_del = &op;
      if (!op.activation && entry < op.end && op.end < exit)
        RC_FAIL("e" + std::to_string(index) + ": event_del returned while its callback ran");
    }
    RC_ASSERT(started >= k);  // a callback per activation at most
    if (last_del != nullptr) {
      bool caused = false;
      for (const Stamped& op : s.ops)
        if (op.activation && op.start > last_del->end && op.start < entry) caused = true;
      if (!caused) RC_FAIL("e" + std::to_string(index) + ": a callback ran after event_del returned");
    }
  }
  if (!s.ops.empty() && s.ops.back().activation)
    RC_ASSERT(s.last_entry > s.ops.back().start);  // no lost wake-up
}

RC_GTEST_PROP(ThreadStress, CallbacksFollowActivationsAndDeletionsFromManyThreads, ()) {
  EVC_RULE("event.h/event_del/threads-model",
           "event.h, thread.h: with 2-4 threads activating, adding and deleting shared events "
           "of a looping base, every callback has an activation of its own, none runs after "
           "(or across) an event_del that returned, and no activation is lost");
  const Scenario s = *GenScenario();
  RC_ASSERT(UsePthreadsOnce() == 0);
  const auto fds_before = OpenFds();
  event_base* base = event_base_new();
  RC_ASSERT(IsSet(base));
  {
    Keeper keeper(base);
    std::deque<Slot> slots(static_cast<size_t>(s.events));
    for (Slot& slot : slots) slot.ev = event_new(base, -1, 0, Slot::Callback, &slot);
    LoopThread loop(base);
    RC_ASSERT(loop.Start());
    Flag go;
    std::vector<std::thread> threads;
    for (const std::vector<Op>& ops : s.threads)
      threads.emplace_back([&slots, &ops, &go] {
        go.WaitFor();
        for (const Op& op : ops) RunOp(slots[static_cast<size_t>(op.target)], op.kind);
      });
    go.Set();
    for (std::thread& t : threads) t.join();
    const double deadline = NowMs() + kBoundMs;
    while (!AllWokenUp(slots) && NowMs() < deadline) std::this_thread::yield();
    keeper.Wake();
    const bool ended = loop.WaitEnded();
    loop.End(&keeper);
    RC_ASSERT(ended);
    for (Slot& slot : slots) event_free(slot.ev);
    for (size_t i = 0; i < slots.size(); ++i) CheckSlot(slots[i], static_cast<int>(i));
  }
  event_base_free(base);
  RC_ASSERT(OpenFds() == fds_before);
}

}  // namespace
}  // namespace evc
