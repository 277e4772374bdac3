// multi.cpp — transactions (Redis multi.c): MULTI EXEC DISCARD WATCH UNWATCH.
//
// Queueing. Between MULTI and EXEC, Server::execute hands every command but MULTI EXEC DISCARD
// WATCH QUIT RESET to queue_in_transaction, which copies it into the client's MultiState and
// replies +QUEUED. Commands refused before that point (unknown, arity, NOAUTH, no-multi) flag
// the transaction (queue_failed) and EXEC replies EXECABORT; a refused EXEC aborts at once
// (Redis rejectCommand/execCommandAbort). A runtime error inside EXEC is just that command's
// reply: nothing is rolled back, as in Redis.
//
// Atomicity. Redis's single thread makes EXEC atomic for free; here other clients run on
// other Ps, so EXEC acquires, once and in the global (database, shard) order, the union of the
// shards its queued commands need (their key specs, in the client's database) plus the shards
// of the client's watched keys, and runs every queued handler through Server::call with
// in_exec set, so that none of them locks again. No other command can touch those shards
// between the WATCH check and the last queued command, and a concurrent reader of several of
// the keys (MGET) holds all their shards at once, so it sees all or nothing of the block.
//
// Commands that lock for themselves (LockPolicy::kManual: KEYS SCAN DBSIZE RANDOMKEY FLUSHDB
// FLUSHALL SWAPDB MOVE COPY INFO DEBUG) and SELECT (the later commands' keys are in another
// database) make EXEC take every shard of every database (MultiState::whole_keyspace). That
// is simple and obviously correct: their shard sets depend on arguments and on state that
// earlier queued commands change (SWAPDB, SELECT, COPY ... DB), and such transactions are rare
// enough that serialising them against everything costs nothing that matters. Their handlers
// lock through CommandContext::lock, a no-op inside EXEC, so the same code is their "locks
// held" core. Rejected: computing each such command's exact shard set at EXEC time (it needs
// every handler's argument parsing twice, and SELECT/SWAPDB inside the block still force
// whole-database sets), and recursive shard locks (goro::Mutex is not recursive, and a lock
// order that depends on what is already held can deadlock).
//
// WATCH. Each shard keeps a registry key -> WatchedKey records (db.hpp); a write to a key
// (Db::add/set/remove, TTL changes, mark_modified, flush, SWAPDB) marks every watcher's client
// dirty under that shard's lock. Because EXEC reads the flag holding the watched keys' shards,
// a write either happened before EXEC locked (and is seen) or happens after EXEC finished: a
// change is never missed, and a write to another key of the same shard never aborts (Redis
// semantics are per key). A key that expires after WATCH also aborts EXEC, one that was
// already expired when watched does not, and its deletion is no change (Redis 7
// isWatchedKeyExpired / wk->expired). Unwatching (EXEC, DISCARD, UNWATCH, RESET, connection
// close via ~MultiState) takes the watched keys' shard locks to unlist the records. Cost: a
// write checks its shard's registry for emptiness when nobody watches there; WATCH and
// unwatching are O(keys watched). Rejected: per-shard version counters (a write to any key of
// the shard aborted the transaction), and Redis's unwatching of a client when it turns dirty
// (it would need the locks of every shard that client watches, from inside another
// command's locked section).
//
// Blocking commands inside EXEC see ctx.in_exec and must not wait (they behave as if their
// timeout expired, Redis CLIENT_DENY_BLOCKING).
//
// AOF / replication hook: exec_command hands the block over in one place, in order, while the
// locks are still held — see the comment at the end of the EXEC loop.
#include "multi.hpp"

#include "aof.hpp"
#include "commands.hpp"
#include "server.hpp"

namespace gorodis {

namespace {

// The commands that act on the transaction itself and so run at once inside MULTI.
bool acts_on_transaction(const CommandSpec& command) {
  CommandHandler handler = command.handler;
  return handler == multi_command || handler == exec_command || handler == discard_command ||
         handler == watch_command || handler == quit_command || handler == reset_command;
}

// Unlists every watch of `multi` from its shard registry and clears the dirty flag. Takes the
// watched keys' shard locks unless the caller holds them.
void unwatch_all(MultiState& multi, bool locks_held) {
  if (!multi.watched.empty()) {
    ShardLocks locks;
    if (!locks_held) {
      for (const auto& watch : multi.watched) locks.add_key(*watch->db, watch->key);
      locks.lock();
    }
    for (const auto& watch : multi.watched) watch->db->remove_watcher(*watch);
    multi.watched.clear();
  }
  // No write can set the flag any more: every registry entry pointing at it is gone.
  multi.watch_dirty.store(false, std::memory_order_relaxed);
}

bool already_watched(const MultiState& multi, const Db& db, std::string_view key) {
  for (const auto& watch : multi.watched) {
    if (watch->db == &db && watch->key == key) return true;
  }
  return false;
}

// What EXEC must hold: the watched keys' shards and the queued commands' shards (every shard
// of every database for a whole-keyspace transaction).
void collect_exec_locks(CommandContext& ctx, const MultiState& multi, ShardLocks& locks) {
  for (const auto& watch : multi.watched) locks.add_key(*watch->db, watch->key);
  if (multi.whole_keyspace) {
    for (int i = 0; i < ctx.server.database_count(); ++i) locks.add_all(ctx.server.db(i));
    return;
  }
  for (const QueuedCommand& queued : multi.queued) {
    std::vector<std::string_view> argv(queued.args.begin(), queued.args.end());
    add_dispatcher_shards(locks, ctx.db(), *queued.command, argv);
  }
}

bool any_watched_key_expired(const MultiState& multi, std::int64_t now_ms) {
  for (const auto& watch : multi.watched) {
    if (watch->db->watched_key_expired(*watch, now_ms)) return true;
  }
  return false;
}

}  // namespace

MultiState::~MultiState() {
  unwatch_all(*this, false);
}

void discard_transaction(ClientState& client, bool locks_held) {
  MultiState& multi = client.multi;
  multi.active = false;
  multi.listed_count.store(-1, std::memory_order_relaxed);
  multi.queue_failed = false;
  multi.whole_keyspace = false;
  multi.has_writes = false;
  multi.queued.clear();
  multi.logged.clear();
  unwatch_all(multi, locks_held);
}

void reply_refused(ClientState& client, const CommandSpec* command, std::string_view error,
                   ReplyBuilder& reply) {
  if (command != nullptr && command->handler == exec_command) {
    discard_transaction(client);
    // Redis formats the reason without the generic "ERR " code (but keeps NOAUTH's).
    if (error.starts_with("ERR ")) error.remove_prefix(4);
    std::string message = "EXECABORT Transaction discarded because of: ";
    message.append(error);
    reply.error(message);
    return;
  }
  reply.error(error);
  if (client.multi.active) client.multi.queue_failed = true;
}

bool queue_in_transaction(ClientState& client, const CommandSpec& command,
                          std::span<const std::string_view> argv, ReplyBuilder& reply) {
  if (acts_on_transaction(command)) return false;
  MultiState& multi = client.multi;
  // Like Redis, a transaction that can only abort stops storing commands (same reply).
  if (!multi.queue_failed && !multi.watch_dirty.load(std::memory_order_relaxed)) {
    multi.queued.push_back({&command, std::vector<std::string>(argv.begin(), argv.end())});
    multi.listed_count.store(static_cast<long long>(multi.queued.size()),
                             std::memory_order_relaxed);
    if (command.locking == LockPolicy::kManual || command.handler == select_command) {
      multi.whole_keyspace = true;
    }
    if (command.flags & kWrite) multi.has_writes = true;
  }
  reply.simple_string("QUEUED");
  return true;
}

void multi_command(CommandContext& ctx) {
  if (ctx.client.multi.active) {
    ctx.reply.error("ERR MULTI calls can not be nested");
    return;
  }
  ctx.client.multi.active = true;
  ctx.client.multi.listed_count.store(0, std::memory_order_relaxed);
  ctx.reply.ok();
}

void discard_command(CommandContext& ctx) {
  if (!ctx.client.multi.active) {
    ctx.reply.error("ERR DISCARD without MULTI");
    return;
  }
  discard_transaction(ctx.client);
  ctx.reply.ok();
}

void exec_command(CommandContext& ctx) {
  MultiState& multi = ctx.client.multi;
  if (!multi.active) {
    ctx.reply.error("ERR EXEC without MULTI");
    return;
  }
  if (multi.queue_failed) {
    ctx.reply.error("EXECABORT Transaction discarded because of previous errors.");
    discard_transaction(ctx.client);
    return;
  }
  ShardLocks locks;
  collect_exec_locks(ctx, multi, locks);
  locks.lock();
  if (multi.watch_dirty.load(std::memory_order_relaxed) ||
      any_watched_key_expired(multi, ctx.now_ms)) {
    ctx.reply.null_array();
    discard_transaction(ctx.client, true);
    return;
  }
  // Redis unwatches before running the block, and the client stays in MULTI while it runs
  // (CLIENT INFO inside the block says so). No queued command can reach the queue.
  unwatch_all(multi, true);
  ctx.reply.array_header(multi.queued.size());
  std::vector<std::string_view> argv;
  for (const QueuedCommand& command : multi.queued) {
    argv.assign(command.args.begin(), command.args.end());
    ctx.server.call(ctx.client, *command.command, argv, ctx.reply, ctx.now_ms * 1000, true);
  }
  // The whole block has run, in order, and `locks` still holds every shard it touched, so no
  // conflicting command can have run in between: the AOF gets it here as one unit.
  if (!multi.logged.empty() && ctx.server.aof().logging()) {
    ctx.client.aof_offset = ctx.server.aof().log_block(multi.logged);
  }
  discard_transaction(ctx.client, true);
}

void watch_command(CommandContext& ctx) {
  MultiState& multi = ctx.client.multi;
  if (multi.active) {
    ctx.reply.error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  // Redis: no point in watching more once a watched key has changed.
  if (!multi.watch_dirty.load(std::memory_order_relaxed)) {
    Db& db = ctx.db();
    for (std::size_t i = 1; i < ctx.argc(); ++i) {
      if (already_watched(multi, db, ctx.argv[i])) continue;
      auto watch = std::make_unique<WatchedKey>(
          WatchedKey{&db, std::string(ctx.argv[i]), &multi.watch_dirty});
      db.add_watcher(*watch, ctx.now_ms);
      multi.watched.push_back(std::move(watch));
    }
  }
  ctx.reply.ok();
}

void unwatch_command(CommandContext& ctx) {
  unwatch_all(ctx.client.multi, false);
  ctx.reply.ok();
}

}  // namespace gorodis
