// goro/sync.hpp — goroutine-aware locks and coordination (Go: package sync, and
// golang.org/x/sync/semaphore).
//
// Every type here blocks the *goroutine*, never the OS thread: a waiter parks in the runtime's
// semaphore table (src/runtime/sema.cpp) and its thread runs other goroutines meanwhile. The
// algorithms are Go's, so are the fairness guarantees and the panics. Uncontended operations are
// a single atomic instruction, inlined here; everything that may park lives in sync.cpp.
//
// All types are usable from their default state (like Go's zero values), and none may be copied
// or moved (waiters hold their address). Unlike Go, the blocking operations REQUIRE being called
// from a goroutine (inside goro::run) when they actually have to wait.
#pragma once

#include <atomic>
#include <cstdint>
#include <system_error>

namespace goro {

class Context;

namespace detail {

// The ticket list behind Cond (Go: notifyList). Its fields belong to src/runtime/sema.cpp.
struct NotifyWaiter;
struct NotifyList {
  std::atomic<std::uint32_t> wait{0};    // next ticket to hand out
  std::atomic<std::uint32_t> notify{0};  // next ticket to notify
  NotifyWaiter* head = nullptr;          // parked waiters, in roughly ticket order
  NotifyWaiter* tail = nullptr;
};

// An acquirer parked in a Semaphore's FIFO (lives on its stack). Defined in sync.cpp.
struct SemaphoreWaiter;

}  // namespace detail

// A mutual exclusion lock (Go: sync.Mutex). Satisfies Lockable, so std::lock_guard,
// std::unique_lock and std::scoped_lock work. Not recursive; not owned by a goroutine: one
// goroutine may lock it and another unlock it.
//
// Fairness (Go's): in normal mode a woken waiter competes with arriving goroutines, which usually
// win (they are already running); a waiter that fails to get the lock for over 1 ms switches the
// mutex to starvation mode, in which unlock hands the lock directly to the oldest waiter and
// newcomers queue behind it, until a waiter that waited under 1 ms (or the last one) takes it.
class Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() {
    std::int32_t unlocked = 0;
    if (state_.compare_exchange_strong(unlocked, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed))
      return;
    lock_slow();
  }

  // Locks if that is possible without waiting (Go: TryLock). Fails while the mutex is in
  // starvation mode even if momentarily unlocked: it then belongs to the oldest waiter.
  bool try_lock() {
    std::int32_t old = state_.load(std::memory_order_relaxed);
    if ((old & (kLocked | kStarving)) != 0) return false;
    return state_.compare_exchange_strong(old, old | kLocked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  // REQUIRES: locked. Unlocking an unlocked mutex is a fatal error
  // ("sync: unlock of unlocked mutex"), as in Go.
  void unlock() {
    std::int32_t state = state_.fetch_sub(kLocked, std::memory_order_release) - kLocked;
    if (state != 0) unlock_slow(state);
  }

 private:
  friend class Cond;
  static constexpr std::int32_t kLocked = 1;
  static constexpr std::int32_t kWoken = 2;  // a waiter is awake: unlock need not wake another
  static constexpr std::int32_t kStarving = 4;
  static constexpr int kWaiterShift = 3;  // the rest of state_ counts parked waiters

  void lock_slow();
  void unlock_slow(std::int32_t state);

  std::atomic<std::int32_t> state_{0};
  std::atomic<std::uint32_t> sema_{0};
};

// A reader/writer lock (Go: sync.RWMutex). Satisfies SharedLockable (std::shared_lock works).
// Writer-preferring: once a writer is waiting, new readers wait for it, so a stream of readers
// cannot starve writers. A goroutine must not take a read lock recursively: a writer arriving
// between the two would deadlock it, exactly as in Go.
class RWMutex {
 public:
  RWMutex() = default;
  RWMutex(const RWMutex&) = delete;
  RWMutex& operator=(const RWMutex&) = delete;

  void lock();
  bool try_lock();
  // REQUIRES: write-locked (fatal "sync: Unlock of unlocked RWMutex" otherwise).
  void unlock();

  void lock_shared() {
    if (reader_count_.fetch_add(1, std::memory_order_acquire) + 1 < 0) lock_shared_slow();
  }
  bool try_lock_shared();
  // REQUIRES: read-locked (fatal "sync: RUnlock of unlocked RWMutex" otherwise).
  void unlock_shared() {
    std::int32_t readers = reader_count_.fetch_sub(1, std::memory_order_release) - 1;
    if (readers < 0) unlock_shared_slow(readers);
  }

 private:
  static constexpr std::int32_t kMaxReaders = 1 << 30;

  void lock_shared_slow();
  void unlock_shared_slow(std::int32_t readers);

  Mutex writer_mutex_;                        // held by the pending or active writer
  std::atomic<std::uint32_t> writer_sem_{0};  // the writer waits here for departing readers
  std::atomic<std::uint32_t> reader_sem_{0};  // readers wait here for the writer
  // Readers holding or waiting for the lock; kMaxReaders is subtracted while a writer is
  // pending or active, so a negative count sends readers to the slow path.
  std::atomic<std::int32_t> reader_count_{0};
  std::atomic<std::int32_t> reader_wait_{0};  // readers the pending writer still waits for
};

// Waits for a collection of goroutines to finish (Go: sync.WaitGroup). add(n) before starting
// them, done() in each, wait() to block until the count is zero.
// Panics (goro::Panic) like Go: "sync: negative WaitGroup counter"; "sync: WaitGroup misuse: Add
// called concurrently with Wait" for an add(n > 0) from zero racing a wait().
class WaitGroup {
 public:
  WaitGroup() = default;
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;

  void add(int delta);
  void done() { add(-1); }
  void wait();

 private:
  // High 32 bits: the counter; low 32 bits: the number of waiters.
  std::atomic<std::uint64_t> state_{0};
  std::atomic<std::uint32_t> sema_{0};
};

// Runs a function exactly once (Go: sync.Once). Concurrent callers of do_once wait until the
// first caller's f has returned. As in Go (and unlike std::call_once), f counts as done even if it
// throws: the exception propagates to the first caller, and later calls do nothing.
class Once {
 public:
  Once() = default;
  Once(const Once&) = delete;
  Once& operator=(const Once&) = delete;

  template <class F>
  void do_once(F&& f) {
    if (done_.load(std::memory_order_acquire) == 0) do_slow(f);
  }

 private:
  template <class F>
  void do_slow(F& f) {
    m_.lock();
    struct Unlock {
      Mutex& m;
      ~Unlock() { m.unlock(); }
    } unlock{m_};
    if (done_.load(std::memory_order_relaxed) != 0) return;
    struct MarkDone {  // destroyed before Unlock, so waiters see done_ == 1
      std::atomic<std::uint32_t>& done;
      ~MarkDone() { done.store(1, std::memory_order_release); }
    } mark_done{done_};
    f();
  }

  std::atomic<std::uint32_t> done_{0};
  Mutex m_;
};

// A condition variable bound to a Mutex (Go: sync.Cond with L a *sync.Mutex). Wakes waiters in
// FIFO order.
class Cond {
 public:
  explicit Cond(Mutex& mutex) : mutex_(mutex) {}
  Cond(const Cond&) = delete;
  Cond& operator=(const Cond&) = delete;

  Mutex& mutex() const { return mutex_; }

  // Atomically unlocks mutex() and parks until signal/broadcast, then locks mutex() again before
  // returning. Wake-ups are not tied to any condition: loop (or use the predicate overload).
  // REQUIRES: mutex() locked by the caller; called by a goroutine.
  void wait();
  template <class Predicate>
  void wait(Predicate done) {
    while (!done()) wait();
  }

  // Wakes the longest-waiting goroutine, if any. Holding mutex() is allowed, not required.
  void signal();
  // Wakes every waiting goroutine.
  void broadcast();

 private:
  Mutex& mutex_;
  detail::NotifyList notify_;
};

// A weighted semaphore (Go: golang.org/x/sync/semaphore.Weighted): `size` units, acquired and
// released in any amounts. Strictly FIFO: a waiter for many units blocks later, smaller
// requests (so large requests are not starved).
class Semaphore {
 public:
  explicit Semaphore(std::int64_t size) : size_(size) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  // Waits for n units. REQUIRES: 0 <= n <= size (panics otherwise: such a request could never
  // be granted, and x/sync would block it forever); called by a goroutine.
  void acquire(std::int64_t n = 1);
  // Waits for n units or until ctx is done; returns ctx.err() in the latter case, holding
  // nothing. Fails if ctx is already done, even if the units are free. If n > size it waits for
  // ctx (Go's behaviour).
  std::error_code acquire(const Context& ctx, std::int64_t n = 1);
  // Takes n units if they are free and nobody is queued.
  bool try_acquire(std::int64_t n = 1);
  // REQUIRES: n units held (panics "semaphore: released more than held" otherwise).
  void release(std::int64_t n = 1);

 private:
  void enqueue(detail::SemaphoreWaiter* w);
  void remove(detail::SemaphoreWaiter* w);
  void notify_waiters();  // REQUIRES: mu_ held

  Mutex mu_;
  const std::int64_t size_;
  std::int64_t cur_ = 0;  // units held
  detail::SemaphoreWaiter* head_ = nullptr;
  detail::SemaphoreWaiter* tail_ = nullptr;
};

}  // namespace goro
