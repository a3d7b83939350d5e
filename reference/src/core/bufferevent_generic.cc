// evref::GenericBufferevent, after libevent 2.1.12's generic timeouts
// (bufferevent.c).
#include "bufferevent_generic.h"

#include "event_base.h"

namespace evref {

GenericBufferevent::GenericBufferevent(Base& base, const Calls& calls, int options) noexcept
    : Bufferevent(base, calls, options) {
  Base::assign(timer_read_, &base, -1, 0, on_timeout<kRead>, this);
  Base::assign(timer_write_, &base, -1, 0, on_timeout<kWrite>, this);
}

GenericBufferevent::~GenericBufferevent() {
  base().del(timer_read_, Base::kDelNoBlock);
  base().del(timer_write_, Base::kDelNoBlock);
}

void GenericBufferevent::restart_timer(short dir) noexcept {
  if (const Micros* t = timeout(dir)) base().add(timer(dir), t, false);
}

void GenericBufferevent::stop_timer(short dir) noexcept { base().del(timer(dir), Base::kDelNoBlock); }

// bufferevent_generic_adj_timeouts_: a timer runs only while its direction
// is enabled and willing -- reading not suspended, output not empty
// (bufferevent.h: "The timeout only becomes active when we we're willing
// to actually read or write").
int GenericBufferevent::adjust_timeouts() noexcept {
  const bool reading = enabled_for(kRead) && !read_suspended() && timeout(kRead);
  const bool writing = enabled_for(kWrite) && timeout(kWrite) && output().length() != 0;
  int r = 0;
  r |= reading ? base().add(timer_read_, timeout(kRead), false) : base().del(timer_read_, Base::kDelNoBlock);
  r |= writing ? base().add(timer_write_, timeout(kWrite), false) : base().del(timer_write_, Base::kDelNoBlock);
  return r ? -1 : 0;
}

// bufferevent.h: on a timeout the direction "becomes disabled until you
// re-enable it", and the event callback gets BEV_EVENT_TIMEOUT with it.
template <short Dir>
void GenericBufferevent::on_timeout(int, short, void* arg) {
  GenericBufferevent* bev = static_cast<GenericBufferevent*>(arg);
  Hold hold(bev);
  bev->disable(Dir);
  bev->deliver_event(kEvTimeout | (Dir == kRead ? kEvReading : kEvWriting), 0);
}

}  // namespace evref
