#include "event_base.h"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <new>

#include <sys/eventfd.h>
#include <unistd.h>

#include "debug_map.h"
#include "mm.h"
#include "thread.h"

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
      create_backend_ = b.create;
      method_ = b.name;
      features_ = b.features;
      return true;
    }
  }
  return false;
}

Base::Base(const Options& options) : flags_(options.flags), dispatch_(options.dispatch) {
  // Without a limit there is nothing to enforce at any priority
  // (event_base_new_with_config).
  if (dispatch_.max_callbacks == INT_MAX && !dispatch_.has_interval) dispatch_.min_priority = INT_MAX;
  choose_backend(options);
  sync_wall_offset(monotonic_now());
  // libevent's event_base_new_with_config: a lock, a condition and a
  // notify fd when lock callbacks are set, unless EVENT_BASE_FLAG_NOLOCK.
  // The lock is recursive here (libevent's is not, having a _nolock twin
  // of every function instead), so core code may call the public methods.
  if (backend_ && thread::locking_enabled() && !(flags_ & kFlagNoLock)) {
    lock_ = thread::alloc_lock(thread::kRecursive);
    cond_ = thread::alloc_cond();
    if (lock_ == nullptr || make_notifiable() != 0) backend_.reset();  // ok() is false
  }
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
  end_finalizers(false);  // (event_base_free ran them first if it should)
  // Events still added are removed without running (event_base_free);
  // their memory is their owner's. Once-only events are ours: freed.
  while (onces_) {
    Once* o = onces_;
    onces_ = o->next;
    del(o->ev);
    delete o;
  }
  while (!timers_.empty()) del(timers_.top());
  int priority;
  while (ActiveQueues::Queue* q = active_.first_nonempty(&priority)) del(*q->head);
  for (size_t fd = 0; fd < fds_.table_size(); ++fd)
    while (Event* ev = fds_.events(static_cast<int>(fd))) del(*ev);
  for (int signo = 1; signo < SignalPipe::kMaxSignal; ++signo)
    while (Event* ev = signals_.events(signo)) del(*ev);
  close_notify();
  thread::free_cond(cond_);
  thread::free_lock(lock_, thread::kRecursive);
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
  thread::Locked locked(lock_);
  wake_loop();  // the wait may have to end sooner, or watch another fd
  if (ev.state & Event::kFinalizing) return -1;  // event.h: event_add no longer works
  const bool wants_io = ev.events & (kRead | kWrite | kClosed | kSignal);
  if (wants_io && !(ev.state & (Event::kInserted | Event::kActive))) {
    const int rc = (ev.events & kSignal) ? signals_.insert(ev, *backend_)
                                         : fds_.insert(ev, *backend_, debug_mode_);
    if (rc != 0) return -1;
    if (!(ev.state & Event::kTimerSet)) ++n_added_;
    ev.state |= Event::kInserted;
    note_peaks();
  }
  if (timeout == nullptr) return 0;
  if (ev.kind == Event::kPersistent && !absolute) ev.interval = *timeout;
  if (ev.state & Event::kTimerSet) timers_.remove(ev);
  else if (!(ev.state & Event::kInserted)) ++n_added_;
  if ((ev.state & Event::kActive) && (ev.res & kTimeout)) {
    stop_calls_of(ev);
    active_.remove(ev);
  }
  ev.deadline = absolute ? *timeout : add_saturating(now(), *timeout);
  ev.seq = next_seq_++;
  ev.state |= Event::kTimerSet;  // first: the heap checks it of its members
  if (!timers_.push(ev)) {
    ev.state &= ~Event::kTimerSet;
    if (!(ev.state & Event::kInserted)) --n_added_;
    return -1;
  }
  note_peaks();
  return 0;
}

// event_del: out of every list; a signal closure running this event's
// calls stops after the current one.
int Base::del(Event& ev, DelMode mode) noexcept {
  thread::Locked locked(lock_);
  if (ev.state & Event::kFinalizing) return 0;  // event.h: event_del is a no-op then
  debug::note_deleted(&ev);
  stop_calls_of(ev);
  const bool was_added = ev.state & (Event::kInserted | Event::kTimerSet);
  if (ev.state & Event::kTimerSet) timers_.remove(ev);
  if (ev.state & Event::kActive) active_.remove(ev);
  if (ev.state & Event::kInserted) {
    if (ev.events & kSignal) signals_.remove(ev);
    else fds_.remove(ev, *backend_);
  }
  ev.state &= ~(Event::kInserted | Event::kTimerSet);
  if (was_added) {
    --n_added_;
    wake_loop();
  }
  // libevent's event_del_nolock_: so that the caller may free what the
  // callback uses once event_del returns, it waits for the callback
  // running in the loop's thread, unless told not to, or (event_del) the
  // event was made with EV_FINALIZE. Without a condition it cannot wait.
  const bool block = mode == kDelBlock || (mode == kDelAuto && !(ev.events & kFinalize));
  while (block && cond_ && &ev == current_ && !in_loop_thread()) {
    ++waiters_;
    thread::wait(cond_, lock_);
  }
  return 0;
}

int Base::remove_timer(Event& ev) noexcept {
  thread::Locked locked(lock_);
  if (!(ev.state & Event::kTimerSet)) return 0;
  timers_.remove(ev);
  ev.state &= ~Event::kTimerSet;
  ev.interval = 0;
  if (!(ev.state & Event::kInserted)) --n_added_;
  return 0;
}

// event_active: an event already active gains the new flags and stays
// queued once (libevent ORs ev_res; ncalls is not accumulated).
void Base::activate(Event& ev, short res, short ncalls) noexcept {
  thread::Locked locked(lock_);
  if (ev.state & Event::kFinalizing) return;  // event.h: event_active no longer works
  if (ev.state & Event::kActive) {
    ev.res |= res;  // queued already: the loop was woken for it
    return;
  }
  ev.res = res;
  // A higher-priority event activated from a callback runs before the
  // rest of the current (lower-priority) queue (libevent's event_continue).
  if (running_priority_ >= 0 && ev.priority < running_priority_) continue_ = true;
  if (ev.events & kSignal) ev.ncalls = ncalls;
  active_.push(ev);
  note_peaks();
  // Last, as libevent's event_queue_insert_active then notify: the woken
  // loop finds the event queued and the lock about to be released.
  wake_loop();
}

int Base::set_priority(Event& ev, int priority) noexcept {
  thread::Locked locked(lock_);
  if ((ev.state & Event::kActive) || priority < 0 || priority >= npriorities()) return -1;
  ev.priority = static_cast<uint8_t>(priority);  // below 256: priority_init
  return 0;
}

// event_pending: the flags among `what` the event is pending or active for;
// the timer's deadline is reported in wall-clock time.
short Base::pending(const Event& ev, short what, Micros* wall_deadline) const noexcept {
  thread::Locked locked(lock_);
  short flags = 0;
  if (ev.state & Event::kInserted) flags |= ev.events & (kRead | kWrite | kClosed | kSignal);
  if (ev.state & Event::kActive) flags |= ev.res;
  if (ev.state & Event::kTimerSet) flags |= kTimeout;
  what &= kTimeout | kRead | kWrite | kClosed | kSignal;
  if (wall_deadline && (flags & what & kTimeout)) *wall_deadline = add_saturating(ev.deadline, wall_offset());
  return flags & what;
}

// I/O and signal events from their maps, timers from the heap, then the
// active events that are neither (event_active on an event never added).
int Base::foreach_event(int (*fn)(const Event&, void*), void* arg) const noexcept {
  thread::Locked locked(lock_);
  for (size_t fd = 0; fd < fds_.table_size(); ++fd) {
    for (const Event* ev = fds_.events(static_cast<int>(fd)); ev != nullptr; ev = ev->io_next)
      if (const int r = fn(*ev, arg)) return r;
  }
  for (int signo = 1; signo < NSIG; ++signo) {
    for (const Event* ev = signals_.events(signo); ev != nullptr; ev = ev->io_next)
      if (const int r = fn(*ev, arg)) return r;
  }
  for (size_t i = 0; i < timers_.size(); ++i) {
    const Event& ev = timers_.at(i);
    if (ev.state & Event::kInserted) continue;
    if (const int r = fn(ev, arg)) return r;
  }
  for (int p = 0; p < active_.priorities(); ++p) {
    for (const Event* ev = active_.queue(p).head; ev != nullptr; ev = ev->active_next) {
      if (ev->state & (Event::kInserted | Event::kTimerSet)) continue;
      if (const int r = fn(*ev, arg)) return r;
    }
  }
  return 0;
}

int Base::priority_init(int n) noexcept {
  thread::Locked locked(lock_);
  if (n >= 256) return -1;  // EVENT_MAX_PRIORITIES
  return active_.reset(n) ? 0 : -1;
}

// ------------------------------------------------------------- finalizers

namespace {

// A finalizer's call, after which the event is uninitialized memory
// ("treat the event structure as containing uninitialized memory"); the
// event_free_finalize kind frees it (event_new's block, mm.h).
void run_finalizer(Event& ev) noexcept {
  const Finalizer fn = ev.finalizer;
  void* const arg = ev.arg;
  const bool free_after = ev.kind == Event::kFinalizerFree;
  debug::note_teardown(&ev);
  fn(reinterpret_cast<::event*>(&ev), arg);
  if (free_after) mm::free(&ev);
}

// The first event waiting for its finalizer, most urgent queue first.
Event* first_finalizing(const ActiveQueues& active) noexcept {
  for (int p = 0; p < active.priorities(); ++p)
    for (Event* ev = active.queue(p).head; ev != nullptr; ev = ev->active_next)
      if (ev->state & Event::kFinalizing) return ev;
  return nullptr;
}

}  // namespace

// libevent's event_finalize_nolock_: event_del, the finalizer in the
// callback's place, an activation with EV_FINALIZE, and from then on
// event_add fails and event_del / event_active do nothing. A second call
// only replaces the finalizer.
int Base::finalize(Event& ev, Finalizer fn, bool free_after) noexcept {
  thread::Locked locked(lock_);
  del(ev);
  ev.kind = free_after ? Event::kFinalizerFree : Event::kFinalizer;
  ev.finalizer = fn;
  activate(ev, kFinalize, 1);
  ev.state |= Event::kFinalizing;
  return 0;
}

void Base::end_finalizers(bool run) noexcept {
  while (Event* ev = first_finalizing(active_)) {
    active_.remove(*ev);
    if (run) run_finalizer(*ev);
  }
}

// ------------------------------------------------------------- once-only

void Base::once_trampoline(int fd, short what, void* arg) {
  Once* o = static_cast<Once*>(arg);
  o->cb(fd, what, o->arg);
  Base* base = o->ev.base;
  thread::Locked locked(base->lock_);  // call_user let it go around the call
  (o->prev ? o->prev->next : base->onces_) = o->next;
  if (o->next) o->next->prev = o->prev;
  delete o;
}

// event_base_once: no signals, no EV_PERSIST; a pure timer with no (or a
// zero) timeout is activated at once rather than queued on the heap, so
// event_base_loopexit(NULL) lets the current batch of callbacks finish.
int Base::once(int fd, short events, Callback cb, void* arg, const Micros* timeout) noexcept {
  thread::Locked locked(lock_);
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

void Base::loopexit_cb(int, short, void* arg) {
  Base* base = static_cast<Base*>(arg);
  thread::Locked locked(base->lock_);
  base->got_exit_ = true;
}

// From another thread these wake the loop (libevent's event_base_loopbreak
// notifies; loopcontinue only matters inside a callback).
void Base::loopbreak() noexcept {
  thread::Locked locked(lock_);
  got_break_ = true;
  wake_loop();
}

void Base::loopcontinue() noexcept {
  thread::Locked locked(lock_);
  continue_ = true;
}

bool Base::got_exit() const noexcept {
  thread::Locked locked(lock_);
  return got_exit_;
}

bool Base::got_break() const noexcept {
  thread::Locked locked(lock_);
  return got_break_;
}

Event* Base::running_event() const noexcept {
  thread::Locked locked(lock_);
  return current_;
}

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
  thread::Locked locked(lock_);  // let go only around the wait and callbacks
  if (running_) return -1;
  running_ = true;
  owner_ = thread::self();
  cached_now_ = 0;
  got_exit_ = got_break_ = false;  // reset on entry: an early loopbreak is lost
  signals_.receive_here();  // libevent's evsig_set_base_
  int result = 0;
  for (bool done = false; !done && !got_exit_ && !got_break_;) {
    continue_ = false;
    const Micros timeout = wait_time(flags);
    if (!(flags & kLoopNoExitOnEmpty) && !have_events() && active_.size() == 0) {
      result = 1;
      break;
    }
    cached_now_ = 0;
    if (backend_->wait(timeout, ready_, lock_) != 0) {
      result = -1;
      break;
    }
    const Micros mono = monotonic_now();
    sync_wall_offset(mono);
    if (!(flags_ & kFlagNoCacheTime)) cached_now_ = mono;
    activate_ready();
    expire_timers();
    if (active_.size() != 0) {
      const int ran = run_active();
      if ((flags & kLoopOnce) && active_.size() == 0 && ran != 0) done = true;
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
  if (active_.size() != 0 || (flags & kLoopNonblock)) return 0;
  if (timers_.empty()) return -1;
  const Micros left = timers_.top().deadline - monotonic_now();
  return left > 0 ? left : 0;
}

void Base::activate_ready() noexcept {
  for (const Ready& r : ready_) {
    if (r.fd == notify_fd_) {
      drain_notify();
    } else if (signals_.is_pipe(r.fd)) {
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
  const short edge = (features_ & kFeatureEdge) ? kEdge : 0;
  for (Event* ev = fds_.events(fd); ev; ev = ev->io_next) {
    const short res = ev->events & what & (kRead | kWrite | kClosed);
    if (res) activate(*ev, res | (ev->events & edge), 1);
  }
}

void Base::activate_signal(int signo, unsigned count) noexcept {
  const short n = count > 0x7fff ? 0x7fff : static_cast<short>(count);
  for (Event* ev = signals_.events(signo); ev; ev = ev->io_next) activate(*ev, kSignal, n);
}

// An expired timer removes the event from everything (fd map included)
// and activates it with EV_TIMEOUT; a persistent one is re-added when it
// runs (libevent's timeout_process and event_persist_closure).
void Base::expire_timers() noexcept {
  const Micros t = now();
  while (!timers_.empty() && timers_.top().deadline <= t) {
    Event& ev = timers_.top();
    del(ev);
    activate(ev, kTimeout, 1);
  }
}

// Runs the highest-priority non-empty queue only; lower priorities wait
// for the next iteration (libevent's event_process_active). From the
// config's min_priority on, the queue stops after max_callbacks callbacks
// or once the max interval has passed, so that the loop checks for new
// events in between (event_config_set_max_dispatch_interval).
int Base::run_active() noexcept {
  ActiveQueues::Queue* q = active_.first_nonempty(&running_priority_);
  if (q == nullptr) return 0;
  const bool limited = running_priority_ >= dispatch_.min_priority;
  Micros end = 0;
  if (limited && dispatch_.has_interval) {
    refresh_time_cache();
    end = add_saturating(now(), dispatch_.interval);
  }
  const int ran = run_queue(*q, limited ? dispatch_.max_callbacks : INT_MAX,
                            limited && dispatch_.has_interval ? &end : nullptr);
  running_priority_ = -1;
  return ran;
}

// Each event leaves the queue before its callback: a plain event is
// deleted (so it runs once per activation), a persistent one stays added.
// The callback may free the event: nothing of it is read afterwards.
int Base::run_queue(ActiveQueues::Queue& q, int max_callbacks, const Micros* end) noexcept {
  int count = 0;
  while (Event* ev = q.head) {
    if ((ev->events & kPersist) || (ev->state & Event::kFinalizing)) active_.remove(*ev);
    else del(*ev);
    ++count;
    current_ = ev;
    switch (ev->kind) {
      case Event::kSignalled: run_signal(*ev); break;
      case Event::kPersistent: run_persistent(*ev); break;
      case Event::kFinalizer:
      case Event::kFinalizerFree: {
        current_ = nullptr;
        thread::Unlocked unlocked(lock_);
        run_finalizer(*ev);
        break;
      }
      default: call_user(ev->cb, ev->fd, ev->res, ev->arg); break;
    }
    end_callback();
    if (got_break_) break;   // event_base_loopbreak: stop after this callback
    if (count >= max_callbacks) break;  // the dispatch limits, checked as
    if (end != nullptr) {               // libevent's single_queue does
      refresh_time_cache();
      if (now() >= *end) break;
    }
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
  call_user(cb, fd, res, arg);
}

// A signal caught n times runs its callback n times, until the callback
// deletes, frees or re-arms its event, or breaks the loop (libevent's
// event_signal_closure, which stops through a pointer to its counter).
void Base::run_signal(Event& ev) noexcept {
  const Callback cb = ev.cb;
  const int fd = ev.fd;
  const short res = ev.res;
  void* const arg = ev.arg;
  for (short ncalls = ev.ncalls; ncalls > 0;) {
    ev.ncalls = --ncalls;
    if (!call_user(cb, fd, res, arg)) return;
  }
}

// The one way the loop calls user code: with the event's fields read
// beforehand, as the callback may free the event. Returns whether the
// caller may go on with the event: it was not deleted, freed or re-armed
// inside (stop_calls_of), and the loop was not broken.
bool Base::call_user(Callback cb, int fd, short res, void* arg) noexcept {
  current_stopped_ = false;
  {
    thread::Unlocked unlocked(lock_);  // libevent runs callbacks unlocked
    cb(fd, res, arg);
  }
  return !current_stopped_ && !got_break_;
}

// A callback is over: the threads waiting in del for it may go on.
void Base::end_callback() noexcept {
  current_ = nullptr;
  if (waiters_ == 0) return;
  waiters_ = 0;
  thread::broadcast(cond_);
}

// --------------------------------------------------------------- threads

// libevent's EVBASE_IN_THREAD: without an id callback every thread is.
bool Base::in_loop_thread() const noexcept {
  return thread::id_fn == nullptr || owner_ == thread::self();
}

// libevent's EVBASE_NEED_NOTIFY and evthread_notify_base: a change made
// from another thread while the loop runs wakes its wait, once until the
// loop has drained the fd.
void Base::wake_loop() noexcept {
  if (thread::id_fn == nullptr || !running_ || notify_fd_ < 0 || notify_pending_) return;
  if (owner_ == thread::self()) return;
  notify_pending_ = true;
  const uint64_t one = 1;
  if (write(notify_fd_, &one, sizeof one) < 0) notify_pending_ = false;
}

void Base::drain_notify() noexcept {
  // One read takes an eventfd's whole count (a second would only fail
  // with EAGAIN: a system call on every wake-up's path).
  uint64_t count;
  (void)!read(notify_fd_, &count, sizeof count);
  notify_pending_ = false;
}

// An eventfd (libevent's evthread_make_base_notifiable_nolock_ prefers
// one) watched by the backend like the signal pipe, outside the fd map.
int Base::open_notify() noexcept {
  const int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return -1;
  if (backend_->change(fd, 0, kIoRead) != 0) {
    close(fd);
    return -1;
  }
  notify_fd_ = fd;
  return 0;
}

void Base::close_notify() noexcept {
  if (notify_fd_ < 0) return;
  if (backend_) backend_->change(notify_fd_, kIoRead, 0);
  close(notify_fd_);
  notify_fd_ = -1;
  notify_pending_ = false;
}

int Base::make_notifiable() noexcept {
  thread::Locked locked(lock_);
  return notify_fd_ >= 0 ? 0 : open_notify();
}

// --- base and loop inspection (issue 19)

// libevent's event_base_active_by_fd: without EV_TIMEOUT, each I/O event
// of the fd that wants one of the directions, told those it wants (no
// EV_ET); with EV_TIMEOUT, instead, each event of that fd with a timer.
// Events not added are left alone.
void Base::activate_by_fd(int fd, short events) noexcept {
  thread::Locked locked(lock_);
  if (!(events & kTimeout)) {
    const short what = events & (kRead | kWrite | kClosed);
    for (Event* ev = fds_.events(fd); ev; ev = ev->io_next)
      if (ev->events & what) activate(*ev, ev->events & what, 1);
    return;
  }
  for (size_t i = 0; i < timers_.size(); ++i)
    if (timers_.at(i).fd == fd) activate(timers_.at(i), kTimeout, 1);
}

int Base::count_events(unsigned type) const noexcept {
  thread::Locked locked(lock_);
  size_t n = 0;
  if (type & 1u) n += active_.size();
  if (type & 4u) n += n_added_ + active_.size();
  return static_cast<int>(std::min<size_t>(n, INT_MAX));
}

int Base::max_events(unsigned type, bool clear) noexcept {
  thread::Locked locked(lock_);
  size_t n = 0;
  if (type & 1u) n += max_active_;
  if (type & 4u) n += max_added_;
  if (clear) {
    if (type & 1u) max_active_ = 0;
    if (type & 4u) max_added_ = 0;
  }
  return static_cast<int>(std::min<size_t>(n, INT_MAX));
}

// After a count went up (libevent's MAX_EVENT_COUNT at each insertion).
void Base::note_peaks() noexcept {
  max_active_ = std::max(max_active_, active_.size());
  max_added_ = std::max(max_added_, n_added_ + active_.size());
}

void Base::update_cache_time() noexcept {
  thread::Locked locked(lock_);
  if (running_) refresh_time_cache();
}

// libevent's update_time_cache: the loop's notion of now, read again.
void Base::refresh_time_cache() noexcept {
  cached_now_ = 0;
  if (flags_ & kFlagNoCacheTime) return;
  const Micros mono = monotonic_now();
  sync_wall_offset(mono);
  cached_now_ = mono;
}

// After fork the epoll instance and the signal pipe are the parent's as
// well: what one process changes, the other sees, and a signal's byte may
// wake either. Like libevent's event_reinit, make new ones and tell them
// about every added event; an fd that cannot be re-added (closed since)
// makes the answer -1, the others are re-added all the same. The old
// backend is dropped only once a new one exists (it closes this process's
// copy of the kernel object, which the parent keeps).
int Base::reinit() noexcept {
  thread::Locked locked(lock_);
  std::unique_ptr<Backend> fresh;
  try {
    fresh = create_backend_ ? create_backend_() : nullptr;
  } catch (const std::bad_alloc&) {
    return -1;
  }
  if (!fresh) return -1;
  backend_ = std::move(fresh);
  // A new notify fd: the parent's wake-ups are not this process's (and the
  // old one is not taken out of the old backend, which the parent shares).
  if (notify_fd_ >= 0) {
    close(notify_fd_);
    notify_fd_ = -1;
    notify_pending_ = false;
    if (open_notify() != 0) return -1;
  }
  const int signals = signals_.reinit(*backend_);
  const int fds = fds_.reinit(*backend_);
  return signals == 0 && fds == 0 ? 0 : -1;
}

// ------------------------------------------------------------- invariants

const char* Base::check_invariants() const noexcept {
  for (const char* bad : {fds_.check_invariants(), signals_.check_invariants(),
                          timers_.check_invariants(), active_.check_invariants()})
    if (bad) return bad;
  return nullptr;
}

}  // namespace evref
