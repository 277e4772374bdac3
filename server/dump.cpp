// dump.cpp — DUMP and RESTORE (see dump.hpp for the payload layout).
//
// RESTORE validates in Redis's order: options, BUSYKEY, TTL, footer/checksum, body. A TTL
// already in the past deletes the key (with REPLACE) and still answers OK, as Redis does.
// IDLETIME sets the access time (LRU policies) and FREQ the LFU counter (LFU policies).
#include "dump.hpp"

#include <climits>

#include "commands.hpp"
#include "crc64.hpp"
#include "evict.hpp"
#include "lzf.hpp"
#include "pubsub.hpp"
#include "rdb.hpp"
#include "server.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

constexpr std::size_t kFooterSize = 10;  // 2 version bytes + 8 CRC bytes

}  // namespace

std::optional<std::string> dump_payload(const Object& value, bool compress) {
  RdbWriter writer(compress);
  if (!save_object(writer, value)) return std::nullopt;
  writer.little_endian(kRdbVersion, 2);
  writer.little_endian(crc64(0, writer.bytes()), 8);
  return std::move(writer.bytes());
}

LoadedPayload load_payload(std::string_view payload, const Settings& settings) {
  LoadedPayload result;
  if (payload.size() < kFooterSize) {
    result.error = PayloadError::kVersionOrChecksum;
    return result;
  }
  std::string_view footer = payload.substr(payload.size() - kFooterSize);
  int version =
      static_cast<unsigned char>(footer[0]) | (static_cast<unsigned char>(footer[1]) << 8);
  RdbReader crc_reader(footer.substr(2));
  if (version > kRdbVersion ||
      crc_reader.little_endian(8) != crc64(0, payload.substr(0, payload.size() - 8))) {
    result.error = PayloadError::kVersionOrChecksum;
    return result;
  }
  RdbReader reader(payload.substr(0, payload.size() - kFooterSize));
  if (auto type = reader.byte()) result.value = load_object(reader, *type, settings);
  result.error = PayloadError::kBadFormat;
  return result;
}

void dump_command(CommandContext& ctx) {
  Entry* entry = lookup_key(ctx, ctx.argv[1], Lookup::kRead);
  if (entry == nullptr) {
    ctx.reply.null();
    return;
  }
  auto payload = dump_payload(entry->value, ctx.server.settings().rdbcompression.load());
  if (!payload) {
    ctx.reply.error("ERR DUMP of this type of value is not supported yet");
    return;
  }
  ctx.reply.bulk(*payload);
}

void restore_command(CommandContext& ctx) {
  bool replace = false;
  bool absolute_ttl = false;
  long long idle_seconds = -1;
  long long frequency = -1;
  for (std::size_t j = 4; j < ctx.argc(); ++j) {
    std::string_view option = ctx.argv[j];
    bool has_next = j + 1 < ctx.argc();
    if (iequals(option, "replace")) {
      replace = true;
    } else if (iequals(option, "absttl")) {
      absolute_ttl = true;
    } else if (iequals(option, "idletime") && has_next && frequency == -1) {
      auto value = integer_argument(ctx, ++j);
      if (!value) return;
      if (*value < 0) {
        ctx.reply.error("ERR Invalid IDLETIME value, must be >= 0");
        return;
      }
      idle_seconds = *value;
    } else if (iequals(option, "freq") && has_next && idle_seconds == -1) {
      auto value = integer_argument(ctx, ++j);
      if (!value) return;
      if (*value < 0 || *value > 255) {
        ctx.reply.error("ERR Invalid FREQ value, must be >= 0 and <= 255");
        return;
      }
      frequency = *value;
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  Db& db = ctx.db();
  std::string_view key = ctx.argv[1];
  if (!replace && db.lookup(key, ctx.now_ms) != nullptr) {
    ctx.reply.error(errors::kBusyKey);
    return;
  }
  auto ttl = integer_argument(ctx, 2);
  if (!ttl) return;
  if (*ttl < 0) {
    ctx.reply.error("ERR Invalid TTL value, must be >= 0");
    return;
  }
  LoadedPayload loaded = load_payload(ctx.argv[3], ctx.server.settings());
  if (!loaded.value) {
    ctx.reply.error(loaded.error == PayloadError::kVersionOrChecksum
                        ? "ERR DUMP payload version or checksum are wrong"
                        : "ERR Bad data format");
    return;
  }
  const bool replaced = replace && db.remove(key);
  long long when = *ttl;
  if (when != 0 && !absolute_ttl) when += ctx.now_ms;
  if (when != 0 && when <= ctx.now_ms) {
    if (replaced) notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
    ctx.log_as_command({"DEL", std::string(key)});
    ctx.reply.ok();
    return;
  }
  Entry& entry = db.add(std::string(key), std::move(*loaded.value), ctx.now_ms);
  if (when != 0) db.set_expire(entry, when);
  if (when != 0 && !absolute_ttl) {
    // Logged with the TTL as the absolute instant (Redis appends ABSTTL).
    std::vector<std::string> logged(ctx.argv.begin(), ctx.argv.end());
    logged[2] = std::to_string(when);
    logged.emplace_back("ABSTTL");
    ctx.log_as_command(std::move(logged));
  }
  notify_keyspace_event(ctx, kNotifyGeneric, "restore", key);
  if (lfu_policy(ctx.server)) {
    if (frequency >= 0) entry.value.lfu_counter = static_cast<std::uint8_t>(frequency);
  } else if (idle_seconds >= 0) {
    entry.value.access_time_ms = ctx.now_ms - idle_seconds * 1000;
  }
  ctx.reply.ok();
}

}  // namespace gorodis
