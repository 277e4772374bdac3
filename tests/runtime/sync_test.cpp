// sync_test.cpp — goro/sync.hpp: Mutex, RWMutex, WaitGroup, Once, Cond, Semaphore.
//
// Tests about *who gets the lock first* run at GOMAXPROCS 1 and watch the other goroutines'
// scheduler status (parked or not) instead of timing: with one P a goroutine runs until it
// blocks or yields, so once main sees it parked, everything it did before parking is done.
#include "goro/sync.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "goro/panic.hpp"
#include "goro/runtime.hpp"
#include "runtime/sched.hpp"
#include "test_util.hpp"

namespace {

using goro_test::run_with_procs;

// The goroutine that will store itself in `slot` (via spawn_recorded) and then block.
using GSlot = std::atomic<goro::rt::G*>;

template <class F>
void spawn_recorded(GSlot& slot, F body) {
  goro::go([&slot, body]() mutable {
    slot = goro::rt::getg();
    body();
  });
}

bool is_parked(const GSlot& slot) {
  goro::rt::G* g = slot.load();
  return g != nullptr && g->status.load() == goro::rt::GStatus::kWaiting;
}

// Yields until the goroutine in `slot` has parked (it records itself first, then blocks).
void wait_parked(const GSlot& slot) {
  while (!is_parked(slot)) goro::yield();
}

void spin_for_ns(std::int64_t ns) {
  const std::int64_t until = goro::rt::nanotime() + ns;
  while (goro::rt::nanotime() < until) {
  }
}

// ---- Mutex ----------------------------------------------------------------------------------

void mutex_stress(int procs) {
  run_with_procs(procs, [] {
    constexpr int kGoroutines = 8;
    constexpr int kIncrements = 100000;
    goro::Mutex mu;
    std::int64_t counter = 0;  // plain: TSan flags it if the mutex fails to exclude
    goro::WaitGroup wg;
    wg.add(kGoroutines);
    for (int i = 0; i < kGoroutines; i++) {
      goro::go([&] {
        for (int j = 0; j < kIncrements; j++) {
          std::lock_guard lock(mu);
          counter++;
        }
        wg.done();
      });
    }
    wg.wait();
    EXPECT_EQ(counter, std::int64_t{kGoroutines} * kIncrements);
  });
}

TEST(Mutex, StressOneProc) {
  mutex_stress(1);
}
TEST(Mutex, StressFourProcs) {
  mutex_stress(4);
}

TEST(Mutex, TryLock) {
  run_with_procs(1, [] {
    goro::Mutex mu;
    EXPECT_TRUE(mu.try_lock());
    EXPECT_FALSE(mu.try_lock());
    mu.unlock();
    std::unique_lock lock(mu, std::try_to_lock);
    EXPECT_TRUE(lock.owns_lock());
  });
}

// A waiter that waited over 1 ms and then lost the lock to a barging goroutine switches the
// mutex to starvation mode: the next unlock hands the lock to it, try_lock fails even though
// the mutex looks free, and a goroutine calling lock() queues behind it.
TEST(Mutex, StarvingWaiterGetsTheLockHandedOff) {
  run_with_procs(1, [] {
    goro::Mutex mu;
    std::vector<std::string> order;
    GSlot waiter{nullptr};
    goro::WaitGroup wg;
    wg.add(1);

    mu.lock();
    spawn_recorded(waiter, [&] {
      mu.lock();
      order.push_back("waiter");
      mu.unlock();
      wg.done();
    });
    wait_parked(waiter);
    spin_for_ns(2'000'000);  // the waiter has now waited over 1 ms, by the monotonic clock
    mu.unlock();             // wakes the waiter (normal mode: it must compete)...
    ASSERT_FALSE(is_parked(waiter));
    mu.lock();  // ...and we barge in before it runs (one P).
    // The waiter runs, finds the mutex locked, and having waited > 1 ms sets starvation mode
    // before parking again.
    wait_parked(waiter);
    mu.unlock();  // starvation mode: ownership goes to the waiter, which has not run yet
    EXPECT_FALSE(mu.try_lock()) << "a starving mutex must not be barged";
    mu.lock();  // queues behind the waiter
    order.push_back("main");
    mu.unlock();
    wg.wait();
    EXPECT_EQ(order, (std::vector<std::string>{"waiter", "main"}));
    // Starvation mode ended with the queue: the mutex is free again.
    EXPECT_TRUE(mu.try_lock());
    mu.unlock();
  });
}

TEST(MutexDeathTest, UnlockOfUnlockedMutexIsFatal) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(run_with_procs(1,
                             [] {
                               goro::Mutex mu;
                               mu.unlock();
                             }),
              testing::ExitedWithCode(2), "sync: unlock of unlocked mutex");
}

// ---- RWMutex --------------------------------------------------------------------------------

TEST(RWMutex, WaitingWriterBlocksNewReaders) {
  run_with_procs(1, [] {
    goro::RWMutex rw;
    std::vector<std::string> order;
    GSlot writer{nullptr}, late_reader{nullptr};
    goro::WaitGroup wg;
    wg.add(2);

    rw.lock_shared();
    spawn_recorded(writer, [&] {
      rw.lock();
      order.push_back("writer");
      rw.unlock();
      wg.done();
    });
    wait_parked(writer);
    EXPECT_FALSE(rw.try_lock_shared()) << "a waiting writer must keep new readers out";
    EXPECT_FALSE(rw.try_lock());
    spawn_recorded(late_reader, [&] {
      rw.lock_shared();
      order.push_back("reader");
      rw.unlock_shared();
      wg.done();
    });
    wait_parked(late_reader);
    rw.unlock_shared();  // the last early reader leaves: the writer goes first
    wg.wait();
    EXPECT_EQ(order, (std::vector<std::string>{"writer", "reader"}));
  });
}

TEST(RWMutex, TryLocks) {
  run_with_procs(1, [] {
    goro::RWMutex rw;
    EXPECT_TRUE(rw.try_lock_shared());
    EXPECT_TRUE(rw.try_lock_shared());
    EXPECT_FALSE(rw.try_lock());
    rw.unlock_shared();
    rw.unlock_shared();
    EXPECT_TRUE(rw.try_lock());
    EXPECT_FALSE(rw.try_lock_shared());
    rw.unlock();
    std::shared_lock lock(rw);
    EXPECT_TRUE(lock.owns_lock());
  });
}

TEST(RWMutex, StressReadersAndWriters) {
  run_with_procs(4, [] {
    constexpr int kReaders = 6;
    constexpr int kWriters = 2;
    constexpr int kIterations = 20000;
    goro::RWMutex rw;
    std::atomic<int> readers_inside{0};
    std::atomic<int> writers_inside{0};
    std::int64_t value = 0;  // written by writers only, under the write lock
    std::atomic<bool> exclusion_broken{false};
    goro::WaitGroup wg;
    wg.add(kReaders + kWriters);
    for (int i = 0; i < kReaders; i++) {
      goro::go([&] {
        for (int j = 0; j < kIterations; j++) {
          std::shared_lock lock(rw);
          readers_inside++;
          if (writers_inside.load() != 0) exclusion_broken = true;
          volatile std::int64_t seen = value;
          (void)seen;
          readers_inside--;
        }
        wg.done();
      });
    }
    for (int i = 0; i < kWriters; i++) {
      goro::go([&] {
        for (int j = 0; j < kIterations; j++) {
          std::lock_guard lock(rw);
          if (writers_inside.fetch_add(1) != 0 || readers_inside.load() != 0)
            exclusion_broken = true;
          value++;
          writers_inside--;
        }
        wg.done();
      });
    }
    wg.wait();
    EXPECT_FALSE(exclusion_broken.load());
    EXPECT_EQ(value, std::int64_t{kWriters} * kIterations);
  });
}

// ---- WaitGroup ------------------------------------------------------------------------------

TEST(WaitGroup, WaitsForAll) {
  run_with_procs(4, [] {
    constexpr int kGoroutines = 50;
    goro::WaitGroup wg;
    std::atomic<int> finished{0};
    wg.add(kGoroutines);
    for (int i = 0; i < kGoroutines; i++) {
      goro::go([&] {
        goro::yield();
        finished++;
        wg.done();
      });
    }
    wg.wait();
    EXPECT_EQ(finished.load(), kGoroutines);
    wg.wait();  // zero: returns at once
  });
}

TEST(WaitGroup, ManyWaitersAndReuse) {
  run_with_procs(4, [] {
    for (int round = 0; round < 100; round++) {
      goro::WaitGroup work, waiters_done;
      std::atomic<bool> released{false};
      std::atomic<int> saw_release{0};
      work.add(1);
      waiters_done.add(4);
      for (int i = 0; i < 4; i++) {
        goro::go([&] {
          work.wait();
          if (released.load()) saw_release++;
          waiters_done.done();
        });
      }
      goro::yield();
      released = true;
      work.done();
      waiters_done.wait();
      EXPECT_EQ(saw_release.load(), 4);
    }
  });
}

TEST(WaitGroup, NegativeCounterPanics) {
  run_with_procs(1, [] {
    goro::WaitGroup wg;
    try {
      wg.done();
      ADD_FAILURE() << "no panic";
    } catch (const goro::Panic& p) {
      EXPECT_STREQ(p.what(), "sync: negative WaitGroup counter");
    }
  });
}

// ---- Once -----------------------------------------------------------------------------------

TEST(Once, ConcurrentCallersWaitForTheFirst) {
  run_with_procs(4, [] {
    constexpr int kCallers = 16;
    goro::Once once;
    std::atomic<int> calls{0};
    std::int64_t value = 0;  // plain: written inside f, read after do_once
    std::atomic<int> saw_value{0};
    goro::WaitGroup wg;
    wg.add(kCallers);
    for (int i = 0; i < kCallers; i++) {
      goro::go([&] {
        once.do_once([&] {
          calls++;
          for (int y = 0; y < 10; y++) goro::yield();  // let the others pile up
          value = 42;
        });
        if (value == 42) saw_value++;
        wg.done();
      });
    }
    wg.wait();
    EXPECT_EQ(calls.load(), 1);
    EXPECT_EQ(saw_value.load(), kCallers);
  });
}

TEST(Once, ThrowingFunctionCountsAsDone) {
  run_with_procs(1, [] {
    goro::Once once;
    EXPECT_THROW(once.do_once([] { throw std::runtime_error("boom"); }), std::runtime_error);
    bool called = false;
    once.do_once([&] { called = true; });
    EXPECT_FALSE(called);
  });
}

// ---- Cond -----------------------------------------------------------------------------------

TEST(Cond, SignalWakesOneBroadcastWakesAll) {
  run_with_procs(1, [] {
    constexpr int kWaiters = 3;
    goro::Mutex mu;
    goro::Cond cond(mu);
    int generation = 0;
    std::atomic<int> woke{0};
    GSlot waiters[kWaiters] = {};
    for (auto& slot : waiters) {
      spawn_recorded(slot, [&] {
        std::lock_guard lock(mu);
        const int start = generation;
        cond.wait([&] { return generation != start; });
        woke++;
      });
      wait_parked(slot);
    }
    {
      std::lock_guard lock(mu);
      generation++;
    }
    cond.signal();
    while (woke.load() < 1) goro::yield();
    int still_parked = 0;
    for (auto& slot : waiters) still_parked += is_parked(slot);
    EXPECT_EQ(still_parked, kWaiters - 1);
    EXPECT_TRUE(is_parked(waiters[1]) && is_parked(waiters[2])) << "FIFO: the first waiter woke";

    cond.broadcast();
    while (woke.load() < kWaiters) goro::yield();
  });
}

TEST(Cond, ProducerConsumerQueue) {
  run_with_procs(4, [] {
    constexpr int kItems = 20000;
    constexpr int kConsumers = 4;
    goro::Mutex mu;
    goro::Cond not_empty(mu);
    std::vector<int> queue;
    bool closed = false;
    std::atomic<std::int64_t> sum{0};
    goro::WaitGroup wg;
    wg.add(kConsumers);
    for (int c = 0; c < kConsumers; c++) {
      goro::go([&] {
        {
          // Released before done(): once wg.wait() returns, `mu` may be gone.
          std::unique_lock lock(mu);
          for (;;) {
            not_empty.wait([&] { return !queue.empty() || closed; });
            if (queue.empty()) break;
            sum += queue.back();
            queue.pop_back();
          }
        }
        wg.done();
      });
    }
    for (int i = 1; i <= kItems; i++) {
      std::lock_guard lock(mu);
      queue.push_back(i);
      not_empty.signal();
    }
    {
      std::lock_guard lock(mu);
      closed = true;
    }
    not_empty.broadcast();
    wg.wait();
    EXPECT_EQ(sum.load(), std::int64_t{kItems} * (kItems + 1) / 2);
  });
}

// ---- Semaphore ------------------------------------------------------------------------------

TEST(Semaphore, FifoLargeRequestBlocksSmallerOnes) {
  run_with_procs(1, [] {
    goro::Semaphore sem(4);
    std::vector<std::string> order;
    GSlot big{nullptr}, small{nullptr};
    goro::WaitGroup wg;
    wg.add(2);
    sem.acquire(4);
    spawn_recorded(big, [&] {
      sem.acquire(3);
      order.push_back("big");
      wg.done();
    });
    wait_parked(big);
    spawn_recorded(small, [&] {
      sem.acquire(2);
      order.push_back("small");
      wg.done();
    });
    wait_parked(small);

    sem.release(2);  // 2 free: enough for `small`, but `big` is first in line
    EXPECT_FALSE(sem.try_acquire(1)) << "nobody may pass a queued waiter";
    goro::yield();
    EXPECT_TRUE(is_parked(big));
    EXPECT_TRUE(is_parked(small));
    EXPECT_TRUE(order.empty());

    sem.release(2);  // 4 free: `big` takes 3, 1 left is not enough for `small`
    while (order.size() < 1) goro::yield();
    EXPECT_TRUE(is_parked(small));
    sem.release(3);  // `big`'s units, returned on its behalf
    wg.wait();
    EXPECT_EQ(order, (std::vector<std::string>{"big", "small"}));
    sem.release(2);
    EXPECT_TRUE(sem.try_acquire(4));
  });
}

TEST(Semaphore, StressNeverExceedsSize) {
  run_with_procs(4, [] {
    constexpr std::int64_t kSize = 5;
    constexpr int kGoroutines = 12;
    goro::Semaphore sem(kSize);
    std::atomic<std::int64_t> held{0};
    std::atomic<bool> exceeded{false};
    goro::WaitGroup wg;
    wg.add(kGoroutines);
    for (int i = 0; i < kGoroutines; i++) {
      goro::go([&, i] {
        const std::int64_t n = 1 + i % 3;
        for (int j = 0; j < 2000; j++) {
          sem.acquire(n);
          if (held.fetch_add(n) + n > kSize) exceeded = true;
          held.fetch_sub(n);
          sem.release(n);
        }
        wg.done();
      });
    }
    wg.wait();
    EXPECT_FALSE(exceeded.load());
    EXPECT_TRUE(sem.try_acquire(kSize));
  });
}

TEST(Semaphore, Misuse) {
  run_with_procs(1, [] {
    goro::Semaphore sem(2);
    EXPECT_THROW(sem.acquire(3), goro::Panic);
    EXPECT_THROW(sem.release(1), goro::Panic);
  });
}

}  // namespace
