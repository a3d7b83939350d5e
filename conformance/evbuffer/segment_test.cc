// File segments: evbuffer_file_segment_new / _free / _add_cleanup_cb and
// evbuffer_add_file_segment. A segment refers to a range of a file; parts
// of it are added to buffers; it goes when freed and no buffer uses it.
// Data is read back with copyout/remove/pullup only from segments made with
// EVBUF_FS_DISABLE_SENDFILE (buffer.h: other reads are undefined without it).
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "evbuffer_fixture.h"
#include "evc_net.h"

namespace evc {
namespace {

struct Cleanup {
  int calls = 0;
  const evbuffer_file_segment* seg = nullptr;
  int flags = -1;
};

void CountCleanup(const evbuffer_file_segment* seg, int flags, void* arg) {
  auto* c = static_cast<Cleanup*>(arg);
  ++c->calls;
  c->seg = seg;
  c->flags = flags;
}

class EvbufferSegment : public EvbufferTest {
 protected:
  void SetUp() override {
    EvbufferTest::SetUp();
    fd_ = MakeFile(Pattern(10 * 1024));
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override {
    if (fd_ >= 0 && FdIsOpen(fd_)) close(fd_);
    EvbufferTest::TearDown();
  }
  int fd_ = -1;
};

// The flag sets a segment may be made with.
class EvbufferSegmentFlags : public EvbufferSegment, public ::testing::WithParamInterface<unsigned> {};

TEST_P(EvbufferSegmentFlags, NewSegmentAddsItsRange) {
  EVC_RULE("buffer.h/evbuffer_file_segment_new",
           "buffer.h evbuffer_file_segment_new: a segment of bytes offset..offset+length-1 of the "
           "file, with any EVBUF_FS_* flags; evbuffer_add_file_segment appends them");
  const unsigned flags = GetParam();
  evbuffer_file_segment* seg = evbuffer_file_segment_new(fd_, 20, 1000, flags);
  ASSERT_NE(seg, nullptr);
  ASSERT_EQ(evbuffer_add_file_segment(buf_, seg, 0, -1), 0);
  evbuffer_file_segment_free(seg);
  EXPECT_EQ(evbuffer_get_length(buf_), 1000u);
  EXPECT_EQ(WriteAllOut(buf_), Pattern(10 * 1024).substr(20, 1000));
  if (flags & EVBUF_FS_CLOSE_ON_FREE) fd_ = -1;
}

INSTANTIATE_TEST_SUITE_P(Flags, EvbufferSegmentFlags,
                         ::testing::Values(0u, EVBUF_FS_CLOSE_ON_FREE, EVBUF_FS_DISABLE_MMAP,
                                           EVBUF_FS_DISABLE_SENDFILE, EVBUF_FS_DISABLE_LOCKING,
                                           EVBUF_FS_DISABLE_MMAP | EVBUF_FS_DISABLE_SENDFILE,
                                           0x0fu));

TEST_F(EvbufferSegment, RangeIsRelativeToTheSegment) {
  EVC_RULE("buffer.h/evbuffer_add_file_segment",
           "buffer.h evbuffer_add_file_segment: offset and length are within the segment: segment "
           "20+1000, add offset 20 length 50 adds bytes 40..89 of the file");
  evbuffer_file_segment* seg = evbuffer_file_segment_new(fd_, 20, 1000, EVBUF_FS_DISABLE_SENDFILE);
  ASSERT_NE(seg, nullptr);
  ASSERT_EQ(evbuffer_add_file_segment(buf_, seg, 20, 50), 0);
  evbuffer_file_segment_free(seg);
  std::string out(50, '\0');
  ASSERT_EQ(evbuffer_copyout(buf_, &out[0], 50), 50);
  EXPECT_EQ(out, Pattern(10 * 1024).substr(40, 50));
}

TEST_F(EvbufferSegment, LengthMinusOneAddsTheRestOfTheSegment) {
  EVC_RULE("buffer.h/evbuffer_add_file_segment/length-minus-one",
           "buffer.h evbuffer_add_file_segment: length -1 adds the segment from offset to its end");
  evbuffer_file_segment* seg = evbuffer_file_segment_new(fd_, 100, 300, EVBUF_FS_DISABLE_SENDFILE);
  ASSERT_NE(seg, nullptr);
  ASSERT_EQ(evbuffer_add_file_segment(buf_, seg, 250, -1), 0);
  evbuffer_file_segment_free(seg);
  EXPECT_EQ(Contents(buf_), Pattern(10 * 1024).substr(350, 50));
}

TEST_F(EvbufferSegment, AddedTwiceToTwoBuffersIsShared) {
  EVC_RULE("buffer.h/evbuffer_file_segment/shared",
           "buffer.h evbuffer_file_segment: a single segment can be added more than once, and to "
           "more than one evbuffer");
  evbuffer_file_segment* seg = evbuffer_file_segment_new(fd_, 0, 4096, EVBUF_FS_DISABLE_SENDFILE);
  ASSERT_NE(seg, nullptr);
  evbuffer* other = NewBuffer();
  ASSERT_EQ(evbuffer_add_file_segment(buf_, seg, 0, 10), 0);
  ASSERT_EQ(evbuffer_add_file_segment(buf_, seg, 5, 10), 0);
  ASSERT_EQ(evbuffer_add_file_segment(other, seg, 4000, 96), 0);
  evbuffer_file_segment_free(seg);
  const std::string p = Pattern(10 * 1024);
  EXPECT_EQ(Contents(buf_), p.substr(0, 10) + p.substr(5, 10));
  EXPECT_EQ(Contents(other), p.substr(4000, 96));
}

TEST_F(EvbufferSegment, DataReadsBackWithRemovePullupAndSearch) {
  EVC_RULE("buffer.h/EVBUF_FS_DISABLE_SENDFILE",
           "buffer.h evbuffer_file_segment_new: with EVBUF_FS_DISABLE_SENDFILE the data may be read "
           "with evbuffer_remove, evbuffer_pullup and the other reading functions");
  const std::string p = Pattern(10 * 1024);
  evbuffer_file_segment* seg = evbuffer_file_segment_new(fd_, 0, -1, EVBUF_FS_DISABLE_SENDFILE);
  ASSERT_NE(seg, nullptr);
  ASSERT_EQ(evbuffer_add(buf_, "head", 4), 0);
  ASSERT_EQ(evbuffer_add_file_segment(buf_, seg, 0, -1), 0);
  evbuffer_file_segment_free(seg);
  ASSERT_EQ(evbuffer_get_length(buf_), 4 + p.size());
  const std::string needle = p.substr(9000, 16);
  const std::string whole = "head" + p;
  EXPECT_EQ(evbuffer_search(buf_, needle.data(), needle.size(), nullptr).pos,
            static_cast<ev_ssize_t>(whole.find(needle)));
  char first[10];
  ASSERT_EQ(evbuffer_remove(buf_, first, 10), 10);
  EXPECT_EQ(std::string(first, 10), "head" + p.substr(0, 6));
  const unsigned char* all = evbuffer_pullup(buf_, -1);
  ASSERT_NE(all, nullptr);
  EXPECT_TRUE(std::string(reinterpret_cast<const char*>(all), p.size() - 6) == p.substr(6));
}

TEST_F(EvbufferSegment, CleanupRunsOnceAfterFreeThenBufferRelease) {
  EVC_RULE("buffer.h/evbuffer_file_segment_add_cleanup_cb",
           "buffer.h evbuffer_file_segment_add_cleanup_cb: the callback runs when no more "
           "references to the segment exist: once, told the segment, its flags and the argument");
  Cleanup c;
  evbuffer_file_segment* seg = evbuffer_file_segment_new(fd_, 0, 100, EVBUF_FS_DISABLE_SENDFILE);
  ASSERT_NE(seg, nullptr);
  evbuffer_file_segment_add_cleanup_cb(seg, CountCleanup, &c);
  ASSERT_EQ(evbuffer_add_file_segment(buf_, seg, 0, 50), 0);
  evbuffer_file_segment_free(seg);
  EXPECT_EQ(c.calls, 0) << "the buffer still uses the segment";
  ASSERT_EQ(evbuffer_drain(buf_, 49), 0);
  EXPECT_EQ(c.calls, 0);
  ASSERT_EQ(evbuffer_drain(buf_, 1), 0);
  EXPECT_EQ(c.calls, 1);
  EXPECT_EQ(c.seg, seg);
  EXPECT_EQ(c.flags, static_cast<int>(EVBUF_FS_DISABLE_SENDFILE));
  evbuffer_free(buf_);
  buf_ = nullptr;
  EXPECT_EQ(c.calls, 1);
}

TEST_F(EvbufferSegment, CleanupRunsOnceAfterBufferReleaseThenFree) {
  EVC_RULE("buffer.h/evbuffer_file_segment_free",
           "buffer.h evbuffer_file_segment_free: the segment is not freed until no more references "
           "to it exist; a buffer done with it first leaves it to the last free");
  Cleanup c;
  evbuffer_file_segment* seg = evbuffer_file_segment_new(fd_, 0, 100, 0);
  ASSERT_NE(seg, nullptr);
  evbuffer_file_segment_add_cleanup_cb(seg, CountCleanup, &c);
  ASSERT_EQ(evbuffer_add_file_segment(buf_, seg, 0, 50), 0);
  ASSERT_EQ(evbuffer_add_file_segment(buf_, seg, 50, 50), 0);
  EXPECT_EQ(WriteAllOut(buf_), Pattern(100));
  EXPECT_EQ(c.calls, 0) << "the caller still holds the segment";
  evbuffer_file_segment_free(seg);
  EXPECT_EQ(c.calls, 1);
}

TEST_F(EvbufferSegment, CloseOnFreeClosesTheFdWhenTheLastUserGoes) {
  EVC_RULE("buffer.h/EVBUF_FS_CLOSE_ON_FREE",
           "buffer.h EVBUF_FS_CLOSE_ON_FREE: when the segment is freed and no longer in use by any "
           "evbuffer, the fd is closed");
  evbuffer_file_segment* seg = evbuffer_file_segment_new(fd_, 0, 64, EVBUF_FS_CLOSE_ON_FREE);
  ASSERT_NE(seg, nullptr);
  ASSERT_EQ(evbuffer_add_file_segment(buf_, seg, 0, 64), 0);
  evbuffer_file_segment_free(seg);
  EXPECT_TRUE(FdIsOpen(fd_)) << "the buffer still uses the segment";
  evbuffer_free(buf_);
  buf_ = nullptr;
  EXPECT_FALSE(FdIsOpen(fd_));
  fd_ = -1;
}

TEST_F(EvbufferSegment, WithoutCloseOnFreeTheFdStaysOpen) {
  EVC_RULE("buffer.h/EVBUF_FS_CLOSE_ON_FREE/unset",
           "buffer.h EVBUF_FS_CLOSE_ON_FREE: without the flag the fd stays the caller's: open after "
           "the segment and every buffer using it are gone");
  Cleanup c;
  evbuffer_file_segment* seg = evbuffer_file_segment_new(fd_, 0, 64, EVBUF_FS_DISABLE_MMAP);
  ASSERT_NE(seg, nullptr);
  evbuffer_file_segment_add_cleanup_cb(seg, CountCleanup, &c);
  ASSERT_EQ(evbuffer_add_file_segment(buf_, seg, 0, 64), 0);
  evbuffer_file_segment_free(seg);
  evbuffer_free(buf_);
  buf_ = nullptr;
  EXPECT_EQ(c.calls, 1);
  EXPECT_TRUE(FdIsOpen(fd_));
}

TEST_F(EvbufferSegment, RangeOutsideTheSegmentFails) {
  EVC_RULE("buffer.h/evbuffer_add_file_segment/out-of-range",
           "buffer.h evbuffer_add_file_segment: a part that is not within the segment cannot be "
           "added: -1, nothing added");
  // One failing call per segment: whether a failure drops the caller's
  // reference is FailedAddLeavesTheSegmentToItsOwner's question.
  EXPECT_IN_CHILD({
    Cleanup gone_a, gone_b;
    evbuffer* buf = evbuffer_new();
    evbuffer_file_segment* a = evbuffer_file_segment_new(fd_, 0, 100, EVBUF_FS_DISABLE_SENDFILE);
    evbuffer_file_segment* b = evbuffer_file_segment_new(fd_, 0, 100, EVBUF_FS_DISABLE_SENDFILE);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    evbuffer_file_segment_add_cleanup_cb(a, CountCleanup, &gone_a);
    evbuffer_file_segment_add_cleanup_cb(b, CountCleanup, &gone_b);
    EXPECT_EQ(evbuffer_add_file_segment(buf, a, 90, 11), -1);
    EXPECT_EQ(evbuffer_add_file_segment(buf, b, 101, -1), -1);
    EXPECT_EQ(evbuffer_get_length(buf), 0u);
    if (gone_a.calls == 0) evbuffer_file_segment_free(a);
    if (gone_b.calls == 0) evbuffer_file_segment_free(b);
    evbuffer_free(buf);
  });
}

TEST_F(EvbufferSegment, FailedAddLeavesTheSegmentToItsOwner) {
  EVC_RULE("buffer.h/evbuffer_add_file_segment/failure-keeps-segment",
           "buffer.h evbuffer_file_segment_free: the segment is freed when no more references "
           "exist; a failed evbuffer_add_file_segment takes none and drops none, so the "
           "caller's reference stays valid until its own free");
  EXPECT_IN_CHILD({
    Cleanup c;
    evbuffer* buf = evbuffer_new();
    evbuffer_file_segment* seg = evbuffer_file_segment_new(fd_, 0, 100, EVBUF_FS_DISABLE_SENDFILE);
    ASSERT_NE(seg, nullptr);
    evbuffer_file_segment_add_cleanup_cb(seg, CountCleanup, &c);
    ASSERT_EQ(evbuffer_add_file_segment(buf, seg, 90, 11), -1);
    EXPECT_EQ(c.calls, 0) << "the caller still holds the segment";
    ASSERT_EQ(evbuffer_add_file_segment(buf, seg, 90, 10), 0);
    EXPECT_EQ(Contents(buf), Pattern(100).substr(90));
    evbuffer_file_segment_free(seg);
    evbuffer_free(buf);
    EXPECT_EQ(c.calls, 1);
  });
}

TEST_F(EvbufferSegment, NegativeOffsetInTheSegmentFails) {
  EVC_RULE("buffer.h/evbuffer_add_file_segment/negative-offset",
           "buffer.h evbuffer_add_file_segment: the offset is within the segment; a negative one "
           "is not: -1, nothing added");
  EXPECT_IN_CHILD({
    evbuffer* buf = evbuffer_new();
    evbuffer_file_segment* seg = evbuffer_file_segment_new(fd_, 100, 100, EVBUF_FS_DISABLE_SENDFILE);
    ASSERT_NE(seg, nullptr);
    EXPECT_EQ(evbuffer_add_file_segment(buf, seg, -5, 3), -1);
    EXPECT_EQ(evbuffer_get_length(buf), 0u);
    evbuffer_file_segment_free(seg);
    evbuffer_free(buf);
  });
}

TEST_F(EvbufferSegment, NegativeOffsetOrLengthMakesNoSegment) {
  EVC_RULE("buffer.h/evbuffer_file_segment_new/negative",
           "buffer.h evbuffer_file_segment_new: NULL on failure: a negative offset, or a negative "
           "length other than -1");
  EXPECT_EQ(evbuffer_file_segment_new(fd_, -1, 10, 0), nullptr);
  EXPECT_EQ(evbuffer_file_segment_new(fd_, 0, -2, 0), nullptr);
  EXPECT_EQ(evbuffer_file_segment_new(fd_, -4096, -1, EVBUF_FS_DISABLE_SENDFILE), nullptr);
}

TEST_F(EvbufferSegment, ClosedFdGivesNoUsableSegment) {
  EVC_RULE("buffer.h/evbuffer_file_segment_new/closed-fd",
           "buffer.h evbuffer_file_segment_new: fd must be an open file: for a closed one it "
           "returns NULL, or a segment that no buffer accepts (-1)");
  const int closed = ClosedFd();
  EXPECT_EQ(evbuffer_file_segment_new(closed, 0, -1, 0), nullptr) << "length -1 needs fstat";
  EXPECT_EQ(evbuffer_file_segment_new(closed, 0, 10, EVBUF_FS_DISABLE_SENDFILE), nullptr);
  evbuffer_file_segment* seg = evbuffer_file_segment_new(closed, 0, 10, 0);
  if (seg != nullptr) {
    EXPECT_EQ(evbuffer_add_file_segment(buf_, seg, 0, 10), -1);
    EXPECT_EQ(evbuffer_get_length(buf_), 0u);
    evbuffer_file_segment_free(seg);
  }
}

}  // namespace
}  // namespace evc
