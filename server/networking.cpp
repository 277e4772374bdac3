// networking.cpp — the client goroutines and the connection commands (AUTH, QUIT, RESET,
// CLIENT ...). See networking.hpp for the design.
#include "networking.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>

#include "aof.hpp"
#include "blocking.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "goro/io.hpp"
#include "goro/runtime.hpp"
#include "goro/time.hpp"
#include "log.hpp"
#include "pubsub.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kWriteBuffer = 16 * 1024;
constexpr auto kPausePoll = std::chrono::milliseconds(2);

constexpr std::string_view kMaxClientsReply = "-ERR max number of clients reached\r\n";
constexpr std::string_view kProtectedModeReply =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need to "
    "do one of the above things in order for the server to start accepting connections from "
    "the outside.\r\n";

std::int64_t now_ms(Server& server) {
  return server.now_us() / 1000;
}

// Whether protected mode lets this client in: Redis compares the peer's IP with exactly
// "127.0.0.1" and "::1" (so 127.0.0.2, though loopback, is refused); Unix sockets are local.
bool is_local_client(const ClientState& client) {
  if (client.unix_socket) return true;
  std::string_view host = std::string_view(client.addr).substr(0, client.addr.rfind(':'));
  return host == "127.0.0.1" || host == "[::1]";
}

// The parser limits CONFIG SET may have changed since the last read.
ProtocolLimits current_limits(const Settings& settings) {
  ProtocolLimits limits;
  limits.max_bulk_length = settings.proto_max_bulk_len.load(std::memory_order_relaxed);
  limits.query_buffer_limit =
      static_cast<std::size_t>(settings.client_query_buffer_limit.load(std::memory_order_relaxed));
  return limits;
}

// Writes a one-off reply to a connection that is about to be closed.
void refuse(goro::net::Conn& conn, std::string_view reply) {
  (void)conn.write(std::span(reply.data(), reply.size()));
  (void)conn.close();
}

std::string describe(const ClientState& client) {
  return "id=" + std::to_string(client.id) + " addr=" + client.addr + " laddr=" + client.laddr;
}

// Replies of logged writes leave only once the AOF holds them durably (group commit,
// aof.cpp): called before any output can reach the socket.
void wait_for_log(Server& server, const ClientState& client) {
  if (client.aof_offset != 0) server.aof().wait_durable(client.aof_offset);
}

// Waits while CLIENT PAUSE holds `argv`'s command back, after sending the replies so far.
void wait_while_paused(Server& server, const ClientState& client,
                       std::span<const std::string_view> argv, goro::io::BufWriter& out) {
  const CommandSpec* command = CommandTable::instance().resolve(argv);
  if (command == nullptr) return;
  bool flushed = false;
  while (server.pause().blocks(*command, client, now_ms(server))) {
    if (!flushed) {
      wait_for_log(server, client);
      flushed = out.flush().ok();
    }
    goro::sleep(kPausePoll);
  }
}

// While a command of the client is blocked (blocking.hpp), a second goroutine keeps reading the
// connection, as Redis keeps reading a blocked client's socket: end of stream or an error means
// the client is gone (it then stops waiting); bytes read are kept for after the command.
class BlockedWatch {
 public:
  BlockedWatch(goro::net::Conn& conn, goro::io::BufWriter& out) : conn_(conn), out_(out) {}

  goro::Chan<goro::Unit> start() {
    (void)out_.flush();  // replies of the commands before it in a pipeline
    (void)conn_.set_read_deadline(goro::net::kNoDeadline);
    gone_ = goro::Chan<goro::Unit>(0);
    done_ = goro::Chan<goro::Unit>(0);
    stopping_.store(false);
    goro::go([this, conn = conn_, gone = gone_, done = done_]() mutable {
      std::array<char, 4096> buffer;
      for (;;) {
        auto n = conn.read(buffer);
        if (n) {
          held_input_.append(buffer.data(), *n);
          continue;
        }
        if (!stopping_.load()) gone.close();
        done.close();
        return;
      }
    });
    return gone_;
  }

  // Stops the reader (an expired deadline interrupts its read) and waits for it.
  void stop() {
    stopping_.store(true);
    (void)conn_.set_read_deadline(goro::net::Clock::now());
    (void)done_.recv();
    (void)conn_.set_read_deadline(goro::net::kNoDeadline);
  }

  // Input that arrived while blocked, handed over once.
  std::string take_input() { return std::exchange(held_input_, {}); }

 private:
  goro::net::Conn& conn_;
  goro::io::BufWriter& out_;
  goro::Chan<goro::Unit> gone_;
  goro::Chan<goro::Unit> done_;
  std::atomic<bool> stopping_{false};
  std::string held_input_;
};

// How a connection ends: kGraceful after output that must still reach the client (QUIT's
// reply, a protocol error), kAbort when the peer is gone or the connection was killed.
enum class Ending { kGraceful, kAbort };

// The goroutine that drains a subscriber's outbox to its socket (see pubsub.hpp): started
// when the client first subscribes, stopped when the connection ends.
class OutboxWriter {
 public:
  bool started() const { return started_; }
  void start(Server& server, std::shared_ptr<PubSubClient> subscriber, goro::net::Conn conn) {
    started_ = true;
    done_.add(1);
    goro::go([this, &server, subscriber = std::move(subscriber), conn]() mutable {
      for (std::string batch; !(batch = subscriber->outbox.take()).empty();) {
        if (!conn.write(std::span(batch.data(), batch.size()))) {
          (void)conn.close();  // wakes the reader, which ends the connection
          break;
        }
        server.stats().add(Counter::kNetOutputBytes, batch.size());
      }
      done_.done();
    });
  }
  // Closes the outbox (after writing what is queued, if `drain`) and waits for the goroutine.
  void stop(PubSubClient& subscriber, bool drain) {
    subscriber.outbox.close(drain);
    if (started_) done_.wait();
  }

 private:
  bool started_ = false;
  goro::WaitGroup done_;
};

// Hands one command's reply (empty when dropped by CLIENT REPLY) to the outbox of a client that
// has one, first switching the connection over to its writer goroutine: what `out` still
// holds goes out before. Returns false if the connection failed.
bool queue_to_outbox(Server& server, ClientState& client, goro::net::Conn& conn,
                     goro::io::BufWriter& out, OutboxWriter& writer, std::string_view reply) {
  if (!writer.started()) {
    if (out.buffered() > 0 && !out.flush()) return false;
    writer.start(server, client.pubsub, conn);
  }
  queue_reply(server, client, reply);
  return true;
}

// The read-execute-reply loop; returns when the connection is to be closed.
Ending run_client(Server& server, ClientState& client, goro::net::Conn& conn,
                  OutboxWriter& writer) {
  Settings& settings = server.settings();
  ServerStats& stats = server.stats();
  RequestParser parser(current_limits(settings));
  goro::io::BufWriter out(conn, kWriteBuffer);
  ReplyBuilder reply;
  std::vector<std::string_view> argv;
  std::array<char, kReadChunk> chunk;
  bool deadline_set = false;
  BlockedWatch watch(conn, out);
  client.start_watch = [&] {
    deadline_set = false;          // the watch clears the idle deadline; the loop sets it again
    wait_for_log(server, client);  // the watch flushes the replies so far
    return watch.start();
  };
  client.stop_watch = [&] { watch.stop(); };
  for (;;) {
    // Like Redis, subscribers are never closed for idleness.
    const long long timeout =
        has_subscriptions(client) ? 0 : settings.timeout.load(std::memory_order_relaxed);
    if (timeout > 0) {
      (void)conn.set_read_deadline(goro::net::Clock::now() + std::chrono::seconds(timeout));
      deadline_set = true;
    } else if (deadline_set) {
      (void)conn.set_read_deadline(goro::net::kNoDeadline);
      deadline_set = false;
    }
    auto n = conn.read(chunk);
    if (!n) {
      if (n.error() == goro::net::Errc::timeout) {
        log(LogLevel::kVerbose, "Closing idle client");
      }
      return Ending::kAbort;
    }
    stats.add(Counter::kNetInputBytes, *n);
    client.last_interaction_ms.store(now_ms(server), std::memory_order_relaxed);
    parser.set_limits(current_limits(settings));
    parser.append(std::string_view(chunk.data(), *n));
    ParseStatus status;
    std::size_t written = 0;
    // The length limits depend on whether the client has authenticated, which the previous
    // command (AUTH, HELLO ... AUTH) may just have changed.
    auto next_command = [&] {
      parser.set_auth_required(!client.authenticated);
      return parser.next(argv);
    };
    while ((status = next_command()) == ParseStatus::kCommandReady) {
      if (server.pause().mode.load(std::memory_order_relaxed) != PauseState::kNone) {
        wait_while_paused(server, client, argv, out);
      }
      const ReplyMode mode = client.reply_mode;
      reply.set_protocol(client.protocol);
      server.execute(client, argv, reply);
      if (std::string held = watch.take_input(); !held.empty()) parser.append(held);
      // Like Redis, a reply is dropped when replies are off once the command ran (so CLIENT
      // REPLY ON answers and OFF does not) or when this command is the one being skipped.
      const bool dropped = client.reply_mode == ReplyMode::kOff ||
                           (mode == ReplyMode::kSkip && client.reply_mode == ReplyMode::kSkip);
      if (client.pubsub != nullptr) {
        wait_for_log(server, client);
        if (!queue_to_outbox(server, client, conn, out, writer,
                             dropped ? std::string_view{} : reply.buffer())) {
          return Ending::kAbort;
        }
      } else if (!dropped) {
        written += reply.buffer().size();
        // A reply that does not fit the buffer makes it flush.
        if (out.buffered() + reply.buffer().size() >= kWriteBuffer) wait_for_log(server, client);
        if (!out.write_string(reply.buffer())) return Ending::kAbort;
      }
      reply.buffer().clear();
      if (client.reply_mode == ReplyMode::kSkipNext) {
        client.reply_mode = ReplyMode::kSkip;
      } else if (mode == ReplyMode::kSkip && client.reply_mode == ReplyMode::kSkip) {
        client.reply_mode = ReplyMode::kOn;
      }
      if (client.close_after_reply) {
        wait_for_log(server, client);
        (void)out.flush();
        return Ending::kGraceful;
      }
    }
    client.query_buffer_bytes.store(parser.pending_bytes(), std::memory_order_relaxed);
    if (status == ParseStatus::kProtocolError) {
      const std::string& error = parser.error_reply();
      log(LogLevel::kVerbose, "Protocol error (" +
                                  (error.empty() ? std::string("query buffer limit")
                                                 : error.substr(1, error.size() - 3)) +
                                  ") from client: " + describe(client));
      if (!error.empty()) stats.error_reply(std::string_view(error).substr(1, error.size() - 3));
      if (client.pubsub != nullptr) {
        (void)queue_to_outbox(server, client, conn, out, writer, error);
      } else {
        written += error.size();
        (void)out.write_string(error);
        (void)out.flush();
      }
      stats.add(Counter::kNetOutputBytes, written);
      return Ending::kGraceful;
    }
    stats.add(Counter::kNetOutputBytes, written);
    wait_for_log(server, client);
    if (out.buffered() > 0) {
      goro::yield();  // replies leave after the other ready clients' (networking.hpp)
      if (!out.flush()) return Ending::kAbort;
    }
  }
}

void serve_client(Server& server, goro::net::Conn conn, const std::string& unix_path) {
  Settings& settings = server.settings();
  ClientState client;
  client.id = server.next_client_id();
  client.unix_socket = !unix_path.empty();
  client.addr = client.unix_socket ? unix_path + ":0" : conn.remote_addr();
  client.laddr = client.unix_socket ? unix_path + ":0" : conn.local_addr();
  client.fd = conn.sysfd();
  client.created_ms = now_ms(server);
  client.last_interaction_ms.store(client.created_ms, std::memory_order_relaxed);
  client.authenticated = settings.requirepass.get().empty();
  client.kill = [conn]() mutable { (void)conn.close(); };
  if (!server.clients().add(client, static_cast<std::size_t>(settings.maxclients.load()))) {
    server.stats().rejected_connections.fetch_add(1, std::memory_order_relaxed);
    refuse(conn, kMaxClientsReply);
    return;
  }
  // Redis clientAcceptHandler: no password for the default user (so every client starts
  // authenticated) and a peer other than 127.0.0.1, ::1 or a Unix socket.
  if (settings.protected_mode.load() && client.authenticated && !is_local_client(client)) {
    server.stats().rejected_connections.fetch_add(1, std::memory_order_relaxed);
    refuse(conn, kProtectedModeReply);
  } else {
    server.stats().connections_received.fetch_add(1, std::memory_order_relaxed);
    log(LogLevel::kVerbose, "Accepted " + client.addr);
    OutboxWriter writer;
    const Ending ending = run_client(server, client, conn, writer);
    // Leave the registries before the ClientState goes away: publishers reach it only there.
    unsubscribe_all(server, client);
    if (client.pubsub != nullptr) {
      if (ending == Ending::kAbort) (void)conn.close();  // unblocks a writer stuck in write
      writer.stop(*client.pubsub, ending == Ending::kGraceful);
    }
    (void)conn.close();
  }
  server.clients().remove(client);
}

// CLIENT LIST's flags, in Redis catClientInfoString's order, of the ones gorodis has.
std::string client_flags(const ClientState& client) {
  // Redis's letters in its order (catClientInfoString).
  std::string flags;
  if (has_subscriptions(client)) flags.push_back('P');
  if (client.multi.listed_count.load(std::memory_order_relaxed) >= 0) flags.push_back('x');
  if (client.blocked) flags.push_back('b');
  if (client.multi.watch_dirty.load(std::memory_order_relaxed)) flags.push_back('d');
  if (client.unix_socket) flags.push_back('U');
  if (client.no_evict) flags.push_back('e');
  if (flags.empty()) flags.push_back('N');
  return flags;
}

// One CLIENT LIST line (Redis 7.0's fields; the ones gorodis has no notion of are constant).
std::string client_line(Server& server, ClientState& client) {
  const std::int64_t now = now_ms(server);
  const CommandSpec* last = client.last_command.load(std::memory_order_relaxed);
  const std::size_t qbuf = client.query_buffer_bytes.load(std::memory_order_relaxed);
  std::lock_guard lock(client.info_mutex);
  std::string line;
  line.append("id=").append(std::to_string(client.id));
  line.append(" addr=").append(client.addr);
  line.append(" laddr=").append(client.laddr);
  line.append(" fd=").append(std::to_string(client.fd));
  line.append(" name=").append(client.name);
  line.append(" age=").append(std::to_string((now - client.created_ms) / 1000));
  line.append(" idle=").append(
      std::to_string((now - client.last_interaction_ms.load(std::memory_order_relaxed)) / 1000));
  const PubSubClient* subscriber = client.pubsub.get();
  auto count = [subscriber](const std::atomic<std::size_t> PubSubClient::*member) {
    return std::to_string(subscriber != nullptr ? (subscriber->*member).load() : 0);
  };
  const std::size_t omem = subscriber != nullptr ? subscriber->outbox.pending_bytes() : 0;
  line.append(" flags=").append(client_flags(client));
  line.append(" db=").append(std::to_string(client.db_index));
  line.append(" sub=").append(count(&PubSubClient::channel_count));
  line.append(" psub=").append(count(&PubSubClient::pattern_count));
  line.append(" ssub=").append(count(&PubSubClient::shard_channel_count));
  line.append(" multi=").append(
      std::to_string(client.multi.listed_count.load(std::memory_order_relaxed)));
  line.append(" qbuf=").append(std::to_string(qbuf));
  line.append(" qbuf-free=0 argv-mem=0 multi-mem=0 rbs=").append(std::to_string(kReadChunk));
  line.append(" rbp=0 obl=0 oll=").append(omem > 0 ? "1" : "0");
  line.append(" omem=").append(std::to_string(omem));
  line.append(" tot-mem=").append(std::to_string(kReadChunk + kWriteBuffer + qbuf + omem));
  line.append(" events=r cmd=").append(last != nullptr ? last->full_name : "NULL");
  line.append(" user=default redir=-1 resp=").append(std::to_string(client.protocol));
  line.append("\n");
  return line;
}

// Redis clientSetDefaultAuth: authenticated iff the default user needs no password.
void reset_authentication(CommandContext& ctx) {
  ctx.client.authenticated = ctx.server.settings().requirepass.get().empty();
}

}  // namespace

void accept_loop(Server& server, goro::net::Listener listener, std::string unix_path) {
  for (;;) {
    auto conn = listener.accept();
    if (!conn) {
      if (conn.error() == goro::net::Errc::closed) return;
      log(LogLevel::kWarning, "Accepting client connection: " + conn.error().message());
      goro::sleep(std::chrono::milliseconds(10));
      continue;
    }
    goro::go([&server, c = std::move(*conn), path = unix_path]() mutable {
      serve_client(server, std::move(c), path);
    });
  }
}

bool valid_client_name(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= '!' && c <= '~'; });
}

bool check_credentials(Server& server, std::string_view user, std::string_view password) {
  if (user != "default") return false;
  Settings& settings = server.settings();
  return settings.requirepass.get().empty() || settings.password_matches(password);
}

void auth_command(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  if (ctx.argc() == 2 && ctx.server.settings().requirepass.get().empty()) {
    ctx.reply.error(
        "ERR AUTH <password> called without any password configured for the default user. Are "
        "you sure your configuration is correct?");
    return;
  }
  std::string_view user = ctx.argc() == 3 ? ctx.argv[1] : "default";
  if (!check_credentials(ctx.server, user, ctx.argv.back())) {
    ctx.reply.error(errors::kWrongPass);
    return;
  }
  ctx.client.authenticated = true;
  ctx.reply.ok();
}

void quit_command(CommandContext& ctx) {
  ctx.client.close_after_reply = true;
  ctx.reply.ok();
}

void reset_command(CommandContext& ctx) {
  unsubscribe_all(ctx.server, ctx.client);
  discard_transaction(ctx.client);
  ctx.client.update([&] {
    ctx.client.db_index = 0;
    ctx.client.protocol = 2;
    ctx.client.no_evict = false;
  });
  ctx.client.reply_mode = ReplyMode::kOn;
  reset_authentication(ctx);
  ctx.reply.set_protocol(2);
  ctx.reply.simple_string("RESET");
}

void client_id_command(CommandContext& ctx) {
  ctx.reply.integer(static_cast<long long>(ctx.client.id));
}

void client_info_command(CommandContext& ctx) {
  ctx.reply.verbatim("txt", client_line(ctx.server, ctx.client));
}

namespace {

// CLIENT LIST/KILL TYPE: gorodis's clients are normal or pubsub (no masters, no replicas).
enum class TypeFilter { kAny, kNormal, kPubsub, kNone };

// Parses a TYPE value; nullopt after replying Redis's error.
std::optional<TypeFilter> type_filter(CommandContext& ctx, std::string_view type) {
  if (iequals(type, "normal")) return TypeFilter::kNormal;
  if (iequals(type, "pubsub")) return TypeFilter::kPubsub;
  if (iequals(type, "master") || iequals(type, "replica") || iequals(type, "slave")) {
    return TypeFilter::kNone;
  }
  ctx.reply.error("ERR Unknown client type '" + std::string(type) + "'");
  return std::nullopt;
}

bool type_matches(TypeFilter filter, ClientState& client) {
  if (filter == TypeFilter::kAny || filter == TypeFilter::kNone) {
    return filter == TypeFilter::kAny;
  }
  std::lock_guard lock(client.info_mutex);  // client.pubsub is set under it
  return has_subscriptions(client) == (filter == TypeFilter::kPubsub);
}

}  // namespace

void client_list_command(CommandContext& ctx) {
  std::vector<std::uint64_t> ids;
  TypeFilter filter = TypeFilter::kAny;
  for (std::size_t j = 2; j < ctx.argc(); ++j) {
    if (iequals(ctx.argv[j], "type") && j + 1 < ctx.argc() && ids.empty()) {
      auto parsed = type_filter(ctx, ctx.argv[++j]);
      if (!parsed) return;
      filter = *parsed;
    } else if (iequals(ctx.argv[j], "id") && j + 1 < ctx.argc()) {
      for (++j; j < ctx.argc(); ++j) {
        auto id = parse_int64(ctx.argv[j]);
        if (!id || *id <= 0) {
          ctx.reply.error("ERR Invalid client ID");
          return;
        }
        ids.push_back(static_cast<std::uint64_t>(*id));
      }
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  std::string lines;
  ctx.server.clients().for_each([&](ClientState& client) {
    if (!client.killed.load(std::memory_order_relaxed) && type_matches(filter, client) &&
        (ids.empty() || std::find(ids.begin(), ids.end(), client.id) != ids.end())) {
      lines += client_line(ctx.server, client);
    }
  });
  ctx.reply.verbatim("txt", lines);
}

void client_kill_command(CommandContext& ctx) {
  // CLIENT KILL <addr> (old form), or filters: ID, TYPE, ADDR, LADDR, USER, SKIPME, MAXAGE.
  std::optional<std::uint64_t> id;
  std::optional<std::string_view> addr;
  std::optional<std::string_view> laddr;
  TypeFilter filter = TypeFilter::kAny;
  bool skip_me = true;
  long long max_age = 0;
  const bool old_form = ctx.argc() == 3;
  if (old_form) {
    addr = ctx.argv[2];
    skip_me = false;
  } else if (ctx.argc() % 2 != 0) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  for (std::size_t j = 2; !old_form && j < ctx.argc(); j += 2) {
    std::string_view option = ctx.argv[j];
    std::string_view value = ctx.argv[j + 1];
    if (iequals(option, "id")) {
      auto parsed = parse_int64(value);
      if (!parsed || *parsed <= 0) {
        ctx.reply.error("ERR client-id should be greater than 0");
        return;
      }
      id = static_cast<std::uint64_t>(*parsed);
    } else if (iequals(option, "type")) {
      auto parsed = type_filter(ctx, value);
      if (!parsed) return;
      filter = *parsed;
    } else if (iequals(option, "addr")) {
      addr = value;
    } else if (iequals(option, "laddr")) {
      laddr = value;
    } else if (iequals(option, "user")) {
      if (value != "default") {
        ctx.reply.error("ERR No such user '" + std::string(value) + "'");
        return;
      }
    } else if (iequals(option, "skipme")) {
      if (iequals(value, "yes")) {
        skip_me = true;
      } else if (iequals(value, "no")) {
        skip_me = false;
      } else {
        ctx.reply.error(errors::kSyntax);
        return;
      }
    } else if (iequals(option, "maxage")) {
      auto parsed = integer_argument(ctx, j + 1);
      if (!parsed) return;
      max_age = *parsed;
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  const std::int64_t now = now_ms(ctx.server);
  long long killed = 0;
  ctx.server.clients().for_each([&](ClientState& client) {
    if (client.killed.load(std::memory_order_relaxed) || !type_matches(filter, client) ||
        (id && client.id != *id) || (addr && client.addr != *addr) ||
        (laddr && client.laddr != *laddr) || (skip_me && &client == &ctx.client) ||
        (max_age > 0 && (now - client.created_ms) / 1000 < max_age)) {
      return;
    }
    if (&client == &ctx.client) {
      ctx.client.close_after_reply = true;
    } else if (client.kill) {
      client.killed.store(true, std::memory_order_relaxed);
      client.kill();
    }
    ++killed;
  });
  if (old_form) {
    if (killed == 0) {
      ctx.reply.error("ERR No such client");
    } else {
      ctx.reply.ok();
    }
  } else {
    ctx.reply.integer(killed);
  }
}

void client_getname_command(CommandContext& ctx) {
  if (ctx.client.name.empty()) {
    ctx.reply.null();
  } else {
    ctx.reply.bulk(ctx.client.name);
  }
}

void client_setname_command(CommandContext& ctx) {
  if (!valid_client_name(ctx.argv[2])) {
    ctx.reply.error(errors::kBadClientName);
    return;
  }
  ctx.client.update([&] { ctx.client.name = std::string(ctx.argv[2]); });
  ctx.reply.ok();
}

void client_pause_command(CommandContext& ctx) {
  auto timeout = integer_argument(ctx, 2, "ERR timeout is not an integer or out of range");
  if (!timeout) return;
  if (*timeout < 0) {
    ctx.reply.error("ERR timeout is negative");
    return;
  }
  int mode = PauseState::kAll;
  if (ctx.argc() == 4 && iequals(ctx.argv[3], "write")) {
    mode = PauseState::kWrite;
  } else if (ctx.argc() > 4 || (ctx.argc() == 4 && !iequals(ctx.argv[3], "all"))) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  PauseState& pause = ctx.server.pause();
  const std::int64_t end = ctx.now_ms + *timeout;
  // A pause in effect is only ever extended or made stricter (Redis pauseClients).
  if (pause.mode.load() != PauseState::kNone && ctx.now_ms < pause.end_ms.load()) {
    mode = std::max(mode, pause.mode.load());
    pause.end_ms.store(std::max(end, pause.end_ms.load()));
  } else {
    pause.end_ms.store(end);
  }
  pause.mode.store(mode);
  ctx.reply.ok();
}

void client_unpause_command(CommandContext& ctx) {
  ctx.server.pause().mode.store(PauseState::kNone);
  ctx.reply.ok();
}

void client_no_evict_command(CommandContext& ctx) {
  std::string_view value = ctx.argv[2];
  if (!iequals(value, "on") && !iequals(value, "off")) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  ctx.client.update([&] { ctx.client.no_evict = iequals(value, "on"); });
  ctx.reply.ok();
}

void client_reply_command(CommandContext& ctx) {
  std::string_view value = ctx.argv[2];
  if (iequals(value, "on")) {
    ctx.client.reply_mode = ReplyMode::kOn;
    ctx.reply.ok();
  } else if (iequals(value, "off")) {
    ctx.client.reply_mode = ReplyMode::kOff;
  } else if (iequals(value, "skip")) {
    if (ctx.client.reply_mode != ReplyMode::kOff) ctx.client.reply_mode = ReplyMode::kSkipNext;
  } else {
    ctx.reply.error(errors::kSyntax);
  }
}

void client_unblock_command(CommandContext& ctx) {
  bool as_error = false;
  if (ctx.argc() > 4) {
    ctx.reply.error(
        "ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.");
    return;
  }
  if (ctx.argc() == 4) {
    if (iequals(ctx.argv[3], "error")) {
      as_error = true;
    } else if (!iequals(ctx.argv[3], "timeout")) {
      ctx.reply.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  auto id = integer_argument(ctx, 2);
  if (!id) return;
  ctx.reply.integer(unblock_client(ctx.server, static_cast<std::uint64_t>(*id), as_error) ? 1 : 0);
}

void client_help_command(CommandContext& ctx) {
  reply_help(ctx, "CLIENT",
             {"GETNAME",
              "    Return the name of the current connection.",
              "ID",
              "    Return the ID of the current connection.",
              "INFO",
              "    Return information about the current client connection.",
              "KILL <ip:port>",
              "    Kill connection made from <ip:port>.",
              "KILL <option> <value> [<option> <value> [...]]",
              "    Kill connections. Options are:",
              "    * ADDR (<ip:port>|<unixsocket>:0)",
              "      Kill connections made from the specified address",
              "    * LADDR (<ip:port>|<unixsocket>:0)",
              "      Kill connections made to specified local address",
              "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
              "      Kill connections by type.",
              "    * USER <username>",
              "      Kill connections authenticated by <username>.",
              "    * SKIPME (YES|NO)",
              "      Skip killing current connection (default: yes).",
              "    * ID <client-id>",
              "      Kill connections by client id.",
              "    * MAXAGE <maxage>",
              "      Kill connections older than the specified age.",
              "LIST [options ...]",
              "    Return information about client connections. Options:",
              "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
              "      Return clients of specified type.",
              "UNPAUSE",
              "    Stop the current client pause, resuming traffic.",
              "PAUSE <timeout> [WRITE|ALL]",
              "    Suspend all, or just write, clients for <timeout> milliseconds.",
              "REPLY (ON|OFF|SKIP)",
              "    Control the replies sent to the current connection.",
              "SETNAME <name>",
              "    Assign the name <name> to the current connection.",
              "UNBLOCK <clientid> [TIMEOUT|ERROR]",
              "    Unblock the specified blocked client.",
              "NO-EVICT (ON|OFF)",
              "    Protect current client connection from eviction."});
}

}  // namespace gorodis
