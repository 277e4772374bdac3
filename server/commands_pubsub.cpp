// commands_pubsub.cpp — the Pub/Sub command table entries (Redis 7.0's metadata). The handlers
// are in pubsub.cpp. Shard-channel commands carry Redis's not_key key specs (COMMAND INFO shows
// them to cluster clients); CommandTable::keys_of skips such specs, so COMMAND GETKEYS answers
// like Redis and the dispatcher locks no keyspace shard for a channel.
#include "command_table.hpp"
#include "commands.hpp"

namespace gorodis {

namespace {

CommandSpec pubsub_command(std::string_view name, CommandHandler handler, int arity,
                           std::uint64_t flags, std::string_view since, std::string_view summary,
                           std::string_view complexity) {
  return {.name = name,
          .handler = handler,
          .arity = arity,
          .flags = flags,
          .acl_categories = kAclPubsub,
          .group = "pubsub",
          .since = since,
          .summary = summary,
          .complexity = complexity};
}

// A shard-channel command: channels from argument 1 to `last_key` (relative), not keys.
CommandSpec shard_command(CommandSpec spec, int last_key) {
  spec.key_specs = {{.flags = KeySpec::kNotKey,
                     .begin_index = 1,
                     .last_key = last_key,
                     .key_step = 1,
                     .limit = 0}};
  return spec;
}

constexpr std::uint64_t kSubscribeFlags = kPubsub | kNoScript | kLoading | kStale;
constexpr std::uint64_t kPublishFlags = kPubsub | kLoading | kStale | kFast;
constexpr std::uint64_t kIntrospectFlags = kPubsub | kLoading | kStale;

}  // namespace

std::vector<CommandSpec> pubsub_command_specs() {
  CommandSpec pubsub{.name = "pubsub",
                     .handler = nullptr,
                     .arity = -2,
                     .flags = 0,
                     .acl_categories = 0,
                     .group = "pubsub",
                     .since = "2.8.0",
                     .summary = "A container for Pub/Sub commands",
                     .complexity = "Depends on subcommand."};
  pubsub.subcommands = {
      pubsub_command("numsub", pubsub_numsub_command, -2, kIntrospectFlags, "2.8.0",
                     "Get the count of subscribers for channels",
                     "O(N) for the NUMSUB subcommand, where N is the number of requested "
                     "channels"),
      pubsub_command("numpat", pubsub_numpat_command, 2, kIntrospectFlags, "2.8.0",
                     "Get the count of unique patterns pattern subscriptions", "O(1)"),
      pubsub_command("channels", pubsub_channels_command, -2, kIntrospectFlags, "2.8.0",
                     "List active channels",
                     "O(N) where N is the number of active channels, and assuming constant time "
                     "pattern matching (relatively short channels and patterns)"),
      pubsub_command("shardchannels", pubsub_shardchannels_command, -2, kIntrospectFlags, "7.0.0",
                     "List active shard channels",
                     "O(N) where N is the number of active shard channels, and assuming "
                     "constant time pattern matching (relatively short shard channels)."),
      pubsub_command("shardnumsub", pubsub_shardnumsub_command, -2, kIntrospectFlags, "7.0.0",
                     "Get the count of subscribers for shard channels",
                     "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested "
                     "shard channels"),
      {.name = "help",
       .handler = pubsub_help_command,
       .arity = 2,
       .flags = kLoading | kStale,
       .acl_categories = 0,
       .group = "pubsub",
       .since = "6.2.0",
       .summary = "Show helpful text about the different subcommands",
       .complexity = "O(1)"},
  };
  std::vector<CommandSpec> specs;
  specs.push_back(pubsub_command("subscribe", subscribe_command, -2, kSubscribeFlags, "2.0.0",
                                 "Listen for messages published to the given channels",
                                 "O(N) where N is the number of channels to subscribe to."));
  specs.push_back(
      pubsub_command("unsubscribe", unsubscribe_command, -1, kSubscribeFlags, "2.0.0",
                     "Stop listening for messages posted to the given channels",
                     "O(N) where N is the number of clients already subscribed to a channel."));
  specs.push_back(pubsub_command(
      "psubscribe", psubscribe_command, -2, kSubscribeFlags, "2.0.0",
      "Listen for messages published to channels matching the given patterns",
      "O(N) where N is the number of patterns the client is already subscribed to."));
  specs.push_back(pubsub_command(
      "punsubscribe", punsubscribe_command, -1, kSubscribeFlags, "2.0.0",
      "Stop listening for messages posted to channels matching the given patterns",
      "O(N+M) where N is the number of patterns the client is already subscribed and M is the "
      "number of total patterns subscribed in the system (by any client)."));
  specs.push_back(pubsub_command(
      "publish", publish_command, 3, kPublishFlags, "2.0.0", "Post a message to a channel",
      "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the "
      "total number of subscribed patterns (by any client)."));
  specs.push_back(std::move(pubsub));
  specs.push_back(
      shard_command(pubsub_command("ssubscribe", ssubscribe_command, -2, kSubscribeFlags, "7.0.0",
                                   "Listen for messages published to the given shard channels",
                                   "O(N) where N is the number of shard channels to subscribe to."),
                    -1));
  specs.push_back(shard_command(
      pubsub_command("sunsubscribe", sunsubscribe_command, -1, kSubscribeFlags, "7.0.0",
                     "Stop listening for messages posted to the given shard channels",
                     "O(N) where N is the number of clients already subscribed to a shard "
                     "channel."),
      -1));
  specs.push_back(shard_command(
      pubsub_command("spublish", spublish_command, 3, kPublishFlags, "7.0.0",
                     "Post a message to a shard channel",
                     "O(N) where N is the number of clients subscribed to the receiving shard "
                     "channel."),
      0));
  return specs;
}

}  // namespace gorodis
