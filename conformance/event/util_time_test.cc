// <event2/util.h>, time: the timeval macros over whole tables (every carry,
// borrow and comparison operator), and the monotonic timer's life cycle,
// flags, advance and bad arguments. Waits are bounded by poll() timeouts,
// never slept through. (util_test.cc has the first rule of each macro.)
#include <event2/util.h>

#include <poll.h>
#include <time.h>

#include <cerrno>
#include <functional>
#include <string>
#include <vector>

#include "evc_test.h"

namespace evc {
namespace {

std::string Show(const timeval& tv) {
  return "{" + std::to_string(tv.tv_sec) + ", " + std::to_string(tv.tv_usec) + "}";
}

struct TimevalCase {
  timeval a, b, want;
};

// ---------------------------------------------------------------- macros

using UtilTimeval = Test;

TEST_F(UtilTimeval, TimeraddCarriesEveryWholeSecond) {
  EVC_RULE("util.h/evutil_timeradd/carry-table",
           "util.h: evutil_timeradd(a, b, out) sets out to a + b, normalized: a sum of "
           "microseconds of 1000000 or more carries one second (exactly 1000000 included), a "
           "smaller one carries nothing");
  const std::vector<TimevalCase> cases = {
      {{1, 1}, {2, 2}, {3, 3}},                 // no carry
      {{0, 500000}, {0, 500000}, {1, 0}},       // exactly one second
      {{0, 999999}, {0, 1}, {1, 0}},            // the smallest carry
      {{0, 999999}, {0, 0}, {0, 999999}},       // the largest without
      {{1, 600000}, {2, 999999}, {4, 599999}},  // carry with both parts
      {{-2, 500000}, {1, 600000}, {0, 100000}},  // a negative second count
      {{0, 0}, {0, 0}, {0, 0}},
  };
  for (const auto& c : cases) {
    timeval out{-7, -7};
    evutil_timeradd(&c.a, &c.b, &out);
    EXPECT_EQ(out.tv_sec, c.want.tv_sec) << Show(c.a) << " + " << Show(c.b);
    EXPECT_EQ(out.tv_usec, c.want.tv_usec) << Show(c.a) << " + " << Show(c.b);
  }
}

TEST_F(UtilTimeval, TimersubBorrowsEveryWholeSecond) {
  EVC_RULE("util.h/evutil_timersub/borrow-table",
           "util.h: evutil_timersub(a, b, out) sets out to a - b, normalized: a negative "
           "difference of microseconds borrows one second, so tv_usec stays in [0, 1000000) even "
           "when the result is negative");
  const std::vector<TimevalCase> cases = {
      {{3, 5}, {1, 2}, {2, 3}},                  // no borrow
      {{3, 0}, {1, 0}, {2, 0}},
      {{1, 0}, {0, 1}, {0, 999999}},             // the smallest borrow
      {{4, 100000}, {2, 500000}, {1, 600000}},
      {{2, 500000}, {2, 500000}, {0, 0}},        // equal
      {{2, 500000}, {4, 100000}, {-2, 400000}},  // negative result
      {{0, 0}, {0, 1}, {-1, 999999}},
  };
  for (const auto& c : cases) {
    timeval out{-7, -7};
    evutil_timersub(&c.a, &c.b, &out);
    EXPECT_EQ(out.tv_sec, c.want.tv_sec) << Show(c.a) << " - " << Show(c.b);
    EXPECT_EQ(out.tv_usec, c.want.tv_usec) << Show(c.a) << " - " << Show(c.b);
  }
}

TEST_F(UtilTimeval, TimercmpEachOperatorOnEachOrder) {
  EVC_RULE("util.h/evutil_timercmp/operator-table",
           "util.h: evutil_timercmp(a, b, cmp) is true iff a cmp b for each of ==, <=, <, >=, >: "
           "the seconds decide when they differ (whatever the microseconds), the microseconds "
           "when they are equal");
  struct Case {
    timeval a, b;
    int order;  // the sign of a - b
  };
  const std::vector<Case> cases = {
      {{1, 900000}, {2, 100000}, -1},  // seconds decide against the microseconds
      {{2, 100000}, {1, 900000}, 1},
      {{2, 100000}, {2, 100001}, -1},  // equal seconds: microseconds decide
      {{2, 100001}, {2, 100000}, 1},
      {{2, 100000}, {2, 100000}, 0},
      {{0, 0}, {0, 0}, 0},
      {{-1, 999999}, {0, 0}, -1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(Show(c.a) + " vs " + Show(c.b));
    EXPECT_EQ(bool(evutil_timercmp(&c.a, &c.b, ==)), c.order == 0);
    EXPECT_EQ(bool(evutil_timercmp(&c.a, &c.b, <=)), c.order <= 0);
    EXPECT_EQ(bool(evutil_timercmp(&c.a, &c.b, <)), c.order < 0);
    EXPECT_EQ(bool(evutil_timercmp(&c.a, &c.b, >=)), c.order >= 0);
    EXPECT_EQ(bool(evutil_timercmp(&c.a, &c.b, >)), c.order > 0);
  }
}

TEST_F(UtilTimeval, TimerissetCountsNegativeFieldsAsSet) {
  EVC_RULE("util.h/evutil_timerisset/negative",
           "util.h (timerisset): evutil_timerisset is true when either field is nonzero, a "
           "negative one included; evutil_timerclear makes it false again");
  for (const timeval tv : {timeval{-1, 0}, timeval{0, -1}, timeval{0, 999999}, timeval{5, 5}}) {
    timeval t = tv;
    EXPECT_TRUE(evutil_timerisset(&t)) << Show(tv);
    evutil_timerclear(&t);
    EXPECT_FALSE(evutil_timerisset(&t)) << Show(tv);
  }
}

// ---------------------------------------------------------------- rfc1123

using UtilDate = Test;

TEST_F(UtilDate, Rfc1123WithNoRoomWritesNothingAndReportsTruncation) {
  EVC_RULE("util.h/evutil_date_rfc1123/size-zero",
           "util.h: evutil_date_rfc1123's result is truncated unless the return is smaller than "
           "datelen: with datelen 0 nothing is written (NULL date included) and the return is not "
           "smaller than 0; with room for the 29 characters and the NUL it is 29");
  tm t{};
  t.tm_year = 100;  // Sat, 01 Jan 2000 00:00:00 GMT
  t.tm_mday = 1;
  t.tm_wday = 6;
  char date[4] = {'#', '#', '#', '#'};
  EXPECT_GE(evutil_date_rfc1123(date, 0, &t), 0);
  EXPECT_EQ(date[0], '#');
  EXPECT_IN_CHILD({ EXPECT_GE(evutil_date_rfc1123(nullptr, 0, &t), 0); });
  char exact[30];
  EXPECT_EQ(evutil_date_rfc1123(exact, sizeof exact, &t), 29);
  EXPECT_STREQ(exact, "Sat, 01 Jan 2000 00:00:00 GMT");
  char short_by_one[29];
  EXPECT_GE(evutil_date_rfc1123(short_by_one, sizeof short_by_one, &t), 29);
  EXPECT_STREQ(short_by_one, "Sat, 01 Jan 2000 00:00:00 GM");
}

// ---------------------------------------------------------------- monotonic timers

using UtilMonotonic = Test;

// Waits `ms` milliseconds on poll() with no descriptors (restarting on
// EINTR with what is left, measured on CLOCK_MONOTONIC).
void PollWait(int ms) {
  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (int left = ms; left > 0;) {
    if (poll(nullptr, 0, left) == 0) return;
    ASSERT_EQ(errno, EINTR);
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    left = ms - static_cast<int>((now.tv_sec - start.tv_sec) * 1000 +
                                 (now.tv_nsec - start.tv_nsec) / 1000000);
  }
}

long long Usec(const timeval& tv) { return tv.tv_sec * 1000000LL + tv.tv_usec; }

const int kFlagSets[] = {0, EV_MONOT_PRECISE, EV_MONOT_FALLBACK, EV_MONOT_PRECISE | EV_MONOT_FALLBACK};

TEST_F(UtilMonotonic, NewGivesATimerThatFreeReleases) {
  EVC_RULE("util.h/evutil_monotonic_timer_new",
           "util.h: evutil_monotonic_timer_new allocates a timer for "
           "evutil_configure_monotonic_time and evutil_gettime_monotonic; each call gives "
           "another one, and evutil_monotonic_timer_free releases it");
  evutil_monotonic_timer* a = evutil_monotonic_timer_new();
  evutil_monotonic_timer* b = evutil_monotonic_timer_new();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  ASSERT_EQ(evutil_configure_monotonic_time(a, 0), 0);
  timeval tv{-1, -1};
  EXPECT_EQ(evutil_gettime_monotonic(a, &tv), 0);
  evutil_monotonic_timer_free(a);
  evutil_monotonic_timer_free(b);  // never configured: freeing is still allowed
}

TEST_F(UtilMonotonic, FreeOfNullDoesNothing) {
  EVC_RULE("util.h/evutil_monotonic_timer_free/null",
           "observed libevent 2.1.12 (evutil_time.c): evutil_monotonic_timer_free(NULL) checks "
           "for NULL and returns");
  EXPECT_IN_CHILD({ evutil_monotonic_timer_free(nullptr); });
}

TEST_F(UtilMonotonic, ConfigureAcceptsEachDocumentedFlagSet) {
  EVC_RULE("util.h/evutil_configure_monotonic_time",
           "util.h: evutil_configure_monotonic_time sets a timer up with flags among "
           "EV_MONOT_PRECISE and EV_MONOT_FALLBACK; observed libevent 2.1.12: 0 for none, each "
           "and both, and the timer then reads (0, tv_usec in [0, 1000000))");
  for (int flags : kFlagSets) {
    SCOPED_TRACE("flags " + std::to_string(flags));
    evutil_monotonic_timer* timer = evutil_monotonic_timer_new();
    ASSERT_NE(timer, nullptr);
    EXPECT_EQ(evutil_configure_monotonic_time(timer, flags), 0);
    timeval tv{-1, -1};
    EXPECT_EQ(evutil_gettime_monotonic(timer, &tv), 0);
    EXPECT_GE(tv.tv_usec, 0);
    EXPECT_LT(tv.tv_usec, 1000000);
    evutil_monotonic_timer_free(timer);
  }
}

TEST_F(UtilMonotonic, UnknownFlagBitsAreRefusedOrIgnored) {
  EVC_RULE("util.h/evutil_configure_monotonic_time/unknown-flags",
           "util.h documents only EV_MONOT_PRECISE and EV_MONOT_FALLBACK; observed libevent "
           "2.1.12: other bits (4, 0x100, -1) are ignored and it returns 0. Accepted: -1, or 0 and "
           "a timer that never runs backwards");
  for (int flags : {4, 0x100, -1}) {
    SCOPED_TRACE("flags " + std::to_string(flags));
    EXPECT_IN_CHILD({
      evutil_monotonic_timer* timer = evutil_monotonic_timer_new();
      ASSERT_NE(timer, nullptr);
      const int rc = evutil_configure_monotonic_time(timer, flags);
      EXPECT_TRUE(rc == 0 || rc == -1) << rc;
      timeval last{0, 0};
      for (int i = 0; rc == 0 && i < 50; ++i) {
        timeval now{};
        ASSERT_EQ(evutil_gettime_monotonic(timer, &now), 0);
        EXPECT_TRUE(evutil_timercmp(&last, &now, <=)) << i;
        last = now;
      }
      evutil_monotonic_timer_free(timer);
    });
  }
}

TEST_F(UtilMonotonic, TimeAdvancesAcrossAPollWait) {
  EVC_RULE("util.h/evutil_gettime_monotonic/advances",
           "util.h: evutil_gettime_monotonic measures elapsed time: across a 60 ms poll() "
           "timeout it advances by at least 60 ms less 20 ms of clock granularity "
           "(CLOCK_MONOTONIC_COARSE ticks), for each flag set");
  for (int flags : kFlagSets) {
    SCOPED_TRACE("flags " + std::to_string(flags));
    evutil_monotonic_timer* timer = evutil_monotonic_timer_new();
    ASSERT_NE(timer, nullptr);
    ASSERT_EQ(evutil_configure_monotonic_time(timer, flags), 0);
    timeval before{}, after{};
    ASSERT_EQ(evutil_gettime_monotonic(timer, &before), 0);
    PollWait(60);
    ASSERT_EQ(evutil_gettime_monotonic(timer, &after), 0);
    EXPECT_GE(Usec(after) - Usec(before), 40000) << Show(before) << " then " << Show(after);
    evutil_monotonic_timer_free(timer);
  }
}

TEST_F(UtilMonotonic, TwoTimersAreIndependent) {
  EVC_RULE("util.h/evutil_gettime_monotonic/two-timers",
           "util.h: each evutil_monotonic_timer is configured and read on its own: a precise and "
           "a fallback timer read alternately each never run backwards");
  evutil_monotonic_timer* precise = evutil_monotonic_timer_new();
  evutil_monotonic_timer* fallback = evutil_monotonic_timer_new();
  ASSERT_NE(precise, nullptr);
  ASSERT_NE(fallback, nullptr);
  ASSERT_EQ(evutil_configure_monotonic_time(precise, EV_MONOT_PRECISE), 0);
  ASSERT_EQ(evutil_configure_monotonic_time(fallback, EV_MONOT_FALLBACK), 0);
  timeval last_p{0, 0}, last_f{0, 0};
  for (int i = 0; i < 100; ++i) {
    timeval p{}, f{};
    ASSERT_EQ(evutil_gettime_monotonic(precise, &p), 0);
    ASSERT_EQ(evutil_gettime_monotonic(fallback, &f), 0);
    EXPECT_TRUE(evutil_timercmp(&last_p, &p, <=)) << i;
    EXPECT_TRUE(evutil_timercmp(&last_f, &f, <=)) << i;
    last_p = p;
    last_f = f;
  }
  evutil_monotonic_timer_free(precise);
  evutil_monotonic_timer_free(fallback);
}

// A call given a NULL timer or timeval: libevent dereferences it (SIGSEGV);
// failing with -1 is the other acceptable answer. Never a success.
void ExpectMinusOneOrCrash(const char* what, const std::function<int()>& call) {
  ExpectAnswerOrCrash(what, call, -1);
}

TEST_F(UtilMonotonic, NullTimerOrTimevalIsNeverASuccess) {
  EVC_RULE("util.h/evutil_gettime_monotonic/null",
           "observed libevent 2.1.12: evutil_configure_monotonic_time(NULL, flags), "
           "evutil_gettime_monotonic(NULL, tv) and evutil_gettime_monotonic(timer, NULL) "
           "dereference the NULL (SIGSEGV); not documented inputs. Accepted: that crash or -1");
  ExpectMinusOneOrCrash("configure(NULL)", [] { return evutil_configure_monotonic_time(nullptr, 0); });
  ExpectMinusOneOrCrash("gettime(NULL, tv)", [] {
    timeval tv;
    return evutil_gettime_monotonic(nullptr, &tv);
  });
  for (int flags : {0, EV_MONOT_FALLBACK}) {
    ExpectMinusOneOrCrash("gettime(timer, NULL)", [flags] {
      evutil_monotonic_timer* timer = evutil_monotonic_timer_new();
      if (timer == nullptr || evutil_configure_monotonic_time(timer, flags) != 0) return 0;
      const int rc = evutil_gettime_monotonic(timer, nullptr);
      evutil_monotonic_timer_free(timer);  // the child's exit is leak-checked under memcheck
      return rc;
    });
  }
}

}  // namespace
}  // namespace evc
