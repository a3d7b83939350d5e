// evbuffer_add_iovec: appends the bytes of several vectors in order and
// returns how many it added.
#include <sys/uio.h>

#include <string>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

evbuffer_iovec Vec(const char* s, size_t n) { return evbuffer_iovec{const_cast<char*>(s), n}; }

using EvbufferAddIovec = EvbufferTest;

TEST_F(EvbufferAddIovec, AppendsEveryVectorInOrder) {
  EVC_RULE("buffer.h/evbuffer_add_iovec",
           "buffer.h evbuffer_add_iovec: appends the data of the vectors in order; returns the "
           "number of bytes written to the buffer");
  Add("<");
  evbuffer_iovec vec[] = {Vec("one", 3), Vec("", 0), Vec("two", 3), Vec("three", 5)};
  EXPECT_EQ(evbuffer_add_iovec(buf_, vec, 4), 11u);
  EXPECT_EQ(Contents(buf_), "<onetwothree");
}

TEST_F(EvbufferAddIovec, NoVectorsAddNothing) {
  EVC_RULE("buffer.h/evbuffer_add_iovec/none",
           "buffer.h evbuffer_add_iovec: with n_vec 0 (or only empty vectors) nothing is written: "
           "returns 0 and runs no callback");
  Add("x");
  size_t added = 0;
  ASSERT_NE(evbuffer_add_cb(buf_, SumAdded, &added), nullptr);
  evbuffer_iovec empty[] = {Vec("", 0), Vec("", 0)};
  EXPECT_EQ(evbuffer_add_iovec(buf_, empty, 0), 0u);
  EXPECT_EQ(evbuffer_add_iovec(buf_, empty, 2), 0u);
  EXPECT_EQ(Contents(buf_), "x");
  EXPECT_EQ(added, 0u);
}

TEST_F(EvbufferAddIovec, CallbacksSeeEveryByte) {
  EVC_RULE("buffer.h/evbuffer_add_iovec/callbacks",
           "buffer.h evbuffer_cb_func: runs when data is added: the n_added of the calls made "
           "during evbuffer_add_iovec sum to the bytes it returns");
  size_t added = 0;
  ASSERT_NE(evbuffer_add_cb(buf_, SumAdded, &added), nullptr);
  const std::string big(5000, 'b');
  evbuffer_iovec vec[] = {Vec("aa", 2), Vec(big.data(), big.size()), Vec("c", 1)};
  ASSERT_EQ(evbuffer_add_iovec(buf_, vec, 3), 5003u);
  EXPECT_EQ(added, 5003u);
  EXPECT_EQ(Contents(buf_), "aa" + big + "c");
}

TEST_F(EvbufferAddIovec, FrozenEndAddsNothing) {
  EVC_RULE("buffer.h/evbuffer_add_iovec/frozen-end",
           "buffer.h evbuffer_freeze: a buffer frozen at the end refuses additions: "
           "evbuffer_add_iovec writes no byte and returns 0");
  ASSERT_EQ(evbuffer_freeze(buf_, 0), 0);
  evbuffer_iovec vec[] = {Vec("abc", 3)};
  EXPECT_EQ(evbuffer_add_iovec(buf_, vec, 1), 0u);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

}  // namespace
}  // namespace evc
