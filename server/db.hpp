// db.hpp — databases split into lock-guarded shards, and the helper that locks a command's
// shards.
//
// A Db holds 2^shard_bits shards; a key lives in the shard named by the top bits of its 64-bit
// hash (the low bits pick its bucket inside the shard's KeyTable, so the two never correlate).
// Each shard has its own mutex, its own KeyTable, its own index of keys with a TTL (for active
// expiry sampling) and its registry of WATCHed keys (key -> the clients' WatchedKey records),
// which every write to a key consults: one emptiness check when nobody watches in the shard.
//
// Locking contract: every Db member that takes a key requires the caller to hold that key's
// shard lock; members that take a shard index require that shard's lock. ShardLocks acquires
// a set of shard locks in one global order — (database index, shard index) ascending — so that
// any two commands, however many keys they touch in however many databases, can never wait on
// each other in a cycle.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dict.hpp"
#include "goro/sync.hpp"
#include "object.hpp"

namespace gorodis {

inline constexpr std::int64_t kNoExpiry = -1;

// One key of the keyspace: a node of its shard's KeyTable, allocated together with its key's
// bytes and, when the value is an embstr, the value's bytes: one allocation per key, from
// small_alloc (8-byte size classes, no malloc header), so for "key:123456" and a 16-byte value
// 45 + 10 + 16 bytes take a 72-byte block (Redis spends 88 bytes over dictEntry, sds key and
// embstr robj). Created with Entry::create (never on the stack or by plain new); the table
// frees it with delete, which (a destroying delete) recomputes the block's size from the key
// length and the recorded value room.
//
// Rejected: std::string key (32 bytes, plus an allocation past 15 bytes); a 64-bit hash: the
// table needs only the low 32 bits for buckets (and the shard is picked from them too, see
// Db::shard_index); glibc malloc (an 8-byte header and 16-byte rounding: 80 bytes above).
struct Entry {
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

  // A new entry for `key` (holding integer 0) with `value_room` bytes for an inline value.
  static std::unique_ptr<Entry> create(std::string_view key, std::uint32_t hash,
                                       std::size_t value_room);
  // Replaces the value; an embstr goes inline when it fits the room behind the key.
  void store(Object value);
  // Stores an embstr given as bytes (at most Object::kEmbstrMaxLength of them); returns false,
  // changing nothing, when they do not fit the room behind the key.
  bool store_inline(std::string_view bytes);

  std::string_view key_view() const { return key; }

  // Destroys and frees an entry made by create (its block size depends on the key).
  static void operator delete(Entry* entry, std::destroying_delete_t);

  // The key, readable as a string_view; also records the room behind it for an inline value.
  class Key {
   public:
    std::size_t size() const { return size_; }
    operator std::string_view() const { return {bytes(), size_}; }

   private:
    friend struct Entry;
    // The key's bytes start right behind value_room_: in this object's tail padding, then
    // past the end of the entry (create allocates them).
    const char* bytes() const { return reinterpret_cast<const char*>(&value_room_ + 1); }
    char* bytes() { return reinterpret_cast<char*>(&value_room_ + 1); }

    std::uint32_t size_ = 0;
    // Bytes behind the key available for an inline value: what create was asked for plus the
    // size class's rounding, at most Object::kEmbstrMaxLength + 7.
    std::uint8_t value_room_ = 0;
  };

  Entry* next = nullptr;
  Object value;
  // Absolute unix time in milliseconds, or kNoExpiry.
  std::int64_t expire_at_ms = kNoExpiry;
  std::uint32_t hash = 0;  // Db::hash_key(key)
  // Position in the shard's volatile-key index while expire_at_ms != kNoExpiry.
  std::uint32_t volatile_slot = 0;
  Key key;  // the last field: its bytes follow

 private:
  // Where the key's bytes start (db.cpp).
  static const std::size_t kKeyOffset;

  Entry() = default;
  // The size create asked small_alloc for.
  std::size_t block_size() const;
};

using KeyTable = HashTable<Entry>;

struct BlockedClient;  // blocking.hpp
class Db;

// One client's WATCH of one key of one database (Redis watchedKey). The client owns it
// (MultiState, multi.hpp); while watched it is listed in its key's shard (Shard::watchers), so
// a write to the key finds every watcher without scanning clients. `db`, `key` and `dirty` never
// change; `expired` is read and written only under the key's shard lock.
struct WatchedKey {
  Db* db;
  std::string key;
  // The watching client's flag (Redis CLIENT_DIRTY_CAS), set by a write under the key's shard
  // lock; EXEC reads it holding that lock.
  std::atomic<bool>* dirty;
  // The key was present but logically expired when watched (Redis wk->expired): its deletion
  // is then no logical change and does not dirty the client.
  bool expired = false;
};

struct TransparentStringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
// Per shard: watched key -> its watchers (Redis db->watched_keys, split by shard).
using WatchRegistry = std::unordered_map<std::string, std::vector<WatchedKey*>,
                                         TransparentStringHash, std::equal_to<>>;

// The lock guarding one shard: a goroutine waiting for a shard parks instead of blocking its
// thread. Contended locking therefore REQUIRES running in a goroutine (inside goro::run).
using ShardMutex = goro::Mutex;

class Db;

// A background save waiting to serialize shards (rdb.cpp). Whoever locks a shard marked with one
// captures the shard first (see ShardGuard), so a save sees every shard as it was when the save
// started, however the shard changes later.
class ShardSnapshot {
 public:
  virtual ~ShardSnapshot() = default;
  // Serializes the shard and clears its mark. REQUIRES: the shard's lock.
  virtual void capture(Db& db, std::size_t shard) = 0;
};

struct Shard {
  ShardMutex mutex;
  // Set (under every shard lock) when a background save starts; cleared by its capture.
  ShardSnapshot* snapshot = nullptr;
  KeyTable keys;
  // Entries with expire_at_ms != kNoExpiry; Entry::volatile_slot is each one's position.
  std::vector<Entry*> volatile_keys;
  // The WATCHed keys of this shard (see WatchedKey).
  WatchRegistry watchers;
  // Keys deleted because their TTL passed, lazily or by active expiry (INFO expired_keys).
  std::uint64_t expired = 0;
  // Changes to this shard's keys (Redis's server.dirty, split by shard): bumped under the shard
  // lock by every add, remove, TTL change and mark_modified; read without it (save rules,
  // INFO rdb_changes_since_last_save), hence atomic.
  std::atomic<std::uint64_t> changes{0};
  std::mt19937_64 rng{0x9e3779b97f4a7c15ULL};
  // Clients blocked on keys of this shard (BLPOP & co.), oldest first; see blocking.hpp.
  std::map<std::string, std::deque<BlockedClient*>, std::less<>> blocked;
};

class Db;

// Receives the keyspace events a Db raises itself: a key created (Redis dbAdd's "new"), a key
// deleted because its TTL passed (lazily or by active expiry: "expired") and a key deleted by
// maxmemory eviction ("evicted"). Called with the key's shard locked; must not take shard locks.
class KeyEventSink {
 public:
  virtual void key_added(const Db& db, std::string_view key) = 0;
  virtual void key_expired(const Db& db, std::string_view key) = 0;
  virtual void key_evicted(const Db& db, std::string_view key) = 0;

 protected:
  ~KeyEventSink() = default;
};

class Db {
 public:
  // `ready_databases`, when given, counts the databases (of the owning server) that hold ready
  // keys, so that the check after every command is one load rather than one per database.
  Db(int id, unsigned shard_bits, std::atomic<int>* ready_databases = nullptr);
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
  Entry& add(std::string_view key, Object value, std::int64_t now_ms);
  // Redis setKey: stores `value` under `key`, replacing any value; the TTL is dropped unless
  // `keep_ttl`. Access metadata of a replaced value is not carried over.
  Entry& set(std::string_view key, Object value, bool keep_ttl, std::int64_t now_ms);
  // set() of a string value given as bytes, encoded like Object::encode_string (SET, MSET ...):
  // an embstr is written straight into the entry, with no temporary allocation.
  Entry& set_string(std::string_view key, std::string_view value, bool keep_ttl,
                    std::int64_t now_ms);
  // Deletes a key (expired or not); returns whether it existed.
  bool remove(std::string_view key);
  // Deletes a key whose TTL has passed: counts it (INFO expired_keys) and raises "expired".
  // `key` must not point into the entry.
  void remove_expired(std::string_view key);
  // Deletes a key chosen by maxmemory eviction (evict.hpp) and raises "evicted". `key` must not
  // point into the entry.
  void remove_evicted(std::string_view key);
  void set_event_sink(KeyEventSink* sink) { events_ = sink; }
  void set_expire(Entry& entry, std::int64_t when_ms);
  // Returns whether the key had a TTL.
  bool remove_expire(Entry& entry);
  // Records an in-place modification of the entry's value: its watchers become dirty (Redis
  // signalModifiedKey). add/set/remove and the TTL setters record their own changes.
  void mark_modified(const Entry& entry);
  bool is_expired(const Entry& entry, std::int64_t now_ms) const {
    return entry.expire_at_ms != kNoExpiry && entry.expire_at_ms <= now_ms;
  }
  // Removes every key of one shard; returns how many were removed. Watchers of removed keys
  // become dirty.
  std::size_t clear_shard(std::size_t index);
  // Exchanges all contents with `other` (SWAPDB); caller holds every shard lock of both. The
  // watchers stay with their database and become dirty where the key's value changes (Redis
  // touchAllWatchedKeysInDb, with `now_ms` deciding which keys count as expired).
  void swap_contents(Db& other, std::int64_t now_ms);

  // Lists / unlists a client's watch in its key's shard registry (caller holds that shard's
  // lock). add_watcher also sets watch.expired from the key's state at `now_ms`.
  void add_watcher(WatchedKey& watch, std::int64_t now_ms);
  void remove_watcher(WatchedKey& watch);
  // Whether a watched key, not expired when watched, has expired by `now_ms` (Redis
  // isWatchedKeyExpired for one key); caller holds the key's shard lock.
  bool watched_key_expired(const WatchedKey& watch, std::int64_t now_ms);

  // Keys with blocked clients that a write created (blocking.hpp): add() and set() record them
  // under the shard lock, serve_ready_keys() takes them once the writer's locks are released.
  // Changes made to this database's keys so far (monotonic; see Shard::changes).
  std::uint64_t changes() const;

  void note_ready(std::string_view key);
  bool has_ready() const { return has_ready_.load(std::memory_order_acquire); }
  std::vector<std::string> take_ready();

 private:
  void unindex_volatile(Shard& shard, Entry& entry);
  // Inserts a new entry for an absent key, with room for an inline value.
  Entry& insert(std::string_view key, std::size_t value_room);
  // Adds `count` to the shard's change counter (REQUIRES: the shard's lock).
  static void count_changes(Shard& shard, std::uint64_t count);
  // Records `key` as ready when clients wait on it.
  void signal_if_blocked(Shard& shard, std::string_view key);
  // Marks the watchers of `key` dirty after a change; `removed` says the key is gone now.
  void touch(Shard& shard, std::string_view key, bool removed);
  // Before `emptied` loses its contents (flush), or receives `replacement`'s (SWAPDB, the
  // shard of the same index of the other database).
  void touch_all(Shard& emptied, Shard* replacement, std::int64_t now_ms);

  int id_;
  unsigned shard_bits_;
  KeyEventSink* events_ = nullptr;
  std::vector<std::unique_ptr<Shard>> shards_;
  // Held only to append or swap out ready_ (never while taking a shard lock).
  std::mutex ready_mutex_;
  std::vector<std::string> ready_;
  std::atomic<bool> has_ready_{false};
  std::atomic<int>* ready_databases_;
};

// Locks one shard (the shard's mutex is only ever locked through this or ShardLocks, which both
// run a pending snapshot capture before the holder can modify the shard).
class ShardGuard {
 public:
  ShardGuard(Db& db, std::size_t shard);
  ShardGuard(const ShardGuard&) = delete;
  ShardGuard& operator=(const ShardGuard&) = delete;

 private:
  std::unique_lock<ShardMutex> lock_;
};

// RAII set of shard locks, acquired in (database, shard) order. Collect with add()/add_key()/
// add_all(), then lock(). Duplicates are fine. Released on destruction.
//
// Every command builds one, so the common case allocates nothing: up to kInlineSlots shards are
// kept inside the object, more spill into a vector (MSET of many keys, FLUSHALL's every shard).
class ShardLocks {
 public:
  ShardLocks() = default;
  ShardLocks(const ShardLocks&) = delete;
  ShardLocks& operator=(const ShardLocks&) = delete;
  ~ShardLocks() { unlock(); }

  void add(Db& db, std::size_t shard);
  void add_key(Db& db, std::string_view key) { add(db, db.shard_of(key)); }
  void add_all(Db& db);
  void lock();
  void unlock();
  // The sum of the modification counters of the shards added (held, or held by the caller).
  std::uint64_t changes() const;

 private:
  struct Slot {
    Db* db;
    std::size_t shard;
  };
  static constexpr std::size_t kInlineSlots = 4;

  std::span<Slot> slots() {
    return spill_.empty() ? std::span<Slot>(inline_.data(), inline_count_)
                          : std::span<Slot>(spill_);
  }
  std::span<const Slot> slots() const { return const_cast<ShardLocks*>(this)->slots(); }

  std::array<Slot, kInlineSlots> inline_;
  std::size_t inline_count_ = 0;  // used slots of inline_ while spill_ is empty
  std::vector<Slot> spill_;       // all slots, once there were more than kInlineSlots
  std::size_t locked_ = 0;        // slots()[0, locked_) are held
};

}  // namespace gorodis
