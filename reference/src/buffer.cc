// The C face of <event2/buffer.h>: each entry point checks its arguments the
// way the header promises (-1 / NULL / no-op, never a crash on NULL) and hands
// over to evref::Buffer. No logic lives here.
#include <event2/buffer.h>
#include <event2/buffer_compat.h>

#include <climits>
#include <cstddef>
#include <new>
#include <type_traits>

#include "core/buffer.h"
#include "core/chain.h"
#include "core/thread.h"
#include "facade.h"

struct evbuffer_cb_entry : evref::Buffer::CbEntry {};

namespace {

// Whether a copy of len bytes could ever be held: libevent 2.1.12 refuses,
// before copying a byte, any add or prepend that no chain can hold
// (EVBUFFER_CHAIN_MAX, SSIZE_MAX, less the chain header). The core copies
// into the room left in the last chain first and allocates the rest after,
// so without this check such a call would change the buffer, and read past
// the caller's bytes, before failing.
bool copy_can_fit(size_t len) {
  return len <= static_cast<size_t>(SSIZE_MAX) - sizeof(evref::Chain);
}

static_assert(sizeof(evbuffer_cb_info) == sizeof(evref::CbInfo), "cb_info layout");
static_assert(std::is_standard_layout<evbuffer_ptr>::value, "evbuffer_ptr layout");

evref::Pos to_pos(const evbuffer_ptr& p) {
  return evref::Pos{p.pos, static_cast<evref::Chain*>(p.internal_.chain), p.internal_.pos_in_chain};
}

evbuffer_ptr to_ptr(const evref::Pos& p) {
  evbuffer_ptr out;
  out.pos = p.pos;
  out.internal_.chain = p.chain;
  out.internal_.pos_in_chain = p.in_chain;
  return out;
}

evbuffer_ptr ptr_not_found() { return to_ptr(evref::Pos{}); }

// Converts an optional pointer argument; `slot` holds the converted value.
const evref::Pos* opt_pos(const evbuffer_ptr* p, evref::Pos& slot) {
  if (p == nullptr) return nullptr;
  slot = to_pos(*p);
  return &slot;
}

}  // namespace

// The lock every entry point below holds (evbuffer_enable_locking), or none.
static void* lock_of(const evbuffer* buf) { return buf ? buf->lock() : nullptr; }

extern "C" {

evbuffer* evbuffer_new(void) { return new (std::nothrow) evbuffer(); }

void evbuffer_free(evbuffer* buf) { delete buf; }

// Without lock callbacks no lock can be made: -1, as in libevent built
// with thread support but never told how to lock.
int evbuffer_enable_locking(evbuffer* buf, void* lock) { return buf ? buf->enable_locking(lock) : -1; }
void evbuffer_lock(evbuffer* buf) { evref::thread::lock(lock_of(buf)); }
void evbuffer_unlock(evbuffer* buf) { evref::thread::unlock(lock_of(buf)); }

size_t evbuffer_get_length(const evbuffer* buf) {
  const evref::thread::Locked held(lock_of(buf));
  return buf ? buf->length() : 0;
}

size_t evbuffer_get_contiguous_space(const evbuffer* buf) {
  const evref::thread::Locked held(lock_of(buf));
  return buf ? buf->contiguous_space() : 0;
}

int evbuffer_expand(evbuffer* buf, size_t datlen) {
  const evref::thread::Locked held(lock_of(buf));
  return buf ? buf->expand(datlen) : -1;
}

int evbuffer_reserve_space(evbuffer* buf, ev_ssize_t size, struct iovec* vec, int n_vec) {
  const evref::thread::Locked held(lock_of(buf));
  if (buf == nullptr || (vec == nullptr && n_vec > 0)) return -1;
  return buf->reserve_space(size, vec, n_vec);
}

int evbuffer_commit_space(evbuffer* buf, struct iovec* vec, int n_vecs) {
  const evref::thread::Locked held(lock_of(buf));
  return buf ? buf->commit_space(vec, n_vecs) : -1;
}

int evbuffer_add(evbuffer* buf, const void* data, size_t datlen) {
  const evref::thread::Locked held(lock_of(buf));
  if (buf == nullptr || (data == nullptr && datlen > 0) || !copy_can_fit(datlen)) return -1;
  return buf->add(data, datlen);
}

int evbuffer_remove(evbuffer* buf, void* data, size_t datlen) {
  const evref::thread::Locked held(lock_of(buf));
  if (buf == nullptr || (data == nullptr && datlen > 0)) return -1;
  return buf->remove(data, datlen);
}

ev_ssize_t evbuffer_copyout(evbuffer* buf, void* data_out, size_t datlen) {
  return evbuffer_copyout_from(buf, nullptr, data_out, datlen);
}

ev_ssize_t evbuffer_copyout_from(evbuffer* buf, const evbuffer_ptr* pos, void* data_out,
                                 size_t datlen) {
  const evref::thread::Locked held(lock_of(buf));
  if (buf == nullptr || (data_out == nullptr && datlen > 0)) return -1;
  evref::Pos slot;
  return buf->copyout_from(opt_pos(pos, slot), data_out, datlen);
}

int evbuffer_remove_buffer(evbuffer* src, evbuffer* dst, size_t datlen) {
  const evref::thread::Locked2 held(lock_of(src), lock_of(dst));
  if (src == nullptr || dst == nullptr) return -1;
  return src->remove_buffer(*dst, datlen);
}

char* evbuffer_readln(evbuffer* buffer, size_t* n_read_out, enum evbuffer_eol_style eol_style) {
  const evref::thread::Locked held(lock_of(buffer));
  if (buffer == nullptr) {
    if (n_read_out != nullptr) *n_read_out = 0;
    return nullptr;
  }
  return buffer->readln(n_read_out, static_cast<int>(eol_style));
}

int evbuffer_add_buffer(evbuffer* outbuf, evbuffer* inbuf) {
  const evref::thread::Locked2 held(lock_of(outbuf), lock_of(inbuf));
  if (outbuf == nullptr || inbuf == nullptr) return -1;
  return outbuf->add_buffer(*inbuf);
}

int evbuffer_add_reference(evbuffer* outbuf, const void* data, size_t datlen,
                           evbuffer_ref_cleanup_cb cleanupfn, void* cleanupfn_arg) {
  const evref::thread::Locked held(lock_of(outbuf));
  if (outbuf == nullptr || (data == nullptr && datlen > 0)) return -1;
  return outbuf->add_reference(data, datlen, cleanupfn, cleanupfn_arg);
}

int evbuffer_add_vprintf(evbuffer* buf, const char* fmt, va_list ap) {
  const evref::thread::Locked held(lock_of(buf));
  return buf ? buf->add_vprintf(fmt, ap) : -1;
}

int evbuffer_add_printf(evbuffer* buf, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = evbuffer_add_vprintf(buf, fmt, ap);
  va_end(ap);
  return n;
}

int evbuffer_drain(evbuffer* buf, size_t len) {
  const evref::thread::Locked held(lock_of(buf));
  return buf ? buf->drain(len) : -1;
}

evbuffer_ptr evbuffer_search(evbuffer* buffer, const char* what, size_t len,
                             const evbuffer_ptr* start) {
  return evbuffer_search_range(buffer, what, len, start, nullptr);
}

evbuffer_ptr evbuffer_search_range(evbuffer* buffer, const char* what, size_t len,
                                   const evbuffer_ptr* start, const evbuffer_ptr* end) {
  const evref::thread::Locked held(lock_of(buffer));
  if (buffer == nullptr || (what == nullptr && len > 0)) return ptr_not_found();
  evref::Pos s, e;
  return to_ptr(buffer->search_range(what, len, opt_pos(start, s), opt_pos(end, e)));
}

int evbuffer_ptr_set(evbuffer* buffer, evbuffer_ptr* ptr, size_t position,
                     enum evbuffer_ptr_how how) {
  const evref::thread::Locked held(lock_of(buffer));
  if (buffer == nullptr || ptr == nullptr) return -1;
  if (how != EVBUFFER_PTR_SET && how != EVBUFFER_PTR_ADD) return -1;
  evref::Pos p = to_pos(*ptr);
  int r = buffer->ptr_set(p, position, how == EVBUFFER_PTR_ADD);
  *ptr = to_ptr(p);
  return r;
}

evbuffer_ptr evbuffer_search_eol(evbuffer* buffer, evbuffer_ptr* start, size_t* eol_len_out,
                                 enum evbuffer_eol_style eol_style) {
  const evref::thread::Locked held(lock_of(buffer));
  if (buffer == nullptr) {
    if (eol_len_out != nullptr) *eol_len_out = 0;
    return ptr_not_found();
  }
  evref::Pos s;
  return to_ptr(buffer->search_eol(opt_pos(start, s), eol_len_out, static_cast<int>(eol_style)));
}

int evbuffer_peek(evbuffer* buffer, ev_ssize_t len, evbuffer_ptr* start_at, struct iovec* vec_out,
                  int n_vec) {
  const evref::thread::Locked held(lock_of(buffer));
  if (buffer == nullptr || (vec_out == nullptr && n_vec > 0)) return -1;
  evref::Pos s;
  return buffer->peek(len, opt_pos(start_at, s), vec_out, n_vec);
}

evbuffer_cb_entry* evbuffer_add_cb(evbuffer* buffer, evbuffer_cb_func cb, void* cbarg) {
  const evref::thread::Locked held(lock_of(buffer));
  if (buffer == nullptr) return nullptr;
  return static_cast<evbuffer_cb_entry*>(
      buffer->add_cb(reinterpret_cast<void (*)()>(cb), cbarg));
}

int evbuffer_remove_cb_entry(evbuffer* buffer, evbuffer_cb_entry* ent) {
  const evref::thread::Locked held(lock_of(buffer));
  if (buffer == nullptr || ent == nullptr) return -1;
  return buffer->remove_cb_entry(ent);
}

int evbuffer_remove_cb(evbuffer* buffer, evbuffer_cb_func cb, void* cbarg) {
  const evref::thread::Locked held(lock_of(buffer));
  if (buffer == nullptr) return -1;
  return buffer->remove_cb(reinterpret_cast<void (*)()>(cb), cbarg);
}

int evbuffer_cb_set_flags(evbuffer* buffer, evbuffer_cb_entry* cb, ev_uint32_t flags) {
  const evref::thread::Locked held(lock_of(buffer));
  if (buffer == nullptr || cb == nullptr) return -1;
  evref::Buffer::cb_set_flags(*cb, flags);
  return 0;
}

int evbuffer_cb_clear_flags(evbuffer* buffer, evbuffer_cb_entry* cb, ev_uint32_t flags) {
  const evref::thread::Locked held(lock_of(buffer));
  if (buffer == nullptr || cb == nullptr) return -1;
  evref::Buffer::cb_clear_flags(*cb, flags);
  return 0;
}

unsigned char* evbuffer_pullup(evbuffer* buf, ev_ssize_t size) {
  const evref::thread::Locked held(lock_of(buf));
  return buf ? buf->pullup(size) : nullptr;
}

int evbuffer_prepend(evbuffer* buf, const void* data, size_t size) {
  const evref::thread::Locked held(lock_of(buf));
  if (buf == nullptr || (data == nullptr && size > 0) || !copy_can_fit(size)) return -1;
  return buf->prepend(data, size);
}

int evbuffer_prepend_buffer(evbuffer* dst, evbuffer* src) {
  const evref::thread::Locked2 held(lock_of(dst), lock_of(src));
  if (dst == nullptr || src == nullptr) return -1;
  return dst->prepend_buffer(*src);
}

int evbuffer_freeze(evbuffer* buf, int at_front) {
  const evref::thread::Locked held(lock_of(buf));
  if (buf == nullptr) return -1;
  buf->freeze(at_front != 0);
  return 0;
}

int evbuffer_unfreeze(evbuffer* buf, int at_front) {
  const evref::thread::Locked held(lock_of(buf));
  if (buf == nullptr) return -1;
  buf->unfreeze(at_front != 0);
  return 0;
}

// ------------------------------------------------ buffer_compat.h (1.4)

char* evbuffer_readline(evbuffer* buffer) { return evbuffer_readln(buffer, nullptr, EVBUFFER_EOL_ANY); }

// Replaces the user's callbacks, evbuffer_add_cb's included (libevent
// 2.1.12's evbuffer_remove_all_callbacks), by cb, or by none.
int evbuffer_setcb(evbuffer* buffer, evbuffer_cb cb, void* cbarg) {
  const evref::thread::Locked held(lock_of(buffer));
  if (buffer == nullptr) return -1;
  buffer->remove_user_cbs();
  if (cb == nullptr) return 0;
  evref::Buffer::CbEntry* e = buffer->add_cb(reinterpret_cast<void (*)()>(cb), cbarg);
  if (e == nullptr) return -1;
  e->flags |= evref::Buffer::kCbObsolete;
  return 0;
}

// The match made contiguous up to its end (evbuffer_pullup). An empty
// string finds nothing (observed libevent 2.1.12: NULL), nor does one longer
// than the buffer, however long (libevent 2.1.12's evbuffer_search answers
// the start for a len above SSIZE_MAX, and its evbuffer_find returns the
// buffer's first byte there: a finding, see the expectations).
unsigned char* evbuffer_find(evbuffer* buffer, const unsigned char* what, size_t len) {
  const evref::thread::Locked held(lock_of(buffer));
  if (buffer == nullptr || what == nullptr || len == 0 || len > buffer->length()) return nullptr;
  const evbuffer_ptr at = evbuffer_search(buffer, reinterpret_cast<const char*>(what), len, nullptr);
  if (at.pos < 0) return nullptr;
  unsigned char* data = evbuffer_pullup(buffer, at.pos + static_cast<ev_ssize_t>(len));
  return data ? data + at.pos : nullptr;
}

}  // extern "C"

// ------------------------------------------------------------- socket I/O

extern "C" {

int evbuffer_read(evbuffer* buf, evutil_socket_t fd, int howmuch) {
  const evref::thread::Locked held(lock_of(buf));
  return buf ? buf->read_from(fd, howmuch) : -1;
}

int evbuffer_write_atmost(evbuffer* buf, evutil_socket_t fd, ev_ssize_t howmuch) {
  const evref::thread::Locked held(lock_of(buf));
  return buf ? buf->write_to(fd, howmuch) : -1;
}

int evbuffer_write(evbuffer* buf, evutil_socket_t fd) { return evbuffer_write_atmost(buf, fd, -1); }

}  // extern "C"
