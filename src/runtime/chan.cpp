// chan.cpp — channel send, receive and close (Go: runtime/chan.go).
//
// One channel is an hchan (chan.hpp): a lock, a ring buffer of element slots, and two FIFO
// queues of waiters. Every operation follows Go's chansend/chanrecv/closechan step for step:
//
//  send:  closed? panic. A receiver waiting? Move the value straight into its result and wake
//         it. Room in the buffer? Store it. Otherwise queue a Waiter pointing at the value in
//         this goroutine's frame and park; the receiver that takes it moves it out.
//  recv:  closed and empty? Report closed. A sender waiting? Take its value (unbuffered) or the
//         buffer's head, refilling the tail from the sender (full buffer). A value buffered?
//         Take it. Otherwise queue a Waiter pointing at this frame's result and park.
//  close: mark closed, dequeue every waiter, unlock, then wake them all with success = false:
//         receivers return nullopt, senders panic in their own goroutine.
//
// Non-blocking operations (try_send/try_recv, select's default) first decide "would block"
// without the lock, as Go does: for a send, "not closed" then "not ready"; for a receive,
// "not ready" then "not closed" (re-checking readiness if it was closed, so a value sent before
// the close is never missed). Each pair of observations implies one instant at which the channel
// was open and not ready, because a channel never reopens and a closed channel never becomes
// unready for receiving. So a failing try operation on an open channel costs the preemption
// check (below) and two loads, no lock; and no operation enters the scheduler unless a goroutine
// must park or be woken, or sysmon asked it to yield.
//
// Waiters live in the frames of their goroutines (goroutine stacks never move in goro), so
// blocking allocates nothing. Rejected: Go's per-P sudog cache, which exists because Go's stacks
// move and because the garbage collector must find sudogs — neither applies here.
//
// Preemption. Each send and receive starts with the scheduler's preemption point (Go checks at
// every function entry): a goroutine that keeps communicating without parking — a producer
// filling a buffer, or either side of a ping-pong pair that hands its P back and forth through
// runnext — still yields once sysmon flags it. Checking on entry, before any lock, keeps the
// rule "never while holding a lock" trivially true.
//
// Wakers ready() a goroutine only after releasing the channel's lock, keeping the scheduler out
// of every critical section (as Go does). That is safe because a dequeued Waiter is owned by
// whoever dequeued it until its goroutine is readied: nothing else can complete or free it.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <new>

#include "goro/panic.hpp"
#include "runtime/chan.hpp"
#include "runtime/proc.hpp"
#include "runtime/sched.hpp"

namespace goro::detail {

namespace {

// Park commit for single-channel waits: the waiter is queued, release the channel.
bool unlock_channel(rt::G*, void* arg) {
  static_cast<hchan*>(arg)->lock.unlock();
  return true;
}

std::size_t buffer_offset(const ElemOps* ops) {
  return (sizeof(hchan) + ops->align - 1) / ops->align * ops->align;
}

std::align_val_t allocation_alignment(const ElemOps* ops) {
  return std::align_val_t{std::max(alignof(hchan), ops->align)};
}

}  // namespace

// ---- wait queues ---------------------------------------------------------------------------

void WaitQueue::enqueue(Waiter* w) noexcept {
  w->next = nullptr;
  w->prev = last_;
  if (last_ == nullptr) {
    first_.store(w, std::memory_order_relaxed);
  } else {
    last_->next = w;
  }
  last_ = w;
}

Waiter* WaitQueue::dequeue() noexcept {
  for (;;) {
    Waiter* w = first_.load(std::memory_order_relaxed);
    if (w == nullptr) return nullptr;
    Waiter* rest = w->next;
    first_.store(rest, std::memory_order_relaxed);
    if (rest == nullptr) {
      last_ = nullptr;
    } else {
      rest->prev = nullptr;
    }
    w->next = nullptr;
    // A select waiter whose goroutine another case already won stays unlinked: its select
    // will find it gone when it cleans up, which remove() tolerates.
    if (w->is_select) {
      std::uint32_t expected = 0;
      if (!w->g->select_done.compare_exchange_strong(expected, 1)) continue;
    }
    return w;
  }
}

void WaitQueue::remove(Waiter* w) noexcept {
  Waiter* before = w->prev;
  Waiter* after = w->next;
  if (before == nullptr && after == nullptr && first_.load(std::memory_order_relaxed) != w) {
    return;  // already dequeued
  }
  if (before == nullptr) {
    first_.store(after, std::memory_order_relaxed);
  } else {
    before->next = after;
  }
  if (after == nullptr) {
    last_ = before;
  } else {
    after->prev = before;
  }
  w->next = nullptr;
  w->prev = nullptr;
}

std::size_t WaitQueue::size() const noexcept {
  std::size_t n = 0;
  for (const Waiter* w = first_.load(std::memory_order_relaxed); w != nullptr; w = w->next) n++;
  return n;
}

// ---- the steps shared with select ------------------------------------------------------------

void give_to_receiver(hchan* c, Waiter* receiver, void* value) noexcept {
  c->ops->deliver(receiver->elem, value);
}

void take_from_sender(hchan* c, Waiter* sender, void* out) noexcept {
  if (c->capacity == 0) {
    c->ops->deliver(out, sender->elem);
    return;
  }
  // The buffer is full: take its head; the sender's value goes to the tail, the same slot.
  void* head = c->slot(c->recv_index);
  c->ops->deliver(out, head);
  c->ops->destroy(head);
  c->ops->store(head, sender->elem);
  c->recv_index = c->recv_index + 1 == c->capacity ? 0 : c->recv_index + 1;
  c->send_index = c->recv_index;
}

void buffer_push(hchan* c, void* value) noexcept {
  c->ops->store(c->slot(c->send_index), value);
  c->send_index = c->send_index + 1 == c->capacity ? 0 : c->send_index + 1;
  c->count.store(c->count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void buffer_pop(hchan* c, void* out) noexcept {
  void* head = c->slot(c->recv_index);
  c->ops->deliver(out, head);
  c->ops->destroy(head);
  c->recv_index = c->recv_index + 1 == c->capacity ? 0 : c->recv_index + 1;
  c->count.store(c->count.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
}

void wake(Waiter* w, bool success) {
  rt::G* gp = w->g;
  w->success = success;
  gp->param = w;
  rt::ready(gp);
}

rt::G* current_goroutine_for(const char* operation) {
  rt::G* gp = rt::getg();
  if (gp == nullptr) rt::fatal(operation);
  return gp;
}

void block_forever(rt::WaitReason reason) {
  current_goroutine_for("goro: a nil channel operation or an empty select outside a goroutine");
  rt::park([](rt::G*, void*) { return true; }, nullptr, reason);
  rt::fatal("goro: a goroutine blocked forever was woken");
}

// ---- the channel operations ------------------------------------------------------------------

hchan* chan_make(const ElemOps* ops, std::size_t capacity) {
  const std::size_t offset = buffer_offset(ops);
  const std::size_t max_buffer = std::numeric_limits<std::size_t>::max() / 2 - offset;
  if (ops->size != 0 && capacity > max_buffer / ops->size) {
    throw Panic("makechan: size out of range");
  }
  const std::size_t buffer_bytes = ops->size * capacity;
  void* memory = ::operator new(offset + buffer_bytes, allocation_alignment(ops));
  hchan* c = ::new (memory) hchan{};
  c->ops = ops;
  c->capacity = capacity;
  c->buffer = static_cast<unsigned char*>(memory) + offset;
  return c;
}

void chan_retain(hchan* c) noexcept {
  c->refs.fetch_add(1, std::memory_order_relaxed);
}

void chan_release(hchan* c) noexcept {
  if (c->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Last handle: nobody can be waiting (a waiter's own handle would still exist).
  for (std::size_t i = 0, n = c->count.load(std::memory_order_relaxed); i < n; i++) {
    c->ops->destroy(c->slot((c->recv_index + i) % c->capacity));
  }
  const std::align_val_t alignment = allocation_alignment(c->ops);
  c->~hchan();
  ::operator delete(c, alignment);
}

bool chan_send(hchan* c, void* value, bool block) {
  rt::preempt_point();
  if (c == nullptr) {
    if (!block) return false;
    block_forever(rt::WaitReason::kChanSendNilChan);
  }
  if (!block && !c->closed.load(std::memory_order_relaxed) && c->full()) return false;

  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed)) {
    c->lock.unlock();
    throw Panic("send on closed channel");
  }
  if (Waiter* receiver = c->recvq.dequeue()) {
    give_to_receiver(c, receiver, value);
    c->lock.unlock();
    wake(receiver, true);
    return true;
  }
  if (c->count.load(std::memory_order_relaxed) < c->capacity) {
    buffer_push(c, value);
    c->lock.unlock();
    return true;
  }
  if (!block) {
    c->lock.unlock();
    return false;
  }

  rt::G* gp = current_goroutine_for("goro: a channel send blocked outside a goroutine");
  Waiter self;
  self.g = gp;
  self.elem = value;
  gp->param = nullptr;
  c->sendq.enqueue(&self);
  rt::park(unlock_channel, c, rt::WaitReason::kChanSend, rt::CommitKind::kUnlockOnly);

  if (gp->param != &self) rt::fatal("chansend: spurious wakeup");
  gp->param = nullptr;
  if (!self.success) throw Panic("send on closed channel");
  return true;
}

RecvStatus chan_recv(hchan* c, void* out, bool block) {
  rt::preempt_point();
  if (c == nullptr) {
    if (!block) return RecvStatus::kWouldBlock;
    block_forever(rt::WaitReason::kChanReceiveNilChan);
  }
  if (!block && c->empty()) {
    if (!c->closed.load(std::memory_order_seq_cst)) return RecvStatus::kWouldBlock;
    // Closed for good; a value sent before the close may have arrived since the first look.
    if (c->empty()) return RecvStatus::kClosed;
  }

  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed)) {
    if (c->count.load(std::memory_order_relaxed) == 0) {
      c->lock.unlock();
      return RecvStatus::kClosed;
    }
    // Closed, but values remain buffered: receive them.
  } else if (Waiter* sender = c->sendq.dequeue()) {
    take_from_sender(c, sender, out);
    c->lock.unlock();
    wake(sender, true);
    return RecvStatus::kReceived;
  }
  if (c->count.load(std::memory_order_relaxed) > 0) {
    buffer_pop(c, out);
    c->lock.unlock();
    return RecvStatus::kReceived;
  }
  if (!block) {
    c->lock.unlock();
    return RecvStatus::kWouldBlock;
  }

  rt::G* gp = current_goroutine_for("goro: a channel receive blocked outside a goroutine");
  Waiter self;
  self.g = gp;
  self.elem = out;
  gp->param = nullptr;
  c->recvq.enqueue(&self);
  rt::park(unlock_channel, c, rt::WaitReason::kChanReceive, rt::CommitKind::kUnlockOnly);

  if (gp->param != &self) rt::fatal("chanrecv: spurious wakeup");
  gp->param = nullptr;
  return self.success ? RecvStatus::kReceived : RecvStatus::kClosed;
}

void chan_close(hchan* c) {
  if (c == nullptr) throw Panic("close of nil channel");
  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed)) {
    c->lock.unlock();
    throw Panic("close of closed channel");
  }
  c->closed.store(true, std::memory_order_seq_cst);

  // Collect every waiter (receivers first, as Go does), linked through their now unused `next`,
  // and wake them once the lock is released.
  Waiter* woken = nullptr;
  Waiter** tail = &woken;
  for (WaitQueue* queue : {&c->recvq, &c->sendq}) {
    while (Waiter* w = queue->dequeue()) {
      *tail = w;
      tail = &w->next;
    }
  }
  c->lock.unlock();

  while (woken != nullptr) {
    Waiter* w = woken;
    woken = w->next;  // read before wake: w lives on a stack that may then unwind
    wake(w, false);
  }
}

std::size_t chan_len(const hchan* c) noexcept {
  return c == nullptr ? 0 : c->count.load(std::memory_order_relaxed);
}

std::size_t chan_cap(const hchan* c) noexcept {
  return c == nullptr ? 0 : c->capacity;
}

}  // namespace goro::detail
