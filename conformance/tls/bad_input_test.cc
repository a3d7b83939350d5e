// TLS bufferevents given bad input: a NULL SSL, an SSL already on another
// socket or bufferevent, an unknown state, no underlying, and bufferevents
// that are not SSL ones (or NULL) given to the bufferevent_ssl.h calls.
// Calls that may crash run in a child (ExpectAnswerOrCrash).
#include <climits>

#include "tls_fixture.h"

// tls/raw_state.c: the two constructors called from C with any int state.
extern "C" bufferevent* evc_tls_socket_new_raw(event_base* base, evutil_socket_t fd, SSL* ssl, int state,
                                               int options);
extern "C" bufferevent* evc_tls_filter_new_raw(event_base* base, bufferevent* under, SSL* ssl, int state,
                                               int options);

namespace evc {
namespace {

using TlsBadInput = TlsTest;

TEST_F(TlsBadInput, NullSslIsRefusedOrCrashes) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/null-ssl",
           "bufferevent_ssl.h: the ssl parameter is 'A SSL* object from openssl'; given NULL, "
           "bufferevent_openssl_socket_new and bufferevent_openssl_filter_new return NULL (on "
           "failure) or crash (libevent 2.1.12 passes it to OpenSSL unchecked), never a "
           "bufferevent");
  for (int fd : {-1, 0}) {
    ExpectAnswerOrCrash(
        "socket_new, fd " + std::to_string(fd),
        [fd] {
          event_base* base = event_base_new();
          SocketPair pair;
          bufferevent* bev = bufferevent_openssl_socket_new(base, fd < 0 ? -1 : pair.fd[0], nullptr,
                                                            BUFFEREVENT_SSL_CONNECTING, 0);
          if (bev) bufferevent_free(bev);  // the child frees what it made (valgrind)
          event_base_free(base);
          return bev;  // compared with NULL only
        },
        static_cast<bufferevent*>(nullptr));
  }
  ExpectAnswerOrCrash(
      "filter_new",
      [] {
        event_base* base = event_base_new();
        bufferevent* pair[2];
        bufferevent_pair_new(base, 0, pair);
        bufferevent* bev = bufferevent_openssl_filter_new(base, pair[0], nullptr, BUFFEREVENT_SSL_ACCEPTING, 0);
        if (bev) bufferevent_free(bev);
        bufferevent_free(pair[0]);
        bufferevent_free(pair[1]);
        event_base_free(base);
        return bev;  // compared with NULL only
      },
      static_cast<bufferevent*>(nullptr));
}

TEST_F(TlsBadInput, UnknownStatesAreRefused) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_ssl_state/unknown",
           "bufferevent_ssl.h: the state is one of BUFFEREVENT_SSL_OPEN, _CONNECTING and "
           "_ACCEPTING; any other value makes bufferevent_openssl_socket_new and _filter_new "
           "fail (NULL), as libevent 2.1.12 does; a crash is reported as a failure");
  for (int state : {3, 4, 7, -1, INT_MAX, INT_MIN}) {
    for (bool filter : {false, true}) {
      const ChildEnd end = RunInChild([&] {
        event_base* base = event_base_new();
        SocketPair pair;
        evutil_make_socket_nonblocking(pair.fd[0]);
        SSL* ssl = SSL_new(tls::ClientCtx());
        bufferevent* under = filter ? bufferevent_socket_new(base, pair.fd[0], 0) : nullptr;
        bufferevent* bev = filter ? evc_tls_filter_new_raw(base, under, ssl, state, 0)
                                  : evc_tls_socket_new_raw(base, pair.fd[0], ssl, state, 0);
        EXPECT_EQ(bev, nullptr) << "state " << state << (filter ? " (filter)" : " (socket)");
        if (bev) bufferevent_free(bev);  // without CLOSE_ON_FREE: the rest is the caller's
        if (under) bufferevent_free(under);
        // The base first: libevent finishes freeing a refused bufferevent
        // there (a finalizer), and that still reads the SSL.
        event_base_free(base);
        SSL_free(ssl);
      });
      EXPECT_TRUE(EndedCleanly(end)) << "state " << state << (filter ? " (filter)" : " (socket)");
    }
  }
}

TEST_F(TlsBadInput, FilterWithoutUnderlyingIsRefused) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_filter_new/null-underlying",
           "bufferevent_ssl.h: bufferevent_openssl_filter_new sends its data over another "
           "bufferevent: with a NULL underlying it returns NULL, and without "
           "BEV_OPT_CLOSE_ON_FREE the SSL is still the caller's (not freed)");
  SSL* ssl = SSL_new(tls::ClientCtx());
  int frees = 0;
  tls::WatchFree(ssl, &frees);
  EXPECT_EQ(bufferevent_openssl_filter_new(base_, nullptr, ssl, BUFFEREVENT_SSL_CONNECTING, 0), nullptr);
  EXPECT_EQ(frees, 0);
  SSL_free(ssl);
}

TEST_F(TlsBadInput, SslOnAnotherSocketIsRefused) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/ssl-on-another-fd",
           "observed libevent 2.1.12 (bufferevent_openssl_socket_new: 'We specified an fd "
           "different from that of the SSL... Fail'): an SSL already set on a socket, given "
           "with another socket, is refused (NULL) and, without BEV_OPT_CLOSE_ON_FREE, left to "
           "the caller; given with fd -1, the bufferevent uses the SSL's socket");
  ASSERT_NO_FATAL_FAILURE(TcpPair());
  SSL* ssl = SSL_new(tls::ClientCtx());
  int frees = 0;
  tls::WatchFree(ssl, &frees);
  SSL_set_fd(ssl, fd_[0]);
  EXPECT_EQ(bufferevent_openssl_socket_new(base_, fd_[1], ssl, BUFFEREVENT_SSL_CONNECTING, 0), nullptr);
  EXPECT_EQ(frees, 0);
  bufferevent* bev = bufferevent_openssl_socket_new(base_, -1, ssl, BUFFEREVENT_SSL_CONNECTING, 0);
  ASSERT_NE(bev, nullptr);
  EXPECT_EQ(bufferevent_getfd(bev), fd_[0]);
  bufferevent_free(bev);
  SSL_free(ssl);
}

TEST_F(TlsBadInput, SslOfAnotherBufferEventIsRefused) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/ssl-in-use",
           "observed libevent 2.1.12: an SSL already used by an SSL bufferevent on one socket, "
           "given again for another socket, is refused (NULL); the first bufferevent keeps it "
           "and still completes its handshake");
  ASSERT_NO_FATAL_FAILURE(NewEnds(kSocket));
  int other[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, other), 0);
  EXPECT_EQ(bufferevent_openssl_socket_new(base_, other[0], end_[0].ssl, BUFFEREVENT_SSL_CONNECTING, 0), nullptr);
  close(other[0]);
  close(other[1]);
  EXPECT_TRUE(RunUntil([this] { return BothConnected(); }));
  EXPECT_EQ(bufferevent_openssl_get_ssl(end_[0].bev), end_[0].ssl);
}

// A bufferevent that is not an SSL one, or NULL, given to the calls of
// bufferevent_ssl.h.
TEST_F(TlsBadInput, CallsOnAPlainBufferEventAnswerNothing) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_get_ssl/not-ssl",
           "observed libevent 2.1.12: on a bufferevent that is not an SSL one, "
           "bufferevent_openssl_get_ssl is NULL, bufferevent_get_openssl_error 0, "
           "bufferevent_openssl_get_allow_dirty_shutdown -1, bufferevent_ssl_renegotiate -1, and "
           "bufferevent_openssl_set_allow_dirty_shutdown does nothing; a crash is accepted");
  auto plain = [](auto call) {
    return [call] {
      event_base* base = event_base_new();
      bufferevent* pair[2];
      bufferevent_pair_new(base, 0, pair);
      const auto answer = call(pair[0]);
      bufferevent_free(pair[0]);
      bufferevent_free(pair[1]);
      event_base_free(base);
      return answer;
    };
  };
  ExpectAnswerOrCrash("get_ssl", plain([](bufferevent* b) { return bufferevent_openssl_get_ssl(b); }),
                      static_cast<SSL*>(nullptr));
  ExpectAnswerOrCrash("get_openssl_error", plain([](bufferevent* b) { return bufferevent_get_openssl_error(b); }), 0ul);
  ExpectAnswerOrCrash("get_allow_dirty_shutdown",
                      plain([](bufferevent* b) { return bufferevent_openssl_get_allow_dirty_shutdown(b); }), -1);
  ExpectAnswerOrCrash("renegotiate", plain([](bufferevent* b) { return bufferevent_ssl_renegotiate(b); }), -1);
  ExpectAnswerOrCrash("set then get allow_dirty_shutdown", plain([](bufferevent* b) {
                        bufferevent_openssl_set_allow_dirty_shutdown(b, 1);
                        return bufferevent_openssl_get_allow_dirty_shutdown(b);
                      }),
                      -1);
}

TEST_F(TlsBadInput, CallsOnNullAnswerNothingOrCrash) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_get_openssl_error/null",
           "bufferevent_ssl.h does not document a NULL bufferevent: libevent 2.1.12 dereferences "
           "it (SIGSEGV) in every call; the suite accepts that or the answer for a bufferevent "
           "that is not an SSL one (NULL, 0, -1, nothing)");
  ExpectAnswerOrCrash("get_ssl", [] { return bufferevent_openssl_get_ssl(nullptr); }, static_cast<SSL*>(nullptr));
  ExpectAnswerOrCrash("get_openssl_error", [] { return bufferevent_get_openssl_error(nullptr); }, 0ul);
  ExpectAnswerOrCrash("get_allow_dirty_shutdown", [] { return bufferevent_openssl_get_allow_dirty_shutdown(nullptr); },
                      -1);
  ExpectAnswerOrCrash("renegotiate", [] { return bufferevent_ssl_renegotiate(nullptr); }, -1);
  ExpectReturnOrCrash("set_allow_dirty_shutdown", [] { bufferevent_openssl_set_allow_dirty_shutdown(nullptr, 1); });
}

}  // namespace
}  // namespace evc
