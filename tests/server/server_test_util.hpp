// server_test_util.hpp — drives gorodis's Server through its execute() entry point, with a
// manual clock, and compares exact RESP bytes.
//
// Exchange tables hold (command, reply) pairs captured from a real redis-server 7.0.15; a
// test replays them in order on a fresh server, so every reply is checked byte for byte
// against Redis's own.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "resp.hpp"
#include "server.hpp"

namespace gorodis::testing {

struct Exchange {
  std::vector<std::string> command;
  std::string reply;
};

inline std::string describe(const std::vector<std::string>& command) {
  std::string text;
  for (const std::string& part : command) text.append(text.empty() ? "" : " ").append(part);
  return text;
}

class TestServer {
 public:
  static constexpr std::int64_t kStartMicros = 1'700'000'000'000'000;

  explicit TestServer(ServerConfig config = {}) : server_(config, [this] { return now_us_; }) {
    client_.id = server_.next_client_id();
  }

  std::string run(const std::vector<std::string>& command) {
    std::vector<std::string_view> argv(command.begin(), command.end());
    ReplyBuilder reply(client_.protocol);
    server_.execute(client_, argv, reply);
    return reply.take();
  }

  void replay(std::span<const Exchange> exchanges) {
    for (const Exchange& exchange : exchanges) {
      EXPECT_EQ(run(exchange.command), exchange.reply) << describe(exchange.command);
    }
  }

  void advance_ms(std::int64_t ms) { now_us_ += ms * 1000; }
  std::int64_t now_ms() const { return now_us_ / 1000; }
  Server& server() { return server_; }
  ClientState& client() { return client_; }

 private:
  std::int64_t now_us_ = kStartMicros;
  Server server_;
  ClientState client_;
};

}  // namespace gorodis::testing
