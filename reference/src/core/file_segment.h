// evref::FileSegment — a range of a file whose bytes buffers hold without
// copying (evbuffer_file_segment, evbuffer_add_file). Internal to the core.
#ifndef EVREF_CORE_FILE_SEGMENT_H
#define EVREF_CORE_FILE_SEGMENT_H

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace evref {

// Reference counted: its creator holds one reference, every buffer chain
// of its data another (buffer.h: "will not be freed until no more
// references to it exist"). The bytes are mapped with mmap, or read into
// memory with EVBUF_FS_DISABLE_MMAP (or when the file cannot be mapped),
// when it is made, so every buffer function can read them; a buffer that
// drains to an fd sends them with sendfile unless EVBUF_FS_DISABLE_SENDFILE.
class FileSegment {
 public:
  // Same values as EVBUF_FS_*.
  static constexpr unsigned kCloseOnFree = 0x01;
  static constexpr unsigned kDisableMmap = 0x02;
  static constexpr unsigned kDisableSendfile = 0x04;

  FileSegment(int fd, unsigned flags) noexcept : fd_(fd), flags_(flags) {}
  // Deleting a segment directly (one that failed to load) frees its memory
  // only: the fd and the cleanup callback are release()'s.
  virtual ~FileSegment();
  FileSegment(const FileSegment&) = delete;
  FileSegment& operator=(const FileSegment&) = delete;

  // Loads bytes offset .. offset+length-1 of the file (length -1: to the
  // end). false when the range is negative or not all in the file, or the
  // file can be neither mapped nor read.
  bool load(int64_t offset, int64_t length) noexcept;

  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Drops a reference; the last one unmaps, closes the fd with
  // kCloseOnFree, calls on_freed() and deletes the segment.
  void release() noexcept;
  // evbuffer_add_file: the fd becomes the segment's once the add succeeded.
  void adopt_fd() noexcept { flags_ |= kCloseOnFree; }

  const unsigned char* data() const noexcept { return data_; }
  size_t length() const noexcept { return length_; }
  int fd() const noexcept { return fd_; }
  unsigned flags() const noexcept { return flags_; }
  // Where the byte at p (inside data()) is in the file, for sendfile.
  int64_t file_offset_of(const unsigned char* p) const noexcept { return offset_ + (p - data_); }
  bool can_sendfile() const noexcept { return !(flags_ & kDisableSendfile); }

 protected:
  // The facade's hook: the user's cleanup callback.
  virtual void on_freed() noexcept {}

 private:
  void unload() noexcept;
  bool map() noexcept;
  bool read_in() noexcept;

  int fd_;
  unsigned flags_;
  std::atomic<unsigned> refs_{1};  // buffers with locks of their own share it
  int64_t offset_ = 0;
  size_t length_ = 0;
  unsigned char* data_ = nullptr;
  void* mapping_ = nullptr;  // mmap's address and length, when mapped
  size_t mapping_len_ = 0;
};

}  // namespace evref

#endif  // EVREF_CORE_FILE_SEGMENT_H
