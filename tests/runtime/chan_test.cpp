// chan_test.cpp — goro/chan.hpp: Chan<T> send, receive, close, try operations and iteration.
//
// Goroutines report back over channels (the tests need nothing else to wait for them), and a
// test that must act while goroutines are blocked first waits for them to appear in the
// channel's wait queue (chan_testing.hpp) — never for an amount of time.
#include "goro/chan.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "goro/panic.hpp"
#include "goro/runtime.hpp"
#include "goro/time.hpp"
#include "runtime/chan_testing.hpp"

namespace {

using goro::Chan;
using goro::Unit;
using goro_test::Queue;
using goro_test::run_with_procs;
using goro_test::wait_for_waiters;

// Runs f, which must throw goro::Panic, and returns the panic's message.
template <class F>
std::string panic_message(F f) {
  try {
    f();
  } catch (const goro::Panic& panic) {
    return panic.what();
  }
  ADD_FAILURE() << "no goro::Panic thrown";
  return "";
}

TEST(Chan, UnbufferedHandsValuesOverInOrder) {
  goro::run([] {
    goro_test::Group group;
    Chan<int> ch(0);
    group.go([ch] {
      for (int i = 0; i < 100; i++) ch.send(i);
    });
    for (int i = 0; i < 100; i++) EXPECT_EQ(ch.recv(), i);
    EXPECT_EQ(ch.len(), 0u);
    EXPECT_EQ(ch.cap(), 0u);
    group.wait();
  });
}

TEST(Chan, UnbufferedSendWaitsForAReceiver) {
  run_with_procs(1, [] {
    goro_test::Group group;
    Chan<int> ch(0);
    Chan<Unit> sent(1);
    group.go([ch, sent] {
      ch.send(7);
      sent.send({});
    });
    wait_for_waiters(ch, Queue::kSenders, 1);
    EXPECT_FALSE(sent.try_recv().has_value());  // the sender is still blocked
    EXPECT_EQ(ch.recv(), 7);
    EXPECT_TRUE(sent.recv().has_value());
    group.wait();
  });
}

TEST(Chan, BufferedIsAFifoRingThatWrapsAround) {
  goro::run([] {
    Chan<int> ch(3);
    EXPECT_EQ(ch.cap(), 3u);
    int next_in = 0, next_out = 0;
    for (; next_in < 3; next_in++) ch.send(next_in);
    EXPECT_EQ(ch.len(), 3u);
    EXPECT_FALSE(ch.try_send(99));
    // Keep the ring full while its indices go round it several times.
    for (int round = 0; round < 10; round++) {
      EXPECT_EQ(ch.recv(), next_out++);
      EXPECT_EQ(ch.len(), 2u);
      ch.send(next_in++);
      EXPECT_EQ(ch.len(), 3u);
    }
    while (ch.len() > 0) EXPECT_EQ(ch.recv(), next_out++);
    EXPECT_EQ(next_out, next_in);
  });
}

TEST(Chan, BlockedSendersAreServedFirstComeFirstServed) {
  run_with_procs(4, [] {
    goro_test::Group group;
    for (std::size_t capacity : {0u, 2u}) {
      Chan<int> ch(capacity);
      for (int i = 0; i < static_cast<int>(capacity); i++) ch.send(i);
      // Senders queue one at a time, so the queue order is known.
      for (int i = 0; i < 5; i++) {
        group.go([ch, value = static_cast<int>(capacity) + i] { ch.send(value); });
        wait_for_waiters(ch, Queue::kSenders, i + 1);
      }
      for (int i = 0; i < static_cast<int>(capacity) + 5; i++) EXPECT_EQ(ch.recv(), i);
      group.wait();
    }
  });
}

TEST(Chan, BlockedReceiversAreServedFirstComeFirstServed) {
  run_with_procs(4, [] {
    goro_test::Group group;
    Chan<int> ch(0);
    Chan<std::pair<int, int>> got(5);  // (receiver, value)
    for (int i = 0; i < 5; i++) {
      group.go([ch, got, i] { got.send({i, *ch.recv()}); });
      wait_for_waiters(ch, Queue::kReceivers, i + 1);
    }
    for (int i = 0; i < 5; i++) ch.send(100 + i);
    for (int i = 0; i < 5; i++) {
      auto [receiver, value] = *got.recv();
      EXPECT_EQ(value, 100 + receiver);
    }
    group.wait();
  });
}

TEST(Chan, NilChannel) {
  goro::run([] {
    Chan<int> nil;
    EXPECT_EQ(nil.len(), 0u);
    EXPECT_EQ(nil.cap(), 0u);
    EXPECT_FALSE(nil.try_send(1));
    EXPECT_FALSE(nil.try_recv().has_value());
    EXPECT_FALSE(nil.try_recv_status().closed);
    EXPECT_EQ(panic_message([&] { nil.close(); }), "close of nil channel");
  });
}

TEST(ChanDeathTest, ReceiveFromNilChannelBlocksForever) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(goro::run([] { Chan<int>().recv(); }), testing::ExitedWithCode(2),
              "all goroutines are asleep - deadlock!.*chan receive \\(nil chan\\)");
}

TEST(ChanDeathTest, SendOnNilChannelBlocksForever) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(goro::run([] { Chan<int>().send(1); }), testing::ExitedWithCode(2),
              "all goroutines are asleep - deadlock!.*chan send \\(nil chan\\)");
}

TEST(Chan, HandlesCompareByChannel) {
  Chan<int> a(1), b(1);
  Chan<int> a_copy = a;
  EXPECT_TRUE(a == a_copy);
  EXPECT_FALSE(a == b);
  EXPECT_TRUE(Chan<int>() == Chan<int>());
  Chan<int> moved = std::move(a_copy);
  EXPECT_TRUE(moved == a);
  EXPECT_TRUE(a_copy == Chan<int>());  // NOLINT(bugprone-use-after-move): moved-from is nil
}

TEST(Chan, SendOnClosedChannelPanics) {
  goro::run([] {
    Chan<int> ch(1);
    ch.close();
    EXPECT_EQ(panic_message([&] { ch.send(1); }), "send on closed channel");
    EXPECT_EQ(panic_message([&] { ch.try_send(1); }), "send on closed channel");
    EXPECT_EQ(panic_message([&] { ch.close(); }), "close of closed channel");
  });
}

TEST(Chan, ClosedChannelDrainsItsBufferFirst) {
  goro::run([] {
    Chan<std::string> ch(3);
    ch.send("a");
    ch.send("b");
    ch.close();
    EXPECT_EQ(ch.len(), 2u);
    EXPECT_EQ(ch.recv(), "a");
    EXPECT_EQ(ch.try_recv(), "b");
    EXPECT_EQ(ch.recv(), std::nullopt);
    goro::TryRecv<std::string> status = ch.try_recv_status();
    EXPECT_FALSE(status.value.has_value());
    EXPECT_TRUE(status.closed);
  });
}

TEST(Chan, CloseWakesEveryWaitingReceiver) {
  run_with_procs(4, [] {
    goro_test::Group group;
    constexpr int kReceivers = 8;
    Chan<int> ch(0);
    Chan<bool> got_value(kReceivers);
    for (int i = 0; i < kReceivers; i++) {
      group.go([ch, got_value] { got_value.send(ch.recv().has_value()); });
    }
    wait_for_waiters(ch, Queue::kReceivers, kReceivers);
    ch.close();
    for (int i = 0; i < kReceivers; i++) EXPECT_EQ(got_value.recv(), false);
    group.wait();
  });
}

TEST(Chan, CloseMakesEveryWaitingSenderPanic) {
  run_with_procs(4, [] {
    goro_test::Group group;
    constexpr int kSenders = 8;
    for (std::size_t capacity : {0u, 3u}) {
      Chan<int> ch(capacity);
      for (std::size_t i = 0; i < capacity; i++) ch.send(-1);
      Chan<std::string> outcome(kSenders);
      for (int i = 0; i < kSenders; i++) {
        group.go([ch, outcome, i] { outcome.send(panic_message([&] { ch.send(i); })); });
      }
      wait_for_waiters(ch, Queue::kSenders, kSenders);
      ch.close();
      for (int i = 0; i < kSenders; i++) EXPECT_EQ(outcome.recv(), "send on closed channel");
      // The values buffered before the close are still there; the senders' are not.
      for (std::size_t i = 0; i < capacity; i++) EXPECT_EQ(ch.recv(), -1);
      EXPECT_EQ(ch.recv(), std::nullopt);
    }
    group.wait();
  });
}

TEST(Chan, MoveOnlyValues) {
  goro::run([] {
    goro_test::Group group;
    for (std::size_t capacity : {0u, 2u}) {
      Chan<std::unique_ptr<int>> ch(capacity);
      group.go([ch] {
        for (int i = 0; i < 10; i++) ch.send(std::make_unique<int>(i));
        ch.close();
      });
      int expected = 0;
      for (std::unique_ptr<int> p : ch) EXPECT_EQ(*p, expected++);
      EXPECT_EQ(expected, 10);
    }
    group.wait();
  });
}

TEST(Chan, FailedTrySendKeepsTheValue) {
  goro::run([] {
    Chan<std::unique_ptr<int>> ch(1);
    auto first = std::make_unique<int>(1);
    EXPECT_TRUE(ch.try_send(first));
    EXPECT_EQ(first, nullptr);  // moved into the channel
    auto second = std::make_unique<int>(2);
    EXPECT_FALSE(ch.try_send(std::move(second)));
    ASSERT_NE(second, nullptr);  // NOLINT(bugprone-use-after-move): not consumed on failure
    EXPECT_EQ(*second, 2);
    EXPECT_EQ(**ch.try_recv(), 1);
  });
}

TEST(Chan, TryOperations) {
  run_with_procs(4, [] {
    goro_test::Group group;
    Chan<int> ch(0);
    EXPECT_FALSE(ch.try_send(1));  // nobody receives
    goro::TryRecv<int> status = ch.try_recv_status();
    EXPECT_FALSE(status.value.has_value());
    EXPECT_FALSE(status.closed);

    Chan<int> received(1);
    group.go([ch, received] { received.send(*ch.recv()); });
    wait_for_waiters(ch, Queue::kReceivers, 1);
    EXPECT_TRUE(ch.try_send(5));  // a receiver waits: handed over directly
    EXPECT_EQ(received.recv(), 5);

    group.go([ch] { ch.send(6); });
    wait_for_waiters(ch, Queue::kSenders, 1);
    EXPECT_EQ(ch.try_recv(), 6);  // a sender waits: taken directly

    ch.close();
    EXPECT_TRUE(ch.try_recv_status().closed);
    group.wait();
  });
}

TEST(Chan, UnitChannelsCarryOnlySignals) {
  goro::run([] {
    goro_test::Group group;
    Chan<Unit> buffered(1000);
    for (int i = 0; i < 1000; i++) buffered.send({});
    EXPECT_EQ(buffered.len(), 1000u);
    EXPECT_FALSE(buffered.try_send(Unit{}));
    for (int i = 0; i < 1000; i++) EXPECT_EQ(buffered.recv(), Unit{});
    EXPECT_FALSE(buffered.try_recv().has_value());

    Chan<Unit> done(0);
    group.go([done] { done.close(); });
    EXPECT_EQ(done.recv(), std::nullopt);
    group.wait();
  });
}

TEST(Chan, RangeReceivesUntilClosed) {
  goro::run([] {
    goro_test::Group group;
    Chan<int> ch(4);
    group.go([ch] {
      for (int i = 1; i <= 100; i++) ch.send(i);
      ch.close();
    });
    int sum = 0;
    for (int v : ch) sum += v;
    EXPECT_EQ(sum, 5050);
    group.wait();
  });
}

TEST(Chan, ChannelsOfChannels) {
  goro::run([] {
    goro_test::Group group;
    Chan<Chan<int>> requests(0);
    group.go([requests] {
      for (Chan<int> reply : requests) reply.send(42);
    });
    for (int i = 0; i < 10; i++) {
      Chan<int> reply(0);
      requests.send(reply);
      EXPECT_EQ(reply.recv(), 42);
    }
    requests.close();
    group.wait();
  });
}

TEST(Chan, LastHandleDestroysBufferedValues) {
  auto value = std::make_shared<int>(1);
  {
    Chan<std::shared_ptr<int>> ch(4);
    goro::run([&] {
      for (int i = 0; i < 3; i++) ch.send(value);
      EXPECT_EQ(ch.recv(), value);  // one out: the ring's head is not slot 0 any more
      ch.send(value);
      ch.send(value);  // wraps around
    });
    EXPECT_EQ(value.use_count(), 5);
  }
  EXPECT_EQ(value.use_count(), 1);
}

TEST(Chan, OversizedBufferPanics) {
  EXPECT_EQ(panic_message([] { Chan<std::int64_t> ch(SIZE_MAX / 4); }),
            "makechan: size out of range");
}

// Two goroutines that only hand a value back and forth keep each other in their P's runnext
// slot, inheriting the time slice (sched.cpp): at GOMAXPROCS=1 the rest of the program runs only
// through the fairness turn of the global queue, sysmon's preemption and the timer check.
// Starts such a pair and returns a function that stops it.
std::function<void()> start_endless_pingpong() {
  auto stop = std::make_shared<std::atomic<bool>>(false);
  Chan<int> ping(0), pong(0);
  goro::go([=] {
    while (!stop->load()) {
      ping.send(1);
      pong.recv();
    }
    ping.close();
  });
  goro::go([=] {
    for (int v : ping) pong.send(v);
  });
  return [=] { stop->store(true); };
}

TEST(ChanHandOff, TimersFireDuringAnEndlessHandOffChain) {
  run_with_procs(1, [] {
    auto stop = start_endless_pingpong();
    goro::sleep(std::chrono::milliseconds(20));  // would never return if timers starved
    stop();
  });
}

TEST(ChanHandOff, YieldersRunDuringAnEndlessHandOffChain) {
  run_with_procs(1, [] {
    auto stop = start_endless_pingpong();
    std::atomic<int> rounds{0};
    Chan<Unit> done(0);
    goro::go([&] {
      while (rounds.fetch_add(1) < 100) goro::yield();  // through the global queue each time
      done.send(Unit{});
    });
    done.recv();
    stop();
    EXPECT_GE(rounds.load(), 100);
  });
}

// Many producers and consumers; every value must arrive exactly once.
class ChanStress : public testing::TestWithParam<std::tuple<int, std::size_t>> {};

TEST_P(ChanStress, EveryValueArrivesOnce) {
  const auto [procs, capacity] = GetParam();
  run_with_procs(procs, [capacity = capacity] {
    constexpr int kProducers = 8, kConsumers = 8, kPerProducer = 5000;
    goro_test::Group producers, consumers;
    Chan<std::int64_t> ch(capacity);
    Chan<std::int64_t> sums(kConsumers);
    for (int p = 0; p < kProducers; p++) {
      producers.go([ch, p] {
        for (int i = 0; i < kPerProducer; i++) ch.send(std::int64_t{p} * kPerProducer + i + 1);
      });
    }
    for (int c = 0; c < kConsumers; c++) {
      consumers.go([ch, sums] {
        std::int64_t sum = 0;
        for (std::int64_t v : ch) sum += v;
        sums.send(sum);
      });
    }
    producers.wait();
    ch.close();
    consumers.wait();
    std::int64_t total = 0;
    for (int c = 0; c < kConsumers; c++) total += *sums.recv();
    const std::int64_t n = std::int64_t{kProducers} * kPerProducer;
    EXPECT_EQ(total, n * (n + 1) / 2);
  });
}

INSTANTIATE_TEST_SUITE_P(ProcsAndCapacity, ChanStress,
                         testing::Combine(testing::Values(1, 4),
                                          testing::Values(std::size_t{0}, std::size_t{1},
                                                          std::size_t{64})));

}  // namespace
