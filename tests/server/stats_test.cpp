// stats_test.cpp — INFO stats keyspace_hits/keyspace_misses, total_error_replies, INFO
// errorstats and commandstats' failed/rejected calls, as Redis 7.0.15 counts them, and CONFIG
// RESETSTAT; the striped counters under concurrent adds; CLIENT INFO's fields.
#include <regex>
#include <sstream>
#include <thread>

#include "server_test_util.hpp"

namespace gorodis::testing {
namespace {

// The value of `field` in an INFO reply ("field:value\r\n"), or "" when absent.
std::string info_field(TestServer& server, const std::string& section, const std::string& field) {
  const std::string info = server.run({"INFO", section});
  const std::string key = "\r\n" + field + ":";
  const std::size_t at = info.find(key);
  if (at == std::string::npos) return "";
  const std::size_t start = at + key.size();
  return info.substr(start, info.find("\r\n", start) - start);
}

// Command durations are real time: drop them before comparing.
std::string without_durations(const std::string& text) {
  static const std::regex kDurations("usec=[0-9]+,usec_per_call=[0-9.]+,");
  return std::regex_replace(text, kDurations, "");
}

long long info_number(TestServer& server, const std::string& field) {
  return std::stoll(info_field(server, "stats", field));
}

struct LookupCount {
  std::vector<std::string> command;
  long long hits;
  long long misses;
};

// Captured from redis-server 7.0.15: each command's change of keyspace_hits and keyspace_misses,
// run in this order after SET k2 hello, SET k val.
const LookupCount kLookupCounts[] = {
    {{"GET", "k"}, 1, 0},
    {{"GET", "missing"}, 0, 1},
    {{"SET", "k", "v"}, 0, 0},
    {{"SET", "fresh", "v", "NX"}, 0, 0},
    {{"SET", "k", "v", "XX"}, 0, 0},
    {{"SET", "k", "v", "GET"}, 1, 0},
    {{"SETNX", "k", "v"}, 0, 0},
    {{"SETEX", "k", "10", "v"}, 0, 0},
    {{"GETSET", "k", "v"}, 1, 0},
    {{"GETEX", "k"}, 1, 0},
    {{"GETEX", "missing"}, 0, 1},
    {{"GETDEL", "k"}, 1, 0},
    {{"MGET", "k", "missing", "k2"}, 1, 2},
    {{"MSET", "k", "1"}, 0, 0},
    {{"MSETNX", "fresh", "1", "fresh2", "2"}, 0, 0},
    {{"INCR", "i"}, 0, 0},
    {{"INCRBYFLOAT", "i", "1"}, 0, 0},
    {{"APPEND", "k", "x"}, 0, 0},
    {{"STRLEN", "k"}, 1, 0},
    {{"GETRANGE", "k", "0", "1"}, 1, 0},
    {{"SETRANGE", "k", "0", "x"}, 0, 0},
    {{"LCS", "k", "k2"}, 2, 0},
    {{"SETBIT", "b", "1", "1"}, 0, 0},
    {{"GETBIT", "b", "1"}, 1, 0},
    {{"BITCOUNT", "b"}, 1, 0},
    {{"BITPOS", "b", "1"}, 1, 0},
    {{"BITOP", "AND", "d", "b", "missing"}, 1, 1},
    {{"BITFIELD", "b", "GET", "u8", "0"}, 1, 0},
    {{"BITFIELD", "b", "SET", "u8", "0", "1"}, 0, 0},
    {{"BITFIELD_RO", "b", "GET", "u8", "0"}, 1, 0},
    {{"EXISTS", "k", "missing", "k"}, 2, 1},
    {{"TYPE", "k"}, 1, 0},
    {{"TYPE", "missing"}, 0, 1},
    {{"KEYS", "*"}, 0, 0},
    {{"SCAN", "0"}, 0, 0},
    {{"RANDOMKEY"}, 0, 0},
    {{"RENAME", "k", "k3"}, 0, 0},
    {{"RENAMENX", "k3", "k"}, 0, 0},
    {{"MOVE", "k", "1"}, 0, 0},
    {{"COPY", "k2", "k4"}, 1, 0},
    {{"COPY", "missing", "k5"}, 0, 1},
    {{"TOUCH", "k2", "missing"}, 1, 1},
    {{"EXPIRE", "k2", "100"}, 0, 0},
    {{"EXPIRE", "missing", "100"}, 0, 0},
    {{"TTL", "k2"}, 1, 0},
    {{"TTL", "missing"}, 0, 1},
    {{"PTTL", "k2"}, 1, 0},
    {{"EXPIRETIME", "k2"}, 1, 0},
    {{"PERSIST", "k2"}, 0, 0},
    {{"DUMP", "k2"}, 1, 0},
    {{"DUMP", "missing"}, 0, 1},
    {{"OBJECT", "ENCODING", "k2"}, 1, 0},
    {{"OBJECT", "ENCODING", "missing"}, 0, 1},
    {{"OBJECT", "REFCOUNT", "k2"}, 1, 0},
    {{"OBJECT", "IDLETIME", "k2"}, 1, 0},
    {{"MEMORY", "USAGE", "k2"}, 0, 0},
    {{"MEMORY", "USAGE", "missing"}, 0, 0},
    {{"DEL", "k2", "missing"}, 0, 0},
    {{"UNLINK", "k4"}, 0, 0},
    {{"INCR", "k5"}, 0, 0},
    {{"DECRBY", "k5", "2"}, 0, 0},
    {{"PSETEX", "z", "100", "v"}, 0, 0},
};

// The same for hashes, after HSET h f v g w.
const LookupCount kHashLookupCounts[] = {
    {{"HGET", "h", "f"}, 1, 0},
    {{"HGET", "missing", "f"}, 0, 1},
    {{"HMGET", "h", "f", "g"}, 1, 0},
    {{"HDEL", "h", "g"}, 0, 0},
    {{"HLEN", "h"}, 1, 0},
    {{"HEXISTS", "h", "f"}, 1, 0},
    {{"HSTRLEN", "h", "f"}, 1, 0},
    {{"HGETALL", "h"}, 1, 0},
    {{"HKEYS", "missing"}, 0, 1},
    {{"HRANDFIELD", "h"}, 1, 0},
    {{"HRANDFIELD", "h", "2"}, 1, 0},
    {{"HSCAN", "h", "0"}, 1, 0},
    {{"HSET", "h", "x", "1"}, 0, 0},
    {{"HINCRBY", "h", "n", "1"}, 0, 0},
    {{"HSETNX", "h", "y", "1"}, 0, 0},
    {{"HINCRBYFLOAT", "h", "z", "1"}, 0, 0},
};

// The same for sets, after SADD s a b c d, SADD t a x y.
const LookupCount kSetLookupCounts[] = {
    {{"SISMEMBER", "s", "a"}, 1, 0},
    {{"SISMEMBER", "missing", "a"}, 0, 1},
    {{"SMISMEMBER", "s", "a", "z"}, 1, 0},
    {{"SCARD", "s"}, 1, 0},
    {{"SMEMBERS", "s"}, 1, 0},
    {{"SRANDMEMBER", "s"}, 1, 0},
    {{"SRANDMEMBER", "s", "2"}, 1, 0},
    {{"SSCAN", "s", "0"}, 1, 0},
    {{"SINTER", "s", "t", "missing"}, 2, 1},
    {{"SUNION", "s", "t"}, 2, 0},
    {{"SDIFF", "s", "missing"}, 1, 1},
    {{"SINTERCARD", "2", "s", "t"}, 2, 0},
    {{"SINTERSTORE", "d", "s", "t"}, 2, 0},
    {{"SUNIONSTORE", "d", "s", "t"}, 2, 0},
    {{"SDIFFSTORE", "d", "s", "t"}, 2, 0},
    {{"SADD", "s", "q"}, 0, 0},
    {{"SREM", "s", "q"}, 0, 0},
    {{"SPOP", "s"}, 0, 0},
    {{"SPOP", "t", "1"}, 0, 0},
    {{"SMOVE", "s", "t", "b"}, 0, 0},
    {{"SMOVE", "missing", "t", "b"}, 0, 0},
};

void expect_lookup_counts(TestServer& server, std::span<const LookupCount> steps) {
  for (const LookupCount& step : steps) {
    const long long hits = info_number(server, "keyspace_hits");
    const long long misses = info_number(server, "keyspace_misses");
    server.run(step.command);
    EXPECT_EQ(info_number(server, "keyspace_hits") - hits, step.hits) << describe(step.command);
    EXPECT_EQ(info_number(server, "keyspace_misses") - misses, step.misses)
        << describe(step.command);
  }
}

TEST(Stats, KeyspaceHitsAndMissesCountReadLookupsLikeRedis) {
  TestServer server;
  server.run({"SET", "k2", "hello"});
  server.run({"SET", "k", "val"});
  expect_lookup_counts(server, kLookupCounts);
  server.run({"FLUSHALL"});
  server.run({"HSET", "h", "f", "v", "g", "w"});
  expect_lookup_counts(server, kHashLookupCounts);
  server.run({"FLUSHALL"});
  server.run({"SADD", "s", "a", "b", "c", "d"});
  server.run({"SADD", "t", "a", "x", "y"});
  expect_lookup_counts(server, kSetLookupCounts);
}

TEST(Stats, ErrorRepliesAreCountedByPrefix) {
  TestServer server;
  server.run({"SET", "s", "v"});
  server.run({"GET"});                        // arity: rejected, ERR
  server.run({"NOSUCHCOMMAND"});              // unknown command, ERR
  server.run({"CLIENT", "NOPE"});             // unknown subcommand, ERR
  server.run({"LCS", "s", "s", "IDX", "x"});  // syntax: failed, ERR
  server.run({"INCR", "s"});                  // failed, ERR
  server.run({"SETRANGE", "s", "-1", "x"});   // failed, ERR
  server.run({"BITCOUNT", "s", "0"});         // failed, ERR
  server.run({"GET", "s"});                   // fine
  server.run({"SET", "t", "1"});
  server.run({"RESTORE", "t", "0", "x"});  // BUSYKEY
  server.run({"RENAME", "nokey", "x"});    // ERR no such key
  server.client().authenticated = false;
  EXPECT_EQ(server.run({"GET", "s"}), "-NOAUTH Authentication required.\r\n");  // rejected
  server.client().authenticated = true;
  EXPECT_EQ(info_field(server, "stats", "total_error_replies"), "10");
  EXPECT_EQ(server.run({"INFO", "errorstats"}),
            "$90\r\n# Errorstats\r\nerrorstat_BUSYKEY:count=1\r\nerrorstat_ERR:count=8\r\n"
            "errorstat_NOAUTH:count=1\r\n\r\n");
  EXPECT_EQ(without_durations(info_field(server, "commandstats", "cmdstat_get")),
            "calls=1,rejected_calls=2,failed_calls=0");
  EXPECT_EQ(without_durations(info_field(server, "commandstats", "cmdstat_incr")),
            "calls=1,rejected_calls=0,failed_calls=1");
  EXPECT_EQ(without_durations(info_field(server, "commandstats", "cmdstat_restore")),
            "calls=1,rejected_calls=0,failed_calls=1");
  // An unknown subcommand counts for no command (Redis has no c->cmd there).
  EXPECT_EQ(info_field(server, "commandstats", "cmdstat_client|nope"), "");
  server.run({"GET", "s", "WRONGTYPE"});
  server.run({"LPUSH"});
  EXPECT_NE(server.run({"INFO", "errorstats"}).find("errorstat_ERR:count=10\r\n"),
            std::string::npos);
}

TEST(Stats, ErrorPrefixFollowsRedisRules) {
  EXPECT_EQ(error_prefix("ERR syntax error"), "ERR");
  EXPECT_EQ(error_prefix("WRONGTYPE Operation against a key"), "WRONGTYPE");
  // No space: Redis falls back to ERR.
  EXPECT_EQ(error_prefix("NOSPACE"), "ERR");
  // The space must lie within the first 32 bytes of "-<message>".
  EXPECT_EQ(error_prefix(std::string(30, 'A') + " x"), std::string(30, 'A'));
  EXPECT_EQ(error_prefix(std::string(31, 'A') + " x"), "ERR");
  EXPECT_EQ(error_prefix(" leading space"), "");
}

TEST(Stats, ResetstatClearsEveryCounter) {
  TestServer server;
  server.run({"SET", "k", "v"});
  server.run({"GET", "k"});
  server.run({"GET", "missing"});
  server.run({"INCR", "k"});
  server.run({"GET"});
  EXPECT_EQ(info_number(server, "keyspace_hits"), 1);
  EXPECT_EQ(info_number(server, "keyspace_misses"), 1);
  EXPECT_EQ(server.run({"CONFIG", "RESETSTAT"}), "+OK\r\n");
  EXPECT_EQ(info_number(server, "keyspace_hits"), 0);
  EXPECT_EQ(info_number(server, "keyspace_misses"), 0);
  EXPECT_EQ(info_number(server, "total_error_replies"), 0);
  // Only the INFO calls made since the reset remain.
  EXPECT_EQ(info_number(server, "total_commands_processed"), 4);
  EXPECT_EQ(server.run({"INFO", "errorstats"}), "$14\r\n# Errorstats\r\n\r\n");
  // RESETSTAT itself is accounted after it ran, as in Redis.
  const std::string commandstats = without_durations(server.run({"INFO", "commandstats"}));
  EXPECT_EQ(commandstats.substr(commandstats.find("\r\n") + 2),
            "# Commandstats\r\ncmdstat_info:calls=5,rejected_calls=0,failed_calls=0\r\n"
            "cmdstat_config|resetstat:calls=1,rejected_calls=0,failed_calls=0\r\n\r\n");
}

TEST(Stats, StripedCountersLoseNoConcurrentAdd) {
  ServerStats stats(3);
  // More threads than stripes: the later ones share the overflow stripe.
  constexpr int kThreads = 40;
  constexpr int kAdds = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&stats, t] {
      for (int i = 0; i < kAdds; ++i) {
        stats.add(Counter::kKeyspaceHits);
        stats.add_call(static_cast<std::size_t>(t % 3), 2, i % 2 == 0);
        if (i % 100 == 0) stats.error_reply(t % 2 == 0 ? "ERR x" : "WRONGTYPE y");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(stats.total(Counter::kKeyspaceHits), std::uint64_t{kThreads} * kAdds);
  EXPECT_EQ(stats.total_calls(), std::uint64_t{kThreads} * kAdds);
  CommandTotals first = stats.command(0);  // threads 0, 3, ..., 39
  EXPECT_EQ(first.calls, 14u * kAdds);
  EXPECT_EQ(first.usec, 28u * kAdds);
  EXPECT_EQ(first.failed, 14u * kAdds / 2);
  EXPECT_EQ(stats.total(Counter::kErrorReplies), std::uint64_t{kThreads} * kAdds / 100);
  using Counts = std::vector<std::pair<std::string, std::uint64_t>>;
  EXPECT_EQ(stats.error_counts(), (Counts{{"ERR", kThreads / 2 * kAdds / 100},
                                          {"WRONGTYPE", kThreads / 2 * kAdds / 100}}));
  stats.reset();
  EXPECT_EQ(stats.total_calls(), 0u);
  EXPECT_EQ(stats.total(Counter::kKeyspaceHits), 0u);
  EXPECT_TRUE(stats.error_counts().empty());
  stats.add(Counter::kKeyspaceHits, 5);
  stats.add_call(1, 7, true);
  EXPECT_EQ(stats.total(Counter::kKeyspaceHits), 5u);
  EXPECT_EQ(stats.command(1).usec, 7u);
  EXPECT_EQ(stats.command(1).failed, 1u);
}

TEST(Stats, ClientInfoHasRedisFieldsAndFdMinusOneForFakeClients) {
  TestServer server;
  const std::string info = server.run({"CLIENT", "INFO"});
  std::istringstream fields(info.substr(info.find("\r\n") + 2));
  std::string field;
  std::string names;
  while (fields >> field) names.append(field.substr(0, field.find('=') + 1));
  EXPECT_EQ(names,
            "id=addr=laddr=fd=name=age=idle=flags=db=sub=psub=ssub=multi=qbuf=qbuf-free=argv-mem="
            "multi-mem=rbs=rbp=obl=oll=omem=tot-mem=events=cmd=user=redir=resp=");
  EXPECT_NE(info.find(" fd=-1 "), std::string::npos) << info;
  EXPECT_NE(info.find(" flags=N "), std::string::npos) << info;
  server.run({"CLIENT", "NO-EVICT", "on"});
  EXPECT_NE(server.run({"CLIENT", "INFO"}).find(" flags=e "), std::string::npos);
}

}  // namespace
}  // namespace gorodis::testing
