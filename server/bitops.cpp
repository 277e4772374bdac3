// bitops.cpp — bitmap commands (Redis bitops.c): SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
// BITFIELD_RO.
//
// A bitmap is a string whose bit 0 is the most significant bit of byte 0. Reads past the end
// see zeros; writes grow the string with zero bytes (up to proto-max-bulk-len, which is why
// offsets are bounded by it: one SETBIT must not be able to allocate more than a client could
// have sent). BITCOUNT/BITPOS ranges are in bytes or, with BIT, in bits; both are resolved to
// an inclusive bit range first, then counted/searched a byte at a time with masked edges.
// BITFIELD overflow detection reproduces Redis's 64-bit checks, quirks included, so that
// WRAP/SAT/FAIL results match Redis bit for bit.
#include <bit>
#include <climits>

#include "commands.hpp"
#include "pubsub.hpp"
#include "server.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

// Redis getBitOffsetFromArgument; `field_bits` > 0 enables the "#N" (N * field_bits) form.
std::optional<std::uint64_t> bit_offset_argument(CommandContext& ctx, std::size_t index,
                                                 int field_bits = 0) {
  std::string_view text = ctx.argv[index];
  bool field_index = field_bits > 0 && !text.empty() && text[0] == '#';
  auto value = parse_int64(field_index ? text.substr(1) : text);
  if (value && field_index) {
    *value = static_cast<long long>(static_cast<unsigned long long>(*value) *
                                    static_cast<unsigned long long>(field_bits));
  }
  if (!value || *value < 0 || (*value >> 3) >= ctx.server.proto_max_bulk_len()) {
    ctx.reply.error(errors::kBitOffset);
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(*value);
}

// Redis lookupStringForBitCommand: the string at argv[1] grown to hold `max_bit`, created if
// missing. nullptr after a WRONGTYPE reply. Sets *grown (if given) to whether it had to grow.
Entry* string_for_bit_write(CommandContext& ctx, std::uint64_t max_bit, bool* grown = nullptr) {
  bool wrong_type;
  Entry* entry = lookup_string(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return nullptr;
  if (entry == nullptr) {
    entry = &ctx.db().add(std::string(ctx.argv[1]), Object::raw_string({}), ctx.now_ms);
  }
  std::string& bytes = entry->value.mutable_string();
  std::size_t needed = static_cast<std::size_t>(max_bit >> 3) + 1;
  const bool grows = bytes.size() < needed;
  if (grows) bytes.resize(needed, '\0');
  if (grown != nullptr) *grown = grows;
  return entry;
}

int bit_at(std::string_view bytes, std::uint64_t bit) {
  std::uint64_t byte = bit >> 3;
  if (byte >= bytes.size()) return 0;
  return (static_cast<unsigned char>(bytes[byte]) >> (7 - (bit & 7))) & 1;
}

// An inclusive range of bits, or empty.
struct BitRange {
  long long first = 0;
  long long last = -1;
  bool empty() const { return first > last; }
};

// Resolves start/end (negative = from the end) in bytes or bits against a string of `length`
// bytes, clamping like Redis.
BitRange resolve_range(long long start, long long end, long long length, bool in_bits) {
  long long total = in_bits ? length * 8 : length;
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  if (start > end) return {};
  return in_bits ? BitRange{start, end} : BitRange{start * 8, end * 8 + 7};
}

// Parses the optional BYTE|BIT unit argument; replies and returns nullopt on a bad one.
std::optional<bool> unit_argument(CommandContext& ctx, std::size_t index) {
  if (index >= ctx.argc()) return false;
  if (iequals(ctx.argv[index], "bit")) return true;
  if (iequals(ctx.argv[index], "byte")) return false;
  ctx.reply.error(errors::kSyntax);
  return std::nullopt;
}

long long count_bits(std::string_view bytes, BitRange range) {
  long long count = 0;
  long long bit = range.first;
  for (; bit <= range.last && (bit & 7) != 0; ++bit)
    count += bit_at(bytes, static_cast<std::uint64_t>(bit));
  for (; bit + 7 <= range.last; bit += 8) {
    count += std::popcount(static_cast<unsigned char>(bytes[static_cast<std::size_t>(bit >> 3)]));
  }
  for (; bit <= range.last; ++bit) count += bit_at(bytes, static_cast<std::uint64_t>(bit));
  return count;
}

long long find_bit(std::string_view bytes, BitRange range, int wanted) {
  const unsigned char skip = wanted ? 0x00 : 0xff;  // bytes that cannot contain the bit
  long long bit = range.first;
  while (bit <= range.last) {
    if ((bit & 7) == 0 && bit + 7 <= range.last &&
        static_cast<unsigned char>(bytes[static_cast<std::size_t>(bit >> 3)]) == skip) {
      bit += 8;
      continue;
    }
    if (bit_at(bytes, static_cast<std::uint64_t>(bit)) == wanted) return bit;
    ++bit;
  }
  return -1;
}

}  // namespace

void setbit_command(CommandContext& ctx) {
  auto offset = bit_offset_argument(ctx, 2);
  if (!offset) return;
  auto value = parse_int64(ctx.argv[3]);
  if (!value || (*value & ~1LL) != 0) {
    ctx.reply.error("ERR bit is not an integer or out of range");
    return;
  }
  bool grown;
  Entry* entry = string_for_bit_write(ctx, *offset, &grown);
  if (entry == nullptr) return;
  std::string& bytes = entry->value.mutable_string();
  unsigned char& byte = reinterpret_cast<unsigned char&>(bytes[*offset >> 3]);
  int shift = 7 - static_cast<int>(*offset & 7);
  int previous = (byte >> shift) & 1;
  byte = static_cast<unsigned char>((byte & ~(1 << shift)) | (*value << shift));
  // Like Redis, rewriting a bit with its own value is no change (WATCH and keyspace
  // notifications do not see it).
  if (grown || previous != *value) {
    ctx.db().mark_modified(*entry);
    notify_keyspace_event(ctx, kNotifyString, "setbit", ctx.argv[1]);
  }
  ctx.reply.integer(previous);
}

void getbit_command(CommandContext& ctx) {
  auto offset = bit_offset_argument(ctx, 2);
  if (!offset) return;
  bool wrong_type;
  Entry* entry = lookup_string(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.integer(0);
    return;
  }
  IntegerText scratch;
  ctx.reply.integer(bit_at(entry->value.view(scratch), *offset));
}

void bitcount_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_string(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.integer(0);
    return;
  }
  IntegerText scratch;
  std::string_view bytes = entry->value.view(scratch);
  const long long length = static_cast<long long>(bytes.size());
  BitRange range{0, length * 8 - 1};
  if (ctx.argc() == 4 || ctx.argc() == 5) {
    auto start = integer_argument(ctx, 2);
    if (!start) return;
    auto end = integer_argument(ctx, 3);
    if (!end) return;
    if (*start < 0 && *end < 0 && *start > *end) {
      ctx.reply.integer(0);
      return;
    }
    auto in_bits = unit_argument(ctx, 4);
    if (!in_bits) return;
    range = resolve_range(*start, *end, length, *in_bits);
  } else if (ctx.argc() != 2) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  ctx.reply.integer(range.empty() ? 0 : count_bits(bytes, range));
}

void bitpos_command(CommandContext& ctx) {
  auto wanted = integer_argument(ctx, 2);
  if (!wanted) return;
  if (*wanted != 0 && *wanted != 1) {
    ctx.reply.error("ERR The bit argument must be 1 or 0.");
    return;
  }
  bool wrong_type;
  Entry* entry = lookup_string(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  if (entry == nullptr) {
    // A missing key is an infinite run of zeros.
    ctx.reply.integer(*wanted ? -1 : 0);
    return;
  }
  IntegerText scratch;
  std::string_view bytes = entry->value.view(scratch);
  const long long length = static_cast<long long>(bytes.size());
  BitRange range{0, length * 8 - 1};
  bool end_given = false;
  if (ctx.argc() >= 4 && ctx.argc() <= 6) {
    auto start = integer_argument(ctx, 3);
    if (!start) return;
    auto in_bits = unit_argument(ctx, 5);
    if (!in_bits) return;
    long long end = *in_bits ? length * 8 - 1 : length - 1;
    if (ctx.argc() >= 5) {
      auto given = integer_argument(ctx, 4);
      if (!given) return;
      end = *given;
      end_given = true;
    }
    range = resolve_range(*start, end, length, *in_bits);
  } else if (ctx.argc() != 3) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  if (range.empty()) {
    ctx.reply.integer(-1);
    return;
  }
  long long position = find_bit(bytes, range, static_cast<int>(*wanted));
  // Looking for a 0 without an explicit end: the string is zero-padded on the right.
  if (position < 0 && *wanted == 0 && !end_given) position = range.last + 1;
  ctx.reply.integer(position);
}

void bitop_command(CommandContext& ctx) {
  enum class Op { kAnd, kOr, kXor, kNot };
  std::string_view name = ctx.argv[1];
  Op op;
  if (iequals(name, "and")) {
    op = Op::kAnd;
  } else if (iequals(name, "or")) {
    op = Op::kOr;
  } else if (iequals(name, "xor")) {
    op = Op::kXor;
  } else if (iequals(name, "not")) {
    op = Op::kNot;
  } else {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  if (op == Op::kNot && ctx.argc() != 4) {
    ctx.reply.error("ERR BITOP NOT must be called with a single source key.");
    return;
  }
  std::vector<std::string> sources;
  std::size_t max_length = 0;
  for (std::size_t i = 3; i < ctx.argc(); ++i) {
    bool wrong_type;
    Entry* entry = lookup_string(ctx, ctx.argv[i], wrong_type, Lookup::kRead);
    if (wrong_type) return;
    sources.push_back(entry == nullptr ? std::string() : entry->value.to_string());
    max_length = std::max(max_length, sources.back().size());
  }
  std::string result(max_length, '\0');
  for (std::size_t byte = 0; byte < max_length; ++byte) {
    auto source_byte = [&](std::size_t s) -> unsigned char {
      return byte < sources[s].size() ? static_cast<unsigned char>(sources[s][byte]) : 0;
    };
    unsigned char value = source_byte(0);
    if (op == Op::kNot) value = static_cast<unsigned char>(~value);
    for (std::size_t s = 1; s < sources.size(); ++s) {
      if (op == Op::kAnd) value &= source_byte(s);
      if (op == Op::kOr) value |= source_byte(s);
      if (op == Op::kXor) value ^= source_byte(s);
    }
    result[byte] = static_cast<char>(value);
  }
  if (max_length > 0) {
    ctx.db().set(ctx.argv[2], Object::raw_string(std::move(result)), false, ctx.now_ms);
    notify_keyspace_event(ctx, kNotifyString, "set", ctx.argv[2]);
  } else if (ctx.db().remove(ctx.argv[2])) {
    notify_keyspace_event(ctx, kNotifyGeneric, "del", ctx.argv[2]);
  }
  ctx.reply.integer(static_cast<long long>(max_length));
}

namespace {

enum class Overflow { kWrap, kSat, kFail };

struct FieldOp {
  enum class Kind { kGet, kSet, kIncrBy } kind;
  bool is_signed;
  int bits;
  std::uint64_t offset;
  long long argument;
  Overflow overflow;
};

std::uint64_t read_field(std::string_view bytes, std::uint64_t offset, int bits) {
  std::uint64_t value = 0;
  for (int i = 0; i < bits; ++i)
    value = (value << 1) | static_cast<std::uint64_t>(bit_at(bytes, offset + i));
  return value;
}

void write_field(std::string& bytes, std::uint64_t offset, int bits, std::uint64_t value) {
  for (int i = 0; i < bits; ++i) {
    std::uint64_t bit = offset + static_cast<std::uint64_t>(i);
    unsigned char& byte = reinterpret_cast<unsigned char&>(bytes[bit >> 3]);
    int shift = 7 - static_cast<int>(bit & 7);
    int on = static_cast<int>((value >> (bits - 1 - i)) & 1);
    byte = static_cast<unsigned char>((byte & ~(1 << shift)) | (on << shift));
  }
}

std::int64_t sign_extend(std::uint64_t value, int bits) {
  if (bits < 64 && (value & (std::uint64_t{1} << (bits - 1)))) value |= ~std::uint64_t{0} << bits;
  return static_cast<std::int64_t>(value);
}

// Redis checkSignedBitfieldOverflow / checkUnsignedBitfieldOverflow, reproduced with their
// 64-bit wraparound (which, e.g., saturates "SET i8 0 -9223372036854775808" to +127), then the
// overflow policy applied. Returns the bits to store, or nullopt for FAIL on overflow.
std::optional<std::uint64_t> fit_field(std::uint64_t value, std::int64_t increment, bool is_signed,
                                       int bits, Overflow policy) {
  enum { kNone, kHigh, kLow } overflow = kNone;
  std::uint64_t saturated = 0;
  if (is_signed) {
    const std::int64_t max =
        bits == 64 ? INT64_MAX : static_cast<std::int64_t>((std::uint64_t{1} << (bits - 1)) - 1);
    const std::int64_t min = -max - 1;
    const auto signed_value = static_cast<std::int64_t>(value);
    const auto max_increment = static_cast<std::int64_t>(static_cast<std::uint64_t>(max) - value);
    const auto min_increment = static_cast<std::int64_t>(static_cast<std::uint64_t>(min) - value);
    if (signed_value > max || (bits != 64 && increment > max_increment) ||
        (signed_value >= 0 && increment > 0 && increment > max_increment)) {
      overflow = kHigh;
      saturated = static_cast<std::uint64_t>(max);
    } else if (signed_value < min || (bits != 64 && increment < min_increment) ||
               (signed_value < 0 && increment < 0 && increment < min_increment)) {
      overflow = kLow;
      saturated = static_cast<std::uint64_t>(min);
    }
  } else {
    const std::uint64_t max = (std::uint64_t{1} << bits) - 1;
    const auto max_increment = static_cast<std::int64_t>(max - value);
    const auto min_increment = static_cast<std::int64_t>(0 - value);
    if (value > max || (increment > 0 && increment > max_increment)) {
      overflow = kHigh;
      saturated = max;
    } else if (increment < 0 && increment < min_increment) {
      overflow = kLow;
      saturated = 0;
    }
  }
  const std::uint64_t mask = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  if (overflow == kNone || policy == Overflow::kWrap) {
    return (value + static_cast<std::uint64_t>(increment)) & mask;
  }
  if (policy == Overflow::kFail) return std::nullopt;
  return saturated & mask;
}

long long field_as_integer(std::uint64_t raw, bool is_signed, int bits) {
  return is_signed ? sign_extend(raw, bits) : static_cast<long long>(raw);
}

// Redis getBitfieldTypeFromArgument: "i1".."i64" or "u1".."u63".
std::optional<std::pair<bool, int>> field_type_argument(CommandContext& ctx, std::size_t index) {
  std::string_view text = ctx.argv[index];
  bool is_signed = !text.empty() && text[0] == 'i';
  std::optional<long long> bits;
  if (!text.empty() && (text[0] == 'i' || text[0] == 'u')) bits = parse_int64(text.substr(1));
  if (!bits || *bits < 1 || *bits > (is_signed ? 64 : 63)) {
    ctx.reply.error(
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported "
        "but i64 is.");
    return std::nullopt;
  }
  return std::pair{is_signed, static_cast<int>(*bits)};
}

void bitfield_generic(CommandContext& ctx, bool read_only_command) {
  std::vector<FieldOp> ops;
  Overflow overflow = Overflow::kWrap;
  bool writes = false;
  std::uint64_t highest_bit = 0;
  for (std::size_t j = 2; j < ctx.argc(); ++j) {
    std::size_t remaining = ctx.argc() - j - 1;
    std::string_view name = ctx.argv[j];
    FieldOp op{};
    if (iequals(name, "get") && remaining >= 2) {
      op.kind = FieldOp::Kind::kGet;
    } else if (iequals(name, "set") && remaining >= 3) {
      op.kind = FieldOp::Kind::kSet;
    } else if (iequals(name, "incrby") && remaining >= 3) {
      op.kind = FieldOp::Kind::kIncrBy;
    } else if (iequals(name, "overflow") && remaining >= 1) {
      std::string_view policy = ctx.argv[++j];
      if (iequals(policy, "wrap")) {
        overflow = Overflow::kWrap;
      } else if (iequals(policy, "sat")) {
        overflow = Overflow::kSat;
      } else if (iequals(policy, "fail")) {
        overflow = Overflow::kFail;
      } else {
        ctx.reply.error("ERR Invalid OVERFLOW type specified");
        return;
      }
      continue;
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
    auto type = field_type_argument(ctx, j + 1);
    if (!type) return;
    op.is_signed = type->first;
    op.bits = type->second;
    auto offset = bit_offset_argument(ctx, j + 2, op.bits);
    if (!offset) return;
    op.offset = *offset;
    op.overflow = overflow;
    if (op.kind != FieldOp::Kind::kGet) {
      writes = true;
      highest_bit = std::max(highest_bit, op.offset + static_cast<std::uint64_t>(op.bits) - 1);
      auto argument = integer_argument(ctx, j + 3);
      if (!argument) return;
      op.argument = *argument;
    }
    ops.push_back(op);
    j += op.kind == FieldOp::Kind::kGet ? 2 : 3;
  }
  Entry* entry;
  bool grown = false;
  if (!writes) {
    bool wrong_type;
    entry = lookup_string(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
    if (wrong_type) return;
  } else {
    if (read_only_command) {
      ctx.reply.error("ERR BITFIELD_RO only supports the GET subcommand");
      return;
    }
    entry = string_for_bit_write(ctx, highest_bit, &grown);
    if (entry == nullptr) return;
  }
  ctx.reply.array_header(ops.size());
  // Whether a SET/INCRBY stored something that counts as a change: like Redis, a value stored
  // over an equal one in a string that did not grow is none (no "setbit", WATCH intact), and
  // an overflow FAIL stores nothing.
  bool changed = false;
  for (const FieldOp& op : ops) {
    if (op.kind == FieldOp::Kind::kGet) {
      IntegerText scratch;
      std::string_view bytes = entry == nullptr ? std::string_view() : entry->value.view(scratch);
      ctx.reply.integer(
          field_as_integer(read_field(bytes, op.offset, op.bits), op.is_signed, op.bits));
      continue;
    }
    std::string& bytes = entry->value.mutable_string();
    const long long old_value =
        field_as_integer(read_field(bytes, op.offset, op.bits), op.is_signed, op.bits);
    // SET checks the new value against the field; INCRBY checks old + increment.
    const bool increment = op.kind == FieldOp::Kind::kIncrBy;
    const std::uint64_t base =
        increment ? static_cast<std::uint64_t>(old_value) : static_cast<std::uint64_t>(op.argument);
    auto stored = fit_field(base, increment ? op.argument : 0, op.is_signed, op.bits, op.overflow);
    if (!stored) {
      ctx.reply.null();
      continue;
    }
    write_field(bytes, op.offset, op.bits, *stored);
    const long long new_value = field_as_integer(*stored, op.is_signed, op.bits);
    changed = changed || grown || new_value != old_value;
    ctx.reply.integer(increment ? new_value : old_value);
  }
  if (changed) {
    ctx.db().mark_modified(*entry);
    notify_keyspace_event(ctx, kNotifyString, "setbit", ctx.argv[1]);
  }
}

}  // namespace

void bitfield_command(CommandContext& ctx) {
  bitfield_generic(ctx, false);
}

void bitfield_ro_command(CommandContext& ctx) {
  bitfield_generic(ctx, true);
}

}  // namespace gorodis
