// stats.cpp — striped counters; see stats.hpp.
#include "stats.hpp"

#include <algorithm>

namespace gorodis {

namespace {

// This thread's stripe number, handed out round robin on first use.
std::size_t thread_index() {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t index = next.fetch_add(1, std::memory_order_relaxed);
  return index;
}

void zero(std::atomic<std::uint64_t>& counter) {
  counter.store(0, std::memory_order_relaxed);
}

}  // namespace

std::string_view error_prefix(std::string_view message) {
  // Redis looks for the space in the first 32 bytes of "-<message>".
  const std::size_t space = message.substr(0, 31).find(' ');
  return space == std::string_view::npos ? std::string_view("ERR") : message.substr(0, space);
}

ServerStats::ServerStats(std::size_t commands)
    : command_count_(commands), stripes_(std::make_unique<Stripe[]>(kStripes)) {
  for (std::size_t i = 0; i < kStripes; ++i) {
    stripes_[i].commands = std::make_unique<CommandCounters[]>(commands);
  }
}

ServerStats::~ServerStats() = default;

ServerStats::Stripe& ServerStats::local() {
  return stripes_[thread_index() % kStripes];
}

void ServerStats::add_call(std::size_t ordinal, std::uint64_t usec, bool failed) {
  CommandCounters& command = local().commands[ordinal];
  command.calls.fetch_add(1, std::memory_order_relaxed);
  command.usec.fetch_add(usec, std::memory_order_relaxed);
  if (failed) command.failed.fetch_add(1, std::memory_order_relaxed);
}

void ServerStats::add_rejected(std::size_t ordinal) {
  local().commands[ordinal].rejected.fetch_add(1, std::memory_order_relaxed);
}

void ServerStats::error_reply(std::string_view message) {
  Stripe& stripe = local();
  stripe.counters[static_cast<std::size_t>(Counter::kErrorReplies)].fetch_add(
      1, std::memory_order_relaxed);
  const std::string_view prefix = error_prefix(message);
  std::lock_guard lock(stripe.errors_mutex);
  for (auto& [name, count] : stripe.errors) {
    if (name == prefix) {
      ++count;
      return;
    }
  }
  stripe.errors.emplace_back(prefix, 1);
}

std::uint64_t ServerStats::total(Counter counter) const {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kStripes; ++i) {
    sum += stripes_[i].counters[static_cast<std::size_t>(counter)].load(std::memory_order_relaxed);
  }
  return sum;
}

CommandTotals ServerStats::command(std::size_t ordinal) const {
  CommandTotals totals;
  for (std::size_t i = 0; i < kStripes; ++i) {
    const CommandCounters& command = stripes_[i].commands[ordinal];
    totals.calls += command.calls.load(std::memory_order_relaxed);
    totals.usec += command.usec.load(std::memory_order_relaxed);
    totals.rejected += command.rejected.load(std::memory_order_relaxed);
    totals.failed += command.failed.load(std::memory_order_relaxed);
  }
  return totals;
}

std::uint64_t ServerStats::total_calls() const {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kStripes; ++i) {
    for (std::size_t ordinal = 0; ordinal < command_count_; ++ordinal) {
      sum += stripes_[i].commands[ordinal].calls.load(std::memory_order_relaxed);
    }
  }
  return sum;
}

std::vector<std::pair<std::string, std::uint64_t>> ServerStats::error_counts() const {
  std::vector<std::pair<std::string, std::uint64_t>> merged;
  for (std::size_t i = 0; i < kStripes; ++i) {
    std::lock_guard lock(stripes_[i].errors_mutex);
    for (const auto& [name, count] : stripes_[i].errors) {
      auto found = std::find_if(merged.begin(), merged.end(),
                                [&](const auto& entry) { return entry.first == name; });
      if (found == merged.end()) {
        merged.emplace_back(name, count);
      } else {
        found->second += count;
      }
    }
  }
  std::sort(merged.begin(), merged.end());
  return merged;
}

void ServerStats::reset() {
  zero(connections_received);
  zero(rejected_connections);
  for (std::size_t i = 0; i < kStripes; ++i) {
    Stripe& stripe = stripes_[i];
    for (auto& counter : stripe.counters) zero(counter);
    for (std::size_t ordinal = 0; ordinal < command_count_; ++ordinal) {
      CommandCounters& command = stripe.commands[ordinal];
      for (auto* counter : {&command.calls, &command.usec, &command.rejected, &command.failed}) {
        zero(*counter);
      }
    }
    std::lock_guard lock(stripe.errors_mutex);
    stripe.errors.clear();
  }
}

}  // namespace gorodis
