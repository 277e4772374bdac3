// t_hash.cpp — HashValue (see t_hash.hpp) and the hash commands (Redis t_hash.c).
//
// Every command follows Redis 7.0's order of checks, because it decides which error a client
// sees: argument parsing that Redis does first (HINCRBY's increment, HSCAN's cursor,
// HRANDFIELD's count) comes before the key lookup and WRONGTYPE; writers create the key
// (Redis hashTypeLookupWriteOrCreate) before touching fields; a hash whose last field goes is
// deleted. Writes read the hash-max-listpack-* settings once per command.
#include "t_hash.hpp"

#include <climits>
#include <cmath>

#include "commands.hpp"
#include "pubsub.hpp"
#include "server.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

// Listpacks beyond 1 GiB are refused by Redis (LISTPACK_MAX_SAFETY_SIZE, lpSafeToAdd).
constexpr std::size_t kListpackSafetySize = std::size_t{1} << 30;
// sizeof(dict) and sizeof(dictEntry) in Redis 7.0 (MEMORY USAGE of the hashtable encoding).
constexpr std::size_t kRedisDictSize = 56;
constexpr std::size_t kRedisDictEntrySize = 24;

std::unique_ptr<HashField> make_field(std::string_view field, std::string_view value,
                                      std::uint64_t hash) {
  auto node = std::make_unique<HashField>();
  node->hash = hash;
  node->bytes.reserve(field.size() + value.size());
  node->bytes.append(field).append(value);
  node->field_size = field.size();
  return node;
}

}  // namespace

HashValue::HashValue(const HashValue& other) {
  if (const Listpack* listpack = other.repr_.small()) {
    repr_ = *listpack;
  } else {
    repr_ = other.copy_to_table();
  }
}

Encoding HashValue::encoding() const {
  return repr_.is_large() ? Encoding::kHashtable : Encoding::kListpack;
}

std::size_t HashValue::memory_usage(std::size_t samples) const {
  if (const Listpack* listpack = repr_.small()) {
    return jemalloc_size(listpack->bytes());
  }
  const Table& table = *repr_.large();
  std::size_t usage = kRedisDictSize + sizeof(void*) * table.bucket_count();
  if (samples == 0) samples = SIZE_MAX;
  std::size_t sampled = 0;
  std::size_t sampled_bytes = 0;
  std::uint64_t cursor = 0;
  do {
    cursor = table.scan(cursor, [&](const HashField& node) {
      if (sampled == samples) return;
      ++sampled;
      sampled_bytes += sds_allocation(node.field_size) + sds_allocation(node.value().size()) +
                       kRedisDictEntrySize;
    });
  } while (cursor != 0 && sampled < samples);
  if (sampled > 0) {
    usage += static_cast<std::size_t>(static_cast<double>(sampled_bytes) / sampled *
                                      static_cast<double>(table.size()));
  }
  return usage;
}

std::size_t HashValue::size() const {
  if (const Listpack* listpack = repr_.small()) return listpack->size() / 2;
  return repr_.large()->size();
}

std::optional<std::string_view> HashValue::get(std::string_view field, IntegerText& scratch) {
  if (const Listpack* listpack = repr_.small()) {
    Listpack::Position p = listpack->find(field, listpack->first(), 1);
    if (p == listpack->end()) return std::nullopt;
    return listpack->get(listpack->next(p)).view(scratch);
  }
  const HashField* node = repr_.large()->find(field, dict_hash(field));
  if (node == nullptr) return std::nullopt;
  return node->value();
}

HashLimits HashLimits::of(const Settings& settings) {
  return {static_cast<std::size_t>(settings.hash_max_listpack_entries.load()),
          static_cast<std::size_t>(settings.hash_max_listpack_value.load())};
}

bool HashValue::set(std::string_view field, std::string_view value, const HashLimits& limits) {
  if (Listpack* listpack = repr_.small()) {
    if (field.size() <= limits.max_value && value.size() <= limits.max_value) {
      Listpack::Position p = listpack->find(field, listpack->first(), 1);
      if (p != listpack->end()) {
        listpack->replace(listpack->next(p), value);
        return false;
      }
      listpack->push_back(field);
      listpack->push_back(value);
      if (size() > limits.max_entries) convert_to_table();
      return true;
    }
    convert_to_table();
  }
  Table& table = *repr_.large();
  std::uint64_t hash = dict_hash(field);
  if (HashField* node = table.find(field, hash)) {
    node->bytes.replace(node->field_size, std::string::npos, value);
    return false;
  }
  table.insert(make_field(field, value, hash));
  return true;
}

bool HashValue::remove(std::string_view field) {
  if (Listpack* listpack = repr_.small()) {
    Listpack::Position p = listpack->find(field, listpack->first(), 1);
    if (p == listpack->end()) return false;
    listpack->erase(p, 2);
    return true;
  }
  Table& table = *repr_.large();
  if (table.remove(field, dict_hash(field)) == nullptr) return false;
  table.shrink_if_sparse();
  return true;
}

void HashValue::convert_for(std::span<const std::string_view> arguments, const HashLimits& limits) {
  const Listpack* listpack = repr_.small();
  if (listpack == nullptr) return;
  std::size_t total = listpack->bytes();
  for (std::string_view argument : arguments) {
    if (argument.size() > limits.max_value) {
      convert_to_table();
      return;
    }
    total += argument.size();
  }
  if (total > kListpackSafetySize) convert_to_table();
}

std::unique_ptr<HashValue::Table> HashValue::copy_to_table() const {
  auto table = std::make_unique<Table>();
  // Sized for the fields up front like Redis's dictExpand, so the load never rehashes.
  table->reserve(size());
  for_each([&](std::string_view field, std::string_view value) {
    table->insert(make_field(field, value, dict_hash(field)));
  });
  return table;
}

void HashValue::convert_to_table() {
  repr_ = copy_to_table();
}

std::uint64_t HashValue::scan(std::uint64_t cursor, std::size_t count,
                              std::vector<std::string>& out) const {
  const Table* table = repr_.large();
  if (table == nullptr) {
    for_each([&](std::string_view field, std::string_view value) {
      out.emplace_back(field);
      out.emplace_back(value);
    });
    return 0;
  }
  // Redis counts fields and values (COUNT * 2 elements) and gives up after ten times that
  // many buckets, so that a sparse table cannot stall the call.
  std::size_t wanted = count > SIZE_MAX / 20 ? SIZE_MAX / 20 : count * 2;
  std::size_t bucket_budget = wanted * 10;
  do {
    cursor = table->scan(cursor, [&](const HashField& node) {
      out.emplace_back(node.key_view());
      out.emplace_back(node.value());
    });
  } while (cursor != 0 && bucket_budget-- > 0 && out.size() < wanted);
  return cursor;
}

namespace {

HashLimits hash_limits(CommandContext& ctx) {
  return HashLimits::of(ctx.server.settings());
}

// Redis lookupKeyRead (lookupKeyWrite for HDEL) + checkType: the key at argv[1] holding a
// hash, or nullptr when it is missing (no reply written) or holds another type (`wrong_type`
// set, WRONGTYPE replied).
Entry* lookup_hash_entry(CommandContext& ctx, bool& wrong_type, Lookup mode = Lookup::kRead) {
  wrong_type = false;
  Entry* entry = lookup_key(ctx, ctx.argv[1], mode);
  if (entry != nullptr && entry->value.type() != ObjectType::kHash) {
    wrong_type = true;
    ctx.reply.error(errors::kWrongType);
    return nullptr;
  }
  return entry;
}

// lookup_hash_entry for readers, which need only the value.
HashValue* lookup_hash(CommandContext& ctx, bool& wrong_type) {
  Entry* entry = lookup_hash_entry(ctx, wrong_type);
  return entry == nullptr ? nullptr : &entry->value.as<HashValue>();
}

// Redis hashTypeLookupWriteOrCreate: the hash at argv[1], created empty when missing; nullptr
// after replying WRONGTYPE.
Entry* hash_for_write(CommandContext& ctx) {
  Entry* entry = lookup_key(ctx, ctx.argv[1]);
  if (entry == nullptr) {
    return &ctx.db().add(std::string(ctx.argv[1]), Object::composite(HashValue()), ctx.now_ms);
  }
  if (entry->value.type() != ObjectType::kHash) {
    ctx.reply.error(errors::kWrongType);
    return nullptr;
  }
  return entry;
}

// HSET and HMSET (Redis hsetCommand): the number of new fields, or OK.
void set_fields(CommandContext& ctx, bool reply_created) {
  if (ctx.argc() % 2 == 1) {
    reply_arity_error(ctx);
    return;
  }
  Entry* entry = hash_for_write(ctx);
  if (entry == nullptr) return;
  HashValue& hash = entry->value.as<HashValue>();
  HashLimits limits = hash_limits(ctx);
  hash.convert_for(ctx.argv.subspan(2), limits);
  long long created = 0;
  for (std::size_t i = 2; i < ctx.argc(); i += 2) {
    created += hash.set(ctx.argv[i], ctx.argv[i + 1], limits) ? 1 : 0;
  }
  ctx.db().mark_modified(*entry);
  notify_keyspace_event(ctx, kNotifyHash, "hset", ctx.argv[1]);
  if (reply_created) {
    ctx.reply.integer(created);
  } else {
    ctx.reply.ok();
  }
}

// HKEYS, HVALS and HGETALL (Redis genericHgetallCommand).
void reply_all(CommandContext& ctx, bool fields, bool values) {
  bool wrong_type;
  HashValue* hash = lookup_hash(ctx, wrong_type);
  if (wrong_type) return;
  std::size_t size = hash == nullptr ? 0 : hash->size();
  if (fields && values) {
    ctx.reply.map_header(size);
  } else {
    ctx.reply.array_header(size);
  }
  if (hash == nullptr) return;
  hash->for_each([&](std::string_view field, std::string_view value) {
    if (fields) ctx.reply.bulk(field);
    if (values) ctx.reply.bulk(value);
  });
}

// Redis hrandfieldWithCountCommand.
void random_fields_with_count(CommandContext& ctx, long long count, bool with_values) {
  bool wrong_type;
  HashValue* hash = lookup_hash(ctx, wrong_type);
  if (wrong_type) return;
  if (hash == nullptr || count == 0) {
    ctx.reply.array_header(0);
    return;
  }
  // WITHVALUES pairs are flat in RESP2 and two-element arrays in RESP3.
  const bool nested = with_values && ctx.reply.protocol() >= 3;
  auto reply_header = [&](std::size_t fields) {
    ctx.reply.array_header(with_values && !nested ? fields * 2 : fields);
  };
  auto reply_field = [&](std::string_view field, std::string_view value) {
    if (nested) ctx.reply.array_header(2);
    ctx.reply.bulk(field);
    if (with_values) ctx.reply.bulk(value);
  };
  std::mt19937_64& rng = ctx.db().shard(ctx.db().shard_of(ctx.argv[1])).rng;
  std::size_t size = hash->size();
  if (count < 0 || count == 1) {
    // A negative count allows repetitions (and, like count 1, needs no uniqueness bookkeeping).
    auto wanted = static_cast<std::size_t>(count < 0 ? -count : count);
    reply_header(wanted);
    hash->random_fields(wanted, rng, reply_field);
  } else if (static_cast<std::size_t>(count) >= size) {
    reply_header(size);
    hash->for_each(reply_field);
  } else {
    reply_header(static_cast<std::size_t>(count));
    hash->random_distinct_fields(static_cast<std::size_t>(count), rng, reply_field);
  }
}

}  // namespace

void hset_command(CommandContext& ctx) {
  set_fields(ctx, true);
}

void hmset_command(CommandContext& ctx) {
  set_fields(ctx, false);
}

void hsetnx_command(CommandContext& ctx) {
  Entry* entry = hash_for_write(ctx);
  if (entry == nullptr) return;
  HashValue& hash = entry->value.as<HashValue>();
  IntegerText scratch;
  if (hash.get(ctx.argv[2], scratch)) {
    ctx.reply.integer(0);
    return;
  }
  HashLimits limits = hash_limits(ctx);
  hash.convert_for(ctx.argv.subspan(2, 2), limits);
  hash.set(ctx.argv[2], ctx.argv[3], limits);
  ctx.db().mark_modified(*entry);
  notify_keyspace_event(ctx, kNotifyHash, "hset", ctx.argv[1]);
  ctx.reply.integer(1);
}

void hget_command(CommandContext& ctx) {
  bool wrong_type;
  HashValue* hash = lookup_hash(ctx, wrong_type);
  if (wrong_type) return;
  IntegerText scratch;
  auto value = hash == nullptr ? std::nullopt : hash->get(ctx.argv[2], scratch);
  if (value) {
    ctx.reply.bulk(*value);
  } else {
    ctx.reply.null();
  }
}

void hmget_command(CommandContext& ctx) {
  bool wrong_type;
  HashValue* hash = lookup_hash(ctx, wrong_type);
  if (wrong_type) return;
  ctx.reply.array_header(ctx.argc() - 2);
  for (std::size_t i = 2; i < ctx.argc(); ++i) {
    IntegerText scratch;
    auto value = hash == nullptr ? std::nullopt : hash->get(ctx.argv[i], scratch);
    if (value) {
      ctx.reply.bulk(*value);
    } else {
      ctx.reply.null();
    }
  }
}

void hdel_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_hash_entry(ctx, wrong_type, Lookup::kWrite);
  if (wrong_type) return;
  long long deleted = 0;
  if (entry != nullptr) {
    HashValue& hash = entry->value.as<HashValue>();
    for (std::size_t i = 2; i < ctx.argc() && hash.size() > 0; ++i) {
      deleted += hash.remove(ctx.argv[i]) ? 1 : 0;
    }
    if (deleted > 0) {
      ctx.db().mark_modified(*entry);
      notify_keyspace_event(ctx, kNotifyHash, "hdel", ctx.argv[1]);
    }
    if (hash.size() == 0) {
      ctx.db().remove(ctx.argv[1]);
      notify_keyspace_event(ctx, kNotifyGeneric, "del", ctx.argv[1]);
    }
  }
  ctx.reply.integer(deleted);
}

void hlen_command(CommandContext& ctx) {
  bool wrong_type;
  HashValue* hash = lookup_hash(ctx, wrong_type);
  if (wrong_type) return;
  ctx.reply.integer(hash == nullptr ? 0 : static_cast<long long>(hash->size()));
}

void hexists_command(CommandContext& ctx) {
  bool wrong_type;
  HashValue* hash = lookup_hash(ctx, wrong_type);
  if (wrong_type) return;
  IntegerText scratch;
  ctx.reply.integer(hash != nullptr && hash->get(ctx.argv[2], scratch) ? 1 : 0);
}

void hstrlen_command(CommandContext& ctx) {
  bool wrong_type;
  HashValue* hash = lookup_hash(ctx, wrong_type);
  if (wrong_type) return;
  IntegerText scratch;
  auto value = hash == nullptr ? std::nullopt : hash->get(ctx.argv[2], scratch);
  ctx.reply.integer(value ? static_cast<long long>(value->size()) : 0);
}

void hkeys_command(CommandContext& ctx) {
  reply_all(ctx, true, false);
}

void hvals_command(CommandContext& ctx) {
  reply_all(ctx, false, true);
}

void hgetall_command(CommandContext& ctx) {
  reply_all(ctx, true, true);
}

void hincrby_command(CommandContext& ctx) {
  auto increment = integer_argument(ctx, 3);
  if (!increment) return;
  Entry* entry = hash_for_write(ctx);
  if (entry == nullptr) return;
  HashValue& hash = entry->value.as<HashValue>();
  long long value = 0;
  IntegerText scratch;
  if (auto current = hash.get(ctx.argv[2], scratch)) {
    auto parsed = parse_int64(*current);
    if (!parsed) {
      ctx.reply.error("ERR hash value is not an integer");
      return;
    }
    value = *parsed;
  }
  if (__builtin_add_overflow(value, *increment, &value)) {
    ctx.reply.error(errors::kOverflow);
    return;
  }
  char digits[21];
  hash.set(ctx.argv[2], std::string_view(digits, format_int64(value, digits)), hash_limits(ctx));
  ctx.db().mark_modified(*entry);
  notify_keyspace_event(ctx, kNotifyHash, "hincrby", ctx.argv[1]);
  ctx.reply.integer(value);
}

void hincrbyfloat_command(CommandContext& ctx) {
  auto increment = long_double_argument(ctx, 3);
  if (!increment) return;
  if (std::isnan(*increment) || std::isinf(*increment)) {
    ctx.reply.error("ERR value is NaN or Infinity");
    return;
  }
  Entry* entry = hash_for_write(ctx);
  if (entry == nullptr) return;
  HashValue& hash = entry->value.as<HashValue>();
  long double value = 0;
  IntegerText scratch;
  if (auto current = hash.get(ctx.argv[2], scratch)) {
    auto parsed = parse_long_double(*current);
    if (!parsed) {
      ctx.reply.error("ERR hash value is not a float");
      return;
    }
    value = *parsed;
  }
  value += *increment;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.error("ERR increment would produce NaN or Infinity");
    return;
  }
  std::string text = long_double_to_human_string(value);
  hash.set(ctx.argv[2], text, hash_limits(ctx));
  ctx.db().mark_modified(*entry);
  notify_keyspace_event(ctx, kNotifyHash, "hincrbyfloat", ctx.argv[1]);
  ctx.reply.bulk(text);
  // Replayed as the result itself (Redis: HSET), whatever the float formatting.
  ctx.log_as_command({"HSET", std::string(ctx.argv[1]), std::string(ctx.argv[2]), std::move(text)});
}

void hrandfield_command(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    auto count = integer_argument(ctx, 2);
    if (!count) return;
    if (*count < -LLONG_MAX) {
      ctx.reply.error(
          "ERR value is out of range, value must between -9223372036854775807 and "
          "9223372036854775807");
      return;
    }
    bool with_values = ctx.argc() == 4;
    if (ctx.argc() > 4 || (with_values && !iequals(ctx.argv[3], "withvalues"))) {
      ctx.reply.error(errors::kSyntax);
      return;
    }
    if (with_values && (*count < -LLONG_MAX / 2 || *count > LLONG_MAX / 2)) {
      ctx.reply.error("ERR value is out of range");
      return;
    }
    random_fields_with_count(ctx, *count, with_values);
    return;
  }
  bool wrong_type;
  HashValue* hash = lookup_hash(ctx, wrong_type);
  if (wrong_type) return;
  if (hash == nullptr) {
    ctx.reply.null();
    return;
  }
  std::mt19937_64& rng = ctx.db().shard(ctx.db().shard_of(ctx.argv[1])).rng;
  hash->random_fields(1, rng,
                      [&](std::string_view field, std::string_view) { ctx.reply.bulk(field); });
}

void hscan_command(CommandContext& ctx) {
  auto cursor = cursor_argument(ctx, 2);
  if (!cursor) return;
  bool wrong_type;
  HashValue* hash = lookup_hash(ctx, wrong_type);
  if (wrong_type) return;
  if (hash == nullptr) {
    ctx.reply.array_header(2);
    ctx.reply.bulk("0");
    ctx.reply.array_header(0);
    return;
  }
  auto options = scan_options(ctx, 3, false);
  if (!options) return;
  std::vector<std::string> elements;
  std::uint64_t next = hash->scan(*cursor, static_cast<std::size_t>(options->count), elements);
  // The pattern filters fields; a field's value goes with it.
  std::vector<std::string_view> kept;
  for (std::size_t i = 0; i < elements.size(); i += 2) {
    if (!options->matches(elements[i])) continue;
    kept.push_back(elements[i]);
    kept.push_back(elements[i + 1]);
  }
  ctx.reply.array_header(2);
  ctx.reply.bulk(std::to_string(next));
  ctx.reply.bulk_array(kept);
}

}  // namespace gorodis
