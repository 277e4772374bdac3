// chan.hpp — the channel's representation, shared by chan.cpp and select.cpp (Go: the hchan and
// waitq types of runtime/chan.go and the helpers selectgo borrows from it).
//
// Invariants (Go's), under the channel's lock:
//  * At least one of sendq and recvq is empty — except transiently while a select has queued
//    both a send and a receive on the same channel for itself.
//  * Buffered channels: count > 0 implies recvq is empty; count < capacity implies sendq is
//    empty. So a sender that finds a waiting receiver hands its value over directly (the buffer
//    is empty), and a receiver that finds a waiting sender on a full buffer takes the head and
//    puts the sender's value at the tail (the same slot).
//  * A queued Waiter belongs to a goroutine parked (or about to park) on this channel. Whoever
//    dequeues it owns the right to complete it: fill in its result, set success, store it in
//    g->param and ready(g) — after releasing the lock, so no lock is held across the scheduler.
//  * A select's Waiter may be dequeued only by whoever wins g->select_done (0 -> 1); a loser
//    drops it from the queue and looks at the next waiter. The select goroutine removes its
//    other waiters itself once it runs again, holding all of its channels' locks.
//
// Fields read without the lock (the lock-free "would block" checks and len) are atomics; they
// are still written only under the lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "goro/chan.hpp"
#include "runtime/lock.hpp"

namespace goro::rt {
enum class WaitReason : std::uint8_t;  // sched.hpp
}

namespace goro::detail {

// A FIFO of waiters, doubly linked so that a select can unlink its waiter from the middle.
class WaitQueue {
 public:
  void enqueue(Waiter* w) noexcept;
  // Removes and returns the first waiter that may be completed, or nullptr (Go: waitq.dequeue).
  Waiter* dequeue() noexcept;
  // Unlinks w if it is still queued (Go: dequeueSudoG); a no-op if a waker already took it.
  void remove(Waiter* w) noexcept;
  // Whether nobody waits; exact under the lock, a hint without it.
  bool empty() const noexcept { return first_.load(std::memory_order_relaxed) == nullptr; }
  // The number of queued waiters (for tests: "wait until n goroutines block here").
  // REQUIRES: the channel's lock is held.
  std::size_t size() const noexcept;

 private:
  std::atomic<Waiter*> first_{nullptr};
  Waiter* last_ = nullptr;
};

// Layout: the first cache line holds the lock and everything an operation writes under it, so
// that an operation on a channel that the other CPU used last moves one line (plus the buffer
// slot's); the second holds what never changes after chan_make (shared by every CPU's cache)
// and the handle count.
struct alignas(64) hchan {
  rt::Lock lock;
  std::atomic<bool> closed{false};
  std::atomic<std::size_t> count{0};  // values in the buffer
  std::size_t send_index = 0;         // next slot to fill
  std::size_t recv_index = 0;         // next slot to drain
  WaitQueue recvq;
  WaitQueue sendq;

  const ElemOps* ops;
  std::size_t capacity;              // immutable
  unsigned char* buffer;             // capacity slots of ops->size bytes (if both > 0)
  std::atomic<std::size_t> refs{1};  // handles (not protected by the lock)

  void* slot(std::size_t i) const noexcept { return buffer + i * ops->size; }
  // Lock-free "not ready" tests (Go: full and empty): exact under the lock, hints without it.
  bool full() const noexcept {
    return capacity == 0 ? recvq.empty() : count.load(std::memory_order_relaxed) == capacity;
  }
  bool empty() const noexcept {
    return capacity == 0 ? sendq.empty() : count.load(std::memory_order_seq_cst) == 0;
  }
};
static_assert(offsetof(hchan, ops) == 64, "an operation's fields must share one cache line");

// The steps of a send and a receive, shared with select. REQUIRES: c->lock is held.
// Moves *value into receiver's result. REQUIRES: receiver came from c->recvq.dequeue().
void give_to_receiver(hchan* c, Waiter* receiver, void* value) noexcept;
// Receives sender's value into the std::optional<T> at out: directly if c is unbuffered, else
// from the head of the full buffer, refilling its tail from sender.
// REQUIRES: sender came from c->sendq.dequeue().
void take_from_sender(hchan* c, Waiter* sender, void* out) noexcept;
// REQUIRES: c->count < c->capacity.
void buffer_push(hchan* c, void* value) noexcept;
// REQUIRES: c->count > 0.
void buffer_pop(hchan* c, void* out) noexcept;

// Completes a dequeued waiter and makes its goroutine runnable. REQUIRES: no channel lock held.
void wake(Waiter* w, bool success);

// The calling goroutine; fatal if there is none, since only goroutines can block.
rt::G* current_goroutine_for(const char* operation);
// Parks the calling goroutine for good (nil channels, an empty select).
[[noreturn]] void block_forever(rt::WaitReason reason);

}  // namespace goro::detail
