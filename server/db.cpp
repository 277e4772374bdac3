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
// * Blocking commands (BLPOP & co.). A blocked client registers on a per-key wait list kept in
//   the key's shard; a write that creates the key (under that shard's lock) marks it ready, and
//   after the write's locks are released the waiters are served under the shard lock, so a
//   wakeup never races with the write that caused it (blocking.hpp).
//
// * Snapshots (BGSAVE). Starting a save marks every shard (holding every lock, so the marks
//   are one point in time); the first holder of a marked shard's lock — the saver walking the
//   shards, or a command about to write — serializes the shard before anything else happens
//   under that lock. Every shard is thus saved exactly as it was at the mark, with no fork and
//   no copy of the values; a writer pays for one shard's serialization at most once per save.
//
// * AOF (aof.cpp). A write command is appended to the log while its shard locks are still
//   held, so two commands that conflict (they share a shard) are logged in the order of their
//   effects; the append position serves as the sequence number. A transaction is appended as
//   one block at the end of exec_command (multi.cpp), while EXEC still holds all its shards.
//
// Expiry: a TTL is stored in the entry itself, and each shard keeps a dense vector of its
// entries that have one (swap-remove keeps it O(1)); active expiry samples it uniformly.
#include "db.hpp"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstring>
#include <functional>
#include <utility>

#include "small_alloc.hpp"
#include "util.hpp"

namespace gorodis {

// Where an entry's key bytes start: right behind its fields (not at sizeof(Entry), which rounds
// up to 8 and would push "key:123456" plus a 16-byte value into the next size class).
// Entry is not standard-layout (Object mixes public and private fields), so offsetof is only
// conditionally supported; GCC and Clang compute it like for any class without virtual bases.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
const std::size_t Entry::kKeyOffset =
    offsetof(Entry, key) + offsetof(Entry::Key, value_room_) + sizeof(std::uint8_t);
#pragma GCC diagnostic pop

std::unique_ptr<Entry> Entry::create(std::string_view key, std::uint32_t hash,
                                     std::size_t value_room) {
  assert(value_room <= Object::kEmbstrMaxLength);
  // Never less than sizeof(Entry): the object's own padding must be allocated too.
  const std::size_t wanted = std::max(sizeof(Entry), kKeyOffset + key.size() + value_room);
  void* memory = small_alloc::allocate(wanted);
  std::unique_ptr<Entry> entry(new (memory) Entry());
  assert(entry->key.bytes() == reinterpret_cast<char*>(entry.get()) + kKeyOffset);
  entry->hash = hash;
  entry->key.size_ = static_cast<std::uint32_t>(key.size());
  // The size class's rounding is room too (below kMaxPooledSize; past it, nothing is rounded).
  entry->key.value_room_ =
      static_cast<std::uint8_t>(small_alloc::allocation_size(wanted) - kKeyOffset - key.size());
  std::memcpy(entry->key.bytes(), key.data(), key.size());
  return entry;
}

std::size_t Entry::block_size() const {
  return std::max(sizeof(Entry), kKeyOffset + key.size() + key.value_room_);
}

void Entry::operator delete(Entry* entry, std::destroying_delete_t) {
  const std::size_t size = entry->block_size();
  entry->~Entry();
  small_alloc::deallocate(entry, size);
}

bool Entry::store_inline(std::string_view bytes) {
  if (bytes.size() > Object::kEmbstrMaxLength || bytes.size() > key.value_room_) return false;
  char* target = key.bytes() + key.size();
  std::memmove(target, bytes.data(), bytes.size());
  value.assign_inline(target, bytes.size());
  return true;
}

void Entry::store(Object replacement) {
  if (replacement.is_embstr()) {
    IntegerText scratch;
    const AccessClock access = replacement.access_time_ms;
    const std::uint8_t lfu = replacement.lfu_counter;
    if (store_inline(replacement.view(scratch))) {
      value.access_time_ms = access;
      value.lfu_counter = lfu;
      return;
    }
  }
  value = std::move(replacement);
}

Db::Db(int id, unsigned shard_bits, std::atomic<int>* ready_databases)
    : id_(id), shard_bits_(shard_bits), ready_databases_(ready_databases) {
  shards_.reserve(std::size_t{1} << shard_bits);
  for (std::size_t i = 0; i < (std::size_t{1} << shard_bits); ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
}

std::uint64_t Db::hash_key(std::string_view key) {
  return static_cast<std::uint32_t>(dict_hash(key));
}

std::size_t Db::shard_index(std::uint64_t hash) const {
  if (shard_bits_ == 0) return 0;
  return static_cast<std::size_t>(hash >> (32 - shard_bits_));
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

Entry& Db::insert(std::string_view key, std::size_t value_room) {
  const auto hash = static_cast<std::uint32_t>(hash_key(key));
  Shard& shard = *shards_[shard_index(hash)];
  Entry& added = *shard.keys.insert(Entry::create(key, hash, value_room));
  touch(shard, added.key, false);
  signal_if_blocked(shard, added.key);
  if (events_ != nullptr) events_->key_added(*this, added.key);
  return added;
}

Entry& Db::add(std::string_view key, Object value, std::int64_t now_ms) {
  value.access_time_ms = now_ms;
  Entry& entry = insert(key, value.is_embstr() ? value.string_length() : 0);
  entry.store(std::move(value));
  return entry;
}

Entry& Db::set(std::string_view key, Object value, bool keep_ttl, std::int64_t now_ms) {
  Entry* entry = lookup(key, now_ms);
  if (entry == nullptr) return add(key, std::move(value), now_ms);
  value.access_time_ms = now_ms;
  entry->store(std::move(value));
  if (!keep_ttl) remove_expire(*entry);
  mark_modified(*entry);
  signal_if_blocked(*shards_[shard_index(entry->hash)], entry->key);
  return *entry;
}

Entry& Db::set_string(std::string_view key, std::string_view value, bool keep_ttl,
                      std::int64_t now_ms) {
  if (value.size() <= 20) {
    if (auto number = parse_int64(value))
      return set(key, Object::integer(*number), keep_ttl, now_ms);
  }
  if (value.size() > Object::kEmbstrMaxLength) {
    return set(key, Object::plain_string(std::string(value)), keep_ttl, now_ms);
  }
  Entry* entry = lookup(key, now_ms);
  if (entry == nullptr) {
    Entry& added = insert(key, value.size());
    added.store_inline(value);
    added.value.access_time_ms = now_ms;
    return added;
  }
  if (!entry->store_inline(value)) {
    return set(key, Object::plain_string(std::string(value)), keep_ttl, now_ms);
  }
  entry->value.access_time_ms = now_ms;
  entry->value.lfu_counter = Object::kLfuInitialCounter;
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

void Db::remove_expired(std::string_view key) {
  ++shards_[shard_of(key)]->expired;
  remove(key);
  if (events_ != nullptr) events_->key_expired(*this, key);
}

void Db::remove_evicted(std::string_view key) {
  remove(key);
  if (events_ != nullptr) events_->key_evicted(*this, key);
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

void Db::count_changes(Shard& shard, std::uint64_t count) {
  // Only the shard's lock holder writes: a load and a store, no read-modify-write.
  shard.changes.store(shard.changes.load(std::memory_order_relaxed) + count,
                      std::memory_order_relaxed);
}

std::uint64_t Db::changes() const {
  std::uint64_t total = 0;
  for (const auto& shard : shards_) total += shard->changes.load(std::memory_order_relaxed);
  return total;
}

void Db::mark_modified(const Entry& entry) {
  touch(*shards_[shard_index(entry.hash)], entry.key, false);
}

void Db::touch(Shard& shard, std::string_view key, bool removed) {
  count_changes(shard, 1);
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
  count_changes(shard, removed);
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
    // Waiters stay with their database: the keys they wait on may exist now.
    for (const auto& [key, waiters] : mine.blocked) note_ready(key);
    for (const auto& [key, waiters] : theirs.blocked) other.note_ready(key);
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

void Db::signal_if_blocked(Shard& shard, std::string_view key) {
  if (!shard.blocked.empty() && shard.blocked.contains(key)) note_ready(key);
}

void Db::note_ready(std::string_view key) {
  std::lock_guard lock(ready_mutex_);
  ready_.emplace_back(key);
  if (!has_ready_.exchange(true, std::memory_order_release) && ready_databases_ != nullptr) {
    ready_databases_->fetch_add(1, std::memory_order_release);
  }
}

std::vector<std::string> Db::take_ready() {
  std::lock_guard lock(ready_mutex_);
  if (has_ready_.exchange(false, std::memory_order_relaxed) && ready_databases_ != nullptr) {
    ready_databases_->fetch_sub(1, std::memory_order_relaxed);
  }
  return std::exchange(ready_, {});
}

void ShardLocks::add_all(Db& db) {
  for (std::size_t i = 0; i < db.shard_count(); ++i) add(db, i);
}

namespace {

// A shard is held for one command (a few microseconds at most), and benchmark-style traffic
// sends every client's commands to one key. goro::Mutex spins only when its P has nothing else
// queued (Go's rule), so with many clients a waiter parks at once, the P switches to the next
// client, which contends for the same shard and parks too, and the shard's data moves between
// CPUs with each hand-off. A short spin on try_lock first (8 probes, 30 pauses apart: a few
// microseconds) usually outlasts the holder. ZADD -P 16 from 50 clients at GOMAXPROCS=2,
// alternating runs of 3,000,000 requests: 299k-427k -> 352k-479k req/s (Redis 386k).
void lock_shard_mutex(ShardMutex& mutex) {
  constexpr int kProbes = 8;
  constexpr int kPausesPerProbe = 30;
  if (mutex.try_lock()) return;
  for (int probe = 0; probe < kProbes; ++probe) {
    for (int i = 0; i < kPausesPerProbe; ++i) cpu_relax();
    if (mutex.try_lock()) return;
  }
  mutex.lock();
}

}  // namespace

void ShardLocks::add(Db& db, std::size_t shard) {
  if (spill_.empty() && inline_count_ < kInlineSlots) {
    inline_[inline_count_++] = {&db, shard};
    return;
  }
  if (spill_.empty()) spill_.assign(inline_.begin(), inline_.begin() + inline_count_);
  spill_.push_back({&db, shard});
}

void ShardLocks::lock() {
  std::span<Slot> wanted = slots();
  std::sort(wanted.begin(), wanted.end(), [](const Slot& a, const Slot& b) {
    if (a.db->id() != b.db->id()) return a.db->id() < b.db->id();
    return a.shard < b.shard;
  });
  const auto end = std::unique(wanted.begin(), wanted.end(), [](const Slot& a, const Slot& b) {
    return a.db == b.db && a.shard == b.shard;
  });
  const auto distinct = static_cast<std::size_t>(end - wanted.begin());
  if (spill_.empty()) {
    inline_count_ = distinct;
  } else {
    spill_.resize(distinct);
  }
  for (const Slot& slot : slots()) {
    lock_shard_mutex(slot.db->shard(slot.shard).mutex);
    ++locked_;
  }
  for (const Slot& slot : slots()) capture_pending_snapshot(*slot.db, slot.shard);
}

void ShardLocks::unlock() {
  const std::span<Slot> held = slots().first(locked_);
  for (auto slot = held.rbegin(); slot != held.rend(); ++slot) {
    slot->db->shard(slot->shard).mutex.unlock();
  }
  locked_ = 0;
  inline_count_ = 0;
  spill_.clear();
}

std::uint64_t ShardLocks::changes() const {
  std::uint64_t sum = 0;
  for (const Slot& slot : slots()) {
    sum += slot.db->shard(slot.shard).changes.load(std::memory_order_relaxed);
  }
  return sum;
}

}  // namespace gorodis
