// evbuffer_search_eol and evbuffer_readln over a table of inputs, for every
// EOL style, with the bytes laid out across chains as the case says.
//
// The rules (buffer.h, enum evbuffer_eol_style):
//   ANY          any sequence of CR and LF characters
//   CRLF         an LF, optionally preceded by a CR
//   CRLF_STRICT  a CR followed by an LF
//   LF           a single LF
//   NUL          a single NUL byte
// plus what libevent 2.1.12 does where the header is silent (see
// docs/rules.md, "EOL search and readln", all probed on 2.1.12): an ANY
// EOL swallows the whole CR/LF run; CRLF points at the CR; "not found" is
// pos -1 with eol_len 0; a CRLF never looks back before the start pointer.
// readln returns the bytes before the EOL and drains the line and its EOL.
#include <cstdlib>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

struct Hit {
  ev_ssize_t pos;
  size_t len;
};
constexpr Hit kNone{-1, 0};

struct EolCase {
  const char* name;
  std::vector<std::string> chains;
  Hit expect[5];  // indexed by evbuffer_eol_style
};

std::string S(const char* s, size_t n) { return std::string(s, n); }

const std::vector<EolCase>& Cases() {
  static const std::vector<EolCase> cases = {
      //                                 ANY      CRLF     STRICT   LF       NUL
      {"CrlfMiddle", {"a\r\nb"}, {{1, 2}, {1, 2}, {1, 2}, {2, 1}, kNone}},
      {"LfMiddle", {"a\nb"}, {{1, 1}, {1, 1}, kNone, {1, 1}, kNone}},
      {"LoneCrMiddle", {"a\rb"}, {{1, 1}, kNone, kNone, kNone, kNone}},
      {"LfCr", {"a\n\rb"}, {{1, 2}, {1, 1}, kNone, {1, 1}, kNone}},
      {"CrCrLf", {"a\r\r\nb"}, {{1, 3}, {2, 2}, {2, 2}, {3, 1}, kNone}},
      {"LfAtStart", {"\nx"}, {{0, 1}, {0, 1}, kNone, {0, 1}, kNone}},
      {"CrlfAtStart", {"\r\nx"}, {{0, 2}, {0, 2}, {0, 2}, {1, 1}, kNone}},
      {"TwoCrlf", {"a\r\n\r\nb"}, {{1, 4}, {1, 2}, {1, 2}, {2, 1}, kNone}},
      {"EmptyLineLf", {"a\n\nb"}, {{1, 2}, {1, 1}, kNone, {1, 1}, kNone}},
      {"TrailingCr", {"a\r"}, {{1, 1}, kNone, kNone, kNone, kNone}},
      {"TrailingLf", {"abc\n"}, {{3, 1}, {3, 1}, kNone, {3, 1}, kNone}},
      {"TrailingCrlf", {"abc\r\n"}, {{3, 2}, {3, 2}, {3, 2}, {4, 1}, kNone}},
      {"NoEol", {"abc"}, {kNone, kNone, kNone, kNone, kNone}},
      {"EmptyBuffer", {}, {kNone, kNone, kNone, kNone, kNone}},
      {"OnlyCrs", {"\r\r\r"}, {{0, 3}, kNone, kNone, kNone, kNone}},
      {"CrInsideCrlfLine", {"a\rb\nc"}, {{1, 1}, {3, 1}, kNone, {3, 1}, kNone}},
      {"NulMiddle", {S("a\0b", 3)}, {kNone, kNone, kNone, kNone, {1, 1}}},
      {"NulOnly", {S("\0", 1)}, {kNone, kNone, kNone, kNone, {0, 1}}},
      {"NulInsideLfLine", {S("a\0b\nc", 5)}, {{3, 1}, {3, 1}, kNone, {3, 1}, {1, 1}}},
      {"CrlfThenNul", {S("a\r\n\0b", 5)}, {{1, 2}, {1, 2}, {1, 2}, {2, 1}, {3, 1}}},
      // Layouts across chains.
      {"SplitBeforeCrlf", {"a", "\r\nb"}, {{1, 2}, {1, 2}, {1, 2}, {2, 1}, kNone}},
      {"SplitInsideCrlf", {"a\r", "\nb"}, {{1, 2}, {1, 2}, {1, 2}, {2, 1}, kNone}},
      {"CrlfAloneInChains", {"a\r", "\n", "b"}, {{1, 2}, {1, 2}, {1, 2}, {2, 1}, kNone}},
      {"CrlfCrlfAcrossFour", {"a", "\r", "\n\r", "\nb"}, {{1, 4}, {1, 2}, {1, 2}, {2, 1}, kNone}},
      {"CrlfThenCrlfChain", {"ab\r\n", "\r\nc"}, {{2, 4}, {2, 2}, {2, 2}, {3, 1}, kNone}},
      {"OnlyCrlfSplit", {"\r", "\n"}, {{0, 2}, {0, 2}, {0, 2}, {1, 1}, kNone}},
      {"CrCrLfSplit", {"x\r", "\r", "\nz"}, {{1, 3}, {2, 2}, {2, 2}, {3, 1}, kNone}},
      {"NulInSecondChain", {"ab", S("\0cd", 3)}, {kNone, kNone, kNone, kNone, {2, 1}}},
      {"CrAloneAtEndOfChains", {"line", "\r"}, {{4, 1}, kNone, kNone, kNone, kNone}},
      {"LongLineManyChains", {"aaaa", "bbbb", "cc\r", "\n"}, {{10, 2}, {10, 2}, {10, 2}, {11, 1}, kNone}},
      {"OneByteChains", {"a", "b", "\r", "\n", "c"}, {{2, 2}, {2, 2}, {2, 2}, {3, 1}, kNone}},
      {"LfCrAcrossChains", {"a\n", "\rb"}, {{1, 2}, {1, 1}, kNone, {1, 1}, kNone}},
  };
  return cases;
}

const char* const kStyleNames[] = {"Any", "Crlf", "CrlfStrict", "Lf", "Nul"};

class EvbufferEol : public EvbufferTest,
                    public ::testing::WithParamInterface<std::tuple<size_t, int>> {
 protected:
  const EolCase& Case() const { return Cases()[std::get<0>(GetParam())]; }
  evbuffer_eol_style Style() const { return static_cast<evbuffer_eol_style>(std::get<1>(GetParam())); }
  Hit Expected() const { return Case().expect[std::get<1>(GetParam())]; }
  std::string Flat() const {
    std::string s;
    for (const std::string& c : Case().chains) s += c;
    return s;
  }
};

TEST_P(EvbufferEol, SearchEolFindsDocumentedEol) {
  EVC_RULE("buffer.h/evbuffer_search_eol/eol-styles",
           "buffer.h evbuffer_search_eol + enum evbuffer_eol_style; 2.1.12 probe table");
  AddChains(Case().chains);
  size_t eol_len = 12345;
  evbuffer_ptr p = evbuffer_search_eol(buf_, nullptr, &eol_len, Style());
  EXPECT_EQ(p.pos, Expected().pos);
  EXPECT_EQ(eol_len, Expected().len);
  EXPECT_EQ(evbuffer_get_length(buf_), Flat().size()) << "search_eol must not change the buffer";
}

TEST_P(EvbufferEol, ReadlnReturnsLineAndDrainsEol) {
  EVC_RULE("buffer.h/evbuffer_readln/line-and-eol-drained",
           "buffer.h evbuffer_readln: the line without its EOL; line and EOL are drained");
  AddChains(Case().chains);
  const std::string flat = Flat();
  size_t n_read = 12345;
  char* line = evbuffer_readln(buf_, &n_read, Style());
  if (Expected().pos < 0) {
    EXPECT_EQ(line, nullptr);
    EXPECT_EQ(n_read, 0u);
    EXPECT_EQ(Contents(buf_), flat) << "nothing is drained when no EOL is found";
  } else {
    ASSERT_NE(line, nullptr);
    const size_t pos = static_cast<size_t>(Expected().pos);
    EXPECT_EQ(n_read, pos);
    EXPECT_EQ(std::string(line, n_read), flat.substr(0, pos));
    EXPECT_EQ(line[n_read], '\0') << "the line is NUL-terminated";
    EXPECT_EQ(Contents(buf_), flat.substr(pos + Expected().len));
  }
  std::free(line);
}

TEST_P(EvbufferEol, SearchEolFromEveryStartAgreesWithWholeSearch) {
  EVC_RULE("buffer.h/evbuffer_search_eol/first-at-or-after-start",
           "buffer.h evbuffer_search_eol: finds the first EOL at or after start");
  // From a start at or before the expected EOL, the same EOL is found
  // unless the start cuts into it (then the rest of it counts).
  AddChains(Case().chains);
  const std::string flat = Flat();
  if (Expected().pos < 0) {
    for (size_t s = 0; s <= flat.size(); ++s) {
      evbuffer_ptr start;
      ASSERT_EQ(evbuffer_ptr_set(buf_, &start, s, EVBUFFER_PTR_SET), 0);
      size_t len = 99;
      EXPECT_EQ(evbuffer_search_eol(buf_, &start, &len, Style()).pos, -1) << "start " << s;
      EXPECT_EQ(len, 0u) << "start " << s;
    }
    return;
  }
  for (size_t s = 0; s <= static_cast<size_t>(Expected().pos); ++s) {
    evbuffer_ptr start;
    ASSERT_EQ(evbuffer_ptr_set(buf_, &start, s, EVBUFFER_PTR_SET), 0);
    size_t len = 99;
    evbuffer_ptr p = evbuffer_search_eol(buf_, &start, &len, Style());
    EXPECT_EQ(p.pos, Expected().pos) << "start " << s;
    EXPECT_EQ(len, Expected().len) << "start " << s;
  }
}

std::string EolName(const ::testing::TestParamInfo<std::tuple<size_t, int>>& info) {
  return std::string(Cases()[std::get<0>(info.param)].name) + "_" +
         kStyleNames[std::get<1>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(Table, EvbufferEol,
                         ::testing::Combine(::testing::Range<size_t>(0, Cases().size()),
                                            ::testing::Range(0, 5)),
                         EolName);

// Start pointers set with evbuffer_ptr_set (2.1.12 probes; commit d927965f).
struct StartCase {
  const char* name;
  std::vector<std::string> chains;
  size_t start;
  evbuffer_eol_style style;
  Hit expect;
};

const std::vector<StartCase>& StartCases() {
  static const std::vector<StartCase> cases = {
      {"CrlfFromLfDoesNotLookBack", {"x\r\ny"}, 2, EVBUFFER_EOL_CRLF, {2, 1}},
      {"CrlfFromCr", {"x\r\ny"}, 1, EVBUFFER_EOL_CRLF, {1, 2}},
      {"CrlfStrictFromLfFindsNothing", {"x\r\ny"}, 2, EVBUFFER_EOL_CRLF_STRICT, kNone},
      {"AnyFromLf", {"x\r\ny"}, 2, EVBUFFER_EOL_ANY, {2, 1}},
      {"AnyPastLastEol", {"x\r\ny"}, 3, EVBUFFER_EOL_ANY, kNone},
      {"LfPastLastEol", {"x\r\ny"}, 3, EVBUFFER_EOL_LF, kNone},
      {"AtEndFindsNothing", {"x\r\ny"}, 4, EVBUFFER_EOL_ANY, kNone},
      {"LfFromFirstChainMid", {"ab", "cd\nef"}, 1, EVBUFFER_EOL_LF, {4, 1}},
      {"LfFromChainStart", {"ab", "cd\nef"}, 2, EVBUFFER_EOL_LF, {4, 1}},
      {"LfFromSecondChainMid", {"ab", "cd\nef"}, 3, EVBUFFER_EOL_LF, {4, 1}},
      {"CrlfFromLfInNextChain", {"x\r", "\ny"}, 2, EVBUFFER_EOL_CRLF, {2, 1}},
      {"CrlfFromCrBeforeChainEnd", {"x\r", "\ny"}, 1, EVBUFFER_EOL_CRLF, {1, 2}},
      {"AnyFromLfInNextChain", {"x\r", "\ny"}, 2, EVBUFFER_EOL_ANY, {2, 1}},
      {"LfSecondLine", {"a\n", "b\n"}, 2, EVBUFFER_EOL_LF, {3, 1}},
      {"NulFromMiddle", {S("a\0b\0", 4)}, 2, EVBUFFER_EOL_NUL, {3, 1}},
      {"StrictFromCrInChain", {"ab\r", "\ncd"}, 2, EVBUFFER_EOL_CRLF_STRICT, {2, 2}},
  };
  return cases;
}

class EvbufferEolStart : public EvbufferTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(EvbufferEolStart, SearchFromPointer) {
  EVC_RULE("buffer.h/evbuffer_search_eol/no-look-behind",
           "buffer.h evbuffer_search_eol: the first EOL after start; no look-behind past start");
  const StartCase& c = StartCases()[GetParam()];
  AddChains(c.chains);
  evbuffer_ptr start;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &start, c.start, EVBUFFER_PTR_SET), 0);
  size_t len = 77;
  evbuffer_ptr p = evbuffer_search_eol(buf_, &start, &len, c.style);
  EXPECT_EQ(p.pos, c.expect.pos);
  EXPECT_EQ(len, c.expect.len);
}

INSTANTIATE_TEST_SUITE_P(Table, EvbufferEolStart, ::testing::Range<size_t>(0, StartCases().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return std::string(StartCases()[info.param].name);
                         });

using EvbufferSearchEol = EvbufferTest;

TEST_F(EvbufferSearchEol, NullEolLenIsAccepted) {
  EVC_RULE("buffer.h/evbuffer_search_eol/null-eol-len",
           "buffer.h evbuffer_search_eol: eol_len_out may be NULL");
  Add("ab\ncd");
  EXPECT_EQ(evbuffer_search_eol(buf_, nullptr, nullptr, EVBUFFER_EOL_LF).pos, 2);
  EXPECT_EQ(evbuffer_search_eol(buf_, nullptr, nullptr, EVBUFFER_EOL_NUL).pos, -1);
}

TEST_F(EvbufferSearchEol, UnknownStyleFindsNothing) {
  EVC_RULE("buffer.h/evbuffer_search_eol/unknown-style",
           "observed libevent 2.1.12: an eol_style outside the enum is not found, eol_len 0");
  Add("a\r\n\nb");
  size_t len = 5;
  // 7 is not a style but lies within the enum's value range (0..7 for
  // enumerators 0..4), so the C++ test itself stays free of undefined
  // behaviour; a C caller could pass any int.
  EXPECT_EQ(evbuffer_search_eol(buf_, nullptr, &len, static_cast<evbuffer_eol_style>(7)).pos, -1);
  EXPECT_EQ(len, 0u);
}

TEST_F(EvbufferSearchEol, WalkEveryLineWithPointers) {
  EVC_RULE("buffer.h/evbuffer_search_eol/walk-lines",
           "buffer.h evbuffer_search_eol + evbuffer_ptr_set: iterate lines without draining");
  AddChains({"one\r", "\ntwo\r\nth", "ree\r\n"});
  std::vector<std::pair<ev_ssize_t, size_t>> hits;
  evbuffer_ptr p;
  ASSERT_EQ(evbuffer_ptr_set(buf_, &p, 0, EVBUFFER_PTR_SET), 0);
  for (;;) {
    size_t len = 0;
    evbuffer_ptr e = evbuffer_search_eol(buf_, &p, &len, EVBUFFER_EOL_CRLF_STRICT);
    if (e.pos < 0) break;
    hits.emplace_back(e.pos, len);
    p = e;
    if (evbuffer_ptr_set(buf_, &p, len, EVBUFFER_PTR_ADD) != 0) break;
  }
  EXPECT_EQ(hits, (std::vector<std::pair<ev_ssize_t, size_t>>{{3, 2}, {8, 2}, {15, 2}}));
}

}  // namespace
}  // namespace evc
