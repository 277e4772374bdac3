// quicklist_test.cpp — Quicklist against a std::deque model: random pushes, pops, inserts in the
// middle, replacements, erases and range erases, with small node bounds so that nodes split and
// merge all the time; after every step the contents, the size and the node bound are checked.
#include "quicklist.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>

namespace gorodis {
namespace {

std::vector<std::string> contents(Quicklist& list) {
  std::vector<std::string> out;
  for (auto it = list.begin(); !list.is_end(it); list.next(it)) {
    out.push_back(list.get(it).to_string());
  }
  return out;
}

std::vector<std::string> reversed_contents(Quicklist& list) {
  std::vector<std::string> out;
  if (list.empty()) return out;
  for (auto it = list.last(); !list.is_end(it); list.prev(it)) {
    out.insert(out.begin(), list.get(it).to_string());
  }
  return out;
}

void expect_same(Quicklist& list, const std::deque<std::string>& model, int fill) {
  std::vector<std::string> expected(model.begin(), model.end());
  ASSERT_EQ(list.size(), model.size());
  ASSERT_EQ(contents(list), expected);
  ASSERT_EQ(reversed_contents(list), expected);
  std::size_t total = 0;
  for (const Listpack& node : list.nodes()) {
    ASSERT_FALSE(node.empty());
    total += node.size();
    if (fill > 0 && node.size() > 1) ASSERT_LE(node.size(), static_cast<std::size_t>(fill));
  }
  ASSERT_EQ(total, model.size());
}

std::string random_value(std::mt19937& rng) {
  switch (rng() % 4) {
    case 0:
      return std::to_string(static_cast<int>(rng() % 2000) - 1000);  // stored as an integer
    case 1:
      return std::string(rng() % 3, 'a' + static_cast<char>(rng() % 26));
    case 2:
      return std::string(20 + rng() % 60, 'x');
    default:
      return "v" + std::to_string(rng());
  }
}

void random_operations(int fill, unsigned seed) {
  std::mt19937 rng(seed);
  Quicklist list(fill);
  std::deque<std::string> model;
  for (int step = 0; step < 3000; ++step) {
    const unsigned op = rng() % 10;
    const long long n = static_cast<long long>(model.size());
    if (op <= 1) {
      std::string v = random_value(rng);
      list.push_front(v);
      model.push_front(v);
    } else if (op <= 3) {
      std::string v = random_value(rng);
      list.push_back(v);
      model.push_back(v);
    } else if (op == 4 && n > 0) {
      ASSERT_EQ(list.pop_front(), model.front());
      model.pop_front();
    } else if (op == 5 && n > 0) {
      ASSERT_EQ(list.pop_back(), model.back());
      model.pop_back();
    } else if (op == 6 && n > 0) {
      long long index = static_cast<long long>(rng() % n);
      bool after = rng() % 2 == 0;
      std::string v = random_value(rng);
      Quicklist::Iterator it;
      ASSERT_TRUE(list.at(rng() % 2 ? index : index - n, it));
      ASSERT_EQ(list.get(it).to_string(), model[index]);
      list.insert(it, v, after);
      model.insert(model.begin() + index + (after ? 1 : 0), v);
    } else if (op == 7 && n > 0) {
      long long index = static_cast<long long>(rng() % n);
      std::string v = random_value(rng);
      Quicklist::Iterator it;
      ASSERT_TRUE(list.at(index, it));
      list.replace(it, v);
      model[index] = v;
    } else if (op == 8 && n > 0) {
      long long index = static_cast<long long>(rng() % n);
      Quicklist::Iterator it;
      ASSERT_TRUE(list.at(index, it));
      auto following = list.erase(it);
      model.erase(model.begin() + index);
      if (index < n - 1) {
        ASSERT_FALSE(list.is_end(following));
        ASSERT_EQ(list.get(following).to_string(), model[index]);
      } else {
        ASSERT_TRUE(list.is_end(following));
      }
    } else if (op == 9 && n > 0) {
      std::size_t start = rng() % n;
      std::size_t count = rng() % (n - start + 1);
      if (rng() % 4 != 0) count = std::min<std::size_t>(count, 5);
      list.erase_range(start, count);
      model.erase(model.begin() + start, model.begin() + start + count);
    }
    Quicklist::Iterator it;
    ASSERT_FALSE(list.at(static_cast<long long>(model.size()), it));
    ASSERT_FALSE(list.at(-1 - static_cast<long long>(model.size()), it));
    if (step % 50 == 0 || model.size() < 10) expect_same(list, model, fill);
  }
  expect_same(list, model, fill);
}

TEST(QuicklistTest, RandomOperationsCountBounded) {
  for (int fill : {1, 2, 3, 5, 16}) {
    for (unsigned seed = 1; seed <= 3; ++seed) {
      SCOPED_TRACE("fill " + std::to_string(fill) + " seed " + std::to_string(seed));
      random_operations(fill, seed);
    }
  }
}

TEST(QuicklistTest, RandomOperationsSizeBounded) {
  for (int fill : {-1, -2, -5}) {
    SCOPED_TRACE("fill " + std::to_string(fill));
    random_operations(fill, 7);
  }
}

TEST(QuicklistTest, NodesFollowTheFill) {
  Quicklist list(3);
  for (int i = 0; i < 10; ++i) list.push_back(std::to_string(i));
  EXPECT_EQ(list.node_count(), 4u);
  // A 4 KB node (-1) holds about 4096 / (element + overhead) elements of 100 bytes.
  Quicklist sized(-1);
  for (int i = 0; i < 100; ++i) sized.push_back(std::string(100, 'a'));
  for (const Listpack& node : sized.nodes()) EXPECT_LE(node.bytes(), 4096u);
  EXPECT_GT(sized.node_count(), 2u);
  // An element larger than any node gets one of its own.
  sized.push_back(std::string(10000, 'b'));
  EXPECT_EQ(sized.nodes().back().size(), 1u);
  // Fills beyond Redis's range are clamped.
  EXPECT_EQ(Quicklist(-100).fill(), -5);
  EXPECT_EQ(Quicklist(1 << 20).fill(), 32767);
}

TEST(QuicklistTest, MiddleInsertsSplitAndMerge) {
  Quicklist list(4);
  std::deque<std::string> model;
  for (int i = 0; i < 8; ++i) {
    list.push_back(std::to_string(i));
    model.push_back(std::to_string(i));
  }
  ASSERT_EQ(list.node_count(), 2u);
  // Inserting into the middle of a full node splits it; merges keep the nodes from piling up.
  for (int i = 0; i < 40; ++i) {
    Quicklist::Iterator it;
    ASSERT_TRUE(list.at(static_cast<long long>(model.size() / 2), it));
    list.insert(it, "m" + std::to_string(i), false);
    model.insert(model.begin() + static_cast<long>(model.size() / 2), "m" + std::to_string(i));
  }
  expect_same(list, model, 4);
  // 48 elements in nodes of at most 4: at least 12 nodes, and merging keeps it well below one
  // node per insert.
  EXPECT_GE(list.node_count(), 12u);
  EXPECT_LT(list.node_count(), 30u);
  // Emptied nodes are freed.
  list.erase_range(0, list.size() - 1);
  EXPECT_EQ(list.node_count(), 1u);
  EXPECT_EQ(list.pop_back(), model.back());
  EXPECT_EQ(list.node_count(), 0u);
  EXPECT_TRUE(list.empty());
}

}  // namespace
}  // namespace gorodis
