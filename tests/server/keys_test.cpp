// keys_test.cpp — keyspace commands against replies captured from Redis 7.0.15, plus
// multi-database, locking and random-key behaviour.
#include <algorithm>
#include <set>
#include "goro/runtime.hpp"
#include "goro/sync.hpp"

#include "server_test_util.hpp"

namespace gorodis::testing {
namespace {

using namespace std::string_literals;

// Captured from redis-server 7.0.15 (RESP2), replayed in order on a fresh server.
const Exchange kKeyExchanges[] = {
    {{"set"s, "a"s, "1"s}, "+OK\r\n"s},
    {{"set"s, "b"s, "2"s}, "+OK\r\n"s},
    {{"set"s, "c"s, "hello"s}, "+OK\r\n"s},
    {{"del"s, "a"s, "b"s, "nokey"s}, ":2\r\n"s},
    {{"del"s, "a"s}, ":0\r\n"s},
    {{"exists"s, "a"s, "b"s, "c"s, "c"s}, ":2\r\n"s},
    {{"unlink"s, "c"s}, ":1\r\n"s},
    {{"exists"s, "c"s}, ":0\r\n"s},
    {{"set"s, "a"s, "1"s}, "+OK\r\n"s},
    {{"type"s, "a"s}, "+string\r\n"s},
    {{"type"s, "nokey"s}, "+none\r\n"s},
    {{"keys"s, "*"s}, "*1\r\n$1\r\na\r\n"s},
    {{"rename"s, "a"s, "b"s}, "+OK\r\n"s},
    {{"get"s, "b"s}, "$1\r\n1\r\n"s},
    {{"rename"s, "nokey"s, "x"s}, "-ERR no such key\r\n"s},
    {{"rename"s, "b"s, "b"s}, "+OK\r\n"s},
    {{"renamenx"s, "b"s, "b"s}, ":0\r\n"s},
    {{"set"s, "c"s, "3"s}, "+OK\r\n"s},
    {{"renamenx"s, "b"s, "c"s}, ":0\r\n"s},
    {{"renamenx"s, "b"s, "d"s}, ":1\r\n"s},
    {{"get"s, "d"s}, "$1\r\n1\r\n"s},
    {{"expire"s, "d"s, "100"s}, ":1\r\n"s},
    {{"rename"s, "d"s, "e"s}, "+OK\r\n"s},
    {{"ttl"s, "e"s}, ":100\r\n"s},
    {{"move"s, "e"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"move"s, "e"s, "99"s}, "-ERR DB index is out of range\r\n"s},
    {{"move"s, "e"s, "0"s}, "-ERR source and destination objects are the same\r\n"s},
    {{"move"s, "e"s, "1"s}, ":1\r\n"s},
    {{"move"s, "e"s, "1"s}, ":0\r\n"s},
    {{"exists"s, "e"s}, ":0\r\n"s},
    {{"select"s, "1"s}, "+OK\r\n"s},
    {{"get"s, "e"s}, "$1\r\n1\r\n"s},
    {{"ttl"s, "e"s}, ":100\r\n"s},
    {{"set"s, "e"s, "local"s}, "+OK\r\n"s},
    {{"select"s, "0"s}, "+OK\r\n"s},
    {{"copy"s, "c"s, "c"s}, "-ERR source and destination objects are the same\r\n"s},
    {{"copy"s, "c"s, "cc"s}, ":1\r\n"s},
    {{"copy"s, "c"s, "cc"s}, ":0\r\n"s},
    {{"copy"s, "c"s, "cc"s, "replace"s}, ":1\r\n"s},
    {{"copy"s, "c"s, "cc"s, "db"s, "1"s, "replace"s}, ":1\r\n"s},
    {{"copy"s, "c"s, "cc"s, "db"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"copy"s, "c"s, "cc"s, "db"s, "99"s}, "-ERR DB index is out of range\r\n"s},
    {{"copy"s, "c"s, "cc"s, "foo"s}, "-ERR syntax error\r\n"s},
    {{"copy"s, "nokey"s, "x"s}, ":0\r\n"s},
    // COPY duplicates a shared integer into a private one (Redis dupStringObject).
    {{"set"s, "cpa"s, "5"s}, "+OK\r\n"s},
    {{"copy"s, "cpa"s, "cpb"s}, ":1\r\n"s},
    {{"object"s, "refcount"s, "cpb"s}, ":1\r\n"s},
    {{"object"s, "encoding"s, "cpb"s}, "$3\r\nint\r\n"s},
    {{"object"s, "refcount"s, "cpa"s}, ":2147483647\r\n"s},
    {{"incr"s, "cpb"s}, ":6\r\n"s},
    {{"object"s, "refcount"s, "cpb"s}, ":2147483647\r\n"s},
    {{"del"s, "cpa"s, "cpb"s}, ":2\r\n"s},
    {{"select"s, "1"s}, "+OK\r\n"s},
    {{"get"s, "cc"s}, "$1\r\n3\r\n"s},
    {{"select"s, "0"s}, "+OK\r\n"s},
    {{"touch"s, "c"s, "cc"s, "nokey"s}, ":2\r\n"s},
    {{"expire"s, "c"s, "100"s, "nx"s}, ":1\r\n"s},
    {{"expire"s, "c"s, "100"s, "nx"s}, ":0\r\n"s},
    {{"expire"s, "c"s, "200"s, "xx"s}, ":1\r\n"s},
    {{"expire"s, "c"s, "100"s, "gt"s}, ":0\r\n"s},
    {{"expire"s, "c"s, "300"s, "gt"s}, ":1\r\n"s},
    {{"expire"s, "c"s, "400"s, "lt"s}, ":0\r\n"s},
    {{"expire"s, "c"s, "50"s, "lt"s}, ":1\r\n"s},
    {{"ttl"s, "c"s}, ":50\r\n"s},
    {{"pttl"s, "c"s}, ":50000\r\n"s},
    {{"expire"s, "c"s, "10"s, "nx"s, "xx"s},
     "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"s},
    {{"expire"s, "c"s, "10"s, "gt"s, "lt"s},
     "-ERR GT and LT options at the same time are not compatible\r\n"s},
    {{"expire"s, "c"s, "10"s, "foo"s}, "-ERR Unsupported option foo\r\n"s},
    {{"expire"s, "c"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"expire"s, "c"s, "9223372036854775807"s},
     "-ERR invalid expire time in 'expire' command\r\n"s},
    {{"expire"s, "c"s, "-9223372036854775808"s},
     "-ERR invalid expire time in 'expire' command\r\n"s},
    {{"pexpire"s, "c"s, "9223372036854775807"s},
     "-ERR invalid expire time in 'pexpire' command\r\n"s},
    {{"expire"s, "nokey"s, "10"s}, ":0\r\n"s},
    {{"persist"s, "c"s}, ":1\r\n"s},
    {{"persist"s, "c"s}, ":0\r\n"s},
    {{"ttl"s, "c"s}, ":-1\r\n"s},
    {{"expire"s, "cc"s, "100"s, "gt"s}, ":0\r\n"s},
    {{"expire"s, "cc"s, "100"s, "lt"s}, ":1\r\n"s},
    {{"ttl"s, "cc"s}, ":100\r\n"s},
    {{"expiretime"s, "nokey"s}, ":-2\r\n"s},
    {{"expiretime"s, "c"s}, ":-1\r\n"s},
    {{"pexpiretime"s, "c"s}, ":-1\r\n"s},
    {{"expireat"s, "c"s, "1"s}, ":1\r\n"s},
    {{"exists"s, "c"s}, ":0\r\n"s},
    {{"set"s, "c"s, "v"s}, "+OK\r\n"s},
    {{"pexpireat"s, "c"s, "1"s}, ":1\r\n"s},
    {{"exists"s, "c"s}, ":0\r\n"s},
    {{"set"s, "ex1"s, "v"s}, "+OK\r\n"s},
    {{"expire"s, "ex1"s, "-1"s}, ":1\r\n"s},
    {{"exists"s, "ex1"s}, ":0\r\n"s},
    {{"dbsize"s}, ":1\r\n"s},
    {{"flushdb"s, "foo"s}, "-ERR syntax error\r\n"s},
    {{"flushdb"s, "async"s}, "+OK\r\n"s},
    {{"dbsize"s}, ":0\r\n"s},
    {{"set"s, "a"s, "1"s}, "+OK\r\n"s},
    {{"flushall"s, "sync"s}, "+OK\r\n"s},
    {{"dbsize"s}, ":0\r\n"s},
    {{"select"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"select"s, "99"s}, "-ERR DB index is out of range\r\n"s},
    {{"select"s, "-1"s}, "-ERR DB index is out of range\r\n"s},
    {{"swapdb"s, "x"s, "1"s}, "-ERR invalid first DB index\r\n"s},
    {{"swapdb"s, "0"s, "x"s}, "-ERR invalid second DB index\r\n"s},
    {{"swapdb"s, "0"s, "99"s}, "-ERR DB index is out of range\r\n"s},
    {{"set"s, "a"s, "0"s}, "+OK\r\n"s},
    {{"swapdb"s, "0"s, "1"s}, "+OK\r\n"s},
    {{"get"s, "a"s}, "$-1\r\n"s},
    {{"select"s, "1"s}, "+OK\r\n"s},
    {{"get"s, "a"s}, "$1\r\n0\r\n"s},
    {{"select"s, "0"s}, "+OK\r\n"s},
    {{"swapdb"s, "0"s, "0"s}, "+OK\r\n"s},
    {{"ping"s}, "+PONG\r\n"s},
    {{"ping"s, "hello"s}, "$5\r\nhello\r\n"s},
    {{"ping"s, "a"s, "b"s}, "-ERR wrong number of arguments for 'ping' command\r\n"s},
    {{"echo"s, "x"s}, "$1\r\nx\r\n"s},
    {{"echo"s}, "-ERR wrong number of arguments for 'echo' command\r\n"s},
    {{"scan"s, "x"s}, "-ERR invalid cursor\r\n"s},
    {{"scan"s, "0"s, "count"s, "0"s}, "-ERR syntax error\r\n"s},
    {{"scan"s, "0"s, "count"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"scan"s, "0"s, "foo"s, "bar"s}, "-ERR syntax error\r\n"s},
    {{"scan"s, "0"s, "count"s}, "-ERR syntax error\r\n"s},
    {{"flushall"s}, "+OK\r\n"s},
    {{"scan"s, "0"s}, "*2\r\n$1\r\n0\r\n*0\r\n"s},
    {{"dbsize"s}, ":0\r\n"s},
    {{"randomkey"s}, "$-1\r\n"s},
};

TEST(Keys, MatchRedisByteForByte) {
  TestServer server;
  server.replay(kKeyExchanges);
}

TEST(Keys, KeysPatternsAndRandomKey) {
  TestServer server;
  for (const char* key : {"hello", "hallo", "hxllo", "heeeello", "h[llo", "world", ""}) {
    server.run({"SET", key, "v"});
  }
  auto keys = [&](const std::string& pattern) {
    std::string reply = server.run({"KEYS", pattern});
    return std::count(reply.begin(), reply.end(), '$');
  };
  EXPECT_EQ(keys("*"), 7);
  EXPECT_EQ(keys("h?llo"), 4);
  EXPECT_EQ(keys("h*llo"), 5);
  EXPECT_EQ(keys("h[ae]llo"), 2);
  EXPECT_EQ(keys("h[^e]llo"), 3);
  EXPECT_EQ(keys("h[a-b]llo"), 1);
  EXPECT_EQ(keys("h\\[llo"), 1);
  EXPECT_EQ(keys("nomatch*"), 0);
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(server.run({"RANDOMKEY"}));
  EXPECT_EQ(seen.size(), 7u);
  server.run({"FLUSHALL"});
  EXPECT_EQ(server.run({"RANDOMKEY"}), "$-1\r\n");
}

TEST(Keys, RandomKeySkipsExpiredKeys) {
  TestServer server;
  for (int i = 0; i < 50; ++i) server.run({"SET", "volatile" + std::to_string(i), "v", "PX", "5"});
  server.run({"SET", "stays", "v"});
  server.advance_ms(5);
  EXPECT_EQ(server.run({"RANDOMKEY"}), "$5\r\nstays\r\n");
  EXPECT_EQ(server.run({"KEYS", "*"}), "*1\r\n$5\r\nstays\r\n");
}

TEST(Keys, ConcurrentTransfersBetweenDatabasesDoNotDeadlock) {
  TestServer server;
  constexpr int kKeys = 64;
  for (int i = 0; i < kKeys; ++i) server.run({"SET", "k" + std::to_string(i), "v"});
  auto worker = [&](int from, int to) {
    ClientState client;
    client.db_index = from;
    for (int round = 0; round < 200; ++round) {
      for (int i = 0; i < kKeys; i += 7) {
        std::string key = "k" + std::to_string(i);
        std::vector<std::string_view> move = {"MOVE", key, to == 0 ? "0" : "1"};
        std::vector<std::string_view> copy = {"COPY",   key, key, "DB", to == 0 ? "0" : "1",
                                              "REPLACE"};
        std::vector<std::string_view> mset = {"MSET", key, "x", "k1", "y"};
        ReplyBuilder reply;
        server.server().execute(client, move, reply);
        server.server().execute(client, copy, reply);
        server.server().execute(client, mset, reply);
      }
    }
  };
  // Shard locks are goroutine locks: contend for them from goroutines on two Ps.
  goro::run([&] {
    goro::WaitGroup done;
    done.add(2);
    goro::go([&] {
      worker(0, 1);
      done.done();
    });
    goro::go([&] {
      worker(1, 0);
      done.done();
    });
    done.wait();
  });
  SUCCEED();
}

TEST(Keys, SwapDbKeepsClientsOnTheirIndex) {
  TestServer server;
  server.run({"SET", "a", "zero"});
  server.run({"SWAPDB", "0", "5"});
  EXPECT_EQ(server.run({"GET", "a"}), "$-1\r\n");
  server.run({"SELECT", "5"});
  EXPECT_EQ(server.run({"GET", "a"}), "$4\r\nzero\r\n");
}

}  // namespace
}  // namespace gorodis::testing
