// sema_test.cpp — the runtime semaphore table and notify list (src/runtime/sema.cpp).
//
// Ordering tests run at GOMAXPROCS 1, where goroutines switch only when they block or yield, so
// "the goroutine recorded its arrival and then parked" is one indivisible step as seen by main.
#include "runtime/sema.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "goro/runtime.hpp"
#include "goro/sync.hpp"
#include "test_util.hpp"

namespace {

using goro::rt::WaitReason;

// Runs body as goro::run's main goroutine with GOMAXPROCS set to procs.
using goro_test::run_with_procs;

void yield_until(const std::atomic<int>& counter, int target) {
  while (counter.load() < target) goro::yield();
}

TEST(Sema, ReleaseBeforeAcquireIsNotLost) {
  run_with_procs(1, [] {
    std::atomic<std::uint32_t> count{0};
    goro::rt::semrelease(&count, false);
    goro::rt::semrelease(&count, false);
    goro::rt::semacquire(&count, false, WaitReason::kSemacquire);
    goro::rt::semacquire(&count, false, WaitReason::kSemacquire);
    EXPECT_EQ(count.load(), 0u);
  });
}

TEST(Sema, WaitersOnOneAddressWakeInFifoOrder) {
  run_with_procs(1, [] {
    constexpr int kWaiters = 16;
    std::atomic<std::uint32_t> count{0};
    std::vector<int> arrived, woke;
    std::atomic<int> parked{0}, done{0};
    for (int i = 0; i < kWaiters; i++) {
      goro::go([&, i] {
        arrived.push_back(i);
        parked++;
        goro::rt::semacquire(&count, false, WaitReason::kSemacquire);
        woke.push_back(i);
        done++;
      });
    }
    yield_until(parked, kWaiters);
    for (int i = 1; i <= kWaiters; i++) {
      goro::rt::semrelease(&count, false);
      yield_until(done, i);
    }
    EXPECT_EQ(woke, arrived);
  });
}

TEST(Sema, LifoWaiterGoesToTheFront) {
  run_with_procs(1, [] {
    std::atomic<std::uint32_t> count{0};
    std::vector<int> woke;
    std::atomic<int> parked{0}, done{0};
    auto waiter = [&](int id, bool lifo) {
      goro::go([&, id, lifo] {
        parked++;
        goro::rt::semacquire(&count, lifo, WaitReason::kSemacquire);
        woke.push_back(id);
        done++;
      });
      yield_until(parked, id + 1);
    };
    waiter(0, false);
    waiter(1, false);
    waiter(2, true);
    for (int i = 1; i <= 3; i++) {
      goro::rt::semrelease(&count, false);
      yield_until(done, i);
    }
    EXPECT_EQ(woke, (std::vector<int>{2, 0, 1}));
  });
}

TEST(Sema, HandoffGivesTheUnitToTheWaiter) {
  run_with_procs(1, [] {
    for (bool handoff : {false, true}) {
      std::atomic<std::uint32_t> count{0};
      std::atomic<int> parked{0}, done{0};
      goro::go([&] {
        parked++;
        goro::rt::semacquire(&count, false, WaitReason::kSemacquire);
        done++;
      });
      yield_until(parked, 1);
      goro::rt::semrelease(&count, handoff);
      // The waiter is runnable but has not run (one P). With a hand-off the unit is already
      // its; without, it is still in the count for anyone to take.
      EXPECT_EQ(count.load(), handoff ? 0u : 1u) << "handoff=" << handoff;
      yield_until(done, 1);
      EXPECT_EQ(count.load(), 0u);
    }
  });
}

TEST(Sema, DistinctAddressesInOneBucketStayApart) {
  run_with_procs(1, [] {
    // Addresses 251 * 8 bytes apart hash to the same bucket.
    constexpr int kStride = 251 * 8 / sizeof(std::atomic<std::uint32_t>);
    constexpr int kAddresses = 4;
    constexpr int kWaitersEach = 3;
    std::vector<std::atomic<std::uint32_t>> counts(kStride * kAddresses);
    std::vector<int> woke;
    std::atomic<int> parked{0}, done{0};
    for (int a = 0; a < kAddresses; a++) {
      for (int w = 0; w < kWaitersEach; w++) {
        goro::go([&, a, w] {
          parked++;
          goro::rt::semacquire(&counts[a * kStride], false, WaitReason::kSemacquire);
          woke.push_back(a * 10 + w);
          done++;
        });
        yield_until(parked, a * kWaitersEach + w + 1);
      }
    }
    // Release the addresses in reverse order; each address's waiters come out FIFO.
    std::vector<int> expected;
    int released = 0;
    for (int a = kAddresses - 1; a >= 0; a--) {
      for (int w = 0; w < kWaitersEach; w++) {
        goro::rt::semrelease(&counts[a * kStride], false);
        yield_until(done, ++released);
        expected.push_back(a * 10 + w);
      }
    }
    EXPECT_EQ(woke, expected);
  });
}

TEST(Sema, StressAsMutex) {
  for (int procs : {1, 4}) {
    run_with_procs(procs, [] {
      constexpr int kGoroutines = 8;
      constexpr int kIterations = 20000;
      std::atomic<std::uint32_t> count{1};
      std::int64_t counter = 0;
      goro::WaitGroup wg;
      wg.add(kGoroutines);
      for (int i = 0; i < kGoroutines; i++) {
        goro::go([&] {
          for (int j = 0; j < kIterations; j++) {
            goro::rt::semacquire(&count, false, WaitReason::kSemacquire);
            counter++;
            goro::rt::semrelease(&count, false);
          }
          wg.done();
        });
      }
      wg.wait();
      EXPECT_EQ(counter, std::int64_t{kGoroutines} * kIterations);
      EXPECT_EQ(count.load(), 1u);
    });
  }
}

TEST(NotifyList, NotificationBeforeWaitIsKept) {
  run_with_procs(1, [] {
    goro::detail::NotifyList list;
    std::uint32_t ticket = goro::rt::notify_list_add(&list);
    goro::rt::notify_list_notify_one(&list);
    goro::rt::notify_list_wait(&list, ticket);  // returns at once
    goro::rt::notify_list_notify_one(&list);    // nobody left: a no-op
    EXPECT_EQ(list.notify.load(), list.wait.load());
  });
}

TEST(NotifyList, NotifyOneWakesInTicketOrderAndNotifyAllWakesTheRest) {
  run_with_procs(1, [] {
    constexpr int kWaiters = 5;
    goro::detail::NotifyList list;
    std::vector<int> woke;
    std::atomic<int> parked{0}, done{0};
    for (int i = 0; i < kWaiters; i++) {
      goro::go([&, i] {
        std::uint32_t ticket = goro::rt::notify_list_add(&list);
        parked++;
        goro::rt::notify_list_wait(&list, ticket);
        woke.push_back(i);
        done++;
      });
      yield_until(parked, i + 1);
    }
    goro::rt::notify_list_notify_one(&list);
    yield_until(done, 1);
    goro::rt::notify_list_notify_one(&list);
    yield_until(done, 2);
    EXPECT_EQ(woke, (std::vector<int>{0, 1}));
    goro::rt::notify_list_notify_all(&list);
    yield_until(done, kWaiters);
    EXPECT_EQ(woke.size(), std::size_t{kWaiters});
  });
}

}  // namespace
