// object.hpp — values stored in the keyspace.
//
// An Object is a string (held inline, below) or an aggregate value — list, set, sorted set or
// hash. Each aggregate type is its own class in its own file (t_list, t_set, t_zset, t_hash), a
// one-word handle (a tagged pointer to its listpack/intset blob or to its large structure:
// small_or_large.hpp) that the Object holds in its payload word. object.hpp knows nothing of
// their insides: the handles are created and accessed through templates (composite<T>, as<T>)
// that only their users instantiate, and object.cpp alone includes all four to copy, destroy
// and describe them. So a small hash costs its Object and its listpack, like Redis's robj
// pointing at a listpack.
// Rejected: one std::variant alternative per type — every file including object.hpp would then
// need every type's definition, coupling all of them; a virtual base class owned through a
// pointer (what this was): a 24-32 byte allocation per aggregate on top of its blob, 1.04-1.17x
// Redis's RSS for a million small hashes, sets or sorted sets.
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
// Memory layout (16 bytes, the keyspace's per-key cost matters: see bench/README.md): one word
// of payload — the integer, a pointer to an owned heap std::string, an aggregate's handle, or a
// pointer to "inline" bytes — and one word of metadata (access clock, LFU counter, kind, flags).
// Inline bytes belong to whoever set them up (the keyspace Entry stores an embstr value right
// after its key, in the entry's own allocation, like Redis's embstr shares the robj's): an
// Object never frees them, and copying or moving an inline Object out makes an owning copy, so
// no Object outlives the bytes it points to. Rejected: a std::variant of an integer, a
// std::string and the aggregates (40 bytes, plus a second allocation for any string over 15
// bytes).
//
// Access metadata (last access time for OBJECT IDLETIME, an LFU counter for OBJECT FREQ) lives
// in the object as in Redis; the access time has Redis's LRU resolution, one second.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <utility>

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

// Redis's allocation sizes, for MEMORY USAGE estimates: the jemalloc size class serving a
// request of `bytes`, and the allocation of an sds string of `length` bytes (header by sds
// type, plus the NUL).
std::size_t jemalloc_size(std::size_t bytes);
std::size_t sds_allocation(std::size_t length);

// Scratch space for viewing an int-encoded string as text without allocating.
struct IntegerText {
  char digits[21];
};

// The last access time, kept in seconds (Redis's LRU clock resolution) in 4 bytes; reads and
// writes in unix milliseconds, so it is used like an integer member.
class AccessClock {
 public:
  AccessClock& operator=(std::int64_t unix_ms) {
    seconds_ = static_cast<std::uint32_t>(unix_ms / 1000);
    return *this;
  }
  operator std::int64_t() const { return static_cast<std::int64_t>(seconds_) * 1000; }

 private:
  std::uint32_t seconds_ = 0;
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
  // An aggregate value: T is ListValue, SetValue, ZsetValue or HashValue (t_<type>.hpp), a
  // one-word handle with `static constexpr ObjectType kType`, relocatable by copying its bytes.
  template <class T>
  static Object composite(T value);

  Object() = default;
  Object(const Object& other);  // deep copy of a composite
  Object& operator=(const Object& other);
  Object(Object&& other) noexcept;
  Object& operator=(Object&& other) noexcept;
  ~Object() { release(); }

  ObjectType type() const;
  bool is_string() const { return type() == ObjectType::kString; }
  static std::string_view type_name(ObjectType type);
  Encoding encoding() const;
  static std::string_view encoding_name(Encoding encoding);
  int refcount() const;

  bool is_integer() const { return kind_ == Kind::kInteger; }
  long long integer_value() const { return integer_; }
  // An embstr that is not an int: one that a keyspace entry may hold inline.
  bool is_embstr() const { return encoding() == Encoding::kEmbstr; }
  std::size_t string_length() const;
  // The string's bytes; int-encoded values are rendered into `scratch`.
  std::string_view view(IntegerText& scratch) const;
  std::string to_string() const;
  // Converts to a raw string (Redis dbUnshareStringValue) and returns it for modification.
  std::string& mutable_string();
  // Becomes an embstr whose bytes live at `bytes` (at most kEmbstrMaxLength of them), owned by
  // the caller for as long as this Object points there (the keyspace's entries); keeps the
  // access metadata.
  void assign_inline(const char* bytes, std::size_t size);

  // The aggregate value; REQUIRES: type() == T::kType.
  template <class T>
  T& as() {
    return *std::launder(reinterpret_cast<T*>(composite_));
  }
  template <class T>
  const T& as() const {
    return *std::launder(reinterpret_cast<const T*>(composite_));
  }
  // MEMORY USAGE's figure for an aggregate (Redis objectComputeSize): with `samples` > 0 an
  // estimate from that many elements; 0 means every element. REQUIRES: !is_string().
  std::size_t composite_memory_usage(std::size_t samples) const;

 private:
  // kList..kHash: an aggregate, in ObjectType's order after kString.
  enum class Kind : std::uint8_t { kInteger, kInline, kString, kList, kSet, kZset, kHash };

  // Calls f(value) with the aggregate as its own type. REQUIRES: !is_string().
  template <class Self, class F>
  static decltype(auto) visit_composite(Self& self, F&& f);
  void release();
  // Makes an inline string an owned one (its bytes are about to be left behind).
  void own_inline_bytes();

  union {
    long long integer_ = 0;
    const char* inline_;
    std::string* string_;
    alignas(std::uintptr_t) unsigned char composite_[sizeof(std::uintptr_t)];
  };

 public:
  AccessClock access_time_ms;
  std::uint8_t lfu_counter = kLfuInitialCounter;

 private:
  Kind kind_ = Kind::kInteger;
  std::uint8_t inline_size_ = 0;
  bool raw_ : 1 = false;  // string representation created for in-place modification
  // An int in the shared range is one of Redis's shared integers unless it was copied (COPY
  // duplicates the value: Redis dupStringObject makes a private int object, refcount 1).
  bool shared_ : 1 = true;
};

static_assert(sizeof(Object) == 16);

template <class T>
Object Object::composite(T value) {
  static_assert(sizeof(T) <= sizeof(composite_) && alignof(T) <= alignof(std::uintptr_t));
  Object object;
  new (object.composite_) T(std::move(value));
  object.kind_ = static_cast<Kind>(static_cast<int>(Kind::kString) + static_cast<int>(T::kType));
  return object;
}

}  // namespace gorodis
