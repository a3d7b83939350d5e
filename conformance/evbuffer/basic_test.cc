// evbuffer basics: add, printf, prepend, drain, remove, copyout, freeze.
#include <cstdarg>
#include <cstdint>
#include <cstring>
#include <string>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

using EvbufferBasic = EvbufferTest;

TEST_F(EvbufferBasic, NewBufferIsEmpty) {
  EVC_RULE("buffer.h/evbuffer_new/empty",
           "buffer.h evbuffer_new: a newly allocated evbuffer; get_length counts stored bytes");
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
  EXPECT_EQ(evbuffer_get_contiguous_space(buf_), 0u);
}

TEST_F(EvbufferBasic, AddAppendsInOrder) {
  EVC_RULE("buffer.h/evbuffer_add/appends",
           "buffer.h evbuffer_add: append data to the end of an evbuffer; 0 on success");
  EXPECT_EQ(evbuffer_add(buf_, "hello ", 6), 0);
  EXPECT_EQ(evbuffer_add(buf_, "world", 5), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 11u);
  EXPECT_EQ(Contents(buf_), "hello world");
}

TEST_F(EvbufferBasic, AddZeroBytesChangesNothing) {
  EVC_RULE("buffer.h/evbuffer_add/zero-bytes",
           "buffer.h evbuffer_add: datlen bytes are copied; 0 bytes adds nothing");
  EXPECT_EQ(evbuffer_add(buf_, "x", 0), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_F(EvbufferBasic, AddLargeDataKeepsEveryByte) {
  EVC_RULE("buffer.h/evbuffer_add/large-data",
           "buffer.h evbuffer_add: all datlen bytes are appended, whatever the chain sizes");
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + 7);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(evbuffer_add(buf_, big.data(), big.size()), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 3 * big.size());
  EXPECT_EQ(Contents(buf_), big + big + big);
}

TEST_F(EvbufferBasic, AddOverflowingLengthFails) {
  EVC_RULE("buffer.h/evbuffer_add/overflowing-length",
           "CVE-2014-6272 fix: evbuffer_add refuses a datlen that overflows the total length");
  Add("abc");
  EXPECT_EQ(evbuffer_add(buf_, "x", SIZE_MAX), -1);
  EXPECT_EQ(Contents(buf_), "abc");
}

TEST_F(EvbufferBasic, AddPrintfReturnsBytesAdded) {
  EVC_RULE("buffer.h/evbuffer_add_printf/returns-bytes-added",
           "buffer.h evbuffer_add_printf: the number of bytes added, formatted like printf");
  EXPECT_EQ(evbuffer_add_printf(buf_, "%d-%s|%c", 42, "abc", 'z'), 8);
  EXPECT_EQ(Contents(buf_), "42-abc|z");
}

TEST_F(EvbufferBasic, AddPrintfLongerThanAChainIsComplete) {
  EVC_RULE("buffer.h/evbuffer_add_printf/longer-than-chain",
           "buffer.h evbuffer_add_printf: the whole formatted string is appended");
  std::string s(10000, 'q');
  Add("head:");
  EXPECT_EQ(evbuffer_add_printf(buf_, "<%s>", s.c_str()), 10002);
  EXPECT_EQ(Contents(buf_), "head:<" + s + ">");
}

TEST_F(EvbufferBasic, AddPrintfEmptyStringAddsNothing) {
  EVC_RULE("buffer.h/evbuffer_add_printf/empty-string",
           "buffer.h evbuffer_add_printf: returns the number of bytes added (0 for \"\")");
  EXPECT_EQ(evbuffer_add_printf(buf_, "%s", ""), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

int CallVprintf(evbuffer* buf, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = evbuffer_add_vprintf(buf, fmt, ap);
  va_end(ap);
  return n;
}

TEST_F(EvbufferBasic, AddVprintfTakesAVaList) {
  EVC_RULE("buffer.h/evbuffer_add_vprintf",
           "buffer.h evbuffer_add_vprintf: va_list form of evbuffer_add_printf");
  Add("x=");
  EXPECT_EQ(CallVprintf(buf_, "%05u;%s", 7u, "ok"), 8);
  EXPECT_EQ(Contents(buf_), "x=00007;ok");
}

TEST_F(EvbufferBasic, PrependPutsDataFirst) {
  EVC_RULE("buffer.h/evbuffer_prepend/puts-first",
           "buffer.h evbuffer_prepend: prepends data to the beginning of the evbuffer");
  Add("world");
  EXPECT_EQ(evbuffer_prepend(buf_, "hello ", 6), 0);
  EXPECT_EQ(evbuffer_prepend(buf_, ">", 1), 0);
  EXPECT_EQ(Contents(buf_), ">hello world");
}

TEST_F(EvbufferBasic, PrependOntoEmptyBuffer) {
  EVC_RULE("buffer.h/evbuffer_prepend/empty-buffer",
           "buffer.h evbuffer_prepend on an empty buffer holds exactly the data");
  EXPECT_EQ(evbuffer_prepend(buf_, "abc", 3), 0);
  EXPECT_EQ(Contents(buf_), "abc");
  Add("def");
  EXPECT_EQ(Contents(buf_), "abcdef");
}

TEST_F(EvbufferBasic, PrependLargeDataBeforeReferences) {
  EVC_RULE("buffer.h/evbuffer_prepend/before-references",
           "buffer.h evbuffer_prepend: works in front of read-only reference chains");
  AddChains({"tail"});
  std::string big(5000, 'p');
  EXPECT_EQ(evbuffer_prepend(buf_, big.data(), big.size()), 0);
  EXPECT_EQ(Contents(buf_), big + "tail");
}

TEST_F(EvbufferBasic, DrainRemovesFromFront) {
  EVC_RULE("buffer.h/evbuffer_drain/from-front",
           "buffer.h evbuffer_drain: remove a specified number of bytes from the front");
  Add("abcdef");
  EXPECT_EQ(evbuffer_drain(buf_, 2), 0);
  EXPECT_EQ(Contents(buf_), "cdef");
}

TEST_F(EvbufferBasic, DrainMoreThanLengthEmptiesBuffer) {
  EVC_RULE("buffer.h/evbuffer_drain/more-than-length",
           "observed libevent 2.1.12: draining more than the length drains everything, returns 0");
  Add("abc");
  EXPECT_EQ(evbuffer_drain(buf_, 100), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_F(EvbufferBasic, DrainAcrossChains) {
  EVC_RULE("buffer.h/evbuffer_drain/across-chains",
           "buffer.h evbuffer_drain: bytes are removed across chain boundaries");
  AddChains({"ab", "cd", "ef"});
  EXPECT_EQ(evbuffer_drain(buf_, 3), 0);
  EXPECT_EQ(Contents(buf_), "def");
  EXPECT_EQ(ChainCount(buf_), 2);
}

TEST_F(EvbufferBasic, RemoveCopiesAndDrains) {
  EVC_RULE("buffer.h/evbuffer_remove/copies-and-drains",
           "buffer.h evbuffer_remove: read data and drain the bytes read; returns bytes read");
  Add("abcdef");
  char out[4] = {};
  EXPECT_EQ(evbuffer_remove(buf_, out, 4), 4);
  EXPECT_EQ(std::string(out, 4), "abcd");
  EXPECT_EQ(Contents(buf_), "ef");
}

TEST_F(EvbufferBasic, RemoveMoreThanAvailableReturnsWhatThereIs) {
  EVC_RULE("buffer.h/evbuffer_remove/more-than-available",
           "buffer.h evbuffer_remove: if more bytes are requested than are available, only those");
  AddChains({"ab", "cd"});
  char out[16] = {};
  EXPECT_EQ(evbuffer_remove(buf_, out, sizeof(out)), 4);
  EXPECT_EQ(std::string(out, 4), "abcd");
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_F(EvbufferBasic, RemoveFromEmptyReturnsZero) {
  EVC_RULE("buffer.h/evbuffer_remove/empty-buffer",
           "buffer.h evbuffer_remove: returns the number of bytes read (none from an empty buffer)");
  char out[4];
  EXPECT_EQ(evbuffer_remove(buf_, out, sizeof(out)), 0);
}

TEST_F(EvbufferBasic, CopyoutLeavesBufferUnchanged) {
  EVC_RULE("buffer.h/evbuffer_copyout/leaves-buffer",
           "buffer.h evbuffer_copyout: read data from an evbuffer, and leave the buffer unchanged");
  AddChains({"ab", "cd", "ef"});
  char out[5] = {};
  EXPECT_EQ(evbuffer_copyout(buf_, out, 5), 5);
  EXPECT_EQ(std::string(out, 5), "abcde");
  EXPECT_EQ(Contents(buf_), "abcdef");
}

TEST_F(EvbufferBasic, CopyoutFromStartsAtPointer) {
  EVC_RULE("buffer.h/evbuffer_copyout_from/starts-at-pos",
           "buffer.h evbuffer_copyout_from: read from the middle, starting at pos");
  AddChains({"abc", "def", "ghi"});
  evbuffer_ptr p;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 2, EVBUFFER_PTR_SET), 0);
  char out[5] = {};
  EXPECT_EQ(evbuffer_copyout_from(buf_, &p, out, 5), 5);
  EXPECT_EQ(std::string(out, 5), "cdefg");
  EXPECT_EQ(evbuffer_get_length(buf_), 9u);
}

TEST_F(EvbufferBasic, CopyoutFromClampsToTheEnd) {
  EVC_RULE("buffer.h/evbuffer_copyout_from/clamps-to-end",
           "buffer.h evbuffer_copyout_from: more than available copies only what follows pos");
  AddChains({"abc", "def"});
  evbuffer_ptr p;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 4, EVBUFFER_PTR_SET), 0);
  char out[16] = {};
  EXPECT_EQ(evbuffer_copyout_from(buf_, &p, out, sizeof(out)), 2);
  EXPECT_EQ(std::string(out, 2), "ef");
}

TEST_F(EvbufferBasic, CopyoutFromEndPointerReturnsZero) {
  EVC_RULE("buffer.h/evbuffer_copyout_from/end-pointer-copies-nothing",
           "buffer.h evbuffer_ptr: a pointer just past the end is valid and has nothing after it");
  Add("abc");
  evbuffer_ptr p;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 3, EVBUFFER_PTR_SET), 0);
  char out[4];
  EXPECT_EQ(evbuffer_copyout_from(buf_, &p, out, sizeof(out)), 0);
}

TEST_F(EvbufferBasic, FreezeEndBlocksAdding) {
  EVC_RULE("buffer.h/evbuffer_freeze/end-blocks-adding",
           "buffer.h evbuffer_freeze(buf, 0): calls that add to the end fail while frozen");
  Add("ab");
  ASSERT_EQ(evbuffer_freeze(buf_, 0), 0);
  EXPECT_EQ(evbuffer_add(buf_, "x", 1), -1);
  EXPECT_EQ(evbuffer_add_printf(buf_, "%d", 1), -1);
  EXPECT_EQ(evbuffer_add_reference(buf_, "x", 1, nullptr, nullptr), -1);
  EXPECT_EQ(Contents(buf_), "ab");
  ASSERT_EQ(evbuffer_unfreeze(buf_, 0), 0);
  EXPECT_EQ(evbuffer_add(buf_, "x", 1), 0);
  EXPECT_EQ(Contents(buf_), "abx");
}

TEST_F(EvbufferBasic, FreezeEndAllowsChangesAtFront) {
  EVC_RULE("buffer.h/evbuffer_freeze/end-leaves-front",
           "buffer.h evbuffer_freeze: freezing the end leaves the front usable");
  Add("abcd");
  ASSERT_EQ(evbuffer_freeze(buf_, 0), 0);
  EXPECT_EQ(evbuffer_drain(buf_, 1), 0);
  EXPECT_EQ(evbuffer_prepend(buf_, "<", 1), 0);
  EXPECT_EQ(Contents(buf_), "<bcd");
}

TEST_F(EvbufferBasic, FreezeFrontBlocksRemoving) {
  EVC_RULE("buffer.h/evbuffer_freeze/front-blocks-removing",
           "buffer.h evbuffer_freeze(buf, 1): calls that drain or prepend fail while frozen");
  Add("abcd");
  ASSERT_EQ(evbuffer_freeze(buf_, 1), 0);
  char out[2];
  EXPECT_EQ(evbuffer_drain(buf_, 1), -1);
  EXPECT_EQ(evbuffer_remove(buf_, out, 2), -1);
  EXPECT_EQ(evbuffer_prepend(buf_, "x", 1), -1);
  EXPECT_EQ(Contents(buf_), "abcd");
  EXPECT_EQ(evbuffer_add(buf_, "e", 1), 0) << "the end is not frozen";
  ASSERT_EQ(evbuffer_unfreeze(buf_, 1), 0);
  EXPECT_EQ(evbuffer_drain(buf_, 1), 0);
  EXPECT_EQ(Contents(buf_), "bcde");
}

TEST_F(EvbufferBasic, FreezeFrontBlocksCopyout) {
  EVC_RULE("buffer.h/evbuffer_freeze/front-blocks-copyout",
           "observed libevent 2.1.12: evbuffer_copyout fails (-1) on a buffer frozen at the front");
  Add("abcd");
  ASSERT_EQ(evbuffer_freeze(buf_, 1), 0);
  char out[2];
  EXPECT_EQ(evbuffer_copyout(buf_, out, 2), -1);
}

TEST_F(EvbufferBasic, FrozenEmptyBufferDrainsWithoutError) {
  EVC_RULE("buffer.h/evbuffer_drain/empty-frozen",
           "observed libevent 2.1.12: draining an empty buffer returns 0 even when frozen");
  ASSERT_EQ(evbuffer_freeze(buf_, 1), 0);
  EXPECT_EQ(evbuffer_drain(buf_, 5), 0);
}

TEST_F(EvbufferBasic, PrependNothingSucceedsWhenFrozen) {
  EVC_RULE("buffer.h/evbuffer_prepend/nothing-while-frozen",
           "observed libevent 2.1.12: evbuffer_prepend of 0 bytes returns 0 before the freeze check");
  ASSERT_EQ(evbuffer_freeze(buf_, 1), 0);
  EXPECT_EQ(evbuffer_prepend(buf_, "x", 0), 0);
}

TEST_F(EvbufferBasic, ExpandKeepsContents) {
  EVC_RULE("buffer.h/evbuffer_expand/keeps-contents",
           "buffer.h evbuffer_expand: makes room for datlen more bytes; 0 on success");
  Add("abc");
  EXPECT_EQ(evbuffer_expand(buf_, 100000), 0);
  EXPECT_EQ(Contents(buf_), "abc");
  std::string more(100000, 'm');
  Add(more);
  EXPECT_EQ(Contents(buf_), "abc" + more);
}

TEST_F(EvbufferBasic, ExpandImpossibleSizeFails) {
  EVC_RULE("buffer.h/evbuffer_expand/impossible-size",
           "buffer.h evbuffer_expand: -1 if an error occurred (a size no chain can hold)");
  EXPECT_EQ(evbuffer_expand(buf_, SIZE_MAX), -1);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

}  // namespace
}  // namespace evc
