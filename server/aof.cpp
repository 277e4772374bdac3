// aof.cpp — the append-only file, Redis 7.0's multi-part layout: in `dir`/`appenddirname`, a
// base file `<appendfilename>.<seq>.base.rdb` (an RDB snapshot, Redis's default
// aof-use-rdb-preamble yes), incremental files `<appendfilename>.<seq>.incr.aof` (write commands
// in RESP) and `<appendfilename>.manifest` listing them ("file <name> seq <n> type b|i").
//
// Ordering. Commands run in parallel on several Ps. Server::call appends a write command's
// RESP to one in-memory log (pending_, under mutex_) while it still holds the command's shard
// locks; key deletions by expiry are appended under the key's shard lock too (KeyEventSink),
// and an EXEC block is appended whole (MULTI ... EXEC) by exec_command while EXEC holds all its
// shards. Two commands whose effects conflict share a shard, so the second cannot append before
// the first has: the log's order is a serialization of the execution, and replaying it gives
// the same dataset. This is the "sequence number + reorder buffer" planned in db.cpp with the
// sequence being the append position itself: taking a number and appending become one step,
// so no reorder buffer is needed. The cost is one short critical section per write (a memcpy
// of the command); SELECT is emitted inside it whenever the database differs from the last
// logged command's. Commands that lock for themselves (kManual writes: FLUSHDB FLUSHALL SWAPDB
// MOVE) run holding every shard of every database (Server::call), so their append is ordered
// against everything (and no AOF switch-on can fall between their effect and their append).
//
// What is logged. A write command whose shards' modification counters moved (Redis: the
// server.dirty delta around the call), as called or — when the handler said so through
// CommandContext::log_as (Redis rewriteClientCommandVector/alsoPropagate) — as the commands it
// gave: relative or non-deterministic effects become absolute ones (EXPIRE -> PEXPIREAT, SET EX
// -> SET PXAT, INCRBYFLOAT -> SET KEEPTTL, SPOP -> SREM, BLPOP -> LPOP ...).
//
// Group commit. One writer goroutine takes everything pending, writes it with one write() and,
// under appendfsync always, one fdatasync(), then publishes the offsets written/synced. A
// connection, before its replies leave (networking.cpp), parks until the log is durable up to
// the offset of its last logged command: synced under always, written under everysec and no
// (like Redis, which writes the AOF before replying, so a process crash loses nothing
// acknowledged). Every client whose command was appended while an fsync ran is covered by the
// next one: one fsync serves them all, and a pipeline waits once, not per command. Before an
// fsync the writer yields while that lets more clients append (the clients the previous fsync
// woke are runnable then, with their next requests), the way Redis's event loop serves every
// ready client before its one fsync. everysec: the cron goroutine asks the writer for an
// fdatasync once a second. Cost model: per write a RESP encoding and a memcpy under mutex_;
// per batch one write() (and one fdatasync() under always) on a blocking-syscall thread.
//
// Rewrite (BGREWRITEAOF, auto-aof-rewrite-*, switching appendonly on). Before anything: a new
// empty incr file is created and a manifest listing the old base, the old incr files and the
// new one is written (an empty incr file replays as nothing, so that manifest is valid at
// every instant). Then an RDB snapshot starts (rdb.cpp: every shard is marked holding all shard
// locks, and each shard is serialized as it was at the mark before anyone modifies it); at the
// mark, still holding every lock, the log switches to the new incr file. So everything logged
// before the switch is in the snapshot and everything after it is in the new incr file. When
// the base is written (temp, fsync, rename), the manifest is replaced (temp, fsync, rename,
// fsync dir) by one listing the new base and the new incr file, and the old files are deleted.
//
// Crash behaviour. A crash at any point leaves a manifest whose files replay to a state
// containing every acknowledged write: before the first manifest switch the old files are
// complete; between the two switches the interim manifest holds old base + old incr + the new
// incr; after the second the new base + new incr. A torn last command (crash mid-write) is cut
// at start-up (aof-load-truncated yes), an EXEC block without its EXEC is cut back to before its
// MULTI: blocks are all or nothing.
//
// Write errors (Redis flushAppendOnlyFile). Under always a failed write or fsync ends the
// process: clients wait for durability, which can no longer be given. Otherwise the bytes not
// written stay at the head of the log (a partial write is truncated away first), their
// clients are answered as Redis answers them, INFO says aof_last_write_status:err, write
// commands (and PING) are refused with "MISCONF Errors writing to the AOF file" (server.cpp),
// and the writer retries once a second until a write succeeds.
//
// Rejected: per-P logs merged by sequence numbers (needs a reorder buffer and a global counter
// anyway, and a merge on the hot path of the writer); fsync by each client (one fsync per
// command); waiting for durability in Server::call (a pipeline would wait once per command);
// a fork-style copy of the keyspace for rewrites (the shard-mark snapshot costs no copy);
// aof-use-rdb-preamble no (a base in RESP) — Redis's default is the RDB base, and the
// parameter is absent rather than half supported.
#include "aof.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>

#include "command_table.hpp"
#include "goro/goro.hpp"
#include "log.hpp"
#include "rdb.hpp"
#include "server.hpp"
#include "util.hpp"

namespace gorodis {

void encode_command(std::string& out, std::span<const std::string_view> argv) {
  out.push_back('*');
  out.append(std::to_string(argv.size())).append("\r\n");
  for (std::string_view arg : argv) {
    out.push_back('$');
    out.append(std::to_string(arg.size())).append("\r\n").append(arg).append("\r\n");
  }
}

std::vector<LoggedCommand> logged_forms(const CommandContext& ctx, int db) {
  std::vector<LoggedCommand> forms;
  if (ctx.log_as.empty()) {
    forms.push_back({db, {}});
    encode_command(forms.back().resp, ctx.argv);
    return forms;
  }
  for (const std::vector<std::string>& command : ctx.log_as) {
    std::vector<std::string_view> argv(command.begin(), command.end());
    forms.push_back({db, {}});
    encode_command(forms.back().resp, argv);
  }
  return forms;
}

namespace {

std::string encode(std::initializer_list<std::string_view> argv) {
  std::string out;
  encode_command(out, std::span(argv.begin(), argv.size()));
  return out;
}

void fsync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::uint64_t file_size(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
}

std::string seconds_since(std::chrono::steady_clock::time_point started) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return text;
}

std::int64_t steady_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void fatal(const std::string& message) {
  log(LogLevel::kWarning, message);
  std::exit(1);
}

// Parses one "file <name> seq <n> type <t>" line (keys in any order, like Redis).
std::optional<AofFileInfo> parse_manifest_line(std::string_view line) {
  std::vector<std::string> words;
  if (!split_inline_arguments(line, words) || words.size() % 2 != 0) return std::nullopt;
  AofFileInfo info;
  info.type = 0;
  for (std::size_t i = 0; i < words.size(); i += 2) {
    if (words[i] == "file") {
      info.name = words[i + 1];
    } else if (words[i] == "seq") {
      auto seq = parse_int64(words[i + 1]);
      if (!seq) return std::nullopt;
      info.seq = *seq;
    } else if (words[i] == "type") {
      if (words[i + 1].size() != 1) return std::nullopt;
      info.type = words[i + 1][0];
    }
  }
  if (info.name.empty() || (info.type != 'b' && info.type != 'h' && info.type != 'i')) {
    return std::nullopt;
  }
  return info;
}

// One command of an AOF file, parsed at `offset`.
enum class ParseResult { kCommand, kTruncated, kBad };
ParseResult parse_command(std::string_view data, std::size_t& offset,
                          std::vector<std::string_view>& argv) {
  argv.clear();
  auto read_line = [&](char kind, long long& value) -> ParseResult {
    if (offset >= data.size()) return ParseResult::kTruncated;
    if (data[offset] != kind) return ParseResult::kBad;
    const std::size_t end = data.find("\r\n", offset);
    if (end == std::string_view::npos) return ParseResult::kTruncated;
    auto number = parse_int64(data.substr(offset + 1, end - offset - 1));
    if (!number || *number < 0) return ParseResult::kBad;
    value = *number;
    offset = end + 2;
    return ParseResult::kCommand;
  };
  long long count = 0;
  if (auto result = read_line('*', count); result != ParseResult::kCommand) return result;
  if (count < 1) return ParseResult::kBad;
  for (long long i = 0; i < count; ++i) {
    long long length = 0;
    if (auto result = read_line('$', length); result != ParseResult::kCommand) return result;
    if (data.size() - offset < static_cast<std::size_t>(length) + 2) {
      return ParseResult::kTruncated;
    }
    if (data.substr(offset + static_cast<std::size_t>(length), 2) != "\r\n") {
      return ParseResult::kBad;
    }
    argv.push_back(data.substr(offset, static_cast<std::size_t>(length)));
    offset += static_cast<std::size_t>(length) + 2;
  }
  return ParseResult::kCommand;
}

}  // namespace

std::string Aof::Manifest::render() const {
  std::string text;
  for (const AofFileInfo& file : files) {
    text.append("file ")
        .append(file.name)
        .append(" seq ")
        .append(std::to_string(file.seq))
        .append(" type ")
        .push_back(file.type);
    text.push_back('\n');
  }
  return text;
}

Aof::Aof(Server& server, KeyEventSink* next) : server_(server), next_(next) {}

Aof::~Aof() {
  if (fd_ >= 0) ::close(fd_);
}

bool Aof::enabled_setting() const {
  return server_.settings().appendonly.load(std::memory_order_relaxed);
}

std::string Aof::directory() const {
  return server_.settings().appenddirname.get();
}

std::uint64_t Aof::current_size() const {
  std::lock_guard lock(mutex_);
  return base_size_.load() + incr_size_;
}

std::uint64_t Aof::buffer_length() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

void Aof::key_added(const Db& db, std::string_view key) {
  if (next_ != nullptr) next_->key_added(db, key);
}

void Aof::log_deletion(const Db& db, std::string_view key) {
  if (!logging()) return;
  const std::string_view argv[] = {"DEL", key};
  log_command(db.id(), argv);
}

void Aof::key_expired(const Db& db, std::string_view key) {
  log_deletion(db, key);
  if (next_ != nullptr) next_->key_expired(db, key);
}

void Aof::key_evicted(const Db& db, std::string_view key) {
  log_deletion(db, key);
  if (next_ != nullptr) next_->key_evicted(db, key);
}

std::uint64_t Aof::append_locked(int db, std::string_view resp) {
  const std::size_t before = pending_.size();
  if (db != selected_db_) {
    const std::string index = std::to_string(db);
    pending_.append(encode({"SELECT", index}));
    selected_db_ = db;
  }
  pending_.append(resp);
  const std::size_t added = pending_.size() - before;
  appended_ += added;
  incr_size_ += added;
  work_.signal();
  return appended_;
}

std::uint64_t Aof::log_command(int db, std::span<const std::string_view> argv) {
  std::string resp;
  encode_command(resp, argv);
  std::lock_guard lock(mutex_);
  return append_locked(db, resp);
}

std::uint64_t Aof::log_block(const std::vector<LoggedCommand>& block) {
  std::lock_guard lock(mutex_);
  if (block.size() == 1) return append_locked(block[0].db, block[0].resp);
  // The first command's SELECT goes before MULTI (as Redis writes it), later ones inside.
  append_locked(block[0].db, encode({"MULTI"}));
  for (const LoggedCommand& command : block) append_locked(command.db, command.resp);
  return append_locked(selected_db_, encode({"EXEC"}));
}

void Aof::wait_durable(std::uint64_t offset) {
  auto durable = [&] {
    const bool always =
        server_.settings().appendfsync.load(std::memory_order_relaxed) == Settings::kFsyncAlways;
    // Once logging stopped (appendonly no) there is no durability left to wait for.
    const bool fsynced = always && !fsync_suspended_.load(std::memory_order_relaxed);
    return (fsynced ? synced_ : written_).load(std::memory_order_acquire) >= offset || !logging();
  };
  if (durable()) return;
  std::unique_lock lock(mutex_);
  done_.wait(durable);
}

namespace {

// Appends `batch` to `fd` and, when `sync`, fdatasyncs it. Returns 0, or the errno of the
// failure with `batch` left holding the bytes that are not in the file: a partial write is cut
// off again when the file can be truncated (Redis flushAppendOnlyFile), else the written part
// leaves the batch, so that a retry never writes a command twice.
int append_batch(int fd, std::string& batch, bool sync) {
  if (!batch.empty()) {
    const off_t start = ::lseek(fd, 0, SEEK_END);
    std::size_t written = 0;
    while (written < batch.size()) {
      const ssize_t n = ::write(fd, batch.data() + written, batch.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int error = n < 0 ? errno : ENOSPC;  // a short write: the disk is full
        if (written > 0 && (start < 0 || ::ftruncate(fd, start) != 0)) batch.erase(0, written);
        return error;
      }
      written += static_cast<std::size_t>(n);
    }
    batch.clear();
  }
  if (sync && ::fdatasync(fd) != 0) return errno;
  return 0;
}

}  // namespace

void Aof::writer_loop() {
  for (;;) {
    int fd = -1;
    int old_fd = -1;
    std::string batch;
    std::string old_batch;
    std::uint64_t end = 0;
    bool sync = false;
    {
      std::unique_lock lock(mutex_);
      work_.wait([&] { return !pending_.empty() || retiring_fd_ >= 0 || fsync_requested_; });
      if (server_.settings().appendfsync.load() == Settings::kFsyncAlways) {
        // Group commit: let the goroutines that are runnable now (clients woken by the last
        // fsync, with their next requests) append before this fsync starts, so that they
        // share it instead of waiting for the next one; stop once a yield adds nothing.
        for (std::size_t before = 0, rounds = 0; pending_.size() > before && rounds < 8; ++rounds) {
          before = pending_.size();
          lock.unlock();
          goro::yield();
          lock.lock();
        }
      }
      fd = fd_;
      batch.swap(pending_);
      old_fd = std::exchange(retiring_fd_, -1);
      old_batch.swap(retiring_);
      end = appended_;
      // no-appendfsync-on-rewrite: no fsync while a rewrite or BGSAVE writes its file; the
      // fsync asked for is dropped (the cron asks again) and `always` clients wait for the
      // write only (Redis skips the fsync and replies).
      const bool suspended = server_.settings().no_appendfsync_on_rewrite.load() &&
                             (rewriting_.load() || server_.save_in_progress().load());
      fsync_suspended_.store(suspended);
      sync = !suspended &&
             (fsync_requested_ || server_.settings().appendfsync.load() == Settings::kFsyncAlways);
      fsync_requested_ = false;
    }
    struct Outcome {
      int retiring_error = 0;
      int error = 0;
    };
    const Outcome outcome = goro::blocking([&] {
      Outcome result;
      if (old_fd >= 0) {
        result.retiring_error = append_batch(old_fd, old_batch, true);
        ::close(old_fd);
      }
      if (fd >= 0) result.error = append_batch(fd, batch, sync);
      return result;
    });
    if (outcome.retiring_error != 0) {
      // Everything logged to the retired file is also in the snapshot of the rewrite that
      // retired it: the new base covers what could not be written.
      log(LogLevel::kWarning, std::string("Error writing to the retired AOF file: ") +
                                  std::strerror(outcome.retiring_error));
    }
    const int error = outcome.error != 0 ? outcome.error : outcome.retiring_error;
    if (error != 0) {
      if (server_.settings().appendfsync.load() == Settings::kFsyncAlways) {
        fatal(std::string("Can't recover from AOF write error when the AOF fsync policy is "
                          "'always': ") +
              std::strerror(error) + ". Exiting...");
      }
      log(LogLevel::kWarning,
          std::string("Error writing to the AOF file: ") + std::strerror(error));
      write_errno_.store(error);
      write_ok_.store(false);
    } else if (!write_ok_.load()) {
      log(LogLevel::kWarning, "AOF write error looks solved, Redis can write again.");
      write_ok_.store(true);
    }
    {
      std::lock_guard lock(mutex_);
      // What could not be written is kept, in front of what came since, for the next try;
      // its clients are answered anyway, as Redis answers them, and MISCONF refuses new
      // writes until a write succeeds again.
      if (!batch.empty()) {
        if (fd == fd_) {
          pending_.insert(0, batch);
        } else if (fd == retiring_fd_) {
          retiring_.insert(0, batch);
        }
      }
      written_.store(end, std::memory_order_release);
      if (sync && error == 0) synced_.store(end, std::memory_order_release);
      done_.broadcast();
    }
    // Redis retries a failed write from its cron, once a second.
    if (error != 0) goro::sleep(std::chrono::seconds(1));
  }
}

void Aof::cron_loop() {
  auto last_fsync = std::chrono::steady_clock::now();
  for (;;) {
    goro::sleep(std::chrono::milliseconds(100));
    Settings& settings = server_.settings();
    if (!rewriting_.load()) {
      if (settings.appendonly.load() && !logging()) {
        // CONFIG SET appendonly yes: the base comes first (Redis startAppendOnly).
        rewriting_.store(true);
        goro::go([this] { rewrite(true); });
        continue;
      }
      if (!settings.appendonly.load() && logging()) {
        stop_logging();
        continue;
      }
    }
    // everysec's fsync; under always only when a switch from another policy left written
    // bytes unsynced (clients may wait for them).
    const auto now = std::chrono::steady_clock::now();
    const int policy = settings.appendfsync.load();
    if ((policy == Settings::kFsyncEverysec && now - last_fsync >= std::chrono::seconds(1)) ||
        policy == Settings::kFsyncAlways) {
      last_fsync = now;
      std::lock_guard lock(mutex_);
      if (synced_ < written_ || (policy == Settings::kFsyncEverysec && synced_ < appended_)) {
        fsync_requested_ = true;
        work_.signal();
      }
    }
    // Redis's automatic rewrite: the AOF grew by the percentage over its size after the last
    // rewrite, and is past the minimum size. A rewrite asked for while a BGSAVE ran starts now.
    const long long percentage = settings.auto_aof_rewrite_percentage.load();
    const std::uint64_t size = current_size();
    const std::uint64_t base = std::max<std::uint64_t>(base_size_.load(), 1);
    const bool grown =
        logging() && percentage > 0 &&
        size > static_cast<std::uint64_t>(settings.auto_aof_rewrite_min_size.load()) &&
        size * 100 / base >= 100 + static_cast<std::uint64_t>(percentage);
    if ((grown || rewrite_scheduled_.load()) && !rewriting_.load() &&
        !server_.save_in_progress().load()) {
      rewrite_scheduled_.store(false);
      rewriting_.store(true);
      goro::go([this] { rewrite(false); });
    }
  }
}

std::string Aof::start_rewrite() {
  if (rewriting_.exchange(true)) {
    return "-ERR Background append only file rewriting already in progress";
  }
  if (server_.save_in_progress().load()) {
    rewriting_.store(false);
    rewrite_scheduled_.store(true);
    return "+Background append only file rewriting scheduled";
  }
  goro::go([this] { rewrite(false); });
  return "+Background append only file rewriting started";
}

std::optional<std::string> Aof::write_manifest(const Manifest& manifest) {
  const std::string dir = directory();
  const std::string path = dir + "/" + server_.settings().appendfilename.get() + ".manifest";
  const std::string temp = dir + "/temp-" + server_.settings().appendfilename.get() + ".manifest";
  const std::string text = manifest.render();
  const bool ok = goro::blocking([&] {
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    bool good = write_fully(fd, text) && ::fsync(fd) == 0;
    ::close(fd);
    good = good && ::rename(temp.c_str(), path.c_str()) == 0;
    if (good) fsync_directory(dir);
    return good;
  });
  if (!ok) return "Can't write the AOF manifest " + path + ": " + std::strerror(errno);
  return std::nullopt;
}

void Aof::switch_to(int fd, bool enabling) {
  std::unique_lock lock(mutex_);
  done_.wait([&] { return retiring_fd_ < 0; });
  if (fd_ >= 0) {
    retiring_fd_ = fd_;
    retiring_.swap(pending_);
  }
  pending_.clear();
  fd_ = fd;
  selected_db_ = -1;
  incr_size_ = 0;
  if (enabling) logging_.store(true, std::memory_order_release);
  work_.signal();
}

void Aof::stop_logging() {
  std::unique_lock lock(mutex_);
  done_.wait([&] { return retiring_fd_ < 0; });
  logging_.store(false, std::memory_order_release);
  if (fd_ >= 0) {
    retiring_fd_ = std::exchange(fd_, -1);
    retiring_.swap(pending_);
  }
  pending_.clear();
  work_.signal();
  done_.broadcast();
  log(LogLevel::kNotice, "AOF turned off");
}

long long Aof::current_rewrite_seconds() const {
  if (!rewriting_.load()) return -1;
  return (steady_micros() - rewrite_started_us_.load()) / 1000000;
}

void Aof::rewrite(bool enabling) {
  rewriting_.store(true);
  rewrite_started_us_.store(steady_micros());
  rewrites_.fetch_add(1);
  log(LogLevel::kNotice, "Background append only file rewriting started");
  const auto error = rewrite_files(enabling);
  const long long micros = steady_micros() - rewrite_started_us_.load();
  if (error) {
    log(LogLevel::kWarning, "Background AOF rewrite failed: " + *error);
    consecutive_failures_.fetch_add(1);
  } else {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", static_cast<double>(micros) / 1e6);
    log(LogLevel::kNotice,
        std::string("Background AOF rewrite finished successfully (") + seconds + " seconds)");
    consecutive_failures_.store(0);
  }
  rewrite_ok_.store(!error.has_value());
  last_rewrite_seconds_.store(micros / 1000000);
  rewriting_.store(false);
}

std::optional<std::string> Aof::rewrite_files(bool enabling) {
  const std::string dir = directory();
  const std::string name = server_.settings().appendfilename.get();
  ::mkdir(dir.c_str(), 0755);
  Manifest interim = manifest_;
  int new_fd = -1;
  AofFileInfo incr{name + "." + std::to_string(incr_seq_ + 1) + ".incr.aof", incr_seq_ + 1, 'i'};
  if (enabling || logging()) {
    const std::string path = dir + "/" + incr.name;
    new_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (new_fd < 0) return "Can't open the append-only file " + path + ": " + std::strerror(errno);
    interim.files.push_back(incr);
    if (!manifest_.files.empty()) {
      if (auto error = write_manifest(interim)) {
        ::close(new_fd);
        return error;
      }
    }
  }
  const AofFileInfo base{name + "." + std::to_string(base_seq_ + 1) + ".base.rdb", base_seq_ + 1,
                         'b'};
  bool switched = false;
  auto error = save_snapshot(server_, dir + "/" + base.name, false, [&] {
    if (new_fd < 0) return;
    switch_to(new_fd, enabling);
    switched = true;
  });
  if (switched) {
    manifest_ = interim;
    incr_seq_ = incr.seq;
  } else if (new_fd >= 0) {
    ::close(new_fd);
  }
  if (error) return error;
  Manifest final_manifest;
  final_manifest.files.push_back(base);
  if (switched) final_manifest.files.push_back(incr);
  if (auto failed = write_manifest(final_manifest)) return failed;
  for (const AofFileInfo& old : manifest_.files) {
    if (old.name != base.name && old.name != incr.name) ::unlink((dir + "/" + old.name).c_str());
  }
  manifest_ = std::move(final_manifest);
  base_seq_ = base.seq;
  base_size_.store(file_size(dir + "/" + base.name));
  return std::nullopt;
}

bool Aof::load_incr(const std::string& path, bool last) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    fatal("Fatal error: can't open the append log file " + path +
          " for reading: " + std::strerror(errno));
  const std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const std::string manifest_name = server_.settings().appendfilename.get() + ".manifest";
  ClientState client;
  client.no_blocking = true;  // a replayed blocking command must never wait (Redis's loader)
  ReplyBuilder reply;
  std::vector<std::string_view> argv;
  std::size_t offset = 0;
  std::size_t valid = 0;
  std::size_t before_multi = 0;
  std::size_t next_progress = 64 << 20;
  bool truncated = false;
  while (offset < data.size()) {
    const std::size_t start = offset;
    const ParseResult result = parse_command(data, offset, argv);
    if (result == ParseResult::kTruncated) {
      truncated = true;
      break;
    }
    if (result == ParseResult::kBad) {
      fatal("Bad file format reading the append only file " + path + " at offset " +
            std::to_string(start) + ": make a backup of your AOF file, then use " +
            "./redis-check-aof --fix <" + manifest_name + ">");
    }
    if (CommandTable::instance().resolve(argv) == nullptr) {
      fatal("Unknown command '" + std::string(argv[0]) + "' reading the append only file " + path +
            " at offset " + std::to_string(start));
    }
    if (!client.multi.active) before_multi = start;
    server_.execute(client, argv, reply);
    reply.buffer().clear();
    valid = offset;
    if (offset >= next_progress) {
      log(LogLevel::kNotice, "AOF loading: " + std::to_string(offset >> 20) + " MB of " +
                                 std::to_string(data.size() >> 20) + " MB");
      next_progress += 64 << 20;
    }
  }
  if (!truncated && !client.multi.active) return true;
  if (!last) {
    fatal("Unexpected end of file reading the append only file " + path +
          " (only the last file of the manifest may be truncated)");
  }
  if (!server_.settings().aof_load_truncated.load()) {
    fatal("Unexpected end of file reading the append only file " + path +
          ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <" +
          manifest_name +
          ">. 2) Alternatively you can set the 'aof-load-truncated' "
          "configuration option to yes and restart the server.");
  }
  std::size_t cut = valid;
  if (client.multi.active) {
    log(LogLevel::kWarning, "Revert incomplete MULTI/EXEC transaction in AOF file " + path);
    cut = before_multi;
    discard_transaction(client);
  } else {
    log(LogLevel::kWarning, "!!! Warning: short read while loading the AOF file " + path + "!!!");
  }
  if (::truncate(path.c_str(), static_cast<off_t>(cut)) != 0) {
    fatal("Error truncating the AOF file " + path + ": " + std::strerror(errno));
  }
  log(LogLevel::kWarning, "AOF " + path +
                              " loaded anyway because aof-load-truncated is enabled "
                              "(truncated at offset " +
                              std::to_string(cut) + ")");
  return true;
}

bool Aof::load_directory(const std::string& dir) {
  const std::string manifest_path =
      dir + "/" + server_.settings().appendfilename.get() + ".manifest";
  std::ifstream file(manifest_path);
  if (!file) return false;
  std::string line;
  Manifest manifest;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto info = parse_manifest_line(line);
    if (!info) fatal("Invalid AOF manifest file format: " + manifest_path + ": " + line);
    if (info->type == 'h') {
      // History: a rewrite's leftover, never loaded; deleted like Redis does at start-up (the
      // next manifest written no longer lists it).
      ::unlink((dir + "/" + info->name).c_str());
      continue;
    }
    if (info->type == 'b') {
      manifest.files.insert(manifest.files.begin(), *info);
      base_seq_ = info->seq;
    } else {
      manifest.files.push_back(*info);
      incr_seq_ = std::max(incr_seq_, info->seq);
    }
  }
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t incr_bytes = 0;
  for (std::size_t i = 0; i < manifest.files.size(); ++i) {
    const AofFileInfo& info = manifest.files[i];
    const std::string path = dir + "/" + info.name;
    const auto file_started = std::chrono::steady_clock::now();
    std::ifstream probe(path, std::ios::binary);
    char magic[5] = {};
    if (!probe) fatal("The AOF file " + path + " listed in the manifest doesn't exist");
    probe.read(magic, sizeof magic);
    if (info.type == 'b' &&
        std::string_view(magic, static_cast<std::size_t>(probe.gcount())) == "REDIS") {
      log(LogLevel::kNotice, "Reading RDB base file on AOF loading...");
      bool loaded = false;
      if (auto error = load_snapshot(server_, path, loaded)) {
        fatal("Fatal error loading the AOF base file " + path + ": " + *error + ". Exiting.");
      }
    } else {
      load_incr(path, i + 1 == manifest.files.size());
    }
    if (info.type == 'b') {
      base_size_.store(file_size(path));
    } else {
      incr_bytes += file_size(path);
    }
    log(LogLevel::kNotice, std::string("DB loaded from ") + (info.type == 'b' ? "base" : "incr") +
                               " file " + info.name + ": " + seconds_since(file_started) +
                               " seconds");
  }
  log(LogLevel::kNotice, "DB loaded from append only file: " + seconds_since(started) + " seconds");
  std::lock_guard lock(mutex_);
  manifest_ = std::move(manifest);
  incr_size_ = incr_bytes;
  return true;
}

bool Aof::start() {
  goro::go([this] { writer_loop(); });
  const bool enabled = enabled_setting();
  const bool loaded = enabled && load_directory(directory());
  if (enabled) {
    if (loaded && !manifest_.files.empty() && manifest_.files.back().type == 'i') {
      // Go on appending to the last incr file.
      const std::string path = directory() + "/" + manifest_.files.back().name;
      int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd < 0) fatal("Can't open the append-only file " + path + ": " + std::strerror(errno));
      std::lock_guard lock(mutex_);
      fd_ = fd;
      logging_.store(true);
    } else {
      // No AOF yet, or only a base: write a base and open a new incr file, like Redis at
      // start-up.
      rewrite(true);
      if (!logging()) fatal("Can't create the append-only file in " + directory());
    }
  }
  goro::go([this] { cron_loop(); });
  return enabled;
}

}  // namespace gorodis
