#include "mm.h"

#include <atomic>
#include <cstdlib>

namespace evref {
namespace mm {
namespace {

std::atomic<MallocFn> g_malloc{nullptr};
std::atomic<ReallocFn> g_realloc{nullptr};
std::atomic<FreeFn> g_free{nullptr};

}  // namespace

void set_functions(MallocFn m, ReallocFn r, FreeFn f) noexcept {
  g_malloc.store(m);
  g_realloc.store(r);
  g_free.store(f);
}

void* malloc(size_t size) noexcept {
  if (size == 0) return nullptr;
  const MallocFn m = g_malloc.load();
  return m ? m(size) : std::malloc(size);
}

void* realloc(void* p, size_t size) noexcept {
  const ReallocFn r = g_realloc.load();
  return r ? r(p, size) : std::realloc(p, size);
}

void free(void* p) noexcept {
  const FreeFn f = g_free.load();
  if (f) f(p);
  else std::free(p);
}

}  // namespace mm
}  // namespace evref
