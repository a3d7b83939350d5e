// evref::Buffer — the reference evbuffer core.
//
// A queue of bytes stored in a singly linked list of chains (chunks). It uses
// no libevent name, so it can be linked into the same process as real
// libevent (the differential fuzzers do that); reference/src/buffer.cc puts
// the C API of <event2/buffer.h> in front of it.
//
// Invariants (checked by check_invariants() in the white-box tests):
//   - every chain from first_ up to last_data_ holds data (off > 0);
//   - chains after last_data_ are empty: reserved or expanded space only;
//   - total_ is the sum of off over all chains.
// Keeping empty chains out of the middle makes positions simple: a position
// on a chain boundary always names the start of the next chain.
#ifndef EVREF_CORE_BUFFER_H
#define EVREF_CORE_BUFFER_H

#include <cstdarg>
#include <cstddef>
#include <climits>
#include <cstdint>
#include <sys/types.h>
#include <sys/uio.h>

namespace evref {

struct Chain;
class FileSegment;

// A position in a buffer; the same three fields as struct evbuffer_ptr.
struct Pos {
  ssize_t pos = -1;
  Chain* chain = nullptr;
  size_t in_chain = 0;
};

// What buffer callbacks are told; the fields of struct evbuffer_cb_info.
struct CbInfo {
  size_t orig_size;
  size_t n_added;
  size_t n_deleted;
};

// Same numbering as enum evbuffer_eol_style.
enum EolStyle : int { kEolAny = 0, kEolCrlf, kEolCrlfStrict, kEolLf, kEolNul };

using RefCleanup = void (*)(const void* data, size_t len, void* arg);

class Buffer {
 public:
  static constexpr uint32_t kCbEnabled = 1;  // EVBUFFER_CB_ENABLED
  // An entry the core added for itself (a bufferevent watching its
  // buffers): called directly, not through the invoker. Like libevent's
  // EVBUFFER_CB_INTERNAL_FLAGS, the flag calls from outside cannot change.
  static constexpr uint32_t kCbCore = 0x10000;
  // An evbuffer_setcb callback (libevent's EVBUFFER_CB_OBSOLETE): the
  // invoker calls it with the lengths before and after the change.
  static constexpr uint32_t kCbObsolete = 0x40000;
  // The flags only the library sets (libevent's EVBUFFER_CB_INTERNAL_FLAGS).
  static constexpr uint32_t kCbInternal = 0xffff0000;

  // One registered callback. The function is kept type-erased; the owner's
  // invoker casts it back to its real type, so the core never calls through
  // a mismatched function-pointer type.
  struct CbEntry {
    CbEntry* next;
    CbEntry* prev;
    void (*fn)();
    void* arg;
    uint32_t flags;
  };
  using CbInvoker = void (*)(Buffer& buf, const CbEntry& entry, const CbInfo& info);
  using CoreCb = void (*)(Buffer& buf, const CbInfo& info, void* arg);

  // evbuffer_defer_callbacks: where the callbacks run instead of inside the
  // call that changed the buffer (an event loop: buffer_defer.h). Owned by
  // the buffer.
  class CallbackQueue {
   public:
    virtual ~CallbackQueue() = default;
    // Arranges one run_deferred_callbacks() soon; repeated calls before it
    // runs ask for that same one.
    virtual void schedule() noexcept = 0;
  };

  static constexpr uint32_t kDrainsToFd = 1;  // EVBUFFER_FLAG_DRAINS_TO_FD

  explicit Buffer(CbInvoker invoker) noexcept : invoker_(invoker) {}
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  size_t length() const noexcept { return total_; }
  size_t contiguous_space() const noexcept;

  int add(const void* data, size_t len) noexcept;
  int add_vprintf(const char* fmt, va_list ap) noexcept;
  int add_reference(const void* data, size_t len, RefCleanup cleanup, void* arg) noexcept;
  int prepend(const void* data, size_t len) noexcept;
  int add_buffer(Buffer& in) noexcept { return move_all_from(in, false); }
  // evbuffer_add_buffer_reference: in's data, shared, not moved.
  int add_buffer_reference(Buffer& in) noexcept;
  // evbuffer_add_iovec: the bytes added (0 .. the vectors' total).
  size_t add_iovec(const struct iovec* vec, int n_vec) noexcept;
  // evbuffer_add_file_segment (offset and length within the segment, length
  // < 0: to its end) and evbuffer_add_file (the fd is the buffer's once
  // this succeeded).
  int add_segment(FileSegment& seg, int64_t offset, int64_t length) noexcept;
  int add_file(int fd, int64_t offset, int64_t length) noexcept;
  int prepend_buffer(Buffer& in) noexcept { return move_all_from(in, true); }
  int remove_buffer(Buffer& dst, size_t len) noexcept;

  int drain(size_t len) noexcept;
  int remove(void* out, size_t len) noexcept;
  ssize_t copyout_from(const Pos* from, void* out, size_t len) const noexcept;
  unsigned char* pullup(ssize_t size) noexcept;
  int peek(ssize_t len, const Pos* start, struct iovec* vec, int n_vec) const noexcept;

  int expand(size_t len) noexcept;
  int reserve_space(ssize_t size, struct iovec* vec, int n_vec) noexcept;
  int commit_space(const struct iovec* vec, int n_vec) noexcept;

  // Socket I/O (evbuffer_read, evbuffer_write_atmost): bytes moved, 0 at
  // EOF / nothing to write, -1 with errno.
  int read_from(int fd, int howmuch) noexcept;
  int write_to(int fd, ssize_t howmuch) noexcept;

  // evbuffer_set_flags / evbuffer_clear_flags (libevent keeps 32 bits).
  void set_flags(uint64_t flags) noexcept { flags_ |= static_cast<uint32_t>(flags); }
  void clear_flags(uint64_t flags) noexcept { flags_ &= ~static_cast<uint32_t>(flags); }

  Pos search_range(const char* what, size_t len, const Pos* start, const Pos* end) const noexcept;
  int ptr_set(Pos& p, size_t position, bool advance) const noexcept;
  Pos search_eol(const Pos* start, size_t* eol_len, int style) const noexcept;
  char* readln(size_t* n_read, int style) noexcept;

  CbEntry* add_cb(void (*fn)(), void* arg) noexcept;
  CbEntry* add_core_cb(CoreCb fn, void* arg) noexcept;
  int remove_cb_entry(CbEntry* entry) noexcept;
  int remove_cb(void (*fn)(), void* arg) noexcept;
  // evbuffer_setcb's first step: every callback the user added goes; the
  // core's own (a bufferevent watching its buffer) stay.
  void remove_user_cbs() noexcept;
  // evbuffer_defer_callbacks: from now on the callbacks run from the queue
  // (which the buffer owns; it replaces an earlier one).
  void defer_callbacks(CallbackQueue* queue) noexcept;
  // The queue's run: the callbacks, told every change since they last ran.
  void run_deferred_callbacks() noexcept;
  static void cb_set_flags(CbEntry& entry, uint32_t flags) noexcept;
  static void cb_clear_flags(CbEntry& entry, uint32_t flags) noexcept;

  void freeze(bool front) noexcept { (front ? frozen_front_ : frozen_end_) = true; }
  void unfreeze(bool front) noexcept { (front ? frozen_front_ : frozen_end_) = false; }
  bool frozen(bool front) const noexcept { return front ? frozen_front_ : frozen_end_; }

  // evbuffer_enable_locking: the lock every C entry point takes (null:
  // none); -1 when it has one already, or none could be made (lock null:
  // a new recursive one, freed with the buffer; no lock callbacks, none).
  int enable_locking(void* lock) noexcept;
  void* lock() const noexcept { return lock_; }

  // White-box support: number of chains holding data, and an invariant check
  // that returns nullptr or a description of the first violation.
  size_t data_chain_count() const noexcept;
  const char* check_invariants() const noexcept;

 private:
  int move_all_from(Buffer& in, bool to_front) noexcept;
  Chain* tail_successor() const noexcept;
  Chain* first_writable() const noexcept;
  void drop_trailing_empty() noexcept;
  Chain* spare_chain(size_t need, size_t alloc) noexcept;
  void link_after_data(Chain* c) noexcept;
  void link_back(Chain* head, Chain* tail, size_t len) noexcept;
  void link_front(Chain* head, Chain* tail, size_t len) noexcept;
  struct Detached { Chain* head; Chain* tail; size_t len; };
  Detached detach_all() noexcept;
  bool append_bytes(const unsigned char* data, size_t len) noexcept;
  unsigned char* writable_tail(size_t len) noexcept;
  bool make_tail_room(size_t want, int n) noexcept;
  int tail_extents(size_t want, struct iovec* vec, int n_vec) const noexcept;
  void remove_front(size_t len) noexcept;
  void copy_front(unsigned char* out, size_t len) const noexcept;
  // Runs the callbacks for the change counted since they last ran. Inline
  // because most buffers have none: then it only resets the counters.
  void invoke_callbacks() noexcept {
    if (callbacks_ == nullptr) {
      n_added_ = n_deleted_ = 0;
      return;
    }
    run_callbacks();
  }
  void run_callbacks() noexcept;
  void call_callbacks() noexcept;
  bool sends_front_by_sendfile() const noexcept;
  ssize_t sendfile_front(int fd, size_t howmuch) const noexcept;
  ssize_t writev_front(int fd, size_t howmuch) const noexcept;

  Chain* first_ = nullptr;
  Chain* last_ = nullptr;
  Chain* last_data_ = nullptr;
  size_t total_ = 0;
  size_t n_added_ = 0;    // since the callbacks last ran
  size_t n_deleted_ = 0;
  bool frozen_front_ = false;
  bool frozen_end_ = false;
  uint32_t flags_ = 0;
  CbEntry* callbacks_ = nullptr;
  // The runs of call_callbacks in progress (nested when a callback changes
  // the buffer), innermost first: each holds the entry it calls next, which
  // remove_cb_entry moves on when it removes that entry.
  // A callback may also free the buffer (a bufferevent freed inside its
  // callback): the destructor then marks every run `gone`, and none of
  // them touches the buffer again.
  struct CbCursor {
    CbEntry* next;
    CbCursor* outer;
    bool gone = false;
  };
  CbCursor* cursors_ = nullptr;
  CallbackQueue* queue_ = nullptr;
  CbInvoker invoker_;
  void* lock_ = nullptr;
  bool own_lock_ = false;
};

}  // namespace evref

#endif  // EVREF_CORE_BUFFER_H
