// Shared support for the RapidCheck properties (property/): generators
// biased toward the bytes and sizes that break buffers, and the rule
// recording and fd helpers of the conformance suite.
#ifndef EVC_PROPERTY_H
#define EVC_PROPERTY_H

#include <rapidcheck.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "evc_test.h"  // EVC_RULE, evc::OpenFds

namespace evc {

// An integer uniform in [lo, hi) whatever the current size (RapidCheck's
// inRange narrows the range at small sizes; scenario structure should not).
inline rc::Gen<int> Uniform(int lo, int hi) { return rc::gen::resize(100, rc::gen::inRange(lo, hi)); }

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

// For RC_ASSERT on pointers to incomplete types (RapidCheck would try to
// print the pointee): RC_ASSERT(IsSet(p)).
template <class T>
bool IsSet(const T* p) {
  return p != nullptr;
}

// A trace as one line: " A B C", or " (none)".
inline std::string Join(const std::vector<std::string>& t) {
  std::string s;
  for (const std::string& x : t) s += " " + x;
  return s.empty() ? " (none)" : s;
}

// With EVC_TRACE_FILE set, appends one line per generated case: the test,
// the scenario and what the implementation did. `python3 -m evconform.properties --compare`
// runs the same seeds on two implementations and compares the files, so a
// difference between them is reported with the scenario that shows it.
template <class Scenario>
void RecordTrace(const char* test, const Scenario& s, const std::string& trace) {
  const char* path = std::getenv("EVC_TRACE_FILE");
  if (path == nullptr || *path == '\0') return;
  std::ostringstream os;
  showValue(s, os);
  std::string line = os.str();
  for (char& c : line)
    if (c == '\n') c = ' ';
  if (FILE* f = std::fopen(path, "a")) {
    std::fprintf(f, "%s: %s => %s\n", test, line.c_str(), trace.c_str());
    std::fclose(f);
  }
}

}  // namespace evc

#endif  // EVC_PROPERTY_H
