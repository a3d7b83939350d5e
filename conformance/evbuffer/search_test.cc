// evbuffer_search, evbuffer_search_range and evbuffer_ptr_set.
#include <string>
#include <vector>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

using EvbufferSearch = EvbufferTest;
using EvbufferPtr = EvbufferTest;

TEST_F(EvbufferSearch, FindsFirstOccurrence) {
  EVC_RULE("buffer.h/evbuffer_search/first-occurrence",
           "buffer.h evbuffer_search: the position of the first occurrence of the string");
  Add("one two one two");
  EXPECT_EQ(evbuffer_search(buf_, "two", 3, nullptr).pos, 4);
}

TEST_F(EvbufferSearch, AbsentStringIsMinusOne) {
  EVC_RULE("buffer.h/evbuffer_search/not-found",
           "buffer.h evbuffer_search: pos -1 if the string was not found");
  Add("abcdef");
  EXPECT_EQ(evbuffer_search(buf_, "xyz", 3, nullptr).pos, -1);
  EXPECT_EQ(evbuffer_search(buf_, "efg", 3, nullptr).pos, -1) << "a match cut off by the end";
}

TEST_F(EvbufferSearch, MatchAcrossChains) {
  EVC_RULE("buffer.h/evbuffer_search/across-chains",
           "buffer.h evbuffer_search: a match may straddle chain boundaries");
  AddChains({"xxab", "c", "dyy"});
  EXPECT_EQ(evbuffer_search(buf_, "abcd", 4, nullptr).pos, 2);
}

TEST_F(EvbufferSearch, FalseStartBeforeRealMatch) {
  EVC_RULE("buffer.h/evbuffer_search/false-start",
           "buffer.h evbuffer_search: a partial match does not hide a later full one");
  AddChains({"aab", "aaab", "c"});  // "aabaaabc"
  EXPECT_EQ(evbuffer_search(buf_, "aabc", 4, nullptr).pos, 4);
}

TEST_F(EvbufferSearch, StartPointerSkipsEarlierMatches) {
  EVC_RULE("buffer.h/evbuffer_search/start",
           "buffer.h evbuffer_search: the search begins at start");
  Add("ab-ab-ab");
  evbuffer_ptr p;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 1, EVBUFFER_PTR_SET), 0);
  EXPECT_EQ(evbuffer_search(buf_, "ab", 2, &p).pos, 3);
}

TEST_F(EvbufferSearch, StartAtMatchFindsItAgain) {
  EVC_RULE("buffer.h/evbuffer_search/start-at-match",
           "libevent regress evbuffer/search: searching from a hit returns the same position");
  AddChains({"--ab", "--ab"});
  evbuffer_ptr hit = evbuffer_search(buf_, "ab", 2, nullptr);
  ASSERT_EQ(hit.pos, 2);
  EXPECT_EQ(evbuffer_search(buf_, "ab", 2, &hit).pos, 2);
}

TEST_F(EvbufferSearch, IterateAllOccurrences) {
  EVC_RULE("buffer.h/evbuffer_search/iterate",
           "buffer.h evbuffer_search + evbuffer_ptr_set(PTR_ADD): walking every occurrence");
  AddChains({"a,b", ",c,", "d,", ",e"});  // "a,b,c,d,,e"
  std::vector<ev_ssize_t> found;
  evbuffer_ptr p = evbuffer_search(buf_, ",", 1, nullptr);
  while (p.pos >= 0) {
    found.push_back(p.pos);
    ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 1, EVBUFFER_PTR_ADD), 0);
    p = evbuffer_search(buf_, ",", 1, &p);
  }
  EXPECT_EQ(found, (std::vector<ev_ssize_t>{1, 3, 5, 7, 8}));
}

TEST_F(EvbufferSearch, FoundPointerReadsFromMatch) {
  EVC_RULE("buffer.h/evbuffer_search/pointer-usable",
           "buffer.h: a pointer returned by evbuffer_search is usable with evbuffer_copyout_from");
  AddChains({"key=", "val", "ue;"});
  evbuffer_ptr p = evbuffer_search(buf_, "value", 5, nullptr);
  ASSERT_EQ(p.pos, 4);
  char out[6] = {};
  EXPECT_EQ(evbuffer_copyout_from(buf_, &p, out, 6), 6);
  EXPECT_EQ(std::string(out, 6), "value;");
}

TEST_F(EvbufferSearch, EmptyBufferFindsNothing) {
  EVC_RULE("buffer.h/evbuffer_search/empty-buffer",
           "buffer.h evbuffer_search: pos -1 when the buffer is empty");
  EXPECT_EQ(evbuffer_search(buf_, "a", 1, nullptr).pos, -1);
}

TEST_F(EvbufferSearch, EmptyPatternReturnsStart) {
  EVC_RULE("buffer.h/evbuffer_search/empty-pattern",
           "observed libevent 2.1.12: searching for 0 bytes returns the start position");
  Add("abc");
  EXPECT_EQ(evbuffer_search(buf_, "", 0, nullptr).pos, 0);
  evbuffer_ptr p;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 2, EVBUFFER_PTR_SET), 0);
  EXPECT_EQ(evbuffer_search(buf_, "", 0, &p).pos, 2);
}

TEST_F(EvbufferSearch, RangeExcludesMatchCrossingEnd) {
  EVC_RULE("buffer.h/evbuffer_search_range/match-crossing-end",
           "buffer.h evbuffer_search_range: the match must end before or at end");
  AddChains({"abcd", "efgh"});
  evbuffer_ptr end;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &end, 5, EVBUFFER_PTR_SET), 0);
  EXPECT_EQ(evbuffer_search_range(buf_, "def", 3, nullptr, &end).pos, -1);
  ASSERT_EQ(evbuffer_ptr_set(buf_, &end, 6, EVBUFFER_PTR_SET), 0);
  EXPECT_EQ(evbuffer_search_range(buf_, "def", 3, nullptr, &end).pos, 3);
}

TEST_F(EvbufferSearch, RangeWithStartAndEnd) {
  EVC_RULE("buffer.h/evbuffer_search_range/start-and-end",
           "buffer.h evbuffer_search_range: searches only between start and end");
  Add("x1x2x3x4");
  evbuffer_ptr start, end;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &start, 1, EVBUFFER_PTR_SET), 0);
  ASSERT_EQ(evbuffer_ptr_set(buf_, &end, 4, EVBUFFER_PTR_SET), 0);
  EXPECT_EQ(evbuffer_search_range(buf_, "x", 1, &start, &end).pos, 2);
  ASSERT_EQ(evbuffer_ptr_set(buf_, &start, 3, EVBUFFER_PTR_SET), 0);
  EXPECT_EQ(evbuffer_search_range(buf_, "x", 1, &start, &end).pos, -1);
}

TEST_F(EvbufferSearch, RangeWithNullEndSearchesToTheEnd) {
  EVC_RULE("buffer.h/evbuffer_search_range/null-end",
           "buffer.h evbuffer_search_range: end NULL means the end of the buffer");
  AddChains({"ab", "cd", "ef"});
  EXPECT_EQ(evbuffer_search_range(buf_, "ef", 2, nullptr, nullptr).pos, 4);
}

TEST_F(EvbufferPtr, SetPositionsWithinBuffer) {
  EVC_RULE("buffer.h/EVBUFFER_PTR_SET",
           "buffer.h evbuffer_ptr_set(EVBUFFER_PTR_SET): pos becomes the absolute position");
  AddChains({"abc", "def"});
  evbuffer_ptr p;
  for (size_t i = 0; i < 6; ++i) {
    ASSERT_EQ(evbuffer_ptr_set(buf_, &p, i, EVBUFFER_PTR_SET), 0);
    EXPECT_EQ(p.pos, static_cast<ev_ssize_t>(i));
    char c = 0;
    ASSERT_EQ(evbuffer_copyout_from(buf_, &p, &c, 1), 1);
    EXPECT_EQ(c, "abcdef"[i]);
  }
}

TEST_F(EvbufferPtr, AddAdvancesAcrossChains) {
  EVC_RULE("buffer.h/EVBUFFER_PTR_ADD",
           "buffer.h evbuffer_ptr_set(EVBUFFER_PTR_ADD): advances by position bytes");
  AddChains({"ab", "cd", "ef"});
  evbuffer_ptr p;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 1, EVBUFFER_PTR_SET), 0);
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 3, EVBUFFER_PTR_ADD), 0);
  EXPECT_EQ(p.pos, 4);
  char c = 0;
  ASSERT_EQ(evbuffer_copyout_from(buf_, &p, &c, 1), 1);
  EXPECT_EQ(c, 'e');
}

TEST_F(EvbufferPtr, EndOfBufferIsValid) {
  EVC_RULE("buffer.h/evbuffer_ptr/just-past-end",
           "buffer.h evbuffer_ptr: may point just past the end (libevent commit e6fe1da9)");
  Add("abc");
  evbuffer_ptr p;
  EXPECT_EQ(evbuffer_ptr_set(buf_, &p, 3, EVBUFFER_PTR_SET), 0);
  EXPECT_EQ(p.pos, 3);
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 0, EVBUFFER_PTR_SET), 0);
  EXPECT_EQ(evbuffer_ptr_set(buf_, &p, 3, EVBUFFER_PTR_ADD), 0);
  EXPECT_EQ(p.pos, 3);
}

TEST_F(EvbufferPtr, PastTheEndFails) {
  EVC_RULE("buffer.h/evbuffer_ptr_set/past-end",
           "buffer.h evbuffer_ptr_set: -1 if the position is beyond the end of the buffer");
  Add("abc");
  evbuffer_ptr p;
  EXPECT_EQ(evbuffer_ptr_set(buf_, &p, 4, EVBUFFER_PTR_SET), -1);
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 2, EVBUFFER_PTR_SET), 0);
  EXPECT_EQ(evbuffer_ptr_set(buf_, &p, 2, EVBUFFER_PTR_ADD), -1);
}

TEST_F(EvbufferPtr, ZeroInEmptyBufferIsValid) {
  EVC_RULE("buffer.h/evbuffer_ptr_set/zero-in-empty",
           "libevent commit 7aeb2fd4: position 0 in an empty buffer is allowed");
  evbuffer_ptr p;
  EXPECT_EQ(evbuffer_ptr_set(buf_, &p, 0, EVBUFFER_PTR_SET), 0);
  EXPECT_EQ(p.pos, 0);
}

TEST_F(EvbufferPtr, FailedSetMarksPointerNotFound) {
  EVC_RULE("buffer.h/evbuffer_ptr_set/failure-pos-minus-one",
           "observed libevent 2.1.12: a failed EVBUFFER_PTR_SET leaves pos -1");
  Add("abc");
  evbuffer_ptr p;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 10, EVBUFFER_PTR_SET), -1);
  EXPECT_EQ(p.pos, -1);
}

TEST_F(EvbufferPtr, AddOnNotFoundPointerFails) {
  EVC_RULE("buffer.h/EVBUFFER_PTR_ADD/not-found-pointer",
           "observed libevent 2.1.12: EVBUFFER_PTR_ADD on a pointer with pos -1 returns -1");
  Add("abc");
  evbuffer_ptr p = evbuffer_search(buf_, "zz", 2, nullptr);
  ASSERT_EQ(p.pos, -1);
  EXPECT_EQ(evbuffer_ptr_set(buf_, &p, 1, EVBUFFER_PTR_ADD), -1);
}

}  // namespace
}  // namespace evc
