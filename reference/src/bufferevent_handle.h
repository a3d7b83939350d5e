// The bufferevent handle: the address of the core's public face
// (evref::Bufferevent::Face), which is struct bufferevent of
// <event2/bufferevent_struct.h> field for field, as checked here. Shared by
// the bufferevent facades (bufferevent.cc, bufferevent_ratelim.cc).
#ifndef EVREF_BUFFEREVENT_HANDLE_H
#define EVREF_BUFFEREVENT_HANDLE_H

#include <event2/bufferevent_struct.h>

#include <cstddef>
#include <type_traits>

#include "core/bufferevent.h"
#include "facade.h"

namespace evref {

using BevFace = Bufferevent::Face;
static_assert(std::is_standard_layout<BevFace>::value, "Face layout");
static_assert(sizeof(BevFace) >= sizeof(::bufferevent) && alignof(BevFace) == alignof(::bufferevent),
              "struct bufferevent is a prefix of the face");
#define EVREF_SAME_PLACE(f)                                                                  \
  static_assert(offsetof(::bufferevent, f) == offsetof(BevFace, f) &&                       \
                    sizeof(::bufferevent::f) == sizeof(BevFace::f),                          \
                #f)
EVREF_SAME_PLACE(ev_base);
EVREF_SAME_PLACE(be_ops);
EVREF_SAME_PLACE(ev_read);
EVREF_SAME_PLACE(ev_write);
EVREF_SAME_PLACE(input);
EVREF_SAME_PLACE(output);
EVREF_SAME_PLACE(wm_read);
EVREF_SAME_PLACE(wm_write);
EVREF_SAME_PLACE(readcb);
EVREF_SAME_PLACE(writecb);
EVREF_SAME_PLACE(errorcb);
EVREF_SAME_PLACE(cbarg);
EVREF_SAME_PLACE(timeout_read);
EVREF_SAME_PLACE(timeout_write);
EVREF_SAME_PLACE(enabled);
#undef EVREF_SAME_PLACE
static_assert(offsetof(::event_watermark, high) == offsetof(BevFace::Watermark, high), "event_watermark");

// The face stores Base*, Buffer* and Fn where the struct has event_base*,
// evbuffer* and the callback types: event_base and evbuffer derive from
// their core class alone (facade.h), so the addresses are the same.
struct BevHandle {
  static Bufferevent* core(::bufferevent* h) noexcept {
    return h ? reinterpret_cast<BevFace*>(h)->owner : nullptr;
  }
  static ::bufferevent* handle(Bufferevent* bev) noexcept {
    return bev ? reinterpret_cast<::bufferevent*>(&bev->face()) : nullptr;
  }
};

}  // namespace evref

#endif  // EVREF_BUFFEREVENT_HANDLE_H
