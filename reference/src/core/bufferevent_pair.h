// evref::PairBufferevent — one end of a pair of bufferevents, after
// libevent 2.1.12's bufferevent_pair.c: "two bufferevent_sock instances
// connected to opposite ends of a socketpair(), except that no internal
// socketpair is allocated" (bufferevent.h). What one end writes moves, as
// whole chains, from its output into its partner's input while the writer
// has EV_WRITE and the reader EV_READ enabled, up to the reader's read high
// watermark. Callbacks are always deferred, as libevent forces
// BEV_OPT_DEFER_CALLBACKS on pairs; timeouts are generic timers.
#ifndef EVREF_CORE_BUFFEREVENT_PAIR_H
#define EVREF_CORE_BUFFEREVENT_PAIR_H

#include "bufferevent_generic.h"

namespace evref {

class PairBufferevent final : public GenericBufferevent {
 public:
  // bufferevent_pair_new: both ends in ends[0], ends[1]; false (nothing
  // made) for options libevent refuses here, or when out of memory.
  static bool make(Base& base, const Calls& calls, int options, PairBufferevent* ends[2]) noexcept;
  // The other end while it exists (the link goes with its last reference).
  PairBufferevent* partner() const noexcept { return partner_; }
  int flush(short iotype, int mode) noexcept override;

 private:
  PairBufferevent(Base& base, const Calls& calls, int options) noexcept;
  ~PairBufferevent() override;
  int start_io(short what) noexcept override;
  void stop_io(short what) noexcept override;

  static void output_added(Buffer& buf, const CbInfo& info, void* arg);
  bool wants_to_talk_to(const PairBufferevent& dst) noexcept;
  void transfer_to(PairBufferevent& dst, bool ignore_watermark) noexcept;

  PairBufferevent* partner_ = nullptr;
};

}  // namespace evref

#endif  // EVREF_CORE_BUFFEREVENT_PAIR_H
