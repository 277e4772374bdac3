// networking.cpp — the client goroutines and the connection commands (AUTH, QUIT, RESET,
// CLIENT ...). See networking.hpp for the design.
#include "networking.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>

#include "commands.hpp"
#include "config.hpp"
#include "goro/io.hpp"
#include "goro/runtime.hpp"
#include "goro/time.hpp"
#include "log.hpp"
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
    "option. 4) Set up an authentication password for the default user. NOTE: You only need to "
    "do one of the above things in order for the server to start accepting connections from "
    "the outside.\r\n";

std::int64_t now_ms(Server& server) {
  return server.now_us() / 1000;
}

bool is_loopback(std::string_view addr) {
  return addr.starts_with("127.") || addr.starts_with("[::1]") || addr.starts_with("/");
}

// Writes a one-off reply to a connection that is about to be closed.
void refuse(goro::net::Conn& conn, std::string_view reply) {
  (void)conn.write(std::span(reply.data(), reply.size()));
  (void)conn.close();
}

std::string describe(const ClientState& client) {
  return "id=" + std::to_string(client.id) + " addr=" + client.addr + " laddr=" + client.laddr;
}

// Waits while CLIENT PAUSE holds `argv`'s command back, after sending the replies so far.
void wait_while_paused(Server& server, const ClientState& client,
                       std::span<const std::string_view> argv, goro::io::BufWriter& out) {
  const CommandSpec* command = CommandTable::instance().resolve(argv);
  if (command == nullptr) return;
  bool flushed = false;
  while (server.pause().blocks(*command, client, now_ms(server))) {
    if (!flushed) flushed = out.flush().ok();
    goro::sleep(kPausePoll);
  }
}

// The read-execute-reply loop; returns when the connection is to be closed.
void run_client(Server& server, ClientState& client, goro::net::Conn& conn) {
  Settings& settings = server.settings();
  ServerStats& stats = server.stats();
  ProtocolLimits limits;
  limits.max_bulk_length = settings.proto_max_bulk_len.load();
  limits.query_buffer_limit = static_cast<std::size_t>(settings.client_query_buffer_limit.load());
  RequestParser parser(limits);
  goro::io::BufWriter out(conn, kWriteBuffer);
  ReplyBuilder reply;
  std::vector<std::string_view> argv;
  std::array<char, kReadChunk> chunk;
  bool deadline_set = false;
  for (;;) {
    const long long timeout = settings.timeout.load(std::memory_order_relaxed);
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
      return;
    }
    stats.net_input_bytes.fetch_add(*n, std::memory_order_relaxed);
    client.last_interaction_ms.store(now_ms(server), std::memory_order_relaxed);
    parser.append(std::string_view(chunk.data(), *n));
    ParseStatus status;
    std::size_t written = 0;
    while ((status = parser.next(argv)) == ParseStatus::kCommandReady) {
      if (server.pause().mode.load(std::memory_order_relaxed) != PauseState::kNone) {
        wait_while_paused(server, client, argv, out);
      }
      const ReplyMode mode = client.reply_mode;
      reply.set_protocol(client.protocol);
      server.execute(client, argv, reply);
      // Like Redis, a reply is dropped when replies are off once the command ran (so CLIENT
      // REPLY ON answers and OFF does not) or when this command is the one being skipped.
      const bool dropped = client.reply_mode == ReplyMode::kOff ||
                           (mode == ReplyMode::kSkip && client.reply_mode == ReplyMode::kSkip);
      if (!dropped) {
        written += reply.buffer().size();
        if (!out.write_string(reply.buffer())) return;
      }
      reply.buffer().clear();
      if (client.reply_mode == ReplyMode::kSkipNext) {
        client.reply_mode = ReplyMode::kSkip;
      } else if (mode == ReplyMode::kSkip && client.reply_mode == ReplyMode::kSkip) {
        client.reply_mode = ReplyMode::kOn;
      }
      if (client.close_after_reply) {
        (void)out.flush();
        return;
      }
    }
    client.query_buffer_bytes.store(parser.pending_bytes(), std::memory_order_relaxed);
    if (status == ParseStatus::kProtocolError) {
      const std::string& error = parser.error_reply();
      log(LogLevel::kVerbose, "Protocol error (" +
                                  (error.empty() ? std::string("query buffer limit")
                                                 : error.substr(1, error.size() - 3)) +
                                  ") from client: " + describe(client));
      written += error.size();
      (void)out.write_string(error);
      (void)out.flush();
      stats.net_output_bytes.fetch_add(written, std::memory_order_relaxed);
      return;
    }
    stats.net_output_bytes.fetch_add(written, std::memory_order_relaxed);
    if (out.buffered() > 0 && !out.flush()) return;
  }
}

void serve_client(Server& server, goro::net::Conn conn, const std::string& unix_path) {
  Settings& settings = server.settings();
  server.stats().connections_received.fetch_add(1, std::memory_order_relaxed);
  ClientState client;
  client.id = server.next_client_id();
  client.addr = unix_path.empty() ? conn.remote_addr() : unix_path + ":0";
  client.laddr = unix_path.empty() ? conn.local_addr() : unix_path + ":0";
  client.created_ms = now_ms(server);
  client.last_interaction_ms.store(client.created_ms, std::memory_order_relaxed);
  client.authenticated = settings.requirepass.get().empty();
  client.kill = [conn]() mutable { (void)conn.close(); };
  if (!server.clients().add(client, static_cast<std::size_t>(settings.maxclients.load()))) {
    server.stats().rejected_connections.fetch_add(1, std::memory_order_relaxed);
    refuse(conn, kMaxClientsReply);
    return;
  }
  if (settings.protected_mode.load() && client.authenticated && !is_loopback(client.addr)) {
    log(LogLevel::kWarning, "Denied connection from " + client.addr + " (protected mode)");
    refuse(conn, kProtectedModeReply);
  } else {
    log(LogLevel::kVerbose, "Accepted " + client.addr);
    run_client(server, client, conn);
    (void)conn.close();
  }
  server.clients().remove(client);
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
  line.append(" fd=-1 name=").append(client.name);
  line.append(" age=").append(std::to_string((now - client.created_ms) / 1000));
  line.append(" idle=").append(
      std::to_string((now - client.last_interaction_ms.load(std::memory_order_relaxed)) / 1000));
  const long long multi = client.multi.listed_count.load(std::memory_order_relaxed);
  std::string flags;
  if (multi >= 0) flags.push_back('x');
  if (client.multi.watch_dirty.load(std::memory_order_relaxed)) flags.push_back('d');
  if (client.no_evict) flags.push_back('e');
  line.append(" flags=").append(flags.empty() ? "N" : flags);
  line.append(" db=").append(std::to_string(client.db_index));
  line.append(" sub=0 psub=0 ssub=0 multi=").append(std::to_string(multi));
  line.append(" qbuf=").append(std::to_string(qbuf));
  line.append(" qbuf-free=0 argv-mem=0 multi-mem=0 rbs=").append(std::to_string(kReadChunk));
  line.append(" rbp=0 obl=0 oll=0 omem=0 tot-mem=")
      .append(std::to_string(kReadChunk + kWriteBuffer + qbuf));
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

void client_list_command(CommandContext& ctx) {
  std::vector<std::uint64_t> ids;
  bool normal_only = true;
  for (std::size_t j = 2; j < ctx.argc(); ++j) {
    if (iequals(ctx.argv[j], "type") && j + 1 < ctx.argc() && ids.empty()) {
      std::string_view type = ctx.argv[++j];
      if (!iequals(type, "normal") && !iequals(type, "master") && !iequals(type, "replica") &&
          !iequals(type, "slave") && !iequals(type, "pubsub")) {
        ctx.reply.error("ERR Unknown client type '" + std::string(type) + "'");
        return;
      }
      normal_only = iequals(type, "normal");
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
  if (normal_only) {
    ctx.server.clients().for_each([&](ClientState& client) {
      if (!client.killed.load(std::memory_order_relaxed) &&
          (ids.empty() || std::find(ids.begin(), ids.end(), client.id) != ids.end())) {
        lines += client_line(ctx.server, client);
      }
    });
  }
  ctx.reply.verbatim("txt", lines);
}

void client_kill_command(CommandContext& ctx) {
  // CLIENT KILL <addr> (old form), or filters: ID, TYPE, ADDR, LADDR, USER, SKIPME, MAXAGE.
  std::optional<std::uint64_t> id;
  std::optional<std::string_view> addr;
  std::optional<std::string_view> laddr;
  bool normal_type = true;
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
      if (!iequals(value, "normal") && !iequals(value, "master") && !iequals(value, "replica") &&
          !iequals(value, "slave") && !iequals(value, "pubsub")) {
        ctx.reply.error("ERR Unknown client type '" + std::string(value) + "'");
        return;
      }
      normal_type = iequals(value, "normal");
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
  if (normal_type) {
    ctx.server.clients().for_each([&](ClientState& client) {
      if (client.killed.load(std::memory_order_relaxed) || (id && client.id != *id) ||
          (addr && client.addr != *addr) || (laddr && client.laddr != *laddr) ||
          (skip_me && &client == &ctx.client) ||
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
  }
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
              "NO-EVICT (ON|OFF)",
              "    Protect current client connection from eviction."});
}

}  // namespace gorodis
