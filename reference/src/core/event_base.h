// evref::Base — the reference event loop.
//
// A Base is built from small parts, each with its own invariant check:
// FdMap (I/O events per fd, and the backend's interest), SignalMap (signal
// events and the self-pipe), TimerHeap (pending timeouts) and ActiveQueues
// (one queue per priority). The Base holds the lifecycle rules that span
// them (event_add / event_del / event_active), the loop, and the time cache.
//
// One loop iteration (Base::loop) is a list of phases, one helper each:
// compute the wait, wait in the backend, turn ready fds and caught signals
// into activations, expire timers, then run the highest-priority active
// queue. The rules followed are libevent 2.1's, cited at each helper.
#ifndef EVREF_CORE_EVENT_BASE_H
#define EVREF_CORE_EVENT_BASE_H

#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "active_queues.h"
#include "backend.h"
#include "clock.h"
#include "event_types.h"
#include "fd_map.h"
#include "signal_map.h"
#include "timer_heap.h"

namespace evref {

class Base {
 public:
  // event_config_set_max_dispatch_interval: after how many callbacks, or
  // how long, the loop goes back to check for new events, for the queues
  // of priority min_priority and above (libevent's defaults: no limit, and
  // a config enforces limits from priority 1 on).
  struct DispatchLimits {
    bool has_interval = false;
    Micros interval = 0;
    int max_callbacks = INT_MAX;
    int min_priority = 1;
  };
  struct Options {
    std::vector<std::string> avoid;
    int required_features = 0;
    int flags = 0;
    DispatchLimits dispatch;
  };

  // Chooses and makes the backend. Not noexcept: it may throw
  // std::bad_alloc, which event_base_new_with_config's guard turns into
  // NULL (ok() is false when no backend could be made at all).
  explicit Base(const Options& options);
  ~Base();
  Base(const Base&) = delete;
  Base& operator=(const Base&) = delete;

  bool ok() const noexcept { return backend_ != nullptr; }
  const char* method() const noexcept { return method_; }
  int features() const noexcept { return features_; }

  // Event lifecycle (event_assign / event_add / event_del / event_active).
  // base may be null: the event is then bound later (event_base_set).
  static int assign(Event& ev, Base* base, int fd, short events, Callback cb, void* arg) noexcept;
  int add(Event& ev, const Micros* timeout, bool absolute) noexcept;
  // event_del waits while the event's callback runs in another thread
  // (kDelAuto: unless the event was made with EV_FINALIZE), as
  // event_del_block always does and event_del_noblock never does.
  enum DelMode { kDelAuto, kDelBlock, kDelNoBlock };
  int del(Event& ev, DelMode mode = kDelAuto) noexcept;
  int remove_timer(Event& ev) noexcept;
  void activate(Event& ev, short res, short ncalls) noexcept;
  int set_priority(Event& ev, int priority) noexcept;
  short pending(const Event& ev, short what, Micros* wall_deadline) const noexcept;
  // event_finalize / event_free_finalize: the event is deleted and its
  // finalizer queued (at its priority) to run from the loop, once.
  int finalize(Event& ev, Finalizer fn, bool free_after) noexcept;
  // event_base_free runs the finalizers still queued (run), and
  // event_base_free_nofinalize drops them; both before the base goes.
  void end_finalizers(bool run) noexcept;
  int once(int fd, short events, Callback cb, void* arg, const Micros* timeout) noexcept;

  // The loop (event_base_loop and its controls).
  int loop(int flags) noexcept;
  int loopexit(const Micros* delay) noexcept;
  void loopbreak() noexcept;
  void loopcontinue() noexcept;
  bool got_exit() const noexcept;
  bool got_break() const noexcept;
  Event* running_event() const noexcept;

  // --- threads (event2/thread.h). A base made while lock callbacks are set
  // (and without EVENT_BASE_FLAG_NOLOCK) has a recursive lock, which every
  // public method takes, a condition for event_del's wait, and a notify fd
  // that wakes its loop when another thread changes it (libevent's
  // th_base_lock, current_event_cond and th_notify_fd). Without callbacks
  // the lock is null and taking it costs a branch.
  bool has_lock() const noexcept { return lock_ != nullptr; }
  // evthread_make_base_notifiable: 0, or -1 when no fd could be made.
  int make_notifiable() noexcept;
  int notify_fd() const noexcept { return notify_fd_; }

  // event_base_foreach_event: fn on each added or active event, once;
  // stops at the first nonzero answer and returns it.
  int foreach_event(int (*fn)(const Event& ev, void* arg), void* arg) const noexcept;

  int priority_init(int n) noexcept;
  int npriorities() const noexcept { return active_.priorities(); }
  int default_priority() const noexcept { return npriorities() / 2; }

  // Loop time: cached between a wait and the next one, like libevent.
  Micros now() noexcept;
  // Wall-clock time minus monotonic time, resynchronised at most every 5 s
  // (libevent's CLOCK_SYNC_INTERVAL) so that deadlines reported together
  // are consistent with each other.
  Micros wall_offset() const noexcept { return wall_offset_; }

  // event_enable_debug_mode: process-wide, before any base exists. The
  // reference does the one debug check whose failure is a return value
  // (mixing edge- and level-triggered events on an fd); it has none of the
  // checks that abort.
  static void enable_debug_mode() noexcept { debug_mode_ = true; }

  // --- base and loop inspection (issue 19)
  // event_base_active_by_fd / _by_signal: activate the added events of an
  // fd whose flags match (EV_TIMEOUT: those with a timer), or of a signal.
  void activate_by_fd(int fd, short events) noexcept;
  void activate_by_signal(int signo) noexcept { activate_signal(signo, 1); }
  // event_base_get_num_events / _get_max_events: EVENT_BASE_COUNT_ACTIVE
  // (1), _VIRTUAL (2, none on Linux), _ADDED (4: added events, and active
  // ones counted again, as libevent does), summed over the flags given.
  int count_events(unsigned type) const noexcept;
  int max_events(unsigned type, bool clear) noexcept;
  // event_base_update_cache_time: only inside the loop, and only when the
  // time is cached at all (not EVENT_BASE_FLAG_NO_CACHE_TIME).
  void update_cache_time() noexcept;
  // Whether now() is the loop's cached time (event_base_gettimeofday_cached
  // reads the system clock otherwise, as libevent does).
  bool time_cached() const noexcept { return cached_now_ != 0; }
  // event_reinit: a new kernel backend of the same kind and a new signal
  // pipe (after fork both are shared with the parent), told about every
  // event added; -1 when one of them cannot be re-registered.
  int reinit() noexcept;
  // The lock, for those that take it around several calls (white-box).
  void* lock() const noexcept { return lock_; }

  // White-box support: nullptr, or the first violation found in the parts
  // or in how an event's state bits match where it is linked.
  const char* check_invariants() const noexcept;

 private:
  struct Once;
  static bool debug_mode_;

  bool choose_backend(const Options& options);
  void sync_wall_offset(Micros mono) noexcept;

  // Loop phases.
  Micros wait_time(int flags) noexcept;
  bool have_events() const noexcept { return n_added_ > 0; }
  void activate_ready() noexcept;
  void activate_fd(int fd, short what) noexcept;
  void activate_signal(int signo, unsigned count) noexcept;
  void expire_timers() noexcept;
  int run_active() noexcept;
  int run_queue(ActiveQueues::Queue& q, int max_callbacks, const Micros* end) noexcept;
  void run_persistent(Event& ev) noexcept;
  void run_signal(Event& ev) noexcept;
  bool call_user(Callback cb, int fd, short res, void* arg) noexcept;
  void end_callback() noexcept;
  bool in_loop_thread() const noexcept;
  void wake_loop() noexcept;
  void drain_notify() noexcept;
  int open_notify() noexcept;
  void close_notify() noexcept;
  void stop_calls_of(const Event& ev) noexcept {
    if (&ev == current_) current_stopped_ = true;
  }

  void refresh_time_cache() noexcept;
  void note_peaks() noexcept;

  static void once_trampoline(int fd, short what, void* arg);
  static void loopexit_cb(int fd, short what, void* arg);

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Backend> (*create_backend_)() = nullptr;  // event_reinit makes another
  const char* method_ = nullptr;
  int features_ = 0;
  int flags_ = 0;
  std::vector<Ready> ready_;
  FdMap fds_;
  SignalMap signals_;
  TimerHeap timers_;
  ActiveQueues active_;
  Once* onces_ = nullptr;
  size_t n_added_ = 0;  // events inserted or with a timer (not counting our own)
  uint64_t next_seq_ = 0;
  Micros cached_now_ = 0;  // 0: not cached
  Micros wall_offset_ = 0;
  Micros wall_synced_at_ = 0;  // monotonic time of the last resync
  Event* current_ = nullptr;     // the event whose callback runs
  bool current_stopped_ = false;  // it was deleted, freed or re-armed since
  int running_priority_ = -1;
  bool running_ = false;
  bool got_exit_ = false;
  bool got_break_ = false;
  bool continue_ = false;
  DispatchLimits dispatch_;
  size_t max_active_ = 0;  // event_base_get_max_events' peaks
  size_t max_added_ = 0;
  void* lock_ = nullptr;           // recursive; null without lock callbacks
  void* cond_ = nullptr;           // signalled when a callback returns
  int waiters_ = 0;                // threads waiting in del for current_
  unsigned long owner_ = 0;        // the thread running the loop
  int notify_fd_ = -1;             // an eventfd the backend watches
  bool notify_pending_ = false;    // written and not yet drained
};

}  // namespace evref

#endif  // EVREF_CORE_EVENT_BASE_H
