// aof.hpp — the append-only file (Redis 7.0 multi-part AOF). The design is at the top of
// aof.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "db.hpp"
#include "goro/sync.hpp"

namespace gorodis {

class Server;
struct ClientState;

// One command of an EXEC block, as it goes to the log: its database and its RESP encoding.
struct LoggedCommand {
  int db;
  std::string resp;
};

// Appends the RESP array of `argv` to `out`.
void encode_command(std::string& out, std::span<const std::string_view> argv);

struct CommandContext;
// What a call logs, run in database `db`: ctx.log_as when the handler set it, else ctx.argv.
std::vector<LoggedCommand> logged_forms(const CommandContext& ctx, int db);

// One line of the manifest (Redis aofInfo): "file <name> seq <n> type b|h|i".
struct AofFileInfo {
  std::string name;
  long long seq = 0;
  char type = 'i';
};

// The AOF of a Server: logging (with its writer goroutine), loading, rewriting.
//
// Thread safety: every member may be called from any goroutine. log_command()/log_block() must be
// called while the caller holds the shard locks of every key the logged commands touched.
class Aof final : public KeyEventSink {
 public:
  // `next` receives every key event after the AOF has logged it (keyspace notifications).
  Aof(Server& server, KeyEventSink* next);
  ~Aof();
  Aof(const Aof&) = delete;
  Aof& operator=(const Aof&) = delete;

  // Whether write commands are being logged now.
  bool logging() const { return logging_.load(std::memory_order_acquire); }
  // Appends one command run in database `db`; returns the log offset a client acknowledging it
  // must wait for (wait_durable). REQUIRES: logging() and the command's shard locks held.
  std::uint64_t log_command(int db, std::span<const std::string_view> argv);
  // Appends an EXEC block whole (MULTI ... EXEC; a single command goes alone).
  std::uint64_t log_block(const std::vector<LoggedCommand>& block);
  // Parks until the log is written (appendfsync no|everysec: handed to the kernel, so that it
  // survives the process) or fsynced (always) up to `offset`.
  void wait_durable(std::uint64_t offset);

  // Start-up, inside goro::run: when appendonly is yes, loads the AOF directory (exits the
  // process on a damaged file) or creates one, then starts the writer and the cron goroutine.
  // Returns whether appendonly is yes: the RDB file is not loaded then (AOF wins, like Redis).
  bool start();
  // BGREWRITEAOF: starts a rewrite in the background (scheduled while a BGSAVE runs). Returns
  // the reply as "+status" or "-error".
  std::string start_rewrite();

  bool rewrite_in_progress() const { return rewriting_.load(); }
  // INFO's rewrite statistics (Redis: aof_rewrites, aof_rewrites_consecutive_failures,
  // aof_last_rewrite_time_sec, aof_current_rewrite_time_sec; -1 for none).
  long long rewrites() const { return rewrites_.load(); }
  long long consecutive_failures() const { return consecutive_failures_.load(); }
  long long last_rewrite_seconds() const { return last_rewrite_seconds_.load(); }
  long long current_rewrite_seconds() const;
  bool rewrite_scheduled() const { return rewrite_scheduled_.load(); }
  // Bytes appended and not yet handed to the writer (INFO aof_buffer_length).
  std::uint64_t buffer_length() const;
  // Whether the last write (and fsync) of the log succeeded (INFO aof_last_write_status); when
  // not, write commands are refused with MISCONF and the log is retried every second.
  bool last_write_ok() const { return write_ok_.load(); }
  // The errno of the last failed write.
  int last_write_errno() const { return write_errno_.load(); }
  bool last_rewrite_ok() const { return rewrite_ok_.load(); }
  std::uint64_t current_size() const;
  std::uint64_t base_size() const { return base_size_.load(); }
  bool enabled_setting() const;

  // KeyEventSink: a key deleted by expiry or eviction is logged as DEL (Redis
  // propagateDeletion).
  void key_added(const Db& db, std::string_view key) override;
  void key_expired(const Db& db, std::string_view key) override;
  void key_evicted(const Db& db, std::string_view key) override;

 private:
  // Logs DEL for a key the server deleted by itself (expiry, eviction).
  void log_deletion(const Db& db, std::string_view key);

  struct Manifest {
    std::vector<AofFileInfo> files;  // base first (if any), then incr files in order
    std::string render() const;
  };

  // The encoded bytes are appended under mutex_; SELECT is emitted when the database changes.
  std::uint64_t append_locked(int db, std::string_view resp);
  void writer_loop();
  void cron_loop();
  // The rewrite proper; the caller has set rewriting_. `enabling`: AOF is being switched on.
  void rewrite(bool enabling);
  // Its file work: new incr file, base snapshot, manifests. Returns the error message.
  std::optional<std::string> rewrite_files(bool enabling);
  // Called at the snapshot's instant, holding every shard lock: later writes go to `fd`.
  void switch_to(int fd, bool enabling);
  void stop_logging();
  std::optional<std::string> write_manifest(const Manifest& manifest);
  std::string directory() const;
  bool load_directory(const std::string& dir);
  // Replays one incr file; may truncate a torn tail when it is the last file.
  bool load_incr(const std::string& path, bool last);

  Server& server_;
  KeyEventSink* next_;
  std::atomic<bool> logging_{false};
  std::atomic<bool> rewriting_{false};
  std::atomic<bool> write_ok_{true};
  std::atomic<int> write_errno_{0};
  std::atomic<bool> fsync_suspended_{false};  // no-appendfsync-on-rewrite in force
  std::atomic<bool> rewrite_ok_{true};
  std::atomic<std::uint64_t> base_size_{0};
  std::atomic<bool> rewrite_scheduled_{false};
  std::atomic<long long> rewrites_{0};
  std::atomic<long long> consecutive_failures_{0};
  std::atomic<long long> last_rewrite_seconds_{-1};
  std::atomic<std::int64_t> rewrite_started_us_{0};  // steady clock, while rewriting_

  mutable goro::Mutex mutex_;
  goro::Cond work_{mutex_};  // the writer waits here
  goro::Cond done_{mutex_};  // clients waiting for durability wait here
  // Guarded by mutex_:
  std::string pending_;         // appended, not yet taken by the writer
  int selected_db_ = -1;        // the database the log's last SELECT chose
  std::uint64_t appended_ = 0;  // offsets count every byte ever appended
  // Written under mutex_, also read without it (wait_durable's fast path).
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> synced_{0};
  int fd_ = -1;                  // the current incr file
  std::uint64_t incr_size_ = 0;  // bytes in the current incr files (INFO aof_current_size)
  // A file switched away from by a rewrite, with its last bytes: the writer finishes it.
  int retiring_fd_ = -1;
  std::string retiring_;
  bool fsync_requested_ = false;
  Manifest manifest_;
  long long base_seq_ = 0;
  long long incr_seq_ = 0;
};

}  // namespace gorodis
