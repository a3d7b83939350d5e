// White-box tests of evref::Buffer: random operation sequences (fixed seeds)
// checked against a std::string model, with the chain invariants checked
// after every step. They exercise the core directly, so they run on the
// reference only.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "buffer.h"

namespace {

using evref::Buffer;

void no_invoker(Buffer&, const Buffer::CbEntry&, const evref::CbInfo&) {}

std::string contents(const Buffer& b) {
  std::string s(b.length(), '\0');
  if (!s.empty()) b.copyout_from(nullptr, s.data(), s.size());
  return s;
}

// Bytes biased towards the EOL characters so that lines and EOLs straddle
// chain boundaries often.
std::string random_bytes(std::mt19937& rng, size_t max_len) {
  static const char kAlphabet[] = {'a', 'b', '\r', '\n', '\0', 'x'};
  std::uniform_int_distribution<size_t> len(0, max_len);
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 1);
  std::string s(len(rng), 'a');
  for (char& c : s) c = kAlphabet[pick(rng)];
  return s;
}

class BufferModel : public ::testing::TestWithParam<unsigned> {
 protected:
  void Check(const char* op) {
    const char* bad = buf_.check_invariants();
    ASSERT_EQ(bad, nullptr) << "after " << op << ": " << bad;
    ASSERT_EQ(contents(buf_), model_) << "after " << op;
  }
  Buffer buf_{&no_invoker};
  Buffer other_{&no_invoker};
  std::string model_;
  std::vector<std::string> refs_;  // storage for add_reference, kept alive
};

TEST_P(BufferModel, RandomOperationsKeepInvariantsAndContents) {
  std::mt19937 rng(GetParam());
  refs_.reserve(4000);
  for (int step = 0; step < 3000; ++step) {
    std::string s = random_bytes(rng, 300);
    switch (rng() % 13) {
      case 0:
        ASSERT_EQ(buf_.add(s.data(), s.size()), 0);
        model_ += s;
        Check("add");
        break;
      case 1:
        ASSERT_EQ(buf_.prepend(s.data(), s.size()), 0);
        model_ = s + model_;
        Check("prepend");
        break;
      case 2: {
        refs_.push_back(s);
        const std::string& r = refs_.back();
        ASSERT_EQ(buf_.add_reference(r.data(), r.size(), nullptr, nullptr), 0);
        model_ += r;
        Check("add_reference");
        break;
      }
      case 3: {
        size_t n = rng() % (model_.size() + 2);
        ASSERT_EQ(buf_.drain(n), 0);
        model_.erase(0, std::min(n, model_.size()));
        Check("drain");
        break;
      }
      case 4: {
        size_t n = rng() % (model_.size() + 2);
        ASSERT_EQ(other_.add(s.data(), s.size()), 0);
        int moved = buf_.remove_buffer(other_, n);
        ASSERT_EQ(static_cast<size_t>(moved), std::min(n, model_.size()));
        std::string taken = model_.substr(0, moved);
        model_.erase(0, moved);
        Check("remove_buffer");
        ASSERT_EQ(buf_.add_buffer(other_), 0);
        model_ += s + taken;  // other_ held s, then the moved bytes
        Check("add_buffer");
        break;
      }
      case 5: {
        ssize_t n = static_cast<ssize_t>(rng() % (model_.size() + 1));
        unsigned char* p = buf_.pullup(n == 0 ? -1 : n);
        if (!model_.empty()) {
          ASSERT_NE(p, nullptr);
          ASSERT_EQ(std::memcmp(p, model_.data(), n == 0 ? model_.size() : n), 0);
        }
        Check("pullup");
        break;
      }
      case 6: {
        struct iovec v[4];
        const int n_vec = static_cast<int>(1 + rng() % 4);
        int n = buf_.reserve_space(static_cast<ssize_t>(s.size()), v, n_vec);
        ASSERT_GE(n, s.empty() ? 0 : 1);  // size 0 over two vectors uses none (libevent)
        ASSERT_LE(n, n_vec);
        size_t left = s.size();
        const char* src = s.data();
        for (int i = 0; i < n; ++i) {
          size_t k = std::min(left, v[i].iov_len);
          std::memcpy(v[i].iov_base, src, k);
          v[i].iov_len = k;
          src += k;
          left -= k;
        }
        ASSERT_EQ(left, 0u);
        ASSERT_EQ(buf_.commit_space(v, n), 0);
        model_ += s;
        Check("reserve/commit");
        break;
      }
      case 7: {
        size_t n = 0;
        int style = static_cast<int>(rng() % 5);
        char* line = buf_.readln(&n, style);
        if (line != nullptr) {
          ASSERT_LE(n, model_.size());
          ASSERT_EQ(std::string(line, n), model_.substr(0, n));
          std::free(line);
        }
        // The model for readln lives in the conformance suite; here we only
        // resynchronise and check structure.
        model_ = contents(buf_);
        Check("readln");
        break;
      }
      case 8:
        ASSERT_EQ(buf_.expand(rng() % 5000), 0);
        Check("expand");
        break;
      case 9: {
        ASSERT_EQ(other_.add(s.data(), s.size()), 0);
        ASSERT_EQ(buf_.prepend_buffer(other_), 0);
        model_ = s + model_;
        Check("prepend_buffer");
        break;
      }
      case 11: {
        // A reservation left uncommitted: its empty chains stay behind the
        // data for the next operations (and the next reservations) to meet.
        struct iovec v[4];
        const int n_vec = static_cast<int>(1 + rng() % 4);
        const size_t size = 1 + rng() % 9000;
        int n = buf_.reserve_space(static_cast<ssize_t>(size), v, n_vec);
        ASSERT_GE(n, 1);
        ASSERT_LE(n, n_vec);
        size_t total = 0;
        for (int i = 0; i < n; ++i) total += v[i].iov_len;
        ASSERT_GE(total, size);
        Check("reserve without commit");
        break;
      }
      case 12:
        // An empty reference chain waits behind the data like reserved space.
        ASSERT_EQ(buf_.add_reference("", 0, nullptr, nullptr), 0);
        Check("add_reference of nothing");
        break;
      default: {
        std::string fmt = "%s";
        va_list ap;
        auto call = [&](const char* f, ...) {
          va_start(ap, f);
          int r = buf_.add_vprintf(f, ap);
          va_end(ap);
          return r;
        };
        std::string printable = "line-" + std::to_string(step);
        ASSERT_EQ(call(fmt.c_str(), printable.c_str()), static_cast<int>(printable.size()));
        model_ += printable;
        Check("add_vprintf");
        break;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, BufferModel, ::testing::Values(1u, 2u, 3u, 4u, 5u));

// reserve_space with several vectors uses the space already writable at
// the end (libevent's evbuffer_expand_fast_): the room in the last data
// chain, then the empty chains after it, up to n_vec of them.
class BufferReserve : public ::testing::Test {
 protected:
  int Reserve(size_t size, struct iovec* v, int n_vec) {
    int n = buf_.reserve_space(static_cast<ssize_t>(size), v, n_vec);
    const char* bad = buf_.check_invariants();
    EXPECT_EQ(bad, nullptr) << "after reserve " << size << ": " << bad;
    return n;
  }
  void Commit(struct iovec* v, int n) {
    ASSERT_EQ(buf_.commit_space(v, n), 0);
    const char* bad = buf_.check_invariants();
    ASSERT_EQ(bad, nullptr) << "after commit: " << bad;
  }
  Buffer buf_{&no_invoker};
};

TEST_F(BufferReserve, SeveralVectorsKeepTheEarlierSpaceAndAppendTheRest) {
  struct iovec a[3], b[3], c[3];
  ASSERT_EQ(Reserve(100, a, 3), 1);
  ASSERT_EQ(Reserve(a[0].iov_len + 4000, b, 3), 2);
  EXPECT_EQ(b[0].iov_base, a[0].iov_base);
  EXPECT_EQ(b[0].iov_len, a[0].iov_len);
  b[0].iov_len = 1;
  b[1].iov_len = 0;
  Commit(b, 2);
  EXPECT_EQ(buf_.data_chain_count(), 1u);
  ASSERT_EQ(Reserve(4000, c, 3), 2);
  EXPECT_EQ(c[0].iov_base, static_cast<char*>(a[0].iov_base) + 1);
  EXPECT_EQ(c[1].iov_base, b[1].iov_base);
  // Fill the first chain: the next reservation begins in the second.
  c[1].iov_len = 0;
  Commit(c, 2);
  EXPECT_EQ(buf_.data_chain_count(), 1u);
  ASSERT_EQ(Reserve(10, c, 3), 1);
  EXPECT_EQ(c[0].iov_base, b[1].iov_base);
}

TEST_F(BufferReserve, TooFewVectorsReplaceTheEmptyChains) {
  ASSERT_EQ(buf_.add("head", 4), 0);
  struct iovec a[4], b[2];
  ASSERT_EQ(Reserve(1, a, 4), 1);
  size_t size = a[0].iov_len + 3000;
  int n = 0;
  for (int k = 0; k < 3; ++k) {
    n = Reserve(size, a, 4);
    size_t total = 0;
    for (int i = 0; i < n; ++i) total += a[i].iov_len;
    size = total + 3000;
  }
  ASSERT_EQ(n, 4) << "the room after the data and three empty chains";
  // Two vectors cannot hold it in the chains there: one chain replaces
  // them after the room in the data chain.
  ASSERT_EQ(Reserve(size, b, 2), 2);
  EXPECT_EQ(b[0].iov_base, a[0].iov_base);
  EXPECT_GE(b[0].iov_len + b[1].iov_len, size);
  EXPECT_NE(b[1].iov_base, a[1].iov_base);
}

TEST_F(BufferReserve, FailureChangesNothing) {
  struct iovec a[3], b[3], c[3];
  ASSERT_EQ(Reserve(100, a, 3), 1);
  ASSERT_EQ(Reserve(a[0].iov_len + 4000, b, 3), 2);
  EXPECT_EQ(Reserve(static_cast<size_t>(SSIZE_MAX), c, 3), -1);  // appending fails
  EXPECT_EQ(Reserve(static_cast<size_t>(SSIZE_MAX), c, 2), -1);  // replacing fails
  ASSERT_EQ(Reserve(a[0].iov_len + 4000, c, 3), 2);
  EXPECT_EQ(c[0].iov_base, b[0].iov_base);
  EXPECT_EQ(c[1].iov_base, b[1].iov_base);
}

int cleanups = 0;
void count_cleanup(const void*, size_t, void*) { ++cleanups; }

TEST_F(BufferReserve, EmptyReferenceChainIsReplaced) {
  cleanups = 0;
  ASSERT_EQ(buf_.add("head", 4), 0);
  ASSERT_EQ(buf_.add_reference("", 0, count_cleanup, nullptr), 0);
  struct iovec v[2];
  ASSERT_EQ(Reserve(5000, v, 2), 2) << "the room after the data, then a new chain";
  EXPECT_EQ(cleanups, 1);
  v[0].iov_len = 0;
  std::memcpy(v[1].iov_base, "x", 1);
  v[1].iov_len = 1;
  Commit(v, 2);
  EXPECT_EQ(contents(buf_), "headx");
}

}  // namespace

namespace {

// A core callback (a bufferevent watching its buffer) is called directly,
// beside the user's entries that go through the invoker, and flag changes
// from outside cannot turn a user entry into a core one or back.
int invoked = 0;
void counting_invoker(Buffer&, const Buffer::CbEntry&, const evref::CbInfo&) { ++invoked; }

TEST(BufferCoreCallbacks, AreCalledDirectlyAndKeepTheirKind) {
  invoked = 0;
  Buffer buf{&counting_invoker};
  size_t core_added = 0;
  Buffer::CbEntry* core = buf.add_core_cb(
      [](Buffer&, const evref::CbInfo& info, void* arg) { *static_cast<size_t*>(arg) += info.n_added; },
      &core_added);
  Buffer::CbEntry* user = buf.add_cb(reinterpret_cast<void (*)()>(&counting_invoker), nullptr);
  ASSERT_NE(core, nullptr);
  ASSERT_NE(user, nullptr);
  ASSERT_EQ(buf.add("abc", 3), 0);
  EXPECT_EQ(core_added, 3u);
  EXPECT_EQ(invoked, 1);
  Buffer::cb_set_flags(*user, Buffer::kCbCore);
  Buffer::cb_clear_flags(*core, Buffer::kCbCore);
  EXPECT_EQ(user->flags & Buffer::kCbCore, 0u);
  EXPECT_NE(core->flags & Buffer::kCbCore, 0u);
  ASSERT_EQ(buf.add("de", 2), 0);
  EXPECT_EQ(core_added, 5u);
  EXPECT_EQ(invoked, 2);
}

}  // namespace
