// rdb.cpp — see rdb.hpp for the formats and the consistency of a save.
#include "rdb.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "commands.hpp"
#include "crc64.hpp"
#include "log.hpp"
#include "lzf.hpp"
#include "server.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

constexpr unsigned char kEncodedInt8 = 0xC0;
constexpr unsigned char kEncodedInt16 = 0xC1;
constexpr unsigned char kEncodedInt32 = 0xC2;
constexpr unsigned char kEncodedLzf = 0xC3;
constexpr std::size_t kMinCompressLength = 21;
constexpr std::size_t kMaxIntegerEncodingTextLength = 11;

// File opcodes.
constexpr unsigned char kOpFunction2 = 0xF5;
constexpr unsigned char kOpModuleAux = 0xF7;
constexpr unsigned char kOpIdle = 0xF8;
constexpr unsigned char kOpFreq = 0xF9;
constexpr unsigned char kOpAux = 0xFA;
constexpr unsigned char kOpResizeDb = 0xFB;
constexpr unsigned char kOpExpireTimeMs = 0xFC;
constexpr unsigned char kOpExpireTime = 0xFD;
constexpr unsigned char kOpSelectDb = 0xFE;
constexpr unsigned char kOpEof = 0xFF;
constexpr std::string_view kMagic = "REDIS";
// Serialized bytes buffered before a write(2) while saving.
constexpr std::size_t kWriteChunk = 1 << 20;

}  // namespace

void RdbWriter::little_endian(std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void RdbWriter::length(std::uint64_t length) {
  auto big_endian = [this](std::uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
      out_.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  };
  if (length < (1 << 6)) {
    byte(static_cast<unsigned char>(length));
  } else if (length < (1 << 14)) {
    byte(static_cast<unsigned char>(0x40 | (length >> 8)));
    byte(static_cast<unsigned char>(length & 0xff));
  } else if (length <= UINT32_MAX) {
    byte(0x80);
    big_endian(length, 4);
  } else {
    byte(0x81);
    big_endian(length, 8);
  }
}

void RdbWriter::integer_string(long long value) {
  if (value >= INT8_MIN && value <= INT8_MAX) {
    byte(kEncodedInt8);
    little_endian(static_cast<std::uint64_t>(value), 1);
  } else if (value >= INT16_MIN && value <= INT16_MAX) {
    byte(kEncodedInt16);
    little_endian(static_cast<std::uint64_t>(value), 2);
  } else if (value >= INT32_MIN && value <= INT32_MAX) {
    byte(kEncodedInt32);
    little_endian(static_cast<std::uint64_t>(value), 4);
  } else {
    std::string text = int64_to_string(value);
    length(text.size());
    out_.append(text);
  }
}

void RdbWriter::string(std::string_view text) {
  if (text.size() <= kMaxIntegerEncodingTextLength) {
    auto value = parse_int64(text);
    if (value && *value >= INT32_MIN && *value <= INT32_MAX) {
      integer_string(*value);
      return;
    }
  }
  if (compress_ && text.size() >= kMinCompressLength) {
    // Worth it only when compression saves at least four bytes.
    if (auto packed = lzf_compress(text, text.size() - 4)) {
      byte(kEncodedLzf);
      length(packed->size());
      length(text.size());
      out_.append(*packed);
      return;
    }
  }
  length(text.size());
  out_.append(text);
}

void RdbWriter::binary_double(double value) {
  std::uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  little_endian(bits, 8);
}

void RdbWriter::string_object(const Object& object) {
  if (object.is_integer()) {
    integer_string(object.integer_value());
  } else {
    IntegerText scratch;
    string(object.view(scratch));
  }
}

std::optional<unsigned char> RdbReader::byte() {
  if (position_ >= data_.size()) return std::nullopt;
  return static_cast<unsigned char>(data_[position_++]);
}

std::optional<std::string_view> RdbReader::bytes(std::uint64_t count) {
  if (count > data_.size() - position_) return std::nullopt;
  std::string_view out = data_.substr(position_, count);
  position_ += count;
  return out;
}

std::optional<std::uint64_t> RdbReader::little_endian(int count) {
  auto raw = bytes(static_cast<std::uint64_t>(count));
  if (!raw) return std::nullopt;
  std::uint64_t value = 0;
  for (int i = 0; i < count; ++i)
    value |= std::uint64_t{static_cast<unsigned char>((*raw)[i])} << (8 * i);
  return value;
}

std::optional<std::uint64_t> RdbReader::length(bool& encoded) {
  encoded = false;
  auto first = byte();
  if (!first) return std::nullopt;
  auto big_endian = [this](int count) -> std::optional<std::uint64_t> {
    auto raw = bytes(static_cast<std::uint64_t>(count));
    if (!raw) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : *raw) value = (value << 8) | static_cast<unsigned char>(c);
    return value;
  };
  switch (*first >> 6) {
    case 0:
      return *first & 0x3f;
    case 1: {
      auto second = byte();
      if (!second) return std::nullopt;
      return (std::uint64_t{*first & 0x3fu} << 8) | *second;
    }
    case 2:
      if (*first == 0x80) return big_endian(4);
      if (*first == 0x81) return big_endian(8);
      return std::nullopt;
    default:
      encoded = true;
      return *first & 0x3f;
  }
}

std::optional<std::uint64_t> RdbReader::plain_length() {
  bool encoded;
  auto value = length(encoded);
  if (!value || encoded) return std::nullopt;
  return value;
}

std::optional<std::string> RdbReader::string() {
  bool encoded;
  auto length = this->length(encoded);
  if (!length) return std::nullopt;
  if (!encoded) {
    auto text = bytes(*length);
    if (!text) return std::nullopt;
    return std::string(*text);
  }
  switch (0xC0 | *length) {
    case kEncodedInt8:
    case kEncodedInt16:
    case kEncodedInt32: {
      int width = *length == 0 ? 1 : *length == 1 ? 2 : 4;
      auto raw = little_endian(width);
      if (!raw) return std::nullopt;
      int shift = 64 - 8 * width;
      return int64_to_string(static_cast<long long>(*raw << shift) >> shift);
    }
    case kEncodedLzf: {
      auto packed_length = plain_length();
      if (!packed_length) return std::nullopt;
      auto original_length = plain_length();
      if (!original_length) return std::nullopt;
      auto packed = bytes(*packed_length);
      if (!packed) return std::nullopt;
      return lzf_decompress(*packed, *original_length);
    }
    default:
      return std::nullopt;
  }
}

std::optional<double> RdbReader::binary_double() {
  auto bits = little_endian(8);
  if (!bits) return std::nullopt;
  double value;
  std::memcpy(&value, &*bits, sizeof value);
  return value;
}

bool save_object(RdbWriter& writer, const Object& value) {
  if (!value.is_string()) return false;
  writer.byte(kRdbTypeString);
  writer.string_object(value);
  return true;
}

std::optional<Object> load_object(RdbReader& reader, unsigned char type) {
  if (type != kRdbTypeString) return std::nullopt;
  auto text = reader.string();
  if (!text) return std::nullopt;
  return Object::encode_string(std::move(*text));
}

namespace {

// Streams a snapshot into a file descriptor, keeping the running CRC.
class FileSink {
 public:
  explicit FileSink(int fd) : fd_(fd) {}

  // Writes what the writer holds; returns false on an I/O error (errno set).
  bool drain(RdbWriter& writer) {
    std::string& bytes = writer.bytes();
    crc_ = crc64(crc_, bytes);
    const char* data = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, data, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data += n;
      left -= static_cast<std::size_t>(n);
    }
    bytes.clear();
    return true;
  }
  std::uint64_t crc() const { return crc_; }

 private:
  int fd_;
  std::uint64_t crc_ = 0;
};

void write_aux(RdbWriter& writer, std::string_view key, std::string_view value) {
  writer.byte(kOpAux);
  writer.string(key);
  writer.string(value);
}

std::string errno_text(std::string_view what, const std::string& path) {
  std::string message(what);
  message.append(" ").append(path).append(": ").append(std::strerror(errno));
  return message;
}

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

// Serializes every database into `fd`. REQUIRES: all shard locks held.
bool write_snapshot(Server& server, int fd) {
  RdbWriter writer(server.config().rdb_compression);
  FileSink sink(fd);
  writer.bytes().append(kMagic);
  writer.bytes().append("0010");
  write_aux(writer, "redis-ver", "7.0.15");
  write_aux(writer, "redis-bits", "64");
  write_aux(writer, "ctime", std::to_string(server.now_us() / 1000000));
  write_aux(writer, "used-mem", "0");
  write_aux(writer, "aof-base", "0");
  for (int index = 0; index < server.database_count(); ++index) {
    Db& db = server.db(index);
    std::size_t keys = 0;
    std::size_t volatile_keys = 0;
    for (std::size_t s = 0; s < db.shard_count(); ++s) {
      keys += db.shard(s).keys.size();
      volatile_keys += db.shard(s).volatile_keys.size();
    }
    if (keys == 0) continue;
    writer.byte(kOpSelectDb);
    writer.length(static_cast<std::uint64_t>(index));
    writer.byte(kOpResizeDb);
    writer.length(keys);
    writer.length(volatile_keys);
    for (std::size_t s = 0; s < db.shard_count(); ++s) {
      bool ok = true;
      db.shard(s).keys.for_each([&](const Entry& entry) {
        if (!ok) return;
        if (entry.expire_at_ms != kNoExpiry) {
          writer.byte(kOpExpireTimeMs);
          writer.little_endian(static_cast<std::uint64_t>(entry.expire_at_ms), 8);
        }
        RdbWriter value(server.config().rdb_compression);
        if (!save_object(value, entry.value)) {
          errno = ENOTSUP;
          ok = false;
          return;
        }
        // Type byte, then the key, then the body.
        writer.byte(static_cast<unsigned char>(value.bytes()[0]));
        writer.string(entry.key);
        writer.bytes().append(value.bytes(), 1);
        if (writer.bytes().size() >= kWriteChunk) ok = sink.drain(writer);
      });
      if (!ok) return false;
    }
  }
  writer.byte(kOpEof);
  if (!sink.drain(writer)) return false;
  writer.little_endian(sink.crc(), 8);
  return sink.drain(writer);
}

}  // namespace

std::optional<std::string> save_snapshot(Server& server, const std::string& path) {
  std::string temp = directory_of(path) + "/temp-" + std::to_string(::getpid()) + ".rdb";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_text("Failed opening the temp RDB file", temp);
  bool written;
  {
    ShardLocks locks;
    for (int index = 0; index < server.database_count(); ++index) locks.add_all(server.db(index));
    locks.lock();
    written = write_snapshot(server, fd);
  }
  if (!written || ::fsync(fd) != 0) {
    std::string message = errno_text("Write error saving DB on disk", temp);
    ::close(fd);
    ::unlink(temp.c_str());
    return message;
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    std::string message = errno_text("Error moving temp DB file on the final destination", path);
    ::unlink(temp.c_str());
    return message;
  }
  int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return std::nullopt;
}

namespace {

std::string load_error(std::string_view what, std::size_t offset) {
  std::string message = "Short read or corrupted RDB file: ";
  message.append(what).append(" at offset ").append(std::to_string(offset));
  return message;
}

}  // namespace

std::optional<std::string> load_snapshot(Server& server, const std::string& path, bool& loaded,
                                         LoadOptions options) {
  loaded = false;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    if (errno == ENOENT) return std::nullopt;
    return errno_text("Fatal error loading the DB", path);
  }
  std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  ShardLocks locks;
  for (int index = 0; index < server.database_count(); ++index) locks.add_all(server.db(index));
  locks.lock();
  if (options.flush) {
    for (int index = 0; index < server.database_count(); ++index) {
      Db& db = server.db(index);
      for (std::size_t s = 0; s < db.shard_count(); ++s) db.clear_shard(s);
    }
  }
  RdbReader reader(data);
  auto header = reader.bytes(9);
  if (!header || header->substr(0, 5) != kMagic)
    return std::string("Wrong signature trying to load DB from file");
  // Four decimal digits, zero padded ("0010").
  std::string_view digits = header->substr(5);
  std::optional<int> version = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') version.reset();
    if (version) version = *version * 10 + (c - '0');
  }
  if (!version || *version < 1 || *version > kRdbVersion) {
    return "Can't handle RDB format version " + std::string(header->substr(5));
  }
  const std::int64_t now_ms = server.now_us() / 1000;
  int db_index = 0;
  std::int64_t expire_at = kNoExpiry;
  std::optional<long long> idle_seconds;
  std::optional<long long> frequency;
  for (;;) {
    std::size_t offset = reader.position();
    auto opcode = reader.byte();
    if (!opcode) return load_error("unexpected end of file", offset);
    switch (*opcode) {
      case kOpEof: {
        std::size_t crc_offset = reader.position();
        if (*version >= 5) {
          auto stored = reader.little_endian(8);
          if (!stored) return load_error("missing checksum", crc_offset);
          if (*stored != 0 && *stored != crc64(0, std::string_view(data).substr(0, crc_offset))) {
            return std::string("Wrong RDB checksum. Aborting now.");
          }
        }
        loaded = true;
        return std::nullopt;
      }
      case kOpSelectDb: {
        auto index = reader.plain_length();
        if (!index) return load_error("bad SELECTDB", offset);
        if (*index >= static_cast<std::uint64_t>(server.database_count())) {
          return "FATAL: Data file was created with a Redis server configured to handle more "
                 "than " +
                 std::to_string(server.database_count()) + " databases. Exiting";
        }
        db_index = static_cast<int>(*index);
        continue;
      }
      case kOpResizeDb:
        if (!reader.plain_length() || !reader.plain_length())
          return load_error("bad RESIZEDB", offset);
        continue;
      case kOpExpireTimeMs: {
        auto when = reader.little_endian(8);
        if (!when) return load_error("bad EXPIRETIME_MS", offset);
        expire_at = static_cast<std::int64_t>(*when);
        continue;
      }
      case kOpExpireTime: {
        auto when = reader.little_endian(4);
        if (!when) return load_error("bad EXPIRETIME", offset);
        expire_at = static_cast<std::int64_t>(*when) * 1000;
        continue;
      }
      case kOpIdle: {
        auto idle = reader.plain_length();
        if (!idle) return load_error("bad IDLE", offset);
        idle_seconds = static_cast<long long>(*idle);
        continue;
      }
      case kOpFreq: {
        auto freq = reader.byte();
        if (!freq) return load_error("bad FREQ", offset);
        frequency = *freq;
        continue;
      }
      case kOpAux:
        if (!reader.string() || !reader.string()) return load_error("bad AUX field", offset);
        continue;
      case kOpFunction2:
      case kOpModuleAux:
        return load_error("functions and modules are not supported", offset);
      default:
        break;
    }
    auto key = reader.string();
    if (!key) return load_error("bad key", offset);
    auto value = load_object(reader, *opcode);
    if (!value)
      return load_error("bad or unsupported value (RDB type " + std::to_string(*opcode) + ")",
                        offset);
    std::int64_t when = std::exchange(expire_at, kNoExpiry);
    auto idle = std::exchange(idle_seconds, std::nullopt);
    auto freq = std::exchange(frequency, std::nullopt);
    if (when != kNoExpiry && when <= now_ms) continue;  // expired while on disk
    Db& db = server.db(db_index);
    if (options.merge) db.remove(*key);
    if (db.lookup(*key, now_ms) != nullptr) {
      return "Duplicated key '" + *key + "' in DB " + std::to_string(db_index) + " at offset " +
             std::to_string(offset);
    }
    Entry& entry = db.add(std::move(*key), std::move(*value), now_ms);
    if (when != kNoExpiry) db.set_expire(entry, when);
    if (idle) entry.value.access_time_ms = now_ms - *idle * 1000;
    if (freq) entry.value.lfu_counter = static_cast<std::uint8_t>(*freq);
  }
}

std::optional<std::string> save_to_disk(Server& server) {
  auto error = save_snapshot(server, server.settings().dbfilename.get());
  if (error) return error;
  log(LogLevel::kNotice, "DB saved on disk");
  server.last_save_s().store(server.now_us() / 1000000);
  return std::nullopt;
}

void save_command(CommandContext& ctx) {
  if (auto error = save_to_disk(ctx.server)) {
    log(LogLevel::kWarning, *error);
    ctx.reply.error("ERR");
    return;
  }
  ctx.reply.ok();
}

}  // namespace gorodis
