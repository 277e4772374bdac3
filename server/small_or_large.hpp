// small_or_large.hpp — SmallOrLarge<Small, Large>: the two encodings of an aggregate value (a
// compact blob while small, a heap structure once large) in one pointer-sized word.
//
// Hashes, sets and sorted sets are held inline in their key's Object (object.hpp), which has
// one word for them; a std::variant<Listpack, std::unique_ptr<Table>> takes two (the index
// and its padding), and the extra 32-byte value object that used to hold it cost more per small
// aggregate than Redis's whole robj.
//
// Representation: either a Small — a class whose only member is a pointer to memory aligned to
// at least 2 bytes, or null (Listpack, Intset) — or a Large* with its low bit set. The low bit
// of the word tells which; it is read through the object representation (memcpy), which is
// defined whichever member is active.
//
// Ownership: the Large is owned (deleted with the object). Moving leaves the source holding a
// moved-from Small; copying is the owner's business (a hash table copies node by node).
// Neither alternative may point into the object itself, so the word can be relocated by
// copying its bytes (Object relies on that).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

namespace gorodis {

template <class Small, class Large>
class SmallOrLarge {
  static_assert(sizeof(Small) == sizeof(std::uintptr_t), "Small must be one pointer");

 public:
  SmallOrLarge() { new (&small_) Small(); }
  explicit SmallOrLarge(Small small) { new (&small_) Small(std::move(small)); }
  explicit SmallOrLarge(std::unique_ptr<Large> large) { adopt(std::move(large)); }

  // Copying depends on the Large (a hash table copies node by node): the owner does it.
  SmallOrLarge(const SmallOrLarge&) = delete;
  SmallOrLarge(SmallOrLarge&& other) noexcept {
    if (other.is_large()) {
      tagged_ = other.tagged_;
      new (&other.small_) Small();
    } else {
      new (&small_) Small(std::move(other.small_));
    }
  }
  SmallOrLarge& operator=(SmallOrLarge&& other) noexcept {
    if (this != &other) {
      destroy();
      new (this) SmallOrLarge(std::move(other));
    }
    return *this;
  }
  SmallOrLarge& operator=(Small small) { return *this = SmallOrLarge(std::move(small)); }
  SmallOrLarge& operator=(std::unique_ptr<Large> large) {
    return *this = SmallOrLarge(std::move(large));
  }
  ~SmallOrLarge() { destroy(); }

  bool is_large() const {
    std::uintptr_t word;
    std::memcpy(&word, static_cast<const void*>(this), sizeof word);
    return (word & kLargeTag) != 0;
  }
  // The active alternative, or nullptr.
  Small* small() { return is_large() ? nullptr : &small_; }
  const Small* small() const { return is_large() ? nullptr : &small_; }
  Large* large() const {
    return is_large() ? reinterpret_cast<Large*>(tagged_ & ~kLargeTag) : nullptr;
  }

 private:
  static constexpr std::uintptr_t kLargeTag = 1;
  static_assert(alignof(Large) > kLargeTag);

  void adopt(std::unique_ptr<Large> large) {
    tagged_ = reinterpret_cast<std::uintptr_t>(large.release()) | kLargeTag;
  }
  void destroy() noexcept {
    if (Large* large = this->large()) {
      delete large;
    } else {
      small_.~Small();
    }
  }

  union {
    Small small_;
    std::uintptr_t tagged_;
  };
};

}  // namespace gorodis
