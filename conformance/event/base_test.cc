// event_base creation, methods, configuration, and the accessors of events.
#include <csignal>
#include <cstring>
#include <initializer_list>
#include <utility>

#include <event2/event_struct.h>

#include "event_fixture.h"

namespace evc {
namespace {

bool Supported(const char* method) {
  for (const char** m = event_get_supported_methods(); m && *m; ++m)
    if (std::strcmp(*m, method) == 0) return true;
  return false;
}

void* g_arg = nullptr;
void RecordArg(evutil_socket_t, short, void* arg) { g_arg = arg; }

// Whether EVENT_NO<METHOD> variables (as the backend columns set them)
// narrow the methods a plain event_base_new may choose from.
bool EnvironmentLimitsMethods() {
  for (const char* v : {"EVENT_NOEPOLL", "EVENT_NOPOLL", "EVENT_NOSELECT"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

using EventBase = EventTest;

TEST_F(EventBase, MethodIsTheColumnsBackend) {
  EVC_RULE("event.h/event_base_get_method/column-backend",
           "event.h: event_base_get_method names the kernel method in use; the harness "
           "selects each backend column through libevent's EVENT_NO<METHOD> variables");
  const char* want = std::getenv("EVC_BACKEND");
  if (want == nullptr) GTEST_SKIP() << "needs:backend-column: run outside a backend column";
  ASSERT_NE(event_base_get_method(base_), nullptr);
  EXPECT_STREQ(event_base_get_method(base_), want);
}

TEST_F(EventBase, MethodIsOneOfTheSupportedMethods) {
  EVC_RULE("event.h/event_get_supported_methods",
           "event.h: event_get_supported_methods lists the methods compiled in; the base uses one");
  const char* method = event_base_get_method(base_);
  ASSERT_NE(method, nullptr);
  EXPECT_TRUE(Supported(method)) << method;
}

TEST_F(EventBase, AvoidMethodChoosesAnother) {
  EVC_RULE("event.h/event_config_avoid_method",
           "event.h: event_config_avoid_method tells the base not to use the named method");
  event_config* cfg = event_config_new();
  ASSERT_NE(cfg, nullptr);
  const std::string first = event_base_get_method(base_);
  ASSERT_EQ(event_config_avoid_method(cfg, first.c_str()), 0);
  event_base* other = event_base_new_with_config(cfg);
  event_config_free(cfg);
  if (EnvironmentLimitsMethods()) {
    // A backend column allows one method only: avoiding it may leave none.
    if (other != nullptr) EXPECT_STRNE(event_base_get_method(other), first.c_str());
  } else {
    ASSERT_NE(other, nullptr) << "a second method should be available (epoll and poll)";
    EXPECT_STRNE(event_base_get_method(other), first.c_str());
  }
  if (other != nullptr) event_base_free(other);
}

TEST_F(EventBase, AvoidingEveryMethodGivesNoBase) {
  EVC_RULE("event.h/event_base_new_with_config/no-method-left",
           "event.h: event_base_new_with_config returns NULL when no method satisfies the config");
  event_config* cfg = event_config_new();
  for (const char** m = event_get_supported_methods(); m && *m; ++m)
    ASSERT_EQ(event_config_avoid_method(cfg, *m), 0);
  EXPECT_EQ(event_base_new_with_config(cfg), nullptr);
  event_config_free(cfg);
}

TEST_F(EventBase, RequiredFeatureSelectsAMethodThatHasIt) {
  EVC_RULE("event.h/event_config_require_features",
           "event.h: event_config_require_features: the base's method has every required feature");
  event_config* cfg = event_config_new();
  ASSERT_EQ(event_config_require_features(cfg, EV_FEATURE_FDS), 0);
  // Every compiled-in method, whatever the column's environment disables.
  ASSERT_EQ(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV), 0);
  event_base* b = event_base_new_with_config(cfg);
  event_config_free(cfg);
  ASSERT_NE(b, nullptr) << "poll supports any fd (EV_FEATURE_FDS)";
  EXPECT_NE(event_base_get_features(b) & EV_FEATURE_FDS, 0);
  EXPECT_STRNE(event_base_get_method(b), "epoll") << "epoll lacks EV_FEATURE_FDS";
  event_base_free(b);
}

TEST_F(EventBase, UnsatisfiableFeaturesGiveNoBase) {
  EVC_RULE("event.h/event_base_new_with_config/unsatisfiable-features",
           "event.h: event_base_new_with_config returns NULL when no method has every "
           "required feature (no Linux method is both O(1) and any-fd)");
  event_config* cfg = event_config_new();
  ASSERT_EQ(event_config_require_features(cfg, EV_FEATURE_O1 | EV_FEATURE_FDS), 0);
  ASSERT_EQ(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV), 0);
  EXPECT_EQ(event_base_new_with_config(cfg), nullptr);
  event_config_free(cfg);
}

// Sets the process environment for one test and puts it back afterwards.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<const char*> unset, const char* set) {
    for (const char* name : unset) Save(name), unsetenv(name);
    Save(set);
    setenv(set, "1", 1);
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value.first) setenv(name.c_str(), value.second.c_str(), 1);
      else unsetenv(name.c_str());
    }
  }

 private:
  void Save(const char* name) {
    const char* v = std::getenv(name);
    saved_.emplace_back(name, std::make_pair(v != nullptr, v ? std::string(v) : std::string()));
  }
  std::vector<std::pair<std::string, std::pair<bool, std::string>>> saved_;
};

TEST_F(EventBase, NoEpollEnvironmentVariableAvoidsEpoll) {
  EVC_RULE("event.h/EVENT_BASE_FLAG_IGNORE_ENV",
           "event.h (EVENT_BASE_FLAG_IGNORE_ENV): EVENT_NO<METHOD> environment variables "
           "disable a method; a base with IGNORE_ENV does not look at them");
  if (!Supported("epoll")) GTEST_SKIP() << "needs:epoll: not compiled in";
  event_base* b = nullptr;
  event_base* ignoring = nullptr;
  {
    // Only EVENT_NOEPOLL, whatever the column's own variables are.
    ScopedEnv env({"EVENT_NOPOLL", "EVENT_NOSELECT"}, "EVENT_NOEPOLL");
    b = event_base_new();
    event_config* cfg = event_config_new();
    event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV);
    ignoring = event_base_new_with_config(cfg);
    event_config_free(cfg);
  }
  ASSERT_NE(b, nullptr);
  EXPECT_STRNE(event_base_get_method(b), "epoll");
  ASSERT_NE(ignoring, nullptr);
  EXPECT_STREQ(event_base_get_method(ignoring), "epoll");
  event_base_free(b);
  event_base_free(ignoring);
}

TEST_F(EventBase, AccessorsReturnWhatWasAssigned) {
  EVC_RULE("event.h/event_get_fd/accessors",
           "event.h: event_get_fd/_base/_events/_callback/_callback_arg return the assignment");
  Probe& p = NewProbe("p");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_PERSIST);
  EXPECT_EQ(event_get_fd(ev), sp.fd[0]);
  EXPECT_EQ(event_get_base(ev), base_);
  EXPECT_EQ(event_get_events(ev), EV_READ | EV_PERSIST);
  EXPECT_EQ(event_get_callback(ev), &Probe::Callback);
  EXPECT_EQ(event_get_callback_arg(ev), &p);
  EXPECT_EQ(event_get_signal(ev), sp.fd[0]);
}

TEST_F(EventBase, SelfCbargPassesTheEventToItsCallback) {
  EVC_RULE("event.h/event_self_cbarg",
           "event.h: event_self_cbarg() as the argument of event_new means the event itself");
  event* ev = event_new(base_, -1, 0, RecordArg, event_self_cbarg());
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(event_get_callback_arg(ev), ev);
  event_active(ev, EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(g_arg, ev);
  event_free(ev);
}

TEST_F(EventBase, AssignIntoCallerStorageInitializes) {
  EVC_RULE("event.h/event_assign/caller-storage",
           "event.h: event_assign prepares caller storage of event_get_struct_event_size() "
           "bytes; event_initialized reports it");
  std::vector<char> storage(event_get_struct_event_size());
  event* ev = reinterpret_cast<event*>(storage.data());
  EXPECT_EQ(event_initialized(ev), 0) << "zeroed storage is not an initialized event";
  Probe& p = NewProbe("p");
  ASSERT_EQ(event_assign(ev, base_, -1, 0, Probe::Callback, &p), 0);
  EXPECT_NE(event_initialized(ev), 0);
  ASSERT_EQ(evtimer_add(ev, nullptr), 0);
  event_active(ev, EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(p.calls, 1);
  event_del(ev);
}

TEST_F(EventBase, StructEventHoldsWhatTheLibraryNeeds) {
  EVC_RULE("event.h/event_get_struct_event_size",
           "event.h: event_get_struct_event_size is the size of struct event the library was "
           "compiled with: NO GREATER than sizeof(struct event) with the library's own headers "
           "(event2/event_struct.h), so a struct event declared by the caller is large enough");
  EXPECT_GT(event_get_struct_event_size(), 0u);
  EXPECT_LE(event_get_struct_event_size(), sizeof(struct event));
}

TEST_F(EventBase, SignalWithIoIsRejected) {
  EVC_RULE("event.h/event_new/signal-with-io",
           "event.c (event_assign): EV_SIGNAL cannot be combined with EV_READ/EV_WRITE; "
           "event_new returns NULL");
  EXPECT_EQ(event_new(base_, SIGUSR1, EV_SIGNAL | EV_READ, Probe::Callback, nullptr), nullptr);
}

TEST_F(EventBase, PriorityInitRejectsOutOfRange) {
  EVC_RULE("event.h/event_base_priority_init/out-of-range",
           "event.h: event_base_priority_init takes 1 .. EVENT_MAX_PRIORITIES-1 queues");
  EXPECT_EQ(event_base_priority_init(base_, 0), -1);
  EXPECT_EQ(event_base_priority_init(base_, EVENT_MAX_PRIORITIES), -1);
  EXPECT_EQ(event_base_priority_init(base_, 3), 0);
  EXPECT_EQ(event_base_get_npriorities(base_), 3);
}

TEST_F(EventBase, PriorityInitFailsWhileEventsAreActive) {
  EVC_RULE("event.h/event_base_priority_init/events-active",
           "event.h: event_base_priority_init fails when events are active");
  Probe& p = NewProbe("p");
  event* ev = NewTimer(p);
  event_active(ev, EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_priority_init(base_, 4), -1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(event_base_priority_init(base_, 4), 0);
}

TEST_F(EventBase, NewEventsGetTheMiddlePriority) {
  EVC_RULE("event.h/event_new/middle-priority",
           "event.h: events are created with priority npriorities/2");
  ASSERT_EQ(event_base_priority_init(base_, 5), 0);
  Probe& p = NewProbe("p");
  event* ev = NewTimer(p);
  EXPECT_EQ(event_get_priority(ev), 2);
}

TEST_F(EventBase, PrioritySetRejectsOutOfRangeAndActive) {
  EVC_RULE("event.h/event_priority_set/out-of-range-or-active",
           "event.h: event_priority_set fails for a priority outside the base's range and "
           "for an active event");
  ASSERT_EQ(event_base_priority_init(base_, 2), 0);
  Probe& p = NewProbe("p");
  event* ev = NewTimer(p);
  EXPECT_EQ(event_priority_set(ev, 2), -1);
  EXPECT_EQ(event_priority_set(ev, -1), -1);
  EXPECT_EQ(event_priority_set(ev, 1), 0);
  event_active(ev, EV_TIMEOUT, 1);
  EXPECT_EQ(event_priority_set(ev, 0), -1);
}

}  // namespace
}  // namespace evc
