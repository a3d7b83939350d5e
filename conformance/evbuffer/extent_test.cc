// Where the extents of evbuffer_reserve_space, evbuffer_peek and the space
// of evbuffer_expand lie: the chain layout as the public API shows it.
//
// Chain sizes are the implementation's own (the reference's differ from
// libevent's by design), so these tests never assert a capacity or an exact
// number of extents; they assert where extents begin relative to each other
// and to the data, which the header does pin down:
//   buffer.h:272-275 "The space is made available as one or more extents
//     ... Allowing more extents, however, makes the function more efficient."
//   buffer.h:277-278 "Multiple subsequent calls to this function will make
//     the same space available until evbuffer_commit_space() has been called."
//   buffer.h:287-289 size is a minimum; buffer.h:294 "@return the number of
//     provided extents".
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

using EvbufferExtent = EvbufferTest;

constexpr int kMaxVec = 8;

struct Reservation {
  int n = -1;
  evbuffer_iovec v[kMaxVec];
  size_t total() const {
    size_t t = 0;
    for (int i = 0; i < n; ++i) t += v[i].iov_len;
    return t;
  }
  char* at(int i) const { return static_cast<char*>(v[i].iov_base); }
};

Reservation Reserve(evbuffer* buf, size_t size, int n_vec) {
  Reservation r;
  r.n = evbuffer_reserve_space(buf, static_cast<ev_ssize_t>(size), r.v, n_vec);
  return r;
}

// Commits `take[i]` bytes of extent i (the rest of the extents: 0), each
// filled with its own letter; returns the bytes committed, in order.
std::string CommitPrefixes(evbuffer* buf, Reservation r, const std::vector<size_t>& take) {
  std::string written;
  for (int i = 0; i < r.n; ++i) {
    const size_t k = i < static_cast<int>(take.size()) ? take[i] : 0;
    std::memset(r.v[i].iov_base, 'a' + i, k);
    written.append(k, static_cast<char>('a' + i));
    r.v[i].iov_len = k;
  }
  EXPECT_EQ(evbuffer_commit_space(buf, r.v, r.n), 0);
  return written;
}

// The memory holding the buffer's bytes from position `from` on, as
// (address, length) spans, adjacent spans merged: where peek finds them.
using Spans = std::vector<std::pair<const char*, size_t>>;

void AppendSpan(Spans& s, const char* p, size_t len) {
  if (len == 0) return;
  if (!s.empty() && s.back().first + s.back().second == p) {
    s.back().second += len;
  } else {
    s.emplace_back(p, len);
  }
}

Spans SpansFrom(evbuffer* buf, size_t from) {
  const int n = evbuffer_peek(buf, -1, nullptr, nullptr, 0);
  std::vector<evbuffer_iovec> v(n > 0 ? n : 1);
  evbuffer_peek(buf, -1, nullptr, v.data(), n);
  Spans s;
  for (int i = 0; i < n; ++i) {
    const char* p = static_cast<const char*>(v[i].iov_base);
    size_t len = v[i].iov_len;
    const size_t skip = from < len ? from : len;
    from -= skip;
    AppendSpan(s, p + skip, len - skip);
  }
  return s;
}

bool Inside(const char* p, const Reservation& r) {
  for (int i = 0; i < r.n; ++i) {
    const auto a = reinterpret_cast<uintptr_t>(r.at(i));
    const auto x = reinterpret_cast<uintptr_t>(p);
    if (x >= a && x < a + r.v[i].iov_len) return true;
  }
  return false;
}

// How many of the bytes in `spans` lie outside the extents of `r`.
size_t BytesOutside(const Spans& spans, const Reservation& r) {
  size_t out = 0;
  for (const auto& s : spans) {
    for (size_t k = 0; k < s.second; ++k) out += Inside(s.first + k, r) ? 0 : 1;
  }
  return out;
}

// ---------------------------------------------------------------------------
// reserve_space with two or more vectors

TEST_F(EvbufferExtent, LargerReserveWithMoreVectorsBeginsWhereTheEarlierOneBegan) {
  EVC_RULE("buffer.h/evbuffer_reserve_space/larger-keeps-earlier-extents",
           "buffer.h:277-278 evbuffer_reserve_space: subsequent calls make the same space "
           "available until commit; buffer.h:274-275 allowing more extents makes it more efficient: "
           "a larger reservation offering more vectors than the earlier one used keeps the earlier "
           "extents in front (nothing moves, nothing is copied)");
  for (int n_vec : {2, 3, 4}) {
    SCOPED_TRACE("n_vec " + std::to_string(n_vec));
    evbuffer* b = NewBuffer();
    const Reservation first = Reserve(b, 100, n_vec);
    ASSERT_GE(first.n, 1);
    ASSERT_LT(first.n, n_vec);
    const Reservation more = Reserve(b, first.total() + 4000, n_vec);
    ASSERT_GE(more.n, 1);
    ASSERT_LE(more.n, n_vec);
    EXPECT_GE(more.total(), first.total() + 4000);
    for (int i = 0; i < first.n && i < more.n; ++i) {
      EXPECT_EQ(more.v[i].iov_base, first.v[i].iov_base) << "extent " << i;
      EXPECT_GE(more.v[i].iov_len, first.v[i].iov_len) << "extent " << i;
    }
  }
}

TEST_F(EvbufferExtent, RepeatedReserveWithSeveralVectorsGivesTheSameExtents) {
  EVC_RULE("buffer.h/evbuffer_reserve_space/repeated-same-extents",
           "buffer.h:277-278 evbuffer_reserve_space: subsequent calls make the same space "
           "available until evbuffer_commit_space()");
  for (const std::string& data : {std::string(), std::string("head"), std::string(3000, 'd')}) {
    SCOPED_TRACE("after " + std::to_string(data.size()) + " bytes");
    evbuffer* b = NewBuffer();
    Add(b, data);
    for (size_t size : {size_t{10}, size_t{5000}, size_t{70000}}) {
      const Reservation a = Reserve(b, size, 3);
      const Reservation again = Reserve(b, size, 3);
      ASSERT_GE(a.n, 1);
      ASSERT_EQ(again.n, a.n) << "size " << size;
      for (int i = 0; i < a.n; ++i) {
        EXPECT_EQ(again.v[i].iov_base, a.v[i].iov_base) << "size " << size << " extent " << i;
        EXPECT_EQ(again.v[i].iov_len, a.v[i].iov_len) << "size " << size << " extent " << i;
      }
    }
  }
}

TEST_F(EvbufferExtent, ReserveAfterCommittingPartOfTheFirstExtentBeginsThatFarIn) {
  EVC_RULE("buffer.h/evbuffer_commit_space/partial-then-reserve",
           "buffer.h:277-278 the same space until commit, buffer.h:304-305 commit_space commits "
           "some of the space reserved: after k bytes of extent 0 are committed, a reservation of "
           "the rest (as many vectors) is the same space k bytes on");
  const Reservation small = Reserve(buf_, 100, 3);
  ASSERT_GE(small.n, 1);
  const Reservation big = Reserve(buf_, small.total() + 4000, 3);
  ASSERT_GE(big.n, 1);
  ASSERT_GT(big.v[0].iov_len, 1u);
  EXPECT_EQ(CommitPrefixes(buf_, big, {1}), "a");
  const Reservation rest = Reserve(buf_, big.total() - 1, std::max(2, big.n));
  ASSERT_GE(rest.n, 1);
  ASSERT_LE(rest.n, big.n);
  EXPECT_EQ(rest.at(0), small.at(0) + 1) << "where the first reservation began, one byte on";
  EXPECT_EQ(rest.at(0), big.at(0) + 1);
  for (int i = 1; i < rest.n; ++i) EXPECT_EQ(rest.v[i].iov_base, big.v[i].iov_base) << "extent " << i;
  EXPECT_EQ(Contents(buf_), "a");
}

TEST_F(EvbufferExtent, ReserveAfterFillingTheFirstExtentBeginsAtTheSecond) {
  EVC_RULE("buffer.h/evbuffer_commit_space/first-extent-then-reserve",
           "buffer.h:277-278 the same space until commit: once extent 0 is filled and committed, "
           "the rest of the space (extent 1 on) is what a reservation of the rest gives");
  const Reservation small = Reserve(buf_, 100, 3);
  ASSERT_GE(small.n, 1);
  const Reservation big = Reserve(buf_, small.total() + 4000, 3);
  ASSERT_GE(big.n, 2) << "the earlier space stays in front, so more than it is a second extent";
  const std::string written = CommitPrefixes(buf_, big, {big.v[0].iov_len});
  const Reservation next = Reserve(buf_, big.total() - big.v[0].iov_len, std::max(2, big.n));
  ASSERT_GE(next.n, 1);
  EXPECT_EQ(next.v[0].iov_base, big.v[1].iov_base);
  EXPECT_EQ(Contents(buf_), written);
}

TEST_F(EvbufferExtent, ExtentsNeverExceedTheVectorsAndHoldTheSize) {
  EVC_RULE("buffer.h/evbuffer_reserve_space/at-most-n-vec",
           "buffer.h:287-294 evbuffer_reserve_space: at most n_vec extents are provided, "
           "holding at least size bytes in all");
  // Layouts: empty; some data; a full first chain; empty chains left by
  // uncommitted reservations with more vectors than the next one offers.
  auto layouts = [this](int which) {
    evbuffer* b = NewBuffer();
    if (which == 1) Add(b, "head");
    if (which == 2) Add(b, std::string(5000, 'd'));
    if (which == 3) {
      Reservation r = Reserve(b, 1, 1);
      CommitPrefixes(b, r, {r.v[0].iov_len});
    }
    if (which == 4) {
      size_t size = 100;
      for (int k = 0; k < 4; ++k) size = Reserve(b, size, 4).total() + 3000;
    }
    return b;
  };
  for (int which = 0; which < 5; ++which) {
    for (size_t size : {size_t{1}, size_t{64}, size_t{1000}, size_t{4096}, size_t{10000}, size_t{100000}}) {
      for (int n_vec : {2, 3, 4, kMaxVec}) {
        evbuffer* b = layouts(which);
        const Reservation r = Reserve(b, size, n_vec);
        SCOPED_TRACE("layout " + std::to_string(which) + " size " + std::to_string(size) + " n_vec " +
                     std::to_string(n_vec));
        ASSERT_GE(r.n, 1);
        EXPECT_LE(r.n, n_vec);
        EXPECT_GE(r.total(), size);
      }
    }
  }
}

TEST_F(EvbufferExtent, CommittingEveryExtentAppendsTheBytesInOrderWhereTheyWereWritten) {
  EVC_RULE("buffer.h/evbuffer_commit_space/in-place-in-order",
           "buffer.h:304-306 evbuffer_commit_space: the committed space becomes readable, extent "
           "after extent; buffer.h:58-60 reserve/commit skips the copy step, so the bytes stay where "
           "they were written");
  Add("head");
  Reservation r = Reserve(buf_, 1, 4);
  for (int k = 0; k < 3 && r.n < 3; ++k) r = Reserve(buf_, r.total() + 3000, 4);
  ASSERT_GE(r.n, 1);
  std::vector<size_t> take;
  Spans where;
  for (int i = 0; i < r.n; ++i) {
    take.push_back(std::min<size_t>(r.v[i].iov_len, 100 * (i + 1)));
    AppendSpan(where, r.at(i), take.back());
  }
  const std::string written = CommitPrefixes(buf_, r, take);
  EXPECT_EQ(Contents(buf_), "head" + written);
  EXPECT_EQ(SpansFrom(buf_, 4), where);
}

// ---------------------------------------------------------------------------
// evbuffer_expand, then reserve or add

constexpr size_t datlen = 3000;

// `before` bytes, evbuffer_expand(datlen), then a reservation of datlen
// bytes offering many vectors: the space already writable at the end.
void ExpandAndReserve(evbuffer* b, size_t before, Reservation& space) {
  ASSERT_EQ(evbuffer_add(b, std::string(before, 'd').data(), before), 0);
  ASSERT_EQ(evbuffer_expand(b, datlen), 0);
  space = Reserve(b, datlen, kMaxVec);
  ASSERT_GE(space.n, 1);
}

TEST_F(EvbufferExtent, ReserveAfterExpandLiesInTheExpandedSpace) {
  EVC_RULE("buffer.h/evbuffer_expand/reserve-in-expanded-space",
           "buffer.h:254-255 evbuffer_expand: appending datlen bytes afterwards needs no new "
           "allocation, so a one-extent reservation of datlen bytes lies in the space a reservation "
           "with several vectors shows (the space already writable at the end)");
  for (size_t before : {size_t{0}, size_t{3}, size_t{900}, size_t{5000}}) {
    SCOPED_TRACE("after " + std::to_string(before) + " bytes");
    evbuffer* b = NewBuffer();
    Reservation many;
    ExpandAndReserve(b, before, many);
    EXPECT_GE(many.total(), datlen);
    const Reservation one = Reserve(b, datlen, 1);
    ASSERT_EQ(one.n, 1);
    ASSERT_GE(one.v[0].iov_len, datlen);
    EXPECT_EQ(BytesOutside({{one.at(0), datlen}}, many), 0u);
    EXPECT_EQ(evbuffer_get_length(b), before);
  }
}

TEST_F(EvbufferExtent, AddAfterExpandWritesIntoTheExpandedSpace) {
  EVC_RULE("buffer.h/evbuffer_expand/add-in-expanded-space",
           "buffer.h:254-255 evbuffer_expand: \"appending datlen additional bytes will not require "
           "any new allocations\": the bytes of a following evbuffer_add land in the space already "
           "writable at the end, which reserve_space with enough vectors shows");
  for (size_t before : {size_t{0}, size_t{3}, size_t{900}, size_t{5000}, size_t{8100}}) {
    SCOPED_TRACE("after " + std::to_string(before) + " bytes");
    evbuffer* b = NewBuffer();
    Reservation space;
    ExpandAndReserve(b, before, space);
    Add(b, std::string(datlen, 'n'));
    EXPECT_EQ(BytesOutside(SpansFrom(b, before), space), 0u) << "of " << datlen << " added bytes";
    EXPECT_EQ(Contents(b), std::string(before, 'd') + std::string(datlen, 'n'));
  }
}

// ---------------------------------------------------------------------------
// evbuffer_peek with more, or fewer, vectors than the data needs

// add + prepend: a buffer whose data starts in front of where it was added.
void AddAndPrepend(evbuffer* b) {
  ASSERT_EQ(evbuffer_add(b, "middle", 6), 0);
  ASSERT_EQ(evbuffer_prepend(b, "front-", 6), 0);
  ASSERT_EQ(evbuffer_add(b, std::string(3000, 'e').data(), 3000), 0);
}

const evbuffer_iovec kUntouched = {reinterpret_cast<void*>(0x5a5a), 0x5a5a};

bool IsUntouched(const evbuffer_iovec& v) {
  return v.iov_base == kUntouched.iov_base && v.iov_len == kUntouched.iov_len;
}

std::string Joined(const evbuffer_iovec* v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.append(static_cast<char*>(v[i].iov_base), v[i].iov_len);
  return s;
}

TEST_F(EvbufferExtent, PeekWithSpareVectorsReturnsTheNumberNeededAndLeavesTheRest) {
  EVC_RULE("buffer.h/evbuffer_peek/spare-vectors-untouched",
           "buffer.h:848-851 evbuffer_peek: returns the number of extents needed, which may be "
           "less than n_vec; vectors past that number are not written");
  AddAndPrepend(buf_);
  const std::string all = "front-middle" + std::string(3000, 'e');
  const int need = evbuffer_peek(buf_, -1, nullptr, nullptr, 0);
  ASSERT_GE(need, 1);
  ASSERT_LT(need, kMaxVec);
  for (ev_ssize_t len : {ev_ssize_t{-1}, static_cast<ev_ssize_t>(all.size())}) {
    SCOPED_TRACE("len " + std::to_string(len));
    evbuffer_iovec v[kMaxVec];
    for (evbuffer_iovec& x : v) x = kUntouched;
    ASSERT_EQ(evbuffer_peek(buf_, len, nullptr, v, kMaxVec), need);
    EXPECT_EQ(Joined(v, need), all);
    for (int i = need; i < kMaxVec; ++i) EXPECT_TRUE(IsUntouched(v[i])) << "vector " << i;
  }
}

TEST_F(EvbufferExtent, PeekOfAPrefixNeedsOnlyTheExtentsThatHoldIt) {
  EVC_RULE("buffer.h/evbuffer_peek/prefix-extents",
           "buffer.h:848-851 evbuffer_peek: returns the number of extents needed for len bytes, "
           "less than n_vec when fewer are needed, more when more are");
  AddAndPrepend(buf_);
  evbuffer_iovec all[kMaxVec];
  const int need = evbuffer_peek(buf_, -1, nullptr, all, kMaxVec);
  ASSERT_GE(need, 1);
  size_t covered = 0;
  for (int i = 0; i < need; ++i) {
    covered += all[i].iov_len;
    const ev_ssize_t len = static_cast<ev_ssize_t>(covered);  // the first i + 1 extents exactly
    evbuffer_iovec v[kMaxVec];
    for (evbuffer_iovec& x : v) x = kUntouched;
    EXPECT_EQ(evbuffer_peek(buf_, len, nullptr, v, kMaxVec), i + 1) << "len " << len;
    for (int j = i + 1; j < kMaxVec; ++j) EXPECT_TRUE(IsUntouched(v[j])) << "len " << len << " vector " << j;
    evbuffer_iovec one[1];
    EXPECT_EQ(evbuffer_peek(buf_, len, nullptr, one, 1), i + 1) << "len " << len << " with one vector";
  }
}

TEST_F(EvbufferExtent, PeekEverythingWithTooFewVectorsFillsThemAll) {
  EVC_RULE("buffer.h/evbuffer_peek/negative-len-fills-all",
           "buffer.h:837-840 evbuffer_peek: with a negative len \"we will try to fill as much of "
           "vec_out as we can\"; the return is the extents needed, which the header leaves as either "
           "n_vec (all that was asked for) or the count for all the data (more than n_vec)");
  AddAndPrepend(buf_);
  const int need = evbuffer_peek(buf_, -1, nullptr, nullptr, 0);
  if (need < 2) GTEST_SKIP() << "needs:two-chains: the data fits one extent here";
  evbuffer_iovec all[kMaxVec];
  ASSERT_EQ(evbuffer_peek(buf_, -1, nullptr, all, kMaxVec), need);
  evbuffer_iovec v[2] = {kUntouched, kUntouched};
  const int r = evbuffer_peek(buf_, -1, nullptr, v, 1);
  EXPECT_TRUE(r == 1 || r == need) << r;
  EXPECT_EQ(v[0].iov_base, all[0].iov_base);
  EXPECT_EQ(v[0].iov_len, all[0].iov_len);
  EXPECT_TRUE(IsUntouched(v[1]));
}

TEST_F(EvbufferExtent, PeekAfterAnUncommittedReservationShowsOnlyTheData) {
  EVC_RULE("buffer.h/evbuffer_peek/uncommitted-space-hidden",
           "buffer.h:268-270 reserved space is not readable until committed; buffer.h:837-840 "
           "evbuffer_peek with a negative len fills as much of vec_out as it can: any extent past "
           "the data is empty, and a len of the whole length needs only the data's extents");
  Add("head");
  const Reservation r = Reserve(buf_, 5000, 3);
  ASSERT_GE(r.n, 1);
  const int need = evbuffer_peek(buf_, -1, nullptr, nullptr, 0);
  ASSERT_GE(need, 1);
  evbuffer_iovec v[kMaxVec];
  for (evbuffer_iovec& x : v) x = kUntouched;
  const int got = evbuffer_peek(buf_, -1, nullptr, v, kMaxVec);
  ASSERT_GE(got, need);
  ASSERT_LE(got, kMaxVec);
  EXPECT_EQ(Joined(v, need), "head");
  for (int i = need; i < got; ++i) EXPECT_EQ(v[i].iov_len, 0u) << "extent " << i;
  for (int i = got; i < kMaxVec; ++i) EXPECT_TRUE(IsUntouched(v[i])) << "vector " << i;
  for (evbuffer_iovec& x : v) x = kUntouched;
  EXPECT_EQ(evbuffer_peek(buf_, 4, nullptr, v, kMaxVec), need);
  EXPECT_TRUE(IsUntouched(v[need]));
}

}  // namespace
}  // namespace evc
