// intset.cpp — see intset.hpp for the layout and its invariants.
#include "intset.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

#include "small_alloc.hpp"

namespace gorodis {

namespace {

constexpr unsigned kWidth16 = 2;
constexpr unsigned kWidth32 = 4;
constexpr unsigned kWidth64 = 8;
// Redis's empty intset (intsetNew): 16-bit encoding, no values.
constexpr unsigned char kEmptyBlob[Intset::kHeaderSize] = {kWidth16, 0, 0, 0, 0, 0, 0, 0};

template <class T>
T load_little_endian(const unsigned char* at) {
  T value;
  std::memcpy(&value, at, sizeof value);
  if constexpr (std::endian::native == std::endian::big) {
    if constexpr (sizeof(T) == 2) value = static_cast<T>(__builtin_bswap16(value));
    if constexpr (sizeof(T) == 4) value = static_cast<T>(__builtin_bswap32(value));
    if constexpr (sizeof(T) == 8) value = static_cast<T>(__builtin_bswap64(value));
  }
  return value;
}

template <class T>
void store_little_endian(unsigned char* at, T value) {
  if constexpr (std::endian::native == std::endian::big) {
    if constexpr (sizeof(T) == 2) value = static_cast<T>(__builtin_bswap16(value));
    if constexpr (sizeof(T) == 4) value = static_cast<T>(__builtin_bswap32(value));
    if constexpr (sizeof(T) == 8) value = static_cast<T>(__builtin_bswap64(value));
  }
  std::memcpy(at, &value, sizeof value);
}

// Redis _intsetValueEncoding: the narrowest width holding `value`.
unsigned width_of(std::int64_t value) {
  if (value < INT32_MIN || value > INT32_MAX) return kWidth64;
  if (value < INT16_MIN || value > INT16_MAX) return kWidth32;
  return kWidth16;
}

std::int64_t load_value(const unsigned char* values, std::size_t index, unsigned width) {
  const unsigned char* at = values + index * width;
  switch (width) {
    case kWidth16:
      return load_little_endian<std::int16_t>(at);
    case kWidth32:
      return load_little_endian<std::int32_t>(at);
    default:
      return load_little_endian<std::int64_t>(at);
  }
}

unsigned char* allocate_blob(std::size_t bytes) {
  return static_cast<unsigned char*>(small_alloc::allocate(bytes));
}

}  // namespace

Intset::Intset(const Intset& other) {
  if (other.blob_ == nullptr) return;
  std::string_view source = other.bytes();
  blob_ = allocate_blob(source.size());
  std::memcpy(blob_, source.data(), source.size());
}

Intset& Intset::operator=(const Intset& other) {
  if (this != &other) *this = Intset(other);
  return *this;
}

Intset::Intset(Intset&& other) noexcept : blob_(std::exchange(other.blob_, nullptr)) {}

Intset& Intset::operator=(Intset&& other) noexcept {
  std::swap(blob_, other.blob_);
  return *this;
}

Intset::~Intset() {
  if (blob_ != nullptr) small_alloc::deallocate(blob_, bytes().size());
}

std::optional<Intset> Intset::from_bytes(std::string_view bytes) {
  if (bytes.size() < kHeaderSize) return std::nullopt;
  const auto* raw = reinterpret_cast<const unsigned char*>(bytes.data());
  std::uint32_t width = load_little_endian<std::uint32_t>(raw);
  std::uint32_t length = load_little_endian<std::uint32_t>(raw + 4);
  if (width != kWidth16 && width != kWidth32 && width != kWidth64) return std::nullopt;
  // 64-bit arithmetic: length * width cannot overflow.
  if (kHeaderSize + std::uint64_t{length} * width != bytes.size() || length == 0) {
    return std::nullopt;
  }
  const unsigned char* values = raw + kHeaderSize;
  for (std::size_t i = 1; i < length; ++i) {
    if (load_value(values, i, width) <= load_value(values, i - 1, width)) return std::nullopt;
  }
  Intset result;
  result.blob_ = allocate_blob(bytes.size());
  std::memcpy(result.blob_, raw, bytes.size());
  return result;
}

std::string_view Intset::bytes() const {
  const unsigned char* blob = blob_ != nullptr ? blob_ : kEmptyBlob;
  return {reinterpret_cast<const char*>(blob), kHeaderSize + size() * encoding()};
}

std::size_t Intset::size() const {
  return blob_ != nullptr ? load_little_endian<std::uint32_t>(blob_ + 4) : 0;
}

unsigned Intset::encoding() const {
  return blob_ != nullptr ? load_little_endian<std::uint32_t>(blob_) : kWidth16;
}

std::int64_t Intset::at(std::size_t index) const {
  return load_value(blob_ + kHeaderSize, index, encoding());
}

void Intset::set_length(std::size_t length) {
  store_little_endian(blob_ + 4, static_cast<std::uint32_t>(length));
}

void Intset::store(std::size_t index, std::int64_t value, unsigned width) {
  unsigned char* at = blob_ + kHeaderSize + index * width;
  switch (width) {
    case kWidth16:
      store_little_endian(at, static_cast<std::int16_t>(value));
      break;
    case kWidth32:
      store_little_endian(at, static_cast<std::int32_t>(value));
      break;
    default:
      store_little_endian(at, value);
      break;
  }
}

void Intset::resize(std::size_t length, unsigned width) {
  const std::size_t old_bytes = bytes().size();
  const std::size_t new_bytes = kHeaderSize + length * width;
  unsigned char* resized = allocate_blob(new_bytes);
  std::memcpy(resized, blob_ != nullptr ? blob_ : kEmptyBlob, std::min(old_bytes, new_bytes));
  if (blob_ != nullptr) small_alloc::deallocate(blob_, old_bytes);
  blob_ = resized;
}

bool Intset::search(std::int64_t value, std::size_t& position) const {
  std::size_t length = size();
  // The common cases of appending and prepending skip the search (as Redis's intsetSearch).
  if (length == 0 || value > at(length - 1)) {
    position = length;
    return false;
  }
  if (value < at(0)) {
    position = 0;
    return false;
  }
  std::size_t low = 0;
  std::size_t high = length;
  while (low < high) {
    std::size_t middle = low + (high - low) / 2;
    std::int64_t current = at(middle);
    if (current == value) {
      position = middle;
      return true;
    }
    if (current < value) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  position = low;
  return false;
}

bool Intset::contains(std::int64_t value) const {
  std::size_t position;
  return width_of(value) <= encoding() && search(value, position);
}

void Intset::upgrade_and_add(std::int64_t value) {
  // A value wider than every element is either below all of them or above all of them.
  const unsigned old_width = encoding();
  const unsigned new_width = width_of(value);
  const std::size_t length = size();
  const bool prepend = value < 0;
  resize(length + 1, new_width);
  // Widen back to front so no element is overwritten before it is read.
  for (std::size_t i = length; i-- > 0;) {
    store(i + (prepend ? 1 : 0), load_value(blob_ + kHeaderSize, i, old_width), new_width);
  }
  store_little_endian(blob_, static_cast<std::uint32_t>(new_width));
  store(prepend ? 0 : length, value, new_width);
  set_length(length + 1);
}

bool Intset::add(std::int64_t value) {
  if (width_of(value) > encoding()) {
    upgrade_and_add(value);
    return true;
  }
  std::size_t position;
  if (search(value, position)) return false;
  const unsigned width = encoding();
  const std::size_t length = size();
  resize(length + 1, width);
  unsigned char* values = blob_ + kHeaderSize;
  std::memmove(values + (position + 1) * width, values + position * width,
               (length - position) * width);
  store(position, value, width);
  set_length(length + 1);
  return true;
}

bool Intset::remove(std::int64_t value) {
  std::size_t position;
  if (width_of(value) > encoding() || !search(value, position)) return false;
  const unsigned width = encoding();
  const std::size_t length = size();
  unsigned char* values = blob_ + kHeaderSize;
  std::memmove(values + position * width, values + (position + 1) * width,
               (length - position - 1) * width);
  resize(length - 1, width);
  set_length(length - 1);
  return true;
}

}  // namespace gorodis
