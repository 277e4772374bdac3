// dict.hpp — KeyTable: one shard's chained hash table, with Redis dict.c's incremental
// rehashing and SCAN cursor.
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
// Entries are heap nodes owned by the table; pointers to them stay valid until the entry is
// removed (rehashing relinks nodes, it never moves them). Not thread safe: the owning shard's
// lock guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "object.hpp"

namespace gorodis {

inline constexpr std::int64_t kNoExpiry = -1;

struct Entry {
  std::string key;
  Object value;
  std::uint64_t hash = 0;
  // Absolute unix time in milliseconds, or kNoExpiry.
  std::int64_t expire_at_ms = kNoExpiry;
  // Position in the shard's volatile-key index while expire_at_ms != kNoExpiry.
  std::size_t volatile_slot = 0;
  Entry* next = nullptr;
};

class KeyTable {
 public:
  static constexpr std::size_t kInitialBuckets = 4;

  KeyTable() = default;
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;
  ~KeyTable() { clear(); }

  std::size_t size() const { return tables_[0].used + tables_[1].used; }
  bool is_rehashing() const { return rehash_index_ >= 0; }
  // Total buckets across both tables (for tests and MEMORY accounting).
  std::size_t bucket_count() const { return tables_[0].buckets.size() + tables_[1].buckets.size(); }

  Entry* find(std::string_view key, std::uint64_t hash);
  // Takes ownership; the key must not be present.
  Entry* insert(std::unique_ptr<Entry> entry);
  // Unlinks and returns the entry, or nullptr when absent.
  std::unique_ptr<Entry> remove(std::string_view key, std::uint64_t hash);
  // A uniformly chosen bucket's random entry (Redis dictGetRandomKey), nullptr when empty.
  Entry* random_entry(std::mt19937_64& rng);
  void clear();
  void swap(KeyTable& other) noexcept {
    std::swap(tables_, other.tables_);
    std::swap(rehash_index_, other.rehash_index_);
  }
  // Starts a shrink when the table is sparse (Redis htNeedsResize / dictResize).
  void shrink_if_sparse();

  // Visits every entry of the buckets addressed by `cursor` and returns the next cursor
  // (0 when the iteration is complete). `visit(const Entry&)` must not modify the table.
  template <typename Visitor>
  std::uint64_t scan(std::uint64_t cursor, Visitor&& visit) const;

  // Visits every entry; `visit(Entry&)` must not insert or remove.
  template <typename Visitor>
  void for_each(Visitor&& visit);

 private:
  struct Table {
    std::vector<Entry*> buckets;
    std::size_t used = 0;
    std::uint64_t mask() const { return buckets.size() - 1; }
  };

  void rehash_step();
  void start_resize(std::size_t minimum_entries);
  void grow_if_needed();
  static std::uint64_t reverse_bits(std::uint64_t value);
  static std::uint64_t next_cursor(std::uint64_t cursor, std::uint64_t mask);

  Table tables_[2];
  // Next bucket of tables_[0] to migrate into tables_[1]; -1 when not rehashing.
  std::int64_t rehash_index_ = -1;
};

template <typename Visitor>
std::uint64_t KeyTable::scan(std::uint64_t cursor, Visitor&& visit) const {
  if (size() == 0) return 0;
  auto visit_bucket = [&](const Table& table, std::uint64_t index) {
    for (const Entry* entry = table.buckets[index]; entry != nullptr; entry = entry->next) {
      visit(*entry);
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

template <typename Visitor>
void KeyTable::for_each(Visitor&& visit) {
  for (Table& table : tables_) {
    for (Entry* head : table.buckets) {
      for (Entry* entry = head; entry != nullptr;) {
        Entry* next = entry->next;
        visit(*entry);
        entry = next;
      }
    }
  }
}

}  // namespace gorodis
