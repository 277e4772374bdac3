// intset.hpp — Redis's intset: a sorted array of distinct integers in one allocation, byte for
// byte in Redis's format, used for sets whose members are all integers (SADD 1 2 3).
//
// Layout (little endian):  <encoding:u32> <length:u32> <value>...
// where encoding is the width in bytes of every value (2, 4 or 8) and the values are strictly
// increasing. The width is the smallest one that fits the widest value ever added: adding a
// value that does not fit "upgrades" every element to the wider encoding (a rewrite of the
// array); removals never downgrade, exactly like Redis, so a blob we produce is the blob Redis
// would have produced for the same operations — the RDB writer can copy it verbatim, and the
// loader can adopt a Redis blob after from_bytes() has validated it.
//
// Cost model: lookups are a binary search, O(log n); add and remove move the tail of the array
// (O(n) bytes) and reallocate, which is why sets switch to a hash table beyond
// set-max-intset-entries (512) members. An upgrade is O(n) once per width change.
//
// Memory: the object is one pointer to a blob of exactly 8 + n * width bytes (reallocated on
// every change, as Redis does), because a million small sets pay for every byte of slack; blobs
// come from small_alloc (8-byte size classes, no malloc header). An empty intset (new, or moved
// from) holds no blob at all.
// Rejected: std::vector<std::uint8_t> (24 bytes of object plus capacity slack per set) and a
// std::set<int64_t> (a 40-byte node per element).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace gorodis {

class Intset {
 public:
  static constexpr std::size_t kHeaderSize = 8;

  Intset() = default;  // empty, 16-bit encoding (Redis intsetNew)
  Intset(const Intset& other);
  Intset& operator=(const Intset& other);
  Intset(Intset&& other) noexcept;
  Intset& operator=(Intset&& other) noexcept;
  ~Intset();

  // Adopts a serialized intset (an RDB blob) after Redis's deep validation
  // (intsetValidateIntegrity): a known encoding, a size that matches the length, at least one
  // element, and strictly increasing values. nullopt when any check fails.
  static std::optional<Intset> from_bytes(std::string_view bytes);

  // The serialized form (what from_bytes accepts and Redis's RDB stores).
  std::string_view bytes() const;

  std::size_t size() const;
  bool empty() const { return size() == 0; }
  // Width of each value in bytes: 2, 4 or 8.
  unsigned encoding() const;
  // The index-th smallest value; REQUIRES index < size().
  std::int64_t at(std::size_t index) const;

  bool contains(std::int64_t value) const;
  // Returns false when the value was already present.
  bool add(std::int64_t value);
  // Returns false when the value was absent.
  bool remove(std::int64_t value);

 private:
  // Binary search: true and the value's index when present, else false and where it would go.
  bool search(std::int64_t value, std::size_t& position) const;
  void set_length(std::size_t length);
  void store(std::size_t index, std::int64_t value, unsigned width);
  // Reallocates the blob for `length` values of `width` bytes (header fields unchanged).
  void resize(std::size_t length, unsigned width);
  void upgrade_and_add(std::int64_t value);

  unsigned char* blob_ = nullptr;  // null while empty with the 16-bit encoding
};

}  // namespace gorodis
