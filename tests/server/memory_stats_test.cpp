// memory_stats_test.cpp — MEMORY STATS / DOCTOR / PURGE / MALLOC-STATS and INFO's overhead
// fields: Redis's reply shapes, and figures that add up (overhead + dataset = total).
#include <map>
#include <string>

#include "server_test_util.hpp"

namespace gorodis::testing {
namespace {

// The top-level integer fields of a RESP2 MEMORY STATS reply (a flat array of name, value;
// nested maps and doubles are skipped).
std::map<std::string, long long> integer_fields(const std::string& reply) {
  std::map<std::string, long long> fields;
  std::size_t at = reply.find("\r\n") + 2;
  std::string name;
  while (at < reply.size()) {
    const std::size_t end = reply.find("\r\n", at);
    const std::string line = reply.substr(at, end - at);
    at = end + 2;
    if (line[0] == '$') {
      const std::size_t length = std::stoul(line.substr(1));
      const std::string bulk = reply.substr(at, length);
      at += length + 2;
      name = name.empty() ? bulk : "";
    } else if (line[0] == ':') {
      if (!name.empty()) fields[name] = std::stoll(line.substr(1));
      name.clear();
    } else {
      name.clear();  // a nested map's header
    }
  }
  return fields;
}

TEST(MemoryStats, ShapeAndFiguresAddUp) {
  TestServer server;
  server.run({"SET", "a", "1"});
  server.run({"SET", "b", "2", "EX", "100"});
  server.run({"SELECT", "3"});
  server.run({"SET", "c", "3"});
  const std::string reply = server.run({"MEMORY", "STATS"});
  // 27 fields and one per database with keys (0 and 3), each a pair: 58 elements in RESP2.
  ASSERT_EQ(reply.substr(0, 5), "*58\r\n") << reply;
  EXPECT_NE(reply.find("$4\r\ndb.0\r\n*6\r\n$23\r\noverhead.hashtable.main\r\n"),
            std::string::npos);
  EXPECT_NE(reply.find("$4\r\ndb.3\r\n"), std::string::npos);
  EXPECT_EQ(reply.find("$4\r\ndb.1\r\n"), std::string::npos);
  auto fields = integer_fields(reply);
  EXPECT_EQ(fields["keys.count"], 3);
  EXPECT_EQ(fields["overhead.total"] + fields["dataset.bytes"], fields["total.allocated"]);
  EXPECT_GE(fields["peak.allocated"], fields["total.allocated"]);
  EXPECT_EQ(fields["clients.slaves"], 0);
  EXPECT_NE(reply.find("$18\r\ndataset.percentage\r\n$"), std::string::npos);  // a double
  server.run({"HELLO", "3"});
  EXPECT_EQ(server.run({"MEMORY", "STATS"}).substr(0, 5), "%29\r\n");
}

TEST(MemoryStats, DoctorPurgeMallocStatsLikeRedisOnLibc) {
  TestServer server;
  EXPECT_EQ(server.run({"MEMORY", "PURGE"}), "+OK\r\n");
  const std::string stats = "Stats not supported for the current allocator";
  EXPECT_EQ(server.run({"MEMORY", "MALLOC-STATS"}),
            "$" + std::to_string(stats.size()) + "\r\n" + stats + "\r\n");
  EXPECT_NE(server.run({"MEMORY", "DOCTOR"}).find("Sam"), std::string::npos);
  EXPECT_EQ(server.run({"MEMORY", "STATS", "extra"}),
            "-ERR wrong number of arguments for 'memory|stats' command\r\n");
}

TEST(MemoryStats, InfoHasRedisOverheadFields) {
  TestServer server;
  const std::string info = server.run({"INFO", "memory"});
  for (const char* field :
       {"used_memory_overhead:", "used_memory_startup:", "used_memory_dataset:",
        "used_memory_dataset_perc:", "mem_clients_normal:", "mem_aof_buffer:"}) {
    EXPECT_NE(info.find(field), std::string::npos) << field;
  }
}

}  // namespace
}  // namespace gorodis::testing
