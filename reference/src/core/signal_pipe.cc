#include "signal_pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace evref {
namespace {

// Shared with the async-signal handler: lock-free atomics only.
std::atomic<int> g_wake_fd{-1};
std::atomic<unsigned> g_counts[SignalPipe::kMaxSignal];

static_assert(std::atomic<int>::is_always_lock_free, "signal-safe wake fd");
static_assert(std::atomic<unsigned>::is_always_lock_free, "signal-safe counters");

// Internal linkage (no extern "C": GCC gives an extern "C" function in an
// unnamed namespace a global symbol, which a static link of the library
// would put beside a program's own on_signal).
void on_signal(int signo) {
  const int saved_errno = errno;
  g_counts[signo].fetch_add(1, std::memory_order_relaxed);
  const int fd = g_wake_fd.load(std::memory_order_relaxed);
  if (fd >= 0) {
    const char byte = static_cast<char>(signo);
    // A full pipe already guarantees a wake-up; the count is what matters.
    if (write(fd, &byte, 1) < 0) {
    }
  }
  errno = saved_errno;
}

}  // namespace

SignalPipe::~SignalPipe() {
  for (int signo = 1; signo < kMaxSignal; ++signo)
    if (caught_here_[signo]) restore(signo);
  if (fds_[1] >= 0) {
    int expected = fds_[1];
    g_wake_fd.compare_exchange_strong(expected, -1);
    close(fds_[0]);
    close(fds_[1]);
  }
}

int SignalPipe::open() noexcept {
  if (fds_[0] >= 0) return fds_[0];
  if (pipe2(fds_, O_NONBLOCK | O_CLOEXEC) != 0) {
    fds_[0] = fds_[1] = -1;
    return -1;
  }
  return fds_[0];
}

int SignalPipe::reopen() noexcept {
  if (fds_[0] < 0) return 0;
  int old = fds_[1];
  const bool was_target = g_wake_fd.compare_exchange_strong(old, -1);
  close(fds_[0]);
  close(fds_[1]);
  fds_[0] = fds_[1] = -1;
  for (int signo = 1; signo < kMaxSignal; ++signo)
    if (caught_here_[signo]) take_count(signo);
  if (open() < 0) return -1;
  if (was_target) g_wake_fd.store(fds_[1]);
  return 0;
}

void SignalPipe::receive_here() noexcept {
  if (fds_[1] >= 0) g_wake_fd.store(fds_[1]);
}

int SignalPipe::catch_signal(int signo) noexcept {
  if (signo <= 0 || signo >= kMaxSignal || open() < 0) return -1;
  g_wake_fd.store(fds_[1]);
  if (caught_here_[signo]) return 0;
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigfillset(&sa.sa_mask);
  // Counts from before this base watched the signal belong to nobody.
  g_counts[signo].store(0);
  if (sigaction(signo, &sa, &saved_[signo]) != 0) return -1;
  caught_here_[signo] = true;
  return 0;
}

void SignalPipe::restore(int signo) noexcept {
  if (signo <= 0 || signo >= kMaxSignal || !caught_here_[signo]) return;
  sigaction(signo, &saved_[signo], nullptr);
  caught_here_[signo] = false;
}

void SignalPipe::empty_pipe() noexcept {
  char sink[256];
  while (read(fds_[0], sink, sizeof sink) > 0) {
  }
}

unsigned SignalPipe::take_count(int signo) noexcept {
  return g_counts[signo].exchange(0, std::memory_order_relaxed);
}

}  // namespace evref
