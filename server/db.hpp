// db.hpp — databases split into lock-guarded shards, and the helper that locks a command's
// shards.
//
// A Db holds 2^shard_bits shards; a key lives in the shard named by the top bits of its 64-bit
// hash (the low bits pick its bucket inside the shard's KeyTable, so the two never correlate).
// Each shard has its own mutex, its own KeyTable, its own index of keys with a TTL (for active
// expiry sampling) and a version counter bumped by every write (for WATCH).
//
// Locking contract: every Db member that takes a key requires the caller to hold that key's
// shard lock; members that take a shard index require that shard's lock. ShardLocks acquires
// a set of shard locks in one global order — (database index, shard index) ascending — so that
// any two commands, however many keys they touch in however many databases, can never wait on
// each other in a cycle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dict.hpp"
#include "goro/sync.hpp"
#include "object.hpp"

namespace gorodis {

// The lock guarding one shard: a goroutine waiting for a shard parks instead of blocking its
// thread. Contended locking therefore REQUIRES running in a goroutine (inside goro::run).
using ShardMutex = goro::Mutex;

struct Shard {
  ShardMutex mutex;
  KeyTable keys;
  // Entries with expire_at_ms != kNoExpiry; Entry::volatile_slot is each one's position.
  std::vector<Entry*> volatile_keys;
  // Incremented by every modification of a key in this shard (WATCH compares it).
  std::uint64_t version = 0;
  // Keys deleted because their TTL passed, lazily or by active expiry (INFO expired_keys).
  std::uint64_t expired = 0;
  std::mt19937_64 rng{0x9e3779b97f4a7c15ULL};
};

class Db;

// Receives the keyspace events a Db raises itself: a key created (Redis dbAdd's "new") and a key
// deleted because its TTL passed (lazily or by active expiry: "expired"). Called with the key's
// shard locked; must not take shard locks.
class KeyEventSink {
 public:
  virtual void key_added(const Db& db, std::string_view key) = 0;
  virtual void key_expired(const Db& db, std::string_view key) = 0;

 protected:
  ~KeyEventSink() = default;
};

class Db {
 public:
  Db(int id, unsigned shard_bits);
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  int id() const { return id_; }
  std::size_t shard_count() const { return shards_.size(); }
  Shard& shard(std::size_t index) { return *shards_[index]; }
  static std::uint64_t hash_key(std::string_view key);
  std::size_t shard_index(std::uint64_t hash) const;
  std::size_t shard_of(std::string_view key) const { return shard_index(hash_key(key)); }

  // Finds a live key: an expired key is deleted on the spot (lazy expiry) and not returned.
  Entry* lookup(std::string_view key, std::int64_t now_ms);
  // Adds a key that must be absent (after lookup returned nullptr). The value's access time
  // is set to `now_ms`, as Redis stamps new objects with the LRU clock.
  Entry& add(std::string key, Object value, std::int64_t now_ms);
  // Redis setKey: stores `value` under `key`, replacing any value; the TTL is dropped unless
  // `keep_ttl`. Access metadata of a replaced value is not carried over.
  Entry& set(std::string_view key, Object value, bool keep_ttl, std::int64_t now_ms);
  // Deletes a key (expired or not); returns whether it existed.
  bool remove(std::string_view key);
  // Deletes a key whose TTL has passed: counts it (INFO expired_keys) and raises "expired".
  // `key` must not point into the entry.
  void remove_expired(std::string_view key);
  void set_event_sink(KeyEventSink* sink) { events_ = sink; }
  void set_expire(Entry& entry, std::int64_t when_ms);
  // Returns whether the key had a TTL.
  bool remove_expire(Entry& entry);
  // Records an in-place modification of the entry's value (for WATCH).
  void mark_modified(const Entry& entry);
  bool is_expired(const Entry& entry, std::int64_t now_ms) const {
    return entry.expire_at_ms != kNoExpiry && entry.expire_at_ms <= now_ms;
  }
  // Removes every key of one shard; returns how many were removed.
  std::size_t clear_shard(std::size_t index);
  // Exchanges all contents with `other` (SWAPDB); caller holds every shard lock of both.
  void swap_contents(Db& other);

 private:
  void unindex_volatile(Shard& shard, Entry& entry);

  int id_;
  unsigned shard_bits_;
  KeyEventSink* events_ = nullptr;
  std::vector<std::unique_ptr<Shard>> shards_;
};

// RAII set of shard locks, acquired in (database, shard) order. Collect with add()/add_key()/
// add_all(), then lock(). Duplicates are fine. Released on destruction.
class ShardLocks {
 public:
  ShardLocks() = default;
  ShardLocks(const ShardLocks&) = delete;
  ShardLocks& operator=(const ShardLocks&) = delete;
  ShardLocks(ShardLocks&& other) noexcept = default;
  ~ShardLocks() { unlock(); }

  void add(Db& db, std::size_t shard) { wanted_.push_back({&db, shard}); }
  void add_key(Db& db, std::string_view key) { add(db, db.shard_of(key)); }
  void add_all(Db& db);
  void lock();
  void unlock();

 private:
  struct Slot {
    Db* db;
    std::size_t shard;
  };
  std::vector<Slot> wanted_;
  std::vector<std::unique_lock<ShardMutex>> held_;
};

}  // namespace gorodis
