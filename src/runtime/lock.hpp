// lock.hpp — the runtime's own low-level locks and one-shot notifications (Go: lock_futex.go).
//
// These block the OS thread, not the goroutine: they are for runtime data structures whose
// critical sections are short and never park (channel internals, the global run queue, timer
// heaps). Goroutine-facing locks are goro::Mutex (sema.cpp).
//
// Spin-then-futex: a holder may be descheduled by the OS on these 2-vCPU machines, so pure
// spinning was rejected; after a short spin a waiter sleeps on the futex word.
//
// The spin probes the word rarely, as Go's lock2 does: 4 probes 30 pauses apart, one
// sched_yield, one more probe, then the futex. Each probe pulls the lock's cache line — which
// also holds the data it guards (hchan puts them on one line) — from the holder's CPU, and the
// holder's next store then waits for it to come back. Measured on a quiet machine, alternating
// binaries (2026-11-28, mpmc at P=2: 8 goroutines on one channel, ns per item): a probe after
// every pause (64 probes, the design before) ~104; this loop ~28. Not understood: the same loop
// with a constant count (compiled to bare `pause; sub; jne`) measured 90-110, and 100 or 300
// pauses apart 126-150, although a pause takes ~24 ns in either loop when timed alone; the
// count is therefore read from memory on every pause (pauses_per_probe), which is the variant
// that measured ~28 in two different binaries. Waiters still almost never sleep (~170 futex
// calls and ~100 yields per mpmc run). Rejected: exponential backoff from 1 to 64 pauses (~48).

#pragma once

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace goro::rt {

inline void futex_wait(std::atomic<std::uint32_t>* addr, std::uint32_t expected,
                       const struct timespec* timeout = nullptr) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAIT_PRIVATE, expected, timeout,
          nullptr, 0);
}

inline void futex_wake(std::atomic<std::uint32_t>* addr, int count) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAKE_PRIVATE, count, nullptr,
          nullptr, 0);
}

inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// A mutex for runtime internals. States: 0 unlocked, 1 locked, 2 locked with sleepers.
class Lock {
 public:
  void lock() {
    std::uint32_t expected = 0;
    if (state_.compare_exchange_strong(expected, 1, std::memory_order_acquire)) return;
    lock_slow();
  }
  bool try_lock() {
    std::uint32_t expected = 0;
    return state_.compare_exchange_strong(expected, 1, std::memory_order_acquire);
  }
  void unlock() {
    if (state_.exchange(0, std::memory_order_release) == 2) futex_wake(&state_, 1);
  }

 private:
  static constexpr int kSpinProbes = 4;
  // Read from memory on every pause on purpose (see the top of this file); never changed.
  static inline std::atomic<int> pauses_per_probe{30};

  bool try_acquire() {
    std::uint32_t expected = 0;
    return state_.load(std::memory_order_relaxed) == 0 &&
           state_.compare_exchange_weak(expected, 1, std::memory_order_acquire);
  }

  void lock_slow() {
    for (int probe = 0; probe < kSpinProbes; probe++) {
      for (int i = 0; i < pauses_per_probe.load(std::memory_order_relaxed); i++) cpu_relax();
      if (try_acquire()) return;
    }
    sched_yield();
    if (try_acquire()) return;
    while (state_.exchange(2, std::memory_order_acquire) != 0) futex_wait(&state_, 2);
  }

  std::atomic<std::uint32_t> state_{0};
};

// A one-shot wake-up for a sleeping OS thread (Go: note). sleep() returns once wakeup() has been
// called; clear() re-arms it. Exactly one thread sleeps on a note at a time.
class Note {
 public:
  void wakeup() {
    if (key_.exchange(1, std::memory_order_release) == 0) futex_wake(&key_, 1);
  }
  void sleep() {
    while (key_.load(std::memory_order_acquire) == 0) futex_wait(&key_, 0);
  }
  // Returns false on timeout.
  bool sleep_for(std::int64_t ns);
  void clear() { key_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<std::uint32_t> key_{0};
};

// A fast per-thread pseudo-random number (Go: fastrand); not for cryptography.
std::uint32_t fastrand();
// Uniform in [0, n).
inline std::uint32_t fastrandn(std::uint32_t n) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(fastrand()) * n) >> 32);
}

}  // namespace goro::rt
