// slowlog.cpp — the slow log and the SLOWLOG command (Redis slowlog.c).
#include "slowlog.hpp"

#include "commands.hpp"
#include "config.hpp"
#include "server.hpp"
#include "util.hpp"

namespace gorodis {

namespace {
constexpr std::size_t kMaxArguments = 32;  // SLOWLOG_ENTRY_MAX_ARGC
constexpr std::size_t kMaxString = 128;    // SLOWLOG_ENTRY_MAX_STRING
}  // namespace

void Slowlog::record(std::span<const std::string_view> argv, std::int64_t unix_time,
                     std::int64_t duration_us, std::string_view client_addr,
                     std::string_view client_name, std::size_t max_len) {
  SlowlogEntry entry;
  entry.unix_time = unix_time;
  entry.duration_us = duration_us;
  entry.client_addr = client_addr;
  entry.client_name = client_name;
  std::size_t kept = std::min(argv.size(), kMaxArguments);
  for (std::size_t i = 0; i < kept; ++i) {
    if (kept != argv.size() && i == kept - 1) {
      entry.argv.push_back("... (" + std::to_string(argv.size() - kept + 1) + " more arguments)");
    } else if (argv[i].size() > kMaxString) {
      entry.argv.push_back(std::string(argv[i].substr(0, kMaxString)) + "... (" +
                           std::to_string(argv[i].size() - kMaxString) + " more bytes)");
    } else {
      entry.argv.emplace_back(argv[i]);
    }
  }
  std::lock_guard lock(mutex_);
  entry.id = next_id_++;
  entries_.push_front(std::move(entry));
  while (entries_.size() > max_len) entries_.pop_back();
}

std::vector<SlowlogEntry> Slowlog::newest(long long count) {
  std::lock_guard lock(mutex_);
  std::size_t n =
      count < 0 ? entries_.size() : std::min(entries_.size(), static_cast<std::size_t>(count));
  return {entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n)};
}

std::size_t Slowlog::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void Slowlog::reset() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

void slowlog_get_command(CommandContext& ctx) {
  long long count = 10;
  if (ctx.argc() == 3) {
    auto parsed = integer_argument(ctx, 2, "ERR count should be greater than or equal to -1");
    if (!parsed) return;
    if (*parsed < -1) {
      ctx.reply.error("ERR count should be greater than or equal to -1");
      return;
    }
    count = *parsed;
  } else if (ctx.argc() > 3) {
    reply_arity_error(ctx);
    return;
  }
  std::vector<SlowlogEntry> entries = ctx.server.slowlog().newest(count);
  ctx.reply.array_header(entries.size());
  for (const SlowlogEntry& entry : entries) {
    ctx.reply.array_header(6);
    ctx.reply.integer(static_cast<long long>(entry.id));
    ctx.reply.integer(entry.unix_time);
    ctx.reply.integer(entry.duration_us);
    ctx.reply.array_header(entry.argv.size());
    for (const std::string& arg : entry.argv) ctx.reply.bulk(arg);
    ctx.reply.bulk(entry.client_addr);
    ctx.reply.bulk(entry.client_name);
  }
}

void slowlog_len_command(CommandContext& ctx) {
  ctx.reply.integer(static_cast<long long>(ctx.server.slowlog().size()));
}

void slowlog_reset_command(CommandContext& ctx) {
  ctx.server.slowlog().reset();
  ctx.reply.ok();
}

void slowlog_help_command(CommandContext& ctx) {
  reply_help(ctx, "SLOWLOG",
             {"GET [<count>]",
              "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
              "    Entries are made of:",
              "    id, timestamp, time in microseconds, arguments array, client IP and port,",
              "    client name", "LEN", "    Return the length of the slowlog.", "RESET",
              "    Reset the slowlog."});
}

}  // namespace gorodis
