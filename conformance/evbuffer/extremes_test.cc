// Sizes and descriptors at their extremes on every evbuffer entry point
// that takes one. Each value runs in a child process (RunInChild), so a
// crash or an exception escaping the C API is that value's result; sizes
// no buffer can hold must fail before anything changes.
#include <sys/socket.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <string>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

class EvbufferExtremes : public Test {};

// Sizes no buffer can hold: every one is above EVBUFFER_CHAIN_MAX
// (SSIZE_MAX) or makes the length overflow, so none can be allocated.
const std::vector<Named<size_t>> kImpossibleSizes = {
    {"SIZE_MAX", SIZE_MAX},
    {"SIZE_MAX-2", SIZE_MAX - 2},
    {"SSIZE_MAX+1", static_cast<size_t>(SSIZE_MAX) + 1},
    {"SSIZE_MAX", static_cast<size_t>(SSIZE_MAX)},
};

// A fresh buffer holding `text` (empty for ""), freed by the caller.
evbuffer* BufferWith(const std::string& text) {
  evbuffer* buf = evbuffer_new();
  if (buf != nullptr && !text.empty()) evbuffer_add(buf, text.data(), text.size());
  return buf;
}

TEST_F(EvbufferExtremes, SizesNoBufferCanHoldFailAndChangeNothing) {
  EVC_RULE("buffer.h/evbuffer_add/size-beyond-chain-max",
           "buffer.h: evbuffer_expand, evbuffer_add and evbuffer_prepend return -1 on failure; "
           "buffer.c refuses a chain above EVBUFFER_CHAIN_MAX (SSIZE_MAX) or a length that would "
           "overflow, before touching the buffer (observed libevent 2.1.12: -1 for every size here, "
           "on an empty and a non-empty buffer)");
  static const char data[16] = "abc";
  for (const std::string& start : {std::string(), std::string("hello")}) {
    for (const auto& size : kImpossibleSizes) {
      SCOPED_TRACE("size " + size.name + (start.empty() ? ", empty buffer" : ", 5 bytes"));
      EXPECT_IN_CHILD({
        evbuffer* buf = BufferWith(start);
        ASSERT_NE(buf, nullptr);
        EXPECT_EQ(evbuffer_expand(buf, size.value), -1);
        EXPECT_EQ(evbuffer_add(buf, data, size.value), -1);
        EXPECT_EQ(evbuffer_prepend(buf, data, size.value), -1);
        EXPECT_EQ(Contents(buf), start);
        evbuffer_free(buf);
      });
    }
  }
}

TEST_F(EvbufferExtremes, HugeCopyRemoveAndDrainSizesTakeWhatThereIs) {
  EVC_RULE("buffer.h/evbuffer_remove/huge-size",
           "buffer.h: evbuffer_copyout and evbuffer_remove copy at most datlen bytes and return "
           "the number copied; evbuffer_drain removes len bytes, or everything if there are fewer");
  for (const auto& size : kImpossibleSizes) {
    SCOPED_TRACE("size " + size.name);
    EXPECT_IN_CHILD({
      evbuffer* buf = BufferWith("hello");
      ASSERT_NE(buf, nullptr);
      char out[16] = {};
      EXPECT_EQ(evbuffer_copyout(buf, out, size.value), 5);
      EXPECT_EQ(std::string(out), "hello");
      EXPECT_EQ(evbuffer_remove(buf, out, size.value), 5);
      EXPECT_EQ(evbuffer_get_length(buf), 0u);
      evbuffer_add(buf, "again", 5);
      EXPECT_EQ(evbuffer_drain(buf, size.value), 0);
      EXPECT_EQ(evbuffer_get_length(buf), 0u);
      evbuffer_free(buf);
    });
  }
}

TEST_F(EvbufferExtremes, PullupOfAnyNegativeSizeIsTheWholeBufferAndOfTooMuchIsNull) {
  EVC_RULE("buffer.h/evbuffer_pullup/extreme-sizes",
           "buffer.h: evbuffer_pullup makes size bytes contiguous, 'or -1 to make the entire "
           "buffer contiguous', and returns NULL if size requested more data than is present. "
           "Observed libevent 2.1.12: every negative size means the whole buffer");
  const std::vector<Named<ev_ssize_t>> sizes = {{"-1", -1},
                                                {"-2", -2},
                                                {"SSIZE_MIN", -SSIZE_MAX - 1},
                                                {"SSIZE_MAX", SSIZE_MAX},
                                                {"6", 6}};
  for (const auto& size : sizes) {
    SCOPED_TRACE("size " + size.name);
    EXPECT_IN_CHILD({
      evbuffer* buf = evbuffer_new();
      ASSERT_NE(buf, nullptr);
      for (const char* piece : {"he", "ll", "o"}) {  // three chains
        evbuffer* part = BufferWith(piece);
        evbuffer_add_buffer(buf, part);
        evbuffer_free(part);
      }
      const unsigned char* p = evbuffer_pullup(buf, size.value);
      if (size.value < 0) {
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(p), 5), "hello");
      } else {
        EXPECT_EQ(p, nullptr);
      }
      EXPECT_EQ(Contents(buf), "hello");
      evbuffer_free(buf);
    });
  }
}

TEST_F(EvbufferExtremes, ReserveOfImpossibleSizesOrNoVectorsFails) {
  EVC_RULE("buffer.h/evbuffer_reserve_space/extreme-sizes-and-vectors",
           "buffer.h: evbuffer_reserve_space returns the number of extents or -1 on error; n_vec "
           "'must be at least 1'. Observed libevent 2.1.12: a negative size, SSIZE_MAX, or n_vec 0, "
           "-1, INT_MIN gives -1 and changes nothing; size 0 gives 0 or 1 extents");
  struct Case {
    std::string name;
    ev_ssize_t size;
    int n_vec;
  };
  const std::vector<Case> refused = {{"size -1", -1, 2},
                                     {"size SSIZE_MIN", -SSIZE_MAX - 1, 2},
                                     {"size SSIZE_MAX", SSIZE_MAX, 2},
                                     {"size SSIZE_MAX, one vector", SSIZE_MAX, 1},
                                     {"n_vec 0", 10, 0},
                                     {"n_vec -1", 10, -1},
                                     {"n_vec INT_MIN", 10, INT_MIN}};
  for (const Case& c : refused) {
    SCOPED_TRACE(c.name);
    EXPECT_IN_CHILD({
      evbuffer* buf = BufferWith("hello");
      ASSERT_NE(buf, nullptr);
      evbuffer_iovec vec[2];
      EXPECT_EQ(evbuffer_reserve_space(buf, c.size, vec, c.n_vec), -1);
      EXPECT_EQ(Contents(buf), "hello");
      evbuffer_free(buf);
    });
  }
  for (int n_vec : {1, 2}) {
    SCOPED_TRACE("size 0, n_vec " + std::to_string(n_vec));
    EXPECT_IN_CHILD({
      evbuffer* buf = evbuffer_new();
      ASSERT_NE(buf, nullptr);
      evbuffer_iovec vec[2];
      const int n = evbuffer_reserve_space(buf, 0, vec, n_vec);
      EXPECT_TRUE(n >= 0 && n <= n_vec) << "returned " << n;
      EXPECT_EQ(evbuffer_get_length(buf), 0u);
      evbuffer_free(buf);
    });
  }
}

TEST_F(EvbufferExtremes, ReadAndWriteOnFdsThatAreNotOpenFail) {
  EVC_RULE("buffer.h/evbuffer_read/unopened-fd",
           "buffer.h: evbuffer_read, evbuffer_write and evbuffer_write_atmost return -1 if an "
           "error occurred; the buffer keeps its data");
  std::vector<Named<int>> fds = NegativeFds();
  for (const auto& fd : UnopenedFds()) fds.push_back(fd);
  for (const auto& fd : fds) {
    SCOPED_TRACE("fd " + fd.name);
    EXPECT_IN_CHILD({
      evbuffer* buf = BufferWith("hello");
      ASSERT_NE(buf, nullptr);
      EXPECT_EQ(evbuffer_read(buf, fd.value, 10), -1);
      EXPECT_EQ(evbuffer_read(buf, fd.value, -1), -1);
      EXPECT_EQ(evbuffer_write(buf, fd.value), -1);
      EXPECT_EQ(evbuffer_write_atmost(buf, fd.value, -1), -1);
      EXPECT_EQ(Contents(buf), "hello");
      evbuffer_free(buf);
    });
  }
}

TEST_F(EvbufferExtremes, ReadSizesAtTheLimitsReadWhatIsThere) {
  EVC_RULE("buffer.h/evbuffer_read/extreme-howmuch",
           "buffer.h: evbuffer_read reads howmuch bytes; 'if the given number is negative or out "
           "of maximum bytes per one read, as many bytes as we can will be read'. Observed "
           "libevent 2.1.12: howmuch 0 reads nothing and returns 0");
  for (int howmuch : {-1, -2, INT_MIN, INT_MAX, 0}) {
    SCOPED_TRACE("howmuch " + std::to_string(howmuch));
    EXPECT_IN_CHILD({
      int sv[2];
      ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
      ASSERT_EQ(write(sv[1], "hello", 5), 5);
      evbuffer* buf = evbuffer_new();
      ASSERT_NE(buf, nullptr);
      const int expected = howmuch == 0 ? 0 : 5;
      EXPECT_EQ(evbuffer_read(buf, sv[0], howmuch), expected);
      EXPECT_EQ(Contents(buf), std::string("hello", expected));
      evbuffer_free(buf);
      close(sv[0]);
      close(sv[1]);
    });
  }
}

}  // namespace
}  // namespace evc
