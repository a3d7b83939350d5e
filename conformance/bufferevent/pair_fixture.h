// Fixture for the pair-bufferevent tests: the two ends of one
// bufferevent_pair_new, each logging its callbacks (BevLog).
#ifndef EVC_PAIR_FIXTURE_H
#define EVC_PAIR_FIXTURE_H

#include "bufferevent_fixture.h"

namespace evc {

class BufferEventPair : public EventTest {
 protected:
  void TearDown() override {
    for (int i = 0; i < 2; ++i) Free(i);
    if (base_) event_base_loop(base_, EVLOOP_NONBLOCK);  // let frees finish
    EventTest::TearDown();
  }
  // end_[0], end_[1]: a new pair logging into log_[0], log_[1].
  void NewPair(int options = 0) {
    ASSERT_EQ(bufferevent_pair_new(base_, options, end_), 0);
    for (int i = 0; i < 2; ++i) bufferevent_setcb(end_[i], BevLog::Read, BevLog::Write, BevLog::Event, &log_[i]);
  }
  void Free(int i) {
    if (end_[i]) bufferevent_free(end_[i]);
    end_[i] = nullptr;
  }
  size_t In(int i) { return evbuffer_get_length(bufferevent_get_input(end_[i])); }
  size_t Out(int i) { return evbuffer_get_length(bufferevent_get_output(end_[i])); }
  // Runs the loop until it ends by itself (pairs need no timer).
  int Run() { return event_base_dispatch(base_); }
  // For the tests that wait on time: the loop, bounded; the test breaks it
  // (event_base_loopbreak) once it has seen what it waits for.
  void RunAtMost(long ms) {
    const timeval bound = Ms(ms);
    event_base_loopexit(base_, &bound);
    event_base_dispatch(base_);
  }

  bufferevent* end_[2] = {nullptr, nullptr};
  BevLog log_[2];
};

// Bytes of a transfer: a pattern that shows loss, reordering and duplication.
inline char PatternByte(size_t i) { return static_cast<char>((i * 7) % 251); }

}  // namespace evc

#endif  // EVC_PAIR_FIXTURE_H
