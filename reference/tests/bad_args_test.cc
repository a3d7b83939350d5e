// The reference's C API given bad arguments: NULL buffers, NULL data with a
// length, NULL pointers. libevent 2.1.12 dereferences most of these and
// crashes, so they cannot be conformance tests; the reference promises the
// header's failure value instead (-1, NULL, 0), never a crash.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <gtest/gtest.h>

#include <cstdlib>

namespace {

TEST(ReferenceBadArgs, NullBufferGetsFailureValues) {
  char out[4];
  size_t n = 7, len = 7;
  evbuffer_iovec v[1];
  evbuffer_ptr p{};
  EXPECT_EQ(evbuffer_get_length(nullptr), 0u);
  EXPECT_EQ(evbuffer_get_contiguous_space(nullptr), 0u);
  EXPECT_EQ(evbuffer_add(nullptr, "x", 1), -1);
  EXPECT_EQ(evbuffer_add_printf(nullptr, "%d", 1), -1);
  EXPECT_EQ(evbuffer_prepend(nullptr, "x", 1), -1);
  EXPECT_EQ(evbuffer_add_reference(nullptr, "x", 1, nullptr, nullptr), -1);
  EXPECT_EQ(evbuffer_drain(nullptr, 1), -1);
  EXPECT_EQ(evbuffer_remove(nullptr, out, 1), -1);
  EXPECT_EQ(evbuffer_copyout(nullptr, out, 1), -1);
  EXPECT_EQ(evbuffer_copyout_from(nullptr, nullptr, out, 1), -1);
  EXPECT_EQ(evbuffer_pullup(nullptr, -1), nullptr);
  EXPECT_EQ(evbuffer_peek(nullptr, -1, nullptr, v, 1), -1);
  EXPECT_EQ(evbuffer_expand(nullptr, 10), -1);
  EXPECT_EQ(evbuffer_reserve_space(nullptr, 10, v, 1), -1);
  EXPECT_EQ(evbuffer_commit_space(nullptr, v, 1), -1);
  EXPECT_EQ(evbuffer_search(nullptr, "x", 1, nullptr).pos, -1);
  EXPECT_EQ(evbuffer_ptr_set(nullptr, &p, 0, EVBUFFER_PTR_SET), -1);
  EXPECT_EQ(evbuffer_search_eol(nullptr, nullptr, &len, EVBUFFER_EOL_LF).pos, -1);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(evbuffer_readln(nullptr, &n, EVBUFFER_EOL_LF), nullptr);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(evbuffer_add_cb(nullptr, nullptr, nullptr), nullptr);
  EXPECT_EQ(evbuffer_remove_cb(nullptr, nullptr, nullptr), -1);
  EXPECT_EQ(evbuffer_freeze(nullptr, 1), -1);
  EXPECT_EQ(evbuffer_unfreeze(nullptr, 0), -1);
  evbuffer_free(nullptr);  // a no-op, like free(NULL)
}

TEST(ReferenceBadArgs, NullDataWithLengthIsRejected) {
  evbuffer* b = evbuffer_new();
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(evbuffer_add(b, "abc", 3), 0);
  EXPECT_EQ(evbuffer_add(b, nullptr, 3), -1);
  EXPECT_EQ(evbuffer_prepend(b, nullptr, 3), -1);
  EXPECT_EQ(evbuffer_add_reference(b, nullptr, 3, nullptr, nullptr), -1);
  EXPECT_EQ(evbuffer_remove(b, nullptr, 3), -1);
  EXPECT_EQ(evbuffer_copyout(b, nullptr, 3), -1);
  EXPECT_EQ(evbuffer_search(b, nullptr, 2, nullptr).pos, -1);
  EXPECT_EQ(evbuffer_ptr_set(b, nullptr, 0, EVBUFFER_PTR_SET), -1);
  EXPECT_EQ(evbuffer_add_buffer(b, nullptr), -1);
  EXPECT_EQ(evbuffer_remove_buffer(b, nullptr, 1), -1);
  EXPECT_EQ(evbuffer_remove_cb_entry(b, nullptr), -1);
  EXPECT_EQ(evbuffer_get_length(b), 3u) << "no failed call changed the buffer";
  evbuffer_free(b);
}

TEST(ReferenceBadArgs, NotFoundPointerIsRejected) {
  evbuffer* b = evbuffer_new();
  ASSERT_EQ(evbuffer_add(b, "abc", 3), 0);
  evbuffer_ptr p = evbuffer_search(b, "zz", 2, nullptr);
  ASSERT_EQ(p.pos, -1);
  char out[2];
  // libevent 2.1.12 walks a NULL chain here; the reference refuses.
  EXPECT_EQ(evbuffer_copyout_from(b, &p, out, 2), -1);
  size_t len = 3;
  EXPECT_EQ(evbuffer_search_eol(b, &p, &len, EVBUFFER_EOL_ANY).pos, -1);
  EXPECT_EQ(len, 0u);
  evbuffer_free(b);
}

// Pairs: libevent 2.1.12 crashes on a NULL pair array, on
// bufferevent_pair_get_partner(NULL) and on bufferevent_flush(NULL, ...).
TEST(ReferenceBadArgs, PairCallsWithNullGetFailureValues) {
  event_base* base = event_base_new();
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(bufferevent_pair_new(base, 0, nullptr), -1);
  EXPECT_EQ(bufferevent_pair_get_partner(nullptr), nullptr);
  EXPECT_EQ(bufferevent_flush(nullptr, EV_WRITE, BEV_FINISHED), -1);
  event_base_free(base);
}

}  // namespace
