// evref::Refs — the one lifetime rule for objects that user code may free
// or disable from inside their own callbacks (listeners, bufferevents;
// STYLE rule 5).
//
// Such an object counts its references in `refcnt` (1 for its owner, taken
// at creation). Every path that calls user code goes through call(): it
// holds one more reference for the duration and then tells the caller
// whether the object is gone, was disabled meanwhile for the direction the
// caller works on, or lives on; the caller stops at once unless it lives on.
// Entry points that may reach user code hold a reference for their whole
// scope (Hold); a deferred callback holds one from scheduling to running.
// The object is destroyed when the last reference goes, so code after a
// user callback may still read it.
//
// T provides `int refcnt` and `bool enabled_for(short what) const`.
// (Events are the exception: event_free releases memory at once, as in
// libevent, so the loop reads an event's fields before its callback and
// learns through Base::call_user whether it may touch it again.)
#ifndef EVREF_CORE_REFS_H
#define EVREF_CORE_REFS_H

#include <utility>

namespace evref {

// What a user callback left behind.
enum class After { kGone, kDisabled, kLive };

template <class T, void (*Destroy)(T*)>
struct Refs {
  static void take(T* obj) noexcept { ++obj->refcnt; }
  // Drops one reference; the last destroys obj. Returns whether it did.
  static bool drop(T* obj) noexcept {
    if (--obj->refcnt > 0) return false;
    Destroy(obj);
    return true;
  }
  // Calls user code with a reference held. `what` is the direction the
  // caller goes on with afterwards (0: none, only survival matters).
  template <class Fn, class... Args>
  static After call(T* obj, short what, Fn fn, Args&&... args) {
    take(obj);
    fn(std::forward<Args>(args)...);
    if (drop(obj)) return After::kGone;
    return what == 0 || obj->enabled_for(what) ? After::kLive : After::kDisabled;
  }
  // A reference held for a scope.
  class Hold {
   public:
    explicit Hold(T* obj) noexcept : obj_(obj) { take(obj_); }
    ~Hold() { drop(obj_); }
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;

   private:
    T* obj_;
  };
};

}  // namespace evref

#endif  // EVREF_CORE_REFS_H
