// expire.cpp — TTL commands (Redis expire.c) and the active expiry cycle.
//
// Keys expire two ways, as in Redis: lazily, when a command looks a key up and finds its time
// passed (Db::lookup), and actively, by a periodic sampler that reclaims keys nobody touches.
// The sampler works shard by shard under that shard's lock: it draws 20 random keys from the
// shard's volatile-key index, deletes the expired ones, and draws again while more than 25% of
// the sample had expired (so a shard that is mostly stale is cleaned quickly, while a shard with
// few stale keys costs one sample). The time budget is checked every 16 samples so a pass over
// a huge stale dataset cannot stall the goroutine that runs it; the next pass resumes at the
// shard where this one stopped.
#include <climits>

#include "commands.hpp"
#include "pubsub.hpp"
#include "server.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

enum ExpireCondition : unsigned {
  kIfNoTtl = 1 << 0,    // NX
  kIfHasTtl = 1 << 1,   // XX
  kIfGreater = 1 << 2,  // GT
  kIfLess = 1 << 3,     // LT
};

// Redis parseExtendedExpireArgumentsOrReply.
std::optional<unsigned> parse_expire_conditions(CommandContext& ctx) {
  unsigned conditions = 0;
  for (std::size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view option = ctx.argv[j];
    if (iequals(option, "nx")) {
      conditions |= kIfNoTtl;
    } else if (iequals(option, "xx")) {
      conditions |= kIfHasTtl;
    } else if (iequals(option, "gt")) {
      conditions |= kIfGreater;
    } else if (iequals(option, "lt")) {
      conditions |= kIfLess;
    } else {
      ctx.reply.error("ERR Unsupported option " + std::string(option));
      return std::nullopt;
    }
  }
  if ((conditions & kIfNoTtl) && (conditions & (kIfHasTtl | kIfGreater | kIfLess))) {
    ctx.reply.error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return std::nullopt;
  }
  if ((conditions & kIfGreater) && (conditions & kIfLess)) {
    ctx.reply.error("ERR GT and LT options at the same time are not compatible");
    return std::nullopt;
  }
  return conditions;
}

bool conditions_allow(unsigned conditions, std::int64_t current, std::int64_t when) {
  bool has_ttl = current != kNoExpiry;
  if ((conditions & kIfNoTtl) && has_ttl) return false;
  if ((conditions & kIfHasTtl) && !has_ttl) return false;
  // No TTL counts as an infinite one: GT never beats it, LT always does.
  if ((conditions & kIfGreater) && (!has_ttl || when <= current)) return false;
  if ((conditions & kIfLess) && has_ttl && when >= current) return false;
  return true;
}

// Redis expireGenericCommand: `base_ms` is added to the (unit-converted) argument.
void expire_generic(CommandContext& ctx, std::int64_t base_ms, bool seconds) {
  auto conditions = parse_expire_conditions(ctx);
  if (!conditions) return;
  auto value = integer_argument(ctx, 2);
  if (!value) return;
  long long when = *value;
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
      reply_invalid_expire(ctx);
      return;
    }
    when *= 1000;
  }
  if (when > LLONG_MAX - base_ms) {
    reply_invalid_expire(ctx);
    return;
  }
  when += base_ms;
  Entry* entry = ctx.db().lookup(ctx.argv[1], ctx.now_ms);
  if (entry == nullptr || !conditions_allow(*conditions, entry->expire_at_ms, when)) {
    ctx.reply.integer(0);
    return;
  }
  // Logged as the absolute instant (Redis: PEXPIREAT), or as the deletion it caused.
  const std::string key(ctx.argv[1]);
  if (when <= ctx.now_ms) {
    ctx.db().remove(key);
    notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
    ctx.log_as_command({"DEL", key});
  } else {
    ctx.db().set_expire(*entry, when);
    notify_keyspace_event(ctx, kNotifyGeneric, "expire", key);
    ctx.log_as_command({"PEXPIREAT", key, std::to_string(when)});
  }
  ctx.reply.integer(1);
}

enum class TtlOutput { kRelativeSeconds, kRelativeMillis, kAbsoluteSeconds, kAbsoluteMillis };

// Redis ttlGenericCommand: -2 for a missing key, -1 without TTL.
void ttl_generic(CommandContext& ctx, TtlOutput output) {
  Entry* entry = lookup_key(ctx, ctx.argv[1], Lookup::kReadNoTouch);
  if (entry == nullptr) {
    ctx.reply.integer(-2);
    return;
  }
  if (entry->expire_at_ms == kNoExpiry) {
    ctx.reply.integer(-1);
    return;
  }
  bool absolute = output == TtlOutput::kAbsoluteSeconds || output == TtlOutput::kAbsoluteMillis;
  long long ttl = absolute ? entry->expire_at_ms : entry->expire_at_ms - ctx.now_ms;
  if (ttl < 0) ttl = 0;
  bool millis = output == TtlOutput::kRelativeMillis || output == TtlOutput::kAbsoluteMillis;
  // Rounded in unsigned arithmetic: an expire time near INT64_MAX must not overflow (Redis
  // answers 9223372036854776 for PEXPIREAT key 9223372036854775807, then EXPIRETIME).
  ctx.reply.integer(
      millis ? ttl : static_cast<long long>((static_cast<unsigned long long>(ttl) + 500) / 1000));
}

}  // namespace

void expire_command(CommandContext& ctx) {
  expire_generic(ctx, ctx.now_ms, true);
}

void pexpire_command(CommandContext& ctx) {
  expire_generic(ctx, ctx.now_ms, false);
}

void expireat_command(CommandContext& ctx) {
  expire_generic(ctx, 0, true);
}

void pexpireat_command(CommandContext& ctx) {
  expire_generic(ctx, 0, false);
}

void ttl_command(CommandContext& ctx) {
  ttl_generic(ctx, TtlOutput::kRelativeSeconds);
}

void pttl_command(CommandContext& ctx) {
  ttl_generic(ctx, TtlOutput::kRelativeMillis);
}

void expiretime_command(CommandContext& ctx) {
  ttl_generic(ctx, TtlOutput::kAbsoluteSeconds);
}

void pexpiretime_command(CommandContext& ctx) {
  ttl_generic(ctx, TtlOutput::kAbsoluteMillis);
}

void persist_command(CommandContext& ctx) {
  Entry* entry = lookup_key(ctx, ctx.argv[1]);
  const bool persisted = entry != nullptr && ctx.db().remove_expire(*entry);
  if (persisted) notify_keyspace_event(ctx, kNotifyGeneric, "persist", ctx.argv[1]);
  ctx.reply.integer(persisted ? 1 : 0);
}

ActiveExpireStats Server::active_expire_cycle(std::chrono::microseconds budget, std::size_t group,
                                              std::size_t groups) {
  constexpr std::size_t kKeysPerSample = 20;
  constexpr std::size_t kRepeatAbovePercent = 25;
  constexpr std::size_t kSamplesBetweenClockChecks = 16;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  ActiveExpireStats stats;
  const std::size_t shards_per_db = std::size_t{1} << config_.shard_bits;
  const std::size_t total_shards = dbs_.size() * shards_per_db;
  // The group's shards are group, group + groups, ...; its cursor counts them.
  const std::size_t group_shards = (total_shards - group + groups - 1) / groups;
  std::size_t& cursor = expire_cursors_[group];
  std::size_t samples = 0;
  for (std::size_t visited = 0; visited < group_shards; ++visited) {
    std::size_t slot = group + cursor * groups;
    cursor = (cursor + 1) % group_shards;
    Db& db = *dbs_[slot / shards_per_db];
    Shard& shard = db.shard(slot % shards_per_db);
    ShardGuard lock(db, slot % shards_per_db);
    while (!shard.volatile_keys.empty()) {
      const std::int64_t now_ms = clock_() / 1000;
      std::size_t sampled = std::min(kKeysPerSample, shard.volatile_keys.size());
      std::size_t expired = 0;
      for (std::size_t i = 0; i < sampled && !shard.volatile_keys.empty(); ++i) {
        Entry* entry = shard.volatile_keys[shard.rng() % shard.volatile_keys.size()];
        if (db.is_expired(*entry, now_ms)) {
          db.remove_expired(std::string(entry->key));
          ++expired;
        }
      }
      stats.sampled += sampled;
      stats.expired += expired;
      if (++samples % kSamplesBetweenClockChecks == 0 &&
          std::chrono::steady_clock::now() >= deadline) {
        stats.timed_out = true;
        return stats;
      }
      if (expired * 100 <= sampled * kRepeatAbovePercent) break;
    }
  }
  return stats;
}

}  // namespace gorodis
