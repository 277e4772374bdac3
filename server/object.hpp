// object.hpp — values stored in the keyspace.
//
// An Object is a string (held inline, below) or a composite value — list, set, sorted set or
// hash — owned through a CompositeValue pointer. Each composite type is its own class in its own
// file (t_list, t_set, t_zset, t_hash), deriving from CompositeValue; the Object knows nothing
// of their insides, so the types evolve independently, and a value costs one pointer here.
// Rejected: one std::variant alternative per type — every file including object.hpp would then
// need every type's definition, coupling all of them.
//
// A string is held in one of Redis's three encodings, because OBJECT ENCODING, OBJECT REFCOUNT,
// MEMORY USAGE and DUMP expose them:
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

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace gorodis {

// Redis's type numbers (OBJ_STRING ... OBJ_HASH), in its order.
enum class ObjectType : std::uint8_t { kString, kList, kSet, kZset, kHash };

// Redis 7.0's encodings, as OBJECT ENCODING names them.
enum class Encoding : std::uint8_t {
  kInt,
  kEmbstr,
  kRaw,
  kHashtable,
  kIntset,
  kListpack,
  kQuicklist,
  kSkiplist,
};

// A list, set, sorted set or hash value. Implementations live in t_<type>.hpp.
class CompositeValue {
 public:
  virtual ~CompositeValue() = default;
  virtual ObjectType type() const = 0;
  virtual Encoding encoding() const = 0;
  // A deep copy (COPY).
  virtual std::unique_ptr<CompositeValue> clone() const = 0;
  // Bytes Redis would account for the value (MEMORY USAGE): with `samples` > 0 an estimate from
  // that many elements, like Redis's objectComputeSize; 0 means every element.
  virtual std::size_t memory_usage(std::size_t samples) const = 0;
};

// Redis's allocation sizes, for MEMORY USAGE estimates: the jemalloc size class serving a
// request of `bytes`, and the allocation of an sds string of `length` bytes (header by sds
// type, plus the NUL).
std::size_t jemalloc_size(std::size_t bytes);
std::size_t sds_allocation(std::size_t length);

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
  static Object composite(std::unique_ptr<CompositeValue> value);

  Object() = default;
  Object(const Object& other);  // deep copy of a composite
  Object& operator=(const Object& other);
  Object(Object&&) noexcept = default;
  Object& operator=(Object&&) noexcept = default;
  ~Object() = default;

  ObjectType type() const;
  bool is_string() const { return type() == ObjectType::kString; }
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

  // The composite value; REQUIRES: type() is the one T implements.
  template <class T>
  T& as() const {
    return static_cast<T&>(*std::get<std::unique_ptr<CompositeValue>>(repr_));
  }
  CompositeValue& composite() const { return *std::get<std::unique_ptr<CompositeValue>>(repr_); }

  // Declared after the private representation so that lfu_counter shares raw_'s padding word
  // (the object is 56 bytes instead of 64).
 private:
  std::variant<long long, std::string, std::unique_ptr<CompositeValue>> repr_;
  bool raw_ = false;  // string representation created for in-place modification

 public:
  std::uint8_t lfu_counter = kLfuInitialCounter;
  std::int64_t access_time_ms = 0;
};

}  // namespace gorodis
