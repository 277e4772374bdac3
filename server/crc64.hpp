// crc64.hpp — CRC-64/Jones as used by Redis for RDB files and DUMP payloads: reflected
// polynomial 0xad93d23594c935a9, initial value 0, no final xor. Check value:
// crc64(0, "123456789") == 0xe9c6d914c4b8d9ca.
#pragma once

#include <cstdint>
#include <string_view>

namespace gorodis {

// Continues a CRC over `data` (start with crc = 0). Table driven, one byte per step.
std::uint64_t crc64(std::uint64_t crc, std::string_view data);

}  // namespace gorodis
