// crc64.cpp — see crc64.hpp. The 256-entry table is built at compile time from the reflected
// form of the Jones polynomial.
#include "crc64.hpp"

#include <array>

namespace gorodis {

namespace {

constexpr std::uint64_t kReflectedJonesPolynomial = 0x95ac9329ac4bc9b5ULL;

constexpr std::array<std::uint64_t, 256> make_table() {
  std::array<std::uint64_t, 256> table{};
  for (std::uint64_t i = 0; i < 256; ++i) {
    std::uint64_t crc = i;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) ? (crc >> 1) ^ kReflectedJonesPolynomial : crc >> 1;
    }
    table[i] = crc;
  }
  return table;
}

constexpr std::array<std::uint64_t, 256> kTable = make_table();

}  // namespace

std::uint64_t crc64(std::uint64_t crc, std::string_view data) {
  for (unsigned char byte : data) crc = kTable[(crc ^ byte) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace gorodis
