// White-box tests of the event core's parts (TimerHeap, ActiveQueues, FdMap,
// SignalMap) and of the Base that joins them: random sequences of event
// operations (fixed seeds) with every part's invariants checked after each
// step. They use the core directly, so they run on the reference only.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <random>
#include <vector>

#include "active_queues.h"
#include "event_base.h"
#include "timer_heap.h"

namespace {

using evref::ActiveQueues;
using evref::Base;
using evref::Event;
using evref::Micros;
using evref::TimerHeap;

TEST(TimerHeap, PopsInDeadlineThenInsertionOrder) {
  std::mt19937 rng(7);
  std::vector<Event> evs(200);
  TimerHeap heap;
  for (size_t i = 0; i < evs.size(); ++i) {
    evs[i].deadline = static_cast<Micros>(rng() % 20);  // many equal deadlines
    evs[i].seq = i;
    evs[i].state = Event::kTimerSet;
    ASSERT_TRUE(heap.push(evs[i]));
    ASSERT_EQ(heap.check_invariants(), nullptr);
  }
  for (size_t i = 0; i < evs.size(); i += 3) {  // remove from the middle
    heap.remove(evs[i]);
    evs[i].state = 0;
    ASSERT_EQ(heap.check_invariants(), nullptr);
  }
  Micros last_deadline = -1;
  uint64_t last_seq = 0;
  while (!heap.empty()) {
    Event& top = heap.top();
    EXPECT_TRUE(top.deadline > last_deadline || (top.deadline == last_deadline && top.seq > last_seq));
    last_deadline = top.deadline;
    last_seq = top.seq;
    heap.remove(top);
    top.state = 0;
    ASSERT_EQ(heap.check_invariants(), nullptr);
  }
}

TEST(ActiveQueues, KeepsEachPriorityFirstInFirstOut) {
  ActiveQueues q;
  ASSERT_TRUE(q.reset(3));
  std::vector<Event> evs(9);
  for (size_t i = 0; i < evs.size(); ++i) {
    evs[i].priority = static_cast<int>(i % 3);
    q.push(evs[i]);
    ASSERT_EQ(q.check_invariants(), nullptr);
  }
  EXPECT_FALSE(q.reset(2)) << "only while no event is queued";
  q.remove(evs[3]);  // the middle of priority 0
  ASSERT_EQ(q.check_invariants(), nullptr);
  int priority = -1;
  ActiveQueues::Queue* first = q.first_nonempty(&priority);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(priority, 0);
  EXPECT_EQ(first->head, &evs[0]);
  EXPECT_EQ(first->head->active_next, &evs[6]);
  EXPECT_EQ(q.size(), 8u);
}

// Counts the callbacks of one loop call and breaks the loop after a few:
// a persistent event that stays ready would otherwise keep a lower
// priority waiting for ever, as in libevent.
struct Counter {
  Base* base;
  int calls;
};
void Count(int, short, void* arg) {
  Counter* c = static_cast<Counter*>(arg);
  if (++c->calls >= 16) c->base->loopbreak();
}

// Random add / del / activate / timer / priority / loop steps on events
// spread over a few socket pairs, timers and two signals, checking the
// whole base after every step.
class BaseModel : public ::testing::TestWithParam<unsigned> {};

TEST_P(BaseModel, PartsStayConsistentUnderRandomOperations) {
  std::mt19937 rng(GetParam());
  Base base(Base::Options{});
  ASSERT_TRUE(base.ok());
  ASSERT_EQ(base.priority_init(3), 0);
  int fds[3][2];
  for (auto& sv : fds) ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  std::vector<Event> evs(24);
  Counter counter{&base, 0};
  for (size_t i = 0; i < evs.size(); ++i) {
    const int kind = static_cast<int>(i % 4);
    const int fd = kind == 3 ? (i % 8 == 3 ? SIGUSR1 : SIGUSR2) : kind == 2 ? -1 : fds[i % 3][0];
    const short what = kind == 3   ? evref::kSignal | evref::kPersist
                       : kind == 2 ? 0
                                   : static_cast<short>((i % 2 ? evref::kRead : evref::kWrite) |
                                                        (i % 5 == 0 ? evref::kPersist : 0));
    ASSERT_EQ(Base::assign(evs[i], &base, fd, what, Count, &counter), 0);
  }
  for (int step = 0; step < 3000; ++step) {
    Event& ev = evs[rng() % evs.size()];
    const Micros timeout = static_cast<Micros>(rng() % 3000);
    switch (rng() % 7) {
      case 0: base.add(ev, nullptr, false); break;
      case 1: base.add(ev, &timeout, false); break;
      case 2: base.del(ev); break;
      case 3: base.activate(ev, evref::kRead, 1); break;
      case 4: base.set_priority(ev, static_cast<int>(rng() % 3)); break;
      case 5: base.remove_timer(ev); break;
      default:
        if (rng() % 2) ASSERT_EQ(write(fds[rng() % 3][1], "x", 1), 1);
        counter.calls = 0;
        base.loop(evref::kLoopOnce | evref::kLoopNonblock);
        break;
    }
    const char* bad = base.check_invariants();
    ASSERT_EQ(bad, nullptr) << bad << " after step " << step;
  }
  for (Event& ev : evs) base.del(ev);
  EXPECT_EQ(base.check_invariants(), nullptr);
  for (auto& sv : fds) {
    close(sv[0]);
    close(sv[1]);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, BaseModel, ::testing::Values(1u, 2u, 3u, 4u));

// event_reinit (issue 19) swaps the backend and the signal pipe only: the
// parts keep their events, active ones stay active, the counts stay, and
// the new backend watches every fd again (the fd event runs afterwards).
TEST(BaseReinit, KeepsThePartsAndWatchesEveryFdAgain) {
  Base base(Base::Options{});
  ASSERT_TRUE(base.ok());
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  Counter counter{&base, 0};
  Event io, sig, timer, active;
  ASSERT_EQ(Base::assign(io, &base, sv[0], evref::kRead | evref::kPersist, Count, &counter), 0);
  ASSERT_EQ(Base::assign(sig, &base, SIGUSR1, evref::kSignal | evref::kPersist, Count, &counter), 0);
  ASSERT_EQ(Base::assign(timer, &base, -1, 0, Count, &counter), 0);
  ASSERT_EQ(Base::assign(active, &base, -1, 0, Count, &counter), 0);
  const Micros later = 10 * 1000000;
  ASSERT_EQ(base.add(io, nullptr, false), 0);
  ASSERT_EQ(base.add(sig, nullptr, false), 0);
  ASSERT_EQ(base.add(timer, &later, false), 0);
  base.activate(active, evref::kTimeout, 1);
  const int added = base.count_events(4), active_count = base.count_events(1);
  ASSERT_EQ(base.reinit(), 0);
  EXPECT_EQ(base.check_invariants(), nullptr);
  EXPECT_EQ(base.count_events(4), added);
  EXPECT_EQ(base.count_events(1), active_count);
  ASSERT_EQ(write(sv[1], "x", 1), 1);
  base.loop(evref::kLoopOnce | evref::kLoopNonblock);
  EXPECT_EQ(counter.calls, 2) << "the active event and the fd event";
  EXPECT_EQ(base.check_invariants(), nullptr);
  for (Event* ev : {&io, &sig, &timer, &active}) base.del(*ev);
  close(sv[0]);
  close(sv[1]);
}

}  // namespace
