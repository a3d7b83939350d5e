// evref::Buffer: storage, adding, removing and moving data.
// Searching lives in buffer_search.cc.
#include "buffer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "chain.h"
#include "file_segment.h"
#include "mm.h"
#include "thread.h"

namespace evref {

namespace {

constexpr size_t kMinAlloc = 1024;                       // chain header included
constexpr size_t kMaxAutoChain = 4096;                   // growth stops doubling here
constexpr size_t kMaxChain = static_cast<size_t>(SSIZE_MAX);

}  // namespace

Chain* chain_new(size_t min_cap) noexcept {
  if (min_cap > kMaxChain - sizeof(Chain)) return nullptr;
  size_t want = min_cap + sizeof(Chain);
  size_t alloc = want;
  if (want < kMaxChain / 2) {
    alloc = kMinAlloc;
    while (alloc < want) alloc <<= 1;
  }
  void* mem = mm::malloc(alloc);
  if (mem == nullptr) return nullptr;
  Chain* c = static_cast<Chain*>(mem);
  *c = Chain{nullptr, reinterpret_cast<unsigned char*>(c + 1), alloc - sizeof(Chain), 0, 0,
             nullptr, nullptr, false, ChainKind::kOwned, 1};
  return c;
}

Chain* chain_new_reference(const void* data, size_t len, RefCleanup cleanup, void* arg,
                           ChainKind kind) noexcept {
  Chain* c = static_cast<Chain*>(mm::malloc(sizeof(Chain)));
  if (c == nullptr) return nullptr;
  // The data is the caller's and const to us; immutable chains are never
  // written through this pointer.
  *c = Chain{nullptr, static_cast<unsigned char*>(const_cast<void*>(data)), len, 0, len,
             cleanup, arg, true, kind, 1};
  return c;
}

// libevent's multicast chains (APPEND_CHAIN_MULTICAST): the source chain
// becomes immutable, so neither buffer can write into the shared bytes, and
// gains a holder, dropped when the shared chain is freed.
Chain* chain_new_shared(Chain* c) noexcept {
  Chain* s = chain_new_reference(
      c->begin(), c->off, [](const void*, size_t, void* src) { chain_free(static_cast<Chain*>(src)); },
      c, ChainKind::kShared);
  if (s == nullptr) return nullptr;
  c->immutable = true;
  __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);  // buffers with locks of their own share it
  return s;
}

void chain_free(Chain* c) noexcept {
  if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0) return;
  if (c->cleanup != nullptr) c->cleanup(c->data, c->cap, c->cleanup_arg);
  mm::free(c);
}

void chain_free_list(Chain* c) noexcept {
  while (c != nullptr) {
    Chain* next = c->next;
    chain_free(c);
    c = next;
  }
}

Buffer::~Buffer() {
  for (CbCursor* c = cursors_; c != nullptr; c = c->outer) {  // freed from a callback
    c->next = nullptr;
    c->gone = true;
  }
  delete queue_;  // no deferred run after the buffer is gone
  chain_free_list(first_);
  for (CbEntry* e = callbacks_; e != nullptr;) {
    CbEntry* next = e->next;
    delete e;
    e = next;
  }
  if (own_lock_) thread::free_lock(lock_, thread::kRecursive);
}

int Buffer::enable_locking(void* lock) noexcept {
  if (lock_ != nullptr) return -1;
  own_lock_ = lock == nullptr;
  lock_ = own_lock_ ? thread::alloc_lock(thread::kRecursive) : lock;
  return lock_ != nullptr ? 0 : -1;
}

size_t Buffer::contiguous_space() const noexcept {
  return first_ != nullptr ? first_->off : 0;
}

// ---------------------------------------------------------------------------
// Chain list plumbing

// The first chain after the data: where reserved or expanded space lives.
// Both are inline (and used in this file only): they run on every append
// and move, and mostly find nothing to do.
inline Chain* Buffer::tail_successor() const noexcept {
  return last_data_ != nullptr ? last_data_->next : first_;
}

inline void Buffer::drop_trailing_empty() noexcept {
  if (last_ == last_data_) return;  // no chain after the data
  Chain* victims = tail_successor();
  if (last_data_ != nullptr) {
    last_data_->next = nullptr;
  } else {
    first_ = nullptr;
  }
  last_ = last_data_;
  chain_free_list(victims);
}

// Appends a list of data chains (each with off > 0) holding len bytes.
inline void Buffer::link_back(Chain* head, Chain* tail, size_t len) noexcept {
  drop_trailing_empty();
  if (last_data_ != nullptr) {
    last_data_->next = head;
  } else {
    first_ = head;
  }
  tail->next = nullptr;
  last_ = last_data_ = tail;
  total_ += len;
}

// Puts a list of data chains in front of the existing ones.
void Buffer::link_front(Chain* head, Chain* tail, size_t len) noexcept {
  tail->next = first_;
  first_ = head;
  if (last_data_ == nullptr) last_data_ = tail;
  if (last_ == nullptr) last_ = tail;
  total_ += len;
}

// Takes every data chain out of the buffer (freeing reserved space), leaving
// it empty. Callers ensure the buffer holds data.
inline Buffer::Detached Buffer::detach_all() noexcept {
  drop_trailing_empty();
  Detached d{first_, last_data_, total_};
  first_ = last_ = last_data_ = nullptr;
  total_ = 0;
  return d;
}

// Copies bytes to the end: first into the room left in the last data chain,
// then into a fresh chain. Updates total_ but not the callback counters.
bool Buffer::append_bytes(const unsigned char* data, size_t len) noexcept {
  if (len == 0) return true;
  if (last_data_ != nullptr) {
    size_t k = std::min(last_data_->space(), len);
    std::memcpy(last_data_->end(), data, k);
    last_data_->off += k;
    total_ += k;
    data += k;
    len -= k;
    if (len == 0) return true;
  }
  // Like libevent: a new chain doubles the size up to 4 KiB, or fits the data.
  size_t grow = last_data_ != nullptr ? last_data_->cap : 0;
  if (grow <= kMaxAutoChain / 2) grow *= 2;
  Chain* t = spare_chain(len, grow);
  if (t == nullptr) return false;
  std::memcpy(t->data, data, len);
  t->off = len;
  last_data_ = t;
  total_ += len;
  return true;
}

// Contiguous writable room for at least len bytes at the end of the data,
// or nullptr when memory runs out.
unsigned char* Buffer::writable_tail(size_t len) noexcept {
  if (last_data_ != nullptr && last_data_->space() >= len && last_data_->space() > 0)
    return last_data_->end();
  Chain* t = spare_chain(len, 0);
  return t != nullptr ? t->data : nullptr;
}

// The empty chain after the data, emptied and with room for at least `need`
// bytes. When there is none, the trailing chains are replaced by a new one
// of max(need, alloc) bytes. nullptr when memory runs out.
Chain* Buffer::spare_chain(size_t need, size_t alloc) noexcept {
  Chain* t = tail_successor();
  if (t == nullptr || t->immutable || t->cap < need) {
    drop_trailing_empty();
    t = chain_new(std::max(need, alloc));
    if (t == nullptr) return nullptr;
    link_after_data(t);
  }
  t->misalign = 0;
  return t;
}

// Puts a chain right after the data (the caller dropped any trailing ones).
void Buffer::link_after_data(Chain* c) noexcept {
  if (last_data_ != nullptr) {
    last_data_->next = c;
  } else {
    first_ = c;
  }
  last_ = c;
}

// Drops len (<= total_) bytes from the front without running callbacks.
void Buffer::remove_front(size_t len) noexcept {
  if (len == 0) return;
  if (len == total_) {
    chain_free_list(first_);  // reserved space goes too, as in libevent
    first_ = last_ = last_data_ = nullptr;
    total_ = 0;
    return;
  }
  total_ -= len;
  while (len >= first_->off) {  // total_ > 0 remains, so a data chain follows
    len -= first_->off;
    Chain* dead = first_;
    first_ = dead->next;
    chain_free(dead);
  }
  first_->misalign += len;
  first_->off -= len;
}

void Buffer::copy_front(unsigned char* out, size_t len) const noexcept {
  for (Chain* c = first_; len > 0; c = c->next) {
    size_t k = std::min(c->off, len);
    std::memcpy(out, c->begin(), k);
    out += k;
    len -= k;
  }
}

// ---------------------------------------------------------------------------
// Callbacks (buffer.h: "invoked whenever data is added or removed")

void Buffer::run_callbacks() noexcept {
  if (n_added_ == 0 && n_deleted_ == 0) return;
  // Deferred (evbuffer_defer_callbacks): the counters keep adding up until
  // the queue's run reports them all, as libevent's deferred run does.
  if (queue_ != nullptr) {
    queue_->schedule();
    return;
  }
  call_callbacks();
}

void Buffer::run_deferred_callbacks() noexcept {
  if (callbacks_ == nullptr) {
    n_added_ = n_deleted_ = 0;
    return;
  }
  if (n_added_ != 0 || n_deleted_ != 0) call_callbacks();
}

void Buffer::call_callbacks() noexcept {
  const CbInfo info{total_ + n_deleted_ - n_added_, n_added_, n_deleted_};
  // Reset before calling out: a callback that changes the buffer triggers a
  // nested run that reports only its own change.
  n_added_ = n_deleted_ = 0;
  // The next entry is taken before each call and kept up to date by
  // remove_cb_entry: a callback may remove itself or any other entry.
  CbCursor cursor{callbacks_, cursors_, false};
  cursors_ = &cursor;
  while (CbEntry* e = cursor.next) {
    cursor.next = e->next;
    if (e->flags & kCbEnabled) {
      if (e->flags & kCbCore) reinterpret_cast<CoreCb>(e->fn)(*this, info, e->arg);
      else invoker_(*this, *e, info);
    }
  }
  if (!cursor.gone) cursors_ = cursor.outer;
}

void Buffer::defer_callbacks(CallbackQueue* queue) noexcept {
  delete queue_;  // a run it had pending moves to the new queue
  queue_ = queue;
  if (callbacks_ != nullptr && (n_added_ != 0 || n_deleted_ != 0)) queue_->schedule();
}

Buffer::CbEntry* Buffer::add_cb(void (*fn)(), void* arg) noexcept {
  // Newest first, like libevent 2.1 (the order is documented as undefined).
  CbEntry* e = new (std::nothrow) CbEntry{callbacks_, nullptr, fn, arg, kCbEnabled};
  if (e == nullptr) return nullptr;
  if (callbacks_ != nullptr) callbacks_->prev = e;
  callbacks_ = e;
  return e;
}

Buffer::CbEntry* Buffer::add_core_cb(CoreCb fn, void* arg) noexcept {
  CbEntry* e = add_cb(reinterpret_cast<void (*)()>(fn), arg);
  if (e != nullptr) e->flags |= kCbCore;
  return e;
}

int Buffer::remove_cb_entry(CbEntry* e) noexcept {
  if (e == nullptr) return -1;
  if (e->prev != nullptr) {
    e->prev->next = e->next;
  } else {
    callbacks_ = e->next;
  }
  if (e->next != nullptr) e->next->prev = e->prev;
  for (CbCursor* c = cursors_; c != nullptr; c = c->outer) {
    if (c->next == e) c->next = e->next;
  }
  delete e;
  return 0;
}

int Buffer::remove_cb(void (*fn)(), void* arg) noexcept {
  for (CbEntry* e = callbacks_; e != nullptr; e = e->next) {
    if (e->fn == fn && e->arg == arg) return remove_cb_entry(e);
  }
  return -1;
}

void Buffer::remove_user_cbs() noexcept {
  for (CbEntry* e = callbacks_; e != nullptr;) {
    CbEntry* next = e->next;
    if (!(e->flags & kCbCore)) remove_cb_entry(e);
    e = next;
  }
}

void Buffer::cb_set_flags(CbEntry& e, uint32_t flags) noexcept { e.flags |= flags & ~kCbInternal; }
void Buffer::cb_clear_flags(CbEntry& e, uint32_t flags) noexcept { e.flags &= ~(flags & ~kCbInternal); }

// ---------------------------------------------------------------------------
// Adding

int Buffer::add(const void* data, size_t len) noexcept {
  if (frozen_end_) return -1;
  if (len > SIZE_MAX - total_) return -1;
  if (!append_bytes(static_cast<const unsigned char*>(data), len)) return -1;
  n_added_ += len;
  invoke_callbacks();
  return 0;
}

int Buffer::add_vprintf(const char* fmt, va_list ap) noexcept {
  if (frozen_end_ || fmt == nullptr) return -1;
  // Format straight into the tail; if it does not fit, make room and redo.
  size_t want = 64;
  for (;;) {
    unsigned char* dst = writable_tail(want);
    if (dst == nullptr) return -1;
    Chain* t = (last_data_ != nullptr && dst == last_data_->end()) ? last_data_ : tail_successor();
    const size_t room = t->space();
    va_list aq;
    va_copy(aq, ap);
    int n = std::vsnprintf(reinterpret_cast<char*>(dst), room, fmt, aq);
    va_end(aq);
    if (n < 0) return -1;
    const size_t len = static_cast<size_t>(n);
    if (len < room) {  // the terminating NUL stays outside the data
      t->off += len;
      if (len > 0) last_data_ = t;
      total_ += len;
      n_added_ += len;
      invoke_callbacks();
      return n;
    }
    want = len + 1;
  }
}

int Buffer::add_reference(const void* data, size_t len, RefCleanup cleanup, void* arg) noexcept {
  // buffer.h: on failure the cleanup function is not called.
  if (frozen_end_ || len > SIZE_MAX - total_) return -1;
  Chain* c = chain_new_reference(data, len, cleanup, arg);
  if (c == nullptr) return -1;
  if (len == 0) {
    // No data: it waits behind the data like reserved space, and is released
    // with it.
    drop_trailing_empty();
    link_after_data(c);
    return 0;
  }
  link_back(c, c, len);
  n_added_ += len;
  invoke_callbacks();
  return 0;
}

// libevent's APPEND_CHAIN_MULTICAST: each data chain of `in` is shared, not
// copied; buffer.h: "buffers already containing buffer references can't be
// added to other buffers", and libevent 2.1.12 refuses file data as well.
int Buffer::add_buffer_reference(Buffer& in) noexcept {
  if (in.total_ == 0) return 0;
  if (frozen_end_ || &in == this || in.total_ > SIZE_MAX - total_) return -1;
  const Chain* stop = in.tail_successor();
  for (const Chain* c = in.first_; c != stop; c = c->next) {
    if (c->kind == ChainKind::kSegment || c->kind == ChainKind::kShared) return -1;
  }
  Chain* head = nullptr;
  Chain* tail = nullptr;
  for (Chain* c = in.first_; c != stop; c = c->next) {
    Chain* s = chain_new_shared(c);
    if (s == nullptr) {
      chain_free_list(head);
      return -1;
    }
    (tail != nullptr ? tail->next : head) = s;
    tail = s;
  }
  link_back(head, tail, in.total_);
  n_added_ += in.total_;
  invoke_callbacks();
  return 0;
}

// buffer.h: evbuffer_add_iovec "guarantees all data will fit into a single
// chain": the room for the total is made first, so no copy can fail after.
size_t Buffer::add_iovec(const struct iovec* vec, int n_vec) noexcept {
  if (frozen_end_) return 0;
  size_t total = 0;
  for (int i = 0; i < n_vec; ++i) {
    if (vec[i].iov_len > kMaxChain - sizeof(Chain) - total) return 0;
    total += vec[i].iov_len;
  }
  if (total == 0 || total > SIZE_MAX - total_ || writable_tail(total) == nullptr) return 0;
  for (int i = 0; i < n_vec; ++i) append_bytes(static_cast<const unsigned char*>(vec[i].iov_base), vec[i].iov_len);
  n_added_ += total;
  invoke_callbacks();
  return total;
}

int Buffer::add_segment(FileSegment& seg, int64_t offset, int64_t length) noexcept {
  const int64_t size = static_cast<int64_t>(seg.length());
  // buffer.h: the offset is within the segment, and so is the part added.
  if (frozen_end_ || offset < 0 || offset > size) return -1;
  if (length < 0) length = size - offset;
  if (length > size - offset || static_cast<size_t>(length) > SIZE_MAX - total_) return -1;
  if (length == 0) return 0;
  const size_t len = static_cast<size_t>(length);
  Chain* c = chain_new_reference(
      seg.data() + offset, len, [](const void*, size_t, void* s) { static_cast<FileSegment*>(s)->release(); },
      &seg, ChainKind::kSegment);
  if (c == nullptr) return -1;
  seg.retain();
  link_back(c, c, len);
  n_added_ += len;
  invoke_callbacks();
  return 0;
}

// libevent's evbuffer_add_file: a segment of its own, dropped once added;
// buffer.h: "The function owns the resulting file descriptor" — once it
// succeeded: a failed add leaves the fd open.
int Buffer::add_file(int fd, int64_t offset, int64_t length) noexcept {
  FileSegment* seg = new (std::nothrow) FileSegment(fd, 0);
  if (seg == nullptr) return -1;
  if (!seg->load(offset, length)) {
    delete seg;
    return -1;
  }
  const int r = add_segment(*seg, 0, -1);
  if (r == 0) seg->adopt_fd();
  seg->release();
  return r;
}

int Buffer::prepend(const void* data, size_t len) noexcept {
  if (len == 0) return 0;  // checked before the freeze, as libevent does
  if (frozen_front_ || len > SIZE_MAX - total_) return -1;
  const unsigned char* src = static_cast<const unsigned char*>(data);
  const size_t n = len;
  Chain* c = first_;
  if (c != nullptr && !c->immutable) {
    if (c->off == 0) c->misalign = c->cap;  // an empty chain fills from its end
    size_t k = std::min(c->misalign, len);
    std::memcpy(c->begin() - k, src + len - k, k);
    c->misalign -= k;
    c->off += k;
    total_ += k;
    len -= k;
    if (k > 0 && last_data_ == nullptr) last_data_ = c;
  }
  if (len > 0) {
    Chain* t = chain_new(len);
    if (t == nullptr) {
      n_added_ += n - len;
      invoke_callbacks();
      return -1;
    }
    t->misalign = t->cap - len;
    t->off = len;
    std::memcpy(t->begin(), src, len);
    link_front(t, t, len);
  }
  n_added_ += n;
  invoke_callbacks();
  return 0;
}

// add_buffer and prepend_buffer: all of `in` moves, chains and all, to one
// end of this buffer. Both check the source's front; the destination's end
// (append) or front (prepend) must not be frozen either.
int Buffer::move_all_from(Buffer& in, bool to_front) noexcept {
  if (in.total_ == 0 || &in == this) return 0;
  if ((to_front ? frozen_front_ : frozen_end_) || in.frozen_front_) return -1;
  Detached d = in.detach_all();
  if (to_front) {
    link_front(d.head, d.tail, d.len);
  } else {
    link_back(d.head, d.tail, d.len);
  }
  in.n_deleted_ += d.len;
  n_added_ += d.len;
  in.invoke_callbacks();
  invoke_callbacks();
  return 0;
}

int Buffer::remove_buffer(Buffer& dst, size_t len) noexcept {
  if (len == 0 || &dst == this) return 0;
  if (dst.frozen_end_ || frozen_front_) return -1;
  if (len >= total_) {
    size_t moved = total_;
    dst.add_buffer(*this);
    return static_cast<int>(moved);
  }
  // Whole chains move without copying; the last partial one is copied.
  size_t moved = 0;
  Chain* head = first_;
  Chain* prev = nullptr;
  Chain* c = first_;
  while (c->off <= len) {  // len < total_, so c never runs off the data
    len -= c->off;
    moved += c->off;
    prev = c;
    c = c->next;
  }
  if (prev != nullptr) {
    first_ = c;
    total_ -= moved;
    dst.link_back(head, prev, moved);
  }
  if (len > 0) {
    if (!dst.append_bytes(c->begin(), len)) len = 0;
    c->misalign += len;
    c->off -= len;
    total_ -= len;
    moved += len;
  }
  dst.n_added_ += moved;
  n_deleted_ += moved;
  dst.invoke_callbacks();
  invoke_callbacks();
  return static_cast<int>(moved);
}

// ---------------------------------------------------------------------------
// Removing and reading

int Buffer::drain(size_t len) noexcept {
  if (total_ == 0) return 0;  // an empty buffer drains even when frozen
  if (frozen_front_) return -1;
  len = std::min(len, total_);
  remove_front(len);
  n_deleted_ += len;
  invoke_callbacks();
  return 0;
}

ssize_t Buffer::copyout_from(const Pos* from, void* out, size_t len) const noexcept {
  const Chain* c = first_;
  size_t in = 0;
  if (from != nullptr) {
    if (from->pos < 0) return -1;
    if (len > static_cast<size_t>(SSIZE_MAX - from->pos)) return -1;
    size_t at = static_cast<size_t>(from->pos);
    len = at >= total_ ? 0 : std::min(len, total_ - at);
    c = from->chain;
    in = from->in_chain;
  } else {
    len = std::min(len, total_);
  }
  if (len == 0) return 0;
  // libevent 2.1 refuses to copy out of a buffer frozen at the front.
  if (frozen_front_) return -1;
  unsigned char* dst = static_cast<unsigned char*>(out);
  size_t left = len;
  for (; left > 0; c = c->next, in = 0) {
    size_t k = std::min(c->off - in, left);
    std::memcpy(dst, c->begin() + in, k);
    dst += k;
    left -= k;
  }
  return static_cast<ssize_t>(len);
}

int Buffer::remove(void* out, size_t len) noexcept {
  ssize_t n = copyout_from(nullptr, out, len);
  if (n > 0 && drain(static_cast<size_t>(n)) < 0) return -1;
  return static_cast<int>(n);
}

unsigned char* Buffer::pullup(ssize_t size) noexcept {
  size_t want = size < 0 ? total_ : static_cast<size_t>(size);
  if (want == 0 || want > total_) return nullptr;
  if (first_->off >= want) return first_->begin();

  // Gather into the first chain if it has the room, else into a new one.
  Chain* target = first_;
  Chain* src = first_->next;
  if (target->immutable || target->cap - target->misalign < want) {
    target = chain_new(want);
    if (target == nullptr) return nullptr;
    src = first_;
  }
  unsigned char* dst = target->end();
  size_t need = want - (target == first_ ? target->off : 0);
  while (need > 0) {
    size_t k = std::min(src->off, need);
    std::memcpy(dst, src->begin(), k);
    dst += k;
    need -= k;
    target->off += k;
    if (k < src->off) {
      src->misalign += k;
      src->off -= k;
      break;
    }
    Chain* dead = src;
    src = src->next;
    if (dead == last_data_) last_data_ = target;
    if (dead == last_) last_ = target;
    chain_free(dead);
  }
  target->next = src;
  first_ = target;
  if (src == nullptr) last_ = target;
  return target->begin();
}

int Buffer::peek(ssize_t len, const Pos* start, struct iovec* vec, int n_vec) const noexcept {
  // The algorithm of libevent 2.1's evbuffer_peek, over the data chains only.
  if (start != nullptr && start->chain == nullptr) return 0;
  const Chain* stop = tail_successor();
  const Chain* c = first_;
  ssize_t so_far = 0;
  int idx = 0;
  if (start != nullptr) {
    c = start->chain;
    so_far = static_cast<ssize_t>(c->off - start->in_chain);
    if (n_vec > 0) {
      vec[0].iov_base = c->begin() + start->in_chain;
      vec[0].iov_len = static_cast<size_t>(so_far);
    }
    idx = 1;
    c = c->next;
  }
  if (n_vec == 0 && len < 0) {
    // No room and "everything": count what "everything" needs.
    len = static_cast<ssize_t>(total_) - (start != nullptr ? start->pos : 0);
  }
  for (; c != nullptr && c != stop; c = c->next) {
    if (len >= 0 && so_far >= len) break;
    if (idx < n_vec) {
      vec[idx].iov_base = c->begin();
      vec[idx].iov_len = c->off;
    } else if (len < 0) {
      break;
    }
    ++idx;
    so_far += static_cast<ssize_t>(c->off);
  }
  return idx;
}

// ---------------------------------------------------------------------------
// Reserving space

int Buffer::expand(size_t len) noexcept {
  if (len > kMaxChain - sizeof(Chain)) return -1;
  return writable_tail(len) != nullptr ? 0 : -1;
}

// The first chain with room for bytes after the data: the last data chain
// if it has room left, else the chain after it (libevent's "first chain with
// space", buffer.c evbuffer_read_setup_vecs_ and evbuffer_commit_space).
Chain* Buffer::first_writable() const noexcept {
  return (last_data_ != nullptr && last_data_->space() > 0) ? last_data_ : tail_successor();
}

int Buffer::reserve_space(ssize_t size, struct iovec* vec, int n_vec) noexcept {
  if (frozen_end_ || n_vec < 1 || size < 0) return -1;
  const size_t want = static_cast<size_t>(size);
  if (n_vec == 1) {
    // One extent: the room in the last data chain when it holds the whole
    // size, else a chain after the data that does.
    const size_t room = last_data_ != nullptr ? last_data_->space() : 0;
    if (room > 0 && room >= want) {
      vec[0].iov_base = last_data_->end();
      vec[0].iov_len = room;
      return 1;
    }
    Chain* t = spare_chain(std::max<size_t>(want, 1), 0);
    if (t == nullptr) return -1;
    vec[0].iov_base = t->data;
    vec[0].iov_len = t->cap;
    return 1;
  }
  // libevent 2.1.12 fills extents only up to the size when it may use more
  // than one (evbuffer_read_setup_vecs_): a size of 0 then uses none.
  if (want == 0) return 0;
  if (!make_tail_room(want, n_vec)) return -1;
  return tail_extents(want, vec, n_vec);
}

// With n (>= 2) extents allowed, the space already writable at the end is
// used and only what it lacks is allocated, as libevent's
// evbuffer_expand_fast_ does: buffer.h promises that "Multiple subsequent
// calls to this function will make the same space available until
// evbuffer_commit_space()" and that "Allowing more extents ... makes the
// function more efficient", so an earlier uncommitted reservation keeps its
// place and nothing is copied. The walk counts the room left in the last
// data chain, then the empty chains after it (realigned), up to n chains.
// If it runs out of chains first, one chain of the missing size is added at
// the end; if n chains are not enough, the empty chains are replaced by one
// chain of the size minus the room in the last data chain. An empty
// reference chain (evbuffer_add_reference of 0 bytes) cannot be written:
// it is replaced like the empty chains. Nothing changes on failure.
bool Buffer::make_tail_room(size_t want, int n) noexcept {
  size_t avail = 0;
  int used = 0;
  Chain* c = first_writable();
  for (; c != nullptr && !c->immutable; c = c->next) {
    if (c->off == 0) c->misalign = 0;
    avail += c->space();
    if (avail >= want) return true;
    if (++used == n) break;
  }
  if (c == nullptr) {
    Chain* t = chain_new(want - avail);
    if (t == nullptr) return false;
    if (last_ != nullptr) {
      last_->next = t;
    } else {
      first_ = t;
    }
    last_ = t;
    return true;
  }
  const size_t room = last_data_ != nullptr ? last_data_->space() : 0;
  Chain* t = chain_new(want - room);
  if (t == nullptr) return false;
  drop_trailing_empty();
  link_after_data(t);
  return true;
}

// The extents of a reservation: whole chains' room from the first writable
// chain on, only as many as the size needs (evbuffer_read_setup_vecs_).
// make_tail_room has put want bytes of room in the first n chains.
int Buffer::tail_extents(size_t want, struct iovec* vec, int n_vec) const noexcept {
  size_t so_far = 0;
  int i = 0;
  for (Chain* c = first_writable(); i < n_vec && so_far < want; ++i, c = c->next) {
    vec[i].iov_base = c->end();
    vec[i].iov_len = c->space();
    so_far += c->space();
  }
  return i;
}

int Buffer::commit_space(const struct iovec* vec, int n_vec) noexcept {
  if (frozen_end_) return -1;
  if (n_vec == 0) return 0;
  if (n_vec < 0 || vec == nullptr) return -1;
  // The extents must be, in order, the room after the data and the chains
  // that follow it, none longer than its room. Check all before changing any.
  // The first extent is the room in the last data chain, or (when that
  // room was too small for a single-extent reservation) the chain after it.
  auto fits_from = [vec, n_vec](Chain* c) {
    for (int i = 0; i < n_vec; ++i, c = c->next) {
      if (c == nullptr || vec[i].iov_base != c->end() || vec[i].iov_len > c->space()) return false;
    }
    return true;
  };
  Chain* c0 = first_writable();
  if (!fits_from(c0)) {
    if (c0 != last_data_ || !fits_from(tail_successor())) return -1;
    c0 = tail_successor();
  }
  Chain* c = c0;
  size_t added = 0;
  Chain* keep = last_data_;  // the last chain known to hold data
  for (int i = 0; i < n_vec; ++i) {
    Chain* next = c->next;
    c->off += vec[i].iov_len;
    added += vec[i].iov_len;
    if (c->off > 0 && c != keep) {
      // Free the chains left empty between the data and c.
      for (Chain* gap = keep != nullptr ? keep->next : first_; gap != c;) {
        Chain* g = gap->next;
        chain_free(gap);
        gap = g;
      }
      if (keep != nullptr) {
        keep->next = c;
      } else {
        first_ = c;
      }
      keep = c;
    }
    c = next;
  }
  last_data_ = keep;
  total_ += added;
  n_added_ += added;
  invoke_callbacks();
  return 0;
}

// ---------------------------------------------------------------------------
// Socket I/O, with libevent 2.1.12's limits: one read takes at most 4096
// bytes (EVBUFFER_MAX_READ) unless the socket says more is ready within that
// cap, and one writev takes at most 128 chains (NUM_WRITE_IOVEC).

// Trims the extents to hold exactly n bytes; returns how many are used.
static int trim_extents(struct iovec* vec, int n_vec, size_t n) noexcept {
  int used = 0;
  for (; used < n_vec && n > 0; ++used) {
    if (vec[used].iov_len > n) vec[used].iov_len = n;
    n -= vec[used].iov_len;
  }
  return used;
}

int Buffer::read_from(int fd, int howmuch) noexcept {
  if (frozen_end_) return -1;
  constexpr int kMaxRead = 4096;
  int ready = 0;
  if (ioctl(fd, FIONREAD, &ready) < 0 || ready <= 0 || ready > kMaxRead) ready = kMaxRead;
  if (howmuch < 0 || howmuch > ready) howmuch = ready;
  struct iovec vec[2];
  const int n = reserve_space(howmuch, vec, 2);
  if (n < 0) return -1;
  const int used = trim_extents(vec, n, static_cast<size_t>(howmuch));
  const ssize_t got = readv(fd, vec, used);
  if (got <= 0) {
    commit_space(vec, 0);
    return static_cast<int>(got);
  }
  if (commit_space(vec, trim_extents(vec, used, static_cast<size_t>(got))) != 0) return -1;
  return static_cast<int>(got);
}

// File data at the front goes out with sendfile, one chain per call, as
// libevent's evbuffer_write_sendfile does under EVBUFFER_FLAG_DRAINS_TO_FD.
// Here the data stays readable either way (mapped or read in), so sendfile
// is only the faster way to write it: the reference also takes it, without
// the flag, for a front chain of file data large enough to gain from it,
// unless the segment was made with EVBUF_FS_DISABLE_SENDFILE.
bool Buffer::sends_front_by_sendfile() const noexcept {
  constexpr size_t kSendfileMin = 64 * 1024;
  return first_ != nullptr && first_->kind == ChainKind::kSegment &&
         ((flags_ & kDrainsToFd) || first_->off >= kSendfileMin) &&
         static_cast<const FileSegment*>(first_->cleanup_arg)->can_sendfile();
}

ssize_t Buffer::sendfile_front(int fd, size_t howmuch) const noexcept {
  const FileSegment* seg = static_cast<const FileSegment*>(first_->cleanup_arg);
  off_t at = static_cast<off_t>(seg->file_offset_of(first_->begin()));
  // One call moves at most INT_MAX bytes: the count must fit the int result.
  return sendfile(fd, seg->fd(), &at, std::min({first_->off, howmuch, static_cast<size_t>(INT_MAX)}));
}

ssize_t Buffer::writev_front(int fd, size_t howmuch) const noexcept {
  struct iovec vec[128];
  const int n = peek(static_cast<ssize_t>(howmuch), nullptr, vec, 128);
  return writev(fd, vec, trim_extents(vec, n < 128 ? n : 128, howmuch));
}

int Buffer::write_to(int fd, ssize_t howmuch) noexcept {
  if (frozen_front_) return -1;
  if (howmuch < 0 || static_cast<size_t>(howmuch) > total_) howmuch = static_cast<ssize_t>(total_);
  if (howmuch == 0) return 0;
  const size_t n = static_cast<size_t>(howmuch);
  ssize_t sent = -1;
  // An fd sendfile cannot write to (EINVAL) takes the bytes from memory.
  if (!sends_front_by_sendfile() || ((sent = sendfile_front(fd, n)) < 0 && errno == EINVAL))
    sent = writev_front(fd, n);
  if (sent <= 0) return static_cast<int>(sent);
  if (drain(static_cast<size_t>(sent)) != 0) return -1;
  return static_cast<int>(sent);
}

// ---------------------------------------------------------------------------
// White-box support

size_t Buffer::data_chain_count() const noexcept {
  size_t n = 0;
  for (const Chain* c = first_; c != nullptr && c->off > 0; c = c->next) ++n;
  return n;
}

const char* Buffer::check_invariants() const noexcept {
  size_t sum = 0;
  bool in_tail = last_data_ == nullptr;
  const Chain* last = nullptr;
  for (const Chain* c = first_; c != nullptr; c = c->next) {
    if (!in_tail && c->off == 0) return "empty chain before the last data chain";
    if (in_tail && c->off != 0) return "data after last_data_";
    if (c->misalign + c->off > c->cap) return "chain data past its storage";
    sum += c->off;
    if (c == last_data_) in_tail = true;
    last = c;
  }
  if (!in_tail) return "last_data_ not in the list";
  if (last != last_) return "last_ is not the last chain";
  if (sum != total_) return "total_ differs from the sum of the chains";
  return nullptr;
}

}  // namespace evref
