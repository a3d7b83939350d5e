// The obviously-correct model of evbuffer EOL search, over flat bytes.
// The rules are those the conformance suite checks (conformance/evbuffer/
// eol_test.cc): ANY = a run of CR/LF, CRLF = LF with an optional CR before
// it (never looking back before start), CRLF_STRICT = CR LF, LF, NUL.
#ifndef EVC_FUZZ_EOL_ORACLE_H
#define EVC_FUZZ_EOL_ORACLE_H

#include <cstddef>
#include <string>

namespace evc {

struct EolHit {
  long pos;    // -1: not found
  size_t len;  // 0 when not found
};

// styles: 0 ANY, 1 CRLF, 2 CRLF_STRICT, 3 LF, 4 NUL (enum evbuffer_eol_style)
inline EolHit OracleEol(const std::string& s, size_t start, int style) {
  for (size_t i = start; i < s.size(); ++i) {
    const char c = s[i];
    switch (style) {
      case 0:
        if (c == '\r' || c == '\n') {
          size_t j = i;
          while (j < s.size() && (s[j] == '\r' || s[j] == '\n')) ++j;
          return {static_cast<long>(i), j - i};
        }
        break;
      case 1:
        if (c == '\n') {
          if (i > start && s[i - 1] == '\r') return {static_cast<long>(i - 1), 2};
          return {static_cast<long>(i), 1};
        }
        break;
      case 2:
        if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') return {static_cast<long>(i), 2};
        break;
      case 3:
        if (c == '\n') return {static_cast<long>(i), 1};
        break;
      case 4:
        if (c == '\0') return {static_cast<long>(i), 1};
        break;
      default:
        return {-1, 0};
    }
  }
  return {-1, 0};
}

}  // namespace evc

#endif  // EVC_FUZZ_EOL_ORACLE_H
