// evref::Chain — one chunk of an evbuffer. Internal to the core.
#ifndef EVREF_CORE_CHAIN_H
#define EVREF_CORE_CHAIN_H

#include <cstddef>

#include "buffer.h"

namespace evref {

// A chunk: [data, data + cap) is its storage, the bytes in use are
// [data + misalign, data + misalign + off). A chain made by
// evbuffer_add_reference points at the caller's memory and is immutable.
struct Chain {
  Chain* next;
  unsigned char* data;
  size_t cap;
  size_t misalign;
  size_t off;
  RefCleanup cleanup;  // references only
  void* cleanup_arg;
  bool immutable;

  unsigned char* begin() const noexcept { return data + misalign; }
  unsigned char* end() const noexcept { return data + misalign + off; }
  // Writable bytes after the data.
  size_t space() const noexcept { return immutable ? 0 : cap - misalign - off; }
};

// A chain with at least min_cap bytes of inline storage, or nullptr when the
// size overflows or memory runs out. Sizes round up to a power of two (at
// least 1 KiB in all) so that chains built by repeated adds share one size.
Chain* chain_new(size_t min_cap) noexcept;
// A chain that refers to caller-owned memory.
Chain* chain_new_reference(const void* data, size_t len, RefCleanup cleanup, void* arg) noexcept;
// Frees one chain, running a reference's cleanup.
void chain_free(Chain* c) noexcept;
// Frees a list of chains.
void chain_free_list(Chain* c) noexcept;

}  // namespace evref

#endif  // EVREF_CORE_CHAIN_H
