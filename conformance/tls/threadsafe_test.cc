// TLS bufferevents made with BEV_OPT_THREADSAFE in a process with thread
// support: the SSL kinds take a lock as the other kinds do, and data
// written from another thread while the loop runs arrives intact. Each
// test runs in a child, which sets threading up before making its base
// (lock callbacks are process-wide, and a base made before them has no
// lock).
#include <event2/thread.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "tls_fixture.h"

namespace evc {
namespace {

using TlsThreadsafe = TlsTransportTest;
EVC_TLS_TRANSPORTS(TlsThreadsafe);

TEST_P(TlsThreadsafe, WrittenFromAnotherThreadArrivesIntactAndInOrder) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/threadsafe",
           "bufferevent.h BEV_OPT_THREADSAFE: 'If set, we add locks to the bufferevent, so that "
           "it's safe to use it from multiple threads concurrently': with evthread_use_pthreads, "
           "SSL bufferevents (over a socket, or a filter over one) made with it exist, and 256 KiB "
           "written in 4 KiB pieces from another thread while the loop runs arrive intact and in "
           "order; bufferevent_lock / bufferevent_unlock work on them");
  const Transport transport = GetParam();
  const ChildEnd end = RunInChild([&] {
    ASSERT_EQ(evthread_use_pthreads(), 0);
    event_base_free(base_);
    base_ = event_base_new();  // made after the lock callbacks: it has a lock
    ASSERT_NE(base_, nullptr);
    ASSERT_NO_FATAL_FAILURE(NewEnds(transport, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE));
    ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
    bufferevent_lock(end_[0].bev);
    bufferevent_unlock(end_[0].bev);
    const std::string data = Pattern(256 * 1024, 7);
    Collect(1);
    std::atomic<bool> written{false};
    std::thread writer([&] {
      for (size_t at = 0; at < data.size(); at += 4096)
        bufferevent_write(end_[0].bev, data.data() + at, std::min<size_t>(4096, data.size() - at));
      written = true;
    });
    const bool arrived = RunUntil([&] { return written && end_[1].got.size() >= data.size(); }, 10000);
    writer.join();
    EXPECT_TRUE(arrived) << end_[1].got.size() << " of " << data.size() << " bytes";
    EXPECT_TRUE(end_[1].got == data);
  }, 20000);
  EXPECT_TRUE(EndedCleanly(end));
}

}  // namespace
}  // namespace evc
