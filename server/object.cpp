// object.cpp — see object.hpp for the encodings and their invariants.
#include "object.hpp"

#include "util.hpp"

namespace gorodis {

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

std::string_view Object::type_name(ObjectType type) {
  switch (type) {
    case ObjectType::kString:
      return "string";
  }
  return "none";
}

Encoding Object::encoding() const {
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
