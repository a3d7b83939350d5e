// One focused rule for each buffer.h call the other evbuffer tests only use
// in passing: evbuffer_free, evbuffer_get_length, evbuffer_unfreeze,
// evbuffer_cb_set_flags and evbuffer_cb_clear_flags.
#include <string>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

void Count(evbuffer*, const evbuffer_cb_info*, void* arg) { ++*static_cast<int*>(arg); }

using EvbufferApiRules = EvbufferTest;

TEST_F(EvbufferApiRules, FreeDoesNotRunTheCallbacks) {
  EVC_RULE("buffer.h/evbuffer_free/callbacks-not-run",
           "buffer.h: evbuffer_free deallocates a buffer holding data; observed libevent 2.1.12: "
           "its callbacks are not invoked by the free (the data is not reported as deleted)");
  evbuffer* buf = evbuffer_new();
  ASSERT_NE(buf, nullptr);
  int calls = 0;
  ASSERT_NE(evbuffer_add_cb(buf, Count, &calls), nullptr);
  ASSERT_EQ(evbuffer_add(buf, "abcdef", 6), 0);
  ASSERT_EQ(calls, 1);
  evbuffer_free(buf);
  EXPECT_EQ(calls, 1);
}

TEST_F(EvbufferApiRules, GetLengthCountsEveryStoredByte) {
  EVC_RULE("buffer.h/evbuffer_get_length",
           "buffer.h: evbuffer_get_length returns the total number of bytes stored, over every "
           "chain, NUL bytes included, after each add, prepend, drain and remove");
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
  ASSERT_EQ(evbuffer_add(buf_, "a\0b", 3), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 3u);
  AddChains({"cd", "efg"});
  EXPECT_EQ(evbuffer_get_length(buf_), 8u);
  ASSERT_EQ(evbuffer_prepend(buf_, "<<", 2), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 10u);
  ASSERT_EQ(evbuffer_drain(buf_, 4), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 6u);
  char out[4];
  ASSERT_EQ(evbuffer_remove(buf_, out, sizeof out), 4);
  EXPECT_EQ(evbuffer_get_length(buf_), 2u);
  const std::string big(100000, 'x');
  Add(big);
  EXPECT_EQ(evbuffer_get_length(buf_), 100002u);
  ASSERT_EQ(evbuffer_drain(buf_, 200000), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 0u);
}

TEST_F(EvbufferApiRules, GetLengthWorksWhileFrozen) {
  EVC_RULE("buffer.h/evbuffer_get_length/frozen",
           "buffer.h: evbuffer_get_length is not a modifying call, so it still answers while both "
           "ends of the buffer are frozen");
  Add("abcd");
  ASSERT_EQ(evbuffer_freeze(buf_, 1), 0);
  ASSERT_EQ(evbuffer_freeze(buf_, 0), 0);
  EXPECT_EQ(evbuffer_get_length(buf_), 4u);
  ASSERT_EQ(evbuffer_unfreeze(buf_, 1), 0);
  ASSERT_EQ(evbuffer_unfreeze(buf_, 0), 0);
}

TEST_F(EvbufferApiRules, UnfreezeFrontReenablesRemovingAndPrepending) {
  EVC_RULE("buffer.h/evbuffer_unfreeze/front",
           "buffer.h: evbuffer_unfreeze(buf, 1) returns 0 and re-enables the calls that modify the "
           "front (drain, remove, prepend) refused while it was frozen");
  Add("abcd");
  ASSERT_EQ(evbuffer_freeze(buf_, 1), 0);
  ASSERT_EQ(evbuffer_drain(buf_, 1), -1);
  EXPECT_EQ(evbuffer_unfreeze(buf_, 1), 0);
  EXPECT_EQ(evbuffer_drain(buf_, 1), 0);
  char out[1];
  EXPECT_EQ(evbuffer_remove(buf_, out, 1), 1);
  EXPECT_EQ(out[0], 'b');
  EXPECT_EQ(evbuffer_prepend(buf_, "<", 1), 0);
  EXPECT_EQ(Contents(buf_), "<cd");
}

TEST_F(EvbufferApiRules, UnfreezeEndReenablesAdding) {
  EVC_RULE("buffer.h/evbuffer_unfreeze/end",
           "buffer.h: evbuffer_unfreeze(buf, 0) returns 0 and re-enables the calls that append "
           "(add, add_printf) refused while the back was frozen");
  Add("ab");
  ASSERT_EQ(evbuffer_freeze(buf_, 0), 0);
  ASSERT_EQ(evbuffer_add(buf_, "x", 1), -1);
  EXPECT_EQ(evbuffer_unfreeze(buf_, 0), 0);
  EXPECT_EQ(evbuffer_add(buf_, "c", 1), 0);
  EXPECT_EQ(evbuffer_add_printf(buf_, "%d", 7), 1);
  EXPECT_EQ(Contents(buf_), "abc7");
}

TEST_F(EvbufferApiRules, UnfreezingTheOtherEndLeavesTheFrozenOne) {
  EVC_RULE("buffer.h/evbuffer_unfreeze/other-end",
           "buffer.h: evbuffer_unfreeze unfreezes only the end at_front names: unfreezing the "
           "back leaves a frozen front refusing drains, and the reverse for adds");
  Add("abcd");
  ASSERT_EQ(evbuffer_freeze(buf_, 1), 0);
  evbuffer_unfreeze(buf_, 0);  // the back was not frozen: any answer
  EXPECT_EQ(evbuffer_drain(buf_, 1), -1);
  EXPECT_EQ(evbuffer_prepend(buf_, "<", 1), -1);
  ASSERT_EQ(evbuffer_unfreeze(buf_, 1), 0);

  ASSERT_EQ(evbuffer_freeze(buf_, 0), 0);
  evbuffer_unfreeze(buf_, 1);  // the front is no longer frozen: any answer
  EXPECT_EQ(evbuffer_add(buf_, "x", 1), -1);
  ASSERT_EQ(evbuffer_unfreeze(buf_, 0), 0);
  EXPECT_EQ(Contents(buf_), "abcd");
}

TEST_F(EvbufferApiRules, CbClearFlagsDisablesTheCallback) {
  EVC_RULE("buffer.h/evbuffer_cb_clear_flags",
           "buffer.h: evbuffer_cb_clear_flags(buf, cb, EVBUFFER_CB_ENABLED) returns 0 and disables "
           "the callback: changes to the buffer no longer invoke it");
  int calls = 0;
  evbuffer_cb_entry* cb = evbuffer_add_cb(buf_, Count, &calls);
  ASSERT_NE(cb, nullptr);
  Add("a");
  ASSERT_EQ(calls, 1);
  EXPECT_EQ(evbuffer_cb_clear_flags(buf_, cb, EVBUFFER_CB_ENABLED), 0);
  Add("bc");
  ASSERT_EQ(evbuffer_drain(buf_, 1), 0);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(evbuffer_cb_clear_flags(buf_, cb, EVBUFFER_CB_ENABLED), 0) << "already disabled";
  Add("d");
  EXPECT_EQ(calls, 1);
}

TEST_F(EvbufferApiRules, CbSetFlagsReenablesTheCallback) {
  EVC_RULE("buffer.h/evbuffer_cb_set_flags",
           "buffer.h: evbuffer_cb_set_flags(buf, cb, EVBUFFER_CB_ENABLED) returns 0 and re-enables "
           "a disabled callback: the next change invokes it once; setting it on an enabled "
           "callback returns 0 and changes nothing");
  int calls = 0;
  evbuffer_cb_entry* cb = evbuffer_add_cb(buf_, Count, &calls);
  ASSERT_NE(cb, nullptr);
  EXPECT_EQ(evbuffer_cb_set_flags(buf_, cb, EVBUFFER_CB_ENABLED), 0) << "already enabled";
  Add("a");
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(evbuffer_cb_clear_flags(buf_, cb, EVBUFFER_CB_ENABLED), 0);
  Add("b");
  ASSERT_EQ(calls, 1);
  EXPECT_EQ(evbuffer_cb_set_flags(buf_, cb, EVBUFFER_CB_ENABLED), 0);
  EXPECT_EQ(calls, 1) << "re-enabling is not a change of the buffer";
  Add("c");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(Contents(buf_), "abc");
}

}  // namespace
}  // namespace evc
