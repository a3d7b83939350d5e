// Shared support for the RapidCheck properties (property/): generators
// biased toward the bytes and sizes that break buffers, and the rule
// recording and fd helpers of the conformance suite.
#ifndef EVC_PROPERTY_H
#define EVC_PROPERTY_H

#include <rapidcheck.h>

#include <string>

#include "evc_test.h"  // EVC_RULE, evc::OpenFds

namespace evc {

// One byte: CR, LF and NUL are common, not rare.
inline rc::Gen<char> GenByte() {
  return rc::gen::weightedElement<char>({{3, '\r'}, {3, '\n'}, {2, '\0'}, {4, 'a'}, {2, 'b'}, {1, '\xff'}});
}

// Bytes to add: mostly short (a few bytes), sometimes a few dozen, now and
// then longer than a chain (libevent's first chain holds about 1 KiB).
inline rc::Gen<std::string> GenBytes() {
  auto sized = [](int lo, int hi) {
    return rc::gen::mapcat(rc::gen::inRange(lo, hi), [](int n) {
      return rc::gen::container<std::string>(static_cast<size_t>(n), GenByte());
    });
  };
  return rc::gen::weightedOneOf<std::string>({{6, sized(0, 9)}, {3, sized(9, 65)}, {1, sized(900, 2200)}});
}

// A small piece (1-4 bytes): one chain when added by reference.
inline rc::Gen<std::string> GenPiece() {
  return rc::gen::mapcat(rc::gen::inRange(1, 5), [](int n) {
    return rc::gen::container<std::string>(static_cast<size_t>(n), GenByte());
  });
}

}  // namespace evc

#endif  // EVC_PROPERTY_H
