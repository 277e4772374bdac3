// commands_hyperloglog.cpp — the command table entries of the HyperLogLog family
// (hyperloglog.cpp), with Redis 7.0.15's metadata (COMMAND INFO / COMMAND DOCS).
#include "command_table.hpp"
#include "commands.hpp"

namespace gorodis {

std::vector<CommandSpec> hyperloglog_command_specs() {
  return {
      {.name = "pfadd",
       .handler = pfadd_command,
       .arity = -2,
       .flags = kWrite | kDenyOom | kFast,
       .acl_categories = kAclHyperloglog,
       .key_specs = {{.flags = KeySpec::kRW | KeySpec::kInsert,
                      .begin_index = 1,
                      .last_key = 0,
                      .key_step = 1,
                      .limit = 0}},
       .group = "hyperloglog",
       .since = "2.8.9",
       .summary = "Adds the specified elements to the specified HyperLogLog.",
       .complexity = "O(1) to add every element."},
      {.name = "pfcount",
       .handler = pfcount_command,
       .arity = -2,
       .flags = kReadonly,
       .acl_categories = kAclHyperloglog,
       .key_specs = {{.flags = KeySpec::kRW | KeySpec::kAccess,
                      .begin_index = 1,
                      .last_key = -1,
                      .key_step = 1,
                      .limit = 0,
                      .notes = "RW because it may change the internal representation of the key, "
                               "and propagate to replicas"}},
       .group = "hyperloglog",
       .since = "2.8.9",
       .summary = "Return the approximated cardinality of the set(s) observed by the HyperLogLog "
                  "at key(s).",
       .complexity = "O(1) with a very small average constant time when called with a single key. "
                     "O(N) with N being the number of keys, and much bigger constant times, when "
                     "called with multiple keys."},
      {.name = "pfmerge",
       .handler = pfmerge_command,
       .arity = -2,
       .flags = kWrite | kDenyOom,
       .acl_categories = kAclHyperloglog,
       .key_specs = {{.flags = KeySpec::kRW | KeySpec::kAccess | KeySpec::kInsert,
                      .begin_index = 1,
                      .last_key = 0,
                      .key_step = 1,
                      .limit = 0},
                     {.flags = KeySpec::kRO | KeySpec::kAccess,
                      .begin_index = 2,
                      .last_key = -1,
                      .key_step = 1,
                      .limit = 0}},
       .group = "hyperloglog",
       .since = "2.8.9",
       .summary = "Merge N different HyperLogLogs into a single one.",
       .complexity = "O(N) to merge N HyperLogLogs, but with high constant times."},
      {.name = "pfdebug",
       .handler = pfdebug_command,
       .arity = 3,
       .flags = kWrite | kDenyOom | kAdmin,
       .acl_categories = kAclHyperloglog,
       .key_specs = {{.flags = KeySpec::kRW | KeySpec::kAccess,
                      .begin_index = 2,
                      .last_key = 0,
                      .key_step = 1,
                      .limit = 0}},
       .group = "hyperloglog",
       .since = "2.8.9",
       .summary = "Internal commands for debugging HyperLogLog values",
       .complexity = "N/A"},
      {.name = "pfselftest",
       .handler = pfselftest_command,
       .arity = 1,
       .flags = kAdmin,
       .acl_categories = kAclHyperloglog,
       .group = "hyperloglog",
       .since = "2.8.9",
       .summary = "An internal command for testing HyperLogLog values",
       .complexity = "N/A"},
  };
}

}  // namespace gorodis
