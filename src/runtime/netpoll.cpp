// netpoll.cpp — the generic half of the network poller (Go: runtime/netpoll.go).
//
// The platform half (netpoll_epoll.cpp) reports "fd is readable/writable" for descriptors
// registered edge-triggered; this file turns those reports, deadlines and closes into goroutine
// wake-ups. Descriptor code (src/net) uses it through netpoll_desc.hpp: after a system call
// returns EAGAIN it calls poll_wait, which parks the goroutine until the descriptor may be ready.
//
// PollDesc wait states. Each direction has one word, rg (read) or wg (write):
//   kNil    no notification pending, nobody waiting;
//   kReady  an I/O readiness notification is pending: a goroutine consumes it by changing the
//           state to kNil (it then retries its system call);
//   kWait   a goroutine is about to park: it has announced itself but is not parked yet;
//   G*      the goroutine parked waiting for the descriptor.
// Transitions: waiter kNil->kWait, commit (on the scheduler stack, after the G's registers are
// saved) kWait->G*, and on wake-up the waiter swaps the word back to kNil. A notifier
// (netpoll_ready, a deadline, poll_evict) moves kNil->kReady (I/O only), kWait->kReady/kNil, or
// G*->kReady/kNil and readies that G. If the notifier wins the race against the commit, the
// commit's CAS fails and park() returns at once: a readiness report that arrives before the
// goroutine has parked is never lost, and no lock is taken on the I/O path.
//
// Errors. `closing` and the deadlines rd/wd are written under pd->lock and read lock-free by
// check_error. A writer publishes the new state (seq_cst store) before it looks at the wait word;
// a waiter announces kWait (seq_cst CAS) before it re-checks the state. Whichever goes second
// sees the other, so a waiter never parks past an expired deadline or a close.
//
// Deadlines. rd/wd: 0 none, > 0 a nanotime() to expire at, -1 expired. Each direction has a
// runtime Timer armed for the deadline. The timer callback runs on a scheduler stack: it only
// takes pd->lock, updates the state and readies the one waiter. Stale fires are the hard part:
// a deadline may be moved or cleared, or pd closed and reused, while its timer is already firing.
// Go gives each arming a sequence number (rseq/wseq) stored in the timer and compares it in the
// callback. Our Timer's fields may only be written while the timer is idle, and timer_stop does
// not wait for a callback in flight, so the arming cannot be tagged safely. Instead the
// callback re-derives its right to fire from pd's current state under the lock: the current
// deadline itself is the sequence number. It expires the direction only if a deadline is set and
// has passed (`rd > 0 && rd <= nanotime()`); a fire for a moved, cleared or previous-life
// deadline finds a later deadline, 0 or -1 and does nothing, and the re-armed timer fires for the
// current one. Expiring a passed deadline is correct whoever's timer noticed it.
//
// Memory. PollDescs are never freed, only recycled through a free list (Go: pollCache): a timer
// callback or an epoll event harvested just before netpoll_close may still touch a recycled
// PollDesc. The backend's event carries no generation tag (Go's fdseq), so such a late event can
// leave a spurious kReady on the next user of the PollDesc; that costs one extra EAGAIN, since
// every operation starts with poll_reset, and a waiter woken by it simply retries.
//
// Rejected: a per-PollDesc mutex on the I/O path (Go's lock-free words cost one CAS per wait);
// level-triggered registration (would re-report readiness nobody waits for on every poll); a
// combined read+write timer as in Go (saves one timer when both deadlines are equal, at the
// price of a third arming mode).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

#include "runtime/lock.hpp"
#include "runtime/netpoll.hpp"
#include "runtime/netpoll_desc.hpp"
#include "runtime/proc.hpp"
#include "runtime/sched.hpp"
#include "runtime/timer.hpp"

namespace goro::rt {

namespace {

constexpr std::uintptr_t kNil = 0;
constexpr std::uintptr_t kReady = 1;
constexpr std::uintptr_t kWait = 2;

void read_deadline_fired(void* arg, std::uintptr_t seq, std::int64_t delay_ns);
void write_deadline_fired(void* arg, std::uintptr_t seq, std::int64_t delay_ns);

}  // namespace

struct PollDesc {
  PollDesc() {
    rt.fn = &read_deadline_fired;
    rt.arg = this;
    wt.fn = &write_deadline_fired;
    wt.arg = this;
  }

  PollDesc* link = nullptr;  // free list (under the cache lock)
  int fd = -1;               // constant between poll_open and poll_close

  std::atomic<std::uintptr_t> rg{kNil};  // kNil, kReady, kWait or the reading G
  std::atomic<std::uintptr_t> wg{kNil};  // same for writing

  Lock lock;  // serializes writers of the fields below; readers of the atomics need not hold it
  std::atomic<bool> closing{false};
  // Sticky: the poller has reported a hang-up or an error (EOF or a reset is pending).
  std::atomic<bool> hangup{false};
  std::atomic<std::int64_t> rd{0};  // read deadline: 0 none, > 0 nanotime, -1 expired
  std::atomic<std::int64_t> wd{0};  // write deadline
  Timer rt;                         // read deadline timer (fn, arg fixed at construction)
  Timer wt;                         // write deadline timer
  bool rarmed = false;              // rt may be pending
  bool warmed = false;              // wt may be pending
};

namespace {

// ---- the PollDesc cache ----

struct PollCache {
  Lock lock;
  PollDesc* free = nullptr;
  std::vector<PollDesc*> batches;  // every PollDesc ever made, for netpoll_abandon
};
PollCache g_cache;

// Goroutines parked in poll_wait; the scheduler keeps polling while this is nonzero.
std::atomic<std::int32_t> g_waiters{0};

constexpr int kPollBatch = 64;

PollDesc* alloc_desc() {
  g_cache.lock.lock();
  if (g_cache.free == nullptr) {
    // Allocated in batches, never freed (see "Memory" above).
    auto* batch = new PollDesc[kPollBatch];
    g_cache.batches.push_back(batch);
    for (int i = 0; i < kPollBatch; i++) {
      batch[i].link = g_cache.free;
      g_cache.free = &batch[i];
    }
  }
  PollDesc* pd = g_cache.free;
  g_cache.free = pd->link;
  g_cache.lock.unlock();
  return pd;
}

void free_desc(PollDesc* pd) {
  g_cache.lock.lock();
  pd->link = g_cache.free;
  g_cache.free = pd;
  g_cache.lock.unlock();
}

// ---- wait words ----

std::atomic<std::uintptr_t>& wait_word(PollDesc* pd, int mode) {
  return mode == kPollRead ? pd->rg : pd->wg;
}

PollResult check_error(PollDesc* pd, int mode) {
  if (pd->closing.load(std::memory_order_seq_cst)) return PollResult::kClosed;
  std::atomic<std::int64_t>& deadline = mode == kPollRead ? pd->rd : pd->wd;
  if (deadline.load(std::memory_order_seq_cst) < 0) return PollResult::kTimeout;
  return PollResult::kOk;
}

// Runs on the scheduler stack with gp's registers saved: publish gp as the waiter unless a
// notifier changed the word since kWait was announced (then gp resumes at once).
bool block_commit(G* gp, void* arg) {
  auto* word = static_cast<std::atomic<std::uintptr_t>*>(arg);
  std::uintptr_t expected = kWait;
  if (!word->compare_exchange_strong(expected, reinterpret_cast<std::uintptr_t>(gp),
                                     std::memory_order_seq_cst)) {
    return false;
  }
  // Counted only once parked, so the count never covers a G that resumed without parking.
  g_waiters.fetch_add(1, std::memory_order_seq_cst);
  return true;
}

// Go: netpollblock. Returns true if the descriptor is ready, false on a deadline, close or a
// spurious wake-up (the caller re-checks).
bool block(PollDesc* pd, int mode) {
  std::atomic<std::uintptr_t>& word = wait_word(pd, mode);
  for (;;) {
    std::uintptr_t old = kReady;
    if (word.compare_exchange_strong(old, kNil, std::memory_order_seq_cst)) return true;
    if (old == kNil) {
      if (word.compare_exchange_strong(old, kWait, std::memory_order_seq_cst)) break;
      continue;  // raced with a notification
    }
    if (old != kReady) fatal("netpoll: two goroutines wait on one descriptor in one direction");
  }
  // Re-check after announcing kWait: a close or deadline published before our CAS found kNil
  // and woke nobody, so we must see it here (see "Errors" above).
  if (check_error(pd, mode) == PollResult::kOk) park(&block_commit, &word, WaitReason::kIOWait);
  std::uintptr_t old = word.exchange(kNil, std::memory_order_seq_cst);
  if (old > kWait) fatal("netpoll: corrupted wait state");
  return old == kReady;
}

// Go: netpollunblock. Moves the word of `mode` to kReady (ioready) or kNil and returns the
// parked G the caller must ready, if any. Without ioready, kNil and kReady are left alone: there
// is nobody to wake, and a pending notification stays pending.
G* unblock(PollDesc* pd, int mode, bool ioready) {
  std::atomic<std::uintptr_t>& word = wait_word(pd, mode);
  for (;;) {
    std::uintptr_t old = word.load(std::memory_order_seq_cst);
    if (old == kReady) return nullptr;
    if (old == kNil && !ioready) return nullptr;
    std::uintptr_t next = ioready ? kReady : kNil;
    if (word.compare_exchange_weak(old, next, std::memory_order_seq_cst)) {
      if (old == kNil || old == kWait) return nullptr;  // a kWait G sees the change in commit
      g_waiters.fetch_sub(1, std::memory_order_seq_cst);
      return reinterpret_cast<G*>(old);
    }
  }
}

// ---- deadlines ----

// Timer callback (scheduler stack): expire `mode` if its deadline has really passed.
void deadline_fired(PollDesc* pd, int mode) {
  const bool read = mode == kPollRead;
  std::atomic<std::int64_t>& deadline = read ? pd->rd : pd->wd;
  pd->lock.lock();
  G* gp = nullptr;
  const std::int64_t d = deadline.load(std::memory_order_relaxed);
  if (!pd->closing.load(std::memory_order_relaxed) && d > 0 && d <= nanotime()) {
    deadline.store(-1, std::memory_order_seq_cst);
    (read ? pd->rarmed : pd->warmed) = false;
    gp = unblock(pd, mode, false);
  }
  pd->lock.unlock();
  if (gp != nullptr) ready(gp);
}

void read_deadline_fired(void* arg, std::uintptr_t, std::int64_t) {
  deadline_fired(static_cast<PollDesc*>(arg), kPollRead);
}

void write_deadline_fired(void* arg, std::uintptr_t, std::int64_t) {
  deadline_fired(static_cast<PollDesc*>(arg), kPollWrite);
}

// Under pd->lock: stores deadline d (already normalized) for one direction and (re)arms or
// stops its timer. Returns the G to ready if the deadline expired at once.
G* set_one_deadline(PollDesc* pd, int mode, std::int64_t d) {
  const bool read = mode == kPollRead;
  std::atomic<std::int64_t>& deadline = read ? pd->rd : pd->wd;
  Timer& timer = read ? pd->rt : pd->wt;
  bool& armed = read ? pd->rarmed : pd->warmed;
  if (deadline.load(std::memory_order_relaxed) == d) return nullptr;
  deadline.store(d, std::memory_order_seq_cst);
  if (d > 0) {
    timer_reset(&timer, d, 0);
    armed = true;
    return nullptr;
  }
  if (armed) {
    timer_stop(&timer);
    armed = false;
  }
  return d < 0 ? unblock(pd, mode, false) : nullptr;
}

}  // namespace

// ---- the interface for descriptor code ----

PollDesc* poll_open(int fd, int* error) {
  netpoll_init();
  PollDesc* pd = alloc_desc();
  pd->lock.lock();
  std::uintptr_t r = pd->rg.load(std::memory_order_relaxed);
  std::uintptr_t w = pd->wg.load(std::memory_order_relaxed);
  if (r > kReady || w > kReady) fatal("netpoll: poll_open on a PollDesc with a waiter");
  pd->fd = fd;
  pd->closing.store(false, std::memory_order_relaxed);
  pd->hangup.store(false, std::memory_order_relaxed);
  pd->rd.store(0, std::memory_order_relaxed);
  pd->wd.store(0, std::memory_order_relaxed);
  // Release: the poller thread that first sees an event for pd learns of it through the kernel
  // (epoll), which no sanitizer models; its acquire of rg/wg makes the set-up above visible.
  pd->rg.store(kNil, std::memory_order_release);
  pd->wg.store(kNil, std::memory_order_release);
  pd->lock.unlock();
  // Registration comes last: from here on events may arrive for pd.
  *error = netpoll_open(fd, pd);
  if (*error != 0) {
    free_desc(pd);
    return nullptr;
  }
  return pd;
}

void poll_close(PollDesc* pd) {
  if (!pd->closing.load(std::memory_order_relaxed)) fatal("netpoll: poll_close without evict");
  if (pd->rg.load(std::memory_order_seq_cst) > kReady ||
      pd->wg.load(std::memory_order_seq_cst) > kReady) {
    fatal("netpoll: poll_close with a goroutine waiting");
  }
  netpoll_close(pd->fd);
  free_desc(pd);
}

PollResult poll_reset(PollDesc* pd, int mode) {
  PollResult err = check_error(pd, mode);
  if (err != PollResult::kOk) return err;
  wait_word(pd, mode).store(kNil, std::memory_order_release);
  return PollResult::kOk;
}

PollResult poll_wait(PollDesc* pd, int mode) {
  PollResult err = check_error(pd, mode);
  if (err != PollResult::kOk) return err;
  while (!block(pd, mode)) {
    err = check_error(pd, mode);
    if (err != PollResult::kOk) return err;
    // A spurious wake-up (a stale notification); wait again.
  }
  return PollResult::kOk;
}

bool poll_hangup_seen(PollDesc* pd) {
  // Pairs with the fence in netpoll_ready. Either that fence comes first in the single total
  // order of seq_cst fences, and this load sees the flag; or this one does, and then the
  // poller's readiness store is later in rg's modification order than the caller's earlier
  // poll_reset, so the caller's poll_wait finds it.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return pd->hangup.load(std::memory_order_relaxed);
}

void poll_set_deadline(PollDesc* pd, std::int64_t deadline_ns, int mode) {
  std::int64_t d = deadline_ns;
  if (d != 0 && d <= nanotime()) d = -1;
  G* rg = nullptr;
  G* wg = nullptr;
  pd->lock.lock();
  if (!pd->closing.load(std::memory_order_relaxed)) {
    if (mode == kPollRead || mode == kPollReadWrite) rg = set_one_deadline(pd, kPollRead, d);
    if (mode == kPollWrite || mode == kPollReadWrite) wg = set_one_deadline(pd, kPollWrite, d);
  }
  pd->lock.unlock();
  if (rg != nullptr) ready(rg);
  if (wg != nullptr) ready(wg);
}

void poll_evict(PollDesc* pd) {
  pd->lock.lock();
  if (pd->closing.load(std::memory_order_relaxed)) fatal("netpoll: poll_evict twice");
  pd->closing.store(true, std::memory_order_seq_cst);
  G* rg = unblock(pd, kPollRead, false);
  G* wg = unblock(pd, kPollWrite, false);
  if (pd->rarmed) timer_stop(&pd->rt);
  if (pd->warmed) timer_stop(&pd->wt);
  pd->rarmed = pd->warmed = false;
  pd->lock.unlock();
  if (rg != nullptr) ready(rg);
  if (wg != nullptr) ready(wg);
}

// ---- hooks for the platform half and the scheduler ----

void netpoll_ready(G** list, int* count, PollDesc* pd, int mode, bool error, bool hangup) {
  // An error (EPOLLERR) is reported to both directions: the next system call returns it.
  if (error) mode = kPollReadWrite;
  // The poller learns of pd through the kernel (epoll), which no sanitizer models: this acquire
  // pairs with poll_open's release of rg and orders pd's set-up before the hangup store below
  // (unblock's acquires come after it).
  (void)pd->rg.load(std::memory_order_acquire);
  if (hangup || error) {
    // Before the readiness stores below, with the fence pairing with poll_hangup_seen's.
    pd->hangup.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
  G* woken[2] = {nullptr, nullptr};
  if (mode == kPollRead || mode == kPollReadWrite) woken[0] = unblock(pd, kPollRead, true);
  if (mode == kPollWrite || mode == kPollReadWrite) woken[1] = unblock(pd, kPollWrite, true);
  for (G* gp : woken) {
    if (gp == nullptr) continue;
    gp->schedlink = *list;
    *list = gp;
    ++*count;
  }
}

void netpoll_abandon() {
  std::lock_guard<Lock> guard(g_cache.lock);
  for (PollDesc* batch : g_cache.batches) {
    for (int i = 0; i < kPollBatch; i++) {
      PollDesc& pd = batch[i];
      for (auto* word : {&pd.rg, &pd.wg})
        if (word->load(std::memory_order_relaxed) > kWait) word->store(kNil);
      // Their timers went with the run's Ps (abandon_timers).
      pd.rarmed = pd.warmed = false;
    }
  }
  g_waiters.store(0);
}

bool netpoll_any_waiters() {
  return g_waiters.load(std::memory_order_seq_cst) > 0;
}

}  // namespace goro::rt
