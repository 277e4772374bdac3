// lock.hpp — the runtime's own low-level locks and one-shot notifications (Go: lock_futex.go).
//
// These block the OS thread, not the goroutine: they are for runtime data structures whose
// critical sections are short and never park (channel internals, the global run queue, timer
// heaps). Goroutine-facing locks are goro::Mutex (sema.cpp).
//
// SpinLock-then-futex: a holder may be descheduled by the OS on these 2-vCPU machines, so pure
// spinning was rejected; after a short spin a waiter sleeps on the futex word.
#pragma once

#include <linux/futex.h>
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
  void lock_slow() {
    for (int i = 0; i < 64; i++) {
      std::uint32_t expected = 0;
      if (state_.load(std::memory_order_relaxed) == 0 &&
          state_.compare_exchange_weak(expected, 1, std::memory_order_acquire))
        return;
      cpu_relax();
    }
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
