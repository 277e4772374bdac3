// proc.hpp — M, P and the global scheduler state, shared by the files that make up the
// scheduler (sched.cpp, sysmon.cpp, timer.cpp, signal.cpp, traceback.cpp). Go: runtime2.go's
// m, p and schedt. Primitives outside the scheduler use only sched.hpp.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "runtime/lock.hpp"
#include "runtime/sched.hpp"
#include "runtime/timer.hpp"

namespace goro::rt {

// ---- P states -----------------------------------------------------------------------------
// A P's state word packs a status with an epoch that grows each time an M acquires the P, so
// an M that lost its P (sysmon retook it) can never mistake a later owner's state for its own.
// Whether the owner runs goroutine code or runtime code is not in the word but in its M's
// user_code, which only that M writes; see revoke_p (sched.cpp) for how the two are read together.
enum class PStatus : std::uint8_t {
  kIdle,      // on the idle list or being handed over; no M owns it
  kRunning,   // owned by an M (running runtime code, or goroutine code if M::user_code is set)
  kRevoking,  // sysmon or a stop-the-world is checking whether it may take the P (revoke_p)
  kStopped,   // stopped for a stop-the-world (gomaxprocs change)
  kDead,      // beyond gomaxprocs
};
inline std::uint64_t pack_pstate(std::uint64_t epoch, PStatus s) {
  return epoch << 8 | static_cast<std::uint8_t>(s);
}
inline PStatus pstate_status(std::uint64_t state) {
  return static_cast<PStatus>(state & 0xff);
}
inline std::uint64_t pstate_epoch(std::uint64_t state) {
  return state >> 8;
}

constexpr int kRunqSize = 256;
constexpr int kMaxProcs = 1024;
constexpr int kStackCacheSize = 32;

struct P {
  int id = 0;
  std::atomic<std::uint64_t> state{pack_pstate(0, PStatus::kIdle)};
  std::atomic<M*> m{nullptr};               // the owner of the current epoch (set by acquirep)
  P* link = nullptr;                        // idle list
  std::atomic<std::uint32_t> schedtick{0};  // goroutines scheduled (sysmon watches it)
  std::atomic<G*> running_g{nullptr};       // the goroutine last started here (release: for sysmon,
                                            // which may set its preempt flag)

  // Local run queue: a lock-free ring; only the owner pushes (tail), anyone pops (head CAS).
  std::atomic<std::uint32_t> runq_head{0};
  std::atomic<std::uint32_t> runq_tail{0};
  std::atomic<G*> runq[kRunqSize];
  std::atomic<G*> runnext{nullptr};
  // Whether the G last stored into runnext had a stack (so a direct hand-off may switch to it).
  // Written and read only by the owner (atomic because an M that lost the P may still look).
  std::atomic<bool> runnext_has_stack{false};

  // Dead Gs, without their stacks, for reuse (owner only).
  G* gfree = nullptr;
  int gfree_count = 0;
  // Default-size stacks waiting for a goroutine's first run, most recently freed (cache-hot)
  // last (owner only; see "Lazy stacks" in sched.cpp).
  Stack stackcache[kStackCacheSize];
  int stackcache_count = 0;
  // Goroutine ids handed out in batches to avoid a shared counter per spawn.
  std::int64_t goid_next = 0;
  std::int64_t goid_end = 0;
  // Goroutines started minus goroutines exited on this P (summed by num_goroutine).
  std::atomic<std::int64_t> goroutine_delta{0};

  // Timers (timer.cpp): a 4-ary min-heap on `when`, guarded by timers_lock.
  Lock timers_lock;
  std::vector<Timer*> timers;
  std::atomic<std::int64_t> timer0_when{0};  // earliest `when`, 0 if none

  // goro::blocking bookkeeping, read by sysmon.
  // The owner's epoch while its goroutine is inside goro::blocking, else 0.
  std::atomic<std::uint64_t> blocking_epoch{0};
  std::atomic<std::int64_t> blocking_since{0};

  // sysmon's private view (sysmon.cpp only).
  std::uint32_t sysmon_tick = 0;
  std::int64_t sysmon_when = 0;
  std::uint64_t sysmon_epoch = 0;
};

struct M {
  std::int64_t id = 0;
  pthread_t thread{};
  arch::Context g0;  // this thread's own stack, where the scheduler loop runs
  arch::SanitizerFiber g0_fiber;
  G* curg = nullptr;
  P* p = nullptr;  // attached P; valid only while p->state's epoch == p_epoch
  std::uint64_t p_epoch = 0;
  // 1 while this M runs goroutine code on its P, when sysmon may take the P (revoke_p); only
  // this M writes it.
  std::atomic<std::uint32_t> user_code{0};
  P* nextp = nullptr;  // P handed over by startm
  bool spinning = false;
  G* lockedg = nullptr;
  Note park;
  M* schedlink = nullptr;  // idle list
  M* alllink = nullptr;
  bool exited = false;

  // What the goroutine that just switched to g0 asked for.
  enum class Action { kNone, kPark, kYield, kPreempted, kExit, kLostP };
  Action action = Action::kNone;
  ParkCommit commit = nullptr;
  void* commit_arg = nullptr;
  // A direct hand-off in flight (see park): the goroutine that switched straight to this M's
  // next one. Whichever goroutine resumes next on this M finishes its park first.
  G* handoff_from = nullptr;

  std::uint64_t rand_state = 0;
  void* altstack = nullptr;  // sigaltstack for stack-overflow reports
};

// The global scheduler state (Go: schedt), one per goro::run.
struct Sched {
  Lock lock;  // guards the idle lists, the global run queue, mcount and STW fields

  M* allm = nullptr;
  M* midle = nullptr;
  int nmidle = 0;
  int nmidlelocked = 0;
  int mcount = 0;
  std::int64_t mnext = 0;
  std::atomic<int> nmspinning{0};

  std::atomic<P*> allp[kMaxProcs] = {};  // created on demand, never freed during a run
  std::atomic<int> gomaxprocs{0};
  P* pidle = nullptr;
  std::atomic<int> npidle{0};

  G* runq_head = nullptr;
  G* runq_tail = nullptr;
  std::atomic<int> runq_size{0};

  Lock gfree_lock;
  G* gfree = nullptr;  // dead Gs (without stacks: see gfput)

  std::atomic<std::int64_t> goid_gen{0};
  std::atomic<std::int64_t> goroutine_delta{0};  // spawns/exits not attributed to a live P

  // Netpoller coordination (Go: sched.lastpoll, sched.pollUntil). lastpoll == 0 means an M is
  // blocked in netpoll.
  std::atomic<std::int64_t> lastpoll{1};
  std::atomic<std::int64_t> poll_until{0};

  // Stop-the-world.
  std::atomic<bool> gcwaiting{false};
  int stopwait = 0;
  Note stopnote;

  // Lifetime.
  std::atomic<bool> main_started{false};
  std::atomic<bool> shutdown{false};
  Note main_done;
  int exit_code = 0;
  pthread_t sysmon_thread{};
  Note sysmon_wake;  // shutdown pokes sysmon out of its sleep
  std::int64_t start_ns = 0;
  std::atomic<std::int64_t> coarse_ns{0};  // nanotime(), refreshed by sysmon (for wait times)
  int schedtrace_ms = 0;
};

extern Sched* sched;

inline P* allp_at(int i) {
  return sched->allp[i].load(std::memory_order_acquire);
}

// All Gs ever created (for dumps and deadlock reports); never freed while the process lives.
extern Lock allg_lock;
extern G* allg;

// The calling thread's M, or nullptr. Never cached by the compiler across a switch
// (arch/tls.hpp).
inline M* getm() {
  return arch::tls_m();
}

// sysmon's clock (nanotime, refreshed every few ms), for wait times; nanotime outside a run.
inline std::int64_t coarse_now() {
  return sched ? sched->coarse_ns.load(std::memory_order_relaxed) : nanotime();
}

// switch_to_g0's report of gp's overwritten stack canary.
[[noreturn]] void stack_canary_fatal(G* gp);

// park's direct hand-off (sched.cpp). handoff_target takes `next`, seen in m's P's runnext
// (with runnext_has_stack), out of runnext and sets it up as running, or returns false if g0
// must decide. finish_handoff completes the park of m->handoff_from (its commit) on the stack
// of the goroutine that runs next.
bool handoff_target(M* m, G* gp, G* next);
void finish_handoff(M* m);

// First thing in a goroutine after a switch lands in it (or as it starts).
inline void resumed(G* gp) {
  arch::sanitizer_after_switch(gp->sanitizer);
  M* m = getm();
  if (m->handoff_from != nullptr) finish_handoff(m);
}

inline void check_stack_canary(G* gp) {
  if (gp->stack.canary && stack_canary_broken(gp->stack)) stack_canary_fatal(gp);
}

// Called on the goroutine's stack: saves its context and runs g0. Returns when the goroutine is
// scheduled again (on whatever M). Inline, like park: a goroutine resumes with the return-stack
// predictor still holding the other context's calls, so every out-of-line frame between the
// switch and the primitive that parked costs a mispredicted return (bench/README, session 8).
inline void switch_to_g0(G* gp, M* m, M::Action action) {
  check_stack_canary(gp);
  m->action = action;
  arch::sanitizer_before_switch(gp->sanitizer, m->g0_fiber, action == M::Action::kExit);
  goro_switch(&gp->context.sp, m->g0.sp);
  resumed(gp);
}

// What a park's commit does, which decides whether it may run on another goroutine's stack.
enum class CommitKind : std::uint8_t {
  kAny,         // anything g0 may do (add a timer, publish to the netpoller, ...)
  kUnlockOnly,  // releases runtime locks and returns true: a direct hand-off may run it
};

// Go: gopark. See the parking protocol in sched.hpp. REQUIRES: called by a goroutine.
//
// Direct hand-off: when the commit only unlocks and the P's runnext holds a goroutine that g0
// would pick next anyway (sched.cpp, handoff_target), gp switches straight to it and the commit
// runs there, before it returns to its own code — one switch per hand-off instead of two and no
// pass through the schedule loop (Boost.Fiber's schedulers do the same).
inline void park(ParkCommit commit, void* arg, WaitReason reason,
                 CommitKind kind = CommitKind::kAny) {
  M* m = getm();
  G* gp = m ? m->curg : nullptr;
  if (!gp) fatal("park: not on a goroutine");
  gp->wait_reason = reason;
  gp->wait_since_ns = coarse_now();
  m->commit = commit;
  m->commit_arg = arg;
  if (kind == CommitKind::kUnlockOnly && m->p != nullptr) {
    // The cheap half of handoff_target's test inline: runnext holds a goroutine with a stack.
    G* next = m->p->runnext.load(std::memory_order_relaxed);
    if (next != nullptr && m->p->runnext_has_stack.load(std::memory_order_relaxed) &&
        handoff_target(m, gp, next)) {
      check_stack_canary(gp);
      arch::sanitizer_before_switch(gp->sanitizer, next->sanitizer, false);
      goro_switch(&gp->context.sp, next->context.sp);
      resumed(gp);
      return;
    }
  }
  switch_to_g0(gp, m, M::Action::kPark);
}

// Pieces sysmon.cpp, timer.cpp and netpoll need.
void handoffp(P* p);
void wakep();
void start_m(P* p, bool spinning);
void globrunq_put_batch(G* head, G* tail, int n);  // REQUIRES: sched->lock held
bool runq_empty(P* p);
bool run_ready_timers_and_continue();
std::uint32_t gomaxprocs_now();
void sysmon_start();
void sysmon_stop();
void signals_install();
void signals_thread_init(M* m);

// Takes p, last seen in `state` (Running), from its owner if the owner is running goroutine
// code, leaving it in `to` (Idle or Stopped). False if the owner is in runtime code or p changed.
bool revoke_p(P* p, std::uint64_t state, PStatus to);
// Sets up the barrier revoke_p pairs with; called once per goro::run before any M starts.
void revoke_init();

// signal.cpp: an exception escaped a goroutine.
[[noreturn]] void fatal_panic(const char* what);
// local.cpp: runs the destructors of the goroutine's GoroutineLocal values.
void destroy_goroutine_locals(G* gp);
// traceback.cpp: runs libunwind's lazy one-time set-up now, before the runtime starts threads.
// libunwind also unwinds C++ exceptions (it exports _Unwind_*), and its set-up publishes global
// state through a plain flag: two goroutines panicking at once on different threads would race
// on it (TSan saw exactly that). Done once here, thread creation orders it before every use.
void traceback_init();
// traceback.cpp: dumps goroutines; `current` (may be null) is printed first as running.
void dump_all(int fd, G* current);
// traceback.cpp: the same, from a signal handler: `current`'s stack is read from `ucontext`.
void dump_from_signal(int fd, G* current, void* ucontext);

// timer.cpp's hooks for the scheduler.
// check_timers when p has a timer (`next` is its timer0_when, non-zero).
std::int64_t run_due_timers(P* p, std::int64_t next, std::int64_t now);
// Runs p's expired timers (REQUIRES: the caller owns a P). `now` may be 0: the clock is then
// read only if p has a timer. Returns p's next `when`, 0 if none. Inline because every pass
// through the scheduler asks, and with no timer the answer is one load.
inline std::int64_t check_timers(P* p, std::int64_t now) {
  const std::int64_t next = p->timer0_when.load(std::memory_order_acquire);
  return next == 0 ? 0 : run_due_timers(p, next, now);
}
// Drops every pending timer of p, marking each not pending (the run that owns them is over).
void abandon_timers(P* p);
// Moves every timer of `from` onto `to` (procresize).
void move_timers(P* from, P* to);
// The earliest timer of all Ps, 0 if none.
std::int64_t earliest_timer();

}  // namespace goro::rt
