// evbuffer_defer_callbacks: a buffer's callbacks run from inside the event
// loop, not from the call that changed the buffer.
#include <event2/event.h>

#include <vector>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

struct Calls {
  std::vector<evbuffer_cb_info> infos;
  bool in_modifying_call = false;
  int during_call = 0;
};

void Log(evbuffer*, const evbuffer_cb_info* info, void* arg) {
  auto* c = static_cast<Calls*>(arg);
  c->infos.push_back(*info);
  if (c->in_modifying_call) ++c->during_call;
}

class EvbufferDefer : public EvbufferTest {
 protected:
  void SetUp() override {
    EvbufferTest::SetUp();
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
  }
  void TearDown() override {
    if (buf_ != nullptr) evbuffer_free(buf_);
    buf_ = nullptr;
    event_base_free(base_);
    EvbufferTest::TearDown();
  }
  // Runs whatever the loop has ready, without waiting.
  void RunLoop() { ASSERT_GE(event_base_loop(base_, EVLOOP_NONBLOCK), 0); }

  event_base* base_ = nullptr;
};

TEST_F(EvbufferDefer, CallbacksRunFromTheLoopNotTheModifyingCall) {
  EVC_RULE("buffer.h/evbuffer_defer_callbacks",
           "buffer.h evbuffer_defer_callbacks: the callbacks run not immediately after the "
           "evbuffer is altered, but from inside the event loop; 0 on success");
  Calls c;
  ASSERT_EQ(evbuffer_defer_callbacks(buf_, base_), 0);
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &c), nullptr);
  c.in_modifying_call = true;
  Add("abc");
  c.in_modifying_call = false;
  EXPECT_EQ(c.during_call, 0);
  EXPECT_TRUE(c.infos.empty());
  RunLoop();
  ASSERT_EQ(c.infos.size(), 1u);
  EXPECT_EQ(c.infos[0].orig_size, 0u);
  EXPECT_EQ(c.infos[0].n_added, 3u);
  EXPECT_EQ(c.infos[0].n_deleted, 0u);
}

TEST_F(EvbufferDefer, ChangesBeforeTheLoopRunAreAllReported) {
  EVC_RULE("buffer.h/evbuffer_defer_callbacks/coalesced",
           "buffer.h evbuffer_cb_info: each call reports the change since the callbacks last ran; "
           "with deferred callbacks the calls from the loop account for every change before it");
  Calls c;
  ASSERT_EQ(evbuffer_defer_callbacks(buf_, base_), 0);
  Add("xy");
  RunLoop();  // no callback yet: nothing to report
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &c), nullptr);
  Add("abc");
  Add("defg");
  ASSERT_EQ(evbuffer_drain(buf_, 4), 0);
  EXPECT_TRUE(c.infos.empty());
  RunLoop();
  ASSERT_FALSE(c.infos.empty());
  size_t added = 0, deleted = 0, size = 2;
  for (const evbuffer_cb_info& i : c.infos) {
    EXPECT_EQ(i.orig_size, size) << "each call starts where the last one ended";
    size = i.orig_size + i.n_added - i.n_deleted;
    added += i.n_added;
    deleted += i.n_deleted;
  }
  EXPECT_EQ(added, 7u);
  EXPECT_EQ(deleted, 4u);
  EXPECT_EQ(size, evbuffer_get_length(buf_));
}

TEST_F(EvbufferDefer, NothingChangedNothingRuns) {
  EVC_RULE("buffer.h/evbuffer_defer_callbacks/no-change",
           "buffer.h evbuffer_cb_func: runs when data is added or removed; a deferred callback "
           "with no change since its last run is not called again");
  Calls c;
  ASSERT_EQ(evbuffer_defer_callbacks(buf_, base_), 0);
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &c), nullptr);
  Add("abc");
  RunLoop();
  ASSERT_EQ(c.infos.size(), 1u);
  RunLoop();
  EXPECT_EQ(c.infos.size(), 1u);
}

TEST_F(EvbufferDefer, DisabledCallbackIsNotRunFromTheLoop) {
  EVC_RULE("buffer.h/evbuffer_defer_callbacks/disabled",
           "buffer.h EVBUFFER_CB_ENABLED: a callback without the flag is not invoked, deferred or "
           "not");
  Calls c;
  ASSERT_EQ(evbuffer_defer_callbacks(buf_, base_), 0);
  evbuffer_cb_entry* e = evbuffer_add_cb(buf_, Log, &c);
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(evbuffer_cb_clear_flags(buf_, e, EVBUFFER_CB_ENABLED), 0);
  Add("abc");
  RunLoop();
  EXPECT_TRUE(c.infos.empty());
}

}  // namespace
}  // namespace evc
