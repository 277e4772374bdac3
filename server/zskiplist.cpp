// zskiplist.cpp — see zskiplist.hpp for the order, the spans and the ownership rules.
#include "zskiplist.hpp"

#include <cstring>
#include <new>
#include <random>

#include "small_alloc.hpp"

namespace gorodis {

namespace {

// Where `value` stands relative to a bound: -1 below, 0 equal, 1 above.
int compare_to_bound(std::string_view value, const LexBound& bound) {
  switch (bound.kind) {
    case LexBound::kNegativeInfinity:
      return 1;
    case LexBound::kPositiveInfinity:
      return -1;
    case LexBound::kValue:
      break;
  }
  int cmp = compare_members(value, bound.value);
  return cmp < 0 ? -1 : cmp > 0 ? 1 : 0;
}

}  // namespace

bool LexRange::above_min(std::string_view member) const {
  int cmp = compare_to_bound(member, min);
  return min.exclusive ? cmp > 0 : cmp >= 0;
}

bool LexRange::below_max(std::string_view member) const {
  int cmp = compare_to_bound(member, max);
  return max.exclusive ? cmp < 0 : cmp <= 0;
}

bool LexRange::is_empty() const {
  // Redis compares the two bounds as strings, with "-" and "+" as the extremes (and equal to
  // themselves).
  int cmp;
  if (min.kind == max.kind && min.kind != LexBound::kValue) {
    cmp = 0;
  } else if (min.kind == LexBound::kNegativeInfinity || max.kind == LexBound::kPositiveInfinity) {
    cmp = -1;
  } else if (min.kind == LexBound::kPositiveInfinity || max.kind == LexBound::kNegativeInfinity) {
    cmp = 1;
  } else {
    cmp = compare_members(min.value, max.value);
  }
  return cmp > 0 || (cmp == 0 && (min.exclusive || max.exclusive));
}

int ZsetNode::random_level() {
  // Redis draws 16 random bits per coin flip and continues while they fall under 0.25 * 0xFFFF.
  thread_local std::minstd_rand rng{std::random_device{}()};
  int level = 1;
  while ((rng() & 0xFFFF) < static_cast<unsigned>(0.25 * 0xFFFF)) ++level;
  return level < kMaxLevel ? level : kMaxLevel;
}

std::unique_ptr<ZsetNode> ZsetNode::create(std::string_view member, double score,
                                           std::uint64_t hash) {
  return create(member, score, hash, random_level());
}

std::unique_ptr<ZsetNode> ZsetNode::create(std::string_view member, double score,
                                           std::uint64_t hash, int level) {
  void* block = small_alloc::allocate(block_size(level, member.size()));
  auto* node = new (block) ZsetNode(score, hash, static_cast<std::uint32_t>(member.size()), level);
  for (int i = 0; i < level; ++i) node->levels()[i] = {nullptr, 0};
  if (!member.empty()) {
    std::memcpy(reinterpret_cast<char*>(node->levels() + level), member.data(), member.size());
  }
  return std::unique_ptr<ZsetNode>(node);
}

void ZsetNode::operator delete(ZsetNode* node, std::destroying_delete_t) {
  const std::size_t size = node->allocation_size();
  node->~ZsetNode();
  small_alloc::deallocate(node, size);
}

ZSkiplist::ZSkiplist() : header_(ZsetNode::create({}, 0, 0, ZsetNode::kMaxLevel)) {}

ZSkiplist::~ZSkiplist() = default;

void ZSkiplist::insert(ZsetNode* node) {
  const double score = node->score_;
  const std::string_view member = node->member();
  Update update;
  std::size_t rank[ZsetNode::kMaxLevel];
  ZsetNode* x = header_.get();
  for (int i = level_ - 1; i >= 0; --i) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (x->forward(i) != nullptr && (x->forward(i)->score_ < score ||
                                        (x->forward(i)->score_ == score &&
                                         compare_members(x->forward(i)->member(), member) < 0))) {
      rank[i] += x->span(i);
      x = x->forward(i);
    }
    update[i] = x;
  }
  const int level = node->level_count_;
  if (level > level_) {
    for (int i = level_; i < level; ++i) {
      rank[i] = 0;
      update[i] = header_.get();
      update[i]->levels()[i].span = length_;
    }
    level_ = level;
  }
  for (int i = 0; i < level; ++i) {
    ZsetNode::Level& before = update[i]->levels()[i];
    node->levels()[i].forward = before.forward;
    before.forward = node;
    // `before` now jumps to the new node, which takes over the rest of before's old jump.
    node->levels()[i].span = before.span - (rank[0] - rank[i]);
    before.span = rank[0] - rank[i] + 1;
  }
  for (int i = level; i < level_; ++i) ++update[i]->levels()[i].span;
  node->backward_ = update[0] == header_.get() ? nullptr : update[0];
  if (node->forward(0) != nullptr) {
    node->forward(0)->backward_ = node;
  } else {
    tail_ = node;
  }
  ++length_;
}

void ZSkiplist::unlink_node(ZsetNode* node, Update& update) {
  for (int i = 0; i < level_; ++i) {
    ZsetNode::Level& before = update[i]->levels()[i];
    if (before.forward == node) {
      before.span += node->span(i) - 1;
      before.forward = node->forward(i);
    } else {
      before.span -= 1;
    }
  }
  if (node->forward(0) != nullptr) {
    node->forward(0)->backward_ = node->backward_;
  } else {
    tail_ = node->backward_;
  }
  while (level_ > 1 && header_->forward(level_ - 1) == nullptr) --level_;
  --length_;
}

ZsetNode* ZSkiplist::unlink(double score, std::string_view member) {
  Update update;
  ZsetNode* x = find_update(update, [&](const ZsetNode& n) {
    return n.score_ < score || (n.score_ == score && compare_members(n.member(), member) < 0);
  });
  if (x == nullptr || x->score_ != score || x->member() != member) return nullptr;
  unlink_node(x, update);
  return x;
}

void ZSkiplist::update_score(ZsetNode* node, double score) {
  // Fast path: the node keeps its place when its neighbours still bracket the new score.
  ZsetNode* previous = node->backward_;
  ZsetNode* following = node->forward(0);
  if ((previous == nullptr || previous->score_ < score) &&
      (following == nullptr || following->score_ > score)) {
    node->score_ = score;
    return;
  }
  ZsetNode* unlinked = unlink(node->score_, node->member());
  unlinked->score_ = score;
  insert(unlinked);
}

std::size_t ZSkiplist::rank(double score, std::string_view member) const {
  std::size_t rank = 0;
  const ZsetNode* x = header_.get();
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->forward(i) != nullptr && (x->forward(i)->score_ < score ||
                                        (x->forward(i)->score_ == score &&
                                         compare_members(x->forward(i)->member(), member) <= 0))) {
      rank += x->span(i);
      x = x->forward(i);
    }
    if (x != header_.get() && x->score_ == score && x->member() == member) return rank;
  }
  return 0;
}

ZsetNode* ZSkiplist::at_rank(std::size_t rank) const {
  if (rank == 0 || rank > length_) return nullptr;
  std::size_t traversed = 0;
  ZsetNode* x = header_.get();
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->forward(i) != nullptr && traversed + x->span(i) <= rank) {
      traversed += x->span(i);
      x = x->forward(i);
    }
    if (traversed == rank) return x;
  }
  return nullptr;
}

bool ZSkiplist::intersects(const ScoreRange& range) const {
  if (range.is_empty() || tail_ == nullptr) return false;
  return range.above_min(tail_->score_) && range.below_max(first()->score_);
}

bool ZSkiplist::intersects(const LexRange& range) const {
  if (range.is_empty() || tail_ == nullptr) return false;
  return range.above_min(tail_->member()) && range.below_max(first()->member());
}

ZsetNode* ZSkiplist::first_in_range(const ScoreRange& range) const {
  if (!intersects(range)) return nullptr;
  Update update;
  ZsetNode* x = find_update(update, [&](const ZsetNode& n) { return !range.above_min(n.score_); });
  return x != nullptr && range.below_max(x->score_) ? x : nullptr;
}

ZsetNode* ZSkiplist::last_in_range(const ScoreRange& range) const {
  if (!intersects(range)) return nullptr;
  Update update;
  find_update(update, [&](const ZsetNode& n) { return range.below_max(n.score_); });
  ZsetNode* x = update[0];
  return x != header_.get() && range.above_min(x->score_) ? x : nullptr;
}

ZsetNode* ZSkiplist::first_in_range(const LexRange& range) const {
  if (!intersects(range)) return nullptr;
  Update update;
  ZsetNode* x =
      find_update(update, [&](const ZsetNode& n) { return !range.above_min(n.member()); });
  return x != nullptr && range.below_max(x->member()) ? x : nullptr;
}

ZsetNode* ZSkiplist::last_in_range(const LexRange& range) const {
  if (!intersects(range)) return nullptr;
  Update update;
  find_update(update, [&](const ZsetNode& n) { return range.below_max(n.member()); });
  ZsetNode* x = update[0];
  return x != header_.get() && range.above_min(x->member()) ? x : nullptr;
}

}  // namespace gorodis
