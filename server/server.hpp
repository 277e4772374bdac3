// server.hpp — the execution entry point the connection layer calls, independent of sockets.
//
// A connection owns a ClientState and a RequestParser; for each parsed command it calls
// Server::execute(client, argv, reply) and writes reply.buffer() to the socket. execute() is
// safe to call from many threads/goroutines at once: it resolves the command in the
// CommandTable, checks arity, locks the shards of the command's keys (ShardLocks, global
// order), runs the handler and unlocks. Commands of independent shards run in parallel.
//
// Time: Redis evaluates all expiry decisions of one command against a single snapshot of the
// clock, taken when the command starts; CommandContext::now_ms is that snapshot. The clock is
// injectable (unix microseconds) so that tests can drive expiry deterministically.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "command_table.hpp"
#include "db.hpp"
#include "resp.hpp"

namespace gorodis {

struct ServerConfig {
  int databases = 16;
  unsigned shard_bits = 4;      // 16 shards per database
  ProtocolLimits limits;        // proto-max-bulk-len also bounds string growth (SETRANGE ...)
  bool lfu_policy = false;      // maxmemory-policy is an LFU one (OBJECT FREQ vs OBJECT IDLETIME)
  bool rdb_compression = true;  // LZF-compress long strings in DUMP payloads (rdbcompression)
};

// Per-connection state that commands read or change.
struct ClientState {
  std::uint64_t id = 0;
  int db_index = 0;
  int protocol = 2;  // RESP version, changed by HELLO
  std::string name;
};

using UnixMicrosClock = std::function<std::int64_t()>;
std::int64_t system_unix_micros();

struct ActiveExpireStats {
  std::size_t sampled = 0;
  std::size_t expired = 0;
  bool timed_out = false;
};

class Server {
 public:
  explicit Server(ServerConfig config = {}, UnixMicrosClock clock = system_unix_micros);

  // Runs one command and appends exactly one reply to `reply` (which must use the client's
  // protocol; HELLO switches both). `argv` must not be empty.
  void execute(ClientState& client, std::span<const std::string_view> argv, ReplyBuilder& reply);

  // One active expiry pass (Redis activeExpireCycle): for each database shard in turn, samples
  // keys with a TTL, deletes the expired ones and repeats while more than 25% of a sample was
  // expired, until `budget` is spent. Resumes where the previous pass stopped. Meant to be
  // called periodically by a background goroutine.
  ActiveExpireStats active_expire_cycle(std::chrono::microseconds budget);

  Db& db(int index) { return *dbs_[static_cast<std::size_t>(index)]; }
  int database_count() const { return static_cast<int>(dbs_.size()); }
  const ServerConfig& config() const { return config_; }
  std::int64_t now_us() const { return clock_(); }
  std::uint64_t next_client_id() { return next_client_id_.fetch_add(1) + 1; }

 private:
  ServerConfig config_;
  UnixMicrosClock clock_;
  std::vector<std::unique_ptr<Db>> dbs_;
  std::atomic<std::uint64_t> next_client_id_{0};
  std::mutex expire_cursor_mutex_;
  std::size_t expire_cursor_ = 0;  // next (db * shards + shard) for active expiry
};

// What a handler sees.
struct CommandContext {
  Server& server;
  ClientState& client;
  std::span<const std::string_view> argv;
  ReplyBuilder& reply;
  const CommandSpec& command;
  std::int64_t now_ms;

  Db& db() const { return server.db(client.db_index); }
  std::size_t argc() const { return argv.size(); }
};

// Redis's shared error replies.
namespace errors {
inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kSameObject = "ERR source and destination objects are the same";
inline constexpr std::string_view kDbOutOfRange = "ERR DB index is out of range";
inline constexpr std::string_view kBusyKey = "BUSYKEY Target key name already exists.";
inline constexpr std::string_view kStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kBitOffset = "ERR bit offset is not an integer or out of range";
}  // namespace errors

// Shared argument helpers. Each returns nullopt/false after replying with the error.
std::optional<long long> integer_argument(CommandContext& ctx, std::size_t index,
                                          std::string_view error = errors::kNotInteger);
std::optional<long double> long_double_argument(CommandContext& ctx, std::size_t index);
// An int-range integer (Redis getIntFromObjectOrReply).
std::optional<int> int_argument(CommandContext& ctx, std::size_t index,
                                std::string_view error = errors::kNotInteger);
// "ERR wrong number of arguments for '<full name>' command".
void reply_arity_error(CommandContext& ctx);
std::string arity_error_message(std::string_view full_name);
// "ERR invalid expire time in '<name>' command".
void reply_invalid_expire(CommandContext& ctx);

// Looks up a live key and records the access (LRU clock / LFU counter), like Redis lookupKey.
Entry* lookup_key(CommandContext& ctx, std::string_view key);
// Looks up a string value for reading. Returns nullptr when missing (no reply written) and
// sets `wrong_type` (after replying WRONGTYPE) when the key holds another type.
Entry* lookup_string(CommandContext& ctx, std::string_view key, bool& wrong_type);
// Redis checkStringLength: replies and returns false when size + append exceeds
// proto-max-bulk-len.
bool check_string_length(CommandContext& ctx, long long size, long long append);

}  // namespace gorodis
