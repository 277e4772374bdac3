// Tests of the generic poller (src/runtime/netpoll.cpp) through its internal interface: the
// ready-before-park protocol, deadlines, eviction, and the waiter count the scheduler reads.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <vector>

#include "goro/runtime.hpp"
#include "goro/sync.hpp"
#include "goro/time.hpp"
#include "runtime/netpoll.hpp"
#include "runtime/netpoll_desc.hpp"
#include "runtime/sched.hpp"

namespace {

using goro::rt::PollResult;
using namespace std::chrono_literals;

// A non-blocking socketpair registered with the poller.
struct Pair {
  int fd[2] = {-1, -1};
  goro::rt::PollDesc* pd = nullptr;  // for fd[0]

  Pair() {
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd), 0);
    int err = 0;
    pd = goro::rt::poll_open(fd[0], &err);
    EXPECT_NE(pd, nullptr) << err;
  }
  ~Pair() {
    if (pd != nullptr) {
      goro::rt::poll_evict(pd);
      goro::rt::poll_close(pd);
    }
    ::close(fd[0]);
    ::close(fd[1]);
  }
  void send_byte() { ASSERT_EQ(::write(fd[1], "x", 1), 1); }
  // Reads fd[0] until EAGAIN; returns the bytes read.
  int drain() {
    char buf[256];
    int total = 0;
    for (;;) {
      ssize_t n = ::read(fd[0], buf, sizeof(buf));
      if (n <= 0) return total;
      total += static_cast<int>(n);
    }
  }
};

std::int64_t in(std::chrono::nanoseconds d) {
  return goro::rt::nanotime() + d.count();
}

TEST(Netpoll, ReadinessBeforeWaitIsNotLost) {
  goro::run([] {
    Pair p;
    ASSERT_EQ(goro::rt::poll_reset(p.pd, goro::rt::kPollRead), PollResult::kOk);
    p.send_byte();
    goro::sleep(5ms);  // let the poller see the event before we wait
    EXPECT_EQ(goro::rt::poll_wait(p.pd, goro::rt::kPollRead), PollResult::kOk);
    EXPECT_EQ(p.drain(), 1);
  });
}

TEST(Netpoll, WaiterWokenByData) {
  goro::run([] {
    Pair p;
    ASSERT_EQ(goro::rt::poll_reset(p.pd, goro::rt::kPollRead), PollResult::kOk);
    goro::WaitGroup wg;
    wg.add(1);
    goro::go([&] {
      goro::sleep(10ms);
      p.send_byte();
      wg.done();
    });
    EXPECT_EQ(p.drain(), 0);
    EXPECT_EQ(goro::rt::poll_wait(p.pd, goro::rt::kPollRead), PollResult::kOk);
    EXPECT_EQ(p.drain(), 1);
    wg.wait();
  });
}

// Many ping-pong pairs: every wake-up races a park somewhere; a lost one hangs the test.
TEST(Netpoll, PingPongNoLostWakeups) {
  goro::run([] {
    constexpr int kPairs = 64;
    constexpr int kRounds = 300;
    std::vector<std::unique_ptr<Pair>> a(kPairs);
    std::vector<std::unique_ptr<Pair>> b(kPairs);
    goro::WaitGroup wg;
    for (int i = 0; i < kPairs; i++) {
      a[i] = std::make_unique<Pair>();
      b[i] = std::make_unique<Pair>();
    }
    auto player = [&](Pair* mine, Pair* theirs, bool serve) {
      for (int r = 0; r < kRounds; r++) {
        if (serve || r > 0) theirs->send_byte();
        while (mine->drain() == 0) {
          ASSERT_EQ(goro::rt::poll_wait(mine->pd, goro::rt::kPollRead), PollResult::kOk);
        }
      }
      if (!serve) theirs->send_byte();
      wg.done();
    };
    wg.add(2 * kPairs);
    for (int i = 0; i < kPairs; i++) {
      Pair* x = a[i].get();
      Pair* y = b[i].get();
      goro::go([=] { player(x, y, true); });
      goro::go([=] { player(y, x, false); });
    }
    wg.wait();
  });
}

TEST(Netpoll, DeadlineWakesWaiterAndCanBeExtended) {
  goro::run([] {
    Pair p;
    goro::rt::poll_set_deadline(p.pd, in(20ms), goro::rt::kPollRead);
    ASSERT_EQ(goro::rt::poll_reset(p.pd, goro::rt::kPollRead), PollResult::kOk);
    EXPECT_EQ(goro::rt::poll_wait(p.pd, goro::rt::kPollRead), PollResult::kTimeout);
    // Expired stays expired...
    EXPECT_EQ(goro::rt::poll_reset(p.pd, goro::rt::kPollRead), PollResult::kTimeout);
    // ...until the deadline is moved; the other direction was never affected.
    EXPECT_EQ(goro::rt::poll_reset(p.pd, goro::rt::kPollWrite), PollResult::kOk);
    goro::rt::poll_set_deadline(p.pd, 0, goro::rt::kPollRead);
    EXPECT_EQ(goro::rt::poll_reset(p.pd, goro::rt::kPollRead), PollResult::kOk);
    p.send_byte();
    EXPECT_EQ(goro::rt::poll_wait(p.pd, goro::rt::kPollRead), PollResult::kOk);
  });
}

TEST(Netpoll, PastDeadlineFailsAtOnce) {
  goro::run([] {
    Pair p;
    goro::rt::poll_set_deadline(p.pd, goro::rt::nanotime() - 1, goro::rt::kPollReadWrite);
    EXPECT_EQ(goro::rt::poll_reset(p.pd, goro::rt::kPollRead), PollResult::kTimeout);
    EXPECT_EQ(goro::rt::poll_wait(p.pd, goro::rt::kPollWrite), PollResult::kTimeout);
  });
}

// A deadline moved later before it fires must not fire at the old time.
TEST(Netpoll, StaleDeadlineTimerIsIgnored) {
  goro::run([] {
    Pair p;
    goro::rt::poll_set_deadline(p.pd, in(10ms), goro::rt::kPollRead);
    goro::rt::poll_set_deadline(p.pd, in(1h), goro::rt::kPollRead);
    goro::sleep(40ms);
    EXPECT_EQ(goro::rt::poll_reset(p.pd, goro::rt::kPollRead), PollResult::kOk);
    // Cleared before it fires: never fires.
    goro::rt::poll_set_deadline(p.pd, in(10ms), goro::rt::kPollWrite);
    goro::rt::poll_set_deadline(p.pd, 0, goro::rt::kPollWrite);
    goro::sleep(40ms);
    EXPECT_EQ(goro::rt::poll_reset(p.pd, goro::rt::kPollWrite), PollResult::kOk);
  });
}

// A deadline set from another goroutine wakes a waiter that had none.
TEST(Netpoll, DeadlineSetWhileBlocked) {
  goro::run([] {
    Pair p;
    ASSERT_EQ(goro::rt::poll_reset(p.pd, goro::rt::kPollRead), PollResult::kOk);
    goro::go([&] {
      goro::sleep(10ms);
      goro::rt::poll_set_deadline(p.pd, goro::rt::nanotime() - 1, goro::rt::kPollRead);
    });
    EXPECT_EQ(goro::rt::poll_wait(p.pd, goro::rt::kPollRead), PollResult::kTimeout);
  });
}

TEST(Netpoll, EvictWakesBothDirections) {
  goro::run([] {
    int fd[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd), 0);
    int err = 0;
    goro::rt::PollDesc* pd = goro::rt::poll_open(fd[0], &err);
    ASSERT_NE(pd, nullptr);
    // Fill the send buffer so that a writer has to wait.
    std::vector<char> chunk(65536, 'x');
    while (::write(fd[0], chunk.data(), chunk.size()) > 0) {
    }
    std::atomic<int> closed{0};
    goro::WaitGroup wg;
    wg.add(2);
    for (int mode : {goro::rt::kPollRead, goro::rt::kPollWrite}) {
      goro::go([&, mode] {
        ASSERT_EQ(goro::rt::poll_reset(pd, mode), PollResult::kOk);
        if (goro::rt::poll_wait(pd, mode) == PollResult::kClosed) closed++;
        wg.done();
      });
    }
    goro::sleep(20ms);
    EXPECT_TRUE(goro::rt::netpoll_any_waiters());
    goro::rt::poll_evict(pd);
    wg.wait();
    EXPECT_EQ(closed.load(), 2);
    EXPECT_EQ(goro::rt::poll_reset(pd, goro::rt::kPollRead), PollResult::kClosed);
    goro::rt::poll_close(pd);
    ::close(fd[0]);
    ::close(fd[1]);
  });
}

}  // namespace

// A goroutine left parked in the poller (and one in a long sleep) when goro::run returns is
// abandoned with that run; a later run recycles its G, so nothing from the old run may wake it.
TEST(Netpoll, AbandonedWaitersDoNotLeakIntoTheNextRun) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  static goro::rt::PollDesc* abandoned = nullptr;  // reachable from a global: not a leak
  goro::run([&] {
    int error = 0;
    abandoned = goro::rt::poll_open(fds[0], &error);
    ASSERT_NE(abandoned, nullptr);
    goro::go([] { (void)goro::rt::poll_wait(abandoned, goro::rt::kPollRead); });
    goro::go([] { goro::sleep(1h); });
    goro::sleep(20ms);  // both are parked now
  });
  // The old descriptor becomes readable: an event for the abandoned waiter, during a new run
  // that reuses Gs.
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  std::atomic<int> done{0};
  goro::run([&] {
    goro::WaitGroup wg;
    for (int i = 0; i < 100; i++) {
      wg.add(1);
      goro::go([&] {
        goro::sleep(1ms);
        done.fetch_add(1);
        wg.done();
      });
    }
    wg.wait();
  });
  EXPECT_EQ(done.load(), 100);
  close(fds[0]);
  close(fds[1]);
}
