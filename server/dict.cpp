// dict.cpp — see dict.hpp for the resize policy and the SCAN guarantee.
#include "dict.hpp"

#include <algorithm>
#include <bit>

namespace gorodis {

std::uint64_t dict_hash(std::string_view key) {
  // libstdc++ hashes bytes with MurmurHash64A; mixing once more spreads the top bits (which
  // pick the shard) independently of the low bits (which pick the bucket).
  std::uint64_t h = std::hash<std::string_view>{}(key);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

std::size_t HashTableBase::bucket_count_for(std::size_t entries) {
  return std::max(kInitialBuckets, std::bit_ceil(std::max<std::size_t>(entries, 1)));
}

std::uint64_t HashTableBase::reverse_bits(std::uint64_t value) {
  std::uint64_t result = 0;
  for (int i = 0; i < 64; ++i) {
    result = (result << 1) | (value & 1);
    value >>= 1;
  }
  return result;
}

std::uint64_t HashTableBase::next_cursor(std::uint64_t cursor, std::uint64_t mask) {
  // Set the unmasked high bits so the increment of the reversed cursor carries straight into
  // the masked bits, then increment in reverse-binary order.
  cursor |= ~mask;
  cursor = reverse_bits(cursor);
  ++cursor;
  return reverse_bits(cursor);
}

}  // namespace gorodis
