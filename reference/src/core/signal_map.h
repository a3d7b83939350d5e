// evref::SignalMap — the signal events of a base, listed per signal
// number, and the self-pipe (SignalPipe) that brings caught signals into
// the loop. The pipe is opened and watched on the first signal event.
#ifndef EVREF_CORE_SIGNAL_MAP_H
#define EVREF_CORE_SIGNAL_MAP_H

#include <vector>

#include "backend.h"
#include "event_types.h"
#include "signal_pipe.h"

namespace evref {

class SignalMap {
 public:
  // Links ev (its fd is the signal number) and catches the signal; -1 for
  // a number outside 1..NSIG-1 or when the pipe or handler cannot be set.
  int insert(Event& ev, Backend& backend) noexcept;
  // Unlinks ev; the last event of a signal gives back its old disposition.
  void remove(Event& ev) noexcept;
  Event* events(int signo) const noexcept {
    return signo > 0 && static_cast<size_t>(signo) < heads_.size() ? heads_[signo] : nullptr;
  }
  size_t size() const noexcept { return n_; }
  // Whether fd is the pipe this map watches.
  bool is_pipe(int fd) const noexcept { return watched_ && fd == pipe_.read_fd(); }
  // Calls each(signo, count) for the signals caught since the last drain.
  template <class F>
  void drain(F&& each) noexcept {
    pipe_.drain(each);
  }
  // event_reinit: a new pipe (the old one is shared with the parent after
  // fork), watched by the new backend; 0 when the map never had a pipe.
  int reinit(Backend& backend) noexcept;
  // Makes this base the one woken by signals (libevent's evsig_set_base_).
  void receive_here() noexcept {
    if (n_ != 0) pipe_.receive_here();
  }
  const char* check_invariants() const noexcept;

 private:
  SignalPipe pipe_;
  bool watched_ = false;
  std::vector<Event*> heads_;  // by signal number
  size_t n_ = 0;               // events listed
};

}  // namespace evref

#endif  // EVREF_CORE_SIGNAL_MAP_H
