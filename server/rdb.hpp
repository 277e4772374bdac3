// rdb.hpp — Redis's RDB serialization (rdb.c): the value codec shared by DUMP/RESTORE and the
// RDB file, and the file itself (version 10, what Redis 7.0 writes and reads).
//
// Values: a type byte (RDB_TYPE_*), then the type's body. Strings use rdbSaveStringObject's
// forms: 8/16/32-bit integers (0xC0/0xC1/0xC2 + little endian), LZF (0xC3, compressed length,
// original length, bytes) for strings over 20 bytes that shrink by at least 4, otherwise a
// length (6-bit, 14-bit, 32-bit or 64-bit big-endian form) and the bytes. Loading accepts every
// form whatever wrote it, and yields the encoding Redis would (int for canonical integers).
//
// File: "REDIS0010", AUX fields (0xFA key value), then per non-empty database SELECTDB (0xFE)
// and RESIZEDB (0xFB), then each key as [EXPIRETIME_MS (0xFC) + 8 bytes LE] type key value; EOF
// (0xFF) and the CRC-64/Jones of everything before it (8 bytes LE). Loading also accepts
// EXPIRETIME in seconds (0xFD), LRU idle (0xF8) and LFU frequency (0xF9) records.
//
// Consistency of a save (SAVE, BGSAVE, the save rules, SHUTDOWN): the save marks every shard
// while holding every shard lock of every database, so the file is one point in time; each
// shard is then serialized by the first holder of its lock (the saver, or a writer about to
// change it; see the Snapshots paragraph of db.cpp). The file is written to a temporary file in the same directory, fsynced, renamed over the target and
// the directory fsynced, so a crash during a save never damages the previous file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "object.hpp"

namespace gorodis {

class Server;
class Settings;

inline constexpr int kRdbVersion = 10;

// RDB_TYPE_* of the value encodings gorodis reads and writes.
enum RdbType : unsigned char {
  kRdbTypeString = 0,
  kRdbTypeList = 1,
  kRdbTypeSet = 2,
  kRdbTypeZset = 3,
  kRdbTypeHash = 4,
  kRdbTypeZset2 = 5,
  kRdbTypeHashZipmap = 9,
  kRdbTypeListZiplist = 10,
  kRdbTypeSetIntset = 11,
  kRdbTypeZsetZiplist = 12,
  kRdbTypeHashZiplist = 13,
  kRdbTypeListQuicklist = 14,
  kRdbTypeHashListpack = 16,
  kRdbTypeZsetListpack = 17,
  kRdbTypeListQuicklist2 = 18,
};

// Appends RDB encodings to a byte string.
class RdbWriter {
 public:
  explicit RdbWriter(bool compress) : compress_(compress) {}
  std::string& bytes() { return out_; }

  void byte(unsigned char value) { out_.push_back(static_cast<char>(value)); }
  void little_endian(std::uint64_t value, int bytes);
  // rdbSaveLen.
  void length(std::uint64_t length);
  // rdbSaveRawString: integer forms, LZF when enabled and worth it, else length + bytes.
  void string(std::string_view text);
  // rdbSaveLongLongAsStringObject: an integer in the most compact string form.
  void integer_string(long long value);
  // rdbSaveBinaryDoubleValue: 8 bytes little endian.
  void binary_double(double value);
  // The string value of `object` (which must be a string).
  void string_object(const Object& object);

 private:
  std::string out_;
  bool compress_;
};

// Reads RDB encodings; every accessor returns nullopt past the end or on a malformed form.
class RdbReader {
 public:
  explicit RdbReader(std::string_view data) : data_(data) {}

  std::size_t position() const { return position_; }
  bool at_end() const { return position_ == data_.size(); }
  std::optional<unsigned char> byte();
  std::optional<std::string_view> bytes(std::uint64_t count);
  std::optional<std::uint64_t> little_endian(int count);
  // rdbLoadLenByRef: a length, or (with `encoded` set) a special string encoding number.
  std::optional<std::uint64_t> length(bool& encoded);
  std::optional<std::uint64_t> plain_length();
  // rdbGenericLoadStringObject as plain bytes (integers rendered as text).
  std::optional<std::string> string();
  std::optional<double> binary_double();

 private:
  std::string_view data_;
  std::size_t position_ = 0;
};

// The contents of a list, set, sorted set or hash as read from any of its RDB encodings
// (plain, ziplist, intset, listpack, quicklist), before the value is built: `members` are the
// list's elements, the set's members, the sorted set's members (with `scores`) or the hash's
// fields (with `values`), in file order.
struct RdbAggregate {
  ObjectType type = ObjectType::kList;
  std::vector<std::string> members;
  std::vector<std::string> values;
  std::vector<double> scores;
};
// Reads an aggregate's body of RDB type `type`; nullopt when malformed (including an embedded
// ziplist/listpack/intset that fails validation) or not an aggregate type.
std::optional<RdbAggregate> load_aggregate(RdbReader& reader, unsigned char type);

// Appends the value's RDB type byte and body (rdbSaveObjectType + rdbSaveObject); false when the
// value's type has no RDB form in gorodis yet (nothing is appended then).
bool save_object(RdbWriter& writer, const Object& value);
// Loads a value body of RDB type `type`, choosing encodings by `settings` (the
// *-max-listpack-* limits); nullopt on a malformed or unsupported body.
std::optional<Object> load_object(RdbReader& reader, unsigned char type, const Settings& settings);

// Writes every database to `path` as described above. Returns an error message or nullopt.
// `locks_held`: the caller holds every shard lock of every database (a command inside EXEC).
// `at_mark` (an AOF rewrite) runs at the snapshot's instant, holding every shard lock, and the
// file is then marked as an AOF base (aux aof-base 1).
std::optional<std::string> save_snapshot(Server& server, const std::string& path,
                                         bool locks_held = false,
                                         const std::function<void()>& at_mark = {});
// Loads the file's keys into the keyspace (keys already expired are skipped, like Redis loading
// as a master), holding every shard lock; with `flush` the keyspace is emptied first, with
// `merge` a key already present is replaced instead of being an error. Returns an error message
// naming the offset, or nullopt. A missing file is not an error (`loaded` stays false).
struct LoadOptions {
  bool flush = true;
  bool merge = false;
  bool locks_held = false;  // the caller holds every shard lock (a command inside EXEC)
};
std::optional<std::string> load_snapshot(Server& server, const std::string& path, bool& loaded,
                                         LoadOptions options = {});

// The `save` rules (Redis serverCron): starts a BGSAVE when one is due. Called by the cron.
void save_by_rules(Server& server);

// SAVE's work: writes `dbfilename` in the working directory (`dir`), logs like Redis and records
// the time for LASTSAVE. Returns the error message on failure.
std::optional<std::string> save_to_disk(Server& server, bool locks_held = false);

}  // namespace gorodis
