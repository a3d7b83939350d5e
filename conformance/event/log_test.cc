// Logging and the process-wide calls of <event2/event.h>:
// event_set_log_callback and its severities, event_enable_debug_logging,
// event_set_fatal_callback, libevent_global_shutdown. A message's text is
// compared only where libevent 2.1.12 was observed to write it (an evutil
// fcntl failure); debug messages' texts are an implementation's own.
#include <event2/event.h>
#include <event2/util.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "evc_test.h"

namespace {

template <typename Actual, typename Expected>
constexpr bool kSame = std::is_same<Actual, Expected>::value;

static_assert(EVENT_LOG_DEBUG == 0 && EVENT_LOG_MSG == 1 && EVENT_LOG_WARN == 2 &&
                  EVENT_LOG_ERR == 3,
              "EVENT_LOG_* values");
static_assert(_EVENT_LOG_DEBUG == EVENT_LOG_DEBUG && _EVENT_LOG_MSG == EVENT_LOG_MSG &&
                  _EVENT_LOG_WARN == EVENT_LOG_WARN && _EVENT_LOG_ERR == EVENT_LOG_ERR,
              "obsolete _EVENT_LOG_* names");
static_assert(EVENT_DBG_ALL == 0xffffffffu && EVENT_DBG_NONE == 0, "EVENT_DBG_*");
static_assert(kSame<event_log_cb, void (*)(int, const char*)>, "event_log_cb");
static_assert(kSame<event_fatal_cb, void (*)(int)>, "event_fatal_cb");
static_assert(kSame<decltype(&event_set_log_callback), void (*)(event_log_cb)>, "set_log_callback");
static_assert(kSame<decltype(&event_set_fatal_callback), void (*)(event_fatal_cb)>,
              "set_fatal_callback");
static_assert(kSame<decltype(&event_enable_debug_logging), void (*)(ev_uint32_t)>,
              "enable_debug_logging");
static_assert(kSame<decltype(&libevent_global_shutdown), void (*)()>, "global_shutdown");

}  // namespace

namespace evc {
namespace {

std::vector<std::pair<int, std::string>> g_messages;
int g_fatal_calls = 0;

void Record(int severity, const char* msg) { g_messages.emplace_back(severity, msg); }
void CountFatal(int) { ++g_fatal_calls; }

// Every test leaves the log as it found it: default sink, no debug logs.
class Log : public Test {
 protected:
  void SetUp() override {
    Test::SetUp();
    g_messages.clear();
  }
  void TearDown() override {
    event_set_log_callback(nullptr);
    event_enable_debug_logging(EVENT_DBG_NONE);
    Test::TearDown();
  }
  // A descriptor number that is not open (a socket's, once closed).
  static int ClosedFd() {
    evutil_socket_t sv[2];
    if (evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return -1;
    evutil_closesocket(sv[0]);
    evutil_closesocket(sv[1]);
    return sv[0];
  }
};

TEST_F(Log, CallbackReceivesAWarning) {
  EVC_RULE("event.h/event_set_log_callback",
           "event.h: event_set_log_callback redirects the log to cb(severity, msg); observed "
           "libevent 2.1.12: evutil_make_socket_nonblocking on a closed fd logs one "
           "EVENT_LOG_WARN \"fcntl(<fd>, F_GETFL): <strerror>\"");
  const int fd = ClosedFd();
  ASSERT_GE(fd, 0);
  event_set_log_callback(Record);
  EXPECT_EQ(evutil_make_socket_nonblocking(fd), -1);
  ASSERT_EQ(g_messages.size(), 1u);
  EXPECT_EQ(g_messages[0].first, EVENT_LOG_WARN);
  EXPECT_EQ(g_messages[0].second,
            "fcntl(" + std::to_string(fd) + ", F_GETFL): " + std::strerror(EBADF));
}

TEST_F(Log, NullCallbackRestoresTheDefaultLog) {
  EVC_RULE("event.h/event_set_log_callback/null-restores-default",
           "event.h: if cb is NULL the default log is used: the callback set before is called "
           "no more");
  const int fd = ClosedFd();
  event_set_log_callback(Record);
  event_set_log_callback(nullptr);
  EXPECT_EQ(evutil_make_socket_closeonexec(fd), -1);
  EXPECT_TRUE(g_messages.empty());
}

// Makes a base, runs one timer through it and frees it: work that libevent
// logs at EVENT_LOG_DEBUG when debug logging is on.
void RunOneTimer() {
  event_base* base = event_base_new();
  ASSERT_NE(base, nullptr);
  event* ev = evtimer_new(base, [](evutil_socket_t, short, void*) {}, nullptr);
  ASSERT_NE(ev, nullptr);
  const timeval zero{0, 0};
  EXPECT_EQ(evtimer_add(ev, &zero), 0);
  EXPECT_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
  event_free(ev);
  event_base_free(base);
}

TEST_F(Log, DebugMessagesNeedDebugLogging) {
  EVC_RULE("event.h/event_enable_debug_logging/none",
           "event.h: event_enable_debug_logging(EVENT_DBG_NONE) turns debugging logs off: no "
           "EVENT_LOG_DEBUG message reaches the log callback");
  event_enable_debug_logging(EVENT_DBG_NONE);
  event_set_log_callback(Record);
  RunOneTimer();
  for (const auto& m : g_messages) EXPECT_NE(m.first, EVENT_LOG_DEBUG) << m.second;
}

TEST_F(Log, DebugLoggingKeepsSeveritiesInRange) {
  EVC_RULE("event.h/event_enable_debug_logging/all",
           "event.h: with EVENT_DBG_ALL every message the callback gets has a severity between "
           "EVENT_LOG_DEBUG and EVENT_LOG_ERR, and warnings still arrive");
  event_enable_debug_logging(EVENT_DBG_ALL);
  event_set_log_callback(Record);
  RunOneTimer();
  const int fd = ClosedFd();
  EXPECT_EQ(evutil_make_socket_nonblocking(fd), -1);
  int warnings = 0;
  for (const auto& m : g_messages) {
    EXPECT_GE(m.first, EVENT_LOG_DEBUG) << m.second;
    EXPECT_LE(m.first, EVENT_LOG_ERR) << m.second;
    if (m.first == EVENT_LOG_WARN) ++warnings;
  }
  EXPECT_EQ(warnings, 1);
}

TEST_F(Log, FatalCallbackIsNotCalledWithoutAFatalError) {
  EVC_RULE("event.h/event_set_fatal_callback",
           "event.h: event_set_fatal_callback's function is called only on a fatal internal "
           "error: ordinary use and ordinary failures (-1 returns) never call it");
  g_fatal_calls = 0;
  event_set_fatal_callback(CountFatal);
  RunOneTimer();
  EXPECT_EQ(evutil_make_socket_nonblocking(ClosedFd()), -1);
  event_set_fatal_callback(nullptr);
  EXPECT_EQ(g_fatal_calls, 0);
}

TEST_F(Log, GlobalShutdownAfterEverythingIsFreed) {
  EVC_RULE("event.h/libevent_global_shutdown",
           "event.h: libevent_global_shutdown releases global resources once no other libevent "
           "call will follow; the program then exits normally");
  EXPECT_IN_CHILD({
    RunOneTimer();
    libevent_global_shutdown();
  });
}

}  // namespace
}  // namespace evc
