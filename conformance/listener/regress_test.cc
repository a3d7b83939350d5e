// Cases of libevent's regress suite (test/regress_listener.c, 2.1.12)
// ported to the public API.
//
// Covered elsewhere: listener/immediate_close (a callback that disables the
// listener while a second connection waits) is
// Listener.DisableInsideTheCallbackStopsTheAcceptLoop in listener_test.cc.
#include "listener_fixture.h"

namespace evc {
namespace {

class ListenerErrorOnAConnectedSocket : public ListenerTest,
                                        public ::testing::WithParamInterface<unsigned> {};

TEST_P(ListenerErrorOnAConnectedSocket, RunsTheErrorCallbackOnceAndNeverTheAcceptCallback) {
  EVC_RULE("listener.h/evconnlistener_set_error_cb/readable-connected-socket",
           "libevent regress listener/error (and error_ts, with LEV_OPT_THREADSAFE): a "
           "listener made with backlog 0 on one end of a connected socket pair that has data "
           "to read: accept() fails, so the error callback runs (listener.h: 'called when "
           "accept() fails'); it disables the listener, which ends the loop with nothing "
           "pending; the accept callback never runs");
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  clients_.push_back(sv[1]);
  ASSERT_EQ(send(sv[1], "hello", 5, 0), 5);
  lev_ = evconnlistener_new(base_, Accepts::Cb, &accepted_,
                            LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | GetParam(), 0, sv[0]);
  if (lev_ == nullptr) close(sv[0]);
  ASSERT_NE(lev_, nullptr);
  evconnlistener_set_error_cb(lev_, Accepts::ErrorCb);
  accepted_.on_error = [](evconnlistener* l) { evconnlistener_disable(l); };
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(accepted_.errors, 1);
  EXPECT_EQ(accepted_.calls, 0);
}

INSTANTIATE_TEST_SUITE_P(Options, ListenerErrorOnAConnectedSocket,
                         ::testing::Values(0u, unsigned{LEV_OPT_THREADSAFE}),
                         [](const ::testing::TestParamInfo<unsigned>& info) {
                           return std::string(info.param ? "Threadsafe" : "Plain");
                         });

}  // namespace
}  // namespace evc
