// The libevent 1.4 bufferevent calls and names that libevent 2.1 keeps
// (<event2/bufferevent_compat.h>): bufferevent_new on the current base,
// bufferevent_settimeout in seconds, the EVBUFFER_* event and buffer
// macros, and the evbuffercb / everrorcb type names. A NULL bufferevent
// is left out: libevent 2.1.12 crashes on it in both calls, and
// bufferevent_new with no current base crashes as well.
#include <event2/bufferevent.h>

// libevent 2.1.12's buffer_compat.h and bufferevent_compat.h, unlike its
// other headers, have no extern "C" block of their own (event.h puts one
// around them): a C++ file that includes them directly must add it.
extern "C" {
#include <event2/bufferevent_compat.h>
}
#include <event2/event_compat.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <climits>
#include <type_traits>
#include <vector>

#include "bufferevent_fixture.h"

namespace evc {
namespace {

// bev_ made by bufferevent_new on one end of a socket pair, on a current
// base of its own (event_init); peer_ is the other end. bufferevent_new
// takes no options, so the fd is not closed with the bufferevent: the
// fixture closes it.
class BufferEventCompat : public BufferEventTest {
 protected:
  void TearDown() override {
    FreeBev();
    if (current_ != nullptr) {
      event_base_loop(current_, EVLOOP_NONBLOCK);  // let frees finish
      event_base_free(current_);
    }
    if (fd_ >= 0) close(fd_);
    BufferEventTest::TearDown();
  }

  bufferevent* NewCompatBev() {
    current_ = static_cast<event_base*>(event_init());
    if (current_ == nullptr) return nullptr;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return nullptr;
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    fd_ = sv[0];
    peer_ = sv[1];
    bev_ = bufferevent_new(fd_, BevLog::Read, BevLog::Write, BevLog::Event, &log_bev_);
    return bev_;
  }

  // Runs the current base without waiting until done() or 1000 passes.
  void LoopUntil(const std::function<bool()>& done) {
    for (int i = 0; i < 1000 && !done(); ++i) event_loop(EVLOOP_NONBLOCK);
  }

  // Runs the current base until the event callback has run (it breaks the
  // loop), at most limit_ms.
  void DispatchUntilEvent(long limit_ms) {
    log_bev_.on_event = [this](bufferevent*, short) { event_base_loopbreak(current_); };
    const timeval limit = Ms(limit_ms);
    ASSERT_EQ(event_base_loopexit(current_, &limit), 0);
    event_base_dispatch(current_);
  }

  event_base* current_ = nullptr;
  int fd_ = -1;
};

TEST_F(BufferEventCompat, NewReadsItsFdOnTheCurrentBase) {
  EVC_RULE("bufferevent_compat.h/bufferevent_new",
           "bufferevent_compat.h: bufferevent_new makes a bufferevent for fd with the read, "
           "write and error callbacks and argument given, on the current base (event_init's): "
           "once reading is enabled, data from the peer runs the read callback from event_loop");
  ASSERT_NE(NewCompatBev(), nullptr);
  EXPECT_EQ(bufferevent_getfd(bev_), fd_);
  bufferevent_data_cb readcb = nullptr, writecb = nullptr;
  bufferevent_event_cb eventcb = nullptr;
  void* arg = nullptr;
  bufferevent_getcb(bev_, &readcb, &writecb, &eventcb, &arg);
  EXPECT_EQ(readcb, &BevLog::Read);
  EXPECT_EQ(writecb, &BevLog::Write);
  EXPECT_EQ(eventcb, &BevLog::Event);
  EXPECT_EQ(arg, &log_bev_);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  PeerSend("hello");
  LoopUntil([&] { return log_bev_.reads > 0; });
  EXPECT_EQ(log_bev_.reads, 1);
  EXPECT_EQ(Drain(bufferevent_get_input(bev_)), "hello");
}

TEST_F(BufferEventCompat, NewWritesItsOutputAndRunsTheWriteCallback) {
  EVC_RULE("bufferevent_compat.h/bufferevent_new/writes",
           "bufferevent_compat.h: a bufferevent_new bufferevent writes its output to fd from "
           "the current base's loop, and the write callback runs once the output has drained "
           "to the write low watermark (0)");
  ASSERT_NE(NewCompatBev(), nullptr);
  ASSERT_EQ(bufferevent_write(bev_, "out", 3), 0);
  LoopUntil([&] { return log_bev_.writes > 0; });
  EXPECT_EQ(log_bev_.writes, 1);
  ASSERT_EQ(log_bev_.output_at_write.size(), 1u);
  EXPECT_EQ(log_bev_.output_at_write[0], 0u);
  EXPECT_EQ(PeerRecv(), "out");
}

TEST_F(BufferEventCompat, NewIsOnTheCurrentBaseForGetBase) {
  EVC_RULE("bufferevent_compat.h/bufferevent_new/get-base",
           "bufferevent_compat.h: bufferevent_new uses the current base (event_init's), and "
           "bufferevent.h's bufferevent_get_base returns the event_base a bufferevent uses");
  ASSERT_NE(NewCompatBev(), nullptr);
  EXPECT_EQ(bufferevent_get_base(bev_), current_);
}

TEST_F(BufferEventCompat, EofReachesTheErrorCallbackAsEvbufferEof) {
  EVC_RULE("bufferevent_compat.h/EVBUFFER_EOF",
           "bufferevent_compat.h: EVBUFFER_EOF is BEV_EVENT_EOF and EVBUFFER_READ is "
           "BEV_EVENT_READING: the peer closing reaches the error callback (once) as "
           "EVBUFFER_EOF | EVBUFFER_READ");
  static_assert(EVBUFFER_EOF == BEV_EVENT_EOF && EVBUFFER_READ == BEV_EVENT_READING, "values");
  ASSERT_NE(NewCompatBev(), nullptr);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  ClosePeer();
  LoopUntil([&] { return !log_bev_.events.empty(); });
  ASSERT_EQ(log_bev_.events.size(), 1u);
  EXPECT_EQ(log_bev_.events[0], EVBUFFER_EOF | EVBUFFER_READ);
}

TEST_F(BufferEventCompat, SettimeoutReadFiresAfterItsSeconds) {
  EVC_RULE("bufferevent_compat.h/bufferevent_settimeout",
           "bufferevent_compat.h: bufferevent_settimeout sets the read timeout in seconds: with "
           "reading enabled and no data, the error callback runs once with EVBUFFER_READ | "
           "EVBUFFER_TIMEOUT after that many seconds");
  ASSERT_NE(NewCompatBev(), nullptr);
  bufferevent_settimeout(bev_, 1, 0);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  const double start = NowMs();
  DispatchUntilEvent(5000);
  ASSERT_EQ(log_bev_.events.size(), 1u);
  EXPECT_EQ(log_bev_.events[0], EVBUFFER_READ | EVBUFFER_TIMEOUT);
  EXPECT_GE(NowMs() - start, 1000.0 - kClockSlackMs);
}

TEST_F(BufferEventCompat, SettimeoutZeroIsNoTimeout) {
  EVC_RULE("bufferevent_compat.h/bufferevent_settimeout/zero-none",
           "bufferevent_compat.h: bufferevent_settimeout is bufferevent_set_timeouts in "
           "seconds, where 0 is no timeout: settimeout(bev, 0, 0) removes a read timeout set "
           "before, and none fires");
  ASSERT_NE(NewCompatBev(), nullptr);
  bufferevent_settimeout(bev_, 1, 1);
  bufferevent_settimeout(bev_, 0, 0);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  DispatchUntilEvent(1500);
  EXPECT_EQ(log_bev_.events.size(), 0u);
}

TEST_F(BufferEventCompat, SettimeoutWithExtremeSecondsNeverCrashes) {
  EVC_RULE("bufferevent_compat.h/bufferevent_settimeout/extreme-seconds",
           "bufferevent_compat.h: bufferevent_settimeout takes any int of seconds: INT_MAX (or "
           "INT_MAX/2) is a timeout that does not fire while data flows, and a negative one "
           "(-1, INT_MIN) fires at once or never (observed libevent 2.1.12: at once, "
           "EVBUFFER_READ | EVBUFFER_TIMEOUT); none crashes, and the bufferevent frees cleanly");
  const std::vector<Named<int>> seconds = {
      {"INT_MAX", INT_MAX}, {"INT_MAX/2", INT_MAX / 2}, {"-1", -1}, {"INT_MIN", INT_MIN}};
  for (const Named<int>& s : seconds) {
    SCOPED_TRACE(s.name);
    EXPECT_IN_CHILD({
      ASSERT_NE(NewCompatBev(), nullptr);
      bufferevent_settimeout(bev_, s.value, s.value);
      ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
      PeerSend("x");
      LoopUntil([&] { return log_bev_.reads > 0 || !log_bev_.events.empty(); });
      if (s.value > 0) {
        EXPECT_EQ(log_bev_.reads, 1);
        EXPECT_TRUE(log_bev_.events.empty());
      } else if (!log_bev_.events.empty()) {
        EXPECT_EQ(log_bev_.events[0], EVBUFFER_READ | EVBUFFER_TIMEOUT);
      }
      FreeBev();
    });
  }
}

TEST_F(BufferEventCompat, InputMacroIsGetInput) {
  EVC_RULE("bufferevent_compat.h/EVBUFFER_INPUT",
           "bufferevent_compat.h: EVBUFFER_INPUT(x) is bufferevent_get_input(x): the buffer "
           "the bufferevent reads into");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(EVBUFFER_INPUT(bev_), bufferevent_get_input(bev_));
  PeerSend("in");
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(Drain(EVBUFFER_INPUT(bev_)), "in");
}

TEST_F(BufferEventCompat, OutputMacroIsGetOutput) {
  EVC_RULE("bufferevent_compat.h/EVBUFFER_OUTPUT",
           "bufferevent_compat.h: EVBUFFER_OUTPUT(x) is bufferevent_get_output(x): the buffer "
           "the bufferevent writes from");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(EVBUFFER_OUTPUT(bev_), bufferevent_get_output(bev_));
  ASSERT_EQ(evbuffer_add(EVBUFFER_OUTPUT(bev_), "out", 3), 0);
  for (int i = 0; i < 1000 && evbuffer_get_length(EVBUFFER_OUTPUT(bev_)) > 0; ++i)
    event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(PeerRecv(), "out");
}

// The names alone: nothing to set up.
using BufferEventCompatNames = Test;

TEST_F(BufferEventCompatNames, ReadIsEventReading) {
  EVC_RULE("bufferevent_compat.h/EVBUFFER_READ", "bufferevent_compat.h: EVBUFFER_READ is BEV_EVENT_READING");
  EXPECT_EQ(EVBUFFER_READ, BEV_EVENT_READING);
}

TEST_F(BufferEventCompatNames, WriteIsEventWriting) {
  EVC_RULE("bufferevent_compat.h/EVBUFFER_WRITE", "bufferevent_compat.h: EVBUFFER_WRITE is BEV_EVENT_WRITING");
  EXPECT_EQ(EVBUFFER_WRITE, BEV_EVENT_WRITING);
}

TEST_F(BufferEventCompatNames, ErrorIsEventError) {
  EVC_RULE("bufferevent_compat.h/EVBUFFER_ERROR", "bufferevent_compat.h: EVBUFFER_ERROR is BEV_EVENT_ERROR");
  EXPECT_EQ(EVBUFFER_ERROR, BEV_EVENT_ERROR);
}

TEST_F(BufferEventCompatNames, TimeoutIsEventTimeout) {
  EVC_RULE("bufferevent_compat.h/EVBUFFER_TIMEOUT", "bufferevent_compat.h: EVBUFFER_TIMEOUT is BEV_EVENT_TIMEOUT");
  EXPECT_EQ(EVBUFFER_TIMEOUT, BEV_EVENT_TIMEOUT);
}

TEST_F(BufferEventCompatNames, DataCallbackTypeIsEvbuffercb) {
  EVC_RULE("bufferevent_compat.h/evbuffercb",
           "bufferevent_compat.h: evbuffercb is bufferevent_data_cb, the type of "
           "bufferevent_new's read and write callbacks");
  static_assert(std::is_same<evbuffercb, bufferevent_data_cb>::value, "evbuffercb");
  static_assert(std::is_same<decltype(&bufferevent_new), bufferevent* (*)(evutil_socket_t, evbuffercb, evbuffercb,
                                                                           everrorcb, void*)>::value,
                "bufferevent_new");
  evbuffercb cb = BevLog::Read;
  EXPECT_NE(cb, nullptr);
}

TEST_F(BufferEventCompatNames, ErrorCallbackTypeIsEverrorcb) {
  EVC_RULE("bufferevent_compat.h/everrorcb",
           "bufferevent_compat.h: everrorcb is bufferevent_event_cb, the type of "
           "bufferevent_new's error callback");
  static_assert(std::is_same<everrorcb, bufferevent_event_cb>::value, "everrorcb");
  static_assert(std::is_same<decltype(&bufferevent_settimeout), void (*)(bufferevent*, int, int)>::value,
                "bufferevent_settimeout");
  everrorcb cb = BevLog::Event;
  EXPECT_NE(cb, nullptr);
}

}  // namespace
}  // namespace evc
