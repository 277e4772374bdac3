// zskiplist.hpp — the ordered index of a large sorted set: Redis's skiplist (William Pugh's, with
// Redis's three changes: repeated scores, ties broken by member bytes, and a backward pointer on
// level 0), plus the score and lex range types every sorted-set encoding shares.
//
// Order: by score, then by member compared as unsigned bytes (memcmp, shorter first on a common
// prefix), exactly like Redis, so ZRANGE output and ranks agree with it.
//
// Each link carries a span (how many level-0 steps it jumps), so the 1-based rank of a node is
// the sum of the spans walked to reach it: rank(), at_rank() and rank-range removal are
// O(log n) expected. A node gets level k+1 with probability 0.25^k, at most 32 levels.
//
// Ownership: the skiplist links nodes but does not own them. A ZsetNode is also the node of the
// member -> node hash table (HashTable<ZsetNode>, which owns it): one allocation per element
// holds the hash chain link, the score, the skiplist links and the member bytes, instead of
// Redis's three (skiplist node, sds, dict entry). The skiplist owns only its header.
// Rejected: a skiplist owning its nodes with a separate member -> score dict, as Redis does — it
// doubles the allocations per element and the dict would need its own copy of (or a pointer
// into) each member.
//
// Cost model: insert/unlink/update_score/rank/at_rank/first_in_range O(log n) expected; range
// removal O(log n + removed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>

namespace gorodis {

// A score interval (ZRANGEBYSCORE "(1" "+inf" ...). Redis zrangespec.
struct ScoreRange {
  double min = 0;
  double max = 0;
  bool min_exclusive = false;
  bool max_exclusive = false;

  bool above_min(double score) const { return min_exclusive ? score > min : score >= min; }
  bool below_max(double score) const { return max_exclusive ? score < max : score <= max; }
  bool contains(double score) const { return above_min(score) && below_max(score); }
  // Whether no score can be in range (min > max, or min == max with an open end).
  bool is_empty() const { return min > max || (min == max && (min_exclusive || max_exclusive)); }
};

// One end of a lex interval: "-" (below everything), "+" (above everything), or "[x" / "(x".
struct LexBound {
  enum Kind : std::uint8_t { kNegativeInfinity, kValue, kPositiveInfinity };
  Kind kind = kValue;
  bool exclusive = false;
  std::string value;
};

// A member interval (ZRANGEBYLEX "[a" "(c"). Redis zlexrangespec.
struct LexRange {
  LexBound min;
  LexBound max;

  bool above_min(std::string_view member) const;
  bool below_max(std::string_view member) const;
  bool contains(std::string_view member) const { return above_min(member) && below_max(member); }
  bool is_empty() const;
};

// Redis's member order: memcmp, then length.
inline int compare_members(std::string_view a, std::string_view b) {
  return a.compare(b);
}

// A sorted-set element: member, score, skiplist links and the hash table's chain link, in one
// block sized for its level count and member length.
class ZsetNode {
 public:
  static constexpr int kMaxLevel = 32;

  // A node with a random level (Redis zslRandomLevel: 1 + geometric(0.25), capped).
  static std::unique_ptr<ZsetNode> create(std::string_view member, double score,
                                          std::uint64_t hash);
  static std::unique_ptr<ZsetNode> create(std::string_view member, double score, std::uint64_t hash,
                                          int level);
  static int random_level();
  // A node's block comes from small_alloc (no malloc header; a million small sets' worth of
  // nodes adds up), sized by its level count and member length, which deleting reads back.
  static void operator delete(ZsetNode* node, std::destroying_delete_t);

  ZsetNode(const ZsetNode&) = delete;
  ZsetNode& operator=(const ZsetNode&) = delete;

  std::string_view member() const {
    return {reinterpret_cast<const char*>(levels() + level_count_), length_};
  }
  std::string_view key_view() const { return member(); }  // for HashTable
  double score() const { return score_; }
  int level_count() const { return level_count_; }
  ZsetNode* forward(int level) const { return levels()[level].forward; }
  std::size_t span(int level) const { return levels()[level].span; }
  // The next node in order (level 0), nullptr after the last.
  ZsetNode* next_in_order() const { return levels()[0].forward; }
  // The previous node in order, nullptr before the first.
  ZsetNode* previous_in_order() const { return backward_; }
  // Bytes of the node's block (MEMORY USAGE).
  std::size_t allocation_size() const { return block_size(level_count_, length_); }

  // HashTable's intrusive fields.
  ZsetNode* next = nullptr;
  std::uint64_t hash = 0;

 private:
  friend class ZSkiplist;
  struct Level {
    ZsetNode* forward;
    std::size_t span;
  };

  ZsetNode(double score, std::uint64_t hash, std::uint32_t length, int level)
      : hash(hash),
        score_(score),
        length_(length),
        level_count_(static_cast<std::uint8_t>(level)) {}
  static std::size_t block_size(int level, std::size_t length) {
    return sizeof(ZsetNode) + sizeof(Level) * static_cast<std::size_t>(level) + length;
  }
  Level* levels() { return reinterpret_cast<Level*>(this + 1); }
  const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }

  double score_;
  ZsetNode* backward_ = nullptr;
  std::uint32_t length_;
  std::uint8_t level_count_;
};

class ZSkiplist {
 public:
  ZSkiplist();
  ZSkiplist(const ZSkiplist&) = delete;
  ZSkiplist& operator=(const ZSkiplist&) = delete;
  ~ZSkiplist();

  std::size_t size() const { return length_; }
  // How many levels are in use (tests, MEMORY accounting).
  int level() const { return level_; }
  // The header's links: forward(i) is the first node of level i (tests check spans with it).
  const ZsetNode& header() const { return *header_; }
  ZsetNode* first() const { return header_->forward(0); }
  ZsetNode* last() const { return tail_; }

  // Links `node` at its place. REQUIRES: no node with the same member is linked.
  void insert(ZsetNode* node);
  // Unlinks the node with this score and member; returns it (the caller owns it) or nullptr.
  ZsetNode* unlink(double score, std::string_view member);
  // Gives `node` (which is linked) a new score, moving it only if its place changes (Redis
  // zslUpdateScore).
  void update_score(ZsetNode* node, double score);

  // The 1-based rank of (score, member), or 0 when absent.
  std::size_t rank(double score, std::string_view member) const;
  // The node of 1-based rank `rank`, nullptr when out of range.
  ZsetNode* at_rank(std::size_t rank) const;

  ZsetNode* first_in_range(const ScoreRange& range) const;
  ZsetNode* last_in_range(const ScoreRange& range) const;
  ZsetNode* first_in_range(const LexRange& range) const;
  ZsetNode* last_in_range(const LexRange& range) const;

  // Unlink every node in the range, handing each to `removed(ZsetNode*)` (which takes
  // ownership); return how many.
  template <class Removed>
  std::size_t erase_range(const ScoreRange& range, Removed&& removed);
  template <class Removed>
  std::size_t erase_range(const LexRange& range, Removed&& removed);
  // 1-based ranks, inclusive.
  template <class Removed>
  std::size_t erase_ranks(std::size_t start, std::size_t end, Removed&& removed);

 private:
  using Update = ZsetNode * [ZsetNode::kMaxLevel];
  // Fills update[i] with the last node of level i that `goes_before` accepts.
  template <class Before>
  ZsetNode* find_update(Update& update, Before&& goes_before) const;
  void unlink_node(ZsetNode* node, Update& update);
  template <class InRange, class Removed>
  std::size_t erase_from(Update& update, ZsetNode* node, InRange&& in_range, Removed&& removed);
  bool intersects(const ScoreRange& range) const;
  bool intersects(const LexRange& range) const;

  std::unique_ptr<ZsetNode> header_;
  ZsetNode* tail_ = nullptr;
  std::size_t length_ = 0;
  int level_ = 1;
};

template <class Before>
ZsetNode* ZSkiplist::find_update(Update& update, Before&& goes_before) const {
  ZsetNode* x = header_.get();
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->forward(i) != nullptr && goes_before(*x->forward(i))) x = x->forward(i);
    update[i] = x;
  }
  return x->forward(0);
}

template <class InRange, class Removed>
std::size_t ZSkiplist::erase_from(Update& update, ZsetNode* node, InRange&& in_range,
                                  Removed&& removed) {
  std::size_t count = 0;
  while (node != nullptr && in_range(*node)) {
    ZsetNode* following = node->forward(0);
    unlink_node(node, update);
    removed(node);
    ++count;
    node = following;
  }
  return count;
}

template <class Removed>
std::size_t ZSkiplist::erase_range(const ScoreRange& range, Removed&& removed) {
  Update update;
  ZsetNode* node =
      find_update(update, [&](const ZsetNode& n) { return !range.above_min(n.score()); });
  return erase_from(
      update, node, [&](const ZsetNode& n) { return range.below_max(n.score()); }, removed);
}

template <class Removed>
std::size_t ZSkiplist::erase_range(const LexRange& range, Removed&& removed) {
  Update update;
  ZsetNode* node =
      find_update(update, [&](const ZsetNode& n) { return !range.above_min(n.member()); });
  return erase_from(
      update, node, [&](const ZsetNode& n) { return range.below_max(n.member()); }, removed);
}

template <class Removed>
std::size_t ZSkiplist::erase_ranks(std::size_t start, std::size_t end, Removed&& removed) {
  Update update;
  std::size_t traversed = 0;
  ZsetNode* x = header_.get();
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->forward(i) != nullptr && traversed + x->span(i) < start) {
      traversed += x->span(i);
      x = x->forward(i);
    }
    update[i] = x;
  }
  std::size_t rank = traversed + 1;
  return erase_from(
      update, x->forward(0), [&](const ZsetNode&) { return rank++ <= end; }, removed);
}

}  // namespace gorodis
