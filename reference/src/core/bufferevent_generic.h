// evref::GenericBufferevent — a kind of bufferevent with no I/O events of
// its own (pairs, and filters over another bufferevent), after libevent
// 2.1.12's "generic timeouts" (bufferevent_init_generic_timeout_cbs_,
// bufferevent_generic_adj_timeouts_): each direction's timeout is a plain
// timer, armed while that direction is willing to work and re-armed by the
// kind whenever it makes progress.
#ifndef EVREF_CORE_BUFFEREVENT_GENERIC_H
#define EVREF_CORE_BUFFEREVENT_GENERIC_H

#include "bufferevent.h"

namespace evref {

class GenericBufferevent : public Bufferevent {
 protected:
  GenericBufferevent(Base& base, const Calls& calls, int options) noexcept;
  ~GenericBufferevent() override;

  // The timer of direction dir (kRead / kWrite) starts over, if that
  // direction has a timeout (BEV_RESET_GENERIC_*_TIMEOUT); or stops.
  void restart_timer(short dir) noexcept;
  void stop_timer(short dir) noexcept;

  int adjust_timeouts() noexcept override;
  // libevent 2.1.12's bufferevent_priority_set refuses pairs and filters.
  int set_io_priority(int) noexcept override { return -1; }

 private:
  template <short Dir>
  static void on_timeout(int, short, void* arg);
  Event& timer(short dir) noexcept { return dir == kRead ? timer_read_ : timer_write_; }

  Event timer_read_;
  Event timer_write_;
};

}  // namespace evref

#endif  // EVREF_CORE_BUFFEREVENT_GENERIC_H
