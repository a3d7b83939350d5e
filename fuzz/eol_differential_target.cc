// Fuzz target eol_differential: the same decoded input (eol_input.h) on the
// reference core (evref::Buffer, no libevent symbols) and on real libevent,
// in one process; search_eol from the start pointer, search for CR LF, and
// readln are compared result by result. Any difference aborts with the
// input, the layout, the style and both results.
#include <event2/buffer.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "buffer.h"  // evref::Buffer (reference/src/core)
#include "eol_input.h"

namespace {

using evc::Decoded;

void NoCallbacks(evref::Buffer&, const evref::Buffer::CbEntry&, const evref::CbInfo&) {}

struct Result {
  long eol_pos = -2;
  size_t eol_len = 99;
  long crlf_pos = -2;
  bool line = false;
  std::string text;
  size_t n_read = 99;
  size_t left = 99;
};

std::string ShowResult(const Result& r) {
  char b[160];
  std::snprintf(b, sizeof b, "search_eol pos %ld len %zu; search \\r\\n %ld; readln %s n_read %zu, %zu left",
                r.eol_pos, r.eol_len, r.crlf_pos, r.line ? ("\"" + evc::Show(r.text) + "\"").c_str() : "NULL",
                r.n_read, r.left);
  return b;
}

Result OnReference(const Decoded& d) {
  Result r;
  evref::Buffer buf(NoCallbacks);
  for (const std::string& c : d.chains) buf.add_reference(c.data(), c.size(), nullptr, nullptr);
  evref::Pos start;
  buf.ptr_set(start, d.start, false);
  const evref::Pos p = buf.search_eol(&start, &r.eol_len, d.style);
  r.eol_pos = static_cast<long>(p.pos);
  r.crlf_pos = static_cast<long>(buf.search_range("\r\n", 2, &start, nullptr).pos);
  evref::Buffer again(NoCallbacks);
  for (const std::string& c : d.chains) again.add_reference(c.data(), c.size(), nullptr, nullptr);
  char* line = again.readln(&r.n_read, d.style);
  r.line = line != nullptr;
  if (line) r.text.assign(line, r.n_read);
  else r.n_read = 0;
  std::free(line);
  r.left = again.length();
  return r;
}

Result OnLibevent(const Decoded& d) {
  Result r;
  evbuffer* buf = evbuffer_new();
  for (const std::string& c : d.chains) evbuffer_add_reference(buf, c.data(), c.size(), nullptr, nullptr);
  evbuffer_ptr start;
  evbuffer_ptr_set(buf, &start, d.start, EVBUFFER_PTR_SET);
  const evbuffer_ptr p =
      evbuffer_search_eol(buf, &start, &r.eol_len, static_cast<evbuffer_eol_style>(d.style));
  r.eol_pos = static_cast<long>(p.pos);
  r.crlf_pos = static_cast<long>(evbuffer_search(buf, "\r\n", 2, &start).pos);
  evbuffer_free(buf);
  buf = evbuffer_new();
  for (const std::string& c : d.chains) evbuffer_add_reference(buf, c.data(), c.size(), nullptr, nullptr);
  char* line = evbuffer_readln(buf, &r.n_read, static_cast<evbuffer_eol_style>(d.style));
  r.line = line != nullptr;
  if (line) r.text.assign(line, r.n_read);
  else r.n_read = 0;
  std::free(line);
  r.left = evbuffer_get_length(buf);
  evbuffer_free(buf);
  return r;
}

bool Same(const Result& a, const Result& b) {
  return a.eol_pos == b.eol_pos && a.eol_len == b.eol_len && a.crlf_pos == b.crlf_pos &&
         a.line == b.line && a.text == b.text && a.n_read == b.n_read && a.left == b.left;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Decoded d = evc::Decode(data, size);
  const Result ref = OnReference(d);
  const Result lib = OnLibevent(d);
  if (!Same(ref, lib)) {
    std::fprintf(stderr, "eol_differential: the reference and libevent differ\n  style %d, start %zu, chains:",
                 d.style, d.start);
    for (const std::string& c : d.chains) std::fprintf(stderr, " \"%s\"", evc::Show(c).c_str());
    std::fprintf(stderr, "\n  reference: %s\n  libevent:  %s\n", ShowResult(ref).c_str(),
                 ShowResult(lib).c_str());
    std::abort();
  }
  return 0;
}
