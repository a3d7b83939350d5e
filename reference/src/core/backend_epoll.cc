// The epoll backend: one epoll instance; the kernel keeps the interest set.
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <new>

#include "backend.h"
#include "thread.h"

namespace evref {
namespace {

uint32_t to_epoll(short what) {
  uint32_t e = 0;
  if (what & kIoRead) e |= EPOLLIN;
  if (what & kIoWrite) e |= EPOLLOUT;
  if (what & kIoClosed) e |= EPOLLRDHUP;
  if (what & kIoEdge) e |= EPOLLET;
  return e;
}

class Epoll final : public Backend {
 public:
  explicit Epoll(int epfd) : epfd_(epfd), events_(32) {}
  ~Epoll() override { close(epfd_); }

  int change(int fd, short before, short after) noexcept override {
    epoll_event ev{};
    ev.events = to_epoll(after);
    ev.data.fd = fd;
    if (after == 0) {
      // The fd may already be closed, which removed it from the epoll set:
      // deleting it again is not an error for the caller.
      if (epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev) == 0 || errno == ENOENT || errno == EBADF)
        return 0;
      return -1;
    }
    int op = before == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (epoll_ctl(epfd_, op, fd, &ev) == 0) return 0;
    // Closing an fd drops it from the set silently, and a dup'd fd can still
    // be in it: retry with the other operation, as libevent's epoll.c does.
    if (op == EPOLL_CTL_MOD && errno == ENOENT) op = EPOLL_CTL_ADD;
    else if (op == EPOLL_CTL_ADD && errno == EEXIST) op = EPOLL_CTL_MOD;
    else return -1;
    return epoll_ctl(epfd_, op, fd, &ev);
  }

  int wait(Micros timeout, std::vector<Ready>& out, void* lock) noexcept override {
    // Room for a full batch first: readiness taken from the kernel and then
    // dropped for want of memory would lose edge-triggered wake-ups. Without
    // memory the wait fails before it takes anything (-1, ENOMEM), as
    // libevent's dispatch does when it cannot grow its arrays.
    if (!reserve_ready(out, events_.size())) return -1;
    int n;
    {
      // epoll_ctl from another thread meanwhile is safe; events_ is ours.
      thread::Unlocked unlocked(lock);
      n = epoll_wait(epfd_, events_.data(), static_cast<int>(events_.size()), timeout_millis(timeout));
    }
    if (n < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < n; ++i) {
      const uint32_t e = events_[i].events;
      short what = 0;
      // An error, or a hang-up that is not a peer's orderly close, wakes
      // both directions: the next read or write reports it to the user.
      // A close with EPOLLRDHUP is reported as what it is (EV_CLOSED with
      // EV_READ), as libevent 2.1.12's epoll.c does.
      if ((e & EPOLLERR) || ((e & EPOLLHUP) && !(e & EPOLLRDHUP))) {
        what = kIoRead | kIoWrite;
      } else {
        if (e & EPOLLIN) what |= kIoRead;
        if (e & EPOLLOUT) what |= kIoWrite;
        if (e & EPOLLRDHUP) what |= kIoClosed;
      }
      out.push_back(Ready{events_[i].data.fd, what});
    }
    // A full batch suggests more are waiting: grow for the next wait.
    // Growing is an optimisation: without memory the batch stays as it is.
    if (n == static_cast<int>(events_.size()) && events_.size() < 4096) {
      try {
        events_.resize(events_.size() * 2);
      } catch (const std::bad_alloc&) {
      }
    }
    return 0;
  }

 private:
  int epfd_;
  std::vector<epoll_event> events_;
};

}  // namespace

std::unique_ptr<Backend> make_epoll_backend() {
  const int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return nullptr;
  try {
    return std::make_unique<Epoll>(epfd);
  } catch (const std::bad_alloc&) {
    // The epoll fd is ours until Epoll owns it. Like libevent's epoll_init
    // when its calloc fails: close it and let the next method be tried.
    close(epfd);
    return nullptr;
  }
}

}  // namespace evref
