// Fuzz target eol_search: evbuffer_search_eol, evbuffer_readln and
// evbuffer_search on a buffer whose bytes are split across chains as the
// input says, every result checked against the oracle (eol_oracle.h).
// Built once per implementation, like the conformance suite.
// The input format is in eol_input.h.
#include <event2/buffer.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "eol_input.h"
#include "eol_oracle.h"

namespace {

using evc::Decoded;
using evc::Decode;
using evc::Show;

[[noreturn]] void Fail(const Decoded& d, const char* what, long got, long want) {
  std::fprintf(stderr, "eol_search: %s: got %ld, oracle %ld\n  style %d, start %zu, chains:",
               what, got, want, d.style, d.start);
  for (const std::string& c : d.chains) std::fprintf(stderr, " \"%s\"", Show(c).c_str());
  std::fprintf(stderr, "\n");
  std::abort();
}

void Check(const Decoded& d, const char* what, long got, long want) {
  if (got != want) Fail(d, what, got, want);
}

evbuffer* Build(const Decoded& d) {
  evbuffer* buf = evbuffer_new();
  for (const std::string& c : d.chains) evbuffer_add_reference(buf, c.data(), c.size(), nullptr, nullptr);
  return buf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Decoded d = Decode(data, size);
  const auto style = static_cast<evbuffer_eol_style>(d.style);

  // search_eol from the start pointer.
  evbuffer* buf = Build(d);
  Check(d, "length", static_cast<long>(evbuffer_get_length(buf)), static_cast<long>(d.flat.size()));
  evbuffer_ptr start;
  if (evbuffer_ptr_set(buf, &start, d.start, EVBUFFER_PTR_SET) != 0)
    Fail(d, "ptr_set", -1, static_cast<long>(d.start));
  size_t eol_len = 12345;
  const evbuffer_ptr p = evbuffer_search_eol(buf, &start, &eol_len, style);
  const evc::EolHit want = evc::OracleEol(d.flat, d.start, d.style);
  Check(d, "search_eol pos", static_cast<long>(p.pos), want.pos);
  Check(d, "search_eol eol_len", static_cast<long>(eol_len), static_cast<long>(want.len));

  // search for a CR LF pair across chains, from the same start.
  const evbuffer_ptr q = evbuffer_search(buf, "\r\n", 2, &start);
  const size_t found = d.flat.find("\r\n", d.start);
  Check(d, "search \\r\\n", static_cast<long>(q.pos),
        found == std::string::npos ? -1L : static_cast<long>(found));
  evbuffer_free(buf);

  // readln from the front: the line, its length, and what remains.
  buf = Build(d);
  const evc::EolHit first = evc::OracleEol(d.flat, 0, d.style);
  size_t n_read = 12345;
  char* line = evbuffer_readln(buf, &n_read, style);
  if (first.pos < 0) {
    if (line != nullptr) Fail(d, "readln found a line", 1, 0);
    Check(d, "readln leaves the buffer", static_cast<long>(evbuffer_get_length(buf)),
          static_cast<long>(d.flat.size()));
  } else {
    if (line == nullptr) Fail(d, "readln found no line", 0, 1);
    Check(d, "readln n_read", static_cast<long>(n_read), first.pos);
    if (std::memcmp(line, d.flat.data(), n_read) != 0 || line[n_read] != '\0')
      Fail(d, "readln line bytes", 0, 1);
    Check(d, "readln remaining", static_cast<long>(evbuffer_get_length(buf)),
          static_cast<long>(d.flat.size() - first.pos - first.len));
    std::free(line);
  }
  evbuffer_free(buf);
  return 0;
}
