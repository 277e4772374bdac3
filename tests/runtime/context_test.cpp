// context_test.cpp — goro/context.hpp, and Semaphore::acquire(ctx, n) which depends on it.
#include "goro/context.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "goro/runtime.hpp"
#include "goro/select.hpp"
#include "goro/sync.hpp"
#include "goro/time.hpp"
#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using goro::ContextErrc;

using goro_test::run_with_procs;

// Whether ctx.done() is closed, without blocking.
bool is_done(const goro::Context& ctx) {
  return ctx.done().try_recv_status().closed;
}

const goro::ContextKey<std::string> kUser;
const goro::ContextKey<int> kAttempt;

TEST(Context, BackgroundIsNeverDone) {
  run_with_procs(1, [] {
    goro::Context bg = goro::background();
    EXPECT_TRUE(bg.done() == goro::Chan<goro::Unit>()) << "nil channel";
    EXPECT_FALSE(bg.err());
    EXPECT_FALSE(bg.deadline().has_value());
    EXPECT_EQ(bg.value(kUser), nullptr);
  });
}

TEST(Context, ErrorsCarryGoMessages) {
  std::error_code canceled = ContextErrc::canceled;
  std::error_code deadline = ContextErrc::deadline_exceeded;
  EXPECT_EQ(canceled.message(), "context canceled");
  EXPECT_EQ(deadline.message(), "context deadline exceeded");
  EXPECT_STREQ(canceled.category().name(), "context");
  EXPECT_TRUE(deadline == std::errc::timed_out);
  EXPECT_FALSE(canceled == std::errc::timed_out);
}

TEST(Context, CancelReachesDescendantsNotAncestors) {
  run_with_procs(4, [] {
    auto [parent, cancel_parent] = goro::with_cancel(goro::background());
    auto [child, cancel_child] = goro::with_cancel(parent);
    goro::Context valued = goro::with_value(child, kAttempt, 3);
    auto [grandchild, cancel_grandchild] = goro::with_cancel(valued);

    cancel_child();
    EXPECT_TRUE(is_done(child));
    EXPECT_TRUE(is_done(valued));
    EXPECT_TRUE(is_done(grandchild));
    EXPECT_EQ(grandchild.err(), ContextErrc::canceled);
    EXPECT_FALSE(is_done(parent));
    EXPECT_FALSE(parent.err());

    auto [sibling, cancel_sibling] = goro::with_cancel(parent);
    cancel_parent();
    EXPECT_TRUE(is_done(sibling));
    EXPECT_EQ(sibling.err(), ContextErrc::canceled);
    cancel_parent();  // idempotent
    cancel_sibling();
    cancel_grandchild();
  });
}

TEST(Context, ChildOfDoneParentIsBornDone) {
  run_with_procs(1, [] {
    auto [parent, cancel] = goro::with_cancel(goro::background());
    cancel();
    auto [child, cancel_child] = goro::with_cancel(parent);
    EXPECT_TRUE(is_done(child));
    EXPECT_EQ(child.err(), ContextErrc::canceled);
    cancel_child();
  });
}

TEST(Context, SelectOnDoneWakesBlockedGoroutines) {
  run_with_procs(4, [] {
    constexpr int kWatchers = 20;
    auto [ctx, cancel] = goro::with_cancel(goro::background());
    goro::Chan<int> work(0);  // nobody ever sends
    std::atomic<int> saw_cancel{0};
    goro::WaitGroup wg;
    wg.add(kWatchers);
    for (int i = 0; i < kWatchers; i++) {
      goro::go([&, ctx = ctx] {
        goro::select(goro::recv_case(work, [](std::optional<int>) {}),
                     goro::recv_case(ctx.done(), [&](std::optional<goro::Unit>) {
                       if (ctx.err() == ContextErrc::canceled) saw_cancel++;
                     }));
        wg.done();
      });
    }
    goro::sleep(1ms);
    cancel();
    wg.wait();
    EXPECT_EQ(saw_cancel.load(), kWatchers);
  });
}

TEST(Context, TimeoutFiresNotEarly) {
  run_with_procs(4, [] {
    const goro::Time start = goro::now();
    auto [ctx, cancel] = goro::with_timeout(goro::background(), 3ms);
    ASSERT_TRUE(ctx.deadline().has_value());
    EXPECT_GE(*ctx.deadline() - start, 3ms);
    EXPECT_FALSE(ctx.done().recv().has_value());  // closed
    EXPECT_GE(goro::now() - start, 3ms);
    EXPECT_EQ(ctx.err(), ContextErrc::deadline_exceeded);
    cancel();  // after the deadline: changes nothing
    EXPECT_EQ(ctx.err(), ContextErrc::deadline_exceeded);
  });
}

TEST(Context, PastDeadlineIsDoneAtOnce) {
  run_with_procs(1, [] {
    auto [ctx, cancel] = goro::with_deadline(goro::background(), goro::now() - 1s);
    EXPECT_TRUE(is_done(ctx));
    EXPECT_EQ(ctx.err(), ContextErrc::deadline_exceeded);
    cancel();
  });
}

TEST(Context, EarlierParentDeadlineGoverns) {
  run_with_procs(4, [] {
    auto [parent, cancel_parent] = goro::with_timeout(goro::background(), 2ms);
    auto [child, cancel_child] = goro::with_timeout(parent, 1h);
    EXPECT_EQ(child.deadline(), parent.deadline());
    child.done().recv();
    EXPECT_EQ(child.err(), ContextErrc::deadline_exceeded);
    cancel_child();
    cancel_parent();
  });
}

TEST(Context, CancelBeforeDeadlineWins) {
  run_with_procs(4, [] {
    auto [ctx, cancel] = goro::with_timeout(goro::background(), 1ms);
    cancel();
    EXPECT_EQ(ctx.err(), ContextErrc::canceled);
    goro::sleep(3ms);  // the stopped timer must not overwrite the error
    EXPECT_EQ(ctx.err(), ContextErrc::canceled);
  });
}

TEST(Context, ValuesAreInheritedAndShadowed) {
  run_with_procs(1, [] {
    goro::Context a = goro::with_value(goro::background(), kUser, std::string("ann"));
    auto [b, cancel] = goro::with_cancel(a);
    goro::Context c = goro::with_value(b, kAttempt, 2);
    goro::Context d = goro::with_value(c, kUser, "bob");
    ASSERT_NE(c.value(kUser), nullptr);
    EXPECT_EQ(*c.value(kUser), "ann");
    EXPECT_EQ(*d.value(kUser), "bob");
    EXPECT_EQ(*d.value(kAttempt), 2);
    EXPECT_EQ(a.value(kAttempt), nullptr);
    cancel();
    EXPECT_TRUE(is_done(d));
    EXPECT_EQ(*d.value(kUser), "bob");  // values outlive cancellation
  });
}

TEST(Context, ConcurrentDeriveAndCancel) {
  run_with_procs(4, [] {
    for (int round = 0; round < 50; round++) {
      auto [root, cancel_root] = goro::with_cancel(goro::background());
      constexpr int kDerivers = 8;
      std::atomic<int> not_done{0};
      goro::WaitGroup wg;
      wg.add(kDerivers + 1);
      for (int i = 0; i < kDerivers; i++) {
        goro::go([&, root = root] {
          for (int j = 0; j < 20; j++) {
            auto [child, cancel_child] = goro::with_cancel(root);
            if (j % 2 == 0) cancel_child();
            goro::yield();
            // Once the root is cancelled, every child must be done too.
            if (root.err() && !child.err()) not_done++;
            if (j % 2 == 1) cancel_child();
          }
          wg.done();
        });
      }
      goro::go([&, cancel_root = cancel_root] {
        goro::yield();
        cancel_root();
        wg.done();
      });
      wg.wait();
      EXPECT_EQ(not_done.load(), 0);
    }
  });
}

// ---- Semaphore::acquire(ctx, n) -------------------------------------------------------------

TEST(SemaphoreWithContext, TimesOutAndHoldsNothing) {
  run_with_procs(4, [] {
    goro::Semaphore sem(1);
    sem.acquire();
    auto [ctx, cancel] = goro::with_timeout(goro::background(), 2ms);
    EXPECT_EQ(sem.acquire(ctx, 1), ContextErrc::deadline_exceeded);
    sem.release();
    EXPECT_TRUE(sem.try_acquire(1));
    sem.release();
    cancel();
  });
}

TEST(SemaphoreWithContext, DoneContextFailsEvenIfFree) {
  run_with_procs(1, [] {
    goro::Semaphore sem(3);
    auto [ctx, cancel] = goro::with_cancel(goro::background());
    EXPECT_FALSE(sem.acquire(ctx, 2));
    cancel();
    EXPECT_EQ(sem.acquire(ctx, 1), ContextErrc::canceled);
    EXPECT_TRUE(sem.try_acquire(1)) << "2 held, 1 free";
  });
}

TEST(SemaphoreWithContext, CancelledFrontWaiterLetsTheNextIn) {
  run_with_procs(1, [] {
    goro::Semaphore sem(2);
    sem.acquire(2);
    auto [ctx, cancel] = goro::with_cancel(goro::background());
    std::vector<std::string> order;
    goro::WaitGroup wg;
    wg.add(2);
    goro::go([&, ctx = ctx] {
      EXPECT_EQ(sem.acquire(ctx, 2), ContextErrc::canceled);
      order.push_back("big cancelled");
      wg.done();
    });
    goro::sleep(1ms);
    goro::go([&] {
      sem.acquire(1);
      order.push_back("small");
      sem.release(1);
      wg.done();
    });
    goro::sleep(1ms);
    sem.release(1);  // 1 free, but `big` (2) is first in line
    goro::sleep(1ms);
    EXPECT_TRUE(order.empty());
    cancel();  // `big` leaves the front: `small` fits now
    wg.wait();
    EXPECT_EQ(order.size(), 2u);
    sem.release(1);  // main's last unit
    EXPECT_TRUE(sem.try_acquire(2));
  });
}

TEST(SemaphoreWithContext, RequestLargerThanSizeWaitsForTheContext) {
  run_with_procs(4, [] {
    goro::Semaphore sem(2);
    auto [ctx, cancel] = goro::with_timeout(goro::background(), 1ms);
    EXPECT_EQ(sem.acquire(ctx, 3), ContextErrc::deadline_exceeded);
    EXPECT_TRUE(sem.try_acquire(2));
    cancel();
  });
}

}  // namespace
