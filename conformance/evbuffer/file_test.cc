// evbuffer_add_file: a range of a file appended without copying; the
// buffer owns the descriptor and closes it once the data is gone. Files are
// memfds made at test time. buffer.h leaves reading such data with
// evbuffer_remove or evbuffer_pullup undefined, so it is read back the way
// the header intends: written out with evbuffer_write.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "evbuffer_fixture.h"
#include "evc_net.h"

namespace evc {
namespace {

class EvbufferAddFile : public EvbufferTest {
 protected:
  const std::string text_ = "0123456789abcdef";
};

TEST_F(EvbufferAddFile, AddsTheRangeFromTheOffset) {
  EVC_RULE("buffer.h/evbuffer_add_file",
           "buffer.h evbuffer_add_file: appends length bytes of the file from offset; 0 on success");
  const int fd = MakeFile(text_);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(evbuffer_add(buf_, "<", 1), 0);
  ASSERT_EQ(evbuffer_add_file(buf_, fd, 4, 6), 0);
  ASSERT_EQ(evbuffer_add(buf_, ">", 1), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 8u);
  EXPECT_EQ(WriteAllOut(buf_), "<456789>");
}

TEST_F(EvbufferAddFile, LengthMinusOneTakesTheWholeFile) {
  EVC_RULE("buffer.h/evbuffer_add_file/length-minus-one",
           "buffer.h evbuffer_add_file: length -1 reads as much as possible (the whole file from offset 0)");
  const int fd = MakeFile(text_);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(evbuffer_add_file(buf_, fd, 0, -1), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), text_.size());
  EXPECT_EQ(WriteAllOut(buf_), text_);
}

TEST_F(EvbufferAddFile, LengthMinusOneFromAnOffsetStopsAtTheEnd) {
  EVC_RULE("buffer.h/evbuffer_add_file/length-minus-one-from-offset",
           "buffer.h evbuffer_add_file: length -1 reads as much as possible: from offset to the end "
           "of the file, nothing past it");
  const int fd = MakeFile(text_);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(evbuffer_add_file(buf_, fd, 10, -1), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 6u);
  EXPECT_EQ(WriteAllOut(buf_), "abcdef");
}

TEST_F(EvbufferAddFile, SeveralMegabytesArriveWhole) {
  EVC_RULE("buffer.h/evbuffer_add_file/large",
           "buffer.h evbuffer_add_file: a file of several MB is appended whole and written out "
           "intact by repeated evbuffer_write calls");
  const std::string big = Pattern(6 * 1024 * 1024 + 123);
  const int fd = MakeFile(big);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(evbuffer_add_file(buf_, fd, 0, -1), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), big.size());
  int calls = 0;
  const std::string got = WriteAllOut(buf_, &calls);
  EXPECT_EQ(got.size(), big.size());
  EXPECT_TRUE(got == big) << "the bytes differ";
  EXPECT_GT(calls, 1) << "a socket pair does not take 6 MB in one write";
  EXPECT_FALSE(FdIsOpen(fd));
}

TEST_F(EvbufferAddFile, DescriptorClosesWhenTheDataIsDrained) {
  EVC_RULE("buffer.h/evbuffer_add_file/closes-after-drain",
           "buffer.h evbuffer_add_file: the buffer owns the fd and closes it when finished with the "
           "data; not before");
  const int fd = MakeFile(text_);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(evbuffer_add_file(buf_, fd, 0, -1), 0);
  ASSERT_EQ(evbuffer_drain(buf_, 5), 0);
  EXPECT_TRUE(FdIsOpen(fd)) << "data of the file is still buffered";
  ASSERT_EQ(evbuffer_drain(buf_, 11), 0);
  EXPECT_FALSE(FdIsOpen(fd));
}

TEST_F(EvbufferAddFile, DescriptorClosesWhenTheBufferIsFreed) {
  EVC_RULE("buffer.h/evbuffer_add_file/closes-on-free",
           "buffer.h evbuffer_add_file: the buffer owns the fd: freeing the buffer closes it");
  const int fd = MakeFile(text_);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(evbuffer_add_file(buf_, fd, 2, 3), 0);
  EXPECT_TRUE(FdIsOpen(fd));
  evbuffer_free(buf_);
  buf_ = nullptr;
  EXPECT_FALSE(FdIsOpen(fd));
}

TEST_F(EvbufferAddFile, DescriptorClosesWhenWrittenOut) {
  EVC_RULE("buffer.h/evbuffer_add_file/closes-after-write",
           "buffer.h evbuffer_add_file: the fd is closed when the data has been transferred by "
           "evbuffer_write");
  const int fd = MakeFile(text_);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(evbuffer_add_file(buf_, fd, 0, 16), 0);
  EXPECT_EQ(WriteAllOut(buf_), text_);
  EXPECT_FALSE(FdIsOpen(fd));
}

TEST_F(EvbufferAddFile, MovesWithTheBufferIntoAnother) {
  EVC_RULE("buffer.h/evbuffer_add_file/moves-with-add-buffer",
           "buffer.h evbuffer_add_buffer moves all data, file data included: the destination "
           "writes it out and then the fd is closed");
  const int fd = MakeFile(text_);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(evbuffer_add_file(buf_, fd, 0, 4), 0);
  evbuffer* other = NewBuffer();
  ASSERT_EQ(evbuffer_add_buffer(other, buf_), 0);
  evbuffer_free(buf_);
  buf_ = nullptr;
  EXPECT_TRUE(FdIsOpen(fd));
  EXPECT_EQ(WriteAllOut(other), "0123");
  EXPECT_FALSE(FdIsOpen(fd));
}

TEST_F(EvbufferAddFile, RangePastTheEndAddsNoMoreThanAsked) {
  EVC_RULE("buffer.h/evbuffer_add_file/past-eof",
           "buffer.h evbuffer_add_file: a range beyond the end of the file either fails (-1, "
           "nothing added) or adds exactly the length asked for; never more");
  const int fd = MakeFile(text_);
  ASSERT_GE(fd, 0);
  const int r = evbuffer_add_file(buf_, fd, 12, 10);
  ASSERT_TRUE(r == 0 || r == -1) << r;
  EXPECT_EQ(evbuffer_get_length(buf_), r == 0 ? 10u : 0u);
  if (r == 0) {
    evbuffer_free(buf_);  // the buffer owned the fd
    buf_ = nullptr;
    EXPECT_FALSE(FdIsOpen(fd));
  } else if (FdIsOpen(fd)) {
    close(fd);  // a failed add may leave the fd to its owner
  }
}

TEST_F(EvbufferAddFile, NegativeOffsetFailsAndKeepsTheFdOpen) {
  EVC_RULE("buffer.h/evbuffer_add_file/negative-offset",
           "buffer.h evbuffer_add_file: an offset before the start of the file is an error: -1, "
           "nothing added, the fd still the caller's");
  const int fd = MakeFile(text_);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(evbuffer_add_file(buf_, fd, -1, 4), -1);
  EXPECT_EQ(evbuffer_add_file(buf_, fd, 0, -2), -1);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
  EXPECT_TRUE(FdIsOpen(fd));
  close(fd);
}

TEST_F(EvbufferAddFile, FrozenEndFails) {
  EVC_RULE("buffer.h/evbuffer_add_file/frozen-end",
           "buffer.h evbuffer_freeze: a buffer frozen at the end refuses additions: "
           "evbuffer_add_file returns -1 and adds nothing");
  const int fd = MakeFile(text_);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(evbuffer_freeze(buf_, 0), 0);
  EXPECT_EQ(evbuffer_add_file(buf_, fd, 0, 4), -1);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
  if (FdIsOpen(fd)) close(fd);
}

}  // namespace
}  // namespace evc
