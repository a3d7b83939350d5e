// Fuzz target evbuffer_ops_differential: the evbuffer_ops sequence
// (evbuffer_ops.h) on the reference core (evref::Buffer, no libevent
// symbols) and on real libevent in one process. Each run is checked against
// the model of the evbuffer vocabulary (evbuffer_vocab.h: returned values,
// contents, callback calls, freeze rules, the reserve_space extent rules);
// then the two traces (operation, returned values, contents per step) must
// be identical. How many extents reserve_space uses is not in the traces:
// it depends on chain sizes, which differ between the reference and
// libevent by design; nor are the callback calls, which the model checks on
// each (libevent's readln tells the line and the EOL in two calls). A
// difference aborts with both traces up to the first differing step.
#include <sys/uio.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "buffer.h"        // evref::Buffer (reference/src/core)
#include "file_segment.h"  // evref::FileSegment
#include "evbuffer_ops.h"

namespace {

// libevent's evbuffer_iovec and the reference core's struct iovec have one layout.
static_assert(sizeof(evbuffer_iovec) == sizeof(iovec) && offsetof(evbuffer_iovec, iov_len) == offsetof(iovec, iov_len),
              "evbuffer_iovec and struct iovec differ");
iovec* AsIovec(evbuffer_iovec* v) { return reinterpret_cast<iovec*>(v); }

// The reference core behind the same adapter shape as evc::CApi. Its
// buffers' callbacks all go to Told, which records into the evc::CbLog the
// entry was registered with.
struct RefApi {
  using Buf = evref::Buffer;
  using Ptr = evref::Pos;
  using Cb = evref::Buffer::CbEntry;
  static Buf* New() { return new evref::Buffer(Told); }
  static void Free(Buf* b) { delete b; }
  static size_t Length(Buf* b) { return b->length(); }
  static int Add(Buf* b, const std::string& s) { return b->add(s.data(), s.size()); }
  static int AddReference(Buf* b, const std::string& s) {
    return b->add_reference(s.data(), s.size(), nullptr, nullptr);
  }
  static int Prepend(Buf* b, const std::string& s) { return b->prepend(s.data(), s.size()); }
  static int MoveAll(Buf* dst, Buf* src, bool front) { return front ? dst->prepend_buffer(*src) : dst->add_buffer(*src); }
  static int RemoveBuffer(Buf* src, Buf* dst, size_t n) { return src->remove_buffer(*dst, n); }
  static int Drain(Buf* b, size_t n) { return b->drain(n); }
  static long Remove(Buf* b, char* out, size_t n) { return b->remove(out, n); }
  static long Copyout(Buf* b, const Ptr* from, char* out, size_t n) { return b->copyout_from(from, out, n); }
  static unsigned char* Pullup(Buf* b, long n) { return b->pullup(n); }
  static int Peek(Buf* b, long n, const Ptr* from, evbuffer_iovec* v, int nv) {
    return b->peek(n, from, AsIovec(v), nv);
  }
  static int Reserve(Buf* b, long n, evbuffer_iovec* v, int nv) { return b->reserve_space(n, AsIovec(v), nv); }
  static int Commit(Buf* b, evbuffer_iovec* v, int nv) { return b->commit_space(AsIovec(v), nv); }
  static int PtrSet(Buf* b, Ptr* p, size_t at) { return b->ptr_set(*p, at, false); }
  static long Search(Buf* b, const std::string& pat, const Ptr* start, const Ptr* end) {
    return static_cast<long>(b->search_range(pat.data(), pat.size(), start, end).pos);
  }
  static long SearchEol(Buf* b, Ptr* start, size_t* eol_len, int style) {
    return static_cast<long>(b->search_eol(start, eol_len, style).pos);
  }
  static char* Readln(Buf* b, size_t* n, int style) { return b->readln(n, style); }
  static int Freeze(Buf* b, bool front, bool on) {
    if (on) {
      b->freeze(front);
    } else {
      b->unfreeze(front);
    }
    return 0;
  }
  using Seg = evref::FileSegment;
  static Seg* NewSegment(int fd, bool mapped) {
    Seg* s = new Seg(fd, Seg::kDisableSendfile | (mapped ? 0 : Seg::kDisableMmap));
    if (s->load(0, -1)) return s;
    delete s;
    return nullptr;
  }
  static void FreeSegment(Seg* s) { s->release(); }
  static int AddSegment(Buf* b, Seg* s, long offset, long length) { return b->add_segment(*s, offset, length); }
  static size_t AddIovec(Buf* b, std::vector<evbuffer_iovec>& v) {
    return b->add_iovec(AsIovec(v.data()), static_cast<int>(v.size()));
  }
  static int AddBufferReference(Buf* dst, Buf* src) { return dst->add_buffer_reference(*src); }
  static int WriteAtmost(Buf* b, int fd, long n) { return b->write_to(fd, n); }
  static Cb* Watch(Buf* b, evc::CbLog* log) { return b->add_cb(reinterpret_cast<void (*)()>(&Told), log); }
  static int EnableCb(Buf*, Cb* cb, bool on) {
    if (on) {
      evref::Buffer::cb_set_flags(*cb, evref::Buffer::kCbEnabled);
    } else {
      evref::Buffer::cb_clear_flags(*cb, evref::Buffer::kCbEnabled);
    }
    return 0;
  }

 private:
  static void Told(evref::Buffer&, const evref::Buffer::CbEntry& e, const evref::CbInfo& i) {
    static_cast<evc::CbLog*>(e.arg)->calls.push_back({i.orig_size, i.n_added, i.n_deleted});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  evc::VocabOptions opt;
  opt.avoid_known_libevent_abort = true;
  std::vector<std::string> ref, lib;
  evc::RunOps<RefApi>(data, size, opt, [&](int, const std::string& s) { ref.push_back(s); });
  evc::RunOps<evc::CApi>(data, size, opt, [&](int, const std::string& s) { lib.push_back(s); });
  if (ref == lib) return 0;
  std::fprintf(stderr, "evbuffer_ops_differential: the reference and libevent differ\n");
  for (size_t i = 0; i < std::max(ref.size(), lib.size()); ++i) {
    const std::string r = i < ref.size() ? ref[i] : "(none)";
    const std::string l = i < lib.size() ? lib[i] : "(none)";
    std::fprintf(stderr, "  step %zu\n    reference: %s\n    libevent:  %s\n", i, r.c_str(), l.c_str());
    if (r != l) break;
  }
  std::abort();
}
