// object_test.cpp — the compact keyspace representation: a 16-byte Object, one allocation per
// key with an embstr value inline behind the key, inline values never outliving their entry,
// small aggregates costing their blob and nothing more, and the encodings and access clock that
// Redis exposes staying the same.
#include <malloc.h>

#include "memory.hpp"
#include "server_test_util.hpp"
#include "small_alloc.hpp"
#include "t_hash.hpp"
#include "t_list.hpp"
#include "t_set.hpp"
#include "t_zset.hpp"

namespace gorodis::testing {
namespace {

// Whether `bytes` are held inline in `entry`: right behind the key, in the entry's allocation.
bool inside(const Entry& entry, std::string_view bytes) {
  const std::string_view key = entry.key;
  return bytes.data() == key.data() + key.size();
}

TEST(Object, EmbstrValuesLiveInTheEntry) {
  Db db(0, 2);
  const std::string value(16, 'v');
  Entry& entry = db.set_string("key:123456", value, false, 0);
  IntegerText scratch;
  EXPECT_EQ(entry.value.view(scratch), value);
  EXPECT_TRUE(inside(entry, entry.value.view(scratch)));
  EXPECT_EQ(entry.value.encoding(), Encoding::kEmbstr);
  EXPECT_EQ(std::string_view(entry.key), "key:123456");
  EXPECT_EQ(entry.key.size(), 10u);
  // Overwriting with a value that fits reuses the room; a longer one goes to the heap.
  Entry& same = db.set_string("key:123456", "short", false, 0);
  EXPECT_EQ(&same, &entry);
  EXPECT_EQ(entry.value.view(scratch), "short");
  EXPECT_TRUE(inside(entry, entry.value.view(scratch)));
  const std::string longer(40, 'l');
  db.set_string("key:123456", longer, false, 0);
  EXPECT_EQ(entry.value.view(scratch), longer);
  EXPECT_FALSE(inside(entry, entry.value.view(scratch)));
  EXPECT_EQ(entry.value.encoding(), Encoding::kEmbstr);
  // Integers and long strings keep their encodings.
  EXPECT_EQ(db.set_string("i", "12345", false, 0).value.encoding(), Encoding::kInt);
  EXPECT_EQ(db.set_string("r", std::string(45, 'r'), false, 0).value.encoding(), Encoding::kRaw);
}

TEST(Object, InlineValuesCopiedOrMovedOutOwnTheirBytes) {
  Db db(0, 2);
  db.set_string("k", "inline value", false, 0);
  Entry* entry = db.lookup("k", 0);
  ASSERT_NE(entry, nullptr);
  Object copy = entry->value;
  Object moved = std::move(entry->value);
  db.set_string("k", "xxxxxxxxxxxx", false, 0);  // overwrites the inline bytes in place
  EXPECT_TRUE(db.remove("k"));
  IntegerText scratch;
  EXPECT_EQ(copy.view(scratch), "inline value");
  EXPECT_EQ(moved.view(scratch), "inline value");
  EXPECT_EQ(copy.encoding(), Encoding::kEmbstr);
  // Modifying in place makes an owned raw string, as Redis unshares an embstr.
  db.set_string("k", "abc", false, 0);
  entry = db.lookup("k", 0);
  entry->value.mutable_string().append("def");
  EXPECT_EQ(entry->value.view(scratch), "abcdef");
  EXPECT_EQ(entry->value.encoding(), Encoding::kRaw);
  EXPECT_FALSE(inside(*entry, entry->value.view(scratch)));
}

TEST(Object, SmallAggregatesCostOnlyTheirBlob) {
  if (!memory::kCountsEverything) GTEST_SKIP() << "used memory misses operator new here";
  constexpr int kValues = 100;
  std::vector<Object> objects;
  objects.reserve(3 * kValues);
  const HashLimits hash_limits{128, 64};
  const ZsetLimits zset_limits{128, 64};
  const std::size_t before = memory::used();
  std::size_t blobs = 0;
  auto malloc_blob = [](std::string_view bytes) {
    return malloc_usable_size(const_cast<char*>(bytes.data()));
  };
  for (int i = 0; i < kValues; ++i) {
    HashValue hash;
    hash.set("field", "value", hash_limits);
    objects.push_back(Object::composite(std::move(hash)));
    blobs += malloc_blob(objects.back().as<HashValue>().listpack()->serialized());

    SetValue set;
    set.add("12345", 512);
    objects.push_back(Object::composite(std::move(set)));
    blobs += small_alloc::allocation_size(objects.back().as<SetValue>().intset()->bytes().size());

    ZsetValue zset(zset_limits, 6);
    double score;
    zset.add("member", 1.5, 0, zset_limits, score);
    objects.push_back(Object::composite(std::move(zset)));
    blobs += malloc_blob(objects.back().as<ZsetValue>().as_listpack()->serialized());
  }
  // Nothing per value beyond the blobs (the old heap value object cost 24-32 bytes each, over
  // 7 KiB here); the slack covers small_alloc carving a new block (its registry grows).
  EXPECT_GE(memory::used() - before, blobs);
  EXPECT_LT(memory::used() - before, blobs + 1024);
}

TEST(Object, AggregatesCopyMoveAndConvertWithinTheirObject) {
  HashValue hash;
  const HashLimits limits{2, 64};
  hash.set("a", "1", limits);
  Object small = Object::composite(std::move(hash));
  Object small_copy = small;
  small.as<HashValue>().set("b", "2", limits);
  small.as<HashValue>().set("c", "3", limits);  // a third field: a hashtable now
  EXPECT_EQ(small.encoding(), Encoding::kHashtable);
  EXPECT_EQ(small_copy.encoding(), Encoding::kListpack);
  EXPECT_EQ(small_copy.as<HashValue>().size(), 1u);
  Object large_copy = small;
  Object moved = std::move(small);
  EXPECT_EQ(moved.encoding(), Encoding::kHashtable);
  EXPECT_EQ(large_copy.as<HashValue>().size(), 3u);
  IntegerText scratch;
  EXPECT_EQ(large_copy.as<HashValue>().get("c", scratch), "3");
  EXPECT_TRUE(moved.as<HashValue>().remove("c"));
  EXPECT_EQ(large_copy.as<HashValue>().size(), 3u);  // a deep copy

  SetValue set = SetValue::create_for("member");
  set.add("member", 512);
  Object table_set = Object::composite(std::move(set));
  Object table_set_copy = table_set;
  EXPECT_EQ(table_set_copy.type(), ObjectType::kSet);
  EXPECT_EQ(table_set_copy.encoding(), Encoding::kHashtable);
  EXPECT_TRUE(table_set_copy.as<SetValue>().contains("member"));
  Object list = Object::composite(ListValue(-2));
  list.as<ListValue>().list().push_back("x");
  Object list_copy = list;
  list = Object::integer(7);  // destroys the list, not its copy
  EXPECT_EQ(list_copy.as<ListValue>().list().size(), 1u);
  EXPECT_EQ(list_copy.type(), ObjectType::kList);
}

TEST(Object, CommandsSeeTheSameValuesAndEncodings) {
  TestServer server;
  EXPECT_EQ(server.run({"SET", "k", "hello"}), "+OK\r\n");
  EXPECT_EQ(server.run({"OBJECT", "ENCODING", "k"}), "$6\r\nembstr\r\n");
  EXPECT_EQ(server.run({"APPEND", "k", " world"}), ":11\r\n");
  EXPECT_EQ(server.run({"OBJECT", "ENCODING", "k"}), "$3\r\nraw\r\n");
  EXPECT_EQ(server.run({"GET", "k"}), "$11\r\nhello world\r\n");
  EXPECT_EQ(server.run({"MSET", "a", "1", "b", "bee"}), "+OK\r\n");
  EXPECT_EQ(server.run({"RENAME", "b", "c"}), "+OK\r\n");
  EXPECT_EQ(server.run({"COPY", "c", "d"}), ":1\r\n");
  EXPECT_EQ(server.run({"MOVE", "d", "1"}), ":1\r\n");
  EXPECT_EQ(server.run({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(server.run({"GET", "d"}), "$3\r\nbee\r\n");
  EXPECT_EQ(server.run({"OBJECT", "ENCODING", "d"}), "$6\r\nembstr\r\n");
  // 45 bytes: one past embstr's limit.
  EXPECT_EQ(server.run({"GETSET", "d", "a much longer value than before, still embstr"}),
            "$3\r\nbee\r\n");
  EXPECT_EQ(server.run({"GET", "d"}), "$45\r\na much longer value than before, still embstr\r\n");
  EXPECT_EQ(server.run({"OBJECT", "ENCODING", "d"}), "$3\r\nraw\r\n");
  EXPECT_EQ(server.run({"SET", "e", "0123456789012345678901234567890123456789abcd"}), "+OK\r\n");
  EXPECT_EQ(server.run({"OBJECT", "ENCODING", "e"}), "$6\r\nembstr\r\n");
  EXPECT_EQ(server.run({"SETRANGE", "e", "0", "X"}), ":44\r\n");
  EXPECT_EQ(server.run({"GET", "e"}), "$44\r\nX123456789012345678901234567890123456789abcd\r\n");
}

TEST(Object, IdleTimeCountsLruClockTicks) {
  // Redis's LRU clock has one-second resolution: a key written at .900 and read at 1.100 has
  // been idle 1 second.
  TestServer server;
  server.advance_ms(900);
  server.run({"SET", "k", "v"});
  server.advance_ms(200);
  EXPECT_EQ(server.run({"OBJECT", "IDLETIME", "k"}), ":1\r\n");
  server.advance_ms(700);
  EXPECT_EQ(server.run({"OBJECT", "IDLETIME", "k"}), ":1\r\n");
  server.advance_ms(300);
  EXPECT_EQ(server.run({"OBJECT", "IDLETIME", "k"}), ":2\r\n");
}

}  // namespace
}  // namespace gorodis::testing
