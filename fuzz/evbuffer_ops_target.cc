// Fuzz target evbuffer_ops: a sequence of operations of the evbuffer
// vocabulary (evbuffer_vocab.h) decoded from the input (evbuffer_ops.h)
// runs on two buffers against the model; every returned value, the
// contents and the callback calls after every step are checked. It reaches
// prepend, pullup, peek, the moves between buffers, reserve/commit,
// search, search_eol and readln across chain boundaries, freezing and
// disabled callbacks. Built once per implementation. With EVC_OPS_TRACE
// set, each step is printed to stderr (what an input does, for corpus work).
#include <cstdio>
#include <cstdlib>

#include "evbuffer_ops.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool trace = std::getenv("EVC_OPS_TRACE") != nullptr;
  evc::VocabOptions opt;
#ifdef EVC_FUZZ_AVOID_KNOWN_LIBEVENT_ABORT
  opt.avoid_known_libevent_abort = true;
#endif
  evc::RunOps<evc::CApi>(data, size, opt, [](int step, const std::string& line) {
    if (trace) std::fprintf(stderr, "%2d %s\n", step, line.c_str());
  });
  return 0;
}
