// dump.hpp — the DUMP/RESTORE serialization format (Redis cluster.c + rdb.c).
//
// A payload is: the value in RDB encoding (a type byte, then the type's body), the RDB
// version as 2 little-endian bytes (10 for Redis 7.0), and the CRC-64/Jones of everything
// before, as 8 little-endian bytes. For strings the body is Redis's rdbSaveStringObject:
//   * integers that fit in 8/16/32 bits: 0xC0/0xC1/0xC2 and the little-endian value;
//   * strings longer than 20 bytes that LZF-compress by at least 4 bytes: 0xC3, compressed
//     length, original length, compressed bytes;
//   * anything else: a length (6-bit, 14-bit, 32-bit or 64-bit big-endian form) and the bytes.
// Loading accepts all of these forms whatever produced them, and yields the encoding Redis
// would (int when the text is a canonical integer).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "object.hpp"

namespace gorodis {

inline constexpr int kRdbVersion = 10;

std::string dump_payload(const Object& value, bool compress);

enum class PayloadError { kVersionOrChecksum, kBadFormat };

// Verifies footer and checksum, then decodes the value.
struct LoadedPayload {
  std::optional<Object> value;
  PayloadError error = PayloadError::kBadFormat;
};
LoadedPayload load_payload(std::string_view payload);

}  // namespace gorodis
