// evict_test.cpp — memory accounting (operator new, small_alloc, counted malloc), Redis's LFU
// counter arithmetic, and the OOM refusals and eviction choices that do not depend on how much
// memory the process happens to use: maxmemory 1 keeps the server over its limit, so every
// policy evicts everything it may and then refuses denyoom commands. Replies captured from
// redis-server 7.0.15 at maxmemory 1 under noeviction.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "evict.hpp"
#include "memory.hpp"
#include "server_test_util.hpp"
#include "small_alloc.hpp"

namespace gorodis::testing {
namespace {

const std::string kOom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";

TEST(MemoryAccounting, CountsOperatorNewAndDelete) {
  if (!memory::kCountsEverything) GTEST_SKIP() << "used memory misses operator new here";
  const std::size_t before = memory::used();
  auto block = std::make_unique<char[]>(1 << 20);
  block[0] = 1;
  EXPECT_GE(memory::used(), before + (1 << 20));
  EXPECT_GE(memory::peak(), before + (1 << 20));
  block.reset();
  EXPECT_LT(memory::used(), before + 4096);
}

TEST(MemoryAccounting, CountsSmallAllocObjectsNotBlocks) {
  if (memory::kCountsMallocHooks) GTEST_SKIP() << "malloc hooks count the pool's blocks too";
  std::vector<void*> objects(1000);
  const std::size_t before = memory::used();
  for (void*& object : objects) object = small_alloc::allocate(24);
  // The objects, not the 64 KiB blocks they are carved from (the slack: the pool's registry).
  const std::size_t objects_bytes = 1000 * small_alloc::allocation_size(24);
  EXPECT_GE(memory::used(), before + objects_bytes);
  EXPECT_LT(memory::used(), before + objects_bytes + 4096);
  for (void* object : objects) small_alloc::deallocate(object, 24);
  EXPECT_LT(memory::used(), before + 4096);
}

TEST(MemoryAccounting, CountsReallocatedBlocks) {
  const std::size_t before = memory::used();
  void* block = memory::counted_malloc(100);
  EXPECT_GE(memory::used(), before + 100);
  block = memory::counted_realloc(block, 100000);
  EXPECT_GE(memory::used(), before + 100000);
  memory::counted_free(block);
  EXPECT_EQ(memory::used(), before);
}

TEST(Lfu, LogarithmicIncrement) {
  // At or below LFU_INIT_VAL every access counts; above it, with probability
  // 1 / ((counter - 5) * log_factor + 1).
  EXPECT_EQ(lfu::incremented(5, 10, 0.999), 6);
  EXPECT_EQ(lfu::incremented(6, 10, 0.08), 7);  // p = 1/11
  EXPECT_EQ(lfu::incremented(6, 10, 0.1), 6);
  EXPECT_EQ(lfu::incremented(15, 0, 0.999), 16);  // log factor 0: always
  EXPECT_EQ(lfu::incremented(255, 0, 0.0), 255);
}

TEST(Lfu, DecayPerPeriod) {
  Object value = Object::integer(1);
  value.lfu_counter = 10;
  value.access_time_ms = 60'000 * 1000;
  EXPECT_EQ(lfu::decayed(value, 60'000 * 1000 + 59'000, 1), 10);
  EXPECT_EQ(lfu::decayed(value, 60'000 * 1000 + 3 * 60'000, 1), 7);
  EXPECT_EQ(lfu::decayed(value, 60'000 * 1000 + 3 * 60'000, 2), 9);
  EXPECT_EQ(lfu::decayed(value, 60'000 * 1000 + 30 * 60'000, 1), 0);
  EXPECT_EQ(lfu::decayed(value, 60'000 * 1000 + 30 * 60'000, 0), 10);  // decay disabled
}

TEST(Eviction, NoEvictionRefusesWritesServesReads) {
  if (!memory::kCountsEverything) GTEST_SKIP() << "used memory misses operator new here";
  TestServer s;
  s.replay(std::vector<Exchange>{{{"SET", "x", "y"}, "+OK\r\n"},
                                 {{"CONFIG", "SET", "maxmemory", "1"}, "+OK\r\n"},
                                 {{"SET", "z", "1"}, kOom},
                                 {{"GET", "x"}, "$1\r\ny\r\n"},
                                 {{"MULTI"}, "+OK\r\n"},
                                 {{"SET", "x", "1"}, kOom},
                                 {{"EXEC"},
                                  "-EXECABORT Transaction discarded because of previous "
                                  "errors.\r\n"},
                                 {{"MULTI"}, "+OK\r\n"},
                                 {{"GET", "x"}, kOom},
                                 {{"DISCARD"}, "+OK\r\n"},
                                 {{"PING"}, "+PONG\r\n"},
                                 {{"DEL", "x"}, ":1\r\n"},
                                 {{"EXISTS", "x"}, ":0\r\n"}});
}

TEST(Eviction, ExecWithQueuedWriteIsRefusedWhenMemoryRunsOut) {
  if (!memory::kCountsEverything) GTEST_SKIP() << "used memory misses operator new here";
  TestServer s;
  s.replay(std::vector<Exchange>{
      {{"MULTI"}, "+OK\r\n"}, {{"SET", "x", "1"}, "+QUEUED\r\n"}, {{"GET", "x"}, "+QUEUED\r\n"}});
  s.server().settings().maxmemory = 1;
  s.replay(std::vector<Exchange>{
      {{"EXEC"},
       "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory "
       "> 'maxmemory'.\r\n"},
      {{"EXISTS", "x"}, ":0\r\n"}});
  s.server().settings().maxmemory = 0;
  s.replay(std::vector<Exchange>{{{"MULTI"}, "+OK\r\n"}, {{"GET", "x"}, "+QUEUED\r\n"}});
  s.server().settings().maxmemory = 1;
  // Only reads queued: EXEC runs.
  s.replay(std::vector<Exchange>{{{"EXEC"}, "*1\r\n$-1\r\n"}});
}

TEST(Eviction, VolatilePoliciesKeepKeysWithoutTtl) {
  if (!memory::kCountsEverything) GTEST_SKIP() << "used memory misses operator new here";
  for (const char* policy : {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}) {
    TestServer s;
    s.replay(std::vector<Exchange>{{{"SET", "keep", "1"}, "+OK\r\n"},
                                   {{"SET", "a", "1", "EX", "100"}, "+OK\r\n"},
                                   {{"SET", "b", "1", "EX", "200"}, "+OK\r\n"},
                                   {{"CONFIG", "SET", "maxmemory-policy", policy}, "+OK\r\n"},
                                   {{"CONFIG", "SET", "maxmemory", "1"}, "+OK\r\n"},
                                   {{"SET", "c", "1"}, kOom},
                                   {{"EXISTS", "a", "b", "keep"}, ":1\r\n"}});
    EXPECT_NE(s.run({"INFO", "stats"}).find("evicted_keys:2\r\n"), std::string::npos) << policy;
  }
}

TEST(Eviction, AllkeysPoliciesEvictEverything) {
  if (!memory::kCountsEverything) GTEST_SKIP() << "used memory misses operator new here";
  for (const char* policy : {"allkeys-lru", "allkeys-lfu", "allkeys-random"}) {
    TestServer s;
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(s.run({"SET", "k" + std::to_string(i), "v"}), "+OK\r\n");
      EXPECT_EQ(s.run({"SELECT", std::to_string(i % 3)}), "+OK\r\n");
    }
    s.replay(std::vector<Exchange>{{{"CONFIG", "SET", "maxmemory-policy", policy}, "+OK\r\n"},
                                   {{"CONFIG", "SET", "maxmemory", "1"}, "+OK\r\n"},
                                   {{"SET", "c", "1"}, kOom},
                                   {{"DBSIZE"}, ":0\r\n"}});
    EXPECT_NE(s.run({"INFO", "stats"}).find("evicted_keys:100\r\n"), std::string::npos) << policy;
  }
}

TEST(Eviction, LfuPolicyCountsAccesses) {
  TestServer s;
  s.replay(std::vector<Exchange>{{{"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}, "+OK\r\n"},
                                 {{"CONFIG", "SET", "lfu-log-factor", "0"}, "+OK\r\n"},
                                 {{"SET", "k", "v"}, "+OK\r\n"},
                                 {{"OBJECT", "FREQ", "k"}, ":5\r\n"},
                                 {{"GET", "k"}, "$1\r\nv\r\n"},
                                 {{"GET", "k"}, "$1\r\nv\r\n"},
                                 {{"OBJECT", "FREQ", "k"}, ":7\r\n"}});
  // One decay period (lfu-decay-time minutes) per elapsed minute.
  s.advance_ms(3 * 60'000);
  s.replay(std::vector<Exchange>{{{"OBJECT", "FREQ", "k"}, ":4\r\n"}});
}

}  // namespace
}  // namespace gorodis::testing
