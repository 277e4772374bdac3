// sysmon.cpp — the system monitor (Go: sysmon in runtime/proc.go).
//
// A thread without a P that wakes every 20 us while the program is busy and backs off to 10 ms
// when it is idle. Each round it:
//  * retakes Ps (retake): a P whose goroutine is inside goro::blocking for more than 20 us is
//    handed to another M if there is work for it (Go's syscall retake); a goroutine that has run
//    for more than 10 ms without a scheduling point gets its preempt flag set (it yields at its
//    next runtime call), and if it is still running 10 ms later — a pure CPU loop — its P is
//    handed to another M so the goroutines queued behind it still run;
//  * polls the network if nobody has for 10 ms;
//  * makes sure an overdue timer has an M to run it;
//  * returns long-unused cached stacks to the OS (stack_scavenge), once a second;
//  * refreshes the coarse clock used for "[chan receive, 2 minutes]" in dumps;
//  * prints GORO_DEBUG=schedtrace lines, and services SIGQUIT (dump and exit 2, like Go).
// sysmon never takes locks that goroutine code may hold and never runs goroutine code.
#include <unistd.h>

#include <cstdio>

#include "runtime/netpoll.hpp"
#include "runtime/proc.hpp"

namespace goro::rt {

std::atomic<bool> sigquit_pending{false};

namespace {

constexpr std::int64_t kBlockingRetakeNs = 20'000;
constexpr std::int64_t kPreemptNs = 10'000'000;
constexpr std::int64_t kHogRetakeNs = 20'000'000;
constexpr std::int64_t kForcePollNs = 10'000'000;
constexpr std::int64_t kScavengePeriodNs = 1'000'000'000;

bool take_p(P* p, std::uint64_t state) {
  // Pretend one more M is running while the P changes hands (Go: incidlelocked(-1)), or the M
  // that loses it could go idle, see nothing running and report a false deadlock.
  {
    std::lock_guard<Lock> guard(sched->lock);
    sched->nmidlelocked--;
  }
  bool taken = revoke_p(p, state, PStatus::kIdle);
  if (taken) handoffp(p);
  std::lock_guard<Lock> guard(sched->lock);
  sched->nmidlelocked++;
  return taken;
}

// Returns how many Ps were retaken.
int retake(std::int64_t now) {
  int taken = 0;
  int procs = sched->gomaxprocs.load(std::memory_order_relaxed);
  for (int i = 0; i < procs; i++) {
    P* p = allp_at(i);
    std::uint64_t state = p->state.load(std::memory_order_acquire);
    if (pstate_status(state) != PStatus::kRunning) continue;
    std::uint64_t epoch = pstate_epoch(state);
    std::uint32_t tick = p->schedtick.load(std::memory_order_relaxed);
    if (p->sysmon_tick != tick || p->sysmon_epoch != epoch) {
      p->sysmon_tick = tick;
      p->sysmon_epoch = epoch;
      p->sysmon_when = now;
      continue;
    }
    M* owner = p->m.load(std::memory_order_relaxed);
    if (!owner || owner->user_code.load(std::memory_order_relaxed) == 0) {
      // Inside the runtime (a spawn loop spends most of its time there): the P cannot be taken,
      // but the goroutine can still be asked to yield at its next preemption point.
      if (now - p->sysmon_when >= kPreemptNs) {
        if (G* gp = p->running_g.load(std::memory_order_acquire))
          gp->preempt.store(true, std::memory_order_relaxed);
      }
      continue;
    }
    bool has_work = !runq_empty(p) || sched->runq_size.load(std::memory_order_relaxed) > 0;
    if (p->blocking_epoch.load(std::memory_order_acquire) == epoch) {
      std::int64_t since = p->blocking_since.load(std::memory_order_relaxed);
      if (now - since < kBlockingRetakeNs) continue;
      // Go's rule: with nothing queued and other Ps free to take new work, leave the P with its
      // M for up to 10 ms, so a short blocking call does not cost a thread hand-off.
      if (!has_work && sched->nmspinning.load() + sched->npidle.load() > 0 &&
          now - since < kForcePollNs)
        continue;
      if (take_p(p, state)) taken++;
      continue;
    }
    std::int64_t running = now - p->sysmon_when;
    if (running >= kPreemptNs) {
      if (G* gp = p->running_g.load(std::memory_order_acquire))
        gp->preempt.store(true, std::memory_order_relaxed);
    }
    if (running >= kHogRetakeNs && has_work && take_p(p, state)) {
      taken++;
      p->sysmon_when = now;
    }
  }
  return taken;
}

void schedtrace(std::int64_t now) {
  int procs = sched->gomaxprocs.load();
  int threads, idle_threads;
  {
    std::lock_guard<Lock> guard(sched->lock);
    threads = sched->mcount + 2;  // + sysmon and the thread that called goro::run
    idle_threads = sched->nmidle;
  }
  std::fprintf(stderr,
               "SCHED %lldms: gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d "
               "idlethreads=%d runqueue=%d [",
               static_cast<long long>((now - sched->start_ns) / 1'000'000), procs,
               sched->npidle.load(), threads, sched->nmspinning.load(), idle_threads,
               sched->runq_size.load());
  for (int i = 0; i < procs; i++) {
    P* p = allp_at(i);
    std::uint32_t n = p->runq_tail.load() - p->runq_head.load();
    std::fprintf(stderr, "%s%u", i ? " " : "", n);
  }
  std::fprintf(stderr, "]\n");
}

void* sysmon_main(void*) {
  std::int64_t delay_ns = 20'000;
  int idle_rounds = 0;
  std::int64_t next_scavenge = sched->start_ns + kScavengePeriodNs;
  std::int64_t next_trace = sched->start_ns + std::int64_t{sched->schedtrace_ms} * 1'000'000;
  while (!sched->shutdown.load(std::memory_order_acquire)) {
    if (idle_rounds == 0)
      delay_ns = 20'000;
    else if (idle_rounds > 50)
      delay_ns = std::min<std::int64_t>(delay_ns * 2, 10'000'000);
    sched->sysmon_wake.sleep_for(delay_ns);
    sched->sysmon_wake.clear();
    if (sched->shutdown.load(std::memory_order_acquire)) break;
    std::int64_t now = nanotime();
    sched->coarse_ns.store(now, std::memory_order_relaxed);

    if (sigquit_pending.load()) {
      std::fprintf(stderr, "SIGQUIT: quit\n\n");
      dump_all(2, nullptr);
      _exit(2);
    }

    // Poll the network if nobody has for 10 ms (every M may be busy running goroutines).
    std::int64_t lastpoll = sched->lastpoll.load(std::memory_order_relaxed);
    if (netpoll_inited() && lastpoll != 0 && lastpoll + kForcePollNs < now &&
        sched->lastpoll.compare_exchange_strong(lastpoll, now)) {
      int count = 0;
      if (G* list = netpoll(0, &count)) {
        inject_list(list, count);
        idle_rounds = 0;
      }
    }
    // An overdue timer with every P idle and no M waiting in the poller: start one.
    std::int64_t next_timer = earliest_timer();
    if (next_timer != 0 && next_timer < now && sched->npidle.load() == sched->gomaxprocs.load() &&
        sched->lastpoll.load() != 0)
      start_m(nullptr, false);

    if (now >= next_scavenge) {
      stack_scavenge();
      next_scavenge = now + kScavengePeriodNs;
    }

    if (retake(now) != 0)
      idle_rounds = 0;
    else
      idle_rounds++;

    if (sched->schedtrace_ms > 0 && now >= next_trace) {
      schedtrace(now);
      next_trace = now + std::int64_t{sched->schedtrace_ms} * 1'000'000;
    }
  }
  return nullptr;
}

}  // namespace

void sysmon_start() {
  sched->coarse_ns.store(nanotime());
  if (pthread_create(&sched->sysmon_thread, nullptr, sysmon_main, nullptr) != 0)
    fatal("sysmon: cannot create thread");
}

void sysmon_stop() {
  sched->sysmon_wake.wakeup();
  pthread_join(sched->sysmon_thread, nullptr);
}

bool Note::sleep_for(std::int64_t ns) {
  std::int64_t deadline = nanotime() + ns;
  while (key_.load(std::memory_order_acquire) == 0) {
    std::int64_t left = deadline - nanotime();
    if (left <= 0) return false;
    struct timespec ts {
      static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)
    };
    futex_wait(&key_, 0, &ts);
  }
  return true;
}

}  // namespace goro::rt
