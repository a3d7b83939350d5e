// evref::GenericTimeouts, after libevent 2.1.12's bufferevent.c.
#include "generic_timeouts.h"

namespace evref {

GenericTimeouts::GenericTimeouts(Base& base, Fire fire, void* owner) noexcept
    : base_(base), fire_(fire), owner_(owner) {
  Base::assign(read_, &base, -1, 0, on_read, this);
  Base::assign(write_, &base, -1, 0, on_write, this);
}

GenericTimeouts::~GenericTimeouts() {
  base_.del(read_);
  base_.del(write_);
}

void GenericTimeouts::reset(short dir, const Micros* timeout) noexcept {
  if (timeout) base_.add(timer(dir), timeout, false);
}

void GenericTimeouts::del(short dir) noexcept { base_.del(timer(dir)); }

int GenericTimeouts::adjust(bool read_on, const Micros* read, bool write_on, const Micros* write) noexcept {
  int r = 0;
  for (short dir : {kRead, kWrite}) {
    const Micros* t = dir == kRead ? read : write;
    if ((dir == kRead ? read_on : write_on) && t) r |= base_.add(timer(dir), t, false);
    else base_.del(timer(dir));
  }
  return r ? -1 : 0;
}

int GenericTimeouts::set_priority(int pri) noexcept {
  return base_.set_priority(read_, pri) != 0 || base_.set_priority(write_, pri) != 0 ? -1 : 0;
}

void GenericTimeouts::on_read(int, short, void* arg) {
  GenericTimeouts* t = static_cast<GenericTimeouts*>(arg);
  t->fire_(t->owner_, kRead);
}

void GenericTimeouts::on_write(int, short, void* arg) {
  GenericTimeouts* t = static_cast<GenericTimeouts*>(arg);
  t->fire_(t->owner_, kWrite);
}

}  // namespace evref
