// The input format shared by the EOL fuzz targets: [style][start][n]
// [len_1 .. len_n][payload]. style % 5 is the EOL style; start % (size+1)
// the start pointer; each len (1 + len % 8) cuts the next chain from the
// payload and the rest is one last chain, so one-byte chains and CR/LF pairs
// split across chains are common.
#ifndef EVC_FUZZ_EOL_INPUT_H
#define EVC_FUZZ_EOL_INPUT_H

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace evc {

struct Decoded {
  int style = 0;
  size_t start = 0;
  std::vector<std::string> chains;
  std::string flat;
};

inline Decoded Decode(const uint8_t* data, size_t size) {
  Decoded d;
  if (size < 3) return d;
  d.style = data[0] % 5;
  const size_t start_byte = data[1];
  const size_t n = data[2] % 16;
  size_t at = 3;
  std::vector<size_t> lens;
  for (size_t i = 0; i < n && at < size; ++i) lens.push_back(1 + data[at++] % 8);
  for (size_t len : lens) {
    if (at >= size) break;
    const size_t take = std::min(len, size - at);
    d.chains.emplace_back(reinterpret_cast<const char*>(data + at), take);
    at += take;
  }
  if (at < size) d.chains.emplace_back(reinterpret_cast<const char*>(data + at), size - at);
  for (const std::string& c : d.chains) d.flat += c;
  d.start = start_byte % (d.flat.size() + 1);
  return d;
}

inline std::string Show(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c == '\0') out += "\\0";
    else if (c < 32 || c > 126) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    } else out += static_cast<char>(c);
  }
  return out;
}

}  // namespace evc

#endif  // EVC_FUZZ_EOL_INPUT_H
