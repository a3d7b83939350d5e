// Shared support for every conformance test. Nothing here includes an
// <event2/...> header, so it is compiled once and linked into every
// implementation's binaries.
#ifndef EVC_TEST_H
#define EVC_TEST_H

#include <gtest/gtest.h>

#include <sys/types.h>

#include <map>
#include <string>

namespace evc {

// The open file descriptors of this process (pid 0) or of another one:
// fd number -> what it points at.
std::map<int, std::string> OpenFds(pid_t pid = 0);

// Base fixture: proves the world is clean after each test. Any file
// descriptor opened during the test and still open at the end (a leaked
// socket or pipe of the implementation, or of the test) fails the test.
class Test : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

 private:
  std::map<int, std::string> fds_before_;
};

}  // namespace evc

// Records the rule a test checks; the harness copies it into the report.
// Cite the header line, the book chapter, or the observed libevent 2.1.12
// behaviour being checked.
#define EVC_RULE(text) ::testing::Test::RecordProperty("rule", text)

#endif  // EVC_TEST_H
