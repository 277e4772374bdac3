// listpack.hpp — Redis's listpack: a sequence of small strings and integers packed into one
// allocation, byte for byte in Redis 7's format.
//
// Why: a small hash, sorted set or list node costs a few bytes per element instead of a heap
// node per element (Redis keeps "hash-max-listpack-entries" (128) fields in one). Keeping
// Redis's exact byte layout means the RDB writer and loader (and DUMP/RESTORE) can copy a
// listpack blob verbatim in both directions.
//
// Layout (all little endian):
//   <total-bytes:u32> <count:u16> <entry>... <0xFF>
//   entry = <encoding+data> <backlen>
// Encodings: 0xxxxxxx 7-bit unsigned int; 10xxxxxx 6-bit string length; 110xxxxx+1 byte 13-bit
// signed int; 1110xxxx+1 byte 12-bit string length; 0xF0+u32 32-bit string length; 0xF1/F2/F3/F4
// + 2/3/4/8 bytes signed int. A string that is a canonical decimal int64 is stored as an
// integer (Redis lpStringToInt64), so get() of such an element returns the integer.
// backlen is the size of <encoding+data> in 1..5 bytes of 7 bits, most significant first, each
// byte but the first (leftmost) with bit 7 set — it lets prev() walk backwards.
// count saturates at 65535 (then size() walks the entries, like lpLength).
//
// Positions are byte offsets of entries; end() is the offset of the 0xFF terminator. Any
// modification invalidates positions except the ones the modifying call returns.
// Cost model: lookups by index and value are O(n); insert/erase memmove the tail (O(bytes)), so
// callers keep listpacks small (the *-max-listpack-* settings) and switch encodings beyond.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "object.hpp"

namespace gorodis {

class Listpack {
 public:
  using Position = std::size_t;

  // An element: an integer or a string view into the listpack (valid until it is modified).
  struct Element {
    std::optional<long long> integer;  // set when stored as an integer
    std::string_view string;           // the bytes when stored as a string
    // The element's text; integers are rendered into `scratch`.
    std::string_view view(IntegerText& scratch) const;
    std::string to_string() const;
    bool operator==(std::string_view text) const;
  };

  Listpack();
  // Adopts a serialized listpack (RDB/DUMP); nullopt unless it is well formed (lpValidateIntegrity
  // with deep checks: every entry's encoding, backlen and the count).
  static std::optional<Listpack> from_bytes(std::string_view bytes);
  Listpack(const Listpack& other);
  Listpack& operator=(const Listpack& other);
  Listpack(Listpack&& other) noexcept;
  Listpack& operator=(Listpack&& other) noexcept;
  ~Listpack();

  std::size_t size() const;
  bool empty() const { return first() == end(); }
  // Allocated bytes (the serialized size; MEMORY USAGE).
  std::size_t bytes() const;
  std::string_view serialized() const;

  Position first() const { return kHeaderSize; }
  Position end() const { return bytes() - 1; }
  // The last entry, or end() when empty.
  Position last() const;
  // The entry after / before `position`; next(last()) == end(), prev(first()) == end().
  Position next(Position position) const;
  Position prev(Position position) const;
  // The entry at `index` (negative counts from the end, -1 is the last), or end().
  Position seek(long long index) const;

  Element get(Position position) const;
  // Whether the element at `position` equals `text` (integers compare by their text).
  bool equals(Position position, std::string_view text) const;
  // The first entry at or after `from` equal to `text`, looking only at every (skip+1)-th entry
  // (skip 1 searches the keys of a key/value listpack), or end().
  Position find(std::string_view text, Position from, std::size_t skip = 0) const;

  // Inserts `text` before `position` (end() appends); returns the new entry's position.
  Position insert(Position position, std::string_view text);
  // The integer form, for callers holding a number (e.g. HINCRBY results, scores).
  Position insert(Position position, long long value);
  void push_back(std::string_view text) { insert(end(), text); }
  void push_front(std::string_view text) { insert(first(), text); }
  // Replaces the element at `position`; returns its (unchanged) position.
  Position replace(Position position, std::string_view text);
  Position replace(Position position, long long value);
  // Removes `count` entries starting at `position` (fewer when the end comes first); returns
  // the position of the entry that followed them.
  Position erase(Position position, std::size_t count = 1);

 private:
  static constexpr std::size_t kHeaderSize = 6;
  explicit Listpack(unsigned char* data) : data_(data) {}  // adopts a malloc'd listpack
  Position insert_encoded(Position position, std::string_view encoded, std::size_t replaced);
  void set_count(std::size_t count);
  void reallocate(std::size_t total);
  std::size_t stored_count() const;

  unsigned char* data_;
};

}  // namespace gorodis
