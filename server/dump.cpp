// dump.cpp — DUMP and RESTORE (see dump.hpp for the payload layout).
//
// RESTORE validates in Redis's order: options, BUSYKEY, TTL, footer/checksum, body. A TTL
// already in the past deletes the key (with REPLACE) and still answers OK, as Redis does.
// IDLETIME sets the access time (LRU policies) and FREQ the LFU counter (LFU policies).
#include "dump.hpp"

#include <climits>

#include "commands.hpp"
#include "crc64.hpp"
#include "lzf.hpp"
#include "pubsub.hpp"
#include "server.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

constexpr unsigned char kRdbTypeString = 0;
constexpr unsigned char kEncodedInt8 = 0xC0;
constexpr unsigned char kEncodedInt16 = 0xC1;
constexpr unsigned char kEncodedInt32 = 0xC2;
constexpr unsigned char kEncodedLzf = 0xC3;
constexpr std::size_t kFooterSize = 10;  // 2 version bytes + 8 CRC bytes
constexpr std::size_t kMinCompressLength = 21;
constexpr std::size_t kMaxIntegerEncodingTextLength = 11;

void append_little_endian(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void append_big_endian(std::string& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// Redis rdbSaveLen.
void append_length(std::string& out, std::uint64_t length) {
  if (length < (1 << 6)) {
    out.push_back(static_cast<char>(length));
  } else if (length < (1 << 14)) {
    out.push_back(static_cast<char>(0x40 | (length >> 8)));
    out.push_back(static_cast<char>(length & 0xff));
  } else if (length <= UINT32_MAX) {
    out.push_back(static_cast<char>(0x80));
    append_big_endian(out, length, 4);
  } else {
    out.push_back(static_cast<char>(0x81));
    append_big_endian(out, length, 8);
  }
}

// Redis rdbEncodeInteger: false when the value needs more than 32 bits.
bool append_small_integer(std::string& out, long long value) {
  if (value >= INT8_MIN && value <= INT8_MAX) {
    out.push_back(static_cast<char>(kEncodedInt8));
    append_little_endian(out, static_cast<std::uint64_t>(value), 1);
  } else if (value >= INT16_MIN && value <= INT16_MAX) {
    out.push_back(static_cast<char>(kEncodedInt16));
    append_little_endian(out, static_cast<std::uint64_t>(value), 2);
  } else if (value >= INT32_MIN && value <= INT32_MAX) {
    out.push_back(static_cast<char>(kEncodedInt32));
    append_little_endian(out, static_cast<std::uint64_t>(value), 4);
  } else {
    return false;
  }
  return true;
}

void append_plain_string(std::string& out, std::string_view text) {
  append_length(out, text.size());
  out.append(text);
}

// Redis rdbSaveRawString.
void append_string(std::string& out, std::string_view text, bool compress) {
  if (text.size() <= kMaxIntegerEncodingTextLength) {
    auto value = parse_int64(text);
    if (value && append_small_integer(out, *value)) return;
  }
  if (compress && text.size() >= kMinCompressLength) {
    // Worth it only when compression saves at least four bytes.
    if (auto packed = lzf_compress(text, text.size() - 4)) {
      out.push_back(static_cast<char>(kEncodedLzf));
      append_length(out, packed->size());
      append_length(out, text.size());
      out.append(*packed);
      return;
    }
  }
  append_plain_string(out, text);
}

class PayloadReader {
 public:
  explicit PayloadReader(std::string_view data) : data_(data) {}

  std::optional<unsigned char> byte() {
    if (position_ >= data_.size()) return std::nullopt;
    return static_cast<unsigned char>(data_[position_++]);
  }

  std::optional<std::string_view> bytes(std::uint64_t count) {
    if (count > data_.size() - position_) return std::nullopt;
    std::string_view out = data_.substr(position_, count);
    position_ += count;
    return out;
  }

  std::optional<std::uint64_t> big_endian(int count) {
    std::uint64_t value = 0;
    for (int i = 0; i < count; ++i) {
      auto b = byte();
      if (!b) return std::nullopt;
      value = (value << 8) | *b;
    }
    return value;
  }

  // Redis rdbLoadLenByRef: a length, or with `encoding` set the special encoding number.
  std::optional<std::uint64_t> length(bool& encoded) {
    encoded = false;
    auto first = byte();
    if (!first) return std::nullopt;
    switch (*first >> 6) {
      case 0:
        return *first & 0x3f;
      case 1: {
        auto second = byte();
        if (!second) return std::nullopt;
        return (std::uint64_t{*first & 0x3fu} << 8) | *second;
      }
      case 2:
        if (*first == 0x80) return big_endian(4);
        if (*first == 0x81) return big_endian(8);
        return std::nullopt;
      default:
        encoded = true;
        return *first & 0x3f;
    }
  }

  std::optional<std::uint64_t> plain_length() {
    bool encoded;
    auto value = length(encoded);
    if (!value || encoded) return std::nullopt;
    return value;
  }

 private:
  std::string_view data_;
  std::size_t position_ = 0;
};

std::optional<long long> read_little_endian_signed(PayloadReader& reader, int count) {
  std::uint64_t value = 0;
  for (int i = 0; i < count; ++i) {
    auto b = reader.byte();
    if (!b) return std::nullopt;
    value |= std::uint64_t{*b} << (8 * i);
  }
  int shift = 64 - 8 * count;
  return static_cast<long long>(value << shift) >> shift;
}

// Redis rdbGenericLoadStringObject followed by tryObjectEncoding.
std::optional<Object> read_string(PayloadReader& reader) {
  bool encoded;
  auto length = reader.length(encoded);
  if (!length) return std::nullopt;
  if (!encoded) {
    auto text = reader.bytes(*length);
    if (!text) return std::nullopt;
    return Object::encode_string(std::string(*text));
  }
  switch (0xC0 | *length) {
    case kEncodedInt8:
    case kEncodedInt16:
    case kEncodedInt32: {
      int width = *length == 0 ? 1 : *length == 1 ? 2 : 4;
      auto value = read_little_endian_signed(reader, width);
      if (!value) return std::nullopt;
      return Object::integer(*value);
    }
    case kEncodedLzf: {
      auto packed_length = reader.plain_length();
      if (!packed_length) return std::nullopt;
      auto original_length = reader.plain_length();
      if (!original_length) return std::nullopt;
      auto packed = reader.bytes(*packed_length);
      if (!packed) return std::nullopt;
      auto text = lzf_decompress(*packed, *original_length);
      if (!text) return std::nullopt;
      return Object::encode_string(std::move(*text));
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

std::string dump_payload(const Object& value, bool compress) {
  std::string out;
  out.push_back(static_cast<char>(kRdbTypeString));
  if (value.is_integer()) {
    if (!append_small_integer(out, value.integer_value())) {
      append_plain_string(out, int64_to_string(value.integer_value()));
    }
  } else {
    IntegerText scratch;
    append_string(out, value.view(scratch), compress);
  }
  append_little_endian(out, kRdbVersion, 2);
  append_little_endian(out, crc64(0, out), 8);
  return out;
}

LoadedPayload load_payload(std::string_view payload) {
  LoadedPayload result;
  if (payload.size() < kFooterSize) {
    result.error = PayloadError::kVersionOrChecksum;
    return result;
  }
  std::string_view footer = payload.substr(payload.size() - kFooterSize);
  int version =
      static_cast<unsigned char>(footer[0]) | (static_cast<unsigned char>(footer[1]) << 8);
  std::string expected_crc;
  append_little_endian(expected_crc, crc64(0, payload.substr(0, payload.size() - 8)), 8);
  if (version > kRdbVersion || footer.substr(2) != expected_crc) {
    result.error = PayloadError::kVersionOrChecksum;
    return result;
  }
  PayloadReader reader(payload.substr(0, payload.size() - kFooterSize));
  auto type = reader.byte();
  if (type && *type == kRdbTypeString) result.value = read_string(reader);
  result.error = PayloadError::kBadFormat;
  return result;
}

void dump_command(CommandContext& ctx) {
  Entry* entry = lookup_key_read(ctx, ctx.argv[1]);
  if (entry == nullptr) {
    ctx.reply.null();
    return;
  }
  if (!entry->value.is_string()) {
    // Serializing lists, sets, sorted sets and hashes comes with the RDB codec (issue 7).
    ctx.reply.error("ERR DUMP of non-string values is not supported yet");
    return;
  }
  ctx.reply.bulk(dump_payload(entry->value, ctx.server.config().rdb_compression));
}

void restore_command(CommandContext& ctx) {
  bool replace = false;
  bool absolute_ttl = false;
  long long idle_seconds = -1;
  long long frequency = -1;
  for (std::size_t j = 4; j < ctx.argc(); ++j) {
    std::string_view option = ctx.argv[j];
    bool has_next = j + 1 < ctx.argc();
    if (iequals(option, "replace")) {
      replace = true;
    } else if (iequals(option, "absttl")) {
      absolute_ttl = true;
    } else if (iequals(option, "idletime") && has_next && frequency == -1) {
      auto value = integer_argument(ctx, ++j);
      if (!value) return;
      if (*value < 0) {
        ctx.reply.error("ERR Invalid IDLETIME value, must be >= 0");
        return;
      }
      idle_seconds = *value;
    } else if (iequals(option, "freq") && has_next && idle_seconds == -1) {
      auto value = integer_argument(ctx, ++j);
      if (!value) return;
      if (*value < 0 || *value > 255) {
        ctx.reply.error("ERR Invalid FREQ value, must be >= 0 and <= 255");
        return;
      }
      frequency = *value;
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  Db& db = ctx.db();
  std::string_view key = ctx.argv[1];
  if (!replace && db.lookup(key, ctx.now_ms) != nullptr) {
    ctx.reply.error(errors::kBusyKey);
    return;
  }
  auto ttl = integer_argument(ctx, 2);
  if (!ttl) return;
  if (*ttl < 0) {
    ctx.reply.error("ERR Invalid TTL value, must be >= 0");
    return;
  }
  LoadedPayload loaded = load_payload(ctx.argv[3]);
  if (!loaded.value) {
    ctx.reply.error(loaded.error == PayloadError::kVersionOrChecksum
                        ? "ERR DUMP payload version or checksum are wrong"
                        : "ERR Bad data format");
    return;
  }
  const bool replaced = replace && db.remove(key);
  long long when = *ttl;
  if (when != 0 && !absolute_ttl) when += ctx.now_ms;
  if (when != 0 && when <= ctx.now_ms) {
    if (replaced) notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
    ctx.reply.ok();
    return;
  }
  Entry& entry = db.add(std::string(key), std::move(*loaded.value), ctx.now_ms);
  if (when != 0) db.set_expire(entry, when);
  notify_keyspace_event(ctx, kNotifyGeneric, "restore", key);
  if (ctx.server.config().lfu_policy) {
    if (frequency >= 0) entry.value.lfu_counter = static_cast<std::uint8_t>(frequency);
  } else if (idle_seconds >= 0) {
    entry.value.access_time_ms = ctx.now_ms - idle_seconds * 1000;
  }
  ctx.reply.ok();
}

}  // namespace gorodis
