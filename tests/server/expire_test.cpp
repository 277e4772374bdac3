// expire_test.cpp — TTL commands with a manual clock, lazy expiry on access, and the active
// expiry cycle.
#include "server_test_util.hpp"

namespace gorodis::testing {
namespace {

TEST(Expire, RelativeAndAbsoluteForms) {
  TestServer server;
  const std::int64_t now = server.now_ms();
  server.run({"SET", "k", "v"});
  EXPECT_EQ(server.run({"EXPIRE", "k", "10"}), ":1\r\n");
  EXPECT_EQ(server.run({"TTL", "k"}), ":10\r\n");
  EXPECT_EQ(server.run({"PTTL", "k"}), ":10000\r\n");
  EXPECT_EQ(server.run({"EXPIRETIME", "k"}),
            ":" + std::to_string((now + 10000 + 500) / 1000) + "\r\n");
  EXPECT_EQ(server.run({"PEXPIRETIME", "k"}), ":" + std::to_string(now + 10000) + "\r\n");
  EXPECT_EQ(server.run({"PEXPIRE", "k", "1500"}), ":1\r\n");
  server.advance_ms(999);
  EXPECT_EQ(server.run({"TTL", "k"}), ":1\r\n");  // 501 ms rounds to 1 s
  EXPECT_EQ(server.run({"PTTL", "k"}), ":501\r\n");
  EXPECT_EQ(server.run({"EXPIREAT", "k", std::to_string(now / 1000 + 100)}), ":1\r\n");
  EXPECT_EQ(server.run({"PEXPIREAT", "k", std::to_string(now + 2000)}), ":1\r\n");
  EXPECT_EQ(server.run({"PTTL", "k"}), ":1001\r\n");
  server.advance_ms(1001);
  EXPECT_EQ(server.run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(server.run({"TTL", "k"}), ":-2\r\n");
  // Rounding to seconds must not overflow at the largest expire time (Redis 7.0.15's replies).
  server.run({"SET", "k", "v"});
  EXPECT_EQ(server.run({"PEXPIREAT", "k", "9223372036854775807"}), ":1\r\n");
  EXPECT_EQ(server.run({"EXPIRETIME", "k"}), ":9223372036854776\r\n");
  EXPECT_EQ(server.run({"PEXPIRETIME", "k"}), ":9223372036854775807\r\n");
}

TEST(Expire, ConditionsAndPastTimesDelete) {
  TestServer server;
  server.run({"SET", "k", "v"});
  EXPECT_EQ(server.run({"EXPIRE", "k", "100", "XX"}), ":0\r\n");
  EXPECT_EQ(server.run({"EXPIRE", "k", "100", "GT"}), ":0\r\n");  // no TTL counts as infinite
  EXPECT_EQ(server.run({"EXPIRE", "k", "100", "LT"}), ":1\r\n");
  EXPECT_EQ(server.run({"EXPIRE", "k", "50", "NX"}), ":0\r\n");
  EXPECT_EQ(server.run({"EXPIRE", "k", "200", "GT"}), ":1\r\n");
  EXPECT_EQ(server.run({"EXPIRE", "k", "300", "lt"}), ":0\r\n");
  EXPECT_EQ(server.run({"PERSIST", "k"}), ":1\r\n");
  EXPECT_EQ(server.run({"PERSIST", "k"}), ":0\r\n");
  EXPECT_EQ(server.run({"TTL", "k"}), ":-1\r\n");
  EXPECT_EQ(server.run({"EXPIRE", "k", "0"}), ":1\r\n");
  EXPECT_EQ(server.run({"EXISTS", "k"}), ":0\r\n");
  server.run({"SET", "k", "v"});
  EXPECT_EQ(server.run({"PEXPIREAT", "k", "1"}), ":1\r\n");
  EXPECT_EQ(server.run({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(server.run({"EXPIRE", "k", "9223372036854775807"}),
            "-ERR invalid expire time in 'expire' command\r\n");
  EXPECT_EQ(server.run({"PEXPIRE", "k", "9223372036854775807"}),
            "-ERR invalid expire time in 'pexpire' command\r\n");
}

TEST(Expire, OverwritesClearTtlUnlessKept) {
  TestServer server;
  server.run({"SET", "k", "v", "EX", "100"});
  server.run({"APPEND", "k", "x"});
  EXPECT_EQ(server.run({"TTL", "k"}), ":100\r\n");
  server.run({"SET", "k", "v2", "KEEPTTL"});
  EXPECT_EQ(server.run({"TTL", "k"}), ":100\r\n");
  server.run({"INCRBYFLOAT", "n", "1"});
  server.run({"EXPIRE", "n", "5"});
  server.run({"INCRBYFLOAT", "n", "1"});
  EXPECT_EQ(server.run({"TTL", "n"}), ":5\r\n");
  server.run({"SET", "k", "v3"});
  EXPECT_EQ(server.run({"TTL", "k"}), ":-1\r\n");
  server.run({"SET", "r", "v", "EX", "100"});
  server.run({"RENAME", "r", "r2"});
  EXPECT_EQ(server.run({"TTL", "r2"}), ":100\r\n");
  server.run({"GETSET", "r2", "w"});
  EXPECT_EQ(server.run({"TTL", "r2"}), ":-1\r\n");
}

TEST(Expire, LazyExpiryHidesKeysFromEveryCommand) {
  TestServer server;
  server.run({"MSET", "a", "1", "b", "2"});
  server.run({"PEXPIRE", "a", "10"});
  server.advance_ms(10);
  EXPECT_EQ(server.run({"MGET", "a", "b"}), "*2\r\n$-1\r\n$1\r\n2\r\n");
  server.run({"SET", "c", "1", "PX", "10"});
  server.advance_ms(10);
  EXPECT_EQ(server.run({"KEYS", "*"}), "*1\r\n$1\r\nb\r\n");
  EXPECT_EQ(server.run({"EXISTS", "c"}), ":0\r\n");
  EXPECT_EQ(server.run({"INCR", "c"}), ":1\r\n");
  EXPECT_EQ(server.run({"TTL", "c"}), ":-1\r\n");
}

TEST(Expire, ActiveCycleReclaimsUntouchedKeys) {
  ServerConfig config;
  config.databases = 2;
  TestServer server(config);
  for (int i = 0; i < 1000; ++i) {
    server.run({"SET", "short" + std::to_string(i), "v", "PX", "100"});
  }
  for (int i = 0; i < 100; ++i) server.run({"SET", "long" + std::to_string(i), "v", "EX", "1000"});
  for (int i = 0; i < 100; ++i) server.run({"SET", "plain" + std::to_string(i), "v"});
  ActiveExpireStats idle = server.server().active_expire_cycle(std::chrono::seconds(1));
  EXPECT_EQ(idle.expired, 0u);
  server.advance_ms(100);
  std::size_t expired = 0;
  for (int pass = 0; pass < 100 && expired < 1000; ++pass) {
    expired += server.server().active_expire_cycle(std::chrono::seconds(1)).expired;
  }
  EXPECT_EQ(expired, 1000u);
  EXPECT_EQ(server.run({"DBSIZE"}), ":200\r\n");
}

TEST(Expire, ActiveCycleRespectsItsBudget) {
  TestServer server;
  for (int i = 0; i < 20000; ++i) server.run({"SET", "k" + std::to_string(i), "v", "PX", "1"});
  server.advance_ms(1);
  ActiveExpireStats stats = server.server().active_expire_cycle(std::chrono::microseconds(0));
  EXPECT_TRUE(stats.timed_out);
  EXPECT_LT(stats.expired, 20000u);
}

}  // namespace
}  // namespace gorodis::testing
