// Shared support for every conformance test. Nothing here includes an
// <event2/...> header, so it is compiled once and linked into every
// implementation's binaries.
#ifndef EVC_TEST_H
#define EVC_TEST_H

#include <gtest/gtest.h>

#include <sys/time.h>
#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

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

// ------------------------------------------------------------ child runs
// A sweep of bad inputs runs each value in a forked child, so that a crash,
// an uncaught exception or a hang on one value is reported as that value's
// result and the sweep goes on.

// How a child ended.
struct ChildEnd {
  enum Kind { kExited, kSignalled, kTimedOut, kNotStarted };
  Kind kind = kNotStarted;
  int code = 0;      // the exit status, or the signal number
  std::string note;  // what the child said before dying (an exception's type)
  std::string Describe() const;
};

// Runs body in a forked child and waits for it at most timeout_ms (then
// kills it). The child exits 0 when body returns without recording a
// GoogleTest failure and 1 when it recorded one (its messages are printed by
// the child, with the parent's SCOPED_TRACEs); a C++ exception escaping
// body is noted and the child aborts. The child never runs the parent's
// teardown: it ends with _exit. Objects that hold kernel state shared with
// the parent (an event_base's epoll fd) must be made inside body.
ChildEnd RunInChild(const std::function<void()>& body, int timeout_ms = 3000);

// Success when the child exited 0; otherwise says how it ended.
::testing::AssertionResult EndedCleanly(const ChildEnd& end);

// A NULL argument that libevent 2.1.12 dereferences without a check (the
// header does not document NULL there): the call runs in a child, and
// either that crash or the answer a check would give (want) is accepted,
// never another answer, a hang or an exception. The gate counts the crash
// under AddressSanitizer (its report): see harness/expectations.
template <typename Call, typename T>
void ExpectAnswerOrCrash(const std::string& what, Call call, T want) {
  const ChildEnd end = RunInChild([&] { EXPECT_EQ(call(), want) << what; });
  EXPECT_TRUE((end.kind == ChildEnd::kExited && end.code == 0) ||
              end.kind == ChildEnd::kSignalled)
      << what << ": " << end.Describe();
}
// The same for a call with no answer: it returns or crashes.
template <typename Call>
void ExpectReturnOrCrash(const std::string& what, Call call) {
  ExpectAnswerOrCrash(what, [&] { return call(), 0; }, 0);
}

// EXPECT_IN_CHILD({ ...statements... }): the statements run in a child
// under the default time bound; the test fails if it crashed, hung, threw
// or recorded a failure.
#define EXPECT_IN_CHILD(...)                                                             \
  switch (0)                                                                             \
  case 0:                                                                                \
  default:                                                                               \
    if (const ::testing::AssertionResult evc_child_end_ =                                \
            ::evc::EndedCleanly(::evc::RunInChild([&] __VA_ARGS__)))                     \
      ;                                                                                  \
    else                                                                                 \
      ADD_FAILURE() << evc_child_end_.message()

// The extreme values the bad-input sweeps use, each with a printable name.
template <typename T>
struct Named {
  std::string name;
  T value;
};

// Descriptor numbers no test opened: -1, -2, INT_MIN (negative), and
// INT_MAX, INT_MAX/2, a just-closed descriptor, 1 << 20 (not open).
std::vector<Named<int>> NegativeFds();
std::vector<Named<int>> UnopenedFds();

// Timeouts outside the normal range: tv_sec negative or at the limits of
// int and time_t (tv_usec 0); tv_usec negative, of a second or more, or at
// the limits of suseconds_t (tv_sec 0); and both together.
std::vector<Named<timeval>> ExtremeSeconds();
std::vector<Named<timeval>> ExtremeMicroseconds();
std::vector<Named<timeval>> ExtremeTimeouts();  // all of the above

}  // namespace evc

// Records the rule a test checks; the harness copies it into the report.
// EVC_RULE("<id>", "<text>"): the rule's stable id, <header>/<symbol>[/<aspect>]
// (e.g. "listener.h/LEV_OPT_CLOSE_ON_FREE"; the scheme is in docs/rules.md,
// "Rule ids"), and its text, citing the header line, the book chapter, or the
// observed libevent 2.1.12 behaviour being checked. Both are string literals,
// and one id is one rule: every test with that id states it in the same words.
// `python3 -m evconform.rules --check` (CTest: toolkit.rules.ids) holds every
// conformance test to this. The property suites give ids too (their rules
// are models of several calls: aspect "...-model"); the one-argument form
// EVC_RULE("<text>") is still accepted there.
#define EVC_RULE(...) EVC_RULE_PICK_(__VA_ARGS__, EVC_RULE_ID_, EVC_RULE_TEXT_, unused)(__VA_ARGS__)
#define EVC_RULE_PICK_(a, b, name, ...) name
#define EVC_RULE_ID_(id, text) \
  (::testing::Test::RecordProperty("rule_id", id), ::testing::Test::RecordProperty("rule", text))
#define EVC_RULE_TEXT_(text) ::testing::Test::RecordProperty("rule", text)

#endif  // EVC_TEST_H
