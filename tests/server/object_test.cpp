// object_test.cpp — the compact keyspace representation: a 16-byte Object, one allocation per
// key with an embstr value inline behind the key, inline values never outliving their entry,
// and the encodings and access clock that Redis exposes staying the same.
#include <malloc.h>

#include "server_test_util.hpp"

namespace gorodis::testing {
namespace {

// Whether `bytes` lie inside the allocation of `entry`.
bool inside(const Entry& entry, std::string_view bytes) {
  const char* begin = reinterpret_cast<const char*>(&entry);
  const char* end = begin + malloc_usable_size(const_cast<Entry*>(&entry));
  return bytes.data() >= begin && bytes.data() + bytes.size() <= end;
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
