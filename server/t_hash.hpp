// t_hash.hpp — the hash value (Redis t_hash.c's hashType* layer) in Redis 7.0's two encodings.
//
// listpack:  field, value, field, value ... in one Listpack, in insertion order. Used while the
//            hash has at most hash-max-listpack-entries fields and no field or value longer
//            than hash-max-listpack-value bytes. Lookups are linear scans of a few hundred
//            bytes, cheaper than hashing at these sizes, and a hash of 10 small fields costs one
//            allocation of about 10 * (field + value + 4) bytes.
// hashtable: a HashTable<HashField> (dict.hpp), one heap node per field, O(1) lookups, Redis's
//            incremental rehashing and reverse-binary SCAN cursor (so HSCAN keeps the guarantee
//            that a full iteration returns every field present throughout, across resizes).
// Like Redis, a hash converts from listpack to hashtable when a write would break a limit
// (before the write for over-long arguments, after it for the field count) and never back.
//
// Size: HashValue is one word held inside its key's Object (small_or_large.hpp): the listpack's
// pointer, or the table's tagged. A small hash costs its listpack and nothing more. Rejected:
// the HashTable held inline (72 bytes more for every small hash), and one class per encoding
// (converting would have to replace the value inside its Object).
//
// Measured (bench/populate.py hash 1000000 10, glibc malloc): per key a 256-byte listpack
// chunk and this 32-byte chunk, next to the keyspace Entry's 128: RSS 418,572 KiB against
// Redis 7.0.15's 350,660 KiB, the difference being the Entry and this chunk (Redis spends
// 32 + 16 + 16 bytes on its dictEntry, key sds and robj).
//
// A HashField keeps field and value in one std::string (field bytes first), so a small field
// is a single 56-byte node with no further allocation; rejected: two strings per node (80
// bytes) and a flexible-array node (HashTable owns nodes through new/delete).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "dict.hpp"
#include "listpack.hpp"
#include "object.hpp"
#include "small_or_large.hpp"

namespace gorodis {

class Settings;

// One field of the hashtable encoding (a HashTable node).
struct HashField {
  HashField* next = nullptr;
  std::uint64_t hash = 0;  // dict_hash(field)
  std::string bytes;       // the field, then the value
  std::size_t field_size = 0;

  std::string_view key_view() const { return std::string_view(bytes).substr(0, field_size); }
  std::string_view value() const { return std::string_view(bytes).substr(field_size); }
};

// The hash-max-listpack-* settings a write obeys.
struct HashLimits {
  std::size_t max_entries;
  std::size_t max_value;
  static HashLimits of(const Settings& settings);
};

class HashValue {
 public:
  using Table = HashTable<HashField>;
  static constexpr ObjectType kType = ObjectType::kHash;

  HashValue() = default;  // an empty listpack
  HashValue(const HashValue& other);
  HashValue(HashValue&&) noexcept = default;

  Encoding encoding() const;
  // Redis objectComputeSize: the listpack's allocation, or the dict, its buckets and the
  // average sampled field (dict entry plus two sds strings) times the field count.
  std::size_t memory_usage(std::size_t samples) const;

  std::size_t size() const;
  // The listpack while listpack-encoded (the RDB writer copies it verbatim), else nullptr.
  const Listpack* listpack() const { return repr_.small(); }
  // The value of `field` (valid until the hash is modified); integers render into `scratch`.
  std::optional<std::string_view> get(std::string_view field, IntegerText& scratch);
  // Redis hashTypeSet: sets `field`; returns whether it is new. Converts to a hashtable first
  // when the field or value is too long for a listpack, and after adding when the field count
  // exceeds the limit.
  bool set(std::string_view field, std::string_view value, const HashLimits& limits);
  // Returns whether the field existed.
  bool remove(std::string_view field);
  // Redis hashTypeTryConversion: converts a listpack to a hashtable when any of `arguments` is
  // longer than limits.max_value or the listpack would outgrow its 1 GiB safety limit.
  void convert_for(std::span<const std::string_view> arguments, const HashLimits& limits);

  // Calls visit(field, value) for every field, in listpack order or bucket order.
  template <class Visit>
  void for_each(Visit&& visit) const;
  // One HSCAN call (Redis scanGenericCommand's collection step): appends field, value, field,
  // value ... to `out` and returns the next cursor. A listpack is returned whole with cursor 0;
  // a hashtable is scanned until about `count` fields are collected or 10 * count buckets have
  // been visited.
  std::uint64_t scan(std::uint64_t cursor, std::size_t count, std::vector<std::string>& out) const;
  // Calls visit(field, value) `count` times with uniformly random fields (repetitions allowed).
  // REQUIRES: size() > 0.
  template <class Visit>
  void random_fields(std::size_t count, std::mt19937_64& rng, Visit&& visit);
  // Calls visit(field, value) for `count` distinct random fields. REQUIRES: count < size().
  template <class Visit>
  void random_distinct_fields(std::size_t count, std::mt19937_64& rng, Visit&& visit);

 private:
  void convert_to_table();
  // A hashtable with the same fields, sized for them.
  std::unique_ptr<Table> copy_to_table() const;
  // Visits each element with a probability making every `count`-subset equally likely (Knuth's
  // selection sampling); keeps the hash's order, like Redis lpRandomPairsUnique.
  template <class Visit>
  void select_fields(std::size_t count, std::mt19937_64& rng, Visit&& visit) const;

  SmallOrLarge<Listpack, Table> repr_;
};

template <class Visit>
void HashValue::for_each(Visit&& visit) const {
  if (const Listpack* listpack = repr_.small()) {
    IntegerText field_text;
    IntegerText value_text;
    for (Listpack::Position p = listpack->first(); p != listpack->end();) {
      Listpack::Position value = listpack->next(p);
      visit(listpack->get(p).view(field_text), listpack->get(value).view(value_text));
      p = listpack->next(value);
    }
  } else {
    repr_.large()->for_each([&](const HashField& node) { visit(node.key_view(), node.value()); });
  }
}

template <class Visit>
void HashValue::select_fields(std::size_t count, std::mt19937_64& rng, Visit&& visit) const {
  std::size_t remaining = size();
  for_each([&](std::string_view field, std::string_view value) {
    if (rng() % remaining-- < count) {
      --count;
      visit(field, value);
    }
  });
}

template <class Visit>
void HashValue::random_fields(std::size_t count, std::mt19937_64& rng, Visit&& visit) {
  if (const Listpack* listpack = repr_.small()) {
    std::vector<Listpack::Position> fields;
    for (Listpack::Position p = listpack->first(); p != listpack->end();
         p = listpack->next(listpack->next(p))) {
      fields.push_back(p);
    }
    IntegerText field_text;
    IntegerText value_text;
    while (count-- > 0) {
      Listpack::Position p = fields[rng() % fields.size()];
      visit(listpack->get(p).view(field_text), listpack->get(listpack->next(p)).view(value_text));
    }
  } else {
    Table& table = *repr_.large();
    while (count-- > 0) {
      const HashField* node = table.random_node(rng);
      visit(node->key_view(), node->value());
    }
  }
}

template <class Visit>
void HashValue::random_distinct_fields(std::size_t count, std::mt19937_64& rng, Visit&& visit) {
  Table* table = repr_.large();
  // Like Redis, a full pass unless the sample is small next to the hash (count * 3 <= size),
  // where drawing random fields and dropping repeats touches far fewer nodes.
  if (table == nullptr || count * 3 > size()) {
    select_fields(count, rng, visit);
    return;
  }
  std::unordered_set<const HashField*> chosen;
  while (chosen.size() < count) {
    const HashField* node = table->random_node(rng);
    if (chosen.insert(node).second) visit(node->key_view(), node->value());
  }
}

}  // namespace gorodis
