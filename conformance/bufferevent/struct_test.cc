// The public fields of struct bufferevent (<event2/bufferevent_struct.h>),
// which libevent 1.4 programs read directly (bev->input, bev->output,
// bev->enabled...): they hold what the accessors of bufferevent.h say, and
// the struct has libevent 2.1.12's layout, so such a program built against
// an implementation's headers reads the right bytes. be_ops is left out:
// no rule says what it points at.
#include <event2/bufferevent.h>

// libevent 2.1.12's buffer_compat.h and bufferevent_compat.h, unlike its
// other headers, have no extern "C" block of their own (event.h puts one
// around them): a C++ file that includes them directly must add it.
extern "C" {
#include <event2/bufferevent_compat.h>
}
#include <event2/bufferevent_struct.h>

#include <cstddef>
#include <type_traits>

#include "bufferevent_fixture.h"

namespace evc {
namespace {

using BufferEventStruct = BufferEventTest;

void OtherRead(bufferevent*, void*) {}
void OtherEvent(bufferevent*, short, void*) {}

TEST_F(BufferEventStruct, InputIsTheInputBuffer) {
  EVC_RULE("bufferevent_struct.h/input",
           "bufferevent_struct.h: a bufferevent's input field is its input buffer, the one "
           "bufferevent_get_input returns");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bev_->input, bufferevent_get_input(bev_));
}

TEST_F(BufferEventStruct, OutputIsTheOutputBuffer) {
  EVC_RULE("bufferevent_struct.h/output",
           "bufferevent_struct.h: a bufferevent's output field is its output buffer, the one "
           "bufferevent_get_output returns");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bev_->output, bufferevent_get_output(bev_));
}

TEST_F(BufferEventStruct, EvBaseIsTheBaseItWasMadeFor) {
  EVC_RULE("bufferevent_struct.h/ev_base",
           "bufferevent_struct.h: ev_base is the event base for which the bufferevent was "
           "created, the one bufferevent_get_base returns");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bev_->ev_base, base_);
  EXPECT_EQ(bev_->ev_base, bufferevent_get_base(bev_));
}

TEST_F(BufferEventStruct, EnabledFollowsEnableAndDisable) {
  EVC_RULE("bufferevent_struct.h/enabled",
           "bufferevent_struct.h: enabled holds the events currently enabled (EV_READ, "
           "EV_WRITE), as bufferevent_enable and bufferevent_disable leave them and "
           "bufferevent_get_enabled reports them");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bev_->enabled, bufferevent_get_enabled(bev_));
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ | EV_WRITE), 0);
  EXPECT_EQ(bev_->enabled, EV_READ | EV_WRITE);
  ASSERT_EQ(bufferevent_disable(bev_, EV_WRITE), 0);
  EXPECT_EQ(bev_->enabled, EV_READ);
  ASSERT_EQ(bufferevent_disable(bev_, EV_READ), 0);
  EXPECT_EQ(bev_->enabled, 0);
}

TEST_F(BufferEventStruct, CallbackFieldsFollowSetcb) {
  EVC_RULE("bufferevent_struct.h/readcb",
           "bufferevent_struct.h: readcb, writecb, errorcb (the event callback) and cbarg are "
           "the callbacks and argument bufferevent_setcb set last, NULL ones included");
  ASSERT_NE(NewPairBev(), nullptr);  // sets BevLog's callbacks
  EXPECT_EQ(bev_->readcb, &BevLog::Read);
  EXPECT_EQ(bev_->writecb, &BevLog::Write);
  EXPECT_EQ(bev_->errorcb, &BevLog::Event);
  EXPECT_EQ(bev_->cbarg, &log_bev_);
  int other = 0;
  bufferevent_setcb(bev_, OtherRead, nullptr, OtherEvent, &other);
  EXPECT_EQ(bev_->readcb, &OtherRead);
  EXPECT_EQ(bev_->writecb, nullptr);
  EXPECT_EQ(bev_->errorcb, &OtherEvent);
  EXPECT_EQ(bev_->cbarg, &other);
}

TEST_F(BufferEventStruct, WatermarkFieldsFollowSetwatermark) {
  EVC_RULE("bufferevent_struct.h/wm_read",
           "bufferevent_struct.h: wm_read and wm_write (struct event_watermark: low, high) hold "
           "the watermarks bufferevent_setwatermark set for each direction, 0 0 until then");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bev_->wm_read.low, 0u);
  EXPECT_EQ(bev_->wm_read.high, 0u);
  bufferevent_setwatermark(bev_, EV_READ, 10, 100);
  bufferevent_setwatermark(bev_, EV_WRITE, 5, 0);
  EXPECT_EQ(bev_->wm_read.low, 10u);
  EXPECT_EQ(bev_->wm_read.high, 100u);
  EXPECT_EQ(bev_->wm_write.low, 5u);
  EXPECT_EQ(bev_->wm_write.high, 0u);
  bufferevent_setwatermark(bev_, EV_READ | EV_WRITE, 1, 2);
  const event_watermark& r = bev_->wm_read;
  const event_watermark& w = bev_->wm_write;
  EXPECT_EQ(r.low, 1u);
  EXPECT_EQ(r.high, 2u);
  EXPECT_EQ(w.low, 1u);
  EXPECT_EQ(w.high, 2u);
}

bool Equal(const timeval& a, long sec, long usec) { return a.tv_sec == sec && a.tv_usec == usec; }

TEST_F(BufferEventStruct, TimeoutFieldsFollowSetTimeouts) {
  EVC_RULE("bufferevent_struct.h/timeout_read",
           "bufferevent_struct.h: timeout_read and timeout_write hold the timeouts "
           "bufferevent_set_timeouts (or bufferevent_settimeout, in seconds) set, and zero "
           "where it set none (NULL, 0)");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_TRUE(Equal(bev_->timeout_read, 0, 0));
  EXPECT_TRUE(Equal(bev_->timeout_write, 0, 0));
  const timeval tv = {2, 500000};
  ASSERT_EQ(bufferevent_set_timeouts(bev_, &tv, nullptr), 0);
  EXPECT_TRUE(Equal(bev_->timeout_read, 2, 500000));
  EXPECT_TRUE(Equal(bev_->timeout_write, 0, 0));
  bufferevent_settimeout(bev_, 0, 7);
  EXPECT_TRUE(Equal(bev_->timeout_read, 0, 0));
  EXPECT_TRUE(Equal(bev_->timeout_write, 7, 0));
}

TEST_F(BufferEventStruct, SocketReadAndWriteEventsWatchItsFd) {
  EVC_RULE("bufferevent_struct.h/ev_read/socket",
           "bufferevent_struct.h: ev_read and ev_write are the events that trigger when the "
           "socket is ready to read or write: for a socket bufferevent they are on its base "
           "and fd, for EV_READ and EV_WRITE");
  ASSERT_NE(NewPairBev(), nullptr);
  const int fd = bufferevent_getfd(bev_);
  EXPECT_EQ(event_get_fd(&bev_->ev_read), fd);
  EXPECT_EQ(event_get_fd(&bev_->ev_write), fd);
  EXPECT_EQ(event_get_base(&bev_->ev_read), base_);
  EXPECT_EQ(event_get_base(&bev_->ev_write), base_);
  EXPECT_EQ(event_get_events(&bev_->ev_read) & (EV_READ | EV_WRITE), EV_READ);
  EXPECT_EQ(event_get_events(&bev_->ev_write) & (EV_READ | EV_WRITE), EV_WRITE);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ), 0);
  EXPECT_NE(event_pending(&bev_->ev_read, EV_READ, nullptr), 0);
  ASSERT_EQ(bufferevent_disable(bev_, EV_READ), 0);
  EXPECT_EQ(event_pending(&bev_->ev_read, EV_READ, nullptr), 0);
}

// libevent 2.1.12's struct bufferevent on x86-64 (LP64), computed once with
// offsetof / sizeof against Debian's <event2/bufferevent_struct.h>
// 2.1.12-stable-8: struct event is 128 bytes, struct timeval 16,
// struct event_watermark 16.
constexpr size_t kLibeventBuffereventSize = 392;
struct FieldPlace {
  const char* name;
  size_t offset, size, libevent_offset, libevent_size;
};
#define EVC_FIELD(f, off, sz) \
  FieldPlace { #f, offsetof(bufferevent, f), sizeof(bufferevent::f), off, sz }

TEST_F(BufferEventStruct, LayoutIsLibeventsOnLp64) {
  EVC_RULE("bufferevent_struct.h/bufferevent/layout",
           "bufferevent_struct.h: struct bufferevent is exposed because earlier versions did: "
           "its fields have libevent 2.1.12's order, types, offsets and size (392 bytes on "
           "x86-64), so a program built against another implementation's header reads the "
           "same fields");
  if (sizeof(void*) != 8 || sizeof(long) != 8) GTEST_SKIP() << "needs:lp64: the numbers are x86-64's";
  static_assert(std::is_same<decltype(bufferevent::ev_base), event_base*>::value, "ev_base");
  static_assert(std::is_same<decltype(bufferevent::be_ops), const bufferevent_ops*>::value, "be_ops");
  static_assert(std::is_same<decltype(bufferevent::ev_read), event>::value, "ev_read");
  static_assert(std::is_same<decltype(bufferevent::ev_write), event>::value, "ev_write");
  static_assert(std::is_same<decltype(bufferevent::input), evbuffer*>::value, "input");
  static_assert(std::is_same<decltype(bufferevent::output), evbuffer*>::value, "output");
  static_assert(std::is_same<decltype(bufferevent::wm_read), event_watermark>::value, "wm_read");
  static_assert(std::is_same<decltype(bufferevent::wm_write), event_watermark>::value, "wm_write");
  static_assert(std::is_same<decltype(bufferevent::readcb), bufferevent_data_cb>::value, "readcb");
  static_assert(std::is_same<decltype(bufferevent::writecb), bufferevent_data_cb>::value, "writecb");
  static_assert(std::is_same<decltype(bufferevent::errorcb), bufferevent_event_cb>::value, "errorcb");
  static_assert(std::is_same<decltype(bufferevent::cbarg), void*>::value, "cbarg");
  static_assert(std::is_same<decltype(bufferevent::timeout_read), timeval>::value, "timeout_read");
  static_assert(std::is_same<decltype(bufferevent::timeout_write), timeval>::value, "timeout_write");
  static_assert(std::is_same<decltype(bufferevent::enabled), short>::value, "enabled");
  const FieldPlace fields[] = {
      EVC_FIELD(ev_base, 0, 8),         EVC_FIELD(be_ops, 8, 8),       EVC_FIELD(ev_read, 16, 128),
      EVC_FIELD(ev_write, 144, 128),    EVC_FIELD(input, 272, 8),      EVC_FIELD(output, 280, 8),
      EVC_FIELD(wm_read, 288, 16),      EVC_FIELD(wm_write, 304, 16),  EVC_FIELD(readcb, 320, 8),
      EVC_FIELD(writecb, 328, 8),       EVC_FIELD(errorcb, 336, 8),    EVC_FIELD(cbarg, 344, 8),
      EVC_FIELD(timeout_read, 352, 16), EVC_FIELD(timeout_write, 368, 16), EVC_FIELD(enabled, 384, 2),
  };
  for (const FieldPlace& f : fields) {
    EXPECT_EQ(f.offset, f.libevent_offset) << f.name;
    EXPECT_EQ(f.size, f.libevent_size) << f.name;
  }
  EXPECT_EQ(sizeof(bufferevent), kLibeventBuffereventSize);
  EXPECT_EQ(alignof(bufferevent), 8u);
}
#undef EVC_FIELD

TEST_F(BufferEventStruct, WatermarkLayoutIsLowThenHigh) {
  EVC_RULE("bufferevent_struct.h/event_watermark",
           "bufferevent_struct.h: struct event_watermark is { size_t low; size_t high; }, in "
           "that order");
  static_assert(std::is_same<decltype(event_watermark::low), size_t>::value, "low");
  static_assert(std::is_same<decltype(event_watermark::high), size_t>::value, "high");
  EXPECT_EQ(offsetof(event_watermark, low), 0u);
  EXPECT_EQ(offsetof(event_watermark, high), sizeof(size_t));
  EXPECT_EQ(sizeof(event_watermark), 2 * sizeof(size_t));
}

}  // namespace
}  // namespace evc
