// evref::FileSegment: loading a range of a file, and its lifetime.
#include "file_segment.h"

#include <cerrno>
#include <climits>
#include <new>

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mm.h"

namespace evref {

FileSegment::~FileSegment() { unload(); }

void FileSegment::unload() noexcept {
  if (mapping_ != nullptr) {
    munmap(mapping_, mapping_len_);
  } else {
    mm::free(data_);
  }
  mapping_ = nullptr;
  data_ = nullptr;
}

void FileSegment::release() noexcept {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) > 1) return;
  // libevent's order (evbuffer_file_segment_free): the memory, the fd, then
  // the cleanup callback.
  unload();
  if ((flags_ & kCloseOnFree) && fd_ >= 0) close(fd_);
  on_freed();
  delete this;
}

bool FileSegment::load(int64_t offset, int64_t length) noexcept {
  struct stat st;
  const bool known_size = fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
  if (length == -1) {
    // buffer.h: "as much as possible": from the offset to the end.
    if (!known_size) return false;
    length = st.st_size > offset ? st.st_size - offset : 0;
  }
  if (offset < 0 || length < 0 || static_cast<uint64_t>(length) > SSIZE_MAX ||
      offset > INT64_MAX - length)
    return false;
  // A range past the end of a regular file has no bytes to give (a mapping
  // would fault on them).
  if (known_size && offset + length > st.st_size) return false;
  offset_ = offset;
  length_ = static_cast<size_t>(length);
  if (length_ == 0) return true;
  if (!(flags_ & kDisableMmap) && map()) return true;
  return read_in();
}

// mmap wants an offset on a page boundary: map from the page that holds the
// first byte.
bool FileSegment::map() noexcept {
  const long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) return false;
  const int64_t lead = offset_ % page;
  void* m = mmap(nullptr, length_ + static_cast<size_t>(lead), PROT_READ, MAP_PRIVATE, fd_,
                 static_cast<off_t>(offset_ - lead));
  if (m == MAP_FAILED) return false;
  mapping_ = m;
  mapping_len_ = length_ + static_cast<size_t>(lead);
  data_ = static_cast<unsigned char*>(m) + lead;
  return true;
}

// The whole range read into memory with pread (the fd's offset is left alone).
bool FileSegment::read_in() noexcept {
  data_ = static_cast<unsigned char*>(mm::malloc(length_));
  if (data_ == nullptr) return false;
  size_t done = 0;
  while (done < length_) {
    const ssize_t n = pread(fd_, data_ + done, length_ - done, static_cast<off_t>(offset_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  if (done == length_) return true;
  mm::free(data_);
  data_ = nullptr;
  return false;
}

}  // namespace evref
