// listpack_test.cpp — Listpack against Redis 7.0's bytes and against a std::vector model.
#include "listpack.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace gorodis {
namespace {

using namespace std::string_literals;

std::vector<std::string> contents(const Listpack& listpack) {
  std::vector<std::string> out;
  for (auto p = listpack.first(); p != listpack.end(); p = listpack.next(p)) {
    out.push_back(listpack.get(p).to_string());
  }
  return out;
}

std::vector<std::string> contents_backwards(const Listpack& listpack) {
  std::vector<std::string> out;
  for (auto p = listpack.last(); p != listpack.end(); p = listpack.prev(p)) {
    out.insert(out.begin(), listpack.get(p).to_string());
  }
  return out;
}

// HSET h a 1 b hello c -5000 ... on redis-server 7.0.15, then DUMP h: the listpack inside the
// RDB_TYPE_HASH_LISTPACK payload (rdbcompression no).
const std::string kRedisHashListpack =
    "m\x00\x00\x00\x1a\x00\x81"
    "a\x02\x01\x01\x81"
    "b\x02\x85hello\x06\x81"
    "c\x02\xf1x\xec\x03"
    "\x81"
    "d\x02\xf2\xa0\x86\x01\x04\x81"
    "e\x02\xf4\x14\x1a\x99\xbe\x1c\x00\x00\x00\t\x81"
    "f\x02\xdf\xff\x02\x81"
    "g\x02\xcf\xff\x02\x81"
    "h\x02\xd0\x00\x02\x81"
    "i\x02\xf1\xff\x7f\x03"
    "\x81"
    "j\x02\xf2\xff\xff\x7f\x04\x81"
    "k\x02\xf4\x00\x00\x00\x80\x00\x00\x00\x00\t\x81"
    "l\x02\x80\x01\x81"
    "m\x02\x83"
    "007\x04\xff"s;

const std::vector<std::string> kRedisHashElements = {
    "a", "1",          "b", "hello", "c", "-5000", "d", "100000", "e", "123456789012",
    "f", "-1",         "g", "4095",  "h", "-4096", "i", "32767",  "j", "8388607",
    "k", "2147483648", "l", "",      "m", "007"};

TEST(Listpack, EncodesLikeRedis) {
  Listpack listpack;
  for (const std::string& element : kRedisHashElements) listpack.push_back(element);
  EXPECT_EQ(listpack.serialized(), kRedisHashListpack);
  EXPECT_EQ(listpack.size(), kRedisHashElements.size());
}

TEST(Listpack, LoadsRedisBytes) {
  auto listpack = Listpack::from_bytes(kRedisHashListpack);
  ASSERT_TRUE(listpack.has_value());
  EXPECT_EQ(contents(*listpack), kRedisHashElements);
  EXPECT_EQ(contents_backwards(*listpack), kRedisHashElements);
  auto c = listpack->find("-5000", listpack->first());
  ASSERT_NE(c, listpack->end());
  EXPECT_EQ(listpack->get(c).integer, -5000);
  EXPECT_EQ(listpack->get(listpack->find("007", listpack->first())).integer, std::nullopt);
}

TEST(Listpack, EmptyHasRedisLayout) {
  Listpack listpack;
  EXPECT_EQ(listpack.serialized(), "\x07\x00\x00\x00\x00\x00\xff"s);
  EXPECT_TRUE(listpack.empty());
  EXPECT_EQ(listpack.last(), listpack.end());
  EXPECT_EQ(listpack.seek(0), listpack.end());
  EXPECT_EQ(listpack.seek(-1), listpack.end());
}

TEST(Listpack, FindWithSkipLooksAtKeysOnly) {
  Listpack listpack;
  for (const char* element : {"x", "k", "k", "v"}) listpack.push_back(element);
  // As a key/value listpack: keys are "x" and "k"; the value "k" of key "x" must not match.
  EXPECT_EQ(listpack.find("k", listpack.first(), 1), listpack.seek(2));
  EXPECT_EQ(listpack.find("v", listpack.first(), 1), listpack.end());
}

TEST(Listpack, CountSaturatesAndIsWalked) {
  Listpack listpack;
  for (int i = 0; i < 70000; ++i) listpack.push_back(i % 2 ? "s" : "12");
  EXPECT_EQ(listpack.size(), 70000u);
  listpack.erase(listpack.first(), 5000);
  EXPECT_EQ(listpack.size(), 65000u);
}

std::string random_element(std::mt19937_64& rng) {
  static const std::size_t kLengths[] = {0, 1, 5, 63, 64, 127, 128, 4095, 4096, 5000};
  switch (rng() % 4) {
    case 0:
      return std::to_string(static_cast<long long>(rng()) >> (rng() % 64));
    case 1:
      return std::to_string(static_cast<long long>(rng() % 10000) - 5000);
    default:
      return std::string(kLengths[rng() % std::size(kLengths)],
                         static_cast<char>('a' + rng() % 26));
  }
}

TEST(Listpack, RandomOperationsMatchVectorModel) {
  std::mt19937_64 rng(42);
  Listpack listpack;
  std::vector<std::string> model;
  for (int step = 0; step < 5000; ++step) {
    long long index = model.empty() ? 0 : static_cast<long long>(rng() % (model.size() + 1));
    switch (rng() % 5) {
      case 0:
      case 1: {
        std::string element = random_element(rng);
        auto position = listpack.insert(listpack.seek(index), element);
        EXPECT_EQ(listpack.get(position).to_string(), element);
        model.insert(model.begin() + index, element);
        break;
      }
      case 2:
        if (index < static_cast<long long>(model.size())) {
          std::string element = random_element(rng);
          listpack.replace(listpack.seek(index), element);
          model[index] = element;
        }
        break;
      case 3:
        if (index < static_cast<long long>(model.size())) {
          std::size_t count = 1 + rng() % 3;
          listpack.erase(listpack.seek(index), count);
          model.erase(model.begin() + index, model.begin() + std::min<std::size_t>(model.size(), index + count));
        }
        break;
      case 4:
        if (!model.empty()) {
          long long negative = -1 - static_cast<long long>(rng() % model.size());
          EXPECT_EQ(listpack.get(listpack.seek(negative)).to_string(),
                    model[model.size() + negative]);
        }
        break;
    }
    ASSERT_EQ(listpack.size(), model.size());
  }
  EXPECT_EQ(contents(listpack), model);
  EXPECT_EQ(contents_backwards(listpack), model);
  auto copy = Listpack::from_bytes(listpack.serialized());
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(contents(*copy), model);
}

TEST(Listpack, FromBytesRejectsCorruptionWithoutCrashing) {
  const std::string& good = kRedisHashListpack;
  EXPECT_FALSE(Listpack::from_bytes(good.substr(0, good.size() - 1)).has_value());
  EXPECT_FALSE(Listpack::from_bytes("").has_value());
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      if (auto listpack = Listpack::from_bytes(bad)) {
        // Accepted only if still well formed: walking both ways must agree.
        EXPECT_EQ(contents(*listpack), contents_backwards(*listpack));
        ++accepted;
      }
    }
  }
  // Flipping string bytes keeps the structure valid; most flips in tags or lengths do not.
  EXPECT_LT(accepted, good.size() * 8);
}

}  // namespace
}  // namespace gorodis
