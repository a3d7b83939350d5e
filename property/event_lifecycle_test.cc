// Generated scenarios on a real event loop: events whose callbacks activate,
// delete and free themselves and each other. A small model of libevent
// 2.1's active queues checks the sequence of callbacks the run produced
// (any order within one priority: libevent leaves it open). The rules
// (event.c, event.h):
//  - event_active on an event that is already active does nothing; an
//    event's callback runs once per activation, after it has left the queue
//    (so a callback may re-activate its own event: it runs again later);
//  - event_del and event_free take an active event off its queue: its
//    callback does not run, and no callback ever runs for a freed event;
//  - each loop iteration runs the lowest-numbered non-empty priority queue
//    (in an order libevent does not define), until it is empty or an event of a more urgent
//    priority is activated (then the iteration ends after that callback);
//  - event_base_loop(EVLOOP_NONBLOCK) returns once nothing is active, so the
//    loop terminates; every fd the base opened is closed by event_base_free.
#include <event2/event.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <deque>
#include <ostream>
#include <string>
#include <vector>

#include "evc_property.h"

namespace evc {
namespace {

constexpr int kPriorities = 3;

struct Action {
  enum Kind { kActivate, kDel, kFree } kind;
  int target;  // an event index; may be the event itself
};

struct Scenario {
  std::vector<int> priority;                        // per event
  std::vector<std::vector<std::vector<Action>>> on;  // per event, per invocation: actions
  std::vector<int> initial;                         // activated before the loop, in order
};

void showValue(const Scenario& s, std::ostream& os) {
  static const char* const names[] = {"activate", "del", "free"};
  os << "events " << s.priority.size() << "; initial activations:";
  for (int i : s.initial) os << " e" << i;
  for (size_t e = 0; e < s.priority.size(); ++e) {
    os << "\n  e" << e << " (priority " << s.priority[e] << ")";
    for (size_t j = 0; j < s.on[e].size(); ++j) {
      os << " | call " << j + 1 << ":";
      for (const Action& a : s.on[e][j]) os << " " << names[a.kind] << " e" << a.target;
    }
  }
}

rc::Gen<Scenario> GenScenario() {
  return rc::gen::mapcat(Uniform(2, 7), [](int n) {
    const auto action = rc::gen::build<Action>(
        rc::gen::set(&Action::kind, rc::gen::weightedElement<Action::Kind>(
                                        {{5, Action::kActivate}, {2, Action::kDel}, {2, Action::kFree}})),
        rc::gen::set(&Action::target, Uniform(0, n)));
    // per event: up to 6 invocations with actions, each up to 3 actions
    const auto calls = rc::gen::resize(
        6, rc::gen::container<std::vector<std::vector<Action>>>(
               rc::gen::resize(3, rc::gen::container<std::vector<Action>>(action))));
    return rc::gen::build<Scenario>(
        rc::gen::set(&Scenario::priority, rc::gen::container<std::vector<int>>(
                                              static_cast<size_t>(n), Uniform(0, kPriorities))),
        rc::gen::set(&Scenario::on, rc::gen::container<std::vector<std::vector<std::vector<Action>>>>(
                                        static_cast<size_t>(n), calls)),
        rc::gen::set(&Scenario::initial, rc::gen::nonEmpty(rc::gen::resize(
                                             4, rc::gen::container<std::vector<int>>(Uniform(0, n))))));
  });
}

// The model: one active queue per priority. Within a priority the order of
// callbacks is left open (the libevent book: when several events trigger at
// once, no order is defined; libevent 2.1 happens to run them in activation
// order), so the model does not predict one sequence: it replays the run's
// trace and accepts it when each callback is one of the events active at
// the priority being run. Returns "" when the trace is accepted, else why not.
std::string Check(const Scenario& s, const std::vector<int>& trace) {
  const size_t n = s.priority.size();
  std::vector<std::vector<int>> queue(kPriorities);
  std::vector<bool> active(n, false), alive(n, true);
  std::vector<size_t> calls(n, 0);
  size_t t = 0;
  int running = -1;
  bool stop_iteration = false;
  auto unqueue = [&](int e) {
    if (!active[e]) return;
    auto& q = queue[s.priority[e]];
    q.erase(std::find(q.begin(), q.end(), e));
    active[e] = false;
  };
  auto activate = [&](int e) {
    if (!alive[e] || active[e]) return;
    active[e] = true;
    queue[s.priority[e]].push_back(e);
    if (running >= 0 && s.priority[e] < running) stop_iteration = true;
  };
  auto names = [](const std::vector<int>& q) {
    std::string out;
    for (int e : q) out += " e" + std::to_string(e);
    return out;
  };
  for (int e : s.initial) activate(e);
  for (;;) {
    const auto next = std::find_if(queue.begin(), queue.end(), [](const std::vector<int>& q) { return !q.empty(); });
    if (next == queue.end()) break;
    running = static_cast<int>(next - queue.begin());
    stop_iteration = false;
    while (!next->empty() && !stop_iteration) {
      if (t == trace.size())
        return "the loop ended while priority " + std::to_string(running) + " had active events:" + names(*next);
      const int e = trace[t++];
      const auto it = std::find(next->begin(), next->end(), e);
      if (it == next->end())
        return "callback " + std::to_string(t) + " was e" + std::to_string(e) + "; the rules allow one of:" +
               names(*next) + " (priority " + std::to_string(running) + ")";
      next->erase(it);
      active[e] = false;
      const size_t j = calls[e]++;
      if (j >= s.on[e].size()) continue;
      for (const Action& a : s.on[e][j]) {
        if (!alive[a.target]) continue;
        if (a.kind == Action::kActivate) {
          activate(a.target);
        } else {
          unqueue(a.target);
          if (a.kind == Action::kFree) alive[a.target] = false;
        }
      }
    }
    running = -1;
  }
  if (t != trace.size())
    return std::to_string(trace.size() - t) + " callback(s) ran after nothing was active, from e" +
           std::to_string(trace[t]);
  return "";
}

struct Run {
  const Scenario* s;
  event_base* base;
  std::vector<event*> ev;
  std::vector<bool> alive;
  std::vector<size_t> calls;
  std::vector<int> trace;
  bool called_after_free = false;
};

struct Arg {
  Run* run;
  int index;
};

void OnEvent(evutil_socket_t, short, void* p) {
  const Arg* arg = static_cast<Arg*>(p);
  Run& r = *arg->run;
  const int e = arg->index;
  if (!r.alive[e]) r.called_after_free = true;
  r.trace.push_back(e);
  if (r.trace.size() > 10000) event_base_loopbreak(r.base);  // a runaway loop: fail, do not hang
  const size_t j = r.calls[e]++;
  if (j >= r.s->on[e].size()) return;
  for (const Action& a : r.s->on[e][j]) {
    if (!r.alive[a.target]) continue;
    event* t = r.ev[a.target];
    if (a.kind == Action::kActivate) {
      event_active(t, EV_READ, 0);
    } else if (a.kind == Action::kDel) {
      event_del(t);
    } else {
      r.alive[a.target] = false;
      event_free(t);
    }
  }
}

std::string Names(const std::vector<int>& t) {
  std::string s;
  for (int e : t) s += " e" + std::to_string(e);
  return s.empty() ? " (none)" : s;
}

RC_GTEST_PROP(EventLifecycle, CallbacksFollowTheActiveQueueRules, ()) {
  EVC_RULE("event.h/event_active/lifecycle-model",
           "event.c 2.1: event_active is idempotent while active; del/free take an event off its "
           "queue; no callback after free; one priority queue per iteration, any order, until a more "
           "urgent event is activated; EVLOOP_NONBLOCK ends when nothing is active; no fd leaks");
  const Scenario s = *GenScenario();
  const auto fds_before = OpenFds();
  Run r{&s, event_base_new(), {}, {}, {}, {}, false};
  RC_ASSERT(IsSet(r.base));
  RC_ASSERT(event_base_priority_init(r.base, kPriorities) == 0);
  const size_t n = s.priority.size();
  std::vector<Arg> args(n);
  r.alive.assign(n, true);
  r.calls.assign(n, 0);
  for (size_t e = 0; e < n; ++e) {
    args[e] = {&r, static_cast<int>(e)};
    r.ev.push_back(event_new(r.base, -1, 0, OnEvent, &args[e]));
    RC_ASSERT(IsSet(r.ev.back()));
    RC_ASSERT(event_priority_set(r.ev.back(), s.priority[e]) == 0);
  }
  for (int e : s.initial) event_active(r.ev[e], EV_READ, 0);
  const int rc = event_base_loop(r.base, EVLOOP_NONBLOCK);
  for (size_t e = 0; e < n; ++e)
    if (r.alive[e]) event_free(r.ev[e]);
  event_base_free(r.base);

  RecordTrace("EventLifecycle", s, Names(r.trace));
  RC_ASSERT(r.trace.size() <= 10000u);  // the loop terminated by itself
  RC_ASSERT(rc >= 0);
  RC_ASSERT(!r.called_after_free);
  const std::string why = Check(s, r.trace);
  if (!why.empty()) RC_FAIL("callbacks ran:" + Names(r.trace) + "\n  the rules say: " + why);
  RC_ASSERT(OpenFds() == fds_before);
}

}  // namespace
}  // namespace evc
