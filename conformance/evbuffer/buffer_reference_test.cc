// evbuffer_add_buffer_reference: a non-destructive add. The data of inbuf
// appears at the end of outbuf without being copied; inbuf keeps it.
#include <string>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

struct Released {
  int calls = 0;
};

void CountRelease(const void*, size_t, void* arg) { ++static_cast<Released*>(arg)->calls; }

using EvbufferAddBufferReference = EvbufferTest;

TEST_F(EvbufferAddBufferReference, CopiesTheDataAndLeavesTheSource) {
  EVC_RULE("buffer.h/evbuffer_add_buffer_reference",
           "buffer.h evbuffer_add_buffer_reference: a non-destructive add: the data of inbuf is "
           "appended to outbuf and inbuf keeps it; 0 on success");
  AddChains({"hello ", "wor", "ld"});
  evbuffer* out = NewBuffer();
  Add(out, ">>");
  ASSERT_EQ(evbuffer_add_buffer_reference(out, buf_), 0);
  EXPECT_EQ(Contents(out), ">>hello world");
  EXPECT_EQ(Contents(buf_), "hello world");
}

TEST_F(EvbufferAddBufferReference, LaterChangesToTheSourceDoNotShow) {
  EVC_RULE("buffer.h/evbuffer_add_buffer_reference/snapshot",
           "buffer.h evbuffer_add_buffer_reference: outbuf gets a copy of inbuf's data at the "
           "time of the call; adding to or draining inbuf afterwards leaves that copy alone");
  Add("abc");
  evbuffer* out = NewBuffer();
  ASSERT_EQ(evbuffer_add_buffer_reference(out, buf_), 0);
  Add("def");
  ASSERT_EQ(evbuffer_prepend(buf_, "<", 1), 0);
  ASSERT_EQ(evbuffer_drain(buf_, 2), 0);
  EXPECT_EQ(Contents(out), "abc");
  EXPECT_EQ(Contents(buf_), "bcdef");
}

TEST_F(EvbufferAddBufferReference, DrainingTheCopyLeavesTheSource) {
  EVC_RULE("buffer.h/evbuffer_add_buffer_reference/independent-drain",
           "buffer.h evbuffer_add_buffer_reference: the copy and the source are separate data: "
           "draining or removing from one leaves the other");
  Add("0123456789");
  evbuffer* out = NewBuffer();
  ASSERT_EQ(evbuffer_add_buffer_reference(out, buf_), 0);
  char first[4];
  ASSERT_EQ(evbuffer_remove(out, first, 4), 4);
  EXPECT_EQ(std::string(first, 4), "0123");
  ASSERT_EQ(evbuffer_drain(buf_, 8), 0);
  EXPECT_EQ(Contents(out), "456789");
  EXPECT_EQ(Contents(buf_), "89");
}

TEST_F(EvbufferAddBufferReference, CopyOutlivesTheFreedSource) {
  EVC_RULE("buffer.h/evbuffer_add_buffer_reference/outlives-source",
           "buffer.h evbuffer_add_buffer_reference: the copy in outbuf stays valid after inbuf is "
           "freed, and can be pulled up and read");
  AddChains({"one ", "two ", "three"});
  evbuffer* out = NewBuffer();
  ASSERT_EQ(evbuffer_add_buffer_reference(out, buf_), 0);
  evbuffer_free(buf_);
  buf_ = nullptr;
  const unsigned char* p = evbuffer_pullup(out, -1);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(p), 13), "one two three");
}

TEST_F(EvbufferAddBufferReference, ReferencedMemoryIsReleasedOnceBothAreDone) {
  EVC_RULE("buffer.h/evbuffer_add_buffer_reference/releases-when-both-done",
           "buffer.h evbuffer_add_reference: the cleanup runs when the memory is no longer "
           "referenced; a buffer reference to it keeps it until both buffers let it go, then once");
  static const char kText[] = "shared";
  for (bool source_first : {true, false}) {
    SCOPED_TRACE(source_first ? "source freed first" : "copy freed first");
    Released r;
    evbuffer* src = evbuffer_new();
    evbuffer* out = evbuffer_new();
    ASSERT_EQ(evbuffer_add_reference(src, kText, 6, CountRelease, &r), 0);
    ASSERT_EQ(evbuffer_add_buffer_reference(out, src), 0);
    evbuffer_free(source_first ? src : out);
    EXPECT_EQ(r.calls, 0);
    evbuffer_free(source_first ? out : src);
    EXPECT_EQ(r.calls, 1);
  }
}

TEST_F(EvbufferAddBufferReference, CopyMovedBackIntoItsSourceIsReleased) {
  EVC_RULE("buffer.h/evbuffer_add_buffer_reference/moved-back",
           "buffer.h evbuffer_add_reference: the cleanup runs when the memory is no longer "
           "referenced; a buffer-reference copy moved back into its source with "
           "evbuffer_add_buffer is released with that buffer, once");
  // In a child: an implementation that leaks here leaks only there.
  EXPECT_IN_CHILD({
    static const char kText[] = "loop";
    Released r;
    evbuffer* src = evbuffer_new();
    evbuffer* out = evbuffer_new();
    ASSERT_EQ(evbuffer_add_reference(src, kText, 4, CountRelease, &r), 0);
    ASSERT_EQ(evbuffer_add_buffer_reference(out, src), 0);
    ASSERT_EQ(evbuffer_add_buffer(src, out), 0);
    EXPECT_EQ(Contents(src), "looploop");
    evbuffer_free(out);
    evbuffer_free(src);
    EXPECT_EQ(r.calls, 1);
  });
}

TEST_F(EvbufferAddBufferReference, BufferHoldingReferencesCannotBeReferenced) {
  EVC_RULE("buffer.h/evbuffer_add_buffer_reference/no-second-hand",
           "buffer.h evbuffer_add_buffer_reference: buffers already containing buffer references "
           "can't be added to other buffers: -1, nothing added");
  Add("data");
  evbuffer* mid = NewBuffer();
  evbuffer* out = NewBuffer();
  ASSERT_EQ(evbuffer_add_buffer_reference(mid, buf_), 0);
  EXPECT_EQ(evbuffer_add_buffer_reference(out, mid), -1);
  EXPECT_EQ(evbuffer_get_length(out), 0u);
  EXPECT_EQ(Contents(mid), "data");
}

TEST_F(EvbufferAddBufferReference, FileDataCannotBeReferenced) {
  EVC_RULE("buffer.h/evbuffer_add_buffer_reference/file-data",
           "observed libevent 2.1.12: a buffer holding data of a file segment cannot be referenced "
           "either: -1, nothing added");
  const int fd = MakeFile("file bytes");
  ASSERT_GE(fd, 0);
  ASSERT_EQ(evbuffer_add_file(buf_, fd, 0, -1), 0);
  evbuffer* out = NewBuffer();
  EXPECT_EQ(evbuffer_add_buffer_reference(out, buf_), -1);
  EXPECT_EQ(evbuffer_get_length(out), 0u);
  EXPECT_EQ(evbuffer_get_length(buf_), 10u);
}

TEST_F(EvbufferAddBufferReference, BufferToItselfFails) {
  EVC_RULE("buffer.h/evbuffer_add_buffer_reference/self",
           "observed libevent 2.1.12: adding a non-empty buffer to itself by reference fails (-1) "
           "and leaves it unchanged");
  Add("abc");
  EXPECT_EQ(evbuffer_add_buffer_reference(buf_, buf_), -1);
  EXPECT_EQ(Contents(buf_), "abc");
}

TEST_F(EvbufferAddBufferReference, EmptySourceAddsNothing) {
  EVC_RULE("buffer.h/evbuffer_add_buffer_reference/empty",
           "buffer.h evbuffer_add_buffer_reference: an empty inbuf adds nothing: 0, outbuf "
           "unchanged, its callbacks not run");
  evbuffer* out = NewBuffer();
  Add(out, "x");
  size_t added = 0;
  ASSERT_NE(evbuffer_add_cb(out, SumAdded, &added), nullptr);
  EXPECT_EQ(evbuffer_add_buffer_reference(out, buf_), 0);
  EXPECT_EQ(Contents(out), "x");
  EXPECT_EQ(added, 0u);
}

TEST_F(EvbufferAddBufferReference, FrozenEndOfTheDestinationFails) {
  EVC_RULE("buffer.h/evbuffer_add_buffer_reference/frozen-end",
           "buffer.h evbuffer_freeze: a buffer frozen at the end refuses additions: "
           "evbuffer_add_buffer_reference into it returns -1");
  Add("abc");
  evbuffer* out = NewBuffer();
  ASSERT_EQ(evbuffer_freeze(out, 0), 0);
  EXPECT_EQ(evbuffer_add_buffer_reference(out, buf_), -1);
  EXPECT_EQ(evbuffer_get_length(out), 0u);
}

TEST_F(EvbufferAddBufferReference, OnlyTheDestinationsCallbacksRun) {
  EVC_RULE("buffer.h/evbuffer_add_buffer_reference/callbacks",
           "buffer.h evbuffer_cb_func: runs when data is added or removed: outbuf's callbacks see "
           "the bytes added, inbuf's (unchanged) do not run");
  Add("hello");
  evbuffer* out = NewBuffer();
  size_t out_added = 0, in_added = 0;
  ASSERT_NE(evbuffer_add_cb(out, SumAdded, &out_added), nullptr);
  ASSERT_NE(evbuffer_add_cb(buf_, SumAdded, &in_added), nullptr);
  ASSERT_EQ(evbuffer_add_buffer_reference(out, buf_), 0);
  EXPECT_EQ(out_added, 5u);
  EXPECT_EQ(in_added, 0u);
}

}  // namespace
}  // namespace evc
