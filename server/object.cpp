// object.cpp — see object.hpp for the encodings and their invariants.
#include "object.hpp"

#include <bit>
#include <cstdlib>

#include "t_hash.hpp"
#include "t_list.hpp"
#include "t_set.hpp"
#include "t_zset.hpp"
#include "util.hpp"

namespace gorodis {

std::size_t jemalloc_size(std::size_t bytes) {
  if (bytes <= 8) return 8;
  if (bytes <= 128) return (bytes + 15) / 16 * 16;
  std::size_t step = std::bit_ceil(bytes) / 8;
  return (bytes + step - 1) / step * step;
}

std::size_t sds_allocation(std::size_t length) {
  std::size_t header = length < 32             ? 1
                       : length < 256          ? 3
                       : length < 65536        ? 5
                       : length < (1ULL << 32) ? 9
                                               : 17;
  return jemalloc_size(header + length + 1);
}

Object Object::encode_string(std::string value) {
  if (value.size() <= 20) {
    if (auto number = parse_int64(value)) return integer(*number);
  }
  return plain_string(std::move(value));
}

Object Object::plain_string(std::string value) {
  Object object;
  object.raw_ = value.size() > kEmbstrMaxLength;
  object.string_ = new std::string(std::move(value));
  object.kind_ = Kind::kString;
  return object;
}

Object Object::raw_string(std::string value) {
  Object object = plain_string(std::move(value));
  object.raw_ = true;
  return object;
}

Object Object::integer(long long value) {
  Object object;
  object.integer_ = value;
  return object;
}

void Object::assign_inline(const char* bytes, std::size_t size) {
  release();
  inline_ = bytes;
  inline_size_ = static_cast<std::uint8_t>(size);
  kind_ = Kind::kInline;
  raw_ = false;
}

template <class Self, class F>
decltype(auto) Object::visit_composite(Self& self, F&& f) {
  switch (self.kind_) {
    case Kind::kList:
      return f(self.template as<ListValue>());
    case Kind::kSet:
      return f(self.template as<SetValue>());
    case Kind::kZset:
      return f(self.template as<ZsetValue>());
    case Kind::kHash:
      return f(self.template as<HashValue>());
    case Kind::kInteger:
    case Kind::kInline:
    case Kind::kString:
      break;
  }
  std::abort();  // a string: the callers' REQUIRES
}

Object::Object(const Object& other)
    : access_time_ms(other.access_time_ms),
      lfu_counter(other.lfu_counter),
      kind_(other.kind_),
      raw_(other.raw_),
      shared_(false) {
  switch (other.kind_) {
    case Kind::kInteger:
      integer_ = other.integer_;
      break;
    case Kind::kInline:
      string_ = new std::string(other.inline_, other.inline_size_);
      kind_ = Kind::kString;
      break;
    case Kind::kString:
      string_ = new std::string(*other.string_);
      break;
    case Kind::kList:
    case Kind::kSet:
    case Kind::kZset:
    case Kind::kHash:
      visit_composite(other, [this]<class T>(const T& value) { new (composite_) T(value); });
      break;
  }
}

Object& Object::operator=(const Object& other) {
  if (this != &other) *this = Object(other);
  return *this;
}

Object::Object(Object&& other) noexcept
    : integer_(other.integer_),
      access_time_ms(other.access_time_ms),
      lfu_counter(other.lfu_counter),
      kind_(other.kind_),
      inline_size_(other.inline_size_),
      raw_(other.raw_),
      shared_(other.shared_) {
  own_inline_bytes();
  other.kind_ = Kind::kInteger;
  other.integer_ = 0;
}

Object& Object::operator=(Object&& other) noexcept {
  if (this != &other) {
    release();
    integer_ = other.integer_;
    access_time_ms = other.access_time_ms;
    lfu_counter = other.lfu_counter;
    kind_ = other.kind_;
    inline_size_ = other.inline_size_;
    raw_ = other.raw_;
    shared_ = other.shared_;
    own_inline_bytes();
    other.kind_ = Kind::kInteger;
    other.integer_ = 0;
  }
  return *this;
}

void Object::release() {
  if (kind_ == Kind::kString) {
    delete string_;
  } else if (!is_string()) {
    visit_composite(*this, []<class T>(T& value) { value.~T(); });
  }
}

std::size_t Object::composite_memory_usage(std::size_t samples) const {
  return visit_composite(*this,
                         [samples](const auto& value) { return value.memory_usage(samples); });
}

void Object::own_inline_bytes() {
  if (kind_ != Kind::kInline) return;
  string_ = new std::string(inline_, inline_size_);
  kind_ = Kind::kString;
}

ObjectType Object::type() const {
  return kind_ <= Kind::kString
             ? ObjectType::kString
             : static_cast<ObjectType>(static_cast<int>(kind_) - static_cast<int>(Kind::kString));
}

std::string_view Object::type_name(ObjectType type) {
  switch (type) {
    case ObjectType::kString:
      return "string";
    case ObjectType::kList:
      return "list";
    case ObjectType::kSet:
      return "set";
    case ObjectType::kZset:
      return "zset";
    case ObjectType::kHash:
      return "hash";
  }
  return "none";
}

Encoding Object::encoding() const {
  switch (kind_) {
    case Kind::kInteger:
      return Encoding::kInt;
    case Kind::kList:
    case Kind::kSet:
    case Kind::kZset:
    case Kind::kHash:
      return visit_composite(*this, [](const auto& value) { return value.encoding(); });
    case Kind::kInline:
    case Kind::kString:
      break;
  }
  return raw_ ? Encoding::kRaw : Encoding::kEmbstr;
}

std::string_view Object::encoding_name(Encoding encoding) {
  switch (encoding) {
    case Encoding::kInt:
      return "int";
    case Encoding::kEmbstr:
      return "embstr";
    case Encoding::kRaw:
      return "raw";
    case Encoding::kHashtable:
      return "hashtable";
    case Encoding::kIntset:
      return "intset";
    case Encoding::kListpack:
      return "listpack";
    case Encoding::kQuicklist:
      return "quicklist";
    case Encoding::kSkiplist:
      return "skiplist";
  }
  return "unknown";
}

int Object::refcount() const {
  if (shared_ && is_integer() && integer_value() >= 0 && integer_value() < kSharedIntegers) {
    return kSharedRefcount;
  }
  return 1;
}

std::size_t Object::string_length() const {
  IntegerText scratch;
  return view(scratch).size();
}

std::string_view Object::view(IntegerText& scratch) const {
  switch (kind_) {
    case Kind::kInteger:
      return std::string_view(scratch.digits, format_int64(integer_, scratch.digits));
    case Kind::kInline:
      return std::string_view(inline_, inline_size_);
    case Kind::kString:
      return *string_;
    case Kind::kList:
    case Kind::kSet:
    case Kind::kZset:
    case Kind::kHash:
      break;
  }
  return {};
}

std::string Object::to_string() const {
  IntegerText scratch;
  return std::string(view(scratch));
}

std::string& Object::mutable_string() {
  if (kind_ == Kind::kInteger) {
    string_ = new std::string(int64_to_string(integer_));
    kind_ = Kind::kString;
  }
  own_inline_bytes();
  raw_ = true;
  return *string_;
}

}  // namespace gorodis
