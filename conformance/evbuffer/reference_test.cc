// evbuffer_add_reference: caller-owned memory, no copy, cleanup exactly once.
#include <string>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

struct CleanupLog {
  int calls = 0;
  const void* data = nullptr;
  size_t len = 0;
};

void RecordCleanup(const void* data, size_t len, void* arg) {
  auto* log = static_cast<CleanupLog*>(arg);
  ++log->calls;
  log->data = data;
  log->len = len;
}

using EvbufferReference = EvbufferTest;

TEST_F(EvbufferReference, DataIsNotCopied) {
  EVC_RULE("buffer.h/evbuffer_add_reference/not-copied",
           "buffer.h evbuffer_add_reference: the memory is not copied; peek points into it");
  static const char kData[] = "referenced";
  ASSERT_EQ(evbuffer_add_reference(buf_, kData, 10, nullptr, nullptr), 0);
  evbuffer_iovec v;
  ASSERT_EQ(evbuffer_peek(buf_, -1, nullptr, &v, 1), 1);
  EXPECT_EQ(v.iov_base, static_cast<const void*>(kData));
  EXPECT_EQ(v.iov_len, 10u);
}

TEST_F(EvbufferReference, CleanupRunsOnceWhenDrained) {
  EVC_RULE("buffer.h/evbuffer_add_reference/cleanup-when-drained",
           "buffer.h evbuffer_add_reference: cleanupfn is called when the data is no longer needed");
  static const char kData[] = "abcdef";
  CleanupLog log;
  ASSERT_EQ(evbuffer_add_reference(buf_, kData, 6, RecordCleanup, &log), 0);
  EXPECT_EQ(evbuffer_drain(buf_, 3), 0);
  EXPECT_EQ(log.calls, 0) << "half of the data is still in the buffer";
  EXPECT_EQ(evbuffer_drain(buf_, 3), 0);
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(log.data, static_cast<const void*>(kData));
  EXPECT_EQ(log.len, 6u);
}

TEST_F(EvbufferReference, CleanupRunsOnFree) {
  EVC_RULE("buffer.h/evbuffer_add_reference/cleanup-on-free",
           "buffer.h evbuffer_add_reference: cleanupfn runs when the buffer holding it is freed");
  static const char kData[] = "xyz";
  CleanupLog log;
  ASSERT_EQ(evbuffer_add_reference(buf_, kData, 3, RecordCleanup, &log), 0);
  evbuffer_free(buf_);
  buf_ = nullptr;
  EXPECT_EQ(log.calls, 1);
}

TEST_F(EvbufferReference, CleanupFollowsTheDataWhenMoved) {
  EVC_RULE("buffer.h/evbuffer_add_reference/cleanup-follows-move",
           "buffer.h evbuffer_add_buffer moves chains: the reference is released by its new owner");
  static const char kData[] = "moving";
  CleanupLog log;
  evbuffer* other = NewBuffer();
  ASSERT_EQ(evbuffer_add_reference(other, kData, 6, RecordCleanup, &log), 0);
  ASSERT_EQ(evbuffer_add_buffer(buf_, other), 0);
  EXPECT_EQ(log.calls, 0);
  EXPECT_EQ(Contents(buf_), "moving");
  ASSERT_EQ(evbuffer_drain(buf_, 6), 0);
  EXPECT_EQ(log.calls, 1);
}

TEST_F(EvbufferReference, RemoveReadsReferencedBytes) {
  EVC_RULE("buffer.h/evbuffer_add_reference/remove-reads",
           "buffer.h evbuffer_remove works on referenced memory like on copied memory");
  AddChains({"ab", "cdef"});
  char out[5] = {};
  EXPECT_EQ(evbuffer_remove(buf_, out, 5), 5);
  EXPECT_EQ(std::string(out, 5), "abcde");
  EXPECT_EQ(Contents(buf_), "f");
}

TEST_F(EvbufferReference, FrozenEndRejectsWithoutCleanup) {
  EVC_RULE("buffer.h/evbuffer_add_reference/failure-no-cleanup",
           "buffer.h evbuffer_add_reference: on failure the cleanup function is not called (libevent 2.1.12 code)");
  static const char kData[] = "no";
  CleanupLog log;
  ASSERT_EQ(evbuffer_freeze(buf_, 0), 0);
  EXPECT_EQ(evbuffer_add_reference(buf_, kData, 2, RecordCleanup, &log), -1);
  EXPECT_EQ(log.calls, 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_F(EvbufferReference, AddAfterReferenceGoesToANewChain) {
  EVC_RULE("buffer.h/evbuffer_add_reference/read-only",
           "buffer.h evbuffer_add_reference: referenced memory is read-only to the buffer");
  static const char kData[] = "ro";
  ASSERT_EQ(evbuffer_add_reference(buf_, kData, 2, nullptr, nullptr), 0);
  Add("rw");
  EXPECT_EQ(Contents(buf_), "rorw");
  EXPECT_EQ(std::string(kData), "ro");
  EXPECT_EQ(ChainCount(buf_), 2);
}

}  // namespace
}  // namespace evc
