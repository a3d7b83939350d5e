// evref::Buffer: positions, searching, end-of-line search and readln.
//
// The EOL rules are those of <event2/buffer.h> as libevent 2.1.12 applies
// them (docs/rules.md, "EOL search and readln"):
//   ANY          the first CR or LF, and every CR/LF byte after it, is one EOL;
//   CRLF         the first LF, with the CR before it if there is one, but never
//                looking back before the start position;
//   CRLF_STRICT  the first "\r\n";
//   LF, NUL      the first such byte.
// Every rule works across chain boundaries.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "buffer.h"
#include "mm.h"
#include "chain.h"

namespace evref {

namespace {

Pos not_found() { return Pos{}; }

// Compares what[0..len) with the bytes starting at (c, in); the caller has
// checked that len bytes remain.
bool matches_at(const Chain* c, size_t in, const char* what, size_t len) {
  while (len > 0) {
    size_t k = std::min(c->off - in, len);
    if (std::memcmp(c->begin() + in, what, k) != 0) return false;
    what += k;
    len -= k;
    c = c->next;
    in = 0;
  }
  return true;
}

// Finds the first CR or LF in [p, p + n), scanning in windows so that a
// byte found early is not paid for with a scan of the whole chain for the
// other one. The window doubles while neither byte turns up, also across
// the chains of one search, up to 1 KiB: long stretches without an EOL
// cost two memchr calls per KiB (0.5-0.7 of one memchr pass in
// bench/evbuffer_bench.cc), short lines short scans. Larger windows lose
// once the bytes come from memory rather than cache: the second pass then
// no longer finds them in L1.
struct CrOrLfFinder {
  size_t window = 256;

  const unsigned char* operator()(const unsigned char* p, size_t n) {
    for (; n > 0; window = std::min<size_t>(window * 2, 1024)) {
      size_t w = std::min(n, window);
      const void* lf = std::memchr(p, '\n', w);
      size_t limit = lf != nullptr ? static_cast<size_t>(static_cast<const unsigned char*>(lf) - p) : w;
      const void* cr = std::memchr(p, '\r', limit);
      if (cr != nullptr) return static_cast<const unsigned char*>(cr);
      if (lf != nullptr) return static_cast<const unsigned char*>(lf);
      p += w;
      n -= w;
    }
    return nullptr;
  }
};

// Moves it to the first byte for which find() succeeds, chain by chain.
// prev, when given, receives the last chain scanned before the hit's chain
// (nullptr if the hit is in the chain where the scan started).
template <typename Find>
bool scan(Pos& it, Find find, const Chain** prev) {
  const Chain* before = nullptr;
  for (Chain* c = it.chain; c != nullptr; c = c->next) {
    const unsigned char* from = c->begin() + it.in_chain;
    const unsigned char* hit = find(from, c->off - it.in_chain);
    if (hit != nullptr) {
      size_t d = static_cast<size_t>(hit - from);
      it.pos += static_cast<ssize_t>(d);
      it.in_chain += d;
      it.chain = c;
      if (prev != nullptr) *prev = before;
      return true;
    }
    it.pos += static_cast<ssize_t>(c->off - it.in_chain);
    it.in_chain = 0;
    if (c->off > 0) before = c;
  }
  return false;
}

bool scan_byte(Pos& it, unsigned char byte, const Chain** prev) {
  return scan(
      it,
      [byte](const unsigned char* p, size_t n) {
        return static_cast<const unsigned char*>(std::memchr(p, byte, n));
      },
      prev);
}

// Number of CR/LF bytes from it onwards, across chains.
size_t crlf_span(const Pos& it) {
  size_t n = 0;
  size_t in = it.in_chain;
  for (const Chain* c = it.chain; c != nullptr; c = c->next, in = 0) {
    const unsigned char* p = c->begin();
    while (in < c->off && (p[in] == '\r' || p[in] == '\n')) {
      ++in;
      ++n;
    }
    if (in < c->off) break;
  }
  return n;
}

}  // namespace

int Buffer::ptr_set(Pos& p, size_t position, bool advance) const noexcept {
  Chain* c;
  size_t in;
  size_t left = position;
  if (!advance) {
    c = first_;
    in = 0;
    p.pos = static_cast<ssize_t>(position);
  } else {
    if (p.pos < 0 || SIZE_MAX - position < static_cast<size_t>(p.pos)) return -1;
    c = p.chain;
    in = p.in_chain;
    p.pos += static_cast<ssize_t>(position);
  }
  // A position on a chain boundary names the start of the next chain.
  while (c != nullptr && in + left >= c->off) {
    left -= c->off - in;
    c = c->next;
    in = 0;
  }
  if (c != nullptr) {
    p.chain = c;
    p.in_chain = in + left;
    return 0;
  }
  if (left == 0) {  // just past the end: valid, but names no byte
    p.chain = nullptr;
    p.in_chain = 0;
    return 0;
  }
  p = not_found();
  return -1;
}

Pos Buffer::search_range(const char* what, size_t len, const Pos* start, const Pos* end) const noexcept {
  Pos p = start != nullptr ? *start : Pos{0, first_, 0};
  // libevent 2.1.12 returns the start itself for an empty pattern.
  if (len == 0 || len > static_cast<size_t>(SSIZE_MAX)) return p;
  if (p.pos < 0) return not_found();
  const Chain* last = end != nullptr ? end->chain : nullptr;
  const unsigned char first = static_cast<unsigned char>(what[0]);
  for (Chain* c = p.chain; c != nullptr;) {
    const unsigned char* from = c->begin() + p.in_chain;
    const void* hit = std::memchr(from, first, c->off - p.in_chain);
    if (hit == nullptr) {
      if (c == last) return not_found();
      p.pos += static_cast<ssize_t>(c->off - p.in_chain);
      c = p.chain = c->next;
      p.in_chain = 0;
      continue;
    }
    size_t d = static_cast<size_t>(static_cast<const unsigned char*>(hit) - from);
    p.pos += static_cast<ssize_t>(d);
    p.in_chain += d;
    if (static_cast<size_t>(p.pos) + len <= total_ && matches_at(c, p.in_chain, what, len)) {
      // The first match decides: if it overruns end, nothing fits in range.
      if (end != nullptr && p.pos + static_cast<ssize_t>(len) > end->pos) return not_found();
      return p;
    }
    ++p.pos;
    if (++p.in_chain == c->off) {
      c = p.chain = c->next;
      p.in_chain = 0;
    }
  }
  return not_found();
}

Pos Buffer::search_eol(const Pos* start, size_t* eol_len, int style) const noexcept {
  size_t extra = 0;
  Pos it = start != nullptr ? *start : Pos{0, first_, 0};
  bool found = false;
  if (it.chain != nullptr && it.pos >= 0) {
    switch (style) {
      case kEolAny:
        found = scan(it, CrOrLfFinder{}, nullptr);
        if (found) extra = crlf_span(it);
        break;
      case kEolCrlf: {
        const Pos from = it;
        const Chain* prev = nullptr;
        found = scan_byte(it, '\n', &prev);
        if (!found) break;
        extra = 1;
        if (it.pos == from.pos) break;  // never look back past the start
        if (it.in_chain > 0) {
          if (it.chain->begin()[it.in_chain - 1] == '\r') {
            --it.pos;
            --it.in_chain;
            extra = 2;
          }
        } else if (prev != nullptr && prev->begin()[prev->off - 1] == '\r') {
          it.pos -= 1;
          it.chain = const_cast<Chain*>(prev);
          it.in_chain = prev->off - 1;
          extra = 2;
        }
        break;
      }
      case kEolCrlfStrict:
        it = search_range("\r\n", 2, &it, nullptr);
        found = it.pos >= 0;
        if (found) extra = 2;
        break;
      case kEolLf:
        found = scan_byte(it, '\n', nullptr);
        if (found) extra = 1;
        break;
      case kEolNul:
        found = scan_byte(it, '\0', nullptr);
        if (found) extra = 1;
        break;
      default:
        break;
    }
  }
  if (!found) {
    it = not_found();
    extra = 0;
  }
  if (eol_len != nullptr) *eol_len = extra;
  return it;
}

char* Buffer::readln(size_t* n_read, int style) noexcept {
  if (n_read != nullptr) *n_read = 0;
  if (frozen_front_) return nullptr;
  size_t eol = 0;
  Pos it = search_eol(nullptr, &eol, style);
  if (it.pos < 0) return nullptr;  // an unterminated line is never returned
  const size_t len = static_cast<size_t>(it.pos);
  char* line = static_cast<char*>(mm::malloc(len + 1));
  if (line == nullptr) return nullptr;
  copy_front(reinterpret_cast<unsigned char*>(line), len);
  line[len] = '\0';
  remove_front(len + eol);
  n_deleted_ += len + eol;
  invoke_callbacks();
  if (n_read != nullptr) *n_read = len;
  return line;
}

}  // namespace evref
