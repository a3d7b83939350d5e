// The process-wide hooks of event.h: debug mode (event_enable_debug_mode,
// event_debug_unassign), the fatal callback (event_set_fatal_callback) and
// the memory functions (event_set_mem_functions).
//
// Each test runs in its own process (evc_main.cc), so debug mode turned on
// in a fixture's SetUp, before any base, affects that test only. What ends
// the process (a fatal error, an abort) runs in a forked child.
#include <event2/buffer.h>
#include <event2/event_struct.h>

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <set>
#include <vector>

#include "event_fixture.h"

namespace evc {
namespace {

// A fatal callback that ends the child at once with 100 + the error code
// (its low bits), so the parent learns that it ran and with what.
constexpr int kFatalBase = 100;
[[noreturn]] void ExitWithFatalCode(int err) { _exit(kFatalBase + (err & 0x1f)); }

// How a child that made a fatal error ended: through the fatal callback.
::testing::AssertionResult EndedInFatalCallback(const ChildEnd& end) {
  if (end.kind == ChildEnd::kExited && end.code >= kFatalBase && end.code < kFatalBase + 32)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the fatal callback was not called: " << end.Describe();
}

// Without a fatal callback, a misuse caught by debug mode ends the process:
// libevent aborts (EVENT_ERR_ABORT_); exit(1), the header's default for a
// fatal error, is accepted too. It must not go on.
::testing::AssertionResult EndedTheProcess(const ChildEnd& end) {
  if (end.kind == ChildEnd::kSignalled && end.code == SIGABRT) return ::testing::AssertionSuccess();
  if (end.kind == ChildEnd::kExited && end.code != 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the process went on: " << end.Describe();
}

bool MakeNonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

class EventDebugMode : public EventTest {
 protected:
  void SetUp() override {
    event_enable_debug_mode();
    EventTest::SetUp();
  }
  // An event in caller storage (debug mode tracks it by address).
  event* AssignTimer(Probe& p) {
    storage_.emplace_back(event_get_struct_event_size());
    event* ev = reinterpret_cast<event*>(storage_.back().data());
    EXPECT_EQ(event_assign(ev, base_, -1, 0, Probe::Callback, &p), 0);
    p.ev = ev;
    return ev;
  }
  // A byte-for-byte copy of an assigned event: never assigned itself.
  event* CopyOf(const event* ev) {
    storage_.emplace_back(event_get_struct_event_size());
    std::memcpy(storage_.back().data(), ev, event_get_struct_event_size());
    return reinterpret_cast<event*>(storage_.back().data());
  }
  std::deque<std::vector<char>> storage_;
};

TEST_F(EventDebugMode, AddingAnUnassignedEventIsFatal) {
  EVC_RULE("event.h/event_enable_debug_mode/unassigned-event-fatal",
           "event.h: debug mode catches any function called on a non-assigned event: event_add "
           "of a byte copy of an assigned event (never assigned itself) is a fatal error: the "
           "fatal callback runs, or without one the process ends (libevent 2.1.12 aborts)");
  Probe& p = NewProbe("p");
  event* copy = CopyOf(AssignTimer(p));
  EXPECT_TRUE(EndedInFatalCallback(RunInChild([copy] {
    event_set_fatal_callback(ExitWithFatalCode);
    event_add(copy, nullptr);
  })));
  EXPECT_TRUE(EndedTheProcess(RunInChild([copy] { event_add(copy, nullptr); })));
  EXPECT_EQ(p.calls, 0);
}

TEST_F(EventDebugMode, ActivatingAnUnassignedEventIsFatal) {
  EVC_RULE("event.h/event_enable_debug_mode/unassigned-event-active-fatal",
           "event.h: debug mode catches any function called on a non-assigned event: "
           "event_active and event_pending of a byte copy of an assigned event are fatal errors");
  Probe& p = NewProbe("p");
  event* copy = CopyOf(AssignTimer(p));
  EXPECT_TRUE(EndedInFatalCallback(RunInChild([copy] {
    event_set_fatal_callback(ExitWithFatalCode);
    event_active(copy, EV_TIMEOUT, 1);
  })));
  EXPECT_TRUE(EndedInFatalCallback(RunInChild([copy] {
    event_set_fatal_callback(ExitWithFatalCode);
    event_pending(copy, EV_TIMEOUT, nullptr);
  })));
}

TEST_F(EventDebugMode, EveryCallOnAnUnassignedEventIsFatal) {
  EVC_RULE("event.h/event_enable_debug_mode/unassigned-event-any-call-fatal",
           "event.h: debug mode catches any function called on a non-assigned event: on a byte "
           "copy of an assigned event, event_del, event_remove_timer, event_priority_set, "
           "event_base_set, event_get_assignment and each event_get_* accessor are fatal errors");
  Probe& p = NewProbe("p");
  event* copy = CopyOf(AssignTimer(p));
  event_base* base = base_;
  const std::vector<Named<std::function<void()>>> calls = {
      {"event_del", [copy] { event_del(copy); }},
      {"event_remove_timer", [copy] { event_remove_timer(copy); }},
      {"event_priority_set", [copy] { event_priority_set(copy, 0); }},
      {"event_base_set", [copy, base] { event_base_set(base, copy); }},
      {"event_get_assignment",
       [copy] { event_get_assignment(copy, nullptr, nullptr, nullptr, nullptr, nullptr); }},
      {"event_get_fd", [copy] { event_get_fd(copy); }},
      {"event_get_base", [copy] { event_get_base(copy); }},
      {"event_get_events", [copy] { event_get_events(copy); }},
      {"event_get_callback", [copy] { event_get_callback(copy); }},
      {"event_get_callback_arg", [copy] { event_get_callback_arg(copy); }},
      {"event_get_priority", [copy] { event_get_priority(copy); }},
  };
  for (const auto& c : calls) {
    SCOPED_TRACE(c.name);
    const std::function<void()> call = c.value;
    EXPECT_TRUE(EndedInFatalCallback(RunInChild([call] {
      event_set_fatal_callback(ExitWithFatalCode);
      call();
    })));
  }
}

TEST_F(EventDebugMode, ReassigningAnAddedEventIsFatal) {
  EVC_RULE("event.h/event_enable_debug_mode/reassign-added-fatal",
           "event.h: debug mode catches an event re-assigned while it is added: event_assign of "
           "a pending event is a fatal error (the fatal callback, or the process ends)");
  Probe& p = NewProbe("p");
  event* ev = AssignTimer(p);
  const timeval tv = Ms(10000);
  ASSERT_EQ(event_add(ev, &tv), 0);
  EXPECT_TRUE(EndedInFatalCallback(RunInChild([&] {
    event_set_fatal_callback(ExitWithFatalCode);
    event_assign(ev, base_, -1, 0, Probe::Callback, &p);
  })));
  EXPECT_TRUE(EndedTheProcess(
      RunInChild([&] { event_assign(ev, base_, -1, 0, Probe::Callback, &p); })));
  ASSERT_EQ(event_del(ev), 0);
  EXPECT_EQ(event_assign(ev, base_, -1, 0, Probe::Callback, &p), 0) << "once deleted it may be";
}

TEST_F(EventDebugMode, OrdinaryUseIsNotAnError) {
  EVC_RULE("event.h/event_enable_debug_mode/ordinary-use",
           "event.h: debug mode only catches misuse: assigning, adding, running, deleting, "
           "re-assigning and freeing events (a nonblocking socket's among them) is not a fatal "
           "error and works as without it");
  EXPECT_IN_CHILD({
    event_set_fatal_callback(ExitWithFatalCode);
    Probe& t = NewProbe("timer");
    event* tev = AssignTimer(t);
    ASSERT_EQ(event_add(tev, nullptr), 0);
    event_active(tev, EV_TIMEOUT, 1);
    event_base_loop(base_, EVLOOP_NONBLOCK);
    EXPECT_EQ(t.calls, 1);
    EXPECT_EQ(event_assign(tev, base_, -1, 0, Probe::Callback, &t), 0);
    Probe& io = NewProbe("io");
    SocketPair& sp = NewPair();
    ASSERT_TRUE(MakeNonblocking(sp.fd[0]));
    event* iev = NewEvent(io, sp.fd[0], EV_READ);
    ASSERT_EQ(event_add(iev, nullptr), 0);
    sp.MakeReadable();
    EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
    EXPECT_EQ(io.calls, 1);
    EXPECT_EQ(event_get_fd(iev), sp.fd[0]);
    EXPECT_EQ(event_del(iev), 0);
  });
}

TEST_F(EventDebugMode, BlockingSocketIsFatal) {
  EVC_RULE("event.h/event_enable_debug_mode/blocking-socket-fatal",
           "observed libevent 2.1.12 (event_debug_assert_socket_nonblocking_): in debug mode "
           "event_assign of an I/O event on an open blocking fd is a fatal error; a signal "
           "event's number and fd -1 are not checked");
  SocketPair& sp = NewPair();  // blocking
  EXPECT_TRUE(EndedInFatalCallback(RunInChild([&] {
    event_set_fatal_callback(ExitWithFatalCode);
    event_new(base_, sp.fd[0], EV_READ, Probe::Callback, nullptr);
  })));
  Probe& none = NewProbe("none");
  EXPECT_NE(NewEvent(none, -1, EV_READ), nullptr);
  Probe& sig = NewProbe("sig");
  EXPECT_NE(NewSignal(sig, SIGUSR1), nullptr);
}

TEST_F(EventDebugMode, EnablingItTwiceIsFatal) {
  EVC_RULE("event.h/event_enable_debug_mode/twice-fatal",
           "observed libevent 2.1.12: a second event_enable_debug_mode is a fatal error "
           "('event_enable_debug_mode was called twice!', the fatal callback gets 1)");
  const ChildEnd end = RunInChild([] {
    event_set_fatal_callback(ExitWithFatalCode);
    event_enable_debug_mode();
  });
  EXPECT_TRUE(EndedInFatalCallback(end));
  EXPECT_EQ(end.code, kFatalBase + 1) << end.Describe();
}

class EventDebugModeLate : public EventTest {};

TEST_F(EventDebugModeLate, EnablingItAfterABaseExistsIsFatal) {
  EVC_RULE("event.h/event_enable_debug_mode/after-base-fatal",
           "event.h: event_enable_debug_mode MUST be called before any events or event_bases "
           "have been created; observed libevent 2.1.12: later it is a fatal error (the fatal "
           "callback gets 1; without one, exit(1))");
  const ChildEnd end = RunInChild([] {
    event_set_fatal_callback(ExitWithFatalCode);
    event_enable_debug_mode();
  });
  EXPECT_TRUE(EndedInFatalCallback(end));
  EXPECT_EQ(end.code, kFatalBase + 1) << end.Describe();
  const ChildEnd plain = RunInChild([] { event_enable_debug_mode(); });
  EXPECT_EQ(plain.kind, ChildEnd::kExited) << plain.Describe();
  EXPECT_EQ(plain.code, 1) << plain.Describe();
}

// --- event_debug_unassign

TEST_F(EventDebugMode, UnassignedEventIsForgotten) {
  EVC_RULE("event.h/event_debug_unassign",
           "event.h: in debug mode event_debug_unassign makes the event no longer assigned: "
           "event_add of it is then a fatal error, and event_assign may set it up again");
  Probe& p = NewProbe("p");
  event* ev = AssignTimer(p);
  event_debug_unassign(ev);
  EXPECT_TRUE(EndedInFatalCallback(RunInChild([ev] {
    event_set_fatal_callback(ExitWithFatalCode);
    event_add(ev, nullptr);
  })));
  ASSERT_EQ(event_assign(ev, base_, -1, 0, Probe::Callback, &p), 0);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  event_active(ev, EV_TIMEOUT, 1);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(p.calls, 1);
}

TEST_F(EventDebugMode, UnassigningAnAddedEventIsFatal) {
  EVC_RULE("event.h/event_debug_unassign/added-event-fatal",
           "event.h: event_debug_unassign must only be called on a non-added event; in debug "
           "mode calling it on an added one is a fatal error");
  Probe& p = NewProbe("p");
  event* ev = AssignTimer(p);
  const timeval tv = Ms(10000);
  ASSERT_EQ(event_add(ev, &tv), 0);
  EXPECT_TRUE(EndedInFatalCallback(RunInChild([ev] {
    event_set_fatal_callback(ExitWithFatalCode);
    event_debug_unassign(ev);
  })));
  EXPECT_EQ(event_del(ev), 0);
}

class EventDebugUnassign : public EventTest {};

TEST_F(EventDebugUnassign, WithoutDebugModeDoesNothing) {
  EVC_RULE("event.h/event_debug_unassign/no-debug-mode",
           "event.h: when debugging mode is not enabled, event_debug_unassign does nothing: the "
           "event stays initialized and can be added and run");
  Probe& p = NewProbe("p");
  std::vector<char> storage(event_get_struct_event_size());
  event* ev = reinterpret_cast<event*>(storage.data());
  ASSERT_EQ(event_assign(ev, base_, -1, 0, Probe::Callback, &p), 0);
  event_debug_unassign(ev);
  EXPECT_EQ(event_initialized(ev), 1);
  EXPECT_IN_CHILD({
    ASSERT_EQ(event_add(ev, nullptr), 0);
    event_active(ev, EV_TIMEOUT, 1);
    event_base_loop(base_, EVLOOP_NONBLOCK);
    EXPECT_EQ(p.calls, 1);
  });
}

// --- event_set_fatal_callback

class EventFatal : public EventTest {};

int g_fatal_err = -1;
void RememberFatal(int err) { g_fatal_err = err; }

TEST_F(EventFatal, CallbackGetsTheErrorCode) {
  EVC_RULE("event.h/event_set_fatal_callback/error-code",
           "event.h: on a fatal error libevent calls the fatal callback instead of exit(1), with "
           "the error code (1 for event_enable_debug_mode after a base exists, libevent "
           "2.1.12's event_errx(1, ...))");
  const ChildEnd end = RunInChild([] {
    event_set_fatal_callback(ExitWithFatalCode);
    event_enable_debug_mode();
    ADD_FAILURE() << "returned from a fatal error";
  });
  EXPECT_TRUE(EndedInFatalCallback(end));
  EXPECT_EQ(end.code, kFatalBase + 1) << end.Describe();
}

TEST_F(EventFatal, ProcessEndsWhenTheCallbackReturns) {
  EVC_RULE("event.h/event_set_fatal_callback/callback-returns",
           "event.h: after a fatal error libevent cannot continue: observed libevent 2.1.12 "
           "(event_exit): when the fatal callback returns, the process exits with the error "
           "code");
  const ChildEnd end = RunInChild([] {
    event_set_fatal_callback(RememberFatal);
    event_enable_debug_mode();
    _exit(g_fatal_err == 1 ? 50 : 51);  // went on after the fatal error
  });
  EXPECT_EQ(end.kind, ChildEnd::kExited) << end.Describe();
  EXPECT_EQ(end.code, 1) << end.Describe();
}

TEST_F(EventFatal, NullCallbackRestoresTheDefaultExit) {
  EVC_RULE("event.h/event_set_fatal_callback/null-restores-exit",
           "event.h: by default libevent calls exit(1) on a fatal error; "
           "event_set_fatal_callback(NULL) restores that default");
  const ChildEnd end = RunInChild([] {
    event_set_fatal_callback(ExitWithFatalCode);
    event_set_fatal_callback(nullptr);
    event_enable_debug_mode();
    _exit(51);
  });
  EXPECT_EQ(end.kind, ChildEnd::kExited) << end.Describe();
  EXPECT_EQ(end.code, 1) << end.Describe();
}

// --- event_set_mem_functions

// Replacement functions over the C library's that remember which blocks
// they handed out; every call is counted. Single-threaded child only.
struct MemHooks {
  static std::set<void*>& Live() {
    static std::set<void*>* live = new std::set<void*>();
    return *live;
  }
  static int mallocs, reallocs, frees, foreign_frees;
  static void* Malloc(size_t n) {
    ++mallocs;
    void* p = std::malloc(n);
    if (p) Live().insert(p);
    return p;
  }
  static void* Realloc(void* p, size_t n) {
    ++reallocs;
    if (p && !Live().erase(p)) ++foreign_frees;
    void* q = std::realloc(p, n);
    if (q) Live().insert(q);
    return q;
  }
  static void Free(void* p) {
    ++frees;
    if (p && !Live().erase(p)) ++foreign_frees;
    std::free(p);
  }
  static bool Owns(void* p) { return Live().count(p) != 0; }
};
int MemHooks::mallocs = 0;
int MemHooks::reallocs = 0;
int MemHooks::frees = 0;
int MemHooks::foreign_frees = 0;

class EventMemFunctions : public Test {};

TEST_F(EventMemFunctions, ReturnedMemoryComesFromTheReplacement) {
  EVC_RULE("event.h/event_set_mem_functions",
           "event.h: after event_set_mem_functions all memory returned from libevent is "
           "allocated by the replacement functions and must be freed with free_fn: "
           "evbuffer_readln's line comes from malloc_fn; and libevent gives free_fn only blocks "
           "its malloc_fn or realloc_fn made (internal allocations are not counted: the "
           "reference's C++ objects may use operator new)");
  EXPECT_IN_CHILD({
    event_set_mem_functions(MemHooks::Malloc, MemHooks::Realloc, MemHooks::Free);
    evbuffer* buf = evbuffer_new();
    ASSERT_NE(buf, nullptr);
    ASSERT_EQ(evbuffer_add(buf, "first\nsecond\n", 13), 0);
    size_t n = 0;
    char* line = evbuffer_readln(buf, &n, EVBUFFER_EOL_LF);
    ASSERT_NE(line, nullptr);
    EXPECT_STREQ(line, "first");
    EXPECT_TRUE(MemHooks::Owns(line)) << "the line was not made by malloc_fn";
    MemHooks::Free(line);
    evbuffer_free(buf);
    EXPECT_GE(MemHooks::mallocs, 1);
    EXPECT_EQ(MemHooks::foreign_frees, 0) << "free_fn was given a block malloc_fn did not make";
  });
}

TEST_F(EventMemFunctions, NullFunctionsRestoreTheCLibrary) {
  EVC_RULE("event.h/event_set_mem_functions/null-restores",
           "observed libevent 2.1.12 (event_mm_malloc_): event_set_mem_functions(NULL, NULL, "
           "NULL) goes back to malloc, realloc and free: the replacements are called no more "
           "and evbuffer_readln's line is freed with free()");
  EXPECT_IN_CHILD({
    event_set_mem_functions(MemHooks::Malloc, MemHooks::Realloc, MemHooks::Free);
    event_set_mem_functions(nullptr, nullptr, nullptr);
    evbuffer* buf = evbuffer_new();
    ASSERT_NE(buf, nullptr);
    ASSERT_EQ(evbuffer_add(buf, "line\n", 5), 0);
    char* line = evbuffer_readln(buf, nullptr, EVBUFFER_EOL_LF);
    ASSERT_NE(line, nullptr);
    EXPECT_STREQ(line, "line");
    std::free(line);
    evbuffer_free(buf);
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    event_base_free(base);
    EXPECT_EQ(MemHooks::mallocs + MemHooks::reallocs + MemHooks::frees, 0);
  });
}

}  // namespace
}  // namespace evc
