// Generated sets of I/O events sharing a few fds: several events per fd,
// any mix of EV_READ / EV_WRITE / EV_CLOSED, EV_PERSIST, edge-triggered fds,
// a dup'ed fd, events deleted right after being added. A small model of
// the event map predicts which callbacks run and exactly what each is told.
// The rules (event.h; libevent 2.1.12's evmap.c and epoll.c):
//  - an event runs when one of the conditions it asked for is ready, told
//    those conditions only, plus EV_ET when it is edge-triggered on a method
//    with EV_FEATURE_ET; EV_PERSIST is never reported;
//  - a deleted event never runs; a non-persistent event runs once;
//  - a level-triggered persistent event runs again while its condition
//    holds; an edge-triggered one needs a new edge, except that a change of
//    the fd's interest may report the fd again (epoll re-arms on
//    EPOLL_CTL_MOD), so at most one more call is allowed there;
//  - no fd is leaked.
// Every fd's events share one mode (all EV_ET or none): mixing is refused in
// debug mode and undefined otherwise (fdmap_test.cc in the conformance
// suite). A dup of an fd is another fd.
#include <event2/event.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "evc_property.h"

namespace evc {
namespace {

struct Fd {
  bool edge;      // its events are EV_ET
  bool readable;  // bytes are waiting (a dup shares its original's)
};

struct Ev {
  int fd;         // index into Scenario::fds; fds.size() names the dup of fd 0
  short conds;    // a non-empty subset of EV_READ | EV_WRITE | EV_CLOSED
  bool persist;
  bool deleted;   // event_del right after event_add
};

struct Scenario {
  std::vector<Fd> fds;
  bool dup_edge;  // the dup's mode
  std::vector<Ev> events;
};

void showValue(const Scenario& s, std::ostream& os) {
  for (size_t i = 0; i < s.fds.size(); ++i)
    os << "fd" << i << (s.fds[i].edge ? " ET" : " LT") << (s.fds[i].readable ? " readable" : "")
       << "; ";
  os << "dup of fd0" << (s.dup_edge ? " ET" : " LT");
  for (size_t e = 0; e < s.events.size(); ++e) {
    const Ev& v = s.events[e];
    os << "\n  e" << e << " on " << (v.fd == static_cast<int>(s.fds.size()) ? "dup" : "fd" + std::to_string(v.fd))
       << ":" << (v.conds & EV_READ ? " READ" : "") << (v.conds & EV_WRITE ? " WRITE" : "")
       << (v.conds & EV_CLOSED ? " CLOSED" : "") << (v.persist ? " PERSIST" : "")
       << (v.deleted ? " (deleted)" : "");
  }
}

rc::Gen<Scenario> GenScenario() {
  return rc::gen::mapcat(Uniform(1, 4), [](int nfds) {
    const auto fd = rc::gen::build<Fd>(rc::gen::set(&Fd::edge, rc::gen::arbitrary<bool>()),
                                       rc::gen::set(&Fd::readable, rc::gen::arbitrary<bool>()));
    const auto ev = rc::gen::build<Ev>(
        rc::gen::set(&Ev::fd, Uniform(0, nfds + 1)),
        rc::gen::set(&Ev::conds, rc::gen::map(Uniform(1, 8), [](int m) {
                       return static_cast<short>((m & 1 ? EV_READ : 0) | (m & 2 ? EV_WRITE : 0) |
                                                 (m & 4 ? EV_CLOSED : 0));
                     })),
        rc::gen::set(&Ev::persist, rc::gen::arbitrary<bool>()),
        rc::gen::set(&Ev::deleted, rc::gen::weightedElement<bool>({{5, false}, {1, true}})));
    return rc::gen::build<Scenario>(
        rc::gen::set(&Scenario::fds, rc::gen::container<std::vector<Fd>>(static_cast<size_t>(nfds), fd)),
        rc::gen::set(&Scenario::dup_edge, rc::gen::arbitrary<bool>()),
        rc::gen::set(&Scenario::events, rc::gen::mapcat(Uniform(1, 9), [ev](int n) {
                       return rc::gen::container<std::vector<Ev>>(static_cast<size_t>(n), ev);
                     })));
  });
}

// One callback: which event, and what it was told.
using Call = std::pair<int, short>;

std::string Show(std::vector<Call> calls) {
  std::sort(calls.begin(), calls.end());
  std::string s;
  for (const Call& c : calls) s += " e" + std::to_string(c.first) + ":" + std::to_string(c.second);
  return s.empty() ? " (none)" : s;
}

struct Model {
  const Scenario& s;
  bool et_method;
  bool Edge(const Ev& v) const {
    const bool edge = v.fd == static_cast<int>(s.fds.size()) ? s.dup_edge : s.fds[v.fd].edge;
    return edge && et_method;
  }
  bool Readable(const Ev& v) const {
    return s.fds[v.fd == static_cast<int>(s.fds.size()) ? 0 : v.fd].readable;
  }
  // The conditions ready for v (the peers never close, so EV_CLOSED never is).
  short Fired(const Ev& v) const {
    return static_cast<short>(v.conds & ((Readable(v) ? EV_READ : 0) | EV_WRITE));
  }
  short What(const Ev& v) const { return static_cast<short>(Fired(v) | (Edge(v) ? EV_ET : 0)); }
};

struct Run {
  std::vector<Call> calls;
  int round = 0;
};

struct Arg {
  Run* run;
  int index;
};

void OnEvent(evutil_socket_t, short what, void* p) {
  const Arg* a = static_cast<Arg*>(p);
  a->run->calls.emplace_back(a->index, what);
}

RC_GTEST_PROP(EventFdMap, EventsOfSharedFdsAreToldExactlyTheirConditions, ()) {
  EVC_RULE("event.h/EV_ET/fd-model",
           "event.h (event_callback_fn, EV_ET, EV_PERSIST, event_del) and libevent 2.1.12's "
           "evmap: each event of a ready fd runs told only the ready conditions it asked for, "
           "plus EV_ET where edge triggering is supported; deleted events never run; "
           "level-triggered persistent events run again while ready, edge-triggered ones at "
           "most once more; no fd leaks");
  const Scenario s = *GenScenario();
  const auto fds_before = OpenFds();
  event_base* base = event_base_new();
  RC_ASSERT(IsSet(base));
  const Model m{s, (event_base_get_features(base) & EV_FEATURE_ET) != 0};

  std::vector<int> fd(s.fds.size() + 1, -1), peer(s.fds.size(), -1);
  for (size_t i = 0; i < s.fds.size(); ++i) {
    int sv[2];
    RC_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0);
    fd[i] = sv[0];
    peer[i] = sv[1];
    if (s.fds[i].readable) RC_ASSERT(write(peer[i], "x", 1) == 1);
  }
  fd[s.fds.size()] = dup(fd[0]);
  RC_ASSERT(fd[s.fds.size()] >= 0);

  Run r;
  const size_t n = s.events.size();
  std::vector<Arg> args(n);
  std::vector<event*> evs(n);
  for (size_t e = 0; e < n; ++e) {
    const Ev& v = s.events[e];
    const bool edge = v.fd == static_cast<int>(s.fds.size()) ? s.dup_edge : s.fds[v.fd].edge;
    args[e] = {&r, static_cast<int>(e)};
    const short flags = static_cast<short>(v.conds | (v.persist ? EV_PERSIST : 0) | (edge ? EV_ET : 0));
    evs[e] = event_new(base, fd[v.fd], flags, OnEvent, &args[e]);
    RC_ASSERT(IsSet(evs[e]));
    RC_ASSERT(event_add(evs[e], nullptr) == 0);
    if (v.deleted) RC_ASSERT(event_del(evs[e]) == 0);
  }

  event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  const std::vector<Call> first = r.calls;
  r.calls.clear();
  event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  const std::vector<Call> second = r.calls;

  for (event* ev : evs) event_free(ev);
  event_base_free(base);
  for (int f : fd) close(f);
  for (int f : peer) close(f);

  std::vector<Call> want_first, want_second, maybe_second;
  for (size_t e = 0; e < n; ++e) {
    const Ev& v = s.events[e];
    if (v.deleted || m.Fired(v) == 0) continue;
    const Call c{static_cast<int>(e), m.What(v)};
    want_first.push_back(c);
    if (v.persist) (m.Edge(v) ? maybe_second : want_second).push_back(c);
  }
  RecordTrace("EventFdMap", s, Show(first) + " |" + Show(second));
  if (Show(first) != Show(want_first))
    RC_FAIL("first round ran:" + Show(first) + "\n  the rules predict:" + Show(want_first));
  // The second round: every level-triggered persistent event again, and
  // edge-triggered ones at most once each.
  std::vector<Call> rest = second;
  for (const Call& c : want_second) {
    const auto it = std::find(rest.begin(), rest.end(), c);
    if (it == rest.end())
      RC_FAIL("second round ran:" + Show(second) + "\n  missing" + Show({c}));
    rest.erase(it);
  }
  for (const Call& c : rest) {
    const auto it = std::find(maybe_second.begin(), maybe_second.end(), c);
    if (it == maybe_second.end())
      RC_FAIL("second round ran:" + Show(second) + "\n  unexpected" + Show({c}));
    maybe_second.erase(it);
  }
  RC_ASSERT(OpenFds() == fds_before);
}

}  // namespace
}  // namespace evc
