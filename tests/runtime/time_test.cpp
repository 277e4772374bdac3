// time_test.cpp — goro/time.hpp: sleep, after, Timer, Ticker, after_func.
//
// Assertions about time are only ever "not earlier than": how late a timer fires depends on the
// machine's load, but firing early is always a bug.
#include "goro/time.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <vector>

#include "goro/panic.hpp"
#include "goro/runtime.hpp"
#include "goro/select.hpp"
#include "goro/sync.hpp"
#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using goro::Duration;
using goro::Time;

using goro_test::run_with_procs;

TEST(Sleep, NeverWakesEarly) {
  for (int procs : {1, 4}) {
    run_with_procs(procs, [] {
      for (Duration d :
           {Duration(0), Duration(1us), Duration(100us), Duration(1ms), Duration(3ms)}) {
        const Time start = goro::now();
        goro::sleep(d);
        EXPECT_GE(goro::now() - start, d);
      }
    });
  }
}

TEST(Sleep, ManyConcurrentSleepersNeverWakeEarly) {
  for (int procs : {1, 4}) {
    run_with_procs(procs, [] {
      constexpr int kSleepers = 200;
      std::atomic<int> early{0};
      goro::WaitGroup wg;
      wg.add(kSleepers);
      for (int i = 0; i < kSleepers; i++) {
        goro::go([&, i] {
          for (int round = 0; round < 5; round++) {
            const Duration d = Duration((i * 7 + round * 13) % 50 * 20us);
            const Time start = goro::now();
            goro::sleep(d);
            if (goro::now() - start < d) early++;
          }
          wg.done();
        });
      }
      wg.wait();
      EXPECT_EQ(early.load(), 0);
    });
  }
}

TEST(After, DeliversTheFiringTimeOnce) {
  run_with_procs(4, [] {
    const Time start = goro::now();
    goro::Chan<Time> ch = goro::after(2ms);
    std::optional<Time> fired = ch.recv();
    ASSERT_TRUE(fired.has_value());
    EXPECT_GE(*fired - start, 2ms);
    EXPECT_GE(goro::now() - start, 2ms);
    goro::sleep(1ms);
    EXPECT_FALSE(ch.try_recv().has_value());
  });
}

TEST(After, ManyPendingTimersAllFire) {
  run_with_procs(4, [] {
    constexpr int kTimers = 2000;
    std::vector<goro::Chan<Time>> channels;
    for (int i = 0; i < kTimers; i++) channels.push_back(goro::after(Duration(i % 100 * 10us)));
    for (auto& ch : channels) EXPECT_TRUE(ch.recv().has_value());
  });
}

TEST(After, SelectTimeout) {
  run_with_procs(1, [] {
    goro::Chan<int> never(0);
    const Time start = goro::now();
    std::size_t which = goro::select(goro::recv_case(never, [](std::optional<int>) {}),
                                     goro::recv_case(goro::after(1ms), [](std::optional<Time>) {}));
    EXPECT_EQ(which, 1u);
    EXPECT_GE(goro::now() - start, 1ms);
  });
}

TEST(Timer, StopBeforeExpiry) {
  run_with_procs(1, [] {
    goro::Timer t(1h);
    EXPECT_TRUE(t.stop());
    EXPECT_FALSE(t.stop());
    EXPECT_FALSE(t.c().try_recv().has_value());
  });
}

TEST(Timer, StopAfterExpiry) {
  run_with_procs(1, [] {
    goro::Timer t(1ms);
    EXPECT_TRUE(t.c().recv().has_value());
    EXPECT_FALSE(t.stop());
  });
}

// Stop racing the expiry: whichever wins, stop's result must say which, and the channel must
// agree (false: the value is already there; true: it never comes).
TEST(Timer, StopRacingExpiryReportsTheTruth) {
  run_with_procs(4, [] {
    int stopped_count = 0;
    for (int i = 0; i < 2000; i++) {
      goro::Timer t(Duration(i % 40 * 1us));
      for (int spin = 0; spin < i % 7; spin++) goro::yield();
      if (t.stop()) {
        stopped_count++;
        EXPECT_FALSE(t.c().try_recv().has_value()) << "stopped timer fired";
      } else {
        EXPECT_TRUE(t.c().try_recv().has_value()) << "stop returned false before delivery";
      }
    }
    // Stopped timers must stay silent.
    goro::Timer t(20us);
    EXPECT_TRUE(t.stop());
    goro::sleep(1ms);
    EXPECT_FALSE(t.c().try_recv().has_value());
    RecordProperty("stopped", stopped_count);
  });
}

TEST(Timer, ResetRearmsWithoutDoubleFiring) {
  run_with_procs(4, [] {
    goro::Timer t(1h);
    Time start = goro::now();
    EXPECT_TRUE(t.reset(2ms));  // was active
    EXPECT_TRUE(t.c().recv().has_value());
    EXPECT_GE(goro::now() - start, 2ms);

    start = goro::now();
    EXPECT_FALSE(t.reset(1ms));  // had expired
    EXPECT_TRUE(t.c().recv().has_value());
    EXPECT_GE(goro::now() - start, 1ms);

    // Reset while pending moves the expiry; only one value arrives.
    start = goro::now();
    t.reset(1h);
    EXPECT_TRUE(t.reset(1ms));
    EXPECT_TRUE(t.c().recv().has_value());
    EXPECT_GE(goro::now() - start, 1ms);
    goro::sleep(3ms);
    EXPECT_FALSE(t.c().try_recv().has_value());
    EXPECT_FALSE(t.stop());
  });
}

TEST(Timer, DestroyingTheHandleOfAPendingTimerIsSafe) {
  run_with_procs(4, [] {
    for (int i = 0; i < 1000; i++) goro::Timer t(Duration(i % 20 * 1us));
    goro::sleep(1ms);
  });
}

TEST(Ticker, TicksNotEarlierThanTheirPeriods) {
  run_with_procs(4, [] {
    constexpr Duration kPeriod = 1ms;
    const Time start = goro::now();
    goro::Ticker ticker(kPeriod);
    for (int k = 1; k <= 5; k++) {
      std::optional<Time> tick = ticker.c().recv();
      ASSERT_TRUE(tick.has_value());
      EXPECT_GE(*tick - start, k * kPeriod);  // the k-th tick is due k periods after start
      EXPECT_GE(goro::now() - start, k * kPeriod);
    }
  });
}

TEST(Ticker, DropsTicksForASlowReceiver) {
  run_with_procs(1, [] {
    goro::Ticker ticker(100us);
    goro::sleep(5ms);  // about 50 periods
    EXPECT_EQ(ticker.c().len(), 1u) << "one tick waits, the others were dropped";
    EXPECT_TRUE(ticker.c().try_recv().has_value());
  });
}

TEST(Ticker, StopAndReset) {
  run_with_procs(4, [] {
    goro::Ticker ticker(200us);
    EXPECT_TRUE(ticker.c().recv().has_value());
    ticker.stop();
    ticker.c().try_recv();  // a tick delivered before stop may wait in the buffer
    goro::sleep(2ms);
    EXPECT_FALSE(ticker.c().try_recv().has_value()) << "ticked after stop";

    const Time start = goro::now();
    ticker.reset(1ms);
    EXPECT_TRUE(ticker.c().recv().has_value());
    EXPECT_GE(goro::now() - start, 1ms);
    EXPECT_THROW(goro::Ticker(Duration(0)), goro::Panic);
  });
}

TEST(AfterFunc, RunsInItsOwnGoroutineNotEarly) {
  run_with_procs(4, [] {
    goro::WaitGroup wg;
    wg.add(1);
    std::atomic<std::int64_t> ran_on{0};
    const Time start = goro::now();
    std::atomic<std::int64_t> elapsed_ns{0};
    goro::Timer t = goro::after_func(2ms, [&] {
      elapsed_ns = (goro::now() - start).count();
      ran_on = goro::goroutine_id();
      wg.done();
    });
    EXPECT_FALSE(t.c().try_recv().has_value());  // nil channel: never ready
    wg.wait();
    EXPECT_GE(Duration(elapsed_ns.load()), 2ms);
    EXPECT_NE(ran_on.load(), goro::goroutine_id());
    EXPECT_FALSE(t.stop());
  });
}

TEST(AfterFunc, DiscardedHandleStillFiresAndStopCancels) {
  run_with_procs(4, [] {
    goro::WaitGroup wg;
    wg.add(1);
    goro::after_func(1ms, [&] { wg.done(); });  // handle dropped at once: f still runs
    wg.wait();

    std::atomic<bool> cancelled_ran{false};
    goro::Timer t = goro::after_func(1ms, [&] { cancelled_ran = true; });
    EXPECT_TRUE(t.stop());
    goro::sleep(3ms);
    EXPECT_FALSE(cancelled_ran.load());
  });
}

TEST(AfterFunc, ResetRunsItAgain) {
  run_with_procs(4, [] {
    std::atomic<int> runs{0};
    goro::Chan<goro::Unit> ran(2);
    goro::Timer t = goro::after_func(100us, [&] {
      runs++;
      ran.send({});
    });
    ran.recv();
    EXPECT_FALSE(t.reset(100us));
    ran.recv();
    EXPECT_EQ(runs.load(), 2);
  });
}

}  // namespace
