// config.cpp — the parameter table and the three ways into it (file, command line, CONFIG SET).
//
// Each entry is a name plus two plain functions: `show` renders the current value as CONFIG GET
// prints it, `apply` validates one value and, unless asked only to check, stores it. Numeric,
// boolean, enum and string parameters share generic makers, so a new parameter is one line.
// Error texts are Redis 7.0's (config.c), so scripts that match on them keep working.
#include "config.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>

#include "pubsub.hpp"
#include "resp.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

struct Param {
  std::string_view name;
  bool runtime;  // CONFIG SET may change it
  std::string (*show)(const Settings&);
  // Returns an error text, or empty after storing the value (only checking when !store).
  std::string (*apply)(Settings&, std::string_view value, bool store);
  // Several words in a configuration file ("save 900 1", "bind a b"), kept as one
  // space-separated string; CONFIG REWRITE writes them unquoted.
  bool multi_value = false;
};

// Redis memtoull: digits with an optional unit b, k, kb, m, mb, g, gb (case-insensitive; k is
// 1000, kb 1024). Like Redis, a leading '-' is refused but the digits are read with strtoull's
// wrap-around semantics (no overflow check, the product wraps), and the result is then taken as
// signed, so "18446744073709551615" reads as -1 and fails the range check rather than the parse.
std::optional<long long> parse_memory(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    unsigned long long factor;
  };
  static constexpr Unit kUnits[] = {{"", 1},
                                    {"b", 1},
                                    {"k", 1000},
                                    {"kb", 1024},
                                    {"m", 1000 * 1000},
                                    {"mb", 1024 * 1024},
                                    {"g", 1000ULL * 1000 * 1000},
                                    {"gb", 1024ULL * 1024 * 1024}};
  if (text.starts_with('-')) return std::nullopt;
  const std::size_t digits = std::min(text.find_first_not_of("0123456789"), text.size());
  const std::string_view suffix = text.substr(digits);
  const Unit* unit = std::find_if(std::begin(kUnits), std::end(kUnits),
                                  [&](const Unit& u) { return iequals(u.suffix, suffix); });
  if (unit == std::end(kUnits) || digits >= 128) return std::nullopt;
  const std::string number(text.substr(0, digits));
  // strtoull: saturates at ULLONG_MAX on overflow; no digits read as 0.
  const unsigned long long value = std::strtoull(number.c_str(), nullptr, 10);
  return static_cast<long long>(value * unit->factor);
}

template <auto Member, long long Min, long long Max, bool Memory = false>
Param number(std::string_view name, bool runtime) {
  return {name, runtime, [](const Settings& s) { return std::to_string((s.*Member).load()); },
          [](Settings& s, std::string_view value, bool store) -> std::string {
            auto parsed = Memory ? parse_memory(value) : parse_int64(value);
            if (!parsed) {
              return Memory ? "argument must be a memory value"
                            : "argument couldn't be parsed into an integer";
            }
            if (*parsed < Min || *parsed > Max) {
              return "argument must be between " + std::to_string(Min) + " and " +
                     std::to_string(Max) + " inclusive";
            }
            if (store) (s.*Member).store(*parsed);
            return {};
          }};
}

std::optional<bool> parse_yes_no(std::string_view value) {
  if (iequals(value, "yes")) return true;
  if (iequals(value, "no")) return false;
  return std::nullopt;
}

template <auto Member>
Param boolean(std::string_view name, bool runtime) {
  return {name, runtime,
          [](const Settings& s) { return std::string((s.*Member).load() ? "yes" : "no"); },
          [](Settings& s, std::string_view value, bool store) -> std::string {
            auto parsed = parse_yes_no(value);
            if (!parsed) return "argument must be 'yes' or 'no'";
            if (store) (s.*Member).store(*parsed);
            return {};
          }};
}

template <auto Member>
Param text(std::string_view name, bool runtime) {
  return {name, runtime, [](const Settings& s) { return (s.*Member).get(); },
          [](Settings& s, std::string_view value, bool store) -> std::string {
            if (store) (s.*Member).set(std::string(value));
            return {};
          }};
}

constexpr std::string_view kLogLevels[] = {"debug", "verbose", "notice", "warning"};

// In Redis's order (its error message lists them so).
constexpr std::string_view kFsyncPolicies[] = {"everysec", "always", "no"};

constexpr std::string_view kYes = "yes";
constexpr std::string_view kNo = "no";

// A parameter that gorodis supports with one value only, the one describing what it does
// (aof-use-rdb-preamble yes: its AOF base is always an RDB file): that value is accepted and
// shown, any other refused, so that no configuration silently means something else.
template <const std::string_view& Value>
Param only(std::string_view name) {
  return {name, true, [](const Settings&) { return std::string(Value); },
          [](Settings&, std::string_view value, bool) -> std::string {
            if (iequals(value, Value)) return {};
            return "gorodis supports only '" + std::string(Value) + "'";
          }};
}

constexpr std::string_view kDisklessLoadModes[] = {"disabled", "on-empty-db", "swapdb"};

template <const auto& Names>
std::string one_of_error() {
  std::string message = "argument(s) must be one of the following: ";
  for (std::string_view name : Names) {
    message.append(name).append(name == std::end(Names)[-1] ? "" : ", ");
  }
  return message;
}

// A run-time parameter taking one of `Names` (case-insensitively), stored as its index.
template <auto Member, const auto& Names>
Param choice(std::string_view name) {
  return {name, true, [](const Settings& s) { return std::string(Names[(s.*Member).load()]); },
          [](Settings& s, std::string_view value, bool store) -> std::string {
            for (std::size_t i = 0; i < std::size(Names); ++i) {
              if (iequals(value, Names[i])) {
                if (store) (s.*Member).store(static_cast<int>(i));
                return {};
              }
            }
            return one_of_error<Names>();
          }};
}

// appendfilename / appenddirname (Redis isValidAOFfilename / isValidAOFdirname): a name
// inside `dir`, never a path; fixed once the server runs.
template <auto Member>
Param aof_file_name(std::string_view name) {
  return {name, false, [](const Settings& s) { return (s.*Member).get(); },
          [](Settings& s, std::string_view value, bool store) -> std::string {
            if (value.find('/') != std::string_view::npos) {
              return Member == &Settings::appendfilename
                         ? "appendfilename can't be a path, just a filename"
                         : "appenddirname can't be a path, just a dirname";
            }
            if (store) (s.*Member).set(std::string(value));
            return {};
          }};
}

// client-output-buffer-limit: "<class> <hard> <soft> <soft seconds>" repeated (Redis
// updateClientOutputBufferLimit); all groups are checked before any is stored.
std::string apply_output_buffer_limits(Settings& s, std::string_view value, bool store) {
  std::vector<std::string> words;
  if (!split_inline_arguments(value, words) || words.size() % 4 != 0) {
    return "Wrong number of arguments in buffer limit configuration.";
  }
  struct Group {
    ClientClass cls;
    long long hard, soft, seconds;
  };
  std::vector<Group> groups;
  for (std::size_t i = 0; i < words.size(); i += 4) {
    Group group{};
    if (iequals(words[i], "normal")) {
      group.cls = kClientNormal;
    } else if (iequals(words[i], "replica") || iequals(words[i], "slave")) {
      group.cls = kClientReplica;
    } else if (iequals(words[i], "pubsub")) {
      group.cls = kClientPubsub;
    } else {
      return "Invalid client class specified in buffer limit configuration.";
    }
    auto hard = parse_memory(words[i + 1]);
    auto soft = parse_memory(words[i + 2]);
    auto seconds = parse_int64(words[i + 3]);
    if (!hard || !soft || !seconds || *seconds < 0) {
      return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    }
    group.hard = *hard;
    group.soft = *soft;
    group.seconds = *seconds;
    groups.push_back(group);
  }
  for (const Group& group : store ? groups : std::vector<Group>{}) {
    OutputBufferLimit& limit = s.client_output_buffer_limit[group.cls];
    limit.hard.store(group.hard);
    limit.soft.store(group.soft);
    limit.soft_seconds.store(group.seconds);
  }
  return {};
}

std::string show_output_buffer_limits(const Settings& s) {
  static constexpr std::string_view kNames[] = {"normal", "slave", "pubsub"};
  std::string text;
  for (std::size_t i = 0; i < std::size(kNames); ++i) {
    const OutputBufferLimit& limit = s.client_output_buffer_limit[i];
    text.append(i == 0 ? "" : " ")
        .append(kNames[i])
        .append(" ")
        .append(std::to_string(limit.hard.load()))
        .append(" ")
        .append(std::to_string(limit.soft.load()))
        .append(" ")
        .append(std::to_string(limit.soft_seconds.load()));
  }
  return text;
}

const std::vector<Param>& params() {
  static const std::vector<Param> table = {
      number<&Settings::port, 0, 65535>("port", false),
      {"bind", false,
       [](const Settings& s) {
         std::string joined;
         for (const std::string& address : s.bind.get()) {
           joined.append(joined.empty() ? "" : " ").append(address);
         }
         return joined;
       },
       [](Settings& s, std::string_view value, bool store) -> std::string {
         std::vector<std::string> addresses;
         if (!split_inline_arguments(value, addresses) || addresses.empty()) {
           return "Invalid bind address";
         }
         if (store) s.bind.set(std::move(addresses));
         return {};
       },
       true},
      text<&Settings::unixsocket>("unixsocket", false),
      {"unixsocketperm", false,
       [](const Settings& s) { return std::to_string(s.unixsocketperm.load()); },
       [](Settings& s, std::string_view value, bool store) -> std::string {
         char* end = nullptr;
         std::string copy(value);
         errno = 0;
         long long mode = std::strtoll(copy.c_str(), &end, 8);
         if (copy.empty() || *end != '\0' || errno != 0 || mode < 0 || mode > 0777) {
           return "Invalid socket file permissions";
         }
         if (store) s.unixsocketperm.store(mode);
         return {};
       }},
      number<&Settings::databases, 1, INT_MAX>("databases", false),
      text<&Settings::logfile>("logfile", false),
      number<&Settings::proto_max_bulk_len, 1024 * 1024, LLONG_MAX, true>("proto-max-bulk-len",
                                                                          true),
      number<&Settings::client_query_buffer_limit, 1024 * 1024, LLONG_MAX, true>(
          "client-query-buffer-limit", true),
      number<&Settings::tcp_backlog, 0, INT_MAX>("tcp-backlog", false),
      text<&Settings::requirepass>("requirepass", true),
      number<&Settings::maxclients, 1, INT_MAX>("maxclients", true),
      number<&Settings::timeout, 0, INT_MAX>("timeout", true),
      {"dir", true, [](const Settings& s) { return s.dir.get(); },
       [](Settings& s, std::string_view value, bool store) -> std::string {
         std::string path(value);
         if (store && chdir(path.c_str()) != 0) return std::strerror(errno);
         if (store) {
           char cwd[4096];
           s.dir.set(getcwd(cwd, sizeof cwd) != nullptr ? cwd : path);
         }
         return {};
       }},
      choice<&Settings::loglevel, kLogLevels>("loglevel"),
      boolean<&Settings::protected_mode>("protected-mode", true),
      number<&Settings::slowlog_log_slower_than, -1, LLONG_MAX>("slowlog-log-slower-than", true),
      number<&Settings::slowlog_max_len, 0, LONG_MAX>("slowlog-max-len", true),
      number<&Settings::hz, 1, 500>("hz", true),
      number<&Settings::maxmemory, 0, LLONG_MAX, true>("maxmemory", true),
      choice<&Settings::maxmemory_policy, kMaxmemoryPolicyNames>("maxmemory-policy"),
      number<&Settings::maxmemory_samples, 1, 64>("maxmemory-samples", true),
      number<&Settings::maxmemory_eviction_tenacity, 0, 100>("maxmemory-eviction-tenacity", true),
      number<&Settings::lfu_log_factor, 0, INT_MAX>("lfu-log-factor", true),
      number<&Settings::lfu_decay_time, 0, INT_MAX>("lfu-decay-time", true),
      {"save", true,
       [](const Settings& s) {
         std::string shown;  // as Redis shows them: single spaces
         for (const SaveRule& rule : s.save.get()) {
           shown.append(shown.empty() ? "" : " ")
               .append(std::to_string(rule.seconds))
               .append(" ")
               .append(std::to_string(rule.changes));
         }
         return shown;
       },
       [](Settings& s, std::string_view value, bool store) -> std::string {
         auto rules = parse_save_rules(value);
         if (!rules) return "Invalid save parameters";
         if (store) s.save.set(std::move(*rules));
         return {};
       },
       true},
      {"dbfilename", true, [](const Settings& s) { return s.dbfilename.get(); },
       [](Settings& s, std::string_view value, bool store) -> std::string {
         // Redis isValidDBfilename: a file name inside `dir`, never a path.
         if (value.find('/') != std::string_view::npos) {
           return "dbfilename can't be a path, just a filename";
         }
         if (store) s.dbfilename.set(std::string(value));
         return {};
       }},
      boolean<&Settings::stop_writes_on_bgsave_error>("stop-writes-on-bgsave-error", true),
      boolean<&Settings::daemonize>("daemonize", false),
      text<&Settings::pidfile>("pidfile", false),
      boolean<&Settings::disable_thp>("disable-thp", false),
      boolean<&Settings::rdbcompression>("rdbcompression", true),
      boolean<&Settings::rdbchecksum>("rdbchecksum", false),
      boolean<&Settings::no_appendfsync_on_rewrite>("no-appendfsync-on-rewrite", true),
      only<kYes>("aof-use-rdb-preamble"),
      only<kNo>("aof-timestamp-enabled"),
      only<kNo>("oom-score-adj"),
      {"oom-score-adj-values", true, [](const Settings& s) { return s.oom_score_adj_values.get(); },
       [](Settings& s, std::string_view value, bool store) -> std::string {
         std::vector<std::string> words;
         bool valid = split_inline_arguments(value, words) && words.size() == 3;
         for (const std::string& word : words) {
           auto number = parse_int64(word);
           valid = valid && number && *number >= -2000 && *number <= 2000;
         }
         if (!valid) return "Invalid oom-score-adj-values";
         if (store) s.oom_score_adj_values.set(words[0] + " " + words[1] + " " + words[2]);
         return {};
       },
       true},
      boolean<&Settings::always_show_logo>("always-show-logo", false),
      boolean<&Settings::set_proc_title>("set-proc-title", false),
      text<&Settings::proc_title_template>("proc-title-template", true),
      boolean<&Settings::replica_serve_stale_data>("replica-serve-stale-data", true),
      boolean<&Settings::replica_serve_stale_data>("slave-serve-stale-data", true),
      boolean<&Settings::replica_read_only>("replica-read-only", true),
      boolean<&Settings::replica_read_only>("slave-read-only", true),
      boolean<&Settings::repl_diskless_sync>("repl-diskless-sync", true),
      number<&Settings::repl_diskless_sync_delay, 0, INT_MAX>("repl-diskless-sync-delay", true),
      number<&Settings::repl_diskless_sync_max_replicas, 0, INT_MAX>(
          "repl-diskless-sync-max-replicas", true),
      choice<&Settings::repl_diskless_load, kDisklessLoadModes>("repl-diskless-load"),
      boolean<&Settings::repl_disable_tcp_nodelay>("repl-disable-tcp-nodelay", true),
      number<&Settings::replica_priority, 0, INT_MAX>("replica-priority", true),
      number<&Settings::replica_priority, 0, INT_MAX>("slave-priority", true),
      boolean<&Settings::replica_lazy_flush>("replica-lazy-flush", true),
      boolean<&Settings::replica_lazy_flush>("slave-lazy-flush", true),
      boolean<&Settings::rdb_del_sync_files>("rdb-del-sync-files", true),
      number<&Settings::acllog_max_len, 0, LONG_MAX>("acllog-max-len", true),
      boolean<&Settings::lazyfree_lazy_eviction>("lazyfree-lazy-eviction", true),
      boolean<&Settings::lazyfree_lazy_expire>("lazyfree-lazy-expire", true),
      boolean<&Settings::lazyfree_lazy_server_del>("lazyfree-lazy-server-del", true),
      boolean<&Settings::lazyfree_lazy_user_del>("lazyfree-lazy-user-del", true),
      boolean<&Settings::lazyfree_lazy_user_flush>("lazyfree-lazy-user-flush", true),
      number<&Settings::latency_monitor_threshold, 0, LLONG_MAX>("latency-monitor-threshold", true),
      number<&Settings::stream_node_max_bytes, 0, LLONG_MAX, true>("stream-node-max-bytes", true),
      number<&Settings::stream_node_max_entries, 0, LLONG_MAX>("stream-node-max-entries", true),
      boolean<&Settings::activerehashing>("activerehashing", true),
      boolean<&Settings::dynamic_hz>("dynamic-hz", true),
      boolean<&Settings::aof_rewrite_incremental_fsync>("aof-rewrite-incremental-fsync", true),
      boolean<&Settings::rdb_save_incremental_fsync>("rdb-save-incremental-fsync", true),
      boolean<&Settings::jemalloc_bg_thread>("jemalloc-bg-thread", true),
      boolean<&Settings::appendonly>("appendonly", true),
      choice<&Settings::appendfsync, kFsyncPolicies>("appendfsync"),
      aof_file_name<&Settings::appendfilename>("appendfilename"),
      aof_file_name<&Settings::appenddirname>("appenddirname"),
      number<&Settings::auto_aof_rewrite_percentage, 0, INT_MAX>("auto-aof-rewrite-percentage",
                                                                 true),
      number<&Settings::auto_aof_rewrite_min_size, 0, LLONG_MAX, true>("auto-aof-rewrite-min-size",
                                                                       true),
      boolean<&Settings::aof_load_truncated>("aof-load-truncated", true),
      number<&Settings::tcp_keepalive, 0, INT_MAX>("tcp-keepalive", true),
      number<&Settings::hash_max_listpack_entries, 0, LLONG_MAX>("hash-max-listpack-entries", true),
      number<&Settings::hash_max_listpack_entries, 0, LLONG_MAX>("hash-max-ziplist-entries", true),
      number<&Settings::hash_max_listpack_value, 0, LLONG_MAX, true>("hash-max-listpack-value",
                                                                     true),
      number<&Settings::hash_max_listpack_value, 0, LLONG_MAX, true>("hash-max-ziplist-value",
                                                                     true),
      number<&Settings::set_max_intset_entries, 0, LONG_MAX>("set-max-intset-entries", true),
      number<&Settings::hll_sparse_max_bytes, 0, LONG_MAX, true>("hll-sparse-max-bytes", true),
      // Each with its pre-7.0 alias (same setting, listed under both names like Redis does).
      number<&Settings::zset_max_listpack_entries, 0, LONG_MAX>("zset-max-listpack-entries", true),
      number<&Settings::zset_max_listpack_entries, 0, LONG_MAX>("zset-max-ziplist-entries", true),
      number<&Settings::zset_max_listpack_value, 0, LONG_MAX, true>("zset-max-listpack-value",
                                                                    true),
      number<&Settings::zset_max_listpack_value, 0, LONG_MAX, true>("zset-max-ziplist-value", true),
      // The alias first: CONFIG GET list-max-* lists it first, as Redis does.
      number<&Settings::list_max_listpack_size, INT_MIN, INT_MAX>("list-max-ziplist-size", true),
      number<&Settings::list_max_listpack_size, INT_MIN, INT_MAX>("list-max-listpack-size", true),
      number<&Settings::list_compress_depth, 0, INT_MAX>("list-compress-depth", true),
      {"notify-keyspace-events", true,
       [](const Settings& s) { return notify_flags_to_string(s.notify_keyspace_events.load()); },
       [](Settings& s, std::string_view value, bool store) -> std::string {
         auto flags = parse_notify_flags(value);
         if (!flags) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
         if (store) s.notify_keyspace_events.store(*flags);
         return {};
       }},
      {"client-output-buffer-limit", true, show_output_buffer_limits, apply_output_buffer_limits,
       true},
  };
  return table;
}

const Param* find_param(std::string_view name) {
  for (const Param& param : params()) {
    if (iequals(param.name, name)) return &param;
  }
  return nullptr;
}

std::string quoted(std::string_view line) {
  return "'" + std::string(line) + "'";
}

}  // namespace

std::optional<std::vector<SaveRule>> parse_save_rules(std::string_view text) {
  std::vector<long long> numbers;
  while (!text.empty()) {
    const std::size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const std::size_t length = std::min(text.find(' '), text.size());
    auto number = parse_int64(text.substr(0, length));
    if (!number || *number < 0) return std::nullopt;
    numbers.push_back(*number);
    text.remove_prefix(length);
  }
  if (numbers.size() % 2 != 0) return std::nullopt;
  std::vector<SaveRule> rules;
  for (std::size_t i = 0; i < numbers.size(); i += 2) rules.push_back({numbers[i], numbers[i + 1]});
  return rules;
}

bool Settings::password_matches(std::string_view password) const {
  // Like Redis's time_independent_strcmp: compare fixed-size buffers in full, then the lengths.
  std::string expected = requirepass.get();
  constexpr std::size_t kMax = 512;
  char a[kMax] = {};
  char b[kMax] = {};
  if (expected.size() > kMax || password.size() > kMax) return false;
  std::memcpy(a, expected.data(), expected.size());
  std::memcpy(b, password.data(), password.size());
  unsigned diff = 0;
  for (std::size_t i = 0; i < kMax; ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  diff |= static_cast<unsigned>(expected.size() ^ password.size());
  return diff == 0;
}

std::string load_config(Settings& settings, std::string_view contents) {
  std::size_t line_number = 0;
  // Like Redis, `save` lines add up: the first replaces the default rules, later ones append
  // theirs ("save 900 1" then "save 300 10" keeps both); `save ""` clears them.
  std::optional<std::string> save_rules;
  while (!contents.empty()) {
    std::size_t end = contents.find('\n');
    std::string_view line = contents.substr(0, end);
    contents = end == std::string_view::npos ? std::string_view{} : contents.substr(end + 1);
    ++line_number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    std::vector<std::string> argv;
    std::string error;
    if (!split_inline_arguments(line, argv)) {
      error = "Unbalanced quotes in configuration line";
    } else if (const Param* param = find_param(argv[0]); param == nullptr) {
      error = "Bad directive or wrong number of arguments";
    } else if (param->multi_value) {
      // Multi-value directives: the values are kept as one space-separated string.
      std::string joined;
      for (std::size_t i = 1; i < argv.size(); ++i) {
        joined.append(i > 1 ? " " : "").append(argv[i]);
      }
      if (param->name == "save") {
        if (save_rules && !save_rules->empty() && !joined.empty()) {
          joined = *save_rules + " " + joined;
        }
        save_rules = joined;
      }
      error = param->apply(settings, joined, true);
    } else if (argv.size() != 2) {
      error = "wrong number of arguments";
    } else {
      error = param->apply(settings, argv[1], true);
    }
    if (!error.empty()) {
      return "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, "
             "at line " +
             std::to_string(line_number) + "\n>>> " + quoted(line) + "\n" + error + "\n";
    }
  }
  return {};
}

bool options_to_config(const std::vector<std::string_view>& args, std::string& config,
                       std::string& error) {
  bool have_option = false;
  for (std::string_view arg : args) {
    if (arg.starts_with("--")) {
      if (arg.size() == 2) {
        error = "Invalid option '--'";
        return false;
      }
      config.append(have_option ? "\n" : "").append(arg.substr(2));
      have_option = true;
    } else if (!have_option) {
      error = "Unexpected argument '" + std::string(arg) + "' (options start with --)";
      return false;
    } else {
      // Quote the value like Redis (sdscatrepr) so that spaces and empty strings survive.
      config.append(" \"");
      for (char c : arg) {
        if (c == '"' || c == '\\') config.push_back('\\');
        config.push_back(c);
      }
      config.append("\"");
    }
  }
  config.append("\n");
  return true;
}

void config_get(const Settings& settings, std::string_view pattern,
                std::vector<std::pair<std::string, std::string>>& out) {
  for (const Param& param : params()) {
    if (!glob_match(pattern, param.name, true)) continue;
    bool seen = false;
    for (const auto& [name, value] : out) seen = seen || name == param.name;
    if (!seen) out.emplace_back(std::string(param.name), param.show(settings));
  }
}

std::string config_set(Settings& settings, std::span<const std::string_view> pairs) {
  std::vector<const Param*> chosen;
  for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) {
    const Param* param = find_param(pairs[i]);
    if (param == nullptr) {
      return "ERR Unknown option or number of arguments for CONFIG SET - '" +
             std::string(pairs[i]) + "'";
    }
    for (const Param* other : chosen) {
      if (other == param) {
        return "ERR CONFIG SET failed (possibly related to argument '" + std::string(pairs[i]) +
               "') - duplicate parameter";
      }
    }
    std::string error = param->runtime ? param->apply(settings, pairs[i + 1], false)
                                       : std::string("can't set immutable config");
    if (!error.empty()) {
      return "ERR CONFIG SET failed (possibly related to argument '" + std::string(pairs[i]) +
             "') - " + error;
    }
    chosen.push_back(param);
  }
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    std::string error = chosen[i]->apply(settings, pairs[2 * i + 1], true);
    if (!error.empty()) {
      return "ERR CONFIG SET failed (possibly related to argument '" +
             std::string(chosen[i]->name) + "') - " + error;
    }
  }
  return {};
}

// The configuration line for `param`: its words as they are for a multi-value directive (an
// empty one quoted), else the value as one quoted argument when it needs quoting.
std::string config_line(const Param& param, const Settings& settings) {
  std::string value = param.show(settings);
  std::string line(param.name);
  line.push_back(' ');
  const bool plain = !value.empty() && value.find_first_of(" \t\"'\\") == std::string::npos;
  if (plain || (param.multi_value && !value.empty())) return line + value;
  line.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') line.push_back('\\');
    line.push_back(c);
  }
  return line + '"';
}

std::string config_rewrite(const Settings& settings, const std::string& path) {
  std::vector<std::string> lines;
  {
    std::ifstream file(path);
    for (std::string line; std::getline(file, line);) lines.push_back(line);
  }
  // One line per directive: the first occurrence takes the current value, repeats go. An alias
  // (hash-max-ziplist-entries ...) shares its show function with its name, and counts as it.
  std::vector<decltype(Param::show)> written;
  std::vector<std::string> output;
  for (const std::string& line : lines) {
    std::vector<std::string> words;
    const Param* param = nullptr;
    if (split_inline_arguments(line, words) && !words.empty() && words[0][0] != '#') {
      param = find_param(words[0]);
    }
    if (param == nullptr) {
      output.push_back(line);
    } else if (std::find(written.begin(), written.end(), param->show) == written.end()) {
      written.push_back(param->show);
      output.push_back(config_line(*param, settings));
    }
  }
  // Then every other directive that differs from its default.
  const Settings defaults;
  const std::string marker = "# Generated by CONFIG REWRITE";
  bool marked = std::find(output.begin(), output.end(), marker) != output.end();
  for (const Param& param : params()) {
    if (std::find(written.begin(), written.end(), param.show) != written.end()) continue;
    written.push_back(param.show);
    // dir always differs (the default is the start-up directory, shown absolute).
    if (param.show(settings) == param.show(defaults) || param.name == "dir") continue;
    if (!marked) {
      output.push_back(marker);
      marked = true;
    }
    output.push_back(config_line(param, settings));
  }
  std::string text;
  for (const std::string& line : output) text.append(line).push_back('\n');
  // A new file beside the old one, then rename: a crash leaves one or the other whole.
  const std::string temp = path + ".tmp-" + std::to_string(getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::strerror(errno);
  const bool ok = write_fully(fd, text) && ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    const int failure = ok ? errno : error;
    ::unlink(temp.c_str());
    return std::strerror(failure);
  }
  return {};
}

}  // namespace gorodis
