// pubsub.hpp — Pub/Sub (Redis pubsub.c) and keyspace notifications (notify.c).
//
// Registries. Channel and shard-channel subscriptions live in two tables of kRegistryShards
// shards, each a goro::RWMutex over a hash map channel -> set of subscribers; a channel's shard
// is picked by its hash, so PUBLISH read-locks one small shard and publishers of different
// channels, and subscribers of different channels, never meet. Pattern subscriptions live in
// one map under their own RWMutex: every PUBLISH must glob-match every pattern, so it
// read-locks the map (many publishers in parallel); (P)UNSUBSCRIBE write-locks it briefly. An
// atomic pattern count lets PUBLISH skip that lock entirely while nobody uses patterns.
//
// Delivery. Each subscribed client owns a PubSubClient whose Outbox holds bytes already
// encoded in the client's protocol (RESP2 arrays or RESP3 '>' pushes). A publisher appends to
// the outboxes of the matching subscribers while holding the registry lock that found them;
// unsubscribing takes that lock exclusively, so once a client has left every registry no
// publisher can touch it any more. From its first subscription on, a connection sends ALL its
// output through the outbox (its own replies too: the reader goroutine appends each reply after
// running the command) and a writer goroutine drains it to the socket; so messages reach a
// subscriber blocked in read, and a reply never overtakes a message or the other way round.
// Messages published while a command of the client runs precede that command's reply (like
// Redis, where a client publishing to itself gets the push before the reply), except during
// (P|S)SUBSCRIBE: there the outbox holds new messages back until the confirmations are queued,
// so "subscribe" always comes before the first "message" of its channel.
//
// Output limits. Every append checks the pending bytes (queued plus being written) against
// client-output-buffer-limit for the client's class (pubsub while it has a subscription, else
// normal): over the hard limit, or over the soft limit for longer than its seconds, the client
// is dropped (its socket closed, further output discarded), as Redis frees it asynchronously.
//
// Keyspace notifications. notify_keyspace_event() costs one relaxed load while
// notify-keyspace-events disables the event's class; otherwise it publishes
// "__keyspace@<db>__:<key>" <event> and/or "__keyevent@<db>__:<event>" <key>.
//
// >>> For command families (lists, hashes, sets, zsets, ...): after a successful modification,
// >>> with the key's shard still locked, call exactly one line per event, e.g.
// >>>     notify_keyspace_event(ctx, kNotifyList, "lpush", key);
// >>> (class kNotifyList / kNotifyHash / kNotifySet / kNotifyZset / kNotifyGeneric, Redis's
// >>> event name), and notify_keyspace_event(ctx, kNotifyGeneric, "del", key) when the
// >>> aggregate became empty and its key was deleted. "new" and "expired" are raised by the Db.
// >>> Commands that only read a key look it up with lookup_key(ctx, key, Lookup::kRead) (or
// >>> kReadNoTouch; server.hpp), which raises "keymiss" when it is missing, like lookupKeyRead.
//
// Cost model: PUBLISH is O(subscribers of the channel + number of patterns), one outbox mutex
// per receiver, each message encoded at most once per protocol. A client with no subscription
// ever pays one pointer test per command; keyspace events one relaxed load while disabled.
//
// Rejected alternatives: one global lock over all registries (PUBLISH from every P serializes);
// writing messages to the subscriber's socket from the publisher's goroutine (a slow subscriber
// would stall publishers, and the bytes would interleave with the subscriber's own replies);
// a channel of messages per client (a Go-style chan would need an unbounded buffer to avoid
// blocking publishers, and byte accounting for the output limit is simpler on one string).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "db.hpp"
#include "goro/sync.hpp"
#include "server.hpp"

namespace gorodis {

// Keyspace notification classes (Redis NOTIFY_*), the bits of notify-keyspace-events.
enum NotifyClass : int {
  kNotifyKeyspace = 1 << 0,  // K
  kNotifyKeyevent = 1 << 1,  // E
  kNotifyGeneric = 1 << 2,   // g
  kNotifyString = 1 << 3,    // $
  kNotifyList = 1 << 4,      // l
  kNotifySet = 1 << 5,       // s
  kNotifyHash = 1 << 6,      // h
  kNotifyZset = 1 << 7,      // z
  kNotifyExpired = 1 << 8,   // x
  kNotifyEvicted = 1 << 9,   // e
  kNotifyStream = 1 << 10,   // t
  kNotifyKeyMiss = 1 << 11,  // m (not part of A)
  kNotifyModule = 1 << 13,   // d
  kNotifyNew = 1 << 14,      // n (not part of A)
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// Redis keyspaceEventsStringToFlags: nullopt for a character that names no class.
std::optional<int> parse_notify_flags(std::string_view classes);
// Redis keyspaceEventsFlagsToString (CONFIG GET's rendering).
std::string notify_flags_to_string(int flags);

// Publishes the notifications of an enabled event (the out-of-line part).
void publish_keyspace_event(Server& server, int type, std::string_view event, std::string_view key,
                            int db);
// Publishes a keyspace event for `key` of database `db`, if its class is enabled.
inline void notify_keyspace_event(Server& server, int type, std::string_view event,
                                  std::string_view key, int db) {
  if ((server.settings().notify_keyspace_events.load(std::memory_order_relaxed) & type) != 0) {
    publish_keyspace_event(server, type, event, key, db);
  }
}
// The form commands use: the event is about `key` of the client's selected database.
inline void notify_keyspace_event(CommandContext& ctx, int type, std::string_view event,
                                  std::string_view key) {
  notify_keyspace_event(ctx.server, type, event, key, ctx.client.db_index);
}

// Redis's "keymiss" event: a command that only reads `key` found nothing.
inline void notify_key_miss(CommandContext& ctx, std::string_view key) {
  notify_keyspace_event(ctx, kNotifyKeyMiss, "keymiss", key);
}

// Bytes waiting to be written to one client's socket, filled by any goroutine and drained by
// the client's writer goroutine (or a test).
class Outbox {
 public:
  struct Limit {
    long long hard = 0;  // bytes; 0: none
    long long soft = 0;
    long long soft_seconds = 0;
  };

  // Appends output; returns true when this append made the client exceed `limit` (the caller
  // then closes the connection). Once dropped or closed, output is discarded.
  bool append(std::string_view bytes, const Limit& limit, std::int64_t now_ms);
  // Holds back appends until the next end_command (a subscription is being made).
  void hold();
  // Queues a command's reply, then whatever was held back during it.
  bool end_command(std::string_view reply, const Limit& limit, std::int64_t now_ms);
  // For the writer: waits until there is output or the outbox is closed; returns the output
  // (counted as pending until the next call), empty once closed and drained.
  std::string take();
  // Takes whatever is queued without waiting (tests, in-process clients).
  std::string take_now();
  // Stops the writer once it has written what is queued (drain), or at once.
  void close(bool drain);
  std::size_t pending_bytes() const { return pending_.load(std::memory_order_relaxed); }
  bool dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  bool append_locked(std::string_view bytes, const Limit& limit, std::int64_t now_ms);

  goro::Mutex mutex_;
  goro::Cond ready_{mutex_};
  std::string queue_;
  std::string held_;
  bool holding_ = false;
  bool closed_ = false;
  bool drain_ = true;
  std::size_t in_flight_ = 0;        // bytes handed to the writer by the last take()
  std::int64_t soft_since_ms_ = -1;  // when pending output first exceeded the soft limit
  std::atomic<std::size_t> pending_{0};
  std::atomic<bool> dropped_{false};
};

// One client's subscriptions and outbox. The subscription sets are changed only by the
// client's own commands (its goroutine); the counts are atomics for CLIENT LIST and INFO.
struct PubSubClient {
  explicit PubSubClient(ClientState& client) : client(client) {}

  ClientState& client;
  Outbox outbox;
  std::atomic<int> protocol{2};  // encoding of messages (the client's protocol)
  std::set<std::string, std::less<>> channels;
  std::set<std::string, std::less<>> patterns;
  std::set<std::string, std::less<>> shard_channels;
  std::atomic<std::size_t> channel_count{0};
  std::atomic<std::size_t> pattern_count{0};
  std::atomic<std::size_t> shard_channel_count{0};

  std::size_t total() const {
    return channel_count.load(std::memory_order_relaxed) +
           pattern_count.load(std::memory_order_relaxed) +
           shard_channel_count.load(std::memory_order_relaxed);
  }
};

// Whether the client has any subscription (Redis's CLIENT_PUBSUB flag).
bool has_subscriptions(const ClientState& client);
// Whether `command` may run in RESP2 subscribed mode.
bool allowed_in_pubsub_mode(const CommandSpec& command);
// Whether the client is in RESP2 subscribed mode, where only (P|S)SUBSCRIBE,
// (P|S)UNSUBSCRIBE, PING, QUIT and RESET may run.
bool in_resp2_pubsub_mode(const ClientState& client);
// "ERR Can't execute '<cmd>': only (P|S)SUBSCRIBE / ... are allowed in this context".
std::string pubsub_mode_error(std::string_view full_name);
// The client's output-buffer class limit (pubsub while subscribed, else normal).
Outbox::Limit output_limit(Server& server, const PubSubClient& subscriber);

// The connection layer's side of delivery.
// Queues the reply of the command just run by a client that has an outbox.
void queue_reply(Server& server, ClientState& client, std::string_view reply);
// Leaves every channel, pattern and shard channel without replying (RESET, disconnect).
void unsubscribe_all(Server& server, ClientState& client);

class EncodedMessage;

class PubSub final : public KeyEventSink {
 public:
  explicit PubSub(Server& server) : server_(server) {}

  enum class Kind { kChannel, kPattern, kShard };

  // Adds/removes one subscription of `client`; returns whether it changed anything.
  bool subscribe(PubSubClient& client, Kind kind, std::string_view name);
  bool unsubscribe(PubSubClient& client, Kind kind, std::string_view name);
  // Delivers to channel subscribers and matching patterns (kChannel) or to shard channel
  // subscribers (kShard); returns the number of receivers.
  long long publish(Kind kind, std::string_view channel, std::string_view message);

  // Introspection (PUBSUB, INFO).
  std::vector<std::string> channels(Kind kind, std::optional<std::string_view> pattern);
  std::size_t subscriber_count(Kind kind, std::string_view channel);
  std::size_t pattern_count() const { return pattern_total_.load(std::memory_order_relaxed); }
  std::size_t channel_count(Kind kind) const;

  // KeyEventSink: the Db's own events ("new", "expired").
  void key_added(const Db& db, std::string_view key) override;
  void key_expired(const Db& db, std::string_view key) override;
  void key_evicted(const Db& db, std::string_view key) override;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Subscribers = std::unordered_set<PubSubClient*>;
  using ChannelMap = std::unordered_map<std::string, Subscribers, Hash, std::equal_to<>>;
  static constexpr std::size_t kRegistryShards = 64;
  struct RegistryShard {
    goro::RWMutex mutex;
    ChannelMap subscribers;
  };
  using Registry = std::array<RegistryShard, kRegistryShards>;

  Registry& registry(Kind kind) { return kind == Kind::kShard ? shard_channels_ : channels_; }
  static RegistryShard& shard_of(Registry& registry, std::string_view channel);
  // Appends one message to a subscriber, closing it if that overflows its output limit.
  void deliver(PubSubClient& client, EncodedMessage& message);

  Server& server_;
  Registry channels_;
  Registry shard_channels_;
  goro::RWMutex patterns_mutex_;
  ChannelMap patterns_;
  std::atomic<std::size_t> pattern_total_{0};
  std::array<std::atomic<std::size_t>, 2> channel_totals_{};  // kChannel, kShard
};

}  // namespace gorodis
