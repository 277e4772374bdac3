// object.cpp — see object.hpp for the encodings and their invariants.
#include "object.hpp"

#include <bit>

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
  object.repr_ = std::move(value);
  return object;
}

Object Object::raw_string(std::string value) {
  Object object;
  object.raw_ = true;
  object.repr_ = std::move(value);
  return object;
}

Object Object::integer(long long value) {
  Object object;
  object.repr_ = value;
  return object;
}

Object Object::composite(std::unique_ptr<CompositeValue> value) {
  Object object;
  object.repr_ = std::move(value);
  return object;
}

Object::Object(const Object& other)
    : raw_(other.raw_), lfu_counter(other.lfu_counter), access_time_ms(other.access_time_ms) {
  if (auto* value = std::get_if<std::unique_ptr<CompositeValue>>(&other.repr_)) {
    repr_ = (*value)->clone();
  } else if (other.is_integer()) {
    repr_ = other.integer_value();
  } else {
    repr_ = std::get<std::string>(other.repr_);
  }
}

Object& Object::operator=(const Object& other) {
  if (this != &other) *this = Object(other);
  return *this;
}

ObjectType Object::type() const {
  if (auto* value = std::get_if<std::unique_ptr<CompositeValue>>(&repr_)) {
    return (*value)->type();
  }
  return ObjectType::kString;
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
  if (auto* value = std::get_if<std::unique_ptr<CompositeValue>>(&repr_)) {
    return (*value)->encoding();
  }
  if (is_integer()) return Encoding::kInt;
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
  if (is_integer() && integer_value() >= 0 && integer_value() < kSharedIntegers) {
    return kSharedRefcount;
  }
  return 1;
}

std::size_t Object::string_length() const {
  if (is_integer()) {
    IntegerText scratch;
    return format_int64(integer_value(), scratch.digits);
  }
  return std::get<std::string>(repr_).size();
}

std::string_view Object::view(IntegerText& scratch) const {
  if (is_integer()) {
    return std::string_view(scratch.digits, format_int64(integer_value(), scratch.digits));
  }
  return std::get<std::string>(repr_);
}

std::string Object::to_string() const {
  IntegerText scratch;
  return std::string(view(scratch));
}

std::string& Object::mutable_string() {
  if (is_integer()) repr_ = int64_to_string(integer_value());
  raw_ = true;
  return std::get<std::string>(repr_);
}

}  // namespace gorodis
