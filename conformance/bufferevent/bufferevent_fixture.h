// Fixture for the socket-bufferevent suite: a bufferevent on one end of a
// local socket pair (the test drives the other end with plain calls), or on
// a TCP connection to 127.0.0.1 for connect tests.
#ifndef EVC_BUFFEREVENT_FIXTURE_H
#define EVC_BUFFEREVENT_FIXTURE_H

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <functional>
#include <string>
#include <vector>

#include "../event/event_fixture.h"
#include "evc_net.h"

namespace evc {

// What the bufferevent's callbacks saw; actions run inside them.
struct BevLog {
  int reads = 0, writes = 0;
  std::vector<short> events;
  int event_errno = 0;
  std::vector<size_t> input_at_read;    // input length at each read callback
  std::vector<size_t> output_at_write;  // output length at each write callback
  std::function<void(bufferevent*)> on_read, on_write;
  std::function<void(bufferevent*, short)> on_event;

  static void Read(bufferevent* bev, void* arg) {
    BevLog* l = static_cast<BevLog*>(arg);
    ++l->reads;
    l->input_at_read.push_back(evbuffer_get_length(bufferevent_get_input(bev)));
    if (l->on_read) l->on_read(bev);
  }
  static void Write(bufferevent* bev, void* arg) {
    BevLog* l = static_cast<BevLog*>(arg);
    ++l->writes;
    l->output_at_write.push_back(evbuffer_get_length(bufferevent_get_output(bev)));
    if (l->on_write) l->on_write(bev);
  }
  static void Event(bufferevent* bev, short what, void* arg) {
    BevLog* l = static_cast<BevLog*>(arg);
    l->event_errno = EVUTIL_SOCKET_ERROR();
    l->events.push_back(what);
    if (l->on_event) l->on_event(bev, what);
  }
};

inline std::string Drain(evbuffer* buf) {
  std::string s(evbuffer_get_length(buf), '\0');
  if (!s.empty()) evbuffer_remove(buf, &s[0], s.size());
  return s;
}

class BufferEventTest : public EventTest {
 protected:
  void TearDown() override {
    if (bev_ != nullptr) bufferevent_free(bev_);
    bev_ = nullptr;
    if (base_) event_base_loop(base_, EVLOOP_NONBLOCK);  // let frees finish
    if (peer_ >= 0) close(peer_);
    EventTest::TearDown();
  }

  // bev_ on one end of a socket pair (closed with it); peer_ is the other.
  bufferevent* NewPairBev(int options = BEV_OPT_CLOSE_ON_FREE) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return nullptr;
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    bev_ = bufferevent_socket_new(base_, sv[0], options);
    peer_ = sv[1];
    if (bev_) bufferevent_setcb(bev_, BevLog::Read, BevLog::Write, BevLog::Event, &log_bev_);
    else close(sv[0]);
    return bev_;
  }

  void PeerSend(const std::string& s) {
    ASSERT_EQ(send(peer_, s.data(), s.size(), 0), static_cast<ssize_t>(s.size()));
  }
  std::string PeerRecv() {
    std::string out;
    char buf[65536];
    ssize_t n;
    while ((n = recv(peer_, buf, sizeof buf, MSG_DONTWAIT)) > 0) out.append(buf, n);
    return out;
  }
  void ClosePeer() {
    close(peer_);
    peer_ = -1;
  }
  void FreeBev() {
    if (bev_) bufferevent_free(bev_);
    bev_ = nullptr;
  }

  bufferevent* bev_ = nullptr;
  int peer_ = -1;
  BevLog log_bev_;
};

}  // namespace evc

#endif  // EVC_BUFFEREVENT_FIXTURE_H
