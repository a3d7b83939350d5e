// Moving data between buffers: add_buffer, prepend_buffer, remove_buffer.
#include <string>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

class EvbufferMove : public EvbufferTest {
 protected:
  void SetUp() override {
    EvbufferTest::SetUp();
    src_ = NewBuffer();
    ASSERT_NE(src_, nullptr);
  }
  evbuffer* src_ = nullptr;
};

TEST_F(EvbufferMove, AddBufferMovesEverything) {
  EVC_RULE("buffer.h/evbuffer_add_buffer/moves-all",
           "buffer.h evbuffer_add_buffer: move all data from one evbuffer into another");
  Add("dst:");
  AddChains(src_, {"one", "two"});
  EXPECT_EQ(evbuffer_add_buffer(buf_, src_), 0);
  EXPECT_EQ(Contents(buf_), "dst:onetwo");
  EXPECT_EQ(evbuffer_get_length(src_), 0u);
}

TEST_F(EvbufferMove, AddBufferDoesNotCopyReferences) {
  EVC_RULE("buffer.h/evbuffer_add_buffer/no-copy",
           "buffer.h evbuffer_add_buffer: no unnecessary memory copies occur");
  static const char kData[] = "shared-bytes";
  ASSERT_EQ(evbuffer_add_reference(src_, kData, 12, nullptr, nullptr), 0);
  ASSERT_EQ(evbuffer_add_buffer(buf_, src_), 0);
  evbuffer_iovec v;
  ASSERT_EQ(evbuffer_peek(buf_, -1, nullptr, &v, 1), 1);
  EXPECT_EQ(v.iov_base, static_cast<const void*>(kData));
}

TEST_F(EvbufferMove, AddBufferFromEmptySourceIsNoOp) {
  EVC_RULE("buffer.h/evbuffer_add_buffer/empty-source",
           "buffer.h evbuffer_add_buffer: 0 if successful (nothing to move is success)");
  Add("x");
  EXPECT_EQ(evbuffer_add_buffer(buf_, src_), 0);
  EXPECT_EQ(Contents(buf_), "x");
}

TEST_F(EvbufferMove, AddBufferToItselfChangesNothing) {
  EVC_RULE("buffer.h/evbuffer_add_buffer/to-itself",
           "observed libevent 2.1.12: evbuffer_add_buffer(b, b) returns 0 and leaves b as it was");
  Add("self");
  EXPECT_EQ(evbuffer_add_buffer(buf_, buf_), 0);
  EXPECT_EQ(Contents(buf_), "self");
}

TEST_F(EvbufferMove, AddBufferRespectsFreezes) {
  EVC_RULE("buffer.h/evbuffer_add_buffer/frozen",
           "buffer.h evbuffer_freeze: add_buffer fails if the destination's end or the source's front is frozen");
  Add("d");
  Add(src_, "s");
  ASSERT_EQ(evbuffer_freeze(buf_, 0), 0);
  EXPECT_EQ(evbuffer_add_buffer(buf_, src_), -1);
  ASSERT_EQ(evbuffer_unfreeze(buf_, 0), 0);
  ASSERT_EQ(evbuffer_freeze(src_, 1), 0);
  EXPECT_EQ(evbuffer_add_buffer(buf_, src_), -1);
  EXPECT_EQ(Contents(buf_), "d");
  EXPECT_EQ(Contents(src_), "s");
}

TEST_F(EvbufferMove, PrependBufferPutsSourceFirst) {
  EVC_RULE("buffer.h/evbuffer_prepend_buffer/source-first",
           "buffer.h evbuffer_prepend_buffer: prepends the contents of src to dst");
  AddChains({"tail"});
  AddChains(src_, {"he", "ad:"});
  EXPECT_EQ(evbuffer_prepend_buffer(buf_, src_), 0);
  EXPECT_EQ(Contents(buf_), "head:tail");
  EXPECT_EQ(evbuffer_get_length(src_), 0u);
}

TEST_F(EvbufferMove, PrependBufferIntoEmptyDestination) {
  EVC_RULE("buffer.h/evbuffer_prepend_buffer/empty-destination",
           "buffer.h evbuffer_prepend_buffer: into an empty buffer gives exactly the source");
  Add(src_, "abc");
  EXPECT_EQ(evbuffer_prepend_buffer(buf_, src_), 0);
  EXPECT_EQ(Contents(buf_), "abc");
  Add("d");
  EXPECT_EQ(Contents(buf_), "abcd");
}

TEST_F(EvbufferMove, PrependBufferRespectsFreezes) {
  EVC_RULE("buffer.h/evbuffer_prepend_buffer/frozen",
           "observed libevent 2.1.12: prepend_buffer fails if either buffer's front is frozen");
  Add("d");
  Add(src_, "s");
  ASSERT_EQ(evbuffer_freeze(buf_, 1), 0);
  EXPECT_EQ(evbuffer_prepend_buffer(buf_, src_), -1);
  ASSERT_EQ(evbuffer_unfreeze(buf_, 1), 0);
  ASSERT_EQ(evbuffer_freeze(src_, 1), 0);
  EXPECT_EQ(evbuffer_prepend_buffer(buf_, src_), -1);
  EXPECT_EQ(Contents(buf_), "d");
  EXPECT_EQ(Contents(src_), "s");
}

TEST_F(EvbufferMove, RemoveBufferMovesPrefix) {
  EVC_RULE("buffer.h/evbuffer_remove_buffer/moves-prefix",
           "buffer.h evbuffer_remove_buffer: read data from src into dst, draining src; returns bytes moved");
  Add("dst:");
  AddChains(src_, {"abc", "def", "ghi"});
  EXPECT_EQ(evbuffer_remove_buffer(src_, buf_, 5), 5);
  EXPECT_EQ(Contents(buf_), "dst:abcde");
  EXPECT_EQ(Contents(src_), "fghi");
}

TEST_F(EvbufferMove, RemoveBufferOnChainBoundary) {
  EVC_RULE("buffer.h/evbuffer_remove_buffer/chain-boundary",
           "buffer.h evbuffer_remove_buffer: exactly datlen bytes move when datlen ends a chain");
  AddChains(src_, {"abc", "def"});
  EXPECT_EQ(evbuffer_remove_buffer(src_, buf_, 3), 3);
  EXPECT_EQ(Contents(buf_), "abc");
  EXPECT_EQ(Contents(src_), "def");
}

TEST_F(EvbufferMove, RemoveBufferMoreThanAvailableMovesAll) {
  EVC_RULE("buffer.h/evbuffer_remove_buffer/more-than-available",
           "buffer.h evbuffer_remove_buffer: if more bytes are requested than are available, src is drained completely");
  AddChains(src_, {"ab", "cd"});
  EXPECT_EQ(evbuffer_remove_buffer(src_, buf_, 100), 4);
  EXPECT_EQ(Contents(buf_), "abcd");
  EXPECT_EQ(evbuffer_get_length(src_), 0u);
}

TEST_F(EvbufferMove, RemoveBufferZeroBytesMovesNothing) {
  EVC_RULE("buffer.h/evbuffer_remove_buffer/zero-bytes",
           "buffer.h evbuffer_remove_buffer: returns the number of bytes read (0 for datlen 0)");
  Add(src_, "abc");
  EXPECT_EQ(evbuffer_remove_buffer(src_, buf_, 0), 0);
  EXPECT_EQ(Contents(src_), "abc");
}

TEST_F(EvbufferMove, RemoveBufferRespectsFreezes) {
  EVC_RULE("buffer.h/evbuffer_remove_buffer/frozen",
           "buffer.h evbuffer_freeze: remove_buffer fails if the source's front or destination's end is frozen");
  Add(src_, "abc");
  ASSERT_EQ(evbuffer_freeze(src_, 1), 0);
  EXPECT_EQ(evbuffer_remove_buffer(src_, buf_, 2), -1);
  ASSERT_EQ(evbuffer_unfreeze(src_, 1), 0);
  ASSERT_EQ(evbuffer_freeze(buf_, 0), 0);
  EXPECT_EQ(evbuffer_remove_buffer(src_, buf_, 2), -1);
  EXPECT_EQ(Contents(src_), "abc");
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_F(EvbufferMove, RoundTripsPreserveBytes) {
  EVC_RULE("buffer.h/evbuffer_add_buffer/round-trips-keep-bytes",
           "buffer.h: moving data between buffers never loses, duplicates or reorders bytes");
  std::string expect;
  for (int i = 0; i < 200; ++i) {
    std::string piece = std::to_string(i) + (i % 3 ? "\r\n" : "\n");
    expect += piece;
    Add(src_, piece);
    if (i % 7 == 0) ASSERT_GE(evbuffer_remove_buffer(src_, buf_, 5), 0);
  }
  ASSERT_EQ(evbuffer_add_buffer(buf_, src_), 0);
  EXPECT_EQ(Contents(buf_), expect);
}

}  // namespace
}  // namespace evc
