// listpack.cpp — see listpack.hpp for the layout and the cost model.
#include "listpack.hpp"

#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

#include "memory.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

constexpr unsigned char kEof = 0xFF;
constexpr std::size_t kUnknownCount = 65535;
constexpr std::size_t kMaxEntryHeader = 9;  // 64-bit integer: tag + 8 bytes

std::uint32_t read_u32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

void write_little_endian(unsigned char* p, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) p[i] = static_cast<unsigned char>(value >> (8 * i));
}

// Sign-extends the low `bits` bits of `value`.
long long sign_extend(std::uint64_t value, unsigned bits) {
  std::uint64_t sign = std::uint64_t{1} << (bits - 1);
  value &= (sign << 1) - 1;
  return static_cast<long long>((value ^ sign) - sign);
}

std::size_t backlen_size(std::size_t length) {
  if (length <= 127) return 1;
  if (length < 16383) return 2;
  if (length < 2097151) return 3;
  if (length < 268435455) return 4;
  return 5;
}

// Writes the backlen of an entry whose encoding+data is `length` bytes; returns its size.
std::size_t write_backlen(unsigned char* out, std::size_t length) {
  std::size_t size = backlen_size(length);
  for (std::size_t i = 0; i < size; ++i) {
    std::size_t shift = 7 * (size - 1 - i);
    unsigned char byte = static_cast<unsigned char>((length >> shift) & 127);
    out[i] = i == 0 ? byte : static_cast<unsigned char>(byte | 128);
  }
  return size;
}

// Decodes the backlen ending at `last` (its rightmost byte); nullopt when it runs past
// `lowest` or over 5 bytes.
std::optional<std::size_t> read_backlen(const unsigned char* last, const unsigned char* lowest) {
  std::size_t value = 0;
  for (unsigned shift = 0; shift < 35; shift += 7) {
    if (last < lowest) return std::nullopt;
    value |= static_cast<std::size_t>(*last & 127) << shift;
    if (!(*last & 128)) return value;
    --last;
  }
  return std::nullopt;
}

// The size of the encoding+data of the entry starting at `p`, or 0 for an invalid tag.
// `available` bounds how many bytes may be read (only needed while validating).
std::size_t encoded_size(const unsigned char* p, std::size_t available) {
  if (available == 0) return 0;
  unsigned char tag = p[0];
  if ((tag & 0x80) == 0) return 1;
  if ((tag & 0xC0) == 0x80) return 1 + (tag & 0x3F);
  if ((tag & 0xE0) == 0xC0) return 2;
  if ((tag & 0xF0) == 0xE0) return available < 2 ? 0 : 2 + (((tag & 0x0F) << 8) | p[1]);
  switch (tag) {
    case 0xF0:
      return available < 5 ? 0 : 5 + std::size_t{read_u32(p + 1)};
    case 0xF1:
      return 3;
    case 0xF2:
      return 4;
    case 0xF3:
      return 5;
    case 0xF4:
      return 9;
    default:
      return 0;
  }
}

// Encodes an integer the way lpEncodeIntegerGetType chooses; returns the size.
std::size_t encode_integer(unsigned char* out, long long value) {
  auto u = static_cast<std::uint64_t>(value);
  if (value >= 0 && value <= 127) {
    out[0] = static_cast<unsigned char>(value);
    return 1;
  }
  if (value >= -4096 && value <= 4095) {
    out[0] = static_cast<unsigned char>(0xC0 | ((u >> 8) & 0x1F));
    out[1] = static_cast<unsigned char>(u & 0xFF);
    return 2;
  }
  struct Width {
    long long min, max;
    unsigned char tag;
    std::size_t bytes;
  };
  static constexpr Width kWidths[] = {{-32768, 32767, 0xF1, 2},
                                      {-8388608, 8388607, 0xF2, 3},
                                      {-2147483648LL, 2147483647LL, 0xF3, 4}};
  for (const Width& width : kWidths) {
    if (value >= width.min && value <= width.max) {
      out[0] = width.tag;
      write_little_endian(out + 1, u, width.bytes);
      return 1 + width.bytes;
    }
  }
  out[0] = 0xF4;
  write_little_endian(out + 1, u, 8);
  return 9;
}

// Encodes a string's header; returns its size (the bytes follow).
std::size_t encode_string_header(unsigned char* out, std::size_t length) {
  if (length < 64) {
    out[0] = static_cast<unsigned char>(0x80 | length);
    return 1;
  }
  if (length < 4096) {
    out[0] = static_cast<unsigned char>(0xE0 | (length >> 8));
    out[1] = static_cast<unsigned char>(length & 0xFF);
    return 2;
  }
  out[0] = 0xF0;
  write_little_endian(out + 1, length, 4);
  return 5;
}

// lpStringToInt64: a canonical decimal of at most 20 characters.
std::optional<long long> canonical_integer(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  return parse_int64(text);
}

// A whole entry (encoding, data, backlen) for `text` or `value`.
std::string encode_entry(std::optional<long long> value, std::string_view text) {
  unsigned char header[kMaxEntryHeader];
  std::size_t header_size =
      value ? encode_integer(header, *value) : encode_string_header(header, text.size());
  std::size_t length = header_size + (value ? 0 : text.size());
  std::string entry(length + backlen_size(length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(entry.data());
  std::memcpy(out, header, header_size);
  if (!value) std::memcpy(out + header_size, text.data(), text.size());
  write_backlen(out + length, length);
  return entry;
}

unsigned char* allocate(std::size_t bytes) {
  auto* data = static_cast<unsigned char*>(memory::counted_malloc(bytes));
  if (data == nullptr) throw std::bad_alloc();
  return data;
}

}  // namespace

std::string_view Listpack::Element::view(IntegerText& scratch) const {
  if (integer) return std::string_view(scratch.digits, format_int64(*integer, scratch.digits));
  return string;
}

std::string Listpack::Element::to_string() const {
  IntegerText scratch;
  return std::string(view(scratch));
}

bool Listpack::Element::operator==(std::string_view text) const {
  IntegerText scratch;
  return view(scratch) == text;
}

Listpack::Listpack() : data_(allocate(kHeaderSize + 1)) {
  write_little_endian(data_, kHeaderSize + 1, 4);
  write_little_endian(data_ + 4, 0, 2);
  data_[kHeaderSize] = kEof;
}

std::optional<Listpack> Listpack::from_bytes(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < kHeaderSize + 1 || read_u32(p) != bytes.size() ||
      p[bytes.size() - 1] != kEof) {
    return std::nullopt;
  }
  std::size_t count = 0;
  std::size_t position = kHeaderSize;
  const std::size_t terminator = bytes.size() - 1;
  while (position < terminator) {
    std::size_t length = encoded_size(p + position, terminator - position);
    if (length == 0 || length > terminator - position) return std::nullopt;
    std::size_t backlen = backlen_size(length);
    if (backlen > terminator - position - length) return std::nullopt;
    auto decoded = read_backlen(p + position + length + backlen - 1, p + position + length);
    if (!decoded || *decoded != length) return std::nullopt;
    position += length + backlen;
    ++count;
  }
  std::size_t stored = p[4] | (p[5] << 8);
  if (stored != kUnknownCount && stored != count) return std::nullopt;
  Listpack result(allocate(bytes.size()));
  std::memcpy(result.data_, bytes.data(), bytes.size());
  return result;
}

Listpack::Listpack(const Listpack& other) : data_(allocate(other.bytes())) {
  std::memcpy(data_, other.data_, other.bytes());
}

Listpack& Listpack::operator=(const Listpack& other) {
  if (this != &other) *this = Listpack(other);
  return *this;
}

Listpack::Listpack(Listpack&& other) noexcept : data_(other.data_) {
  other.data_ = nullptr;
}

Listpack& Listpack::operator=(Listpack&& other) noexcept {
  std::swap(data_, other.data_);
  return *this;
}

Listpack::~Listpack() {
  memory::counted_free(data_);
}

std::size_t Listpack::bytes() const {
  return read_u32(data_);
}

std::string_view Listpack::serialized() const {
  return std::string_view(reinterpret_cast<const char*>(data_), bytes());
}

std::size_t Listpack::stored_count() const {
  return data_[4] | (data_[5] << 8);
}

void Listpack::set_count(std::size_t count) {
  write_little_endian(data_ + 4, count < kUnknownCount ? count : kUnknownCount, 2);
}

std::size_t Listpack::size() const {
  std::size_t count = stored_count();
  if (count != kUnknownCount) return count;
  count = 0;
  for (Position p = first(); p != end(); p = next(p)) ++count;
  return count;
}

Listpack::Position Listpack::last() const {
  return prev(end());
}

Listpack::Position Listpack::next(Position position) const {
  assert(position < end());
  std::size_t length = encoded_size(data_ + position, end() - position);
  return position + length + backlen_size(length);
}

Listpack::Position Listpack::prev(Position position) const {
  if (position == first()) return end();
  std::size_t length = *read_backlen(data_ + position - 1, data_ + first());
  return position - backlen_size(length) - length;
}

Listpack::Position Listpack::seek(long long index) const {
  if (index >= 0) {
    Position p = first();
    for (; p != end() && index > 0; --index) p = next(p);
    return p;
  }
  Position p = last();
  for (; p != end() && index < -1; ++index) p = prev(p);
  return p;
}

Listpack::Element Listpack::get(Position position) const {
  const unsigned char* p = data_ + position;
  unsigned char tag = p[0];
  Element element;
  auto string_at = [&](std::size_t header, std::size_t length) {
    element.string = std::string_view(reinterpret_cast<const char*>(p + header), length);
  };
  if ((tag & 0x80) == 0) {
    element.integer = tag;
  } else if ((tag & 0xC0) == 0x80) {
    string_at(1, tag & 0x3F);
  } else if ((tag & 0xE0) == 0xC0) {
    element.integer = sign_extend((std::uint64_t{tag} << 8) | p[1], 13);
  } else if ((tag & 0xF0) == 0xE0) {
    string_at(2, ((tag & 0x0F) << 8) | p[1]);
  } else if (tag == 0xF0) {
    string_at(5, read_u32(p + 1));
  } else {
    std::size_t bytes = tag == 0xF1 ? 2 : tag == 0xF2 ? 3 : tag == 0xF3 ? 4 : 8;
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < bytes; ++i) value |= std::uint64_t{p[1 + i]} << (8 * i);
    element.integer = sign_extend(value, static_cast<unsigned>(bytes * 8));
  }
  return element;
}

bool Listpack::equals(Position position, std::string_view text) const {
  return get(position) == text;
}

Listpack::Position Listpack::find(std::string_view text, Position from, std::size_t skip) const {
  auto number = canonical_integer(text);
  std::size_t to_skip = 0;
  for (Position p = from; p != end(); p = next(p)) {
    if (to_skip > 0) {
      --to_skip;
      continue;
    }
    Element element = get(p);
    bool match = element.integer ? number == element.integer : element.string == text;
    if (match) return p;
    to_skip = skip;
  }
  return end();
}

Listpack::Position Listpack::insert(Position position, std::string_view text) {
  return insert_encoded(position, encode_entry(canonical_integer(text), text), 0);
}

Listpack::Position Listpack::insert(Position position, long long value) {
  return insert_encoded(position, encode_entry(value, {}), 0);
}

Listpack::Position Listpack::replace(Position position, std::string_view text) {
  return insert_encoded(position, encode_entry(canonical_integer(text), text),
                        next(position) - position);
}

Listpack::Position Listpack::replace(Position position, long long value) {
  return insert_encoded(position, encode_entry(value, {}), next(position) - position);
}

Listpack::Position Listpack::erase(Position position, std::size_t count) {
  Position stop = position;
  std::size_t erased = 0;
  for (; erased < count && stop != end(); ++erased) stop = next(stop);
  std::size_t total = bytes() - (stop - position);
  std::size_t stored = stored_count();
  std::memmove(data_ + position, data_ + stop, bytes() - stop);
  reallocate(total);
  write_little_endian(data_, total, 4);
  // A saturated count stays unknown (and size() walks) until it fits again.
  set_count(stored != kUnknownCount ? stored - erased : size());
  return position;
}

void Listpack::reallocate(std::size_t total) {
  auto* resized = static_cast<unsigned char*>(memory::counted_realloc(data_, total));
  if (resized == nullptr) throw std::bad_alloc();
  data_ = resized;
}

Listpack::Position Listpack::insert_encoded(Position position, std::string_view encoded,
                                            std::size_t replaced) {
  const std::size_t old_total = bytes();
  const std::size_t total = old_total - replaced + encoded.size();
  if (total > UINT32_MAX) throw std::length_error("listpack larger than 4 GiB");
  const std::size_t stored = stored_count();
  const std::size_t tail = position + replaced;
  if (total > old_total) reallocate(total);
  std::memmove(data_ + position + encoded.size(), data_ + tail, old_total - tail);
  std::memcpy(data_ + position, encoded.data(), encoded.size());
  if (total < old_total) reallocate(total);
  write_little_endian(data_, total, 4);
  if (replaced == 0 && stored != kUnknownCount) set_count(stored + 1);
  return position;
}

}  // namespace gorodis
