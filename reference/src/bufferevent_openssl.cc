// The C face of <event2/bufferevent_ssl.h> (libevref_openssl, installed as
// libevent_openssl): an OpenSSL SSL object as the session of the core's
// TLS kind (core/bufferevent_tls.h), which holds every rule of when to
// read, write and report; here is only what OpenSSL does, after libevent
// 2.1.12's bufferevent_openssl.c: the BIO over an underlying bufferevent,
// the meaning of SSL_get_error's answers (conn_closed), the error stack,
// and what BEV_OPT_CLOSE_ON_FREE frees.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <new>

#include "bufferevent_tls.h"

namespace {

using evref::TlsBufferevent;
using evref::TlsSession;

static_assert(TlsBufferevent::kOpen == int{BUFFEREVENT_SSL_OPEN} &&
                  TlsBufferevent::kConnecting == int{BUFFEREVENT_SSL_CONNECTING} &&
                  TlsBufferevent::kAccepting == int{BUFFEREVENT_SSL_ACCEPTING},
              "enum bufferevent_ssl_state values");

// ------------------------------------------------ the bufferevent BIO

// libevent's BIO_s_bufferevent: the SSL reads the underlying's input and
// writes its output, never past the output's high watermark.
int bio_read(BIO* b, char* out, int outlen) {
  BIO_clear_retry_flags(b);
  if (out == nullptr) return 0;
  bufferevent* bev = static_cast<bufferevent*>(BIO_get_data(b));
  if (bev == nullptr) return -1;
  evbuffer* input = bufferevent_get_input(bev);
  if (evbuffer_get_length(input) == 0) {
    BIO_set_retry_read(b);
    return -1;
  }
  return evbuffer_remove(input, out, static_cast<size_t>(outlen));
}

int bio_write(BIO* b, const char* in, int inlen) {
  BIO_clear_retry_flags(b);
  bufferevent* bev = static_cast<bufferevent*>(BIO_get_data(b));
  if (bev == nullptr) return -1;
  evbuffer* output = bufferevent_get_output(bev);
  const size_t have = evbuffer_get_length(output);
  size_t high = 0;
  bufferevent_getwatermark(bev, EV_WRITE, nullptr, &high);
  if (high && high <= have + static_cast<size_t>(inlen)) {
    if (high <= have) {  // no room at all: retry once it drains
      BIO_set_retry_write(b);
      return -1;
    }
    inlen = static_cast<int>(high - have);
  }
  return evbuffer_add(output, in, static_cast<size_t>(inlen)) == 0 ? inlen : -1;
}

long bio_ctrl(BIO* b, int cmd, long num, void*) {
  bufferevent* bev = static_cast<bufferevent*>(BIO_get_data(b));
  switch (cmd) {
    case BIO_CTRL_GET_CLOSE:
      return BIO_get_shutdown(b);
    case BIO_CTRL_SET_CLOSE:
      BIO_set_shutdown(b, static_cast<int>(num));
      return 1;
    case BIO_CTRL_PENDING:
      return evbuffer_get_length(bufferevent_get_input(bev)) != 0;
    case BIO_CTRL_WPENDING:
      return evbuffer_get_length(bufferevent_get_output(bev)) != 0;
    case BIO_CTRL_DUP:
    case BIO_CTRL_FLUSH:
      return 1;
    default:
      return 0;
  }
}

int bio_puts(BIO* b, const char* s) { return bio_write(b, s, static_cast<int>(std::strlen(s))); }

int bio_create(BIO* b) {
  BIO_set_init(b, 0);
  BIO_set_data(b, nullptr);
  return 1;
}

// The BIO never owns the bufferevent: the TLS bufferevent frees it.
int bio_destroy(BIO* b) { return b ? 1 : 0; }

// Made once (a C++ static is made once even with threads); 57 is
// libevent's BIO_TYPE_LIBEVENT.
BIO_METHOD* bio_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(57, "bufferevent");
    if (m != nullptr) {
      BIO_meth_set_write(m, bio_write);
      BIO_meth_set_read(m, bio_read);
      BIO_meth_set_puts(m, bio_puts);
      BIO_meth_set_ctrl(m, bio_ctrl);
      BIO_meth_set_create(m, bio_create);
      BIO_meth_set_destroy(m, bio_destroy);
    }
    return m;
  }();
  return method;
}

BIO* bio_new(bufferevent* underlying) {
  BIO_METHOD* method = bio_method();
  BIO* bio = method ? BIO_new(method) : nullptr;
  if (bio == nullptr) return nullptr;
  BIO_set_init(bio, 1);
  BIO_set_data(bio, underlying);
  BIO_set_shutdown(bio, 0);
  return bio;
}

// ------------------------------------------------ the session

class OpensslSession final : public TlsSession {
 public:
  OpensslSession(SSL* ssl, bufferevent* underlying, bool close_on_free) noexcept
      : ssl_(ssl), underlying_(underlying), close_on_free_(close_on_free) {
    // The output buffer may move between a blocked SSL_write and its retry.
    SSL_set_mode(ssl_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    count_io(nullptr, nullptr);
  }

  // be_openssl_destruct: with BEV_OPT_CLOSE_ON_FREE the SSL goes, and over
  // a socket the fd of its BIO.
  ~OpensslSession() override {
    if (!close_on_free_) return;
    if (underlying_ == nullptr) {
      BIO* bio = SSL_get_wbio(ssl_);
      const int fd = bio ? static_cast<int>(BIO_get_fd(bio, nullptr)) : -1;
      if (fd >= 0) close(fd);
    }
    SSL_free(ssl_);
  }

  // A failed bufferevent_openssl_*_new does not free through the session.
  void disown() noexcept { close_on_free_ = false; }
  SSL* ssl() const noexcept { return ssl_; }

  Result handshake() noexcept override {
    ERR_clear_error();
    return result(SSL_do_handshake(ssl_));
  }
  Result read(void* data, int len) noexcept override {
    ERR_clear_error();
    return result(SSL_read(ssl_, data, len));
  }
  Result write(const void* data, int len) noexcept override {
    ERR_clear_error();
    return result(SSL_write(ssl_, data, len));
  }
  int pending() noexcept override { return SSL_pending(ssl_); }

  bool begin_handshake(int state) noexcept override {
    if (!SSL_clear(ssl_)) return false;
    if (state == TlsBufferevent::kAccepting) SSL_set_accept_state(ssl_);
    else SSL_set_connect_state(ssl_);
    return true;
  }
  int renegotiate() noexcept override { return SSL_renegotiate(ssl_); }

  bool attach(int fd) noexcept override {
    BIO* bio = underlying_ ? bio_new(underlying_) : BIO_new_socket(fd, BIO_NOCLOSE);
    if (bio == nullptr) return false;
    SSL_set_bio(ssl_, bio, bio);
    count_io(nullptr, nullptr);  // the new BIO counts from 0
    return true;
  }

  void moved(size_t& read, size_t& written) noexcept override { count_io(&read, &written); }

  // bufferevent_get_openssl_error: the most recent first.
  unsigned long pop_error() noexcept { return n_errors_ ? errors_[--n_errors_] : 0; }

 private:
  // What SSL_get_error says of ret, and for a closed connection libevent's
  // conn_closed: the peer's close_notify is an EOF; a close without one
  // (ZERO_RETURN without it, SYSCALL with nothing on OpenSSL's stack, or
  // OpenSSL 3's unexpected EOF) is dirty; the rest is an error. SYSCALL, SSL and X509_LOOKUP keep their
  // code, then every code on OpenSSL's stack, three at most.
  Result result(int ret) noexcept {
    if (ret > 0) return {ret, kDone};
    const int err = SSL_get_error(ssl_, ret);
    if (err == SSL_ERROR_WANT_READ) return {0, kWantRead};
    if (err == SSL_ERROR_WANT_WRITE) return {0, kWantWrite};
    Outcome outcome = kError;
    switch (err) {
      case SSL_ERROR_ZERO_RETURN:
        outcome = (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) ? kEof : kDirty;
        break;
      case SSL_ERROR_SYSCALL:
        if ((ret == 0 || ret == -1) && ERR_peek_error() == 0) outcome = kDirty;
        put_error(static_cast<unsigned long>(err));
        break;
      case SSL_ERROR_SSL:
        // OpenSSL 3 says a close without close_notify so, where 1.1 (which
        // libevent 2.1.12 was written for) said SYSCALL with an empty
        // stack: the same dirty shutdown (libevent 2.2 reads it so too).
        if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) outcome = kDirty;
        put_error(static_cast<unsigned long>(err));
        break;
      case SSL_ERROR_WANT_X509_LOOKUP:
        put_error(static_cast<unsigned long>(err));
        break;
      default:  // libevent: "BUG: Unexpected OpenSSL error code"
        break;
    }
    while (const unsigned long e = ERR_get_error()) put_error(e);
    return {0, outcome};
  }

  // OpenSSL's codes fit in 32 bits (libevent keeps them so).
  void put_error(unsigned long err) noexcept {
    if (n_errors_ < kMaxErrors) errors_[n_errors_++] = static_cast<uint32_t>(err);
  }

  // The BIOs' byte counts since the last call (they wrap: so does the
  // difference).
  void count_io(size_t* read, size_t* written) noexcept {
    BIO* rbio = SSL_get_rbio(ssl_);
    BIO* wbio = SSL_get_wbio(ssl_);
    const uint64_t r = rbio ? BIO_number_read(rbio) : 0, w = wbio ? BIO_number_written(wbio) : 0;
    if (read) *read = static_cast<size_t>(r - n_read_);
    if (written) *written = static_cast<size_t>(w - n_written_);
    n_read_ = r;
    n_written_ = w;
  }

  static constexpr unsigned kMaxErrors = 3;  // libevent's NUM_ERRORS
  SSL* const ssl_;
  bufferevent* const underlying_;
  bool close_on_free_;
  uint64_t n_read_ = 0, n_written_ = 0;
  uint32_t errors_[kMaxErrors] = {};
  unsigned n_errors_ = 0;
};

OpensslSession* session_of(bufferevent* bev) {
  return static_cast<OpensslSession*>(bufferevent_tls_session_(bev));
}

// A failure: with BEV_OPT_CLOSE_ON_FREE libevent frees the SSL.
bufferevent* refuse(SSL* ssl, int options) {
  if (ssl && (options & BEV_OPT_CLOSE_ON_FREE)) SSL_free(ssl);
  return nullptr;
}

bufferevent* make(event_base* base, bufferevent* underlying, evutil_socket_t fd, SSL* ssl, int state, int options) {
  OpensslSession* session = new (std::nothrow) OpensslSession(ssl, underlying, options & BEV_OPT_CLOSE_ON_FREE);
  bufferevent* bev = session ? bufferevent_tls_new_(base, underlying, fd, session, state, options) : nullptr;
  if (bev) return bev;
  if (session) session->disown();
  delete session;
  return refuse(ssl, options);
}

// The TLS entry points hold the bufferevent's lock (BEV_OPT_THREADSAFE), as
// libevent's BEV_LOCK does.
class BevLocked {
 public:
  explicit BevLocked(bufferevent* bev) noexcept : bev_(bev) {
    if (bev_) bufferevent_lock(bev_);
  }
  ~BevLocked() {
    if (bev_) bufferevent_unlock(bev_);
  }
  BevLocked(const BevLocked&) = delete;
  BevLocked& operator=(const BevLocked&) = delete;

 private:
  bufferevent* bev_;
};

}  // namespace

extern "C" {

// A NULL base, underlying or SSL is NULL (libevent 2.1.12 crashes on a NULL
// SSL or base).
bufferevent* bufferevent_openssl_filter_new(event_base* base, bufferevent* underlying, ssl_st* ssl,
                                            bufferevent_ssl_state state, int options) {
  if (base == nullptr || underlying == nullptr || ssl == nullptr) return refuse(ssl, options);
  BIO* bio = bio_new(underlying);
  if (bio == nullptr) return refuse(ssl, options);
  SSL_set_bio(ssl, bio, bio);
  return make(base, underlying, -1, ssl, state, options);
}

// An SSL that has an fd already brings it (fd -1), or must be given the
// same one; otherwise a socket BIO on fd is made (none for fd -1: a later
// bufferevent_socket_connect or bufferevent_setfd gives it).
bufferevent* bufferevent_openssl_socket_new(event_base* base, evutil_socket_t fd, ssl_st* ssl,
                                            bufferevent_ssl_state state, int options) {
  if (base == nullptr || ssl == nullptr) return refuse(ssl, options);
  BIO* bio = SSL_get_wbio(ssl);
  const long have_fd = bio ? BIO_get_fd(bio, nullptr) : -1;
  if (have_fd >= 0) {
    if (fd < 0) fd = static_cast<evutil_socket_t>(have_fd);
    else if (have_fd != fd) return refuse(ssl, options);
    BIO_set_close(bio, BIO_NOCLOSE);
  } else if (fd >= 0) {
    bio = BIO_new_socket(fd, BIO_NOCLOSE);
    if (bio == nullptr) return refuse(ssl, options);
    SSL_set_bio(ssl, bio, bio);
  }
  return make(base, nullptr, fd, ssl, state, options);
}

int bufferevent_openssl_get_allow_dirty_shutdown(bufferevent* bev) {
  const BevLocked held(bev);
  OpensslSession* s = session_of(bev);
  return s ? s->allow_dirty_shutdown : -1;
}

void bufferevent_openssl_set_allow_dirty_shutdown(bufferevent* bev, int allow_dirty_shutdown) {
  const BevLocked held(bev);
  if (OpensslSession* s = session_of(bev)) s->allow_dirty_shutdown = allow_dirty_shutdown != 0;
}

ssl_st* bufferevent_openssl_get_ssl(bufferevent* bufev) {
  const BevLocked held(bufev);
  OpensslSession* s = session_of(bufev);
  return s ? s->ssl() : nullptr;
}

int bufferevent_ssl_renegotiate(bufferevent* bev) { return bufferevent_tls_renegotiate_(bev); }

unsigned long bufferevent_get_openssl_error(bufferevent* bev) {
  const BevLocked held(bev);
  OpensslSession* s = session_of(bev);
  return s ? s->pop_error() : 0;
}

}  // extern "C"
