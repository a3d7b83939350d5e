// main() of every conformance binary. The harness runs one test per process
// (--gtest_filter) under its own timeout, so a crash or hang is a result.
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
