// event_reinit: a base used on both sides of fork(). After fork the child's
// base shares its kernel objects (an epoll instance, the signal pipe) with
// the parent's, so what one process changes the other suffers; event_reinit
// gives the child its own and registers every added event again.
//
// Each test runs in a child of the test process (RunInChild), which plays
// the parent and forks again: the base and its fds are made there, never
// in the test process.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>

#include "event_fixture.h"

namespace evc {
namespace {

using EventFork = Test;

// Forks. The child waits until the parent has run before_release, then
// runs child and exits with what it returns (an alarm ends a child that
// hangs). The parent returns the child's exit status, or -1 when it did not
// exit.
int ForkAndRelease(const std::function<int()>& child, const std::function<void()>& before_release) {
  int sync[2];
  if (pipe(sync) != 0) return -1;
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    alarm(5);
    close(sync[1]);
    char byte;
    const bool released = read(sync[0], &byte, 1) == 1;
    close(sync[0]);
    const int code = released ? child() : 3;
    std::fflush(stdout);
    _exit(code);
  }
  close(sync[0]);
  before_release();
  if (write(sync[1], "go", 1) != 1) ADD_FAILURE() << "could not release the child";
  close(sync[1]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// What a base watches in these tests: a persistent read event, a signal
// event (raised by the read callback, from inside the loop, so that the
// loop is the one woken), and a timer. The loop stops once all three ran,
// or after 2 s.
struct Watched {
  event_base* base = nullptr;
  SocketPair* sp = nullptr;
  Probe io, sig, timer;
  event* io_ev = nullptr;
  event* sig_ev = nullptr;
  event* timer_ev = nullptr;

  Watched(event_base* b, SocketPair& pair) : base(b), sp(&pair) {
    io.name = "io";
    sig.name = "signal";
    timer.name = "timer";
    io.action = [this](Probe& self) {
      SocketPair::Drain(sp->fd[0]);
      if (self.calls == 1) raise(SIGUSR1);
      StopWhenAllRan();
    };
    sig.action = timer.action = [this](Probe&) { StopWhenAllRan(); };
    io_ev = event_new(base, sp->fd[0], EV_READ | EV_PERSIST, Probe::Callback, &io);
    sig_ev = evsignal_new(base, SIGUSR1, Probe::Callback, &sig);
    timer_ev = evtimer_new(base, Probe::Callback, &timer);
  }
  void StopWhenAllRan() {
    if (io.calls && sig.calls && timer.calls) event_base_loopbreak(base);
  }
  void Add(int timer_ms = 50) {
    const timeval tv = Ms(timer_ms);
    EXPECT_EQ(event_add(io_ev, nullptr), 0);
    EXPECT_EQ(event_add(sig_ev, nullptr), 0);
    EXPECT_EQ(event_add(timer_ev, &tv), 0);
  }
  // Makes the socket readable and loops until everything ran (or 2 s).
  void RunAndExpectAll() {
    const timeval guard = Ms(2000);
    ASSERT_EQ(event_base_loopexit(base, &guard), 0);
    sp->MakeReadable();
    EXPECT_EQ(event_base_dispatch(base), 0);
    EXPECT_GE(io.calls, 1) << "the fd event";
    EXPECT_EQ(sig.calls, 1) << "the signal event";
    EXPECT_EQ(timer.calls, 1) << "the timer";
  }
  void Free() {
    for (event* ev : {io_ev, sig_ev, timer_ev})
      if (ev) event_free(ev);
    io_ev = sig_ev = timer_ev = nullptr;
    event_base_free(base);
    base = nullptr;
  }
};

TEST_F(EventFork, ChildBaseRunsItsEventsAfterReinit) {
  EVC_RULE("event.h/event_reinit",
           "event.h: 'Reinitialize the event base after a fork' (0 if successful, -1 if some "
           "events could not be re-added): in the child, an fd event, a signal event and a "
           "timer added before fork() all run, "
           "though the parent deleted its copies of them and freed its base right after the "
           "fork (with the kernel objects still shared, that would leave the child deaf)");
  const auto body = [] {
    SocketPair sp;
    ASSERT_TRUE(sp.ok());
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    Watched w(base, sp);
    w.Add(100);
    const int child = ForkAndRelease(
        [&] {
          EXPECT_EQ(event_reinit(w.base), 0);
          w.RunAndExpectAll();
          w.Free();
          return ::testing::Test::HasFailure() ? 1 : 0;
        },
        [&] { w.Free(); });
    EXPECT_EQ(child, 0) << "the child's base did not run its events (see its messages)";
  };
  EXPECT_TRUE(EndedCleanly(RunInChild(body, 8000)));
}

TEST_F(EventFork, ChildReinitLeavesTheParentsBaseAlone) {
  EVC_RULE("event.h/event_reinit/parent-unaffected",
           "event.h: event_reinit gives the child's base kernel state of its own: a child that "
           "reinitializes, then deletes its events and frees its base, leaves the parent's "
           "base as it was: the parent's fd event, signal event and timer still run");
  const auto body = [] {
    SocketPair sp;
    ASSERT_TRUE(sp.ok());
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    Watched w(base, sp);
    w.Add(300);
    const int child = ForkAndRelease(
        [&] {
          EXPECT_EQ(event_reinit(w.base), 0);
          w.Free();
          return ::testing::Test::HasFailure() ? 1 : 0;
        },
        [] {});
    EXPECT_EQ(child, 0);
    w.RunAndExpectAll();
    w.Free();
  };
  EXPECT_TRUE(EndedCleanly(RunInChild(body, 8000)));
}

TEST_F(EventFork, ReinitWithoutForkKeepsEverythingWorking) {
  EVC_RULE("event.h/event_reinit/no-fork",
           "event.h: event_reinit on a base that was not forked returns 0 (twice in a row too) "
           "and the base goes on as before: its fd event, signal event and timer run; an event "
           "deleted afterwards does not, one added afterwards does");
  const auto body = [] {
    SocketPair sp, other;
    ASSERT_TRUE(sp.ok() && other.ok());
    event_base* base = event_base_new();
    ASSERT_NE(base, nullptr);
    Watched w(base, sp);
    Probe gone, added;
    gone.name = "deleted";
    added.name = "added";
    event* gone_ev = event_new(base, other.fd[0], EV_READ | EV_PERSIST, Probe::Callback, &gone);
    event* added_ev = event_new(base, other.fd[0], EV_WRITE, Probe::Callback, &added);
    w.Add();
    ASSERT_EQ(event_add(gone_ev, nullptr), 0);
    EXPECT_EQ(event_reinit(base), 0);
    EXPECT_EQ(event_reinit(base), 0);
    ASSERT_EQ(event_del(gone_ev), 0);
    ASSERT_EQ(event_add(added_ev, nullptr), 0);
    other.MakeReadable();
    w.RunAndExpectAll();
    EXPECT_EQ(gone.calls, 0);
    EXPECT_EQ(added.calls, 1);
    event_free(gone_ev);
    event_free(added_ev);
    w.Free();
  };
  EXPECT_TRUE(EndedCleanly(RunInChild(body, 8000)));
}

}  // namespace
}  // namespace evc
