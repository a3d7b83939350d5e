// The evbuffer_ops fuzz input, run by the evbuffer_ops targets: up to 64
// operations decoded from the input on two buffers and on a std::string
// model of each. After every operation the lengths and the bytes (read with
// peek, so the buffer is untouched) must match the model, and every value
// an operation returns must be what the model predicts; a mismatch aborts.
//
// The runner is a template over an adapter (`Api`) so the same sequence
// runs on the C API of any implementation (CApi, below) and on the
// reference core directly (evbuffer_ops_differential_target.cc), which puts
// both in one process. Each step is also written to an Observer as one line
// (operation, returned values, both contents) so two runs can be compared
// step by step. Reservations are checked against the extent rules on each
// implementation (OpsReserveCommit); how many extents they use is not
// compared, as it depends on chain sizes.
#ifndef EVC_FUZZ_EVBUFFER_OPS_H
#define EVC_FUZZ_EVBUFFER_OPS_H

#include <event2/buffer.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "eol_input.h"  // evc::Show

namespace evc {

// The C API of whichever implementation the target is linked with.
struct CApi {
  using Buf = evbuffer;
  static Buf* New() { return evbuffer_new(); }
  static void Free(Buf* b) { evbuffer_free(b); }
  static size_t Length(Buf* b) { return evbuffer_get_length(b); }
  static int Add(Buf* b, const std::string& s) { return evbuffer_add(b, s.data(), s.size()); }
  static int Prepend(Buf* b, const std::string& s) { return evbuffer_prepend(b, s.data(), s.size()); }
  static int AddReference(Buf* b, const std::string& s) {
    return evbuffer_add_reference(b, s.data(), s.size(), nullptr, nullptr);
  }
  static int Drain(Buf* b, size_t n) { return evbuffer_drain(b, n); }
  static long Remove(Buf* b, char* out, size_t n) { return evbuffer_remove(b, out, n); }
  static long Copyout(Buf* b, char* out, size_t n) { return evbuffer_copyout(b, out, n); }
  static unsigned char* Pullup(Buf* b, long n) { return evbuffer_pullup(b, n); }
  static int Reserve(Buf* b, long n, evbuffer_iovec* v, int nv) { return evbuffer_reserve_space(b, n, v, nv); }
  static int Commit(Buf* b, evbuffer_iovec* v, int nv) { return evbuffer_commit_space(b, v, nv); }
  static long Search(Buf* b, const std::string& pat) {
    return static_cast<long>(evbuffer_search(b, pat.data(), pat.size(), nullptr).pos);
  }
  static int RemoveBuffer(Buf* from, Buf* to, size_t n) { return evbuffer_remove_buffer(from, to, n); }
  static int Peek(Buf* b, evbuffer_iovec* v, int nv) { return evbuffer_peek(b, -1, nullptr, v, nv); }
};

struct OpsReader {
  const uint8_t* data;
  size_t size, at = 0;
  bool more() const { return at < size; }
  uint8_t byte() { return at < size ? data[at++] : 0; }
  std::string bytes(size_t n) {
    n = std::min(n, size - at);
    std::string s(reinterpret_cast<const char*>(data + at), n);
    at += n;
    return s;
  }
};

// Options of one run.
struct OpsOptions {
  // reserve_space(0) over two or more vectors aborts libevent 2.1.12 when
  // the last chain with data is full (buffer.c:2252: a prepend to an empty
  // buffer leaves such a chain; recorded as a CRASH expectation). A
  // differential campaign reserves size 0 over one vector only, to look
  // for new findings instead of that one.
  bool avoid_known_libevent_abort = false;
};

template <class Api>
std::string OpsContents(typename Api::Buf* b) {
  const int n = Api::Peek(b, nullptr, 0);
  std::vector<evbuffer_iovec> v(n > 0 ? n : 1);
  Api::Peek(b, v.data(), n);
  std::string s;
  for (int i = 0; i < n; ++i) s.append(static_cast<char*>(v[i].iov_base), v[i].iov_len);
  return s;
}

[[noreturn]] inline void OpsFail(int step, const char* op, const std::string& got, const std::string& want) {
  std::fprintf(stderr, "evbuffer_ops: step %d (%s): got \"%s\", model \"%s\"\n", step, op, Show(got).c_str(),
               Show(want).c_str());
  std::abort();
}

inline void OpsExpect(int step, const char* op, bool ok) {
  if (!ok) OpsFail(step, op, "false", "true");
}

// The memory holding a buffer's bytes from position `from` on, as
// (address, length) spans with adjacent spans merged: where peek finds them.
using OpsSpans = std::vector<std::pair<uintptr_t, size_t>>;

inline void OpsAppendSpan(OpsSpans& s, const void* p, size_t len) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  if (len == 0) return;
  if (!s.empty() && s.back().first + s.back().second == a) {
    s.back().second += len;
  } else {
    s.emplace_back(a, len);
  }
}

template <class Api>
OpsSpans OpsSpansFrom(typename Api::Buf* b, size_t from) {
  const int n = Api::Peek(b, nullptr, 0);
  std::vector<evbuffer_iovec> v(n > 0 ? n : 1);
  Api::Peek(b, v.data(), n);
  OpsSpans s;
  for (int i = 0; i < n; ++i) {
    const size_t skip = std::min(from, v[i].iov_len);
    from -= skip;
    OpsAppendSpan(s, static_cast<const char*>(v[i].iov_base) + skip, v[i].iov_len - skip);
  }
  return s;
}

inline std::string OpsAddr(const void* p) { return std::to_string(reinterpret_cast<uintptr_t>(p)); }

// reserve_space + commit_space of `fill` over nv (1 to 3) vectors on a
// buffer whose end is not frozen, checking the extent rules of buffer.h
// that hold whatever the chain sizes are:
//   - a reservation offering 8 vectors begins where a 1-byte one began
//     ("Multiple subsequent calls to this function will make the same space
//     available until evbuffer_commit_space()"; 8 is more than the chains
//     these sequences leave after the data);
//   - at most nv extents, holding at least the size; the same extents again
//     when the reservation is repeated;
//   - committed bytes stay where they were written;
//   - after the commit, a 1-byte reservation over two vectors begins at the
//     first writable byte after the data: where the last extent written
//     ends if it has room left, else where the next extent began.
// Returns "" or the rule broken. The extent count itself is not returned,
// so the differential target does not compare it: chain sizes differ
// between the reference and libevent by design, and so do the counts.
// Shared by the fuzz targets and the property (property/evbuffer_model_test.cc).
template <class Api>
std::string OpsReserveCommit(typename Api::Buf* b, const std::string& fill, int nv) {
  const size_t n = fill.size();
  const size_t before = Api::Length(b);
  evbuffer_iovec v[3], again[3], probe[2], many[8];
  if (n > 0) {
    if (Api::Reserve(b, 1, probe, 2) != 1) return "reserve of 1 byte over 2 vectors: not 1 extent";
    if (Api::Reserve(b, static_cast<long>(n), many, 8) < 1) return "reserve over 8 vectors failed";
    if (many[0].iov_base != probe[0].iov_base)
      return "reserve over 8 vectors begins at " + OpsAddr(many[0].iov_base) + ", not where the 1-byte one did (" +
             OpsAddr(probe[0].iov_base) + ")";
  }
  const int k = Api::Reserve(b, static_cast<long>(n), v, nv);
  if (k < (n > 0 ? 1 : 0) || k > nv) return "reserve returned " + std::to_string(k) + " over " + std::to_string(nv);
  if (Api::Reserve(b, static_cast<long>(n), again, nv) != k) return "reserve again: another extent count";
  size_t total = 0;
  for (int i = 0; i < k; ++i) {
    total += v[i].iov_len;
    if (again[i].iov_base != v[i].iov_base || again[i].iov_len != v[i].iov_len)
      return "reserve again: extent " + std::to_string(i) + " differs";
  }
  if (total < n) return "extents hold " + std::to_string(total) + " of " + std::to_string(n) + " bytes";
  size_t left = n;
  int last = -1;  // the last extent written to
  OpsSpans written;
  for (int i = 0; i < k; ++i) {
    const size_t take = std::min(left, v[i].iov_len);
    std::memcpy(v[i].iov_base, fill.data() + (n - left), take);
    OpsAppendSpan(written, v[i].iov_base, take);
    if (take > 0) last = i;
    v[i].iov_len = take;
    left -= take;
  }
  if (Api::Commit(b, v, k) != 0) return "commit failed";
  if (OpsSpansFrom<Api>(b, before) != written) return "committed bytes are not where they were written";
  if (last < 0) return "";
  const void* next = nullptr;  // where a new reservation must begin, if known
  if (v[last].iov_len < again[last].iov_len) {
    next = static_cast<const char*>(v[last].iov_base) + v[last].iov_len;
  } else if (last + 1 < k) {
    next = v[last + 1].iov_base;
  }
  if (Api::Reserve(b, 1, probe, 2) != 1) return "reserve of 1 byte after commit: not 1 extent";
  if (next != nullptr && probe[0].iov_base != next)
    return "reserve after commit begins at " + OpsAddr(probe[0].iov_base) + ", not at the first writable byte " +
           OpsAddr(next);
  return "";
}

template <class Api, class Observer>
void RunOps(const uint8_t* data, size_t size, const OpsOptions& opt, Observer&& observe) {
  using Buf = typename Api::Buf;
  OpsReader in{data, size};
  Buf* buf[2] = {Api::New(), Api::New()};
  std::string model[2];
  std::vector<std::string> refs;  // storage for add_reference, outlives the buffers
  refs.reserve(64);
  for (int step = 0; in.more() && step < 64; ++step) {
    const uint8_t op = in.byte();
    const int w = op >> 7;  // which buffer
    Buf* b = buf[w];
    std::string& m = model[w];
    const char* name = "";
    std::string returned;
    switch (op % 10) {
      case 0: {
        name = "add";
        const std::string s = in.bytes(in.byte() % 32);
        OpsExpect(step, name, Api::Add(b, s) == 0);
        m += s;
        break;
      }
      case 1: {
        name = "prepend";
        const std::string s = in.bytes(in.byte() % 32);
        OpsExpect(step, name, Api::Prepend(b, s) == 0);
        m.insert(0, s);
        break;
      }
      case 2: {
        name = "drain";
        const size_t k = in.byte() % (m.size() + 2);
        OpsExpect(step, name, Api::Drain(b, k) == 0);
        m.erase(0, std::min(k, m.size()));
        break;
      }
      case 3:
      case 4: {
        const bool remove = op % 10 == 3;
        name = remove ? "remove" : "copyout";
        const size_t k = in.byte() % (m.size() + 2);
        std::string out(k, '\0');
        const long n = remove ? Api::Remove(b, &out[0], k) : Api::Copyout(b, &out[0], k);
        const size_t want = std::min(k, m.size());
        if (n != static_cast<long>(want)) OpsFail(step, name, std::to_string(n), std::to_string(want));
        if (out.substr(0, want) != m.substr(0, want)) OpsFail(step, name, out.substr(0, want), m.substr(0, want));
        if (remove) m.erase(0, want);
        returned = std::to_string(n);
        break;
      }
      case 5: {
        name = "pullup";
        const size_t k = in.byte() % (m.size() + 2);
        unsigned char* p = Api::Pullup(b, static_cast<long>(k));
        if (k > m.size()) {
          OpsExpect(step, name, p == nullptr);
        } else if (k > 0) {
          OpsExpect(step, name, p != nullptr);
          const std::string got(reinterpret_cast<char*>(p), k);
          if (got != m.substr(0, k)) OpsFail(step, name, got, m.substr(0, k));
        }
        returned = p ? "ptr" : "NULL";
        break;
      }
      case 6: {
        name = "add_reference";
        if (refs.size() == refs.capacity()) break;
        refs.push_back(in.bytes(1 + in.byte() % 16));
        OpsExpect(step, name, Api::AddReference(b, refs.back()) == 0);
        m += refs.back();
        break;
      }
      case 7: {
        name = "reserve+commit";
        // Sizes 0-63, or 80-5120 in steps of 80 (several chains); 1 to 3
        // vectors, chosen by the op byte.
        const uint8_t sz = in.byte();
        const size_t n = sz < 192 ? sz % 64 : (sz - 191) * size_t{80};
        static const int kVectors[3] = {2, 3, 1};
        int nv = kVectors[((op & 0x7f) / 10) % 3];
        if (opt.avoid_known_libevent_abort && n == 0) nv = 1;
        std::string fill = in.bytes(std::min<size_t>(n, 64));  // then 'r's
        fill.resize(n, 'r');
        const std::string broken = OpsReserveCommit<Api>(b, fill, nv);
        if (!broken.empty()) OpsFail(step, name, broken, "the extent rules");
        m += fill;
        returned = "reserved";  // not the extent count: it depends on chain sizes
        break;
      }
      case 8: {
        name = "search";
        const std::string pat = in.bytes(1 + in.byte() % 3);
        const long pos = Api::Search(b, pat);
        const size_t want = m.find(pat);
        const long w_pos = want == std::string::npos ? -1 : static_cast<long>(want);
        if (pos != w_pos) OpsFail(step, name, std::to_string(pos), std::to_string(w_pos));
        returned = std::to_string(pos);
        break;
      }
      default: {
        name = "remove_buffer";
        const size_t k = in.byte() % (m.size() + 2);
        const int n = Api::RemoveBuffer(b, buf[1 - w], k);
        const size_t want = std::min(k, m.size());
        if (n != static_cast<int>(want)) OpsFail(step, name, std::to_string(n), std::to_string(want));
        model[1 - w] += m.substr(0, want);
        m.erase(0, want);
        returned = std::to_string(n);
        break;
      }
    }
    for (int i = 0; i < 2; ++i) {
      if (Api::Length(buf[i]) != model[i].size())
        OpsFail(step, name, std::to_string(Api::Length(buf[i])), std::to_string(model[i].size()));
      const std::string c = OpsContents<Api>(buf[i]);
      if (c != model[i]) OpsFail(step, name, c, model[i]);
    }
    observe(step, std::string(name) + " buffer " + std::to_string(w) + " -> " + returned + " | \"" +
                      Show(model[0]) + "\" \"" + Show(model[1]) + "\"");
  }
  Api::Free(buf[0]);
  Api::Free(buf[1]);
}

}  // namespace evc

#endif  // EVC_FUZZ_EVBUFFER_OPS_H
