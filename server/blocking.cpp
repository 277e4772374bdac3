// blocking.cpp — see blocking.hpp for the states and the no-lost-wake-up argument.
#include "blocking.hpp"

#include "aof.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "goro/select.hpp"
#include "goro/time.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

constexpr std::string_view kUnblockedError = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

// Moves the client out of kWaiting into `to`; false when another party got there first.
bool leave_waiting(BlockedClient& blocked, BlockedClient::State to) {
  int expected = BlockedClient::kWaiting;
  return blocked.state.compare_exchange_strong(expected, to);
}

void erase_from_queue(Shard& shard, std::string_view key, const BlockedClient* blocked) {
  auto queue = shard.blocked.find(key);
  if (queue == shard.blocked.end()) return;
  std::erase(queue->second, blocked);
  if (queue->second.empty()) shard.blocked.erase(queue);
}

// Locks `key` plus the keys in `extra` (global order).
void lock_keys(ShardLocks& locks, Db& db, std::string_view key,
               const std::vector<std::string>& extra) {
  locks.add_key(db, key);
  for (const std::string& other : extra) locks.add_key(db, other);
  locks.lock();
}

// Serves `key`'s waiters while the key holds a value that can serve them.
void serve_key(Server& server, Db& db, const std::string& key) {
  std::vector<std::string> extra;  // the extra keys locked besides `key` in this round
  for (;;) {
    ShardLocks locks;
    lock_keys(locks, db, key, extra);
    Shard& shard = db.shard(db.shard_of(key));
    auto queue = shard.blocked.find(key);
    if (queue == shard.blocked.end()) return;
    const std::int64_t now_ms = server.now_us() / 1000;
    Entry* entry = db.lookup(key, now_ms);
    if (entry == nullptr) return;
    // The oldest waiter that this key's type can serve; ones that left kWaiting are dropped
    // (their owners would remove them anyway).
    std::deque<BlockedClient*>& waiters = queue->second;
    std::erase_if(
        waiters, [](const BlockedClient* w) { return w->state.load() != BlockedClient::kWaiting; });
    auto chosen = std::find_if(waiters.begin(), waiters.end(), [&](const BlockedClient* w) {
      return w->type == entry->value.type();
    });
    if (chosen == waiters.end()) {
      if (waiters.empty()) shard.blocked.erase(queue);
      return;
    }
    BlockedClient& blocked = **chosen;
    std::vector<std::string> needed = blocked.extra_keys;
    std::sort(needed.begin(), needed.end());
    if (!std::includes(extra.begin(), extra.end(), needed.begin(), needed.end())) {
      // It writes to keys whose shards are not locked yet: lock them too and look again (the
      // queue may change while no lock is held).
      extra = std::move(needed);
      continue;
    }
    if (!leave_waiting(blocked, BlockedClient::kServing)) continue;
    waiters.erase(chosen);
    if (waiters.empty()) shard.blocked.erase(queue);
    ReplyBuilder reply(blocked.protocol);
    CommandContext ctx{server, *blocked.client,  blocked.argv_views,
                       reply,  *blocked.command, now_ms};
    blocked.serve(ctx, key);
    // Logged as the non-blocking form it was served as (the ServeFn's log_as).
    if (server.aof().logging()) {
      blocked.client->aof_offset = server.aof().log_block(logged_forms(ctx, db.id()));
    }
    blocked.reply = reply.take();
    blocked.state.store(BlockedClient::kServed);
    // The owner cannot free `blocked` before it gets this shard's lock, still held here.
    blocked.wake.try_send(goro::Unit{});
  }
}

}  // namespace

std::optional<std::int64_t> timeout_argument(CommandContext& ctx, std::size_t index) {
  auto seconds = parse_long_double(ctx.argv[index]);
  if (!seconds) {
    ctx.reply.error("ERR timeout is not a float or out of range");
    return std::nullopt;
  }
  // Redis converts with a plain cast: values beyond the 64-bit range (inf, 1e16 s) come out
  // negative and are rejected as such.
  const long double ms = std::ceil(*seconds * 1000.0L);
  if (!(ms >= 0 && ms < 9223372036854775807.0L)) {
    ctx.reply.error("ERR timeout is negative");
    return std::nullopt;
  }
  return static_cast<std::int64_t>(ms);
}

void block_for_keys(CommandContext& ctx, std::span<const std::string_view> keys,
                    std::int64_t timeout_ms, ObjectType type, ServeFn serve,
                    std::vector<std::string> extra_keys) {
  auto blocked = std::make_shared<BlockedClient>();
  blocked->client = &ctx.client;
  blocked->command = &ctx.command;
  blocked->db_index = ctx.client.db_index;
  blocked->protocol = ctx.reply.protocol();
  blocked->argv.assign(ctx.argv.begin(), ctx.argv.end());
  blocked->argv_views.assign(blocked->argv.begin(), blocked->argv.end());
  blocked->extra_keys = std::move(extra_keys);
  blocked->type = type;
  blocked->serve = serve;
  blocked->timeout_ms = timeout_ms;
  Db& db = ctx.db();
  for (std::string_view key : keys) {
    if (std::find(blocked->keys.begin(), blocked->keys.end(), key) != blocked->keys.end()) {
      continue;
    }
    blocked->keys.emplace_back(key);
    Shard& shard = db.shard(db.shard_of(key));
    shard.blocked.try_emplace(std::string(key)).first->second.push_back(blocked.get());
  }
  ctx.client.update([&] { ctx.client.blocked = std::move(blocked); });
}

void wait_blocked(Server& server, ClientState& client, ReplyBuilder& reply) {
  std::shared_ptr<BlockedClient> blocked = client.blocked;
  goro::Chan<goro::Unit> gone;  // nil (never ready) for in-process clients
  if (client.start_watch) gone = client.start_watch();
  goro::Timer timer;
  goro::Chan<goro::Time> expired;  // nil when waiting forever
  if (blocked->timeout_ms > 0) {
    timer = goro::Timer(std::chrono::milliseconds(blocked->timeout_ms));
    expired = timer.c();
  }
  BlockedClient::State outcome = BlockedClient::kServed;
  goro::select(goro::recv_case(blocked->wake, [](auto) {}),
               goro::recv_case(expired, [&](auto) { outcome = BlockedClient::kTimedOut; }),
               goro::recv_case(gone, [&](auto) { outcome = BlockedClient::kGone; }));
  if (timer) timer.stop();
  if (client.stop_watch) client.stop_watch();
  {
    // With every key's shard locked, no server is midway through serving this client.
    Db& db = server.db(blocked->db_index);
    ShardLocks locks;
    for (const std::string& key : blocked->keys) locks.add_key(db, key);
    locks.lock();
    if (outcome != BlockedClient::kServed) leave_waiting(*blocked, outcome);
    for (const std::string& key : blocked->keys) {
      erase_from_queue(db.shard(db.shard_of(key)), key, blocked.get());
    }
  }
  switch (blocked->state.load()) {
    case BlockedClient::kServed:
      reply.buffer().append(blocked->reply);
      break;
    case BlockedClient::kUnblockedError:
      reply.error(kUnblockedError);
      break;
    default:  // timed out, unblocked as a timeout, or gone (the reply is then never sent)
      reply.null_array();
      break;
  }
  client.update([&] { client.blocked.reset(); });
}

void serve_ready_keys(Server& server) {
  if (!server.has_ready_keys()) return;
  for (bool served = true; served;) {
    served = false;
    for (int i = 0; i < server.database_count(); ++i) {
      Db& db = server.db(i);
      if (!db.has_ready()) continue;
      for (const std::string& key : db.take_ready()) serve_key(server, db, key);
      served = true;
    }
  }
}

bool unblock_client(Server& server, std::uint64_t id, bool as_error) {
  std::shared_ptr<BlockedClient> blocked;
  server.clients().for_each([&](ClientState& client) {
    if (client.id != id) return;
    std::lock_guard lock(client.info_mutex);
    blocked = client.blocked;
  });
  if (!blocked || !leave_waiting(*blocked, as_error ? BlockedClient::kUnblockedError
                                                    : BlockedClient::kTimedOut)) {
    return false;
  }
  blocked->wake.try_send(goro::Unit{});
  return true;
}

}  // namespace gorodis
