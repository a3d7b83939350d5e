// Replays fuzz inputs without libFuzzer (any compiler): every file named on
// the command line, or every file in a named directory, goes through
// LLVMFuzzerTestOneInput once. A failing check aborts, as under libFuzzer.
#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool RunFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <file-or-directory>...\n", argv[0]);
    return 2;
  }
  int ran = 0;
  for (int i = 1; i < argc; ++i) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      std::fprintf(stderr, "replay: cannot read %s\n", argv[i]);
      return 2;
    }
    if (!S_ISDIR(st.st_mode)) {
      ran += RunFile(argv[i]);
      continue;
    }
    DIR* dir = opendir(argv[i]);
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      if (!RunFile(std::string(argv[i]) + "/" + e->d_name)) {
        std::fprintf(stderr, "replay: cannot read %s/%s\n", argv[i], e->d_name);
        return 2;
      }
      ++ran;
    }
    closedir(dir);
  }
  if (ran == 0) {
    std::fprintf(stderr, "replay: no inputs\n");
    return 2;
  }
  std::printf("replay: %d inputs, all checks passed\n", ran);
  return 0;
}
