// stats.hpp — the counters behind INFO stats, INFO commandstats and INFO errorstats, reset by
// CONFIG RESETSTAT.
//
// Every command bumps several counters (its calls and microseconds, a keyspace hit or miss per
// key read, the bytes read and written), from every P at once. One shared atomic per counter
// would put the same cache line in both cores' store paths on every command, and each add would
// be a locked read-modify-write, which is expensive by itself (on this project's 2-vCPU VM, a
// relaxed fetch_add costs ~35 ns against ~1 ns for a relaxed load and store: see
// bench/README.md). So counters are per thread: each of the first kStripes threads that counts
// owns a cache-line aligned stripe and is its only writer, so it adds with a plain relaxed load
// and store (exact: nobody else writes there, and goroutines cannot switch between the load and
// the store, which make no goro call). Threads beyond kStripes share one overflow stripe with
// fetch_add. Readers (INFO, rare) sum the stripes.
//
// CONFIG RESETSTAT never writes into the stripes (an owner's load-add-store would undo it):
// it records the current sums as a baseline that readers subtract. An add racing with a reset
// may land on either side of it, as in any unsynchronized reset.
//
// Errorstats: Redis counts every error reply under its prefix (the first word of the message,
// when a space ends it within the first 32 bytes of "-<message>", else "ERR"), with no limit
// on distinct prefixes in 7.0. Each stripe keeps a short vector of (prefix, count) under a
// mutex only its own thread(s) normally take; errors are not the fast path.
//
// Rejected alternatives: per-shard counters (not every counter has a shard: network bytes,
// rejected calls); per-connection counters folded in on disconnect (INFO would need to walk
// every client, and the fold races with INFO).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "resp.hpp"

namespace gorodis {

// Server-wide counters with one value each (INFO stats).
enum class Counter : std::size_t {
  kNetInputBytes,
  kNetOutputBytes,
  kErrorReplies,
  kKeyspaceHits,
  kKeyspaceMisses,
  kEvictedKeys,
  kCount,
};

// One command's INFO commandstats figures.
struct CommandTotals {
  std::uint64_t calls = 0;
  std::uint64_t usec = 0;
  std::uint64_t rejected = 0;  // refused before running (arity, NOAUTH)
  std::uint64_t failed = 0;    // ran and replied an error
};

class ServerStats : public ErrorReplyObserver {
 public:
  explicit ServerStats(std::size_t commands);
  ServerStats(const ServerStats&) = delete;
  ServerStats& operator=(const ServerStats&) = delete;
  ~ServerStats();

  void add(Counter counter, std::uint64_t amount = 1) {
    Local here = local();
    bump(here.stripe.counters[static_cast<std::size_t>(counter)], amount, here.exclusive);
  }
  // A command that ran (Redis call()): `failed` when it replied an error.
  void add_call(std::size_t ordinal, std::uint64_t usec, bool failed);
  // A command refused before running (Redis rejectCommand).
  void add_rejected(std::size_t ordinal);
  // Counts an error reply: total_error_replies and its errorstat (Redis afterErrorReply).
  // `message` is the error text without the leading '-', e.g. "ERR syntax error".
  void error_reply(std::string_view message) override;

  std::uint64_t total(Counter counter) const;
  CommandTotals command(std::size_t ordinal) const;
  std::uint64_t total_calls() const;
  // (prefix, count) for every error prefix seen, in byte order of the prefix (Redis's rax).
  std::vector<std::pair<std::string, std::uint64_t>> error_counts() const;
  // CONFIG RESETSTAT (the striped counters; connection counters too).
  void reset();

  // Per-connection events, too rare to stripe.
  std::atomic<std::uint64_t> connections_received{0};
  std::atomic<std::uint64_t> rejected_connections{0};

 private:
  struct CommandCounters {
    std::atomic<std::uint64_t> calls{0};
    std::atomic<std::uint64_t> usec{0};
    std::atomic<std::uint64_t> rejected{0};
    std::atomic<std::uint64_t> failed{0};
  };
  struct alignas(64) Stripe {
    std::atomic<std::uint64_t> counters[static_cast<std::size_t>(Counter::kCount)] = {};
    std::unique_ptr<CommandCounters[]> commands;
    mutable std::mutex errors_mutex;
    std::vector<std::pair<std::string, std::uint64_t>> errors;
  };
  struct Local {
    Stripe& stripe;
    bool exclusive;  // this thread is the stripe's only writer
  };
  // Stripes owned by one thread each; stripes_[kStripes] is the shared overflow stripe.
  static constexpr std::size_t kStripes = 16;

  static void bump(std::atomic<std::uint64_t>& counter, std::uint64_t amount, bool exclusive) {
    if (exclusive) {
      counter.store(counter.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
    } else {
      counter.fetch_add(amount, std::memory_order_relaxed);
    }
  }
  Local local();
  // Sum over the stripes of one counter, picked by `field` from a stripe.
  template <class Field>
  std::uint64_t sum(Field field) const;
  // What the sums were at the last reset.
  CommandTotals baseline_command(std::size_t ordinal) const;

  std::size_t command_count_;
  std::unique_ptr<Stripe[]> stripes_;
  // Sums at the last CONFIG RESETSTAT, laid out like a stripe; written only by reset().
  Stripe baseline_;
  std::mutex reset_mutex_;
};

// The errorstats prefix of an error reply (see above).
std::string_view error_prefix(std::string_view message);

}  // namespace gorodis
