// Tests for goroutine stacks (src/runtime/stack.cpp): chunk carving, the guard page below every
// stack whichever way it is made (guard regions, mprotect), the canary once the mprotect budget
// is spent, and overflow reports for stacks in the middle of a chunk. Tests that switch the
// process to mprotect guards run in a child process, so the others keep the kernel's choice.
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "goro/goro.hpp"
#include "runtime/stack.hpp"

namespace {

using goro::rt::Stack;

constexpr std::size_t kPage = 4096;

std::vector<Stack> alloc_stacks(std::size_t n) {
  std::vector<Stack> stacks;
  for (std::size_t i = 0; i < n; i++)
    stacks.push_back(goro::rt::stack_alloc(goro::rt::default_stack_size()));
  return stacks;
}

// Every stack has the requested size and either a guard page right below it or a zero canary.
void expect_well_formed(const std::vector<Stack>& stacks) {
  for (const Stack& s : stacks) {
    EXPECT_EQ(s.size(), goro::rt::default_stack_size());
    EXPECT_NE(s.guarded, s.canary);
    EXPECT_EQ(goro::rt::stack_guard_contains(s, s.lo - 1), s.guarded);
    EXPECT_EQ(goro::rt::stack_guard_contains(s, s.lo - kPage), s.guarded);
    EXPECT_FALSE(goro::rt::stack_guard_contains(s, s.lo));
    EXPECT_FALSE(goro::rt::stack_guard_contains(s, s.lo - kPage - 1));
    EXPECT_FALSE(goro::rt::stack_canary_broken(s));
  }
}

TEST(Stack, ManyStacksAreWellFormedAndDisjoint) {
  auto stacks = alloc_stacks(200);  // three chunks and more
  expect_well_formed(stacks);
  for (std::size_t i = 0; i < stacks.size(); i++) {
    stacks[i].hi[-1] = static_cast<char>(i);  // each stack usable up to its top
    stacks[i].lo[0] = static_cast<char>(i);   // and down to its bottom
  }
  for (std::size_t i = 0; i < stacks.size(); i++) {
    EXPECT_EQ(stacks[i].hi[-1], static_cast<char>(i));
    EXPECT_EQ(stacks[i].lo[0], static_cast<char>(i));
  }
  goro::rt::stack_free(stacks.data(), stacks.size());
}

TEST(Stack, FreedStacksAreReusedBeforeNewOnesAreMapped) {
  auto first = alloc_stacks(100);
  auto before = goro::rt::stack_stats();
  goro::rt::stack_free(first.data(), first.size());
  auto again = alloc_stacks(100);
  auto after = goro::rt::stack_stats();
  EXPECT_EQ(after.guarded_mapped + after.unguarded_mapped,
            before.guarded_mapped + before.unguarded_mapped);
  goro::rt::stack_free(again.data(), again.size());
}

TEST(Stack, GuardRegionsNeedNoBudget) {
  auto stacks = alloc_stacks(1);  // the first chunk decides the method
  if (!goro::rt::stack_stats().guard_regions)
    GTEST_SKIP() << "this kernel has no MADV_GUARD_INSTALL (Linux 6.13)";
  stacks = alloc_stacks(300);
  EXPECT_EQ(goro::rt::stack_stats().unguarded_mapped, 0u);
  for (const Stack& s : stacks) EXPECT_TRUE(s.guarded);
}

TEST(StackDeathTest, TouchingAnyGuardPageFaults) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (std::size_t victim : {0, 63, 64, 130}) {
    EXPECT_DEATH(
        {
          auto stacks = alloc_stacks(victim + 1);
          *reinterpret_cast<volatile char*>(stacks[victim].lo - 1) = 1;
          std::exit(0);
        },
        "")
        << "stack " << victim;
  }
}

TEST(StackDeathTest, MprotectGuardsUntilTheBudgetThenCanaries) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        goro::rt::stack_use_mprotect_guards(10);
        auto stacks = alloc_stacks(100);
        int guarded = 0;
        for (std::size_t i = 0; i < stacks.size(); i++) guarded += stacks[i].guarded;
        auto stats = goro::rt::stack_stats();
        bool ok = guarded == 10 && !stats.guard_regions && stats.guarded_mapped == 10 &&
                  stats.unguarded_mapped >= 90 && !::testing::Test::HasFailure();
        expect_well_formed(stacks);
        // A write below a canary stack is what the scheduler's switch-out check catches.
        Stack& canary = stacks.back();
        ok = ok && canary.canary && !goro::rt::stack_canary_broken(canary);
        canary.lo[-8] = 1;
        ok = ok && goro::rt::stack_canary_broken(canary) && !::testing::Test::HasFailure();
        std::exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(StackDeathTest, LargeStacksComeInSmallerChunks) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("GORO_STACK_SIZE", "8388608", 1);  // 8 MiB: three per 32 MiB chunk
        auto stacks = alloc_stacks(4);
        expect_well_formed(stacks);
        auto stats = goro::rt::stack_stats();
        // Two chunks of three: four handed out, two still fresh.
        bool ok = stacks[0].size() == 8u << 20 && stats.fresh == 2 &&
                  stats.guarded_mapped + stats.unguarded_mapped == 6 &&
                  !::testing::Test::HasFailure();
        std::exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

int recurse(int depth) {
  volatile char pad[1024];
  pad[0] = static_cast<char>(depth);
  return depth == 0 ? pad[0] : recurse(depth - 1) + pad[0];
}

// The overflowing goroutine runs after 100 others have taken stacks, so its stack lies inside
// a chunk with neighbours on both sides.
void overflow_after_100_goroutines() {
  goro::run([] {
    goro::Chan<goro::Unit> release;
    goro::WaitGroup started;
    for (int i = 0; i < 100; i++) {
      started.add(1);
      goro::go([&] {
        started.done();
        release.recv();
      });
    }
    started.wait();
    goro::Chan<int> result;
    goro::go([&] { result.send(recurse(1 << 30)); });
    result.recv();
  });
}

TEST(StackDeathTest, OverflowInsideAChunkIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(overflow_after_100_goroutines(), ::testing::ExitedWithCode(2),
              "goroutine [0-9]+: stack overflow");
}

TEST(StackDeathTest, OverflowIsReportedWithMprotectGuards) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        goro::rt::stack_use_mprotect_guards(1000);
        overflow_after_100_goroutines();
      },
      ::testing::ExitedWithCode(2), "goroutine [0-9]+: stack overflow");
}

}  // namespace
