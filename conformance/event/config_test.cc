// event_config: its creation and freeing, every EVENT_BASE_FLAG_*, required
// features per backend, dispatch limits and the CPU hint, each observed
// through the base the config makes.
#include <unistd.h>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>

#include "event_fixture.h"
#include "priority_order.h"

namespace evc {
namespace {

class EventConfig : public EventTest {
 protected:
  void TearDown() override {
    if (cfg_ != nullptr) event_config_free(cfg_);
    EventTest::TearDown();
  }
  event_config* Config() {
    if (cfg_ == nullptr) cfg_ = event_config_new();
    EXPECT_NE(cfg_, nullptr);
    return cfg_;
  }
  // Replaces the fixture's base with one made from the config (the
  // column's environment still applies: no IGNORE_ENV unless set). The
  // events of the old base are freed first: an event must not outlive
  // its base.
  bool UseConfig() {
    event_base* b = event_base_new_with_config(Config());
    EXPECT_NE(b, nullptr);
    if (b == nullptr) return false;
    for (event* ev : events_) event_free(ev);
    events_.clear();
    event_base_free(base_);
    base_ = b;
    return true;
  }
  std::string DefaultMethod() const { return event_base_get_method(base_); }
  int DefaultFeatures() const { return event_base_get_features(base_); }

  // The cached time read twice in one callback, 30 ms apart (ms).
  double CachedTimeStepInACallback() {
    double first = 0, second = 0;
    Probe& p = NewProbe("p");
    p.action = [&](Probe&) {
      timeval tv{};
      EXPECT_EQ(event_base_gettimeofday_cached(base_, &tv), 0);
      first = WallMs(tv);
      usleep(30 * 1000);  // ok-sleep: wall time must pass between the two reads
      EXPECT_EQ(event_base_gettimeofday_cached(base_, &tv), 0);
      second = WallMs(tv);
    };
    event_active(NewTimer(p), EV_TIMEOUT, 1);
    event_base_loop(base_, EVLOOP_NONBLOCK);
    EXPECT_EQ(p.calls, 1);
    return second - first;
  }

  // A read and a write event on a socket pair, each added, deleted and
  // added again before the loop: each runs once, told its flag.
  void ExpectIoRunsAsUsual() {
    SocketPair& sp = NewPair();
    Probe& r = NewProbe("r");
    Probe& w = NewProbe("w");
    event* ev_r = NewEvent(r, sp.fd[0], EV_READ);
    event* ev_w = NewEvent(w, sp.fd[1], EV_WRITE);
    for (event* ev : {ev_r, ev_w}) {
      ASSERT_EQ(event_add(ev, nullptr), 0);
      ASSERT_EQ(event_del(ev), 0);
      ASSERT_EQ(event_add(ev, nullptr), 0);
    }
    sp.MakeReadable();
    EXPECT_NE(event_base_loop(base_, EVLOOP_NONBLOCK), -1);
    EXPECT_EQ(r.calls, 1);
    EXPECT_EQ(r.what, EV_READ);
    EXPECT_EQ(w.calls, 1);
    EXPECT_EQ(w.what, EV_WRITE);
  }

 private:
  event_config* cfg_ = nullptr;
};

std::string NoMethodVariable(const char* method) {
  std::string var = "EVENT_NO";
  for (const char* c = method; *c; ++c) var += static_cast<char>(std::toupper(*c));
  return var;
}

// ------------------------------------------------------------- new and free

TEST_F(EventConfig, NewConfigMakesADefaultBase) {
  EVC_RULE("event.h/event_config_new",
           "event.h: event_config_new returns a configuration object; left as it is, the base "
           "it makes is event_base_new's: the same method and features, one priority");
  event_base* b = event_base_new_with_config(Config());
  ASSERT_NE(b, nullptr);
  EXPECT_STREQ(event_base_get_method(b), event_base_get_method(base_));
  EXPECT_EQ(event_base_get_features(b), event_base_get_features(base_));
  EXPECT_EQ(event_base_get_npriorities(b), 1);
  EXPECT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 1);
  event_base_free(b);
}

TEST_F(EventConfig, FreeingTheConfigLeavesItsBasesAsMade) {
  EVC_RULE("event.h/event_config_free",
           "event.h: event_config_free 'deallocates all memory associated with' the config: "
           "the bases it made keep its settings and work on (here EVENT_BASE_FLAG_NO_CACHE_TIME "
           "still holds, and I/O runs); one config can make several bases");
  event_config* cfg = event_config_new();
  ASSERT_NE(cfg, nullptr);
  ASSERT_EQ(event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME), 0);
  event_base* first = event_base_new_with_config(cfg);
  event_base* second = event_base_new_with_config(cfg);
  event_config_free(cfg);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first, second);
  event_base_free(second);
  event_base_free(base_);
  base_ = first;
  EXPECT_GE(CachedTimeStepInACallback(), 30 - kClockSlackMs) << "NO_CACHE_TIME kept";
  ExpectIoRunsAsUsual();
}

// -------------------------------------------------------------------- flags

TEST_F(EventConfig, PreciseTimerNeverFiresEarly) {
  EVC_RULE("event.h/event_config_set_flag/precise-timer",
           "event.h: EVENT_BASE_FLAG_PRECISE_TIMER: the base uses 'a more precise timer' for "
           "its timeouts (0 from set_flag): a 50 ms timer does not run before 50 ms have passed "
           "on CLOCK_MONOTONIC (libevent's default coarse clock may run it one tick early)");
  ASSERT_EQ(event_config_set_flag(Config(), EVENT_BASE_FLAG_PRECISE_TIMER), 0);
  ASSERT_TRUE(UseConfig());
  Probe& p = NewProbe("p");
  double ran_at = 0;
  p.action = [&](Probe&) { ran_at = NowMs(); };
  const timeval tv = Ms(50);
  const double start = NowMs();
  ASSERT_EQ(event_add(NewTimer(p), &tv), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  ASSERT_EQ(p.calls, 1);
  EXPECT_GE(ran_at - start, 49.5);
  EXPECT_LT(ran_at - start, 2000);
}

TEST_F(EventConfig, NoCacheTimeMakesCachedTimeTheSystemTime) {
  EVC_RULE("event.h/event_config_set_flag/no-cache-time",
           "event.h: EVENT_BASE_FLAG_NO_CACHE_TIME: the time is checked 'after each timeout "
           "callback' instead of cached: event_base_gettimeofday_cached, read twice in one "
           "callback 30 ms apart, moves on by 30 ms (without the flag it stays the same); "
           "event_base_update_cache_time still returns 0");
  EXPECT_EQ(CachedTimeStepInACallback(), 0) << "without the flag";
  ASSERT_EQ(event_config_set_flag(Config(), EVENT_BASE_FLAG_NO_CACHE_TIME), 0);
  ASSERT_TRUE(UseConfig());
  EXPECT_GE(CachedTimeStepInACallback(), 30 - kClockSlackMs);
  int rc = -2;
  Probe& p = NewProbe("update");
  p.action = [&](Probe&) { rc = event_base_update_cache_time(base_); };
  event_active(NewTimer(p), EV_TIMEOUT, 1);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(rc, 0);
}

TEST_F(EventConfig, IgnoreEnvOverridesEveryNoMethodVariable) {
  EVC_RULE("event.h/event_config_set_flag/ignore-env",
           "event.h: EVENT_BASE_FLAG_IGNORE_ENV: 'Do not check the EVENT_* environment "
           "variables when configuring an event_base': in a process with EVENT_NO<METHOD> set "
           "for every supported method, event_base_new gives NULL (no method left) and a config "
           "with the flag still makes a base, on the first supported method that works");
  EXPECT_IN_CHILD({
    const char** methods = event_get_supported_methods();
    ASSERT_NE(methods, nullptr);
    ASSERT_NE(methods[0], nullptr);
    for (const char** m = methods; *m; ++m) setenv(NoMethodVariable(*m).c_str(), "1", 1);
    EXPECT_EQ(event_base_new(), nullptr);
    event_config* cfg = event_config_new();
    ASSERT_NE(cfg, nullptr);
    ASSERT_EQ(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV), 0);
    event_base* b = event_base_new_with_config(cfg);
    event_config_free(cfg);
    ASSERT_NE(b, nullptr);
    EXPECT_STREQ(event_base_get_method(b), methods[0]);
    event_base_free(b);
  });
}

TEST_F(EventConfig, EpollChangelistChangesNothingAProgramSees) {
  EVC_RULE("event.h/event_config_set_flag/epoll-use-changelist",
           "event.h: EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST batches epoll's changes and 'has no "
           "effect if you wind up using a backend other than epoll': the method is the "
           "column's (libevent 2.1.12 names epoll's 'epoll (with changelist)'), and events "
           "added, deleted and added again before the loop run once, as without the flag");
  const std::string method = DefaultMethod();
  ASSERT_EQ(event_config_set_flag(Config(), EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST), 0);
  ASSERT_TRUE(UseConfig());
  if (method == "epoll")
    EXPECT_EQ(DefaultMethod().rfind("epoll", 0), 0u) << DefaultMethod();
  else
    EXPECT_EQ(DefaultMethod(), method);
  ExpectIoRunsAsUsual();
}

TEST_F(EventConfig, NoLockGivesAWorkingBase) {
  EVC_RULE("event.h/event_config_set_flag/nolock",
           "event.h: EVENT_BASE_FLAG_NOLOCK: 'Do not allocate a lock for the event base' "
           "(unsafe across threads, nothing else): the base has the usual method and runs "
           "events as usual");
  const std::string method = DefaultMethod();
  ASSERT_EQ(event_config_set_flag(Config(), EVENT_BASE_FLAG_NOLOCK), 0);
  ASSERT_TRUE(UseConfig());
  EXPECT_EQ(DefaultMethod(), method);
  ExpectIoRunsAsUsual();
}

TEST_F(EventConfig, StartupIocpIsIgnoredOffWindows) {
  EVC_RULE("event.h/event_config_set_flag/startup-iocp",
           "event.h: EVENT_BASE_FLAG_STARTUP_IOCP is 'Windows only': elsewhere the flag is "
           "accepted (0) and the base is the usual one, running events as usual");
  const std::string method = DefaultMethod();
  ASSERT_EQ(event_config_set_flag(Config(), EVENT_BASE_FLAG_STARTUP_IOCP), 0);
  ASSERT_TRUE(UseConfig());
  EXPECT_EQ(DefaultMethod(), method);
  ExpectIoRunsAsUsual();
}

TEST_F(EventConfig, UnknownFlagBitsAreAcceptedAndNullConfigRefused) {
  EVC_RULE("event.h/event_config_set_flag/bad-input",
           "observed libevent 2.1.12: event_config_set_flag ORs any bits in (0) and a base "
           "is made as without the unknown ones; a NULL config is -1");
  const std::string method = DefaultMethod();
  ASSERT_EQ(event_config_set_flag(Config(), 0x4000), 0);
  ASSERT_EQ(event_config_set_flag(Config(), 0), 0);
  ASSERT_TRUE(UseConfig());
  EXPECT_EQ(DefaultMethod(), method);
  ExpectIoRunsAsUsual();
  EXPECT_EQ(event_config_set_flag(nullptr, EVENT_BASE_FLAG_NOLOCK), -1);
}

// ------------------------------------------------------------------ features

TEST_F(EventConfig, RequiredFeaturesAreThoseOfTheBaseOrThereIsNone) {
  EVC_RULE("event.h/event_config_require_features/per-backend",
           "event.h: with required features, the base's method implements them all "
           "(event_base_get_features includes them), or event_base_new_with_config returns "
           "NULL; when the column's own method has them, that method is the one chosen");
  const int have = DefaultFeatures();
  const std::string method = DefaultMethod();
  const int sets[] = {0,
                      EV_FEATURE_ET,
                      EV_FEATURE_O1,
                      EV_FEATURE_FDS,
                      EV_FEATURE_EARLY_CLOSE,
                      EV_FEATURE_ET | EV_FEATURE_O1,
                      EV_FEATURE_ET | EV_FEATURE_FDS,
                      EV_FEATURE_O1 | EV_FEATURE_FDS,
                      EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE};
  for (int want : sets) {
    SCOPED_TRACE("required " + std::to_string(want) + ", " + method + " has " +
                 std::to_string(have));
    event_config* cfg = event_config_new();
    ASSERT_EQ(event_config_require_features(cfg, want), 0);
    event_base* b = event_base_new_with_config(cfg);
    event_config_free(cfg);
    if ((have & want) == want) {
      ASSERT_NE(b, nullptr);
      EXPECT_EQ(std::string(event_base_get_method(b)), method);
    }
    if (b == nullptr) continue;
    EXPECT_EQ(event_base_get_features(b) & want, want) << event_base_get_method(b);
    event_base_free(b);
  }
}

TEST_F(EventConfig, RequiringFeaturesReplacesTheEarlierRequirement) {
  EVC_RULE("event.h/event_config_require_features/replaces",
           "event.h: event_config_require_features 'Replaces values from previous calls to "
           "this function': after an unsatisfiable requirement, requiring 0 makes a base again");
  ASSERT_EQ(event_config_set_flag(Config(), EVENT_BASE_FLAG_IGNORE_ENV), 0);
  ASSERT_EQ(event_config_require_features(Config(), EV_FEATURE_O1 | EV_FEATURE_FDS), 0);
  EXPECT_EQ(event_base_new_with_config(Config()), nullptr) << "no Linux method is O(1) and any-fd";
  ASSERT_EQ(event_config_require_features(Config(), 0), 0);
  event_base* b = event_base_new_with_config(Config());
  ASSERT_NE(b, nullptr);
  event_base_free(b);
}

TEST_F(EventConfig, UnknownFeatureBitsLeaveNoMethod) {
  EVC_RULE("event.h/event_config_require_features/bad-input",
           "observed libevent 2.1.12: event_config_require_features accepts any bits (0); "
           "no method has a feature outside enum event_method_feature, so requiring one (or -1) "
           "gives no base (NULL); a NULL config is -1");
  for (int want : {0x100, -1, INT_MIN}) {
    event_config* cfg = event_config_new();
    ASSERT_EQ(event_config_require_features(cfg, want), 0) << want;
    ASSERT_EQ(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV), 0);
    EXPECT_EQ(event_base_new_with_config(cfg), nullptr) << want;
    event_config_free(cfg);
  }
  EXPECT_EQ(event_config_require_features(nullptr, EV_FEATURE_ET), -1);
}

// ----------------------------------------------------------- dispatch limits

class EventConfigDispatch : public EventConfig {
 protected:
  // LowLowHighOrder on a base made with these dispatch limits.
  std::vector<std::string> OrderWith(const timeval* interval, int callbacks, int min_priority) {
    EXPECT_EQ(event_config_set_max_dispatch_interval(Config(), interval, callbacks, min_priority),
              0);
    if (!UseConfig()) return {};
    return LowLowHighOrder(base_);
  }
};

TEST_F(EventConfigDispatch, CallbackLimitLetsTheLoopLookForNewEvents) {
  EVC_RULE("event.h/event_config_set_max_dispatch_interval",
           "event.h: with max_callbacks, the base 'will run no more than max_callbacks "
           "callbacks before checking for new events' at priorities from min_priority on: with "
           "1 (from priority 0), an fd made ready by the first low-priority callback, for a "
           "higher-priority event, runs before the second; by default the queue runs first");
  EXPECT_EQ(LowLowHighOrder(base_), QueueFirst()) << "event_base_new: no limit";
  EXPECT_EQ(OrderWith(nullptr, 1, 0), RescanFirst());
}

TEST_F(EventConfigDispatch, LimitsHoldFromMinPriorityOn) {
  EVC_RULE("event.h/event_config_set_max_dispatch_interval/min-priority",
           "event.h: min_priority is 'a priority below which max_interval and max_callbacks "
           "should not be enforced': with the low queue at priority 1, min_priority 1 enforces "
           "a limit of one callback there, min_priority 2 does not");
  EXPECT_EQ(OrderWith(nullptr, 1, 1), RescanFirst());
  EXPECT_EQ(OrderWith(nullptr, 1, 2), QueueFirst());
}

TEST_F(EventConfigDispatch, IntervalLimitChecksTheTimeAfterEachCallback) {
  EVC_RULE("event.h/event_config_set_max_dispatch_interval/interval",
           "event.h: with max_interval the base 'will check the time after each callback, and "
           "not allow more than max_interval to elapse before checking for new events': an "
           "interval of 0 checks after every callback, one of 10 s lets the queue run on");
  const timeval zero{0, 0};
  const timeval long_one{10, 0};
  EXPECT_EQ(OrderWith(&zero, -1, 0), RescanFirst());
  EXPECT_EQ(OrderWith(&long_one, -1, 0), QueueFirst());
}

TEST_F(EventConfigDispatch, NegativeArgumentsMeanNoLimitOrEveryPriority) {
  EVC_RULE("event.h/event_config_set_max_dispatch_interval/bad-input",
           "event.h: max_callbacks -1 and a NULL max_interval mean no limit; observed libevent "
           "2.1.12: any negative count is no limit, a negative min_priority is 0, and an "
           "interval with a negative tv_sec is no interval (0 returned in each case)");
  const timeval negative{-1, 0};
  EXPECT_EQ(OrderWith(nullptr, -1, 0), QueueFirst());
  EXPECT_EQ(OrderWith(nullptr, -5, 0), QueueFirst());
  EXPECT_EQ(OrderWith(nullptr, 1, -3), RescanFirst());
  EXPECT_EQ(OrderWith(&negative, -1, 0), QueueFirst());
}

TEST_F(EventConfig, CpuHintIsAcceptedAndChangesNothing) {
  EVC_RULE("event.h/event_config_set_num_cpus_hint",
           "event.h: event_config_set_num_cpus_hint records a hint used 'only on Windows, and "
           "only when IOCP is in use': elsewhere any number is accepted (0), and the base is "
           "the usual one; a NULL config is -1");
  const std::string method = DefaultMethod();
  for (int cpus : {4, 1, 0, -1, INT_MAX})
    EXPECT_EQ(event_config_set_num_cpus_hint(Config(), cpus), 0);
  ASSERT_TRUE(UseConfig());
  EXPECT_EQ(DefaultMethod(), method);
  ExpectIoRunsAsUsual();
  EXPECT_EQ(event_config_set_num_cpus_hint(nullptr, 4), -1);
}

// ----------------------------------------------------------- NULL configs
// libevent 2.1.12 reads these configs without a check (SIGSEGV); NULL is
// not a documented input. Accepted: that crash, or the answer of a check.
// Where libevent does check (set_flag, require_features, the CPU hint),
// the tests above ask its -1.

using EventConfigNull = Test;

TEST_F(EventConfigNull, DispatchIntervalIsNeverASuccess) {
  EVC_RULE("event.h/event_config_set_max_dispatch_interval/null",
           "observed libevent 2.1.12: event_config_set_max_dispatch_interval(NULL, ...) "
           "dereferences the config (SIGSEGV). Accepted: that crash or -1");
  const timeval tv{0, 0};
  ExpectAnswerOrCrash(
      "NULL interval",
      [] { return event_config_set_max_dispatch_interval(nullptr, nullptr, 1, 0); }, -1);
  ExpectAnswerOrCrash(
      "an interval", [&] { return event_config_set_max_dispatch_interval(nullptr, &tv, -1, 0); },
      -1);
}

TEST_F(EventConfigNull, FreeingNothingReturns) {
  EVC_RULE("event.h/event_config_free/null",
           "observed libevent 2.1.12: event_config_free(NULL) walks the NULL config's list "
           "(SIGSEGV). Accepted: that crash, or returning as free(NULL) does");
  ExpectReturnOrCrash("event_config_free(NULL)", [] { event_config_free(nullptr); });
}

}  // namespace
}  // namespace evc
