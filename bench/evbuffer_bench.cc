// evbuffer micro-benchmarks (Google Benchmark), written against
// <event2/buffer.h> only, so the same source builds for every
// implementation; `python3 -m evconform.bench` runs the builds alternately and compares
// throughputs.
//
// Every buffer that holds lines is laid out in 4 KiB chains: the bytes live
// in one block and the buffer references 4 KiB slices of it
// (evbuffer_add_reference), so both implementations see the same chain
// layout. The last argument of every benchmark is its scale (1, 10, 100):
// the work of one iteration grows with it, so per-byte or per-operation
// cost across scales shows whether cost grows linearly.
//
//   Readln/<style>/<line bytes>/<scale>   readln every line of scale × 0.64 MiB
//   SearchEol/<style>/<scale>             one search_eol over a buffer whose only
//                                         EOL is its last byte(s)
//   Memchr/<scale>                        memchr over the same bytes: the limit
//   Add/<scale>                           scale × 1,000 adds of 64 bytes
//   Remove/<scale>                        scale × 1,000 removes of 64 bytes
//   AddBuffer/<scale>                     scale × 1,000 moves of 16 chains to and fro
//   Pullup/<scale>                        pullup of scale × 16 chains of 4 KiB
//   AddFile/<drains>/<scale>              evbuffer_add_file of a scale × 0.64 MiB
//                                         memfd, then evbuffer_write of it all to a
//                                         socket pair a reader thread drains;
//                                         drains 1: EVBUFFER_FLAG_DRAINS_TO_FD set
#include <event2/buffer.h>

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace {

constexpr size_t kChain = 4096;
constexpr size_t kUnitBytes = (64u << 20) / 100;  // scale 100 = 64 MiB
constexpr int kUnitOps = 1000;

const char* const kStyleNames[] = {"ANY", "CRLF", "CRLF_STRICT", "LF", "NUL"};

// The line terminator each style is measured on.
std::string Terminator(int style) {
  switch (style) {
    case EVBUFFER_EOL_ANY:
    case EVBUFFER_EOL_CRLF:
    case EVBUFFER_EOL_CRLF_STRICT:
      return "\r\n";
    case EVBUFFER_EOL_LF:
      return "\n";
    default:
      return std::string(1, '\0');
  }
}

// size bytes of `line`-byte lines (terminator included); built once per shape.
const std::string& Lines(int style, size_t line, size_t size) {
  static std::map<std::tuple<int, size_t, size_t>, std::string> cache;
  std::string& s = cache[{style, line, size}];
  if (s.empty()) {
    const std::string eol = Terminator(style);
    std::string one(line - eol.size(), 'x');
    for (size_t i = 0; i < one.size(); ++i) one[i] = static_cast<char>('a' + i % 26);
    one += eol;
    s.reserve(size);
    while (s.size() + line <= size) s += one;
  }
  return s;
}

// size bytes without an EOL but for the style's terminator at the very end.
const std::string& OneEolAtTheEnd(int style, size_t size) {
  static std::map<std::pair<int, size_t>, std::string> cache;
  std::string& s = cache[{style, size}];
  if (s.empty()) {
    const std::string eol = Terminator(style);
    s.assign(size - eol.size(), 'x');
    s += eol;
  }
  return s;
}

// The buffer references `bytes` in 4 KiB slices: one chain each.
void AddInChains(evbuffer* buf, const std::string& bytes) {
  for (size_t off = 0; off < bytes.size(); off += kChain) {
    const size_t n = std::min(kChain, bytes.size() - off);
    evbuffer_add_reference(buf, bytes.data() + off, n, nullptr, nullptr);
  }
}

void Readln(benchmark::State& state) {
  const int style = static_cast<int>(state.range(0));
  const size_t line = static_cast<size_t>(state.range(1));
  const std::string& bytes = Lines(style, line, kUnitBytes * static_cast<size_t>(state.range(2)));
  const size_t want_lines = bytes.size() / line;
  evbuffer* buf = evbuffer_new();
  for (auto _ : state) {
    state.PauseTiming();
    AddInChains(buf, bytes);
    state.ResumeTiming();
    size_t lines = 0, n = 0;
    while (char* l = evbuffer_readln(buf, &n, static_cast<evbuffer_eol_style>(style))) {
      ++lines;
      std::free(l);
    }
    if (lines != want_lines || evbuffer_get_length(buf) != 0) {
      state.SkipWithError("readln did not return every line");
      break;
    }
  }
  evbuffer_free(buf);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.SetLabel(kStyleNames[style]);
}

void SearchEol(benchmark::State& state) {
  const int style = static_cast<int>(state.range(0));
  const std::string& bytes = OneEolAtTheEnd(style, kUnitBytes * static_cast<size_t>(state.range(1)));
  const size_t eol = Terminator(style).size();
  evbuffer* buf = evbuffer_new();
  AddInChains(buf, bytes);
  for (auto _ : state) {
    size_t len = 0;
    evbuffer_ptr p = evbuffer_search_eol(buf, nullptr, &len, static_cast<evbuffer_eol_style>(style));
    benchmark::DoNotOptimize(p);
    if (p.pos != static_cast<ev_ssize_t>(bytes.size() - eol) || len != eol) {
      state.SkipWithError("search_eol missed the EOL");
      break;
    }
  }
  evbuffer_free(buf);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.SetLabel(kStyleNames[style]);
}

void Memchr(benchmark::State& state) {
  const std::string& bytes = OneEolAtTheEnd(EVBUFFER_EOL_LF, kUnitBytes * static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    const void* hit = std::memchr(bytes.data(), '\n', bytes.size());
    benchmark::DoNotOptimize(hit);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

void Add(benchmark::State& state) {
  const int ops = kUnitOps * static_cast<int>(state.range(0));
  const std::string piece(64, 'a');
  evbuffer* buf = evbuffer_new();
  for (auto _ : state) {
    for (int i = 0; i < ops; ++i) evbuffer_add(buf, piece.data(), piece.size());
    state.PauseTiming();
    evbuffer_drain(buf, evbuffer_get_length(buf));
    state.ResumeTiming();
  }
  evbuffer_free(buf);
  state.SetItemsProcessed(state.iterations() * ops);
}

void Remove(benchmark::State& state) {
  const int ops = kUnitOps * static_cast<int>(state.range(0));
  const std::string bytes(64u * static_cast<size_t>(ops), 'r');
  char out[64];
  evbuffer* buf = evbuffer_new();
  for (auto _ : state) {
    state.PauseTiming();
    evbuffer_add(buf, bytes.data(), bytes.size());
    state.ResumeTiming();
    for (int i = 0; i < ops; ++i) evbuffer_remove(buf, out, sizeof out);
    if (evbuffer_get_length(buf) != 0) {
      state.SkipWithError("remove left bytes behind");
      break;
    }
  }
  evbuffer_free(buf);
  state.SetItemsProcessed(state.iterations() * ops);
}

void AddBuffer(benchmark::State& state) {
  const int ops = kUnitOps * static_cast<int>(state.range(0));
  const std::string& bytes = OneEolAtTheEnd(EVBUFFER_EOL_LF, 16 * kChain);
  evbuffer* a = evbuffer_new();
  evbuffer* b = evbuffer_new();
  AddInChains(a, bytes);
  for (auto _ : state) {
    for (int i = 0; i < ops; ++i) {
      evbuffer_add_buffer(b, a);
      evbuffer_add_buffer(a, b);
    }
  }
  if (evbuffer_get_length(a) != bytes.size()) state.SkipWithError("add_buffer lost bytes");
  evbuffer_free(a);
  evbuffer_free(b);
  state.SetItemsProcessed(state.iterations() * ops * 2);
}

void Pullup(benchmark::State& state) {
  const std::string& bytes = OneEolAtTheEnd(EVBUFFER_EOL_LF, 16 * kChain * static_cast<size_t>(state.range(0)));
  evbuffer* buf = evbuffer_new();
  for (auto _ : state) {
    state.PauseTiming();
    evbuffer_drain(buf, evbuffer_get_length(buf));
    AddInChains(buf, bytes);
    state.ResumeTiming();
    unsigned char* p = evbuffer_pullup(buf, -1);
    benchmark::DoNotOptimize(p);
    if (p == nullptr || p[bytes.size() - 1] != '\n') {
      state.SkipWithError("pullup failed");
      break;
    }
  }
  evbuffer_free(buf);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

// A memfd of size bytes (made once per size; each iteration adds a dup, which
// evbuffer_add_file takes over).
int FileOf(size_t size) {
  static std::map<size_t, int> files;
  int& fd = files[size];
  if (fd == 0) {
    fd = memfd_create("evbench", MFD_CLOEXEC);
    const std::string chunk = Lines(EVBUFFER_EOL_LF, 1024, 1 << 20);
    for (size_t done = 0; fd >= 0 && done < size;) {
      const ssize_t n = write(fd, chunk.data(), std::min(chunk.size(), size - done));
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
  }
  return fd;
}

void AddFile(benchmark::State& state) {
  const bool drains = state.range(0) != 0;
  const size_t size = kUnitBytes * static_cast<size_t>(state.range(1));
  const int file = FileOf(size);
  int sv[2];
  if (file < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    state.SkipWithError("no file or socket pair");
    return;
  }
  std::thread reader([fd = sv[1]] {  // reads until the writer closes its end
    std::vector<char> sink(1 << 20);
    while (read(fd, sink.data(), sink.size()) > 0) {
    }
  });
  evbuffer* buf = evbuffer_new();
  if (drains) evbuffer_set_flags(buf, EVBUFFER_FLAG_DRAINS_TO_FD);
  for (auto _ : state) {
    if (evbuffer_add_file(buf, dup(file), 0, static_cast<ev_off_t>(size)) != 0) {
      state.SkipWithError("add_file failed");
      break;
    }
    while (evbuffer_get_length(buf) > 0) {
      if (evbuffer_write(buf, sv[0]) <= 0) {
        state.SkipWithError("write failed");
        break;
      }
    }
  }
  evbuffer_free(buf);
  close(sv[0]);
  reader.join();
  close(sv[1]);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

void Scales(benchmark::internal::Benchmark* b) {
  for (int scale : {1, 10, 100}) b->Arg(scale);
}

void ReadlnArgs(benchmark::internal::Benchmark* b) {
  for (int style = 0; style < 5; ++style)
    for (int line : {80, 1024})
      for (int scale : {1, 10, 100}) b->Args({style, line, scale});
}

void AddFileArgs(benchmark::internal::Benchmark* b) {
  for (int drains : {0, 1})
    for (int scale : {1, 10, 100}) b->Args({drains, scale});
}

void SearchEolArgs(benchmark::internal::Benchmark* b) {
  for (int style = 0; style < 5; ++style)
    for (int scale : {1, 10, 100}) b->Args({style, scale});
}

}  // namespace

BENCHMARK(Readln)->Apply(ReadlnArgs)->Unit(benchmark::kMillisecond);
BENCHMARK(SearchEol)->Apply(SearchEolArgs)->Unit(benchmark::kMicrosecond);
BENCHMARK(Memchr)->Apply(Scales)->Unit(benchmark::kMicrosecond);
BENCHMARK(Add)->Apply(Scales)->Unit(benchmark::kMicrosecond);
BENCHMARK(Remove)->Apply(Scales)->Unit(benchmark::kMicrosecond);
BENCHMARK(AddBuffer)->Apply(Scales)->Unit(benchmark::kMicrosecond);
BENCHMARK(Pullup)->Apply(Scales)->Unit(benchmark::kMicrosecond);
BENCHMARK(AddFile)->Apply(AddFileArgs)->Unit(benchmark::kMillisecond)->UseRealTime();

// Freed chains stay in the heap (no mmap per large chain, no trimming), so
// the figures measure the buffer code rather than page faults from memory
// the allocator handed back to the kernel; the same for every
// implementation.
int main(int argc, char** argv) {
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
