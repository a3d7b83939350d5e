// Fuzz target evbuffer_ops: a sequence of evbuffer operations decoded from
// the input runs on two buffers and on a std::string model of each
// (evbuffer_ops.h); every returned value and the contents after every step
// are checked against the model. It reaches prepend, pullup,
// remove_buffer, reserve/commit and search across chain boundaries. Built
// once per implementation.
#include "evbuffer_ops.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  evc::OpsOptions opt;
#ifdef EVC_FUZZ_AVOID_KNOWN_LIBEVENT_ABORT
  opt.avoid_known_libevent_abort = true;
#endif
  evc::RunOps<evc::CApi>(data, size, opt, [](int, const std::string&) {});
  return 0;
}
