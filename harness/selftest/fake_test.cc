// A fake "implementation under test" for the harness self-tests: one test per
// outcome the harness must classify.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

TEST(Fake, Passes) {
  RecordProperty("rule", "fake rule text");
  EXPECT_EQ(1 + 1, 2);
}

// Fails on every third run in one process (--gtest_repeat): a flake.
TEST(Fake, FailsEveryThirdRun) {
  static int runs = 0;
  EXPECT_NE(++runs % 3, 0) << "deliberate flake";
}

TEST(Fake, Fails) { EXPECT_EQ(1 + 1, 3) << "deliberate failure"; }

TEST(Fake, Crashes) { std::raise(SIGSEGV); }

TEST(Fake, Aborts) { std::abort(); }

TEST(Fake, Hangs) {
  // Blocks forever without sleeping: a read on a pipe nobody writes to.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  char c;
  (void)read(fds[0], &c, 1);
}

TEST(Fake, Skips) { GTEST_SKIP() << "needs:nothing: deliberate skip"; }

TEST(Fake, ExitsEarly) { std::_Exit(3); }

TEST(Fake, LeaksMemory) {
  // A definite leak: passes natively, MEMERR under the harness's valgrind mode.
  volatile int* lost = new int[16];
  lost[0] = 1;
  lost = nullptr;
}

// Passes only in a backend column set up like libevent's: EVC_BACKEND names
// the method and every other method is disabled by EVENT_NO<METHOD>.
TEST(Fake, SeesItsBackendColumn) {
  const char* b = std::getenv("EVC_BACKEND");
  ASSERT_NE(b, nullptr);
  EXPECT_STREQ(b, "poll");
  EXPECT_NE(std::getenv("EVENT_NOEPOLL"), nullptr);
  EXPECT_NE(std::getenv("EVENT_NOSELECT"), nullptr);
  EXPECT_EQ(std::getenv("EVENT_NOPOLL"), nullptr);
}

// Batches (evconform/engine.py): tests whose result depends on an earlier
// test of the same process. SetsTheGlobal runs first in the suite's order.
static bool g_order_global_set = false;

TEST(FakeOrder, SetsTheGlobal) { g_order_global_set = true; }

// Passes in a process of its own; fails after SetsTheGlobal in one process.
TEST(FakeOrder, FailsAfterTheGlobalWasSet) { EXPECT_FALSE(g_order_global_set) << "leftover"; }

// Fails in a process of its own; passes after SetsTheGlobal in one process.
TEST(FakeOrder, PassesOnlyAfterTheGlobalWasSet) { EXPECT_TRUE(g_order_global_set) << "alone"; }

TEST(FakeOrder, Passes) {}
