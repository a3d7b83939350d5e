// The C face of <event2/thread.h>: the callbacks go to evref::thread
// (core/thread.h), whose structs are libevent's field for field.
#include <event2/thread.h>

#include <cstddef>

#include "core/thread.h"
#include "facade.h"

namespace thread = evref::thread;

namespace {

#define EVREF_SAME_FIELD(pub, mine, field_pub, field_mine)                     \
  static_assert(offsetof(pub, field_pub) == offsetof(mine, field_mine) &&     \
                    sizeof(pub::field_pub) == sizeof(mine::field_mine),       \
                #field_pub)
EVREF_SAME_FIELD(evthread_lock_callbacks, thread::LockCallbacks, lock_api_version, api_version);
EVREF_SAME_FIELD(evthread_lock_callbacks, thread::LockCallbacks, supported_locktypes, supported_types);
EVREF_SAME_FIELD(evthread_lock_callbacks, thread::LockCallbacks, alloc, alloc);
EVREF_SAME_FIELD(evthread_lock_callbacks, thread::LockCallbacks, free, free);
EVREF_SAME_FIELD(evthread_lock_callbacks, thread::LockCallbacks, lock, lock);
EVREF_SAME_FIELD(evthread_lock_callbacks, thread::LockCallbacks, unlock, unlock);
EVREF_SAME_FIELD(evthread_condition_callbacks, thread::CondCallbacks, condition_api_version, api_version);
EVREF_SAME_FIELD(evthread_condition_callbacks, thread::CondCallbacks, alloc_condition, alloc);
EVREF_SAME_FIELD(evthread_condition_callbacks, thread::CondCallbacks, free_condition, free);
EVREF_SAME_FIELD(evthread_condition_callbacks, thread::CondCallbacks, signal_condition, signal);
EVREF_SAME_FIELD(evthread_condition_callbacks, thread::CondCallbacks, wait_condition, wait);
#undef EVREF_SAME_FIELD
static_assert(sizeof(evthread_lock_callbacks) == sizeof(thread::LockCallbacks) &&
                  sizeof(evthread_condition_callbacks) == sizeof(thread::CondCallbacks),
              "the callback structs are the core's");
static_assert(EVTHREAD_WRITE == thread::kWrite && EVTHREAD_READ == thread::kRead &&
                  EVTHREAD_TRY == thread::kTry && EVTHREAD_LOCKTYPE_RECURSIVE == thread::kRecursive &&
                  EVTHREAD_LOCKTYPE_READWRITE == thread::kReadWrite,
              "EVTHREAD_* values");

}  // namespace

extern "C" {

int evthread_set_lock_callbacks(const evthread_lock_callbacks* cbs) {
  return thread::set_lock_callbacks(reinterpret_cast<const thread::LockCallbacks*>(cbs));
}

int evthread_set_condition_callbacks(const evthread_condition_callbacks* cbs) {
  return thread::set_cond_callbacks(reinterpret_cast<const thread::CondCallbacks*>(cbs));
}

void evthread_set_id_callback(unsigned long (*id_fn)(void)) { thread::set_id_callback(id_fn); }

void evthread_enable_lock_debugging(void) { thread::enable_lock_debugging(); }
void evthread_enable_lock_debuging(void) { thread::enable_lock_debugging(); }

int evthread_make_base_notifiable(event_base* base) { return base ? base->make_notifiable() : -1; }

}  // extern "C"
