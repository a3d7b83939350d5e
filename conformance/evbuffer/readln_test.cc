// evbuffer_readln beyond the single-line table: sequences of lines, NULs,
// freezes, data arriving in pieces.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

// Owns a line returned by evbuffer_readln; nullopt-like when NULL.
struct Line {
  std::unique_ptr<char, decltype(&std::free)> ptr{nullptr, &std::free};
  size_t n = 0;
  bool ok() const { return ptr != nullptr; }
  std::string str() const { return std::string(ptr.get(), n); }
};

Line ReadLine(evbuffer* buf, evbuffer_eol_style style) {
  Line l;
  l.ptr.reset(evbuffer_readln(buf, &l.n, style));
  return l;
}

using EvbufferReadln = EvbufferTest;

TEST_F(EvbufferReadln, SuccessiveLinesThenPartialLineStays) {
  EVC_RULE("buffer.h/evbuffer_readln/partial-line-stays",
           "buffer.h evbuffer_readln: one line per call; NULL when no complete line is left");
  AddChains({"alpha\nbe", "ta\n\ngam", "ma"});
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_LF).str(), "alpha");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_LF).str(), "beta");
  Line empty = ReadLine(buf_, EVBUFFER_EOL_LF);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.n, 0u);
  EXPECT_FALSE(ReadLine(buf_, EVBUFFER_EOL_LF).ok());
  EXPECT_EQ(Contents(buf_), "gamma") << "an unterminated line is never returned";
}

TEST_F(EvbufferReadln, AnySwallowsBlankLines) {
  EVC_RULE("buffer.h/EVBUFFER_EOL_ANY/blank-lines-vanish",
           "buffer.h EVBUFFER_EOL_ANY: any sequence of CR and LF is one EOL, so blank lines vanish");
  Add("a\r\n\r\n\nb\rc\n");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_ANY).str(), "a");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_ANY).str(), "b");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_ANY).str(), "c");
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_F(EvbufferReadln, CrlfKeepsBlankLines) {
  EVC_RULE("buffer.h/EVBUFFER_EOL_CRLF/blank-lines-kept",
           "buffer.h EVBUFFER_EOL_CRLF: each LF (with its CR) ends one line, blank lines included");
  Add("a\r\n\r\n\nb\n");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_CRLF).str(), "a");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_CRLF).str(), "");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_CRLF).str(), "");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_CRLF).str(), "b");
}

TEST_F(EvbufferReadln, NulBytesInsideLineAreCounted) {
  EVC_RULE("buffer.h/evbuffer_readln/embedded-nul-counted",
           "buffer.h evbuffer_readln: n_read_out counts the line's bytes, embedded NULs included");
  Add(std::string("a\0b\0c\n", 6));
  Line l = ReadLine(buf_, EVBUFFER_EOL_LF);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.n, 5u);
  EXPECT_EQ(l.str(), std::string("a\0b\0c", 5));
}

TEST_F(EvbufferReadln, NulStyleSplitsOnNul) {
  EVC_RULE("buffer.h/EVBUFFER_EOL_NUL",
           "buffer.h EVBUFFER_EOL_NUL: a single NUL byte ends the line; LF is kept");
  Add(std::string("x\ny\0\0z", 6));
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_NUL).str(), "x\ny");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_NUL).str(), "");
  EXPECT_FALSE(ReadLine(buf_, EVBUFFER_EOL_NUL).ok());
  EXPECT_EQ(Contents(buf_), "z");
}

TEST_F(EvbufferReadln, LfStyleKeepsCarriageReturn) {
  EVC_RULE("buffer.h/EVBUFFER_EOL_LF/keeps-cr",
           "buffer.h EVBUFFER_EOL_LF: only LF ends the line, a CR before it stays in the line");
  Add("abc\r\n");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_LF).str(), "abc\r");
}

TEST_F(EvbufferReadln, NullReadCountIsAccepted) {
  EVC_RULE("buffer.h/evbuffer_readln/null-n-read-out",
           "buffer.h evbuffer_readln: n_read_out may be NULL");
  Add("line\n");
  char* l = evbuffer_readln(buf_, nullptr, EVBUFFER_EOL_LF);
  ASSERT_NE(l, nullptr);
  EXPECT_STREQ(l, "line");
  std::free(l);
}

TEST_F(EvbufferReadln, EmptyBufferGivesNull) {
  EVC_RULE("buffer.h/evbuffer_readln/empty-buffer",
           "buffer.h evbuffer_readln: NULL if no line is available; n_read_out set to 0");
  size_t n = 99;
  EXPECT_EQ(evbuffer_readln(buf_, &n, EVBUFFER_EOL_ANY), nullptr);
  EXPECT_EQ(n, 0u);
}

TEST_F(EvbufferReadln, FrozenFrontGivesNullAndKeepsData) {
  EVC_RULE("buffer.h/evbuffer_readln/frozen-front",
           "libevent regress evbuffer/freeze_start: readln fails while the front is frozen");
  Add("line\n");
  ASSERT_EQ(evbuffer_freeze(buf_, 1), 0);
  size_t n = 99;
  EXPECT_EQ(evbuffer_readln(buf_, &n, EVBUFFER_EOL_LF), nullptr);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(Contents(buf_), "line\n");
}

TEST_F(EvbufferReadln, FrozenEndStillReads) {
  EVC_RULE("buffer.h/evbuffer_readln/frozen-end",
           "observed libevent 2.1.12: readln works with only the end frozen");
  Add("line\nrest");
  ASSERT_EQ(evbuffer_freeze(buf_, 0), 0);
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_LF).str(), "line");
  EXPECT_EQ(Contents(buf_), "rest");
}

TEST_F(EvbufferReadln, CrlfStrictCompletedByLaterAdd) {
  EVC_RULE("buffer.h/EVBUFFER_EOL_CRLF_STRICT/completed-by-later-add",
           "libevent regress evbuffer/readln: a CRLF_STRICT EOL completed by a later evbuffer_add");
  Add("half\r");
  EXPECT_FALSE(ReadLine(buf_, EVBUFFER_EOL_CRLF_STRICT).ok());
  Add("\nnext");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_CRLF_STRICT).str(), "half");
  EXPECT_EQ(Contents(buf_), "next");
}

TEST_F(EvbufferReadln, AnyCountsCrAndLateLfAsTwoEols) {
  EVC_RULE("buffer.h/EVBUFFER_EOL_ANY/late-lf-second-eol",
           "buffer.h EVBUFFER_EOL_ANY warning: a CR read before its LF arrives makes two EOLs");
  Add("one\r");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_ANY).str(), "one");
  Add("\ntwo\n");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_ANY).str(), "");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_ANY).str(), "two");
}

TEST_F(EvbufferReadln, CrlfStrictAcrossThreeBuffers) {
  EVC_RULE("buffer.h/EVBUFFER_EOL_CRLF_STRICT/across-buffers",
           "libevent regress evbuffer/readln 'CRLF_STRICT across boundaries': pieces joined with add_buffer");
  const char* pieces[] = {"line1\r", "\nline2\r", "\n"};
  for (const char* p : pieces) {
    evbuffer* tmp = NewBuffer();
    Add(tmp, p);
    ASSERT_EQ(evbuffer_add_buffer(buf_, tmp), 0);
  }
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_CRLF_STRICT).str(), "line1");
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_CRLF_STRICT).str(), "line2");
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_F(EvbufferReadln, LongLineAcrossManyChains) {
  EVC_RULE("buffer.h/evbuffer_readln/long-line",
           "buffer.h evbuffer_readln: a line spanning many chains comes back whole");
  std::vector<std::string> pieces;
  std::string expect;
  for (int i = 0; i < 50; ++i) {
    pieces.push_back(std::string(37, static_cast<char>('a' + i % 26)));
    expect += pieces.back();
  }
  pieces.push_back("\r\ntail");
  AddChains(pieces);
  EXPECT_EQ(ReadLine(buf_, EVBUFFER_EOL_CRLF).str(), expect);
  EXPECT_EQ(Contents(buf_), "tail");
}

TEST_F(EvbufferReadln, ManyLinesKeepOrder) {
  EVC_RULE("buffer.h/evbuffer_readln/order",
           "buffer.h evbuffer_readln: lines come out in the order they went in");
  std::string all;
  for (int i = 0; i < 1000; ++i) all += "line-" + std::to_string(i) + "\r\n";
  Add(all);
  for (int i = 0; i < 1000; ++i) {
    Line l = ReadLine(buf_, EVBUFFER_EOL_CRLF);
    ASSERT_TRUE(l.ok()) << i;
    ASSERT_EQ(l.str(), "line-" + std::to_string(i));
  }
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

}  // namespace
}  // namespace evc
