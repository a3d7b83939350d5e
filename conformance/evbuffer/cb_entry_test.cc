// Callback entries changed from inside callbacks: one that disables itself,
// one re-enabled later, one that removes another entry. The order of the
// callbacks is not documented, so counts are stated for any order.
#include <string>

#include "evbuffer_fixture.h"

namespace evc {
namespace {

struct Entry {
  evbuffer_cb_entry* self = nullptr;
  evbuffer_cb_entry* victim = nullptr;  // for RemoveOther
  int calls = 0;
  int calls_after_removal = 0;
  bool* removed = nullptr;  // set by whoever removes this entry
};

void DisableSelf(evbuffer* buf, const evbuffer_cb_info*, void* arg) {
  auto* e = static_cast<Entry*>(arg);
  ++e->calls;
  evbuffer_cb_clear_flags(buf, e->self, EVBUFFER_CB_ENABLED);
}

void Count(evbuffer*, const evbuffer_cb_info*, void* arg) {
  auto* e = static_cast<Entry*>(arg);
  ++e->calls;
  if (e->removed != nullptr && *e->removed) ++e->calls_after_removal;
}

void RemoveOther(evbuffer* buf, const evbuffer_cb_info*, void* arg) {
  auto* e = static_cast<Entry*>(arg);
  ++e->calls;
  if (e->victim == nullptr) return;
  EXPECT_EQ(evbuffer_remove_cb_entry(buf, e->victim), 0);
  e->victim = nullptr;
  *e->removed = true;
}

using EvbufferCbEntry = EvbufferTest;

TEST_F(EvbufferCbEntry, CallbackThatDisablesItselfRunsOnce) {
  EVC_RULE("buffer.h/evbuffer_cb_clear_flags/inside-callback",
           "buffer.h evbuffer_cb_clear_flags: a callback may disable itself while running; it is "
           "not invoked again, the others still are");
  Entry self, other;
  self.self = evbuffer_add_cb(buf_, DisableSelf, &self);
  other.self = evbuffer_add_cb(buf_, Count, &other);
  ASSERT_NE(self.self, nullptr);
  ASSERT_NE(other.self, nullptr);
  Add("a");
  Add("b");
  Add("c");
  EXPECT_EQ(self.calls, 1);
  EXPECT_EQ(other.calls, 3);
}

TEST_F(EvbufferCbEntry, SelfDisabledCallbackRunsAgainOnceReenabled) {
  EVC_RULE("buffer.h/evbuffer_cb_set_flags/after-self-disable",
           "buffer.h evbuffer_cb_set_flags: EVBUFFER_CB_ENABLED re-enables a callback that "
           "disabled itself; it runs for the next change and sees only changes from then on");
  Entry self;
  self.self = evbuffer_add_cb(buf_, DisableSelf, &self);
  ASSERT_NE(self.self, nullptr);
  Add("a");
  Add("bb");
  ASSERT_EQ(self.calls, 1);
  ASSERT_EQ(evbuffer_cb_set_flags(buf_, self.self, EVBUFFER_CB_ENABLED), 0);
  EXPECT_EQ(self.calls, 1) << "enabling is not a change of the data";
  Add("ccc");
  EXPECT_EQ(self.calls, 2);
  Add("d");
  EXPECT_EQ(self.calls, 2);
}

TEST_F(EvbufferCbEntry, EntryRemovedByAnotherCallbackIsNotCalledAfterwards) {
  EVC_RULE("buffer.h/evbuffer_remove_cb_entry/inside-other-callback",
           "buffer.h evbuffer_remove_cb_entry: a callback may remove another entry; the removed "
           "callback is not invoked after its removal, in this or any later round");
  // In a child: a use of the freed entry may crash.
  EXPECT_IN_CHILD({
    evbuffer* buf = evbuffer_new();
    bool removed = false;
    Entry victim, remover;
    victim.removed = &removed;
    remover.removed = &removed;
    // Both orders of registration, so the remover runs first in one of them
    // whatever order the implementation calls them in.
    for (int round = 0; round < 2; ++round) {
      removed = false;
      victim = Entry{};
      victim.removed = &removed;
      remover = Entry{};
      remover.removed = &removed;
      evbuffer_cb_entry* r = nullptr;
      if (round == 0) {
        victim.self = evbuffer_add_cb(buf, Count, &victim);
        r = evbuffer_add_cb(buf, RemoveOther, &remover);
      } else {
        r = evbuffer_add_cb(buf, RemoveOther, &remover);
        victim.self = evbuffer_add_cb(buf, Count, &victim);
      }
      ASSERT_NE(r, nullptr);
      remover.victim = victim.self;
      ASSERT_EQ(evbuffer_add(buf, "x", 1), 0);
      ASSERT_EQ(evbuffer_add(buf, "y", 1), 0);
      EXPECT_EQ(victim.calls_after_removal, 0) << "round " << round;
      EXPECT_LE(victim.calls, 1) << "round " << round;
      EXPECT_EQ(remover.calls, 2) << "round " << round;
      ASSERT_EQ(evbuffer_remove_cb_entry(buf, r), 0);
    }
    evbuffer_free(buf);
  });
}

}  // namespace
}  // namespace evc
