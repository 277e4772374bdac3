// server.hpp — the execution entry point the connection layer calls, independent of sockets.
//
// A connection owns a ClientState and a RequestParser; for each parsed command it calls
// Server::execute(client, argv, reply) and writes reply.buffer() to the socket. execute() is
// safe to call from many threads/goroutines at once: it resolves the command in the
// CommandTable, checks arity and authentication, queues it instead when the client is inside
// MULTI (multi.hpp), locks the shards of the command's keys (ShardLocks, global order), runs
// the handler and unlocks, then accounts the call (INFO commandstats, SLOWLOG). Commands of
// independent shards run in parallel.
//
// Besides the keyspace, the Server holds what every connection shares: the run-time Settings,
// the ClientRegistry, statistics, the slow log and the CLIENT PAUSE state. The connection
// layer (networking.cpp) owns the sockets; nothing here does I/O.
//
// Time: Redis evaluates all expiry decisions of one command against a single snapshot of the
// clock, taken when the command starts; CommandContext::now_ms is that snapshot. The clock is
// injectable (unix microseconds) so that tests can drive expiry deterministically.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "command_table.hpp"
#include "config.hpp"
#include "db.hpp"
#include "goro/chan.hpp"
#include "goro/sync.hpp"
#include "multi.hpp"
#include "resp.hpp"
#include "slowlog.hpp"
#include "stats.hpp"

namespace gorodis {

struct BlockedClient;  // blocking.hpp
class Evictor;         // evict.hpp
class PubSub;
struct PubSubClient;
class Aof;

struct ServerConfig {
  int databases = 16;
  unsigned shard_bits = 4;  // 16 shards per database
};

// What CLIENT REPLY asked for: replies dropped for good (kOff) or for the next command only
// (kSkipNext set by CLIENT REPLY SKIP, becoming kSkip for the command after it).
enum class ReplyMode { kOn, kOff, kSkipNext, kSkip };

// Per-connection state that commands read or change. The owning goroutine reads its fields
// freely; other goroutines (CLIENT LIST, CLIENT KILL, INFO) see a client only through the
// ClientRegistry and read the shared fields under info_mutex, which is why the owner changes
// db_index, protocol, name and no_evict only under it (see ClientState::update).
struct ClientState {
  std::uint64_t id = 0;
  int db_index = 0;
  int protocol = 2;  // RESP version, changed by HELLO
  std::string name;
  bool no_evict = false;
  bool authenticated = true;
  ReplyMode reply_mode = ReplyMode::kOn;
  bool close_after_reply = false;  // QUIT, CLIENT KILL of oneself: close once the reply is out
  MultiState multi;                // MULTI queue and WATCHed keys (multi.cpp)
  // The AOF offset of this client's last logged write: its replies leave once the log is
  // durable up to there (aof.cpp). Set by its own goroutine, or by the one serving it while
  // it is blocked (under the shard lock it then takes itself).
  std::uint64_t aof_offset = 0;

  // Connection facts fixed when it is accepted (empty, and fd -1, for in-process clients).
  std::string addr;
  std::string laddr;
  int fd = -1;
  bool unix_socket = false;
  std::int64_t created_ms = 0;
  // Kept current by the connection goroutine for others to read.
  std::atomic<std::int64_t> last_interaction_ms{0};
  std::atomic<const CommandSpec*> last_command{nullptr};
  std::atomic<std::size_t> query_buffer_bytes{0};
  // Closes the connection from another goroutine (CLIENT KILL); empty for in-process clients.
  std::function<void()> kill;
  // Set by CLIENT KILL: the client is gone for CLIENT LIST/KILL even before its goroutine has
  // noticed and unregistered (Redis frees a killed client at once).
  std::atomic<bool> killed{false};
  // Subscriptions and outbox (pubsub.hpp), created by the first (P|S)SUBSCRIBE under
  // info_mutex; from then on all the connection's output goes through the outbox.
  std::shared_ptr<PubSubClient> pubsub;
  mutable goro::Mutex info_mutex;

  // Blocking commands (blocking.hpp). `blocked` is the registration while a command of this
  // client waits (set and cleared by the owner under info_mutex; CLIENT UNBLOCK reads it under
  // it). `no_blocking` makes blocking commands answer as if timed out (as they do in EXEC).
  std::shared_ptr<BlockedClient> blocked;
  bool no_blocking = false;
  // Set by the connection layer (empty for in-process clients): while a command is blocked,
  // start_watch() flushes pending replies, watches the connection and returns a channel closed
  // if it goes away; stop_watch() ends the watch, keeping any input read meanwhile.
  std::function<goro::Chan<goro::Unit>()> start_watch;
  std::function<void()> stop_watch;

  // Runs `change` (which modifies shared fields) under info_mutex.
  template <class F>
  void update(F change) {
    std::lock_guard lock(info_mutex);
    change();
  }
};

// Every connected client, by id (the order CLIENT LIST shows).
class ClientRegistry {
 public:
  // Registers `client` unless `limit` clients are already registered.
  bool add(ClientState& client, std::size_t limit);
  void remove(ClientState& client);
  std::size_t size() const { return count_.load(std::memory_order_relaxed); }
  // Calls visit(ClientState&) for each client with the registry locked: a client cannot go
  // away meanwhile. `visit` must not park for long (it blocks connects and disconnects).
  template <class F>
  void for_each(F visit) {
    std::lock_guard lock(mutex_);
    for (auto& [id, client] : clients_) visit(*client);
  }

 private:
  goro::Mutex mutex_;
  std::map<std::uint64_t, ClientState*> clients_;
  std::atomic<std::size_t> count_{0};
};

// CLIENT PAUSE: until `end_ms`, commands of normal clients wait (all of them, or only writes).
struct PauseState {
  enum Mode { kNone = 0, kWrite = 1, kAll = 2 };
  std::atomic<int> mode{kNone};
  std::atomic<std::int64_t> end_ms{0};
  // Whether `client`'s `command` must wait now. Like Redis, an EXEC whose queue holds a write
  // counts as a write.
  bool blocks(const CommandSpec& command, const ClientState& client, std::int64_t now_ms) const;
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
  explicit Server(ServerConfig config = {}, UnixMicrosClock clock = system_unix_micros,
                  std::unique_ptr<Settings> settings = nullptr);
  ~Server();

  // Runs one command and appends exactly one reply to `reply` (which must use the client's
  // protocol; HELLO switches both). `argv` must not be empty.
  void execute(ClientState& client, std::span<const std::string_view> argv, ReplyBuilder& reply);
  // Runs a resolved and checked command: locks its keys' shards (unless `in_exec`: EXEC holds
  // them already), runs the handler, accounts the call. `now_us` is the clock snapshot the
  // command sees (EXEC passes its own, as Redis freezes the clock for a transaction).
  void call(ClientState& client, const CommandSpec& command, std::span<const std::string_view> argv,
            ReplyBuilder& reply, std::int64_t now_us, bool in_exec = false);

  // One active expiry pass (Redis activeExpireCycle) over shard group `group` of `groups` (the
  // shards whose global index is group modulo groups): for each shard in turn, samples keys
  // with a TTL, deletes the expired ones and repeats while more than 25% of a sample was
  // expired, until `budget` is spent. Resumes where the group's previous pass stopped. Meant to
  // be called periodically by one background goroutine per group (at most one caller per group
  // at a time; `groups` at most the total shard count and the same on every call).
  ActiveExpireStats active_expire_cycle(std::chrono::microseconds budget, std::size_t group = 0,
                                        std::size_t groups = 1);

  Db& db(int index) { return *dbs_[static_cast<std::size_t>(index)]; }
  int database_count() const { return static_cast<int>(dbs_.size()); }
  bool has_ready_keys() const { return ready_databases_.load(std::memory_order_acquire) != 0; }
  const ServerConfig& config() const { return config_; }
  std::int64_t now_us() const { return clock_(); }
  std::uint64_t next_client_id() { return next_client_id_.fetch_add(1) + 1; }
  // Run-time configuration (CONFIG GET/SET, the config file and command line).
  Settings& settings() { return *settings_; }
  // proto-max-bulk-len now: it also bounds the strings commands build (SETRANGE, LCS ...).
  long long proto_max_bulk_len() const {
    return settings_->proto_max_bulk_len.load(std::memory_order_relaxed);
  }
  ServerStats& stats() { return stats_; }
  ClientRegistry& clients() { return clients_; }
  Slowlog& slowlog() { return *slowlog_; }
  PauseState& pause() { return pause_; }
  PubSub& pubsub() { return *pubsub_; }
  Aof& aof() { return *aof_; }
  Evictor& evictor() { return *evictor_; }
  std::int64_t start_time_us() const { return start_time_us_; }
  // Unix time of the last successful save (LASTSAVE); the start time before any.
  std::atomic<std::int64_t>& last_save_s() { return last_save_s_; }
  // Set while a SAVE or BGSAVE runs (one at a time).
  std::atomic<bool>& save_in_progress() { return save_in_progress_; }
  std::atomic<bool>& last_bgsave_ok() { return last_bgsave_ok_; }
  // Changes to all databases so far (Redis's server.dirty without its resets), and its value
  // at the mark of the last successful save: their difference is rdb_changes_since_last_save.
  std::uint64_t changes() const;
  std::atomic<std::uint64_t>& changes_at_last_save() { return changes_at_last_save_; }
  // Unix time of the last background save attempt (save rules retry a failed one after 5 s).
  std::atomic<std::int64_t>& last_bgsave_try_s() { return last_bgsave_try_s_; }
  // Used memory once the server was ready, before loading data (Redis initial_memory_usage;
  // MEMORY STATS startup.allocated).
  std::atomic<std::size_t>& startup_memory() { return startup_memory_; }

 private:
  ServerConfig config_;
  UnixMicrosClock clock_;
  std::unique_ptr<Settings> settings_;
  std::vector<std::unique_ptr<Db>> dbs_;
  // How many of dbs_ hold ready keys (Db::note_ready): serve_ready_keys's fast exit.
  std::atomic<int> ready_databases_{0};
  std::atomic<std::uint64_t> next_client_id_{0};
  // Per shard group: how many of its shards active expiry has visited (it resumes there).
  std::vector<std::size_t> expire_cursors_;
  ServerStats stats_;
  ClientRegistry clients_;
  std::unique_ptr<Slowlog> slowlog_;
  PauseState pause_;
  std::int64_t start_time_us_;
  std::atomic<std::int64_t> last_save_s_;
  std::atomic<bool> save_in_progress_{false};
  std::atomic<bool> last_bgsave_ok_{true};
  std::atomic<std::uint64_t> changes_at_last_save_{0};
  std::atomic<std::int64_t> last_bgsave_try_s_{0};
  std::atomic<std::size_t> startup_memory_{0};
  std::unique_ptr<PubSub> pubsub_;
  std::unique_ptr<Aof> aof_;  // sees key events first, then hands them to pubsub_
  std::unique_ptr<Evictor> evictor_;
};

// What a handler sees.
struct CommandContext {
  Server& server;
  ClientState& client;
  std::span<const std::string_view> argv;
  ReplyBuilder& reply;
  const CommandSpec& command;
  std::int64_t now_ms;
  // The command runs inside EXEC (multi.cpp). EXEC holds every shard lock the command needs
  // (for a LockPolicy::kManual command: every shard of every database), so a handler never
  // locks itself here (see lock()), and a blocking command must behave as if its timeout had
  // expired at once (Redis CLIENT_DENY_BLOCKING): it cannot wait while holding the EXEC.
  bool in_exec = false;
  // How the AOF logs this call when not as argv (Redis rewriteClientCommandVector and
  // alsoPropagate): set by handlers whose effect is relative or random (EXPIRE -> PEXPIREAT,
  // SPOP -> SREM ...); the commands, in order, replace argv in the log.
  std::vector<std::vector<std::string>> log_as = {};

  Db& db() const { return server.db(client.db_index); }
  // How a handler that locks for itself (LockPolicy::kManual) acquires `locks`: a no-op
  // inside EXEC, which holds them all already.
  void lock(ShardLocks& locks) const {
    if (!in_exec) locks.lock();
  }
  // The same for one shard: holds its lock (none inside EXEC) until the result goes away.
  std::optional<ShardGuard> lock_shard(Db& db, std::size_t shard) const {
    return in_exec ? std::optional<ShardGuard>()
                   : std::optional<ShardGuard>(std::in_place, db, shard);
  }
  std::size_t argc() const { return argv.size(); }
  void log_as_command(std::vector<std::string> command) { log_as.push_back(std::move(command)); }
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
inline constexpr std::string_view kBadClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kOom = "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr std::string_view kBgsaveMisconf =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB "
    "error.";
inline constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
}  // namespace errors

// Adds to `locks` the shards the dispatcher locks for `command` in `db`: its keys' shards
// (from the key specs), none for a LockPolicy::kManual command.
void add_dispatcher_shards(ShardLocks& locks, Db& db, const CommandSpec& command,
                           std::span<const std::string_view> argv);

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
// Whether user/password may log in: the only user is "default", whose password is
// requirepass (any password when none is set). Constant-time in the password.
bool check_credentials(Server& server, std::string_view user, std::string_view password);
// Starts the background goroutines (server_admin.cpp): one active-expiry loop per shard group
// (GOMAXPROCS groups); the first group also samples INFO ops/sec, applies the save rules and
// carries out a shutdown requested by a signal. REQUIRES: inside goro::run.
void start_server_cron(Server& server);
// Called from the signal-waiting thread on SIGTERM/SIGINT: the cron shuts down (saving first when
// save rules are configured, like Redis) within one cron period. A second signal while that is
// under way exits at once without saving.
void request_shutdown(Server& server, int signal);
// Logs `reason`, removes the Unix socket file and ends the process (SHUTDOWN, SIGTERM).
[[noreturn]] void shutdown_server(Server& server, std::string_view reason);

// CLIENT SETNAME / HELLO SETNAME: only printable ASCII without spaces.
bool valid_client_name(std::string_view name);
// Redis addReplyHelp: "<CONTAINER> <subcommand> ...", the lines, then HELP's own entry.
void reply_help(CommandContext& ctx, std::string_view container,
                std::initializer_list<std::string_view> lines);
// "ERR invalid expire time in '<name>' command".
void reply_invalid_expire(CommandContext& ctx);

// The SCAN family's cursor (Redis parseScanCursorOrReply): "ERR invalid cursor" when malformed.
std::optional<std::uint64_t> cursor_argument(CommandContext& ctx, std::size_t index);
// The SCAN family's options from argv[first] on (Redis scanGenericCommand): COUNT (at least 1)
// and MATCH for all of them, TYPE for SCAN only. Replies and returns nullopt on error.
struct ScanOptions {
  long long count = 10;
  std::optional<std::string_view> pattern;  // none also for "*", which matches everything
  std::optional<std::string_view> type;
  bool matches(std::string_view element) const;
};
std::optional<ScanOptions> scan_options(CommandContext& ctx, std::size_t first, bool allow_type);

// How a command looks a key up, after Redis's lookupKey variants (INFO keyspace_hits and
// keyspace_misses count read lookups only, one per key looked up).
enum class Lookup : std::uint8_t {
  kWrite,        // lookupKeyWrite: records the access, counts nothing
  kRead,         // lookupKeyRead: records the access, counts a hit or a miss
  kReadNoTouch,  // lookupKeyReadWithFlags(LOOKUP_NOTOUCH) (TYPE, EXISTS, TTL ...):
                 // counts a hit or a miss, leaves the access time alone
  kInspect,      // LOOKUP_NOTOUCH | LOOKUP_NONOTIFY (OBJECT): as kReadNoTouch, but a miss
                 // raises no "keymiss" event
};
// Looks up a live key (lazily expiring it) and, in kWrite and kRead, records the access (LRU
// clock / LFU counter), like Redis lookupKey. Read lookups of a missing key raise the "keymiss"
// keyspace event (except kInspect).
Entry* lookup_key(CommandContext& ctx, std::string_view key, Lookup mode = Lookup::kWrite);
// Looks up a string value. Returns nullptr when missing (no reply written) and sets
// `wrong_type` (after replying WRONGTYPE) when the key holds another type.
Entry* lookup_string(CommandContext& ctx, std::string_view key, bool& wrong_type,
                     Lookup mode = Lookup::kWrite);
// Redis checkStringLength: replies and returns false when size + append exceeds
// proto-max-bulk-len.
bool check_string_length(CommandContext& ctx, long long size, long long append);

}  // namespace gorodis
