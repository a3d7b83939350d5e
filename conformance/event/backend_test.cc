// What depends on the kernel method: the features event_base_get_features
// reports (EV_FEATURE_ET, EV_FEATURE_EARLY_CLOSE, EV_FEATURE_FDS) decide
// behaviour here, so each test runs where its feature is present and is
// skipped with the reason elsewhere; the report shows the backend columns
// side by side.
#include <fcntl.h>
#include <sys/mman.h>

#include "event_fixture.h"

namespace evc {
namespace {

class EventBackend : public EventTest {
 protected:
  bool Has(int feature) { return (event_base_get_features(base_) & feature) != 0; }
};

int RegularFile() {
  const int fd = memfd_create("evconform", MFD_CLOEXEC);
  if (fd >= 0 && write(fd, "data", 4) != 4) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST_F(EventBackend, EdgeTriggeredReadFiresOncePerArrival) {
  EVC_RULE("event.h/EV_ET/once-per-arrival",
           "event.h: EV_ET asks for edge-triggered events where the method supports it "
           "(EV_FEATURE_ET): unread data does not wake the event again");
  if (!Has(EV_FEATURE_ET)) GTEST_SKIP() << "needs:EV_FEATURE_ET: the method is level-triggered";
  Probe& p = NewProbe("et");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_PERSIST | EV_ET);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_READ | EV_ET) << "an edge-triggered event is told EV_ET";
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(p.calls, 1) << "no new data, no new edge";
  sp.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(p.calls, 2);
}

TEST_F(EventBackend, LevelTriggeredReadFiresWhileDataIsUnread) {
  EVC_RULE("event.h/EV_ET/unset-level-triggered",
           "event.h: without EV_ET events are level-triggered: unread data wakes the event on "
           "every iteration");
  Probe& p = NewProbe("lt");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_READ | EV_PERSIST);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  sp.MakeReadable();
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(p.calls, 2);
}

TEST_F(EventBackend, ClosedEventReportsAPeerThatClosed) {
  EVC_RULE("event.h/EV_CLOSED/peer-closed",
           "event.h: EV_CLOSED detects a closed connection without reading, where the method "
           "supports it (EV_FEATURE_EARLY_CLOSE)");
  if (!Has(EV_FEATURE_EARLY_CLOSE))
    GTEST_SKIP() << "needs:EV_FEATURE_EARLY_CLOSE: the method cannot report a close early";
  Probe& p = NewProbe("closed");
  SocketPair& sp = NewPair();
  event* ev = NewEvent(p, sp.fd[0], EV_CLOSED);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 0);
  EXPECT_EQ(p.calls, 0) << "the peer is still open";
  close(sp.fd[1]);
  sp.fd[1] = -1;
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_CLOSED) << "only what the event asked for";
}

TEST_F(EventBackend, RegularFileIsReadableWhereAnyFdIsSupported) {
  EVC_RULE("event.h/EV_FEATURE_FDS/regular-file",
           "event.h: EV_FEATURE_FDS: the method works with any file descriptor, regular files "
           "included (always readable)");
  if (!Has(EV_FEATURE_FDS)) GTEST_SKIP() << "needs:EV_FEATURE_FDS: the method takes sockets only";
  const int fd = RegularFile();
  ASSERT_GE(fd, 0);
  Probe& p = NewProbe("file");
  event* ev = NewEvent(p, fd, EV_READ);
  ASSERT_EQ(event_add(ev, nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_ONCE), 0);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.what, EV_READ);
  close(fd);
}

TEST_F(EventBackend, RegularFileIsRefusedWhereOnlySocketsAreSupported) {
  EVC_RULE("event.h/EV_FEATURE_FDS/unset-refuses-regular-file",
           "observed libevent 2.1.12 (epoll.c): a method without EV_FEATURE_FDS refuses a "
           "regular file: event_add returns -1 and the event is not pending");
  if (Has(EV_FEATURE_FDS)) GTEST_SKIP() << "needs:no-EV_FEATURE_FDS: the method takes any fd";
  const int fd = RegularFile();
  ASSERT_GE(fd, 0);
  Probe& p = NewProbe("file");
  event* ev = NewEvent(p, fd, EV_READ);
  EXPECT_EQ(event_add(ev, nullptr), -1);
  EXPECT_EQ(event_pending(ev, EV_READ, nullptr), 0);
  EXPECT_EQ(event_base_loop(base_, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(p.calls, 0);
  close(fd);
}

}  // namespace
}  // namespace evc
