// The libevent 1.4 evbuffer calls that libevent 2.1 keeps
// (<event2/buffer_compat.h>): evbuffer_readline, the old-style callback of
// evbuffer_setcb, evbuffer_find, and the EVBUFFER_LENGTH / EVBUFFER_DATA
// macros. NULL buffers are left out: libevent 2.1.12 crashes on every one
// of these calls given NULL, so no answer is documented or observed.
#include <event2/buffer.h>

// libevent 2.1.12's buffer_compat.h and bufferevent_compat.h, unlike its
// other headers, have no extern "C" block of their own (event.h puts one
// around them): a C++ file that includes them directly must add it.
extern "C" {
#include <event2/buffer_compat.h>
}

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

using EvbufferCompat = EvbufferTest;

// readline's result as a string, freed with free() as buffer_compat.h's
// caller must; "(null)" for NULL.
std::string TakeLine(evbuffer* buf) {
  char* line = evbuffer_readline(buf);
  if (line == nullptr) return "(null)";
  std::string s(line);
  std::free(line);
  return s;
}

// ------------------------------------------------------------ readline

TEST_F(EvbufferCompat, ReadlineReturnsEachLineWithoutItsEolRun) {
  EVC_RULE("buffer_compat.h/evbuffer_readline",
           "buffer_compat.h: evbuffer_readline is evbuffer_readln(buffer, NULL, EVBUFFER_EOL_ANY): "
           "it returns the next line, without the run of CR and LF bytes that ends it, as a "
           "string the caller frees with free(), and drains both");
  ASSERT_EQ(evbuffer_add(buf_, "ab\r\n\ncd\n\rrest", 13), 0);
  EXPECT_EQ(TakeLine(buf_), "ab");
  EXPECT_EQ(Contents(buf_), "cd\n\rrest");
  EXPECT_EQ(TakeLine(buf_), "cd");
  EXPECT_EQ(Contents(buf_), "rest");
}

TEST_F(EvbufferCompat, ReadlineWithoutAnEolReturnsNullAndDrainsNothing) {
  EVC_RULE("buffer_compat.h/evbuffer_readline/no-line",
           "buffer_compat.h: evbuffer_readline returns NULL when the buffer holds no whole "
           "line (no CR or LF), and drains nothing; an empty buffer gives NULL too");
  EXPECT_EQ(evbuffer_readline(buf_), nullptr);
  ASSERT_EQ(evbuffer_add(buf_, "no end", 6), 0);
  EXPECT_EQ(evbuffer_readline(buf_), nullptr);
  EXPECT_EQ(Contents(buf_), "no end");
}

TEST_F(EvbufferCompat, ReadlineAtAnEolGivesAnEmptyLine) {
  EVC_RULE("buffer_compat.h/evbuffer_readline/empty-line",
           "buffer_compat.h: an EOL at the front of the buffer is an empty line: "
           "evbuffer_readline returns \"\" (not NULL) and drains the EOL run");
  ASSERT_EQ(evbuffer_add(buf_, "\r\nx\n", 4), 0);
  EXPECT_EQ(TakeLine(buf_), "");
  EXPECT_EQ(TakeLine(buf_), "x");
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_F(EvbufferCompat, ReadlineFindsAnEolRunSplitOverChains) {
  EVC_RULE("buffer_compat.h/evbuffer_readline/across-chains",
           "buffer_compat.h: evbuffer_readline is evbuffer_readln with EVBUFFER_EOL_ANY, "
           "whose EOL run may be split over chains: \"a\\r\" + \"\\nb\\n\" are the lines a and b");
  AddChains(buf_, {"a\r", "\nb\n"});
  EXPECT_EQ(TakeLine(buf_), "a");
  EXPECT_EQ(TakeLine(buf_), "b");
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

// ------------------------------------------------------------ setcb

// What an evbuffer_cb was told, call by call.
struct OldCbLog {
  struct Call {
    evbuffer* buf;
    size_t old_len, new_len;
  };
  std::vector<Call> calls;
  static void Record(evbuffer* buf, size_t old_len, size_t new_len, void* arg) {
    static_cast<OldCbLog*>(arg)->calls.push_back({buf, old_len, new_len});
  }
};

// An evbuffer_add_cb callback that counts its calls.
void CountCall(evbuffer*, const evbuffer_cb_info*, void* arg) { ++*static_cast<int*>(arg); }

TEST_F(EvbufferCompat, SetcbCallbackIsToldTheOldAndNewLength) {
  EVC_RULE("buffer_compat.h/evbuffer_setcb",
           "buffer_compat.h: evbuffer_setcb returns 0 and its callback runs once for each "
           "change, told the buffer, the length before (old_len) and after (new_len) and its "
           "argument");
  OldCbLog log;
  ASSERT_EQ(evbuffer_setcb(buf_, OldCbLog::Record, &log), 0);
  ASSERT_EQ(evbuffer_add(buf_, "abc", 3), 0);
  ASSERT_EQ(evbuffer_drain(buf_, 1), 0);
  ASSERT_EQ(log.calls.size(), 2u);
  EXPECT_EQ(log.calls[0].buf, buf_);
  EXPECT_EQ(log.calls[0].old_len, 0u);
  EXPECT_EQ(log.calls[0].new_len, 3u);
  EXPECT_EQ(log.calls[1].old_len, 3u);
  EXPECT_EQ(log.calls[1].new_len, 2u);
}

TEST_F(EvbufferCompat, SetcbReplacesTheCallbackSetBefore) {
  EVC_RULE("buffer_compat.h/evbuffer_setcb/replaces",
           "buffer_compat.h: subsequent calls to evbuffer_setcb replace callbacks set by "
           "previous calls: only the last one runs");
  OldCbLog first, second;
  ASSERT_EQ(evbuffer_setcb(buf_, OldCbLog::Record, &first), 0);
  ASSERT_EQ(evbuffer_setcb(buf_, OldCbLog::Record, &second), 0);
  ASSERT_EQ(evbuffer_add(buf_, "x", 1), 0);
  EXPECT_EQ(first.calls.size(), 0u);
  EXPECT_EQ(second.calls.size(), 1u);
}

TEST_F(EvbufferCompat, SetcbNullRemovesTheCallback) {
  EVC_RULE("buffer_compat.h/evbuffer_setcb/null-removes",
           "buffer_compat.h: setting the callback to NULL removes any previously set callback "
           "(evbuffer_setcb returns 0)");
  OldCbLog log;
  ASSERT_EQ(evbuffer_setcb(buf_, OldCbLog::Record, &log), 0);
  EXPECT_EQ(evbuffer_setcb(buf_, nullptr, nullptr), 0);
  ASSERT_EQ(evbuffer_add(buf_, "x", 1), 0);
  EXPECT_EQ(log.calls.size(), 0u);
}

TEST_F(EvbufferCompat, SetcbRemovesCallbacksAddedWithAddCb) {
  EVC_RULE("buffer_compat.h/evbuffer_setcb/clears-add-cb",
           "buffer_compat.h: evbuffer_setcb replaces all callbacks on an evbuffer (it 'clears "
           "all previous callbacks set on the evbuffer'), those of evbuffer_add_cb included");
  int added_calls = 0;
  ASSERT_NE(evbuffer_add_cb(buf_, CountCall, &added_calls), nullptr);
  OldCbLog log;
  ASSERT_EQ(evbuffer_setcb(buf_, OldCbLog::Record, &log), 0);
  ASSERT_EQ(evbuffer_add(buf_, "x", 1), 0);
  EXPECT_EQ(added_calls, 0);
  EXPECT_EQ(log.calls.size(), 1u);
}

TEST_F(EvbufferCompat, AddCbAfterSetcbRunsBesideIt) {
  EVC_RULE("buffer_compat.h/evbuffer_setcb/add-cb-after",
           "buffer_compat.h: an evbuffer may have one or more callbacks set at a time: a "
           "callback added with evbuffer_add_cb after evbuffer_setcb runs beside the old-style "
           "one, each once per change");
  OldCbLog log;
  ASSERT_EQ(evbuffer_setcb(buf_, OldCbLog::Record, &log), 0);
  int added_calls = 0;
  ASSERT_NE(evbuffer_add_cb(buf_, CountCall, &added_calls), nullptr);
  ASSERT_EQ(evbuffer_add(buf_, "xy", 2), 0);
  EXPECT_EQ(added_calls, 1);
  ASSERT_EQ(log.calls.size(), 1u);
  EXPECT_EQ(log.calls[0].old_len, 0u);
  EXPECT_EQ(log.calls[0].new_len, 2u);
}

TEST_F(EvbufferCompat, CallbackTypesAreTheHeaders) {
  EVC_RULE("buffer_compat.h/evbuffer_cb",
           "buffer_compat.h: evbuffer_cb is void (*)(struct evbuffer *, size_t old_len, size_t "
           "new_len, void *arg), and evbuffer_setcb takes one: int (*)(struct evbuffer *, "
           "evbuffer_cb, void *)");
  static_assert(std::is_same<evbuffer_cb, void (*)(evbuffer*, size_t, size_t, void*)>::value, "evbuffer_cb");
  static_assert(std::is_same<decltype(&evbuffer_setcb), int (*)(evbuffer*, evbuffer_cb, void*)>::value,
                "evbuffer_setcb");
  evbuffer_cb cb = OldCbLog::Record;
  EXPECT_NE(cb, nullptr);
}

// ------------------------------------------------------------ find

const unsigned char* U(const char* s) { return reinterpret_cast<const unsigned char*>(s); }

TEST_F(EvbufferCompat, FindPointsAtTheFirstMatchInAContiguousFront) {
  EVC_RULE("buffer_compat.h/evbuffer_find",
           "buffer_compat.h: evbuffer_find returns a pointer to the beginning of the first "
           "occurrence of the string; the buffer's bytes up to the match's end are contiguous "
           "there (a match split over chains included), and the contents are unchanged");
  AddChains(buf_, {"xxab", "cdab", "cd"});
  unsigned char* found = evbuffer_find(buf_, U("abcd"), 4);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(found - 2), 6), "xxabcd");
  EXPECT_EQ(Contents(buf_), "xxabcdabcd");
}

TEST_F(EvbufferCompat, FindOfAnAbsentStringIsNull) {
  EVC_RULE("buffer_compat.h/evbuffer_find/absent",
           "buffer_compat.h: evbuffer_find returns NULL if the search failed (the string is "
           "absent, or longer than the buffer); the contents are unchanged");
  ASSERT_EQ(evbuffer_add(buf_, "abcabc", 6), 0);
  EXPECT_EQ(evbuffer_find(buf_, U("abd"), 3), nullptr);
  EXPECT_EQ(evbuffer_find(buf_, U("abcabca"), 7), nullptr);
  EXPECT_EQ(evbuffer_find(NewBuffer(), U("a"), 1), nullptr);
  EXPECT_EQ(Contents(buf_), "abcabc");
}

TEST_F(EvbufferCompat, FindOfTheEmptyStringIsNullOrTheFront) {
  EVC_RULE("buffer_compat.h/evbuffer_find/empty-string",
           "buffer_compat.h leaves open whether the empty string (len 0) is found: evbuffer_find "
           "returns NULL (observed libevent 2.1.12) or the start of the data");
  ASSERT_EQ(evbuffer_add(buf_, "abc", 3), 0);
  unsigned char* found = evbuffer_find(buf_, U("a"), 0);
  if (found != nullptr) EXPECT_EQ(found, evbuffer_pullup(buf_, 1));
  EXPECT_EQ(Contents(buf_), "abc");
}

TEST_F(EvbufferCompat, FindWithAbsurdLengthsIsNull) {
  EVC_RULE("buffer_compat.h/evbuffer_find/absurd-length",
           "buffer_compat.h: evbuffer_find returns NULL if the search failed: a string longer "
           "than the buffer is never found, however long its length (SSIZE_MAX, SSIZE_MAX+1, "
           "SIZE_MAX), and it is not read past the buffer's length");
  const std::vector<Named<size_t>> lengths = {{"SSIZE_MAX", static_cast<size_t>(SSIZE_MAX)},
                                              {"SSIZE_MAX+1", static_cast<size_t>(SSIZE_MAX) + 1},
                                              {"SIZE_MAX", SIZE_MAX}};
  for (const Named<size_t>& len : lengths) {
    SCOPED_TRACE(len.name);
    EXPECT_IN_CHILD({
      evbuffer* buf = evbuffer_new();
      ASSERT_EQ(evbuffer_add(buf, "abc", 3), 0);
      EXPECT_EQ(evbuffer_find(buf, U("abcd"), len.value), nullptr);
      evbuffer_free(buf);
    });
  }
}

// ------------------------------------------------------------ macros

TEST_F(EvbufferCompat, LengthMacroIsGetLength) {
  EVC_RULE("buffer_compat.h/EVBUFFER_LENGTH",
           "buffer_compat.h: EVBUFFER_LENGTH(x) is evbuffer_get_length(x)");
  EXPECT_EQ(EVBUFFER_LENGTH(buf_), 0u);
  AddChains(buf_, {"abc", "de"});
  EXPECT_EQ(EVBUFFER_LENGTH(buf_), 5u);
  EXPECT_EQ(EVBUFFER_LENGTH(buf_), evbuffer_get_length(buf_));
}

TEST_F(EvbufferCompat, DataMacroMakesTheWholeBufferContiguous) {
  EVC_RULE("buffer_compat.h/EVBUFFER_DATA",
           "buffer_compat.h: EVBUFFER_DATA(x) is evbuffer_pullup(x, -1): a pointer to all of "
           "the buffer's bytes, made contiguous (one chain), contents unchanged");
  AddChains(buf_, {"abc", "de", "f"});
  unsigned char* data = EVBUFFER_DATA(buf_);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(data), 6), "abcdef");
  EXPECT_EQ(ChainCount(buf_), 1);
  EXPECT_EQ(Contents(buf_), "abcdef");
}

}  // namespace
}  // namespace evc
