// dict.hpp — HashTable<Node>: a chained hash table with Redis dict.c's incremental rehashing
// and SCAN cursor. The keyspace (KeyTable = HashTable<Entry>, one per shard) and the large
// encodings of hashes, sets and sorted sets use it.
//
// Nodes are intrusive: a Node type provides `Node* next`, `std::uint64_t hash` (dict_hash of its
// key) and `std::string_view key_view() const`. The table owns its nodes (new/delete).
//
// Cost model: buckets are a power of two; the table grows (doubling) when the load factor
// reaches 1 and shrinks when it falls under 10% (and more than 4 buckets). A resize allocates
// the new bucket array and then migrates one bucket per find/insert/remove ("rehash step", with
// at most 10 empty buckets visited per step), so no single operation pays O(n).
//
// SCAN guarantee: scan() walks buckets in reverse-binary cursor order (the cursor's bits are
// incremented from the most significant masked bit down). Because a bucket's keys at size 2^n
// land, at size 2^(n+1), in the two buckets that share its low n bits, and reverse-binary order
// visits those "expansions" consecutively, a full iteration (cursor 0 back to 0) returns every
// key that was present from start to end even if the table grew or shrank in between; keys may
// be returned more than once. During rehashing scan() visits the bucket of the smaller table
// and then all its expansions in the larger one, exactly like dictScan.
//
// Nodes are heap nodes owned by the table; pointers to them stay valid until the node is
// removed (rehashing relinks nodes, it never moves them). Not thread safe: whoever owns the table
// guards it (for the keyspace, the shard's lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace gorodis {

// The hash every HashTable user computes for its keys (MurmurHash64A, as libstdc++ hashes bytes,
// mixed so that high and low bits are independent).
std::uint64_t dict_hash(std::string_view key);

// The parts of the table that do not depend on the node type.
class HashTableBase {
 public:
  static constexpr std::size_t kInitialBuckets = 4;

 protected:
  static constexpr std::size_t kMinFillPercent = 10;
  static constexpr int kEmptyVisitsPerStep = 10;
  static std::size_t bucket_count_for(std::size_t entries);
  static std::uint64_t reverse_bits(std::uint64_t value);
  static std::uint64_t next_cursor(std::uint64_t cursor, std::uint64_t mask);
};

template <class Node>
class HashTable : public HashTableBase {
 public:
  HashTable() = default;
  HashTable(const HashTable&) = delete;
  HashTable& operator=(const HashTable&) = delete;
  ~HashTable() { clear(); }

  std::size_t size() const { return tables_[0].used + tables_[1].used; }
  bool is_rehashing() const { return rehash_index_ >= 0; }
  // Total buckets across both tables (for tests and MEMORY accounting).
  std::size_t bucket_count() const { return tables_[0].buckets.size() + tables_[1].buckets.size(); }

  Node* find(std::string_view key, std::uint64_t hash);
  // Takes ownership; the key must not be present.
  Node* insert(std::unique_ptr<Node> node);
  // Unlinks and returns the node, or nullptr when absent.
  std::unique_ptr<Node> remove(std::string_view key, std::uint64_t hash);
  // A uniformly chosen bucket's random node (Redis dictGetRandomKey), nullptr when empty.
  Node* random_node(std::mt19937_64& rng);
  void clear();
  void swap(HashTable& other) noexcept {
    std::swap(tables_, other.tables_);
    std::swap(rehash_index_, other.rehash_index_);
  }
  // Sizes a table that has no buckets yet for `entries` nodes, so that a bulk load does not
  // resize on the way (Redis dictExpand before converting a listpack).
  void reserve(std::size_t entries) {
    if (bucket_count() == 0) start_resize(entries);
  }
  // Starts a shrink when the table is sparse (Redis htNeedsResize / dictResize).
  void shrink_if_sparse();

  // Visits every node of the buckets addressed by `cursor` and returns the next cursor
  // (0 when the iteration is complete). `visit(const Node&)` must not modify the table.
  template <typename Visitor>
  std::uint64_t scan(std::uint64_t cursor, Visitor&& visit) const;

  // Visits every node; `visit(Node&)` must not insert or remove (except the visited node's
  // own removal is not allowed either: collect keys first).
  template <typename Visitor>
  void for_each(Visitor&& visit);
  template <typename Visitor>
  void for_each(Visitor&& visit) const;

 private:
  struct Table {
    std::vector<Node*> buckets;
    std::size_t used = 0;
    std::uint64_t mask() const { return buckets.size() - 1; }
  };

  void rehash_step();
  void start_resize(std::size_t minimum_entries);
  void grow_if_needed();

  Table tables_[2];
  // Next bucket of tables_[0] to migrate into tables_[1]; -1 when not rehashing.
  std::int64_t rehash_index_ = -1;
};

template <class Node>
template <typename Visitor>
std::uint64_t HashTable<Node>::scan(std::uint64_t cursor, Visitor&& visit) const {
  if (size() == 0) return 0;
  auto visit_bucket = [&](const Table& table, std::uint64_t index) {
    for (const Node* node = table.buckets[index]; node != nullptr; node = node->next) {
      visit(*node);
    }
  };
  if (!is_rehashing()) {
    const Table& table = tables_[0];
    visit_bucket(table, cursor & table.mask());
    return next_cursor(cursor, table.mask());
  }
  const Table* small = &tables_[0];
  const Table* large = &tables_[1];
  if (small->buckets.size() > large->buckets.size()) std::swap(small, large);
  std::uint64_t small_mask = small->mask();
  std::uint64_t large_mask = large->mask();
  visit_bucket(*small, cursor & small_mask);
  // Visit the larger table's buckets that are expansions of the smaller table's bucket.
  do {
    visit_bucket(*large, cursor & large_mask);
    cursor = next_cursor(cursor, large_mask);
  } while ((cursor & (small_mask ^ large_mask)) != 0);
  return cursor;
}

template <class Node>
template <typename Visitor>
void HashTable<Node>::for_each(Visitor&& visit) {
  for (Table& table : tables_) {
    for (Node* head : table.buckets) {
      for (Node* node = head; node != nullptr; node = node->next) visit(*node);
    }
  }
}

template <class Node>
template <typename Visitor>
void HashTable<Node>::for_each(Visitor&& visit) const {
  for (const Table& table : tables_) {
    for (const Node* head : table.buckets) {
      for (const Node* node = head; node != nullptr; node = node->next) visit(*node);
    }
  }
}

template <class Node>
void HashTable<Node>::start_resize(std::size_t minimum_entries) {
  std::size_t buckets = bucket_count_for(minimum_entries);
  if (buckets == tables_[0].buckets.size()) return;
  if (tables_[0].buckets.empty()) {
    tables_[0].buckets.assign(buckets, nullptr);
    return;
  }
  tables_[1].buckets.assign(buckets, nullptr);
  tables_[1].used = 0;
  rehash_index_ = 0;
}

template <class Node>
void HashTable<Node>::grow_if_needed() {
  if (is_rehashing()) return;
  if (tables_[0].buckets.empty()) {
    start_resize(kInitialBuckets);
  } else if (tables_[0].used >= tables_[0].buckets.size()) {
    start_resize(tables_[0].used + 1);
  }
}

template <class Node>
void HashTable<Node>::shrink_if_sparse() {
  if (is_rehashing()) return;
  std::size_t buckets = tables_[0].buckets.size();
  if (buckets > kInitialBuckets && tables_[0].used * 100 / buckets < kMinFillPercent) {
    start_resize(tables_[0].used);
  }
}

template <class Node>
void HashTable<Node>::rehash_step() {
  if (!is_rehashing()) return;
  Table& from = tables_[0];
  Table& to = tables_[1];
  int empty_visits = kEmptyVisitsPerStep;
  while (from.used > 0 && from.buckets[static_cast<std::size_t>(rehash_index_)] == nullptr) {
    ++rehash_index_;
    if (--empty_visits == 0) return;
  }
  if (from.used > 0) {
    Node* node = from.buckets[static_cast<std::size_t>(rehash_index_)];
    while (node != nullptr) {
      Node* next = node->next;
      std::uint64_t index = node->hash & to.mask();
      node->next = to.buckets[index];
      to.buckets[index] = node;
      --from.used;
      ++to.used;
      node = next;
    }
    from.buckets[static_cast<std::size_t>(rehash_index_)] = nullptr;
    ++rehash_index_;
  }
  if (from.used == 0) {
    tables_[0] = std::move(tables_[1]);
    tables_[1] = Table{};
    rehash_index_ = -1;
  }
}

template <class Node>
Node* HashTable<Node>::find(std::string_view key, std::uint64_t hash) {
  if (size() == 0) return nullptr;
  rehash_step();
  for (Table& table : tables_) {
    if (table.buckets.empty()) continue;
    for (Node* node = table.buckets[hash & table.mask()]; node != nullptr; node = node->next) {
      if (node->hash == hash && node->key_view() == key) return node;
    }
    if (!is_rehashing()) break;
  }
  return nullptr;
}

template <class Node>
Node* HashTable<Node>::insert(std::unique_ptr<Node> node) {
  rehash_step();
  grow_if_needed();
  Table& table = is_rehashing() ? tables_[1] : tables_[0];
  std::uint64_t index = node->hash & table.mask();
  Node* raw = node.release();
  raw->next = table.buckets[index];
  table.buckets[index] = raw;
  ++table.used;
  return raw;
}

template <class Node>
std::unique_ptr<Node> HashTable<Node>::remove(std::string_view key, std::uint64_t hash) {
  if (size() == 0) return nullptr;
  rehash_step();
  for (Table& table : tables_) {
    if (table.buckets.empty()) continue;
    Node** link = &table.buckets[hash & table.mask()];
    for (; *link != nullptr; link = &(*link)->next) {
      Node* node = *link;
      if (node->hash == hash && node->key_view() == key) {
        *link = node->next;
        node->next = nullptr;
        --table.used;
        return std::unique_ptr<Node>(node);
      }
    }
    if (!is_rehashing()) break;
  }
  return nullptr;
}

template <class Node>
Node* HashTable<Node>::random_node(std::mt19937_64& rng) {
  if (size() == 0) return nullptr;
  rehash_step();
  Node* head = nullptr;
  if (is_rehashing()) {
    // Buckets of tables_[0] below rehash_index_ are empty: draw from the rest of the slot space.
    std::size_t first = static_cast<std::size_t>(rehash_index_);
    std::size_t slots = tables_[0].buckets.size() + tables_[1].buckets.size() - first;
    while (head == nullptr) {
      std::size_t slot = first + rng() % slots;
      head = slot < tables_[0].buckets.size()
                 ? tables_[0].buckets[slot]
                 : tables_[1].buckets[slot - tables_[0].buckets.size()];
    }
  } else {
    while (head == nullptr) head = tables_[0].buckets[rng() & tables_[0].mask()];
  }
  std::size_t length = 0;
  for (Node* node = head; node != nullptr; node = node->next) ++length;
  std::size_t pick = rng() % length;
  while (pick-- > 0) head = head->next;
  return head;
}

template <class Node>
void HashTable<Node>::clear() {
  for (Table& table : tables_) {
    for (Node*& head : table.buckets) {
      while (head != nullptr) {
        Node* next = head->next;
        delete head;
        head = next;
      }
    }
    table = Table{};
  }
  rehash_index_ = -1;
}

}  // namespace gorodis
