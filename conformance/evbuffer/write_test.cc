// evbuffer_write_atmost (at most n bytes out, drained from the front) and
// EVBUFFER_FLAG_DRAINS_TO_FD (evbuffer_set_flags / evbuffer_clear_flags),
// which lets file data go out by sendfile: writing must send the same bytes.
#include <string>

#include "evbuffer_fixture.h"
#include "evc_net.h"

namespace evc {
namespace {

class EvbufferWriteAtmost : public EvbufferTest, public ::testing::WithParamInterface<bool> {
 protected:
  bool sockets() const { return GetParam(); }
};

TEST_P(EvbufferWriteAtmost, WritesAtMostTheLimitFromTheFront) {
  EVC_RULE("buffer.h/evbuffer_write_atmost",
           "buffer.h evbuffer_write_atmost: writes at most howmuch bytes from the front, drains "
           "what was written and returns its count");
  AddChains({"0123456789", "abcdefghij", "KLMNOPQRST"});
  FdPair pair(sockets());
  const int n = evbuffer_write_atmost(buf_, pair.writer(), 15);
  ASSERT_GT(n, 0);
  ASSERT_LE(n, 15);
  const std::string all = "0123456789abcdefghijKLMNOPQRST";
  EXPECT_EQ(pair.ReadReady(), all.substr(0, static_cast<size_t>(n)));
  EXPECT_EQ(Contents(buf_), all.substr(static_cast<size_t>(n)));
}

TEST_P(EvbufferWriteAtmost, MinusOneWritesEverything) {
  EVC_RULE("buffer.h/evbuffer_write_atmost/minus-one",
           "buffer.h evbuffer_write_atmost: howmuch -1 writes as many bytes as it can: a small "
           "buffer goes out whole");
  AddChains({"hello ", "world"});
  FdPair pair(sockets());
  EXPECT_EQ(evbuffer_write_atmost(buf_, pair.writer(), -1), 11);
  EXPECT_EQ(pair.ReadReady(), "hello world");
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_P(EvbufferWriteAtmost, LimitAboveTheLengthWritesTheLength) {
  EVC_RULE("buffer.h/evbuffer_write_atmost/above-length",
           "buffer.h evbuffer_write_atmost: howmuch is the largest allowable count; more than "
           "the buffer holds writes what it holds");
  Add("abc");
  FdPair pair(sockets());
  EXPECT_EQ(evbuffer_write_atmost(buf_, pair.writer(), 1000), 3);
  EXPECT_EQ(pair.ReadReady(), "abc");
}

TEST_P(EvbufferWriteAtmost, FullPeerTakesPartOrNothing) {
  EVC_RULE("buffer.h/evbuffer_write_atmost/partial",
           "buffer.h evbuffer_write_atmost: what the fd does not take stays in the buffer: the "
           "return counts only the bytes written, which are drained from the front");
  const std::string big = Pattern(4 * 1024 * 1024);
  Add(big);
  FdPair pair(sockets());
  const int n = evbuffer_write_atmost(buf_, pair.writer(), 3 * 1024 * 1024);
  ASSERT_GT(n, 0);
  ASSERT_LT(static_cast<size_t>(n), big.size()) << "a non-blocking pair holds less than 4 MB";
  EXPECT_EQ(evbuffer_get_length(buf_), big.size() - static_cast<size_t>(n));
  const std::string got = pair.ReadReady();
  EXPECT_EQ(got.size(), static_cast<size_t>(n));
  EXPECT_TRUE(got == big.substr(0, got.size()));
}

TEST_P(EvbufferWriteAtmost, NothingToWriteIsZeroBytesNotAnError) {
  EVC_RULE("buffer.h/evbuffer_write_atmost/nothing-to-write",
           "buffer.h evbuffer_write_atmost: returns the number of bytes written, or -1 if an error "
           "occurred: an empty buffer, or howmuch 0, writes 0 bytes and returns 0");
  FdPair pair(sockets());
  EXPECT_EQ(evbuffer_write(buf_, pair.writer()), 0);
  Add("abc");
  EXPECT_EQ(evbuffer_write_atmost(buf_, pair.writer(), 0), 0);
  EXPECT_EQ(Contents(buf_), "abc");
  EXPECT_EQ(pair.ReadReady(), "");
}

INSTANTIATE_TEST_SUITE_P(Fds, EvbufferWriteAtmost, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& i) {
                           return std::string(i.param ? "Socket" : "Pipe");
                         });

class EvbufferDrainsToFd : public EvbufferTest {};

TEST_F(EvbufferDrainsToFd, SetAndClearReturnZero) {
  EVC_RULE("buffer.h/evbuffer_set_flags",
           "buffer.h evbuffer_set_flags / evbuffer_clear_flags: 0 on success: setting and "
           "clearing EVBUFFER_FLAG_DRAINS_TO_FD, again or when not set, succeeds");
  EXPECT_EQ(evbuffer_set_flags(buf_, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
  EXPECT_EQ(evbuffer_set_flags(buf_, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
  EXPECT_EQ(evbuffer_clear_flags(buf_, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
  EXPECT_EQ(evbuffer_clear_flags(buf_, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
}

TEST_F(EvbufferDrainsToFd, UnknownFlagBitsAreAccepted) {
  EVC_RULE("buffer.h/evbuffer_clear_flags/unknown-bits",
           "observed libevent 2.1.12: evbuffer_set_flags and evbuffer_clear_flags accept flag bits "
           "no EVBUFFER_FLAG_* names (0), and the buffer works as before");
  EXPECT_EQ(evbuffer_set_flags(buf_, 0xf0ULL | (1ULL << 40)), 0);
  EXPECT_EQ(evbuffer_clear_flags(buf_, ~0ULL), 0);
  Add("still works");
  EXPECT_EQ(WriteAllOut(buf_), "still works");
}

TEST_F(EvbufferDrainsToFd, WriteSendsFileDataAndTheRestInOrder) {
  EVC_RULE("buffer.h/EVBUFFER_FLAG_DRAINS_TO_FD",
           "buffer.h EVBUFFER_FLAG_DRAINS_TO_FD: lets evbuffer_add_file use sendfile; writing the "
           "buffer with evbuffer_write still sends every byte, file data and memory in order");
  ASSERT_EQ(evbuffer_set_flags(buf_, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
  const std::string file = Pattern(300 * 1024);
  const int fd = MakeFile(file);
  ASSERT_GE(fd, 0);
  Add("head:");
  ASSERT_EQ(evbuffer_add_file(buf_, fd, 1000, 200 * 1024), 0);
  Add(":tail");
  ASSERT_EQ(evbuffer_get_length(buf_), 10u + 200 * 1024);
  const std::string got = WriteAllOut(buf_);
  EXPECT_TRUE(got == "head:" + file.substr(1000, 200 * 1024) + ":tail") << got.size();
  EXPECT_FALSE(FdIsOpen(fd));
}

TEST_F(EvbufferDrainsToFd, ClearedAfterAddingFileDataStillWritesIt) {
  EVC_RULE("buffer.h/evbuffer_clear_flags",
           "buffer.h evbuffer_clear_flags: clearing EVBUFFER_FLAG_DRAINS_TO_FD after file data was "
           "added leaves that data writable: evbuffer_write sends it whole");
  ASSERT_EQ(evbuffer_set_flags(buf_, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
  const std::string file = Pattern(70 * 1024);
  const int fd = MakeFile(file);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(evbuffer_add_file(buf_, fd, 0, -1), 0);
  ASSERT_EQ(evbuffer_clear_flags(buf_, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
  EXPECT_TRUE(WriteAllOut(buf_) == file);
  EXPECT_FALSE(FdIsOpen(fd));
}

TEST_F(EvbufferDrainsToFd, SegmentAddedTwiceGoesOutTwice) {
  EVC_RULE("buffer.h/evbuffer_add_file_segment/drains-to-fd",
           "buffer.h evbuffer_add_file_segment: on a buffer with EVBUFFER_FLAG_DRAINS_TO_FD, parts "
           "of a segment added twice are written out as added, each with evbuffer_write");
  ASSERT_EQ(evbuffer_set_flags(buf_, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
  const std::string file = Pattern(8192);
  const int fd = MakeFile(file);
  ASSERT_GE(fd, 0);
  evbuffer_file_segment* seg = evbuffer_file_segment_new(fd, 100, 5000, EVBUF_FS_CLOSE_ON_FREE);
  ASSERT_NE(seg, nullptr);
  ASSERT_EQ(evbuffer_add_file_segment(buf_, seg, 0, 10), 0);
  ASSERT_EQ(evbuffer_add_file_segment(buf_, seg, 4000, -1), 0);
  evbuffer_file_segment_free(seg);
  EXPECT_EQ(WriteAllOut(buf_), file.substr(100, 10) + file.substr(4100, 1000));
  EXPECT_FALSE(FdIsOpen(fd));
}

}  // namespace
}  // namespace evc
