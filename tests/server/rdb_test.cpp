// rdb_test.cpp — the RDB value decoders against DUMP payloads produced by Redis 7.0.15
// (rdbcompression no): quicklist 2 + listpack, intset, plain set, zset and hash listpacks, and the
// rejection of damaged embedded blobs.
#include "rdb.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include <string>
#include <vector>

namespace gorodis {
namespace {

using namespace std::string_literals;
using Strings = std::vector<std::string>;

// The body of a DUMP payload: type byte first, 10-byte footer dropped.
std::optional<RdbAggregate> load(const std::string& payload) {
  RdbReader reader(std::string_view(payload).substr(1, payload.size() - 11));
  return load_aggregate(reader, static_cast<unsigned char>(payload[0]));
}

// RPUSH l a 1 -5 hello 300000
const std::string kList =
    "\x12\x01\x02\x1b\x1b\x00\x00\x00\x05\x00\x81"
    "a\x02\x01\x01\xdf\xfb\x02\x85hello\x06\xf2"
    "\xe0\x93\x04\x04\xff\n\x00ot\x08\xff\x01\xb9"
    "0\x1c"s;
// SADD si 1 2 3 -70000 5000000000
const std::string kIntset =
    "\x0b"
    "0\x08\x00\x00\x00\x05\x00\x00\x00\x90\xee\xfe\xff\xff\xff\xff\xff\x01\x00\x00\x00\x00"
    "\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\xf2\x05*"
    "\x01\x00\x00\x00\n\x00\r-%\xeb"
    "B^\xb1\xf0"s;
// SADD ss a b c
const std::string kSet =
    "\x02\x03\x01"
    "b\x01"
    "c\x01"
    "a\n\x00\xb2\x94\xda.N\xcd\xa6\xfc"s;
// ZADD z 1 a 2.5 b -inf c
const std::string kZset =
    "\x11\x1d\x1d\x00\x00\x00\x06\x00\x81"
    "c\x02\x84-inf\x05\x81"
    "a\x02\x01\x01\x81"
    "b\x02\x83"
    "2.5\x04\xff\n\x00"
    "9\x92"
    "3\x9b\xe1\x1f"
    "2="s;
// HSET h f1 v1 f2 2
const std::string kHash =
    "\x10\x15\x15\x00\x00\x00\x04\x00\x82"
    "f1\x03\x82v1\x03\x82"
    "f2\x03\x02\x01\xff\n\x00\\^"
    "\xa8\x13\xfe\xec\x1f\xf5"s;

TEST(Rdb, LoadsRedisQuicklist) {
  auto list = load(kList);
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->type, ObjectType::kList);
  EXPECT_EQ(list->members, (Strings{"a", "1", "-5", "hello", "300000"}));
}

TEST(Rdb, LoadsRedisSets) {
  auto intset = load(kIntset);
  ASSERT_TRUE(intset.has_value());
  EXPECT_EQ(intset->type, ObjectType::kSet);
  EXPECT_EQ(intset->members, (Strings{"-70000", "1", "2", "3", "5000000000"}));
  auto set = load(kSet);
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->members, (Strings{"b", "c", "a"}));
}

TEST(Rdb, LoadsRedisZsetListpack) {
  auto zset = load(kZset);
  ASSERT_TRUE(zset.has_value());
  EXPECT_EQ(zset->type, ObjectType::kZset);
  EXPECT_EQ(zset->members, (Strings{"c", "a", "b"}));
  EXPECT_EQ(zset->scores, (std::vector<double>{-HUGE_VAL, 1, 2.5}));
}

TEST(Rdb, LoadsRedisHashListpack) {
  auto hash = load(kHash);
  ASSERT_TRUE(hash.has_value());
  EXPECT_EQ(hash->type, ObjectType::kHash);
  EXPECT_EQ(hash->members, (Strings{"f1", "f2"}));
  EXPECT_EQ(hash->values, (Strings{"v1", "2"}));
}

TEST(Rdb, RejectsDamagedBlobs) {
  for (const std::string& payload : {kList, kIntset, kZset, kHash}) {
    for (std::size_t cut = 1; cut + 10 < payload.size(); ++cut) {
      std::string truncated = payload.substr(0, cut) + payload.substr(payload.size() - 10);
      EXPECT_FALSE(load(truncated).has_value()) << cut;
    }
  }
  // An intset whose values are not sorted.
  std::string unsorted = kIntset;
  std::swap(unsorted[12], unsorted[20]);
  EXPECT_FALSE(load(unsorted).has_value());
}

// Redis 6's ziplist, built by hand from the format: "a", 12 (immediate), -3000 (int16).
TEST(Rdb, LoadsZiplist) {
  const std::string ziplist =
      "\x14\x00\x00\x00\x0f\x00\x00\x00\x03\x00"
      "\x00\x01"
      "a\x03\xfd\x02\xc0\x48\xf4\xff"s;
  RdbWriter writer(false);
  writer.string(ziplist);
  RdbReader reader(writer.bytes());
  auto list = load_aggregate(reader, kRdbTypeListZiplist);
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->members, (Strings{"a", "12", "-3000"}));
  RdbWriter bad(false);
  bad.string(ziplist.substr(0, ziplist.size() - 1) + "\x00");
  RdbReader bad_reader(bad.bytes());
  EXPECT_FALSE(load_aggregate(bad_reader, kRdbTypeListZiplist).has_value());
}

TEST(Rdb, PlainEncodingsRoundTrip) {
  RdbWriter writer(false);
  writer.length(2);
  writer.string("x");
  writer.binary_double(1.5);
  writer.string("y");
  writer.binary_double(-HUGE_VAL);
  RdbReader reader(writer.bytes());
  auto zset = load_aggregate(reader, kRdbTypeZset2);
  ASSERT_TRUE(zset.has_value());
  EXPECT_EQ(zset->members, (Strings{"x", "y"}));
  EXPECT_EQ(zset->scores, (std::vector<double>{1.5, -HUGE_VAL}));
  EXPECT_TRUE(reader.at_end());
}

}  // namespace
}  // namespace gorodis
