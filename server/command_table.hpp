// command_table.hpp — the one table describing every command gorodis knows.
//
// Everything that Redis derives from its commands.def is derived here from the same table:
// dispatch (name -> handler), the arity check and its error, the legacy first/last/step key
// range and the "movablekeys" flag (computed from the key specs exactly like Redis's
// populateCommandLegacyRangeSpec), implicit ACL categories (write -> @write, readonly -> @read,
// admin -> @admin @dangerous, fast -> @fast, otherwise @slow), the shards a command must lock,
// and the COMMAND COUNT/INFO/DOCS/LIST/GETKEYS replies.
//
// Arity follows Redis: N > 0 means exactly N arguments including the command name, -N means
// at least N. A container command (OBJECT, MEMORY, COMMAND) has no handler of its own; its
// subcommands are dispatched on argv[1] and are named "container|sub".
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util.hpp"

namespace gorodis {

struct CommandContext;
using CommandHandler = void (*)(CommandContext&);

// Command flags, in the order Redis lists them in COMMAND INFO.
enum CommandFlag : std::uint64_t {
  kWrite = 1 << 0,
  kReadonly = 1 << 1,
  kDenyOom = 1 << 2,
  kAdmin = 1 << 3,
  kPubsub = 1 << 4,
  kNoScript = 1 << 5,
  kBlocking = 1 << 6,
  kLoading = 1 << 7,
  kStale = 1 << 8,
  kSkipMonitor = 1 << 9,
  kSkipSlowlog = 1 << 10,
  kAsking = 1 << 11,
  kFast = 1 << 12,
  kNoAuth = 1 << 13,
  kNoMandatoryKeys = 1 << 14,
  kNoAsyncLoading = 1 << 15,
  kNoMulti = 1 << 16,
  kMovableKeys = 1 << 17,
  kAllowBusy = 1 << 18,
};

// ACL categories, in Redis's category table order.
enum AclCategory : std::uint64_t {
  kAclKeyspace = 1 << 0,
  kAclRead = 1 << 1,
  kAclWrite = 1 << 2,
  kAclSet = 1 << 3,
  kAclSortedset = 1 << 4,
  kAclList = 1 << 5,
  kAclHash = 1 << 6,
  kAclString = 1 << 7,
  kAclBitmap = 1 << 8,
  kAclHyperloglog = 1 << 9,
  kAclGeo = 1 << 10,
  kAclStream = 1 << 11,
  kAclPubsub = 1 << 12,
  kAclAdmin = 1 << 13,
  kAclFast = 1 << 14,
  kAclSlow = 1 << 15,
  kAclBlocking = 1 << 16,
  kAclDangerous = 1 << 17,
  kAclConnection = 1 << 18,
  kAclTransaction = 1 << 19,
  kAclScripting = 1 << 20,
};

// A Redis 7 key specification restricted to what gorodis's commands need: begin_search by
// index, find_keys by range (`last_key` is relative to the first key, -1 = last argument) or by
// keynum (the key count is at begin_index + keynum_index, the keys start at begin_index +
// first_key, as in SINTERCARD numkeys key...).
struct KeySpec {
  enum class FindKeys : std::uint8_t { kRange, kKeynum };
  enum Flag : std::uint32_t {
    kRO = 1 << 0,
    kRW = 1 << 1,
    kOW = 1 << 2,
    kRM = 1 << 3,
    kAccess = 1 << 4,
    kUpdate = 1 << 5,
    kInsert = 1 << 6,
    kDelete = 1 << 7,
    kNotKey = 1 << 8,
    kIncomplete = 1 << 9,
    kVariableFlags = 1 << 10,
  };
  std::uint32_t flags = 0;
  int begin_index = 0;
  int last_key = 0;
  int key_step = 1;
  int limit = 0;
  std::string_view notes = {};
  FindKeys find = FindKeys::kRange;
  int keynum_index = 0;
  int first_key = 0;

  bool is_keynum() const { return find == FindKeys::kKeynum; }
};

// Who acquires the shard locks: the dispatcher (from the key specs) or the command itself
// (commands touching whole databases or another database, or reading every shard like INFO).
// Every handler that locks shards itself must be kManual and lock through
// CommandContext::lock/lock_shard: EXEC then holds every shard of every database for it.
enum class LockPolicy { kKeyShards, kManual };

struct CommandSpec {
  std::string_view name;  // lower case; for a subcommand just the part after '|'
  CommandHandler handler = nullptr;
  int arity = 0;
  std::uint64_t flags = 0;
  std::uint64_t acl_categories = 0;  // explicit ones; implicit ones are added on build
  std::vector<KeySpec> key_specs = {};
  std::string_view group = {};
  std::string_view since = {};
  std::string_view summary = {};
  std::string_view complexity = {};
  std::vector<std::string_view> tips = {};
  std::vector<CommandSpec> subcommands = {};
  LockPolicy locking = LockPolicy::kKeyShards;
  // For key specs flagged kVariableFlags: the actual flags for these arguments (Redis's
  // getkeys_proc refinement, e.g. SET is OW unless it has GET).
  std::uint32_t (*variable_key_flags)(std::span<const std::string_view> argv) = nullptr;

  // Derived when the table is built.
  std::string full_name = {};  // "object|encoding"
  std::size_t ordinal = 0;     // position in CommandTable::all() (indexes per-command stats)
  int legacy_first_key = 0;
  int legacy_last_key = 0;  // absolute index, or negative (from the end)
  int legacy_key_step = 0;

  // Whether some key spec names real keys (Redis doesCommandHaveKeys): not_key specs name
  // channels (SPUBLISH & co.) and are skipped by keys_of.
  bool has_keys() const {
    for (const KeySpec& spec : key_specs) {
      if (!(spec.flags & KeySpec::kNotKey)) return true;
    }
    return false;
  }
  bool arity_ok(std::size_t argc) const {
    return arity > 0 ? argc == static_cast<std::size_t>(arity)
                     : argc >= static_cast<std::size_t>(-arity);
  }
};

struct KeyReference {
  std::size_t position;
  std::uint32_t flags;  // KeySpec flags of the spec that found it
};

class CommandTable {
 public:
  // The process-wide table.
  static const CommandTable& instance();

  std::span<const CommandSpec> commands() const { return commands_; }
  // Every command and subcommand, containers before their subcommands; all()[c.ordinal] == &c.
  std::span<const CommandSpec* const> all() const { return all_; }
  // Case-insensitive lookup of a top-level command.
  const CommandSpec* find(std::string_view name) const;
  // Case-insensitive lookup of a subcommand of a container.
  static const CommandSpec* find_subcommand(const CommandSpec& container, std::string_view name);
  // Resolves argv to a command: the container itself when argc == 1 or it has no
  // subcommands, nullptr for an unknown command or subcommand.
  const CommandSpec* resolve(std::span<const std::string_view> argv) const;

  // Key positions of argv according to the command's key specs (Redis
  // getKeysUsingKeySpecs); positions past argc and not_key specs are skipped. `out_of_bounds`,
  // when given, is set when a spec's range falls outside argv (Redis's invalid_spec: COMMAND
  // GETKEYS refuses those).
  static std::vector<KeyReference> keys_of(const CommandSpec& command,
                                           std::span<const std::string_view> argv,
                                           bool* out_of_bounds = nullptr);
  // keys_of without the vector (the dispatcher runs it for every command): calls
  // `visit(KeyReference)` for each key in order. Returns false, possibly after visiting some
  // keys, when a key count is invalid: keys_of then reports no keys at all, as Redis does.
  template <typename Visit>
  static bool for_each_key(const CommandSpec& command, std::span<const std::string_view> argv,
                           Visit&& visit, bool* out_of_bounds = nullptr);

  static std::vector<std::string_view> flag_names(const CommandSpec& command);
  static std::vector<std::string_view> acl_category_names(const CommandSpec& command);
  static std::vector<std::string_view> key_spec_flag_names(std::uint32_t flags);

 private:
  CommandTable();
  // Transparent, so that find() looks a lowercased string_view up without allocating.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
      return std::hash<std::string_view>{}(name);
    }
  };

  std::vector<CommandSpec> commands_;
  std::vector<const CommandSpec*> all_;
  // commands_ by lowercase name: resolve() runs for every request (a scan comparing
  // case-insensitively against 230 names was 15% of a pipelined SADD's CPU).
  std::unordered_map<std::string, const CommandSpec*, NameHash, std::equal_to<>> by_name_;
  std::size_t longest_name_ = 0;
  static constexpr std::size_t kMaxNameLength = 64;
};

// The specs of each command family after part 1, one function per commands_<family>.cpp.
std::vector<CommandSpec> hash_command_specs();
std::vector<CommandSpec> set_command_specs();
std::vector<CommandSpec> hyperloglog_command_specs();
std::vector<CommandSpec> zset_command_specs();
std::vector<CommandSpec> list_command_specs();
std::vector<CommandSpec> pubsub_command_specs();
std::vector<CommandSpec> multi_command_specs();

template <typename Visit>
bool CommandTable::for_each_key(const CommandSpec& command, std::span<const std::string_view> argv,
                                Visit&& visit, bool* out_of_bounds) {
  const int argc = static_cast<int>(argv.size());
  if (out_of_bounds != nullptr) *out_of_bounds = false;
  for (const KeySpec& spec : command.key_specs) {
    if (spec.flags & KeySpec::kNotKey) continue;  // a channel (SPUBLISH & co.), not a key
    int first = spec.begin_index;
    int last;
    if (spec.find == KeySpec::FindKeys::kKeynum) {
      // A key count that is missing, not a number, negative or larger than the arguments
      // makes the request invalid: Redis then falls back to the command's getkeys procedure,
      // which for every keynum command finds no keys at all.
      int count_index = first + spec.keynum_index;
      std::optional<long long> count;
      if (count_index < argc) count = parse_int64(argv[static_cast<std::size_t>(count_index)]);
      first += spec.first_key;
      if (!count || *count < 0 || *count > argc - first) return false;
      last = first + static_cast<int>(*count) - 1;
    } else if (spec.last_key >= 0) {
      last = first + spec.last_key;
    } else if (spec.limit == 0) {
      last = argc + spec.last_key;
    } else {
      last = first + ((argc - first) / spec.limit + spec.last_key);
    }
    if (out_of_bounds != nullptr && (last >= argc || last < first || first >= argc)) {
      *out_of_bounds = true;
    }
    for (int i = first; i <= last; i += spec.key_step) {
      if (i >= argc || i < first) continue;
      std::uint32_t flags = spec.flags;
      if ((flags & KeySpec::kVariableFlags) && command.variable_key_flags != nullptr) {
        flags = command.variable_key_flags(argv);
      }
      visit(KeyReference{static_cast<std::size_t>(i), flags});
    }
  }
  return true;
}

}  // namespace gorodis
