// errgroup_test.cpp — goro/errgroup.hpp.
#include "goro/errgroup.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <system_error>

#include "goro/runtime.hpp"
#include "goro/select.hpp"
#include "goro/time.hpp"
#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;

using goro_test::run_with_procs;

TEST(ErrGroup, AllSucceed) {
  run_with_procs(4, [] {
    goro::ErrGroup group;
    std::atomic<int> ran{0};
    for (int i = 0; i < 100; i++) {
      group.go([&]() -> std::error_code {
        ran++;
        return {};
      });
      group.go([&] { ran++; });  // void subtasks always succeed
    }
    EXPECT_FALSE(group.wait());
    EXPECT_EQ(ran.load(), 200);
  });
}

TEST(ErrGroup, WaitReturnsTheFirstErrorAndCancelsTheContext) {
  run_with_procs(4, [] {
    goro::ErrGroup group(goro::background());
    const goro::Context ctx = group.context();
    std::atomic<int> saw_cancel{0};
    for (int i = 0; i < 10; i++) {
      group.go([&, ctx]() -> std::error_code {
        // Blocks until the failing subtask cancels the group.
        ctx.done().recv();
        saw_cancel++;
        return ctx.err();
      });
    }
    group.go([]() -> std::error_code {
      goro::sleep(1ms);
      return std::make_error_code(std::errc::connection_refused);
    });
    EXPECT_EQ(group.wait(), std::errc::connection_refused) << "the first error, not a later one";
    EXPECT_EQ(saw_cancel.load(), 10);
    EXPECT_EQ(ctx.err(), goro::ContextErrc::canceled);
  });
}

TEST(ErrGroup, WaitCancelsTheContextEvenOnSuccess) {
  run_with_procs(1, [] {
    goro::ErrGroup group(goro::background());
    group.go([] {});
    EXPECT_FALSE(group.wait());
    EXPECT_EQ(group.context().err(), goro::ContextErrc::canceled);
  });
}

TEST(ErrGroup, LimitBoundsConcurrency) {
  run_with_procs(4, [] {
    constexpr int kLimit = 3;
    goro::ErrGroup group;
    group.set_limit(kLimit);
    std::atomic<int> running{0}, peak{0};
    for (int i = 0; i < 60; i++) {
      group.go([&] {
        int now = ++running;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        goro::sleep(100us);
        running--;
      });
    }
    EXPECT_FALSE(group.wait());
    EXPECT_LE(peak.load(), kLimit);
    EXPECT_GE(peak.load(), 1);
  });
}

TEST(ErrGroup, TryGoRespectsTheLimit) {
  run_with_procs(1, [] {
    goro::ErrGroup group;
    group.set_limit(1);
    goro::Chan<goro::Unit> release(0);
    EXPECT_TRUE(group.try_go([&] { release.recv(); }));
    EXPECT_FALSE(group.try_go([] {}));
    release.send({});
    EXPECT_FALSE(group.wait());
    EXPECT_TRUE(group.try_go([] {}));
    EXPECT_FALSE(group.wait());
  });
}

TEST(ErrGroup, ChangingTheLimitWhileActivePanics) {
  run_with_procs(1, [] {
    goro::ErrGroup group;
    group.set_limit(2);
    goro::Chan<goro::Unit> release(0);
    group.go([&] { release.recv(); });
    EXPECT_THROW(group.set_limit(5), goro::Panic);
    release.send({});
    EXPECT_FALSE(group.wait());
    group.set_limit(-1);
  });
}

}  // namespace
