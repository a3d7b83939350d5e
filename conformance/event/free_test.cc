// event_base_free with events still added.
#include "event_fixture.h"

#include <cstdlib>

namespace evc {
namespace {

using EventBaseFree = EventTest;

TEST_F(EventBaseFree, EventsStillAddedNeverRunAfterwards) {
  EVC_RULE("event.h/event_base_free/pending-callbacks-not-run",
           "event.h: event_base_free does not run the callbacks of events still added or "
           "active; their memory and fds stay the caller's");
  // Caller storage (event_assign), so the events can be released without
  // calling into the freed base.
  const size_t size = event_get_struct_event_size();
  std::vector<void*> storage;
  SocketPair& sp = NewPair();
  Probe& io = NewProbe("io");
  Probe& timer = NewProbe("timer");
  Probe& active = NewProbe("active");
  for (int i = 0; i < 3; ++i) storage.push_back(std::calloc(1, size));
  event* e_io = static_cast<event*>(storage[0]);
  event* e_timer = static_cast<event*>(storage[1]);
  event* e_active = static_cast<event*>(storage[2]);
  ASSERT_EQ(event_assign(e_io, base_, sp.fd[0], EV_READ | EV_PERSIST, Probe::Callback, &io), 0);
  ASSERT_EQ(evtimer_assign(e_timer, base_, Probe::Callback, &timer), 0);
  ASSERT_EQ(evtimer_assign(e_active, base_, Probe::Callback, &active), 0);
  timeval tv = Ms(1);
  ASSERT_EQ(event_add(e_io, nullptr), 0);
  ASSERT_EQ(event_add(e_timer, &tv), 0);
  event_active(e_active, EV_TIMEOUT, 1);
  sp.MakeReadable();
  event_base_free(base_);
  base_ = nullptr;
  EXPECT_EQ(io.calls + timer.calls + active.calls, 0);
  for (void* p : storage) std::free(p);
  // The watched fd is still the caller's: writable and readable as before.
  char c = 0;
  EXPECT_EQ(read(sp.fd[0], &c, 1), 1);
}

TEST_F(EventBaseFree, BaseCanBeFreedWithSignalEventsAdded) {
  EVC_RULE("event.h/event_base_free/signal-event-added",
           "event.h: event_base_free with a signal event still added does not crash, and the "
           "signal no longer reaches the freed base");
  const size_t size = event_get_struct_event_size();
  void* storage = std::calloc(1, size);
  event* ev = static_cast<event*>(storage);
  Probe& p = NewProbe("usr1");
  ASSERT_EQ(evsignal_assign(ev, base_, SIGUSR1, Probe::Callback, &p), 0);
  ASSERT_EQ(evsignal_add(ev, nullptr), 0);
  event_base_free(base_);
  base_ = nullptr;
  std::free(storage);
  EXPECT_EQ(p.calls, 0);
}

}  // namespace
}  // namespace evc
