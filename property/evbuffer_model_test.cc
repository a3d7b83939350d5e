// Stateful property: two evbuffers against a model of two std::strings.
// RapidCheck generates command sequences (add, prepend, add_reference,
// add_buffer / prepend_buffer / remove_buffer between the two, remove,
// drain, copyout, copyout_from, pullup, peek, reserve_space + commit_space,
// search, search_range, search_eol and readln for every EOL style with
// generated start pointers, freeze / unfreeze); every returned value is
// compared with what the model predicts, and after every command the
// length, the contents and the totals that a buffer callback counted (bytes
// added and removed) must match the model.
//
// The generators are biased toward what breaks buffers: "\r", "\n" and
// "\0" are common bytes, and small add_reference pieces (one chain each)
// are common, so lines and CRLF pairs are split across chain boundaries.
// The freeze rules modelled are libevent 2.1's (buffer.c): the end guards
// add, add_reference, add_buffer's destination, remove_buffer's destination
// and reserve/commit; the front guards prepend, drain, remove, copyout,
// readln, and the source of add_buffer / prepend_buffer / remove_buffer.
#include <event2/buffer.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "eol_oracle.h"  // fuzz/: the obviously-correct EOL search over flat bytes
#include "eol_input.h"   // fuzz/: evc::Show
#include "evbuffer_ops.h"  // fuzz/: OpsReserveCommit, the extent rules
#include "evc_property.h"

namespace evc {
namespace {

struct Side {
  std::string bytes;
  size_t added = 0, removed = 0;  // what a callback must have counted
  bool frozen_front = false, frozen_end = false;
};

struct Model {
  Side side[2];
};

struct Counter {
  size_t added = 0, removed = 0;
};

void CountCb(evbuffer*, const evbuffer_cb_info* info, void* arg) {
  auto* c = static_cast<Counter*>(arg);
  c->added += info->n_added;
  c->removed += info->n_deleted;
}

struct Sut {
  evbuffer* buf[2];
  Counter count[2];
  std::deque<std::string> refs;  // add_reference storage, outlives the buffers
  Sut() {
    for (int i = 0; i < 2; ++i) {
      buf[i] = evbuffer_new();
      evbuffer_add_cb(buf[i], CountCb, &count[i]);
    }
  }
  ~Sut() {
    evbuffer_free(buf[0]);
    evbuffer_free(buf[1]);
  }
  Sut(const Sut&) = delete;
  Sut& operator=(const Sut&) = delete;
};

std::string Contents(evbuffer* b) {
  const int n = evbuffer_peek(b, -1, nullptr, nullptr, 0);
  std::vector<evbuffer_iovec> v(n > 0 ? n : 1);
  evbuffer_peek(b, -1, nullptr, v.data(), n);
  std::string s;
  for (int i = 0; i < n; ++i) s.append(static_cast<char*>(v[i].iov_base), v[i].iov_len);
  return s;
}

using Cmd = rc::state::Command<Model, Sut>;

// Every command: run() checks the returned values against the model as it
// was (m), then the whole state against the model after the command.
template <class Self>
struct Checked : Cmd {
  void run(const Model& m, Sut& s) const override {
    static_cast<const Self*>(this)->exec(m, s);
    Model next = m;
    apply(next);
    for (int i = 0; i < 2; ++i) {
      RC_ASSERT(evbuffer_get_length(s.buf[i]) == next.side[i].bytes.size());
      RC_ASSERT(Contents(s.buf[i]) == next.side[i].bytes);
      RC_ASSERT(s.count[i].added == next.side[i].added);
      RC_ASSERT(s.count[i].removed == next.side[i].removed);
    }
  }
};

int GenSide() { return *rc::gen::inRange(0, 2); }

size_t GenCount(const Model& m, int w) {  // 0 .. length + 1, ends and middles alike
  return *rc::gen::inRange<size_t>(0, m.side[w].bytes.size() + 2);
}

void Remove(Side& s, size_t n) {
  n = std::min(n, s.bytes.size());
  s.bytes.erase(0, n);
  s.removed += n;
}

void Append(Side& s, const std::string& data) {
  s.bytes += data;
  s.added += data.size();
}

struct Add : Checked<Add> {
  int w = GenSide();
  std::string data = *GenBytes();
  explicit Add(const Model&) {}
  void apply(Model& m) const override {
    if (!m.side[w].frozen_end) Append(m.side[w], data);
  }
  void exec(const Model& m, Sut& s) const {
    RC_ASSERT(evbuffer_add(s.buf[w], data.data(), data.size()) == (m.side[w].frozen_end ? -1 : 0));
  }
  void show(std::ostream& os) const override { os << "add(" << w << ", " << Show(data) << ")"; }
};

struct AddReference : Checked<AddReference> {
  int w = GenSide();
  std::string data = *GenPiece();
  explicit AddReference(const Model&) {}
  void apply(Model& m) const override {
    if (!m.side[w].frozen_end) Append(m.side[w], data);
  }
  void exec(const Model& m, Sut& s) const {
    s.refs.push_back(data);
    const std::string& r = s.refs.back();
    RC_ASSERT(evbuffer_add_reference(s.buf[w], r.data(), r.size(), nullptr, nullptr) ==
              (m.side[w].frozen_end ? -1 : 0));
  }
  void show(std::ostream& os) const override { os << "add_reference(" << w << ", " << Show(data) << ")"; }
};

// Several small pieces, each by reference (one chain each): the boundaries
// between them fall between a CR and an LF as often as anywhere else.
struct AddPieces : Checked<AddPieces> {
  int w = GenSide();
  std::vector<std::string> pieces = *rc::gen::container<std::vector<std::string>>(
      static_cast<size_t>(*rc::gen::inRange(2, 5)), GenPiece());
  explicit AddPieces(const Model&) {}
  void apply(Model& m) const override {
    if (m.side[w].frozen_end) return;
    for (const std::string& p : pieces) Append(m.side[w], p);
  }
  void exec(const Model& m, Sut& s) const {
    for (const std::string& p : pieces) {
      s.refs.push_back(p);
      const std::string& r = s.refs.back();
      RC_ASSERT(evbuffer_add_reference(s.buf[w], r.data(), r.size(), nullptr, nullptr) ==
                (m.side[w].frozen_end ? -1 : 0));
    }
  }
  void show(std::ostream& os) const override {
    os << "add_reference(" << w;
    for (const std::string& p : pieces) os << ", " << Show(p);
    os << ")";
  }
};

struct Prepend : Checked<Prepend> {
  int w = GenSide();
  std::string data = *GenBytes();
  explicit Prepend(const Model&) {}
  bool refused(const Model& m) const { return !data.empty() && m.side[w].frozen_front; }  // 0 bytes: 0
  void apply(Model& m) const override {
    if (refused(m)) return;
    m.side[w].bytes.insert(0, data);
    m.side[w].added += data.size();
  }
  void exec(const Model& m, Sut& s) const {
    RC_ASSERT(evbuffer_prepend(s.buf[w], data.data(), data.size()) == (refused(m) ? -1 : 0));
  }
  void show(std::ostream& os) const override { os << "prepend(" << w << ", " << Show(data) << ")"; }
};

// add_buffer(dst, src) or prepend_buffer(dst, src): all of src moves.
struct MoveAll : Checked<MoveAll> {
  int w = GenSide();  // destination
  bool front = *rc::gen::arbitrary<bool>();
  explicit MoveAll(const Model&) {}
  bool refused(const Model& m) const {
    const Side& dst = m.side[w];
    const Side& src = m.side[1 - w];
    if (src.bytes.empty()) return false;
    return (front ? dst.frozen_front : dst.frozen_end) || src.frozen_front;
  }
  void apply(Model& m) const override {
    Side& dst = m.side[w];
    Side& src = m.side[1 - w];
    if (src.bytes.empty() || refused(m)) return;
    dst.bytes = front ? src.bytes + dst.bytes : dst.bytes + src.bytes;
    dst.added += src.bytes.size();
    Remove(src, src.bytes.size());
  }
  void exec(const Model& m, Sut& s) const {
    const int r = front ? evbuffer_prepend_buffer(s.buf[w], s.buf[1 - w])
                        : evbuffer_add_buffer(s.buf[w], s.buf[1 - w]);
    RC_ASSERT(r == (refused(m) ? -1 : 0));
  }
  void show(std::ostream& os) const override {
    os << (front ? "prepend_buffer(" : "add_buffer(") << w << ", " << 1 - w << ")";
  }
};

struct RemoveBuffer : Checked<RemoveBuffer> {
  int w;  // source
  size_t n;
  explicit RemoveBuffer(const Model& m) : w(GenSide()), n(GenCount(m, w)) {}
  bool refused(const Model& m) const { return n > 0 && (m.side[1 - w].frozen_end || m.side[w].frozen_front); }
  void apply(Model& m) const override {
    if (refused(m)) return;
    const size_t k = std::min(n, m.side[w].bytes.size());
    Append(m.side[1 - w], m.side[w].bytes.substr(0, k));
    Remove(m.side[w], k);
  }
  void exec(const Model& m, Sut& s) const {
    const int r = evbuffer_remove_buffer(s.buf[w], s.buf[1 - w], n);
    RC_ASSERT(r == (refused(m) ? -1 : static_cast<int>(std::min(n, m.side[w].bytes.size()))));
  }
  void show(std::ostream& os) const override { os << "remove_buffer(" << w << ", " << 1 - w << ", " << n << ")"; }
};

struct Drain : Checked<Drain> {
  int w;
  size_t n;
  explicit Drain(const Model& m) : w(GenSide()), n(GenCount(m, w)) {}
  bool refused(const Model& m) const { return !m.side[w].bytes.empty() && m.side[w].frozen_front; }
  void apply(Model& m) const override {
    if (!refused(m)) Remove(m.side[w], n);
  }
  void exec(const Model& m, Sut& s) const { RC_ASSERT(evbuffer_drain(s.buf[w], n) == (refused(m) ? -1 : 0)); }
  void show(std::ostream& os) const override { os << "drain(" << w << ", " << n << ")"; }
};

// remove or copyout, from the front or (copyout_from) from a start pointer.
struct CopyOut : Checked<CopyOut> {
  int w;
  size_t n, from;
  int kind = *rc::gen::inRange(0, 3);  // 0 remove, 1 copyout, 2 copyout_from
  explicit CopyOut(const Model& m)
      : w(GenSide()), n(GenCount(m, w)), from(*rc::gen::inRange<size_t>(0, m.side[w].bytes.size() + 1)) {}
  size_t start() const { return kind == 2 ? from : 0; }
  long expected(const Model& m) const {
    const Side& sd = m.side[w];
    const size_t k = std::min(n, sd.bytes.size() - start());
    if (k == 0) return 0;
    return sd.frozen_front ? -1 : static_cast<long>(k);
  }
  void apply(Model& m) const override {
    const long k = expected(m);
    if (kind == 0 && k > 0) Remove(m.side[w], static_cast<size_t>(k));
  }
  void exec(const Model& m, Sut& s) const {
    std::string out(n, '\0');
    long r;
    if (kind == 0) {
      r = evbuffer_remove(s.buf[w], &out[0], n);
    } else if (kind == 1) {
      r = evbuffer_copyout(s.buf[w], &out[0], n);
    } else {
      evbuffer_ptr p;
      RC_ASSERT(evbuffer_ptr_set(s.buf[w], &p, from, EVBUFFER_PTR_SET) == 0);
      r = evbuffer_copyout_from(s.buf[w], &p, &out[0], n);
    }
    const long want = expected(m);
    RC_ASSERT(r == want);
    if (want > 0) RC_ASSERT(out.substr(0, want) == m.side[w].bytes.substr(start(), want));
  }
  void show(std::ostream& os) const override {
    static const char* const names[] = {"remove", "copyout", "copyout_from"};
    os << names[kind] << "(" << w << ", " << (kind == 2 ? std::to_string(from) + ", " : "") << n << ")";
  }
};

struct Pullup : Checked<Pullup> {
  int w;
  long n;
  explicit Pullup(const Model& m)
      : w(GenSide()), n(*rc::gen::inRange<long>(-1, static_cast<long>(m.side[w].bytes.size()) + 2)) {}
  void apply(Model&) const override {}
  void exec(const Model& m, Sut& s) const {
    const std::string& b = m.side[w].bytes;
    unsigned char* p = evbuffer_pullup(s.buf[w], n);
    const size_t want = n < 0 ? b.size() : static_cast<size_t>(n);
    if (want > b.size()) {
      RC_ASSERT(p == nullptr);
    } else if (want > 0) {
      RC_ASSERT(p != nullptr);
      RC_ASSERT(std::string(reinterpret_cast<char*>(p), want) == b.substr(0, want));
      // after a pullup the first extent holds at least those bytes
      evbuffer_iovec v;
      RC_ASSERT(evbuffer_peek(s.buf[w], -1, nullptr, &v, 1) >= 1);
      RC_ASSERT(static_cast<unsigned char*>(v.iov_base) == p);
      RC_ASSERT(v.iov_len >= want);
    }
  }
  void show(std::ostream& os) const override { os << "pullup(" << w << ", " << n << ")"; }
};

struct Peek : Checked<Peek> {
  int w;
  size_t from;
  long n;
  explicit Peek(const Model& m)
      : w(GenSide()),
        from(*rc::gen::inRange<size_t>(0, m.side[w].bytes.size() + 1)),
        n(*rc::gen::inRange<long>(-1, static_cast<long>(m.side[w].bytes.size()) + 2)) {}
  void apply(Model&) const override {}
  void exec(const Model& m, Sut& s) const {
    const std::string& b = m.side[w].bytes;
    evbuffer_ptr p;
    RC_ASSERT(evbuffer_ptr_set(s.buf[w], &p, from, EVBUFFER_PTR_SET) == 0);
    const int k = evbuffer_peek(s.buf[w], n, &p, nullptr, 0);
    std::vector<evbuffer_iovec> v(k > 0 ? k : 1);
    RC_ASSERT(evbuffer_peek(s.buf[w], n, &p, v.data(), k) == k);
    std::string got;
    for (int i = 0; i < k; ++i) got.append(static_cast<char*>(v[i].iov_base), v[i].iov_len);
    // the extents start at `from` and cover at least n bytes (all with -1)
    const size_t want = n < 0 ? b.size() - from : std::min(static_cast<size_t>(n), b.size() - from);
    RC_ASSERT(got.size() >= want);
    RC_ASSERT(got == b.substr(from, got.size()));
  }
  void show(std::ostream& os) const override { os << "peek(" << w << ", from " << from << ", " << n << ")"; }
};

// reserve_space + commit_space. Besides the contents, the extent rules of
// buffer.h that hold whatever the chain sizes are, checked on each
// implementation by the fuzz targets' OpsReserveCommit (fuzz/evbuffer_ops.h):
// at most n_vec extents holding the size, the same extents on repeat, a
// larger reservation with many vectors beginning where a small one did,
// committed bytes left where they were written, and the next reservation
// beginning at the first writable byte after the data. Extent counts are
// not compared with the other implementation: they depend on chain sizes,
// which differ by design.
struct ReserveCommit : Checked<ReserveCommit> {
  int w = GenSide();
  std::string data = *GenBytes();
  // size 0 over two vectors is not generated: it aborts libevent 2.1.12 when
  // the last chain is full (a conformance test records that as a CRASH)
  int nvec = data.empty() ? 1 : *rc::gen::inRange(1, 4);
  explicit ReserveCommit(const Model&) {}
  void apply(Model& m) const override {
    if (!m.side[w].frozen_end) Append(m.side[w], data);
  }
  void exec(const Model& m, Sut& s) const {
    if (m.side[w].frozen_end) {
      evbuffer_iovec v[3];
      RC_ASSERT(evbuffer_reserve_space(s.buf[w], static_cast<ev_ssize_t>(data.size()), v, nvec) == -1);
      return;
    }
    const std::string broken = OpsReserveCommit<CApi>(s.buf[w], data, nvec);
    if (!broken.empty()) RC_FAIL(broken);
  }
  void show(std::ostream& os) const override {
    os << "reserve+commit(" << w << ", " << Show(data) << ", " << nvec << " vec)";
  }
};

struct Search : Checked<Search> {
  int w;
  std::string pat;
  size_t from, end;
  bool ranged = *rc::gen::arbitrary<bool>();
  explicit Search(const Model& m)
      : w(GenSide()),
        pat(*rc::gen::container<std::string>(*rc::gen::inRange(1, 4), GenByte())),
        from(*rc::gen::inRange<size_t>(0, m.side[w].bytes.size() + 1)),
        end(*rc::gen::inRange<size_t>(from, m.side[w].bytes.size() + 1)) {}
  void apply(Model&) const override {}
  void exec(const Model& m, Sut& s) const {
    const std::string& b = m.side[w].bytes;
    evbuffer_ptr start, stop;
    RC_ASSERT(evbuffer_ptr_set(s.buf[w], &start, from, EVBUFFER_PTR_SET) == 0);
    RC_ASSERT(evbuffer_ptr_set(s.buf[w], &stop, end, EVBUFFER_PTR_SET) == 0);
    const evbuffer_ptr p = ranged ? evbuffer_search_range(s.buf[w], pat.data(), pat.size(), &start, &stop)
                                  : evbuffer_search(s.buf[w], pat.data(), pat.size(), &start);
    size_t hit = b.find(pat, from);
    if (ranged && hit != std::string::npos && hit + pat.size() > end) hit = std::string::npos;
    RC_ASSERT(static_cast<long>(p.pos) == (hit == std::string::npos ? -1L : static_cast<long>(hit)));
  }
  void show(std::ostream& os) const override {
    os << (ranged ? "search_range(" : "search(") << w << ", " << Show(pat) << ", from " << from;
    if (ranged) os << ", end " << end;
    os << ")";
  }
};

struct SearchEol : Checked<SearchEol> {
  int w;
  int style = *rc::gen::inRange(0, 5);
  size_t from;
  explicit SearchEol(const Model& m) : w(GenSide()), from(*rc::gen::inRange<size_t>(0, m.side[w].bytes.size() + 1)) {}
  void apply(Model&) const override {}
  void exec(const Model& m, Sut& s) const {
    evbuffer_ptr start;
    RC_ASSERT(evbuffer_ptr_set(s.buf[w], &start, from, EVBUFFER_PTR_SET) == 0);
    size_t len = 99;
    const evbuffer_ptr p = evbuffer_search_eol(s.buf[w], &start, &len, static_cast<evbuffer_eol_style>(style));
    const EolHit want = OracleEol(m.side[w].bytes, from, style);
    RC_ASSERT(static_cast<long>(p.pos) == want.pos);
    RC_ASSERT(len == want.len);
  }
  void show(std::ostream& os) const override {
    os << "search_eol(" << w << ", from " << from << ", style " << style << ")";
  }
};

struct Readln : Checked<Readln> {
  int w = GenSide();
  int style = *rc::gen::inRange(0, 5);
  explicit Readln(const Model&) {}
  void apply(Model& m) const override {
    if (m.side[w].frozen_front) return;
    const EolHit hit = OracleEol(m.side[w].bytes, 0, style);
    if (hit.pos >= 0) Remove(m.side[w], static_cast<size_t>(hit.pos) + hit.len);
  }
  void exec(const Model& m, Sut& s) const {
    size_t n = 99;
    char* line = evbuffer_readln(s.buf[w], &n, static_cast<evbuffer_eol_style>(style));
    const EolHit hit = m.side[w].frozen_front ? EolHit{-1, 0} : OracleEol(m.side[w].bytes, 0, style);
    if (hit.pos < 0) {
      RC_ASSERT(line == nullptr);
      return;
    }
    RC_ASSERT(line != nullptr);
    const std::string got(line, n);
    const bool terminated = line[n] == '\0';
    std::free(line);
    RC_ASSERT(n == static_cast<size_t>(hit.pos));
    RC_ASSERT(got == m.side[w].bytes.substr(0, n));
    RC_ASSERT(terminated);
  }
  void show(std::ostream& os) const override { os << "readln(" << w << ", style " << style << ")"; }
};

struct Freeze : Checked<Freeze> {
  int w = GenSide();
  bool front = *rc::gen::arbitrary<bool>();
  bool on = *rc::gen::arbitrary<bool>();
  explicit Freeze(const Model&) {}
  void apply(Model& m) const override { (front ? m.side[w].frozen_front : m.side[w].frozen_end) = on; }
  void exec(const Model&, Sut& s) const {
    RC_ASSERT((on ? evbuffer_freeze(s.buf[w], front) : evbuffer_unfreeze(s.buf[w], front)) == 0);
  }
  void show(std::ostream& os) const override {
    os << (on ? "freeze(" : "unfreeze(") << w << (front ? ", front)" : ", end)");
  }
};

RC_GTEST_PROP(EvbufferModel, EveryOperationMatchesTwoStringModels, ()) {
  EVC_RULE(
      "buffer.h: each operation's result and the buffer's bytes are those of the same operation "
      "on a string; buffer callbacks see every byte added and removed; libevent 2.1's freeze rules");
  Model initial;
  Sut sut;
  // add_reference and add_pieces: many small chains, so EOLs fall on chain
  // boundaries; the EOL searches are listed twice to run often
  rc::state::check(initial, sut,
                   rc::state::gen::execOneOfWithArgs<Add, AddReference, AddPieces, AddPieces, Prepend, MoveAll,
                                                     RemoveBuffer, Drain, CopyOut, Pullup, Peek,
                                                     ReserveCommit, Search, SearchEol, SearchEol, Readln, Readln,
                                                     Freeze>());
}

}  // namespace
}  // namespace evc
