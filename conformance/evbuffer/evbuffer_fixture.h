// Fixture and helpers for the evbuffer suite. Public API only.
#ifndef EVC_EVBUFFER_FIXTURE_H
#define EVC_EVBUFFER_FIXTURE_H

#include <event2/buffer.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "evc_test.h"

namespace evc {

// The bytes of a buffer, read with evbuffer_peek so that it works on frozen
// buffers too and leaves the buffer untouched.
inline std::string Contents(evbuffer* buf) {
  int n = evbuffer_peek(buf, -1, nullptr, nullptr, 0);
  std::vector<evbuffer_iovec> vec(n > 0 ? n : 1);
  n = evbuffer_peek(buf, -1, nullptr, vec.data(), n);
  std::string out;
  for (int i = 0; i < n; ++i) out.append(static_cast<char*>(vec[i].iov_base), vec[i].iov_len);
  return out;
}

// Number of chains holding data, as evbuffer_peek reports it.
inline int ChainCount(evbuffer* buf) { return evbuffer_peek(buf, -1, nullptr, nullptr, 0); }

// A buffer callback that adds n_added to the size_t its argument points at.
inline void SumAdded(evbuffer*, const evbuffer_cb_info* info, void* arg) {
  *static_cast<size_t*>(arg) += info->n_added;
}

// A file holding these bytes, made at test time (memfd_create: nothing on
// disk), its offset at 0; -1 on failure. The caller owns the descriptor.
inline int MakeFile(const std::string& bytes) {
  const int fd = memfd_create("evc", MFD_CLOEXEC);
  if (fd < 0) return -1;
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      close(fd);
      return -1;
    }
    done += static_cast<size_t>(n);
  }
  return lseek(fd, 0, SEEK_SET) == 0 ? fd : (close(fd), -1);
}

// n bytes that differ from one KiB to the next, so a misplaced range shows.
inline std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i / 1024 + i) % 26);
  return s;
}

// A non-blocking connected pair (sockets, or a pipe: [0] reads, [1] writes),
// closed by the destructor.
struct FdPair {
  int fd[2] = {-1, -1};
  explicit FdPair(bool sockets = true) {
    const int ok = sockets ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd)
                           : pipe2(fd, O_NONBLOCK | O_CLOEXEC);
    if (ok != 0) fd[0] = fd[1] = -1;
  }
  ~FdPair() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
  FdPair(const FdPair&) = delete;
  FdPair& operator=(const FdPair&) = delete;
  int reader() const { return fd[0]; }
  int writer() const { return fd[1]; }
  // What is ready to read now.
  std::string ReadReady() const {
    std::string out;
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd[0], chunk, sizeof chunk)) > 0) out.append(chunk, static_cast<size_t>(n));
    return out;
  }
};

// Writes the whole buffer out with evbuffer_write through a fresh socket
// pair, reading the far end as it goes (one thread: the writes never block),
// and returns what arrived; bounded in calls and time. *calls_out gets the
// number of evbuffer_write calls that wrote something.
inline std::string WriteAllOut(evbuffer* buf, int* calls_out = nullptr) {
  FdPair pair;
  std::string got;
  int calls = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (evbuffer_get_length(buf) > 0 && std::chrono::steady_clock::now() < deadline) {
    const int n = evbuffer_write(buf, pair.writer());
    if (n > 0) ++calls;
    if (n < 0 && errno != EAGAIN) break;
    got += pair.ReadReady();
  }
  got += pair.ReadReady();
  if (calls_out != nullptr) *calls_out = calls;
  return got;
}

class EvbufferTest : public Test {
 protected:
  void SetUp() override {
    Test::SetUp();
    buf_ = evbuffer_new();
    ASSERT_NE(buf_, nullptr);
  }
  void TearDown() override {
    if (buf_ != nullptr) evbuffer_free(buf_);
    for (evbuffer* b : extra_) evbuffer_free(b);
    Test::TearDown();
  }

  evbuffer* NewBuffer() {
    evbuffer* b = evbuffer_new();
    extra_.push_back(b);
    return b;
  }

  // Appends each piece as its own chain: evbuffer_add_reference never
  // copies (buffer.h), so every piece stays a separate chain. This is how
  // the suite puts an EOL across a chain boundary on any implementation.
  void AddChains(evbuffer* buf, const std::vector<std::string>& pieces) {
    int before = ChainCount(buf);
    int added = 0;
    for (const std::string& p : pieces) {
      if (p.empty()) continue;
      storage_.push_back(p);
      ASSERT_EQ(evbuffer_add_reference(buf, storage_.back().data(), p.size(), nullptr, nullptr), 0);
      ++added;
    }
    ASSERT_EQ(ChainCount(buf), before + added) << "precondition: one chain per piece";
  }
  void AddChains(const std::vector<std::string>& pieces) { AddChains(buf_, pieces); }

  void Add(evbuffer* buf, const std::string& s) {
    ASSERT_EQ(evbuffer_add(buf, s.data(), s.size()), 0);
  }
  void Add(const std::string& s) { Add(buf_, s); }

  evbuffer* buf_ = nullptr;

 private:
  std::vector<evbuffer*> extra_;
  std::deque<std::string> storage_;  // stable addresses for references
};

}  // namespace evc

#endif  // EVC_EVBUFFER_FIXTURE_H
