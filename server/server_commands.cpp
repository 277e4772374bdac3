// server_commands.cpp — connection and server commands that need no networking: PING ECHO
// SELECT SWAPDB DBSIZE FLUSHDB FLUSHALL TIME HELLO, the OBJECT and MEMORY introspection
// subcommands, and COMMAND (whose replies are generated from the command table).
//
// MEMORY USAGE estimates what Redis 7.0 with jemalloc reports: the key's sds allocation, a
// 24-byte dict entry, and the value (16-byte object header, plus the embstr block or the raw
// sds allocation), each rounded up to jemalloc's size classes. It is an estimate of Redis's
// footprint for the same data, not a measurement of gorodis's own.
#include <climits>

#include "commands.hpp"
#include "evict.hpp"
#include "pubsub.hpp"
#include "server.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

constexpr std::string_view kCompatibleVersion = "7.0.15";

std::optional<int> db_index_argument(CommandContext& ctx, std::size_t index,
                                     std::string_view error = errors::kNotInteger) {
  auto id = int_argument(ctx, index, error);
  if (id && (*id < 0 || *id >= ctx.server.database_count())) {
    ctx.reply.error(errors::kDbOutOfRange);
    return std::nullopt;
  }
  return id;
}

// FLUSHDB/FLUSHALL [ASYNC|SYNC]: both modes free synchronously here.
bool flush_arguments_ok(CommandContext& ctx) {
  if (ctx.argc() > 2 ||
      (ctx.argc() == 2 && !iequals(ctx.argv[1], "sync") && !iequals(ctx.argv[1], "async"))) {
    ctx.reply.error(errors::kSyntax);
    return false;
  }
  return true;
}

void clear_locked(Db& db) {
  for (std::size_t i = 0; i < db.shard_count(); ++i) db.clear_shard(i);
}

std::size_t estimated_memory(const Entry& entry, std::size_t samples) {
  constexpr std::size_t kObjectHeader = 16;
  constexpr std::size_t kDictEntry = 24;
  constexpr std::size_t kEmbstrHeader = 3;
  std::size_t value = kObjectHeader;
  switch (entry.value.encoding()) {
    case Encoding::kInt:
      break;
    case Encoding::kEmbstr:
      value = jemalloc_size(kObjectHeader + kEmbstrHeader + entry.value.string_length() + 1);
      break;
    case Encoding::kRaw:
      value += sds_allocation(entry.value.string_length());
      break;
    default:
      value += entry.value.composite_memory_usage(samples);
      break;
  }
  return sds_allocation(entry.key.size()) + kDictEntry + value;
}

// Looks up OBJECT's or MEMORY USAGE's key without touching its access time; replies null when
// missing. OBJECT counts a keyspace hit or miss (Redis objectCommandLookup), MEMORY USAGE does
// not (Redis reads its dict directly).
Entry* introspected_key(CommandContext& ctx, bool count_lookup = true) {
  Entry* entry = count_lookup ? lookup_key(ctx, ctx.argv[2], Lookup::kInspect)
                              : ctx.db().lookup(ctx.argv[2], ctx.now_ms);
  if (entry == nullptr) ctx.reply.null();
  return entry;
}

}  // namespace

void reply_help(CommandContext& ctx, std::string_view container,
                std::initializer_list<std::string_view> lines) {
  ctx.reply.array_header(lines.size() + 3);
  std::string header(container);
  header.append(" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  ctx.reply.simple_string(header);
  for (std::string_view line : lines) ctx.reply.simple_string(line);
  ctx.reply.simple_string("HELP");
  ctx.reply.simple_string("    Prints this help.");
}

void ping_command(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    reply_arity_error(ctx);
  } else if (in_resp2_pubsub_mode(ctx.client)) {
    // A RESP2 subscriber can only parse arrays, so PING answers like a message would.
    ctx.reply.array_header(2);
    ctx.reply.bulk("pong");
    ctx.reply.bulk(ctx.argc() == 2 ? ctx.argv[1] : "");
  } else if (ctx.argc() == 2) {
    ctx.reply.bulk(ctx.argv[1]);
  } else {
    ctx.reply.simple_string("PONG");
  }
}

void echo_command(CommandContext& ctx) {
  ctx.reply.bulk(ctx.argv[1]);
}

void select_command(CommandContext& ctx) {
  auto id = db_index_argument(ctx, 1);
  if (!id) return;
  ctx.client.update([&] { ctx.client.db_index = *id; });
  ctx.reply.ok();
}

void swapdb_command(CommandContext& ctx) {
  auto first = int_argument(ctx, 1, "ERR invalid first DB index");
  if (!first) return;
  auto second = int_argument(ctx, 2, "ERR invalid second DB index");
  if (!second) return;
  int count = ctx.server.database_count();
  if (*first < 0 || *first >= count || *second < 0 || *second >= count) {
    ctx.reply.error(errors::kDbOutOfRange);
    return;
  }
  if (*first != *second) {
    ShardLocks locks;
    locks.add_all(ctx.server.db(*first));
    locks.add_all(ctx.server.db(*second));
    ctx.lock(locks);
    ctx.server.db(*first).swap_contents(ctx.server.db(*second), ctx.now_ms);
  }
  ctx.reply.ok();
}

void dbsize_command(CommandContext& ctx) {
  Db& db = ctx.db();
  ShardLocks locks;
  locks.add_all(db);
  ctx.lock(locks);
  std::size_t total = 0;
  for (std::size_t i = 0; i < db.shard_count(); ++i) total += db.shard(i).keys.size();
  ctx.reply.integer(static_cast<long long>(total));
}

void flushdb_command(CommandContext& ctx) {
  if (!flush_arguments_ok(ctx)) return;
  ShardLocks locks;
  locks.add_all(ctx.db());
  ctx.lock(locks);
  clear_locked(ctx.db());
  ctx.reply.ok();
}

void flushall_command(CommandContext& ctx) {
  if (!flush_arguments_ok(ctx)) return;
  ShardLocks locks;
  for (int i = 0; i < ctx.server.database_count(); ++i) locks.add_all(ctx.server.db(i));
  ctx.lock(locks);
  for (int i = 0; i < ctx.server.database_count(); ++i) clear_locked(ctx.server.db(i));
  ctx.reply.ok();
}

void time_command(CommandContext& ctx) {
  std::int64_t now = ctx.server.now_us();
  ctx.reply.array_header(2);
  ctx.reply.bulk(int64_to_string(now / 1000000));
  ctx.reply.bulk(int64_to_string(now % 1000000));
}

void hello_command(CommandContext& ctx) {
  int protocol = ctx.client.protocol;
  std::size_t next = 1;
  if (ctx.argc() >= 2) {
    auto version =
        integer_argument(ctx, next++, "ERR Protocol version is not an integer or out of range");
    if (!version) return;
    if (*version < 2 || *version > 3) {
      ctx.reply.error("NOPROTO unsupported protocol version");
      return;
    }
    protocol = static_cast<int>(*version);
  }
  std::optional<std::string_view> name;
  std::optional<std::pair<std::string_view, std::string_view>> credentials;
  for (std::size_t j = next; j < ctx.argc(); ++j) {
    std::size_t more = ctx.argc() - 1 - j;
    if (iequals(ctx.argv[j], "auth") && more >= 2) {
      credentials.emplace(ctx.argv[j + 1], ctx.argv[j + 2]);
      j += 2;
    } else if (iequals(ctx.argv[j], "setname") && more >= 1) {
      name = ctx.argv[++j];
    } else {
      ctx.reply.error("ERR Syntax error in HELLO option '" + std::string(ctx.argv[j]) + "'");
      return;
    }
  }
  if (credentials) {
    if (!check_credentials(ctx.server, credentials->first, credentials->second)) {
      ctx.reply.error(errors::kWrongPass);
      return;
    }
    ctx.client.authenticated = true;
  }
  if (!ctx.client.authenticated) {
    ctx.reply.error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "<proto> AUTH <user> <pass> option can be used to authenticate the client and select "
        "the RESP protocol version at the same time");
    return;
  }
  if (name && !valid_client_name(*name)) {
    ctx.reply.error(errors::kBadClientName);
    return;
  }
  ctx.client.update([&] {
    if (name) ctx.client.name = std::string(*name);
    ctx.client.protocol = protocol;
  });
  ctx.reply.set_protocol(protocol);
  ReplyBuilder& reply = ctx.reply;
  reply.map_header(7);
  reply.bulk("server");
  reply.bulk("redis");
  reply.bulk("version");
  reply.bulk(kCompatibleVersion);
  reply.bulk("proto");
  reply.integer(protocol);
  reply.bulk("id");
  reply.integer(static_cast<long long>(ctx.client.id));
  reply.bulk("mode");
  reply.bulk("standalone");
  reply.bulk("role");
  reply.bulk("master");
  reply.bulk("modules");
  reply.array_header(0);
}

void object_encoding_command(CommandContext& ctx) {
  if (Entry* entry = introspected_key(ctx)) {
    ctx.reply.bulk(Object::encoding_name(entry->value.encoding()));
  }
}

void object_refcount_command(CommandContext& ctx) {
  if (Entry* entry = introspected_key(ctx)) ctx.reply.integer(entry->value.refcount());
}

void object_idletime_command(CommandContext& ctx) {
  Entry* entry = introspected_key(ctx);
  if (entry == nullptr) return;
  if (lfu_policy(ctx.server)) {
    ctx.reply.error(
        "ERR An LRU maxmemory policy is not selected, access time not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time "
        "to adjust.");
    return;
  }
  ctx.reply.integer((ctx.now_ms - entry->value.access_time_ms) / 1000);
}

void object_freq_command(CommandContext& ctx) {
  Entry* entry = introspected_key(ctx);
  if (entry == nullptr) return;
  if (!lfu_policy(ctx.server)) {
    ctx.reply.error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
        "note that when switching between policies at runtime LRU and LFU data will take some "
        "time to adjust.");
    return;
  }
  ctx.reply.integer(
      lfu::decayed(entry->value, ctx.now_ms, ctx.server.settings().lfu_decay_time.load()));
}

void object_help_command(CommandContext& ctx) {
  reply_help(ctx, "OBJECT",
             {"ENCODING <key>",
              "    Return the kind of internal representation used in order to store the value",
              "    associated with a <key>.", "FREQ <key>",
              "    Return the access frequency index of the <key>. The returned integer is",
              "    proportional to the logarithm of the recent access frequency of the key.",
              "IDLETIME <key>",
              "    Return the idle time of the <key>, that is the approximated number of",
              "    seconds elapsed since the last access to the key.", "REFCOUNT <key>",
              "    Return the number of references of the value associated with the specified",
              "    <key>."});
}

void memory_usage_command(CommandContext& ctx) {
  // Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES; 0 samples every element.
  std::size_t samples = 5;
  for (std::size_t j = 3; j < ctx.argc(); ++j) {
    if (iequals(ctx.argv[j], "samples") && j + 1 < ctx.argc()) {
      auto count = integer_argument(ctx, ++j);
      if (!count) return;
      if (*count < 0) {
        ctx.reply.error(errors::kSyntax);
        return;
      }
      samples = static_cast<std::size_t>(*count);
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  if (Entry* entry = introspected_key(ctx, false)) {
    ctx.reply.integer(static_cast<long long>(estimated_memory(*entry, samples)));
  }
}

void memory_help_command(CommandContext& ctx) {
  reply_help(ctx, "MEMORY",
             {"DOCTOR", "    Return memory problems reports.", "MALLOC-STATS",
              "    Return internal statistics report from the memory allocator.", "PURGE",
              "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
              "    Return information about the memory usage of the server.",
              "USAGE <key> [SAMPLES <count>]",
              "    Return memory in bytes used by <key> and its value. Nested values are",
              "    sampled up to <count> times (default: 5, 0 means sample all)."});
}

namespace {

void reply_name_set(ReplyBuilder& reply, const std::vector<std::string_view>& names) {
  reply.set_header(names.size());
  for (std::string_view name : names) reply.simple_string(name);
}

void reply_key_specs(ReplyBuilder& reply, const CommandSpec& command) {
  reply.set_header(command.key_specs.size());
  for (const KeySpec& spec : command.key_specs) {
    reply.map_header(spec.notes.empty() ? 3 : 4);
    if (!spec.notes.empty()) {
      reply.bulk("notes");
      reply.bulk(spec.notes);
    }
    reply.bulk("flags");
    reply_name_set(reply, CommandTable::key_spec_flag_names(spec.flags));
    reply.bulk("begin_search");
    reply.map_header(2);
    reply.bulk("type");
    reply.bulk("index");
    reply.bulk("spec");
    reply.map_header(1);
    reply.bulk("index");
    reply.integer(spec.begin_index);
    reply.bulk("find_keys");
    reply.map_header(2);
    reply.bulk("type");
    const bool by_count = spec.find == KeySpec::FindKeys::kKeynum;
    reply.bulk(by_count ? "keynum" : "range");
    reply.bulk("spec");
    reply.map_header(3);
    reply.bulk(by_count ? "keynumidx" : "lastkey");
    reply.integer(by_count ? spec.keynum_index : spec.last_key);
    if (by_count) {
      reply.bulk("firstkey");
      reply.integer(spec.first_key);
    }
    reply.bulk("keystep");
    reply.integer(spec.key_step);
    if (!by_count) {
      reply.bulk("limit");
      reply.integer(spec.limit);
    }
  }
}

// Redis addReplyCommandInfo: the 10-element description of one command.
void reply_command_info(ReplyBuilder& reply, const CommandSpec& command) {
  reply.array_header(10);
  reply.bulk(command.full_name);
  reply.integer(command.arity);
  reply_name_set(reply, CommandTable::flag_names(command));
  reply.integer(command.legacy_first_key);
  reply.integer(command.legacy_last_key);
  reply.integer(command.legacy_key_step);
  reply_name_set(reply, CommandTable::acl_category_names(command));
  reply.set_header(command.tips.size());
  for (std::string_view tip : command.tips) reply.bulk(tip);
  reply_key_specs(reply, command);
  reply.set_header(command.subcommands.size());
  for (const CommandSpec& sub : command.subcommands) reply_command_info(reply, sub);
}

void reply_command_docs(ReplyBuilder& reply, const CommandSpec& command) {
  reply.map_header(command.subcommands.empty() ? 4 : 5);
  reply.bulk("summary");
  reply.bulk(command.summary);
  reply.bulk("since");
  reply.bulk(command.since);
  reply.bulk("group");
  reply.bulk(command.group);
  reply.bulk("complexity");
  reply.bulk(command.complexity);
  if (!command.subcommands.empty()) {
    reply.bulk("subcommands");
    reply.map_header(command.subcommands.size());
    for (const CommandSpec& sub : command.subcommands) {
      reply.bulk(sub.full_name);
      reply_command_docs(reply, sub);
    }
  }
}

// Resolves "name" or "container|sub" (Redis lookupCommandBySds).
const CommandSpec* command_by_full_name(std::string_view name) {
  const CommandTable& table = CommandTable::instance();
  std::size_t bar = name.find('|');
  if (bar == std::string_view::npos) return table.find(name);
  const CommandSpec* container = table.find(name.substr(0, bar));
  if (container == nullptr) return nullptr;
  return CommandTable::find_subcommand(*container, name.substr(bar + 1));
}

void collect_names(const CommandSpec& command, std::vector<const CommandSpec*>& out) {
  out.push_back(&command);
  for (const CommandSpec& sub : command.subcommands) collect_names(sub, out);
}

void reply_keys(CommandContext& ctx, bool with_flags) {
  std::span<const std::string_view> target = ctx.argv.subspan(2);
  const CommandSpec* command = CommandTable::instance().resolve(target);
  if (command == nullptr) {
    ctx.reply.error("ERR Invalid command specified");
    return;
  }
  if (!command->has_keys()) {
    ctx.reply.error("ERR The command has no key arguments");
    return;
  }
  if (!command->arity_ok(target.size())) {
    ctx.reply.error("ERR Invalid number of arguments specified for command");
    return;
  }
  bool out_of_bounds;
  std::vector<KeyReference> keys = CommandTable::keys_of(*command, target, &out_of_bounds);
  if (out_of_bounds) keys.clear();  // Redis drops every key when one spec is out of bounds
  if (keys.empty() && !(command->flags & kNoMandatoryKeys)) {
    ctx.reply.error("ERR Invalid arguments specified for command");
    return;
  }
  ctx.reply.array_header(keys.size());
  for (const KeyReference& key : keys) {
    if (with_flags) {
      ctx.reply.array_header(2);
      ctx.reply.bulk(target[key.position]);
      reply_name_set(ctx.reply, CommandTable::key_spec_flag_names(key.flags));
    } else {
      ctx.reply.bulk(target[key.position]);
    }
  }
}

}  // namespace

void command_command(CommandContext& ctx) {
  std::span<const CommandSpec> commands = CommandTable::instance().commands();
  ctx.reply.array_header(commands.size());
  for (const CommandSpec& command : commands) reply_command_info(ctx.reply, command);
}

void command_count_command(CommandContext& ctx) {
  ctx.reply.integer(static_cast<long long>(CommandTable::instance().commands().size()));
}

void command_info_command(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    command_command(ctx);
    return;
  }
  ctx.reply.array_header(ctx.argc() - 2);
  for (std::size_t i = 2; i < ctx.argc(); ++i) {
    if (const CommandSpec* command = command_by_full_name(ctx.argv[i])) {
      reply_command_info(ctx.reply, *command);
    } else {
      ctx.reply.null();
    }
  }
}

void command_docs_command(CommandContext& ctx) {
  std::vector<const CommandSpec*> selected;
  if (ctx.argc() == 2) {
    for (const CommandSpec& command : CommandTable::instance().commands()) {
      selected.push_back(&command);
    }
  } else {
    for (std::size_t i = 2; i < ctx.argc(); ++i) {
      if (const CommandSpec* command = command_by_full_name(ctx.argv[i])) {
        selected.push_back(command);
      }
    }
  }
  ctx.reply.map_header(selected.size());
  for (const CommandSpec* command : selected) {
    ctx.reply.bulk(command->full_name);
    reply_command_docs(ctx.reply, *command);
  }
}

void command_list_command(CommandContext& ctx) {
  std::vector<const CommandSpec*> all;
  for (const CommandSpec& command : CommandTable::instance().commands()) {
    collect_names(command, all);
  }
  std::vector<std::string_view> names;
  if (ctx.argc() == 2) {
    for (const CommandSpec* command : all) names.push_back(command->full_name);
  } else if (ctx.argc() == 5 && iequals(ctx.argv[2], "filterby")) {
    std::string_view kind = ctx.argv[3];
    std::string_view argument = ctx.argv[4];
    if (iequals(kind, "module")) {
      // No modules: nothing matches.
    } else if (iequals(kind, "aclcat")) {
      std::string category = "@" + std::string(argument);
      for (const CommandSpec* command : all) {
        for (std::string_view name : CommandTable::acl_category_names(*command)) {
          if (iequals(name, category)) names.push_back(command->full_name);
        }
      }
    } else if (iequals(kind, "pattern")) {
      for (const CommandSpec* command : all) {
        if (glob_match(argument, command->full_name, true)) names.push_back(command->full_name);
      }
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  } else {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  ctx.reply.bulk_array(names);
}

void command_getkeys_command(CommandContext& ctx) {
  reply_keys(ctx, false);
}

void command_getkeysandflags_command(CommandContext& ctx) {
  reply_keys(ctx, true);
}

void command_help_command(CommandContext& ctx) {
  reply_help(ctx, "COMMAND",
             {"(no subcommand)", "    Return details about all Redis commands.", "COUNT",
              "    Return the total number of commands in this Redis server.", "LIST",
              "    Return a list of all commands in this Redis server.",
              "INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
              "    If no command names are given, documentation details for all",
              "    commands are returned.", "DOCS [<command-name> ...]",
              "    Return documentation details about multiple Redis commands.",
              "    If no command names are given, documentation details for all",
              "    commands are returned.", "GETKEYS <full-command>",
              "    Return the keys from a full Redis command.", "GETKEYSANDFLAGS <full-command>",
              "    Return the keys and the access flags from a full Redis command."});
}

}  // namespace gorodis
