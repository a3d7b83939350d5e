// Thread-safe bufferevents (BEV_OPT_THREADSAFE) and evbuffers
// (evbuffer_enable_locking) used from two threads at once.
#include <fcntl.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "thread_fixture.h"

namespace evc {
namespace {

// The bytes of a transfer: a pattern that shows loss, reordering and
// duplication.
std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + i / 251) % 253);
  return s;
}

// The reading side of a transfer: collects its input in the loop thread and
// breaks the loop once `want` bytes have come.
struct Collector {
  std::string got;
  size_t want = 0;
  static void Read(bufferevent* bev, void* arg) {
    Collector* c = static_cast<Collector*>(arg);
    evbuffer* in = bufferevent_get_input(bev);
    const size_t n = evbuffer_get_length(in);
    const size_t old = c->got.size();
    c->got.resize(old + n);
    if (n > 0) evbuffer_remove(in, &c->got[old], n);
    if (c->got.size() >= c->want) event_base_loopbreak(bufferevent_get_base(bev));
  }
};

// Two socket bufferevents on the ends of a local socket pair.
void SocketEnds(event_base* base, int options, bufferevent* ends[2]) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  for (int i = 0; i < 2; ++i) {
    fcntl(sv[i], F_SETFL, O_NONBLOCK);
    ends[i] = bufferevent_socket_new(base, sv[i], options | BEV_OPT_CLOSE_ON_FREE);
    EXPECT_NE(ends[i], nullptr);
    if (ends[i] == nullptr) close(sv[i]);
  }
}

// Writes `total` pattern bytes into `writer` from this thread, in pieces,
// while the loop runs in its own; `reader` collects them there, and must
// get them all, once each, in order.
void TransferFromThisThread(event_base* base, bufferevent* writer, bufferevent* reader, size_t total) {
  Collector c;
  c.want = total;
  bufferevent_setcb(reader, Collector::Read, nullptr, nullptr, &c);
  EXPECT_EQ(bufferevent_enable(reader, EV_READ), 0);
  EXPECT_EQ(bufferevent_enable(writer, EV_WRITE), 0);
  const std::string data = Pattern(total);
  Keeper keeper(base);  // a pair has no fd: without it an idle loop would end
  LoopThread loop(base);
  EXPECT_TRUE(loop.Start());
  for (size_t off = 0; off < total;) {
    const size_t piece = std::min<size_t>(total - off, 1 + (off * 13) % 997);
    EXPECT_EQ(bufferevent_write(writer, data.data() + off, piece), 0);
    off += piece;
  }
  EXPECT_TRUE(loop.WaitEnded()) << "not all the data came within " << kBoundMs << " ms";
  loop.End(&keeper);
  bufferevent_setcb(reader, nullptr, nullptr, nullptr, nullptr);
  EXPECT_EQ(c.got.size(), total);
  EXPECT_TRUE(c.got == data) << "the bytes came altered, reordered or twice";
}

enum class Kind { kSocket, kPair, kFilter };

// A transfer through a thread-safe bufferevent of `kind`, in a forked child
// with a base of its own (the bound ends a deadlock inside the
// implementation as a timed-out child, where it would hang the test).
void TransferInABoundedChild(Kind kind) {
  constexpr size_t kTransfer = 256 * 1024;
  const ChildEnd end = RunInChild(
      [kind] {
        event_base* base = event_base_new();
        ASSERT_NE(base, nullptr);
        bufferevent* ends[2] = {nullptr, nullptr};
        bufferevent* filter = nullptr;
        if (kind == Kind::kPair) {
          ASSERT_EQ(bufferevent_pair_new(base, BEV_OPT_THREADSAFE, ends), 0);
        } else {
          ASSERT_NO_FATAL_FAILURE(SocketEnds(base, BEV_OPT_THREADSAFE, ends));
        }
        ASSERT_TRUE(ends[0] && ends[1]);
        if (kind == Kind::kFilter) {
          filter = bufferevent_filter_new(ends[0], nullptr, nullptr, BEV_OPT_THREADSAFE, nullptr, nullptr);
          ASSERT_NE(filter, nullptr);
        }
        TransferFromThisThread(base, filter ? filter : ends[0], ends[1], kTransfer);
        if (filter) bufferevent_free(filter);
        bufferevent_free(ends[0]);
        bufferevent_free(ends[1]);
        event_base_loop(base, EVLOOP_NONBLOCK);
        event_base_free(base);
      },
      2 * kBoundMs);
  EXPECT_TRUE(EndedCleanly(end)) << "(a child that timed out hung: a deadlock?)";
}

using ThreadBufferevent = ThreadTest;

TEST_F(ThreadBufferevent, SocketWrittenFromAnotherThreadDeliversEveryByteOnceInOrder) {
  EVC_RULE("bufferevent.h/bufferevent_socket_new/threadsafe-write-from-another-thread",
           "bufferevent.h (BEV_OPT_THREADSAFE): 'operations on this bufferevent are protected "
           "by a lock': bufferevent_write from another thread while the loop runs delivers "
           "every byte once, in order");
  TransferInABoundedChild(Kind::kSocket);
}

TEST_F(ThreadBufferevent, PairWrittenFromAnotherThreadDeliversEveryByteOnceInOrder) {
  EVC_RULE("bufferevent.h/bufferevent_pair_new/threadsafe-write-from-another-thread",
           "bufferevent.h (BEV_OPT_THREADSAFE): a thread-safe pair written from another thread "
           "while the loop runs delivers every byte to the other end once, in order");
  TransferInABoundedChild(Kind::kPair);
}

TEST_F(ThreadBufferevent, FilterWrittenFromAnotherThreadDeliversEveryByteOnceInOrder) {
  EVC_RULE("bufferevent.h/bufferevent_filter_new/threadsafe-write-from-another-thread",
           "bufferevent.h (BEV_OPT_THREADSAFE): a thread-safe filter (pass-through) over a "
           "thread-safe socket bufferevent, written from another thread while the loop runs, "
           "delivers every byte once, in order");
  TransferInABoundedChild(Kind::kFilter);
}

TEST_F(ThreadBufferevent, LockHeldByAnotherThreadKeepsTheReadCallbackOut) {
  EVC_RULE("bufferevent.h/bufferevent_lock/excludes-callbacks",
           "bufferevent.h: bufferevent_lock acquires the bufferevent's lock, and callbacks run "
           "with it held unless BEV_OPT_UNLOCK_CALLBACKS ('callbacks are executed without "
           "holding any locks'): while another thread holds it, the read callback does not "
           "run; after bufferevent_unlock it does");
  Keeper keeper(base_);
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  fcntl(sv[0], F_SETFL, O_NONBLOCK);
  bufferevent* bev = bufferevent_socket_new(base_, sv[0], BEV_OPT_THREADSAFE | BEV_OPT_CLOSE_ON_FREE);
  ASSERT_NE(bev, nullptr);
  struct Seen {
    std::atomic<bool> held{false};
    std::atomic<int> reads{0}, reads_while_held{0};
    Flag read;
  } seen;
  bufferevent_setcb(
      bev,
      [](bufferevent* b, void* arg) {
        Seen* s = static_cast<Seen*>(arg);
        if (s->held) ++s->reads_while_held;
        ++s->reads;
        evbuffer_drain(bufferevent_get_input(b), evbuffer_get_length(bufferevent_get_input(b)));
        s->read.Set();
      },
      nullptr, nullptr, &seen);
  ASSERT_EQ(bufferevent_enable(bev, EV_READ), 0);
  LoopThread loop(base_);
  ASSERT_TRUE(loop.Start());
  bufferevent_lock(bev);
  seen.held = true;
  ASSERT_EQ(write(sv[1], "x", 1), 1);
  // Best effort: until the loop thread blocks on a lock (futex) rather than
  // in its kernel wait for events.
  const double deadline = NowMs() + 2000;
  while (NowMs() < deadline && !IsBlockedOnALock(loop.tid()) && seen.reads == 0) sched_yield();
  EXPECT_EQ(seen.reads, 0) << "the read callback ran while another thread held the lock";
  seen.held = false;
  bufferevent_unlock(bev);
  EXPECT_TRUE(seen.read.WaitFor()) << "the read callback did not run after the unlock";
  keeper.Wake();
  EXPECT_TRUE(loop.WaitEnded());
  loop.End(&keeper);
  EXPECT_EQ(seen.reads_while_held, 0);
  EXPECT_EQ(seen.reads, 1);
  bufferevent_free(bev);
  close(sv[1]);
}

TEST_F(ThreadBufferevent, NullBuffereventLockAndUnlockReturnOrCrash) {
  EVC_RULE("bufferevent.h/bufferevent_unlock/null",
           "observed libevent 2.1.12: bufferevent_lock and bufferevent_unlock reach the "
           "bufferevent's lock without a check, so a NULL bufferevent crashes; returning "
           "without effect is the other accepted answer");
  ExpectReturnOrCrash("bufferevent_lock(NULL)", [] { bufferevent_lock(nullptr); });
  ExpectReturnOrCrash("bufferevent_unlock(NULL)", [] { bufferevent_unlock(nullptr); });
}

// ------------------------------------------------------------------ evbuffer

using ThreadEvbuffer = ThreadTest;

TEST_F(ThreadEvbuffer, LockHeldByOneThreadBlocksAnother) {
  EVC_RULE("buffer.h/evbuffer_lock/excludes-other-threads",
           "buffer.h: evbuffer_enable_locking(buf, NULL) gives the buffer a lock of its own; "
           "evbuffer_lock acquires it: another thread's evbuffer_lock waits until "
           "evbuffer_unlock");
  evbuffer* buf = evbuffer_new();
  ASSERT_NE(buf, nullptr);
  ASSERT_EQ(evbuffer_enable_locking(buf, nullptr), 0);
  const Exclusion seen = HoldWhileAnotherThreadLocks(
      [buf] { evbuffer_lock(buf); },
      [buf] {
        evbuffer_add(buf, "A", 1);
        evbuffer_unlock(buf);
      },
      [buf] {
        evbuffer_lock(buf);
        evbuffer_add(buf, "B", 1);
      },
      [buf] { evbuffer_unlock(buf); });
  EXPECT_FALSE(seen.got_while_held) << "the other thread took a lock this thread holds";
  EXPECT_TRUE(seen.got_after) << "the other thread did not get the lock after the unlock";
  std::string s(evbuffer_get_length(buf), '\0');
  evbuffer_remove(buf, &s[0], s.size());
  EXPECT_EQ(s, "AB");
  evbuffer_free(buf);
}

TEST_F(ThreadEvbuffer, ConcurrentAddsKeepEveryRecord) {
  EVC_RULE("buffer.h/evbuffer_enable_locking/concurrent-adds",
           "buffer.h: evbuffer_enable_locking makes the buffer 'safely used by multiple "
           "threads at the same time': two threads adding 2000 records each lose none, and "
           "each thread's records keep their order");
  evbuffer* buf = evbuffer_new();
  ASSERT_NE(buf, nullptr);
  ASSERT_EQ(evbuffer_enable_locking(buf, nullptr), 0);
  constexpr int kRecords = 2000;
  auto adder = [buf](char tag) {
    for (int i = 0; i < kRecords; ++i) {
      char rec[8];
      std::snprintf(rec, sizeof rec, "%c%05d", tag, i);
      evbuffer_add(buf, rec, 6);
    }
  };
  std::thread a(adder, 'a');
  std::thread b(adder, 'b');
  a.join();
  b.join();
  ASSERT_EQ(evbuffer_get_length(buf), size_t{2 * kRecords * 6});
  std::string all(evbuffer_get_length(buf), '\0');
  evbuffer_remove(buf, &all[0], all.size());
  int next[2] = {0, 0};
  for (size_t off = 0; off < all.size(); off += 6) {
    const int who = all[off] == 'a' ? 0 : 1;
    ASSERT_TRUE(all[off] == 'a' || all[off] == 'b') << "a record was torn at " << off;
    ASSERT_EQ(std::stoi(all.substr(off + 1, 5)), next[who]) << "at " << off;
    ++next[who];
  }
  EXPECT_EQ(next[0], kRecords);
  EXPECT_EQ(next[1], kRecords);
  evbuffer_free(buf);
}

TEST_F(ThreadEvbuffer, EnablingLockingTwiceFails) {
  EVC_RULE("buffer.h/evbuffer_enable_locking/twice",
           "observed libevent 2.1.12 (evbuffer_enable_locking: 'if (buf->lock) return -1'): a "
           "buffer that has a lock refuses another (-1); its own lock still works");
  evbuffer* buf = evbuffer_new();
  ASSERT_NE(buf, nullptr);
  ASSERT_EQ(evbuffer_enable_locking(buf, nullptr), 0);
  EXPECT_EQ(evbuffer_enable_locking(buf, nullptr), -1);
  evbuffer_lock(buf);
  evbuffer_unlock(buf);
  evbuffer_free(buf);
}

TEST_F(ThreadEvbuffer, NullBufferIsRefusedOrCrashes) {
  EVC_RULE("buffer.h/evbuffer_enable_locking/null-buffer",
           "observed libevent 2.1.12: evbuffer_enable_locking reads buf->lock without a check, "
           "so a NULL buffer crashes; -1 (failure) is the other accepted answer");
  ExpectAnswerOrCrash("evbuffer_enable_locking(NULL, NULL)",
                      [] { return evbuffer_enable_locking(nullptr, nullptr); }, -1);
}

TEST_F(ThreadEvbuffer, NullBufferLockAndUnlockReturnOrCrash) {
  EVC_RULE("buffer.h/evbuffer_unlock/null-buffer",
           "observed libevent 2.1.12: evbuffer_lock and evbuffer_unlock read buf->lock without "
           "a check, so a NULL buffer crashes; returning without effect is the other accepted "
           "answer");
  ExpectReturnOrCrash("evbuffer_lock(NULL)", [] { evbuffer_lock(nullptr); });
  ExpectReturnOrCrash("evbuffer_unlock(NULL)", [] { evbuffer_unlock(nullptr); });
}

}  // namespace
}  // namespace evc
