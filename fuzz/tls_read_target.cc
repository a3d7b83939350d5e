// Fuzz target tls_read: the read path of an OpenSSL filter bufferevent.
//
// A server bufferevent_openssl_filter_new(..., BUFFEREVENT_SSL_ACCEPTING)
// sits on one end of a bufferevent pair; the target holds the other end
// (the "wire") and a client SSL over memory BIOs. The input says what the
// client writes and how its records reach the server: cut at any byte,
// laid out in evbuffer chains made by evbuffer_add, add_reference,
// prepend or reserve/commit (a pair moves whole chains, so the layout
// reaches the filter's underlying input as made), with loop runs,
// watermark changes and read disable/enable in between. The handshake
// goes through the same cuts. At the end everything pending is delivered
// and the loop runs until nothing moves; then the oracle, semantic (record
// bytes are never compared):
//   - the plaintext the TLS bufferevent delivered equals what the client
//     wrote, in order, whatever the cuts and layouts;
//   - BEV_EVENT_CONNECTED exactly once (the filter does the handshake and
//     reports it; libevent 2.1.12 without deferred callbacks may deliver
//     the first data before it, and when the client's last flight ends in
//     close_notify, report EOF before it);
//   - no BEV_EVENT_ERROR while the stream is well formed; after a
//     close_notify, BEV_EVENT_EOF (SSL_ERROR_ZERO_RETURN, a clean shutdown),
//     and every byte before it delivered in the end.
// Not checked, only traced ("order" in the trace): where the first data
// came among the events, and "uncommitted" when data reached the input
// buffer after BEV_EVENT_EOF. libevent 2.1.12 does that (found by this
// target, corpus/tls_read/eof-before-last-records-committed): its do_read
// runs the EOF event callback from conn_closed() before it commits what
// the same pass decrypted, so an event callback that drains the input and
// frees the bufferevent at EOF loses the last records. The reference
// reproduces it; no header promises either way.
// A mismatch aborts with what differed. With EVC_TLS_TRACE set, one line
// per input goes to stdout: events in order, delivered length and hash,
// then " | order=" and the events with where data came. The replay drivers
// of two implementations are compared on those lines (fuzz/tls_compare.cmake:
// the part before " | " must agree, the order is a note), since the
// reference and libevent export the same names and cannot share a process.
//
// Determinism: OpenSSL draws from a RAND_METHOD seeded the same for every
// input (RAND_set_rand_method, deprecated in OpenSSL 3 but honoured by
// RAND_bytes_ex), so a reproducer replays the same records.
//
// Input: byte 0 options (bit 0 deferred callbacks on the TLS bufferevent,
// bit 1 on the pair, bit 2 allow dirty shutdown, bit 3 TLS 1.2 instead of
// 1.3, bit 4 end with the wire closed without close_notify); then
// operations, one byte each (kind = bits 0-2, a = bits 3-7) with argument
// bytes; missing bytes read as 0:
//   0 write      (n + 1) << (a % 8) bytes of plaintext, n the next byte
//                (at most 64 KiB in all)
//   1-4 deliver  1 + n + 256 * (a % 32) pending record bytes as one piece:
//                1 evbuffer_add, 2 add_reference, 3 a piece built by
//                prepending its first half to its second, 4 reserve/commit
//   5 settle     run the loop until nothing moves
//   6 deliver    every pending byte in single-byte add_reference chains
//                (at most 64, then the rest in one evbuffer_add)
//   7 control    a % 4: 0 close_notify (no writes after it), 1 read high
//                watermark (n + 1) * 16 (n = 255: none), 2 disable EV_READ,
//                3 enable EV_READ
#define OPENSSL_SUPPRESS_DEPRECATED  // RAND_METHOD: see above
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tls_cert.h"

namespace {

// --- OpenSSL, made once ------------------------------------------------------

uint64_t rand_state;

int FixedRandBytes(unsigned char* buf, int num) {
  for (int i = 0; i < num; ++i) {  // splitmix64, one byte per step
    uint64_t z = (rand_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    buf[i] = static_cast<unsigned char>(z ^ (z >> 31));
  }
  return 1;
}
int FixedRandStatus() { return 1; }
const RAND_METHOD kFixedRand = {nullptr, FixedRandBytes, nullptr, nullptr, FixedRandBytes, FixedRandStatus};

// An Ed25519 key and a self-signed certificate for it, in memory; X25519
// key exchange: the cheapest full handshake OpenSSL offers.
struct Contexts {
  SSL_CTX* server;
  SSL_CTX* client12;
  SSL_CTX* client13;
};

SSL_CTX* ClientContext(int version) {
  SSL_CTX* c = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set1_groups_list(c, "X25519");
  SSL_CTX_set_min_proto_version(c, version);
  SSL_CTX_set_max_proto_version(c, version);
  return c;
}

const Contexts& MakeContexts() {
  RAND_set_rand_method(&kFixedRand);
  // (EVP_PKEY_keygen rather than OpenSSL 3's EVP_PKEY_Q_keygen: the
  // ClusterFuzzLite image is Ubuntu 20.04, OpenSSL 1.1.1)
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  if (kctx == nullptr || EVP_PKEY_keygen_init(kctx) <= 0 || EVP_PKEY_keygen(kctx, &key) <= 0) key = nullptr;
  EVP_PKEY_CTX_free(kctx);
  X509* cert = evc::SelfSigned(key, "evconform", nullptr);
  if (cert == nullptr) {
    std::fprintf(stderr, "tls_read: cannot make the test certificate\n");
    std::abort();
  }
  static Contexts c;
  c.server = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate(c.server, cert);
  SSL_CTX_use_PrivateKey(c.server, key);
  SSL_CTX_set1_groups_list(c.server, "X25519");
  SSL_CTX_set_num_tickets(c.server, 0);  // nothing after the handshake but data
  c.client12 = ClientContext(TLS1_2_VERSION);
  c.client13 = ClientContext(TLS1_3_VERSION);
  X509_free(cert);
  EVP_PKEY_free(key);
  return c;
}

// --- the run -----------------------------------------------------------------

struct Reader {
  const uint8_t* data;
  size_t size, at = 0;
  bool more() const { return at < size; }
  uint8_t byte() { return at < size ? data[at++] : 0; }
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "tls_read: %s\n", what.c_str());
  std::abort();
}

class Run {
 public:
  Run(const Contexts& ctx, uint8_t options) : options_(options) {
    base_ = event_base_new();
    bufferevent* pair[2];
    if (bufferevent_pair_new(base_, (options & 2) ? BEV_OPT_DEFER_CALLBACKS : 0, pair) != 0)
      Fail("bufferevent_pair_new failed");
    wire_ = pair[1];
    bufferevent_enable(wire_, EV_READ | EV_WRITE);
    const int tls_opts = BEV_OPT_CLOSE_ON_FREE | ((options & 1) ? BEV_OPT_DEFER_CALLBACKS : 0);
    tls_ = bufferevent_openssl_filter_new(base_, pair[0], SSL_new(ctx.server), BUFFEREVENT_SSL_ACCEPTING,
                                          tls_opts);
    if (tls_ == nullptr) Fail("bufferevent_openssl_filter_new failed");
    bufferevent_openssl_set_allow_dirty_shutdown(tls_, (options & 4) ? 1 : 0);
    bufferevent_setcb(tls_, OnRead, nullptr, OnEvent, this);
    bufferevent_enable(tls_, EV_READ | EV_WRITE);
    client_ = SSL_new((options & 8) ? ctx.client12 : ctx.client13);
    to_client_ = BIO_new(BIO_s_mem());
    from_client_ = BIO_new(BIO_s_mem());
    SSL_set_bio(client_, to_client_, from_client_);
    SSL_set_connect_state(client_);
  }

  ~Run() {
    bufferevent_free(tls_);
    bufferevent_free(wire_);
    SSL_free(client_);
    event_base_free(base_);
  }

  void Step(Reader& in) {
    const uint8_t op = in.byte();
    const int a = op >> 3;
    switch (op & 7) {
      case 0: Write(static_cast<size_t>(in.byte() + 1) << (a % 8)); break;
      case 5: Settle(); break;
      case 6: DeliverBytewise(); break;
      case 7: Control(a % 4, in.byte()); break;
      default: Deliver(op & 7, 1 + in.byte() + 256 * static_cast<size_t>(a % 32)); break;
    }
  }

  // Everything pending goes through; then the oracle.
  void Finish() {
    if (reading_off_) {
      bufferevent_enable(tls_, EV_READ);
      reading_off_ = false;
    }
    for (int round = 0; round < 64; ++round) {
      const auto before = Progress();
      Deliver(1, Pending().size());
      Settle();
      if (Progress() == before) break;
    }
    if (!SSL_is_init_finished(client_)) Fail("the handshake did not complete");
    if (connected_ != 1) Fail("BEV_EVENT_CONNECTED seen " + std::to_string(connected_) + " times, expected once");
    if (error_) Fail("BEV_EVENT_ERROR on a well-formed stream: " + Events());
    Check(delivered_ == sent_, "delivered plaintext differs from what the client wrote");
    if (closed_ && !eof_) Fail("no BEV_EVENT_EOF after the client's close_notify: " + Events());
    if ((options_ & 16) && !closed_) {  // the wire closes without close_notify
      // (a pair end's BEV_FINISHED flush: its partner sees EOF)
      bufferevent_flush(wire_, EV_WRITE, BEV_FINISHED);
      Settle();
      if (!eof_ && !error_) Fail("the wire closed, and neither EOF nor ERROR: " + Events());
    }
  }

  std::string Trace() const {
    uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (unsigned char ch : delivered_) h = (h ^ ch) * 1099511628211ULL;
    char buf[64];
    std::snprintf(buf, sizeof buf, " delivered=%zu fnv=%016llx", delivered_.size(),
                  static_cast<unsigned long long>(h));
    return "events=" + Events() + buf + " | order=" + (order_.empty() ? "none" : order_.substr(1));
  }

 private:
  static void OnRead(bufferevent* bev, void* arg) {
    auto* self = static_cast<Run*>(arg);
    evbuffer* input = bufferevent_get_input(bev);
    const size_t n = evbuffer_get_length(input);
    const size_t at = self->delivered_.size();
    self->delivered_.resize(at + n);
    if (evbuffer_remove(input, &self->delivered_[at], n) != static_cast<int>(n)) Fail("evbuffer_remove short");
    if (at == 0 && n > 0) self->order_ += ",data";
    if (self->eof_ && self->delivered_.size() > self->by_eof_ && !self->uncommitted_) {
      self->uncommitted_ = true;
      self->order_ += ",uncommitted";
    }
    self->Check(self->sent_.compare(0, self->delivered_.size(), self->delivered_) == 0,
                "delivered plaintext is not a prefix of what the client wrote");
  }

  static void OnEvent(bufferevent* bev, short what, void* arg) {
    auto* self = static_cast<Run*>(arg);
    self->events_.push_back(what);
    self->order_ += "," + std::to_string(what);
    if (what & BEV_EVENT_CONNECTED) ++self->connected_;
    if (what & BEV_EVENT_EOF) {
      self->eof_ = true;
      self->by_eof_ = self->delivered_.size() + evbuffer_get_length(bufferevent_get_input(bev));
    }
    if (what & BEV_EVENT_ERROR) self->error_ = true;
  }

  void Check(bool ok, const char* what) const {
    if (ok) return;
    size_t i = 0;
    while (i < delivered_.size() && i < sent_.size() && delivered_[i] == sent_[i]) ++i;
    Fail(std::string(what) + ": delivered " + std::to_string(delivered_.size()) + " of " +
         std::to_string(sent_.size()) + " bytes, first difference at " + std::to_string(i) +
         "; events " + Events());
  }

  std::string Events() const {
    std::string s;
    for (short e : events_) s += (s.empty() ? "" : ",") + std::to_string(e);
    return s.empty() ? "none" : s;
  }

  // The client's side: handshake steps, then queued plaintext as records.
  void PumpClient() {
    if (!SSL_is_init_finished(client_)) {
      SSL_do_handshake(client_);
      if (!SSL_is_init_finished(client_)) return;
    }
    if (!queued_.empty()) {
      if (SSL_write(client_, queued_.data(), static_cast<int>(queued_.size())) != static_cast<int>(queued_.size()))
        Fail("the client's SSL_write failed");
      sent_ += queued_;
      queued_.clear();
    }
    if (closing_ && !closed_) {
      SSL_shutdown(client_);
      closed_ = true;
    }
  }

  const std::string& Pending() {
    PumpClient();
    char buf[16384];
    int n;
    while ((n = BIO_read(from_client_, buf, sizeof buf)) > 0) {
      pending_.append(buf, static_cast<size_t>(n));
      produced_ += static_cast<size_t>(n);
    }
    return pending_;
  }

  void Write(size_t n) {
    if (closing_) return;
    n = std::min(n, kMaxPlaintext - std::min(kMaxPlaintext, sent_.size() + queued_.size()));
    for (size_t i = 0; i < n; ++i) queued_ += static_cast<char>('a' + (sent_.size() + queued_.size()) % 23);
    PumpClient();
  }

  static void FreeReference(const void*, size_t, void* p) { delete[] static_cast<char*>(p); }

  void Deliver(int layout, size_t n) {
    const std::string& pending = Pending();
    n = std::min(n, pending.size());
    if (n == 0) return;
    const char* p = pending.data();
    evbuffer* out = bufferevent_get_output(wire_);
    if (layout == 2) {
      char* copy = new char[n];
      std::memcpy(copy, p, n);
      evbuffer_add_reference(out, copy, n, FreeReference, copy);
    } else if (layout == 3) {
      evbuffer* piece = evbuffer_new();
      evbuffer_add(piece, p + n / 2, n - n / 2);
      evbuffer_prepend(piece, p, n / 2);
      evbuffer_add_buffer(out, piece);
      evbuffer_free(piece);
    } else if (layout == 4) {
      evbuffer_iovec v[2];
      const int k = evbuffer_reserve_space(out, static_cast<ev_ssize_t>(n), v, 2);
      size_t done = 0;
      for (int i = 0; i < k && done < n; ++i) {
        v[i].iov_len = std::min(v[i].iov_len, n - done);
        std::memcpy(v[i].iov_base, p + done, v[i].iov_len);
        done += v[i].iov_len;
      }
      if (k <= 0 || done != n || evbuffer_commit_space(out, v, k) != 0) Fail("reserve/commit on the wire failed");
    } else {
      evbuffer_add(out, p, n);
    }
    pending_.erase(0, n);
  }

  void DeliverBytewise() {
    const size_t n = std::min<size_t>(Pending().size(), 64);
    for (size_t i = 0; i < n; ++i) Deliver(2, 1);
    Deliver(1, Pending().size());
  }

  void Control(int what, uint8_t n) {
    if (what == 0) {
      closing_ = true;
      PumpClient();
    } else if (what == 1) {
      bufferevent_setwatermark(tls_, EV_READ, 0, n == 255 ? 0 : (static_cast<size_t>(n) + 1) * 16);
    } else if (what == 2) {
      bufferevent_disable(tls_, EV_READ);
      reading_off_ = true;
    } else {
      bufferevent_enable(tls_, EV_READ);
      reading_off_ = false;
    }
  }

  // What moves while the loop runs, as counts that only grow: plaintext
  // and events delivered, the server's bytes to the client, the client's
  // bytes (a size that only happened to stay the same once hid a flight).
  std::vector<size_t> Progress() {
    Pending();
    return {delivered_.size(), events_.size(), to_client_total_, produced_};
  }

  // Runs the loop (without blocking) until two runs in a row change
  // nothing, at most 64 runs; the server's bytes go to the client between runs.
  void Settle() {
    for (int quiet = 0, i = 0; quiet < 2 && i < 64; ++i) {
      const auto before = Progress();
      event_base_loop(base_, EVLOOP_NONBLOCK);
      {
        evbuffer* in = bufferevent_get_input(wire_);
        const size_t n = evbuffer_get_length(in);
        if (n > 0) {
          BIO_write(to_client_, evbuffer_pullup(in, -1), static_cast<int>(n));
          to_client_total_ += n;
          evbuffer_drain(in, n);
        }
      }
      quiet = Progress() == before ? quiet + 1 : 0;
    }
  }

  static constexpr size_t kMaxPlaintext = 1 << 16;  // per input: enough for 4+ full records
  const uint8_t options_;
  event_base* base_;
  bufferevent* wire_;
  bufferevent* tls_;
  SSL* client_;
  BIO* to_client_;
  BIO* from_client_;
  std::string queued_, sent_, pending_, delivered_;
  std::vector<short> events_;
  std::string order_;  // events, where data first came, data after EOF
  int connected_ = 0;
  size_t produced_ = 0, to_client_total_ = 0;
  size_t by_eof_ = 0;  // bytes delivered or in the input buffer at BEV_EVENT_EOF
  bool eof_ = false, uncommitted_ = false, error_ = false, closing_ = false, closed_ = false, reading_off_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Contexts& ctx = MakeContexts();
  static const bool trace = std::getenv("EVC_TLS_TRACE") != nullptr;
  if (size > 4096) return 0;
  rand_state = 0x65766366757a7a;  // the same random stream for every input
  Reader in{data, size};
  {
    Run run(ctx, in.byte());
    for (int step = 0; in.more() && step < 256; ++step) run.Step(in);
    run.Finish();
    if (trace) std::printf("%s\n", run.Trace().c_str());
  }
  ERR_clear_error();
  return 0;
}
