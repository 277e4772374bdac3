// rdb.cpp — see rdb.hpp for the formats and the consistency of a save.
#include "rdb.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <utility>

#include "commands.hpp"
#include "crc64.hpp"
#include "goro/goro.hpp"
#include "intset.hpp"
#include "listpack.hpp"
#include "log.hpp"
#include "lzf.hpp"
#include "server.hpp"
#include "t_hash.hpp"
#include "t_list.hpp"
#include "t_set.hpp"
#include "t_zset.hpp"
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

namespace {

// Redis's ziplist (RDB types 10, 12, 13 and quicklist 14 nodes): validates and appends every
// entry's text to `out`.
bool decode_ziplist(std::string_view blob, std::vector<std::string>& out) {
  RdbReader reader(blob);
  auto total = reader.little_endian(4);
  auto tail = reader.little_endian(4);
  auto count = reader.little_endian(2);
  if (!total || !tail || !count || *total != blob.size()) return false;
  std::size_t entries = 0;
  for (;;) {
    auto first = reader.byte();
    if (!first) return false;
    if (*first == 0xFF) break;
    if (*first == 0xFE && !reader.little_endian(4)) return false;  // 5-byte prevlen
    auto encoding = reader.byte();
    if (!encoding) return false;
    unsigned char e = *encoding;
    auto string_of = [&](std::uint64_t length) {
      auto bytes = reader.bytes(length);
      if (bytes) out.emplace_back(*bytes);
      return bytes.has_value();
    };
    auto integer_of = [&](int width) {
      auto raw = reader.little_endian(width);
      if (!raw) return false;
      int shift = 64 - 8 * width;
      out.push_back(int64_to_string(static_cast<long long>(*raw << shift) >> shift));
      return true;
    };
    bool ok;
    switch (e >> 6) {
      case 0:
        ok = string_of(e & 0x3F);
        break;
      case 1: {
        auto low = reader.byte();
        ok = low && string_of((std::uint64_t{e & 0x3Fu} << 8) | *low);
        break;
      }
      case 2: {
        auto raw = reader.bytes(4);
        std::uint64_t length = 0;
        if (raw) {
          for (char c : *raw) length = (length << 8) | static_cast<unsigned char>(c);
        }
        ok = raw && e == 0x80 && string_of(length);
        break;
      }
      default:
        if (e == 0xC0) {
          ok = integer_of(2);
        } else if (e == 0xD0) {
          ok = integer_of(4);
        } else if (e == 0xE0) {
          ok = integer_of(8);
        } else if (e == 0xF0) {
          ok = integer_of(3);
        } else if (e == 0xFE) {
          ok = integer_of(1);
        } else if (e >= 0xF1 && e <= 0xFD) {
          out.push_back(std::to_string((e & 0x0F) - 1));
          ok = true;
        } else {
          ok = false;
        }
    }
    if (!ok) return false;
    ++entries;
  }
  return reader.at_end() && (*count == 0xFFFF || *count == entries);
}

bool decode_listpack(std::string_view blob, std::vector<std::string>& out) {
  auto listpack = Listpack::from_bytes(blob);
  if (!listpack) return false;
  for (auto p = listpack->first(); p != listpack->end(); p = listpack->next(p)) {
    out.push_back(listpack->get(p).to_string());
  }
  return true;
}

// Redis's intset (RDB type 11), validated like intsetValidateIntegrity (see intset.hpp).
bool decode_intset(std::string_view blob, std::vector<std::string>& out) {
  auto intset = Intset::from_bytes(blob);
  if (!intset) return false;
  for (std::size_t i = 0; i < intset->size(); ++i) out.push_back(int64_to_string(intset->at(i)));
  return true;
}

// rdbLoadDoubleValue (RDB_TYPE_ZSET): a length byte (253 NaN, 254 +inf, 255 -inf) and text.
std::optional<double> load_text_double(RdbReader& reader) {
  auto length = reader.byte();
  if (!length) return std::nullopt;
  if (*length == 253) return std::numeric_limits<double>::quiet_NaN();
  if (*length == 254) return std::numeric_limits<double>::infinity();
  if (*length == 255) return -std::numeric_limits<double>::infinity();
  auto text = reader.bytes(*length);
  if (!text) return std::nullopt;
  return parse_double(*text);
}

// Splits alternating field/value (or member/score) elements.
bool split_pairs(RdbAggregate& aggregate) {
  if (aggregate.members.size() % 2 != 0) return false;
  std::vector<std::string> keys;
  std::vector<std::string> values;
  for (std::size_t i = 0; i < aggregate.members.size(); i += 2) {
    keys.push_back(std::move(aggregate.members[i]));
    values.push_back(std::move(aggregate.members[i + 1]));
  }
  aggregate.members = std::move(keys);
  aggregate.values = std::move(values);
  return true;
}

// Turns `values` read as text into `scores` (zset ziplist/listpack entries).
bool text_scores(RdbAggregate& aggregate) {
  for (const std::string& text : aggregate.values) {
    auto score = parse_double(text);
    if (!score) return false;
    aggregate.scores.push_back(*score);
  }
  aggregate.values.clear();
  return true;
}

}  // namespace

std::optional<RdbAggregate> load_aggregate(RdbReader& reader, unsigned char type) {
  RdbAggregate aggregate;
  auto strings = [&](std::uint64_t count, std::vector<std::string>& out) {
    for (std::uint64_t i = 0; i < count; ++i) {
      auto text = reader.string();
      if (!text) return false;
      out.push_back(std::move(*text));
    }
    return true;
  };
  auto blob = [&](bool (*decode)(std::string_view, std::vector<std::string>&)) {
    auto bytes = reader.string();
    return bytes && decode(*bytes, aggregate.members);
  };
  switch (type) {
    case kRdbTypeList:
    case kRdbTypeSet: {
      aggregate.type = type == kRdbTypeList ? ObjectType::kList : ObjectType::kSet;
      auto count = reader.plain_length();
      if (!count || !strings(*count, aggregate.members)) return std::nullopt;
      return aggregate;
    }
    case kRdbTypeHash: {
      aggregate.type = ObjectType::kHash;
      auto count = reader.plain_length();
      if (!count || !strings(*count * 2, aggregate.members) || !split_pairs(aggregate)) {
        return std::nullopt;
      }
      return aggregate;
    }
    case kRdbTypeZset:
    case kRdbTypeZset2: {
      aggregate.type = ObjectType::kZset;
      auto count = reader.plain_length();
      if (!count) return std::nullopt;
      for (std::uint64_t i = 0; i < *count; ++i) {
        auto member = reader.string();
        auto score =
            member ? (type == kRdbTypeZset2 ? reader.binary_double() : load_text_double(reader))
                   : std::nullopt;
        if (!score || std::isnan(*score)) return std::nullopt;
        aggregate.members.push_back(std::move(*member));
        aggregate.scores.push_back(*score);
      }
      return aggregate;
    }
    case kRdbTypeListZiplist:
      aggregate.type = ObjectType::kList;
      if (!blob(decode_ziplist)) return std::nullopt;
      return aggregate;
    case kRdbTypeSetIntset:
      aggregate.type = ObjectType::kSet;
      if (!blob(decode_intset)) return std::nullopt;
      return aggregate;
    case kRdbTypeHashZiplist:
    case kRdbTypeHashListpack:
      aggregate.type = ObjectType::kHash;
      if (!blob(type == kRdbTypeHashZiplist ? decode_ziplist : decode_listpack) ||
          !split_pairs(aggregate)) {
        return std::nullopt;
      }
      return aggregate;
    case kRdbTypeZsetZiplist:
    case kRdbTypeZsetListpack:
      aggregate.type = ObjectType::kZset;
      if (!blob(type == kRdbTypeZsetZiplist ? decode_ziplist : decode_listpack) ||
          !split_pairs(aggregate) || !text_scores(aggregate)) {
        return std::nullopt;
      }
      return aggregate;
    case kRdbTypeListQuicklist:
    case kRdbTypeListQuicklist2: {
      aggregate.type = ObjectType::kList;
      auto nodes = reader.plain_length();
      if (!nodes) return std::nullopt;
      for (std::uint64_t i = 0; i < *nodes; ++i) {
        // Quicklist 2 nodes say whether they hold one plain element or a listpack.
        std::uint64_t container = 2;
        if (type == kRdbTypeListQuicklist2) {
          auto value = reader.plain_length();
          if (!value || (*value != 1 && *value != 2)) return std::nullopt;
          container = *value;
        }
        if (container == 1) {
          auto element = reader.string();
          if (!element) return std::nullopt;
          aggregate.members.push_back(std::move(*element));
        } else if (!blob(type == kRdbTypeListQuicklist ? decode_ziplist : decode_listpack)) {
          return std::nullopt;
        }
      }
      return aggregate;
    }
    default:
      return std::nullopt;
  }
}

namespace {

// Redis 7.0 writes a listpack-encoded hash as the listpack itself, a hashtable as pairs.
void save_hash(RdbWriter& writer, const HashValue& hash) {
  if (const Listpack* listpack = hash.listpack()) {
    writer.byte(kRdbTypeHashListpack);
    writer.string(listpack->serialized());
    return;
  }
  writer.byte(kRdbTypeHash);
  writer.length(hash.size());
  hash.for_each([&](std::string_view field, std::string_view value) {
    writer.string(field);
    writer.string(value);
  });
}

// Redis 7.0 writes an intset-encoded set as the intset blob, a hashtable as its members.
void save_set(RdbWriter& writer, const SetValue& set) {
  if (const Intset* intset = set.intset()) {
    writer.byte(kRdbTypeSetIntset);
    writer.string(intset->bytes());
    return;
  }
  writer.byte(kRdbTypeSet);
  writer.length(set.size());
  set.for_each([&](std::string_view member) { writer.string(member); });
}

// Redis 7.0 writes a listpack-encoded sorted set as the listpack itself, a skiplist as (member,
// binary double) pairs from the highest score down (its loader then always inserts at the head).
void save_zset(RdbWriter& writer, const ZsetValue& zset) {
  if (const Listpack* listpack = zset.as_listpack()) {
    writer.byte(kRdbTypeZsetListpack);
    writer.string(listpack->serialized());
    return;
  }
  writer.byte(kRdbTypeZset2);
  writer.length(zset.size());
  IntegerText scratch;
  for (ZsetValue::Cursor c = zset.at_rank(zset.size() - 1); c.valid(); c.previous()) {
    writer.string(c.member(scratch));
    writer.binary_double(c.score());
  }
}

// Redis 7.0 writes every list as QUICKLIST_2: the node count, then per node its container kind
// and its listpack as a string. gorodis nodes are never compressed (list-compress-depth is not
// implemented) and never "plain" (Redis makes those only for elements over 1 GB).
void save_list(RdbWriter& writer, const Quicklist& list) {
  constexpr std::uint64_t kContainerPacked = 2;
  writer.byte(kRdbTypeListQuicklist2);
  writer.length(list.node_count());
  for (const Listpack& node : list.nodes()) {
    writer.length(kContainerPacked);
    writer.string(node.serialized());
  }
}

// Builds the value with the same writes a client would issue, so that the encoding follows the
// current *-max-listpack-* settings, as Redis's loader converts oversized encodings.
std::optional<Object> build_aggregate(RdbAggregate& aggregate, const Settings& settings) {
  switch (aggregate.type) {
    case ObjectType::kHash: {
      HashValue hash;
      const HashLimits limits = HashLimits::of(settings);
      for (std::size_t i = 0; i < aggregate.members.size(); ++i) {
        // A duplicate field means a corrupt payload (Redis: "Hash with dup elements").
        if (!hash.set(aggregate.members[i], aggregate.values[i], limits)) return std::nullopt;
      }
      if (hash.size() == 0) return std::nullopt;  // empty keys are corrupt too
      return Object::composite(std::move(hash));
    }
    case ObjectType::kSet: {
      if (aggregate.members.empty()) return std::nullopt;
      SetValue set = SetValue::create_for(aggregate.members[0]);
      const auto max = static_cast<std::size_t>(settings.set_max_intset_entries.load());
      for (const std::string& member : aggregate.members) {
        if (!set.add(member, max)) return std::nullopt;  // duplicates mean corruption
      }
      return Object::composite(std::move(set));
    }
    case ObjectType::kZset: {
      if (aggregate.members.empty()) return std::nullopt;
      const ZsetLimits limits = ZsetLimits::from(settings);
      ZsetValue zset(limits, aggregate.members.front().size());
      for (std::size_t i = 0; i < aggregate.members.size(); ++i) {
        // A NaN score or a repeated member means a corrupt payload (Redis: "Zset with NAN score
        // detected", "Duplicate zset fields detected").
        double ignored;
        if (zset.add(aggregate.members[i], aggregate.scores[i], ZsetValue::kNx, limits, ignored) !=
            ZsetValue::AddResult::kAdded) {
          return std::nullopt;
        }
      }
      return Object::composite(std::move(zset));
    }
    case ObjectType::kList: {
      // Node boundaries follow the current list-max-listpack-size (Redis keeps the loaded
      // nodes as they are; both give the same nodes for a list saved under the same setting).
      if (aggregate.members.empty()) return std::nullopt;
      ListValue list(list_fill(settings));
      for (const std::string& element : aggregate.members) list.list().push_back(element);
      return Object::composite(std::move(list));
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

bool save_object(RdbWriter& writer, const Object& value) {
  switch (value.type()) {
    case ObjectType::kString:
      writer.byte(kRdbTypeString);
      writer.string_object(value);
      return true;
    case ObjectType::kHash:
      save_hash(writer, value.as<HashValue>());
      return true;
    case ObjectType::kSet:
      save_set(writer, value.as<SetValue>());
      return true;
    case ObjectType::kZset:
      save_zset(writer, value.as<ZsetValue>());
      return true;
    case ObjectType::kList:
      save_list(writer, value.as<ListValue>().list());
      return true;
    default:
      return false;
  }
}

std::optional<Object> load_object(RdbReader& reader, unsigned char type, const Settings& settings) {
  if (type == kRdbTypeString) {
    auto text = reader.string();
    if (!text) return std::nullopt;
    return Object::encode_string(std::move(*text));
  }
  auto aggregate = load_aggregate(reader, type);
  if (!aggregate) return std::nullopt;
  return build_aggregate(*aggregate, settings);
}

namespace {

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

// One save, from the mark to the rename. The file holds, after the header, one chunk per
// shard (SELECTDB + the shard's keys) in the order the shards were captured; RDB allows any
// number of SELECTDB records, so the order does not matter to a loader.
class SnapshotWriter final : public ShardSnapshot {
 public:
  SnapshotWriter(Server& server, std::string path)
      : server_(server),
        path_(std::move(path)),
        temp_(directory_of(path_) + "/temp-" + std::to_string(::getpid()) + ".rdb") {}
  ~SnapshotWriter() override {
    if (fd_ >= 0) ::close(fd_);
  }

  // Opens the temporary file and marks every shard, all locks held, so the snapshot is this
  // instant. Returns the error message on failure. With `locks_held` the caller (a command
  // inside EXEC) holds every shard lock already and calls finish() at once: every shard is
  // captured now, before the commands queued after it modify shards without locking them.
  // `at_mark`, when given, runs at that instant (every lock held): an AOF rewrite switches its
  // log there, and the file is then marked as an AOF base.
  std::optional<std::string> start(bool locks_held, const std::function<void()>& at_mark) {
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return errno_text("Failed opening the temp RDB file", temp_);
    ShardLocks locks;
    if (!locks_held) {
      for (int index = 0; index < server_.database_count(); ++index) {
        locks.add_all(server_.db(index));
      }
      locks.lock();
    }
    for (int index = 0; index < server_.database_count(); ++index) {
      Db& db = server_.db(index);
      for (std::size_t s = 0; s < db.shard_count(); ++s) {
        db.shard(s).snapshot = this;
        if (locks_held) capture(db, s);
      }
    }
    if (at_mark) {
      at_mark();
      aof_base_ = true;
    }
    captured_all_ = locks_held;
    changes_at_mark_ = server_.changes();  // every lock is held: exactly the saved state's
    return std::nullopt;
  }

  // Server::changes() at the mark: what a successful save makes "saved".
  std::uint64_t changes_at_mark() const { return changes_at_mark_; }

  void capture(Db& db, std::size_t shard) override {
    Shard& target = db.shard(shard);
    target.snapshot = nullptr;
    if (target.keys.size() == 0) return;
    RdbWriter writer(server_.settings().rdbcompression.load());
    writer.byte(kOpSelectDb);
    writer.length(static_cast<std::uint64_t>(db.id()));
    bool supported = true;
    target.keys.for_each([&](const Entry& entry) {
      if (entry.expire_at_ms != kNoExpiry) {
        writer.byte(kOpExpireTimeMs);
        writer.little_endian(static_cast<std::uint64_t>(entry.expire_at_ms), 8);
      }
      RdbWriter value(server_.settings().rdbcompression.load());
      if (!save_object(value, entry.value)) {
        supported = false;
        return;
      }
      // Type byte, then the key, then the body.
      writer.byte(static_cast<unsigned char>(value.bytes()[0]));
      writer.string(entry.key);
      writer.bytes().append(value.bytes(), 1);
    });
    std::lock_guard lock(mutex_);
    if (!supported) unsupported_ = true;
    chunks_.push_back(std::move(writer.bytes()));
  }

  // Captures every shard not yet captured and writes the file. Returns the error message.
  std::optional<std::string> finish() {
    RdbWriter header(false);
    header.bytes().append(kMagic);
    header.bytes().append("0010");
    write_aux(header, "redis-ver", "7.0.15");
    write_aux(header, "redis-bits", "64");
    write_aux(header, "ctime", std::to_string(server_.now_us() / 1000000));
    write_aux(header, "used-mem", "0");
    write_aux(header, "aof-base", aof_base_ ? "1" : "0");
    bool ok = write(header.bytes());
    // Every shard is visited even after an error: no mark may outlive this writer.
    for (int index = 0; index < server_.database_count(); ++index) {
      Db& db = server_.db(index);
      for (std::size_t s = 0; s < db.shard_count(); ++s) {
        if (!captured_all_) {
          ShardGuard capture_if_pending(db, s);
        }
        ok = write_captured(ok);
      }
    }
    if (ok && unsupported_) {
      errno = ENOTSUP;
      ok = false;
    }
    RdbWriter trailer(false);
    trailer.byte(kOpEof);
    ok = ok && write(trailer.bytes());
    trailer.bytes().clear();
    // rdbchecksum no: a zero checksum, which loaders take as "not computed".
    trailer.little_endian(server_.settings().rdbchecksum.load() ? crc_ : 0, 8);
    ok = ok && write(trailer.bytes());
    ok = ok && goro::blocking([this] { return ::fsync(fd_) == 0; });
    if (!ok) {
      std::string message = errno_text("Write error saving DB on disk", temp_);
      ::unlink(temp_.c_str());
      return message;
    }
    ::close(std::exchange(fd_, -1));
    if (::rename(temp_.c_str(), path_.c_str()) != 0) {
      std::string message = errno_text("Error moving temp DB file on the final destination", path_);
      ::unlink(temp_.c_str());
      return message;
    }
    int dir = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      goro::blocking([dir] { ::fsync(dir); });
      ::close(dir);
    }
    return std::nullopt;
  }

 private:
  // Writes what has been captured so far (drops it after an earlier error); returns whether the
  // file is still good.
  bool write_captured(bool good) {
    std::vector<std::string> chunks;
    {
      std::lock_guard lock(mutex_);
      chunks.swap(chunks_);
    }
    for (const std::string& chunk : chunks) good = good && write(chunk);
    return good;
  }

  // Appends to the file (keeping the running CRC) off the scheduler's Ps.
  bool write(std::string_view bytes) {
    crc_ = crc64(crc_, bytes);
    return goro::blocking([&] { return write_fully(fd_, bytes); });
  }

  Server& server_;
  std::string path_;
  std::string temp_;
  int fd_ = -1;
  std::uint64_t crc_ = 0;
  goro::Mutex mutex_;  // guards chunks_ and unsupported_ (captures run on any goroutine)
  std::vector<std::string> chunks_;
  bool unsupported_ = false;
  bool captured_all_ = false;  // start() captured every shard: finish() needs no lock
  bool aof_base_ = false;
  std::uint64_t changes_at_mark_ = 0;
};

// Claims the server's single save slot for the lifetime of the object.
class SaveSlot {
 public:
  explicit SaveSlot(Server& server) : flag_(server.save_in_progress()) {
    claimed_ = !flag_.exchange(true);
  }
  ~SaveSlot() {
    if (claimed_) flag_.store(false);
  }
  bool claimed() const { return claimed_; }

 private:
  std::atomic<bool>& flag_;
  bool claimed_;
};

constexpr std::string_view kSaveInProgress = "Background save already in progress";

// Logs the outcome of a save to `dbfilename`; on success records it for LASTSAVE and
// rdb_changes_since_last_save (changes made while a BGSAVE ran stay unsaved, as in Redis).
void record_save(Server& server, const std::optional<std::string>& error,
                 const SnapshotWriter& writer) {
  if (error) {
    log(LogLevel::kWarning, *error);
    return;
  }
  log(LogLevel::kNotice, "DB saved on disk");
  server.last_save_s().store(server.now_us() / 1000000);
  server.changes_at_last_save().store(writer.changes_at_mark());
}

}  // namespace

std::optional<std::string> save_snapshot(Server& server, const std::string& path, bool locks_held,
                                         const std::function<void()>& at_mark) {
  SaveSlot slot(server);
  if (!slot.claimed()) return std::string(kSaveInProgress);
  SnapshotWriter writer(server, path);
  if (auto error = writer.start(locks_held, at_mark)) return error;
  return writer.finish();
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
  if (!options.locks_held) {
    for (int index = 0; index < server.database_count(); ++index) locks.add_all(server.db(index));
    locks.lock();
  }
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
  int version = 0;
  for (char c : digits)
    version = c >= '0' && c <= '9' && version >= 0 ? version * 10 + (c - '0') : -1;
  if (version < 1 || version > kRdbVersion) {
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
        if (version >= 5) {
          auto stored = reader.little_endian(8);
          if (!stored) return load_error("missing checksum", crc_offset);
          // Checked unless the file has none (0) or rdbchecksum is off, like Redis.
          if (*stored != 0 && server.settings().rdbchecksum.load() &&
              *stored != crc64(0, std::string_view(data).substr(0, crc_offset))) {
            return std::string("Wrong RDB checksum. Aborting now.");
          }
        }
        loaded = true;
        // What was just loaded is what the file holds: nothing unsaved (Redis: dirty = 0).
        server.changes_at_last_save().store(server.changes());
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
    auto value = load_object(reader, *opcode, server.settings());
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

std::optional<std::string> save_to_disk(Server& server, bool locks_held) {
  SaveSlot slot(server);
  if (!slot.claimed()) return std::string(kSaveInProgress);
  SnapshotWriter writer(server, server.settings().dbfilename.get());
  auto error = writer.start(locks_held, {});
  if (!error) error = writer.finish();
  record_save(server, error, writer);
  return error;
}

void save_command(CommandContext& ctx) {
  if (auto error = save_to_disk(ctx.server)) {
    ctx.reply.error(*error == kSaveInProgress ? "ERR Background save already in progress" : "ERR");
    return;
  }
  ctx.reply.ok();
}

namespace {

// Takes the snapshot's mark (every shard lock, briefly) and writes the file on a goroutine of
// its own, which keeps `slot` until it is done. Returns the error message when it cannot start.
std::optional<std::string> start_background_save(Server& server, std::shared_ptr<SaveSlot> slot) {
  server.last_bgsave_try_s().store(server.now_us() / 1000000);
  auto writer = std::make_shared<SnapshotWriter>(server, server.settings().dbfilename.get());
  if (auto error = writer->start(false, {})) {
    log(LogLevel::kWarning, *error);
    server.last_bgsave_ok().store(false);
    return error;
  }
  log(LogLevel::kNotice, "Background saving started");
  goro::go([&server, slot, writer] {
    auto error = writer->finish();
    record_save(server, error, *writer);
    server.last_bgsave_ok().store(!error.has_value());
    if (!error) log(LogLevel::kNotice, "Background saving terminated with success");
  });
  return std::nullopt;
}

}  // namespace

void save_by_rules(Server& server) {
  constexpr std::int64_t kRetryDelaySeconds = 5;  // Redis CONFIG_BGSAVE_RETRY_DELAY
  if (server.save_in_progress().load()) return;
  const std::vector<SaveRule> rules = server.settings().save.get();
  const std::uint64_t unsaved = server.changes() - server.changes_at_last_save().load();
  const std::int64_t now_s = server.now_us() / 1000000;
  const bool may_retry = server.last_bgsave_ok().load() ||
                         now_s - server.last_bgsave_try_s().load() > kRetryDelaySeconds;
  for (const SaveRule& rule : rules) {
    if (unsaved >= static_cast<std::uint64_t>(rule.changes) &&
        now_s - server.last_save_s().load() > rule.seconds && may_retry) {
      log(LogLevel::kNotice, std::to_string(rule.changes) + " changes in " +
                                 std::to_string(rule.seconds) + " seconds. Saving...");
      auto slot = std::make_shared<SaveSlot>(server);
      if (slot->claimed()) (void)start_background_save(server, slot);
      return;
    }
  }
}

void bgsave_command(CommandContext& ctx) {
  if (ctx.argc() > 2 || (ctx.argc() == 2 && !iequals(ctx.argv[1], "schedule"))) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  auto slot = std::make_shared<SaveSlot>(ctx.server);
  if (!slot->claimed()) {
    ctx.reply.error("ERR Background save already in progress");
    return;
  }
  if (ctx.in_exec) {
    // Redis 7 never starts a save in the middle of a transaction: it schedules one, which
    // starts after the EXEC. Here it starts as soon as its goroutine gets every shard lock,
    // which the EXEC holds until its end.
    Server& server = ctx.server;
    goro::go([&server, slot] { (void)start_background_save(server, slot); });
    ctx.reply.simple_string("Background saving scheduled");
    return;
  }
  // The mark is taken before the reply, so every write the client sends afterwards is after it.
  if (start_background_save(ctx.server, slot)) {
    ctx.reply.error("ERR");
    return;
  }
  ctx.reply.simple_string("Background saving started");
}

}  // namespace gorodis
