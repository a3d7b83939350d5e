// evref::FilterBufferevent — the filter kind of bufferevent, after libevent
// 2.1.12's bufferevent_filter.c: it sits on an underlying bufferevent (a
// reference held on it), takes over the underlying's callbacks, runs what
// the underlying reads through the input filter into its own input, and
// what the user writes through the output filter into the underlying's
// output. Events of the underlying are forwarded as the filter's own.
#ifndef EVREF_CORE_BUFFEREVENT_FILTER_H
#define EVREF_CORE_BUFFEREVENT_FILTER_H

#include <sys/types.h>

#include "bufferevent_generic.h"

namespace evref {

class FilterBufferevent final : public GenericBufferevent {
 public:
  // enum bufferevent_filter_result (the modes are Bufferevent::kFlush*).
  enum Result : int { kOk = 0, kNeedMore = 1, kError = 2 };

  // What the facade supplies: the user's filter functions type-erased (a
  // null one passes bytes through, like libevent's be_null_filter), the
  // call that casts one back, and the three callbacks it sets on the
  // underlying, which call on_underlying_* with the filter as argument.
  struct Filters {
    Fn input = nullptr;
    Fn output = nullptr;
    void (*free_context)(void*) = nullptr;
    void* ctx = nullptr;
  };
  struct Hooks {
    int (*run)(Fn filter, Buffer& src, Buffer& dst, ssize_t limit, int mode, void* ctx);
    Fn underlying_read, underlying_write, underlying_event;
  };

  // bufferevent_filter_new: NULL for options libevent refuses, or when out
  // of memory (then the underlying is left as it was).
  static FilterBufferevent* make(Bufferevent& underlying, const Calls& calls, const Hooks& hooks,
                                 const Filters& filters, int options) noexcept;

  // The underlying's callbacks (libevent's be_filter_readcb / writecb /
  // eventcb).
  void on_underlying_read() noexcept;
  void on_underlying_write() noexcept;
  void on_underlying_event(short what) noexcept;

  Bufferevent* underlying() const noexcept override { return &underlying_; }
  int flush(short iotype, int mode) noexcept override;
  // BEV_CTRL_GET_FD / SET_FD go to the underlying (be_filter_ctrl).
  int fd() const noexcept override { return underlying_.fd(); }
  int set_fd(int fd) noexcept override { return underlying_.set_fd(fd); }

 private:
  FilterBufferevent(Bufferevent& underlying, const Calls& calls, const Hooks& hooks, const Filters& filters,
                    int options) noexcept;
  ~FilterBufferevent() override;
  int start_io(short what) noexcept override;
  void stop_io(short what) noexcept override;

  int run(Fn filter, Buffer& src, Buffer& dst, ssize_t limit, int mode) noexcept;
  bool input_full(int mode) noexcept;
  bool underlying_output_full(int mode) const noexcept;
  int process_input(int mode, bool& processed) noexcept;
  int process_output(int mode, bool& processed) noexcept;
  static void output_added(Buffer& buf, const CbInfo& info, void* arg);

  Bufferevent& underlying_;
  const Hooks& hooks_;
  const Filters filters_;
  Buffer::CbEntry* output_cb_ = nullptr;
  bool linked_ = false;  // on the underlying, holding a reference
};

}  // namespace evref

#endif  // EVREF_CORE_BUFFEREVENT_FILTER_H
