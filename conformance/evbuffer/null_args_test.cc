// NULL handles for the file, reference, iovec, flag, defer and write calls.
// buffer.h does not document NULL there; libevent 2.1.12 dereferences most
// of them, so each call runs in a child and either a crash or the failure
// value a check would give is accepted.
#include <event2/event.h>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

using EvbufferNullArgs = EvbufferTest;

TEST_F(EvbufferNullArgs, NullBufferOrSegmentFailsOrCrashes) {
  EVC_RULE("buffer.h/evbuffer_add_file_segment/null",
           "buffer.h: -1 (or 0 bytes, or nothing) on failure; a NULL buffer or segment is never "
           "another answer (libevent 2.1.12 dereferences it)");
  const int fd = MakeFile("0123456789");
  ASSERT_GE(fd, 0);
  ExpectAnswerOrCrash("add_file(NULL)", [&] { return evbuffer_add_file(nullptr, fd, 0, 4); }, -1);
  ExpectAnswerOrCrash("add_file_segment(NULL seg)",
                      [&] { return evbuffer_add_file_segment(buf_, nullptr, 0, 4); }, -1);
  ExpectAnswerOrCrash("add_file_segment(NULL buf)", [&] {
    evbuffer_file_segment* seg = evbuffer_file_segment_new(fd, 0, 4, EVBUF_FS_DISABLE_SENDFILE);
    if (seg == nullptr) return -2;
    const int r = evbuffer_add_file_segment(nullptr, seg, 0, 4);
    evbuffer_file_segment_free(seg);
    return r;
  }, -1);
  ExpectReturnOrCrash("file_segment_free(NULL)", [] { evbuffer_file_segment_free(nullptr); });
  ExpectReturnOrCrash("file_segment_add_cleanup_cb(NULL)",
                      [] { evbuffer_file_segment_add_cleanup_cb(nullptr, nullptr, nullptr); });
  close(fd);
}

TEST_F(EvbufferNullArgs, NullBuffersElsewhereFailOrCrash) {
  EVC_RULE("buffer.h/evbuffer_add_buffer_reference/null",
           "buffer.h: -1 (or 0 bytes written) on failure; a NULL buffer or vector array is never "
           "another answer (libevent 2.1.12 dereferences it)");
  Add("abc");
  ExpectAnswerOrCrash("add_buffer_reference(NULL, buf)",
                      [&] { return evbuffer_add_buffer_reference(nullptr, buf_); }, -1);
  ExpectAnswerOrCrash("add_buffer_reference(buf, NULL)",
                      [&] { return evbuffer_add_buffer_reference(buf_, nullptr); }, -1);
  evbuffer_iovec vec{const_cast<char*>("x"), 1};
  ExpectAnswerOrCrash("add_iovec(NULL)", [&] { return evbuffer_add_iovec(nullptr, &vec, 1); },
                      size_t{0});
  ExpectAnswerOrCrash("add_iovec(buf, NULL, 1)",
                      [&] { return evbuffer_add_iovec(buf_, nullptr, 1); }, size_t{0});
  EXPECT_EQ(evbuffer_add_iovec(buf_, nullptr, 0), 0u);
  ExpectAnswerOrCrash("set_flags(NULL)", [] { return evbuffer_set_flags(nullptr, 1); }, -1);
  ExpectAnswerOrCrash("clear_flags(NULL)", [] { return evbuffer_clear_flags(nullptr, 1); }, -1);
  ExpectAnswerOrCrash("write_atmost(NULL)", [] { return evbuffer_write_atmost(nullptr, 1, 4); }, -1);
  ExpectAnswerOrCrash("defer_callbacks(NULL, base)", [] {
    event_base* base = event_base_new();
    if (base == nullptr) return -2;
    const int r = evbuffer_defer_callbacks(nullptr, base);
    event_base_free(base);
    return r;
  }, -1);
  ExpectAnswerOrCrash("defer_callbacks(buf, NULL)",
                      [&] { return evbuffer_defer_callbacks(buf_, nullptr); }, -1);
  EXPECT_EQ(Contents(buf_), "abc");
}

}  // namespace
}  // namespace evc
