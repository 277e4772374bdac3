// evict.hpp — maxmemory: Redis 7.0's eviction policies and its OOM refusal, plus the access
// metadata (LRU clock, LFU counter) the policies rank keys by.
//
// Before every command, when `maxmemory` is set and used memory (memory.hpp) exceeds it,
// Server::execute calls out_of_memory(): under an evicting policy the Evictor deletes keys
// until used memory is back under the limit, the key source is exhausted, or the time budget
// of maxmemory-eviction-tenacity runs out (Redis performEvictions; on a time-out the command
// runs, and the next command or the server cron (start_server_cron, at `hz`) goes on evicting,
// as Redis's eviction time proc does).
// If memory is still over the limit and nothing could be evicted (always under noeviction),
// denyoom commands are refused with Redis's OOM error; inside MULTI, every command except EXEC,
// DISCARD, QUIT and RESET is refused at queue time, and EXEC itself when it queued a denyoom
// command (Redis processCommand).
//
// Candidate selection follows Redis's sampled approximation. The random policies delete a
// random key (of a random non-empty shard, databases taken round-robin). The others keep an
// eviction pool of the kPoolSize best candidates seen so far, across calls (Redis
// evictionPoolPopulate): each round samples maxmemory-samples keys in one randomly chosen shard
// of every database (all keys, or the shard's volatile index for volatile-*), scores them —
// idle time (LRU), 255 minus the decayed LFU counter (LFU), or the nearest expiry first (TTL)
// — and merges them into the pool; the best candidate that still exists (and, for volatile-*,
// still has a TTL) is deleted. A round whose chosen shards were all empty falls back to sampling
// every non-empty shard once, and only when that finds nothing is the keyspace unevictable.
// Sampling one shard per database per round keeps a round's cost at one lock per database, as
// Redis samples each database once; the pool makes up for the smaller sample spread.
//
// Invariants: the Evictor's pool is only touched under its mutex, and a shard lock is taken only
// while holding it, never the reverse (command handlers hold shard locks but never evict:
// eviction runs in execute(), before the command locks anything). One goroutine evicts at a
// time; others over the limit wait for it and usually find memory back under the limit.
// Evicted keys raise "evicted" through the Db's KeyEventSink (keyspace notifications, AOF)
// and count in INFO evicted_keys.
//
// Cost: with maxmemory 0 (the default), one relaxed load per command. With maxmemory set and
// memory under it, summing memory.hpp's stripes. Per evicted key: one shard lock per database
// plus maxmemory-samples random draws.
//
// Rejected: sampling every shard of every database per round (16 x 16 locks per evicted key);
// a global LRU list (a write to shared state on every read, across shards); evicting in a
// background goroutine only (writes would run far past the limit between its passes).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "goro/sync.hpp"

namespace gorodis {

class Server;
class Db;
struct Entry;
struct ClientState;
struct CommandSpec;
struct CommandContext;
class Object;

class Evictor {
 public:
  // Redis EVPOOL_SIZE.
  static constexpr std::size_t kPoolSize = 16;
  enum class Outcome {
    kOk,       // under the limit (or no limit)
    kRunning,  // still over the limit, time budget spent: commands run, the next one goes on
    kFail,     // over the limit and nothing (more) can be evicted
  };

  explicit Evictor(Server& server);
  // Redis performEvictions. REQUIRES: the caller holds no shard lock.
  Outcome perform();

 private:
  struct Candidate {
    std::uint64_t score;  // higher: evicted sooner
    int db;
    std::string key;
  };

  bool evict_one(int policy, std::int64_t now_ms);
  bool evict_random(bool volatile_only);
  bool evict_from_pool(int policy, std::int64_t now_ms);
  // Samples one shard into the pool; returns whether it had candidates.
  bool populate(Db& db, std::size_t shard, int policy, std::int64_t now_ms);
  void offer(std::uint64_t score, int db, std::string_view key);

  Server& server_;
  goro::Mutex mutex_;
  std::vector<Candidate> pool_;  // ascending score; the best candidate last
  std::size_t next_db_ = 0;      // the random policies' database cursor
  std::mt19937_64 rng_{0x5851f42d4c957f2dULL};
};

// Runs eviction if needed and says whether `command` must be refused with errors::kOom.
bool out_of_memory(Server& server, const ClientState& client, const CommandSpec& command);

// Whether the current maxmemory-policy ranks by LFU (OBJECT FREQ vs OBJECT IDLETIME).
bool lfu_policy(Server& server);

// Records a read or write access to `entry` (Redis lookupKey's updateLFU / LRU clock update).
void record_access(CommandContext& ctx, Entry& entry);

// Redis's logarithmic LFU counter.
namespace lfu {
// The counter after decaying one step per `decay_minutes` elapsed since the last access
// (LFUDecrAndReturn); no decay when decay_minutes is 0.
std::uint8_t decayed(const Object& value, std::int64_t now_ms, long long decay_minutes);
// The counter after one access (LFULogIncr), `random` uniform in [0, 1).
std::uint8_t incremented(std::uint8_t counter, long long log_factor, double random);
}  // namespace lfu

}  // namespace gorodis
