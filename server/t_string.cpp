// t_string.cpp — string commands (Redis t_string.c).
//
// SET and GETEX share one option parser (Redis parseExtendedStringArgumentsOrReply): options
// may repeat, but mutually exclusive ones (NX/XX, and EX/PX/EXAT/PXAT/KEEPTTL/PERSIST among
// themselves) are a syntax error whichever order they come in. Expire arguments are validated
// as Redis does: non-positive values, and values that overflow once converted to absolute
// milliseconds, are "invalid expire time in '<command>' command".
//
// Values written from client arguments are encoded like Object::encode_string (int encoding
// when possible; Db::set_string); values computed by the server (INCRBYFLOAT) are plain strings;
// values edited in place (APPEND, SETRANGE) become raw — the encodings OBJECT ENCODING reports
// follow Redis.
#include <algorithm>
#include <climits>
#include <cmath>

#include "commands.hpp"
#include "pubsub.hpp"
#include "server.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

enum SetFlag : unsigned {
  kSetNx = 1 << 0,
  kSetXx = 1 << 1,
  kSetGet = 1 << 2,
  kKeepTtl = 1 << 3,
  kPersist = 1 << 4,
  kEx = 1 << 5,
  kPx = 1 << 6,
  kExAt = 1 << 7,
  kPxAt = 1 << 8,
};
constexpr unsigned kAnyExpire = kEx | kPx | kExAt | kPxAt;

enum class OptionsFor { kSet, kGetEx };

struct StringOptions {
  unsigned flags = 0;
  std::size_t expire_index = 0;  // argv index of the EX/PX/EXAT/PXAT argument
};

bool is_two_letter(std::string_view option, char first, char second) {
  return option.size() == 2 && std::tolower(static_cast<unsigned char>(option[0])) == first &&
         std::tolower(static_cast<unsigned char>(option[1])) == second;
}

std::optional<StringOptions> parse_string_options(CommandContext& ctx, OptionsFor kind) {
  StringOptions options;
  unsigned& flags = options.flags;
  const bool for_set = kind == OptionsFor::kSet;
  for (std::size_t j = for_set ? 3 : 2; j < ctx.argc(); ++j) {
    std::string_view option = ctx.argv[j];
    bool has_next = j + 1 < ctx.argc();
    // An expire option may repeat itself but excludes the other expire kinds and KEEPTTL/PERSIST.
    auto expire_option_allowed = [&](unsigned self) {
      return !(flags & (kKeepTtl | kPersist | (kAnyExpire & ~self))) && has_next;
    };
    unsigned expire_kind = 0;
    if (is_two_letter(option, 'e', 'x')) {
      expire_kind = kEx;
    } else if (is_two_letter(option, 'p', 'x')) {
      expire_kind = kPx;
    } else if (iequals(option, "exat")) {
      expire_kind = kExAt;
    } else if (iequals(option, "pxat")) {
      expire_kind = kPxAt;
    }
    if (for_set && is_two_letter(option, 'n', 'x') && !(flags & kSetXx)) {
      flags |= kSetNx;
    } else if (for_set && is_two_letter(option, 'x', 'x') && !(flags & kSetNx)) {
      flags |= kSetXx;
    } else if (for_set && iequals(option, "get")) {
      flags |= kSetGet;
    } else if (for_set && iequals(option, "keepttl") && !(flags & (kPersist | kAnyExpire))) {
      flags |= kKeepTtl;
    } else if (!for_set && iequals(option, "persist") && !(flags & (kKeepTtl | kAnyExpire))) {
      flags |= kPersist;
    } else if (expire_kind != 0 && expire_option_allowed(expire_kind)) {
      flags |= expire_kind;
      options.expire_index = ++j;
    } else {
      ctx.reply.error(errors::kSyntax);
      return std::nullopt;
    }
  }
  return options;
}

// Redis getExpireMillisecondsOrReply: the absolute expire time in milliseconds.
std::optional<std::int64_t> expire_at_ms(CommandContext& ctx, std::size_t index, bool seconds,
                                         bool relative) {
  auto value = integer_argument(ctx, index);
  if (!value) return std::nullopt;
  long long ms = *value;
  if (ms <= 0 || (seconds && ms > LLONG_MAX / 1000)) {
    reply_invalid_expire(ctx);
    return std::nullopt;
  }
  if (seconds) ms *= 1000;
  if (relative && __builtin_add_overflow(ms, ctx.now_ms, &ms)) ms = -1;
  if (ms <= 0) {
    reply_invalid_expire(ctx);
    return std::nullopt;
  }
  return ms;
}

std::optional<std::int64_t> option_expire_at_ms(CommandContext& ctx, const StringOptions& options) {
  return expire_at_ms(ctx, options.expire_index, options.flags & (kEx | kExAt),
                      options.flags & (kEx | kPx));
}

// Redis getGenericCommand: replies with the value or null; false after a WRONGTYPE reply.
bool reply_string_value(CommandContext& ctx, std::string_view key) {
  bool wrong_type;
  Entry* entry = lookup_string(ctx, key, wrong_type, Lookup::kRead);
  if (wrong_type) return false;
  if (entry == nullptr) {
    ctx.reply.null();
  } else {
    IntegerText scratch;
    ctx.reply.bulk(entry->value.view(scratch));
  }
  return true;
}

// Redis setGenericCommand.
void set_generic(CommandContext& ctx, unsigned flags, std::string_view key, std::string_view value,
                 std::optional<std::int64_t> expire_ms, bool reply_integer) {
  if ((flags & kSetGet) && !reply_string_value(ctx, key)) return;
  bool found = ctx.db().lookup(key, ctx.now_ms) != nullptr;
  if (((flags & kSetNx) && found) || ((flags & kSetXx) && !found)) {
    if (!(flags & kSetGet)) {
      if (reply_integer) {
        ctx.reply.integer(0);
      } else {
        ctx.reply.null();
      }
    }
    return;
  }
  Entry& entry = ctx.db().set_string(key, value, flags & kKeepTtl, ctx.now_ms);
  notify_keyspace_event(ctx, kNotifyString, "set", key);
  if (expire_ms) {
    ctx.db().set_expire(entry, *expire_ms);
    notify_keyspace_event(ctx, kNotifyGeneric, "expire", key);
    // A relative (or seconds) expiry replays as the absolute instant (Redis: SET PXAT).
    ctx.log_as_command(
        {"SET", std::string(key), std::string(value), "PXAT", std::to_string(*expire_ms)});
  }
  if (flags & kSetGet) return;
  if (reply_integer) {
    ctx.reply.integer(1);
  } else {
    ctx.reply.ok();
  }
}

void set_with_relative_expire(CommandContext& ctx, bool seconds) {
  auto when = expire_at_ms(ctx, 2, seconds, true);
  if (!when) return;
  set_generic(ctx, 0, ctx.argv[1], ctx.argv[3], when, false);
}

void increment_by(CommandContext& ctx, long long increment) {
  bool wrong_type;
  Entry* entry = lookup_string(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  long long value = 0;
  if (entry != nullptr) {
    IntegerText scratch;
    auto parsed = parse_int64(entry->value.view(scratch));
    if (!parsed) {
      ctx.reply.error(errors::kNotInteger);
      return;
    }
    value = *parsed;
  }
  long long result;
  if (__builtin_add_overflow(value, increment, &result)) {
    ctx.reply.error(errors::kOverflow);
    return;
  }
  if (entry != nullptr) {
    entry->value = Object::integer(result);
    entry->value.access_time_ms = ctx.now_ms;
    ctx.db().mark_modified(*entry);
  } else {
    ctx.db().add(std::string(ctx.argv[1]), Object::integer(result), ctx.now_ms);
  }
  notify_keyspace_event(ctx, kNotifyString, "incrby", ctx.argv[1]);
  ctx.reply.integer(result);
}

}  // namespace

void get_command(CommandContext& ctx) {
  reply_string_value(ctx, ctx.argv[1]);
}

void set_command(CommandContext& ctx) {
  auto options = parse_string_options(ctx, OptionsFor::kSet);
  if (!options) return;
  std::optional<std::int64_t> when;
  if (options->flags & kAnyExpire) {
    when = option_expire_at_ms(ctx, *options);
    if (!when) return;
  }
  set_generic(ctx, options->flags, ctx.argv[1], ctx.argv[2], when, false);
}

void setnx_command(CommandContext& ctx) {
  set_generic(ctx, kSetNx, ctx.argv[1], ctx.argv[2], std::nullopt, true);
}

void setex_command(CommandContext& ctx) {
  set_with_relative_expire(ctx, true);
}

void psetex_command(CommandContext& ctx) {
  set_with_relative_expire(ctx, false);
}

void getset_command(CommandContext& ctx) {
  if (!reply_string_value(ctx, ctx.argv[1])) return;
  ctx.db().set_string(ctx.argv[1], ctx.argv[2], false, ctx.now_ms);
  notify_keyspace_event(ctx, kNotifyString, "set", ctx.argv[1]);
}

void getex_command(CommandContext& ctx) {
  auto options = parse_string_options(ctx, OptionsFor::kGetEx);
  if (!options) return;
  bool wrong_type;
  Entry* entry = lookup_string(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.null();
    return;
  }
  // Redis validates the expire time only once the key is known to be a string.
  std::optional<std::int64_t> when;
  if (options->flags & kAnyExpire) {
    when = option_expire_at_ms(ctx, *options);
    if (!when) return;
  }
  IntegerText scratch;
  ctx.reply.bulk(entry->value.view(scratch));
  const std::string key(ctx.argv[1]);
  if (when && *when <= ctx.now_ms) {
    ctx.db().remove(key);
    notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
    ctx.log_as_command({"DEL", key});
  } else if (when) {
    ctx.db().set_expire(*entry, *when);
    notify_keyspace_event(ctx, kNotifyGeneric, "expire", key);
    ctx.log_as_command({"PEXPIREAT", key, std::to_string(*when)});
  } else if ((options->flags & kPersist) && ctx.db().remove_expire(*entry)) {
    notify_keyspace_event(ctx, kNotifyGeneric, "persist", key);
    ctx.log_as_command({"PERSIST", key});
  }
}

void getdel_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_string(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.null();
    return;
  }
  IntegerText scratch;
  ctx.reply.bulk(entry->value.view(scratch));
  ctx.db().remove(ctx.argv[1]);
  notify_keyspace_event(ctx, kNotifyGeneric, "del", ctx.argv[1]);
  ctx.log_as_command({"DEL", std::string(ctx.argv[1])});
}

void mget_command(CommandContext& ctx) {
  ctx.reply.array_header(ctx.argc() - 1);
  for (std::size_t i = 1; i < ctx.argc(); ++i) {
    Entry* entry = lookup_key(ctx, ctx.argv[i], Lookup::kRead);
    if (entry == nullptr || entry->value.type() != ObjectType::kString) {
      ctx.reply.null();
    } else {
      IntegerText scratch;
      ctx.reply.bulk(entry->value.view(scratch));
    }
  }
}

namespace {

void mset_generic(CommandContext& ctx, bool only_if_none_exist) {
  if (ctx.argc() % 2 == 0) {
    reply_arity_error(ctx);
    return;
  }
  if (only_if_none_exist) {
    for (std::size_t i = 1; i < ctx.argc(); i += 2) {
      if (ctx.db().lookup(ctx.argv[i], ctx.now_ms) != nullptr) {
        ctx.reply.integer(0);
        return;
      }
    }
  }
  for (std::size_t i = 1; i < ctx.argc(); i += 2) {
    ctx.db().set_string(ctx.argv[i], ctx.argv[i + 1], false, ctx.now_ms);
    notify_keyspace_event(ctx, kNotifyString, "set", ctx.argv[i]);
  }
  if (only_if_none_exist) {
    ctx.reply.integer(1);
  } else {
    ctx.reply.ok();
  }
}

}  // namespace

void mset_command(CommandContext& ctx) {
  mset_generic(ctx, false);
}

void msetnx_command(CommandContext& ctx) {
  mset_generic(ctx, true);
}

void incr_command(CommandContext& ctx) {
  increment_by(ctx, 1);
}

void decr_command(CommandContext& ctx) {
  increment_by(ctx, -1);
}

void incrby_command(CommandContext& ctx) {
  if (auto increment = integer_argument(ctx, 2)) increment_by(ctx, *increment);
}

void decrby_command(CommandContext& ctx) {
  auto decrement = integer_argument(ctx, 2);
  if (!decrement) return;
  if (*decrement == LLONG_MIN) {
    ctx.reply.error("ERR decrement would overflow");
    return;
  }
  increment_by(ctx, -*decrement);
}

void incrbyfloat_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_string(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  long double value = 0;
  if (entry != nullptr) {
    IntegerText scratch;
    auto parsed = parse_long_double(entry->value.view(scratch));
    if (!parsed) {
      ctx.reply.error(errors::kNotFloat);
      return;
    }
    value = *parsed;
  }
  auto increment = long_double_argument(ctx, 2);
  if (!increment) return;
  value += *increment;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.error("ERR increment would produce NaN or Infinity");
    return;
  }
  std::string text = long_double_to_human_string(value);
  ctx.reply.bulk(text);
  // Replayed as the result itself, so float formatting can never make the replay differ.
  ctx.log_as_command({"SET", std::string(ctx.argv[1]), text, "KEEPTTL"});
  Object result = Object::plain_string(std::move(text));
  if (entry != nullptr) {
    result.access_time_ms = ctx.now_ms;
    entry->value = std::move(result);
    ctx.db().mark_modified(*entry);
  } else {
    ctx.db().add(std::string(ctx.argv[1]), std::move(result), ctx.now_ms);
  }
  notify_keyspace_event(ctx, kNotifyString, "incrbyfloat", ctx.argv[1]);
}

void append_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_string(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  std::string_view suffix = ctx.argv[2];
  if (entry == nullptr) {
    ctx.db().set_string(ctx.argv[1], suffix, false, ctx.now_ms);
    notify_keyspace_event(ctx, kNotifyString, "append", ctx.argv[1]);
    ctx.reply.integer(static_cast<long long>(suffix.size()));
    return;
  }
  long long length = static_cast<long long>(entry->value.string_length());
  if (!check_string_length(ctx, length, static_cast<long long>(suffix.size()))) return;
  std::string& text = entry->value.mutable_string();
  text.append(suffix);
  ctx.db().mark_modified(*entry);
  notify_keyspace_event(ctx, kNotifyString, "append", ctx.argv[1]);
  ctx.reply.integer(static_cast<long long>(text.size()));
}

void strlen_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_string(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  ctx.reply.integer(entry == nullptr ? 0 : static_cast<long long>(entry->value.string_length()));
}

void getrange_command(CommandContext& ctx) {
  auto start = integer_argument(ctx, 2);
  if (!start) return;
  auto end = integer_argument(ctx, 3);
  if (!end) return;
  bool wrong_type;
  Entry* entry = lookup_string(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.bulk("");
    return;
  }
  IntegerText scratch;
  std::string_view text = entry->value.view(scratch);
  long long length = static_cast<long long>(text.size());
  long long from = *start;
  long long to = *end;
  if (from < 0 && to < 0 && from > to) {
    ctx.reply.bulk("");
    return;
  }
  if (from < 0) from += length;
  if (to < 0) to += length;
  from = std::max(from, 0LL);
  to = std::max(to, 0LL);
  if (to >= length) to = length - 1;
  if (from > to || length == 0) {
    ctx.reply.bulk("");
    return;
  }
  ctx.reply.bulk(
      text.substr(static_cast<std::size_t>(from), static_cast<std::size_t>(to - from + 1)));
}

void substr_command(CommandContext& ctx) {
  getrange_command(ctx);
}

void setrange_command(CommandContext& ctx) {
  auto offset = integer_argument(ctx, 2);
  if (!offset) return;
  if (*offset < 0) {
    ctx.reply.error("ERR offset is out of range");
    return;
  }
  std::string_view value = ctx.argv[3];
  bool wrong_type;
  Entry* entry = lookup_string(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  long long value_length = static_cast<long long>(value.size());
  if (entry == nullptr) {
    if (value.empty()) {
      ctx.reply.integer(0);
      return;
    }
    if (!check_string_length(ctx, *offset, value_length)) return;
    entry = &ctx.db().add(std::string(ctx.argv[1]), Object::raw_string({}), ctx.now_ms);
  } else {
    if (value.empty()) {
      ctx.reply.integer(static_cast<long long>(entry->value.string_length()));
      return;
    }
    if (!check_string_length(ctx, *offset, value_length)) return;
  }
  std::string& text = entry->value.mutable_string();
  std::size_t needed = static_cast<std::size_t>(*offset) + value.size();
  if (text.size() < needed) text.resize(needed, '\0');
  text.replace(static_cast<std::size_t>(*offset), value.size(), value);
  ctx.db().mark_modified(*entry);
  notify_keyspace_event(ctx, kNotifyString, "setrange", ctx.argv[1]);
  ctx.reply.integer(static_cast<long long>(text.size()));
}

void lcs_command(CommandContext& ctx) {
  Entry* first = lookup_key(ctx, ctx.argv[1], Lookup::kRead);
  Entry* second = lookup_key(ctx, ctx.argv[2], Lookup::kRead);
  if ((first != nullptr && first->value.type() != ObjectType::kString) ||
      (second != nullptr && second->value.type() != ObjectType::kString)) {
    ctx.reply.error("ERR The specified keys must contain string values");
    return;
  }
  std::string a = first != nullptr ? first->value.to_string() : std::string();
  std::string b = second != nullptr ? second->value.to_string() : std::string();
  bool want_length = false;
  bool want_indexes = false;
  bool with_match_length = false;
  long long min_match_length = 0;
  for (std::size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view option = ctx.argv[j];
    bool has_next = j + 1 < ctx.argc();
    if (iequals(option, "IDX")) {
      want_indexes = true;
    } else if (iequals(option, "LEN")) {
      want_length = true;
    } else if (iequals(option, "WITHMATCHLEN")) {
      with_match_length = true;
    } else if (iequals(option, "MINMATCHLEN") && has_next) {
      auto value = integer_argument(ctx, ++j);
      if (!value) return;
      min_match_length = std::max(*value, 0LL);
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  if (want_indexes && want_length) {
    ctx.reply.error("ERR If you want both the length and indexes, please just use IDX.");
    return;
  }
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    ctx.reply.error("ERR String too long for LCS");
    return;
  }
  // The classic dynamic-programming table: cell (i, j) is the LCS length of a[0..i) and b[0..j).
  const std::size_t columns = b.size() + 1;
  unsigned long long cells = static_cast<unsigned long long>(a.size() + 1) * columns;
  if (cells * sizeof(std::uint32_t) >
      static_cast<unsigned long long>(ctx.server.proto_max_bulk_len())) {
    ctx.reply.error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    return;
  }
  std::vector<std::uint32_t> table(cells, 0);
  auto cell = [&](std::size_t i, std::size_t j) -> std::uint32_t& {
    return table[i * columns + j];
  };
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cell(i, j) =
          a[i - 1] == b[j - 1] ? cell(i - 1, j - 1) + 1 : std::max(cell(i - 1, j), cell(i, j - 1));
    }
  }
  const std::uint32_t total = cell(a.size(), b.size());
  if (want_length) {
    ctx.reply.integer(total);
    return;
  }
  // Walk back from the end, collecting the LCS and the ranges of contiguous matches.
  struct Match {
    std::uint32_t a_start, a_end, b_start, b_end;
  };
  std::vector<Match> matches;
  std::string common(total, '\0');
  std::uint32_t remaining = total;
  std::size_t i = a.size();
  std::size_t j = b.size();
  bool in_range = false;
  Match range{};
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      common[--remaining] = a[i - 1];
      if (!in_range) {
        range = {static_cast<std::uint32_t>(i - 1), static_cast<std::uint32_t>(i - 1),
                 static_cast<std::uint32_t>(j - 1), static_cast<std::uint32_t>(j - 1)};
        in_range = true;
      } else {
        --range.a_start;
        --range.b_start;
      }
      if (range.a_start == 0 || range.b_start == 0) emit = true;
      --i;
      --j;
    } else {
      if (cell(i - 1, j) > cell(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      emit = in_range;
    }
    if (emit) {
      std::uint32_t length = range.a_end - range.a_start + 1;
      if (min_match_length == 0 || length >= min_match_length) matches.push_back(range);
      in_range = false;
    }
  }
  if (!want_indexes) {
    ctx.reply.bulk(common);
    return;
  }
  ctx.reply.map_header(2);
  ctx.reply.bulk("matches");
  ctx.reply.array_header(matches.size());
  for (const Match& match : matches) {
    ctx.reply.array_header(with_match_length ? 3 : 2);
    ctx.reply.array_header(2);
    ctx.reply.integer(match.a_start);
    ctx.reply.integer(match.a_end);
    ctx.reply.array_header(2);
    ctx.reply.integer(match.b_start);
    ctx.reply.integer(match.b_end);
    if (with_match_length) ctx.reply.integer(match.a_end - match.a_start + 1);
  }
  ctx.reply.bulk("len");
  ctx.reply.integer(total);
}

}  // namespace gorodis
