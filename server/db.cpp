// db.cpp — the sharded keyspace (see db.hpp for the locking contract).
//
// How the pieces still to come fit this design:
//
// * Command execution. Server::execute locks the shards of the command's keys (taken from the
//   command table's key specs) with ShardLocks, runs the command, and unlocks. Commands that
//   touch whole databases (KEYS, SCAN, DBSIZE, FLUSHDB, SWAPDB, ...) or another database (MOVE,
//   COPY ... DB) lock for themselves, always through ShardLocks, so the global order holds.
//
// * WATCH. Each shard has a version counter that every write to it bumps (add, set, remove,
//   TTL changes, mark_modified after in-place edits). WATCH records (db, shard, version) for
//   each watched key; EXEC locks those shards and aborts if any version moved. This is
//   conservative (a write to another key of the same shard also aborts) but never misses a
//   write; per-key versions can refine it later without changing the protocol.
//
// * MULTI/EXEC. EXEC computes the union of the shards of all queued commands' keys (all shards
//   of a database for a keyless whole-db command), acquires them once with ShardLocks, then
//   runs the queued commands with their locks already held; per-command locking is skipped
//   while an EXEC holds the set. This gives EXEC the isolation Redis's single thread gives it.
//
// * Blocking commands (BLPOP & co., when lists arrive). A blocked client registers on a per-key
//   wait list kept in the key's shard; a write that makes the key ready (under that shard's
//   lock) marks it ready, and the woken goroutine re-runs the command under the shard lock, so
//   a wakeup never races with the write that caused it.
//
// * AOF / replication. Write commands get a sequence number from one global atomic counter
//   while their shard locks are still held. Two commands that conflict share a shard, so their
//   sequence numbers are ordered like their effects; the AOF writer appends commands in
//   sequence order (a small reorder buffer), which replays to the same dataset.
//
// Expiry: a TTL is stored in the entry itself, and each shard keeps a dense vector of its
// entries that have one (swap-remove keeps it O(1)); active expiry samples it uniformly.
#include "db.hpp"

#include <algorithm>
#include <functional>

namespace gorodis {

Db::Db(int id, unsigned shard_bits) : id_(id), shard_bits_(shard_bits) {
  shards_.reserve(std::size_t{1} << shard_bits);
  for (std::size_t i = 0; i < (std::size_t{1} << shard_bits); ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
}

std::uint64_t Db::hash_key(std::string_view key) {
  // libstdc++ hashes bytes with MurmurHash64A; mixing once more spreads the top bits (which
  // pick the shard) independently of the low bits (which pick the bucket).
  std::uint64_t h = std::hash<std::string_view>{}(key);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

std::size_t Db::shard_index(std::uint64_t hash) const {
  if (shard_bits_ == 0) return 0;
  return static_cast<std::size_t>(hash >> (64 - shard_bits_));
}

Entry* Db::lookup(std::string_view key, std::int64_t now_ms) {
  std::uint64_t hash = hash_key(key);
  Shard& shard = *shards_[shard_index(hash)];
  Entry* entry = shard.keys.find(key, hash);
  if (entry == nullptr) return nullptr;
  if (is_expired(*entry, now_ms)) {
    remove_expired(key);
    return nullptr;
  }
  return entry;
}

Entry& Db::add(std::string key, Object value, std::int64_t now_ms) {
  value.access_time_ms = now_ms;
  auto entry = std::make_unique<Entry>();
  entry->hash = hash_key(key);
  entry->key = std::move(key);
  entry->value = std::move(value);
  Shard& shard = *shards_[shard_index(entry->hash)];
  ++shard.version;
  Entry& added = *shard.keys.insert(std::move(entry));
  if (events_ != nullptr) events_->key_added(*this, added.key);
  return added;
}

Entry& Db::set(std::string_view key, Object value, bool keep_ttl, std::int64_t now_ms) {
  Entry* entry = lookup(key, now_ms);
  if (entry == nullptr) return add(std::string(key), std::move(value), now_ms);
  value.access_time_ms = now_ms;
  entry->value = std::move(value);
  if (!keep_ttl) remove_expire(*entry);
  mark_modified(*entry);
  return *entry;
}

bool Db::remove(std::string_view key) {
  std::uint64_t hash = hash_key(key);
  Shard& shard = *shards_[shard_index(hash)];
  std::unique_ptr<Entry> entry = shard.keys.remove(key, hash);
  if (!entry) return false;
  if (entry->expire_at_ms != kNoExpiry) unindex_volatile(shard, *entry);
  ++shard.version;
  shard.keys.shrink_if_sparse();
  return true;
}

void Db::remove_expired(std::string_view key) {
  ++shards_[shard_of(key)]->expired;
  remove(key);
  if (events_ != nullptr) events_->key_expired(*this, key);
}

void Db::unindex_volatile(Shard& shard, Entry& entry) {
  Entry* last = shard.volatile_keys.back();
  shard.volatile_keys[entry.volatile_slot] = last;
  last->volatile_slot = entry.volatile_slot;
  shard.volatile_keys.pop_back();
  entry.expire_at_ms = kNoExpiry;
}

void Db::set_expire(Entry& entry, std::int64_t when_ms) {
  Shard& shard = *shards_[shard_index(entry.hash)];
  if (entry.expire_at_ms == kNoExpiry) {
    entry.volatile_slot = shard.volatile_keys.size();
    shard.volatile_keys.push_back(&entry);
  }
  entry.expire_at_ms = when_ms;
  ++shard.version;
}

bool Db::remove_expire(Entry& entry) {
  if (entry.expire_at_ms == kNoExpiry) return false;
  Shard& shard = *shards_[shard_index(entry.hash)];
  unindex_volatile(shard, entry);
  ++shard.version;
  return true;
}

void Db::mark_modified(const Entry& entry) {
  ++shards_[shard_index(entry.hash)]->version;
}

std::size_t Db::clear_shard(std::size_t index) {
  Shard& shard = *shards_[index];
  std::size_t removed = shard.keys.size();
  shard.keys.clear();
  shard.volatile_keys.clear();
  ++shard.version;
  return removed;
}

void Db::swap_contents(Db& other) {
  // The mutexes stay where they are (callers hold them); only the contents move.
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    Shard& mine = *shards_[i];
    Shard& theirs = *other.shards_[i];
    mine.keys.swap(theirs.keys);
    std::swap(mine.volatile_keys, theirs.volatile_keys);
    ++mine.version;
    ++theirs.version;
  }
}

void ShardLocks::add_all(Db& db) {
  for (std::size_t i = 0; i < db.shard_count(); ++i) add(db, i);
}

void ShardLocks::lock() {
  std::sort(wanted_.begin(), wanted_.end(), [](const Slot& a, const Slot& b) {
    if (a.db->id() != b.db->id()) return a.db->id() < b.db->id();
    return a.shard < b.shard;
  });
  wanted_.erase(
      std::unique(wanted_.begin(), wanted_.end(),
                  [](const Slot& a, const Slot& b) { return a.db == b.db && a.shard == b.shard; }),
      wanted_.end());
  held_.reserve(wanted_.size());
  for (const Slot& slot : wanted_) held_.emplace_back(slot.db->shard(slot.shard).mutex);
}

void ShardLocks::unlock() {
  while (!held_.empty()) held_.pop_back();
  wanted_.clear();
}

}  // namespace gorodis
