// t_set.hpp — the set value (Redis t_set.c's setType* layer) behind the S* commands.
//
// Encodings, as Redis 7.0 chooses them (OBJECT ENCODING shows them):
//   intset    — while every member is a canonical decimal int64 (Redis string2ll) and there
//               are at most set-max-intset-entries (512) of them: a sorted array of integers,
//               a few bytes per member, iterated in ascending order;
//   hashtable — otherwise: a chained hash table of member strings with incremental rehashing.
// The conversion is one way (Redis never turns a hash table back into an intset); only a set
// built afresh (SPOP's rebuild, the *STORE results, SMOVE's new destination) starts over as an
// intset. Members are binary-safe strings; an intset member's text is its canonical decimal
// form, which is exactly the text the client sent (string2ll accepts nothing else).
//
// Cost model: intset lookups O(log n), insert/remove O(n) memmove (n <= 512); hash table
// operations O(1) amortized with O(1) worst case per rehash step. SCAN of a hash table uses the
// table's reverse-binary cursor, so a full SSCAN returns every member present throughout, even
// across resizes; an intset is returned whole in one call (cursor 0), as Redis does.
//
// Memory: the value is one word inside its key's Object (small_or_large.hpp): the intset's
// pointer, or the table's tagged. A hash table member is one node holding next, hash, a 1-byte
// length (9 bytes past 254) and the bytes. Nodes and intset blobs come from small_alloc (8-byte
// size classes, no malloc header): a set of 10 integers costs its 48-byte intset, a member
// "member:123456" a 32-byte node (Redis: a 24-byte dictEntry in a 32-byte jemalloc class plus a
// 16-byte sds). Measured RSS against Redis for a million small sets: bench/README.md.
// Rejected: nodes with a std::string (48 bytes before any heap spill), std::unordered_set (no
// reverse-binary SCAN cursor, so no SSCAN guarantee across rehashes) and the HashTable held
// inline (72 bytes more for every intset).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <string_view>

#include "dict.hpp"
#include "intset.hpp"
#include "object.hpp"
#include "small_alloc.hpp"
#include "small_or_large.hpp"
#include "util.hpp"

namespace gorodis {

// One member of a hash-table-encoded set: a HashTable node followed, in the same allocation, by
// the member's length (one byte, or 0xff and a size_t) and its bytes (see the memory note above).
class SetMember {
 public:
  static std::unique_ptr<SetMember> make(std::string_view member, std::uint64_t hash);
  // Nodes live in small_alloc memory sized by their member: `delete` (HashTable's, and
  // unique_ptr's) must free exactly that.
  static void operator delete(SetMember* node, std::destroying_delete_t);
  SetMember(const SetMember&) = delete;
  SetMember& operator=(const SetMember&) = delete;

  std::string_view key_view() const;

  SetMember* next = nullptr;
  std::uint64_t hash;

 private:
  static constexpr unsigned char kLongLength = 0xff;  // a size_t length follows
  explicit SetMember(std::uint64_t member_hash) : hash(member_hash) {}
  // The bytes that store a member's length, and the allocation of a node for a member.
  static std::size_t length_bytes(std::size_t length);
  static std::size_t allocation_bytes(std::size_t length);
  // The bytes after the node: the length, then the member.
  const unsigned char* tail() const { return reinterpret_cast<const unsigned char*>(this + 1); }
};

class SetValue {
 public:
  static constexpr ObjectType kType = ObjectType::kSet;

  // An empty intset-encoded set (Redis createIntsetObject): where computed results start.
  SetValue() = default;
  SetValue(const SetValue& other);
  SetValue(SetValue&&) noexcept = default;
  SetValue& operator=(SetValue&&) noexcept = default;
  // Redis setTypeCreate: an intset when `first_member` is an integer, else a hash table.
  static SetValue create_for(std::string_view first_member);

  Encoding encoding() const { return table() ? Encoding::kHashtable : Encoding::kIntset; }
  std::size_t memory_usage(std::size_t samples) const;

  std::size_t size() const { return table() ? table()->size() : ints().size(); }
  bool empty() const { return size() == 0; }
  bool contains(std::string_view member) const;
  // The intset while intset-encoded (the RDB writer copies it verbatim), else nullptr.
  const Intset* intset() const { return repr_.small(); }
  // Redis setTypeAdd: a non-integer member, or one more member than `max_intset_entries`,
  // converts an intset to a hash table. Returns false when the member was present.
  bool add(std::string_view member, std::size_t max_intset_entries);
  // Redis setTypeRemove (a hash table may start shrinking). Returns false when absent.
  bool remove(std::string_view member);
  // A random member, copied (Redis setTypeRandomElement); (nearly) uniform for both encodings.
  // REQUIRES: !empty().
  std::string random_member(std::mt19937_64& rng);

  // Calls visit(std::string_view) for every member: ascending for an intset, table order
  // otherwise. The set must not change meanwhile.
  template <typename Visitor>
  void for_each(Visitor&& visit) const;

  // One SSCAN step: visits members and returns the next cursor (0 when done). An intset is
  // visited whole; a hash table visits the buckets of at most 10 * count cursor steps, stopping
  // once `count` members were visited.
  template <typename Visitor>
  std::uint64_t scan(std::uint64_t cursor, std::size_t count, Visitor&& visit) const;

 private:
  using Table = HashTable<SetMember>;

  // The members in the hashtable encoding, or nullptr while intset-encoded.
  Table* table() const { return repr_.large(); }
  // The members in the intset encoding. REQUIRES: !table().
  const Intset& ints() const { return *repr_.small(); }
  Intset& ints() { return *repr_.small(); }
  // Makes the set a table of the members of `source` (this set's own intset, or a copied set).
  void fill_table(const SetValue& source);
  void convert_to_table();

  SmallOrLarge<Intset, Table> repr_;
};

template <typename Visitor>
void SetValue::for_each(Visitor&& visit) const {
  if (table()) {
    table()->for_each([&](const SetMember& node) { visit(node.key_view()); });
    return;
  }
  IntegerText scratch;
  for (std::size_t i = 0; i < ints().size(); ++i) {
    visit(std::string_view(scratch.digits, format_int64(ints().at(i), scratch.digits)));
  }
}

template <typename Visitor>
std::uint64_t SetValue::scan(std::uint64_t cursor, std::size_t count, Visitor&& visit) const {
  if (!table()) {
    for_each(visit);
    return 0;
  }
  std::size_t visited = 0;
  std::size_t steps_left = count * 10;
  do {
    cursor = table()->scan(cursor, [&](const SetMember& node) {
      visit(node.key_view());
      ++visited;
    });
  } while (cursor != 0 && steps_left-- > 0 && visited < count);
  return cursor;
}

}  // namespace gorodis
