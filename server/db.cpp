// db.cpp — the sharded keyspace (see db.hpp for the locking contract).
//
// How the pieces still to come fit this design:
//
// * Command execution. Server::execute locks the shards of the command's keys (taken from the
//   command table's key specs) with ShardLocks, runs the command, and unlocks. Commands that
//   touch whole databases (KEYS, SCAN, DBSIZE, FLUSHDB, SWAPDB, INFO's key counts, ...) or
//   another database (MOVE, COPY ... DB) are LockPolicy::kManual and lock for themselves,
//   always through ShardLocks (via CommandContext::lock/lock_shard), so the global order holds.
//
// * WATCH. Each shard keeps a registry of its watched keys (key -> the watching clients'
//   WatchedKey records). Every change to a key (add, set, remove, TTL changes, mark_modified
//   after in-place edits, flush, SWAPDB) looks the key up there under the shard lock and marks
//   its watchers dirty; with nobody watching in the shard that is one emptiness check. EXEC
//   reads its dirty flag holding the watched keys' shards, so a change is never missed, and a
//   write to another key of the same shard never aborts (Redis's per-key semantics). Details
//   and the expiry rules are in multi.cpp.
//
// * MULTI/EXEC (multi.cpp). EXEC computes the union of the shards of all queued commands' keys
//   and of the watched keys, acquires them once with ShardLocks, then runs the queued commands
//   with their locks already held (CommandContext::in_exec: no command locks again). A queued
//   kManual command or SELECT makes EXEC take every shard of every database. This gives EXEC
//   the isolation Redis's single thread gives it.
//
// * Blocking commands (BLPOP & co., when lists arrive). A blocked client registers on a per-key
//   wait list kept in the key's shard; a write that makes the key ready (under that shard's
//   lock) marks it ready, and the woken goroutine re-runs the command under the shard lock, so
//   a wakeup never races with the write that caused it.
//
// * Snapshots (BGSAVE). Starting a save marks every shard (holding every lock, so the marks
//   are one point in time); the first holder of a marked shard's lock — the saver walking the
//   shards, or a command about to write — serializes the shard before anything else happens
//   under that lock. Every shard is thus saved exactly as it was at the mark, with no fork and
//   no copy of the values; a writer pays for one shard's serialization at most once per save.
//
// * AOF / replication. Write commands get a sequence number from one global atomic counter
//   while their shard locks are still held. Two commands that conflict share a shard, so their
//   sequence numbers are ordered like their effects; the AOF writer appends commands in
//   sequence order (a small reorder buffer), which replays to the same dataset.
//   A transaction is handed over as one block at the end of exec_command (multi.cpp), while
//   EXEC still holds all its shards.
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
  return dict_hash(key);
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
    ++shard.expired;
    remove(key);
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
  Entry& added = *shard.keys.insert(std::move(entry));
  touch(shard, added.key, false);
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
  touch(shard, key, true);
  shard.keys.shrink_if_sparse();
  return true;
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
  touch(shard, entry.key, false);
}

bool Db::remove_expire(Entry& entry) {
  if (entry.expire_at_ms == kNoExpiry) return false;
  Shard& shard = *shards_[shard_index(entry.hash)];
  unindex_volatile(shard, entry);
  touch(shard, entry.key, false);
  return true;
}

void Db::mark_modified(const Entry& entry) {
  touch(*shards_[shard_index(entry.hash)], entry.key, false);
}

void Db::touch(Shard& shard, std::string_view key, bool removed) {
  if (shard.watchers.empty()) return;
  auto it = shard.watchers.find(key);
  if (it == shard.watchers.end()) return;
  for (WatchedKey* watch : it->second) {
    if (watch->expired) {
      // The key was already expired when watched; Redis lets its deletion pass as no logical
      // change, and from then on the (absent) key is watched like any other.
      watch->expired = false;
      if (removed) continue;
    }
    watch->dirty->store(true, std::memory_order_relaxed);
  }
}

void Db::touch_all(Shard& emptied, Shard* replacement, std::int64_t now_ms) {
  for (auto& [key, watches] : emptied.watchers) {
    const std::uint64_t hash = hash_key(key);
    const bool present = emptied.keys.find(key, hash) != nullptr;
    Entry* incoming = replacement != nullptr ? replacement->keys.find(key, hash) : nullptr;
    if (!present && incoming == nullptr) continue;
    const bool incoming_expired = incoming != nullptr && is_expired(*incoming, now_ms);
    for (WatchedKey* watch : watches) {
      if (watch->expired) {
        // An expired key replaced by nothing, or by another expired key: no logical change.
        if (incoming == nullptr) {
          watch->expired = false;
          continue;
        }
        if (incoming_expired) continue;
      } else if (!present && incoming_expired) {
        // An absent key replaced by an expired one is still logically absent.
        watch->expired = true;
        continue;
      }
      watch->dirty->store(true, std::memory_order_relaxed);
    }
  }
}

std::size_t Db::clear_shard(std::size_t index) {
  Shard& shard = *shards_[index];
  if (!shard.watchers.empty()) touch_all(shard, nullptr, 0);
  std::size_t removed = shard.keys.size();
  shard.keys.clear();
  shard.volatile_keys.clear();
  return removed;
}

void Db::swap_contents(Db& other, std::int64_t now_ms) {
  // The mutexes and the watcher registries stay where they are (callers hold the mutexes);
  // only the contents move.
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    Shard& mine = *shards_[i];
    Shard& theirs = *other.shards_[i];
    if (!mine.watchers.empty()) touch_all(mine, &theirs, now_ms);
    if (!theirs.watchers.empty()) touch_all(theirs, &mine, now_ms);
    mine.keys.swap(theirs.keys);
    std::swap(mine.volatile_keys, theirs.volatile_keys);
  }
}

void Db::add_watcher(WatchedKey& watch, std::int64_t now_ms) {
  const std::uint64_t hash = hash_key(watch.key);
  Shard& shard = *shards_[shard_index(hash)];
  Entry* entry = shard.keys.find(watch.key, hash);
  watch.expired = entry != nullptr && is_expired(*entry, now_ms);
  shard.watchers[watch.key].push_back(&watch);
}

void Db::remove_watcher(WatchedKey& watch) {
  Shard& shard = *shards_[shard_of(watch.key)];
  auto it = shard.watchers.find(watch.key);
  std::vector<WatchedKey*>& watches = it->second;
  *std::find(watches.begin(), watches.end(), &watch) = watches.back();
  watches.pop_back();
  if (watches.empty()) shard.watchers.erase(it);
}

bool Db::watched_key_expired(const WatchedKey& watch, std::int64_t now_ms) {
  if (watch.expired) return false;
  const std::uint64_t hash = hash_key(watch.key);
  Entry* entry = shards_[shard_index(hash)]->keys.find(watch.key, hash);
  return entry != nullptr && is_expired(*entry, now_ms);
}

namespace {

void capture_pending_snapshot(Db& db, std::size_t shard) {
  if (ShardSnapshot* snapshot = db.shard(shard).snapshot) snapshot->capture(db, shard);
}

}  // namespace

ShardGuard::ShardGuard(Db& db, std::size_t shard) : lock_(db.shard(shard).mutex) {
  capture_pending_snapshot(db, shard);
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
  for (const Slot& slot : wanted_) capture_pending_snapshot(*slot.db, slot.shard);
}

void ShardLocks::unlock() {
  while (!held_.empty()) held_.pop_back();
  wanted_.clear();
}

}  // namespace gorodis
