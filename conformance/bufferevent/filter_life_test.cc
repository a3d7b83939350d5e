// Filter bufferevents: freeing (BEV_OPT_CLOSE_ON_FREE, free_context), free
// inside each callback with and without deferred callbacks, freeing the
// underlying first, and bad input to bufferevent_filter_new.
#include "filter_fixture.h"

namespace evc {
namespace {

using BufferEventFilterFree = FilterTest;

TEST_F(BufferEventFilterFree, CloseOnFreeFreesTheUnderlying) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/close-on-free",
           "bufferevent.h: BEV_OPT_CLOSE_ON_FREE on a wrapper means 'free the underlying when it "
           "is freed': the underlying socket bufferevent goes, and closes its socket");
  ASSERT_NE(NewFilter(BEV_OPT_CLOSE_ON_FREE), nullptr);
  const int fd = bufferevent_getfd(bev_);
  FreeFilter();
  Settle();
  EXPECT_FALSE(FdIsOpen(fd));
}

TEST_F(BufferEventFilterFree, WithoutCloseOnFreeTheUnderlyingLivesOn) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/no-close-on-free",
           "bufferevent.h: without BEV_OPT_CLOSE_ON_FREE, freeing the filter leaves the "
           "underlying bufferevent usable: new callbacks, reading and writing");
  ASSERT_NE(NewFilter(0), nullptr);
  FreeFilter();
  Settle();
  ASSERT_TRUE(FdIsOpen(bufferevent_getfd(bev_)));
  std::string got;
  log_bev_.on_read = [&](bufferevent* b) {
    got += Drain(bufferevent_get_input(b));
    Stop();
  };
  bufferevent_setcb(bev_, BevLog::Read, BevLog::Write, BevLog::Event, &log_bev_);
  ASSERT_EQ(bufferevent_enable(bev_, EV_READ | EV_WRITE), 0);
  PeerSend("raw");
  Run();
  EXPECT_EQ(got, "raw");
  ASSERT_EQ(bufferevent_write(bev_, "out", 3), 0);
  EXPECT_EQ(PeerReceive(3), "out");
}

TEST_F(BufferEventFilterFree, CallbacksTheUserSetOnTheUnderlyingStay) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/user-callbacks-on-underlying",
           "libevent 2.1.12 (be_filter_unlink): freeing a filter without BEV_OPT_CLOSE_ON_FREE "
           "clears the underlying's callbacks only if they are still the filter's: callbacks the "
           "user set on the underlying meanwhile stay");
  ASSERT_NE(NewFilter(0), nullptr);
  bufferevent_setcb(bev_, BevLog::Read, BevLog::Write, BevLog::Event, &log_bev_);
  FreeFilter();
  Settle();
  bufferevent_data_cb read = nullptr;
  bufferevent_event_cb event = nullptr;
  void* arg = nullptr;
  bufferevent_getcb(bev_, &read, nullptr, &event, &arg);
  EXPECT_EQ(read, &BevLog::Read);
  EXPECT_EQ(event, &BevLog::Event);
  EXPECT_EQ(arg, &log_bev_);
}

TEST_F(BufferEventFilterFree, FreeContextRunsExactlyOnce) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/free-context",
           "bufferevent.h: free_context is 'a function to use to free the filter context when "
           "this bufferevent is freed': called once, with ctx, not before the free");
  ASSERT_NE(NewFilter(), nullptr);
  ASSERT_EQ(bufferevent_write(filter_, "x", 1), 0);
  EXPECT_EQ(PeerReceive(1), "x");
  EXPECT_EQ(ctx_.freed, 0);
  FreeFilter();
  Settle();
  EXPECT_EQ(ctx_.freed, 1);
}

// Free inside a callback, with callbacks run at once, or deferred on the
// filter, or deferred on the underlying.
enum Deferral { kImmediate, kFilterDeferred, kUnderlyingDeferred };
class BufferEventFilterFreeInside : public FilterTest, public ::testing::WithParamInterface<Deferral> {
 protected:
  bufferevent* NewDeferredFilter() {
    const int defer = BEV_OPT_DEFER_CALLBACKS;
    return NewFilter(BEV_OPT_CLOSE_ON_FREE | (GetParam() == kFilterDeferred ? defer : 0), false,
                     GetParam() == kUnderlyingDeferred ? defer : 0);
  }
};
INSTANTIATE_TEST_SUITE_P(Options, BufferEventFilterFreeInside,
                         ::testing::Values(kImmediate, kFilterDeferred, kUnderlyingDeferred),
                         [](const ::testing::TestParamInfo<Deferral>& p) {
                           return std::string(p.param == kImmediate        ? "Immediate"
                                              : p.param == kFilterDeferred ? "FilterDeferred"
                                                                           : "UnderlyingDeferred");
                         });

TEST_P(BufferEventFilterFreeInside, ReadCallback) {
  EVC_RULE("bufferevent.h/bufferevent_free/filter-inside-read-cb",
           "bufferevent.h: bufferevent_free inside a filter's read callback is safe; no callback "
           "runs afterwards; its underlying is freed with it (BEV_OPT_CLOSE_ON_FREE)");
  ASSERT_NE(NewDeferredFilter(), nullptr);
  const int fd = bufferevent_getfd(bev_);
  log_filter_.on_read = [this](bufferevent*) { FreeFilter(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  PeerSend("one");
  ClosePeer();  // an EOF is also ready: it must not be reported
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(log_filter_.reads, 1);
  EXPECT_TRUE(log_filter_.events.empty());
  EXPECT_FALSE(FdIsOpen(fd));
  EXPECT_EQ(ctx_.freed, 1);
}

TEST_P(BufferEventFilterFreeInside, WriteCallback) {
  EVC_RULE("bufferevent.h/bufferevent_free/filter-inside-write-cb",
           "bufferevent.h: bufferevent_free inside a filter's write callback is safe; no callback "
           "runs afterwards; its underlying is freed with it (BEV_OPT_CLOSE_ON_FREE)");
  ASSERT_NE(NewDeferredFilter(), nullptr);
  const int fd = bufferevent_getfd(bev_);
  log_filter_.on_write = [this](bufferevent*) { FreeFilter(); };
  ASSERT_EQ(bufferevent_write(filter_, "bye", 3), 0);
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(log_filter_.writes, 1);
  EXPECT_TRUE(log_filter_.events.empty());
  EXPECT_FALSE(FdIsOpen(fd));
  EXPECT_EQ(ctx_.freed, 1);
}

TEST_P(BufferEventFilterFreeInside, EventCallback) {
  EVC_RULE("bufferevent.h/bufferevent_free/filter-inside-event-cb",
           "bufferevent.h: bufferevent_free inside a filter's event callback (an EOF forwarded "
           "from the underlying) is safe; its underlying is freed with it");
  ASSERT_NE(NewDeferredFilter(), nullptr);
  const int fd = bufferevent_getfd(bev_);
  log_filter_.on_event = [this](bufferevent*, short) { FreeFilter(); };
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  ClosePeer();
  EXPECT_EQ(event_base_dispatch(base_), 1);
  EXPECT_EQ(log_filter_.events, (std::vector<short>{BEV_EVENT_EOF | BEV_EVENT_READING}));
  EXPECT_FALSE(FdIsOpen(fd));
  EXPECT_EQ(ctx_.freed, 1);
}

// Freeing the underlying first: the filter's options, with callbacks run
// at once or deferred.
class BufferEventFilterUnderlyingFreed : public FilterTest, public ::testing::WithParamInterface<int> {};
INSTANTIATE_TEST_SUITE_P(Options, BufferEventFilterUnderlyingFreed,
                         ::testing::Values(0, BEV_OPT_CLOSE_ON_FREE, BEV_OPT_DEFER_CALLBACKS,
                                           BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS),
                         [](const ::testing::TestParamInfo<int>& p) {
                           return std::string(p.param & BEV_OPT_CLOSE_ON_FREE ? "CloseOnFree" : "Keep") +
                                  (p.param & BEV_OPT_DEFER_CALLBACKS ? "Deferred" : "Immediate");
                         });

TEST_P(BufferEventFilterUnderlyingFreed, FirstIsSafeAndTheSocketGoesWithTheFilter) {
  EVC_RULE("bufferevent.h/bufferevent_free/underlying-before-filter",
           "libevent 2.1.12 (bufferevent_filter_new takes a reference on the underlying): "
           "bufferevent_free of the underlying while its filter lives is safe; the underlying's "
           "socket stays open until the filter is freed too, then closes");
  ASSERT_NE(NewFilter(GetParam()), nullptr);
  const int fd = bufferevent_getfd(bev_);
  bufferevent_free(bev_);  // it had BEV_OPT_CLOSE_ON_FREE itself
  bev_ = nullptr;
  owns_bev_ = false;
  ASSERT_EQ(bufferevent_write(filter_, "x", 1), 0);
  ASSERT_EQ(bufferevent_enable(filter_, EV_READ), 0);
  Settle();
  EXPECT_TRUE(FdIsOpen(fd));
  FreeFilter();
  Settle();
  EXPECT_FALSE(FdIsOpen(fd));
  EXPECT_EQ(ctx_.freed, 1);
}

using BufferEventFilterBadInput = FilterTest;

TEST_F(BufferEventFilterBadInput, NullUnderlyingGivesNull) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/null-underlying",
           "libevent 2.1.12 (bufferevent_filter_new): a NULL underlying gives NULL, and "
           "free_context is not called");
  EXPECT_EQ(bufferevent_filter_new(nullptr, FilterCtx::In, FilterCtx::Out, 0, FilterCtx::Free, &ctx_), nullptr);
  EXPECT_EQ(bufferevent_filter_new(nullptr, nullptr, nullptr, BEV_OPT_CLOSE_ON_FREE, nullptr, nullptr), nullptr);
  EXPECT_EQ(ctx_.freed, 0);
}

TEST_F(BufferEventFilterBadInput, UnlockCallbacksWithoutDeferIsRefused) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/unlock-needs-defer",
           "libevent 2.1.12 (bufferevent_init_common_): BEV_OPT_UNLOCK_CALLBACKS without "
           "BEV_OPT_DEFER_CALLBACKS gives NULL; the underlying keeps its callbacks");
  ASSERT_NE(NewPairBev(), nullptr);
  EXPECT_EQ(bufferevent_filter_new(bev_, FilterCtx::In, FilterCtx::Out, BEV_OPT_UNLOCK_CALLBACKS,
                                   FilterCtx::Free, &ctx_),
            nullptr);
  EXPECT_EQ(ctx_.freed, 0);
  bufferevent_data_cb read = nullptr;
  void* arg = nullptr;
  bufferevent_getcb(bev_, &read, nullptr, nullptr, &arg);
  EXPECT_EQ(read, &BevLog::Read);
  EXPECT_EQ(arg, &log_bev_);
}

TEST_F(BufferEventFilterBadInput, ThreadsafeWithoutThreadsGivesNullOrAWorkingFilter) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/threadsafe-without-threads",
           "bufferevent.h: BEV_OPT_THREADSAFE needs thread support; without it a filter is "
           "refused (NULL) or made without locks (libevent 2.1.12 ignores the missing lock), "
           "and then it works");
  ASSERT_NE(NewPairBev(), nullptr);
  filter_ = bufferevent_filter_new(bev_, nullptr, nullptr, BEV_OPT_THREADSAFE, nullptr, nullptr);
  if (filter_ == nullptr) return;
  ASSERT_EQ(bufferevent_write(filter_, "ok", 2), 0);
  EXPECT_EQ(PeerReceive(2), "ok");
}

}  // namespace
}  // namespace evc
