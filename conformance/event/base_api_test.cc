// The event_base functions of <event2/event.h> that inspect or steer a base
// and its loop: creation, features, priorities, loop controls, activation
// by fd or signal, event counts, the running event, and the loop's time.
#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "event_fixture.h"
#include "priority_order.h"

namespace evc {
namespace {

// The signatures of the functions tested here (and in config_test.cc and
// fork_test.cc), as libevent 2.1 declares them: drift breaks the build.
template <typename Actual, typename Expected>
constexpr bool kSame = std::is_same<Actual, Expected>::value;
static_assert(EVENT_BASE_COUNT_ACTIVE == 1U && EVENT_BASE_COUNT_VIRTUAL == 2U &&
                  EVENT_BASE_COUNT_ADDED == 4U,
              "EVENT_BASE_COUNT_*");
static_assert(kSame<decltype(&event_base_get_num_events), int (*)(event_base*, unsigned int)>,
              "event_base_get_num_events");
static_assert(kSame<decltype(&event_base_get_max_events), int (*)(event_base*, unsigned int, int)>,
              "event_base_get_max_events");
static_assert(
    kSame<decltype(&event_base_active_by_fd), void (*)(event_base*, evutil_socket_t, short)>,
    "event_base_active_by_fd");
static_assert(kSame<decltype(&event_base_active_by_signal), void (*)(event_base*, int)>,
              "event_base_active_by_signal");
static_assert(kSame<decltype(&event_base_get_features), int (*)(const event_base*)>,
              "event_base_get_features");
static_assert(kSame<decltype(&event_base_get_npriorities), int (*)(event_base*)>,
              "event_base_get_npriorities");
static_assert(kSame<decltype(&event_base_loopcontinue), int (*)(event_base*)>,
              "event_base_loopcontinue");
static_assert(kSame<decltype(&event_base_get_running_event), event* (*)(event_base*)>,
              "event_base_get_running_event");
static_assert(kSame<decltype(&event_base_gettimeofday_cached), int (*)(event_base*, timeval*)>,
              "event_base_gettimeofday_cached");
static_assert(kSame<decltype(&event_base_update_cache_time), int (*)(event_base*)>,
              "event_base_update_cache_time");
static_assert(kSame<decltype(&event_gettime_monotonic), int (*)(event_base*, timeval*)>,
              "event_gettime_monotonic");
static_assert(kSame<decltype(&event_get_version_number), ev_uint32_t (*)()>,
              "event_get_version_number");
static_assert(kSame<decltype(&event_reinit), int (*)(event_base*)>, "event_reinit");
static_assert(kSame<decltype(&event_config_set_flag), int (*)(event_config*, int)>,
              "event_config_set_flag");
static_assert(kSame<decltype(&event_config_set_num_cpus_hint), int (*)(event_config*, int)>,
              "event_config_set_num_cpus_hint");
static_assert(kSame<decltype(&event_config_set_max_dispatch_interval),
                    int (*)(event_config*, const timeval*, int, int)>,
              "event_config_set_max_dispatch_interval");

class EventBaseApi : public EventTest {
 protected:
  // A pipe's read end: nothing to read, and never writable, so its events
  // run only when something else activates them.
  int QuietFd() {
    if (quiet_[0] < 0 && pipe2(quiet_, O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2";
    return quiet_[0];
  }
  void TearDown() override {
    // The events go before their fd is closed, and both before the
    // fixture checks that no fd is left open.
    for (event* ev : events_) event_free(ev);
    events_.clear();
    for (int& fd : quiet_)
      if (fd >= 0) close(fd), fd = -1;
    EventTest::TearDown();
  }
  int Num(unsigned type) { return event_base_get_num_events(base_, type); }
  int Max(unsigned type, int clear = 0) { return event_base_get_max_events(base_, type, clear); }

 private:
  int quiet_[2] = {-1, -1};
};

double CachedMs(event_base* base) {
  timeval tv{};
  EXPECT_EQ(event_base_gettimeofday_cached(base, &tv), 0);
  return WallMs(tv);
}
double SystemMs() {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  return WallMs(tv);
}
// The clock tests let wall time pass; nothing waits for another party.
void SleepMs(int ms) { usleep(ms * 1000); }  // ok-sleep: lets wall time pass, synchronises nothing

// ------------------------------------------------------------------ creation

TEST_F(EventBaseApi, NewGivesAFreshUsableBase) {
  EVC_RULE("event.h/event_base_new",
           "event.h: event_base_new returns a new event_base with the default settings: a "
           "supported method, one priority, nothing pending (its loop returns 1 at once), and "
           "each call a base of its own whose events run on its loop only");
  event_base* other = event_base_new();
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other, base_);
  EXPECT_EQ(event_base_get_npriorities(other), 1);
  ASSERT_NE(event_base_get_method(other), nullptr);
  EXPECT_STREQ(event_base_get_method(other), event_base_get_method(base_));
  EXPECT_EQ(event_base_loop(other, EVLOOP_NONBLOCK), 1);
  Probe& p = NewProbe("mine");
  event* ev = NewTimer(p);
  event_active(ev, EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_loop(other, EVLOOP_NONBLOCK), 1) << "base_'s event is not other's";
  EXPECT_EQ(p.calls, 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1) << "it ran, and nothing is left";
  EXPECT_EQ(p.calls, 1);
  event_base_free(other);
}

// ------------------------------------------------------------------ features

TEST_F(EventBaseApi, FeaturesAreThoseOfTheMethod) {
  EVC_RULE("event.h/event_base_get_features",
           "event.h (enum event_method_feature): event_base_get_features is an OR of "
           "EV_FEATURE_* bits, true of the method: epoll is edge-capable and O(1) but takes "
           "sockets and pipes only (ET, O1, no FDS); poll and select take any fd and are O(N) "
           "(FDS, no O1); select has no edge trigger");
  const int f = event_base_get_features(base_);
  EXPECT_EQ(f & ~(EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE), 0);
  const std::string method = event_base_get_method(base_);
  if (method == "epoll") {
    EXPECT_EQ(f & (EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_FDS), EV_FEATURE_ET | EV_FEATURE_O1);
  } else if (method == "poll") {
    EXPECT_EQ(f & (EV_FEATURE_O1 | EV_FEATURE_FDS), EV_FEATURE_FDS);
  } else if (method == "select") {
    EXPECT_EQ(f & (EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_FDS), EV_FEATURE_FDS);
  } else {
    GTEST_SKIP() << "no feature table recorded for method " << method;
  }
}

// ---------------------------------------------------------------- priorities

TEST_F(EventBaseApi, NumberOfPrioritiesIsWhatPriorityInitSet) {
  EVC_RULE("event.h/event_base_get_npriorities",
           "event.h: event_base_get_npriorities is the number of priorities: 1 on a new base "
           "('all active events with the same priority'), n after event_base_priority_init(n); "
           "a refused priority_init (n < 1, n >= EVENT_MAX_PRIORITIES, events active) leaves it");
  EXPECT_EQ(event_base_get_npriorities(base_), 1);
  ASSERT_EQ(event_base_priority_init(base_, 5), 0);
  EXPECT_EQ(event_base_get_npriorities(base_), 5);
  for (int bad : {0, -1, INT_MIN, EVENT_MAX_PRIORITIES, INT_MAX}) {
    EXPECT_EQ(event_base_priority_init(base_, bad), -1) << bad;
    EXPECT_EQ(event_base_get_npriorities(base_), 5) << "after priority_init(" << bad << ")";
  }
  Probe& p = NewProbe("p");
  event_active(NewTimer(p), EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_priority_init(base_, 2), -1);
  EXPECT_EQ(event_base_get_npriorities(base_), 5);
}

// ------------------------------------------------------------ loop controls

TEST_F(EventBaseApi, GotBreakHoldsFromLoopbreakUntilTheLoopIsEntered) {
  EVC_RULE("event.h/event_base_got_break",
           "event.h: event_base_got_break is true 'at every point after event_base_loopbreak() "
           "is called, until the event loop is next entered', and only for loopbreak (not "
           "loopexit); a new base says 0");
  EXPECT_EQ(event_base_got_break(base_), 0);
  Probe& p = NewProbe("breaker");
  p.action = [this](Probe&) { EXPECT_EQ(event_base_loopbreak(base_), 0); };
  event_active(NewTimer(p), EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_dispatch(base_), 0);
  EXPECT_NE(event_base_got_break(base_), 0);
  EXPECT_EQ(event_base_got_exit(base_), 0);
  EXPECT_NE(event_base_got_break(base_), 0) << "still true: the loop was not entered";
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(event_base_got_break(base_), 0) << "entering the loop clears it";
  ASSERT_EQ(event_base_loopexit(base_, nullptr), 0);
  EXPECT_EQ(event_base_dispatch(base_), 0);
  EXPECT_EQ(event_base_got_break(base_), 0) << "loopexit is not loopbreak";
  EXPECT_NE(event_base_got_exit(base_), 0);
  ASSERT_EQ(event_base_loopbreak(base_), 0);
  EXPECT_NE(event_base_got_break(base_), 0) << "true from the call on, loop running or not";
}

TEST_F(EventBaseApi, LoopcontinueLooksForNewEventsBeforeTheRestOfTheQueue) {
  EVC_RULE("event.h/event_base_loopcontinue",
           "event.h: event_base_loopcontinue makes the running loop 'start the loop over again "
           "(scanning for new events) after the current event callback finishes': an fd that "
           "callback made ready, for an event of higher priority, runs before the callbacks "
           "still queued; without it, the queue runs first (returns 0)");
  EXPECT_EQ(LowLowHighOrder(base_), QueueFirst()) << "without loopcontinue";
  EXPECT_EQ(LowLowHighOrder(base_, [this] { EXPECT_EQ(event_base_loopcontinue(base_), 0); }),
            RescanFirst());
}

TEST_F(EventBaseApi, LoopcontinueOutsideTheLoopHasNoEffect) {
  EVC_RULE("event.h/event_base_loopcontinue/not-running",
           "event.h: 'If the event loop is not running, this function has no effect' (it "
           "returns 0): called before the loop, the next loop runs its queue as usual, and it "
           "is not taken for a loopbreak or loopexit; a NULL base is an error (-1)");
  EXPECT_EQ(event_base_loopcontinue(base_), 0);
  EXPECT_EQ(event_base_got_break(base_), 0);
  EXPECT_EQ(event_base_got_exit(base_), 0);
  EXPECT_EQ(LowLowHighOrder(base_), QueueFirst());
  EXPECT_EQ(event_base_loopcontinue(nullptr), -1);
}

// ---------------------------------------------------------------- activation

TEST_F(EventBaseApi, ActiveByFdRunsTheAddedEventsThatWantTheFlags) {
  EVC_RULE("event.h/event_base_active_by_fd",
           "event.h: event_base_active_by_fd 'activates all pending events for the given fd and "
           "event mask': each added event of the fd that wants one of the flags runs, told the "
           "flags it wants among them; events of other fds, and events not added, do not");
  const int fd = QuietFd();
  Probe& r = NewProbe("r");
  Probe& w = NewProbe("w");
  Probe& rw = NewProbe("rw");
  Probe& idle = NewProbe("not-added");
  Probe& other = NewProbe("other-fd");
  ASSERT_EQ(event_add(NewEvent(r, fd, EV_READ | EV_PERSIST), nullptr), 0);
  ASSERT_EQ(event_add(NewEvent(w, fd, EV_WRITE | EV_PERSIST), nullptr), 0);
  ASSERT_EQ(event_add(NewEvent(rw, fd, EV_READ | EV_WRITE | EV_PERSIST), nullptr), 0);
  NewEvent(idle, fd, EV_READ | EV_PERSIST);
  SocketPair& sp = NewPair();
  ASSERT_EQ(event_add(NewEvent(other, sp.fd[0], EV_READ | EV_PERSIST), nullptr), 0);

  event_base_active_by_fd(base_, fd, EV_READ);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.what, EV_READ);
  EXPECT_EQ(rw.calls, 1);
  EXPECT_EQ(rw.what, EV_READ);
  EXPECT_EQ(w.calls, 0);

  event_base_active_by_fd(base_, fd, EV_WRITE);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(w.calls, 1);
  EXPECT_EQ(w.what, EV_WRITE);
  EXPECT_EQ(rw.calls, 2);
  EXPECT_EQ(rw.what, EV_WRITE);
  EXPECT_EQ(r.calls, 1);

  event_base_active_by_fd(base_, fd, EV_READ | EV_WRITE);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(r.calls, 2);
  EXPECT_EQ(r.what, EV_READ);
  EXPECT_EQ(w.calls, 2);
  EXPECT_EQ(w.what, EV_WRITE);
  EXPECT_EQ(rw.calls, 3);
  EXPECT_EQ(rw.what, EV_READ | EV_WRITE);
  EXPECT_EQ(idle.calls, 0);
  EXPECT_EQ(other.calls, 0);
}

TEST_F(EventBaseApi, ActiveByFdWithTimeoutRunsTheEventsWithATimer) {
  EVC_RULE("event.h/event_base_active_by_fd/timeout",
           "event.h: event_base_active_by_fd takes 'one or more of EV_{READ,WRITE,TIMEOUT}'; "
           "observed libevent 2.1.12: with EV_TIMEOUT, the events of the fd that have a timeout "
           "pending run with EV_TIMEOUT, and those without a timeout do not");
  const int fd = QuietFd();
  Probe& timed = NewProbe("timed");
  Probe& untimed = NewProbe("untimed");
  Probe& other = NewProbe("other-timer");
  const timeval later = Ms(10000);
  ASSERT_EQ(event_add(NewEvent(timed, fd, EV_READ), &later), 0);
  ASSERT_EQ(event_add(NewEvent(untimed, fd, EV_READ | EV_PERSIST), nullptr), 0);
  ASSERT_EQ(event_add(NewTimer(other), &later), 0);
  event_base_active_by_fd(base_, fd, EV_TIMEOUT);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(timed.calls, 1);
  EXPECT_EQ(timed.what, EV_TIMEOUT);
  EXPECT_EQ(untimed.calls, 0);
  EXPECT_EQ(other.calls, 0);
}

TEST_F(EventBaseApi, ActiveByFdOnFdsWithoutEventsDoesNothing) {
  EVC_RULE("event.h/event_base_active_by_fd/bad-fd",
           "event.h: event_base_active_by_fd activates pending events only; observed libevent "
           "2.1.12: a negative, unopened or huge fd, an fd with no events, no flags, or flags "
           "that are not READ/WRITE/TIMEOUT activate nothing, and nothing breaks");
  const int fd = QuietFd();
  Probe& r = NewProbe("r");
  ASSERT_EQ(event_add(NewEvent(r, fd, EV_READ | EV_PERSIST), nullptr), 0);
  std::vector<Named<int>> fds = NegativeFds();
  for (const Named<int>& n : UnopenedFds()) fds.push_back(n);
  for (const Named<int>& n : fds) {
    for (int what : {EV_READ, EV_WRITE, EV_READ | EV_WRITE, EV_TIMEOUT})
      event_base_active_by_fd(base_, n.value, static_cast<short>(what));
  }
  event_base_active_by_fd(base_, fd, 0);
  event_base_active_by_fd(base_, fd, EV_SIGNAL);
  event_base_active_by_fd(base_, fd, EV_PERSIST | EV_ET);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(r.calls, 0);
}

TEST_F(EventBaseApi, ActiveBySignalRunsTheAddedEventsOfTheSignal) {
  EVC_RULE("event.h/event_base_active_by_signal",
           "event.h: event_base_active_by_signal 'activates all pending signals with a given "
           "signal number': each added event of the signal runs once with EV_SIGNAL, without "
           "the signal being raised; events of other signals and events not added do not");
  Probe& a = NewProbe("a");
  Probe& b = NewProbe("b");
  Probe& usr2 = NewProbe("usr2");
  Probe& idle = NewProbe("not-added");
  ASSERT_EQ(event_add(NewSignal(a, SIGUSR1), nullptr), 0);
  ASSERT_EQ(event_add(NewSignal(b, SIGUSR1), nullptr), 0);
  ASSERT_EQ(event_add(NewSignal(usr2, SIGUSR2), nullptr), 0);
  NewSignal(idle, SIGUSR1);
  event_base_active_by_signal(base_, SIGUSR1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(a.what, EV_SIGNAL);
  EXPECT_EQ(b.calls, 1);
  EXPECT_EQ(b.what, EV_SIGNAL);
  EXPECT_EQ(usr2.calls, 0);
  EXPECT_EQ(idle.calls, 0);
}

TEST_F(EventBaseApi, ActiveBySignalOutsideTheRangeDoesNothing) {
  EVC_RULE("event.h/event_base_active_by_signal/bad-signal",
           "observed libevent 2.1.12: event_base_active_by_signal with a number that is no "
           "signal (negative, 0, NSIG and above, INT_MAX, INT_MIN) or a signal with no events "
           "activates nothing, and nothing breaks");
  Probe& a = NewProbe("a");
  ASSERT_EQ(event_add(NewSignal(a, SIGUSR1), nullptr), 0);
  for (int sig : {-1, 0, NSIG, NSIG + 1, 1 << 20, INT_MAX, INT_MIN, SIGUSR2})
    event_base_active_by_signal(base_, sig);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(a.calls, 0);
}

// ------------------------------------------------------------------- counts

TEST_F(EventBaseApi, NumEventsCountsAddedAndActiveEvents) {
  EVC_RULE("event.h/event_base_get_num_events",
           "event.h: event_base_get_num_events counts the kinds in its flags, summed: "
           "EVENT_BASE_COUNT_ADDED goes up by one per event added and back down when deleted "
           "(internal events may add a constant), COUNT_ACTIVE is the number of active events; "
           "COUNT_VIRTUAL is 0 when nothing keeps the loop from exiting; unknown bits count "
           "nothing");
  EXPECT_EQ(Num(EVENT_BASE_COUNT_ACTIVE), 0);
  EXPECT_EQ(Num(EVENT_BASE_COUNT_VIRTUAL), 0) << "an empty base's loop returns 1 at once";
  const int added0 = Num(EVENT_BASE_COUNT_ADDED);
  EXPECT_GE(added0, 0);
  SocketPair& sp = NewPair();
  Probe& r = NewProbe("r");
  Probe& w = NewProbe("w");
  Probe& t = NewProbe("t");
  Probe& a = NewProbe("a");
  const timeval later = Ms(10000);
  event* ev_r = NewEvent(r, sp.fd[0], EV_READ | EV_PERSIST);
  event* ev_w = NewEvent(w, sp.fd[0], EV_WRITE);
  event* ev_t = NewTimer(t);
  ASSERT_EQ(event_add(ev_r, nullptr), 0);
  ASSERT_EQ(event_add(ev_w, nullptr), 0);
  ASSERT_EQ(event_add(ev_t, &later), 0);
  EXPECT_EQ(Num(EVENT_BASE_COUNT_ADDED), added0 + 3);
  EXPECT_EQ(Num(EVENT_BASE_COUNT_ACTIVE), 0);
  event_active(NewTimer(a), EV_TIMEOUT, 1);
  EXPECT_EQ(Num(EVENT_BASE_COUNT_ACTIVE), 1);
  EXPECT_GE(Num(EVENT_BASE_COUNT_ADDED), added0 + 3) << "an active event may count here too";
  const int all = EVENT_BASE_COUNT_ACTIVE | EVENT_BASE_COUNT_VIRTUAL | EVENT_BASE_COUNT_ADDED;
  EXPECT_EQ(Num(EVENT_BASE_COUNT_ACTIVE | EVENT_BASE_COUNT_ADDED),
            Num(EVENT_BASE_COUNT_ACTIVE) + Num(EVENT_BASE_COUNT_ADDED));
  EXPECT_EQ(Num(all), Num(EVENT_BASE_COUNT_ACTIVE) + Num(EVENT_BASE_COUNT_VIRTUAL) +
                          Num(EVENT_BASE_COUNT_ADDED));
  EXPECT_EQ(Num(0), 0);
  EXPECT_EQ(Num(0x100), 0);
  EXPECT_EQ(Num(EVENT_BASE_COUNT_ADDED | 0x100), Num(EVENT_BASE_COUNT_ADDED));
  for (event* ev : {ev_r, ev_w, ev_t}) event_del(ev);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(Num(EVENT_BASE_COUNT_ACTIVE), 0);
  EXPECT_EQ(Num(EVENT_BASE_COUNT_ADDED), added0);
}

TEST_F(EventBaseApi, MaxEventsIsThePeakUntilCleared) {
  EVC_RULE("event.h/event_base_get_max_events",
           "event.h: event_base_get_max_events is the highest event_base_get_num_events count "
           "reached for the flags (summed over them), kept after the events are gone; with "
           "clear it answers the same and resets the maximum, which the next event raises "
           "again (libevent resets to 0)");
  const int added0 = Num(EVENT_BASE_COUNT_ADDED);
  EXPECT_EQ(Max(EVENT_BASE_COUNT_ACTIVE), 0) << "nothing was ever active";
  EXPECT_EQ(Max(EVENT_BASE_COUNT_VIRTUAL), 0);
  Probe& t = NewProbe("t");
  const timeval later = Ms(10000);
  std::vector<event*> timers;
  for (int i = 0; i < 3; ++i) {
    timers.push_back(NewTimer(t));
    ASSERT_EQ(event_add(timers.back(), &later), 0);
  }
  for (event* ev : timers) event_del(ev);
  EXPECT_EQ(Num(EVENT_BASE_COUNT_ADDED), added0);
  EXPECT_EQ(Max(EVENT_BASE_COUNT_ADDED), added0 + 3);
  EXPECT_EQ(Max(EVENT_BASE_COUNT_ADDED, 1), added0 + 3) << "clear answers the maximum too";
  EXPECT_LE(Max(EVENT_BASE_COUNT_ADDED), added0) << "cleared";
  ASSERT_EQ(event_add(timers[0], &later), 0);
  EXPECT_EQ(Max(EVENT_BASE_COUNT_ADDED), added0 + 1) << "raised again by the next event";
  event_del(timers[0]);

  Probe& a = NewProbe("a");
  event_active(NewTimer(a), EV_TIMEOUT, 1);
  event_active(NewTimer(a), EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(a.calls, 2);
  EXPECT_EQ(Num(EVENT_BASE_COUNT_ACTIVE), 0);
  EXPECT_EQ(Max(EVENT_BASE_COUNT_ACTIVE), 2);
  EXPECT_EQ(Max(EVENT_BASE_COUNT_ACTIVE | EVENT_BASE_COUNT_ADDED),
            Max(EVENT_BASE_COUNT_ACTIVE) + Max(EVENT_BASE_COUNT_ADDED));
  const int max_added = Max(EVENT_BASE_COUNT_ADDED);
  EXPECT_EQ(Max(EVENT_BASE_COUNT_ACTIVE | EVENT_BASE_COUNT_ADDED, 1), 2 + max_added);
  EXPECT_EQ(Max(EVENT_BASE_COUNT_ACTIVE), 0) << "both kinds cleared";
  EXPECT_LE(Max(EVENT_BASE_COUNT_ADDED), added0);
  EXPECT_EQ(Max(0x100), 0);
}

// ----------------------------------------------------------- running event

TEST_F(EventBaseApi, RunningEventIsTheEventWhoseCallbackRuns) {
  EVC_RULE("event.h/event_base_get_running_event",
           "event.h: 'If called from within the callback for an event, returns that event': "
           "for a timer, a persistent I/O event, a signal event and an event in caller storage "
           "(event_assign), each in its own callback, and for an event activated from another "
           "one's callback. (Outside a callback it is not defined: libevent 2.1.12 dereferences "
           "a NULL current event there)");
  std::vector<std::pair<event*, event*>> seen;  // (the event, what was running)
  auto record = [this, &seen](Probe& self) {
    seen.emplace_back(self.ev, event_base_get_running_event(base_));
  };
  Probe& timer = NewProbe("timer");
  Probe& io = NewProbe("io");
  Probe& sig = NewProbe("signal");
  Probe& assigned = NewProbe("assigned");
  Probe& chained = NewProbe("chained");
  for (Probe* p : {&timer, &io, &sig, &assigned, &chained}) p->action = record;
  SocketPair& sp = NewPair();
  io.action = [&](Probe& self) {
    record(self);
    SocketPair::Drain(sp.fd[0]);
  };
  event* ev_io = NewEvent(io, sp.fd[0], EV_READ | EV_PERSIST);
  event* ev_sig = NewSignal(sig, SIGUSR1);
  std::vector<char> storage(event_get_struct_event_size());
  event* ev_assigned = reinterpret_cast<event*>(storage.data());
  ASSERT_EQ(event_assign(ev_assigned, base_, -1, 0, Probe::Callback, &assigned), 0);
  assigned.ev = ev_assigned;
  event* ev_chained = NewTimer(chained);
  timer.action = [&](Probe& self) {
    record(self);
    event_active(ev_chained, EV_TIMEOUT, 1);
  };
  ASSERT_EQ(event_add(ev_io, nullptr), 0);
  ASSERT_EQ(event_add(ev_sig, nullptr), 0);
  event_active(NewTimer(timer), EV_TIMEOUT, 1);
  event_active(ev_assigned, EV_TIMEOUT, 1);
  event_base_active_by_signal(base_, SIGUSR1);
  sp.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  ASSERT_EQ(seen.size(), 5u);
  for (const auto& [ev, running] : seen) EXPECT_EQ(running, ev);
  event_del(ev_assigned);
}

// --------------------------------------------------------------------- time

TEST_F(EventBaseApi, CachedTimeIsFixedDuringCallbacks) {
  EVC_RULE("event.h/event_base_gettimeofday_cached",
           "event.h: event_base_gettimeofday_cached gives the time 'as returned by "
           "gettimeofday()', cached while the loop processes callbacks: two calls in one "
           "callback 30 ms apart give the same time, close to the system's; outside the loop "
           "nothing is cached and it follows the system's time; observed libevent 2.1.12: a "
           "NULL base (no event_init base) gives the system's time");
  double first = 0, second = 0, system = 0;
  Probe& p = NewProbe("p");
  p.action = [&](Probe&) {
    first = CachedMs(base_);
    SleepMs(30);
    second = CachedMs(base_);
    system = SystemMs();
  };
  event_active(NewTimer(p), EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  ASSERT_EQ(p.calls, 1);
  EXPECT_EQ(first, second) << "cached during the callback";
  EXPECT_NEAR(first, system - 30, 1000) << "the cache is the time the loop woke up";
  const double outside = CachedMs(base_);
  SleepMs(30);
  const double later = CachedMs(base_);
  EXPECT_GE(later - outside, 30 - kClockSlackMs) << "outside the loop: the system's time";
  EXPECT_NEAR(later, SystemMs(), 50);
  EXPECT_NEAR(CachedMs(nullptr), SystemMs(), 50);
}

TEST_F(EventBaseApi, UpdateCacheTimeRefreshesTheCacheInsideTheLoop) {
  EVC_RULE("event.h/event_base_update_cache_time",
           "event.h: event_base_update_cache_time updates the cached time 'to the current time' "
           "(0 on success): called in a callback after 30 ms, the cached time moves on by that "
           "much and stays cached; it 'has no effect if the base is currently not in its event "
           "loop' (still 0); observed libevent 2.1.12: a NULL base (no event_init base) is -1");
  double before = 0, after = 0, again = 0;
  int rc = -2;
  Probe& p = NewProbe("p");
  p.action = [&](Probe&) {
    before = CachedMs(base_);
    SleepMs(30);
    rc = event_base_update_cache_time(base_);
    after = CachedMs(base_);
    SleepMs(20);
    again = CachedMs(base_);
  };
  event_active(NewTimer(p), EV_TIMEOUT, 1);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  ASSERT_EQ(p.calls, 1);
  EXPECT_EQ(rc, 0);
  EXPECT_GE(after - before, 30 - kClockSlackMs);
  EXPECT_EQ(again, after) << "still cached after the update";
  EXPECT_EQ(event_base_update_cache_time(base_), 0) << "outside the loop";
  const double outside = CachedMs(base_);
  SleepMs(30);
  EXPECT_GE(CachedMs(base_) - outside, 30 - kClockSlackMs) << "nothing was cached by it";
  EXPECT_EQ(event_base_update_cache_time(nullptr), -1);
}

TEST_F(EventBaseApi, MonotonicTimeMovesForwardWithTheClock) {
  EVC_RULE("event.h/event_gettime_monotonic",
           "event.h: event_gettime_monotonic gives 'the current monotonic time' of the base's "
           "timer (0): it never goes back and advances by the time slept (within the coarse "
           "clock's tick); observed libevent 2.1.12: a NULL base or a NULL timeval is -1");
  timeval a{}, b{};
  ASSERT_EQ(event_gettime_monotonic(base_, &a), 0);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(event_gettime_monotonic(base_, &b), 0);
    ASSERT_GE(WallMs(b), WallMs(a)) << "went back at read " << i;
    a = b;
  }
  SleepMs(30);
  ASSERT_EQ(event_gettime_monotonic(base_, &b), 0);
  EXPECT_GE(WallMs(b) - WallMs(a), 30 - kClockSlackMs);
  EXPECT_LT(WallMs(b) - WallMs(a), 5000);
  EXPECT_EQ(event_gettime_monotonic(nullptr, &a), -1);
  EXPECT_EQ(event_gettime_monotonic(base_, nullptr), -1);
}

// ------------------------------------------------------------------ version

TEST_F(EventBaseApi, VersionNumberSpellsTheVersionString) {
  EVC_RULE("event.h/event_get_version_number",
           "event.h: event_get_version_number 'uses one byte each for the major, minor, and "
           "patchlevel parts' of the version event_get_version names; the library linked and "
           "the headers compiled against agree (LIBEVENT_VERSION_NUMBER, LIBEVENT_VERSION)");
  const char* version = event_get_version();
  ASSERT_NE(version, nullptr);
  unsigned major = 0, minor = 0, patch = 0;
  ASSERT_EQ(std::sscanf(version, "%u.%u.%u", &major, &minor, &patch), 3) << version;
  const ev_uint32_t n = event_get_version_number();
  EXPECT_EQ(n >> 24, major) << std::hex << n;
  EXPECT_EQ((n >> 16) & 0xff, minor) << std::hex << n;
  EXPECT_EQ((n >> 8) & 0xff, patch) << std::hex << n;
  EXPECT_EQ(n, static_cast<ev_uint32_t>(LIBEVENT_VERSION_NUMBER));
  EXPECT_STREQ(version, LIBEVENT_VERSION);
}

// ------------------------------------------------------------- NULL bases
// libevent 2.1.12 reads these bases without a check (SIGSEGV); NULL is not
// a documented input. Accepted: that crash, or the answer of a check.
// Where libevent does check (loopcontinue, update_cache_time,
// gettime_monotonic, gettimeofday_cached), the tests above ask its answer.

using EventBaseNull = Test;

TEST_F(EventBaseNull, ReinitIsNeverASuccess) {
  EVC_RULE("event.h/event_reinit/null",
           "observed libevent 2.1.12: event_reinit(NULL) dereferences the base (SIGSEGV). "
           "Accepted: that crash or -1");
  ExpectAnswerOrCrash(
      "event_reinit(NULL)", [] { return event_reinit(nullptr); }, -1);
}

TEST_F(EventBaseNull, NumEventsCountsNothing) {
  EVC_RULE("event.h/event_base_get_num_events/null",
           "observed libevent 2.1.12: event_base_get_num_events(NULL, flags) dereferences the "
           "base (SIGSEGV). Accepted: that crash or 0");
  for (unsigned type : {EVENT_BASE_COUNT_ACTIVE, EVENT_BASE_COUNT_ADDED, 7u})
    ExpectAnswerOrCrash(
        "flags " + std::to_string(type),
        [type] { return event_base_get_num_events(nullptr, type); }, 0);
}

TEST_F(EventBaseNull, MaxEventsCountsNothing) {
  EVC_RULE("event.h/event_base_get_max_events/null",
           "observed libevent 2.1.12: event_base_get_max_events(NULL, flags, clear) "
           "dereferences the base (SIGSEGV). Accepted: that crash or 0");
  for (int clear : {0, 1})
    ExpectAnswerOrCrash(
        "clear " + std::to_string(clear),
        [clear] { return event_base_get_max_events(nullptr, 7u, clear); }, 0);
}

TEST_F(EventBaseNull, ActiveByFdReturns) {
  EVC_RULE("event.h/event_base_active_by_fd/null",
           "observed libevent 2.1.12: event_base_active_by_fd(NULL, fd, events) dereferences the "
           "base (SIGSEGV). Accepted: that crash, or returning");
  ExpectReturnOrCrash("active_by_fd(NULL, 0, EV_READ)",
                      [] { event_base_active_by_fd(nullptr, 0, EV_READ); });
  ExpectReturnOrCrash("active_by_fd(NULL, -1, EV_TIMEOUT)",
                      [] { event_base_active_by_fd(nullptr, -1, EV_TIMEOUT); });
}

TEST_F(EventBaseNull, ActiveBySignalReturns) {
  EVC_RULE("event.h/event_base_active_by_signal/null",
           "observed libevent 2.1.12: event_base_active_by_signal(NULL, sig) dereferences the "
           "base (SIGSEGV). Accepted: that crash, or returning");
  ExpectReturnOrCrash("active_by_signal(NULL, SIGUSR1)",
                      [] { event_base_active_by_signal(nullptr, SIGUSR1); });
}

TEST_F(EventBaseNull, FeaturesAreNone) {
  EVC_RULE("event.h/event_base_get_features/null",
           "observed libevent 2.1.12: event_base_get_features(NULL) dereferences the base "
           "(SIGSEGV). Accepted: that crash or 0");
  ExpectAnswerOrCrash(
      "get_features(NULL)", [] { return event_base_get_features(nullptr); }, 0);
}

TEST_F(EventBaseNull, GotBreakIsFalse) {
  EVC_RULE("event.h/event_base_got_break/null",
           "observed libevent 2.1.12: event_base_got_break(NULL) dereferences the base "
           "(SIGSEGV). Accepted: that crash or 0");
  ExpectAnswerOrCrash(
      "got_break(NULL)", [] { return event_base_got_break(nullptr); }, 0);
}

TEST_F(EventBaseNull, NumberOfPrioritiesWithoutACurrentBaseIsZero) {
  EVC_RULE("event.h/event_base_get_npriorities/null",
           "observed libevent 2.1.12: event_base_get_npriorities(NULL) reads event_init's current "
           "base, and with none dereferences NULL (SIGSEGV). Accepted, with no current base: "
           "that crash or 0");
  ExpectAnswerOrCrash(
      "get_npriorities(NULL)", [] { return event_base_get_npriorities(nullptr); }, 0);
}

TEST_F(EventBaseNull, RunningEventIsNone) {
  EVC_RULE("event.h/event_base_get_running_event/null",
           "observed libevent 2.1.12: event_base_get_running_event(NULL) dereferences the base "
           "(SIGSEGV). Accepted: that crash or NULL");
  ExpectAnswerOrCrash(
      "get_running_event(NULL)", [] { return event_base_get_running_event(nullptr); },
      static_cast<event*>(nullptr));
}

}  // namespace
}  // namespace evc
