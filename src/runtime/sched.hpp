// sched.hpp — the scheduler's private data structures and its contract with the rest of the
// runtime (Go: runtime2.go plus the gopark/goready part of proc.go).
//
// G: a goroutine. M: an OS thread that runs goroutines. P: a processor, the right (and the
// resources: run queue, timers, caches) to run goroutine code; there are GOMAXPROCS of them.
// An M needs a P to run a G. sched.cpp opens with the design; this header is what other runtime
// files (chan, select, sema, timer, netpoll) may rely on.
//
// Parking protocol (every blocking primitive uses it, nothing else blocks a thread):
//   1. Under its own lock, the primitive records the current G (getg()) as a waiter.
//   2. It calls park(commit, arg, reason). The scheduler saves the G's registers, switches to the
//      M's scheduler stack (g0) and calls commit(gp, arg) there.
//   3. commit typically releases the primitive's lock. From that instant another thread may
//      call ready(gp); that is safe because gp's registers are already saved. If commit returns
//      false, the wait is cancelled and gp resumes at once.
//   4. Whoever satisfies the wait removes the waiter under the primitive's lock and calls
//      ready(gp) exactly once. ready() may be called from any thread, with or without a P.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "runtime/arch/context.hpp"
#include "runtime/arch/tls.hpp"
#include "runtime/stack.hpp"

namespace goro::rt {

struct G;
struct M;
struct P;
struct Timer;
struct LocalSlots;

// Why a goroutine is parked; the names are Go's and appear in goroutine dumps.
enum class WaitReason : std::uint8_t {
  kZero,
  kChanReceive,
  kChanSend,
  kChanReceiveNilChan,
  kChanSendNilChan,
  kSelect,
  kSelectNoCases,
  kSleep,
  kSemacquire,
  kSyncMutexLock,
  kSyncRWMutexRLock,
  kSyncRWMutexLock,
  kSyncWaitGroupWait,
  kSyncCondWait,
  kIOWait,
  kTimerGoroutineIdle,
  kPreempted,
  kLockedThread,
  kCount,
};
const char* wait_reason_string(WaitReason reason);

enum class GStatus : std::uint32_t {
  kIdle,      // just allocated or on a free list
  kRunnable,  // on a run queue
  kRunning,   // executing on an M
  kWaiting,   // parked (see wait_reason)
  kBlocking,  // inside goro::blocking: running, but its P may be taken
  kDead,      // finished; may be reused
};

// A goroutine. Fields marked (sched) belong to the scheduler; the others are for the primitives
// named beside them.
struct G {
  arch::Context context;  // (sched) saved registers while not running
  Stack stack;            // (sched)
  std::int64_t id = 0;    // (sched) 1 is main; 0 means "never used"
  std::atomic<GStatus> status{GStatus::kIdle};
  WaitReason wait_reason = WaitReason::kZero;
  std::int64_t wait_since_ns = 0;    // when it parked (for "[chan receive, 2 minutes]")
  G* schedlink = nullptr;            // (sched) intrusive link for run queues and free lists
  M* lockedm = nullptr;              // (sched) lock_os_thread
  std::uint32_t lock_count = 0;      // (sched) nesting of lock_os_thread
  std::atomic<bool> preempt{false};  // (sched, sysmon) yield at the next runtime call

  // Entry point. The closure lives in closure_buf if it fits (the goroutine then gets its stack
  // only when it first runs: see "Lazy stacks" in sched.cpp), else at the top of its own stack.
  void (*entry)(void*) = nullptr;
  void* closure = nullptr;
  alignas(16) unsigned char closure_buf[48];
  const char* name = nullptr;
  void* created_by_pc = nullptr;  // return address inside the function that spawned it
  std::int64_t parent_id = 0;

  // (chan, select) Go's g.param and g.selectDone: a waker stores the sudog it completed in
  // `param` before ready(); select waiters race to CAS select_done 0 -> 1.
  void* param = nullptr;
  std::atomic<std::uint32_t> select_done{0};

  // (timer) the G's private sleep timer, allocated on first goro::sleep.
  struct Timer* sleep_timer = nullptr;

  // (local.cpp) goroutine-local storage; destroyed when the goroutine exits.
  struct LocalSlots* locals = nullptr;

  // All Gs ever created, for dumps and deadlock reports (never unlinked; dead Gs are reused).
  G* alllink = nullptr;

  // Sanitizer fiber state (see arch/context.hpp).
  arch::SanitizerFiber sanitizer;
};

// The current goroutine, or nullptr on a thread that is not running one (sysmon, a scheduler
// stack, a foreign thread). Never cached by the compiler across a switch (arch/tls.hpp).
inline G* getg() {
  return arch::tls_g();
}

// What park runs on g0 once the G is off its stack (see the parking protocol above).
using ParkCommit = bool (*)(G* gp, void* arg);
// park(commit, arg, reason) itself (Go: gopark) is inline in proc.hpp.

// Go: goready. Makes a parked gp runnable (on this P's runnext when called from a goroutine,
// otherwise on the global queue). REQUIRES: gp is parked and nobody else readies it.
void ready(G* gp);

// Like ready, for a batch from the netpoller or timers: puts them on the global queue (or this
// P's queue) and wakes idle Ps as needed. `list` is linked through schedlink.
void inject_list(G* list, int count);

// preempt_point's slow path: gp (running) yields its P. Out of line to keep the check small.
void yield_preempted(G* gp);

// A preemption point: yields if sysmon asked the current goroutine to (it has run > 10 ms).
// Primitives call it after releasing their locks; never while holding one. Inline: every
// channel operation starts with it, and it is usually two loads and a branch.
inline void preempt_point() {
  G* gp = getg();
  if (gp != nullptr && gp->preempt.load(std::memory_order_relaxed)) yield_preempted(gp);
}

// Go: sync_runtime_canSpin. True if spinning a little before parking is worthwhile: several Ps,
// another P is running, this P has no other work, and `iteration` is small.
bool can_spin(int iteration);
// A short busy wait (Go: procyield).
void spin_pause(int cycles);

// The calling thread's errno, read through a call the compiler cannot merge with an earlier one.
// glibc declares __errno_location() const, so in a loop around a goroutine switch the compiler
// may keep the *previous* thread's errno address: after a migration `errno` then reads another
// thread's value. Code that can switch between a failing call and its errno check (a retry loop
// around poll_wait) must use this instead of `errno`.
int errno_value();

// Nanoseconds on the monotonic clock (the runtime's one clock: Go's nanotime).
std::int64_t nanotime();

// Prints "fatal error: <message>", a goroutine dump, and exits with status 2 (Go: throw/fatal).
[[noreturn]] void fatal(const char* message);

// Whether the runtime is running (inside goro::run).
bool started();

}  // namespace goro::rt
