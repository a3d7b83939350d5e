// Fuzz target evbuffer_ops: a sequence of evbuffer operations decoded from
// the input runs on two buffers and on a std::string model of each; after
// every operation the lengths and the bytes (read with evbuffer_peek, so
// the buffer is untouched) must match the model, and every value an
// operation returns must be what the model predicts. It reaches prepend,
// pullup, remove_buffer, reserve/commit and search across chain boundaries.
// Built once per implementation.
#include <event2/buffer.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "eol_input.h"  // evc::Show

namespace {

struct Reader {
  const uint8_t* data;
  size_t size, at = 0;
  bool more() const { return at < size; }
  uint8_t byte() { return at < size ? data[at++] : 0; }
  std::string bytes(size_t n) {
    n = std::min(n, size - at);
    std::string s(reinterpret_cast<const char*>(data + at), n);
    at += n;
    return s;
  }
};

std::string Contents(evbuffer* b) {
  const int n = evbuffer_peek(b, -1, nullptr, nullptr, 0);
  std::vector<evbuffer_iovec> v(n > 0 ? n : 1);
  evbuffer_peek(b, -1, nullptr, v.data(), n);
  std::string s;
  for (int i = 0; i < n; ++i) s.append(static_cast<char*>(v[i].iov_base), v[i].iov_len);
  return s;
}

[[noreturn]] void Fail(int step, const char* op, const std::string& got, const std::string& want) {
  std::fprintf(stderr, "evbuffer_ops: step %d (%s): got \"%s\", model \"%s\"\n", step, op,
               evc::Show(got).c_str(), evc::Show(want).c_str());
  std::abort();
}

void Expect(int step, const char* op, bool ok) {
  if (!ok) Fail(step, op, "false", "true");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  evbuffer* buf[2] = {evbuffer_new(), evbuffer_new()};
  std::string model[2];
  std::vector<std::string> refs;  // storage for add_reference, outlives the buffers
  refs.reserve(64);
  for (int step = 0; in.more() && step < 64; ++step) {
    const uint8_t op = in.byte();
    const int w = op >> 7;  // which buffer
    evbuffer* b = buf[w];
    std::string& m = model[w];
    const char* name = "";
    switch (op % 10) {
      case 0: {
        name = "add";
        const std::string s = in.bytes(in.byte() % 32);
        Expect(step, name, evbuffer_add(b, s.data(), s.size()) == 0);
        m += s;
        break;
      }
      case 1: {
        name = "prepend";
        const std::string s = in.bytes(in.byte() % 32);
        Expect(step, name, evbuffer_prepend(b, s.data(), s.size()) == 0);
        m.insert(0, s);
        break;
      }
      case 2: {
        name = "drain";
        const size_t k = in.byte() % (m.size() + 2);
        Expect(step, name, evbuffer_drain(b, k) == 0);
        m.erase(0, std::min(k, m.size()));
        break;
      }
      case 3: {
        name = "remove";
        const size_t k = in.byte() % (m.size() + 2);
        std::string out(k, '\0');
        const int n = evbuffer_remove(b, &out[0], k);
        const size_t want = std::min(k, m.size());
        if (n != static_cast<int>(want)) Fail(step, name, std::to_string(n), std::to_string(want));
        if (out.substr(0, want) != m.substr(0, want)) Fail(step, name, out.substr(0, want), m.substr(0, want));
        m.erase(0, want);
        break;
      }
      case 4: {
        name = "copyout";
        const size_t k = in.byte() % (m.size() + 2);
        std::string out(k, '\0');
        const ev_ssize_t n = evbuffer_copyout(b, &out[0], k);
        const size_t want = std::min(k, m.size());
        if (n != static_cast<ev_ssize_t>(want)) Fail(step, name, std::to_string(n), std::to_string(want));
        if (out.substr(0, want) != m.substr(0, want)) Fail(step, name, out.substr(0, want), m.substr(0, want));
        break;
      }
      case 5: {
        name = "pullup";
        const size_t k = in.byte() % (m.size() + 2);
        unsigned char* p = evbuffer_pullup(b, static_cast<ev_ssize_t>(k));
        if (k > m.size()) {
          Expect(step, name, p == nullptr);
        } else if (k > 0) {
          Expect(step, name, p != nullptr);
          const std::string got(reinterpret_cast<char*>(p), k);
          if (got != m.substr(0, k)) Fail(step, name, got, m.substr(0, k));
        }
        break;
      }
      case 6: {
        name = "add_reference";
        if (refs.size() == refs.capacity()) break;
        refs.push_back(in.bytes(1 + in.byte() % 16));
        Expect(step, name, evbuffer_add_reference(b, refs.back().data(), refs.back().size(), nullptr,
                                                  nullptr) == 0);
        m += refs.back();
        break;
      }
      case 7: {
        name = "reserve+commit";
        const size_t n = in.byte() % 64;
        evbuffer_iovec v[2];
        const int k = evbuffer_reserve_space(b, static_cast<ev_ssize_t>(n), v, 2);
        Expect(step, name, k >= 1 || n == 0);
        std::string fill = in.bytes(n);
        fill.resize(n, 'r');
        size_t left = n;
        for (int i = 0; i < k; ++i) {
          const size_t take = std::min(left, v[i].iov_len);
          std::memcpy(v[i].iov_base, fill.data() + (n - left), take);
          v[i].iov_len = take;
          left -= take;
        }
        Expect(step, name, left == 0);
        Expect(step, name, evbuffer_commit_space(b, v, k) == 0);
        m += fill;
        break;
      }
      case 8: {
        name = "search";
        const std::string pat = in.bytes(1 + in.byte() % 3);
        const evbuffer_ptr p = evbuffer_search(b, pat.data(), pat.size(), nullptr);
        const size_t want = m.find(pat);
        const long w_pos = want == std::string::npos ? -1 : static_cast<long>(want);
        if (static_cast<long>(p.pos) != w_pos)
          Fail(step, name, std::to_string(p.pos), std::to_string(w_pos));
        break;
      }
      default: {
        name = "remove_buffer";
        const size_t k = in.byte() % (m.size() + 2);
        const int n = evbuffer_remove_buffer(b, buf[1 - w], k);
        const size_t want = std::min(k, m.size());
        if (n != static_cast<int>(want)) Fail(step, name, std::to_string(n), std::to_string(want));
        model[1 - w] += m.substr(0, want);
        m.erase(0, want);
        break;
      }
    }
    for (int i = 0; i < 2; ++i) {
      if (evbuffer_get_length(buf[i]) != model[i].size())
        Fail(step, name, std::to_string(evbuffer_get_length(buf[i])), std::to_string(model[i].size()));
      const std::string c = Contents(buf[i]);
      if (c != model[i]) Fail(step, name, c, model[i]);
    }
  }
  evbuffer_free(buf[0]);
  evbuffer_free(buf[1]);
  return 0;
}
