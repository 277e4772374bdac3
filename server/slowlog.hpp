// slowlog.hpp — Redis's SLOWLOG: the most recent commands that took longer than
// slowlog-log-slower-than microseconds, newest first, at most slowlog-max-len of them.
//
// Entries copy (a trimmed form of) the command's arguments, as Redis does: at most 32
// arguments, each at most 128 bytes, with a note of what was left out. Recording takes a mutex
// held only for the push, so it may be called from any goroutine.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gorodis {

struct SlowlogEntry {
  std::uint64_t id = 0;
  std::int64_t unix_time = 0;  // seconds, when the command started
  std::int64_t duration_us = 0;
  std::vector<std::string> argv;
  std::string client_addr;
  std::string client_name;
};

class Slowlog {
 public:
  void record(std::span<const std::string_view> argv, std::int64_t unix_time,
              std::int64_t duration_us, std::string_view client_addr, std::string_view client_name,
              std::size_t max_len);
  // The newest `count` entries (all when count < 0).
  std::vector<SlowlogEntry> newest(long long count);
  std::size_t size();
  void reset();

 private:
  std::mutex mutex_;
  std::deque<SlowlogEntry> entries_;  // newest first
  std::uint64_t next_id_ = 0;
};

}  // namespace gorodis
