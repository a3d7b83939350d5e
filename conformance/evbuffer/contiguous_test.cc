// Contiguous access: get_contiguous_space, pullup, peek.
#include <cstring>
#include <string>
#include <vector>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

using EvbufferContiguous = EvbufferTest;

TEST_F(EvbufferContiguous, ContiguousSpaceIsFirstChain) {
  EVC_RULE("buffer.h/evbuffer_get_contiguous_space",
           "buffer.h evbuffer_get_contiguous_space: the number of bytes in the first chain");
  AddChains({"abcd", "ef"});
  EXPECT_EQ(evbuffer_get_contiguous_space(buf_), 4u);
  ASSERT_EQ(evbuffer_drain(buf_, 4), 0);
  EXPECT_EQ(evbuffer_get_contiguous_space(buf_), 2u);
}

TEST_F(EvbufferContiguous, PullupJoinsChains) {
  EVC_RULE("buffer.h/evbuffer_pullup/joins-chains",
           "buffer.h evbuffer_pullup: makes the first size bytes contiguous and returns them");
  AddChains({"ab", "cd", "ef"});
  unsigned char* p = evbuffer_pullup(buf_, 5);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(std::memcmp(p, "abcde", 5), 0);
  EXPECT_GE(evbuffer_get_contiguous_space(buf_), 5u);
  EXPECT_EQ(Contents(buf_), "abcdef");
}

TEST_F(EvbufferContiguous, PullupMinusOneJoinsEverything) {
  EVC_RULE("buffer.h/evbuffer_pullup/minus-one",
           "buffer.h evbuffer_pullup: size -1 makes all the data contiguous");
  AddChains({"ab", "cd", "ef"});
  Add(std::string(3000, 'z'));
  unsigned char* p = evbuffer_pullup(buf_, -1);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(evbuffer_get_contiguous_space(buf_), evbuffer_get_length(buf_));
  EXPECT_EQ(ChainCount(buf_), 1);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(p), 3006), "abcdef" + std::string(3000, 'z'));
}

TEST_F(EvbufferContiguous, PullupWithinFirstChainPointsAtIt) {
  EVC_RULE("buffer.h/evbuffer_pullup/within-first-chain-no-copy",
           "buffer.h evbuffer_pullup: nothing is copied when the first chain already holds size bytes");
  static const char kData[] = "first-chain";
  ASSERT_EQ(evbuffer_add_reference(buf_, kData, 11, nullptr, nullptr), 0);
  AddChains({"second"});
  EXPECT_EQ(evbuffer_pullup(buf_, 5), reinterpret_cast<const unsigned char*>(kData));
}

TEST_F(EvbufferContiguous, PullupMoreThanLengthFails) {
  EVC_RULE("buffer.h/evbuffer_pullup/more-than-length",
           "buffer.h evbuffer_pullup: NULL if size requested more data than is present");
  AddChains({"ab", "cd"});
  EXPECT_EQ(evbuffer_pullup(buf_, 5), nullptr);
  EXPECT_EQ(Contents(buf_), "abcd");
}

TEST_F(EvbufferContiguous, PullupOfEmptyBufferIsNull) {
  EVC_RULE("buffer.h/evbuffer_pullup/empty-buffer",
           "observed libevent 2.1.12: evbuffer_pullup(-1) and (0) return NULL on an empty buffer");
  EXPECT_EQ(evbuffer_pullup(buf_, -1), nullptr);
  EXPECT_EQ(evbuffer_pullup(buf_, 0), nullptr);
}

TEST_F(EvbufferContiguous, PeekCountsChainsWithoutVectors) {
  EVC_RULE("buffer.h/evbuffer_peek/no-vectors-counts",
           "buffer.h evbuffer_peek: with n_vec 0, returns how many extents the data needs");
  AddChains({"ab", "cd", "ef"});
  EXPECT_EQ(evbuffer_peek(buf_, -1, nullptr, nullptr, 0), 3);
  EXPECT_EQ(evbuffer_peek(buf_, 3, nullptr, nullptr, 0), 2);
  EXPECT_EQ(evbuffer_peek(buf_, 2, nullptr, nullptr, 0), 1);
}

TEST_F(EvbufferContiguous, PeekFillsVectorsWithData) {
  EVC_RULE("buffer.h/evbuffer_peek/fills-vectors",
           "buffer.h evbuffer_peek: vec_out points at the buffer's data, in order");
  AddChains({"ab", "cde", "f"});
  evbuffer_iovec v[3];
  ASSERT_EQ(evbuffer_peek(buf_, -1, nullptr, v, 3), 3);
  EXPECT_EQ(std::string(static_cast<char*>(v[0].iov_base), v[0].iov_len), "ab");
  EXPECT_EQ(std::string(static_cast<char*>(v[1].iov_base), v[1].iov_len), "cde");
  EXPECT_EQ(std::string(static_cast<char*>(v[2].iov_base), v[2].iov_len), "f");
}

TEST_F(EvbufferContiguous, PeekWithTooFewVectorsReportsNeed) {
  EVC_RULE("buffer.h/evbuffer_peek/too-few-vectors",
           "buffer.h evbuffer_peek: returns the number of extents needed, which may exceed n_vec");
  AddChains({"ab", "cd", "ef"});
  evbuffer_iovec v[1];
  EXPECT_EQ(evbuffer_peek(buf_, 6, nullptr, v, 1), 3);
  EXPECT_EQ(std::string(static_cast<char*>(v[0].iov_base), v[0].iov_len), "ab");
}

TEST_F(EvbufferContiguous, PeekFromPointerStartsMidChain) {
  EVC_RULE("buffer.h/evbuffer_peek/start-at",
           "buffer.h evbuffer_peek: start_at begins the first extent at the pointer");
  AddChains({"abc", "def"});
  evbuffer_ptr p;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 1, EVBUFFER_PTR_SET), 0);
  evbuffer_iovec v[2];
  ASSERT_EQ(evbuffer_peek(buf_, -1, &p, v, 2), 2);
  EXPECT_EQ(std::string(static_cast<char*>(v[0].iov_base), v[0].iov_len), "bc");
  EXPECT_EQ(std::string(static_cast<char*>(v[1].iov_base), v[1].iov_len), "def");
}

TEST_F(EvbufferContiguous, PeekFromEndPointerIsEmpty) {
  EVC_RULE("buffer.h/evbuffer_peek/from-end",
           "observed libevent 2.1.12: evbuffer_peek from a pointer at the end returns 0");
  AddChains({"abc"});
  evbuffer_ptr p;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 3, EVBUFFER_PTR_SET), 0);
  evbuffer_iovec v[1];
  EXPECT_EQ(evbuffer_peek(buf_, -1, &p, v, 1), 0);
}

}  // namespace
}  // namespace evc
