// The poll backend: the interest set is an array of pollfd handed to poll(2)
// on every wait; slot_[fd] finds an fd's entry in constant time.
#include <poll.h>

#include <cerrno>
#include <new>

#include "backend.h"
#include "thread.h"

namespace evref {
namespace {

class Poll final : public Backend {
 public:
  int change(int fd, short, short after) noexcept override {
    if (fd < 0) {
      errno = EBADF;
      return -1;
    }
    // The loop only passes fds its own table could hold; memory can still
    // run out, which is a failure to report, not to throw.
    try {
      if (static_cast<size_t>(fd) >= slot_.size()) slot_.resize(fd + 1, -1);
      if (slot_[fd] < 0 && after != 0) fds_.reserve(fds_.size() + 1);
    } catch (const std::bad_alloc&) {
      errno = ENOMEM;
      return -1;
    }
    int& slot = slot_[fd];
    if (after == 0) {
      if (slot >= 0) remove(slot);
      return 0;
    }
    short events = 0;
    if (after & kIoRead) events |= POLLIN;
    if (after & kIoWrite) events |= POLLOUT;
    if (after & kIoClosed) events |= POLLRDHUP;
    if (slot < 0) {
      slot = static_cast<int>(fds_.size());
      fds_.push_back(pollfd{fd, events, 0});
    } else {
      fds_[slot].events = events;
    }
    return 0;
  }

  int wait(Micros timeout, std::vector<Ready>& out, void* lock) noexcept override {
    // As in the epoll backend: room for every fd before polling.
    if (!reserve_ready(out, fds_.size())) return -1;
    std::vector<pollfd>& polled = lock ? copy_ : fds_;
    if (lock && !copy_of_interest()) return -1;
    int n;
    {
      thread::Unlocked unlocked(lock);
      n = poll(polled.data(), polled.size(), timeout_millis(timeout));
    }
    if (n < 0) return errno == EINTR ? 0 : -1;
    for (const pollfd& p : polled) {
      if (p.revents == 0) continue;
      short what = 0;
      // Errors, hang-ups and closed fds wake both directions (libevent's
      // poll.c does the same).
      if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) what |= kIoRead | kIoWrite;
      if (p.revents & POLLIN) what |= kIoRead;
      if (p.revents & POLLOUT) what |= kIoWrite;
      if (p.revents & POLLRDHUP) what |= kIoClosed;
      out.push_back(Ready{p.fd, what});
    }
    return 0;
  }

 private:
  // With a lock, other threads change fds_ while poll() runs, so poll()
  // gets a copy (libevent's poll.c keeps event_set_copy for this).
  bool copy_of_interest() noexcept {
    try {
      copy_ = fds_;
    } catch (const std::bad_alloc&) {
      errno = ENOMEM;
      return false;
    }
    return true;
  }

  // Moves the last entry into the hole so the array stays dense.
  void remove(int index) {
    slot_[fds_[index].fd] = -1;
    if (static_cast<size_t>(index) + 1 != fds_.size()) {
      fds_[index] = fds_.back();
      slot_[fds_[index].fd] = index;
    }
    fds_.pop_back();
  }

  std::vector<pollfd> fds_;
  std::vector<int> slot_;  // fd -> index in fds_, -1 when absent
  std::vector<pollfd> copy_;  // what poll() reads when the base has a lock
};

}  // namespace

std::unique_ptr<Backend> make_poll_backend() { return std::make_unique<Poll>(); }

}  // namespace evref
