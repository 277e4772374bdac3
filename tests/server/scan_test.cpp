// scan_test.cpp — the SCAN guarantee: a full iteration returns every key present from start to
// end, while the table grows, shrinks and rehashes under it; at the KeyTable level and through
// the SCAN command across shards.
#include <random>
#include <set>

#include "dict.hpp"
#include "server_test_util.hpp"

namespace gorodis::testing {
namespace {

std::unique_ptr<Entry> make_entry(const std::string& key) {
  return Entry::create(key, static_cast<std::uint32_t>(Db::hash_key(key)), 0);
}

void insert(KeyTable& table, const std::string& key) {
  table.insert(make_entry(key));
}

void erase(KeyTable& table, const std::string& key) {
  table.remove(key, Db::hash_key(key));
  table.shrink_if_sparse();
}

// The cursor arithmetic, exposed for the test.
struct CursorMath : HashTableBase {
  using HashTableBase::next_cursor;
  using HashTableBase::reverse_bits;
};

TEST(Scan, CursorsAdvanceInReverseBinaryOrder) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t value = i < 64 ? std::uint64_t{1} << i : rng();
    std::uint64_t expected = 0;
    for (int bit = 0; bit < 64; ++bit) expected |= ((value >> bit) & 1) << (63 - bit);
    EXPECT_EQ(CursorMath::reverse_bits(value), expected) << value;
  }
  std::vector<std::uint64_t> cursors;
  std::uint64_t cursor = 0;
  do {
    cursor = CursorMath::next_cursor(cursor, 7);
    cursors.push_back(cursor);
  } while (cursor != 0);
  EXPECT_EQ(cursors, (std::vector<std::uint64_t>{4, 2, 6, 1, 5, 3, 7, 0}));
}

TEST(Scan, TableGrowingDuringIterationLosesNothing) {
  KeyTable table;
  std::set<std::string> stable;
  for (int i = 0; i < 100; ++i) {
    stable.insert("stable" + std::to_string(i));
    insert(table, "stable" + std::to_string(i));
  }
  std::set<std::string> seen;
  std::uint64_t cursor = 0;
  int added = 0;
  bool saw_rehash = false;
  do {
    cursor = table.scan(cursor, [&](const Entry& entry) { seen.emplace(entry.key_view()); });
    // Grow through several doublings (and rehashes) while the iteration is under way.
    for (int i = 0; i < 50 && added < 5000; ++i) insert(table, "added" + std::to_string(added++));
    saw_rehash |= table.is_rehashing();
  } while (cursor != 0);
  EXPECT_TRUE(saw_rehash);
  for (const std::string& key : stable) EXPECT_TRUE(seen.count(key)) << key;
}

TEST(Scan, TableShrinkingDuringIterationLosesNothing) {
  KeyTable table;
  for (int i = 0; i < 5000; ++i) insert(table, "doomed" + std::to_string(i));
  std::set<std::string> stable;
  for (int i = 0; i < 50; ++i) {
    stable.insert("stable" + std::to_string(i));
    insert(table, "stable" + std::to_string(i));
  }
  const std::size_t buckets_before = table.bucket_count();
  std::set<std::string> seen;
  std::uint64_t cursor = 0;
  int removed = 0;
  do {
    cursor = table.scan(cursor, [&](const Entry& entry) { seen.emplace(entry.key_view()); });
    for (int i = 0; i < 200 && removed < 5000; ++i)
      erase(table, "doomed" + std::to_string(removed++));
  } while (cursor != 0);
  EXPECT_LT(table.bucket_count(), buckets_before);
  for (const std::string& key : stable) EXPECT_TRUE(seen.count(key)) << key;
}

TEST(Scan, EmptyTableCompletesImmediately) {
  KeyTable table;
  int visits = 0;
  EXPECT_EQ(table.scan(0, [&](const Entry&) { ++visits; }), 0u);
  EXPECT_EQ(visits, 0);
}

// Runs a full SCAN iteration through the command, calling `between` after every call.
template <typename Between>
std::set<std::string> scan_all(TestServer& server, std::vector<std::string> options,
                               Between between) {
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::vector<std::string> command = {"SCAN", cursor};
    command.insert(command.end(), options.begin(), options.end());
    std::string reply = server.run(command);
    // *2\r\n$<n>\r\n<cursor>\r\n*<m>\r\n($<len>\r\n<key>\r\n)*
    std::size_t pos = reply.find("\r\n", 4) + 2;
    std::size_t end = reply.find("\r\n", pos);
    cursor = reply.substr(pos, end - pos);
    pos = reply.find("\r\n", end + 2) + 2;
    while (pos < reply.size()) {
      std::size_t length_end = reply.find("\r\n", pos);
      std::size_t length = std::stoul(reply.substr(pos + 1, length_end - pos - 1));
      seen.insert(reply.substr(length_end + 2, length));
      pos = length_end + 2 + length + 2;
    }
    between();
    ++calls;
  } while (cursor != "0" && calls < 100000);
  return seen;
}

TEST(Scan, CommandCoversEveryShardWhileKeysAreAdded) {
  TestServer server;
  for (int i = 0; i < 500; ++i) server.run({"SET", "key:" + std::to_string(i), "v"});
  int added = 0;
  std::set<std::string> seen = scan_all(server, {"COUNT", "7"}, [&] {
    for (int i = 0; i < 20 && added < 5000; ++i) {
      server.run({"SET", "new:" + std::to_string(added++), "v"});
    }
  });
  for (int i = 0; i < 500; ++i) EXPECT_TRUE(seen.count("key:" + std::to_string(i))) << i;
}

TEST(Scan, MatchTypeAndExpiredFiltering) {
  TestServer server;
  for (int i = 0; i < 100; ++i) server.run({"SET", "user:" + std::to_string(i), "v"});
  for (int i = 0; i < 100; ++i) server.run({"SET", "item:" + std::to_string(i), "v"});
  server.run({"SET", "user:expiring", "v", "PX", "5"});
  server.advance_ms(5);
  auto nothing = [] {};
  EXPECT_EQ(scan_all(server, {"MATCH", "user:*"}, nothing).size(), 100u);
  EXPECT_EQ(scan_all(server, {"MATCH", "*", "COUNT", "1000"}, nothing).size(), 200u);
  EXPECT_EQ(scan_all(server, {"TYPE", "string"}, nothing).size(), 200u);
  EXPECT_EQ(scan_all(server, {"TYPE", "list"}, nothing).size(), 0u);
  EXPECT_EQ(server.run({"SCAN", "abc"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(server.run({"SCAN", " 1"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(server.run({"SCAN", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(server.run({"SCAN", "0", "MATCH"}), "-ERR syntax error\r\n");
  EXPECT_EQ(server.run({"SCAN", "0", "FOO", "bar"}), "-ERR syntax error\r\n");
}

TEST(Scan, SingleShardConfiguration) {
  ServerConfig config;
  config.shard_bits = 0;
  TestServer server(config);
  for (int i = 0; i < 300; ++i) server.run({"SET", std::to_string(i), "v"});
  EXPECT_EQ(scan_all(server, {}, [] {}).size(), 300u);
}

}  // namespace
}  // namespace gorodis::testing
