// sync.cpp — the parking halves of goro/sync.hpp (Go: sync/mutex.go, rwmutex.go, waitgroup.go,
// cond.go, and golang.org/x/sync/semaphore).
//
// The header holds the one-instruction fast paths; this file holds what runs under contention,
// all of it built on semacquire/semrelease (sema.cpp). The algorithms follow Go line for line
// where the fairness or the panics are observable:
//   * Mutex: spin while the holder runs on another P (rt::can_spin), then park; a waiter that
//     waited over 1 ms sets kStarving and from then on unlock hands the lock (and the semaphore
//     unit) directly to the queue's head. A woken waiter that loses to a newcomer re-queues at
//     the head (lifo), so it keeps its place.
//   * RWMutex: a writer takes writer_mutex_, then subtracts kMaxReaders from reader_count_ so
//     new readers block, and waits for the readers already inside (reader_wait_). Unlock wakes
//     the readers that queued meanwhile before releasing writer_mutex_.
//   * WaitGroup: counter and waiter count in one 64-bit word, so done() and wait() agree on
//     "zero with waiters" without a lock.
//   * Semaphore: x/sync's FIFO of waiters under a goro::Mutex; a waiter that cannot be served
//     blocks every later one (no barging by small requests). acquire(n) parks on a per-waiter
//     semaphore word (no allocation); acquire(ctx, n) must also watch ctx.done(), so it selects
//     on a per-waiter channel closed at grant time, and settles a grant racing a cancellation
//     under mu_ (w.granted).
// Memory order: the uncontended paths are acquire/release; every path that parks goes through
// sema.cpp's seq_cst count, which orders the waker's writes before the woken goroutine's reads.
#include <cstdint>
#include <utility>

#include "goro/context.hpp"
#include "goro/panic.hpp"
#include "goro/select.hpp"
#include "goro/sync.hpp"
#include "runtime/sema.hpp"

namespace goro {
namespace {
constexpr std::int64_t kStarvationThresholdNs = 1'000'000;
constexpr int kActiveSpinCycles = 30;  // Go: active_spin_cnt
}  // namespace

// ---- Mutex ----------------------------------------------------------------------------------

void Mutex::lock_slow() {
  std::int64_t wait_start_ns = 0;
  bool starving = false;
  bool awoke = false;  // this goroutine holds the kWoken right (spinning, or just woken)
  int iteration = 0;
  std::int32_t old = state_.load(std::memory_order_relaxed);
  for (;;) {
    // Spin only in normal mode while locked: in starvation mode the lock goes to the oldest
    // waiter anyway.
    if ((old & (kLocked | kStarving)) == kLocked && rt::can_spin(iteration)) {
      // Claim kWoken so that unlock does not wake a parked waiter to compete with us.
      if (!awoke && (old & kWoken) == 0 && (old >> kWaiterShift) != 0 &&
          state_.compare_exchange_strong(old, old | kWoken, std::memory_order_relaxed)) {
        awoke = true;
      }
      rt::spin_pause(kActiveSpinCycles);
      iteration++;
      old = state_.load(std::memory_order_relaxed);
      continue;
    }
    std::int32_t desired = old;
    if ((old & kStarving) == 0) desired |= kLocked;  // newcomers must queue in starvation mode
    if ((old & (kLocked | kStarving)) != 0) desired += 1 << kWaiterShift;
    // Switch to starvation mode, but only while locked: unlock expects a starving mutex to
    // have waiters.
    if (starving && (old & kLocked) != 0) desired |= kStarving;
    if (awoke) {
      if ((desired & kWoken) == 0) rt::fatal("sync: inconsistent mutex state");
      desired &= ~kWoken;
    }
    if (!state_.compare_exchange_weak(old, desired, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      continue;
    }
    if ((old & (kLocked | kStarving)) == 0) return;  // we set kLocked

    const bool waited_before = wait_start_ns != 0;
    if (!waited_before) wait_start_ns = rt::nanotime();
    rt::semacquire(&sema_, waited_before, rt::WaitReason::kSyncMutexLock);
    starving = starving || rt::nanotime() - wait_start_ns > kStarvationThresholdNs;
    old = state_.load(std::memory_order_relaxed);
    if ((old & kStarving) != 0) {
      // Handed off: we own the mutex, but kLocked is clear and we still count as a waiter.
      if ((old & (kLocked | kWoken)) != 0 || (old >> kWaiterShift) == 0)
        rt::fatal("sync: inconsistent mutex state");
      std::int32_t delta = kLocked - (1 << kWaiterShift);
      // Leave starvation mode when it is no longer needed; staying in it would make two
      // goroutines hand the lock back and forth forever.
      if (!starving || (old >> kWaiterShift) == 1) delta -= kStarving;
      state_.fetch_add(delta, std::memory_order_acquire);
      return;
    }
    awoke = true;
    iteration = 0;
  }
}

void Mutex::unlock_slow(std::int32_t state) {
  if (((state + kLocked) & kLocked) == 0) rt::fatal("sync: unlock of unlocked mutex");
  if ((state & kStarving) != 0) {
    // kLocked stays clear, but kStarving keeps newcomers out until the waiter sets it.
    rt::semrelease(&sema_, true);
    return;
  }
  std::int32_t old = state;
  for (;;) {
    // Nobody to wake, or someone is already awake or took the lock, or another unlock has seen
    // starvation mode and owns the hand-off.
    if ((old >> kWaiterShift) == 0 || (old & (kLocked | kWoken | kStarving)) != 0) return;
    std::int32_t desired = (old - (1 << kWaiterShift)) | kWoken;
    if (state_.compare_exchange_weak(old, desired, std::memory_order_relaxed)) {
      rt::semrelease(&sema_, false);
      return;
    }
  }
}

// ---- RWMutex --------------------------------------------------------------------------------

void RWMutex::lock_shared_slow() {
  rt::semacquire(&reader_sem_, false, rt::WaitReason::kSyncRWMutexRLock);
}

bool RWMutex::try_lock_shared() {
  std::int32_t readers = reader_count_.load(std::memory_order_relaxed);
  while (readers >= 0) {
    if (reader_count_.compare_exchange_weak(readers, readers + 1, std::memory_order_acquire,
                                            std::memory_order_relaxed))
      return true;
  }
  return false;
}

void RWMutex::unlock_shared_slow(std::int32_t readers) {
  if (readers + 1 == 0 || readers + 1 == -kMaxReaders)
    rt::fatal("sync: RUnlock of unlocked RWMutex");
  // A writer is pending; the last reader it waits for wakes it.
  if (reader_wait_.fetch_sub(1, std::memory_order_acq_rel) - 1 == 0)
    rt::semrelease(&writer_sem_, false);
}

void RWMutex::lock() {
  writer_mutex_.lock();  // excludes other writers
  // Announce the writer to readers; `active` readers are inside and must leave first.
  std::int32_t active = reader_count_.fetch_sub(kMaxReaders, std::memory_order_acq_rel);
  if (active != 0 && reader_wait_.fetch_add(active, std::memory_order_acq_rel) + active != 0)
    rt::semacquire(&writer_sem_, false, rt::WaitReason::kSyncRWMutexLock);
}

bool RWMutex::try_lock() {
  if (!writer_mutex_.try_lock()) return false;
  std::int32_t no_readers = 0;
  if (!reader_count_.compare_exchange_strong(no_readers, -kMaxReaders, std::memory_order_acquire)) {
    writer_mutex_.unlock();
    return false;
  }
  return true;
}

void RWMutex::unlock() {
  // Let readers in again; `blocked` readers queued while we held the lock.
  std::int32_t blocked =
      reader_count_.fetch_add(kMaxReaders, std::memory_order_acq_rel) + kMaxReaders;
  if (blocked >= kMaxReaders) rt::fatal("sync: Unlock of unlocked RWMutex");
  for (std::int32_t i = 0; i < blocked; i++) rt::semrelease(&reader_sem_, false);
  writer_mutex_.unlock();
}

// ---- WaitGroup ------------------------------------------------------------------------------

void WaitGroup::add(int delta) {
  const std::uint64_t increment = static_cast<std::uint64_t>(static_cast<std::int64_t>(delta))
                                  << 32;
  const std::uint64_t state = state_.fetch_add(increment, std::memory_order_acq_rel) + increment;
  const auto counter = static_cast<std::int32_t>(state >> 32);
  auto waiters = static_cast<std::uint32_t>(state);
  if (counter < 0) throw Panic("sync: negative WaitGroup counter");
  if (waiters != 0 && delta > 0 && counter == delta)
    throw Panic("sync: WaitGroup misuse: Add called concurrently with Wait");
  if (counter > 0 || waiters == 0) return;
  // The counter reached zero with waiters. Nobody may change the state now: a concurrent add
  // would be the misuse above, and a new wait returns at once on the zero counter.
  if (state_.load(std::memory_order_relaxed) != state)
    throw Panic("sync: WaitGroup misuse: Add called concurrently with Wait");
  state_.store(0, std::memory_order_relaxed);
  for (; waiters != 0; waiters--) rt::semrelease(&sema_, false);
}

void WaitGroup::wait() {
  std::uint64_t state = state_.load(std::memory_order_acquire);
  for (;;) {
    if (static_cast<std::int32_t>(state >> 32) == 0) return;
    if (state_.compare_exchange_weak(state, state + 1, std::memory_order_acquire)) {
      rt::semacquire(&sema_, false, rt::WaitReason::kSyncWaitGroupWait);
      if (state_.load(std::memory_order_relaxed) != 0)
        throw Panic("sync: WaitGroup is reused before previous Wait has returned");
      return;
    }
  }
}

// ---- Cond -----------------------------------------------------------------------------------

void Cond::wait() {
  // The ticket is taken while the mutex is held, so a signal sent after our unlock finds it.
  std::uint32_t ticket = rt::notify_list_add(&notify_);
  mutex_.unlock();
  rt::notify_list_wait(&notify_, ticket);
  mutex_.lock();
}

void Cond::signal() {
  rt::notify_list_notify_one(&notify_);
}

void Cond::broadcast() {
  rt::notify_list_notify_all(&notify_);
}

// ---- Semaphore ------------------------------------------------------------------------------

namespace detail {
struct SemaphoreWaiter {
  explicit SemaphoreWaiter(std::int64_t n, Chan<Unit> ready = {}) : n(n), ready(std::move(ready)) {}

  std::int64_t n;
  SemaphoreWaiter* prev = nullptr;
  SemaphoreWaiter* next = nullptr;
  bool granted = false;  // guarded by the Semaphore's mu_
  // How the grant is announced: acquire(n) parks on `wake`; acquire(ctx, n) selects on
  // `ready` (closed on grant) and ctx.done().
  std::atomic<std::uint32_t> wake{0};
  Chan<Unit> ready;
};
}  // namespace detail

void Semaphore::enqueue(detail::SemaphoreWaiter* w) {
  w->prev = tail_;
  (tail_ != nullptr ? tail_->next : head_) = w;
  tail_ = w;
}

void Semaphore::remove(detail::SemaphoreWaiter* w) {
  (w->prev != nullptr ? w->prev->next : head_) = w->next;
  (w->next != nullptr ? w->next->prev : tail_) = w->prev;
}

void Semaphore::notify_waiters() {
  // Stop at the first waiter that does not fit: serving smaller requests behind it could starve
  // it forever under load.
  while (head_ != nullptr && size_ - cur_ >= head_->n) {
    detail::SemaphoreWaiter* w = head_;
    cur_ += w->n;
    remove(w);
    w->granted = true;
    if (w->ready == Chan<Unit>()) {
      rt::semrelease(&w->wake, false);
    } else {
      w->ready.close();
    }
  }
}

void Semaphore::acquire(std::int64_t n) {
  if (n < 0 || n > size_) throw Panic("semaphore: acquire of more than the semaphore's size");
  mu_.lock();
  if (size_ - cur_ >= n && head_ == nullptr) {
    cur_ += n;
    mu_.unlock();
    return;
  }
  detail::SemaphoreWaiter w(n);
  enqueue(&w);
  mu_.unlock();
  rt::semacquire(&w.wake, false, rt::WaitReason::kSemacquire);
}

std::error_code Semaphore::acquire(const Context& ctx, std::int64_t n) {
  if (n < 0) throw Panic("semaphore: negative acquire");
  mu_.lock();
  // A context that is already done fails the call even if the units are free: its being done
  // happened before this acquire.
  if (std::error_code err = ctx.err()) {
    mu_.unlock();
    return err;
  }
  if (size_ - cur_ >= n && head_ == nullptr) {
    cur_ += n;
    mu_.unlock();
    return {};
  }
  if (n > size_) {  // can never be granted; do not make later requests queue behind it
    mu_.unlock();
    ctx.done().recv();
    return ctx.err();
  }
  detail::SemaphoreWaiter w(n, Chan<Unit>(0));
  enqueue(&w);
  mu_.unlock();

  bool done = false;
  select(recv_case(w.ready, [](std::optional<Unit>) {}),
         recv_case(ctx.done(), [&](std::optional<Unit>) { done = true; }));
  if (!done) {
    // Granted; but if ctx ended meanwhile, report that rather than a late success.
    if (std::error_code err = ctx.err()) {
      release(n);
      return err;
    }
    return {};
  }
  mu_.lock();
  if (w.granted) {
    // The grant raced the cancellation: give the units back.
    cur_ -= n;
    notify_waiters();
  } else {
    const bool was_first = head_ == &w;
    remove(&w);
    // Leaving the front may let the waiters behind us in.
    if (was_first && size_ > cur_) notify_waiters();
  }
  mu_.unlock();
  return ctx.err();
}

bool Semaphore::try_acquire(std::int64_t n) {
  mu_.lock();
  const bool acquired = size_ - cur_ >= n && head_ == nullptr;
  if (acquired) cur_ += n;
  mu_.unlock();
  return acquired;
}

void Semaphore::release(std::int64_t n) {
  mu_.lock();
  cur_ -= n;
  if (cur_ < 0) {
    mu_.unlock();
    throw Panic("semaphore: released more than held");
  }
  notify_waiters();
  mu_.unlock();
}

}  // namespace goro
