// config.hpp — gorodis's run-time configuration: one table of parameters, like Redis's config.c,
// behind the config file, the command line and CONFIG GET/SET.
//
// Settings holds every parameter's current value. Values read on hot paths (timeout,
// maxclients, slowlog thresholds) are atomics; strings sit behind a small mutex and are copied
// out. Settings itself is what CONFIG SET changes, so it lives as long as the Server.
//
// The parameter table (config.cpp) says, per name, how to parse, validate, show and apply a
// value and whether it can change at run time; loading a file, the command line (`--port 7000`
// becomes the config line `port 7000`, appended after the file like redis-server does) and
// CONFIG SET all go through it, so they accept exactly the same values and report Redis's error
// texts.
#pragma once

#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gorodis {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

// A value copied in and out under a mutex (held only for the copy, never across a park).
template <class T>
class Guarded {
 public:
  explicit Guarded(T value = {}) : value_(std::move(value)) {}
  T get() const {
    std::lock_guard lock(mutex_);
    return value_;
  }
  void set(T value) {
    std::lock_guard lock(mutex_);
    value_ = std::move(value);
  }

 private:
  mutable std::mutex mutex_;
  T value_;
};

// One `save <seconds> <changes>` rule: BGSAVE when at least `changes` changes are unsaved and
// the last save is more than `seconds` old.
struct SaveRule {
  long long seconds;
  long long changes;
};
// Parses the `save` parameter: pairs of non-negative integers ("" = no rules); nullopt if
// malformed (Redis: "Invalid save parameters").
std::optional<std::vector<SaveRule>> parse_save_rules(std::string_view text);

// One class of client-output-buffer-limit: a client is closed when its pending output exceeds
// `hard` bytes, or `soft` bytes for more than `soft_seconds` (0: no such limit).
struct OutputBufferLimit {
  std::atomic<long long> hard;
  std::atomic<long long> soft;
  std::atomic<long long> soft_seconds;
};
enum ClientClass { kClientNormal = 0, kClientReplica = 1, kClientPubsub = 2 };

// maxmemory-policy values, in the order CONFIG SET's error message lists them.
enum MaxmemoryPolicy {
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
  kAllkeysLru,
  kAllkeysLfu,
  kAllkeysRandom,
  kNoEviction,
};
inline constexpr std::string_view kMaxmemoryPolicyNames[] = {
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};

class Settings {
 public:
  // Immutable once the server runs.
  std::atomic<long long> port{6379};
  Guarded<std::vector<std::string>> bind{{"127.0.0.1"}};
  Guarded<std::string> unixsocket;
  std::atomic<long long> unixsocketperm{0};
  std::atomic<long long> databases{16};
  Guarded<std::string> logfile;  // empty: standard output
  std::atomic<long long> tcp_backlog{511};
  // Changeable with CONFIG SET.
  // Limits of the request parser, applied to each client's next read.
  std::atomic<long long> proto_max_bulk_len{512LL * 1024 * 1024};
  std::atomic<long long> client_query_buffer_limit{1024LL * 1024 * 1024};
  Guarded<std::string> requirepass;  // empty: no password (default user "nopass")
  std::atomic<long long> maxclients{10000};
  std::atomic<long long> timeout{0};  // seconds of idleness before a client is closed; 0: never
  Guarded<std::string> dir;
  std::atomic<int> loglevel{static_cast<int>(LogLevel::kNotice)};
  std::atomic<bool> protected_mode{true};
  std::atomic<long long> slowlog_log_slower_than{10000};  // microseconds; < 0 disables
  std::atomic<long long> slowlog_max_len{128};
  std::atomic<long long> hz{10};
  std::atomic<long long> maxmemory{0};
  std::atomic<int> maxmemory_policy{kNoEviction};  // a MaxmemoryPolicy
  std::atomic<long long> maxmemory_samples{5};
  std::atomic<long long> maxmemory_eviction_tenacity{10};
  std::atomic<long long> lfu_log_factor{10};
  std::atomic<long long> lfu_decay_time{1};  // minutes per counter decrement; 0: no decay
  // Save rules, kept parsed (the cron reads them ten times a second); Redis's default when
  // started without a config file. CONFIG GET shows them as "<seconds> <changes> ...".
  Guarded<std::vector<SaveRule>> save{{{3600, 1}, {300, 100}, {60, 10000}}};
  Guarded<std::string> dbfilename{"dump.rdb"};
  // Refuse writes with MISCONF while the last BGSAVE failed and save rules exist.
  std::atomic<bool> stop_writes_on_bgsave_error{true};
  std::atomic<bool> appendonly{false};
  // appendfsync: index into {"everysec", "always", "no"}.
  enum FsyncPolicy { kFsyncEverysec = 0, kFsyncAlways = 1, kFsyncNo = 2 };
  std::atomic<int> appendfsync{kFsyncEverysec};
  Guarded<std::string> appendfilename{"appendonly.aof"};
  Guarded<std::string> appenddirname{"appendonlydir"};
  std::atomic<long long> auto_aof_rewrite_percentage{100};
  std::atomic<long long> auto_aof_rewrite_min_size{64LL * 1024 * 1024};
  std::atomic<bool> aof_load_truncated{true};
  std::atomic<long long> tcp_keepalive{300};
  // A hash stays a listpack while it has at most this many fields, each field and value at
  // most this many bytes (hash-max-listpack-*, alias hash-max-ziplist-*).
  std::atomic<long long> hash_max_listpack_entries{512};
  std::atomic<long long> hash_max_listpack_value{64};
  // Most members a set keeps in the intset encoding (beyond: a hash table).
  std::atomic<long long> set_max_intset_entries{512};
  // Largest sparse HyperLogLog (header included) before it is promoted to dense.
  std::atomic<long long> hll_sparse_max_bytes{3000};
  // Sorted sets stay listpacks up to this many members of at most this many bytes.
  std::atomic<long long> zset_max_listpack_entries{128};
  std::atomic<long long> zset_max_listpack_value{64};
  // Node bound of new lists (list-max-listpack-size, alias list-max-ziplist-size; see
  // quicklist.hpp). Node compression is not implemented: list-compress-depth is only stored.
  std::atomic<long long> list_max_listpack_size{-2};
  std::atomic<long long> list_compress_depth{0};
  std::atomic<int> notify_keyspace_events{0};  // NotifyClass bits (pubsub.hpp)
  // Process set-up (main.cpp): fork into the background (stdio to /dev/null); write the pid to
  // `pidfile` (also when not daemonized, if set) and remove it at exit; keep transparent huge
  // pages off the process (prctl), as Redis does, so a sparse heap's RSS is not inflated.
  std::atomic<bool> daemonize{false};
  Guarded<std::string> pidfile{""};
  // The configuration file the server was started with, as an absolute path ("" for none):
  // CONFIG REWRITE's target.
  Guarded<std::string> config_file{""};
  std::atomic<bool> disable_thp{true};
  // RDB writing: LZF for strings of 20+ bytes (files and DUMP payloads); the file's CRC64
  // trailer (0 when off, and loading then skips the check, like Redis).
  std::atomic<bool> rdbcompression{true};
  std::atomic<bool> rdbchecksum{true};
  // Leave the AOF unsynced while a rewrite or BGSAVE writes its file (Redis: while a child
  // process runs), trading durability for disk bandwidth.
  std::atomic<bool> no_appendfsync_on_rewrite{false};

  // Accepted so that Redis's configuration files load and CONFIG GET answers, and without
  // effect here: replication (gorodis is never a replica and has none), streams, the ACL log
  // and LATENCY (not implemented), lazy freeing (only when memory is returned, not what a
  // command does), allocator and cron tuning, process titles and the logo.
  std::atomic<bool> always_show_logo{false};
  std::atomic<bool> set_proc_title{true};
  Guarded<std::string> proc_title_template{"{title} {listen-addr} {server-mode}"};
  std::atomic<bool> replica_serve_stale_data{true};
  std::atomic<bool> replica_read_only{true};
  std::atomic<bool> repl_diskless_sync{true};
  std::atomic<long long> repl_diskless_sync_delay{5};
  std::atomic<long long> repl_diskless_sync_max_replicas{0};
  std::atomic<int> repl_diskless_load{0};  // disabled, on-empty-db, swapdb
  std::atomic<bool> repl_disable_tcp_nodelay{false};
  std::atomic<long long> replica_priority{100};
  std::atomic<bool> replica_lazy_flush{false};
  std::atomic<bool> rdb_del_sync_files{false};
  std::atomic<long long> acllog_max_len{128};
  std::atomic<bool> lazyfree_lazy_eviction{false};
  std::atomic<bool> lazyfree_lazy_expire{false};
  std::atomic<bool> lazyfree_lazy_server_del{false};
  std::atomic<bool> lazyfree_lazy_user_del{false};
  std::atomic<bool> lazyfree_lazy_user_flush{false};
  std::atomic<long long> latency_monitor_threshold{0};
  std::atomic<long long> stream_node_max_bytes{4096};
  std::atomic<long long> stream_node_max_entries{100};
  std::atomic<bool> activerehashing{true};
  std::atomic<bool> dynamic_hz{true};
  std::atomic<bool> aof_rewrite_incremental_fsync{true};
  std::atomic<bool> rdb_save_incremental_fsync{true};
  std::atomic<bool> jemalloc_bg_thread{true};
  Guarded<std::string> oom_score_adj_values{"0 200 800"};
  std::array<OutputBufferLimit, 3> client_output_buffer_limit{{
      {0, 0, 0},                                      // normal
      {256LL * 1024 * 1024, 64LL * 1024 * 1024, 60},  // replica
      {32LL * 1024 * 1024, 8LL * 1024 * 1024, 60},    // pubsub
  }};

  // Whether `password` is requirepass, compared in time independent of where they differ.
  bool password_matches(std::string_view password) const;
};

// Parses redis.conf text (plus the command line's options, already turned into config lines)
// into `settings`. Returns an empty string on success, else Redis's FATAL CONFIG FILE ERROR
// report.
std::string load_config(Settings& settings, std::string_view text);

// Turns redis-server style arguments ("--port", "7000", "--save", "", ...) into config lines.
// Returns false (with a message) for an argument that is not an option.
bool options_to_config(const std::vector<std::string_view>& args, std::string& config,
                       std::string& error);

// CONFIG GET for one pattern: appends (name, value) pairs of matching parameters to `out`.
void config_get(const Settings& settings, std::string_view pattern,
                std::vector<std::pair<std::string, std::string>>& out);

// CONFIG REWRITE (Redis rewriteConfig): rewrites the configuration file at `path` with the
// current values — a directive's first line gets its value (its repeats are dropped), comments
// and unknown lines stay, other directives that differ from their defaults are appended after
// "# Generated by CONFIG REWRITE" — into a temporary file renamed over the old one. Returns the
// error text (strerror), or empty on success.
std::string config_rewrite(const Settings& settings, const std::string& path);

// CONFIG SET of several (name, value) pairs: all are validated before any is applied. Returns
// the error reply text, or empty on success.
std::string config_set(Settings& settings, std::span<const std::string_view> pairs);

}  // namespace gorodis
