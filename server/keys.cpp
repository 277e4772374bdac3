// keys.cpp — keyspace commands (Redis db.c): DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME
// RENAMENX MOVE COPY TOUCH.
//
// Whole-database commands (KEYS, RANDOMKEY) lock every shard of the database; SCAN locks one
// shard per step, which is what makes it incremental: its cursor carries the shard index in the
// low shard_bits bits and the shard's own reverse-binary cursor above them, so an iteration
// visits shard 0 completely, then shard 1, and so on, and keeps the per-shard SCAN guarantee.
// MOVE and COPY may touch two databases and lock both keys' shards themselves. All of them are
// LockPolicy::kManual and lock through CommandContext::lock, which inside EXEC (holding every
// shard already) locks nothing.
#include <climits>

#include "commands.hpp"
#include "pubsub.hpp"
#include "server.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

void delete_keys(CommandContext& ctx) {
  long long deleted = 0;
  for (std::size_t i = 1; i < ctx.argc(); ++i) {
    if (ctx.db().lookup(ctx.argv[i], ctx.now_ms) != nullptr && ctx.db().remove(ctx.argv[i])) {
      notify_keyspace_event(ctx, kNotifyGeneric, "del", ctx.argv[i]);
      ++deleted;
    }
  }
  ctx.reply.integer(deleted);
}

bool is_match_all(std::string_view pattern) {
  return pattern == "*";
}

// Resolves a database index argument (MOVE, COPY ... DB); replies and returns nullopt on error.
std::optional<int> database_argument(CommandContext& ctx, std::size_t index) {
  auto id = int_argument(ctx, index);
  if (!id) return std::nullopt;
  if (*id < 0 || *id >= ctx.server.database_count()) {
    ctx.reply.error(errors::kDbOutOfRange);
    return std::nullopt;
  }
  return id;
}

void rename_generic(CommandContext& ctx, bool only_if_absent) {
  std::string_view source = ctx.argv[1];
  std::string_view target = ctx.argv[2];
  Db& db = ctx.db();
  Entry* entry = lookup_key(ctx, source);
  if (entry == nullptr) {
    ctx.reply.error(errors::kNoSuchKey);
    return;
  }
  if (source == target) {
    if (only_if_absent) {
      ctx.reply.integer(0);
    } else {
      ctx.reply.ok();
    }
    return;
  }
  if (db.lookup(target, ctx.now_ms) != nullptr) {
    if (only_if_absent) {
      ctx.reply.integer(0);
      return;
    }
    db.remove(target);
  }
  std::int64_t expire = entry->expire_at_ms;
  Object value = std::move(entry->value);
  db.remove(source);
  std::int64_t access_time = value.access_time_ms;
  Entry& moved = db.add(std::string(target), std::move(value), ctx.now_ms);
  moved.value.access_time_ms = access_time;
  if (expire != kNoExpiry) db.set_expire(moved, expire);
  notify_keyspace_event(ctx, kNotifyGeneric, "rename_from", source);
  notify_keyspace_event(ctx, kNotifyGeneric, "rename_to", target);
  if (only_if_absent) {
    ctx.reply.integer(1);
  } else {
    ctx.reply.ok();
  }
}

// Moves or copies `key` of the client's database to `target_key` of database `target_id`.
// Locks both shards; replies 1 on success and 0 when the source is missing or the target
// exists (unless `replace`).
void transfer_key(CommandContext& ctx, std::string_view key, int target_id,
                  std::string_view target_key, bool keep_source, bool replace) {
  Db& source = ctx.db();
  Db& target = ctx.server.db(target_id);
  ShardLocks locks;
  locks.add_key(source, key);
  locks.add_key(target, target_key);
  ctx.lock(locks);
  Entry* entry = keep_source ? lookup_key(ctx, key, Lookup::kRead) : source.lookup(key, ctx.now_ms);
  if (entry == nullptr) {
    ctx.reply.integer(0);
    return;
  }
  if (target.lookup(target_key, ctx.now_ms) != nullptr) {
    if (!replace) {
      ctx.reply.integer(0);
      return;
    }
    target.remove(target_key);
  }
  std::int64_t expire = entry->expire_at_ms;
  Object value = keep_source ? entry->value : std::move(entry->value);
  if (!keep_source) source.remove(key);
  Entry& added = target.add(std::string(target_key), std::move(value), ctx.now_ms);
  if (expire != kNoExpiry) target.set_expire(added, expire);
  if (!keep_source) notify_keyspace_event(ctx, kNotifyGeneric, "move_from", key);
  notify_keyspace_event(ctx.server, kNotifyGeneric, keep_source ? "copy_to" : "move_to", target_key,
                        target_id);
  ctx.reply.integer(1);
}

}  // namespace

void del_command(CommandContext& ctx) {
  delete_keys(ctx);
}

void unlink_command(CommandContext& ctx) {
  delete_keys(ctx);
}

void exists_command(CommandContext& ctx) {
  long long found = 0;
  for (std::size_t i = 1; i < ctx.argc(); ++i) {
    if (lookup_key(ctx, ctx.argv[i], Lookup::kReadNoTouch) != nullptr) ++found;
  }
  ctx.reply.integer(found);
}

void touch_command(CommandContext& ctx) {
  long long found = 0;
  for (std::size_t i = 1; i < ctx.argc(); ++i) {
    if (lookup_key(ctx, ctx.argv[i], Lookup::kRead) != nullptr) ++found;
  }
  ctx.reply.integer(found);
}

void type_command(CommandContext& ctx) {
  Entry* entry = lookup_key(ctx, ctx.argv[1], Lookup::kReadNoTouch);
  ctx.reply.simple_string(entry == nullptr ? "none" : Object::type_name(entry->value.type()));
}

void keys_command(CommandContext& ctx) {
  Db& db = ctx.db();
  ShardLocks locks;
  locks.add_all(db);
  ctx.lock(locks);
  std::string_view pattern = ctx.argv[1];
  bool all = is_match_all(pattern);
  std::vector<std::string_view> keys;
  for (std::size_t i = 0; i < db.shard_count(); ++i) {
    db.shard(i).keys.for_each([&](Entry& entry) {
      if ((all || glob_match(pattern, entry.key)) && !db.is_expired(entry, ctx.now_ms)) {
        keys.push_back(entry.key);
      }
    });
  }
  ctx.reply.bulk_array(keys);
}

std::optional<std::uint64_t> cursor_argument(CommandContext& ctx, std::size_t index) {
  auto cursor = parse_cursor(ctx.argv[index]);
  if (!cursor) ctx.reply.error("ERR invalid cursor");
  return cursor;
}

bool ScanOptions::matches(std::string_view element) const {
  return !pattern || glob_match(*pattern, element);
}

std::optional<ScanOptions> scan_options(CommandContext& ctx, std::size_t first, bool allow_type) {
  ScanOptions options;
  for (std::size_t i = first; i < ctx.argc(); i += 2) {
    std::string_view option = ctx.argv[i];
    if (i + 1 >= ctx.argc()) {
      ctx.reply.error(errors::kSyntax);
      return std::nullopt;
    }
    if (iequals(option, "count")) {
      auto value = integer_argument(ctx, i + 1);
      if (!value) return std::nullopt;
      if (*value < 1) {
        ctx.reply.error(errors::kSyntax);
        return std::nullopt;
      }
      options.count = *value;
    } else if (iequals(option, "match")) {
      options.pattern = ctx.argv[i + 1];
      if (is_match_all(*options.pattern)) options.pattern.reset();
    } else if (allow_type && iequals(option, "type")) {
      options.type = ctx.argv[i + 1];
    } else {
      ctx.reply.error(errors::kSyntax);
      return std::nullopt;
    }
  }
  return options;
}

void scan_command(CommandContext& ctx) {
  auto cursor = cursor_argument(ctx, 1);
  if (!cursor) return;
  auto options = scan_options(ctx, 2, true);
  if (!options) return;
  const long long count = options->count;
  Db& db = ctx.db();
  const unsigned shard_bits = ctx.server.config().shard_bits;
  const std::uint64_t shard_mask = (std::uint64_t{1} << shard_bits) - 1;
  std::size_t shard = static_cast<std::size_t>(*cursor & shard_mask);
  std::uint64_t inner = *cursor >> shard_bits;
  std::vector<std::string> keys;
  // Like Redis, visit at most 10*COUNT buckets per call so a sparse table cannot stall us.
  long long budget = count * 10;
  while (static_cast<long long>(keys.size()) < count && budget-- > 0) {
    {
      auto lock = ctx.lock_shard(db, shard);
      inner = db.shard(shard).keys.scan(
          inner, [&](const Entry& entry) { keys.emplace_back(entry.key_view()); });
    }
    if (inner == 0) {
      if (++shard == db.shard_count()) break;
    }
  }
  std::uint64_t next = shard == db.shard_count() ? 0 : (inner << shard_bits) | shard;
  // Filter after collecting, as Redis does (so COUNT bounds work, not results).
  std::vector<std::string_view> kept;
  for (const std::string& key : keys) {
    if (!options->matches(key)) continue;
    auto lock = ctx.lock_shard(db, db.shard_of(key));
    Entry* entry = db.lookup(key, ctx.now_ms);
    if (entry == nullptr) continue;
    if (options->type && !iequals(*options->type, Object::type_name(entry->value.type()))) {
      continue;
    }
    kept.push_back(key);
  }
  ctx.reply.array_header(2);
  ctx.reply.bulk(std::to_string(next));
  ctx.reply.bulk_array(kept);
}

void randomkey_command(CommandContext& ctx) {
  Db& db = ctx.db();
  ShardLocks locks;
  locks.add_all(db);
  ctx.lock(locks);
  while (true) {
    std::size_t total = 0;
    for (std::size_t i = 0; i < db.shard_count(); ++i) total += db.shard(i).keys.size();
    if (total == 0) {
      ctx.reply.null();
      return;
    }
    // Pick a shard with probability proportional to its size, then a key inside it.
    std::size_t pick = db.shard(0).rng() % total;
    std::size_t index = 0;
    while (pick >= db.shard(index).keys.size()) pick -= db.shard(index++).keys.size();
    Shard& shard = db.shard(index);
    Entry* entry = shard.keys.random_node(shard.rng);
    if (db.is_expired(*entry, ctx.now_ms)) {
      db.remove_expired(std::string(entry->key));
      continue;
    }
    ctx.reply.bulk(entry->key);
    return;
  }
}

void rename_command(CommandContext& ctx) {
  rename_generic(ctx, false);
}

void renamenx_command(CommandContext& ctx) {
  rename_generic(ctx, true);
}

void move_command(CommandContext& ctx) {
  auto target = database_argument(ctx, 2);
  if (!target) return;
  if (*target == ctx.client.db_index) {
    ctx.reply.error(errors::kSameObject);
    return;
  }
  transfer_key(ctx, ctx.argv[1], *target, ctx.argv[1], false, false);
}

void copy_command(CommandContext& ctx) {
  int target = ctx.client.db_index;
  bool replace = false;
  for (std::size_t j = 3; j < ctx.argc(); ++j) {
    if (iequals(ctx.argv[j], "replace")) {
      replace = true;
    } else if (iequals(ctx.argv[j], "db") && j + 1 < ctx.argc()) {
      auto id = database_argument(ctx, ++j);
      if (!id) return;
      target = *id;
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  if (target == ctx.client.db_index && ctx.argv[1] == ctx.argv[2]) {
    ctx.reply.error(errors::kSameObject);
    return;
  }
  transfer_key(ctx, ctx.argv[1], target, ctx.argv[2], true, replace);
}

}  // namespace gorodis
