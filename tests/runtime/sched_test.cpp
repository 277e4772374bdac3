// Tests for the scheduler core (src/runtime/sched.cpp, sysmon.cpp, stack.cpp): spawning,
// distribution and stealing, the global queue, hand-off around blocking calls and CPU hogs,
// gomaxprocs changes, thread migration, locked threads, and Go's fatal behaviours (checked in
// child processes).
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "goro/goro.hpp"
#include "runtime/arch/context.hpp"  // GORO_ASAN / GORO_TSAN, for g++ and clang++ alike
#include "runtime/lock.hpp"
#include "runtime/proc.hpp"

namespace {

pid_t thread_id() {
  return static_cast<pid_t>(syscall(SYS_gettid));
}

// Parks goroutines on a list without any channel: the tests of the core must not depend on the
// primitives built on it.
struct ParkingLot {
  goro::rt::Lock lock;
  std::vector<goro::rt::G*> parked;

  void wait() {
    lock.lock();
    goro::rt::park(
        [](goro::rt::G* gp, void* arg) {
          auto* lot = static_cast<ParkingLot*>(arg);
          lot->parked.push_back(gp);
          lot->lock.unlock();
          return true;
        },
        this, goro::rt::WaitReason::kSemacquire);
  }
  std::size_t size() {
    std::lock_guard<goro::rt::Lock> guard(lock);
    return parked.size();
  }
  void wake_all() {
    std::vector<goro::rt::G*> gs;
    {
      std::lock_guard<goro::rt::Lock> guard(lock);
      gs.swap(parked);
    }
    for (auto* gp : gs) goro::rt::ready(gp);
  }
};

// A countdown that parks its one waiter until the count reaches zero.
struct Latch {
  explicit Latch(int n) : count(n) {}
  std::atomic<int> count;
  ParkingLot lot;
  void count_down() {
    if (count.fetch_sub(1) == 1) {
      // The waiter may not have parked yet: wait for it, then wake it.
      while (lot.size() == 0) goro::yield();
      lot.wake_all();
    }
  }
  void wait() { lot.wait(); }
};

// Waits (yielding) until pred holds.
template <class Pred>
void wait_until(Pred pred) {
  while (!pred()) goro::yield();
}

// Runs `goroutines` goroutines, body(g) in goroutine g, at GOMAXPROCS=2, where yields migrate
// them between the two threads; returns when all are done.
template <class Body>
void run_migrating(int goroutines, Body body) {
  goro::run([&] {
    goro::gomaxprocs(2);
    std::atomic<int> done{0};
    for (int g = 0; g < goroutines; g++) {
      goro::go([&, g] {
        body(g);
        done.fetch_add(1);
      });
    }
    wait_until([&] { return done.load() == goroutines; });
  });
}

class SchedTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { setenv("GOMAXPROCS", std::to_string(GetParam()).c_str(), 1); }
  void TearDown() override { unsetenv("GOMAXPROCS"); }
};

TEST_P(SchedTest, RunReturnsMainResultAndGomaxprocsFromEnv) {
  int procs = 0;
  EXPECT_EQ(goro::run([&] {
              procs = goro::gomaxprocs(0);
              return 7;
            }),
            7);
  EXPECT_EQ(procs, GetParam());
}

TEST_P(SchedTest, EverySpawnedGoroutineRunsExactlyOnce) {
  constexpr int kN = 100'000;
  std::vector<std::atomic<int>> runs(kN);
  goro::run([&] {
    std::atomic<int> done{0};
    for (int i = 0; i < kN; i++) {
      goro::go([&, i] {
        runs[i].fetch_add(1);
        done.fetch_add(1);
      });
    }
    wait_until([&] { return done.load() == kN; });
    // The last ones may still be on their way out.
    wait_until([] { return goro::num_goroutine() == 1; });
  });
  for (int i = 0; i < kN; i++) ASSERT_EQ(runs[i].load(), 1) << "goroutine " << i;
}

// A closure that fits in the G starts without a stack (sched.cpp, "Lazy stacks"); larger or
// over-aligned ones, and explicit stack sizes, are built on top of the stack. Every kind must
// run once, see its captures intact and be destroyed.
template <std::size_t kBytes, std::size_t kAlign>
struct alignas(kAlign) Payload {
  unsigned char bytes[kBytes];
};

template <std::size_t kBytes, std::size_t kAlign>
void spawn_payload(std::atomic<int>& ok, std::shared_ptr<int> owner, const goro::GoOptions& opts) {
  Payload<kBytes, kAlign> payload;
  for (std::size_t i = 0; i < kBytes; i++) payload.bytes[i] = static_cast<unsigned char>(i * 7);
  goro::go(opts, [&ok, owner, payload] {
    bool intact = reinterpret_cast<std::uintptr_t>(&payload) % kAlign == 0;
    for (std::size_t i = 0; i < kBytes; i++)
      intact = intact && payload.bytes[i] == static_cast<unsigned char>(i * 7);
    if (intact && *owner == 42) ok.fetch_add(1);
  });
}

TEST_P(SchedTest, ClosuresOfEverySizeAndAlignmentRun) {
  constexpr int kRounds = 200;
  std::atomic<int> ok{0};
  auto owner = std::make_shared<int>(42);
  goro::run([&] {
    goro::GoOptions sized;
    sized.stack_size = 64 * 1024;
    for (int i = 0; i < kRounds; i++) {
      spawn_payload<8, 8>(ok, owner, {});
      spawn_payload<24, 16>(ok, owner, {});
      spawn_payload<200, 8>(ok, owner, {});
      spawn_payload<8, 64>(ok, owner, {});
      spawn_payload<8, 8>(ok, owner, sized);
    }
    wait_until([&] { return ok.load() == 5 * kRounds && owner.use_count() == 1; });
  });
  EXPECT_EQ(ok.load(), 5 * kRounds);
  EXPECT_EQ(owner.use_count(), 1);  // every closure was destroyed
}

TEST_P(SchedTest, GoroutineIdsAreUniqueAndMainIsOne) {
  std::mutex mu;
  std::set<std::int64_t> ids;
  goro::run([&] {
    EXPECT_EQ(goro::goroutine_id(), 1);
    std::atomic<int> done{0};
    for (int i = 0; i < 1000; i++) {
      goro::go([&] {
        std::lock_guard<std::mutex> guard(mu);
        ids.insert(goro::goroutine_id());
        done.fetch_add(1);
      });
    }
    wait_until([&] { return done.load() == 1000; });
  });
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(ids.count(1), 0u);
  EXPECT_EQ(goro::goroutine_id(), 0);
}

TEST_P(SchedTest, NestedSpawnsAndYields) {
  std::atomic<int> leaves{0};
  goro::run([&] {
    std::atomic<int> done{0};
    for (int i = 0; i < 100; i++) {
      goro::go([&] {
        for (int j = 0; j < 100; j++) {
          goro::go([&] {
            goro::yield();
            leaves.fetch_add(1);
          });
          if (j % 10 == 0) goro::yield();
        }
        done.fetch_add(1);
      });
    }
    wait_until([&] { return done.load() == 100 && leaves.load() == 10'000; });
  });
  EXPECT_EQ(leaves.load(), 10'000);
}

TEST_P(SchedTest, ParkAndReady) {
  ParkingLot lot;
  std::atomic<int> woke{0};
  goro::run([&] {
    for (int i = 0; i < 1000; i++) {
      goro::go([&] {
        lot.wait();
        woke.fetch_add(1);
      });
    }
    wait_until([&] { return lot.size() == 1000; });
    EXPECT_EQ(woke.load(), 0);
    lot.wake_all();
    wait_until([&] { return woke.load() == 1000; });
  });
  EXPECT_EQ(woke.load(), 1000);
}

INSTANTIATE_TEST_SUITE_P(Procs, SchedTest, ::testing::Values(1, 2, 4));

TEST(Sched, WorkSpreadsToAllPsByStealing) {
  // All goroutines are spawned on main's P; with two Ps, the other M can only get work by
  // stealing it (or from the global queue after an overflow, which 64 goroutines do not cause).
  // main parks meanwhile (a yielding main would keep the second P busy picking it from the
  // global queue, as it would in Go).
  std::mutex mu;
  std::set<pid_t> threads;
  goro::run([&] {
    goro::gomaxprocs(2);
    Latch done(64);
    for (int i = 0; i < 64; i++) {
      goro::go([&] {
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
        while (std::chrono::steady_clock::now() < until) {
        }
        {
          std::lock_guard<std::mutex> guard(mu);
          threads.insert(thread_id());
        }
        done.count_down();
      });
    }
    done.wait();
  });
  EXPECT_GE(threads.size(), 2u);
}

TEST(Sched, RunqOverflowSpillsToGlobalQueueAndYields) {
  setenv("GOMAXPROCS", "1", 1);
  std::atomic<int> ran{0};
  std::atomic<bool> saw_spill{false};
  int spawned = 0;
  int ran_when_resumed = -1;
  goro::run([&] {
    // Without yielding, more than 256 goroutines do not fit in the local ring: the 257th go()
    // moves half of it to the global queue and then yields, so main resumes from the global
    // queue's tail after every goroutine queued before it ran. The goroutines see the spill
    // (more than main in the global queue). If sysmon preempts main first, the ring drains and
    // the count starts over, so keep spawning until a spill is seen; a slow sanitizer build may
    // be preempted a few times.
    while (!saw_spill.load() && spawned < 100'000) {
      goro::go([&] {
        ran.fetch_add(1);
        if (goro::rt::sched->runq_size.load() > 1) saw_spill.store(true);
      });
      spawned++;
    }
    ran_when_resumed = ran.load();
    wait_until([&] { return ran.load() == spawned; });
  });
  unsetenv("GOMAXPROCS");
  EXPECT_TRUE(saw_spill.load());
  EXPECT_GE(spawned, 257);
  EXPECT_EQ(ran_when_resumed, spawned);
  EXPECT_EQ(ran.load(), spawned);
}

TEST(Sched, CpuHogDoesNotStarveOthersOnOneP) {
  setenv("GOMAXPROCS", "1", 1);
  std::atomic<bool> stop{false};
  std::atomic<bool> hog_started{false};
  std::atomic<bool> other_ran{false};
  goro::run([&] {
    goro::go([&] {
      // A pure CPU loop: no runtime call, so the preemption flag is never seen. sysmon must
      // hand the P to another M, or main (queued behind the hog) never runs again.
      hog_started.store(true);
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
    wait_until([&] { return hog_started.load(); });
    goro::go([&] {
      other_ran.store(true);
      stop.store(true);
    });
    wait_until([&] { return stop.load(); });
  });
  unsetenv("GOMAXPROCS");
  EXPECT_TRUE(other_ran.load());
}

TEST(Sched, BlockingCallLetsOtherGoroutinesRun) {
  setenv("GOMAXPROCS", "1", 1);
  std::atomic<bool> blocking_done{false};
  std::atomic<bool> other_ran_during_block{false};
  goro::run([&] {
    std::atomic<bool> other_done{false};
    goro::go([&] {
      goro::blocking([] { std::this_thread::sleep_for(std::chrono::milliseconds(300)); });
      blocking_done.store(true);
    });
    goro::go([&] {
      other_ran_during_block.store(!blocking_done.load());
      other_done.store(true);
    });
    wait_until([&] { return other_done.load() && blocking_done.load(); });
  });
  unsetenv("GOMAXPROCS");
  EXPECT_TRUE(other_ran_during_block.load());
}

// sysmon takes Ps from goroutines inside goro::blocking (revoke_p) while their Ms keep
// re-entering the runtime (blocking_exit, spawns, yields) and the other P hands work around:
// no goroutine may be lost or run twice, and every M must agree on who owns which P.
TEST(Sched, RetakeRacesWithRuntimeEntries) {
  setenv("GOMAXPROCS", "2", 1);
  constexpr int kBlockers = 4, kRounds = 100, kSpawners = 2, kSpawns = 3000;
  std::atomic<int> ran{0};
  std::atomic<int> finished{0};
  goro::run([&] {
    for (int b = 0; b < kBlockers; b++) {
      goro::go([&] {
        for (int r = 0; r < kRounds; r++) {
          // Ten times sysmon's 20 us, so the P is often taken while this runs.
          goro::blocking([] {
            auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
            while (std::chrono::steady_clock::now() < until) {
            }
          });
          goro::go([&] { ran.fetch_add(1); });
          goro::yield();
        }
        finished.fetch_add(1);
      });
    }
    for (int s = 0; s < kSpawners; s++) {
      goro::go([&] {
        for (int i = 0; i < kSpawns; i++) {
          goro::go([&] { ran.fetch_add(1); });
          if (i % 16 == 0) goro::yield();
        }
        finished.fetch_add(1);
      });
    }
    wait_until([&] { return finished.load() == kBlockers + kSpawners; });
    wait_until([&] { return ran.load() == kBlockers * kRounds + kSpawners * kSpawns; });
    wait_until([] { return goro::num_goroutine() == 1; });
  });
  unsetenv("GOMAXPROCS");
  EXPECT_EQ(ran.load(), kBlockers * kRounds + kSpawners * kSpawns);
}

TEST(Sched, BlockingReturnsValue) {
  int v = 0;
  goro::run([&] { v = goro::blocking([] { return 41; }) + 1; });
  EXPECT_EQ(v, 42);
}

TEST(Sched, GomaxprocsChangesAtRunTime) {
  std::vector<int> seen;
  std::atomic<long> work{0};
  goro::run([&] {
    int before = goro::gomaxprocs(4);
    seen.push_back(goro::gomaxprocs(0));
    std::atomic<int> done{0};
    for (int i = 0; i < 200; i++) {
      goro::go([&] {
        for (int j = 0; j < 100; j++) {
          work.fetch_add(1);
          goro::yield();
        }
        done.fetch_add(1);
      });
    }
    seen.push_back(goro::gomaxprocs(1));
    seen.push_back(goro::gomaxprocs(0));
    seen.push_back(goro::gomaxprocs(3));
    seen.push_back(goro::gomaxprocs(0));
    wait_until([&] { return done.load() == 200; });
    goro::gomaxprocs(before);
  });
  EXPECT_EQ(seen, (std::vector<int>{4, 4, 1, 1, 3}));
  EXPECT_EQ(work.load(), 200 * 100);
}

// The thread-local-storage rule: runtime state read after a switch must be the new thread's.
// A goroutine that migrates in a loop checks that it still sees itself.
TEST(Sched, MigratingGoroutineSeesItsOwnState) {
  std::atomic<int> migrations{0};
  std::atomic<int> mismatches{0};
  run_migrating(8, [&](int) {
    std::int64_t me = goro::goroutine_id();
    pid_t last = thread_id();
    for (int i = 0; i < 20'000; i++) {
      goro::yield();
      if (goro::goroutine_id() != me) mismatches.fetch_add(1);
      pid_t now = thread_id();
      if (now != last) migrations.fetch_add(1);
      last = now;
    }
  });
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_GT(migrations.load(), 0);
}

// getg() and getm() are inline TLS reads (runtime/arch/tls.hpp). Within one function, across
// switches that move the goroutine to another thread, every read must see the current thread:
// a compiler that kept the first thread's TLS address would return the other thread's M (no
// migration would ever be seen) and whatever goroutine that thread runs now.
TEST(Sched, InlineTlsReadsFollowTheThread) {
  std::atomic<int> migrations{0};
  std::atomic<int> wrong_g{0};
  std::atomic<int> wrong_m{0};
  run_migrating(8, [&](int) {
    goro::rt::G* self = goro::rt::getg();
    for (int i = 0; i < 20'000; i++) {
      goro::rt::M* before = goro::rt::getm();
      goro::yield();
      goro::rt::M* after = goro::rt::getm();
      if (goro::rt::getg() != self) wrong_g.fetch_add(1);
      if (after == nullptr || after->curg != self) wrong_m.fetch_add(1);
      if (after != before) migrations.fetch_add(1);
    }
  });
  EXPECT_EQ(wrong_g.load(), 0);
  EXPECT_EQ(wrong_m.load(), 0);
  EXPECT_GT(migrations.load(), 0);
}

// errno is thread-local and glibc declares its accessor const: runtime code must read it through
// errno_value(), which follows the goroutine to its new thread.
TEST(Sched, ErrnoValueFollowsTheThread) {
  std::atomic<int> wrong{0};
  run_migrating(4, [&](int g) {
    for (int i = 0; i < 5000; i++) {
      int expected = (g + i) % 2 ? EBADF : ENOENT;
      if (expected == EBADF)
        (void)::close(-1);
      else
        (void)::unlink("/nonexistent/goro-errno-test");
      if (goro::rt::errno_value() != expected) wrong.fetch_add(1);
      goro::yield();
    }
  });
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Sched, LockOsThreadPinsGoroutine) {
  std::atomic<int> moved{0};
  goro::run([&] {
    goro::gomaxprocs(2);
    std::atomic<bool> done{false};
    goro::go([&] {
      goro::lock_os_thread();
      pid_t tid = thread_id();
      for (int i = 0; i < 2000; i++) {
        goro::yield();
        if (thread_id() != tid) moved.fetch_add(1);
      }
      goro::unlock_os_thread();
      done.store(true);
    });
    for (int i = 0; i < 8; i++) {
      goro::go([&] {
        while (!done.load()) goro::yield();
      });
    }
    wait_until([&] { return done.load(); });
  });
  EXPECT_EQ(moved.load(), 0);
}

// A locked goroutine whose M lost its P (here: sysmon hands the P on while the goroutine sleeps
// in a blocking call, and the main goroutine keeps it busy) waits in the global queue; its M
// must wait for it, not join the idle Ms, or the goroutine is never run again.
TEST(Sched, LockedGoroutineSurvivesLosingItsP) {
  std::atomic<int> moved{0};
  std::atomic<int> rounds{0};
  goro::run([&] {
    goro::gomaxprocs(1);
    goro::go([&] {
      goro::lock_os_thread();
      pid_t tid = thread_id();
      for (int i = 0; i < 20; i++) {
        goro::blocking([] { ::usleep(2000); });
        if (thread_id() != tid) moved.fetch_add(1);
        rounds.fetch_add(1);
      }
      goro::unlock_os_thread();
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    wait_until([&] { return rounds.load() == 20 || std::chrono::steady_clock::now() > deadline; });
  });
  EXPECT_EQ(rounds.load(), 20) << "the locked goroutine stopped running";
  EXPECT_EQ(moved.load(), 0);
}

TEST(Sched, GoroutineLocalStorageIsPerGoroutine) {
  static goro::GoroutineLocal<int> local;
  std::atomic<int> wrong{0};
  goro::run([&] {
    std::atomic<int> done{0};
    for (int g = 0; g < 16; g++) {
      goro::go([&, g] {
        *local = g;
        for (int i = 0; i < 100; i++) {
          goro::yield();
          if (*local != g) wrong.fetch_add(1);
        }
        done.fetch_add(1);
      });
    }
    wait_until([&] { return done.load() == 16; });
  });
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Sched, DumpShowsParkedGoroutines) {
  std::string dump;
  goro::run([&] {
    ParkingLot lot;
    goro::go(goro::GoOptions{.name = "sleeper"}, [&] { lot.wait(); });
    wait_until([&] { return lot.size() == 1; });
    std::ostringstream out;
    goro::dump_goroutines(out);
    dump = out.str();
    lot.wake_all();
  });
  EXPECT_NE(dump.find("goroutine 1 [running]:"), std::string::npos) << dump;
  EXPECT_NE(dump.find("[semacquire]:"), std::string::npos) << dump;
  EXPECT_NE(dump.find("sleeper"), std::string::npos) << dump;
  EXPECT_NE(dump.find("created by"), std::string::npos) << dump;
  EXPECT_NE(dump.find("sched_test.cpp"), std::string::npos) << dump;
}

TEST(Sched, MillionGoroutinesAliveAtOnce) {
#if GORO_ASAN || GORO_TSAN
  GTEST_SKIP() << "a million stacks under a sanitizer's shadow memory is too much";
#endif
  constexpr int kN = 1'000'000;
  std::atomic<int> woke{0};
  goro::run([&] {
    ParkingLot lot;
    for (int i = 0; i < kN; i++) {
      goro::go([&] {
        lot.wait();
        woke.fetch_add(1);
      });
    }
    wait_until([&] { return lot.size() == kN; });
    EXPECT_EQ(goro::num_goroutine(), kN + 1);
    auto stats = goro::rt::stack_stats();
    EXPECT_GE(stats.guarded_mapped + stats.unguarded_mapped, static_cast<std::size_t>(kN));
    if (stats.guard_regions)
      EXPECT_EQ(stats.unguarded_mapped, 0u) << "guard regions need no VMA budget";
    else
      EXPECT_GT(stats.unguarded_mapped, 0u) << "the guard budget should have run out";
    lot.wake_all();
    wait_until([&] { return woke.load() == kN; });
  });
  EXPECT_EQ(woke.load(), kN);
}

TEST(Sched, SchedtracePrintsGoStyleLines) {
  setenv("GORO_DEBUG", "schedtrace=10", 1);
  testing::internal::CaptureStderr();
  goro::run([] { goro::sleep(std::chrono::milliseconds(60)); });
  std::string err = testing::internal::GetCapturedStderr();
  unsetenv("GORO_DEBUG");
  EXPECT_NE(err.find("SCHED "), std::string::npos) << err;
  EXPECT_NE(err.find("ms: gomaxprocs="), std::string::npos) << err;
  EXPECT_NE(err.find(" idleprocs="), std::string::npos) << err;
  EXPECT_NE(err.find(" runqueue="), std::string::npos) << err;
}

// ---- fatal behaviours, each in a child process ----------------------------------------------

class SchedDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(SchedDeathTest, DeadlockIsReported) {
  EXPECT_EXIT(goro::run([] {
                ParkingLot lot;
                lot.wait();  // nobody will ever wake it
              }),
              ::testing::ExitedWithCode(2),
              "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 \\[semacquire\\]");
}

TEST_F(SchedDeathTest, ExceptionEscapingGoroutinePanics) {
  EXPECT_EXIT(goro::run([] {
                goro::go([] { throw std::runtime_error("boom"); });
                for (;;) goro::yield();
              }),
              ::testing::ExitedWithCode(2), "panic: boom\n\ngoroutine [0-9]+ \\[running\\]:");
}

TEST_F(SchedDeathTest, SigquitDumpsGoroutinesAndExits) {
  EXPECT_EXIT(goro::run([] {
                ParkingLot lot;
                goro::go([&] { lot.wait(); });
                wait_until([&] { return lot.size() == 1; });
                raise(SIGQUIT);
                for (;;) goro::yield();
              }),
              ::testing::ExitedWithCode(2),
              "SIGQUIT: quit\n\n(.|\n)*goroutine [0-9]+ \\[semacquire\\]");
}

int recurse(int depth) {
  volatile char pad[1024];
  pad[0] = static_cast<char>(depth);
  return depth == 0 ? pad[0] : recurse(depth - 1) + pad[0];
}

TEST_F(SchedDeathTest, StackOverflowIsReported) {
  EXPECT_EXIT(goro::run([] { recurse(1 << 30); }), ::testing::ExitedWithCode(2),
              "goroutine 1: stack overflow");
}

}  // namespace
