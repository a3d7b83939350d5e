// evref::Refs — the one lifetime rule for objects that user code may free
// from inside their own callbacks (listeners, bufferevents; STYLE rule 5).
//
// Such an object counts its references in `refcnt` (1 for its owner, taken
// at creation). Every path that calls user code holds one more for the
// duration (call(), or Hold for a whole entry point); a deferred callback
// holds one from scheduling to running. The object is destroyed when the
// last reference goes, so code after a user callback may still read it.
// (Events are the exception: event_free releases memory at once, as in
// libevent, so the loop reads an event's fields before its callback and
// learns through Base::call_user whether it may touch it again.)
#ifndef EVREF_CORE_REFS_H
#define EVREF_CORE_REFS_H

namespace evref {

template <class T, void (*Destroy)(T*)>
struct Refs {
  static void take(T* obj) noexcept { ++obj->refcnt; }
  // Drops one reference; the last destroys obj. Returns whether it did.
  static bool drop(T* obj) noexcept {
    if (--obj->refcnt > 0) return false;
    Destroy(obj);
    return true;
  }
  // Calls user code with a reference held: false when obj is gone after it
  // (freed inside, and this call's reference was the last).
  template <class Fn, class... Args>
  static bool call(T* obj, Fn fn, Args... args) {
    take(obj);
    fn(args...);
    return !drop(obj);
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
