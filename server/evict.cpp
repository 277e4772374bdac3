// evict.cpp — see evict.hpp for the policies, the pool and the locking order.
#include "evict.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>

#include "commands.hpp"
#include "memory.hpp"
#include "server.hpp"

namespace gorodis {

namespace {

bool is_lfu(int policy) {
  return policy == kAllkeysLfu || policy == kVolatileLfu;
}

bool is_volatile(int policy) {
  return policy == kVolatileLru || policy == kVolatileLfu || policy == kVolatileRandom ||
         policy == kVolatileTtl;
}

// Redis evictionTimeLimitUs: how long one perform() may evict.
std::chrono::microseconds time_limit(long long tenacity) {
  if (tenacity <= 10) return std::chrono::microseconds(50 * tenacity);
  if (tenacity < 100) {
    return std::chrono::microseconds(
        static_cast<long long>(500.0 * std::pow(1.15, static_cast<double>(tenacity) - 10.0)));
  }
  return std::chrono::microseconds::max();
}

// How eviction ranks a key: higher is evicted sooner.
std::uint64_t score(const Entry& entry, int policy, std::int64_t now_ms, long long decay_minutes) {
  switch (policy) {
    case kAllkeysLfu:
    case kVolatileLfu:
      return 255 - lfu::decayed(entry.value, now_ms, decay_minutes);
    case kVolatileTtl:
      return std::numeric_limits<std::uint64_t>::max() -
             static_cast<std::uint64_t>(entry.expire_at_ms);
    default:
      return static_cast<std::uint64_t>(std::max<std::int64_t>(
          0, now_ms - static_cast<std::int64_t>(entry.value.access_time_ms)));
  }
}

}  // namespace

namespace lfu {

std::uint8_t decayed(const Object& value, std::int64_t now_ms, long long decay_minutes) {
  if (decay_minutes <= 0) return value.lfu_counter;
  const std::int64_t elapsed =
      now_ms / 60000 - static_cast<std::int64_t>(value.access_time_ms) / 60000;
  const std::int64_t periods = std::max<std::int64_t>(0, elapsed) / decay_minutes;
  return periods >= value.lfu_counter ? 0 : static_cast<std::uint8_t>(value.lfu_counter - periods);
}

std::uint8_t incremented(std::uint8_t counter, long long log_factor, double random) {
  if (counter == 255) return counter;
  const double base = std::max(0.0, static_cast<double>(counter) - Object::kLfuInitialCounter);
  const double probability = 1.0 / (base * static_cast<double>(log_factor) + 1.0);
  return random < probability ? counter + 1 : counter;
}

}  // namespace lfu

bool lfu_policy(Server& server) {
  return is_lfu(server.settings().maxmemory_policy.load(std::memory_order_relaxed));
}

void record_access(CommandContext& ctx, Entry& entry) {
  Settings& settings = ctx.server.settings();
  if (is_lfu(settings.maxmemory_policy.load(std::memory_order_relaxed))) {
    // The shard's generator: the caller holds the key's shard lock.
    Shard& shard = ctx.db().shard(ctx.db().shard_index(entry.hash));
    const std::uint8_t counter = lfu::decayed(entry.value, ctx.now_ms, settings.lfu_decay_time);
    const double random = std::uniform_real_distribution<double>(0.0, 1.0)(shard.rng);
    entry.value.lfu_counter = lfu::incremented(counter, settings.lfu_log_factor, random);
  }
  entry.value.access_time_ms = ctx.now_ms;
}

Evictor::Evictor(Server& server) : server_(server) {
  pool_.reserve(kPoolSize + 1);
}

Evictor::Outcome Evictor::perform() {
  Settings& settings = server_.settings();
  const long long maxmemory = settings.maxmemory.load(std::memory_order_relaxed);
  const auto limit = static_cast<std::size_t>(maxmemory);
  if (maxmemory <= 0 || memory::used() <= limit) return Outcome::kOk;
  const int policy = settings.maxmemory_policy.load(std::memory_order_relaxed);
  if (policy == kNoEviction) return Outcome::kFail;
  std::lock_guard lock(mutex_);
  const auto budget = time_limit(settings.maxmemory_eviction_tenacity.load());
  const auto started = std::chrono::steady_clock::now();
  const std::int64_t now_ms = server_.now_us() / 1000;
  for (std::size_t evicted = 1; memory::used() > limit; ++evicted) {
    if (!evict_one(policy, now_ms)) return Outcome::kFail;
    // Like Redis, the clock is read every 16 keys only.
    if (evicted % 16 == 0 && std::chrono::steady_clock::now() - started > budget) {
      return memory::used() > limit ? Outcome::kRunning : Outcome::kOk;
    }
  }
  return Outcome::kOk;
}

bool Evictor::evict_one(int policy, std::int64_t now_ms) {
  if (policy == kAllkeysRandom || policy == kVolatileRandom) {
    return evict_random(policy == kVolatileRandom);
  }
  return evict_from_pool(policy, now_ms);
}

bool Evictor::evict_random(bool volatile_only) {
  const auto dbs = static_cast<std::size_t>(server_.database_count());
  for (std::size_t i = 0; i < dbs; ++i) {
    Db& db = server_.db(static_cast<int>(next_db_++ % dbs));
    const std::size_t first = rng_() % db.shard_count();
    for (std::size_t j = 0; j < db.shard_count(); ++j) {
      const std::size_t index = (first + j) % db.shard_count();
      ShardGuard guard(db, index);
      Shard& shard = db.shard(index);
      const Entry* victim = nullptr;
      if (volatile_only) {
        if (!shard.volatile_keys.empty()) {
          victim = shard.volatile_keys[shard.rng() % shard.volatile_keys.size()];
        }
      } else {
        victim = shard.keys.random_node(shard.rng);
      }
      if (victim == nullptr) continue;
      db.remove_evicted(std::string(victim->key_view()));
      server_.stats().add(Counter::kEvictedKeys);
      return true;
    }
  }
  return false;
}

bool Evictor::populate(Db& db, std::size_t index, int policy, std::int64_t now_ms) {
  ShardGuard guard(db, index);
  Shard& shard = db.shard(index);
  const bool volatile_only = is_volatile(policy);
  if (volatile_only ? shard.volatile_keys.empty() : shard.keys.size() == 0) return false;
  const long long samples = server_.settings().maxmemory_samples.load();
  const long long decay = server_.settings().lfu_decay_time.load();
  for (long long i = 0; i < samples; ++i) {
    const Entry* entry = volatile_only
                             ? shard.volatile_keys[shard.rng() % shard.volatile_keys.size()]
                             : shard.keys.random_node(shard.rng);
    offer(score(*entry, policy, now_ms, decay), db.id(), entry->key_view());
  }
  return true;
}

void Evictor::offer(std::uint64_t score, int db, std::string_view key) {
  if (pool_.size() == kPoolSize && score <= pool_.front().score) return;
  for (const Candidate& candidate : pool_) {
    if (candidate.db == db && candidate.key == key) return;
  }
  auto at = std::upper_bound(pool_.begin(), pool_.end(), score,
                             [](std::uint64_t s, const Candidate& c) { return s < c.score; });
  pool_.insert(at, Candidate{score, db, std::string(key)});
  if (pool_.size() > kPoolSize) pool_.erase(pool_.begin());
}

bool Evictor::evict_from_pool(int policy, std::int64_t now_ms) {
  const bool volatile_only = is_volatile(policy);
  while (true) {
    bool sampled = false;
    for (int i = 0; i < server_.database_count(); ++i) {
      Db& db = server_.db(i);
      sampled |= populate(db, rng_() % db.shard_count(), policy, now_ms);
    }
    // The random shards were all empty: look at every shard before giving up.
    for (int i = 0; !sampled && i < server_.database_count(); ++i) {
      Db& db = server_.db(i);
      for (std::size_t index = 0; index < db.shard_count(); ++index) {
        sampled |= populate(db, index, policy, now_ms);
      }
    }
    if (!sampled) {
      pool_.clear();
      return false;
    }
    while (!pool_.empty()) {
      Candidate best = std::move(pool_.back());
      pool_.pop_back();
      Db& db = server_.db(best.db);
      ShardGuard guard(db, db.shard_of(best.key));
      const Entry* entry = db.lookup(best.key, now_ms);
      // Gone or persisted since it was sampled: try the next one.
      if (entry == nullptr || (volatile_only && entry->expire_at_ms == kNoExpiry)) continue;
      db.remove_evicted(best.key);
      server_.stats().add(Counter::kEvictedKeys);
      return true;
    }
  }
}

bool out_of_memory(Server& server, const ClientState& client, const CommandSpec& command) {
  if (server.settings().maxmemory.load(std::memory_order_relaxed) == 0) return false;
  if (server.evictor().perform() != Evictor::Outcome::kFail) return false;
  if (command.flags & kDenyOom) return true;
  if (command.handler == exec_command) {
    return std::any_of(
        client.multi.queued.begin(), client.multi.queued.end(),
        [](const QueuedCommand& queued) { return queued.command->flags & kDenyOom; });
  }
  // Queuing in MULTI takes memory too (Redis processCommand).
  return client.multi.active && command.handler != discard_command &&
         command.handler != quit_command && command.handler != reset_command;
}

}  // namespace gorodis
