// evref::Base and evref::Event — the reference event loop.
//
// An Event is plain data owned by its user (event_new's heap block or the
// caller's own storage for event_assign); the Base links it into at most
// four places: the per-fd (or per-signal) list, the timer heap, and one
// active queue per priority. Its state bits say which.
//
// One loop iteration (Base::loop) is a list of phases, one helper each:
// compute the wait, wait in the backend, turn ready fds and caught signals
// into activations, expire timers, then run the highest-priority active
// queue. The rules followed are libevent 2.1's, cited at each helper.
#ifndef EVREF_CORE_EVENT_BASE_H
#define EVREF_CORE_EVENT_BASE_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend.h"
#include "clock.h"
#include "signal_pipe.h"

namespace evref {

// The EV_* flag values (event2/event.h).
enum : short {
  kTimeout = 0x01,
  kRead = 0x02,
  kWrite = 0x04,
  kSignal = 0x08,
  kPersist = 0x10,
  kEdge = 0x20,
  kFinalize = 0x40,
  kClosed = 0x80,
};

// enum event_method_feature: EV_FEATURE_ET.
enum : int { kFeatureEdge = 0x01 };

// The EVLOOP_* flags and event_base_config_flag bits used here.
enum : int { kLoopOnce = 0x01, kLoopNonblock = 0x02, kLoopNoExitOnEmpty = 0x04 };
enum : int { kFlagIgnoreEnv = 0x02, kFlagNoCacheTime = 0x08 };

using Callback = void (*)(int fd, short what, void* arg);

class Base;

struct Event {
  enum State : uint8_t { kInit = 0x80, kInserted = 0x01, kTimerSet = 0x02, kActive = 0x04 };
  enum Kind : uint8_t { kPlain, kPersistent, kSignalled };

  Base* base = nullptr;
  Callback cb = nullptr;
  void* arg = nullptr;
  int fd = -1;
  short events = 0;  // what the user asked for
  short res = 0;     // why it is active
  uint8_t state = 0;
  uint8_t kind = kPlain;
  int priority = 0;
  // Signal events: calls still to make in this activation, and where the
  // running closure keeps its own copy (event_del zeroes it to stop).
  short ncalls = 0;
  short* pncalls = nullptr;
  Micros deadline = 0;  // absolute, monotonic
  Micros interval = 0;  // EV_PERSIST: the timeout to re-arm with (0: none)
  uint64_t seq = 0;     // orders equal deadlines first-added-first
  size_t heap_index = 0;
  Event* active_prev = nullptr;
  Event* active_next = nullptr;
  Event* io_prev = nullptr;  // the fd's (or signal's) list of events
  Event* io_next = nullptr;
};

class Base {
 public:
  struct Options {
    std::vector<std::string> avoid;
    int required_features = 0;
    int flags = 0;
  };

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
  int del(Event& ev) noexcept;
  int remove_timer(Event& ev) noexcept;
  void activate(Event& ev, short res, short ncalls) noexcept;
  int set_priority(Event& ev, int priority) noexcept;
  short pending(const Event& ev, short what, Micros* wall_deadline) const noexcept;
  int once(int fd, short events, Callback cb, void* arg, const Micros* timeout) noexcept;

  // The loop (event_base_loop and its controls).
  int loop(int flags) noexcept;
  int loopexit(const Micros* delay) noexcept;
  void loopbreak() noexcept { got_break_ = true; }
  void loopcontinue() noexcept { continue_ = true; }
  bool got_exit() const noexcept { return got_exit_; }
  bool got_break() const noexcept { return got_break_; }
  Event* running_event() const noexcept { return current_; }

  int priority_init(int n) noexcept;

  // event_enable_debug_mode: process-wide, before any base exists. The
  // reference does the one debug check whose failure is a return value
  // (mixing edge- and level-triggered events on an fd); it has none of the
  // checks that abort.
  static void enable_debug_mode() noexcept { debug_mode_ = true; }
  int npriorities() const noexcept { return static_cast<int>(queues_.size()); }
  int default_priority() const noexcept { return npriorities() / 2; }

  // Loop time: cached between a wait and the next one, like libevent.
  Micros now() noexcept;
  // Wall-clock time minus monotonic time, resynchronised at most every 5 s
  // (libevent's CLOCK_SYNC_INTERVAL) so that deadlines reported together
  // are consistent with each other.
  Micros wall_offset() const noexcept { return wall_offset_; }

 private:
  struct FdSlot {
    Event* head = nullptr;
    uint32_t nread = 0, nwrite = 0, nclosed = 0, nedge = 0;
    short mask() const noexcept;
  };
  struct Queue {
    Event* head = nullptr;
    Event* tail = nullptr;
  };
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
  int run_queue(Queue& q) noexcept;
  void run_persistent(Event& ev) noexcept;
  void run_signal(Event& ev) noexcept;
  static void stop_signal_calls(Event& ev) noexcept;

  // Membership of the lists.
  int insert_io(Event& ev) noexcept;
  bool fd_slot_exists(int fd) noexcept;
  void remove_io(Event& ev) noexcept;
  int insert_signal(Event& ev) noexcept;
  void remove_signal(Event& ev) noexcept;
  Queue& queue_of(const Event& ev) noexcept;
  void queue_push(Event& ev) noexcept;
  void queue_remove(Event& ev) noexcept;
  bool heap_push(Event& ev) noexcept;
  void heap_remove(Event& ev) noexcept;
  void heap_sift_up(size_t i) noexcept;
  void heap_sift_down(size_t i) noexcept;
  void heap_place(size_t i, Event* ev) noexcept;
  static bool earlier(const Event* a, const Event* b) noexcept;

  static void once_trampoline(int fd, short what, void* arg);
  static void loopexit_cb(int fd, short what, void* arg);

  std::unique_ptr<Backend> backend_;
  const char* method_ = nullptr;
  int features_ = 0;
  int flags_ = 0;
  std::vector<Ready> ready_;
  std::vector<FdSlot> fds_;
  std::vector<Event*> signal_heads_;  // by signal number
  SignalPipe signals_;
  bool signal_pipe_watched_ = false;
  size_t n_signal_events_ = 0;  // signal events inserted
  std::vector<Event*> heap_;
  std::vector<Queue> queues_;
  Once* onces_ = nullptr;
  size_t n_added_ = 0;   // events inserted or with a timer (not counting our own)
  size_t n_active_ = 0;  // events in the active queues
  uint64_t next_seq_ = 0;
  Micros cached_now_ = 0;  // 0: not cached
  Micros wall_offset_ = 0;
  Micros wall_synced_at_ = 0;  // monotonic time of the last resync
  Event* current_ = nullptr;
  int running_priority_ = -1;
  bool running_ = false;
  bool got_exit_ = false;
  bool got_break_ = false;
  bool continue_ = false;
};

}  // namespace evref

#endif  // EVREF_CORE_EVENT_BASE_H
