#include "evc_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <sstream>
#include <typeinfo>

namespace evc {

std::map<int, std::string> OpenFds(pid_t pid) {
  std::map<int, std::string> fds;
  const std::string dir_path = pid == 0 ? "/proc/self/fd" : "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = opendir(dir_path.c_str());
  if (dir == nullptr) return fds;
  const int own = pid == 0 ? dirfd(dir) : -1;  // the listing's own fd is not the test's
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == own) continue;
    char target[512];
    std::string path = dir_path + "/" + e->d_name;
    ssize_t n = readlink(path.c_str(), target, sizeof(target) - 1);
    fds[static_cast<int>(fd)] = n > 0 ? std::string(target, static_cast<size_t>(n)) : "?";
  }
  closedir(dir);
  return fds;
}

void Test::SetUp() { fds_before_ = OpenFds(); }

void Test::TearDown() {
  std::map<int, std::string> after = OpenFds();
  std::ostringstream leaked;
  for (const auto& [fd, what] : after) {
    auto it = fds_before_.find(fd);
    if (it == fds_before_.end() || it->second != what) leaked << " " << fd << "->" << what;
  }
  EXPECT_TRUE(leaked.str().empty()) << "file descriptors left open by the test:" << leaked.str();
}

// ------------------------------------------------------------ child runs

namespace {

// Failures recorded so far by the running test (in this process).
int FailedParts() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return 0;
  const ::testing::TestResult* result = info->result();
  int failed = 0;
  for (int i = 0; i < result->total_part_count(); ++i)
    if (result->GetTestPartResult(i).failed()) ++failed;
  return failed;
}

[[noreturn]] void ChildMain(const std::function<void()>& body, int note_fd) {
  // A fault in the child ends it with its signal, as in a build without
  // sanitizers: AddressSanitizer would otherwise catch SIGSEGV, print and
  // symbolize a report (seconds in a large binary) and exit with status 1,
  // turning a crash some tests accept into a failure. Errors ASan detects
  // itself (use after free, overflows) are still reported as such.
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE}) signal(sig, SIG_DFL);
  const int failed_before = FailedParts();
  try {
    body();
  } catch (const std::exception& e) {
    const std::string note = std::string("threw ") + typeid(e).name() + ": " + e.what();
    (void)!write(note_fd, note.data(), note.size());
    std::abort();
  } catch (...) {
    (void)!write(note_fd, "threw a non-std exception", 25);
    std::abort();
  }
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(FailedParts() > failed_before ? 1 : 0);
}

double MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Waits until the child ends or the deadline passes: on a pidfd (readable
// when the child has exited) where the kernel has them, else on the note
// pipe (end of file when the child's copy of the write end closes).
bool WaitForEnd(pid_t pid, int note_fd, int timeout_ms) {
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  const double deadline = MonotonicMs() + timeout_ms;
  bool ended = false;
  for (;;) {
    const int left = static_cast<int>(deadline - MonotonicMs());
    if (left <= 0) break;
    pollfd p{pidfd >= 0 ? pidfd : note_fd, POLLIN, 0};
    const int n = poll(&p, 1, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (pidfd >= 0) {
      ended = true;
      break;
    }
    char sink[256];  // a note arrives before the end of file
    if (read(note_fd, sink, sizeof sink) <= 0) {
      ended = true;
      break;
    }
  }
  if (pidfd >= 0) close(pidfd);
  return ended;
}

}  // namespace

ChildEnd RunInChild(const std::function<void()>& body, int timeout_ms) {
  ChildEnd end;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return end;
  std::fflush(stdout);  // nothing buffered is printed twice
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return end;
  }
  if (pid == 0) {
    close(pipe_fds[0]);
    ChildMain(body, pipe_fds[1]);
  }
  close(pipe_fds[1]);
  // The note is written just before an abort; read it once the child is
  // gone (a pipe holds far more than one note).
  const bool ended = WaitForEnd(pid, pipe_fds[0], timeout_ms);
  if (!ended) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  char note[512];
  const ssize_t n = read(pipe_fds[0], note, sizeof note);
  if (n > 0) end.note.assign(note, static_cast<size_t>(n));
  close(pipe_fds[0]);
  if (!ended) {
    end.kind = ChildEnd::kTimedOut;
    end.code = timeout_ms;
  } else if (WIFSIGNALED(status)) {
    end.kind = ChildEnd::kSignalled;
    end.code = WTERMSIG(status);
  } else {
    end.kind = ChildEnd::kExited;
    end.code = WEXITSTATUS(status);
  }
  return end;
}

std::string ChildEnd::Describe() const {
  std::ostringstream out;
  switch (kind) {
    case kExited:
      out << "exited with status " << code;
      if (code == 1) out << " (the failures it recorded are printed above)";
      break;
    case kSignalled:
      out << "was killed by signal " << code << " (" << strsignal(code) << ")";
      break;
    case kTimedOut:
      out << "did not end within " << code << " ms (hang; killed)";
      break;
    case kNotStarted:
      out << "could not be started (fork or pipe failed)";
      break;
  }
  if (!note.empty()) out << "; it " << note;
  return out.str();
}

::testing::AssertionResult EndedCleanly(const ChildEnd& end) {
  if (end.kind == ChildEnd::kExited && end.code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the child " << end.Describe();
}

std::vector<Named<int>> NegativeFds() {
  return {{"-1", -1}, {"-2", -2}, {"INT_MIN", INT_MIN}};
}

std::vector<Named<int>> UnopenedFds() {
  // A copy of stdin at 100 or above, closed again: nothing the test does
  // before using the number reopens it (descriptors are reused lowest first).
  int closed = fcntl(0, F_DUPFD_CLOEXEC, 100);
  if (closed >= 0) close(closed);
  return {{"INT_MAX", INT_MAX},
          {"INT_MAX/2", INT_MAX / 2},
          {"a closed fd (" + std::to_string(closed) + ")", closed},
          {"1<<20", 1 << 20}};
}

std::vector<Named<timeval>> ExtremeSeconds() {
  return {{"{-1, 0}", {-1, 0}},
          {"{INT_MIN, 0}", {INT_MIN, 0}},
          {"{INT_MAX, 0}", {INT_MAX, 0}},
          {"{LONG_MAX / 1000000, 0}", {LONG_MAX / 1000000, 0}},
          {"{LONG_MAX, 0}", {LONG_MAX, 0}},
          {"{LONG_MIN, 0}", {LONG_MIN, 0}},
          {"{LONG_MAX, 999999}", {LONG_MAX, 999999}}};
}

std::vector<Named<timeval>> ExtremeMicroseconds() {
  return {{"{0, -1}", {0, -1}},
          {"{0, 1000000}", {0, 1000000}},
          {"{0, LONG_MAX}", {0, LONG_MAX}},
          {"{0, LONG_MIN}", {0, LONG_MIN}},
          {"{LONG_MAX, LONG_MAX}", {LONG_MAX, LONG_MAX}}};
}

std::vector<Named<timeval>> ExtremeTimeouts() {
  std::vector<Named<timeval>> all = ExtremeSeconds();
  for (auto& t : ExtremeMicroseconds()) all.push_back(t);
  return all;
}

}  // namespace evc
