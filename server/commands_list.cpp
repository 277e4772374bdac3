// commands_list.cpp — the list family's command table entries (Redis 7.0's commands.def data for
// the "list" group: arity, flags, key specs, ACL categories and docs, as COMMAND INFO/DOCS of
// redis-server 7.0.15 report them).
#include "command_table.hpp"
#include "commands.hpp"

namespace gorodis {

namespace {

// The one-key spec most list commands have: the key at `index`.
KeySpec key_at(std::uint32_t flags, int index) {
  return {.flags = flags, .begin_index = index, .last_key = 0, .key_step = 1, .limit = 0};
}

constexpr std::uint32_t kPopFlags = KeySpec::kRW | KeySpec::kAccess | KeySpec::kDelete;
constexpr std::uint32_t kPushFlags = KeySpec::kRW | KeySpec::kInsert;
constexpr std::string_view kPushComplexity =
    "O(1) for each element added, so O(N) to add N elements when the command is called with "
    "multiple arguments.";
constexpr std::string_view kPopComplexity = "O(N) where N is the number of elements returned";
constexpr std::string_view kMpopComplexity =
    "O(N+M) where N is the number of provided keys and M is the number of elements returned.";

}  // namespace

std::vector<CommandSpec> list_command_specs() {
  return {
      {.name = "lpush",
       .handler = lpush_command,
       .arity = -3,
       .flags = kWrite | kDenyOom | kFast,
       .acl_categories = kAclList,
       .key_specs = {key_at(kPushFlags, 1)},
       .group = "list",
       .since = "1.0.0",
       .summary = "Prepend one or multiple elements to a list",
       .complexity = kPushComplexity},
      {.name = "rpush",
       .handler = rpush_command,
       .arity = -3,
       .flags = kWrite | kDenyOom | kFast,
       .acl_categories = kAclList,
       .key_specs = {key_at(kPushFlags, 1)},
       .group = "list",
       .since = "1.0.0",
       .summary = "Append one or multiple elements to a list",
       .complexity = kPushComplexity},
      {.name = "lpushx",
       .handler = lpushx_command,
       .arity = -3,
       .flags = kWrite | kDenyOom | kFast,
       .acl_categories = kAclList,
       .key_specs = {key_at(kPushFlags, 1)},
       .group = "list",
       .since = "2.2.0",
       .summary = "Prepend an element to a list, only if the list exists",
       .complexity = kPushComplexity},
      {.name = "rpushx",
       .handler = rpushx_command,
       .arity = -3,
       .flags = kWrite | kDenyOom | kFast,
       .acl_categories = kAclList,
       .key_specs = {key_at(kPushFlags, 1)},
       .group = "list",
       .since = "2.2.0",
       .summary = "Append an element to a list, only if the list exists",
       .complexity = kPushComplexity},
      {.name = "lpop",
       .handler = lpop_command,
       .arity = -2,
       .flags = kWrite | kFast,
       .acl_categories = kAclList,
       .key_specs = {key_at(kPopFlags, 1)},
       .group = "list",
       .since = "1.0.0",
       .summary = "Remove and get the first elements in a list",
       .complexity = kPopComplexity},
      {.name = "rpop",
       .handler = rpop_command,
       .arity = -2,
       .flags = kWrite | kFast,
       .acl_categories = kAclList,
       .key_specs = {key_at(kPopFlags, 1)},
       .group = "list",
       .since = "1.0.0",
       .summary = "Remove and get the last elements in a list",
       .complexity = kPopComplexity},
      {.name = "llen",
       .handler = llen_command,
       .arity = 2,
       .flags = kReadonly | kFast,
       .acl_categories = kAclList,
       .key_specs = {key_at(KeySpec::kRO, 1)},
       .group = "list",
       .since = "1.0.0",
       .summary = "Get the length of a list",
       .complexity = "O(1)"},
      {.name = "lrange",
       .handler = lrange_command,
       .arity = 4,
       .flags = kReadonly,
       .acl_categories = kAclList,
       .key_specs = {key_at(KeySpec::kRO | KeySpec::kAccess, 1)},
       .group = "list",
       .since = "1.0.0",
       .summary = "Get a range of elements from a list",
       .complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, "
                     "from nearest end (HEAD or TAIL) for large lists; and N is the number of "
                     "elements in the specified range."},
      {.name = "lindex",
       .handler = lindex_command,
       .arity = 3,
       .flags = kReadonly,
       .acl_categories = kAclList,
       .key_specs = {key_at(KeySpec::kRO | KeySpec::kAccess, 1)},
       .group = "list",
       .since = "1.0.0",
       .summary = "Get an element from a list by its index",
       .complexity = "O(N) where N is the number of elements to traverse to get to the element "
                     "at index. This makes asking for the first or the last element of the list "
                     "O(1)."},
      {.name = "lset",
       .handler = lset_command,
       .arity = 4,
       .flags = kWrite | kDenyOom,
       .acl_categories = kAclList,
       .key_specs = {key_at(KeySpec::kRW | KeySpec::kUpdate, 1)},
       .group = "list",
       .since = "1.0.0",
       .summary = "Set the value of an element in a list by its index",
       .complexity = "O(N) where N is the length of the list. Setting either the first or the "
                     "last element of the list is O(1)."},
      {.name = "linsert",
       .handler = linsert_command,
       .arity = 5,
       .flags = kWrite | kDenyOom,
       .acl_categories = kAclList,
       .key_specs = {key_at(kPushFlags, 1)},
       .group = "list",
       .since = "2.2.0",
       .summary = "Insert an element before or after another element in a list",
       .complexity = "O(N) where N is the number of elements to traverse before seeing the value "
                     "pivot. This means that inserting somewhere on the left end on the list "
                     "(head) can be considered O(1) and inserting somewhere on the right end "
                     "(tail) is O(N)."},
      {.name = "lrem",
       .handler = lrem_command,
       .arity = 4,
       .flags = kWrite,
       .acl_categories = kAclList,
       .key_specs = {key_at(KeySpec::kRW | KeySpec::kDelete, 1)},
       .group = "list",
       .since = "1.0.0",
       .summary = "Remove elements from a list",
       .complexity =
           "O(N+M) where N is the length of the list and M is the number of elements removed."},
      {.name = "ltrim",
       .handler = ltrim_command,
       .arity = 4,
       .flags = kWrite,
       .acl_categories = kAclList,
       .key_specs = {key_at(KeySpec::kRW | KeySpec::kDelete, 1)},
       .group = "list",
       .since = "1.0.0",
       .summary = "Trim a list to the specified range",
       .complexity = "O(N) where N is the number of elements to be removed by the operation."},
      {.name = "lpos",
       .handler = lpos_command,
       .arity = -3,
       .flags = kReadonly,
       .acl_categories = kAclList,
       .key_specs = {key_at(KeySpec::kRO | KeySpec::kAccess, 1)},
       .group = "list",
       .since = "6.0.6",
       .summary = "Return the index of matching elements on a list",
       .complexity = "O(N) where N is the number of elements in the list, for the average case. "
                     "When searching for elements near the head or the tail of the list, or when "
                     "the MAXLEN option is provided, the command may run in constant time."},
      {.name = "lmove",
       .handler = lmove_command,
       .arity = 5,
       .flags = kWrite | kDenyOom,
       .acl_categories = kAclList,
       .key_specs = {key_at(kPopFlags, 1), key_at(kPushFlags, 2)},
       .group = "list",
       .since = "6.2.0",
       .summary = "Pop an element from a list, push it to another list and return it",
       .complexity = "O(1)"},
      {.name = "rpoplpush",
       .handler = rpoplpush_command,
       .arity = 3,
       .flags = kWrite | kDenyOom,
       .acl_categories = kAclList,
       .key_specs = {key_at(kPopFlags, 1), key_at(kPushFlags, 2)},
       .group = "list",
       .since = "1.2.0",
       .summary = "Remove the last element in a list, prepend it to another list and return it",
       .complexity = "O(1)"},
      {.name = "lmpop",
       .handler = lmpop_command,
       .arity = -4,
       .flags = kWrite,
       .acl_categories = kAclList,
       .key_specs = {{.flags = kPopFlags,
                      .begin_index = 1,
                      .key_step = 1,
                      .keynum_index = 0,
                      .first_key = 1}},
       .group = "list",
       .since = "7.0.0",
       .summary = "Pop elements from a list",
       .complexity = kMpopComplexity},
  };
}

}  // namespace gorodis
