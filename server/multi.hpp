// multi.hpp — a client's transaction state (MULTI queue, WATCHed keys) and the hooks through
// which Server::execute queues commands and refuses them inside MULTI. The commands (MULTI
// EXEC DISCARD WATCH UNWATCH) and the design are in multi.cpp.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aof.hpp"
#include "command_table.hpp"
#include "db.hpp"
#include "resp.hpp"

namespace gorodis {

struct ClientState;
struct CommandContext;

// A command queued between MULTI and EXEC, with its own copy of the arguments (the connection
// reuses its parse buffer).
struct QueuedCommand {
  const CommandSpec* command;
  std::vector<std::string> args;
};

// Owned by ClientState and used only by the client's own goroutine, except the atomics:
// `watch_dirty`, which writes to watched keys set from other goroutines (under the key's shard
// lock), and `listed_count`, which CLIENT LIST reads from other goroutines.
struct MultiState {
  MultiState() = default;
  MultiState(const MultiState&) = delete;
  MultiState& operator=(const MultiState&) = delete;
  // Unwatches (the connection is closing): no shard registry may keep pointing here.
  ~MultiState();

  bool active = false;  // between MULTI and EXEC/DISCARD (Redis CLIENT_MULTI)
  // CLIENT LIST's multi=: the number of queued commands while active, else -1.
  std::atomic<long long> listed_count{-1};
  // A command was refused while queueing: EXEC aborts (Redis CLIENT_DIRTY_EXEC).
  bool queue_failed = false;
  // A queued command locks for itself (LockPolicy::kManual) or changes the database (SELECT):
  // EXEC then takes every shard of every database (see multi.cpp).
  bool whole_keyspace = false;
  // A queued command writes (CLIENT PAUSE WRITE holds such an EXEC back).
  bool has_writes = false;
  std::vector<QueuedCommand> queued;
  // What the queued commands log, gathered while EXEC runs and logged as one block by it.
  std::vector<LoggedCommand> logged;
  // A watched key changed since WATCH (Redis CLIENT_DIRTY_CAS).
  std::atomic<bool> watch_dirty{false};
  std::vector<std::unique_ptr<WatchedKey>> watched;
};

// For Server::execute. A command refused before running (unknown, arity, NOAUTH): writes
// `error`, and inside MULTI flags the transaction so that EXEC aborts; a refused EXEC aborts
// the transaction at once with the reason (Redis rejectCommand).
void reply_refused(ClientState& client, const CommandSpec* command, std::string_view error,
                   ReplyBuilder& reply);
// Inside MULTI, every command except MULTI EXEC DISCARD WATCH QUIT RESET is queued: replies
// +QUEUED and returns true. (execute() has refused no-multi commands already.)
bool queue_in_transaction(ClientState& client, const CommandSpec& command,
                          std::span<const std::string_view> argv, ReplyBuilder& reply);
// Ends any transaction and unwatches every key (DISCARD, RESET, a finished EXEC). The caller
// holds no shard lock of a watched key unless `locks_held`.
void discard_transaction(ClientState& client, bool locks_held = false);

}  // namespace gorodis
