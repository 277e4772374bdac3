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

// Constant time: a byte swap reverses the bytes, then three swap steps reverse the bits inside
// each byte (nibbles, bit pairs, bits), instead of 64 shift-and-or rounds per SCAN step.
std::uint64_t HashTableBase::reverse_bits(std::uint64_t value) {
#if defined(__has_builtin)
#if __has_builtin(__builtin_bitreverse64)
#define GORODIS_HAS_BITREVERSE64 1
#endif
#endif
#ifdef GORODIS_HAS_BITREVERSE64
  return __builtin_bitreverse64(value);
#else
  value = __builtin_bswap64(value);
  value = ((value >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((value & 0x0F0F0F0F0F0F0F0FULL) << 4);
  value = ((value >> 2) & 0x3333333333333333ULL) | ((value & 0x3333333333333333ULL) << 2);
  return ((value >> 1) & 0x5555555555555555ULL) | ((value & 0x5555555555555555ULL) << 1);
#endif
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
