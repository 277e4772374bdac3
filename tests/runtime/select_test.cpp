// select_test.cpp — goro/select.hpp: goro::select over receive, send and default cases.
//
// As in chan_test.cpp, nothing here depends on timing: goroutines report over channels, and a
// test that needs a select to be blocked waits until its waiters are queued on the channel.
#include "goro/select.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "goro/chan.hpp"
#include "goro/panic.hpp"
#include "goro/runtime.hpp"
#include "runtime/chan_testing.hpp"

namespace {

using goro::Chan;
using goro::default_case;
using goro::recv_case;
using goro::select;
using goro::send_case;
using goro::Unit;
using goro_test::Queue;
using goro_test::run_with_procs;
using goro_test::wait_for_waiters;

TEST(Select, ChoosesTheReadyCase) {
  goro::run([] {
    Chan<int> empty(1), ready(1);
    ready.send(7);
    std::optional<int> got;
    const std::size_t chosen =
        select(recv_case(empty, [](std::optional<int>) { FAIL() << "empty channel chosen"; }),
               recv_case(ready, [&](std::optional<int> v) { got = v; }));
    EXPECT_EQ(chosen, 1u);
    EXPECT_EQ(got, 7);
    EXPECT_EQ(ready.len(), 0u);
  });
}

TEST(Select, DefaultRunsOnlyWhenNothingIsReady) {
  goro::run([] {
    Chan<int> ch(1);
    bool defaulted = false;
    EXPECT_EQ(
        select(recv_case(ch, [](std::optional<int>) {}), default_case([&] { defaulted = true; })),
        1u);
    EXPECT_TRUE(defaulted);

    ch.send(1);
    defaulted = false;
    EXPECT_EQ(select(default_case([&] { defaulted = true; }),
                     recv_case(ch, [](std::optional<int> v) { EXPECT_EQ(v, 1); })),
              1u);
    EXPECT_FALSE(defaulted);
  });
}

TEST(Select, SendCaseIntoBufferOrToAWaitingReceiver) {
  run_with_procs(4, [] {
    goro_test::Group group;
    Chan<int> full(1), buffered(1);
    full.send(0);
    bool sent = false;
    EXPECT_EQ(select(send_case(full, 1, [] { FAIL() << "full channel chosen"; }),
                     send_case(buffered, 2, [&] { sent = true; })),
              1u);
    EXPECT_TRUE(sent);
    EXPECT_EQ(buffered.recv(), 2);

    Chan<int> unbuffered(0), received(1);
    group.go([unbuffered, received] { received.send(*unbuffered.recv()); });
    wait_for_waiters(unbuffered, Queue::kReceivers, 1);
    EXPECT_EQ(select(send_case(unbuffered, 3, [] {}), default_case([] {})), 0u);
    EXPECT_EQ(received.recv(), 3);
    group.wait();
  });
}

TEST(Select, BlockedSelectIsCompletedByASender) {
  run_with_procs(4, [] {
    goro_test::Group group;
    Chan<int> a(0), b(0);
    Chan<std::string> result(1);
    group.go([a, b, result] {
      select(recv_case(a, [&](std::optional<int> v) { result.send("a" + std::to_string(*v)); }),
             recv_case(b, [&](std::optional<int> v) { result.send("b" + std::to_string(*v)); }));
    });
    wait_for_waiters(b, Queue::kReceivers, 1);
    b.send(5);
    EXPECT_EQ(result.recv(), "b5");
    // The select withdrew from `a`.
    EXPECT_EQ(goro_test::waiters(a, Queue::kReceivers), 0u);
    EXPECT_FALSE(a.try_send(1));
    group.wait();
  });
}

TEST(Select, BlockedSelectIsCompletedByAReceiver) {
  run_with_procs(4, [] {
    goro_test::Group group;
    Chan<int> a(0), b(0);
    Chan<char> result(1);
    group.go([a, b, result] {
      select(send_case(a, 1, [&] { result.send('a'); }),
             send_case(b, 2, [&] { result.send('b'); }));
    });
    wait_for_waiters(a, Queue::kSenders, 1);
    EXPECT_EQ(a.recv(), 1);
    EXPECT_EQ(result.recv(), 'a');
    EXPECT_EQ(goro_test::waiters(b, Queue::kSenders), 0u);
    group.wait();
  });
}

TEST(Select, ReceiveFromClosedChannelGetsNullopt) {
  run_with_procs(4, [] {
    goro_test::Group group;
    Chan<int> closed(1);
    closed.close();
    bool got_nullopt = false;
    select(recv_case(closed, [&](std::optional<int> v) { got_nullopt = !v.has_value(); }));
    EXPECT_TRUE(got_nullopt);

    // Closing a channel wakes a select blocked on it.
    Chan<int> ch(0), other(0);
    Chan<bool> result(1);
    group.go([ch, other, result] {
      select(recv_case(other, [](std::optional<int>) {}),
             recv_case(ch, [&](std::optional<int> v) { result.send(v.has_value()); }));
    });
    wait_for_waiters(ch, Queue::kReceivers, 1);
    ch.close();
    EXPECT_EQ(result.recv(), false);
    group.wait();
  });
}

TEST(Select, SendOnClosedChannelPanics) {
  run_with_procs(4, [] {
    goro_test::Group group;
    Chan<int> closed(1);
    closed.close();
    EXPECT_THROW(select(send_case(closed, 1, [] {}), default_case([] {})), goro::Panic);

    // ... also when the channel is closed while the select waits.
    Chan<int> ch(0), other(0);
    Chan<std::string> result(1);
    group.go([ch, other, result] {
      try {
        select(send_case(ch, 1, [] {}), recv_case(other, [](std::optional<int>) {}));
        result.send("no panic");
      } catch (const goro::Panic& panic) {
        result.send(panic.what());
      }
    });
    wait_for_waiters(ch, Queue::kSenders, 1);
    ch.close();
    EXPECT_EQ(result.recv(), "send on closed channel");
    EXPECT_EQ(goro_test::waiters(other, Queue::kReceivers), 0u);
    group.wait();
  });
}

TEST(Select, NilChannelCasesNeverFire) {
  goro::run([] {
    Chan<int> nil, ready(1);
    ready.send(1);
    for (int i = 0; i < 100; i++) {
      EXPECT_EQ(select(recv_case(nil, [](std::optional<int>) {}), default_case([] {})), 1u);
      EXPECT_EQ(select(send_case(nil, 1, [] {}), default_case([] {})), 1u);
    }
    EXPECT_EQ(select(send_case(nil, 1, [] {}), recv_case(nil, [](std::optional<int>) {}),
                     recv_case(ready, [](std::optional<int>) {})),
              2u);
  });
}

TEST(SelectDeathTest, SelectWithNoCasesBlocksForever) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(goro::run([] { select(); }), testing::ExitedWithCode(2),
              "all goroutines are asleep - deadlock!.*select \\(no cases\\)");
}

TEST(SelectDeathTest, SelectOnlyOnNilChannelsBlocksForever) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(goro::run([] {
                Chan<int> nil;
                select(recv_case(nil, [](std::optional<int>) {}));
              }),
              testing::ExitedWithCode(2),
              "all goroutines are asleep - deadlock!.*select \\(no cases\\)");
}

TEST(Select, ChoosesUniformlyAmongReadyCases) {
  goro::run([] {
    Chan<int> a(1), b(1);
    int chose_a = 0, chose_b = 0;
    for (int i = 0; i < 10000; i++) {
      a.try_send(0);
      b.try_send(0);
      select(recv_case(a, [&](std::optional<int>) { chose_a++; }),
             recv_case(b, [&](std::optional<int>) { chose_b++; }));
    }
    EXPECT_EQ(chose_a + chose_b, 10000);
    // A fair coin lands outside [4000, 6000] in 10,000 tosses with probability below 1e-80.
    EXPECT_GE(chose_a, 4000);
    EXPECT_LE(chose_a, 6000);
  });
}

TEST(Select, SameChannelInSeveralCases) {
  run_with_procs(4, [] {
    goro_test::Group group;
    Chan<int> ch(0);
    Chan<std::size_t> chosen(1);
    group.go([ch, chosen] {
      chosen.send(select(recv_case(ch, [](std::optional<int> v) { EXPECT_EQ(v, 1); }),
                         recv_case(ch, [](std::optional<int> v) { EXPECT_EQ(v, 1); })));
    });
    wait_for_waiters(ch, Queue::kReceivers, 2);
    ch.send(1);
    EXPECT_LT(*chosen.recv(), 2u);
    EXPECT_EQ(goro_test::waiters(ch, Queue::kReceivers), 0u);

    // Sending and receiving on one channel in one select: only another goroutine can match.
    group.go([ch, chosen] {
      chosen.send(select(send_case(ch, 2, [] {}), recv_case(ch, [](std::optional<int>) {})));
    });
    wait_for_waiters(ch, Queue::kReceivers, 1);
    EXPECT_EQ(ch.recv(), 2);
    EXPECT_EQ(chosen.recv(), 0u);
    group.wait();
  });
}

TEST(Select, CallbacksRunWithoutChannelLocks) {
  goro::run([] {
    Chan<int> ch(1);
    ch.send(1);
    select(recv_case(ch, [&](std::optional<int> v) { ch.send(*v + 1); }));
    EXPECT_EQ(ch.recv(), 2);
  });
}

TEST(Select, MoveOnlyValues) {
  goro::run([] {
    Chan<std::unique_ptr<int>> ch(1);
    select(send_case(ch, std::make_unique<int>(3), [] {}));
    std::unique_ptr<int> got;
    select(recv_case(ch, [&](std::optional<std::unique_ptr<int>> v) { got = std::move(*v); }));
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(*got, 3);
  });
}

// Two selects each wanting one of two channels, two senders: every value goes to exactly one
// receiver, and a value a select did not take stays available.
TEST(Select, ValueNotTakenBySelectStaysInTheChannel) {
  run_with_procs(4, [] {
    goro_test::Group group;
    for (int round = 0; round < 200; round++) {
      Chan<int> a(0), b(0);
      Chan<int> got(1);
      group.go([a, b, got] {
        select(recv_case(a, [&](std::optional<int> v) { got.send(*v); }),
               recv_case(b, [&](std::optional<int> v) { got.send(*v); }));
      });
      group.go([a] { a.send(1); });
      group.go([b] { b.send(2); });
      const int first = *got.recv();
      // The other value is still waiting to be received.
      EXPECT_EQ((first == 1 ? b : a).recv(), 3 - first);
      group.wait();
    }
  });
}

class SelectStress : public testing::TestWithParam<int> {};

// Producers send through selects over two channels, consumers receive through selects over
// both plus a quit channel; the totals must match. Exercises selects completing selects and
// racing wakers.
TEST_P(SelectStress, SelectsTradingWithSelects) {
  run_with_procs(GetParam(), [] {
    constexpr int kProducers = 4, kConsumers = 4, kPerProducer = 5000;
    goro_test::Group producers, consumers;
    Chan<std::int64_t> a(0), b(1);
    Chan<Unit> quit(0);
    Chan<std::int64_t> sums(kConsumers);
    for (int p = 0; p < kProducers; p++) {
      producers.go([=] {
        for (int i = 1; i <= kPerProducer; i++) {
          const std::int64_t v = std::int64_t{p} * kPerProducer + i;
          select(send_case(a, v, [] {}), send_case(b, v, [] {}));
        }
      });
    }
    for (int c = 0; c < kConsumers; c++) {
      consumers.go([=] {
        std::int64_t sum = 0;
        bool done = false;
        auto take = [&](std::optional<std::int64_t> v) { sum += *v; };
        while (!done) {
          select(recv_case(a, take), recv_case(b, take),
                 recv_case(quit, [&](std::optional<Unit>) { done = true; }));
        }
        sums.send(sum);
      });
    }
    producers.wait();
    quit.close();
    consumers.wait();
    std::int64_t total = 0;
    for (int c = 0; c < kConsumers; c++) total += *sums.recv();
    // The consumers may have quit with a value still buffered in b.
    if (std::optional<std::int64_t> left = b.try_recv()) total += *left;
    const std::int64_t n = std::int64_t{kProducers} * kPerProducer;
    EXPECT_EQ(total, n * (n + 1) / 2);
  });
}

// Selects blocked on a channel race with its close; each must see the close exactly once.
TEST_P(SelectStress, SelectRacingWithClose) {
  run_with_procs(GetParam(), [] {
    goro_test::Group group;
    for (int round = 0; round < 200; round++) {
      Chan<int> data(0);
      Chan<Unit> stop(0);
      Chan<int> outcome(8);
      for (int g = 0; g < 8; g++) {
        group.go([=] {
          int received = 0;
          bool closed = false;
          while (!closed) {
            select(recv_case(data, [&](std::optional<int> v) { received += v ? 1 : 0; }),
                   recv_case(stop, [&](std::optional<Unit>) { closed = true; }));
          }
          outcome.send(received);
        });
      }
      for (int i = 0; i < round % 5; i++) data.send(i);
      stop.close();
      int received = 0;
      for (int g = 0; g < 8; g++) received += *outcome.recv();
      EXPECT_EQ(received, round % 5);
      group.wait();
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Procs, SelectStress, testing::Values(1, 4));

}  // namespace
