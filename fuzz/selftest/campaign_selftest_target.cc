// The fuzz campaign's self-test target (fuzz preset only): two planted
// bugs, each reachable from many inputs, so a short campaign must find
// both, minimise each crash, and deduplicate the artefacts into exactly
// two signatures (an abort with the target's message, and an
// AddressSanitizer heap-buffer-overflow). Not an evbuffer test.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= 4 && std::memcmp(data, "EOL!", 4) == 0) {
    std::fprintf(stderr, "campaign_selftest: planted abort after %zu bytes\n", size);
    std::abort();
  }
  if (size >= 4 && std::memcmp(data, "CRLF", 4) == 0) {
    char* heap = static_cast<char*>(std::malloc(4));
    std::memcpy(heap, data, 4);
    volatile char past_the_end = heap[4 + data[size - 1] % 2];  // planted overflow
    (void)past_the_end;
    std::free(heap);
  }
  return 0;
}
