// select.cpp — the select statement (Go: runtime/select.go, selectgo).
//
// select_go takes the cases as untyped descriptors (goro/select.hpp builds them on the caller's
// stack) and runs Go's algorithm:
//
//  0. Order. Shuffle the cases on real channels into a random poll order (an inside-out
//     Fisher-Yates with fastrand), which makes the choice among ready cases uniform, and sort
//     them by channel address into the lock order. Nil-channel cases and the default case take
//     part in neither, so they can never fire through a channel.
//  1. Lock every channel in address order (each once, however many cases name it) — the one
//     global order that lets selects over overlapping channel sets lock without deadlock — and
//     poll the cases in poll order, performing the first that can proceed exactly as chansend
//     or chanrecv would. With a default case, give up here.
//  2. Otherwise queue one Waiter per case on its channel, marked is_select, and park; the park
//     commit releases all the locks. Each channel's wakers now race for this goroutine through
//     G::select_done: only the one that flips it 0 -> 1 may complete its Waiter; it records
//     that Waiter in G::param and readies us. Losers unlink our Waiter and move on.
//  3. On waking, lock everything again, reset select_done, and unlink the Waiters that did not
//     win (a loser may already have unlinked some). The winner in G::param names the case.
//
// The caller runs the chosen case's callback after select_go returns, with no lock held.
//
// Lock lifetime subtlety (Go's selunlock comment): once the park commit has released a lock, a
// waker may ready this goroutine, which then blocks in step 3 on the locks the commit still
// holds; the case array stays valid until it gets them all. So the commit may read the array
// between unlocks but must not touch it after its last unlock.
//
// Rejected: Go's heapsort for the lock order (it avoids recursion in the runtime's fixed
// stacks; std::sort needs no allocation either and is simpler); heap-allocated sudogs (the
// Waiters live in the caller's case array, which outlives the wait).
#include <algorithm>
#include <functional>

#include "goro/panic.hpp"
#include "goro/select.hpp"
#include "runtime/chan.hpp"
#include "runtime/lock.hpp"
#include "runtime/proc.hpp"
#include "runtime/sched.hpp"

namespace goro::detail {

namespace {

// The channels a select holds, in lock order.
struct LockSet {
  SelectCase* cases;
  const std::uint16_t* order;
  std::size_t count;

  void lock() const {
    hchan* previous = nullptr;
    for (std::size_t k = 0; k < count; k++) {
      hchan* c = cases[order[k]].chan;
      if (c != previous) c->lock.lock();
      previous = c;
    }
  }
  // Unlocks in reverse, each channel after its last occurrence in `order`, reading nothing once
  // the last lock is released. Takes *this by value for that reason.
  static void unlock(LockSet set) {
    for (std::size_t k = set.count; k-- > 0;) {
      hchan* c = set.cases[set.order[k]].chan;
      if (k > 0 && set.cases[set.order[k - 1]].chan == c) continue;
      c->lock.unlock();
    }
  }
};

bool unlock_all_commit(rt::G*, void* arg) {
  LockSet::unlock(*static_cast<const LockSet*>(arg));
  return true;
}

WaitQueue& queue_of(const SelectCase& c) {
  return c.kind == CaseKind::kSend ? c.chan->sendq : c.chan->recvq;
}

}  // namespace

std::size_t select_go(SelectCase* cases, std::uint16_t* order, std::size_t count) {
  rt::preempt_point();  // see chan.cpp, "Preemption"
  std::uint16_t* poll_order = order;
  std::uint16_t* lock_order = order + count;
  std::size_t default_index = count;  // count: no default case
  std::size_t active = 0;
  for (std::size_t i = 0; i < count; i++) {
    if (cases[i].kind == CaseKind::kDefault) {
      default_index = i;
      continue;
    }
    if (cases[i].chan == nullptr) continue;
    const std::uint32_t j = rt::fastrandn(static_cast<std::uint32_t>(active + 1));
    poll_order[active] = poll_order[j];
    poll_order[j] = static_cast<std::uint16_t>(i);
    active++;
  }
  const bool has_default = default_index < count;
  if (active == 0) {
    if (has_default) return default_index;
    block_forever(rt::WaitReason::kSelectNoCases);
  }

  std::copy(poll_order, poll_order + active, lock_order);
  std::sort(lock_order, lock_order + active, [cases](std::uint16_t a, std::uint16_t b) {
    return std::less<hchan*>{}(cases[a].chan, cases[b].chan);
  });
  LockSet locks{cases, lock_order, active};

  // Pass 1: perform the first ready case in poll order.
  locks.lock();
  for (std::size_t k = 0; k < active; k++) {
    const std::size_t i = poll_order[k];
    hchan* c = cases[i].chan;
    void* elem = cases[i].elem;
    if (cases[i].kind == CaseKind::kRecv) {
      if (Waiter* sender = c->sendq.dequeue()) {
        take_from_sender(c, sender, elem);
        LockSet::unlock(locks);
        wake(sender, true);
        return i;
      }
      if (c->count.load(std::memory_order_relaxed) > 0) {
        buffer_pop(c, elem);
        LockSet::unlock(locks);
        return i;
      }
      if (c->closed.load(std::memory_order_relaxed)) {
        LockSet::unlock(locks);
        return i;
      }
    } else {
      if (c->closed.load(std::memory_order_relaxed)) {
        LockSet::unlock(locks);
        throw Panic("send on closed channel");
      }
      if (Waiter* receiver = c->recvq.dequeue()) {
        give_to_receiver(c, receiver, elem);
        LockSet::unlock(locks);
        wake(receiver, true);
        return i;
      }
      if (c->count.load(std::memory_order_relaxed) < c->capacity) {
        buffer_push(c, elem);
        LockSet::unlock(locks);
        return i;
      }
    }
  }
  if (has_default) {
    LockSet::unlock(locks);
    return default_index;
  }

  // Pass 2: wait on every channel.
  rt::G* gp = current_goroutine_for("goro: a select blocked outside a goroutine");
  for (std::size_t k = 0; k < active; k++) {
    SelectCase& sc = cases[lock_order[k]];
    sc.waiter = Waiter{};
    sc.waiter.g = gp;
    sc.waiter.elem = sc.elem;
    sc.waiter.is_select = true;
    queue_of(sc).enqueue(&sc.waiter);
  }
  gp->param = nullptr;
  rt::park(unlock_all_commit, &locks, rt::WaitReason::kSelect, rt::CommitKind::kUnlockOnly);

  // Pass 3: find the winner, withdraw the other waiters.
  locks.lock();
  gp->select_done.store(0);
  const Waiter* winner = static_cast<Waiter*>(gp->param);
  gp->param = nullptr;
  std::size_t chosen = count;
  for (std::size_t k = 0; k < active; k++) {
    SelectCase& sc = cases[lock_order[k]];
    if (&sc.waiter == winner) {
      chosen = lock_order[k];
    } else {
      queue_of(sc).remove(&sc.waiter);
    }
  }
  LockSet::unlock(locks);
  if (chosen == count) rt::fatal("selectgo: bad wakeup");
  if (cases[chosen].kind == CaseKind::kSend && !winner->success) {
    throw Panic("send on closed channel");
  }
  return chosen;
}

}  // namespace goro::detail
