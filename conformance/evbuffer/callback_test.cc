// Buffer callbacks: evbuffer_add_cb and friends, and what they are told.
#include <string>
#include <vector>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

struct Record {
  std::vector<evbuffer_cb_info> calls;
  size_t added() const {
    size_t n = 0;
    for (const auto& c : calls) n += c.n_added;
    return n;
  }
  size_t deleted() const {
    size_t n = 0;
    for (const auto& c : calls) n += c.n_deleted;
    return n;
  }
};

void Log(evbuffer*, const evbuffer_cb_info* info, void* arg) {
  static_cast<Record*>(arg)->calls.push_back(*info);
}

using EvbufferCallback = EvbufferTest;

TEST_F(EvbufferCallback, AddReportsSizes) {
  EVC_RULE("buffer.h/evbuffer_cb_func/add-sizes",
           "buffer.h evbuffer_cb_func: invoked when data is added; cb_info has orig_size and n_added");
  Add("abc");
  Record r;
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &r), nullptr);
  Add("defg");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].orig_size, 3u);
  EXPECT_EQ(r.calls[0].n_added, 4u);
  EXPECT_EQ(r.calls[0].n_deleted, 0u);
}

TEST_F(EvbufferCallback, DrainReportsDeleted) {
  EVC_RULE("buffer.h/evbuffer_cb_func/drain-deleted",
           "buffer.h evbuffer_cb_func: invoked when data is removed; cb_info.n_deleted");
  Add("abcdef");
  Record r;
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &r), nullptr);
  ASSERT_EQ(evbuffer_drain(buf_, 4), 0);
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].orig_size, 6u);
  EXPECT_EQ(r.calls[0].n_added, 0u);
  EXPECT_EQ(r.calls[0].n_deleted, 4u);
}

TEST_F(EvbufferCallback, NoChangeNoCall) {
  EVC_RULE("buffer.h/evbuffer_cb_func/no-change-no-call",
           "buffer.h evbuffer_cb_func: runs when data is added or removed, not otherwise");
  Record r;
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &r), nullptr);
  ASSERT_EQ(evbuffer_drain(buf_, 10), 0);
  ASSERT_EQ(evbuffer_add(buf_, "", 0), 0);
  char out[4];
  ASSERT_EQ(evbuffer_copyout(buf_, out, 4), 0);
  EXPECT_TRUE(r.calls.empty());
}

TEST_F(EvbufferCallback, EveryModifyingCallIsReported) {
  EVC_RULE("buffer.h/evbuffer_cb_func/totals-match",
           "buffer.h evbuffer_cb_func: totals of n_added/n_deleted match every change made");
  Record r;
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &r), nullptr);
  Add("hello\nworld\n");                                       // +12
  ASSERT_EQ(evbuffer_prepend(buf_, ">", 1), 0);                // +1
  ASSERT_EQ(evbuffer_add_printf(buf_, "%d", 12345), 5);        // +5
  ASSERT_EQ(evbuffer_add_reference(buf_, "ref", 3, nullptr, nullptr), 0);  // +3
  char out[2];
  ASSERT_EQ(evbuffer_remove(buf_, out, 2), 2);                 // -2
  char* line = evbuffer_readln(buf_, nullptr, EVBUFFER_EOL_LF);  // -"ello\n" = 5
  ASSERT_NE(line, nullptr);
  free(line);
  evbuffer_iovec v[1];
  ASSERT_EQ(evbuffer_reserve_space(buf_, 4, v, 1), 1);
  v[0].iov_len = 4;
  ASSERT_EQ(evbuffer_commit_space(buf_, v, 1), 0);             // +4
  EXPECT_EQ(r.added(), 25u);
  EXPECT_EQ(r.deleted(), 7u);
  EXPECT_EQ(evbuffer_get_length(buf_), 18u);
  // Each call's orig_size is the length the previous call left.
  size_t len = 0;
  for (const auto& c : r.calls) {
    EXPECT_EQ(c.orig_size, len);
    len = c.orig_size + c.n_added - c.n_deleted;
  }
  EXPECT_EQ(len, 18u);
}

TEST_F(EvbufferCallback, MovesReportOnBothBuffers) {
  EVC_RULE("buffer.h/evbuffer_cb_func/moves-tell-both-buffers",
           "buffer.h evbuffer_cb_func: add_buffer/remove_buffer change both buffers, both are told");
  evbuffer* other = NewBuffer();
  Add(other, "0123456789");
  Record mine, theirs;
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &mine), nullptr);
  ASSERT_NE(evbuffer_add_cb(other, Log, &theirs), nullptr);
  ASSERT_EQ(evbuffer_remove_buffer(other, buf_, 4), 4);
  ASSERT_EQ(evbuffer_add_buffer(buf_, other), 0);
  EXPECT_EQ(mine.added(), 10u);
  EXPECT_EQ(mine.deleted(), 0u);
  EXPECT_EQ(theirs.added(), 0u);
  EXPECT_EQ(theirs.deleted(), 10u);
}

TEST_F(EvbufferCallback, RemoveCbStopsCalls) {
  EVC_RULE("buffer.h/evbuffer_remove_cb/stops-calls",
           "buffer.h evbuffer_remove_cb: removes the callback with that function and argument; 0");
  Record r;
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &r), nullptr);
  EXPECT_EQ(evbuffer_remove_cb(buf_, Log, &r), 0);
  Add("x");
  EXPECT_TRUE(r.calls.empty());
}

TEST_F(EvbufferCallback, RemoveUnknownCbFails) {
  EVC_RULE("buffer.h/evbuffer_remove_cb/unknown-fails",
           "buffer.h evbuffer_remove_cb: -1 on failure (no such callback)");
  Record r, other;
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &r), nullptr);
  EXPECT_EQ(evbuffer_remove_cb(buf_, Log, &other), -1);
  Add("x");
  EXPECT_EQ(r.calls.size(), 1u);
}

TEST_F(EvbufferCallback, RemoveCbEntryStopsCalls) {
  EVC_RULE("buffer.h/evbuffer_remove_cb_entry",
           "buffer.h evbuffer_remove_cb_entry: removes the callback behind the handle; 0");
  Record a, b;
  evbuffer_cb_entry* ea = evbuffer_add_cb(buf_, Log, &a);
  ASSERT_NE(ea, nullptr);
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &b), nullptr);
  EXPECT_EQ(evbuffer_remove_cb_entry(buf_, ea), 0);
  Add("x");
  EXPECT_TRUE(a.calls.empty());
  EXPECT_EQ(b.calls.size(), 1u);
}

TEST_F(EvbufferCallback, ClearedEnabledFlagSuspends) {
  EVC_RULE("buffer.h/EVBUFFER_CB_ENABLED",
           "buffer.h EVBUFFER_CB_ENABLED: a callback without it does not run");
  Record r;
  evbuffer_cb_entry* e = evbuffer_add_cb(buf_, Log, &r);
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(evbuffer_cb_clear_flags(buf_, e, EVBUFFER_CB_ENABLED), 0);
  Add("abc");
  EXPECT_TRUE(r.calls.empty());
  ASSERT_EQ(evbuffer_cb_set_flags(buf_, e, EVBUFFER_CB_ENABLED), 0);
  Add("de");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].n_added, 2u);
}

TEST_F(EvbufferCallback, CallbackAddedLaterSeesOnlyLaterChanges) {
  EVC_RULE("buffer.h/evbuffer_cb_info/changes-since-last-call",
           "buffer.h evbuffer_cb_info: changes since the callbacks were last invoked");
  Add("before");
  Record r;
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &r), nullptr);
  Add("!");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].orig_size, 6u);
  EXPECT_EQ(r.calls[0].n_added, 1u);
}

TEST_F(EvbufferCallback, EveryCallbackRuns) {
  EVC_RULE("buffer.h/evbuffer_add_cb/several-callbacks",
           "buffer.h evbuffer_add_cb: an evbuffer may have several callbacks; each runs");
  Record a, b, c;
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &a), nullptr);
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &b), nullptr);
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &c), nullptr);
  Add("x");
  EXPECT_EQ(a.calls.size(), 1u);
  EXPECT_EQ(b.calls.size(), 1u);
  EXPECT_EQ(c.calls.size(), 1u);
}

struct SelfRemover {
  evbuffer_cb_entry* entry = nullptr;
  int calls = 0;
};

void RemoveSelf(evbuffer* buf, const evbuffer_cb_info*, void* arg) {
  auto* s = static_cast<SelfRemover*>(arg);
  ++s->calls;
  evbuffer_remove_cb_entry(buf, s->entry);
}

TEST_F(EvbufferCallback, CallbackMayRemoveItself) {
  EVC_RULE("buffer.h/evbuffer_cb_func/removes-itself",
           "buffer.h evbuffer_cb_func: a callback may remove itself from the list");
  SelfRemover s;
  Record other;
  ASSERT_NE(evbuffer_add_cb(buf_, Log, &other), nullptr);
  s.entry = evbuffer_add_cb(buf_, RemoveSelf, &s);
  ASSERT_NE(s.entry, nullptr);
  Add("a");
  Add("b");
  EXPECT_EQ(s.calls, 1);
  EXPECT_EQ(other.calls.size(), 2u);
}

struct Echo {
  int depth = 0;
  std::vector<evbuffer_cb_info> seen;
};

void AddOnce(evbuffer* buf, const evbuffer_cb_info* info, void* arg) {
  auto* e = static_cast<Echo*>(arg);
  e->seen.push_back(*info);
  if (e->depth++ == 0) evbuffer_add(buf, "!!", 2);
}

TEST_F(EvbufferCallback, CallbackThatAddsIsCalledAgain) {
  EVC_RULE("buffer.h/evbuffer_cb_func/add-inside-calls-again",
           "buffer.h evbuffer_cb_func: adding data from a callback invokes the callbacks again");
  Echo e;
  ASSERT_NE(evbuffer_add_cb(buf_, AddOnce, &e), nullptr);
  Add("abc");
  ASSERT_EQ(e.seen.size(), 2u);
  EXPECT_EQ(e.seen[0].orig_size, 0u);
  EXPECT_EQ(e.seen[0].n_added, 3u);
  EXPECT_EQ(e.seen[1].orig_size, 3u);
  EXPECT_EQ(e.seen[1].n_added, 2u);
  EXPECT_EQ(Contents(buf_), "abc!!");
}

}  // namespace
}  // namespace evc
