// The opaque libevent handles as the reference defines them: each is the
// core object itself. Shared by the C facades (event.cc, listener.cc, ...).
#ifndef EVREF_FACADE_H
#define EVREF_FACADE_H

#include <event2/event.h>

#include "core/event_base.h"

struct event final : evref::Event {};
struct event_base final : evref::Base {
  using evref::Base::Base;
};

#endif  // EVREF_FACADE_H
