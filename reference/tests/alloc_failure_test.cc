// The reference's C boundary under memory exhaustion (STYLE rule 3, issue 22
// point 2): with the Nth allocation failing, for every N, each call returns
// its success value or the failure value libevent's header documents (-1 or
// NULL), never aborts, leaves the object as it was, and nothing leaks.
//
// This executable interposes malloc / calloc / realloc / free (and the
// aligned variants) over glibc's, forwarding to __libc_*; operator new goes
// through malloc. It counts live blocks. Each scenario runs in a forked
// child with one injected failure at allocation N (the later ones succeed,
// so the recovery paths run too), frees what it made, and compares the live
// count and the open fds with what they were before. N goes 1, 2, ... until
// a run completes without reaching the Nth allocation.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#define EVREF_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EVREF_UNDER_ASAN 1
#endif
#endif

namespace {

// The injector's state; the process is single-threaded.
long live_blocks = 0;     // blocks handed out and not yet freed
long allocations = 0;     // allocation calls since the counter was reset
long fail_at = 0;         // the call that fails (1-based); 0: none
bool injected = false;    // the failure happened

bool should_fail() {
  if (fail_at == 0 || ++allocations != fail_at) return false;
  injected = true;
  errno = ENOMEM;
  return true;
}

void* counted(void* p) {
  if (p != nullptr) ++live_blocks;
  return p;
}

}  // namespace

#ifndef EVREF_UNDER_ASAN
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);

void* malloc(size_t n) { return should_fail() ? nullptr : counted(__libc_malloc(n)); }
void* calloc(size_t n, size_t size) {
  return should_fail() ? nullptr : counted(__libc_calloc(n, size));
}
void* realloc(void* p, size_t n) {
  if (p == nullptr) return malloc(n);
  if (n == 0) {  // glibc frees p and returns NULL
    --live_blocks;
    return __libc_realloc(p, 0);
  }
  return should_fail() ? nullptr : __libc_realloc(p, n);
}
void free(void* p) {
  if (p != nullptr) --live_blocks;
  __libc_free(p);
}
void* memalign(size_t align, size_t n) {
  return should_fail() ? nullptr : counted(__libc_memalign(align, n));
}
void* aligned_alloc(size_t align, size_t n) { return memalign(align, n); }
int posix_memalign(void** out, size_t align, size_t n) {
  void* p = memalign(align, n);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
}  // extern "C"
#endif

namespace {

// ------------------------------------------------------------ the child

int report_fd = -1;  // the pipe to the parent

// A broken promise: say which, and stop the child at once.
[[noreturn]] void broken(int line, const char* what) {
  char msg[256];
  const int n = std::snprintf(msg, sizeof msg, "line %d: %s", line, what);
  if (n > 0 && write(report_fd, msg, static_cast<size_t>(n)) < 0) _exit(4);
  _exit(3);
}
#define PROMISE(cond) \
  do {                \
    if (!(cond)) broken(__LINE__, #cond); \
  } while (0)

int open_fds() {
  int n = 0;
  for (int fd = 0; fd < 1024; ++fd) n += fcntl(fd, F_GETFD) != -1;
  return n;
}

void count_cb(evutil_socket_t, short, void* arg) { ++*static_cast<int*>(arg); }

// An API call's int result: 0 or -1 (evaluated once).
#define OK_OR_FAIL(call)                    \
  do {                                      \
    const int result_ = (call);             \
    if (result_ != 0 && result_ != -1) broken(__LINE__, #call " gave neither 0 nor -1"); \
  } while (0)

void scenario_base_config() {
  event_config* cfg = event_config_new();
  if (cfg != nullptr) {
    const int avoided = event_config_avoid_method(cfg, "epoll");
    PROMISE(avoided == 0 || avoided == -1);
    PROMISE(event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME) == 0);
    PROMISE(event_config_require_features(cfg, 0) == 0);
    if (event_base* base = event_base_new_with_config(cfg)) {
      // A failed avoid_method left the config unchanged; a kept one holds.
      if (avoided == 0) PROMISE(std::strcmp(event_base_get_method(base), "epoll") != 0);
      event_base_free(base);
    }
    event_config_free(cfg);
  }
  if (event_base* base = event_base_new()) event_base_free(base);
}

void scenario_event_loop() {
  int sv[2];
  PROMISE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  if (event_base* base = event_base_new()) {
    int fired = 0;
    event* io = event_new(base, sv[0], EV_READ | EV_PERSIST, count_cb, &fired);
    event* timer = event_new(base, -1, 0, count_cb, &fired);
    if (io != nullptr) {
      const int r = event_add(io, nullptr);
      PROMISE(r == 0 || r == -1);
      PROMISE((event_pending(io, EV_READ, nullptr) != 0) == (r == 0));
    }
    if (timer != nullptr) {
      const timeval tv{0, 1000};
      const int r = event_add(timer, &tv);
      PROMISE(r == 0 || r == -1);
      PROMISE((event_pending(timer, EV_TIMEOUT, nullptr) != 0) == (r == 0));
    }
    PROMISE(write(sv[1], "x", 1) == 1);
    const int r = event_base_loop(base, EVLOOP_ONCE);
    PROMISE(r == 0 || r == 1 || r == -1);
    event_free(io);
    event_free(timer);
    event_base_free(base);
  }
  close(sv[0]);
  close(sv[1]);
}

// The signal path: the self-pipe, its backend registration, the handler.
void scenario_signal() {
  if (event_base* base = event_base_new()) {
    int fired = 0;
    if (event* sig = event_new(base, SIGUSR1, EV_SIGNAL | EV_PERSIST, count_cb, &fired)) {
      const int r = event_add(sig, nullptr);
      PROMISE(r == 0 || r == -1);
      PROMISE((event_pending(sig, EV_SIGNAL, nullptr) != 0) == (r == 0));
      if (r == 0) {
        PROMISE(raise(SIGUSR1) == 0);
        const int looped = event_base_loop(base, EVLOOP_ONCE);
        PROMISE(looped == 0 || looped == -1);
      }
      event_free(sig);
    }
    event_base_free(base);
  }
}

// event_reinit (issue 19): a new backend and signal pipe, every added
// event registered again; -1 when that fails, and the base still runs and
// frees cleanly either way.
void scenario_reinit() {
  int sv[2];
  PROMISE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  if (event_base* base = event_base_new()) {
    int fired = 0;
    event* io = event_new(base, sv[0], EV_READ | EV_PERSIST, count_cb, &fired);
    event* sig = event_new(base, SIGUSR1, EV_SIGNAL | EV_PERSIST, count_cb, &fired);
    if (io != nullptr) OK_OR_FAIL(event_add(io, nullptr));
    if (sig != nullptr) OK_OR_FAIL(event_add(sig, nullptr));
    OK_OR_FAIL(event_reinit(base));
    PROMISE(write(sv[1], "x", 1) == 1);
    const int r = event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    PROMISE(r == 0 || r == 1 || r == -1);
    event_free(io);
    event_free(sig);
    event_base_free(base);
  }
  close(sv[0]);
  close(sv[1]);
}

void scenario_once() {
  int sv[2];
  PROMISE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  if (event_base* base = event_base_new()) {
    int fired = 0;
    const timeval now{0, 0}, soon{0, 1000};
    OK_OR_FAIL(event_base_once(base, -1, EV_TIMEOUT, count_cb, &fired, &now));
    OK_OR_FAIL(event_base_once(base, -1, EV_TIMEOUT, count_cb, &fired, &soon));
    OK_OR_FAIL(event_base_once(base, sv[0], EV_READ, count_cb, &fired, nullptr));
    OK_OR_FAIL(event_base_loopexit(base, &soon));
    const int r = event_base_loop(base, EVLOOP_NONBLOCK);
    PROMISE(r == 0 || r == 1 || r == -1);
    event_base_free(base);  // frees the once-events that did not run
  }
  close(sv[0]);
  close(sv[1]);
}

// evbuffer calls: on failure the length is what it was.
void scenario_evbuffer_ops(evbuffer* buf, evbuffer* other) {
  static const char line[] = "a line of text\r\n";
  for (int i = 0; i < 300; ++i) {  // enough to need several chains
    const size_t before = evbuffer_get_length(buf);
    const int r = evbuffer_add(buf, line, sizeof line - 1);
    PROMISE(r == 0 || r == -1);
    PROMISE(evbuffer_get_length(buf) == before + (r == 0 ? sizeof line - 1 : 0));
  }
  size_t before = evbuffer_get_length(buf);
  int r = evbuffer_prepend(buf, "head\n", 5);
  PROMISE(r == 0 || r == -1);
  PROMISE(evbuffer_get_length(buf) == before + (r == 0 ? 5 : 0));

  before = evbuffer_get_length(buf);
  r = evbuffer_add_printf(buf, "%d %s\n", 42, "printf");
  PROMISE(r == -1 ? evbuffer_get_length(buf) == before
                  : r > 0 && evbuffer_get_length(buf) == before + static_cast<size_t>(r));

  PROMISE(evbuffer_add(other, "x", 1) == 0 || evbuffer_get_length(other) == 0);
  const size_t total = evbuffer_get_length(buf) + evbuffer_get_length(other);
  OK_OR_FAIL(evbuffer_add_buffer(other, buf));
  PROMISE(evbuffer_get_length(buf) + evbuffer_get_length(other) == total);
  r = evbuffer_remove_buffer(other, buf, 2000);
  PROMISE(r >= -1);
  PROMISE(evbuffer_get_length(buf) + evbuffer_get_length(other) == total);

  evbuffer_iovec v[2];
  const int n = evbuffer_reserve_space(buf, 8192, v, 2);
  PROMISE(n >= -1 && n <= 2);
  if (n > 0) {
    std::memset(v[0].iov_base, 'r', 10);
    v[0].iov_len = 10;
    before = evbuffer_get_length(buf);
    PROMISE(evbuffer_commit_space(buf, v, 1) == 0);
    PROMISE(evbuffer_get_length(buf) == before + 10);
  }

  before = evbuffer_get_length(buf);
  unsigned char* flat = evbuffer_pullup(buf, -1);
  PROMISE(flat != nullptr || before == 0 || errno == ENOMEM);
  PROMISE(evbuffer_get_length(buf) == before);

  for (;;) {
    before = evbuffer_get_length(buf);
    size_t got = 0;
    char* text = evbuffer_readln(buf, &got, EVBUFFER_EOL_CRLF);
    if (text == nullptr) {
      PROMISE(evbuffer_get_length(buf) == before);
      break;
    }
    PROMISE(evbuffer_get_length(buf) < before);
    free(text);
  }

  if (evbuffer_cb_entry* cb = evbuffer_add_cb(buf, [](evbuffer*, const evbuffer_cb_info*, void*) {},
                                              nullptr))
    PROMISE(evbuffer_remove_cb_entry(buf, cb) == 0);
}

void scenario_evbuffer() {
  evbuffer* buf = evbuffer_new();
  evbuffer* other = evbuffer_new();
  if (buf != nullptr && other != nullptr) scenario_evbuffer_ops(buf, other);
  evbuffer_free(buf);
  evbuffer_free(other);
}

// File data, segments, buffer references, add_iovec and deferred
// callbacks: a failed call adds nothing, and every fd is closed at the end
// (the buffer owns add_file's only when the add succeeded).
void scenario_evbuffer_file() {
  static const char kText[] = "0123456789abcdef";
  const int fd = memfd_create("alloc", MFD_CLOEXEC);
  PROMISE(fd >= 0 && write(fd, kText, 16) == 16);
  evbuffer* buf = evbuffer_new();
  evbuffer* copy = evbuffer_new();
  event_base* base = event_base_new();
  if (buf != nullptr && copy != nullptr && base != nullptr) {
    OK_OR_FAIL(evbuffer_defer_callbacks(buf, base));
    const int own = dup(fd);
    const int r = evbuffer_add_file(buf, own, 2, 8);
    PROMISE(evbuffer_get_length(buf) == (r == 0 ? 8u : 0u));
    if (r != 0) close(own);
    if (evbuffer_file_segment* seg = evbuffer_file_segment_new(fd, 0, -1, EVBUF_FS_DISABLE_SENDFILE)) {
      const size_t before = evbuffer_get_length(buf);
      const int s = evbuffer_add_file_segment(buf, seg, 4, 4);
      PROMISE(evbuffer_get_length(buf) == before + (s == 0 ? 4u : 0u));
      evbuffer_file_segment_free(seg);
    }
    evbuffer_iovec v[2] = {{const_cast<char*>(kText), 3}, {const_cast<char*>(kText), 5}};
    const size_t before = evbuffer_get_length(buf);
    const size_t added = evbuffer_add_iovec(buf, v, 2);
    PROMISE((added == 0 || added == 8) && evbuffer_get_length(buf) == before + added);
    PROMISE(evbuffer_add(copy, "x", 1) == 0 || evbuffer_get_length(copy) == 0);
    const size_t had = evbuffer_get_length(buf);
    const int b = evbuffer_add_buffer_reference(buf, copy);
    PROMISE(evbuffer_get_length(buf) == had + (b == 0 ? evbuffer_get_length(copy) : 0));
    PROMISE(event_base_loop(base, EVLOOP_NONBLOCK) >= -1);
  }
  evbuffer_free(buf);
  evbuffer_free(copy);
  if (base != nullptr) event_base_free(base);
  close(fd);
}

void scenario_listener() {
  if (event_base* base = event_base_new()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    evconnlistener* lev = evconnlistener_new_bind(
        base, [](evconnlistener*, evutil_socket_t fd, sockaddr*, int, void*) { close(fd); },
        nullptr, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
        reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    if (lev != nullptr) {
      PROMISE(evconnlistener_get_fd(lev) >= 0);
      evconnlistener_free(lev);
    }
    event_base_free(base);
  }
}

void scenario_bufferevent() {
  int sv[2];
  PROMISE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  evutil_make_socket_nonblocking(sv[0]);
  event_base* base = event_base_new();
  bufferevent* bev = base ? bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE) : nullptr;
  if (bev == nullptr) {
    close(sv[0]);
  } else {
    OK_OR_FAIL(bufferevent_write(bev, "hello", 5));
    OK_OR_FAIL(bufferevent_enable(bev, EV_READ | EV_WRITE));
    for (int i = 0; i < 2; ++i) {
      const int r = event_base_loop(base, EVLOOP_NONBLOCK);
      PROMISE(r == 0 || r == 1 || r == -1);
    }
    bufferevent_free(bev);
  }
  if (base) event_base_free(base);
  close(sv[1]);
}

// Runs the scenario with allocation n failing; exit status 0 when the
// failure was injected and every promise held, 10 when the scenario never
// reached allocation n, 2 for a leak, 3 for a broken promise (or an
// exception out of the C API).
[[noreturn]] void child(void (*scenario)(), long n) {
  const int fds = open_fds();
  const long blocks = live_blocks;
  allocations = 0;
  injected = false;
  fail_at = n;
  try {
    scenario();
  } catch (...) {
    // An exception crossed the C boundary: a C caller would have crashed.
    broken(0, "an exception escaped an extern \"C\" entry");
  }
  fail_at = 0;
  if (live_blocks != blocks || open_fds() != fds) {
    char msg[128];
    const int len = std::snprintf(msg, sizeof msg, "leak: %ld blocks, %d fds",
                                  live_blocks - blocks, open_fds() - fds);
    if (write(report_fd, msg, static_cast<size_t>(len)) < 0) _exit(4);
    _exit(2);
  }
  _exit(injected ? 0 : 10);
}

// ------------------------------------------------------------ the parent

struct Outcome {
  bool done = false;  // this N was never reached: the sweep is complete
  std::string problem;
};

Outcome run_once(void (*scenario)(), long n) {
  int p[2];
  if (pipe(p) != 0) return {true, "pipe failed"};
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    report_fd = p[1];
    child(scenario, n);
  }
  close(p[1]);
  std::string msg;
  char chunk[256];
  for (ssize_t k; (k = read(p[0], chunk, sizeof chunk)) > 0;) msg.append(chunk, k);
  close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    return {false, "killed by signal " + std::to_string(WTERMSIG(status)) +
                       " (abort / terminate / crash)"};
  const int code = WEXITSTATUS(status);
  if (code == 10) return {true, ""};
  if (code == 0) return {false, ""};
  return {false, "exit " + std::to_string(code) + ": " + msg};
}

// Sweeps N = 1, 2, ... and returns how many were swept.
long sweep(const char* name, void (*scenario)()) {
  constexpr long kLimit = 20000;  // far beyond any scenario's allocations
  int problems = 0;
  long n = 1;
  for (; n < kLimit; ++n) {
    const Outcome o = run_once(scenario, n);
    if (o.done) break;
    if (!o.problem.empty() && ++problems <= 5)
      ADD_FAILURE() << name << ": allocation " << n << " failing: " << o.problem;
  }
  EXPECT_LT(n, kLimit) << name << ": the sweep did not end";
  std::printf("[ sweep    ] %s: N = 1..%ld swept, %d with a broken promise\n", name, n - 1,
              problems);
  return n - 1;
}

// A scenario: a test name, the sweep's label, the calls.
struct Scenario {
  const char* id;
  const char* calls;
  void (*run)();
};
// GoogleTest prints the parameter beside the test name, and CTest names
// the test by it (gtest_discover_tests): the id, not the struct's bytes.
void PrintTo(const Scenario& s, std::ostream* os) { *os << s.id; }

class AllocFailure : public ::testing::TestWithParam<Scenario> {
 protected:
  void SetUp() override {
#ifdef EVREF_UNDER_ASAN
    GTEST_SKIP() << "needs:own-malloc: AddressSanitizer replaces malloc, so the "
                    "interposed failing allocator cannot be installed";
#else
    // One-time caches (the backend list, libc's first socket calls) are
    // built here, so the children do not count them as leaks.
    event_get_supported_methods();
    scenario_listener();
    scenario_bufferevent();
#endif
  }
};

TEST_P(AllocFailure, EveryCallGivesItsFailureValueAndNothingLeaks) {
  EXPECT_GT(sweep(GetParam().calls, GetParam().run), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Reference, AllocFailure,
    ::testing::Values(Scenario{"BaseAndConfig", "event_base_new/event_config", scenario_base_config},
                      Scenario{"EventAddLoopFree", "event_new/add/loop/free", scenario_event_loop},
                      Scenario{"SignalEvent", "signal event_new/add/loop/free", scenario_signal},
                      Scenario{"EventBaseOnce", "event_base_once", scenario_once},
                      Scenario{"Reinit", "event_reinit", scenario_reinit},
                      Scenario{"Evbuffer", "evbuffer", scenario_evbuffer},
                      Scenario{"EvbufferFile", "evbuffer file data", scenario_evbuffer_file},
                      Scenario{"ListenerNewBind", "evconnlistener_new_bind", scenario_listener},
                      Scenario{"BuffereventSocket", "bufferevent_socket", scenario_bufferevent}));

}  // namespace
