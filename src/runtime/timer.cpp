// timer.cpp — runtime timers in per-P 4-ary heaps (Go 1.14+: runtime/time.go).
//
// Each P keeps its pending timers in a 4-ary min-heap ordered by `when` (4-ary: shallower than
// binary, so sift-down touches fewer cache lines; Go made the same choice). The scheduler runs a
// P's due timers whenever it looks for work on that P (find_runnable), an idle spinning M runs
// the due timers of other Ps while stealing, and the M that blocks in the netpoller sleeps
// exactly until the earliest timer of all Ps. So 100,000 pending timers cost 100,000 heap
// entries: no thread and no polling each.
//
// Locking: each heap has its own lock; a timer records the P whose heap holds it (`owner`), so
// stop/reset from any thread lock just that heap (re-checking `owner` after locking, since the
// timer may have fired or moved meanwhile). Go instead uses a lock-free status machine with
// deferred deletion, which avoids the lock on the hot path but is far more intricate; a
// per-P lock is uncontended in the common case (a goroutine sets and stops its own timers on
// its own P), so that complexity was rejected.
//
// Firing: the timer is removed (or, for a ticker, re-armed) under the lock, then `fn` runs with
// the lock released, so it may take other locks (a channel's) and add timers.
#include <algorithm>
#include <mutex>

#include "runtime/netpoll.hpp"
#include "runtime/proc.hpp"

namespace goro::rt {
namespace {

constexpr std::size_t kArity = 4;

void heap_set(P* p, std::size_t i, Timer* t) {
  p->timers[i] = t;
  t->heap_index = static_cast<std::int32_t>(i);
}

void sift_up(P* p, std::size_t i) {
  Timer* t = p->timers[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / kArity;
    if (p->timers[parent]->when <= t->when) break;
    heap_set(p, i, p->timers[parent]);
    i = parent;
  }
  heap_set(p, i, t);
}

void sift_down(P* p, std::size_t i) {
  std::size_t n = p->timers.size();
  Timer* t = p->timers[i];
  for (;;) {
    std::size_t first = i * kArity + 1;
    if (first >= n) break;
    std::size_t best = first;
    for (std::size_t c = first + 1; c < first + kArity && c < n; c++)
      if (p->timers[c]->when < p->timers[best]->when) best = c;
    if (p->timers[best]->when >= t->when) break;
    heap_set(p, i, p->timers[best]);
    i = best;
  }
  heap_set(p, i, t);
}

// REQUIRES: p->timers_lock.
void heap_push(P* p, Timer* t) {
  p->timers.push_back(t);
  sift_up(p, p->timers.size() - 1);
}

// REQUIRES: p->timers_lock; t is in p's heap.
void heap_remove(P* p, Timer* t) {
  std::size_t i = static_cast<std::size_t>(t->heap_index);
  Timer* last = p->timers.back();
  p->timers.pop_back();
  t->heap_index = -1;
  if (last == t) return;
  heap_set(p, i, last);
  if (i > 0 && p->timers[(i - 1) / kArity]->when > last->when)
    sift_up(p, i);
  else
    sift_down(p, i);
}

// REQUIRES: p->timers_lock.
void update_timer0(P* p) {
  p->timer0_when.store(p->timers.empty() ? 0 : p->timers[0]->when, std::memory_order_release);
}

// A new earliest timer: make sure some M will wake for it (Go: wakeNetPoller).
void wake_netpoller(std::int64_t when) {
  if (sched->lastpoll.load(std::memory_order_acquire) == 0) {
    std::int64_t until = sched->poll_until.load(std::memory_order_relaxed);
    if (until == 0 || until > when) netpoll_break();
  } else {
    wakep();
  }
}

P* home_p() {
  M* m = getm();
  if (m && m->p && pstate_status(m->p->state.load(std::memory_order_relaxed)) != PStatus::kDead)
    return m->p;
  return allp_at(0);
}

// Locks the heap that holds t. Returns nullptr (nothing locked) if t is not pending.
P* lock_owner(Timer* t) {
  for (;;) {
    P* p = t->owner.load(std::memory_order_acquire);
    if (!p) return nullptr;
    p->timers_lock.lock();
    if (t->owner.load(std::memory_order_relaxed) == p) return p;
    p->timers_lock.unlock();
  }
}

}  // namespace

void timer_add(Timer* t) {
  P* p = home_p();
  bool earliest;
  {
    std::lock_guard<Lock> guard(p->timers_lock);
    t->owner.store(p, std::memory_order_release);
    heap_push(p, t);
    earliest = p->timers[0] == t;
    update_timer0(p);
  }
  if (earliest) wake_netpoller(t->when);
}

bool timer_stop(Timer* t) {
  P* p = lock_owner(t);
  if (!p) return false;
  heap_remove(p, t);
  t->owner.store(nullptr, std::memory_order_release);
  update_timer0(p);
  p->timers_lock.unlock();
  return true;
}

bool timer_reset(Timer* t, std::int64_t when, std::int64_t period) {
  bool was_pending = timer_stop(t);
  t->when = when;
  t->period = period;
  timer_add(t);
  return was_pending;
}

void timer_sync(Timer* t) {
  while (t->running.load(std::memory_order_acquire) != 0) cpu_relax();
}

std::int64_t run_due_timers(P* p, std::int64_t next, std::int64_t now) {
  // The clock costs ~20 ns (a third of a goroutine hand-off): read it only if a timer exists.
  if (now == 0) now = nanotime();
  if (next > now) return next;
  p->timers_lock.lock();
  while (!p->timers.empty() && p->timers[0]->when <= now) {
    Timer* t = p->timers[0];
    std::int64_t when = t->when;
    // Mark it running before it stops looking pending, so timer_stop + timer_sync wait for fn.
    t->running.fetch_add(1, std::memory_order_acq_rel);
    if (t->period > 0) {
      // Re-arm a ticker for its next period after now (missed periods are skipped).
      t->when = when + t->period * (1 + (now - when) / t->period);
      sift_down(p, 0);
    } else {
      heap_remove(p, t);
      t->owner.store(nullptr, std::memory_order_release);
    }
    auto fn = t->fn;
    void* arg = t->arg;
    std::uintptr_t seq = t->seq;
    update_timer0(p);
    p->timers_lock.unlock();
    fn(arg, seq, now - when);
    t->running.fetch_sub(1, std::memory_order_acq_rel);
    p->timers_lock.lock();
  }
  update_timer0(p);
  next = p->timers.empty() ? 0 : p->timers[0]->when;
  p->timers_lock.unlock();
  return next;
}

void abandon_timers(P* p) {
  std::lock_guard<Lock> guard(p->timers_lock);
  for (Timer* t : p->timers) {
    t->owner.store(nullptr, std::memory_order_release);
    t->heap_index = -1;
  }
  p->timers.clear();
  update_timer0(p);
}

void move_timers(P* from, P* to) {
  if (from == to) return;
  P* first = from->id < to->id ? from : to;
  P* second = first == from ? to : from;
  std::lock_guard<Lock> g1(first->timers_lock);
  std::lock_guard<Lock> g2(second->timers_lock);
  for (Timer* t : from->timers) {
    t->owner.store(to, std::memory_order_release);
    heap_push(to, t);
  }
  from->timers.clear();
  update_timer0(from);
  update_timer0(to);
}

std::int64_t earliest_timer() {
  std::int64_t earliest = 0;
  int procs = sched->gomaxprocs.load(std::memory_order_relaxed);
  for (int i = 0; i < procs; i++) {
    std::int64_t w = allp_at(i)->timer0_when.load(std::memory_order_acquire);
    if (w != 0 && (earliest == 0 || w < earliest)) earliest = w;
  }
  return earliest;
}

}  // namespace goro::rt
