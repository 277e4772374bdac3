// pubsub.cpp — the Pub/Sub registries, outboxes, commands and keyspace notifications. See
// pubsub.hpp for the design; the command table entries are in commands_pubsub.cpp.
#include "pubsub.hpp"

#include <algorithm>
#include <mutex>
#include <shared_mutex>

#include "commands.hpp"
#include "log.hpp"
#include "util.hpp"

namespace gorodis {

// ---- notify-keyspace-events ---------------------------------------------------------------

namespace {

struct FlagLetter {
  char letter;
  int flag;
};
// The class letters in the order Redis renders them (without A, K, E, m, which are special).
constexpr FlagLetter kClassLetters[] = {
    {'g', kNotifyGeneric}, {'$', kNotifyString}, {'l', kNotifyList},    {'s', kNotifySet},
    {'h', kNotifyHash},    {'z', kNotifyZset},   {'x', kNotifyExpired}, {'e', kNotifyEvicted},
    {'t', kNotifyStream},  {'d', kNotifyModule}, {'n', kNotifyNew},
};

}  // namespace

std::optional<int> parse_notify_flags(std::string_view classes) {
  int flags = 0;
  for (char c : classes) {
    if (c == 'A') {
      flags |= kNotifyAll;
    } else if (c == 'K') {
      flags |= kNotifyKeyspace;
    } else if (c == 'E') {
      flags |= kNotifyKeyevent;
    } else if (c == 'm') {
      flags |= kNotifyKeyMiss;
    } else {
      const auto* found = std::find_if(std::begin(kClassLetters), std::end(kClassLetters),
                                       [c](const FlagLetter& f) { return f.letter == c; });
      if (found == std::end(kClassLetters)) return std::nullopt;
      flags |= found->flag;
    }
  }
  return flags;
}

std::string notify_flags_to_string(int flags) {
  std::string text;
  if ((flags & kNotifyAll) == kNotifyAll) {
    text.push_back('A');  // like Redis, A hides 'n' even when it is set
  } else {
    for (const FlagLetter& f : kClassLetters) {
      if (flags & f.flag) text.push_back(f.letter);
    }
  }
  if (flags & kNotifyKeyspace) text.push_back('K');
  if (flags & kNotifyKeyevent) text.push_back('E');
  if (flags & kNotifyKeyMiss) text.push_back('m');
  return text;
}

void publish_keyspace_event(Server& server, int type, std::string_view event, std::string_view key,
                            int db) {
  const int flags = server.settings().notify_keyspace_events.load(std::memory_order_relaxed);
  if ((flags & type) == 0) return;
  const std::string prefix_tail = std::to_string(db) + "__:";
  if (flags & kNotifyKeyspace) {
    std::string channel = "__keyspace@" + prefix_tail;
    channel.append(key);
    server.pubsub().publish(PubSub::Kind::kChannel, channel, event);
  }
  if (flags & kNotifyKeyevent) {
    std::string channel = "__keyevent@" + prefix_tail;
    channel.append(event);
    server.pubsub().publish(PubSub::Kind::kChannel, channel, key);
  }
}

void PubSub::key_added(const Db& db, std::string_view key) {
  notify_keyspace_event(server_, kNotifyNew, "new", key, db.id());
}

void PubSub::key_expired(const Db& db, std::string_view key) {
  notify_keyspace_event(server_, kNotifyExpired, "expired", key, db.id());
}

void PubSub::key_evicted(const Db& db, std::string_view key) {
  notify_keyspace_event(server_, kNotifyEvicted, "evicted", key, db.id());
}

// ---- Outbox ---------------------------------------------------------------------------------

bool Outbox::append(std::string_view bytes, const Limit& limit, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (holding_) {
    if (!closed_) held_.append(bytes);
    return false;
  }
  return append_locked(bytes, limit, now_ms);
}

void Outbox::hold() {
  std::lock_guard lock(mutex_);
  holding_ = true;
}

bool Outbox::end_command(std::string_view reply, const Limit& limit, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  holding_ = false;
  std::string held;
  held.swap(held_);
  return append_locked(reply, limit, now_ms) || append_locked(held, limit, now_ms);
}

bool Outbox::append_locked(std::string_view bytes, const Limit& limit, std::int64_t now_ms) {
  if (closed_ || bytes.empty()) return false;
  queue_.append(bytes);
  const std::size_t used = queue_.size() + in_flight_;
  pending_.store(used, std::memory_order_relaxed);
  ready_.signal();
  // Redis checkClientOutputBufferLimits: the soft limit must hold for more than its seconds.
  const bool hard = limit.hard > 0 && used >= static_cast<std::size_t>(limit.hard);
  bool soft = limit.soft > 0 && used >= static_cast<std::size_t>(limit.soft);
  if (!soft) {
    soft_since_ms_ = -1;
  } else if (soft_since_ms_ < 0) {
    soft_since_ms_ = now_ms;
    soft = false;
  } else {
    soft = (now_ms - soft_since_ms_) / 1000 > limit.soft_seconds;
  }
  if (!hard && !soft) return false;
  dropped_.store(true, std::memory_order_relaxed);
  closed_ = true;
  drain_ = false;
  queue_.clear();
  held_.clear();
  ready_.broadcast();
  return true;
}

std::string Outbox::take() {
  std::lock_guard lock(mutex_);
  in_flight_ = 0;
  pending_.store(queue_.size(), std::memory_order_relaxed);
  while (queue_.empty() && !closed_) ready_.wait();
  if (closed_ && !drain_) return {};
  std::string batch;
  batch.swap(queue_);
  in_flight_ = batch.size();
  return batch;
}

std::string Outbox::take_now() {
  std::lock_guard lock(mutex_);
  std::string batch;
  batch.swap(queue_);
  pending_.store(in_flight_, std::memory_order_relaxed);
  return batch;
}

void Outbox::close(bool drain) {
  std::lock_guard lock(mutex_);
  if (!closed_) drain_ = drain;
  closed_ = true;
  held_.clear();
  ready_.broadcast();
}

// ---- delivery ---------------------------------------------------------------------------------

// A message encoded at most once per protocol, however many subscribers receive it.
class EncodedMessage {
 public:
  EncodedMessage(std::string_view kind, std::string_view pattern, std::string_view channel,
                 std::string_view message)
      : kind_(kind), pattern_(pattern), channel_(channel), message_(message) {}

  const std::string& bytes(int protocol) {
    std::string& out = encoded_[protocol >= 3 ? 1 : 0];
    if (out.empty()) {
      ReplyBuilder reply(protocol);
      reply.push_header(pattern_.empty() ? 3 : 4);
      reply.bulk(kind_);
      if (!pattern_.empty()) reply.bulk(pattern_);
      reply.bulk(channel_);
      reply.bulk(message_);
      out = reply.take();
    }
    return out;
  }

 private:
  std::string_view kind_, pattern_, channel_, message_;
  std::string encoded_[2];
};

namespace {

void drop_client(ClientState& client) {
  log(LogLevel::kWarning, "Client id=" + std::to_string(client.id) + " addr=" + client.addr +
                              " scheduled to be closed ASAP for overcoming of output buffer "
                              "limits.");
  client.killed.store(true, std::memory_order_relaxed);
  if (client.kill) client.kill();
}

std::int64_t now_ms(Server& server) {
  return server.now_us() / 1000;
}

}  // namespace

Outbox::Limit output_limit(Server& server, const PubSubClient& subscriber) {
  const OutputBufferLimit& limit =
      server.settings()
          .client_output_buffer_limit[subscriber.total() > 0 ? kClientPubsub : kClientNormal];
  return {limit.hard.load(std::memory_order_relaxed), limit.soft.load(std::memory_order_relaxed),
          limit.soft_seconds.load(std::memory_order_relaxed)};
}

void queue_reply(Server& server, ClientState& client, std::string_view reply) {
  PubSubClient& subscriber = *client.pubsub;
  subscriber.protocol.store(client.protocol, std::memory_order_relaxed);
  if (subscriber.outbox.end_command(reply, output_limit(server, subscriber), now_ms(server))) {
    drop_client(client);
  }
}

void PubSub::deliver(PubSubClient& client, EncodedMessage& message) {
  const std::string& bytes = message.bytes(client.protocol.load(std::memory_order_relaxed));
  if (client.outbox.append(bytes, output_limit(server_, client), now_ms(server_))) {
    drop_client(client.client);
  }
}

// ---- registries ---------------------------------------------------------------------------------

PubSub::RegistryShard& PubSub::shard_of(Registry& registry, std::string_view channel) {
  return registry[Hash{}(channel) % kRegistryShards];
}

namespace {

std::set<std::string, std::less<>>& subscriptions_of(PubSubClient& client, PubSub::Kind kind) {
  switch (kind) {
    case PubSub::Kind::kChannel:
      return client.channels;
    case PubSub::Kind::kPattern:
      return client.patterns;
    case PubSub::Kind::kShard:
      break;
  }
  return client.shard_channels;
}

std::atomic<std::size_t>& count_of(PubSubClient& client, PubSub::Kind kind) {
  switch (kind) {
    case PubSub::Kind::kChannel:
      return client.channel_count;
    case PubSub::Kind::kPattern:
      return client.pattern_count;
    case PubSub::Kind::kShard:
      break;
  }
  return client.shard_channel_count;
}

}  // namespace

bool PubSub::subscribe(PubSubClient& client, Kind kind, std::string_view name) {
  auto& mine = subscriptions_of(client, kind);
  if (!mine.emplace(name).second) return false;
  count_of(client, kind).store(mine.size(), std::memory_order_relaxed);
  if (kind == Kind::kPattern) {
    std::lock_guard lock(patterns_mutex_);
    auto [it, added] = patterns_.try_emplace(std::string(name));
    if (added) pattern_total_.fetch_add(1, std::memory_order_relaxed);
    it->second.insert(&client);
  } else {
    RegistryShard& shard = shard_of(registry(kind), name);
    std::lock_guard lock(shard.mutex);
    auto [it, added] = shard.subscribers.try_emplace(std::string(name));
    if (added) channel_totals_[kind == Kind::kShard].fetch_add(1, std::memory_order_relaxed);
    it->second.insert(&client);
  }
  return true;
}

bool PubSub::unsubscribe(PubSubClient& client, Kind kind, std::string_view name) {
  auto& mine = subscriptions_of(client, kind);
  auto found = mine.find(name);
  if (found == mine.end()) return false;
  auto erase_from = [&](ChannelMap& map, std::atomic<std::size_t>& total) {
    auto it = map.find(name);
    it->second.erase(&client);
    if (it->second.empty()) {
      map.erase(it);
      total.fetch_sub(1, std::memory_order_relaxed);
    }
  };
  if (kind == Kind::kPattern) {
    std::lock_guard lock(patterns_mutex_);
    erase_from(patterns_, pattern_total_);
  } else {
    RegistryShard& shard = shard_of(registry(kind), name);
    std::lock_guard lock(shard.mutex);
    erase_from(shard.subscribers, channel_totals_[kind == Kind::kShard]);
  }
  mine.erase(found);
  count_of(client, kind).store(mine.size(), std::memory_order_relaxed);
  return true;
}

long long PubSub::publish(Kind kind, std::string_view channel, std::string_view message) {
  long long receivers = 0;
  {
    EncodedMessage encoded(kind == Kind::kShard ? "smessage" : "message", {}, channel, message);
    RegistryShard& shard = shard_of(registry(kind), channel);
    std::shared_lock lock(shard.mutex);
    auto it = shard.subscribers.find(channel);
    if (it != shard.subscribers.end()) {
      for (PubSubClient* client : it->second) deliver(*client, encoded);
      receivers += static_cast<long long>(it->second.size());
    }
  }
  if (kind == Kind::kChannel && pattern_total_.load(std::memory_order_relaxed) > 0) {
    std::shared_lock lock(patterns_mutex_);
    for (const auto& [pattern, clients] : patterns_) {
      if (!glob_match(pattern, channel)) continue;
      EncodedMessage encoded("pmessage", pattern, channel, message);
      for (PubSubClient* client : clients) deliver(*client, encoded);
      receivers += static_cast<long long>(clients.size());
    }
  }
  return receivers;
}

std::vector<std::string> PubSub::channels(Kind kind, std::optional<std::string_view> pattern) {
  std::vector<std::string> names;
  for (RegistryShard& shard : registry(kind)) {
    std::shared_lock lock(shard.mutex);
    for (const auto& [name, clients] : shard.subscribers) {
      if (!pattern || glob_match(*pattern, name)) names.push_back(name);
    }
  }
  return names;
}

std::size_t PubSub::subscriber_count(Kind kind, std::string_view channel) {
  RegistryShard& shard = shard_of(registry(kind), channel);
  std::shared_lock lock(shard.mutex);
  auto it = shard.subscribers.find(channel);
  return it == shard.subscribers.end() ? 0 : it->second.size();
}

std::size_t PubSub::channel_count(Kind kind) const {
  return channel_totals_[kind == Kind::kShard].load(std::memory_order_relaxed);
}

// ---- subscriber mode --------------------------------------------------------------------------

bool has_subscriptions(const ClientState& client) {
  return client.pubsub != nullptr && client.pubsub->total() > 0;
}

bool in_resp2_pubsub_mode(const ClientState& client) {
  return client.protocol == 2 && has_subscriptions(client);
}

bool allowed_in_pubsub_mode(const CommandSpec& command) {
  static constexpr CommandHandler kAllowed[] = {
      ping_command,         subscribe_command,   psubscribe_command,
      ssubscribe_command,   unsubscribe_command, punsubscribe_command,
      sunsubscribe_command, quit_command,        reset_command,
  };
  return std::find(std::begin(kAllowed), std::end(kAllowed), command.handler) != std::end(kAllowed);
}

std::string pubsub_mode_error(std::string_view full_name) {
  std::string message = "ERR Can't execute '";
  message.append(full_name).append(
      "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
      "context");
  return message;
}

void unsubscribe_all(Server& server, ClientState& client) {
  if (client.pubsub == nullptr) return;
  for (PubSub::Kind kind : {PubSub::Kind::kChannel, PubSub::Kind::kPattern, PubSub::Kind::kShard}) {
    auto names = subscriptions_of(*client.pubsub, kind);  // a copy: unsubscribe erases
    for (const std::string& name : names) server.pubsub().unsubscribe(*client.pubsub, kind, name);
  }
}

// ---- commands ---------------------------------------------------------------------------------

namespace {

constexpr std::string_view kSubscribeNames[] = {"subscribe", "psubscribe", "ssubscribe"};
constexpr std::string_view kUnsubscribeNames[] = {"unsubscribe", "punsubscribe", "sunsubscribe"};

// The count a confirmation reports: channels plus patterns, or shard channels on their own.
long long confirmation_count(const PubSubClient* client, PubSub::Kind kind) {
  if (client == nullptr) return 0;
  if (kind == PubSub::Kind::kShard) {
    return static_cast<long long>(client->shard_channel_count.load(std::memory_order_relaxed));
  }
  return static_cast<long long>(client->channel_count.load(std::memory_order_relaxed) +
                                client->pattern_count.load(std::memory_order_relaxed));
}

void reply_confirmation(CommandContext& ctx, std::string_view what,
                        std::optional<std::string_view> name, PubSub::Kind kind) {
  ctx.reply.push_header(3);
  ctx.reply.bulk(what);
  if (name) {
    ctx.reply.bulk(*name);
  } else {
    ctx.reply.null();
  }
  ctx.reply.integer(confirmation_count(ctx.client.pubsub.get(), kind));
}

void subscribe_generic(CommandContext& ctx, PubSub::Kind kind) {
  if (ctx.client.pubsub == nullptr) {
    auto created = std::make_shared<PubSubClient>(ctx.client);
    created->protocol.store(ctx.client.protocol, std::memory_order_relaxed);
    ctx.client.update([&] { ctx.client.pubsub = std::move(created); });
  }
  PubSubClient& client = *ctx.client.pubsub;
  client.outbox.hold();
  for (std::size_t i = 1; i < ctx.argc(); ++i) {
    ctx.server.pubsub().subscribe(client, kind, ctx.argv[i]);
    reply_confirmation(ctx, kSubscribeNames[static_cast<int>(kind)], ctx.argv[i], kind);
  }
}

void unsubscribe_generic(CommandContext& ctx, PubSub::Kind kind) {
  PubSubClient* client = ctx.client.pubsub.get();
  const std::string_view what = kUnsubscribeNames[static_cast<int>(kind)];
  if (ctx.argc() > 1) {
    for (std::size_t i = 1; i < ctx.argc(); ++i) {
      if (client != nullptr) ctx.server.pubsub().unsubscribe(*client, kind, ctx.argv[i]);
      reply_confirmation(ctx, what, ctx.argv[i], kind);
    }
    return;
  }
  if (client == nullptr || subscriptions_of(*client, kind).empty()) {
    reply_confirmation(ctx, what, std::nullopt, kind);
    return;
  }
  auto names = subscriptions_of(*client, kind);  // a copy: unsubscribe erases
  for (const std::string& name : names) {
    ctx.server.pubsub().unsubscribe(*client, kind, name);
    reply_confirmation(ctx, what, name, kind);
  }
}

void reply_names(CommandContext& ctx, const std::vector<std::string>& names) {
  ctx.reply.array_header(names.size());
  for (const std::string& name : names) ctx.reply.bulk(name);
}

// PUBSUB CHANNELS / SHARDCHANNELS [pattern]: Redis accepts at most one pattern.
void pubsub_list_channels(CommandContext& ctx, PubSub::Kind kind) {
  if (ctx.argc() > 3) {
    ctx.reply.error("ERR unknown subcommand or wrong number of arguments for '" +
                    std::string(ctx.argv[1]) + "'. Try PUBSUB HELP.");
    return;
  }
  std::optional<std::string_view> pattern;
  if (ctx.argc() == 3) pattern = ctx.argv[2];
  reply_names(ctx, ctx.server.pubsub().channels(kind, pattern));
}

void pubsub_count_subscribers(CommandContext& ctx, PubSub::Kind kind) {
  ctx.reply.array_header((ctx.argc() - 2) * 2);
  for (std::size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.bulk(ctx.argv[i]);
    ctx.reply.integer(
        static_cast<long long>(ctx.server.pubsub().subscriber_count(kind, ctx.argv[i])));
  }
}

}  // namespace

void subscribe_command(CommandContext& ctx) {
  subscribe_generic(ctx, PubSub::Kind::kChannel);
}

void psubscribe_command(CommandContext& ctx) {
  subscribe_generic(ctx, PubSub::Kind::kPattern);
}

void ssubscribe_command(CommandContext& ctx) {
  subscribe_generic(ctx, PubSub::Kind::kShard);
}

void unsubscribe_command(CommandContext& ctx) {
  unsubscribe_generic(ctx, PubSub::Kind::kChannel);
}

void punsubscribe_command(CommandContext& ctx) {
  unsubscribe_generic(ctx, PubSub::Kind::kPattern);
}

void sunsubscribe_command(CommandContext& ctx) {
  unsubscribe_generic(ctx, PubSub::Kind::kShard);
}

void publish_command(CommandContext& ctx) {
  ctx.reply.integer(ctx.server.pubsub().publish(PubSub::Kind::kChannel, ctx.argv[1], ctx.argv[2]));
}

void spublish_command(CommandContext& ctx) {
  ctx.reply.integer(ctx.server.pubsub().publish(PubSub::Kind::kShard, ctx.argv[1], ctx.argv[2]));
}

void pubsub_channels_command(CommandContext& ctx) {
  pubsub_list_channels(ctx, PubSub::Kind::kChannel);
}

void pubsub_shardchannels_command(CommandContext& ctx) {
  pubsub_list_channels(ctx, PubSub::Kind::kShard);
}

void pubsub_numsub_command(CommandContext& ctx) {
  pubsub_count_subscribers(ctx, PubSub::Kind::kChannel);
}

void pubsub_shardnumsub_command(CommandContext& ctx) {
  pubsub_count_subscribers(ctx, PubSub::Kind::kShard);
}

void pubsub_numpat_command(CommandContext& ctx) {
  ctx.reply.integer(static_cast<long long>(ctx.server.pubsub().pattern_count()));
}

void pubsub_help_command(CommandContext& ctx) {
  reply_help(ctx, "PUBSUB",
             {"CHANNELS [<pattern>]",
              "    Return the currently active channels matching a <pattern> (default: '*').",
              "NUMPAT", "    Return number of subscriptions to patterns.", "NUMSUB [<channel> ...]",
              "    Return the number of subscribers for the specified channels, excluding",
              "    pattern subscriptions(default: no channels).", "SHARDCHANNELS [<pattern>]",
              "    Return the currently active shard level channels matching a <pattern> "
              "(default: '*').",
              "SHARDNUMSUB [<shardchannel> ...]",
              "    Return the number of subscribers for the specified shard level channel(s)"});
}

}  // namespace gorodis
