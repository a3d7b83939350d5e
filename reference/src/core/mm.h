// evref::mm — the memory functions of event_set_mem_functions (event.h).
//
// libevent allocates through replaceable malloc / realloc / free; "all
// memory returned from Libevent will be allocated by the replacement
// functions", and the user frees it with its free_fn. The reference routes
// through here the blocks a user can receive or hand back (evbuffer_readln's
// line, event_new's event) and the evbuffer chains; its other objects are
// C++ objects made with operator new, which the header's contract (memory
// returned to the user) does not reach.
#ifndef EVREF_CORE_MM_H
#define EVREF_CORE_MM_H

#include <cstddef>

namespace evref {
namespace mm {

using MallocFn = void* (*)(size_t);
using ReallocFn = void* (*)(void*, size_t);
using FreeFn = void (*)(void*);

// NULL for a function restores the C library's (libevent's event_mm_*_).
void set_functions(MallocFn m, ReallocFn r, FreeFn f) noexcept;

void* malloc(size_t size) noexcept;  // NULL for size 0, as libevent's
void* realloc(void* p, size_t size) noexcept;
void free(void* p) noexcept;

}  // namespace mm
}  // namespace evref

#endif  // EVREF_CORE_MM_H
