// dump.hpp — the DUMP/RESTORE serialization format (Redis cluster.c + rdb.c).
//
// A payload is: the value in RDB encoding (a type byte, then the type's body; see rdb.hpp), the
// RDB version as 2 little-endian bytes (10 for Redis 7.0), and the CRC-64/Jones of everything
// before, as 8 little-endian bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "object.hpp"

namespace gorodis {

class Settings;

// nullopt when the value's type has no RDB form yet.
std::optional<std::string> dump_payload(const Object& value, bool compress);

enum class PayloadError { kVersionOrChecksum, kBadFormat };

// Verifies footer and checksum, then decodes the value.
struct LoadedPayload {
  std::optional<Object> value;
  PayloadError error = PayloadError::kBadFormat;
};
LoadedPayload load_payload(std::string_view payload, const Settings& settings);

}  // namespace gorodis
