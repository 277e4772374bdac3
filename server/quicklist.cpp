// quicklist.cpp — see quicklist.hpp for the node bound, the invariants and the cost model.
#include "quicklist.hpp"

#include <algorithm>
#include <cassert>
#include <iterator>

namespace gorodis {

namespace {

// Node byte limits for fill -1 .. -5 (Redis optimization_level).
constexpr std::size_t kSizeLimits[] = {4096, 8192, 16384, 32768, 65536};
// Byte limit of a count-bounded node (Redis SIZE_SAFETY_LIMIT).
constexpr std::size_t kSafetyLimit = 8192;
// Over-estimate of one entry's listpack overhead (Redis SIZE_ESTIMATE_OVERHEAD).
constexpr std::size_t kEntryOverhead = 8;
// A listpack's header and terminator, counted once when two nodes merge.
constexpr std::size_t kListpackOverhead = 7;
// Redis's sizeof(quicklist) and sizeof(quicklistNode) on 64-bit builds.
constexpr std::size_t kQuicklistHeader = 40;
constexpr std::size_t kNodeHeader = 32;
// Redis FILL_MAX: the fill field is 16 bits wide.
constexpr int kFillMax = (1 << 15) - 1;

void append_element(Listpack& to, const Listpack::Element& element) {
  if (element.integer) {
    to.insert(to.end(), *element.integer);
  } else {
    to.insert(to.end(), element.string);
  }
}

}  // namespace

Quicklist::Quicklist(int fill) : fill_(std::clamp(fill, -5, kFillMax)) {}

bool Quicklist::exceeds_limit(std::size_t new_bytes, std::size_t new_count) const {
  if (fill_ < 0) return new_bytes > kSizeLimits[-fill_ - 1];
  return new_bytes > kSafetyLimit || new_count > static_cast<std::size_t>(std::max(fill_, 1));
}

bool Quicklist::allows_insert(const Listpack& node, std::size_t bytes) const {
  return !exceeds_limit(node.bytes() + bytes + kEntryOverhead, node.size() + 1);
}

bool Quicklist::allows_merge(const Listpack& a, const Listpack& b) const {
  return !exceeds_limit(a.bytes() + b.bytes() - kListpackOverhead, a.size() + b.size());
}

void Quicklist::push_front(std::string_view value) {
  if (nodes_.empty() || !allows_insert(nodes_.front(), value.size())) nodes_.emplace_front();
  nodes_.front().push_front(value);
  ++size_;
}

void Quicklist::push_back(std::string_view value) {
  if (nodes_.empty() || !allows_insert(nodes_.back(), value.size())) nodes_.emplace_back();
  nodes_.back().push_back(value);
  ++size_;
}

std::string Quicklist::take(NodeList::iterator node, Listpack::Position position) {
  std::string value = node->get(position).to_string();
  erase({node, position});
  return value;
}

std::string Quicklist::pop_front() {
  return take(nodes_.begin(), nodes_.front().first());
}

std::string Quicklist::pop_back() {
  return take(std::prev(nodes_.end()), nodes_.back().last());
}

bool Quicklist::at(long long index, Iterator& out) {
  const long long count = static_cast<long long>(size_);
  if (index < -count || index >= count) return false;
  if (index < 0) index += count;
  std::size_t remaining = static_cast<std::size_t>(index);
  if (remaining < size_ / 2) {
    auto node = nodes_.begin();
    while (remaining >= node->size()) remaining -= (node++)->size();
    out = {node, node->seek(static_cast<long long>(remaining))};
  } else {
    // Walk from the tail: `back` is the distance from the last element.
    std::size_t back = size_ - 1 - remaining;
    auto node = std::prev(nodes_.end());
    while (back >= node->size()) back -= (node--)->size();
    out = {node, node->seek(-1 - static_cast<long long>(back))};
  }
  return true;
}

void Quicklist::next(Iterator& it) {
  it.position = it.node->next(it.position);
  if (it.position != it.node->end()) return;
  if (++it.node != nodes_.end()) it.position = it.node->first();
}

void Quicklist::prev(Iterator& it) {
  if (it.position != it.node->first()) {
    it.position = it.node->prev(it.position);
    return;
  }
  if (it.node == nodes_.begin()) {
    it = end();
    return;
  }
  --it.node;
  it.position = it.node->last();
}

Quicklist::NodeList::iterator Quicklist::split(NodeList::iterator node, std::size_t offset) {
  auto tail = nodes_.insert(std::next(node), *node);
  tail->erase(tail->first(), offset);
  node->erase(node->seek(static_cast<long long>(offset)), node->size() - offset);
  return tail;
}

Quicklist::NodeList::iterator Quicklist::merge(NodeList::iterator a, NodeList::iterator b) {
  for (auto p = b->first(); p != b->end(); p = b->next(p)) append_element(*a, b->get(p));
  nodes_.erase(b);
  return a;
}

void Quicklist::merge_around(NodeList::iterator center) {
  auto mergeable = [&](NodeList::iterator a, NodeList::iterator b) {
    return a != nodes_.end() && b != nodes_.end() && allows_merge(*a, *b);
  };
  auto before = [&](NodeList::iterator it) {
    return it == nodes_.end() || it == nodes_.begin() ? nodes_.end() : std::prev(it);
  };
  auto after = [&](NodeList::iterator it) { return it == nodes_.end() ? it : std::next(it); };
  // prev-prev with prev, then next with next-next, then center with its neighbours.
  auto prev = before(center);
  auto prev_prev = before(prev);
  if (mergeable(prev_prev, prev)) merge(prev_prev, prev);
  auto next = after(center);
  auto next_next = after(next);
  if (mergeable(next, next_next)) merge(next, next_next);
  prev = before(center);
  if (mergeable(prev, center)) center = merge(prev, center);
  next = after(center);
  if (mergeable(center, next)) merge(center, next);
}

void Quicklist::insert(const Iterator& it, std::string_view value, bool after) {
  auto node = it.node;
  ++size_;
  if (allows_insert(*node, value.size())) {
    node->insert(after ? node->next(it.position) : it.position, value);
    return;
  }
  // The node is full. At its edges, the neighbour may take the element, or a new node does.
  const bool at_tail = after && node->next(it.position) == node->end();
  const bool at_head = !after && it.position == node->first();
  if (at_tail) {
    auto next = std::next(node);
    if (next == nodes_.end() || !allows_insert(*next, value.size())) {
      next = nodes_.emplace(next);
    }
    next->push_front(value);
    return;
  }
  if (at_head) {
    if (node == nodes_.begin() || !allows_insert(*std::prev(node), value.size())) {
      node = nodes_.emplace(node);
    } else {
      --node;
    }
    node->push_back(value);
    return;
  }
  // In the middle of a full node: split at the insertion point, insert at the seam, merge.
  std::size_t offset = 0;
  for (auto p = node->first(); p != it.position; p = node->next(p)) ++offset;
  if (after) ++offset;
  auto tail = split(node, offset);
  node->push_back(value);
  merge_around(tail);
}

void Quicklist::replace(const Iterator& it, std::string_view value) {
  // In place, without re-checking the node's bound, as Redis does (a node only ever splits on
  // insertion).
  it.node->replace(it.position, value);
}

Quicklist::Iterator Quicklist::erase(const Iterator& it) {
  auto node = it.node;
  auto position = node->erase(it.position);
  --size_;
  if (node->empty()) {
    node = nodes_.erase(node);
    return {node, node == nodes_.end() ? 0 : node->first()};
  }
  if (position == node->end()) {
    ++node;
    return {node, node == nodes_.end() ? 0 : node->first()};
  }
  return {node, position};
}

void Quicklist::erase_range(std::size_t start, std::size_t count) {
  assert(start + count <= size_);
  if (count == 0) return;
  Iterator it;
  at(static_cast<long long>(start), it);
  size_ -= count;
  auto node = it.node;
  // Skip to the element's offset within its node.
  std::size_t offset = 0;
  for (auto p = node->first(); p != it.position; p = node->next(p)) ++offset;
  while (count > 0) {
    const std::size_t in_node = node->size();
    const std::size_t removed = std::min(count, in_node - offset);
    if (removed == in_node) {
      node = nodes_.erase(node);
    } else {
      node->erase(node->seek(static_cast<long long>(offset)), removed);
      ++node;
    }
    count -= removed;
    offset = 0;
  }
}

std::size_t Quicklist::memory_usage(std::size_t samples) const {
  std::size_t total = 0;
  std::size_t seen = 0;
  for (const Listpack& node : nodes_) {
    if (samples > 0 && seen == samples) break;
    total += kNodeHeader + node.bytes();
    ++seen;
  }
  if (seen == 0) return kQuicklistHeader;
  return kQuicklistHeader + total * nodes_.size() / seen;
}

}  // namespace gorodis
