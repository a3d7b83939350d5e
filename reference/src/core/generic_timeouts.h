// evref::GenericTimeouts — libevent 2.1.12's "generic" bufferevent timeouts
// (bufferevent.c: bufferevent_init_generic_timeout_cbs_,
// bufferevent_generic_adj_timeouts_ and the BEV_RESET / BEV_DEL_GENERIC_*
// macros), for the kinds whose bytes do not move on events of their own
// (filters; pairs in libevent too): one timer per direction, armed anew
// whenever that direction makes progress; when one fires, the kind reports
// the timeout (fire(owner, EV_READ or EV_WRITE)).
#ifndef EVREF_CORE_GENERIC_TIMEOUTS_H
#define EVREF_CORE_GENERIC_TIMEOUTS_H

#include "event_base.h"

namespace evref {

class GenericTimeouts {
 public:
  using Fire = void (*)(void* owner, short dir);
  GenericTimeouts(Base& base, Fire fire, void* owner) noexcept;
  ~GenericTimeouts();
  GenericTimeouts(const GenericTimeouts&) = delete;
  GenericTimeouts& operator=(const GenericTimeouts&) = delete;

  // Armed anew for `timeout`, when there is one (BEV_RESET_GENERIC_*).
  void reset(short dir, const Micros* timeout) noexcept;
  void del(short dir) noexcept;
  // Armed for a direction that is on (libevent: enabled, not suspended,
  // and for writing, output waiting) and has a timeout; removed otherwise.
  int adjust(bool read_on, const Micros* read, bool write_on, const Micros* write) noexcept;
  int set_priority(int pri) noexcept;

 private:
  static void on_read(int, short, void* arg);
  static void on_write(int, short, void* arg);
  Event& timer(short dir) noexcept { return dir == kRead ? read_ : write_; }

  Base& base_;
  Fire fire_;
  void* owner_;
  Event read_, write_;
};

}  // namespace evref

#endif  // EVREF_CORE_GENERIC_TIMEOUTS_H
