// evref::Chain — one chunk of an evbuffer. Internal to the core.
#ifndef EVREF_CORE_CHAIN_H
#define EVREF_CORE_CHAIN_H

#include <cstddef>

#include "buffer.h"

namespace evref {

// What a chain's storage is, and so who releases it.
enum class ChainKind : unsigned char {
  kOwned,      // inline storage after the header
  kReference,  // the caller's memory (evbuffer_add_reference)
  kSegment,    // a file segment's data (evbuffer_add_file_segment)
  kShared,     // another chain's data (evbuffer_add_buffer_reference)
};

// A chunk: [data, data + cap) is its storage, the bytes in use are
// [data + misalign, data + misalign + off). A chain that is not kOwned
// points at memory it does not own and is immutable; so is a chain whose
// data another buffer shares (refs > 1 once shared).
struct Chain {
  Chain* next;
  unsigned char* data;
  size_t cap;
  size_t misalign;
  size_t off;
  RefCleanup cleanup;  // runs when the last holder frees the chain
  void* cleanup_arg;
  bool immutable;
  ChainKind kind;
  unsigned refs;  // the buffer holding it, plus each kShared chain of its data;
                  // changed atomically (sharing buffers may have different locks)

  unsigned char* begin() const noexcept { return data + misalign; }
  unsigned char* end() const noexcept { return data + misalign + off; }
  // Writable bytes after the data.
  size_t space() const noexcept { return immutable ? 0 : cap - misalign - off; }
};

// A chain with at least min_cap bytes of inline storage, or nullptr when the
// size overflows or memory runs out. Sizes round up to a power of two (at
// least 1 KiB in all) so that chains built by repeated adds share one size.
Chain* chain_new(size_t min_cap) noexcept;
// A chain that refers to memory it does not own (kind: not kOwned); the
// cleanup runs when the chain is freed.
Chain* chain_new_reference(const void* data, size_t len, RefCleanup cleanup, void* arg,
                           ChainKind kind = ChainKind::kReference) noexcept;
// A kShared chain over the data of c, which becomes immutable and stays
// until both are freed; nullptr when memory runs out.
Chain* chain_new_shared(Chain* c) noexcept;
// Drops one holder of the chain; the last frees it, running its cleanup.
void chain_free(Chain* c) noexcept;
// Frees a list of chains.
void chain_free_list(Chain* c) noexcept;

}  // namespace evref

#endif  // EVREF_CORE_CHAIN_H
