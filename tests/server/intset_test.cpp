// intset_test.cpp — the intset against std::set under random operations, its upgrade paths,
// byte-exactness against blobs taken from Redis 7.0.15 (DUMP payloads of SADD'ed keys), and
// from_bytes' rejection of corrupt blobs.
#include "intset.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

namespace gorodis::testing {
namespace {

using namespace std::string_literals;

void expect_same(const Intset& intset, const std::set<std::int64_t>& model) {
  ASSERT_EQ(intset.size(), model.size());
  std::size_t i = 0;
  for (std::int64_t value : model) EXPECT_EQ(intset.at(i++), value);
  // The blob must stay a valid intset at every step.
  if (!model.empty()) EXPECT_TRUE(Intset::from_bytes(intset.bytes()).has_value());
}

TEST(Intset, RandomOperationsMatchStdSet) {
  std::mt19937_64 rng(12345);
  // Values drawn from all three widths, with many collisions inside each.
  auto draw = [&rng]() -> std::int64_t {
    switch (rng() % 3) {
      case 0:
        return static_cast<std::int64_t>(rng() % 200) - 100;
      case 1:
        return static_cast<std::int64_t>(rng() % 200) * 100000 - 10000000;
      default:
        return static_cast<std::int64_t>(rng() % 200) * (std::int64_t{1} << 40) -
               (std::int64_t{100} << 40);
    }
  };
  for (int round = 0; round < 20; ++round) {
    Intset intset;
    std::set<std::int64_t> model;
    for (int op = 0; op < 500; ++op) {
      std::int64_t value = draw();
      switch (rng() % 3) {
        case 0:
        case 1:
          EXPECT_EQ(intset.add(value), model.insert(value).second) << value;
          break;
        default:
          EXPECT_EQ(intset.remove(value), model.erase(value) == 1) << value;
          break;
      }
      std::int64_t probe = draw();
      EXPECT_EQ(intset.contains(probe), model.count(probe) == 1) << probe;
    }
    expect_same(intset, model);
  }
}

TEST(Intset, UpgradesWidenEveryElementAndNeverDowngrade) {
  Intset intset;
  EXPECT_EQ(intset.encoding(), 2u);
  for (std::int64_t v : {5, -3, 32767, -32768}) intset.add(v);
  EXPECT_EQ(intset.encoding(), 2u);
  // A positive wide value is appended, a negative one prepended.
  intset.add(32768);
  EXPECT_EQ(intset.encoding(), 4u);
  expect_same(intset, {-32768, -3, 5, 32767, 32768});
  intset.add(-2147483649LL);
  EXPECT_EQ(intset.encoding(), 8u);
  expect_same(intset, {-2147483649LL, -32768, -3, 5, 32767, 32768});
  intset.add(INT64_MAX);
  intset.add(INT64_MIN);
  expect_same(intset, {INT64_MIN, -2147483649LL, -32768, -3, 5, 32767, 32768, INT64_MAX});
  // Straight from 16 to 64 bits, prepending.
  Intset jump;
  jump.add(1);
  jump.add(2);
  jump.add(-(std::int64_t{1} << 40));
  EXPECT_EQ(jump.encoding(), 8u);
  expect_same(jump, {-(std::int64_t{1} << 40), 1, 2});
  // Removing the wide values keeps the wide encoding (Redis never downgrades).
  EXPECT_TRUE(jump.remove(-(std::int64_t{1} << 40)));
  EXPECT_EQ(jump.encoding(), 8u);
  // A value wider than the encoding is absent without a search.
  Intset narrow;
  narrow.add(1);
  EXPECT_FALSE(narrow.contains(std::int64_t{1} << 40));
  EXPECT_FALSE(narrow.remove(std::int64_t{1} << 40));
}

// Bytes of Redis 7.0.15 intsets (the body of DUMP payloads after SADD).
TEST(Intset, BytesMatchRedis) {
  struct Case {
    std::vector<std::int64_t> added;
    std::string blob;
  };
  const Case cases[] = {
      {{3, 1, 2}, "\x02\0\0\0\x03\0\0\0\x01\0\x02\0\x03\0"s},
      {{5, -70000, 100000}, "\x04\0\0\0\x03\0\0\0\x90\xee\xfe\xff\x05\0\0\0\xa0\x86\x01\0"s},
      {{1, -(std::int64_t{1} << 40), 7},
       "\x08\0\0\0\x03\0\0\0\0\0\0\0\0\xff\xff\xff\x01\0\0\0\0\0\0\0\x07\0\0\0\0\0\0\0"s},
  };
  for (const Case& c : cases) {
    Intset intset;
    for (std::int64_t v : c.added) intset.add(v);
    EXPECT_EQ(intset.bytes(), c.blob);
    auto loaded = Intset::from_bytes(c.blob);
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->bytes(), c.blob);
    EXPECT_EQ(loaded->size(), c.added.size());
  }
  EXPECT_EQ(Intset().bytes(), "\x02\0\0\0\0\0\0\0"s);
}

TEST(Intset, FromBytesRejectsCorruptInput) {
  const std::string good = "\x02\0\0\0\x03\0\0\0\x01\0\x02\0\x03\0"s;
  ASSERT_TRUE(Intset::from_bytes(good).has_value());
  const std::string bad[] = {
      ""s,
      "\x02\0\0"s,                                // shorter than the header
      "\x02\0\0\0\0\0\0\0"s,                      // empty (Redis rejects it too)
      "\x03\0\0\0\x01\0\0\0\x01\0\0"s,            // unknown encoding
      "\x02\0\0\0\x03\0\0\0\x01\0\x02\0"s,        // length says 3, 2 values present
      "\x02\0\0\0\x02\0\0\0\x01\0\x02\0\x03\0"s,  // trailing bytes
      "\x02\0\0\0\x03\0\0\0\x01\0\x03\0\x02\0"s,  // not sorted
      "\x02\0\0\0\x03\0\0\0\x01\0\x02\0\x02\0"s,  // duplicate
      "\x02\0\0\0\xff\xff\xff\xff\x01\0"s,        // huge length
      "\x08\0\0\0\x01\0\0\0\x01\0\0\0"s,          // 64-bit value truncated
  };
  for (const std::string& blob : bad) {
    EXPECT_FALSE(Intset::from_bytes(blob).has_value()) << ::testing::PrintToString(blob);
  }
  // A wider encoding than needed is valid (Redis keeps wide encodings after removals).
  EXPECT_TRUE(Intset::from_bytes("\x08\0\0\0\x01\0\0\0\x01\0\0\0\0\0\0\0"s).has_value());
}

TEST(Intset, CopiesAreIndependentAndMovesEmptyTheSource) {
  Intset a;
  for (int i = 0; i < 10; ++i) a.add(i);
  Intset b = a;
  b.add(100);
  EXPECT_EQ(a.size(), 10u);
  EXPECT_EQ(b.size(), 11u);
  Intset c = std::move(b);
  EXPECT_EQ(c.size(), 11u);
  a = c;
  EXPECT_EQ(a.bytes(), c.bytes());
  // Emptied by removals: a valid empty intset keeping its encoding.
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(a.remove(i));
  EXPECT_TRUE(a.remove(100));
  EXPECT_TRUE(a.empty());
  EXPECT_TRUE(a.add(7));
  EXPECT_EQ(a.at(0), 7);
}

}  // namespace
}  // namespace gorodis::testing
