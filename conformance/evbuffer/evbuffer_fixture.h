// Fixture and helpers for the evbuffer suite. Public API only.
#ifndef EVC_EVBUFFER_FIXTURE_H
#define EVC_EVBUFFER_FIXTURE_H

#include <event2/buffer.h>

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
