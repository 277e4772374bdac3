// server_admin.cpp — the server-management commands that need the whole running server: INFO,
// CONFIG GET/SET/RESETSTAT, LASTSAVE, SHUTDOWN and DEBUG (SLEEP, POPULATE), plus the server
// cron goroutine and the shutdown path shared with SIGTERM.
//
// INFO prints Redis 7.0's section and field names. Counters come from ServerStats (atomics
// bumped by Server::execute and the connection layer) and from the shards (key counts, expired
// keys), read under each shard's lock one shard at a time, so INFO never stops the server.
// Memory figures: used memory is memory.hpp's count of allocated bytes (Redis zmalloc's), RSS
// the kernel's, allocator_allocated glibc's mallinfo2.
#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>

#include "aof.hpp"
#include "blocking.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "evict.hpp"
#include "goro/runtime.hpp"
#include "goro/time.hpp"
#include "log.hpp"
#include "memory.hpp"
#include "memory_stats.hpp"
#include "pubsub.hpp"
#include "rdb.hpp"
#include "server.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

constexpr std::string_view kRedisVersion = "7.0.15";
constexpr std::string_view kGorodisVersion = "0.1.0";

// instantaneous_ops_per_sec: the mean of the last 16 per-tick rates, like Redis's
// trackInstantaneousMetric.
class OpsSampler {
 public:
  void sample(std::uint64_t total_commands, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    // After CONFIG RESETSTAT the total restarts from zero: that tick counts no commands.
    if (last_ms_ != 0 && now_ms > last_ms_) {
      const std::uint64_t done = total_commands >= last_count_ ? total_commands - last_count_ : 0;
      rates_[next_++ % rates_.size()] =
          static_cast<double>(done) * 1000.0 / static_cast<double>(now_ms - last_ms_);
    }
    last_ms_ = now_ms;
    last_count_ = total_commands;
  }
  long long rate() {
    std::lock_guard lock(mutex_);
    double sum = 0;
    for (double r : rates_) sum += r;
    return std::llround(sum / static_cast<double>(rates_.size()));
  }

 private:
  std::mutex mutex_;
  std::array<double, 16> rates_{};
  std::size_t next_ = 0;
  std::int64_t last_ms_ = 0;
  std::uint64_t last_count_ = 0;
};

OpsSampler ops_sampler;

// Redis bytesToHuman.
std::string human_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "K", "M", "G", "T", "P"};
  std::size_t unit = 0;
  while (bytes >= 1024 && unit + 1 < std::size(kUnits)) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof text, "%lluB", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(text, sizeof text, "%.2f%s", bytes, kUnits[unit]);
  }
  return text;
}

std::string seconds_with_micros(const timeval& tv) {
  char text[48];
  std::snprintf(text, sizeof text, "%ld.%06ld", static_cast<long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec));
  return text;
}

class InfoWriter {
 public:
  explicit InfoWriter(const CommandContext& ctx) : ctx_(ctx) {}
  // The INFO command being answered (for its shard locking).
  const CommandContext& context() const { return ctx_; }
  void section(std::string_view name) {
    if (!out_.empty()) out_.append("\r\n");
    out_.append("# ").append(name).append("\r\n");
  }
  template <class T>
  void field(std::string_view name, const T& value) {
    out_.append(name).append(":");
    if constexpr (std::is_arithmetic_v<T>) {
      out_.append(std::to_string(value));
    } else {
      out_.append(value);
    }
    out_.append("\r\n");
  }
  std::string& text() { return out_; }

 private:
  const CommandContext& ctx_;
  std::string out_;
};

struct KeyspaceCounts {
  std::size_t keys = 0;
  std::size_t expires = 0;
  std::uint64_t expired = 0;
};

KeyspaceCounts count_keys(const CommandContext& ctx, Db& db) {
  KeyspaceCounts counts;
  for (std::size_t i = 0; i < db.shard_count(); ++i) {
    Shard& shard = db.shard(i);
    auto lock = ctx.lock_shard(db, i);
    counts.keys += shard.keys.size();
    counts.expires += shard.volatile_keys.size();
    counts.expired += shard.expired;
  }
  return counts;
}

void info_server(InfoWriter& w, Server& server) {
  utsname name;
  uname(&name);
  const std::int64_t now_us = server.now_us();
  const std::int64_t uptime = (now_us - server.start_time_us()) / 1000000;
  w.section("Server");
  w.field("redis_version", kRedisVersion);
  w.field("redis_git_sha1", "00000000");
  w.field("redis_git_dirty", 0);
  w.field("redis_build_id", "0");
  w.field("redis_mode", "standalone");
  w.field("os", std::string(name.sysname) + " " + name.release + " " + name.machine);
  w.field("arch_bits", 64);
  w.field("monotonic_clock", "POSIX clock_gettime");
  w.field("multiplexing_api", "epoll");
  w.field("gorodis_version", kGorodisVersion);
  w.field("gomaxprocs", goro::gomaxprocs(0));
  w.field("process_id", static_cast<long long>(getpid()));
  w.field("process_supervised", "no");
  w.field("tcp_port", server.settings().port.load());
  w.field("server_time_usec", now_us);
  w.field("uptime_in_seconds", uptime);
  w.field("uptime_in_days", uptime / 86400);
  w.field("hz", server.settings().hz.load());
  w.field("configured_hz", server.settings().hz.load());
  w.field("io_threads_active", 0);
}

void info_clients(InfoWriter& w, Server& server) {
  std::size_t max_input = 0;
  std::size_t max_output = 0;
  std::size_t blocked = 0;
  std::size_t with_timeout = 0;  // Redis's timeout table: blocked clients with a deadline
  server.clients().for_each([&](ClientState& client) {
    max_input = std::max(max_input, client.query_buffer_bytes.load(std::memory_order_relaxed));
    std::lock_guard lock(client.info_mutex);  // client.pubsub and client.blocked are set under it
    if (client.pubsub != nullptr) {
      max_output = std::max(max_output, client.pubsub->outbox.pending_bytes());
    }
    if (client.blocked != nullptr) {
      ++blocked;
      if (client.blocked->timeout_ms > 0) ++with_timeout;
    }
  });
  w.section("Clients");
  w.field("connected_clients", server.clients().size());
  w.field("cluster_connections", 0);
  w.field("maxclients", server.settings().maxclients.load());
  w.field("client_recent_max_input_buffer", max_input);
  w.field("client_recent_max_output_buffer", max_output);
  w.field("blocked_clients", blocked);
  w.field("tracking_clients", 0);
  w.field("clients_in_timeout_table", with_timeout);
}

void info_memory(InfoWriter& w, Server& server) {
  const MemoryOverhead overhead = memory_overhead(server);
  const std::size_t used = overhead.total;
  const std::size_t rss = resident_memory();
  const std::size_t peak = memory::peak();
  // glibc's own figure (walks its arenas: fine for INFO, too slow per command).
  const struct mallinfo2 info = mallinfo2();
  char peak_perc[32];
  std::snprintf(peak_perc, sizeof peak_perc, "%.2f%%",
                peak == 0 ? 0.0 : 100.0 * static_cast<double>(used) / static_cast<double>(peak));
  const long long maxmemory = server.settings().maxmemory.load();
  const std::size_t system = static_cast<std::size_t>(sysconf(_SC_PHYS_PAGES)) *
                             static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.2f",
                used == 0 ? 0.0 : static_cast<double>(rss) / static_cast<double>(used));
  w.section("Memory");
  w.field("used_memory", used);
  w.field("used_memory_human", human_bytes(static_cast<double>(used)));
  w.field("used_memory_rss", rss);
  w.field("used_memory_rss_human", human_bytes(static_cast<double>(rss)));
  w.field("used_memory_peak", peak);
  w.field("used_memory_peak_human", human_bytes(static_cast<double>(peak)));
  w.field("used_memory_peak_perc", std::string(peak_perc));
  w.field("used_memory_overhead", overhead.overhead_total);
  w.field("used_memory_startup", overhead.startup);
  w.field("used_memory_dataset", overhead.dataset);
  char dataset_perc[32];
  std::snprintf(dataset_perc, sizeof dataset_perc, "%.2f%%", overhead.dataset_percentage);
  w.field("used_memory_dataset_perc", std::string(dataset_perc));
  w.field("allocator_allocated", info.uordblks + info.hblkhd);
  w.field("total_system_memory", system);
  w.field("total_system_memory_human", human_bytes(static_cast<double>(system)));
  w.field("maxmemory", maxmemory);
  w.field("maxmemory_human", human_bytes(static_cast<double>(maxmemory)));
  w.field("maxmemory_policy", kMaxmemoryPolicyNames[server.settings().maxmemory_policy.load()]);
  w.field("mem_fragmentation_ratio", std::string(ratio));
  w.field("mem_fragmentation_bytes", static_cast<long long>(rss) - static_cast<long long>(used));
  w.field("mem_not_counted_for_evict", 0);
  w.field("mem_replication_backlog", 0);
  w.field("mem_total_replication_buffers", 0);
  w.field("mem_clients_slaves", 0);
  w.field("mem_clients_normal", overhead.clients_normal);
  w.field("mem_cluster_links", 0);
  w.field("mem_aof_buffer", overhead.aof_buffer);
  w.field("mem_allocator", "libc");
  w.field("lazyfree_pending_objects", 0);
}

void info_persistence(InfoWriter& w, Server& server) {
  w.section("Persistence");
  w.field("loading", 0);
  w.field("async_loading", 0);
  w.field("rdb_changes_since_last_save", server.changes() - server.changes_at_last_save().load());
  w.field("rdb_bgsave_in_progress", server.save_in_progress().load() ? 1 : 0);
  w.field("rdb_last_save_time", server.last_save_s().load());
  w.field("rdb_last_bgsave_status", server.last_bgsave_ok().load() ? "ok" : "err");
  const Aof& aof = server.aof();
  w.field("aof_enabled", aof.enabled_setting() ? 1 : 0);
  w.field("aof_rewrite_in_progress", aof.rewrite_in_progress() ? 1 : 0);
  w.field("aof_rewrite_scheduled", aof.rewrite_scheduled() ? 1 : 0);
  w.field("aof_last_rewrite_time_sec", aof.last_rewrite_seconds());
  w.field("aof_current_rewrite_time_sec", aof.current_rewrite_seconds());
  w.field("aof_last_bgrewrite_status", aof.last_rewrite_ok() ? "ok" : "err");
  w.field("aof_rewrites", aof.rewrites());
  w.field("aof_rewrites_consecutive_failures", aof.consecutive_failures());
  w.field("aof_last_write_status", aof.last_write_ok() ? "ok" : "err");
  if (aof.enabled_setting()) {
    w.field("aof_current_size", aof.current_size());
    w.field("aof_base_size", aof.base_size());
    w.field("aof_pending_rewrite", aof.rewrite_scheduled() ? 1 : 0);
    w.field("aof_buffer_length", aof.buffer_length());
  }
}

void info_stats(InfoWriter& w, Server& server) {
  ServerStats& stats = server.stats();
  std::uint64_t expired = 0;
  for (int i = 0; i < server.database_count(); ++i)
    expired += count_keys(w.context(), server.db(i)).expired;
  w.section("Stats");
  w.field("total_connections_received", stats.connections_received.load());
  w.field("total_commands_processed", stats.total_calls());
  w.field("instantaneous_ops_per_sec", ops_sampler.rate());
  w.field("total_net_input_bytes", stats.total(Counter::kNetInputBytes));
  w.field("total_net_output_bytes", stats.total(Counter::kNetOutputBytes));
  w.field("rejected_connections", stats.rejected_connections.load());
  w.field("expired_keys", expired);
  w.field("evicted_keys", stats.total(Counter::kEvictedKeys));
  w.field("keyspace_hits", stats.total(Counter::kKeyspaceHits));
  w.field("keyspace_misses", stats.total(Counter::kKeyspaceMisses));
  w.field("pubsub_channels", server.pubsub().channel_count(PubSub::Kind::kChannel));
  w.field("pubsub_patterns", server.pubsub().pattern_count());
  w.field("pubsubshard_channels", server.pubsub().channel_count(PubSub::Kind::kShard));
  w.field("total_error_replies", stats.total(Counter::kErrorReplies));
}

void info_replication(InfoWriter& w) {
  w.section("Replication");
  w.field("role", "master");
  w.field("connected_slaves", 0);
  w.field("master_failover_state", "no-failover");
  w.field("master_repl_offset", 0);
  w.field("second_repl_offset", -1);
  w.field("repl_backlog_active", 0);
}

void info_cpu(InfoWriter& w) {
  rusage self;
  rusage children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  w.section("CPU");
  w.field("used_cpu_sys", seconds_with_micros(self.ru_stime));
  w.field("used_cpu_user", seconds_with_micros(self.ru_utime));
  w.field("used_cpu_sys_children", seconds_with_micros(children.ru_stime));
  w.field("used_cpu_user_children", seconds_with_micros(children.ru_utime));
}

void info_commandstats(InfoWriter& w, Server& server) {
  w.section("Commandstats");
  for (const CommandSpec* command : CommandTable::instance().all()) {
    const CommandTotals stats = server.stats().command(command->ordinal);
    const std::uint64_t calls = stats.calls;
    const std::uint64_t rejected = stats.rejected;
    const std::uint64_t failed = stats.failed;
    if (calls == 0 && rejected == 0 && failed == 0) continue;
    const std::uint64_t usec = stats.usec;
    char line[160];
    std::snprintf(line, sizeof line,
                  "calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu",
                  static_cast<unsigned long long>(calls), static_cast<unsigned long long>(usec),
                  calls == 0 ? 0.0 : static_cast<double>(usec) / static_cast<double>(calls),
                  static_cast<unsigned long long>(rejected),
                  static_cast<unsigned long long>(failed));
    w.field("cmdstat_" + command->full_name, std::string(line));
  }
}

void info_errorstats(InfoWriter& w, Server& server) {
  w.section("Errorstats");
  for (const auto& [prefix, count] : server.stats().error_counts()) {
    w.field("errorstat_" + prefix, "count=" + std::to_string(count));
  }
}

void info_keyspace(InfoWriter& w, Server& server) {
  w.section("Keyspace");
  for (int i = 0; i < server.database_count(); ++i) {
    KeyspaceCounts counts = count_keys(w.context(), server.db(i));
    if (counts.keys == 0) continue;
    w.field("db" + std::to_string(i), "keys=" + std::to_string(counts.keys) + ",expires=" +
                                          std::to_string(counts.expires) + ",avg_ttl=0");
  }
}

struct InfoSection {
  std::string_view name;
  bool in_default;
  void (*write)(InfoWriter&, Server&);
};

constexpr InfoSection kSections[] = {
    {"server", true, info_server},
    {"clients", true, info_clients},
    {"memory", true, info_memory},
    {"persistence", true, info_persistence},
    {"stats", true, info_stats},
    {"replication", true, [](InfoWriter& w, Server&) { info_replication(w); }},
    {"cpu", true, [](InfoWriter& w, Server&) { info_cpu(w); }},
    {"modules", true, [](InfoWriter& w, Server&) { w.section("Modules"); }},
    {"commandstats", false, info_commandstats},
    {"errorstats", true, info_errorstats},
    {"cluster", true,
     [](InfoWriter& w, Server&) {
       w.section("Cluster");
       w.field("cluster_enabled", 0);
     }},
    {"keyspace", true, info_keyspace},
};

}  // namespace

void info_command(CommandContext& ctx) {
  bool all = false;
  bool defaults = ctx.argc() == 1;
  std::vector<std::string_view> wanted;
  for (std::size_t i = 1; i < ctx.argc(); ++i) {
    if (iequals(ctx.argv[i], "all") || iequals(ctx.argv[i], "everything")) {
      all = true;
    } else if (iequals(ctx.argv[i], "default")) {
      defaults = true;
    } else {
      wanted.push_back(ctx.argv[i]);
    }
  }
  InfoWriter writer(ctx);
  for (const InfoSection& section : kSections) {
    bool named = std::any_of(wanted.begin(), wanted.end(),
                             [&](std::string_view w) { return iequals(w, section.name); });
    if (all || named || (defaults && section.in_default)) section.write(writer, ctx.server);
  }
  ctx.reply.verbatim("txt", writer.text());
}

void config_get_command(CommandContext& ctx) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::size_t i = 2; i < ctx.argc(); ++i)
    config_get(ctx.server.settings(), ctx.argv[i], pairs);
  ctx.reply.map_header(pairs.size());
  for (const auto& [name, value] : pairs) {
    ctx.reply.bulk(name);
    ctx.reply.bulk(value);
  }
}

void config_set_command(CommandContext& ctx) {
  if (ctx.argc() % 2 != 0) {  // a parameter without its value (the table's arity covers none)
    ctx.reply.error(errors::kSyntax);
    return;
  }
  std::string error = config_set(ctx.server.settings(), ctx.argv.subspan(2));
  if (error.empty()) {
    ctx.reply.ok();
  } else {
    ctx.reply.error(error);
  }
}

void config_resetstat_command(CommandContext& ctx) {
  ctx.server.stats().reset();
  memory::reset_peak();
  ctx.reply.ok();
}

void config_rewrite_command(CommandContext& ctx) {
  const std::string path = ctx.server.settings().config_file.get();
  if (path.empty()) {
    ctx.reply.error("ERR The server is running without a config file");
    return;
  }
  if (std::string error = config_rewrite(ctx.server.settings(), path); !error.empty()) {
    log(LogLevel::kWarning, "CONFIG REWRITE failed: " + error);
    ctx.reply.error("ERR Rewriting config file: " + error);
    return;
  }
  log(LogLevel::kNotice, "CONFIG REWRITE executed with success.");
  ctx.reply.ok();
}

void config_help_command(CommandContext& ctx) {
  reply_help(
      ctx, "CONFIG",
      {"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
       "SET <directive> <value>", "    Set the configuration <directive> to <value>.", "RESETSTAT",
       "    Reset statistics reported by the INFO command.", "REWRITE",
       "    Rewrite the configuration file."});
}

void bgrewriteaof_command(CommandContext& ctx) {
  const std::string reply = ctx.server.aof().start_rewrite();
  if (reply[0] == '-') {
    ctx.reply.error(std::string_view(reply).substr(1));
  } else {
    ctx.reply.simple_string(std::string_view(reply).substr(1));
  }
}

void lastsave_command(CommandContext& ctx) {
  ctx.reply.integer(ctx.server.last_save_s().load());
}

[[noreturn]] void shutdown_server(Server& server, std::string_view reason) {
  log(LogLevel::kWarning, reason);
  std::string unixsocket = server.settings().unixsocket.get();
  if (!unixsocket.empty()) {
    log(LogLevel::kNotice, "Removing the unix socket file.");
    unlink(unixsocket.c_str());
  }
  std::string pidfile = server.settings().pidfile.get();
  if (!pidfile.empty()) {
    log(LogLevel::kNotice, "Removing the pid file.");
    unlink(pidfile.c_str());
  }
  log(LogLevel::kWarning, "gorodis is now ready to exit, bye bye...");
  // Goroutines may be running on other threads: leave without running destructors under them.
  std::_Exit(0);
}

namespace {

// The signal awaiting the cron (0: none).
std::atomic<int> pending_shutdown_signal{0};

// Redis prepareForShutdown's save: SAVE forces it, NOSAVE skips it, and without either the
// dataset is saved when save rules are configured. Returns false (logged) if the save failed.
bool save_before_shutdown(Server& server, std::optional<bool> save_flag) {
  const bool save = save_flag.value_or(!server.settings().save.get().empty());
  if (!save) return true;
  log(LogLevel::kNotice, "Saving the final RDB snapshot before exiting.");
  if (auto error = save_to_disk(server)) {
    log(LogLevel::kWarning, *error);
    log(LogLevel::kWarning, "Error trying to save the DB, can't exit.");
    return false;
  }
  return true;
}

void shutdown_on_signal(Server& server) {
  const int signal = pending_shutdown_signal.load();
  if (signal == 0) return;
  log(LogLevel::kWarning, signal == SIGINT ? "Received SIGINT scheduling shutdown..."
                                           : "Received SIGTERM scheduling shutdown...");
  if (save_before_shutdown(server, std::nullopt)) {
    shutdown_server(server, "User requested shutdown...");
  }
  log(LogLevel::kWarning,
      "SIGTERM received but errors trying to shut down the server, check the logs for more "
      "information");
  pending_shutdown_signal.store(0);
}

}  // namespace

void request_shutdown(Server& server, int signal) {
  if (pending_shutdown_signal.exchange(signal) != 0) {
    shutdown_server(server, "You insist... exiting now.");
  }
}

void shutdown_command(CommandContext& ctx) {
  std::optional<bool> save;
  for (std::size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view flag = ctx.argv[i];
    if (iequals(flag, "save")) {
      save = true;
    } else if (iequals(flag, "nosave")) {
      save = false;
    } else if (iequals(flag, "abort")) {
      ctx.reply.error("ERR No shutdown in progress.");
      return;
    } else if (!iequals(flag, "now") && !iequals(flag, "force")) {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  if (!save_before_shutdown(ctx.server, save)) {
    ctx.reply.error("ERR Errors trying to SHUTDOWN. Check logs.");
    return;
  }
  shutdown_server(ctx.server, "User requested shutdown...");
}

namespace {

void debug_populate(CommandContext& ctx) {
  auto count = integer_argument(ctx, 2);
  if (!count) return;
  if (*count < 0) {
    ctx.reply.error("ERR value is out of range, must be positive");
    return;
  }
  std::string_view prefix = ctx.argc() >= 4 ? ctx.argv[3] : "key";
  long long size = 0;
  if (ctx.argc() == 5) {
    auto parsed = integer_argument(ctx, 4);
    if (!parsed) return;
    if (*parsed < 0) {
      ctx.reply.error("ERR value is out of range, must be positive");
      return;
    }
    size = *parsed;
  }
  Db& db = ctx.db();
  std::string key(prefix);
  key.push_back(':');
  const std::size_t key_base = key.size();
  for (long long j = 0; j < *count; ++j) {
    key.resize(key_base);
    key.append(std::to_string(j));
    auto lock = ctx.lock_shard(db, db.shard_of(key));
    if (db.lookup(key, ctx.now_ms) != nullptr) continue;
    std::string value = "value:" + std::to_string(j);
    if (size > 0) value.resize(static_cast<std::size_t>(size), '\0');
    db.set_string(key, value, false, ctx.now_ms);
  }
  ctx.reply.ok();
}

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save the RDB, empty the keyspace, load it back.
void debug_reload(CommandContext& ctx) {
  LoadOptions options;
  bool save = true;
  for (std::size_t j = 2; j < ctx.argc(); ++j) {
    if (iequals(ctx.argv[j], "merge")) {
      options.merge = true;
    } else if (iequals(ctx.argv[j], "noflush")) {
      options.flush = false;
    } else if (iequals(ctx.argv[j], "nosave")) {
      save = false;
    } else {
      ctx.reply.error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
      return;
    }
  }
  if (save) {
    if (auto error = save_to_disk(ctx.server, ctx.in_exec)) {
      log(LogLevel::kWarning, *error);
      ctx.reply.error("ERR Error trying to save the RDB dump, check server logs.");
      return;
    }
  }
  bool loaded = false;
  options.locks_held = ctx.in_exec;
  auto error = load_snapshot(ctx.server, ctx.server.settings().dbfilename.get(), loaded, options);
  if (error || !loaded) {
    log(LogLevel::kWarning, error.value_or("No RDB file to load"));
    ctx.reply.error("ERR Error trying to load the RDB dump, check server logs.");
    return;
  }
  log(LogLevel::kNotice, "DB reloaded by DEBUG RELOAD");
  ctx.reply.ok();
}

}  // namespace

void debug_command(CommandContext& ctx) {
  std::string_view sub = ctx.argv[1];
  if (iequals(sub, "sleep") && ctx.argc() == 3) {
    auto seconds = parse_long_double(ctx.argv[2]);
    if (!seconds) {
      ctx.reply.error(errors::kNotFloat);
      return;
    }
    // Parks this goroutine only: every other client keeps being served.
    goro::sleep(std::chrono::microseconds(static_cast<long long>(*seconds * 1000000)));
    ctx.reply.ok();
  } else if (iequals(sub, "populate") && ctx.argc() >= 3 && ctx.argc() <= 5) {
    debug_populate(ctx);
  } else if (iequals(sub, "reload")) {
    debug_reload(ctx);
  } else if (iequals(sub, "help") && ctx.argc() == 2) {
    reply_help(ctx, "DEBUG",
               {"POPULATE <count> [<prefix>] [<size>]",
                "    Create <count> string keys named key:<num>. If <prefix> is specified then",
                "    it is used instead of the 'key' prefix. These are not propagated to",
                "    replicas. Cluster slots are not respected so keys not belonging to the",
                "    current node can be created in cluster mode.",
                "RELOAD [option ...]",
                "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
                "    * MERGE: conflicting keys will be loaded from RDB.",
                "    * NOFLUSH: the existing database will not be removed before load, but",
                "      conflicting keys will generate an exception and kill the server.",
                "    * NOSAVE: the database will be loaded from an existing RDB file.",
                "    Examples:",
                "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
                "      the database.",
                "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
                "      existing RDB file.",
                "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
                "      file to the database.",
                "SLEEP <seconds>",
                "    Stop the server for <seconds>. Decimals allowed."});
  } else {
    ctx.reply.error("ERR unknown subcommand or wrong number of arguments for '" +
                    std::string(sub.substr(0, 128)) + "'. Try DEBUG HELP.");
  }
}

void start_server_cron(Server& server) {
  const std::size_t groups = std::min<std::size_t>(
      static_cast<std::size_t>(std::max(1, goro::gomaxprocs(0))),
      static_cast<std::size_t>(server.database_count()) << server.config().shard_bits);
  for (std::size_t group = 0; group < groups; ++group) {
    goro::go([&server, group, groups] {
      for (;;) {
        const long long hz = server.settings().hz.load(std::memory_order_relaxed);
        const auto period = std::chrono::microseconds(1000000 / hz);
        goro::sleep(period);
        // Redis spends at most 25% of each cron period on active expiry.
        server.active_expire_cycle(period / 4, group, groups);
        if (group == 0) {
          ops_sampler.sample(server.stats().total_calls(), server.now_us() / 1000);
          save_by_rules(server);
          shutdown_on_signal(server);
          // Keeps used_memory_peak current between INFO calls, and goes on with an eviction
          // that a command's time budget cut short (Redis's eviction time proc).
          memory::used();
          server.evictor().perform();
        }
      }
    });
  }
}

}  // namespace gorodis
