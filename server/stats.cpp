// stats.cpp — per-thread counters; see stats.hpp.
#include "stats.hpp"

#include <algorithm>

namespace gorodis {

namespace {

// This thread's number, handed out in order of first use.
std::size_t thread_index() {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t index = next.fetch_add(1, std::memory_order_relaxed);
  return index;
}

std::uint64_t load(const std::atomic<std::uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

// `total` minus its value at the last reset (never below zero if a reader races a reset).
std::uint64_t since(std::uint64_t total, std::uint64_t base) {
  return total > base ? total - base : 0;
}

}  // namespace

std::string_view error_prefix(std::string_view message) {
  // Redis looks for the space in the first 32 bytes of "-<message>".
  const std::size_t space = message.substr(0, 31).find(' ');
  return space == std::string_view::npos ? std::string_view("ERR") : message.substr(0, space);
}

ServerStats::ServerStats(std::size_t commands)
    : command_count_(commands), stripes_(std::make_unique<Stripe[]>(kStripes + 1)) {
  for (std::size_t i = 0; i <= kStripes; ++i) {
    stripes_[i].commands = std::make_unique<CommandCounters[]>(commands);
  }
  baseline_.commands = std::make_unique<CommandCounters[]>(commands);
}

ServerStats::~ServerStats() = default;

ServerStats::Local ServerStats::local() {
  const std::size_t index = thread_index();
  if (index < kStripes) return {stripes_[index], true};
  return {stripes_[kStripes], false};
}

template <class Field>
std::uint64_t ServerStats::sum(Field field) const {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= kStripes; ++i) total += load(field(stripes_[i]));
  return total;
}

void ServerStats::add_call(std::size_t ordinal, std::uint64_t usec, bool failed) {
  Local here = local();
  CommandCounters& command = here.stripe.commands[ordinal];
  bump(command.calls, 1, here.exclusive);
  bump(command.usec, usec, here.exclusive);
  if (failed) bump(command.failed, 1, here.exclusive);
}

void ServerStats::add_rejected(std::size_t ordinal) {
  Local here = local();
  bump(here.stripe.commands[ordinal].rejected, 1, here.exclusive);
}

void ServerStats::error_reply(std::string_view message) {
  Local here = local();
  bump(here.stripe.counters[static_cast<std::size_t>(Counter::kErrorReplies)], 1, here.exclusive);
  const std::string_view prefix = error_prefix(message);
  std::lock_guard lock(here.stripe.errors_mutex);
  for (auto& [name, count] : here.stripe.errors) {
    if (name == prefix) {
      ++count;
      return;
    }
  }
  here.stripe.errors.emplace_back(prefix, 1);
}

std::uint64_t ServerStats::total(Counter counter) const {
  const auto index = static_cast<std::size_t>(counter);
  return since(sum([&](const Stripe& s) -> auto& { return s.counters[index]; }),
               load(baseline_.counters[index]));
}

CommandTotals ServerStats::baseline_command(std::size_t ordinal) const {
  const CommandCounters& base = baseline_.commands[ordinal];
  return {load(base.calls), load(base.usec), load(base.rejected), load(base.failed)};
}

CommandTotals ServerStats::command(std::size_t ordinal) const {
  CommandTotals totals;
  for (std::size_t i = 0; i <= kStripes; ++i) {
    const CommandCounters& command = stripes_[i].commands[ordinal];
    totals.calls += load(command.calls);
    totals.usec += load(command.usec);
    totals.rejected += load(command.rejected);
    totals.failed += load(command.failed);
  }
  const CommandTotals base = baseline_command(ordinal);
  return {since(totals.calls, base.calls), since(totals.usec, base.usec),
          since(totals.rejected, base.rejected), since(totals.failed, base.failed)};
}

std::uint64_t ServerStats::total_calls() const {
  std::uint64_t total = 0;
  for (std::size_t ordinal = 0; ordinal < command_count_; ++ordinal) {
    total += command(ordinal).calls;
  }
  return total;
}

std::vector<std::pair<std::string, std::uint64_t>> ServerStats::error_counts() const {
  std::vector<std::pair<std::string, std::uint64_t>> merged;
  for (std::size_t i = 0; i <= kStripes; ++i) {
    std::lock_guard lock(stripes_[i].errors_mutex);
    for (const auto& error : stripes_[i].errors) {
      // (Not a structured binding: clang 14 cannot capture those in a lambda.)
      auto found = std::find_if(merged.begin(), merged.end(),
                                [&](const auto& entry) { return entry.first == error.first; });
      if (found == merged.end()) {
        merged.emplace_back(error.first, error.second);
      } else {
        found->second += error.second;
      }
    }
  }
  std::sort(merged.begin(), merged.end());
  return merged;
}

void ServerStats::reset() {
  std::lock_guard lock(reset_mutex_);
  connections_received.store(0, std::memory_order_relaxed);
  rejected_connections.store(0, std::memory_order_relaxed);
  for (std::size_t index = 0; index < static_cast<std::size_t>(Counter::kCount); ++index) {
    baseline_.counters[index].store(
        sum([&](const Stripe& s) -> auto& { return s.counters[index]; }),
        std::memory_order_relaxed);
  }
  for (std::size_t ordinal = 0; ordinal < command_count_; ++ordinal) {
    CommandCounters& base = baseline_.commands[ordinal];
    base.calls.store(sum([&](const Stripe& s) -> auto& { return s.commands[ordinal].calls; }),
                     std::memory_order_relaxed);
    base.usec.store(sum([&](const Stripe& s) -> auto& { return s.commands[ordinal].usec; }),
                    std::memory_order_relaxed);
    base.rejected.store(sum([&](const Stripe& s) -> auto& { return s.commands[ordinal].rejected; }),
                        std::memory_order_relaxed);
    base.failed.store(sum([&](const Stripe& s) -> auto& { return s.commands[ordinal].failed; }),
                      std::memory_order_relaxed);
  }
  // Error prefixes are counted under their stripe's mutex: they can simply be cleared.
  for (std::size_t i = 0; i <= kStripes; ++i) {
    std::lock_guard errors_lock(stripes_[i].errors_mutex);
    stripes_[i].errors.clear();
  }
}

}  // namespace gorodis
