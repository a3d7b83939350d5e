#include "event_base.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cerrno>
#include <cstdlib>
#include <new>

#include <sys/resource.h>

namespace evref {

bool Base::debug_mode_ = false;

// ---------------------------------------------------------------- backends

const std::vector<BackendInfo>& backends() {
  // enum event_method_feature: ET 0x01, O1 0x02, FDS 0x04, EARLY_CLOSE 0x08.
  static const std::vector<BackendInfo> list = {
      {"epoll", 0x01 | 0x02 | 0x08, make_epoll_backend},
      {"poll", 0x04 | 0x08, make_poll_backend},  // POLLRDHUP: early close on Linux
  };
  return list;
}

namespace {

// libevent skips a method when EVENT_NO<METHOD> is set, e.g. EVENT_NOEPOLL.
bool disabled_by_environment(const char* name) {
  std::string var = "EVENT_NO";
  for (const char* p = name; *p; ++p) var += static_cast<char>(std::toupper(*p));
  return std::getenv(var.c_str()) != nullptr;
}

}  // namespace

// The first backend, in libevent's order of preference, that the config
// does not avoid, that has every required feature, and that the
// environment does not disable (event_base_new_with_config).
bool Base::choose_backend(const Options& options) {
  for (const BackendInfo& b : backends()) {
    bool avoided = false;
    for (const std::string& name : options.avoid) avoided |= name == b.name;
    if (avoided || (b.features & options.required_features) != options.required_features) continue;
    if (!(options.flags & kFlagIgnoreEnv) && disabled_by_environment(b.name)) continue;
    backend_ = b.create();
    if (backend_) {
      method_ = b.name;
      features_ = b.features;
      return true;
    }
  }
  return false;
}

Base::Base(const Options& options) : flags_(options.flags), queues_(1) {
  choose_backend(options);
  sync_wall_offset(monotonic_now());
}

// The once-only events of event_base_once live here until they have run.
struct Base::Once {
  Event ev;
  Callback cb;
  void* arg;
  Once* prev;
  Once* next;
};

Base::~Base() {
  // Events still added are removed without running (event_base_free);
  // their memory is their owner's. Once-only events are ours: freed.
  while (onces_) {
    Once* o = onces_;
    onces_ = o->next;
    del(o->ev);
    delete o;
  }
  while (!heap_.empty()) del(*heap_.front());
  for (Queue& q : queues_)
    while (q.head) del(*q.head);
  for (FdSlot& slot : fds_)
    while (slot.head) del(*slot.head);
  for (Event* head : signal_heads_)
    while (head) {
      Event* next = head->io_next;
      del(*head);
      head = next;
    }
}

// ------------------------------------------------------------------- time

Micros Base::now() noexcept {
  if (cached_now_ != 0) return cached_now_;
  return monotonic_now();
}

void Base::sync_wall_offset(Micros mono) noexcept {
  if (wall_synced_at_ != 0 && mono - wall_synced_at_ < 5 * 1000000) return;
  wall_offset_ = realtime_now() - mono;
  wall_synced_at_ = mono;
}

// ------------------------------------------------------- event lifecycle

int Base::assign(Event& ev, Base* base, int fd, short events, Callback cb, void* arg) noexcept {
  // A signal event cannot also wait for I/O (event_assign returns -1).
  if ((events & kSignal) && (events & (kRead | kWrite | kClosed))) return -1;
  ev = Event{};
  ev.base = base;
  ev.cb = cb;
  ev.arg = arg;
  ev.fd = fd;
  ev.events = events;
  ev.state = Event::kInit;
  ev.kind = (events & kSignal) ? Event::kSignalled
            : (events & kPersist) ? Event::kPersistent
                                  : Event::kPlain;
  ev.priority = base ? base->default_priority() : 0;
  return 0;
}

// event_add: insert into the fd or signal map unless already there (or
// active), then (re)arm the timer. Adding a timer to an event that is active
// because its timer expired cancels that activation, as in libevent 2.1.
int Base::add(Event& ev, const Micros* timeout, bool absolute) noexcept {
  const bool wants_io = ev.events & (kRead | kWrite | kClosed | kSignal);
  if (wants_io && !(ev.state & (Event::kInserted | Event::kActive))) {
    const int rc = (ev.events & kSignal) ? insert_signal(ev) : insert_io(ev);
    if (rc != 0) return -1;
    if (!(ev.state & Event::kTimerSet)) ++n_added_;
    ev.state |= Event::kInserted;
  }
  if (timeout == nullptr) return 0;
  if (ev.kind == Event::kPersistent && !absolute) ev.interval = *timeout;
  if (ev.state & Event::kTimerSet) heap_remove(ev);
  else if (!(ev.state & Event::kInserted)) ++n_added_;
  if ((ev.state & Event::kActive) && (ev.res & kTimeout)) {
    stop_signal_calls(ev);
    queue_remove(ev);
  }
  ev.deadline = absolute ? *timeout : add_saturating(now(), *timeout);
  ev.seq = next_seq_++;
  if (!heap_push(ev)) {
    if (!(ev.state & Event::kInserted)) --n_added_;
    return -1;
  }
  ev.state |= Event::kTimerSet;
  return 0;
}

// Ends a running signal closure's loop over this event's calls.
void Base::stop_signal_calls(Event& ev) noexcept {
  if (ev.pncalls == nullptr) return;
  *ev.pncalls = 0;
  ev.pncalls = nullptr;
}

// event_del: out of every list; a signal closure running this event's
// calls stops after the current one.
int Base::del(Event& ev) noexcept {
  stop_signal_calls(ev);
  const bool was_added = ev.state & (Event::kInserted | Event::kTimerSet);
  if (ev.state & Event::kTimerSet) heap_remove(ev);
  if (ev.state & Event::kActive) queue_remove(ev);
  if (ev.state & Event::kInserted) {
    if (ev.events & kSignal) remove_signal(ev);
    else remove_io(ev);
  }
  ev.state &= ~(Event::kInserted | Event::kTimerSet);
  if (was_added) --n_added_;
  return 0;
}

int Base::remove_timer(Event& ev) noexcept {
  if (!(ev.state & Event::kTimerSet)) return 0;
  heap_remove(ev);
  ev.state &= ~Event::kTimerSet;
  ev.interval = 0;
  if (!(ev.state & Event::kInserted)) --n_added_;
  return 0;
}

// event_active: an event already active gains the new flags and stays
// queued once (libevent ORs ev_res; ncalls is not accumulated).
void Base::activate(Event& ev, short res, short ncalls) noexcept {
  if (ev.state & Event::kActive) {
    ev.res |= res;
    return;
  }
  ev.res = res;
  // A higher-priority event activated from a callback runs before the
  // rest of the current (lower-priority) queue (libevent's event_continue).
  if (running_priority_ >= 0 && ev.priority < running_priority_) continue_ = true;
  if (ev.events & kSignal) {
    ev.ncalls = ncalls;
    ev.pncalls = nullptr;
  }
  queue_push(ev);
}

int Base::set_priority(Event& ev, int priority) noexcept {
  if ((ev.state & Event::kActive) || priority < 0 || priority >= npriorities()) return -1;
  ev.priority = priority;
  return 0;
}

// event_pending: the flags among `what` the event is pending or active for;
// the timer's deadline is reported in wall-clock time.
short Base::pending(const Event& ev, short what, Micros* wall_deadline) const noexcept {
  short flags = 0;
  if (ev.state & Event::kInserted) flags |= ev.events & (kRead | kWrite | kClosed | kSignal);
  if (ev.state & Event::kActive) flags |= ev.res;
  if (ev.state & Event::kTimerSet) flags |= kTimeout;
  what &= kTimeout | kRead | kWrite | kClosed | kSignal;
  if (wall_deadline && (flags & what & kTimeout)) *wall_deadline = add_saturating(ev.deadline, wall_offset());
  return flags & what;
}

int Base::priority_init(int n) noexcept {
  if (n_active_ != 0 || n < 1 || n >= 256) return -1;  // EVENT_MAX_PRIORITIES
  queues_.assign(static_cast<size_t>(n), Queue{});
  return 0;
}

// ------------------------------------------------------------- once-only

void Base::once_trampoline(int fd, short what, void* arg) {
  Once* o = static_cast<Once*>(arg);
  o->cb(fd, what, o->arg);
  Base* base = o->ev.base;
  (o->prev ? o->prev->next : base->onces_) = o->next;
  if (o->next) o->next->prev = o->prev;
  delete o;
}

// event_base_once: no signals, no EV_PERSIST; a pure timer with no (or a
// zero) timeout is activated at once rather than queued on the heap, so
// event_base_loopexit(NULL) lets the current batch of callbacks finish.
int Base::once(int fd, short events, Callback cb, void* arg, const Micros* timeout) noexcept {
  if (events & (kSignal | kPersist)) return -1;
  bool immediate = false;
  short what;
  if ((events & (kTimeout | kSignal | kRead | kWrite | kClosed)) == kTimeout) {
    what = 0;
    fd = -1;
    immediate = timeout == nullptr || *timeout == 0;
  } else if (events & (kRead | kWrite | kClosed)) {
    what = events & (kRead | kWrite | kClosed);
  } else {
    return -1;
  }
  Once* o = new (std::nothrow) Once{};
  if (o == nullptr) return -1;
  assign(o->ev, this, fd, what, once_trampoline, o);
  o->cb = cb;
  o->arg = arg;
  if (immediate) {
    activate(o->ev, kTimeout, 1);
  } else if (add(o->ev, timeout, false) != 0) {
    delete o;
    return -1;
  }
  o->next = onces_;
  if (onces_) onces_->prev = o;
  onces_ = o;
  return 0;
}

void Base::loopexit_cb(int, short, void* arg) { static_cast<Base*>(arg)->got_exit_ = true; }

// event_base_loopexit is a once-only timer that sets the exit flag, so an
// exit asked for before the loop starts is kept (libevent 2.1).
int Base::loopexit(const Micros* delay) noexcept {
  return once(-1, kTimeout, loopexit_cb, this, delay);
}

// ------------------------------------------------------------------- loop

// event_base_loop. Returns 0 when asked to stop or when EVLOOP_ONCE /
// EVLOOP_NONBLOCK are satisfied, 1 when nothing is pending or active, -1 on
// a backend error or when the loop is already running.
int Base::loop(int flags) noexcept {
  if (running_) return -1;
  running_ = true;
  cached_now_ = 0;
  got_exit_ = got_break_ = false;  // reset on entry: an early loopbreak is lost
  if (n_signal_events_ != 0) signals_.receive_here();  // libevent's evsig_set_base_
  int result = 0;
  for (bool done = false; !done && !got_exit_ && !got_break_;) {
    continue_ = false;
    const Micros timeout = wait_time(flags);
    if (!(flags & kLoopNoExitOnEmpty) && !have_events() && n_active_ == 0) {
      result = 1;
      break;
    }
    cached_now_ = 0;
    if (backend_->wait(timeout, ready_) != 0) {
      result = -1;
      break;
    }
    const Micros mono = monotonic_now();
    sync_wall_offset(mono);
    if (!(flags_ & kFlagNoCacheTime)) cached_now_ = mono;
    activate_ready();
    expire_timers();
    if (n_active_ != 0) {
      const int ran = run_active();
      if ((flags & kLoopOnce) && n_active_ == 0 && ran != 0) done = true;
    } else if (flags & kLoopNonblock) {
      done = true;
    }
  }
  cached_now_ = 0;
  running_ = false;
  return result;
}

// No wait while callbacks are queued or the caller asked not to block;
// otherwise until the earliest timer, or without limit.
Micros Base::wait_time(int flags) noexcept {
  if (n_active_ != 0 || (flags & kLoopNonblock)) return 0;
  if (heap_.empty()) return -1;
  const Micros left = heap_.front()->deadline - monotonic_now();
  return left > 0 ? left : 0;
}

void Base::activate_ready() noexcept {
  for (const Ready& r : ready_) {
    if (signal_pipe_watched_ && r.fd == signals_.read_fd()) {
      signals_.drain([this](int signo, unsigned n) { activate_signal(signo, n); });
    } else {
      activate_fd(r.fd, r.what);
    }
  }
  ready_.clear();
}

// Every event of the fd that wants one of the ready directions. On a
// backend that can trigger on edges, an EV_ET event is told EV_ET as well
// (libevent's epoll reports every readiness with EV_ET, and evmap passes
// on the bits the event asked for); where EV_ET is a no-op, it is not.
void Base::activate_fd(int fd, short what) noexcept {
  if (fd < 0 || static_cast<size_t>(fd) >= fds_.size()) return;
  const short edge = (features_ & kFeatureEdge) ? kEdge : 0;
  for (Event* ev = fds_[fd].head; ev; ev = ev->io_next) {
    const short res = ev->events & what & (kRead | kWrite | kClosed);
    if (res) activate(*ev, res | (ev->events & edge), 1);
  }
}

void Base::activate_signal(int signo, unsigned count) noexcept {
  if (static_cast<size_t>(signo) >= signal_heads_.size()) return;
  const short n = count > 0x7fff ? 0x7fff : static_cast<short>(count);
  for (Event* ev = signal_heads_[signo]; ev; ev = ev->io_next) activate(*ev, kSignal, n);
}

// An expired timer removes the event from everything (fd map included)
// and activates it with EV_TIMEOUT; a persistent one is re-added when it
// runs (libevent's timeout_process and event_persist_closure).
void Base::expire_timers() noexcept {
  const Micros t = now();
  while (!heap_.empty() && heap_.front()->deadline <= t) {
    Event& ev = *heap_.front();
    del(ev);
    activate(ev, kTimeout, 1);
  }
}

// Runs the highest-priority non-empty queue only; lower priorities wait
// for the next iteration (libevent's event_process_active).
int Base::run_active() noexcept {
  for (Queue& q : queues_) {
    if (q.head == nullptr) continue;
    running_priority_ = static_cast<int>(&q - queues_.data());
    const int ran = run_queue(q);
    running_priority_ = -1;
    return ran;
  }
  return 0;
}

// Each event leaves the queue before its callback: a plain event is
// deleted (so it runs once per activation), a persistent one stays added.
// The callback may free the event: nothing of it is read afterwards.
int Base::run_queue(Queue& q) noexcept {
  int count = 0;
  while (Event* ev = q.head) {
    if (ev->events & kPersist) queue_remove(*ev);
    else del(*ev);
    ++count;
    current_ = ev;
    switch (ev->kind) {
      case Event::kSignalled: run_signal(*ev); break;
      case Event::kPersistent: run_persistent(*ev); break;
      default: ev->cb(ev->fd, ev->res, ev->arg); break;
    }
    current_ = nullptr;
    if (got_break_) break;   // event_base_loopbreak: stop after this callback
    if (continue_) break;    // a higher priority became active
  }
  return count;
}

// EV_PERSIST with a timeout: re-arm before the callback, counting from the
// deadline that fired (or from now after I/O), never in the past.
void Base::run_persistent(Event& ev) noexcept {
  const Callback cb = ev.cb;
  const int fd = ev.fd;
  const short res = ev.res;
  void* const arg = ev.arg;
  if (ev.interval != 0) {
    const Micros t = now();
    Micros at = add_saturating((res & kTimeout) ? ev.deadline : t, ev.interval);
    if (at < t) at = add_saturating(t, ev.interval);
    add(ev, &at, true);
  }
  cb(fd, res, arg);
}

// A signal caught n times runs its callback n times; event_del from inside
// stops the rest through pncalls (libevent's event_signal_closure).
void Base::run_signal(Event& ev) noexcept {
  const Callback cb = ev.cb;
  const int fd = ev.fd;
  const short res = ev.res;
  void* const arg = ev.arg;
  short ncalls = ev.ncalls;
  // pncalls never outlives this frame: it is cleared on the last call, by
  // event_del/event_add (stop_signal_calls), or on loopbreak below. GCC
  // cannot see the first two paths.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wunknown-warning-option"
#pragma GCC diagnostic ignored "-Wdangling-pointer"
  if (ncalls != 0) ev.pncalls = &ncalls;
#pragma GCC diagnostic pop
  while (ncalls) {
    --ncalls;
    ev.ncalls = ncalls;
    if (ncalls == 0) ev.pncalls = nullptr;
    cb(fd, res, arg);
    if (got_break_ && ncalls != 0) {
      // Still counting, so the callback did not delete (or free) the event:
      // it is alive; stop pointing at this frame. The rest are dropped.
      ev.pncalls = nullptr;
      return;
    }
  }
}

// ------------------------------------------------------- fd and signal map

short Base::FdSlot::mask() const noexcept {
  short m = 0;
  if (nread) m |= kIoRead;
  if (nwrite) m |= kIoWrite;
  if (nclosed) m |= kIoClosed;
  if (nedge) m |= kIoEdge;
  return m;
}

// The fd table grows to hold fd. An fd at or above the hard RLIMIT_NOFILE
// can never be open, so it is refused (EBADF) rather than sizing the table
// for it; libevent refuses such fds too (its fd map stops growing at
// INT_MAX/8 entries, and epoll_ctl refuses fds that are not open).
bool Base::fd_slot_exists(int fd) noexcept {
  if (static_cast<size_t>(fd) < fds_.size()) return true;
  rlimit rl{};
  rlim_t limit = INT_MAX / 8;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max < limit)
    limit = rl.rlim_max;
  if (static_cast<rlim_t>(fd) >= limit) {
    errno = EBADF;
    return false;
  }
  try {
    fds_.resize(static_cast<size_t>(fd) + 1);
  } catch (const std::bad_alloc&) {
    errno = ENOMEM;
    return false;
  }
  return true;
}

// New events go to the front of the fd's list, as in libevent's evmap, so
// the most recently added is activated first.
int Base::insert_io(Event& ev) noexcept {
  if (ev.fd < 0) return 0;  // nothing to watch; libevent accepts it too
  if (!fd_slot_exists(ev.fd)) return -1;
  FdSlot& slot = fds_[ev.fd];
  // One fd cannot be both edge- and level-triggered: the kernel's flag is
  // per fd. libevent's debug mode refuses the mix ("Tried to mix
  // edge-triggered and non-edge-triggered events"); otherwise it lets the
  // last change decide for every event of the fd, and so does this.
  if (debug_mode_ && slot.head && ((slot.head->events ^ ev.events) & kEdge)) return -1;
  const short before = slot.mask();
  slot.nread += (ev.events & kRead) != 0;
  slot.nwrite += (ev.events & kWrite) != 0;
  slot.nclosed += (ev.events & kClosed) != 0;
  slot.nedge += (ev.events & kEdge) != 0;
  const short after = slot.mask();
  if (after != before && backend_->change(ev.fd, before, after) != 0) {
    slot.nread -= (ev.events & kRead) != 0;
    slot.nwrite -= (ev.events & kWrite) != 0;
    slot.nclosed -= (ev.events & kClosed) != 0;
    slot.nedge -= (ev.events & kEdge) != 0;
    return -1;
  }
  ev.io_prev = nullptr;
  ev.io_next = slot.head;
  if (slot.head) slot.head->io_prev = &ev;
  slot.head = &ev;
  return 0;
}

void Base::remove_io(Event& ev) noexcept {
  if (ev.fd < 0 || static_cast<size_t>(ev.fd) >= fds_.size()) return;
  FdSlot& slot = fds_[ev.fd];
  (ev.io_prev ? ev.io_prev->io_next : slot.head) = ev.io_next;
  if (ev.io_next) ev.io_next->io_prev = ev.io_prev;
  ev.io_prev = ev.io_next = nullptr;
  const short before = slot.mask();
  slot.nread -= (ev.events & kRead) != 0;
  slot.nwrite -= (ev.events & kWrite) != 0;
  slot.nclosed -= (ev.events & kClosed) != 0;
  slot.nedge -= (ev.events & kEdge) != 0;
  const short after = slot.mask();
  if (after != before) backend_->change(ev.fd, before, after);
}

int Base::insert_signal(Event& ev) noexcept {
  const int signo = ev.fd;
  if (signo <= 0 || signo >= SignalPipe::kMaxSignal) return -1;
  if (!signal_pipe_watched_) {
    const int rfd = signals_.open();
    if (rfd < 0 || backend_->change(rfd, 0, kIoRead) != 0) return -1;
    signal_pipe_watched_ = true;
  }
  if (signal_heads_.size() <= static_cast<size_t>(signo)) signal_heads_.resize(signo + 1, nullptr);
  if (signal_heads_[signo] == nullptr && signals_.catch_signal(signo) != 0) return -1;
  ev.io_prev = nullptr;
  ev.io_next = signal_heads_[signo];
  if (ev.io_next) ev.io_next->io_prev = &ev;
  signal_heads_[signo] = &ev;
  ++n_signal_events_;
  return 0;
}

// The last event of a signal gone: the signal's old disposition returns.
void Base::remove_signal(Event& ev) noexcept {
  const int signo = ev.fd;
  (ev.io_prev ? ev.io_prev->io_next : signal_heads_[signo]) = ev.io_next;
  if (ev.io_next) ev.io_next->io_prev = ev.io_prev;
  ev.io_prev = ev.io_next = nullptr;
  --n_signal_events_;
  if (signal_heads_[signo] == nullptr) signals_.restore(signo);
}

// ----------------------------------------------------------- active queues

// An event's queue; a priority beyond the range (after priority_init shrank
// it) uses the lowest.
Base::Queue& Base::queue_of(const Event& ev) noexcept {
  return queues_[std::min(ev.priority, npriorities() - 1)];
}

void Base::queue_push(Event& ev) noexcept {
  Queue& q = queue_of(ev);
  ev.active_next = nullptr;
  ev.active_prev = q.tail;
  (q.tail ? q.tail->active_next : q.head) = &ev;
  q.tail = &ev;
  ev.state |= Event::kActive;
  ++n_active_;
}

void Base::queue_remove(Event& ev) noexcept {
  Queue& q = queue_of(ev);
  (ev.active_prev ? ev.active_prev->active_next : q.head) = ev.active_next;
  (ev.active_next ? ev.active_next->active_prev : q.tail) = ev.active_prev;
  ev.active_prev = ev.active_next = nullptr;
  ev.state &= ~Event::kActive;
  --n_active_;
}

// -------------------------------------------------------------- timer heap
// A binary min-heap ordered by (deadline, seq); each event knows its index,
// so removal is O(log n).

bool Base::earlier(const Event* a, const Event* b) noexcept {
  return a->deadline != b->deadline ? a->deadline < b->deadline : a->seq < b->seq;
}

void Base::heap_place(size_t i, Event* ev) noexcept {
  heap_[i] = ev;
  ev->heap_index = i;
}

bool Base::heap_push(Event& ev) noexcept {
  try {
    heap_.push_back(&ev);
  } catch (const std::bad_alloc&) {
    return false;
  }
  ev.heap_index = heap_.size() - 1;
  heap_sift_up(ev.heap_index);
  return true;
}

void Base::heap_remove(Event& ev) noexcept {
  const size_t i = ev.heap_index;
  Event* last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;
  heap_place(i, last);
  heap_sift_up(i);
  heap_sift_down(last->heap_index);
}

void Base::heap_sift_up(size_t i) noexcept {
  Event* ev = heap_[i];
  while (i > 0) {
    const size_t parent = (i - 1) / 2;
    if (!earlier(ev, heap_[parent])) break;
    heap_place(i, heap_[parent]);
    i = parent;
  }
  heap_place(i, ev);
}

void Base::heap_sift_down(size_t i) noexcept {
  Event* ev = heap_[i];
  const size_t n = heap_.size();
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && earlier(heap_[child + 1], heap_[child])) ++child;
    if (!earlier(heap_[child], ev)) break;
    heap_place(i, heap_[child]);
    i = child;
  }
  heap_place(i, ev);
}

}  // namespace evref
