// Generated scenarios for a socket bufferevent whose read, write and event
// callbacks free it, hold an extra reference around the free
// (bufferevent_incref, later bufferevent_decref), or disable / enable
// reading, while a peer writes, the bufferevent writes, and the peer shuts
// down its side. A small model predicts the exact sequence of callbacks.
// The rules (bufferevent.h, bufferevent_sock.c 2.1):
//  - bytes that arrive while reading is enabled reach one read callback;
//    none while reading is disabled; enabling it again reads what waited;
//  - output handed to bufferevent_write is written and the write callback
//    runs once the output buffer is empty (low watermark 0);
//  - the peer's shutdown gives the event callback BEV_EVENT_EOF |
//    BEV_EVENT_READING, and reading is disabled after it (enabled again,
//    it reports the end of file again);
//  - after bufferevent_free no callback runs, even while a reference taken
//    with bufferevent_incref keeps the object alive;
//  - with BEV_OPT_CLOSE_ON_FREE the socket is closed once the last reference
//    is gone (libevent finalizes on the next loop turn); without it the
//    socket stays open; no other fd is touched (fd table before and after);
//  - BEV_OPT_DEFER_CALLBACKS changes when callbacks run, not which or in
//    what order.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ostream>
#include <utility>
#include <string>
#include <vector>

#include "evc_property.h"

namespace evc {
namespace {

enum class Step { kPeerWrite, kBevWrite, kPeerShutdown };
enum class Act { kNone, kFree, kHoldAndFree, kDisableRead, kEnableRead };

struct Scenario {
  bool close_on_free = false;
  bool defer = false;
  std::vector<Step> steps;
  std::vector<int> sizes;      // bytes per write step (1..256)
  std::vector<Act> on_read, on_write, on_event;  // per invocation
};

const char* Name(Step s) {
  switch (s) {
    case Step::kPeerWrite: return "peer-write";
    case Step::kBevWrite: return "bev-write";
    default: return "peer-shutdown";
  }
}

const char* Name(Act a) {
  switch (a) {
    case Act::kNone: return "none";
    case Act::kFree: return "free";
    case Act::kHoldAndFree: return "incref+free";
    case Act::kDisableRead: return "disable-read";
    default: return "enable-read";
  }
}

void showValue(const Scenario& s, std::ostream& os) {
  os << (s.close_on_free ? "CLOSE_ON_FREE" : "no CLOSE_ON_FREE") << (s.defer ? ", DEFER_CALLBACKS" : "")
     << "; steps:";
  for (size_t i = 0; i < s.steps.size(); ++i) {
    os << " " << Name(s.steps[i]);
    if (s.steps[i] != Step::kPeerShutdown) os << "(" << s.sizes[i] << ")";
  }
  auto acts = [&os](const char* what, const std::vector<Act>& v) {
    os << "\n  " << what << " callback does:";
    for (Act a : v) os << " " << Name(a);
  };
  acts("read", s.on_read);
  acts("write", s.on_write);
  acts("event", s.on_event);
}

rc::Gen<std::vector<Act>> GenActs(rc::Gen<Act> act) {  // up to 5 invocations
  return rc::gen::resize(5, rc::gen::container<std::vector<Act>>(std::move(act)));
}

rc::Gen<Scenario> GenScenario() {
  return rc::gen::mapcat(Uniform(1, 9), [](int n) {
    return rc::gen::build<Scenario>(
        rc::gen::set(&Scenario::close_on_free), rc::gen::set(&Scenario::defer),
        rc::gen::set(&Scenario::steps,
                     rc::gen::container<std::vector<Step>>(
                         static_cast<size_t>(n), rc::gen::weightedElement<Step>({{4, Step::kPeerWrite},
                                                                                {3, Step::kBevWrite},
                                                                                {1, Step::kPeerShutdown}}))),
        rc::gen::set(&Scenario::sizes, rc::gen::container<std::vector<int>>(static_cast<size_t>(n), Uniform(1, 257))),
        rc::gen::set(&Scenario::on_read, GenActs(rc::gen::weightedElement<Act>({{4, Act::kNone}, {1, Act::kFree},
                                                                        {1, Act::kHoldAndFree}, {2, Act::kDisableRead}}))),
        rc::gen::set(&Scenario::on_write, GenActs(rc::gen::weightedElement<Act>({{4, Act::kNone}, {1, Act::kFree},
                                                                         {1, Act::kHoldAndFree}, {1, Act::kDisableRead},
                                                                         {2, Act::kEnableRead}}))),
        // no enable-read here: re-enabling after EOF would read EOF forever
        rc::gen::set(&Scenario::on_event, GenActs(rc::gen::weightedElement<Act>({{3, Act::kNone}, {1, Act::kFree}, {1, Act::kHoldAndFree}}))));
  });
}

// The model. A trace entry: R<bytes> read callback (bytes in the input
// buffer), W write callback, E<what> event callback.
struct Model {
  const Scenario& s;
  bool alive = true, reading = true, eof_sent = false;
  size_t waiting = 0;   // bytes in the socket, not read yet
  size_t input = 0;     // bytes in the input buffer
  size_t output = 0;    // bytes handed to bufferevent_write, not written yet
  size_t r = 0, w = 0, e = 0;
  std::vector<std::string> trace;

  explicit Model(const Scenario& sc) : s(sc) {}
  static Act Nth(const std::vector<Act>& v, size_t i) { return i < v.size() ? v[i] : Act::kNone; }
  void Do(Act a) {
    if (a == Act::kFree || a == Act::kHoldAndFree) alive = false;
    if (a == Act::kDisableRead) reading = false;
    if (a == Act::kEnableRead) reading = true;
  }
  // Everything the loop does until nothing is left to do.
  void Settle() {
    for (bool progress = true; progress && alive;) {
      progress = false;
      if (output > 0) {
        output = 0;
        trace.push_back("W");
        Do(Nth(s.on_write, w++));
        progress = true;
      } else if (reading && waiting > 0) {
        input += waiting;
        waiting = 0;
        trace.push_back("R" + std::to_string(input));
        Do(Nth(s.on_read, r++));
        progress = true;
      } else if (reading && eof_sent) {
        reading = false;
        trace.push_back("E" + std::to_string(BEV_EVENT_EOF | BEV_EVENT_READING));
        Do(Nth(s.on_event, e++));
        progress = true;
      }
    }
  }
};

struct Run {
  const Scenario* s;
  bufferevent* bev = nullptr;
  bool alive = true;
  int holds = 0;
  size_t r = 0, w = 0, e = 0;
  bool called_after_free = false;
  std::vector<std::string> trace;

  void Do(Act a) {
    switch (a) {
      case Act::kHoldAndFree:
        bufferevent_incref(bev);
        ++holds;
        [[fallthrough]];
      case Act::kFree:
        alive = false;
        bufferevent_free(bev);
        break;
      case Act::kDisableRead:
        bufferevent_disable(bev, EV_READ);
        break;
      case Act::kEnableRead:
        bufferevent_enable(bev, EV_READ);
        break;
      default:
        break;
    }
  }
  void Enter() {
    if (!alive) called_after_free = true;
  }
};

void OnRead(bufferevent* bev, void* p) {
  Run& r = *static_cast<Run*>(p);
  r.Enter();
  r.trace.push_back("R" + std::to_string(evbuffer_get_length(bufferevent_get_input(bev))));
  r.Do(Model::Nth(r.s->on_read, r.r++));
}

void OnWrite(bufferevent*, void* p) {
  Run& r = *static_cast<Run*>(p);
  r.Enter();
  r.trace.push_back("W");
  r.Do(Model::Nth(r.s->on_write, r.w++));
}

void OnEvent(bufferevent*, short what, void* p) {
  Run& r = *static_cast<Run*>(p);
  r.Enter();
  r.trace.push_back("E" + std::to_string(what));
  r.Do(Model::Nth(r.s->on_event, r.e++));
}

// Runs the loop until nothing is left to do (EVLOOP_NONBLOCK returns when
// nothing is active; a few turns let libevent's deferred work finish).
void Settle(event_base* base) {
  for (int i = 0; i < 4; ++i) event_base_loop(base, EVLOOP_NONBLOCK);
}

RC_GTEST_PROP(BufferEventLifecycle, CallbacksFreesAndReferencesFollowTheRules, ()) {
  EVC_RULE("bufferevent.h/bufferevent_free/lifecycle-model",
           "bufferevent.h / bufferevent_sock.c 2.1: read cb per arrival while reading, write cb when "
           "the output empties, EOF|READING then reading disabled, no callback after "
           "bufferevent_free even with an incref held, CLOSE_ON_FREE closes the socket once the last "
           "reference is gone, no other fd touched; DEFER_CALLBACKS keeps the order");
  const Scenario s = *GenScenario();
  const auto fds_before = OpenFds();
  event_base* base = event_base_new();
  RC_ASSERT(IsSet(base));
  int sv[2];
  RC_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  RC_ASSERT(evutil_make_socket_nonblocking(sv[0]) == 0);
  const int opts = (s.close_on_free ? BEV_OPT_CLOSE_ON_FREE : 0) | (s.defer ? BEV_OPT_DEFER_CALLBACKS : 0);
  Run run;
  run.s = &s;
  run.bev = bufferevent_socket_new(base, sv[0], opts);
  RC_ASSERT(IsSet(run.bev));
  bufferevent_setcb(run.bev, OnRead, OnWrite, OnEvent, &run);
  RC_ASSERT(bufferevent_enable(run.bev, EV_READ) == 0);

  Model model(s);
  bool peer_open = true;
  for (size_t i = 0; i < s.steps.size(); ++i) {
    const size_t n = static_cast<size_t>(s.sizes[i]);
    const std::string bytes(n, 'x');
    switch (s.steps[i]) {
      case Step::kPeerWrite:
        // after a free the peer still writes: a bufferevent held by a
        // reference must not call back; MSG_NOSIGNAL in case it is closed
        if (!peer_open) continue;
        if (run.alive) {
          RC_ASSERT(send(sv[1], bytes.data(), n, MSG_NOSIGNAL) == static_cast<ssize_t>(n));
          model.waiting += n;
        } else {
          (void)!send(sv[1], bytes.data(), n, MSG_NOSIGNAL);
        }
        break;
      case Step::kBevWrite:
        if (!run.alive) continue;
        RC_ASSERT(bufferevent_write(run.bev, bytes.data(), n) == 0);
        model.output += n;
        break;
      case Step::kPeerShutdown:
        if (!peer_open) continue;
        RC_ASSERT(shutdown(sv[1], SHUT_WR) == 0);
        peer_open = false;
        model.eof_sent = true;
        break;
    }
    Settle(base);
    model.Settle();
  }
  if (run.alive) bufferevent_free(run.bev);
  for (; run.holds > 0; --run.holds) bufferevent_decref(run.bev);  // the last references
  Settle(base);  // libevent finalizes a freed bufferevent on the next loop turn
  const bool fd_open = OpenFds().count(sv[0]) > 0;
  if (fd_open) close(sv[0]);
  close(sv[1]);
  event_base_free(base);

  RecordTrace("BufferEventLifecycle", s, Join(run.trace));
  RC_ASSERT(!run.called_after_free);
  if (run.trace != model.trace)
    RC_FAIL("callbacks ran:" + Join(run.trace) + "\n  the rules predict:" + Join(model.trace));
  RC_ASSERT(fd_open == !s.close_on_free);
  RC_ASSERT(OpenFds() == fds_before);
}

}  // namespace
}  // namespace evc
