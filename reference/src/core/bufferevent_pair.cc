// evref::PairBufferevent, after libevent 2.1.12's bufferevent_pair.c.
#include "bufferevent_pair.h"

#include <cstdint>
#include <new>

namespace evref {

PairBufferevent::PairBufferevent(Base& base, const Calls& calls, int options) noexcept
    : GenericBufferevent(base, calls, options) {}

// The survivor forgets a freed end (libevent's be_pair_unlink, which also
// runs when the last reference goes, not at bufferevent_free).
PairBufferevent::~PairBufferevent() {
  if (partner_) {
    hand_lock_to(*partner_);
    partner_->partner_ = nullptr;
  }
}

bool PairBufferevent::make(Base& base, const Calls& calls, int options, PairBufferevent* ends[2]) noexcept {
  // libevent forces deferred callbacks on pairs, which also makes
  // BEV_OPT_UNLOCK_CALLBACKS acceptable alone.
  options |= kOptDeferCallbacks;
  PairBufferevent* made[2] = {nullptr, nullptr};
  for (PairBufferevent*& end : made) {
    end = new (std::nothrow) PairBufferevent(base, calls, options);
    if (end == nullptr || !end->init() || end->output().add_core_cb(output_added, end) == nullptr) {
      delete made[0];
      delete made[1];
      return false;
    }
  }
  // BEV_OPT_THREADSAFE: one lock for both ends, made by the first
  // (bufferevent_pair_new); none without lock callbacks, and then no pair.
  if ((options & kOptThreadsafe) &&
      (!made[0]->enable_locking(nullptr) || !made[1]->enable_locking(made[0]->lock()))) {
    delete made[0];
    delete made[1];
    return false;
  }
  made[0]->partner_ = made[1];
  made[1]->partner_ = made[0];
  for (int i = 0; i < 2; ++i) {
    // The user may not add to input nor drain output: only the pair does.
    made[i]->input().freeze(false);
    made[i]->output().freeze(true);
    ends[i] = made[i];
  }
  return true;
}

bool PairBufferevent::wants_to_talk_to(const PairBufferevent& dst) noexcept {
  return enabled_for(kWrite) && dst.enabled_for(kRead) && !dst.read_suspended() && output().length() != 0;
}

// libevent's be_pair_transfer: moves chains (no copy) from this output to
// dst's input, up to dst's read high watermark -- all of it when dst is
// already at that mark and the caller ignores it (a flush). Then dst's
// read callback and this end's write callback, by their watermarks.
void PairBufferevent::transfer_to(PairBufferevent& dst, bool ignore_watermark) noexcept {
  Buffer& out = output();
  Buffer& in = dst.input();
  const bool full = dst.read_room(SIZE_MAX) == 0;  // at the high watermark
  if (full && !ignore_watermark) return;
  const size_t before = in.length();
  out.unfreeze(true);
  in.unfreeze(false);
  if (full) in.add_buffer(out);
  else out.remove_buffer(in, dst.read_room(out.length()));
  out.freeze(true);
  in.freeze(false);
  if (in.length() != before) {
    // bufferevent.h: a timeout counts from the last progress in its
    // direction, and is active only while the direction is willing (not
    // suspended, output waiting). (libevent 2.1.12 restarts or stops the
    // reader's write timer here instead of the writer's, so a writer whose
    // output has all gone still times out.)
    if (!dst.read_suspended()) dst.restart_timer(kRead);
    if (out.length() != 0) restart_timer(kWrite);
    else stop_timer(kWrite);
  }
  dst.deliver(kRead, 0);
  deliver(kWrite, 0);
}

// Data added to the output moves at once if the partner reads.
void PairBufferevent::output_added(Buffer&, const CbInfo& info, void* arg) {
  PairBufferevent* bev = static_cast<PairBufferevent*>(arg);
  PairBufferevent* partner = bev->partner_;
  if (info.n_added <= info.n_deleted || partner == nullptr || !bev->wants_to_talk_to(*partner)) return;
  Hold hold(bev), hold_partner(partner);
  bev->transfer_to(*partner, false);
}

// libevent's be_pair_enable: the timers start, and whatever waited for
// this direction moves.
int PairBufferevent::start_io(short what) noexcept {
  Hold hold(this);
  if (what & kRead) restart_timer(kRead);
  if ((what & kWrite) && output().length() != 0) restart_timer(kWrite);
  if ((what & kRead) && partner_ && partner_->wants_to_talk_to(*this)) {
    Hold hold_partner(partner_);
    partner_->transfer_to(*this, false);
  }
  if ((what & kWrite) && partner_ && wants_to_talk_to(*partner_)) {
    Hold hold_partner(partner_);
    transfer_to(*partner_, false);
  }
  return 0;
}

void PairBufferevent::stop_io(short what) noexcept {
  if (what & kRead) stop_timer(kRead);
  if (what & kWrite) stop_timer(kWrite);
}

// libevent's be_pair_flush: -1 without a partner; BEV_NORMAL does nothing;
// BEV_FLUSH moves everything both ways asked, whatever is enabled, and
// BEV_FINISHED then tells the partner which directions ended (EV_WRITE:
// it reads no more, BEV_EVENT_READING; EV_READ: BEV_EVENT_WRITING).
// libevent returns 0 even when data moved.
int PairBufferevent::flush(short iotype, int mode) noexcept {
  if (partner_ == nullptr) return -1;
  if (mode == kFlushNormal) return 0;
  PairBufferevent& partner = *partner_;
  Hold hold(this), hold_partner(&partner);
  if (iotype & kRead) partner.transfer_to(*this, true);
  if (iotype & kWrite) transfer_to(partner, true);
  if (mode == kFlushFinished) {
    short what = kEvEof;
    if (iotype & kRead) what |= kEvWriting;
    if (iotype & kWrite) what |= kEvReading;
    partner.deliver_event(what, 0);
  }
  return 0;
}

}  // namespace evref
