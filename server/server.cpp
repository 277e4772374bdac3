// server.cpp — command dispatch and the helpers shared by all command families.
//
// Dispatch order follows Redis processCommand: unknown command, unknown subcommand, arity,
// authentication, no-multi inside MULTI, queueing inside MULTI, then execution; each rejection has
// Redis's exact text. Unknown-command errors quote at most 128 bytes of the name and of the
// arguments, as Redis does, so a hostile request cannot make the error reply large.
#include "server.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <iterator>

#include "aof.hpp"
#include "blocking.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "evict.hpp"
#include "multi.hpp"
#include "pubsub.hpp"
#include "slowlog.hpp"
#include "util.hpp"

namespace gorodis {

std::int64_t system_unix_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Server::Server(ServerConfig config, UnixMicrosClock clock, std::unique_ptr<Settings> settings)
    : config_(config),
      clock_(std::move(clock)),
      settings_(settings ? std::move(settings) : std::make_unique<Settings>()),
      expire_cursors_(static_cast<std::size_t>(config.databases) << config.shard_bits),
      stats_(CommandTable::instance().all().size()),
      slowlog_(std::make_unique<Slowlog>()),
      start_time_us_(clock_()),
      last_save_s_(start_time_us_ / 1000000),
      pubsub_(std::make_unique<PubSub>(*this)),
      aof_(std::make_unique<Aof>(*this, pubsub_.get())),
      evictor_(std::make_unique<Evictor>(*this)) {
  dbs_.reserve(static_cast<std::size_t>(config_.databases));
  for (int i = 0; i < config_.databases; ++i) {
    dbs_.push_back(std::make_unique<Db>(i, config_.shard_bits, &ready_databases_));
    dbs_.back()->set_event_sink(aof_.get());
  }
}

Server::~Server() = default;

bool ClientRegistry::add(ClientState& client, std::size_t limit) {
  std::lock_guard lock(mutex_);
  if (clients_.size() >= limit) return false;
  clients_.emplace(client.id, &client);
  count_.store(clients_.size(), std::memory_order_relaxed);
  return true;
}

void ClientRegistry::remove(ClientState& client) {
  std::lock_guard lock(mutex_);
  clients_.erase(client.id);
  count_.store(clients_.size(), std::memory_order_relaxed);
}

bool PauseState::blocks(const CommandSpec& command, const ClientState& client,
                        std::int64_t now_ms) const {
  int current = mode.load(std::memory_order_acquire);
  if (current == kNone || now_ms >= end_ms.load(std::memory_order_acquire)) return false;
  return current == kAll || (command.flags & kWrite) != 0 ||
         (command.handler == exec_command && client.multi.has_writes);
}

namespace {

// printf's "%.Ns" on a C string: at most `limit` bytes, stopping at a NUL.
std::string_view c_string_prefix(std::string_view text, std::size_t limit) {
  text = text.substr(0, text.find('\0'));
  return text.substr(0, limit);
}

std::string unknown_command_message(std::span<const std::string_view> argv) {
  constexpr std::size_t kQuoteLimit = 128;
  std::string arguments;
  for (std::size_t i = 1; i < argv.size() && arguments.size() < kQuoteLimit; ++i) {
    std::size_t room = kQuoteLimit - arguments.size();
    arguments.append("'").append(c_string_prefix(argv[i], room)).append("' ");
  }
  std::string message = "ERR unknown command '";
  message.append(c_string_prefix(argv[0], kQuoteLimit))
      .append("', with args beginning with: ")
      .append(arguments);
  return message;
}

std::string unknown_subcommand_message(std::string_view container, std::string_view sub) {
  std::string upper(container);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string message = "ERR unknown subcommand '";
  message.append(c_string_prefix(sub, 128)).append("'. Try ").append(upper).append(" HELP.");
  return message;
}

// Redis writeCommandsDeniedByDiskError: while the last BGSAVE failed (with save rules and
// stop-writes-on-bgsave-error) or the AOF cannot be written, write commands, EXEC of a queued
// write, and PING (so that a monitoring client notices) are refused: a client learns at once
// that its writes would not be persisted. Returns the refusal, or "" to go on. The common case
// costs two relaxed loads.
std::string disk_error_refusal(Server& server, const ClientState& client,
                               const CommandSpec& command) {
  const bool rdb_failed = !server.last_bgsave_ok().load(std::memory_order_relaxed);
  const bool aof_failed = !server.aof().last_write_ok() && server.aof().logging();
  if (!rdb_failed && !aof_failed) return {};
  const bool writes =
      (command.flags & kWrite) || command.handler == ping_command ||
      (command.handler == exec_command &&
       std::any_of(client.multi.queued.begin(), client.multi.queued.end(),
                   [](const QueuedCommand& queued) { return queued.command->flags & kWrite; }));
  if (!writes) return {};
  Settings& settings = server.settings();
  if (rdb_failed && settings.stop_writes_on_bgsave_error.load() && !settings.save.get().empty()) {
    return std::string(errors::kBgsaveMisconf);
  }
  if (aof_failed) {
    return std::string("MISCONF Errors writing to the AOF file: ") +
           std::strerror(server.aof().last_write_errno());
  }
  return {};
}

}  // namespace

std::string arity_error_message(std::string_view full_name) {
  std::string message = "ERR wrong number of arguments for '";
  message.append(full_name).append("' command");
  return message;
}

std::uint64_t Server::changes() const {
  std::uint64_t total = 0;
  for (const auto& db : dbs_) total += db->changes();
  return total;
}

void Server::execute(ClientState& client, std::span<const std::string_view> argv,
                     ReplyBuilder& reply) {
  const CommandTable& table = CommandTable::instance();
  const CommandSpec* command = table.resolve(argv);
  // Errors written since the last command belong to nobody's failed_calls (Redis keeps the
  // previous error count across calls; a nested execute, as EXEC's, resets it too).
  reply.set_error_observer(&stats_);
  reply.take_error_count();
  if (command == nullptr) {
    const CommandSpec* container = table.find(argv[0]);
    reply_refused(client, nullptr,
                  container != nullptr ? unknown_subcommand_message(container->name, argv[1])
                                       : unknown_command_message(argv),
                  reply);
    return;
  }
  client.last_command.store(command, std::memory_order_relaxed);
  // Redis processCommand's refusals, in its order; each also fails an open transaction.
  std::string refusal;
  if (!command->arity_ok(argv.size())) {
    refusal = arity_error_message(command->full_name);
  } else if (!client.authenticated && !(command->flags & kNoAuth)) {
    refusal = errors::kNoAuth;
  } else if (client.pubsub != nullptr && in_resp2_pubsub_mode(client) &&
             !allowed_in_pubsub_mode(*command)) {
    refusal = pubsub_mode_error(command->full_name);
  } else if (client.multi.active && (command->flags & kNoMulti)) {
    refusal = "ERR Command not allowed inside a transaction";
  } else if (out_of_memory(*this, client, *command)) {
    refusal = errors::kOom;
  } else {
    refusal = disk_error_refusal(*this, client, *command);
  }
  if (!refusal.empty()) {
    reply_refused(client, command, refusal, reply);
    reply.take_error_count();
    stats_.add_rejected(command->ordinal);
    return;
  }
  if (client.multi.active && queue_in_transaction(client, *command, argv, reply)) return;
  call(client, *command, argv, reply, clock_());
}

void Server::call(ClientState& client, const CommandSpec& command,
                  std::span<const std::string_view> argv, ReplyBuilder& reply, std::int64_t now_us,
                  bool in_exec) {
  const auto started = std::chrono::steady_clock::now();
  {
    CommandContext ctx{*this, client, argv, reply, command, now_us / 1000, in_exec};
    const bool writes = (command.flags & kWrite) != 0;
    // A write that locks for itself (FLUSHDB FLUSHALL SWAPDB MOVE) runs holding every shard,
    // as inside EXEC, so that its AOF entry is ordered against every other command (aof.cpp).
    const bool whole_keyspace = writes && command.locking == LockPolicy::kManual;
    ShardLocks locks;
    if (whole_keyspace) {
      for (auto& db : dbs_) locks.add_all(*db);
      ctx.in_exec = true;
    } else {
      add_dispatcher_shards(locks, ctx.db(), command, argv);
    }
    if (!in_exec) locks.lock();
    // Only a write can be logged: reads skip summing their shards' change counters.
    const std::uint64_t changes = writes ? locks.changes() : 0;
    const int db_index = client.db_index;
    command.handler(ctx);
    // Logged like Redis propagates: a write that changed something (always for the
    // whole-keyspace ones), while its locks are still held.
    if (writes && aof_->logging() && (whole_keyspace || locks.changes() != changes)) {
      std::vector<LoggedCommand> forms = logged_forms(ctx, db_index);
      if (in_exec) {
        std::move(forms.begin(), forms.end(), std::back_inserter(client.multi.logged));
      } else {
        client.aof_offset = aof_->log_block(forms);
      }
    }
  }
  // Waiters on keys this command created are served now that its locks are released (inside
  // EXEC the transaction still holds them: EXEC serves them when it is done).
  if (!in_exec) serve_ready_keys(*this);
  const std::int64_t duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::steady_clock::now() - started)
                                       .count();
  stats_.add_call(command.ordinal, static_cast<std::uint64_t>(duration_us),
                  reply.take_error_count() > 0);
  const long long slower_than = settings_->slowlog_log_slower_than.load(std::memory_order_relaxed);
  if (slower_than >= 0 && duration_us >= slower_than && !(command.flags & kSkipSlowlog)) {
    slowlog_->record(argv, now_us / 1000000, duration_us, client.addr, client.name,
                     static_cast<std::size_t>(settings_->slowlog_max_len.load()));
  }
  // A blocking command that registered itself parks (outside the call's timing, as in Redis)
  // until its reply is known.
  if (client.blocked) wait_blocked(*this, client, reply);
}

void add_dispatcher_shards(ShardLocks& locks, Db& db, const CommandSpec& command,
                           std::span<const std::string_view> argv) {
  if (command.locking != LockPolicy::kKeyShards || !command.has_keys()) return;
  // An invalid key count may leave some keys added: locking more shards than needed is
  // harmless, and the handler refuses the count.
  (void)CommandTable::for_each_key(
      command, argv, [&](KeyReference key) { locks.add_key(db, argv[key.position]); });
}

std::optional<long long> integer_argument(CommandContext& ctx, std::size_t index,
                                          std::string_view error) {
  auto value = parse_int64(ctx.argv[index]);
  if (!value) ctx.reply.error(error);
  return value;
}

std::optional<int> int_argument(CommandContext& ctx, std::size_t index, std::string_view error) {
  auto value = parse_int64(ctx.argv[index]);
  if (!value || *value < INT_MIN || *value > INT_MAX) {
    ctx.reply.error(error);
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

std::optional<long double> long_double_argument(CommandContext& ctx, std::size_t index) {
  auto value = parse_long_double(ctx.argv[index]);
  if (!value) ctx.reply.error(errors::kNotFloat);
  return value;
}

void reply_arity_error(CommandContext& ctx) {
  ctx.reply.error(arity_error_message(ctx.command.full_name));
}

void reply_invalid_expire(CommandContext& ctx) {
  std::string message = "ERR invalid expire time in '";
  message.append(ctx.command.full_name).append("' command");
  ctx.reply.error(message);
}

Entry* lookup_key(CommandContext& ctx, std::string_view key, Lookup mode) {
  Entry* entry = ctx.db().lookup(key, ctx.now_ms);
  const bool touch = mode == Lookup::kWrite || mode == Lookup::kRead;
  if (entry != nullptr && touch) record_access(ctx, *entry);
  if (mode != Lookup::kWrite) {
    ctx.server.stats().add(entry != nullptr ? Counter::kKeyspaceHits : Counter::kKeyspaceMisses);
    if (entry == nullptr && mode != Lookup::kInspect) notify_key_miss(ctx, key);
  }
  return entry;
}

Entry* lookup_string(CommandContext& ctx, std::string_view key, bool& wrong_type, Lookup mode) {
  wrong_type = false;
  Entry* entry = lookup_key(ctx, key, mode);
  if (entry != nullptr && entry->value.type() != ObjectType::kString) {
    wrong_type = true;
    ctx.reply.error(errors::kWrongType);
    return nullptr;
  }
  return entry;
}

bool check_string_length(CommandContext& ctx, long long size, long long append) {
  long long total = static_cast<long long>(static_cast<unsigned long long>(size) +
                                           static_cast<unsigned long long>(append));
  const long long limit = ctx.server.proto_max_bulk_len();
  if (total > limit || total < size || total < append) {
    ctx.reply.error(errors::kStringTooLong);
    return false;
  }
  return true;
}

}  // namespace gorodis
