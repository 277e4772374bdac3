// sema.cpp — the semaphore table and the notify list (Go: runtime/sema.go).
//
// Design
//   A fixed table of 251 buckets (prime, so that address strides do not pile into one bucket),
//   each on its own cache line, keyed by (address >> 3) % 251. A bucket holds an rt::Lock, the
//   number of goroutines waiting on any address in it (`nwait`, read without the lock), and a
//   list of "address heads": one waiter per distinct address, each heading that address's FIFO
//   queue (`next`, with the tail cached in the head). Waiter records live on the parked
//   goroutine's own stack: the stack cannot move or vanish while the goroutine is parked, so
//   blocking never allocates.
//
// Invariants
//   * A waiter is linked into its bucket iff it is parked (or about to park) in semacquire; it is
//     unlinked, and nwait decremented, by exactly one semrelease, under the bucket lock, before
//     that releaser calls ready().
//   * nwait counts linked waiters plus semacquirers between their increment and their recheck.
//     semacquire increments nwait *before* re-checking the count and semrelease increments the
//     count *before* reading nwait; both sides are seq_cst, so at least one of them sees the
//     other (Dekker) and no wake-up is lost while semrelease's no-waiter path stays lock-free.
//   * `handed_off` is written by the releaser before ready(); the woken goroutine then owns one
//     unit of the count without touching it (starvation-mode hand-off).
//
// Cost model and rejected alternatives
//   Go keeps the distinct addresses of a bucket in a treap (O(log k) lookup for k distinct
//   blocked addresses in one bucket). We use a plain list of address heads: O(k) lookup, but k
//   is the number of *distinct addresses with blocked goroutines* that hash to the same bucket,
//   which with 251 buckets is 0 or 1 in practice; the treap only pays off with thousands of
//   distinct contended addresses at once. What matters (golang.org/issue/17953) is that many
//   waiters on *one* address cost O(1) to queue and dequeue; the per-address FIFO keeps that.
//   A futex-style syscall per wait was rejected: it would block the OS thread, not the goroutine.
//
//   The notify list (Cond) has no lock of its own: it uses the bucket lock of its address. That
//   keeps goro::Cond's public layout free of runtime types; the cost is sharing a lock with
//   whatever else hashes to that bucket, for critical sections of a few instructions.
#include "runtime/sema.hpp"

#include <cstddef>

#include "runtime/lock.hpp"
#include "runtime/proc.hpp"

namespace goro::detail {

// A goroutine parked in notify_list_wait (Go: the sudog on notifyList's list).
struct NotifyWaiter {
  rt::G* g;
  std::uint32_t ticket;
  NotifyWaiter* next;
};

}  // namespace goro::detail

namespace goro::rt {
namespace {

struct SemaWaiter {
  G* g;
  std::atomic<std::uint32_t>* addr;
  SemaWaiter* next;       // next waiter on the same address (FIFO)
  SemaWaiter* tail;       // (address head only) last waiter on this address
  SemaWaiter* next_addr;  // (address head only) head of the next distinct address in the bucket
  bool handed_off;        // semrelease gave this waiter its unit of the count
};

struct alignas(64) SemaRoot {
  Lock lock;
  std::atomic<std::uint32_t> nwait{0};
  SemaWaiter* heads = nullptr;
};

constexpr std::size_t kSemTableSize = 251;
SemaRoot sema_table[kSemTableSize];

SemaRoot& root_for(const void* addr) {
  return sema_table[(reinterpret_cast<std::uintptr_t>(addr) >> 3) % kSemTableSize];
}

// Go: cansemacquire.
bool try_decrement(std::atomic<std::uint32_t>* count) {
  std::uint32_t value = count->load(std::memory_order_seq_cst);
  while (value != 0) {
    if (count->compare_exchange_weak(value, value - 1, std::memory_order_seq_cst)) return true;
  }
  return false;
}

// Finds the link (in the bucket's address list) that points at addr's head, or at the list's
// terminating nullptr if no goroutine waits on addr.
SemaWaiter** find_head(SemaRoot& root, const std::atomic<std::uint32_t>* addr) {
  SemaWaiter** link = &root.heads;
  while (*link != nullptr && (*link)->addr != addr) link = &(*link)->next_addr;
  return link;
}

void enqueue(SemaRoot& root, SemaWaiter* w, bool lifo) {
  w->next = nullptr;
  w->tail = w;
  SemaWaiter** link = find_head(root, w->addr);
  SemaWaiter* head = *link;
  if (head == nullptr) {
    w->next_addr = root.heads;
    root.heads = w;
  } else if (lifo) {
    w->next = head;
    w->tail = head->tail;
    w->next_addr = head->next_addr;
    *link = w;
  } else {
    head->tail->next = w;
    head->tail = w;
  }
}

SemaWaiter* dequeue(SemaRoot& root, const std::atomic<std::uint32_t>* addr) {
  SemaWaiter** link = find_head(root, addr);
  SemaWaiter* head = *link;
  if (head == nullptr) return nullptr;
  if (SemaWaiter* second = head->next) {
    second->tail = head->tail;
    second->next_addr = head->next_addr;
    *link = second;
  } else {
    *link = head->next_addr;
  }
  return head;
}

bool unlock_after_park(G*, void* lock) {
  static_cast<Lock*>(lock)->unlock();
  return true;
}

G* current_goroutine(const char* caller) {
  G* gp = getg();
  if (gp == nullptr) fatal(caller);
  return gp;
}

// Go: less. Tickets wrap; their unwrapped distance is below 2^31.
bool ticket_before(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b) < 0;
}

}  // namespace

void semacquire(std::atomic<std::uint32_t>* count, bool lifo, WaitReason reason) {
  if (try_decrement(count)) return;
  SemaWaiter w{
      current_goroutine("semacquire not on a goroutine"), count, nullptr, nullptr, nullptr, false};
  SemaRoot& root = root_for(count);
  for (;;) {
    root.lock.lock();
    root.nwait.fetch_add(1, std::memory_order_seq_cst);
    if (try_decrement(count)) {
      root.nwait.fetch_sub(1, std::memory_order_relaxed);
      root.lock.unlock();
      return;
    }
    enqueue(root, &w, lifo);
    park(unlock_after_park, &root.lock, reason);
    // Woken without a hand-off: a newcomer may have taken the count first; queue again.
    if (w.handed_off || try_decrement(count)) return;
  }
}

void semrelease(std::atomic<std::uint32_t>* count, bool handoff) {
  SemaRoot& root = root_for(count);
  count->fetch_add(1, std::memory_order_seq_cst);
  if (root.nwait.load(std::memory_order_seq_cst) == 0) return;

  root.lock.lock();
  if (root.nwait.load(std::memory_order_relaxed) == 0) {
    // Another releaser already woke the last waiter; our unit stays in *count.
    root.lock.unlock();
    return;
  }
  SemaWaiter* w = dequeue(root, count);
  if (w != nullptr) root.nwait.fetch_sub(1, std::memory_order_relaxed);
  root.lock.unlock();
  if (w == nullptr) return;
  if (handoff && try_decrement(count)) w->handed_off = true;
  // Go yields here after a hand-off so the waiter runs at once (goyield). sched.hpp offers no
  // "yield to runnext", and goro::yield would send us to the global queue, so the waiter simply
  // runs next on this P once we block; it already owns the count either way.
  ready(w->g);
}

std::uint32_t notify_list_add(detail::NotifyList* list) {
  return list->wait.fetch_add(1, std::memory_order_seq_cst);
}

void notify_list_wait(detail::NotifyList* list, std::uint32_t ticket) {
  SemaRoot& root = root_for(list);
  root.lock.lock();
  if (ticket_before(ticket, list->notify.load(std::memory_order_relaxed))) {
    root.lock.unlock();
    return;
  }
  detail::NotifyWaiter w{current_goroutine("Cond wait not on a goroutine"), ticket, nullptr};
  if (list->tail == nullptr) {
    list->head = &w;
  } else {
    list->tail->next = &w;
  }
  list->tail = &w;
  park(unlock_after_park, &root.lock, WaitReason::kSyncCondWait);
}

void notify_list_notify_all(detail::NotifyList* list) {
  if (list->wait.load(std::memory_order_seq_cst) == list->notify.load(std::memory_order_seq_cst))
    return;
  SemaRoot& root = root_for(list);
  root.lock.lock();
  detail::NotifyWaiter* w = list->head;
  list->head = nullptr;
  list->tail = nullptr;
  // Waiters with tickets below `wait` that are not on the list yet will see this and not park.
  list->notify.store(list->wait.load(std::memory_order_relaxed), std::memory_order_seq_cst);
  root.lock.unlock();
  while (w != nullptr) {
    detail::NotifyWaiter* next = w->next;  // w is gone once its goroutine runs
    ready(w->g);
    w = next;
  }
}

void notify_list_notify_one(detail::NotifyList* list) {
  if (list->wait.load(std::memory_order_seq_cst) == list->notify.load(std::memory_order_seq_cst))
    return;
  SemaRoot& root = root_for(list);
  root.lock.lock();
  std::uint32_t ticket = list->notify.load(std::memory_order_relaxed);
  if (ticket == list->wait.load(std::memory_order_relaxed)) {
    root.lock.unlock();
    return;
  }
  list->notify.store(ticket + 1, std::memory_order_seq_cst);
  // The ticket's owner is near the front: waiters queue out of ticket order only by the width
  // of a race. If it is not queued yet, it will see the new `notify` and not park.
  for (detail::NotifyWaiter *prev = nullptr, *w = list->head; w != nullptr; prev = w, w = w->next) {
    if (w->ticket != ticket) continue;
    (prev != nullptr ? prev->next : list->head) = w->next;
    if (w->next == nullptr) list->tail = prev;
    root.lock.unlock();
    ready(w->g);
    return;
  }
  root.lock.unlock();
}

}  // namespace goro::rt
