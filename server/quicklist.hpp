// quicklist.hpp — the list value's storage (Redis quicklist.c): a doubly linked list of nodes,
// each node a Listpack holding a bounded run of consecutive elements.
//
// Why: a plain linked list costs a heap node (and pointers) per element; one listpack for the
// whole list makes pushes at the head and inserts in the middle O(n) memmoves. Bounding every
// node keeps both costs small: the per-element overhead is that of a listpack entry (2-9 bytes),
// and any edit moves at most one node's bytes.
//
// Node bound (Redis's list-max-listpack-size, "fill"):
//   fill < 0   -> a node's listpack may reach 4/8/16/32/64 KB for -1/-2/-3/-4/-5 (values below -5
//                 act as -5);
//   fill >= 0  -> at most `fill` entries per node (0 acts as 1), and never over 8 KB (Redis's
//                 SIZE_SAFETY_LIMIT) unless the node holds a single element.
// An element too large for any node gets a node of its own. The check uses Redis's estimate
// (node bytes + element bytes + 8), so nodes split where Redis's would.
//
// Invariants: no node is empty (a node emptied by a pop or an erase is freed at once); size() is
// the sum of the nodes' listpack sizes; a node's elements are the list's elements in order.
//
// Cost model: push/pop at either end O(1) (amortized: one listpack edit of a bounded node).
// Positional access (at) walks node by node using each node's count, from the nearer end, then
// seeks inside one node: O(nodes + node size). Inserting into a full node splits it at the
// insertion point, then merges the neighbourhood (the two halves and their neighbours) where the
// merged node still fits the bound, like Redis's _quicklistMergeNodes — so inserts in the middle
// do not leave a trail of tiny nodes. Erasing does not merge (Redis does not either).
//
// Compression (list-compress-depth) is not implemented: the setting is accepted and stored, and
// every node stays a plain listpack.
//
// Rejected: a hand-linked node list (std::list gives the same doubly linked nodes with stable
// iterators and O(1) splice, without owning raw pointers); std::deque of strings (a heap string
// per element, and no compact serialization for DUMP/RDB, where Redis stores the node listpacks
// as they are).
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <string_view>

#include "listpack.hpp"

namespace gorodis {

class Quicklist {
 public:
  using NodeList = std::list<Listpack>;

  // A position: one element of one node. Invalidated by any modification, except that the
  // modifying calls below return valid positions.
  struct Iterator {
    NodeList::iterator node;
    Listpack::Position position = 0;
  };

  // Redis's default list-max-listpack-size is -2 (8 KB nodes).
  explicit Quicklist(int fill = -2);

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t node_count() const { return nodes_.size(); }
  int fill() const { return fill_; }
  const NodeList& nodes() const { return nodes_; }

  void push_front(std::string_view value);
  void push_back(std::string_view value);
  // REQUIRES: !empty().
  std::string pop_front();
  std::string pop_back();

  // Sets `out` to the element at `index` (negative counts from the end); false when out of range.
  bool at(long long index, Iterator& out);
  Iterator begin() { return {nodes_.begin(), nodes_.empty() ? 0 : nodes_.front().first()}; }
  Iterator last() { return {std::prev(nodes_.end()), nodes_.back().last()}; }  // REQUIRES: !empty
  bool is_end(const Iterator& it) const { return it.node == nodes_.end(); }
  Iterator end() { return {nodes_.end(), 0}; }
  // Moves to the next / previous element; past either end the iterator becomes end().
  void next(Iterator& it);
  void prev(Iterator& it);

  Listpack::Element get(const Iterator& it) const { return it.node->get(it.position); }
  bool equals(const Iterator& it, std::string_view value) const {
    return it.node->equals(it.position, value);
  }

  // Inserts `value` before or after the element at `it`. Invalidates every iterator.
  void insert(const Iterator& it, std::string_view value, bool after);
  // Replaces the element at `it` in place; `it` stays valid, other iterators of its node do not.
  void replace(const Iterator& it, std::string_view value);
  // Removes the element at `it` and returns the position of the element that followed it
  // (end() after the last one); other iterators are invalidated.
  Iterator erase(const Iterator& it);
  // Removes `count` elements starting at index `start` (0 <= start, start + count <= size()),
  // whole nodes at a time where possible.
  void erase_range(std::size_t start, std::size_t count);

  // Bytes Redis would account for (MEMORY USAGE): the quicklist header plus, per node, its
  // header and listpack; with `samples` > 0 extrapolated from the first `samples` nodes.
  std::size_t memory_usage(std::size_t samples) const;

 private:
  // Whether `node` may take one more element of `bytes` bytes.
  bool allows_insert(const Listpack& node, std::size_t bytes) const;
  // Whether `a` and `b` merged would fit the bound.
  bool allows_merge(const Listpack& a, const Listpack& b) const;
  bool exceeds_limit(std::size_t new_bytes, std::size_t new_count) const;
  // Moves b's elements to the end of a and frees b; returns a.
  NodeList::iterator merge(NodeList::iterator a, NodeList::iterator b);
  // Merges around `center` (Redis _quicklistMergeNodes): center's prev with its prev, center
  // with its prev, center with its next, and its next with the one after.
  void merge_around(NodeList::iterator center);
  // Splits `node` so that the elements from `offset` on move to a new node right after it;
  // returns the new node.
  NodeList::iterator split(NodeList::iterator node, std::size_t offset);
  std::string take(NodeList::iterator node, Listpack::Position position);

  NodeList nodes_;
  std::size_t size_ = 0;
  int fill_;
};

}  // namespace gorodis
