// evref::Bufferevent — what every kind of bufferevent shares, after
// libevent 2.1.12's bufferevent.c: the input and output buffers, the user's
// callbacks and their deferred queue (BEV_OPT_DEFER_CALLBACKS), the enabled
// directions and why they are suspended, watermarks, timeouts, the rate
// limit and the reference count. A kind (one file each:
// bufferevent_socket.cc; bufferevent_pair.cc and bufferevent_filter.cc over
// bufferevent_generic.cc's timers) derives from it
// and supplies only how bytes move: start_io / stop_io and the rest of the
// hooks below, as libevent's struct bufferevent_ops does.
//
// Lifetime follows Refs (refs.h): every path into user code goes through
// call_user or holds a reference, so bufferevent_free inside any callback
// only drops the owner's reference and the object goes when the last one
// does. Difference from libevent, unobservable through the API: the last
// reference frees at once, where libevent finalizes on the next loop
// iteration.
//
// The user's callbacks are kept type-erased; the C facade's Calls cast them
// back (as Buffer's invoker does) and make the buffers, which are the
// facade's evbuffer objects, so the core never names a libevent type.
#ifndef EVREF_CORE_BUFFEREVENT_H
#define EVREF_CORE_BUFFEREVENT_H

#include <sys/socket.h>

#include <cstddef>
#include <optional>

#include "buffer.h"
#include "event_types.h"
#include "ratelim.h"
#include "refs.h"
#include "thread.h"

namespace evref {

class Bufferevent {
 public:
  // BEV_EVENT_*, BEV_OPT_* and BEV_TRIG_* (event2/bufferevent.h).
  enum : short {
    kEvReading = 0x01,
    kEvWriting = 0x02,
    kEvEof = 0x10,
    kEvError = 0x20,
    kEvTimeout = 0x40,
    kEvConnected = 0x80,
  };
  enum : int {
    kOptCloseOnFree = 1 << 0,
    kOptThreadsafe = 1 << 1,
    kOptDeferCallbacks = 1 << 2,
    kOptUnlockCallbacks = 1 << 3,
    kTrigIgnoreWatermarks = 1 << 16,
    kTrigDeferCallbacks = kOptDeferCallbacks,
  };
  // enum bufferevent_flush_mode.
  enum : int { kFlushNormal = 0, kFlushFlush = 1, kFlushFinished = 2 };
  using Fn = void (*)();  // a user callback, type-erased
  struct Calls {
    void (*data)(Bufferevent& bev, Fn fn, void* arg);
    void (*event)(Bufferevent& bev, Fn fn, short what, void* arg);
    Buffer* (*new_buffer)();
    void (*free_buffer)(Buffer* buf);
  };
  struct Callbacks {
    Fn read = nullptr;
    Fn write = nullptr;
    Fn event = nullptr;
    void* arg = nullptr;
  };

  // struct bufferevent (<event2/bufferevent_struct.h>) as the core lays it
  // out, field for field (the facade checks each place): libevent 1.4
  // programs read these fields, so they are where the bufferevent keeps
  // its base, buffers, callbacks, watermarks and enabled directions, the
  // one copy every rule reads. The timeouts are the values given to
  // set_timeouts (zero: none). A socket bufferevent's I/O events are
  // ev_read and ev_write; other kinds leave them unassigned, and be_ops
  // stays NULL (no rule says what they hold). The handle the C facade
  // gives out is this struct's address; owner leads back.
  struct Face {
    struct Watermark {
      size_t low = 0;
      size_t high = 0;
    };
    Base* ev_base = nullptr;
    const void* be_ops = nullptr;
    Event ev_read;
    Event ev_write;
    Buffer* input = nullptr;
    Buffer* output = nullptr;
    Watermark wm_read;
    Watermark wm_write;
    Fn readcb = nullptr;
    Fn writecb = nullptr;
    Fn errorcb = nullptr;  // the event callback (libevent 1.4's name)
    void* cbarg = nullptr;
    timeval timeout_read{};
    timeval timeout_write{};
    short enabled = 0;
    Bufferevent* owner = nullptr;  // past libevent's fields
  };
  Face& face() noexcept { return face_; }

  Bufferevent(const Bufferevent&) = delete;
  Bufferevent& operator=(const Bufferevent&) = delete;

  // bufferevent_free: no callback runs after it; the object goes with the
  // last reference. incref / decref (true when that freed it).
  void release() noexcept;
  void incref() noexcept {
    thread::Locked locked(lock_);
    Refs::take(this);
  }
  bool decref() noexcept {
    thread::lock(lock_);
    return unlock_and_drop(lock_);
  }

  // BEV_OPT_THREADSAFE (libevent's bufferevent_enable_locking_): the lock
  // given, else the underlying's, else a new recursive one; the buffers
  // share it, and an underlying without a lock gets it too. False when no
  // lock can be made (no lock callbacks: the bufferevent is not made).
  bool enable_locking(void* lock) noexcept;
  // The lock every entry point holds (bufferevent_lock), or null.
  void* lock() const noexcept { return lock_; }

  Base& base() const noexcept { return *face_.ev_base; }
  Buffer& input() noexcept { return *face_.input; }
  Buffer& output() noexcept { return *face_.output; }
  Callbacks callbacks() const noexcept { return {face_.readcb, face_.writecb, face_.errorcb, face_.cbarg}; }
  void set_callbacks(const Callbacks& cbs) noexcept;

  int enable(short what) noexcept;
  int disable(short what) noexcept;
  short enabled() const noexcept { return face_.enabled; }
  // New timeouts (NULL or zero: none) apply to the I/O already pending.
  int set_timeouts(const timeval* read, const timeval* write) noexcept;
  void set_watermark(short events, size_t low, size_t high) noexcept;
  int get_watermark(short events, size_t* low, size_t* high) const noexcept;
  int set_priority(int pri) noexcept;
  int priority() const noexcept { return deferred_.priority; }
  // bufferevent_trigger / bufferevent_trigger_event.
  void trigger(short iotype, int options) noexcept;
  void trigger_event(short what, int options) noexcept;

  // Kind-specific, with the answers of a kind that lacks them.
  virtual int fd() const noexcept { return -1; }
  // bufferevent_base_set: only socket bufferevents move (bufferevent.h).
  virtual int set_base(Base&) noexcept { return -1; }
  virtual int set_fd(int) noexcept { return -1; }
  // bufferevent_socket_connect: the kinds that own a socket (socket, TLS).
  virtual int connect(const sockaddr*, int) noexcept { return -1; }
  // bufferevent_get_underlying: the bufferevent a wrapper (a filter) sits on.
  virtual Bufferevent* underlying() const noexcept { return nullptr; }
  // bufferevent_flush: what libevent's be_ops flush returns (-1 failure,
  // 0 nothing produced, 1 data produced); 0 for a kind with nothing to
  // flush (sockets).
  virtual int flush(short /*iotype*/, int /*mode*/) noexcept { return 0; }

  // Why a direction is held back although enabled (libevent's
  // bufferevent_suspend_flags): the read high watermark, the bufferevent's
  // own rate limit, its group's, a filter over it whose reading is off. It
  // resumes when no reason is left.
  enum : uint8_t { kSuspendWm = 0x01, kSuspendBw = 0x02, kSuspendBwGroup = 0x04, kSuspendFilter = 0x08 };
  void suspend(short dir, uint8_t why) noexcept;
  void unsuspend(short dir, uint8_t why) noexcept;
  void suspend_read(uint8_t why = kSuspendWm) noexcept { suspend(kRead, why); }
  void unsuspend_read(uint8_t why = kSuspendWm) noexcept { unsuspend(kRead, why); }
  uint8_t suspended(short dir) const noexcept { return dir == kRead ? read_suspended_ : write_suspended_; }
  // Rate limits and single-operation sizes (ratelim.h), for every kind.
  RateLimit& ratelim() noexcept { return ratelim_; }

  // For Refs: whether the work in direction `what` may go on.
  bool enabled_for(short what) const noexcept { return (face_.enabled & what) != 0; }
  int refcnt = 1;

 protected:
  static void destroy(Bufferevent* bev) noexcept { delete bev; }
  using Refs = evref::Refs<Bufferevent, destroy>;
  // A reference and the lock held for a scope: every path from the loop or
  // the API into a bufferevent holds one, so the user's callbacks run with
  // the lock held, as libevent runs them. The lock is let go before the
  // last reference, with which it may go.
  class Hold {
   public:
    explicit Hold(Bufferevent* bev) noexcept : bev_(bev), lock_(bev->lock_) {
      thread::lock(lock_);
      Refs::take(bev_);
    }
    ~Hold() { bev_->unlock_and_drop(lock_); }
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;

   private:
    Bufferevent* bev_;
    void* lock_;
  };
  // Drops a reference taken with `lock` held, releasing the lock first when
  // it is the last one; true when that freed the bufferevent.
  bool unlock_and_drop(void* lock) noexcept;
  // A pair end going first leaves the shared lock to its partner.
  void hand_lock_to(Bufferevent& other) noexcept {
    if (!own_lock_ || other.lock_ != lock_) return;
    own_lock_ = false;
    other.own_lock_ = true;
  }

  Bufferevent(Base& base, const Calls& calls, int options) noexcept;
  virtual ~Bufferevent();
  // Makes the buffers; false when out of memory.
  bool init() noexcept;

  // How bytes move, per kind (libevent's be_ops enable / disable /
  // adj_timeouts and the priority of its events).
  virtual int start_io(short what) noexcept = 0;
  virtual void stop_io(short what) noexcept = 0;
  virtual int adjust_timeouts() noexcept = 0;
  virtual int set_io_priority(int pri) noexcept = 0;

  // The user's callbacks, now or deferred (by the options or
  // BEV_OPT_DEFER_CALLBACKS): read at the low watermark, write at or below
  // the output's low watermark (bufferevent_trigger_nolock_), and events.
  void deliver(short iotype, int options) noexcept;
  void deliver_event(short what, int options) noexcept;
  // The read high watermark: reading stops while input holds that much.
  size_t read_room(size_t want) const noexcept;
  bool read_suspended() const noexcept { return read_suspended_ != 0; }
  const Micros* timeout(short dir) const noexcept;
  // Moves what every kind shares to another base; false while any of it
  // waits on the current one (a deferred callback, a rate limit).
  bool rebase(Base& base) noexcept;

  const int options_;

 private:
  static void run_deferred(int, short, void* arg);
  static void input_watermark(Buffer& buf, const CbInfo& info, void* arg);
  bool deferring(int options) const noexcept { return ((options_ | options) & kOptDeferCallbacks) != 0; }
  void schedule_deferred() noexcept;
  void call_read() noexcept;
  void call_write() noexcept;
  void call_event(short what) noexcept;
  void check_read_high_watermark() noexcept;

  Face face_;  // ev_base is changed only by rebase
  const Calls& calls_;
  Buffer::CbEntry* read_wm_cb_ = nullptr;
  Event deferred_;  // runs the deferred callbacks
  std::optional<Micros> timeout_read_, timeout_write_;  // face_'s timeouts, as the timers take them
  uint8_t read_suspended_ = 0, write_suspended_ = 0;
  bool deferred_scheduled_ = false, readcb_pending_ = false, writecb_pending_ = false;
  short eventcb_pending_ = 0;
  int errno_pending_ = 0;
  RateLimit ratelim_;  // built with the base: face_.ev_base is set only in the body
  void* lock_ = nullptr;
  bool own_lock_ = false;
};

}  // namespace evref

#endif  // EVREF_CORE_BUFFEREVENT_H
