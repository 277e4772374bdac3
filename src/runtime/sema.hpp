// sema.hpp — goroutine sleep/wake-up keyed by address, and the Cond notify list (Go: sema.go).
//
// These are not counting semaphores for users (goro::Semaphore is). They are the one way the sync
// package blocks a goroutine: semacquire parks until a matching semrelease, and every release is
// paired with one acquire even when the release comes first (Mullender and Cox, "Semaphores in
// Plan 9"). See sema.cpp for the table's design.
#pragma once

#include <atomic>
#include <cstdint>

#include "goro/sync.hpp"
#include "runtime/sched.hpp"

namespace goro::rt {

// Go: semacquire1. Waits until *count > 0, then decrements it. `lifo` queues this goroutine at the
// head of the address's wait queue instead of the tail (sync.Mutex uses it for a waiter that was
// woken but lost the race, so it is first again). `reason` is shown in goroutine dumps.
// REQUIRES: called by a goroutine.
void semacquire(std::atomic<std::uint32_t>* count, bool lifo, WaitReason reason);

// Go: semrelease1. Increments *count and wakes the first goroutine waiting on `count`, if any.
// With `handoff`, the woken waiter receives the count directly, so no goroutine arriving in the
// meantime can take it (sync.Mutex's starvation mode). May be called from any goroutine; never
// blocks.
void semrelease(std::atomic<std::uint32_t>* count, bool handoff);

// Go: notifyListAdd/Wait/NotifyOne/NotifyAll, the ticket list behind goro::Cond. A waiter takes a
// ticket with notify_list_add (while still holding the Cond's lock), releases the lock, and
// calls notify_list_wait with the ticket; it returns once that ticket has been notified, even if
// the notification came before notify_list_wait.
std::uint32_t notify_list_add(detail::NotifyList* list);
void notify_list_wait(detail::NotifyList* list, std::uint32_t ticket);
void notify_list_notify_one(detail::NotifyList* list);
void notify_list_notify_all(detail::NotifyList* list);

}  // namespace goro::rt
