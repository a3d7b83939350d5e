// Signals into the event loop through a self-pipe.
//
// The handler only counts the signal and writes one byte to the pipe; the
// loop watches the pipe's read end like any fd. A signal that arrives while
// callbacks run (between two waits) leaves its byte in the pipe, so the next
// wait returns at once and the signal is not lost.
//
// Handlers are process-wide, so only one base at a time receives signals
// (the libevent book: with most backends "only one event_base will receive
// signals"). Which one is not specified; like libevent 2.1, it is the base
// that most recently added a signal event or started its loop with signal
// events added, so a base blocked in its loop is the one woken.
#ifndef EVREF_CORE_SIGNAL_PIPE_H
#define EVREF_CORE_SIGNAL_PIPE_H

#include <csignal>

namespace evref {

class SignalPipe {
 public:
  static constexpr int kMaxSignal = NSIG;  // valid signals are 1 .. NSIG-1

  SignalPipe() = default;
  ~SignalPipe();
  SignalPipe(const SignalPipe&) = delete;
  SignalPipe& operator=(const SignalPipe&) = delete;

  // The read end to watch, opening the pipe on first use; -1 on failure.
  int open() noexcept;
  int read_fd() const noexcept { return fds_[0]; }

  // event_reinit: closes this process's copy of the pipe and opens a new
  // one, which the handler writes to if it wrote to the old one. Counts
  // not yet drained are dropped with the old pipe's bytes, as in libevent,
  // whose child starts with an empty socketpair. 0 when it was never open.
  int reopen() noexcept;

  // Makes this pipe the one the handler writes to (receive_here), when open.
  void receive_here() noexcept;

  // Starts catching signo (saving the old action); stops and restores it.
  int catch_signal(int signo) noexcept;
  void restore(int signo) noexcept;

  // Empties the pipe and calls each(signo, count) for every signal caught
  // since the last drain.
  template <class F>
  void drain(F&& each) noexcept {
    empty_pipe();
    for (int signo = 1; signo < kMaxSignal; ++signo) {
      if (!caught_here_[signo]) continue;
      const unsigned n = take_count(signo);
      if (n != 0) each(signo, n);
    }
  }

 private:
  void empty_pipe() noexcept;
  static unsigned take_count(int signo) noexcept;

  int fds_[2] = {-1, -1};
  bool caught_here_[kMaxSignal] = {};
  struct sigaction saved_[kMaxSignal] = {};
};

}  // namespace evref

#endif  // EVREF_CORE_SIGNAL_PIPE_H
