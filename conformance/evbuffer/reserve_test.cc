// evbuffer_reserve_space / evbuffer_commit_space.
#include <cstring>
#include <string>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

using EvbufferReserve = EvbufferTest;

size_t Total(const evbuffer_iovec* v, int n) {
  size_t t = 0;
  for (int i = 0; i < n; ++i) t += v[i].iov_len;
  return t;
}

TEST_F(EvbufferReserve, SingleExtentHoldsTheSize) {
  EVC_RULE("buffer.h/evbuffer_reserve_space/one-vector-holds-size",
           "buffer.h evbuffer_reserve_space: with n_vec 1 the extent holds at least size bytes");
  Add("head");
  evbuffer_iovec v[1];
  ASSERT_EQ(evbuffer_reserve_space(buf_, 5000, v, 1), 1);
  EXPECT_GE(v[0].iov_len, 5000u);
  EXPECT_EQ(evbuffer_get_length(buf_), 4u) << "reserved space is not readable";
}

TEST_F(EvbufferReserve, CommitMakesDataReadable) {
  EVC_RULE("buffer.h/evbuffer_commit_space/readable",
           "buffer.h evbuffer_commit_space: committed bytes become available for reading");
  Add("head:");
  evbuffer_iovec v[1];
  ASSERT_EQ(evbuffer_reserve_space(buf_, 10, v, 1), 1);
  std::memcpy(v[0].iov_base, "committed!", 10);
  v[0].iov_len = 10;
  ASSERT_EQ(evbuffer_commit_space(buf_, v, 1), 0);
  EXPECT_EQ(Contents(buf_), "head:committed!");
}

TEST_F(EvbufferReserve, CommitLessThanReserved) {
  EVC_RULE("buffer.h/evbuffer_commit_space/shorter",
           "buffer.h evbuffer_commit_space: shorten iov_len to commit less than was reserved");
  evbuffer_iovec v[1];
  ASSERT_EQ(evbuffer_reserve_space(buf_, 100, v, 1), 1);
  std::memcpy(v[0].iov_base, "abc", 3);
  v[0].iov_len = 3;
  ASSERT_EQ(evbuffer_commit_space(buf_, v, 1), 0);
  EXPECT_EQ(Contents(buf_), "abc");
  Add("d");
  EXPECT_EQ(Contents(buf_), "abcd");
}

TEST_F(EvbufferReserve, TwoExtentsCommitTogether) {
  EVC_RULE("buffer.h/evbuffer_reserve_space/two-extents",
           "buffer.h evbuffer_reserve_space: up to n_vec extents with at least size bytes in all");
  Add(std::string(1000, 'h'));
  evbuffer_iovec v[2];
  int n = evbuffer_reserve_space(buf_, 8000, v, 2);
  ASSERT_GE(n, 1);
  ASSERT_LE(n, 2);
  ASSERT_GE(Total(v, n), 8000u);
  std::string written;
  for (int i = 0; i < n; ++i) {
    std::memset(v[i].iov_base, 'a' + i, v[i].iov_len);
    written.append(v[i].iov_len, static_cast<char>('a' + i));
  }
  ASSERT_EQ(evbuffer_commit_space(buf_, v, n), 0);
  EXPECT_EQ(Contents(buf_), std::string(1000, 'h') + written);
}

TEST_F(EvbufferReserve, RepeatedReserveGivesSameSpace) {
  EVC_RULE("buffer.h/evbuffer_reserve_space/repeated-same-space",
           "buffer.h evbuffer_reserve_space: subsequent calls make the same space available until commit");
  Add("x");
  evbuffer_iovec a[1], b[1];
  ASSERT_EQ(evbuffer_reserve_space(buf_, 64, a, 1), 1);
  ASSERT_EQ(evbuffer_reserve_space(buf_, 64, b, 1), 1);
  EXPECT_EQ(a[0].iov_base, b[0].iov_base);
  EXPECT_EQ(a[0].iov_len, b[0].iov_len);
}

TEST_F(EvbufferReserve, CommitWithForeignPointerFails) {
  EVC_RULE("buffer.h/evbuffer_commit_space/foreign-extent",
           "buffer.h evbuffer_commit_space: error if the extents do not match those reserved");
  evbuffer_iovec v[1];
  ASSERT_EQ(evbuffer_reserve_space(buf_, 16, v, 1), 1);
  char elsewhere[16];
  v[0].iov_base = elsewhere;
  v[0].iov_len = 4;
  EXPECT_EQ(evbuffer_commit_space(buf_, v, 1), -1);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_F(EvbufferReserve, CommitLongerThanReservedFails) {
  EVC_RULE("buffer.h/evbuffer_commit_space/longer-than-reserved",
           "buffer.h evbuffer_commit_space: error if an extent is longer than the reserved space");
  evbuffer_iovec v[1];
  ASSERT_EQ(evbuffer_reserve_space(buf_, 16, v, 1), 1);
  v[0].iov_len += 1;
  EXPECT_EQ(evbuffer_commit_space(buf_, v, 1), -1);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_F(EvbufferReserve, CommitNothingSucceeds) {
  EVC_RULE("buffer.h/evbuffer_commit_space/zero-extents",
           "observed libevent 2.1.12: evbuffer_commit_space with 0 extents returns 0");
  EXPECT_EQ(evbuffer_commit_space(buf_, nullptr, 0), 0);
}

TEST_F(EvbufferReserve, ZeroVectorsIsAnError) {
  EVC_RULE("buffer.h/evbuffer_reserve_space/zero-vectors",
           "buffer.h evbuffer_reserve_space: n_vec must be at least 1; -1 on error");
  evbuffer_iovec v[1];
  EXPECT_EQ(evbuffer_reserve_space(buf_, 16, v, 0), -1);
}

TEST_F(EvbufferReserve, FrozenEndRefusesReserveAndCommit) {
  EVC_RULE("buffer.h/evbuffer_freeze/end-blocks-reserve",
           "buffer.h evbuffer_freeze(buf, 0): reserve_space and commit_space fail while the end is frozen");
  evbuffer_iovec v[1];
  ASSERT_EQ(evbuffer_reserve_space(buf_, 16, v, 1), 1);
  v[0].iov_len = 1;
  ASSERT_EQ(evbuffer_freeze(buf_, 0), 0);
  EXPECT_EQ(evbuffer_commit_space(buf_, v, 1), -1);
  evbuffer_iovec w[1];
  EXPECT_EQ(evbuffer_reserve_space(buf_, 16, w, 1), -1);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

}  // namespace
}  // namespace evc

namespace evc {
namespace {

// Found by fuzz/evbuffer_ops (libevent column): a zero-size reservation on
// a buffer whose data was prepended to it while empty.
TEST_F(EvbufferReserve, ZeroSizeAfterPrependToAnEmptyBufferUsesNoExtent) {
  EVC_RULE("buffer.h/evbuffer_reserve_space/zero-size-after-prepend",
           "buffer.h: evbuffer_reserve_space returns the number of extents used; a size of 0 "
           "uses none (observed 0 after evbuffer_add). Observed libevent 2.1.12 aborts here "
           "instead (buffer.c:2252 assertion in evbuffer_read_setup_vecs_), when the data came "
           "from evbuffer_prepend on an empty buffer");
  ASSERT_EQ(evbuffer_prepend(buf_, "abcdef", 6), 0);
  evbuffer_iovec vec[2];
  EXPECT_EQ(evbuffer_reserve_space(buf_, 0, vec, 2), 0);
  EXPECT_EQ(evbuffer_commit_space(buf_, vec, 0), 0);
  EXPECT_EQ(Contents(buf_), "abcdef");
}

TEST_F(EvbufferReserve, ZeroSizeWithTwoVectorsAfterFillingTheLastChainUsesNoExtent) {
  EVC_RULE("buffer.h/evbuffer_reserve_space/zero-size-full-last-chain",
           "buffer.h: evbuffer_reserve_space returns the number of extents used; a size of 0 "
           "uses none. Found by fuzz/evbuffer_ops_differential: libevent 2.1.12 aborts "
           "(buffer.c:2252) whenever the last chain with data has no space left, here filled "
           "through the extent a one-vector reservation returned");
  evbuffer_iovec vec[2];
  ASSERT_EQ(evbuffer_reserve_space(buf_, 1, vec, 1), 1);
  const std::string fill(vec[0].iov_len, 'f');
  std::memcpy(vec[0].iov_base, fill.data(), fill.size());
  ASSERT_EQ(evbuffer_commit_space(buf_, vec, 1), 0);
  EXPECT_EQ(evbuffer_reserve_space(buf_, 0, vec, 2), 0);
  EXPECT_EQ(evbuffer_commit_space(buf_, vec, 0), 0);
  EXPECT_EQ(Contents(buf_), fill);
}

TEST_F(EvbufferReserve, ZeroSizeWithTwoVectorsUsesNoExtent) {
  EVC_RULE("buffer.h/evbuffer_reserve_space/zero-size-two-vectors",
           "observed libevent 2.1.12: evbuffer_reserve_space with size 0 and more than one "
           "vector fills none (returns 0); with one vector it returns the tail chain (1)");
  evbuffer_iovec vec[2];
  EXPECT_EQ(evbuffer_reserve_space(buf_, 0, vec, 2), 0) << "empty buffer";
  ASSERT_EQ(evbuffer_add(buf_, "abcdef", 6), 0);
  EXPECT_EQ(evbuffer_reserve_space(buf_, 0, vec, 2), 0);
  EXPECT_EQ(evbuffer_reserve_space(buf_, 0, vec, 1), 1);
  EXPECT_EQ(evbuffer_commit_space(buf_, vec, 0), 0);
  EXPECT_EQ(Contents(buf_), "abcdef");
}

}  // namespace
}  // namespace evc
