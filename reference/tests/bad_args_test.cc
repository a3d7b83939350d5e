// The reference's C API given bad arguments: NULL buffers, NULL data with a
// length, NULL pointers. libevent 2.1.12 dereferences most of these and
// crashes, so they cannot be conformance tests; the reference promises the
// header's failure value instead (-1, NULL, 0), never a crash.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <csignal>
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

// The other bufferevent calls with NULL handles: libevent 2.1.12
// dereferences most of them (rate limits, groups, connect_hostname,
// get_dns_error, base_set); the reference answers what the header calls an
// error, or nothing, and changes nothing.
TEST(ReferenceBadArgs, BuffereventKindCallsWithNullGetFailureValues) {
  const timeval tick = {0, 100000};
  ev_token_bucket_cfg* cfg = ev_token_bucket_cfg_new(10, 10, 10, 10, &tick);
  ASSERT_NE(cfg, nullptr);
  EXPECT_EQ(bufferevent_set_rate_limit(nullptr, cfg), -1);
  EXPECT_EQ(bufferevent_get_token_bucket_cfg(nullptr), nullptr);
  EXPECT_EQ(bufferevent_set_max_single_read(nullptr, 10), -1);
  EXPECT_EQ(bufferevent_set_max_single_write(nullptr, 10), -1);
  EXPECT_EQ(bufferevent_get_max_single_read(nullptr), -1);
  EXPECT_EQ(bufferevent_get_max_single_write(nullptr), -1);
  EXPECT_EQ(bufferevent_get_read_limit(nullptr), EV_SSIZE_MAX);
  EXPECT_EQ(bufferevent_get_write_limit(nullptr), EV_SSIZE_MAX);
  EXPECT_EQ(bufferevent_get_max_to_read(nullptr), 0);
  EXPECT_EQ(bufferevent_get_max_to_write(nullptr), 0);
  EXPECT_EQ(bufferevent_decrement_read_limit(nullptr, 1), -1);
  EXPECT_EQ(bufferevent_decrement_write_limit(nullptr, 1), -1);
  EXPECT_EQ(bufferevent_add_to_rate_limit_group(nullptr, nullptr), -1);
  EXPECT_EQ(bufferevent_remove_from_rate_limit_group(nullptr), -1);
  EXPECT_EQ(bufferevent_rate_limit_group_new(nullptr, cfg), nullptr);
  EXPECT_EQ(bufferevent_rate_limit_group_set_cfg(nullptr, cfg), -1);
  EXPECT_EQ(bufferevent_rate_limit_group_set_min_share(nullptr, 1), -1);
  EXPECT_EQ(bufferevent_rate_limit_group_get_read_limit(nullptr), EV_SSIZE_MAX);
  EXPECT_EQ(bufferevent_rate_limit_group_get_write_limit(nullptr), EV_SSIZE_MAX);
  EXPECT_EQ(bufferevent_rate_limit_group_decrement_read(nullptr, 1), -1);
  EXPECT_EQ(bufferevent_rate_limit_group_decrement_write(nullptr, 1), -1);
  ev_uint64_t r = 7, w = 7;
  bufferevent_rate_limit_group_get_totals(nullptr, &r, &w);
  EXPECT_EQ(r + w, 14u);
  bufferevent_rate_limit_group_reset_totals(nullptr);
  bufferevent_rate_limit_group_free(nullptr);
  ev_token_bucket_cfg_free(cfg);
  ev_token_bucket_cfg_free(nullptr);

  event_base* base = event_base_new();
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(bufferevent_rate_limit_group_new(base, nullptr), nullptr);
  EXPECT_EQ(bufferevent_filter_new(nullptr, nullptr, nullptr, 0, nullptr, nullptr), nullptr);
  EXPECT_EQ(bufferevent_get_underlying(nullptr), nullptr);
  EXPECT_EQ(bufferevent_socket_connect_hostname(nullptr, nullptr, AF_INET, "127.0.0.1", 80), -1);
  EXPECT_EQ(bufferevent_socket_get_dns_error(nullptr), 0);
  EXPECT_EQ(bufferevent_base_set(nullptr, nullptr), -1);
  EXPECT_EQ(bufferevent_base_set(base, nullptr), -1);
  event_base_free(base);
}

// bufferevent.h: "The group must have no members when this function is
// called"; libevent 2.1.12 asserts. The reference takes the members out of
// the group first: they go on unlimited, and freeing them later is safe.
TEST(ReferenceBadArgs, FreeingAGroupWithMembersDetachesThem) {
  event_base* base = event_base_new();
  ASSERT_NE(base, nullptr);
  const timeval tick = {0, 100000};
  ev_token_bucket_cfg* cfg = ev_token_bucket_cfg_new(10, 10, 10, 10, &tick);
  bufferevent_rate_limit_group* g = bufferevent_rate_limit_group_new(base, cfg);
  ASSERT_NE(g, nullptr);
  bufferevent* pair[2];
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  pair[0] = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  pair[1] = bufferevent_socket_new(base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  for (bufferevent* b : pair) ASSERT_EQ(bufferevent_add_to_rate_limit_group(b, g), 0);
  bufferevent_rate_limit_group_free(g);
  for (bufferevent* b : pair) {
    EXPECT_EQ(bufferevent_get_read_limit(b), EV_SSIZE_MAX);
    EXPECT_EQ(bufferevent_remove_from_rate_limit_group(b), 0);
    bufferevent_free(b);
  }
  ev_token_bucket_cfg_free(cfg);
  event_base_free(base);
}

}  // namespace

// The base and loop functions of issue 19 on a NULL base or config:
// libevent 2.1.12 dereferences most of these (event_reinit,
// event_base_get_num_events, event_base_active_by_fd, ...), so only the
// reference can promise an answer. Where libevent answers (NULL base in
// event_base_update_cache_time, event_gettime_monotonic, the CPU hint),
// the conformance suite checks the same values on every implementation.
TEST(ReferenceBadArgs, NullBaseAndConfigInTheBaseFunctionsGetFailureValues) {
  timeval tv{};
  EXPECT_EQ(event_reinit(nullptr), -1);
  EXPECT_EQ(event_base_get_num_events(nullptr, EVENT_BASE_COUNT_ADDED), 0);
  EXPECT_EQ(event_base_get_max_events(nullptr, EVENT_BASE_COUNT_ACTIVE, 1), 0);
  event_base_active_by_fd(nullptr, 0, EV_READ);
  event_base_active_by_signal(nullptr, SIGUSR1);
  EXPECT_EQ(event_base_get_features(nullptr), 0);
  EXPECT_EQ(event_base_get_npriorities(nullptr), 0);
  EXPECT_EQ(event_base_got_break(nullptr), 0);
  EXPECT_EQ(event_base_got_exit(nullptr), 0);
  EXPECT_EQ(event_base_get_running_event(nullptr), nullptr);
  EXPECT_EQ(event_base_loopcontinue(nullptr), -1);
  EXPECT_EQ(event_base_update_cache_time(nullptr), -1);
  EXPECT_EQ(event_gettime_monotonic(nullptr, &tv), -1);
  EXPECT_EQ(event_base_gettimeofday_cached(nullptr, nullptr), -1);
  EXPECT_EQ(event_config_set_max_dispatch_interval(nullptr, nullptr, 1, 0), -1);
  EXPECT_EQ(event_config_set_num_cpus_hint(nullptr, 2), -1);
  EXPECT_EQ(event_config_set_flag(nullptr, EVENT_BASE_FLAG_NOLOCK), -1);
  EXPECT_EQ(event_config_require_features(nullptr, 0), -1);
  event_config_free(nullptr);  // a no-op; libevent walks a NULL list
}

// Outside any callback libevent 2.1.12 dereferences a NULL current event;
// the reference answers NULL, before, between and after loops.
TEST(ReferenceBadArgs, RunningEventOutsideCallbacksIsNull) {
  event_base* base = event_base_new();
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(event_base_get_running_event(base), nullptr);
  EXPECT_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);
  EXPECT_EQ(event_base_get_running_event(base), nullptr);
  event_base_free(base);
}
