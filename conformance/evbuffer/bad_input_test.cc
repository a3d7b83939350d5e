// Bad input to evbuffer: sizes out of range, NULL data with zero length,
// closed fds. The reference returns what libevent 2.1.12 returns and
// leaves the buffer as libevent leaves it.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "evbuffer_fixture.h"
#include "evc_net.h"

namespace evc {
namespace {

class EvbufferBadInput : public EvbufferTest {
 protected:
  // "hello\nworld" in three chains.
  void ThreeChains() { AddChains({"hello", "\nwo", "rld"}); }
};

TEST_F(EvbufferBadInput, NegativePullupSizeMeansTheWholeBuffer) {
  EVC_RULE("buffer.h/evbuffer_pullup/negative-is-whole-buffer",
           "buffer.h: evbuffer_pullup with a negative size linearizes the entire buffer");
  ThreeChains();
  const unsigned char* p = evbuffer_pullup(buf_, -2);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(p), 11), "hello\nworld");
  EXPECT_EQ(evbuffer_get_contiguous_space(buf_), 11u);
}

TEST_F(EvbufferBadInput, PullupOfMoreThanTheLengthFailsAndChangesNothing) {
  EVC_RULE("buffer.h/evbuffer_pullup/beyond-length-null-unchanged",
           "buffer.h: evbuffer_pullup returns NULL if size is greater than the length of the "
           "buffer");
  ThreeChains();
  EXPECT_EQ(evbuffer_pullup(buf_, 12), nullptr);
  EXPECT_EQ(evbuffer_get_contiguous_space(buf_), 5u);
  EXPECT_EQ(Contents(buf_), "hello\nworld");
}

TEST_F(EvbufferBadInput, CopyoutOfSizeMaxCopiesWhatThereIs) {
  EVC_RULE("buffer.h/evbuffer_copyout/size-max",
           "buffer.h: evbuffer_copyout copies at most datlen bytes and returns the number copied");
  ThreeChains();
  char out[32] = {};
  EXPECT_EQ(evbuffer_copyout(buf_, out, SIZE_MAX), 11);
  EXPECT_EQ(std::string(out), "hello\nworld");
  EXPECT_EQ(evbuffer_get_length(buf_), 11u);
}

TEST_F(EvbufferBadInput, NullDataWithZeroLengthIsAccepted) {
  EVC_RULE("buffer.h/evbuffer_add/null-zero-length",
           "observed libevent 2.1.12: evbuffer_add(buf, NULL, 0) and evbuffer_remove(buf, NULL, 0) "
           "return 0 and change nothing");
  ThreeChains();
  EXPECT_EQ(evbuffer_add(buf_, nullptr, 0), 0);
  EXPECT_EQ(evbuffer_remove(buf_, nullptr, 0), 0);
  EXPECT_EQ(Contents(buf_), "hello\nworld");
}

TEST_F(EvbufferBadInput, SizesThatOverflowTheLengthFail) {
  EVC_RULE("buffer.h/evbuffer_expand/length-overflow",
           "buffer.c: evbuffer_add and evbuffer_expand fail (-1) when the new length would not "
           "fit in a size_t, and add nothing");
  ThreeChains();
  const char byte = 'x';
  EXPECT_EQ(evbuffer_add(buf_, &byte, SIZE_MAX), -1);
  EXPECT_EQ(evbuffer_expand(buf_, SIZE_MAX), -1);
  EXPECT_EQ(Contents(buf_), "hello\nworld");
}

TEST_F(EvbufferBadInput, ReserveWithANegativeSizeOrNoVectorsFails) {
  EVC_RULE("buffer.h/evbuffer_reserve_space/negative-size-or-no-vectors",
           "observed libevent 2.1.12: evbuffer_reserve_space with a negative size, or with no "
           "vectors to fill, returns -1");
  evbuffer_iovec v[2];
  EXPECT_EQ(evbuffer_reserve_space(buf_, -1, v, 2), -1);
  EXPECT_EQ(evbuffer_reserve_space(buf_, 10, v, 0), -1);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_F(EvbufferBadInput, DrainOfSizeMaxEmptiesTheBuffer) {
  EVC_RULE("buffer.h/evbuffer_drain/size-max",
           "buffer.h: evbuffer_drain removes len bytes from the front, or everything if there are "
           "fewer");
  ThreeChains();
  EXPECT_EQ(evbuffer_drain(buf_, SIZE_MAX), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_F(EvbufferBadInput, ClosedFdFailsWithEbadfAndKeepsTheData) {
  EVC_RULE("buffer.h/evbuffer_write/closed-fd-ebadf",
           "buffer.h: evbuffer_write and evbuffer_read return -1 on error, with the error in errno "
           "(EBADF for a closed fd); the buffer keeps its data");
  ThreeChains();
  const int fd = ClosedFd();
  ASSERT_GE(fd, 0);
  errno = 0;
  EXPECT_EQ(evbuffer_write(buf_, fd), -1);
  EXPECT_EQ(errno, EBADF);
  errno = 0;
  EXPECT_EQ(evbuffer_read(buf_, fd, 10), -1);
  EXPECT_EQ(errno, EBADF);
  EXPECT_EQ(Contents(buf_), "hello\nworld");
}

TEST_F(EvbufferBadInput, NegativeReadSizeReadsWhatIsAvailable) {
  EVC_RULE("buffer.h/evbuffer_read/negative-howmuch",
           "buffer.h: evbuffer_read reads at most howmuch bytes, 'or -1 for no limit'");
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  const std::string sent(3000, 'r');
  ASSERT_EQ(write(sv[1], sent.data(), sent.size()), static_cast<ssize_t>(sent.size()));
  EXPECT_EQ(evbuffer_read(buf_, sv[0], -1), 3000);
  EXPECT_EQ(Contents(buf_), sent);
  close(sv[0]);
  close(sv[1]);
}

}  // namespace
}  // namespace evc
