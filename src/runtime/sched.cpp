// sched.cpp — the goroutine scheduler (Go: runtime/proc.go).
//
// G, M, P. A G is a goroutine: a stack, saved registers and a status. An M is an OS thread.
// A P is a processor: the right to run goroutine code plus the resources that go with it (a
// local run queue, timers, caches of dead Gs and goroutine ids). There are GOMAXPROCS Ps; an M
// must hold a P to run a G, so at most GOMAXPROCS goroutines run at once while any number of
// Ms may be blocked (in goro::blocking, or parked idle).
//
// Every M runs the scheduler loop on its own thread stack ("g0"). To run a G, g0 switches to
// it; a G gives the M back by switching to g0 with an Action (park, yield, exit). g0 then does
// what needs doing *off* the goroutine's stack — that is what makes park() safe: by the time the
// park's commit function releases the primitive's lock and another M may ready() and resume the
// G, the G's registers are already saved.
//
// Where work is found (find_runnable, Go's findRunnable): this P's runnext, its local ring
// (256 slots), the global queue (checked first every 61st schedule so it cannot starve), the
// netpoller, then stealing half of a random victim's ring (4 rounds; the last also takes its
// runnext and runs its due timers). A new goroutine or a readied one goes to runnext, so a
// hand-off (send, then receive) runs the partner next on the same P, with warm caches.
//
// A goroutine whose go() overflows its P's ring (half of it spills to the global queue) yields
// right away, unlike Go, where the spawner runs on until preempted (10 ms) and every goroutine
// it made in between stays alive, each with a freshly touched stack page: 1,000,000 spawns then
// kept ~15,000 goroutines alive per slice, 280 MB of RSS and 128,000 page faults, 650 ns each.
// Yielding bounds that to about the ring (their Gs and stacks are reused while still in the
// cache): 60 ns per goroutine, 6 MB. The spawner loses nothing it was promised: it resumes after
// the goroutines queued before it.
//
// Lazy stacks. A goroutine whose closure fits in its G (G::closure_buf, 48 bytes: most do) gets
// its stack only when it first runs (execute), and a dead goroutine's stack goes to its P's
// stack cache (LIFO, so the next first run gets the most recently used, cache-hot stack); Gs
// and stacks are cached apart. Go allocates the stack in newproc instead, so every queued
// goroutine pins one. skynet expands its tree breadth-first through the FIFO run queues: most
// live goroutines are queued and never ran, and each used to own a stack whose top page had
// been written (the closure) and whose canary page had been read — 152,000 page faults and
// 333 MB of RSS; with lazy stacks only the goroutines that started and wait for their children
// hold one: 29,000 faults, 87 MB, 623 -> 365 ms at P=1 (2026-11-28). Larger closures and
// explicit stack sizes keep the eager path (the closure on top of the stack). Lazy stacks alone
// did not make guard regions (stack.cpp) pay; what did was taking the mm lock off the path.
//
// Spinning Ms. Waking a thread costs microseconds, so Go keeps a few "spinning" Ms that look
// for work instead of sleeping, and wakes one more (wakep) only when work is added while none
// spins and a P is idle. The protocol, taken from proc.go's essay:
//   * submitting work: publish it (runq), then (StoreLoad) check nmspinning == 0 && npidle > 0,
//     then wake a spinning M;
//   * a spinning M that finds nothing: drop its P, decrement nmspinning, then (StoreLoad)
//     re-check every P's queue; if work appeared, take an idle P and spin again.
//   Either the submitter sees the spinner, or the spinner sees the work. Spinners are capped at
//   half of the busy Ps. When a spinner finds work and it was the last spinner, it wakes
//   another (reset_spinning), so bursts fan out across the Ps. Rejected: waking an M for every
//   new goroutine (a futex wake per spawn) and purely local queues (no parallelism).
//
// Taking a P back (retake). Go can preempt goroutine code asynchronously with signals; C++ code
// cannot be interrupted at arbitrary points safely (it may hold malloc's lock). Instead sysmon
// may take a P away from an M that is running goroutine code (and hand it to another M), never
// from one running runtime code. So one protocol covers both Go cases: a goroutine stuck in
// goro::blocking (Go's syscall retake, after 20 us) and a goroutine in a CPU loop that ignores
// the preemption flag (after 20 ms). The M that lost its P finds out at its next runtime call:
// it takes an idle P, or queues its goroutine globally and sleeps. The P's state word carries
// an epoch so that a P retaken and re-acquired by another M is never mistaken for the original
// owner's (ABA).
//
// The owner switches between goroutine and runtime code twice per hand-off (a goroutine readies
// its partner, then parks), so that switch must be cheap. It is an asymmetric Dekker protocol
// (revoke_p): the owner stores M::user_code (1: goroutine code, 0: runtime code) and, entering
// the runtime, then loads the P's state — plain moves, with only a compiler barrier between
// them. The rare side, sysmon or a stop-the-world, CASes the state to Revoking, then makes every
// running thread of the process execute a full memory barrier (membarrier(2), expedited), then
// reads user_code: 1 means the owner is in goroutine code, and will see Revoking or the final
// state when it next enters the runtime: the P is taken; 0 means it is in the runtime: the state
// goes back to Running. An owner that sees Revoking waits the microseconds until it is decided.
// Where membarrier is unavailable (old kernels, seccomp, valgrind) the owner issues a real fence.
// Rejected: a CAS User <-> Running on the state word at each switch (the design before
// 2026-11-28): two locked instructions per hand-off, ~5 ns each on the project's VMs, a fifth
// of the ring workload's time.
//
// Direct hand-off (park in proc.hpp, handoff_target and finish_handoff here). When a goroutine
// parks with a commit that only releases locks (channel operations and select) and runnext
// holds a goroutine that has run before, g0 would pick exactly that one (runnext, time slice
// inherited) unless a timer, the global queue's turn, a stop-the-world or a locked thread
// intervenes. In that case the parking goroutine does g0's part itself: it takes runnext, marks
// it running and switches straight to it; the goroutine that resumes (every resume point calls
// resumed()) first finishes the park of the one that switched to it — status Waiting, then the
// commit, which releases the lock that publishes it — and only then runs its own code. So the
// parked goroutine is off its stack before anyone can ready it, as with g0. One switch instead
// of two and no pass through the schedule loop: ring 35 -> 32 ns per hop, pingpong 66 -> 61 ns
// (session 8). g0 learns which goroutine finally switched back from m->curg (execute's result),
// not from what it started. Rejected: handing off for every commit (a commit that adds a timer,
// publishes to the netpoller or may refuse to park is runtime work that must not run as another
// goroutine). Session 7 tried a hand-off too and measured no gain, at a time when getg, park
// and the switch to g0 were still out-of-line calls; why it did not pay then was not settled.
//
// Thread-local state. A G may resume on a different M after any switch. Compilers cache the
// address of thread_local variables (and glibc's errno) across calls they believe cannot change
// threads, so the runtime reads its thread state only through getm()/getg() (arch/tls.hpp: an
// asm read that loads the thread pointer afresh every time) and never relies on errno across a
// possible switch.
#include "runtime/sched.hpp"

#include <linux/membarrier.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "goro/runtime.hpp"
#include "runtime/netpoll.hpp"
#include "runtime/proc.hpp"

__thread goro::rt::M* goro_tls_m = nullptr;
__thread goro::rt::G* goro_tls_g = nullptr;

namespace goro::rt {

Sched* sched = nullptr;
Lock allg_lock;
G* allg = nullptr;

namespace {

constexpr int kGfreeLocalMax = 64;
constexpr int kGoidBatch = 16;

// ---- small helpers ------------------------------------------------------------------------

void set_m(M* m) {
  asm volatile("" ::: "memory");
  goro_tls_m = m;
}

// ---- the owner's side of revoke_p (see the design above) ------------------------------------

// Whether membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) is registered for this process.
std::atomic<bool> asymmetric_barrier{false};

// Between the owner's store to user_code and its load of the P's state.
inline void owner_barrier() {
  if (asymmetric_barrier.load(std::memory_order_relaxed))
    std::atomic_signal_fence(std::memory_order_seq_cst);
  else
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

void revoke_backoff(int spins) {
  if (spins < 100)
    cpu_relax();
  else
    sched_yield();  // the revoking thread was preempted between its two steps
}

// m's P's state once no revoke_p is deciding about it. REQUIRES: m->p.
std::uint64_t settled_state(M* m) {
  const std::uint64_t revoking = pack_pstate(m->p_epoch, PStatus::kRevoking);
  for (int spins = 0;; spins++) {
    std::uint64_t s = m->p->state.load(std::memory_order_acquire);
    if (s != revoking) return s;
    revoke_backoff(spins);
  }
}

bool owns_p(M* m) {
  return m->p != nullptr && settled_state(m) == pack_pstate(m->p_epoch, PStatus::kRunning);
}

// enter_p when the first look did not find the P Running.
__attribute__((noinline)) bool enter_p_slow(M* m) {
  if (settled_state(m) == pack_pstate(m->p_epoch, PStatus::kRunning)) return true;
  m->p = nullptr;
  return false;
}

// Goroutine code on m is over and runtime code begins: returns whether m still owns its P (if
// not, m->p is cleared: sysmon or a stop-the-world took it). REQUIRES: m->p.
inline bool enter_p(M* m) {
  m->user_code.store(0, std::memory_order_relaxed);
  owner_barrier();
  const std::uint64_t mine = pack_pstate(m->p_epoch, PStatus::kRunning);
  return m->p->state.load(std::memory_order_acquire) == mine || enter_p_slow(m);
}

// Runtime code on m is over and goroutine code begins: from here on the P may be taken.
void leave_p(M* m) {
  m->user_code.store(1, std::memory_order_release);
}

// The current goroutine wants its P for a runtime operation (Go has no equivalent: its Ps are
// never taken from running goroutine code). Returns the P in state Running, or nullptr if sysmon
// or a stop-the-world took it; the caller then uses the global queue. Inline: ready() is on
// every hand-off between goroutines.
inline P* enter_runtime(M* m) {
  if (!m || !m->p) return nullptr;
  if (m->curg == nullptr) return owns_p(m) ? m->p : nullptr;  // on g0: in runtime code already
  return enter_p(m) ? m->p : nullptr;
}

inline void exit_runtime(M* m, P* p) {
  if (!p || m->curg == nullptr) return;
  leave_p(m);
}

// Moves m's owned P from Running to `to`, waiting out a revoke_p (which backs off: m is in
// runtime code).
void set_own_pstate(M* m, PStatus to) {
  const std::uint64_t mine = pack_pstate(m->p_epoch, PStatus::kRunning);
  for (int spins = 0;; spins++) {
    std::uint64_t s = mine;
    if (m->p->state.compare_exchange_weak(s, pack_pstate(m->p_epoch, to),
                                          std::memory_order_acq_rel))
      return;
    if (s != mine && s != pack_pstate(m->p_epoch, PStatus::kRevoking))
      fatal("set_own_pstate: invalid p state");
    revoke_backoff(spins);
  }
}

// Acquires p for m: p must be Idle (just taken from the idle list or handed over).
void acquirep(M* m, P* p) {
  std::uint64_t s = p->state.load(std::memory_order_relaxed);
  PStatus status = pstate_status(s);
  if (status != PStatus::kIdle) fatal("acquirep: invalid p state");
  std::uint64_t epoch = pstate_epoch(s) + 1;
  m->p = p;
  m->p_epoch = epoch;
  m->user_code.store(0, std::memory_order_relaxed);
  p->m.store(m, std::memory_order_relaxed);
  p->state.store(pack_pstate(epoch, PStatus::kRunning), std::memory_order_release);
}

// Detaches m from its (owned) P and marks it Idle. Returns the P.
P* releasep(M* m) {
  P* p = m->p;
  set_own_pstate(m, PStatus::kIdle);
  m->p = nullptr;
  return p;
}

// REQUIRES: sched->lock.
void pidleput(P* p) {
  p->link = sched->pidle;
  sched->pidle = p;
  sched->npidle.fetch_add(1, std::memory_order_seq_cst);
}

// REQUIRES: sched->lock.
P* pidleget() {
  P* p = sched->pidle;
  if (p) {
    sched->pidle = p->link;
    sched->npidle.fetch_sub(1, std::memory_order_seq_cst);
  }
  return p;
}

// REQUIRES: sched->lock.
void mput(M* m) {
  m->schedlink = sched->midle;
  sched->midle = m;
  sched->nmidle++;
}

// REQUIRES: sched->lock.
M* mget() {
  M* m = sched->midle;
  if (m) {
    sched->midle = m->schedlink;
    sched->nmidle--;
  }
  return m;
}

// ---- global run queue (REQUIRES: sched->lock) ---------------------------------------------

void globrunq_put(G* gp) {
  globrunq_put_batch(gp, gp, 1);
}

G* globrunq_pop() {
  G* gp = sched->runq_head;
  if (gp) {
    sched->runq_head = gp->schedlink;
    if (!sched->runq_head) sched->runq_tail = nullptr;
    sched->runq_size.fetch_sub(1, std::memory_order_relaxed);
  }
  return gp;
}

bool runqput_local(P* p, G* gp);

// Takes a batch from the global queue for p: returns one G and moves up to `max` - 1 more
// (0 = a fair share) to p's local queue.
G* globrunq_get(P* p, int max) {
  int size = sched->runq_size.load(std::memory_order_relaxed);
  if (size == 0) return nullptr;
  int procs = sched->gomaxprocs.load(std::memory_order_relaxed);
  int n = std::min(size, size / procs + 1);
  if (max > 0 && n > max) n = max;
  n = std::min(n, kRunqSize / 2);
  G* gp = globrunq_pop();
  for (int i = 1; i < n; i++) runqput_local(p, globrunq_pop());
  return gp;
}

// ---- local run queue (Go: runqput, runqget, runqgrab, runqsteal) --------------------------

// Moves half of p's ring plus gp to the global queue. Fails if a stealer raced us.
bool runqput_slow(P* p, G* gp, std::uint32_t head, std::uint32_t tail) {
  G* batch[kRunqSize / 2 + 1];
  std::uint32_t n = (tail - head) / 2;
  for (std::uint32_t i = 0; i < n; i++)
    batch[i] = p->runq[(head + i) % kRunqSize].load(std::memory_order_relaxed);
  if (!p->runq_head.compare_exchange_strong(head, head + n, std::memory_order_release))
    return false;
  batch[n] = gp;
  for (std::uint32_t i = 0; i < n; i++) batch[i]->schedlink = batch[i + 1];
  batch[n]->schedlink = nullptr;
  std::lock_guard<Lock> guard(sched->lock);
  globrunq_put_batch(batch[0], batch[n], static_cast<int>(n + 1));
  return true;
}

// Puts gp on the tail of p's ring (spilling to the global queue when full).
// REQUIRES: the caller owns p.
bool runqput_local(P* p, G* gp) {
  for (;;) {
    std::uint32_t head = p->runq_head.load(std::memory_order_acquire);
    std::uint32_t tail = p->runq_tail.load(std::memory_order_relaxed);
    if (tail - head < kRunqSize) {
      p->runq[tail % kRunqSize].store(gp, std::memory_order_relaxed);
      p->runq_tail.store(tail + 1, std::memory_order_release);
      return true;
    }
    if (runqput_slow(p, gp, head, tail)) return false;
  }
}

// Returns false if p's ring was full and half of it went to the global queue.
// REQUIRES: the caller owns p.
bool runqput(P* p, G* gp, bool next) {
  if (next) {
    // Read before gp is published: once it is, another P may steal and start it.
    p->runnext_has_stack.store(!gp->stack.empty(), std::memory_order_relaxed);
    // Only p's owner stores a G into runnext; everyone else only takes one out (CAS to null).
    // So an empty runnext stays empty until this store, and the common case of a hand-off (the
    // P's previous runnext already ran) needs no read-modify-write: a plain store.
    if (!p->runnext.load(std::memory_order_relaxed)) {
      p->runnext.store(gp, std::memory_order_release);
      return true;
    }
    gp = p->runnext.exchange(gp, std::memory_order_acq_rel);
    if (!gp) return true;  // the old runnext, if any, goes to the tail
  }
  return runqput_local(p, gp);
}

// REQUIRES: the caller owns p. *inherit: the G came from runnext and inherits the time slice.
G* runqget(P* p, bool* inherit) {
  G* next = p->runnext.load(std::memory_order_relaxed);
  if (next && p->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) {
    *inherit = true;
    return next;
  }
  *inherit = false;
  for (;;) {
    std::uint32_t head = p->runq_head.load(std::memory_order_acquire);
    std::uint32_t tail = p->runq_tail.load(std::memory_order_relaxed);
    if (tail == head) return nullptr;
    G* gp = p->runq[head % kRunqSize].load(std::memory_order_relaxed);
    if (p->runq_head.compare_exchange_weak(head, head + 1, std::memory_order_release)) return gp;
  }
}

// Grabs half of victim's ring into batch[batch_head...]. Returns how many.
std::uint32_t runqgrab(P* victim, std::atomic<G*>* batch, std::uint32_t batch_head,
                       bool steal_runnext) {
  for (;;) {
    std::uint32_t head = victim->runq_head.load(std::memory_order_acquire);
    std::uint32_t tail = victim->runq_tail.load(std::memory_order_acquire);
    std::uint32_t n = tail - head;
    n = n - n / 2;
    if (n == 0) {
      if (!steal_runnext) return 0;
      G* next = victim->runnext.load(std::memory_order_acquire);
      if (!next) return 0;
      // The victim is probably about to run its runnext (a hand-off just happened); stealing it
      // now would bounce the goroutine between Ps. Give the owner a moment, as Go does, by
      // sleeping: while a partner pair hands off on one P this repeats for as long as the pair
      // runs, and a thread that spins instead (3000 pauses, before 2026-11-28) took the owner's
      // core from it (SMT siblings, or vCPUs sharing a core): ring at P=2 66 -> 48 ns/hop.
      if (pstate_status(victim->state.load(std::memory_order_relaxed)) != PStatus::kIdle) {
        usleep(3);
        if (victim->runnext.load(std::memory_order_acquire) != next) continue;
      }
      if (!victim->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel))
        continue;
      batch[batch_head % kRunqSize].store(next, std::memory_order_relaxed);
      return 1;
    }
    if (n > kRunqSize / 2) continue;  // read an inconsistent head/tail pair
    for (std::uint32_t i = 0; i < n; i++) {
      G* gp = victim->runq[(head + i) % kRunqSize].load(std::memory_order_relaxed);
      batch[(batch_head + i) % kRunqSize].store(gp, std::memory_order_relaxed);
    }
    if (victim->runq_head.compare_exchange_strong(head, head + n, std::memory_order_acq_rel))
      return n;
  }
}

// Steals half of victim's work into p's ring and returns one G. REQUIRES: the caller owns p.
G* runqsteal(P* p, P* victim, bool steal_runnext) {
  std::uint32_t tail = p->runq_tail.load(std::memory_order_relaxed);
  std::uint32_t n = runqgrab(victim, p->runq, tail, steal_runnext);
  if (n == 0) return nullptr;
  n--;
  G* gp = p->runq[(tail + n) % kRunqSize].load(std::memory_order_relaxed);
  if (n > 0) p->runq_tail.store(tail + n, std::memory_order_release);
  return gp;
}

// ---- Ms -----------------------------------------------------------------------------------

void* mstart(void* arg);

M* allocm() {
  M* m = new M;
  std::lock_guard<Lock> guard(sched->lock);
  m->id = sched->mnext++;
  m->rand_state = static_cast<std::uint64_t>(m->id) * 0x9E3779B97F4A7C15ull + 1;
  m->alllink = sched->allm;
  sched->allm = m;
  sched->mcount++;
  return m;
}

void newm(P* p, bool spinning) {
  M* m = allocm();
  m->nextp = p;
  m->spinning = spinning;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 1 << 20);
  if (pthread_create(&m->thread, &attr, mstart, m) != 0) fatal("newm: cannot create thread");
  pthread_attr_destroy(&attr);
}

void checkdead();

// Parks m until start_m hands it a P (Go: stopm). Returns with m->p owned, or with no P if the
// runtime is shutting down.
void stopm(M* m) {
  {
    std::lock_guard<Lock> guard(sched->lock);
    mput(m);
    checkdead();
  }
  // Only start_m (which took m off the idle list) or shutdown (likewise) wakes an idle M.
  m->park.sleep();
  m->park.clear();
  if (m->nextp) {
    P* p = m->nextp;
    m->nextp = nullptr;
    acquirep(m, p);
  }
}

// ---- Gs -----------------------------------------------------------------------------------

[[noreturn]] void goroutine_main(void* arg);

void add_to_allg(G* gp) {
  std::lock_guard<Lock> guard(allg_lock);
  gp->alllink = allg;
  allg = gp;
}

void stackcache_put(P* p, const Stack& stack);
void gfput_global(G* gp);

// Frees a dead G; its stack goes to p's stack cache (or back to the stack cache if its size is
// not the default): free Gs never hold stacks.
void gfput(P* p, G* gp) {
  if (!gp->stack.empty()) {
    if (gp->stack.size() == default_stack_size())
      stackcache_put(p, gp->stack);
    else
      stack_free(&gp->stack, 1);
    gp->stack = Stack{};
  }
  if (!p) {
    gfput_global(gp);
    return;
  }
  gp->schedlink = p->gfree;
  p->gfree = gp;
  if (++p->gfree_count >= kGfreeLocalMax) {
    while (p->gfree_count > kGfreeLocalMax / 2) {
      G* g = p->gfree;
      p->gfree = g->schedlink;
      p->gfree_count--;
      gfput_global(g);
    }
  }
}

void gfput_global(G* gp) {
  std::lock_guard<Lock> guard(sched->gfree_lock);
  gp->schedlink = sched->gfree;
  sched->gfree = gp;
}

G* gfget(P* p) {
  if (p && !p->gfree) {
    std::lock_guard<Lock> guard(sched->gfree_lock);
    while (p->gfree_count < kGfreeLocalMax / 2 && sched->gfree) {
      G* gp = sched->gfree;
      sched->gfree = gp->schedlink;
      gp->schedlink = p->gfree;
      p->gfree = gp;
      p->gfree_count++;
    }
  }
  G* gp = nullptr;
  if (p && p->gfree) {
    gp = p->gfree;
    p->gfree = gp->schedlink;
    p->gfree_count--;
  } else if (!p) {
    std::lock_guard<Lock> guard(sched->gfree_lock);
    if ((gp = sched->gfree)) sched->gfree = gp->schedlink;
  }
  return gp;
}

// Keeps a default-size stack on p (null: the global cache) for a goroutine's first run.
void stackcache_put(P* p, const Stack& stack) {
  if (!p) {
    stack_free(&stack, 1);
    return;
  }
  if (p->stackcache_count == kStackCacheSize) {
    // Full: the older half goes to the global cache, the recently used (hot) half stays.
    constexpr int kHalf = kStackCacheSize / 2;
    stack_free(p->stackcache, kHalf);
    std::copy(p->stackcache + kHalf, p->stackcache + kStackCacheSize, p->stackcache);
    p->stackcache_count = kHalf;
  }
  p->stackcache[p->stackcache_count++] = stack;
}

// A default-size stack for a goroutine on p (null: none), the most recently freed one.
Stack stackcache_get(P* p) {
  if (!p) return stack_alloc(default_stack_size());
  if (p->stackcache_count == 0) {
    p->stackcache_count = static_cast<int>(
        stack_take_cached(default_stack_size(), p->stackcache, kStackCacheSize / 2));
    if (p->stackcache_count == 0) return stack_alloc(default_stack_size());
    std::reverse(p->stackcache, p->stackcache + p->stackcache_count);  // the hottest on top
  }
  return p->stackcache[--p->stackcache_count];
}

// Gives p's cached stacks back to the global cache (p is retired or the run ends).
void stackcache_flush(P* p) {
  stack_free(p->stackcache, static_cast<std::size_t>(p->stackcache_count));
  p->stackcache_count = 0;
}

// A lazily spawned goroutine's first run: now it gets a stack.
void start_on_stack(P* p, G* gp) {
  gp->stack = stackcache_get(p);
  arch::sanitizer_fiber_init(gp->sanitizer, gp->stack.lo, gp->stack.size());
  gp->context.prepare(gp->stack.hi, &goroutine_main, gp);
}

std::int64_t new_goid(P* p) {
  if (!p) return sched->goid_gen.fetch_add(1) + 1;
  if (p->goid_next == p->goid_end) {
    p->goid_next = sched->goid_gen.fetch_add(kGoidBatch) + 1;
    p->goid_end = p->goid_next + kGoidBatch;
  }
  return p->goid_next++;
}

void count_goroutine(P* p, std::int64_t delta) {
  std::atomic<std::int64_t>& counter = p ? p->goroutine_delta : sched->goroutine_delta;
  if (p)  // only the owner writes a P's counter: no read-modify-write needed
    counter.store(counter.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  else
    counter.fetch_add(delta, std::memory_order_relaxed);
}

// ---- the switch between a goroutine and its M's scheduler stack ---------------------------

// Makes gp m's current goroutine, running on p (execute and the direct hand-off).
void set_running(M* m, P* p, G* gp) {
  m->curg = gp;
  goro_tls_g = gp;
  gp->status.store(GStatus::kRunning, std::memory_order_relaxed);
  gp->preempt.store(false, std::memory_order_relaxed);
  p->running_g.store(gp, std::memory_order_release);
}

// Runs gp on m (REQUIRES: m owns a P). Returns on g0 the goroutine that switched back: gp, or
// the last of a chain of direct hand-offs that began with gp (see park in proc.hpp).
G* execute(M* m, G* gp, bool inherit_time) {
  P* p = m->p;
  if (!inherit_time) p->schedtick.fetch_add(1, std::memory_order_relaxed);
  set_running(m, p, gp);
  if (gp->stack.empty()) start_on_stack(p, gp);
  leave_p(m);
  arch::sanitizer_before_switch(m->g0_fiber, gp->sanitizer, false);
  goro_switch(&m->g0.sp, gp->context.sp);
  arch::sanitizer_after_switch(m->g0_fiber);
  G* back = m->curg;
  goro_tls_g = nullptr;
  m->curg = nullptr;
  return back;
}

// After a G switched to g0 (goroutine code ran): keep the P, or learn that sysmon or a
// stop-the-world took it.
void reclaim_p(M* m) {
  if (m->p) enter_p(m);
}

void gcstopm(M* m);
G* find_runnable(M* m, bool* inherit);
void reset_spinning(M* m);
void start_locked_m(M* m, G* gp);
void stop_locked_m(M* m);
void goexit_on_g0(M* m, G* gp);

// What g0 does with the goroutine that just switched to it. Returns a G to run at once.
G* after_switch(M* m, G* gp) {
  M::Action action = m->action;
  m->action = M::Action::kNone;
  reclaim_p(m);
  switch (action) {
    case M::Action::kPark: {
      gp->status.store(GStatus::kWaiting, std::memory_order_release);
      ParkCommit commit = m->commit;
      void* arg = m->commit_arg;
      m->commit = nullptr;
      if (commit && !commit(gp, arg)) {
        gp->status.store(GStatus::kRunnable, std::memory_order_relaxed);
        if (m->p) return gp;
        {
          std::lock_guard<Lock> guard(sched->lock);
          globrunq_put(gp);
        }
        wakep();
      }
      return nullptr;
    }
    case M::Action::kYield:
    case M::Action::kPreempted:
    case M::Action::kLostP: {
      gp->status.store(GStatus::kRunnable, std::memory_order_relaxed);
      {
        std::lock_guard<Lock> guard(sched->lock);
        globrunq_put(gp);
      }
      // Without a P this M is about to sleep: someone else must pick the goroutine up.
      if (!m->p) wakep();
      return nullptr;
    }
    case M::Action::kExit:
      goexit_on_g0(m, gp);
      return nullptr;
    case M::Action::kNone:
      break;
  }
  fatal("after_switch: no action");
}

void schedule_loop(M* m) {
  G* next = nullptr;
  bool inherit = false;
  for (;;) {
    if (!next) {
      if (sched->shutdown.load(std::memory_order_acquire)) return;
      // A locked M waits for its goroutine, with or without a P (it loses it in a blocking
      // call or to sysmon): as an idle M it could be handed someone else's P and then miss
      // start_locked_m's wake-up, and the goroutine would never run again.
      if (m->lockedg) {
        stop_locked_m(m);
        if (sched->shutdown.load(std::memory_order_acquire)) return;
        next = m->lockedg;
        inherit = false;
      } else if (!m->p) {
        stopm(m);
        continue;
      } else {
        next = find_runnable(m, &inherit);
        if (!next) continue;  // shutdown or lost P; re-check at the top
        if (m->spinning) reset_spinning(m);
        if (next->lockedm && next->lockedm != m) {
          start_locked_m(m, next);
          next = nullptr;
          continue;
        }
      }
    }
    G* gp = execute(m, next, inherit);
    next = after_switch(m, gp);
    inherit = true;
  }
}

void* mstart(void* arg) {
  M* m = static_cast<M*>(arg);
  set_m(m);
  arch::sanitizer_thread_fiber_init(m->g0_fiber);
  signals_thread_init(m);
  if (m->nextp) {
    P* p = m->nextp;
    m->nextp = nullptr;
    acquirep(m, p);
  }
  schedule_loop(m);
  {
    std::lock_guard<Lock> guard(sched->lock);
    m->exited = true;
  }
  set_m(nullptr);
  return nullptr;
}

// ---- finding work -------------------------------------------------------------------------

// Steals from other Ps (Go: stealWork): four rounds over the Ps in random order; the last round
// also runs their due timers and may take their runnext. *new_work: a stop-the-world started,
// re-check from the top. *poll_until: lowered to the earliest timer seen on another P.
G* steal_work(M* m, bool* new_work, std::int64_t* poll_until) {
  P* p = m->p;
  int procs = sched->gomaxprocs.load(std::memory_order_relaxed);
  for (int round = 0; round < 4; round++) {
    bool last_round = round == 3;
    std::uint32_t start = fastrandn(static_cast<std::uint32_t>(procs));
    for (int i = 0; i < procs; i++) {
      if (sched->gcwaiting.load(std::memory_order_relaxed)) {
        *new_work = true;
        return nullptr;
      }
      P* victim = allp_at((start + static_cast<std::uint32_t>(i)) % procs);
      if (victim == p) continue;
      if (last_round) {
        std::int64_t next = check_timers(victim, 0);
        if (next != 0 && (*poll_until == 0 || next < *poll_until)) *poll_until = next;
        bool inherit;
        if (G* gp = runqget(p, &inherit)) return gp;  // a timer readied something onto our P
      }
      if (pstate_status(victim->state.load(std::memory_order_relaxed)) == PStatus::kIdle) continue;
      if (G* gp = runqsteal(p, victim, last_round)) return gp;
    }
  }
  return nullptr;
}

bool any_runq_nonempty() {
  int procs = sched->gomaxprocs.load(std::memory_order_relaxed);
  for (int i = 0; i < procs; i++)
    if (!runq_empty(allp_at(i))) return true;
  return false;
}

// Finds a runnable goroutine, blocking if there is none (Go: findRunnable). Returns nullptr
// if m lost or gave up its P or the runtime is shutting down; the caller re-checks.
G* find_runnable(M* m, bool* inherit) {
  *inherit = false;
  for (;;) {
    if (sched->shutdown.load(std::memory_order_acquire)) return nullptr;
    if (sched->gcwaiting.load(std::memory_order_acquire)) {
      gcstopm(m);
      return nullptr;
    }
    P* p = m->p;
    std::int64_t poll_until = check_timers(p, 0);

    // Fairness: every 61st schedule looks at the global queue first.
    if (p->schedtick.load(std::memory_order_relaxed) % 61 == 0 &&
        sched->runq_size.load(std::memory_order_relaxed) > 0) {
      std::lock_guard<Lock> guard(sched->lock);
      if (G* gp = globrunq_get(p, 1)) return gp;
    }
    if (G* gp = runqget(p, inherit)) return gp;
    if (sched->runq_size.load(std::memory_order_relaxed) > 0) {
      std::lock_guard<Lock> guard(sched->lock);
      if (G* gp = globrunq_get(p, 0)) return gp;
    }
    // Poll the network without blocking, if anyone waits on it and no M is blocked in it.
    if (netpoll_inited() && netpoll_any_waiters() &&
        sched->lastpoll.load(std::memory_order_relaxed) != 0) {
      int count = 0;
      if (G* list = netpoll(0, &count)) {
        G* gp = list;
        inject_list(list->schedlink, count - 1);
        gp->status.store(GStatus::kRunnable, std::memory_order_relaxed);
        return gp;
      }
    }
    // Steal, if spinning is worthwhile: no more spinners than half the busy Ps.
    int procs = sched->gomaxprocs.load(std::memory_order_relaxed);
    if (m->spinning || 2 * sched->nmspinning.load(std::memory_order_relaxed) <
                           procs - sched->npidle.load(std::memory_order_relaxed)) {
      if (!m->spinning) {
        m->spinning = true;
        sched->nmspinning.fetch_add(1, std::memory_order_seq_cst);
      }
      bool new_work = false;
      std::int64_t other_timers = 0;
      if (G* gp = steal_work(m, &new_work, &other_timers)) return gp;
      if (new_work) continue;
      if (other_timers != 0 && (poll_until == 0 || other_timers < poll_until))
        poll_until = other_timers;
    }

    // Nothing to do: give up the P.
    bool was_spinning = m->spinning;
    {
      std::lock_guard<Lock> guard(sched->lock);
      if (sched->gcwaiting.load(std::memory_order_relaxed) ||
          sched->shutdown.load(std::memory_order_relaxed))
        continue;
      if (sched->runq_size.load(std::memory_order_relaxed) > 0) {
        if (G* gp = globrunq_get(p, 0)) return gp;
      }
      releasep(m);
      pidleput(p);
    }
    if (was_spinning) {
      m->spinning = false;
      sched->nmspinning.fetch_sub(1, std::memory_order_seq_cst);
      // The other half of the spinning protocol: re-check everyone's queues after the
      // decrement, or work published just before it would sleep unseen.
      if (any_runq_nonempty() || sched->runq_size.load(std::memory_order_seq_cst) > 0) {
        P* idle;
        {
          std::lock_guard<Lock> guard(sched->lock);
          idle = pidleget();
        }
        if (idle) {
          acquirep(m, idle);
          m->spinning = true;
          sched->nmspinning.fetch_add(1, std::memory_order_seq_cst);
          continue;
        }
      }
    }
    std::int64_t earliest = earliest_timer();
    if (earliest != 0 && (poll_until == 0 || earliest < poll_until)) poll_until = earliest;

    // Block in the netpoller until I/O, the next timer, or a wake-up; only one M does so.
    if (netpoll_inited() && (netpoll_any_waiters() || poll_until != 0) &&
        sched->lastpoll.exchange(0, std::memory_order_acq_rel) != 0) {
      sched->poll_until.store(poll_until, std::memory_order_relaxed);
      std::int64_t delay = -1;
      if (poll_until != 0) {
        delay = poll_until - nanotime();
        if (delay < 0) delay = 0;
      }
      int count = 0;
      G* list = netpoll(delay, &count);
      std::int64_t polled = nanotime();
      sched->poll_until.store(0, std::memory_order_relaxed);
      sched->lastpoll.store(polled, std::memory_order_release);
      P* idle;
      {
        std::lock_guard<Lock> guard(sched->lock);
        idle = pidleget();
      }
      if (!idle) {
        if (list) inject_list(list, count);
      } else {
        acquirep(m, idle);
        if (list) {
          G* gp = list;
          if (count > 1) inject_list(list->schedlink, count - 1);
          gp->status.store(GStatus::kRunnable, std::memory_order_relaxed);
          return gp;
        }
        continue;
      }
    } else if (poll_until != 0 && netpoll_inited()) {
      std::int64_t blocked_until = sched->poll_until.load(std::memory_order_relaxed);
      if (blocked_until == 0 || poll_until < blocked_until) netpoll_break();
    }
    stopm(m);
    if (!m->p) return nullptr;
  }
}

void reset_spinning(M* m) {
  m->spinning = false;
  int n = sched->nmspinning.fetch_sub(1, std::memory_order_seq_cst) - 1;
  if (n < 0) fatal("reset_spinning: negative nmspinning");
  // The last spinner found work: wake another so the rest of a burst spreads out.
  wakep();
}

// ---- stop-the-world (only gomaxprocs needs it) --------------------------------------------

void gcstopm(M* m) {
  if (m->spinning) {
    m->spinning = false;
    sched->nmspinning.fetch_sub(1, std::memory_order_seq_cst);
  }
  {
    std::lock_guard<Lock> guard(sched->lock);
    set_own_pstate(m, PStatus::kStopped);
    m->p = nullptr;
    if (--sched->stopwait == 0) sched->stopnote.wakeup();
  }
  stopm(m);
}

// Takes a P running goroutine code away from its M for a stop. REQUIRES: sched->lock.
void try_stop_p(P* p) {
  std::uint64_t s = p->state.load(std::memory_order_acquire);
  if (pstate_status(s) == PStatus::kRunning && revoke_p(p, s, PStatus::kStopped)) sched->stopwait--;
}

// REQUIRES: the calling M owns its P (Running).
void stop_the_world(M* m) {
  {
    std::lock_guard<Lock> guard(sched->lock);
    sched->stopnote.clear();
    int procs = sched->gomaxprocs.load(std::memory_order_relaxed);
    sched->stopwait = procs;
    sched->gcwaiting.store(true, std::memory_order_seq_cst);
    set_own_pstate(m, PStatus::kStopped);
    sched->stopwait--;
    while (P* p = pidleget()) {
      p->state.store(pack_pstate(pstate_epoch(p->state.load()), PStatus::kStopped),
                     std::memory_order_release);
      sched->stopwait--;
    }
    for (int i = 0; i < procs; i++) try_stop_p(allp_at(i));
  }
  // Ps held by Ms in runtime code stop themselves at their next scheduling point (gcstopm);
  // Ps running goroutine code are taken (revoke_p).
  netpoll_break();
  for (;;) {
    {
      std::lock_guard<Lock> guard(sched->lock);
      if (sched->stopwait == 0) break;
      int procs = sched->gomaxprocs.load(std::memory_order_relaxed);
      for (int i = 0; i < procs; i++) try_stop_p(allp_at(i));
      if (sched->stopwait == 0) break;
    }
    sched->stopnote.sleep_for(50'000);
  }
}

P* new_p(int id) {
  P* p = new P;
  p->id = id;
  return p;
}

// Changes the number of Ps (Go: procresize). Returns the list of Ps that have work, linked
// through P::link. REQUIRES: the world is stopped and sched->lock held; m's P is stopped.
P* procresize(M* m, int nprocs) {
  int old = sched->gomaxprocs.load(std::memory_order_relaxed);
  for (int i = 0; i < nprocs; i++) {
    if (!allp_at(i)) sched->allp[i].store(new_p(i), std::memory_order_release);
  }
  // Retire Ps beyond the new count: their work and timers move to P 0.
  for (int i = nprocs; i < old; i++) {
    P* p = allp_at(i);
    bool inherit;
    while (G* gp = runqget(p, &inherit)) globrunq_put(gp);
    move_timers(p, allp_at(0));
    while (p->gfree) {
      G* gp = p->gfree;
      p->gfree = gp->schedlink;
      gfput_global(gp);
    }
    p->gfree_count = 0;
    stackcache_flush(p);
    sched->goroutine_delta.fetch_add(p->goroutine_delta.exchange(0));
    p->state.store(pack_pstate(pstate_epoch(p->state.load()), PStatus::kDead));
  }
  sched->gomaxprocs.store(nprocs, std::memory_order_seq_cst);

  P* mine = m->p ? m->p : nullptr;
  if (mine && mine->id >= nprocs) mine = nullptr;
  if (m->p && !mine) m->p = nullptr;
  // Every surviving P is Stopped now: make them Idle, keep one for the caller.
  sched->pidle = nullptr;
  sched->npidle.store(0);
  P* runnable = nullptr;
  for (int i = nprocs - 1; i >= 0; i--) {
    P* p = allp_at(i);
    std::uint64_t epoch = pstate_epoch(p->state.load());
    p->state.store(pack_pstate(epoch, PStatus::kIdle), std::memory_order_release);
  }
  if (!mine) mine = allp_at(0);
  m->p = nullptr;
  acquirep(m, mine);
  for (int i = nprocs - 1; i >= 0; i--) {
    P* p = allp_at(i);
    if (p == mine) continue;
    if (runq_empty(p)) {
      pidleput(p);
    } else {
      p->link = runnable;
      runnable = p;
    }
  }
  return runnable;
}

void start_the_world(P* runnable) {
  sched->gcwaiting.store(false, std::memory_order_seq_cst);
  while (runnable) {
    P* p = runnable;
    runnable = p->link;
    start_m(p, false);
  }
  wakep();
}

// ---- lock_os_thread ------------------------------------------------------------------------

// The M of a locked goroutine sleeps until its goroutine is runnable and someone hands it a P.
// It counts as idle for deadlock detection until its waker (start_locked_m, or shutdown) counts
// it as running again, before the waker itself goes idle: counting it back here, after the
// wake-up, would leave a moment where no M looks running and checkdead reports a false deadlock.
void stop_locked_m(M* m) {
  if (m->p) handoffp(releasep(m));
  {
    std::lock_guard<Lock> guard(sched->lock);
    sched->nmidlelocked++;
  }
  m->park.sleep();
  m->park.clear();
  if (m->nextp) {
    P* p = m->nextp;
    m->nextp = nullptr;
    acquirep(m, p);
  }
}

// gp is locked to another M: give it our P and go idle.
void start_locked_m(M* m, G* gp) {
  M* locked = gp->lockedm;
  {
    std::lock_guard<Lock> guard(sched->lock);
    sched->nmidlelocked--;
  }
  P* p = releasep(m);
  locked->nextp = p;
  locked->park.wakeup();
  stopm(m);
}

// ---- goroutine exit -----------------------------------------------------------------------

void goexit_on_g0(M* m, G* gp) {
  gp->status.store(GStatus::kDead, std::memory_order_release);
  bool is_main = gp->id == 1;
  count_goroutine(m->p, -1);
  if (gp->lockedm) {
    gp->lockedm = nullptr;
    gp->lock_count = 0;
    m->lockedg = nullptr;
  }
  gp->entry = nullptr;
  gp->closure = nullptr;
  gp->name = nullptr;
  gfput(m->p, gp);
  if (is_main) {
    sched->shutdown.store(true, std::memory_order_seq_cst);
    sched->main_done.wakeup();
  }
}

void goroutine_main(void* arg) {
  G* gp = static_cast<G*>(arg);
  resumed(gp);
  try {
    gp->entry(gp->closure);
  } catch (const std::exception& e) {
    fatal_panic(e.what());
  } catch (...) {
    fatal_panic("unknown C++ exception");
  }
  destroy_goroutine_locals(gp);
  switch_to_g0(gp, getm(), M::Action::kExit);
  __builtin_unreachable();
}

// ---- recycling between runs ---------------------------------------------------------------

// Gs kept from the previous goro::run for the next one.
G* spare_gs = nullptr;

// After a run: every G becomes free. Goroutines still blocked are abandoned like a Go program's
// at exit: their closures are never destroyed, but their Gs and stacks are reused.
void recycle_all_gs() {
  std::lock_guard<Lock> guard(allg_lock);
  for (G* gp = allg; gp; gp = gp->alllink) {
    gp->status.store(GStatus::kDead);
    gp->lockedm = nullptr;
    gp->lock_count = 0;
    gp->locals = nullptr;
    if (!gp->stack.empty()) stack_free(&gp->stack, 1);
    gp->stack = Stack{};
    gp->schedlink = spare_gs;
    spare_gs = gp;
  }
}

// ---- deadlock detection -------------------------------------------------------------------

// Called when an M goes idle. If no M is running and nothing can wake a goroutine, every
// goroutine is blocked forever (Go: checkdead). REQUIRES: sched->lock.
void checkdead() {
  if (sched->main_started.load(std::memory_order_relaxed) == false ||
      sched->shutdown.load(std::memory_order_relaxed))
    return;
  int running = sched->mcount - sched->nmidle - sched->nmidlelocked;
  if (running > 0) return;
  if (sched->runq_size.load(std::memory_order_relaxed) > 0) return;
  if (earliest_timer() != 0) return;
  if (netpoll_inited() && netpoll_any_waiters()) return;
  fatal("all goroutines are asleep - deadlock!");
}

}  // namespace

// ---- exported within the runtime ----------------------------------------------------------

#if !defined(__x86_64__)
// arch/tls.hpp's portable readers: the empty asm makes the compiler treat each call as reading
// unknown memory, so a TLS address computed before a switch is never reused after it.
__attribute__((noinline)) M* arch::tls_m() {
  asm volatile("" ::: "memory");
  return goro_tls_m;
}

__attribute__((noinline)) G* arch::tls_g() {
  asm volatile("" ::: "memory");
  return goro_tls_g;
}
#endif

__attribute__((noinline)) int errno_value() {
  asm volatile("" ::: "memory");
  return errno;
}

std::int64_t nanotime() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool started() {
  return sched != nullptr && sched->main_started.load();
}

std::uint32_t fastrand() {
  M* m = getm();
  static std::atomic<std::uint64_t> shared_state{0x853c49e6748fea9bull};
  std::uint64_t x;
  if (m) {
    x = m->rand_state;
  } else {
    x = shared_state.fetch_add(0x9E3779B97F4A7C15ull, std::memory_order_relaxed);
  }
  // xorshift64*
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  if (m) m->rand_state = x;
  return static_cast<std::uint32_t>((x * 0x2545F4914F6CDD1Dull) >> 32);
}

void spin_pause(int cycles) {
  for (int i = 0; i < cycles; i++) cpu_relax();
}

bool can_spin(int iteration) {
  // Spinning only helps if the lock holder is running on another P and we have no other work.
  static const bool multicore = std::thread::hardware_concurrency() > 1;
  if (iteration >= 4 || !multicore) return false;
  int procs = sched->gomaxprocs.load(std::memory_order_relaxed);
  if (procs <= sched->npidle.load(std::memory_order_relaxed) +
                   sched->nmspinning.load(std::memory_order_relaxed) + 1)
    return false;
  M* m = getm();
  return m && m->p && runq_empty(m->p);
}

bool runq_empty(P* p) {
  // A consistent snapshot: runnext could move into the ring between the loads.
  for (;;) {
    std::uint32_t head = p->runq_head.load(std::memory_order_acquire);
    std::uint32_t tail = p->runq_tail.load(std::memory_order_acquire);
    G* next = p->runnext.load(std::memory_order_acquire);
    if (p->runq_tail.load(std::memory_order_acquire) == tail) return head == tail && !next;
  }
}

std::uint32_t gomaxprocs_now() {
  return static_cast<std::uint32_t>(sched->gomaxprocs.load(std::memory_order_relaxed));
}

void globrunq_put_batch(G* head, G* tail, int n) {
  tail->schedlink = nullptr;
  if (sched->runq_tail)
    sched->runq_tail->schedlink = head;
  else
    sched->runq_head = head;
  sched->runq_tail = tail;
  sched->runq_size.fetch_add(n, std::memory_order_relaxed);
}

// Gives p to an M: an idle one, or a new thread (Go: startm). spinning: the caller already
// incremented nmspinning for it. p == nullptr takes an idle P (or gives up).
void start_m(P* p, bool spinning) {
  M* m;
  {
    std::lock_guard<Lock> guard(sched->lock);
    if (!p) {
      p = pidleget();
      if (!p) {
        if (spinning) sched->nmspinning.fetch_sub(1, std::memory_order_seq_cst);
        return;
      }
    }
    m = mget();
  }
  if (!m) {
    newm(p, spinning);
    return;
  }
  m->spinning = spinning;
  m->nextp = p;
  m->park.wakeup();
}

void wakep() {
  if (sched->npidle.load(std::memory_order_seq_cst) == 0) return;
  int expected = 0;
  if (sched->nmspinning.load(std::memory_order_seq_cst) != 0 ||
      !sched->nmspinning.compare_exchange_strong(expected, 1, std::memory_order_seq_cst))
    return;
  start_m(nullptr, true);
}

// p has no M (retaken from a blocked one): give it to an M if there is anything to do,
// otherwise park it (Go: handoffp).
void handoffp(P* p) {
  if (!runq_empty(p) || sched->runq_size.load(std::memory_order_relaxed) > 0) {
    start_m(p, false);
    return;
  }
  int expected = 0;
  if (sched->nmspinning.load() + sched->npidle.load() == 0 &&
      sched->nmspinning.compare_exchange_strong(expected, 1)) {
    start_m(p, true);
    return;
  }
  {
    std::lock_guard<Lock> guard(sched->lock);
    if (sched->gcwaiting.load()) {
      p->state.store(pack_pstate(pstate_epoch(p->state.load()), PStatus::kStopped));
      if (--sched->stopwait == 0) sched->stopnote.wakeup();
      return;
    }
    if (sched->runq_size.load() > 0 ||
        // Someone must keep an eye on the network and timers: this is the last running P.
        (sched->npidle.load() == sched->gomaxprocs.load() - 1 && sched->lastpoll.load() != 0)) {
      // fall through to start an M outside the lock
    } else {
      if (p->timer0_when.load() != 0) netpoll_break();
      pidleput(p);
      return;
    }
  }
  start_m(p, false);
}

void inject_list(G* list, int count) {
  if (!list) return;
  for (G* gp = list; gp; gp = gp->schedlink)
    gp->status.store(GStatus::kRunnable, std::memory_order_relaxed);
  G* tail = list;
  while (tail->schedlink) tail = tail->schedlink;
  {
    std::lock_guard<Lock> guard(sched->lock);
    globrunq_put_batch(list, tail, count);
  }
  // Wake as many idle Ps as there is work, at most.
  int idle = sched->npidle.load(std::memory_order_seq_cst);
  for (int i = 0; i < count && i < idle; i++) start_m(nullptr, false);
}

void revoke_init() {
  static const bool registered =
      syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  asymmetric_barrier.store(registered, std::memory_order_relaxed);
}

bool revoke_p(P* p, std::uint64_t state, PStatus to) {
  if (pstate_status(state) != PStatus::kRunning) return false;
  // state was loaded (acquire) before this read, and the CAS below succeeds only if the epoch is
  // still state's: then owner is that epoch's M.
  M* owner = p->m.load(std::memory_order_relaxed);
  if (!owner || owner->user_code.load(std::memory_order_relaxed) == 0) return false;
  std::uint64_t expected = state;
  const std::uint64_t epoch = pstate_epoch(state);
  if (!p->state.compare_exchange_strong(expected, pack_pstate(epoch, PStatus::kRevoking),
                                        std::memory_order_acq_rel))
    return false;
  // Either the owner's next load of the state sees Revoking, or this load sees the user_code
  // the owner stored before it (enter_p): never neither. The CAS above fences this side.
  if (asymmetric_barrier.load(std::memory_order_relaxed))
    syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
  bool take = owner->user_code.load(std::memory_order_acquire) != 0;
  p->state.store(pack_pstate(epoch, take ? to : PStatus::kRunning), std::memory_order_release);
  return take;
}

void ready(G* gp) {
  if (gp->status.load(std::memory_order_acquire) != GStatus::kWaiting)
    fatal("ready: goroutine is not waiting");
  gp->status.store(GStatus::kRunnable, std::memory_order_release);
  M* m = getm();
  P* p = enter_runtime(m);
  if (p) {
    runqput(p, gp, true);
    exit_runtime(m, p);
  } else {
    std::lock_guard<Lock> guard(sched->lock);
    globrunq_put(gp);
  }
  wakep();
}

void yield_preempted(G* gp) {
  switch_to_g0(gp, getm(), M::Action::kPreempted);
}

// park's direct hand-off (proc.hpp): what g0 would do for gp's park and then for the goroutine
// it would pick, done on gp's stack. It is refused whenever g0 might pick something else or
// must act first: no P, a locked thread or goroutine, a stop-the-world or shutdown, any timer on
// this P (g0 reads the clock and runs due ones), the global queue's turn (every 61st tick), a
// goroutine without a stack yet (execute gives it one), or runnext stolen meanwhile. Nothing of
// `next` is read before the CAS makes it ours: until then another P may be starting it. gp stays
// Running until finish_handoff marks it Waiting and runs its commit, after the switch: nobody can
// ready it before its commit has published it.
bool handoff_target(M* m, G* gp, G* next) {
  P* p = m->p;
  if (m->lockedg != nullptr) return false;
  if (sched->gcwaiting.load(std::memory_order_acquire) ||
      sched->shutdown.load(std::memory_order_acquire))
    return false;
  if (p->timer0_when.load(std::memory_order_acquire) != 0) return false;
  if (p->schedtick.load(std::memory_order_relaxed) % 61 == 0 &&
      sched->runq_size.load(std::memory_order_relaxed) > 0)
    return false;
  // From here on m owns p for sure (it was never taken: the epoch is unchanged), so the
  // runnext_has_stack read by park was this M's own: it describes `next`, if still there.
  if (!enter_p(m)) return false;  // the P was taken; g0 finds that out too
  if (!p->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) return false;
  if (next->lockedm != nullptr) {                       // next is ours now: its fields may be read
    p->runnext.store(next, std::memory_order_release);  // only the owner stores runnext
    return false;
  }
  // execute(next) with the time slice inherited, as from runnext.
  m->handoff_from = gp;
  set_running(m, p, next);
  return true;
}

// after_switch's park, for a hand-off: runs on the new goroutine's stack, still runtime code.
void finish_handoff(M* m) {
  G* gp = m->handoff_from;
  m->handoff_from = nullptr;
  ParkCommit commit = m->commit;
  void* arg = m->commit_arg;
  m->commit = nullptr;
  gp->status.store(GStatus::kWaiting, std::memory_order_release);
  if (!commit(gp, arg)) fatal("finish_handoff: an unlock-only park commit refused to park");
  leave_p(m);
}

void stack_canary_fatal(G* gp) {
  std::fprintf(stderr, "goroutine %lld: stack overflow (stack canary overwritten)\n",
               static_cast<long long>(gp->id));
  fatal("stack overflow");
}

}  // namespace goro::rt

// ---- the public API (goro/runtime.hpp) ------------------------------------------------------

namespace goro {
namespace detail {

using namespace goro::rt;

__attribute__((noinline)) SpawnSlot spawn_begin(const GoOptions* options, std::size_t size,
                                                std::size_t align) {
  if (!sched) fatal("go: called outside goro::run");
  void* creator_pc = __builtin_return_address(0);
  M* m = getm();
  P* p = enter_runtime(m);
  G* gp = gfget(p);
  if (!gp) {
    gp = new G;
    add_to_allg(gp);
  }
  void* closure;
  if (size <= sizeof gp->closure_buf && align <= alignof(G) && !(options && options->stack_size)) {
    closure = gp->closure_buf;  // lazy stacks (see above): the stack waits for the first run
  } else {
    std::size_t stack_size =
        options && options->stack_size ? options->stack_size : default_stack_size();
    gp->stack = stack_size == default_stack_size() ? stackcache_get(p) : stack_alloc(stack_size);
    arch::sanitizer_fiber_init(gp->sanitizer, gp->stack.lo, gp->stack.size());
    if (align < 16) align = 16;
    auto top = reinterpret_cast<std::uintptr_t>(gp->stack.hi);
    closure = reinterpret_cast<void*>((top - size) & ~(static_cast<std::uintptr_t>(align) - 1));
    gp->context.prepare(closure, &goroutine_main, gp);
  }
  gp->id = new_goid(p);
  gp->created_by_pc = creator_pc;
  G* parent = m ? m->curg : nullptr;
  gp->parent_id = parent ? parent->id : 0;
  gp->name = options ? options->name : nullptr;
  gp->wait_reason = WaitReason::kZero;
  gp->param = nullptr;
  gp->select_done.store(0, std::memory_order_relaxed);
  gp->preempt.store(false, std::memory_order_relaxed);
  exit_runtime(m, p);
  return SpawnSlot{gp, closure};
}

void spawn_commit(SpawnSlot slot, ClosureFn invoke) {
  G* gp = static_cast<G*>(slot.g);
  gp->entry = invoke;
  gp->closure = slot.closure;
  gp->status.store(GStatus::kRunnable, std::memory_order_release);
  M* m = getm();
  P* p = enter_runtime(m);
  count_goroutine(p, 1);
  bool spilled = false;
  if (p) {
    spilled = !runqput(p, gp, true);
    exit_runtime(m, p);
  } else {
    std::lock_guard<Lock> guard(sched->lock);
    globrunq_put(gp);
  }
  if (sched->main_started.load(std::memory_order_relaxed)) wakep();
  if (spilled && m->curg) {  // see "A goroutine whose go() overflows" above
    switch_to_g0(m->curg, m, M::Action::kYield);
    return;
  }
  preempt_point();
}

void spawn_abort(SpawnSlot slot) {
  G* gp = static_cast<G*>(slot.g);
  gp->status.store(GStatus::kDead, std::memory_order_relaxed);
  M* m = getm();
  P* p = enter_runtime(m);
  gfput(p, gp);
  exit_runtime(m, p);
}

void blocking_enter() {
  M* m = getm();
  if (!m || !m->curg || !m->p) return;
  m->curg->status.store(GStatus::kBlocking, std::memory_order_relaxed);
  m->p->blocking_since.store(nanotime(), std::memory_order_relaxed);
  m->p->blocking_epoch.store(m->p_epoch, std::memory_order_release);
}

void blocking_exit() {
  M* m = getm();
  if (!m || !m->curg) return;
  G* gp = m->curg;
  gp->status.store(GStatus::kRunning, std::memory_order_relaxed);
  if (m->p) {
    // Only our own mark: the P may belong to another M by now.
    std::uint64_t mine = m->p_epoch;
    m->p->blocking_epoch.compare_exchange_strong(mine, 0, std::memory_order_acq_rel);
  }
  // Like exitsyscall: only GOMAXPROCS goroutines may run goroutine code at once, so if sysmon
  // gave our P away, get another or wait in the global queue for one.
  P* p = enter_runtime(m);
  if (p) {
    exit_runtime(m, p);
    return;
  }
  {
    std::lock_guard<Lock> guard(sched->lock);
    if (P* idle = pidleget()) {
      acquirep(m, idle);
      exit_runtime(m, idle);
      return;
    }
  }
  switch_to_g0(gp, m, M::Action::kLostP);
}

int run_main(ClosureFn invoke, void* closure) {
  if (sched) fatal("goro::run: the runtime is already running");
  traceback_init();
  sched = new Sched;
  sched->start_ns = nanotime();
  int procs = static_cast<int>(std::thread::hardware_concurrency());
  if (const char* env = std::getenv("GOMAXPROCS")) {
    int n = std::atoi(env);
    if (n > 0) procs = n;
  }
  procs = std::clamp(procs, 1, kMaxProcs);
  if (const char* debug = std::getenv("GORO_DEBUG")) {
    if (const char* st = std::strstr(debug, "schedtrace="))
      sched->schedtrace_ms = std::atoi(st + 11);
  }
  for (int i = 0; i < procs; i++) sched->allp[i].store(new_p(i), std::memory_order_release);
  sched->gomaxprocs.store(procs);
  for (int i = procs - 1; i >= 1; i--) pidleput(allp_at(i));
  netpoll_init();
  signals_install();
  revoke_init();

  // Goroutine 1, on P 0, run by the first M.
  P* p0 = allp_at(0);
  sched->gfree = spare_gs;
  spare_gs = nullptr;
  G* main_g = gfget(nullptr);
  if (!main_g) {
    main_g = new G;
    add_to_allg(main_g);
  }
  main_g->stack = stack_alloc(default_stack_size());
  arch::sanitizer_fiber_init(main_g->sanitizer, main_g->stack.lo, main_g->stack.size());
  main_g->context.prepare(main_g->stack.hi, &goroutine_main, main_g);
  main_g->entry = invoke;
  main_g->closure = closure;
  main_g->id = sched->goid_gen.fetch_add(1) + 1;
  main_g->status.store(GStatus::kRunnable);
  count_goroutine(nullptr, 1);
  {
    // p0 is not on the idle list: acquire it for a moment to queue main, then hand it over.
    std::uint64_t s = p0->state.load();
    p0->state.store(pack_pstate(pstate_epoch(s), PStatus::kIdle));
  }
  runqput_local(p0, main_g);
  sched->main_started.store(true);
  sysmon_start();
  newm(p0, false);

  sched->main_done.sleep();

  // main returned: stop every M. Idle ones are woken; the one blocked in netpoll is broken out.
  sched->shutdown.store(true);
  sysmon_stop();
  std::vector<M*> ms;
  bool all_idle = true;
  for (int attempt = 0; attempt < 200; attempt++) {
    {
      // Idle Ms leave the idle list before they are woken, so no start_m can hand them a P
      // meanwhile; Ms locked to a goroutine sleep outside any list.
      std::lock_guard<Lock> guard(sched->lock);
      while (M* m = mget()) m->park.wakeup();
      all_idle = true;
      for (M* m = sched->allm; m; m = m->alllink) {
        if (m->lockedg) m->park.wakeup();
        if (!m->exited) all_idle = false;
      }
    }
    netpoll_break();
    if (all_idle) break;
    struct timespec ts {
      0, 1'000'000
    };
    nanosleep(&ts, nullptr);
  }
  int code = sched->exit_code;
  if (!all_idle) {
    // Some goroutine is still in a CPU loop or a blocking call: like a Go program ending, we
    // abandon it. Its M keeps the old scheduler state alive (leaked on purpose).
    for (M* m = sched->allm; m; m = m->alllink) pthread_detach(m->thread);
    sched = nullptr;
    return code;
  }
  for (M* m = sched->allm; m;) {
    M* next = m->alllink;
    pthread_join(m->thread, nullptr);
    arch::sanitizer_fiber_destroy(m->g0_fiber);
    delete m;
    m = next;
  }
  // Goroutines still parked are abandoned: nothing left over may wake them in a later run.
  netpoll_abandon();
  for (auto& slot : sched->allp) {
    if (P* p = slot.exchange(nullptr)) {
      abandon_timers(p);
      stackcache_flush(p);
      delete p;
    }
  }
  recycle_all_gs();
  delete sched;
  sched = nullptr;
  return code;
}

}  // namespace detail

using namespace goro::rt;

void yield() {
  M* m = getm();
  G* gp = m ? m->curg : nullptr;
  if (!gp) {
    sched_yield();
    return;
  }
  switch_to_g0(gp, m, M::Action::kYield);
}

std::int64_t goroutine_id() {
  G* gp = getg();
  return gp ? gp->id : 0;
}

std::int64_t num_goroutine() {
  if (!sched) return 0;
  std::int64_t n = sched->goroutine_delta.load(std::memory_order_relaxed);
  for (int i = 0; i < kMaxProcs; i++) {
    P* p = allp_at(i);
    if (!p) break;
    n += p->goroutine_delta.load(std::memory_order_relaxed);
  }
  return n;
}

int gomaxprocs(int n) {
  if (!sched) return 0;
  int old = sched->gomaxprocs.load();
  if (n <= 0 || n == old) return old;
  n = std::min(n, kMaxProcs);
  M* m = getm();
  if (!m || !m->curg) fatal("gomaxprocs: must be called from a goroutine");
  P* p = enter_runtime(m);
  if (!p) {
    // Our P was taken: wait for one, then try again.
    yield();
    return gomaxprocs(n);
  }
  stop_the_world(m);
  P* runnable;
  {
    std::lock_guard<Lock> guard(sched->lock);
    // Our own P was stopped with the rest: detach it so procresize can hand one back.
    P* mine = m->p;
    m->p = mine;
    runnable = procresize(m, n);
  }
  start_the_world(runnable);
  exit_runtime(m, m->p);
  return old;
}

void lock_os_thread() {
  M* m = getm();
  G* gp = m ? m->curg : nullptr;
  if (!gp) return;
  gp->lock_count++;
  gp->lockedm = m;
  m->lockedg = gp;
}

void unlock_os_thread() {
  M* m = getm();
  G* gp = m ? m->curg : nullptr;
  if (!gp || gp->lock_count == 0) return;
  if (--gp->lock_count == 0) {
    gp->lockedm = nullptr;
    m->lockedg = nullptr;
  }
}

void set_goroutine_name(const char* name) {
  if (G* gp = getg()) gp->name = name;
}

}  // namespace goro
