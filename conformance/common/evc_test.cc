#include "evc_test.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace evc {

std::map<int, std::string> OpenFds(pid_t pid) {
  std::map<int, std::string> fds;
  const std::string dir_path = pid == 0 ? "/proc/self/fd" : "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = opendir(dir_path.c_str());
  if (dir == nullptr) return fds;
  const int own = pid == 0 ? dirfd(dir) : -1;  // the listing's own fd is not the test's
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == own) continue;
    char target[512];
    std::string path = dir_path + "/" + e->d_name;
    ssize_t n = readlink(path.c_str(), target, sizeof(target) - 1);
    fds[static_cast<int>(fd)] = n > 0 ? std::string(target, static_cast<size_t>(n)) : "?";
  }
  closedir(dir);
  return fds;
}

void Test::SetUp() { fds_before_ = OpenFds(); }

void Test::TearDown() {
  std::map<int, std::string> after = OpenFds();
  std::ostringstream leaked;
  for (const auto& [fd, what] : after) {
    auto it = fds_before_.find(fd);
    if (it == fds_before_.end() || it->second != what) leaked << " " << fd << "->" << what;
  }
  EXPECT_TRUE(leaked.str().empty()) << "file descriptors left open by the test:" << leaked.str();
}

}  // namespace evc
