// Generated scenarios for an evconnlistener whose accept and error
// callbacks free or disable it while clients connect, the test enables it
// again, and (in failing mode) every accept() fails. A small model
// predicts the exact sequence of callbacks. The rules (listener.h,
// listener.c 2.1):
//  - one loop turn accepts every pending connection, one accept callback
//    each, until the callback frees or disables the listener; what is left
//    stays queued and is accepted once the listener is enabled again;
//  - the listener holds a reference around each callback, so freeing it
//    inside its accept or error callback is safe, and no callback runs after;
//  - an accept() error that is not retriable (EINVAL: the socket is not
//    listening) runs the error callback once per loop turn while enabled;
//  - with LEV_OPT_CLOSE_ON_FREE the listening socket is closed by the free,
//    without it it stays open; no other fd is touched.
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ostream>
#include <string>
#include <vector>

#include "evc_net.h"
#include "evc_property.h"

namespace evc {
namespace {

enum class Step { kConnect, kEnable, kTurn };
enum class Act { kNone, kFree, kDisable };

struct Scenario {
  bool failing = false;  // a bound socket that is not listening: accept() fails with EINVAL
  bool close_on_free = false;
  std::vector<Step> steps;
  std::vector<int> counts;  // connections per connect step (1..3)
  std::vector<Act> on_accept, on_error;
};

const char* Name(Act a) { return a == Act::kNone ? "none" : a == Act::kFree ? "free" : "disable"; }

void showValue(const Scenario& s, std::ostream& os) {
  os << (s.failing ? "failing accept()" : "listening") << (s.close_on_free ? ", CLOSE_ON_FREE" : "")
     << "; steps:";
  for (size_t i = 0; i < s.steps.size(); ++i) {
    if (s.steps[i] == Step::kConnect) os << " connect(" << s.counts[i] << ")";
    else os << (s.steps[i] == Step::kEnable ? " enable" : " loop-turn");
  }
  os << "\n  accept callback does:";
  for (Act a : s.on_accept) os << " " << Name(a);
  os << "\n  error callback does:";
  for (Act a : s.on_error) os << " " << Name(a);
}

rc::Gen<std::vector<Act>> GenActs() {
  return rc::gen::resize(8, rc::gen::container<std::vector<Act>>(rc::gen::weightedElement<Act>(
                                {{4, Act::kNone}, {1, Act::kFree}, {2, Act::kDisable}})));
}

rc::Gen<Scenario> GenScenario() {
  return rc::gen::mapcat(Uniform(1, 9), [](int n) {
    return rc::gen::build<Scenario>(
        rc::gen::set(&Scenario::failing, rc::gen::weightedElement<bool>({{3, false}, {1, true}})),
        rc::gen::set(&Scenario::close_on_free),
        rc::gen::set(&Scenario::steps,
                     rc::gen::container<std::vector<Step>>(
                         static_cast<size_t>(n), rc::gen::weightedElement<Step>(
                                                     {{4, Step::kConnect}, {2, Step::kEnable}, {2, Step::kTurn}}))),
        rc::gen::set(&Scenario::counts, rc::gen::container<std::vector<int>>(static_cast<size_t>(n), Uniform(1, 4))),
        rc::gen::set(&Scenario::on_accept, GenActs()), rc::gen::set(&Scenario::on_error, GenActs()));
  });
}

// The model. Trace: A accept callback, X error callback.
struct Model {
  const Scenario& s;
  bool alive = true, enabled = true;
  int queued = 0;
  size_t a = 0, x = 0;
  std::vector<std::string> trace;
  explicit Model(const Scenario& sc) : s(sc) {}
  static Act Nth(const std::vector<Act>& v, size_t i) { return i < v.size() ? v[i] : Act::kNone; }
  void Do(Act act) {
    if (act == Act::kFree) alive = false;
    if (act == Act::kDisable) enabled = false;
  }
  // One loop turn (EVLOOP_ONCE | EVLOOP_NONBLOCK).
  void Turn() {
    if (!alive || !enabled) return;
    if (s.failing) {
      trace.push_back("X");
      Do(Nth(s.on_error, x++));
      return;
    }
    while (queued > 0 && alive && enabled) {
      --queued;
      trace.push_back("A");
      Do(Nth(s.on_accept, a++));
    }
  }
};

struct Run {
  const Scenario* s;
  evconnlistener* lev = nullptr;
  bool alive = true;
  size_t a = 0, x = 0;
  bool called_after_free = false;
  int accept_errno = 0;
  std::vector<std::string> trace;
  void Do(Act act) {
    if (act == Act::kFree) {
      alive = false;
      evconnlistener_free(lev);
    } else if (act == Act::kDisable) {
      evconnlistener_disable(lev);
    }
  }
};

void OnAccept(evconnlistener*, evutil_socket_t fd, sockaddr*, int, void* p) {
  Run& r = *static_cast<Run*>(p);
  if (!r.alive) r.called_after_free = true;
  close(fd);
  r.trace.push_back("A");
  r.Do(Model::Nth(r.s->on_accept, r.a++));
}

void OnError(evconnlistener*, void* p) {
  Run& r = *static_cast<Run*>(p);
  if (!r.alive) r.called_after_free = true;
  r.accept_errno = EVUTIL_SOCKET_ERROR();
  r.trace.push_back("X");
  r.Do(Model::Nth(r.s->on_error, r.x++));
}

RC_GTEST_PROP(ListenerLifecycle, CallbacksFreesAndDisablesFollowTheRules, ()) {
  EVC_RULE("listener.h/evconnlistener_free/lifecycle-model",
           "listener.h / listener.c 2.1: one loop turn accepts all pending connections until the "
           "callback frees or disables the listener; a reference is held around accept and error "
           "callbacks, so freeing inside them is safe and nothing runs after; a non-retriable accept "
           "error runs the error callback each turn while enabled; CLOSE_ON_FREE closes the socket");
  const Scenario s = *GenScenario();
  const auto fds_before = OpenFds();
  event_base* base = event_base_new();
  RC_ASSERT(IsSet(base));
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  RC_ASSERT(fd >= 0);
  sockaddr_in sin = Loopback4();
  RC_ASSERT(bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
  const uint16_t port = LocalPort(fd);
  if (!s.failing) RC_ASSERT(listen(fd, 64) == 0);
  Run run;
  run.s = &s;
  // backlog 0: the socket is used as it is (listening, or not at all)
  run.lev = evconnlistener_new(base, OnAccept, &run, s.close_on_free ? LEV_OPT_CLOSE_ON_FREE : 0, 0, fd);
  RC_ASSERT(IsSet(run.lev));
  evconnlistener_set_error_cb(run.lev, OnError);

  Model model(s);
  std::vector<int> clients;
  for (size_t i = 0; i < s.steps.size(); ++i) {
    switch (s.steps[i]) {
      case Step::kConnect:
        if (s.failing || !run.alive) continue;  // nobody would accept
        for (int k = 0; k < s.counts[i]; ++k) {
          clients.push_back(ConnectLoopback(port));
          RC_ASSERT(clients.back() >= 0);
        }
        model.queued += s.counts[i];
        break;
      case Step::kEnable:
        if (!run.alive) continue;
        RC_ASSERT(evconnlistener_enable(run.lev) == 0);
        model.enabled = true;
        break;
      case Step::kTurn:
        break;
    }
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    model.Turn();
  }
  if (run.alive) evconnlistener_free(run.lev);
  const bool fd_open = OpenFds().count(fd) > 0;
  if (fd_open) close(fd);
  for (int c : clients) CloseAbortively(c);  // 1,000 cases must not use up the ports
  event_base_free(base);

  RecordTrace("ListenerLifecycle", s, Join(run.trace));
  RC_ASSERT(!run.called_after_free);
  if (run.trace != model.trace)
    RC_FAIL("callbacks ran:" + Join(run.trace) + "\n  the rules predict:" + Join(model.trace));
  if (s.failing && !run.trace.empty()) RC_ASSERT(run.accept_errno == EINVAL);
  RC_ASSERT(fd_open == !s.close_on_free);
  RC_ASSERT(OpenFds() == fds_before);
}

}  // namespace
}  // namespace evc
