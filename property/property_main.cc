// main() of every property binary. Unless RC_PARAMS is set, properties run
// with a fixed seed and a bounded number of cases, so the test run is
// reproducible; tools/run-properties --long sets RC_PARAMS for long
// randomized runs. A failure prints the shrunk counterexample and the
// RC_PARAMS="reproduce=..." string that replays it.
#include <gtest/gtest.h>

#include <cstdlib>

int main(int argc, char** argv) {
  setenv("RC_PARAMS", "seed=20261123 max_success=1000 max_size=100 verbose_progress=0", 0);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
