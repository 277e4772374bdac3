// dict.cpp — see dict.hpp for the resize policy and the SCAN guarantee.
#include "dict.hpp"

#include <algorithm>
#include <bit>

namespace gorodis {

namespace {

constexpr std::size_t kMinFillPercent = 10;
constexpr int kEmptyVisitsPerStep = 10;

std::size_t bucket_count_for(std::size_t entries) {
  return std::max(KeyTable::kInitialBuckets, std::bit_ceil(std::max<std::size_t>(entries, 1)));
}

}  // namespace

std::uint64_t KeyTable::reverse_bits(std::uint64_t value) {
  std::uint64_t result = 0;
  for (int i = 0; i < 64; ++i) {
    result = (result << 1) | (value & 1);
    value >>= 1;
  }
  return result;
}

std::uint64_t KeyTable::next_cursor(std::uint64_t cursor, std::uint64_t mask) {
  // Set the unmasked high bits so the increment of the reversed cursor carries straight into
  // the masked bits, then increment in reverse-binary order.
  cursor |= ~mask;
  cursor = reverse_bits(cursor);
  ++cursor;
  return reverse_bits(cursor);
}

void KeyTable::start_resize(std::size_t minimum_entries) {
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

void KeyTable::grow_if_needed() {
  if (is_rehashing()) return;
  if (tables_[0].buckets.empty()) {
    start_resize(kInitialBuckets);
  } else if (tables_[0].used >= tables_[0].buckets.size()) {
    start_resize(tables_[0].used + 1);
  }
}

void KeyTable::shrink_if_sparse() {
  if (is_rehashing()) return;
  std::size_t buckets = tables_[0].buckets.size();
  if (buckets > kInitialBuckets && tables_[0].used * 100 / buckets < kMinFillPercent) {
    start_resize(tables_[0].used);
  }
}

void KeyTable::rehash_step() {
  if (!is_rehashing()) return;
  Table& from = tables_[0];
  Table& to = tables_[1];
  int empty_visits = kEmptyVisitsPerStep;
  while (from.used > 0 && from.buckets[static_cast<std::size_t>(rehash_index_)] == nullptr) {
    ++rehash_index_;
    if (--empty_visits == 0) return;
  }
  if (from.used > 0) {
    Entry* entry = from.buckets[static_cast<std::size_t>(rehash_index_)];
    while (entry != nullptr) {
      Entry* next = entry->next;
      std::uint64_t index = entry->hash & to.mask();
      entry->next = to.buckets[index];
      to.buckets[index] = entry;
      --from.used;
      ++to.used;
      entry = next;
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

Entry* KeyTable::find(std::string_view key, std::uint64_t hash) {
  if (size() == 0) return nullptr;
  rehash_step();
  for (Table& table : tables_) {
    if (table.buckets.empty()) continue;
    for (Entry* entry = table.buckets[hash & table.mask()]; entry != nullptr; entry = entry->next) {
      if (entry->hash == hash && entry->key == key) return entry;
    }
    if (!is_rehashing()) break;
  }
  return nullptr;
}

Entry* KeyTable::insert(std::unique_ptr<Entry> entry) {
  rehash_step();
  grow_if_needed();
  Table& table = is_rehashing() ? tables_[1] : tables_[0];
  std::uint64_t index = entry->hash & table.mask();
  Entry* raw = entry.release();
  raw->next = table.buckets[index];
  table.buckets[index] = raw;
  ++table.used;
  return raw;
}

std::unique_ptr<Entry> KeyTable::remove(std::string_view key, std::uint64_t hash) {
  if (size() == 0) return nullptr;
  rehash_step();
  for (Table& table : tables_) {
    if (table.buckets.empty()) continue;
    Entry** link = &table.buckets[hash & table.mask()];
    for (; *link != nullptr; link = &(*link)->next) {
      Entry* entry = *link;
      if (entry->hash == hash && entry->key == key) {
        *link = entry->next;
        entry->next = nullptr;
        --table.used;
        return std::unique_ptr<Entry>(entry);
      }
    }
    if (!is_rehashing()) break;
  }
  return nullptr;
}

Entry* KeyTable::random_entry(std::mt19937_64& rng) {
  if (size() == 0) return nullptr;
  rehash_step();
  Entry* head = nullptr;
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
  for (Entry* entry = head; entry != nullptr; entry = entry->next) ++length;
  std::size_t pick = rng() % length;
  while (pick-- > 0) head = head->next;
  return head;
}

void KeyTable::clear() {
  for (Table& table : tables_) {
    for (Entry*& head : table.buckets) {
      while (head != nullptr) {
        Entry* next = head->next;
        delete head;
        head = next;
      }
    }
    table = Table{};
  }
  rehash_index_ = -1;
}

}  // namespace gorodis
