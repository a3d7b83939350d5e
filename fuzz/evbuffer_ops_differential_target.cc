// Fuzz target evbuffer_ops_differential: the evbuffer_ops sequence
// (evbuffer_ops.h) on the reference core (evref::Buffer, no libevent
// symbols) and on real libevent in one process. Each run is checked against
// the model and, for reserve_space, against the extent rules (evbuffer_ops.h
// OpsReserveCommit); then the two traces (operation, returned values,
// contents per step) must be identical. How many extents reserve_space uses
// is not in the traces: it depends on chain sizes, which differ between the
// reference and libevent by design. A difference aborts with both traces up
// to the first differing step.
#include <sys/uio.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "buffer.h"  // evref::Buffer (reference/src/core)
#include "evbuffer_ops.h"

namespace {

// libevent's evbuffer_iovec and the reference core's struct iovec have one layout.
static_assert(sizeof(evbuffer_iovec) == sizeof(iovec) && offsetof(evbuffer_iovec, iov_len) == offsetof(iovec, iov_len),
              "evbuffer_iovec and struct iovec differ");
iovec* AsIovec(evbuffer_iovec* v) { return reinterpret_cast<iovec*>(v); }

void NoCallbacks(evref::Buffer&, const evref::Buffer::CbEntry&, const evref::CbInfo&) {}

// The reference core behind the same adapter shape as evc::CApi.
struct RefApi {
  using Buf = evref::Buffer;
  static Buf* New() { return new evref::Buffer(NoCallbacks); }
  static void Free(Buf* b) { delete b; }
  static size_t Length(Buf* b) { return b->length(); }
  static int Add(Buf* b, const std::string& s) { return b->add(s.data(), s.size()); }
  static int Prepend(Buf* b, const std::string& s) { return b->prepend(s.data(), s.size()); }
  static int AddReference(Buf* b, const std::string& s) {
    return b->add_reference(s.data(), s.size(), nullptr, nullptr);
  }
  static int Drain(Buf* b, size_t n) { return b->drain(n); }
  static long Remove(Buf* b, char* out, size_t n) { return b->remove(out, n); }
  static long Copyout(Buf* b, char* out, size_t n) { return b->copyout_from(nullptr, out, n); }
  static unsigned char* Pullup(Buf* b, long n) { return b->pullup(n); }
  static int Reserve(Buf* b, long n, evbuffer_iovec* v, int nv) { return b->reserve_space(n, AsIovec(v), nv); }
  static int Commit(Buf* b, evbuffer_iovec* v, int nv) { return b->commit_space(AsIovec(v), nv); }
  static long Search(Buf* b, const std::string& pat) {
    return static_cast<long>(b->search_range(pat.data(), pat.size(), nullptr, nullptr).pos);
  }
  static int RemoveBuffer(Buf* from, Buf* to, size_t n) { return from->remove_buffer(*to, n); }
  static int Peek(Buf* b, evbuffer_iovec* v, int nv) { return b->peek(-1, nullptr, AsIovec(v), nv); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  evc::OpsOptions opt;
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
