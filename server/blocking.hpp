// blocking.hpp — clients blocked on keys (Redis blocked.c): BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP
// (t_list.cpp) and BZPOPMIN BZPOPMAX BZMPOP (t_zset.cpp).
//
// Model. Each connection is a goroutine running Server::execute. A blocking command's handler
// runs like any other, with its keys' shard locks held; when it finds none of its keys ready it
// calls block_for_keys(), which registers a BlockedClient on every key's wait queue and returns
// without replying. Server::execute then releases the locks and parks the goroutine in
// wait_blocked() until the client is served, times out, is unblocked (CLIENT UNBLOCK) or its
// connection goes away; the reply it then appends is the one the command would have produced.
//
// Where things live.
//   * Wait queues: Shard::blocked, a map key -> FIFO of BlockedClient*, guarded by the shard's
//     lock like the key itself. A client waiting on several keys sits in several queues.
//   * Ready keys: Db::add/Db::set (under the shard lock) see that a created key has waiters and
//     append it to the database's ready list (Db::note_ready); SWAPDB marks every waited key of
//     both databases. So every way a key comes into existence — LPUSH, LMOVE into it, RENAME,
//     COPY, RESTORE, MOVE, SWAPDB, SMOVE/ZADD for other types — is covered without the
//     commands knowing about blocking.
//   * Serving: serve_ready_keys() runs after every command once its locks are released
//     (Server::execute; EXEC calls it after running its queue). It takes each database's ready
//     keys and, per key: locks the key's shard (plus the shards of the first waiter's extra keys,
//     e.g. BLMOVE's destination, all in the global ShardLocks order), picks the oldest waiter
//     whose type matches the key's value, claims it, runs its ServeFn — the command's own
//     non-blocking code, under a CommandContext carrying the waiter's client and arguments, so
//     the reply is exactly the non-blocking form's — and wakes it; repeats while the key can
//     serve. A BLMOVE that creates its destination makes that key ready in turn, so chains of
//     BLMOVEs are served by the same loop.
//
// States of a BlockedClient (one atomic; every transition is a compare-and-swap from kWaiting,
// except kServing -> kServed by the server that claimed it):
//   kWaiting --server claims--> kServing --reply stored--> kServed
//   kWaiting --timer fires / connection gone (its own goroutine)--> kTimedOut / kGone
//   kWaiting --CLIENT UNBLOCK--> kTimedOut / kUnblockedError
// Exactly one transition out of kWaiting wins, so a client is served at most once and a served
// client never also replies nil. The owner, once woken (by its wake channel, its timer or its
// connection watch), locks the shards of all its keys: any server that claimed it holds one of
// those locks until the reply is stored, so after locking the state is final. It then removes
// itself from every queue (a server removes it from the queue it served from) and only then may
// it be freed: a BlockedClient is alive while it is in any queue, so servers may read queued
// entries under the shard lock.
//
// No lost wake-up: registration happens under the shard locks the handler already holds, in the
// same critical section as the check that found every key empty. A write that later creates the
// key needs that shard lock, so it runs after the registration and sees the waiter (Db::add marks
// the key ready under the lock); a write before it was seen by the check. The ready mark is
// consumed only by a goroutine that then locks the shard and serves, which happens after the
// writer released the lock. The wake channel has capacity 1, so a wake-up sent before the
// waiter parks is kept.
//
// Adding blocking pops for another type (as t_zset.cpp does for BZPOPMIN/BZPOPMAX/BZMPOP):
//   1. In the handler, after the non-blocking attempt found all keys missing:
//        if (!blocking_allowed(ctx)) { ctx.reply.null_array(); return; }
//        block_for_keys(ctx, keys, *timeout, ObjectType::kZset, serve_bzpopmin);
//      with the timeout from timeout_argument(ctx, index) parsed before touching any key.
//   2. Write the ServeFn: `void serve_bzpopmin(CommandContext& ctx, std::string_view key)` pops
//      from `key` (which is guaranteed to exist with the given type, shard locked) and writes the
//      same reply as the non-blocking path — typically the very same function.
//   3. Nothing else: ZADD/ZUNIONSTORE/... create keys through Db::add, which marks them ready.
// Extra keys (locked while serving, never waited on) are for commands that write elsewhere.
//
// MULTI/EXEC: a blocking command inside EXEC must not block (Redis answers as if its timeout
// expired): blocking_allowed() is false for CommandContext::in_exec. Keys made ready by the
// queued commands are served once EXEC is done and its locks are released (Server::call skips
// serve_ready_keys() for the commands inside).
//
// Rejected: waiters polling their keys (latency vs CPU trade-off, and no FIFO fairness); a
// global lock around all queues (serializes every write with waiters behind one mutex, and still
// needs the shard lock to make check-then-register atomic); re-executing the blocked command when
// woken (Redis 7.2's approach: the woken client must then re-acquire locks and may lose the
// element to a newcomer, so FIFO serving would need extra bookkeeping).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "goro/chan.hpp"
#include "server.hpp"

namespace gorodis {

// Serves a blocked client from `key`: called with the shard locks of `key` and of the client's
// extra keys held, `key` holding a value of the type the client waits for. Writes the reply
// (the non-blocking command's) into ctx.reply.
using ServeFn = void (*)(CommandContext& ctx, std::string_view key);

struct BlockedClient {
  enum State : int { kWaiting, kServing, kServed, kTimedOut, kUnblockedError, kGone };

  ClientState* client = nullptr;
  const CommandSpec* command = nullptr;
  int db_index = 0;
  int protocol = 2;
  std::vector<std::string> argv;             // a copy: the connection's buffer moves on
  std::vector<std::string_view> argv_views;  // views of argv, for the serving CommandContext
  std::vector<std::string> keys;             // distinct keys waited on
  std::vector<std::string> extra_keys;       // keys the ServeFn writes besides the served key
  ObjectType type = ObjectType::kList;       // the value type that can serve it
  ServeFn serve = nullptr;
  std::int64_t timeout_ms = 0;  // 0: wait forever
  std::atomic<int> state{kWaiting};
  std::string reply;               // the served reply, set before state becomes kServed
  goro::Chan<goro::Unit> wake{1};  // signalled when the state left kWaiting by another party
};

// Redis getTimeoutFromObjectOrReply in seconds: a float number of seconds, rounded up to whole
// milliseconds; 0 means forever. Replies the error and returns nullopt otherwise.
std::optional<std::int64_t> timeout_argument(CommandContext& ctx, std::size_t index);

// False inside EXEC (and wherever ClientState::no_blocking is set): the command must then
// answer as if its timeout had expired.
inline bool blocking_allowed(const CommandContext& ctx) {
  return !ctx.in_exec && !ctx.client.no_blocking;
}

// Registers the client as waiting on `keys` (each missing or empty, all their shard locks held
// by the caller). Writes no reply: Server::execute parks the client once the locks are released
// and appends the eventual reply.
void block_for_keys(CommandContext& ctx, std::span<const std::string_view> keys,
                    std::int64_t timeout_ms, ObjectType type, ServeFn serve,
                    std::vector<std::string> extra_keys = {});

// Parks until the client registered by block_for_keys is served, times out, is unblocked or its
// connection goes away, then appends its reply. Called by Server::execute with no lock held.
void wait_blocked(Server& server, ClientState& client, ReplyBuilder& reply);

// Serves the waiters of every key made ready since the last call. Call with no shard lock held,
// after any command (or EXEC) that may have created keys.
void serve_ready_keys(Server& server);

// CLIENT UNBLOCK: wakes the client with id `id` if it is blocked; it then replies nil
// (`as_error` false) or the UNBLOCKED error. Returns whether a blocked client was found.
bool unblock_client(Server& server, std::uint64_t id, bool as_error);

}  // namespace gorodis
