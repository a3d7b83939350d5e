// evref::TlsBufferevent — the TLS kind of bufferevent, after libevent
// 2.1.12's bufferevent_openssl.c: a TLS session speaks either straight over
// a socket (its I/O events are the public struct's ev_read / ev_write, as
// in the socket kind) or over an underlying bufferevent (whose callbacks it
// takes over, a reference held, as the filter kind does). First the
// handshake (BUFFEREVENT_SSL_CONNECTING / ACCEPTING), then
// BEV_EVENT_CONNECTED and the data: what the session decrypts goes to
// input, what the user writes goes out through the session.
//
// The core never names OpenSSL (it links beside libevent, in the fuzzers
// too): the session is an interface that libevref_openssl implements over
// an SSL object (src/bufferevent_openssl.cc). Every rule of when to read,
// write, block and report is here, in libevent's order.
#ifndef EVREF_CORE_BUFFEREVENT_TLS_H
#define EVREF_CORE_BUFFEREVENT_TLS_H

#include <sys/types.h>

#include "bufferevent_generic.h"

namespace evref {

// What the TLS library does for the kind.
class TlsSession {
 public:
  // How one operation ended: SSL_get_error's answer, and for a closed
  // connection libevent's conn_closed verdict (kEof: the peer's
  // close_notify; kDirty: closed without one; kError: anything else). The
  // session keeps the library's error codes of a kDirty or kError itself.
  enum Outcome { kDone, kWantRead, kWantWrite, kEof, kDirty, kError };
  struct Result {
    int n;  // bytes, for kDone of a read or write
    Outcome outcome;
  };
  virtual ~TlsSession() = default;
  virtual Result handshake() noexcept = 0;
  virtual Result read(void* data, int len) noexcept = 0;
  virtual Result write(const void* data, int len) noexcept = 0;
  // Decrypted bytes the session holds (SSL_pending).
  virtual int pending() noexcept = 0;
  // Sets the side for a handshake about to start (TlsBufferevent::kConnecting
  // or kAccepting, after SSL_clear); false when refused.
  virtual bool begin_handshake(int state) noexcept = 0;
  // SSL_renegotiate's answer.
  virtual int renegotiate() noexcept = 0;
  // BEV_CTRL_SET_FD: the session speaks over fd from now on (or over the
  // underlying again, for a filter); false when it cannot.
  virtual bool attach(int fd) noexcept = 0;
  // Bytes the session moved on the wire since the last call (rate limits).
  virtual void moved(size_t& read, size_t& written) noexcept = 0;

  bool allow_dirty_shutdown = false;
};

class TlsBufferevent final : public GenericBufferevent {
 public:
  // enum bufferevent_ssl_state.
  enum State : int { kOpen = 0, kConnecting = 1, kAccepting = 2 };
  // The callbacks the facade sets on an underlying, which call
  // on_underlying_* with this bufferevent as argument.
  struct Hooks {
    Fn underlying_read, underlying_write, underlying_event;
  };

  // bufferevent_openssl_new_impl: over `underlying` or the socket fd (-1:
  // none yet). NULL for both, a state not above, options libevent refuses,
  // or no memory; the session is then still the caller's. On success the
  // bufferevent owns it (deleting it is what BEV_OPT_CLOSE_ON_FREE asks).
  static TlsBufferevent* make(Base& base, Bufferevent* underlying, int fd, TlsSession* session, int state,
                              const Calls& calls, const Hooks& hooks, int options) noexcept;

  TlsSession& session() noexcept { return *session_; }
  // bufferevent_ssl_renegotiate.
  int renegotiate() noexcept;
  // bufferevent_socket_connect on a TLS bufferevent over a socket.
  int connect(const sockaddr* sa, int socklen) noexcept override;

  // The underlying's callbacks (be_openssl_readcb / writecb, the handshake
  // ones before the handshake is done, and be_openssl_eventcb).
  void on_underlying_read() noexcept;
  void on_underlying_write() noexcept;
  void on_underlying_event(short what) noexcept;

  Bufferevent* underlying() const noexcept override { return underlying_; }
  int fd() const noexcept override;
  int set_fd(int fd) noexcept override;

 private:
  TlsBufferevent(Base& base, Bufferevent* underlying, TlsSession* session, int state, const Calls& calls,
                 const Hooks& hooks, int options) noexcept;
  ~TlsBufferevent() override;
  int start_io(short what) noexcept override;
  void stop_io(short what) noexcept override;
  int adjust_timeouts() noexcept override;

  int start(int state, int fd) noexcept;
  int set_handshake_callbacks(int fd) noexcept;
  int set_open_callbacks(int fd) noexcept;
  void link_underlying() noexcept;
  void assign_io(int fd) noexcept;
  int add_io(Event& ev, short dir) noexcept;
  int start_reading() noexcept;
  int start_writing() noexcept;
  void stop_reading() noexcept;
  void stop_writing() noexcept;
  int set_rbow() noexcept;
  int set_wbor() noexcept;
  int clear_rbow() noexcept;
  int clear_wbor() noexcept;
  int do_handshake() noexcept;
  int do_read(int n_to_read) noexcept;
  int do_write() noexcept;
  int bytes_to_read() noexcept;
  void consider_reading() noexcept;
  void consider_writing() noexcept;
  void conn_closed(short when, TlsSession::Outcome outcome) noexcept;
  void charge() noexcept;
  void on_io(short dir, short what) noexcept;
  template <short Dir>
  static void on_event(int, short what, void* arg);
  static void output_added(Buffer& buf, const CbInfo& info, void* arg);

  Bufferevent* const underlying_;  // NULL: over the socket of ev_read / ev_write
  TlsSession* session_;
  const Hooks& hooks_;
  Event& ev_read_ = face().ev_read;
  Event& ev_write_ = face().ev_write;
  int state_;
  const int start_state_;  // what a new fd starts with (libevent's old_state)
  ssize_t last_write_ = -1;  // > 0: the length SSL_write must be retried with
  // A read that needs the socket writable, a write that needs it readable.
  bool read_blocked_on_write_ = false, write_blocked_on_read_ = false;
  bool linked_ = false;  // on the underlying, holding a reference
};

}  // namespace evref

#endif  // EVREF_CORE_BUFFEREVENT_TLS_H
