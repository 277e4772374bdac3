// zskiplist_test.cpp — the sorted-set skiplist against a std::set model: order, ranks, spans,
// backward links, score and lex ranges, range removal, over random operation sequences.
#include "zskiplist.hpp"

#include <gtest/gtest.h>

#include <iterator>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dict.hpp"

namespace gorodis {
namespace {

using Model = std::set<std::pair<double, std::string>>;

// Owns the nodes the skiplist links (in gorodis the sorted set's hash table does).
struct Fixture {
  ZSkiplist list;
  std::vector<std::unique_ptr<ZsetNode>> owned;

  void insert(std::string_view member, double score) {
    owned.push_back(ZsetNode::create(member, score, dict_hash(member)));
    list.insert(owned.back().get());
  }
  void release(ZsetNode* node) {
    for (auto& p : owned) {
      if (p.get() == node) {
        p.reset();
        return;
      }
    }
    FAIL() << "released a node not owned";
  }
};

// Checks every structural invariant against the model.
void check(const ZSkiplist& list, const Model& model) {
  ASSERT_EQ(list.size(), model.size());
  std::vector<const ZsetNode*> order;
  const ZsetNode* previous = nullptr;
  auto expected = model.begin();
  for (const ZsetNode* node = list.first(); node != nullptr; node = node->next_in_order()) {
    ASSERT_NE(expected, model.end());
    EXPECT_EQ(node->score(), expected->first);
    EXPECT_EQ(node->member(), expected->second);
    EXPECT_EQ(node->previous_in_order(), previous);
    previous = node;
    order.push_back(node);
    ++expected;
  }
  EXPECT_EQ(list.last(), previous);
  // Spans: at every level, the spans walked from the header sum to each reached node's rank.
  for (int level = 0; level < list.level(); ++level) {
    std::size_t rank = 0;
    const ZsetNode* x = &list.header();
    while (x->forward(level) != nullptr) {
      rank += x->span(level);
      x = x->forward(level);
      ASSERT_GE(rank, 1u);
      ASSERT_LE(rank, order.size());
      EXPECT_EQ(order[rank - 1], x) << "level " << level;
    }
  }
  if (list.size() > 0) {
    EXPECT_NE(list.header().forward(list.level() - 1), nullptr);
  }
  std::size_t rank = 1;
  for (const auto& [score, member] : model) {
    EXPECT_EQ(list.rank(score, member), rank);
    EXPECT_EQ(list.at_rank(rank), order[rank - 1]);
    ++rank;
  }
  EXPECT_EQ(list.at_rank(0), nullptr);
  EXPECT_EQ(list.at_rank(model.size() + 1), nullptr);
}

bool in_range(const ScoreRange& range, double score) {
  return range.contains(score);
}

TEST(ZSkiplist, OrdersByScoreThenMemberBytes) {
  Fixture f;
  Model model;
  for (auto [member, score] : std::vector<std::pair<std::string, double>>{
           {"b", 1}, {"a", 1}, {"\xff", 1}, {"ab", 1}, {"", 1}, {"z", 0.5}, {"y", 2}}) {
    f.insert(member, score);
    model.insert({score, member});
  }
  check(f.list, model);
  EXPECT_EQ(f.list.first()->member(), "z");
  EXPECT_EQ(f.list.at_rank(2)->member(), "");
  EXPECT_EQ(f.list.at_rank(6)->member(), "\xff");
  EXPECT_EQ(f.list.rank(1, "nope"), 0u);
  EXPECT_EQ(f.list.rank(3, "b"), 0u);
}

TEST(ZSkiplist, NodesCarryTheirLevels) {
  auto node = ZsetNode::create("member", 2.5, 7, 5);
  EXPECT_EQ(node->level_count(), 5);
  EXPECT_EQ(node->member(), "member");
  EXPECT_EQ(node->score(), 2.5);
  EXPECT_EQ(node->hash, 7u);
  // Levels follow 1 + geometric(0.25): about three quarters of the nodes have level 1.
  int ones = 0;
  for (int i = 0; i < 4000; ++i) {
    int level = ZsetNode::random_level();
    ASSERT_GE(level, 1);
    ASSERT_LE(level, ZsetNode::kMaxLevel);
    ones += level == 1;
  }
  EXPECT_GT(ones, 2700);
  EXPECT_LT(ones, 3300);
}

TEST(ZSkiplist, RandomOperationsMatchModel) {
  std::mt19937 rng(12345);
  Fixture f;
  Model model;
  auto random_member = [&] { return "m" + std::to_string(rng() % 300); };
  auto random_score = [&] { return static_cast<double>(static_cast<int>(rng() % 40) - 20) / 2; };
  auto find_member = [&](const std::string& member) {
    for (auto it = model.begin(); it != model.end(); ++it) {
      if (it->second == member) return it;
    }
    return model.end();
  };
  for (int step = 0; step < 4000; ++step) {
    std::string member = random_member();
    auto existing = find_member(member);
    switch (rng() % 6) {
      case 0:
      case 1:
        if (existing == model.end()) {
          double score = random_score();
          f.insert(member, score);
          model.insert({score, member});
        }
        break;
      case 2:
        if (existing != model.end()) {
          ZsetNode* node = f.list.unlink(existing->first, member);
          ASSERT_NE(node, nullptr);
          EXPECT_EQ(node->member(), member);
          f.release(node);
          model.erase(existing);
        } else {
          EXPECT_EQ(f.list.unlink(random_score(), member), nullptr);
        }
        break;
      case 3:
        if (existing != model.end()) {
          double score = random_score();
          ZsetNode* node =
              f.list.at_rank(static_cast<std::size_t>(std::distance(model.begin(), existing)) + 1);
          ASSERT_EQ(node->member(), member);
          f.list.update_score(node, score);
          model.erase(existing);
          model.insert({score, member});
        }
        break;
      case 4: {
        ScoreRange range{random_score(), random_score(), rng() % 2 == 0, rng() % 2 == 0};
        const ZsetNode* first = f.list.first_in_range(range);
        const ZsetNode* last = f.list.last_in_range(range);
        const std::pair<double, std::string>* model_first = nullptr;
        const std::pair<double, std::string>* model_last = nullptr;
        for (const auto& element : model) {
          if (!in_range(range, element.first)) continue;
          if (model_first == nullptr) model_first = &element;
          model_last = &element;
        }
        ASSERT_EQ(first == nullptr, model_first == nullptr);
        ASSERT_EQ(last == nullptr, model_last == nullptr);
        if (first != nullptr) {
          EXPECT_EQ(first->member(), model_first->second);
          EXPECT_EQ(last->member(), model_last->second);
        }
        if (rng() % 8 == 0) {
          std::size_t expected = 0;
          for (auto it = model.begin(); it != model.end();) {
            if (in_range(range, it->first)) {
              it = model.erase(it);
              ++expected;
            } else {
              ++it;
            }
          }
          EXPECT_EQ(f.list.erase_range(range, [&](ZsetNode* node) { f.release(node); }), expected);
        }
        break;
      }
      case 5:
        if (rng() % 10 == 0 && !model.empty()) {
          std::size_t start = rng() % model.size() + 1;
          std::size_t end = start + rng() % 5;
          std::size_t expected = 0;
          std::size_t rank = 1;
          for (auto it = model.begin(); it != model.end(); ++rank) {
            if (rank >= start && rank <= end) {
              it = model.erase(it);
              ++expected;
            } else {
              ++it;
            }
          }
          EXPECT_EQ(f.list.erase_ranks(start, end, [&](ZsetNode* node) { f.release(node); }),
                    expected);
        }
        break;
    }
    if (step % 50 == 0) check(f.list, model);
  }
  check(f.list, model);
}

TEST(ZSkiplist, LexRangesOnEqualScores) {
  Fixture f;
  Model model;
  for (std::string member : {"a", "b", "c", "d", "e", "ee", "f"}) {
    f.insert(member, 0);
    model.insert({0, member});
  }
  auto bound = [](std::string_view text) {
    LexBound b;
    if (text == "-") {
      b.kind = LexBound::kNegativeInfinity;
      b.exclusive = true;
    } else if (text == "+") {
      b.kind = LexBound::kPositiveInfinity;
      b.exclusive = true;
    } else {
      b.exclusive = text[0] == '(';
      b.value = std::string(text.substr(1));
    }
    return b;
  };
  auto members_between = [&](std::string_view min, std::string_view max) {
    LexRange range{bound(min), bound(max)};
    std::string out;
    const ZsetNode* last = f.list.last_in_range(range);
    for (const ZsetNode* n = f.list.first_in_range(range); n != nullptr; n = n->next_in_order()) {
      out += std::string(n->member()) + ",";
      if (n == last) break;
    }
    return out;
  };
  EXPECT_EQ(members_between("-", "+"), "a,b,c,d,e,ee,f,");
  EXPECT_EQ(members_between("[b", "(e"), "b,c,d,");
  EXPECT_EQ(members_between("(b", "[e"), "c,d,e,");
  EXPECT_EQ(members_between("(e", "+"), "ee,f,");
  EXPECT_EQ(members_between("[e", "[e"), "e,");
  EXPECT_EQ(members_between("(e", "[e"), "");
  EXPECT_EQ(members_between("+", "-"), "");
  EXPECT_EQ(members_between("-", "-"), "");
  EXPECT_EQ(members_between("[z", "+"), "");
  LexRange middle{bound("[b"), bound("[d")};
  EXPECT_EQ(f.list.erase_range(middle, [&](ZsetNode* node) { f.release(node); }), 3u);
  model.erase({0, "b"});
  model.erase({0, "c"});
  model.erase({0, "d"});
  check(f.list, model);
}

TEST(ZSkiplist, InfiniteScores) {
  Fixture f;
  Model model;
  const double inf = std::numeric_limits<double>::infinity();
  for (auto [member, score] :
       std::vector<std::pair<std::string, double>>{{"lo", -inf}, {"mid", 0}, {"hi", inf}}) {
    f.insert(member, score);
    model.insert({score, member});
  }
  check(f.list, model);
  ScoreRange everything{-inf, inf, false, false};
  EXPECT_EQ(f.list.first_in_range(everything)->member(), "lo");
  EXPECT_EQ(f.list.last_in_range(everything)->member(), "hi");
  ScoreRange open{-inf, inf, true, true};
  EXPECT_EQ(f.list.first_in_range(open)->member(), "mid");
  EXPECT_EQ(f.list.last_in_range(open)->member(), "mid");
}

}  // namespace
}  // namespace gorodis
