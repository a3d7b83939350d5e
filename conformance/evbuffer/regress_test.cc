// Cases of libevent's regress suite (test/regress_buffer.c, 2.1.12) ported
// with their exact positions, public API only.
#include <cstring>
#include <string>
#include <vector>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

using EvbufferRegress = EvbufferTest;

struct Found {
  ev_ssize_t pos;
  size_t eol_len;
  bool operator==(const Found& o) const { return pos == o.pos && eol_len == o.eol_len; }
};

std::ostream& operator<<(std::ostream& os, const Found& f) {
  return os << "{pos " << f.pos << ", eol_len " << f.eol_len << "}";
}

Found SearchEol(evbuffer* buf, evbuffer_ptr* start, evbuffer_eol_style style) {
  size_t eol_len = static_cast<size_t>(-1);
  const evbuffer_ptr p = evbuffer_search_eol(buf, start, &eol_len, style);
  return {p.pos, eol_len};
}

// "string! \r\n\r\nx\n": CR at 8 and 10, LF at 9, 11 and 13.
TEST_F(EvbufferRegress, SearchEolFromAHitAndFromJustAfterIt) {
  EVC_RULE("buffer.h/evbuffer_search_eol/restart-at-and-after-hit",
           "libevent regress evbuffer/search_eol: in \"string! \\r\\n\\r\\nx\\n\", CRLF finds "
           "8 (len 2); from that hit, 8 again; from one past it, the LF at 9 (len 1); "
           "CRLF_STRICT from there, 10 (len 2). LF finds 9, from the hit 9, from one past it "
           "11; from the end of the buffer nothing (pos -1, eol_len 0)");
  Add("string! \r\n\r\nx\n");
  evbuffer_ptr p = evbuffer_search_eol(buf_, nullptr, nullptr, EVBUFFER_EOL_CRLF);
  EXPECT_EQ(SearchEol(buf_, nullptr, EVBUFFER_EOL_CRLF), (Found{8, 2}));
  EXPECT_EQ(SearchEol(buf_, &p, EVBUFFER_EOL_CRLF), (Found{8, 2}));
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 1, EVBUFFER_PTR_ADD), 0);
  EXPECT_EQ(SearchEol(buf_, &p, EVBUFFER_EOL_CRLF), (Found{9, 1}));
  EXPECT_EQ(SearchEol(buf_, &p, EVBUFFER_EOL_CRLF_STRICT), (Found{10, 2}));

  p = evbuffer_search_eol(buf_, nullptr, nullptr, EVBUFFER_EOL_LF);
  EXPECT_EQ(SearchEol(buf_, nullptr, EVBUFFER_EOL_LF), (Found{9, 1}));
  EXPECT_EQ(SearchEol(buf_, &p, EVBUFFER_EOL_LF), (Found{9, 1}));
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 1, EVBUFFER_PTR_ADD), 0);
  EXPECT_EQ(SearchEol(buf_, &p, EVBUFFER_EOL_LF), (Found{11, 1}));

  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, evbuffer_get_length(buf_), EVBUFFER_PTR_SET), 0);
  EXPECT_EQ(SearchEol(buf_, &p, EVBUFFER_EOL_LF), (Found{-1, 0}));
}

// Appends n bytes of value through a one-extent reservation, as the case
// builds its chains.
void CommitBytes(evbuffer* buf, size_t n, unsigned char value) {
  evbuffer_iovec v[1];
  ASSERT_EQ(evbuffer_reserve_space(buf, n, v, 1), 1);
  ASSERT_GE(v[0].iov_len, n);
  std::memset(v[0].iov_base, value, n);
  v[0].iov_len = n;
  ASSERT_EQ(evbuffer_commit_space(buf, v, 1), 0);
}

TEST_F(EvbufferRegress, PtrSetOnAnEmptyBufferAllowsOnlyZero) {
  EVC_RULE("buffer.h/evbuffer_ptr_set/empty-buffer-only-zero",
           "libevent regress evbuffer/ptr_set: in an empty buffer position 0 can be set; "
           "adding 1 to it, or setting 1, returns -1 and leaves pos -1");
  evbuffer_ptr p;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 0, EVBUFFER_PTR_SET), 0);
  EXPECT_EQ(p.pos, 0);
  EXPECT_EQ(evbuffer_ptr_set(buf_, &p, 1, EVBUFFER_PTR_ADD), -1);
  EXPECT_EQ(p.pos, -1);
  EXPECT_EQ(evbuffer_ptr_set(buf_, &p, 1, EVBUFFER_PTR_SET), -1);
  EXPECT_EQ(p.pos, -1);
}

TEST_F(EvbufferRegress, PtrSetStepsToTheEndOfTwelveThousandBytesAndNoFurther) {
  EVC_RULE("buffer.h/evbuffer_ptr_set/add-steps-to-end",
           "libevent regress evbuffer/ptr_set: 12000 bytes committed as 5000, 4000 and 3000: "
           "setting 13000 fails (pos -1), adding 13000 to 0 fails; from 0, adding 10000, 1000 "
           "and 1000 reaches 10000, 11000 and 12000 (the end, which is valid), and adding "
           "1000 more returns -1 and leaves pos -1");
  CommitBytes(buf_, 5000, 1);
  CommitBytes(buf_, 4000, 2);
  CommitBytes(buf_, 3000, 3);
  ASSERT_EQ(evbuffer_get_length(buf_), 12000u);
  evbuffer_ptr p;
  EXPECT_EQ(evbuffer_ptr_set(buf_, &p, 13000, EVBUFFER_PTR_SET), -1);
  EXPECT_EQ(p.pos, -1);
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 0, EVBUFFER_PTR_SET), 0);
  EXPECT_EQ(evbuffer_ptr_set(buf_, &p, 13000, EVBUFFER_PTR_ADD), -1);

  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 0, EVBUFFER_PTR_SET), 0);
  const struct {
    size_t add;
    ev_ssize_t pos;
  } steps[] = {{10000, 10000}, {1000, 11000}, {1000, 12000}};
  for (const auto& step : steps) {
    ASSERT_EQ(evbuffer_ptr_set(buf_, &p, step.add, EVBUFFER_PTR_ADD), 0);
    EXPECT_EQ(p.pos, step.pos);
  }
  EXPECT_EQ(evbuffer_ptr_set(buf_, &p, 1000, EVBUFFER_PTR_ADD), -1);
  EXPECT_EQ(p.pos, -1);
}

// How many of the buffer's extents [from, from + len) touches (len < 0: to
// the end), from the layout a whole-buffer evbuffer_peek reports.
int ExtentsTouched(const std::vector<evbuffer_iovec>& layout, size_t from, ev_ssize_t len) {
  size_t total = 0;
  for (const evbuffer_iovec& v : layout) total += v.iov_len;
  const size_t to = len < 0 ? total : from + static_cast<size_t>(len);
  int n = 0;
  size_t start = 0;
  for (const evbuffer_iovec& v : layout) {
    const size_t end = start + v.iov_len;
    if (v.iov_len > 0 && end > from && start < to) ++n;
    start = end;
  }
  return n;
}

TEST_F(EvbufferRegress, PeekFromInsideAChainCountsOnlyTheExtentsItNeeds) {
  EVC_RULE("buffer.h/evbuffer_peek/start-at-extent-count",
           "libevent regress evbuffer/peek_first_gt: two chunks (22 and 20 bytes) moved in with "
           "evbuffer_add_buffer; evbuffer_peek from 0 and from 20, for all the data and for 2 "
           "and 3 bytes, returns the number of extents those bytes lie in (buffer.h: 'the "
           "number of extents needed'), with vectors or without, whatever the chain layout");
  evbuffer* tmp = NewBuffer();
  ASSERT_EQ(evbuffer_add_printf(tmp, "Contents of chunk 100\n"), 22);
  ASSERT_EQ(evbuffer_add_buffer(buf_, tmp), 0);
  ASSERT_EQ(evbuffer_add_printf(tmp, "Contents of chunk 1\n"), 20);
  ASSERT_EQ(evbuffer_add_buffer(buf_, tmp), 0);

  const int n = evbuffer_peek(buf_, -1, nullptr, nullptr, 0);
  ASSERT_GE(n, 1);
  std::vector<evbuffer_iovec> layout(n);
  ASSERT_EQ(evbuffer_peek(buf_, -1, nullptr, layout.data(), n), n);
  for (size_t from : {0, 20}) {
    for (ev_ssize_t len : {-1, 2, 3}) {
      SCOPED_TRACE("from " + std::to_string(from) + ", len " + std::to_string(len));
      evbuffer_ptr p;
      ASSERT_EQ(evbuffer_ptr_set(buf_, &p, from, EVBUFFER_PTR_SET), 0);
      const int want = ExtentsTouched(layout, from, len);
      std::vector<evbuffer_iovec> vec(n);
      EXPECT_EQ(evbuffer_peek(buf_, len, &p, nullptr, 0), want);
      EXPECT_EQ(evbuffer_peek(buf_, len, &p, vec.data(), n), want);
    }
  }
  EXPECT_EQ(Contents(buf_), "Contents of chunk 100\nContents of chunk 1\n");
}

}  // namespace
}  // namespace evc
