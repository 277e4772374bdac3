// commands_multi.cpp — the command table entries of the transaction family (multi.cpp), with
// Redis 7.0's metadata (COMMAND INFO / COMMAND DOCS of redis-server 7.0.15).
#include "command_table.hpp"
#include "commands.hpp"

namespace gorodis {

std::vector<CommandSpec> multi_command_specs() {
  constexpr std::uint64_t kControlFlags = kNoScript | kLoading | kStale | kFast | kAllowBusy;
  return {
      {.name = "discard",
       .handler = discard_command,
       .arity = 1,
       .flags = kControlFlags,
       .acl_categories = kAclTransaction,
       .group = "transactions",
       .since = "2.0.0",
       .summary = "Discard all commands issued after MULTI",
       .complexity = "O(N), when N is the number of queued commands"},
      {.name = "exec",
       .handler = exec_command,
       .arity = 1,
       .flags = kNoScript | kLoading | kStale | kSkipSlowlog,
       .acl_categories = kAclTransaction,
       .group = "transactions",
       .since = "1.2.0",
       .summary = "Execute all commands issued after MULTI",
       .complexity = "Depends on commands in the transaction"},
      {.name = "multi",
       .handler = multi_command,
       .arity = 1,
       .flags = kControlFlags,
       .acl_categories = kAclTransaction,
       .group = "transactions",
       .since = "1.2.0",
       .summary = "Mark the start of a transaction block",
       .complexity = "O(1)"},
      {.name = "unwatch",
       .handler = unwatch_command,
       .arity = 1,
       .flags = kControlFlags,
       .acl_categories = kAclTransaction,
       .group = "transactions",
       .since = "2.2.0",
       .summary = "Forget about all watched keys",
       .complexity = "O(1)"},
      {.name = "watch",
       .handler = watch_command,
       .arity = -2,
       .flags = kControlFlags,
       .acl_categories = kAclTransaction,
       .key_specs =
           {{.flags = KeySpec::kRO, .begin_index = 1, .last_key = -1, .key_step = 1, .limit = 0}},
       .group = "transactions",
       .since = "2.2.0",
       .summary = "Watch the given keys to determine execution of the MULTI/EXEC block",
       .complexity = "O(1) for every key."},
  };
}

}  // namespace gorodis
