// One vocabulary of evbuffer operations and one model, shared by the
// RapidCheck property (property/evbuffer_model_test.cc generates the
// operations) and the evbuffer_ops fuzz targets (evbuffer_ops.h decodes
// them from bytes). Each operation is a struct with
//   apply(Model&)        what the operation does to the model: two strings,
//                        the freeze flags, and the calls each buffer's
//                        callback (evbuffer_add_cb) must be told;
//   run(model, Bufs&)    performs it on the implementation and compares
//                        every returned value with the model as it was;
//   show()               one line naming it, for counterexamples and traces.
// Step() runs one operation, applies it to the model and then compares the
// whole state: lengths, bytes (read with peek, so the buffer is untouched)
// and the callback calls. Mismatches come back as text, so the property
// fails through RC_FAIL and the fuzzer aborts with the same description.
//
// The runs are templates over an adapter (`Api`): CApi below is the C API
// of whichever implementation is linked; evbuffer_ops_differential_target.cc
// has the same shape over the reference core, so both run in one process.
//
// The model's rules are libevent 2.1's (buffer.c, observed on 2.1.12):
//   - freezing: the end guards add, add_reference, add_buffer's destination,
//     remove_buffer's destination and reserve/commit; the front guards
//     prepend, drain, remove, copyout, readln, and the source of add_buffer /
//     prepend_buffer / remove_buffer. A refused call returns -1 (readln
//     NULL) and changes nothing; a call with nothing to do succeeds even
//     when frozen (prepend of 0 bytes, drain or copyout of an empty range,
//     add_buffer of an empty buffer);
//   - callbacks: every call that changes a buffer tells its enabled
//     callbacks once, before it returns: orig_size the length before,
//     n_added and n_deleted the change; a call that changes nothing tells
//     nothing; add_buffer / prepend_buffer / remove_buffer tell both
//     buffers; changes made while the callback is disabled are never told.
//     One exception is allowed for: libevent's readln is a remove and then
//     a drain, so it tells the line and the EOL in two calls where the
//     reference tells one (both are accepted, see Model::calls_may_merge);
//     add_iovec may tell each vector apart (libevent) or all in one call;
//   - buffer references and file data (add_buffer_reference, segments of a
//     memfd made with EVBUF_FS_DISABLE_SENDFILE, so every read is defined):
//     add_buffer_reference appends the source's bytes and leaves the source
//     alone; a source holding such data is refused (-1), which the model
//     tracks as Side::special (over-approximated: set by every way such
//     data may arrive, cleared when the buffer empties) and the generators
//     avoid; segment parts lie inside the segment, on an end not frozen
//     (libevent 2.1.12 drops the caller's reference when that add fails);
//     shared data never moves back into the buffer it was shared from
//     (Side::refs_other): libevent 2.1.12 then holds the buffer from inside
//     itself and leaks it (EvbufferAddBufferReference.CopyMovedBackIntoItsSourceIsReleased);
//   - write_atmost to a pipe writes min(n, length) bytes (at most 64 here:
//     one writev takes them all) from the front and drains them; libevent
//     answers -1 when there is nothing to write, so that is not generated.
#ifndef EVC_FUZZ_EVBUFFER_VOCAB_H
#define EVC_FUZZ_EVBUFFER_VOCAB_H

#include <event2/buffer.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "eol_input.h"   // evc::Show
#include "eol_oracle.h"  // evc::OracleEol

namespace evc {

// ---------------------------------------------------------------------------
// The model

// What a buffer callback is told in one call (struct evbuffer_cb_info).
struct CbCall {
  size_t orig_size, n_added, n_deleted;
  bool operator==(const CbCall& o) const {
    return orig_size == o.orig_size && n_added == o.n_added && n_deleted == o.n_deleted;
  }
};

struct Side {
  std::string bytes;
  bool frozen_front = false, frozen_end = false;
  bool cb_enabled = true;
  bool special = false;     // may hold buffer-reference or file data
  bool refs_other = false;  // may hold data shared from the other buffer
};

struct Model {
  Side side[2];
  // The calls the last operation must have made to each buffer's callback.
  std::vector<CbCall> calls[2];
  // Set by readln: the calls of one buffer may also come as one call that
  // sums them (libevent tells the line and the EOL apart, the reference
  // tells them together; both tell every byte once, before returning).
  bool calls_may_merge = false;
};

// The model's edits, each recording the callback call it makes.
inline void Told(Model& m, int w, size_t added, size_t deleted) {
  if ((added > 0 || deleted > 0) && m.side[w].cb_enabled)
    m.calls[w].push_back({m.side[w].bytes.size(), added, deleted});
}
inline void Append(Model& m, int w, const std::string& data) {
  Told(m, w, data.size(), 0);
  m.side[w].bytes += data;
}
inline void Insert(Model& m, int w, const std::string& data) {
  Told(m, w, data.size(), 0);
  m.side[w].bytes.insert(0, data);
}
inline void Erase(Model& m, int w, size_t n) {  // from the front
  n = std::min(n, m.side[w].bytes.size());
  Told(m, w, 0, n);
  m.side[w].bytes.erase(0, n);
}

// The bytes of the file whose segments the operations add: lines with
// every EOL style's bytes, so file data feeds the searches and readln too.
inline const std::string& FileBytes() {
  static const std::string bytes = [] {
    std::string s;
    for (int i = 0; s.size() < 3000; ++i) s += "line " + std::to_string(i) + (i % 3 ? "\r\n" : i % 2 ? "\n" : std::string(1, '\0'));
    return s;
  }();
  return bytes;
}

// The workaround for the one known libevent abort, used by every run that
// may reach libevent: reserve_space(0) over two or more vectors aborts
// libevent 2.1.12 when the last chain with data is full (buffer.c:2252; a
// prepend to an empty buffer or a moved chain leaves one). A conformance
// test records it as a CRASH expectation; properties and fuzzers ask for one
// vector when the size is 0, to look for other findings.
struct VocabOptions {
  bool avoid_known_libevent_abort = false;
};
inline int ReserveVectors(size_t size, int n_vec, const VocabOptions& opt) {
  return opt.avoid_known_libevent_abort && size == 0 ? 1 : n_vec;
}

// ---------------------------------------------------------------------------
// The implementation side

// What the implementation's callbacks were told since the last step.
struct CbLog {
  std::vector<CbCall> calls;
};

// The C API of whichever implementation is linked.
struct CApi {
  using Buf = evbuffer;
  using Ptr = evbuffer_ptr;
  using Cb = evbuffer_cb_entry;
  static Buf* New() { return evbuffer_new(); }
  static void Free(Buf* b) { evbuffer_free(b); }
  static size_t Length(Buf* b) { return evbuffer_get_length(b); }
  static int Add(Buf* b, const std::string& s) { return evbuffer_add(b, s.data(), s.size()); }
  static int AddReference(Buf* b, const std::string& s) {
    return evbuffer_add_reference(b, s.data(), s.size(), nullptr, nullptr);
  }
  static int Prepend(Buf* b, const std::string& s) { return evbuffer_prepend(b, s.data(), s.size()); }
  static int MoveAll(Buf* dst, Buf* src, bool front) {
    return front ? evbuffer_prepend_buffer(dst, src) : evbuffer_add_buffer(dst, src);
  }
  static int RemoveBuffer(Buf* src, Buf* dst, size_t n) { return evbuffer_remove_buffer(src, dst, n); }
  static int Drain(Buf* b, size_t n) { return evbuffer_drain(b, n); }
  static long Remove(Buf* b, char* out, size_t n) { return evbuffer_remove(b, out, n); }
  static long Copyout(Buf* b, const Ptr* from, char* out, size_t n) {
    return from ? evbuffer_copyout_from(b, from, out, n) : evbuffer_copyout(b, out, n);
  }
  static unsigned char* Pullup(Buf* b, long n) { return evbuffer_pullup(b, n); }
  static int Peek(Buf* b, long n, const Ptr* from, evbuffer_iovec* v, int nv) {
    return evbuffer_peek(b, n, const_cast<Ptr*>(from), v, nv);
  }
  static int Reserve(Buf* b, long n, evbuffer_iovec* v, int nv) { return evbuffer_reserve_space(b, n, v, nv); }
  static int Commit(Buf* b, evbuffer_iovec* v, int nv) { return evbuffer_commit_space(b, v, nv); }
  static int PtrSet(Buf* b, Ptr* p, size_t at) { return evbuffer_ptr_set(b, p, at, EVBUFFER_PTR_SET); }
  static long Search(Buf* b, const std::string& pat, const Ptr* start, const Ptr* end) {
    const evbuffer_ptr p = end ? evbuffer_search_range(b, pat.data(), pat.size(), start, end)
                               : evbuffer_search(b, pat.data(), pat.size(), start);
    return static_cast<long>(p.pos);
  }
  static long SearchEol(Buf* b, Ptr* start, size_t* eol_len, int style) {
    return static_cast<long>(evbuffer_search_eol(b, start, eol_len, static_cast<evbuffer_eol_style>(style)).pos);
  }
  static char* Readln(Buf* b, size_t* n, int style) {
    return evbuffer_readln(b, n, static_cast<evbuffer_eol_style>(style));
  }
  static int Freeze(Buf* b, bool front, bool on) { return on ? evbuffer_freeze(b, front) : evbuffer_unfreeze(b, front); }
  static Cb* Watch(Buf* b, CbLog* log) { return evbuffer_add_cb(b, Told, log); }
  using Seg = evbuffer_file_segment;
  // The whole file, readable by every buffer function (DISABLE_SENDFILE),
  // mapped or (mapped false) read into memory.
  static Seg* NewSegment(int fd, bool mapped) {
    return evbuffer_file_segment_new(fd, 0, -1, EVBUF_FS_DISABLE_SENDFILE | (mapped ? 0 : EVBUF_FS_DISABLE_MMAP));
  }
  static void FreeSegment(Seg* s) { evbuffer_file_segment_free(s); }
  static int AddSegment(Buf* b, Seg* s, long offset, long length) { return evbuffer_add_file_segment(b, s, offset, length); }
  static size_t AddIovec(Buf* b, std::vector<evbuffer_iovec>& v) {
    return evbuffer_add_iovec(b, v.data(), static_cast<int>(v.size()));
  }
  static int AddBufferReference(Buf* dst, Buf* src) { return evbuffer_add_buffer_reference(dst, src); }
  static int WriteAtmost(Buf* b, int fd, long n) { return evbuffer_write_atmost(b, fd, n); }
  static int EnableCb(Buf* b, Cb* cb, bool on) {
    return on ? evbuffer_cb_set_flags(b, cb, EVBUFFER_CB_ENABLED) : evbuffer_cb_clear_flags(b, cb, EVBUFFER_CB_ENABLED);
  }

 private:
  static void Told(evbuffer*, const evbuffer_cb_info* i, void* log) {
    static_cast<CbLog*>(log)->calls.push_back({i->orig_size, i->n_added, i->n_deleted});
  }
};

// A memfd holding FileBytes(), or -1.
inline int OpsFile() {
  const int fd = memfd_create("evbuffer_ops", MFD_CLOEXEC);
  const std::string& b = FileBytes();
  if (fd >= 0 && write(fd, b.data(), b.size()) != static_cast<ssize_t>(b.size())) {
    close(fd);
    return -1;
  }
  return fd;
}

// The two buffers under test, each watched by one callback; two segments
// of one file (mapped and read in) and a non-blocking pipe to write to.
template <class Api>
struct Bufs {
  typename Api::Buf* buf[2];
  typename Api::Cb* cb[2];
  CbLog log[2];
  std::deque<std::string> refs;  // add_reference storage; a deque never moves its strings
  int file = OpsFile();
  typename Api::Seg* seg[2] = {nullptr, nullptr};
  int pipe_fd[2] = {-1, -1};
  Bufs() {
    for (int i = 0; i < 2; ++i) {
      buf[i] = Api::New();
      cb[i] = Api::Watch(buf[i], &log[i]);
      if (file >= 0) seg[i] = Api::NewSegment(file, i == 0);
    }
    if (pipe2(pipe_fd, O_NONBLOCK | O_CLOEXEC) != 0) pipe_fd[0] = pipe_fd[1] = -1;
  }
  ~Bufs() {
    Api::Free(buf[0]);
    Api::Free(buf[1]);
    for (auto* s : seg)
      if (s != nullptr) Api::FreeSegment(s);
    for (int fd : {file, pipe_fd[0], pipe_fd[1]})
      if (fd >= 0) close(fd);
  }
  Bufs(const Bufs&) = delete;
  Bufs& operator=(const Bufs&) = delete;
};

// What running an operation gave: the values it returned (compared between
// implementations by the differential target) and, if the implementation
// disagrees with the model, how.
struct Outcome {
  std::string returned, mismatch;
};

inline std::string Quote(const std::string& s) {
  if (s.size() <= 80) return "\"" + Show(s) + "\"";
  return "\"" + Show(s.substr(0, 64)) + "\"...(" + std::to_string(s.size()) + " bytes)";
}

inline Outcome Expect(long got, long want) {
  Outcome o{std::to_string(got), ""};
  if (got != want) o.mismatch = "returned " + std::to_string(got) + ", model " + std::to_string(want);
  return o;
}

// Every extent holding the buffer's bytes, as peek gives them.
template <class Api>
std::vector<evbuffer_iovec> OpsExtents(typename Api::Buf* b) {
  const int n = Api::Peek(b, -1, nullptr, nullptr, 0);
  std::vector<evbuffer_iovec> v(n > 0 ? n : 0);
  if (n > 0) Api::Peek(b, -1, nullptr, v.data(), n);
  return v;
}

template <class Api>
std::string OpsContents(typename Api::Buf* b) {
  std::string s;
  for (const evbuffer_iovec& e : OpsExtents<Api>(b)) s.append(static_cast<char*>(e.iov_base), e.iov_len);
  return s;
}

// ---------------------------------------------------------------------------
// The extent rules of reserve_space / commit_space

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
  OpsSpans s;
  for (const evbuffer_iovec& e : OpsExtents<Api>(b)) {
    const size_t skip = std::min(from, e.iov_len);
    from -= skip;
    OpsAppendSpan(s, static_cast<const char*>(e.iov_base) + skip, e.iov_len - skip);
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

// ---------------------------------------------------------------------------
// The operations. `w` is the buffer operated on (0 or 1); the other one is
// 1 - w. Operations with positions fit a model only where those positions
// lie inside the buffer (fits(); the property's precondition).

struct Add {
  int w;
  std::string data;
  void apply(Model& m) const {
    if (!m.side[w].frozen_end) Append(m, w, data);
  }
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    return Expect(Api::Add(s.buf[w], data), m.side[w].frozen_end ? -1 : 0);
  }
  std::string show() const { return "add(" + std::to_string(w) + ", " + Quote(data) + ")"; }
};

// One add_reference per piece: each piece is a chain of its own, so small
// pieces put chain boundaries anywhere, between a CR and an LF too.
struct AddReference {
  int w;
  std::vector<std::string> pieces;
  void apply(Model& m) const {
    if (m.side[w].frozen_end) return;
    for (const std::string& p : pieces) Append(m, w, p);
  }
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    Outcome all;
    for (const std::string& p : pieces) {
      s.refs.push_back(p);
      const Outcome o = Expect(Api::AddReference(s.buf[w], s.refs.back()), m.side[w].frozen_end ? -1 : 0);
      all.returned += (all.returned.empty() ? "" : " ") + o.returned;
      if (!o.mismatch.empty()) all.mismatch = o.mismatch;
    }
    return all;
  }
  std::string show() const {
    std::string s = "add_reference(" + std::to_string(w);
    for (const std::string& p : pieces) s += ", " + Quote(p);
    return s + ")";
  }
};

struct Prepend {
  int w;
  std::string data;
  bool refused(const Model& m) const { return !data.empty() && m.side[w].frozen_front; }
  void apply(Model& m) const {
    if (!refused(m)) Insert(m, w, data);
  }
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    return Expect(Api::Prepend(s.buf[w], data), refused(m) ? -1 : 0);
  }
  std::string show() const { return "prepend(" + std::to_string(w) + ", " + Quote(data) + ")"; }
};

// add_buffer(w, 1 - w) or prepend_buffer(w, 1 - w): all of the other
// buffer moves into w.
struct MoveAll {
  int w;
  bool front;
  bool fits(const Model& m) const { return !m.side[1 - w].refs_other; }
  bool refused(const Model& m) const {
    const Side& dst = m.side[w];
    const Side& src = m.side[1 - w];
    if (src.bytes.empty()) return false;
    return (front ? dst.frozen_front : dst.frozen_end) || src.frozen_front;
  }
  void apply(Model& m) const {
    if (refused(m)) return;
    const std::string moved = m.side[1 - w].bytes;
    m.side[w].special |= m.side[1 - w].special && !moved.empty();
    Erase(m, 1 - w, moved.size());
    if (front) {
      Insert(m, w, moved);
    } else {
      Append(m, w, moved);
    }
  }
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    return Expect(Api::MoveAll(s.buf[w], s.buf[1 - w], front), refused(m) ? -1 : 0);
  }
  std::string show() const {
    return std::string(front ? "prepend_buffer(" : "add_buffer(") + std::to_string(w) + ", " +
           std::to_string(1 - w) + ")";
  }
};

// remove_buffer(w, 1 - w, n): up to n bytes from the front of w to the end
// of the other buffer.
struct RemoveBuffer {
  int w;
  size_t n;
  bool fits(const Model& m) const { return !m.side[w].refs_other; }
  bool refused(const Model& m) const { return n > 0 && (m.side[1 - w].frozen_end || m.side[w].frozen_front); }
  size_t moved(const Model& m) const { return std::min(n, m.side[w].bytes.size()); }
  void apply(Model& m) const {
    if (refused(m)) return;
    const std::string bytes = m.side[w].bytes.substr(0, moved(m));
    m.side[1 - w].special |= m.side[w].special && !bytes.empty();
    Erase(m, w, bytes.size());
    Append(m, 1 - w, bytes);
  }
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    return Expect(Api::RemoveBuffer(s.buf[w], s.buf[1 - w], n), refused(m) ? -1 : static_cast<long>(moved(m)));
  }
  std::string show() const {
    return "remove_buffer(" + std::to_string(w) + ", " + std::to_string(1 - w) + ", " + std::to_string(n) + ")";
  }
};

struct Drain {
  int w;
  size_t n;
  bool refused(const Model& m) const { return !m.side[w].bytes.empty() && m.side[w].frozen_front; }
  void apply(Model& m) const {
    if (!refused(m)) Erase(m, w, n);
  }
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    return Expect(Api::Drain(s.buf[w], n), refused(m) ? -1 : 0);
  }
  std::string show() const { return "drain(" + std::to_string(w) + ", " + std::to_string(n) + ")"; }
};

// remove or copyout of n bytes from the front, or (copyout_from) from a
// position.
struct CopyOut {
  enum Kind { kRemove, kCopyout, kCopyoutFrom };
  int w;
  Kind kind;
  size_t from, n;  // from: copyout_from only
  size_t start() const { return kind == kCopyoutFrom ? from : 0; }
  bool fits(const Model& m) const { return start() <= m.side[w].bytes.size(); }
  long expected(const Model& m) const {
    const Side& sd = m.side[w];
    const size_t k = std::min(n, sd.bytes.size() - start());
    if (k == 0) return 0;
    return sd.frozen_front ? -1 : static_cast<long>(k);
  }
  void apply(Model& m) const {
    const long k = expected(m);
    if (kind == kRemove && k > 0) Erase(m, w, static_cast<size_t>(k));
  }
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    std::string out(n, '\0');
    long r;
    if (kind == kRemove) {
      r = Api::Remove(s.buf[w], &out[0], n);
    } else if (kind == kCopyout) {
      r = Api::Copyout(s.buf[w], nullptr, &out[0], n);
    } else {
      typename Api::Ptr p;
      if (Api::PtrSet(s.buf[w], &p, from) != 0) return {"", "ptr_set failed"};
      r = Api::Copyout(s.buf[w], &p, &out[0], n);
    }
    const long want = expected(m);
    Outcome o = Expect(r, want);
    if (o.mismatch.empty() && want > 0 && out.compare(0, want, m.side[w].bytes, start(), want) != 0)
      o.mismatch = "copied " + Quote(out.substr(0, want)) + ", model " + Quote(m.side[w].bytes.substr(start(), want));
    return o;
  }
  std::string show() const {
    static const char* const names[] = {"remove", "copyout", "copyout_from"};
    return std::string(names[kind]) + "(" + std::to_string(w) + ", " +
           (kind == kCopyoutFrom ? std::to_string(from) + ", " : "") + std::to_string(n) + ")";
  }
};

// pullup(n), n from -1 (everything) to the length + 1: the first n bytes
// made contiguous, and peek's first extent then holds them.
struct Pullup {
  int w;
  long n;
  void apply(Model&) const {}
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    const std::string& b = m.side[w].bytes;
    unsigned char* p = Api::Pullup(s.buf[w], n);
    Outcome o{p ? "ptr" : "NULL", ""};
    const size_t want = n < 0 ? b.size() : static_cast<size_t>(n);
    if (want > b.size()) {
      if (p != nullptr) o.mismatch = "a pointer, model NULL (more than the length)";
    } else if (want > 0) {
      evbuffer_iovec v;
      if (p == nullptr) {
        o.mismatch = "NULL, model the bytes";
      } else if (b.compare(0, want, reinterpret_cast<const char*>(p), want) != 0) {
        o.mismatch = "bytes " + Quote(std::string(reinterpret_cast<char*>(p), want)) + ", model " +
                     Quote(b.substr(0, want));
      } else if (Api::Peek(s.buf[w], -1, nullptr, &v, 1) < 1 || v.iov_base != p || v.iov_len < want) {
        o.mismatch = "peek's first extent is not the pulled-up bytes";
      }
    }
    return o;
  }
  std::string show() const { return "pullup(" + std::to_string(w) + ", " + std::to_string(n) + ")"; }
};

// peek(n) from a position: the extents start there and cover at least n
// bytes (all of them with -1). How many extents is not returned: it
// depends on chain sizes.
struct Peek {
  int w;
  size_t from;
  long n;
  bool fits(const Model& m) const { return from <= m.side[w].bytes.size(); }
  void apply(Model&) const {}
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    const std::string& b = m.side[w].bytes;
    typename Api::Ptr p;
    if (Api::PtrSet(s.buf[w], &p, from) != 0) return {"", "ptr_set failed"};
    const int k = Api::Peek(s.buf[w], n, &p, nullptr, 0);
    std::vector<evbuffer_iovec> v(k > 0 ? k : 1);
    if (Api::Peek(s.buf[w], n, &p, v.data(), k) != k) return {"", "peek with room for every extent gave another count"};
    std::string got;
    for (int i = 0; i < k; ++i) got.append(static_cast<char*>(v[i].iov_base), v[i].iov_len);
    const size_t want = n < 0 ? b.size() - from : std::min(static_cast<size_t>(n), b.size() - from);
    Outcome o{"ok", ""};
    if (got.size() < want || b.compare(from, got.size(), got) != 0)
      o.mismatch = "extents hold " + Quote(got) + ", model " + Quote(b.substr(from, want)) + " at least";
    return o;
  }
  std::string show() const {
    return "peek(" + std::to_string(w) + ", from " + std::to_string(from) + ", " + std::to_string(n) + ")";
  }
};

// reserve_space + commit_space of `data` over nvec vectors, with the extent
// rules of OpsReserveCommit; on a buffer frozen at the end, reserve_space
// is refused. Make() is the one way to build it, so the known libevent
// abort is avoided wherever the options ask.
struct ReserveCommit {
  int w;
  std::string data;
  int nvec;
  static ReserveCommit Make(int buffer, std::string fill, int n_vec, const VocabOptions& opt) {
    const int vectors = ReserveVectors(fill.size(), n_vec, opt);
    return {buffer, std::move(fill), vectors};
  }
  void apply(Model& m) const {
    if (!m.side[w].frozen_end) Append(m, w, data);
  }
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    if (m.side[w].frozen_end) {
      evbuffer_iovec v[3];
      return Expect(Api::Reserve(s.buf[w], static_cast<long>(data.size()), v, nvec), -1);
    }
    // not the extent count: it depends on chain sizes
    return {"reserved", OpsReserveCommit<Api>(s.buf[w], data, nvec)};
  }
  std::string show() const {
    return "reserve+commit(" + std::to_string(w) + ", " + Quote(data) + ", " + std::to_string(nvec) + " vec)";
  }
};

// search from a position, or search_range between two.
struct Search {
  int w;
  std::string pat;
  size_t from, end;
  bool ranged;
  bool fits(const Model& m) const { return from <= end && end <= m.side[w].bytes.size(); }
  void apply(Model&) const {}
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    typename Api::Ptr start, stop;
    if (Api::PtrSet(s.buf[w], &start, from) != 0 || Api::PtrSet(s.buf[w], &stop, end) != 0)
      return {"", "ptr_set failed"};
    const long pos = Api::Search(s.buf[w], pat, &start, ranged ? &stop : nullptr);
    size_t hit = m.side[w].bytes.find(pat, from);
    if (ranged && hit != std::string::npos && hit + pat.size() > end) hit = std::string::npos;
    return Expect(pos, hit == std::string::npos ? -1L : static_cast<long>(hit));
  }
  std::string show() const {
    std::string s = std::string(ranged ? "search_range(" : "search(") + std::to_string(w) + ", " + Quote(pat) +
                    ", from " + std::to_string(from);
    if (ranged) s += ", end " + std::to_string(end);
    return s + ")";
  }
};

// search_eol from a position, against the oracle over the flat bytes
// (eol_oracle.h); eol_len_out is checked too.
struct SearchEol {
  int w;
  int style;  // enum evbuffer_eol_style
  size_t from;
  bool fits(const Model& m) const { return from <= m.side[w].bytes.size(); }
  void apply(Model&) const {}
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    typename Api::Ptr start;
    if (Api::PtrSet(s.buf[w], &start, from) != 0) return {"", "ptr_set failed"};
    size_t len = 99;
    const long pos = Api::SearchEol(s.buf[w], &start, &len, style);
    const EolHit want = OracleEol(m.side[w].bytes, from, style);
    Outcome o{std::to_string(pos) + "+" + std::to_string(len), ""};
    if (pos != want.pos || len != want.len)
      o.mismatch = "found " + o.returned + ", model " + std::to_string(want.pos) + "+" + std::to_string(want.len);
    return o;
  }
  std::string show() const {
    return "search_eol(" + std::to_string(w) + ", from " + std::to_string(from) + ", style " +
           std::to_string(style) + ")";
  }
};

// readln: the first line and its EOL are removed, the line is returned
// NUL-terminated; no EOL (or a frozen front): NULL and nothing removed.
struct Readln {
  int w;
  int style;
  EolHit hit(const Model& m) const {
    return m.side[w].frozen_front ? EolHit{-1, 0} : OracleEol(m.side[w].bytes, 0, style);
  }
  void apply(Model& m) const {
    const EolHit h = hit(m);
    if (h.pos < 0) return;
    Erase(m, w, static_cast<size_t>(h.pos));
    Erase(m, w, h.len);
    m.calls_may_merge = true;
  }
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    size_t n = 99;
    char* line = Api::Readln(s.buf[w], &n, style);
    const EolHit h = hit(m);
    if (line == nullptr) return {"NULL", h.pos < 0 ? "" : "NULL, model a line"};
    const std::string got(line, n);
    const bool terminated = line[n] == '\0';
    std::free(line);
    Outcome o{Quote(got), ""};
    if (h.pos < 0) {
      o.mismatch = "a line, model NULL";
    } else if (got != m.side[w].bytes.substr(0, static_cast<size_t>(h.pos))) {
      o.mismatch = "line " + Quote(got) + ", model " + Quote(m.side[w].bytes.substr(0, static_cast<size_t>(h.pos)));
    } else if (!terminated) {
      o.mismatch = "the line is not NUL-terminated";
    }
    return o;
  }
  std::string show() const { return "readln(" + std::to_string(w) + ", style " + std::to_string(style) + ")"; }
};

// freeze / unfreeze the front or the end.
struct Freeze {
  int w;
  bool front, on;
  void apply(Model& m) const { (front ? m.side[w].frozen_front : m.side[w].frozen_end) = on; }
  template <class Api>
  Outcome run(const Model&, Bufs<Api>& s) const {
    return Expect(Api::Freeze(s.buf[w], front, on), 0);
  }
  std::string show() const {
    return std::string(on ? "freeze(" : "unfreeze(") + std::to_string(w) + (front ? ", front)" : ", end)");
  }
};

// evbuffer_cb_set_flags / evbuffer_cb_clear_flags(EVBUFFER_CB_ENABLED) on
// the buffer's callback.
struct EnableCb {
  int w;
  bool on;
  void apply(Model& m) const { m.side[w].cb_enabled = on; }
  template <class Api>
  Outcome run(const Model&, Bufs<Api>& s) const {
    return Expect(Api::EnableCb(s.buf[w], s.cb[w], on), 0);
  }
  std::string show() const { return std::string(on ? "enable_cb(" : "disable_cb(") + std::to_string(w) + ")"; }
};

// add_iovec of the pieces (empty ones too) in one call: returns the total
// (0 on a buffer frozen at the end, adding nothing).
struct AddIovec {
  int w;
  std::vector<std::string> pieces;
  void apply(Model& m) const {
    if (m.side[w].frozen_end) return;
    for (const std::string& p : pieces) Append(m, w, p);
    m.calls_may_merge = true;
  }
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    std::vector<evbuffer_iovec> v;
    size_t total = 0;
    for (const std::string& p : pieces) {
      v.push_back({const_cast<char*>(p.data()), p.size()});
      total += p.size();
    }
    return Expect(static_cast<long>(Api::AddIovec(s.buf[w], v)), m.side[w].frozen_end ? 0L : static_cast<long>(total));
  }
  std::string show() const {
    std::string s = "add_iovec(" + std::to_string(w);
    for (const std::string& p : pieces) s += ", " + Quote(p);
    return s + ")";
  }
};

// add_buffer_reference(w, 1 - w): the other buffer's bytes appended to w,
// the other buffer unchanged; an empty source adds nothing (0).
struct AddBufferReference {
  int w;
  bool fits(const Model& m) const { return !m.side[1 - w].special; }
  bool refused(const Model& m) const { return !m.side[1 - w].bytes.empty() && m.side[w].frozen_end; }
  void apply(Model& m) const {
    if (refused(m) || m.side[1 - w].bytes.empty()) return;
    Append(m, w, m.side[1 - w].bytes);
    m.side[w].special = m.side[w].refs_other = true;
  }
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    return Expect(Api::AddBufferReference(s.buf[w], s.buf[1 - w]), refused(m) ? -1 : 0);
  }
  std::string show() const {
    return "add_buffer_reference(" + std::to_string(w) + ", " + std::to_string(1 - w) + ")";
  }
};

// add_file_segment of FileBytes()[offset, offset + length) from segment
// `which` (0 mapped, 1 read in).
struct AddSegment {
  int w, which;
  size_t offset, length;
  bool fits(const Model& m) const {
    return !m.side[w].frozen_end && length > 0 && offset + length <= FileBytes().size();
  }
  void apply(Model& m) const {
    Append(m, w, FileBytes().substr(offset, length));
    m.side[w].special = true;
  }
  template <class Api>
  Outcome run(const Model&, Bufs<Api>& s) const {
    if (s.seg[which] == nullptr) return {"", "no segment"};
    return Expect(Api::AddSegment(s.buf[w], s.seg[which], static_cast<long>(offset), static_cast<long>(length)), 0);
  }
  std::string show() const {
    return "add_file_segment(" + std::to_string(w) + ", seg " + std::to_string(which) + ", " + std::to_string(offset) +
           ", " + std::to_string(length) + ")";
  }
};

// write_atmost(n) to the pipe, which is read empty again: the first
// min(n, length) bytes (n -1: all) go out and are drained.
struct WriteAtmost {
  int w;
  long n;
  size_t want(const Model& m) const {
    const size_t len = m.side[w].bytes.size();
    return n < 0 ? len : std::min(static_cast<size_t>(n), len);
  }
  bool fits(const Model& m) const { return !m.side[w].frozen_front && want(m) > 0 && want(m) <= 64; }
  void apply(Model& m) const { Erase(m, w, want(m)); }
  template <class Api>
  Outcome run(const Model& m, Bufs<Api>& s) const {
    Outcome o = Expect(Api::WriteAtmost(s.buf[w], s.pipe_fd[1], n), static_cast<long>(want(m)));
    char got[128];
    const ssize_t k = read(s.pipe_fd[0], got, sizeof got);
    const std::string sent = k > 0 ? std::string(got, static_cast<size_t>(k)) : "";
    if (o.mismatch.empty() && sent != m.side[w].bytes.substr(0, want(m)))
      o.mismatch = "wrote " + Quote(sent) + ", model " + Quote(m.side[w].bytes.substr(0, want(m)));
    return o;
  }
  std::string show() const { return "write_atmost(" + std::to_string(w) + ", " + std::to_string(n) + ")"; }
};

using AnyOp = std::variant<Add, AddReference, Prepend, MoveAll, RemoveBuffer, Drain, CopyOut, Pullup, Peek,
                           ReserveCommit, Search, SearchEol, Readln, Freeze, EnableCb, AddIovec,
                           AddBufferReference, AddSegment, WriteAtmost>;

// ---------------------------------------------------------------------------
// Running one operation

template <class Op>
auto Fits(const Op& op, const Model& m, int) -> decltype(op.fits(m)) {
  return op.fits(m);
}
template <class Op>
bool Fits(const Op&, const Model&, long) {
  return true;
}
// Whether the operation's positions lie inside the model's buffers.
template <class Op>
bool Fits(const Op& op, const Model& m) {
  return Fits(op, m, 0);
}

// The model after the operation, with the callback calls it makes.
template <class Op>
void Apply(const Op& op, Model& m) {
  m.calls[0].clear();
  m.calls[1].clear();
  m.calls_may_merge = false;
  op.apply(m);
  // An emptied buffer has freed its chains, special ones included.
  for (Side& sd : m.side)
    if (sd.bytes.empty()) sd.special = sd.refs_other = false;
}

inline std::string ShowCalls(const std::vector<CbCall>& calls) {
  std::string s = "[";
  for (const CbCall& c : calls)
    s += "(" + std::to_string(c.orig_size) + " +" + std::to_string(c.n_added) + " -" + std::to_string(c.n_deleted) + ")";
  return s + "]";
}

inline bool CallsMatch(const std::vector<CbCall>& got, const std::vector<CbCall>& want, bool may_merge) {
  if (got == want) return true;
  if (!may_merge || want.empty() || got.size() != 1) return false;
  CbCall sum{want[0].orig_size, 0, 0};
  for (const CbCall& c : want) {
    sum.n_added += c.n_added;
    sum.n_deleted += c.n_deleted;
  }
  return got[0] == sum;
}

// The implementation's state against the model's: lengths, bytes and the
// callback calls of the last operation. "" or the first difference.
template <class Api>
std::string CheckState(const Model& m, Bufs<Api>& s) {
  for (int i = 0; i < 2; ++i) {
    const std::string at = "buffer " + std::to_string(i) + ": ";
    const Side& sd = m.side[i];
    if (Api::Length(s.buf[i]) != sd.bytes.size())
      return at + "length " + std::to_string(Api::Length(s.buf[i])) + ", model " + std::to_string(sd.bytes.size());
    const std::string c = OpsContents<Api>(s.buf[i]);
    if (c != sd.bytes) return at + "bytes " + Quote(c) + ", model " + Quote(sd.bytes);
    if (!CallsMatch(s.log[i].calls, m.calls[i], m.calls_may_merge))
      return at + "callback told " + ShowCalls(s.log[i].calls) + ", model " + ShowCalls(m.calls[i]);
  }
  return "";
}

// Runs `op` on the implementation against the model `m`, then applies it to
// `m` and compares the whole state.
template <class Api, class Op>
Outcome Step(const Op& op, Model& m, Bufs<Api>& s) {
  s.log[0].calls.clear();
  s.log[1].calls.clear();
  Outcome o = op.run(m, s);
  Apply(op, m);
  if (o.mismatch.empty()) o.mismatch = CheckState(m, s);
  return o;
}

}  // namespace evc

#endif  // EVC_FUZZ_EVBUFFER_VOCAB_H
