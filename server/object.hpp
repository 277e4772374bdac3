// object.hpp — values stored in the keyspace.
//
// Only strings exist so far; the type enum and TYPE/OBJECT replies are shaped for the other Redis
// types to be added as further alternatives. A string is held in one of Redis's three
// encodings, because OBJECT ENCODING, OBJECT REFCOUNT, MEMORY USAGE and DUMP expose them:
//   int    — a canonical decimal integer that fits in 64 bits, stored as the integer itself
//            (8 bytes instead of up to 20 characters; INCR works without parsing);
//   embstr — an immutable string of at most 44 bytes (Redis allocates it together with its
//            object header in one 64-byte jemalloc bin);
//   raw    — any other string, and every string that was modified in place (APPEND, SETRANGE,
//            SETBIT, BITFIELD ...), since Redis "unshares" a value before writing into it.
// Invariant: an int-encoded value's decimal text is exactly what the client stored.
//
// Access metadata (last access time for OBJECT IDLETIME, an LFU counter for OBJECT FREQ) lives
// in the object as in Redis.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace gorodis {

enum class ObjectType : std::uint8_t { kString };

enum class Encoding : std::uint8_t { kInt, kEmbstr, kRaw };

// Scratch space for viewing an int-encoded string as text without allocating.
struct IntegerText {
  char digits[21];
};

class Object {
 public:
  // Redis's longest embstr: 64-byte allocation minus header and sds overhead.
  static constexpr std::size_t kEmbstrMaxLength = 44;
  // Integers in [0, kSharedIntegers) are shared objects in Redis (refcount INT_MAX).
  static constexpr long long kSharedIntegers = 10000;
  static constexpr int kSharedRefcount = 2147483647;
  static constexpr std::uint8_t kLfuInitialCounter = 5;

  // A string as SET stores it (Redis tryObjectEncoding): int when it is a canonical integer of
  // at most 20 characters, otherwise embstr or raw by length.
  static Object encode_string(std::string value);
  // A string built by the server (createStringObject): embstr or raw by length, never int.
  static Object plain_string(std::string value);
  // A string that is going to be modified in place (createObject(OBJ_STRING, sds)): raw.
  static Object raw_string(std::string value);
  static Object integer(long long value);

  ObjectType type() const { return ObjectType::kString; }
  static std::string_view type_name(ObjectType type);
  Encoding encoding() const;
  static std::string_view encoding_name(Encoding encoding);
  int refcount() const;

  bool is_integer() const { return std::holds_alternative<long long>(repr_); }
  long long integer_value() const { return std::get<long long>(repr_); }
  std::size_t string_length() const;
  // The string's bytes; int-encoded values are rendered into `scratch`.
  std::string_view view(IntegerText& scratch) const;
  std::string to_string() const;
  // Converts to a raw string (Redis dbUnshareStringValue) and returns it for modification.
  std::string& mutable_string();

  std::int64_t access_time_ms = 0;
  std::uint8_t lfu_counter = kLfuInitialCounter;

 private:
  std::variant<long long, std::string> repr_;
  bool raw_ = false;  // string representation created for in-place modification
};

}  // namespace gorodis
