// config.cpp — the parameter table and the three ways into it (file, command line, CONFIG SET).
//
// Each entry is a name plus two plain functions: `show` renders the current value as CONFIG GET
// prints it, `apply` validates one value and, unless asked only to check, stores it. Numeric,
// boolean, enum and string parameters share generic makers, so a new parameter is one line.
// Error texts are Redis 7.0's (config.c), so scripts that match on them keep working.
#include "config.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>

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
};

// Redis memtoull: a number with an optional k/kb/m/mb/g/gb unit (case-insensitive).
std::optional<long long> parse_memory(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    long long factor;
  };
  static constexpr Unit kUnits[] = {{"kb", 1024},
                                    {"k", 1000},
                                    {"mb", 1024 * 1024},
                                    {"m", 1000 * 1000},
                                    {"gb", 1024LL * 1024 * 1024},
                                    {"g", 1000LL * 1000 * 1000},
                                    {"b", 1}};
  for (const Unit& unit : kUnits) {
    if (text.size() > unit.suffix.size() &&
        iequals(text.substr(text.size() - unit.suffix.size()), unit.suffix)) {
      auto number = parse_int64(text.substr(0, text.size() - unit.suffix.size()));
      if (!number || *number < 0 || *number > LLONG_MAX / unit.factor) return std::nullopt;
      return *number * unit.factor;
    }
  }
  auto number = parse_int64(text);
  if (number && *number < 0) return std::nullopt;
  return number;
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
constexpr std::string_view kPolicies[] = {"volatile-lru",   "volatile-lfu", "volatile-random",
                                          "volatile-ttl",   "allkeys-lru",  "allkeys-lfu",
                                          "allkeys-random", "noeviction"};

template <const auto& Names>
std::string one_of_error() {
  std::string message = "argument(s) must be one of the following: ";
  for (std::string_view name : Names) {
    message.append(name).append(name == std::end(Names)[-1] ? "" : ", ");
  }
  return message;
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
       }},
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
                                                                          false),
      number<&Settings::client_query_buffer_limit, 1024 * 1024, LLONG_MAX, true>(
          "client-query-buffer-limit", false),
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
      {"loglevel", true,
       [](const Settings& s) { return std::string(kLogLevels[s.loglevel.load()]); },
       [](Settings& s, std::string_view value, bool store) -> std::string {
         for (std::size_t i = 0; i < std::size(kLogLevels); ++i) {
           if (iequals(value, kLogLevels[i])) {
             if (store) s.loglevel.store(static_cast<int>(i));
             return {};
           }
         }
         return one_of_error<kLogLevels>();
       }},
      boolean<&Settings::protected_mode>("protected-mode", true),
      number<&Settings::slowlog_log_slower_than, -1, LLONG_MAX>("slowlog-log-slower-than", true),
      number<&Settings::slowlog_max_len, 0, LONG_MAX>("slowlog-max-len", true),
      number<&Settings::hz, 1, 500>("hz", true),
      number<&Settings::maxmemory, 0, LLONG_MAX, true>("maxmemory", true),
      {"maxmemory-policy", true, [](const Settings& s) { return s.maxmemory_policy.get(); },
       [](Settings& s, std::string_view value, bool store) -> std::string {
         for (std::string_view policy : kPolicies) {
           if (iequals(value, policy)) {
             if (store) s.maxmemory_policy.set(std::string(policy));
             return {};
           }
         }
         return one_of_error<kPolicies>();
       }},
      text<&Settings::save>("save", true),
      {"dbfilename", true, [](const Settings& s) { return s.dbfilename.get(); },
       [](Settings& s, std::string_view value, bool store) -> std::string {
         // Redis isValidDBfilename: a file name inside `dir`, never a path.
         if (value.find('/') != std::string_view::npos) {
           return "dbfilename can't be a path, just a filename";
         }
         if (store) s.dbfilename.set(std::string(value));
         return {};
       }},
      {"appendonly", true,
       [](const Settings& s) { return std::string(s.appendonly.load() ? "yes" : "no"); },
       [](Settings&, std::string_view value, bool) -> std::string {
         auto parsed = parse_yes_no(value);
         if (!parsed) return "argument must be 'yes' or 'no'";
         if (*parsed) return "appendonly yes is not supported yet (no AOF in this version)";
         return {};
       }},
      number<&Settings::tcp_keepalive, 0, INT_MAX>("tcp-keepalive", true),
      number<&Settings::hash_max_listpack_entries, 0, LLONG_MAX>("hash-max-listpack-entries", true),
      number<&Settings::hash_max_listpack_entries, 0, LLONG_MAX>("hash-max-ziplist-entries", true),
      number<&Settings::hash_max_listpack_value, 0, LLONG_MAX, true>("hash-max-listpack-value",
                                                                     true),
      number<&Settings::hash_max_listpack_value, 0, LLONG_MAX, true>("hash-max-ziplist-value",
                                                                     true),
      number<&Settings::set_max_intset_entries, 0, LONG_MAX>("set-max-intset-entries", true),
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
    } else if (param->name == "bind" || param->name == "save") {
      // Multi-value directives: the values are kept as one space-separated string.
      std::string joined;
      for (std::size_t i = 1; i < argv.size(); ++i) {
        joined.append(i > 1 ? " " : "").append(argv[i]);
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

}  // namespace gorodis
