// pubsub_test.cpp — Pub/Sub and keyspace notifications against exchanges captured from
// redis-server 7.0.15: several in-process clients (what each receives is checked byte for
// byte, replies and messages in the order a connection sends them), the outbox's ordering and
// output limits with a manual clock, and real connections served by goroutines (a message
// reaches a subscriber whose goroutine is blocked reading its socket).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "goro/goro.hpp"
#include "goro/net.hpp"
#include "goro/runtime.hpp"
#include "goro/time.hpp"
#include "networking.hpp"
#include "pubsub.hpp"
#include "server.hpp"
#include "server_test_util.hpp"

namespace gorodis::testing {
namespace {

// One step of a captured session: client `who` sends `command` and receives `reply`; an empty
// command means "what `who` received meanwhile" (published messages). `check` is false where
// Redis's reply holds a client id.
struct Step {
  char who;
  std::vector<std::string> command;
  std::string reply;
  bool check = true;
};

// A client of an in-process server, registered like a connection (CLIENT LIST sees it).
class Peer {
 public:
  explicit Peer(Server& server) : server_(server) {
    state_.id = server.next_client_id();
    server.clients().add(state_, 1000);
  }
  ~Peer() {
    unsubscribe_all(server_, state_);
    server_.clients().remove(state_);
  }
  // Runs a command; returns what the connection would send: once the client has an outbox,
  // the messages queued before and during the command, then its reply.
  std::string run(const std::vector<std::string>& command) {
    std::vector<std::string_view> argv(command.begin(), command.end());
    ReplyBuilder reply(state_.protocol);
    server_.execute(state_, argv, reply);
    if (state_.pubsub == nullptr) return reply.take();
    queue_reply(server_, state_, reply.buffer());
    return state_.pubsub->outbox.take_now();
  }
  std::string received() { return state_.pubsub ? state_.pubsub->outbox.take_now() : ""; }
  ClientState& state() { return state_; }

 private:
  Server& server_;
  ClientState state_;
};

class PubSubTest : public ::testing::Test {
 protected:
  Peer& peer(char who) {
    auto& slot = peers_[who];
    if (!slot) slot = std::make_unique<Peer>(server_);
    return *slot;
  }
  void replay(std::span<const Step> steps) {
    for (const Step& step : steps) {
      std::string got =
          step.command.empty() ? peer(step.who).received() : peer(step.who).run(step.command);
      if (step.check) {
        EXPECT_EQ(got, step.reply) << step.who << ": " << describe(step.command);
      }
    }
  }
  std::string run(char who, const std::vector<std::string>& command) {
    return peer(who).run(command);
  }
  void advance_ms(std::int64_t ms) { now_us_ += ms * 1000; }

  std::int64_t now_us_ = 1'700'000'000'000'000;
  Server server_{ServerConfig{}, [this] { return now_us_; }};
  std::map<char, std::unique_ptr<Peer>> peers_;  // destroyed before server_
};

// ---- exchanges captured from redis-server 7.0.15 (client ids left unchecked) ----

const Step kResp2Session[] = {
    {'A',
     {"subscribe", "a", "b"},
     "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"},
    {'A',
     {"psubscribe", "h?llo", "x*"},
     "*3\r\n$10\r\npsubscribe\r\n$5\r\nh?llo\r\n:3\r\n*3\r\n$10\r\npsubscribe\r\n$2\r\nx*\r\n:"
     "4\r\n"},
    {'A', {"ssubscribe", "s1"}, "*3\r\n$10\r\nssubscribe\r\n$2\r\ns1\r\n:1\r\n"},
    {'A',
     {"get", "x"},
     "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
     "allowed in this context\r\n"},
    {'A', {"ping"}, "*2\r\n$4\r\npong\r\n$0\r\n\r\n"},
    {'A', {"ping", "hi"}, "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n"},
    {'A', {"ping", "a", "b"}, "-ERR wrong number of arguments for 'ping' command\r\n"},
    {'A', {"subscribe"}, "-ERR wrong number of arguments for 'subscribe' command\r\n"},
    {'A',
     {"hello", "3"},
     "-ERR Can't execute 'hello': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
     "allowed in this context\r\n"},
    {'A',
     {"client", "id"},
     "-ERR Can't execute 'client|id': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
     "are allowed in this context\r\n"},
    {'B', {"publish", "a", "m1"}, ":1\r\n"},
    {'A', {}, "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nm1\r\n"},
    {'B', {"publish", "hello", "m2"}, ":1\r\n"},
    {'A', {}, "*4\r\n$8\r\npmessage\r\n$5\r\nh?llo\r\n$5\r\nhello\r\n$2\r\nm2\r\n"},
    {'B', {"publish", "xyz", "m3"}, ":1\r\n"},
    {'A', {}, "*4\r\n$8\r\npmessage\r\n$2\r\nx*\r\n$3\r\nxyz\r\n$2\r\nm3\r\n"},
    {'B', {"spublish", "s1", "m4"}, ":1\r\n"},
    {'A', {}, "*3\r\n$8\r\nsmessage\r\n$2\r\ns1\r\n$2\r\nm4\r\n"},
    {'B', {"publish", "s1", "m5"}, ":0\r\n"},
    {'A', {}, ""},
    {'B', {"publish", "nobody", "m6"}, ":0\r\n"},
    {'A', {}, ""},
    {'B', {"pubsub", "channels", "a*"}, "*1\r\n$1\r\na\r\n"},
    {'B',
     {"pubsub", "channels", "a", "b"},
     "-ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP.\r\n"},
    {'B',
     {"pubsub", "numsub", "a", "b", "zz"},
     "*6\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:1\r\n$2\r\nzz\r\n:0\r\n"},
    {'B', {"pubsub", "numsub"}, "*0\r\n"},
    {'B', {"pubsub", "numpat"}, ":2\r\n"},
    {'B',
     {"pubsub", "numpat", "x"},
     "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n"},
    {'B', {"pubsub", "shardchannels"}, "*1\r\n$2\r\ns1\r\n"},
    {'B', {"pubsub", "shardchannels", "s*"}, "*1\r\n$2\r\ns1\r\n"},
    {'B',
     {"pubsub", "shardchannels", "s", "t"},
     "-ERR unknown subcommand or wrong number of arguments for 'shardchannels'. Try PUBSUB "
     "HELP.\r\n"},
    {'B', {"pubsub", "shardnumsub", "s1", "s2"}, "*4\r\n$2\r\ns1\r\n:1\r\n$2\r\ns2\r\n:0\r\n"},
    {'B', {"pubsub", "shardnumsub"}, "*0\r\n"},
    {'B',
     {"pubsub", "help"},
     "*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CHANNELS "
     "[<pattern>]\r\n+    Return the currently active channels matching a <pattern> (default: "
     "'*').\r\n+NUMPAT\r\n+    Return number of subscriptions to patterns.\r\n+NUMSUB [<channel> "
     "...]\r\n+    Return the number of subscribers for the specified channels, excluding\r\n+    "
     "pattern subscriptions(default: no channels).\r\n+SHARDCHANNELS [<pattern>]\r\n+    Return "
     "the currently active shard level channels matching a <pattern> (default: "
     "'*').\r\n+SHARDNUMSUB [<shardchannel> ...]\r\n+    Return the number of subscribers for the "
     "specified shard level channel(s)\r\n+HELP\r\n+    Prints this help.\r\n"},
    {'B', {"pubsub", "foo"}, "-ERR unknown subcommand 'foo'. Try PUBSUB HELP.\r\n"},
    {'B', {"pubsub"}, "-ERR wrong number of arguments for 'pubsub' command\r\n"},
    {'B', {"publish", "a"}, "-ERR wrong number of arguments for 'publish' command\r\n"},
    {'B', {"spublish", "zz", "m"}, ":0\r\n"},
    {'B', {"subscribe", "a"}, "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"},
    {'B',
     {"publish", "a", "x"},
     "-ERR Can't execute 'publish': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
     "are allowed in this context\r\n"},
    {'C', {"publish", "a", "twice"}, ":2\r\n"},
    {'A', {}, "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\ntwice\r\n"},
    {'B', {}, "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\ntwice\r\n"},
    {'B', {"unsubscribe"}, "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n"},
    {'A',
     {"unsubscribe", "b", "zz"},
     "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:3\r\n*3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:3\r\n"},
    {'A', {"punsubscribe", "x*"}, "*3\r\n$12\r\npunsubscribe\r\n$2\r\nx*\r\n:2\r\n"},
    {'A',
     {"sunsubscribe", "s1", "s2"},
     "*3\r\n$12\r\nsunsubscribe\r\n$2\r\ns1\r\n:0\r\n*3\r\n$12\r\nsunsubscribe\r\n$2\r\ns2\r\n:"
     "0\r\n"},
    {'A', {"unsubscribe"}, "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n"},
    {'A', {"punsubscribe"}, "*3\r\n$12\r\npunsubscribe\r\n$5\r\nh?llo\r\n:0\r\n"},
    {'A', {"sunsubscribe"}, "*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n"},
    {'A', {"unsubscribe"}, "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"},
    {'A', {"punsubscribe"}, "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n"},
    {'C', {"publish", "a", "none"}, ":0\r\n"},
    {'A', {}, ""},
    {'A', {"get", "x"}, "$-1\r\n"},
    {'A', {"ping"}, "+PONG\r\n"},
    {'A', {"subscribe", "q"}, "*3\r\n$9\r\nsubscribe\r\n$1\r\nq\r\n:1\r\n"},
    {'A', {"ssubscribe", "s"}, "*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n"},
    {'A', {"unsubscribe", "q"}, "*3\r\n$11\r\nunsubscribe\r\n$1\r\nq\r\n:0\r\n"},
    {'A',
     {"get", "x"},
     "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
     "allowed in this context\r\n"},
    {'A', {"sunsubscribe"}, "*3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n"},
    {'A', {"get", "x"}, "$-1\r\n"},
    {'A', {"psubscribe", "*"}, "*3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:1\r\n"},
    {'A', {"reset"}, "+RESET\r\n"},
    {'A', {"get", "x"}, "$-1\r\n"},
    {'C', {"publish", "q", "after reset"}, ":0\r\n"},
    {'A', {}, ""},
    {'C', {"pubsub", "numpat"}, ":0\r\n"},
};
const Step kResp3Session[] = {
    {'A', {"hello", "3"}, "", false},
    {'A',
     {"subscribe", "a", "b"},
     ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n>3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"},
    {'A', {"psubscribe", "a*"}, ">3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:3\r\n"},
    {'A', {"ssubscribe", "s1"}, ">3\r\n$10\r\nssubscribe\r\n$2\r\ns1\r\n:1\r\n"},
    {'A', {"get", "x"}, "_\r\n"},
    {'A', {"ping"}, "+PONG\r\n"},
    {'A',
     {"publish", "a", "self"},
     ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$4\r\nself\r\n>4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$"
     "1\r\na\r\n$4\r\nself\r\n:2\r\n"},
    {'A', {"spublish", "s1", "self"}, ">3\r\n$8\r\nsmessage\r\n$2\r\ns1\r\n$4\r\nself\r\n:1\r\n"},
    {'B', {"publish", "a", "m1"}, ":2\r\n"},
    {'A',
     {},
     ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nm1\r\n>4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$"
     "1\r\na\r\n$2\r\nm1\r\n"},
    {'B', {"spublish", "s1", "m2"}, ":1\r\n"},
    {'A', {}, ">3\r\n$8\r\nsmessage\r\n$2\r\ns1\r\n$2\r\nm2\r\n"},
    {'A',
     {"unsubscribe", "b", "zz"},
     ">3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:2\r\n>3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:2\r\n"},
    {'A', {"punsubscribe"}, ">3\r\n$12\r\npunsubscribe\r\n$2\r\na*\r\n:1\r\n"},
    {'A', {"punsubscribe"}, ">3\r\n$12\r\npunsubscribe\r\n_\r\n:1\r\n"},
    {'A', {"sunsubscribe"}, ">3\r\n$12\r\nsunsubscribe\r\n$2\r\ns1\r\n:0\r\n"},
    {'A', {"unsubscribe"}, ">3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n"},
    {'A', {"subscribe", "c"}, ">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n"},
    {'A', {"hello", "2"}, "", false},
    {'B', {"publish", "c", "resp2 now"}, ":1\r\n"},
    {'A', {}, "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$9\r\nresp2 now\r\n"},
    {'A',
     {"get", "x"},
     "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
     "allowed in this context\r\n"},
    {'A', {"unsubscribe"}, "*3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n"},
};

const Step kKeyspaceSession[] = {
    {'B', {"config", "set", "notify-keyspace-events", "KEA"}, "+OK\r\n"},
    {'S', {"psubscribe", "__key*__:*"}, "*3\r\n$10\r\npsubscribe\r\n$10\r\n__key*__:*\r\n:1\r\n"},
    {'B', {"set", "k", "v"}, "+OK\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n"},
    {'B', {"set", "k", "v2", "ex", "100"}, "+OK\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:k\r\n$6\r\nexpire\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$21\r\n__keyevent@0__:expire\r\n$1\r\nk\r\n"},
    {'B', {"set", "k", "v3", "keepttl"}, "+OK\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n"},
    {'B', {"set", "k", "v4", "get"}, "$2\r\nv3\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n"},
    {'B', {"setnx", "k", "x"}, ":0\r\n"},
    {'S', {}, ""},
    {'B', {"setnx", "k2", "x"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:k2\r\n$3\r\nset\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$2\r\nk2\r\n"},
    {'B', {"setex", "k3", "1000", "v"}, "+OK\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:k3\r\n$3\r\nset\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$2\r\nk3\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:k3\r\n$6\r\nexpire\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$21\r\n__keyevent@0__:expire\r\n$2\r\nk3\r\n"},
    {'B', {"psetex", "k4", "100000", "v"}, "+OK\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:k4\r\n$3\r\nset\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$2\r\nk4\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:k4\r\n$6\r\nexpire\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$21\r\n__keyevent@0__:expire\r\n$2\r\nk4\r\n"},
    {'B', {"getset", "k", "z"}, "$2\r\nv4\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n"},
    {'B', {"getex", "k", "ex", "50"}, "$1\r\nz\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:k\r\n$6\r\nexpire\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$21\r\n__keyevent@0__:expire\r\n$1\r\nk\r\n"},
    {'B', {"getex", "k", "persist"}, "$1\r\nz\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:k\r\n$7\r\npersist\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$22\r\n__keyevent@0__:persist\r\n$1\r\nk\r\n"},
    {'B', {"getex", "k", "persist"}, "$1\r\nz\r\n"},
    {'S', {}, ""},
    {'B', {"getex", "k", "pxat", "1"}, "$1\r\nz\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:k\r\n$3\r\ndel\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:del\r\n$1\r\nk\r\n"},
    {'B', {"getdel", "k2"}, "$1\r\nx\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:k2\r\n$3\r\ndel\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:del\r\n$2\r\nk2\r\n"},
    {'B', {"mset", "a", "1", "b", "2"}, "+OK\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:a\r\n$3\r\nset\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\na\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:b\r\n$3\r\nset\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nb\r\n"},
    {'B', {"msetnx", "c", "1", "d", "2"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:c\r\n$3\r\nset\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nc\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:d\r\n$3\r\nset\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nd\r\n"},
    {'B', {"incr", "a"}, ":2\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:a\r\n$6\r\nincrby\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$21\r\n__keyevent@0__:incrby\r\n$1\r\na\r\n"},
    {'B', {"decrby", "a", "2"}, ":0\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:a\r\n$6\r\nincrby\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$21\r\n__keyevent@0__:incrby\r\n$1\r\na\r\n"},
    {'B', {"incrbyfloat", "a", "1.5"}, "$3\r\n1.5\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:a\r\n$"
     "11\r\nincrbyfloat\r\n*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$26\r\n__keyevent@0__:"
     "incrbyfloat\r\n$1\r\na\r\n"},
    {'B', {"append", "b", "x"}, ":2\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:b\r\n$6\r\nappend\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$21\r\n__keyevent@0__:append\r\n$1\r\nb\r\n"},
    {'B', {"append", "new", "x"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyspace@0__:new\r\n$6\r\nappend\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$21\r\n__keyevent@0__:append\r\n$3\r\nnew\r\n"},
    {'B', {"setrange", "b", "5", "y"}, ":6\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:b\r\n$8\r\nsetrange\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$23\r\n__keyevent@0__:setrange\r\n$1\r\nb\r\n"},
    {'B', {"setrange", "e", "0", ""}, ":0\r\n"},
    {'S', {}, ""},
    {'B', {"setbit", "bits", "3", "1"}, ":0\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$19\r\n__keyspace@0__:bits\r\n$6\r\nsetbit\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$21\r\n__keyevent@0__:setbit\r\n$4\r\nbits\r\n"},
    {'B', {"bitop", "and", "dest", "bits", "bits"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$19\r\n__keyspace@0__:dest\r\n$3\r\nset\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$4\r\ndest\r\n"},
    {'B', {"bitop", "and", "dest", "nokey"}, ":0\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$19\r\n__keyspace@0__:dest\r\n$3\r\ndel\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:del\r\n$4\r\ndest\r\n"},
    {'B', {"bitop", "and", "dest", "nokey"}, ":0\r\n"},
    {'S', {}, ""},
    {'B', {"bitfield", "bf", "set", "u8", "0", "1"}, "*1\r\n:0\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:bf\r\n$6\r\nsetbit\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$21\r\n__keyevent@0__:setbit\r\n$2\r\nbf\r\n"},
    {'B', {"bitfield", "bf", "get", "u8", "0"}, "*1\r\n:1\r\n"},
    {'S', {}, ""},
    {'B', {"bitfield", "bf", "overflow", "fail", "incrby", "u2", "0", "100"}, "*1\r\n$-1\r\n"},
    {'S', {}, ""},
    {'B', {"expire", "a", "100"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:a\r\n$6\r\nexpire\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$21\r\n__keyevent@0__:expire\r\n$1\r\na\r\n"},
    {'B', {"pexpireat", "a", "99999999999999"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:a\r\n$6\r\nexpire\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$21\r\n__keyevent@0__:expire\r\n$1\r\na\r\n"},
    {'B', {"expire", "a", "100", "nx"}, ":0\r\n"},
    {'S', {}, ""},
    {'B', {"persist", "a"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:a\r\n$7\r\npersist\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$22\r\n__keyevent@0__:persist\r\n$1\r\na\r\n"},
    {'B', {"persist", "a"}, ":0\r\n"},
    {'S', {}, ""},
    {'B', {"expire", "a", "-1"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:a\r\n$3\r\ndel\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:del\r\n$1\r\na\r\n"},
    {'B', {"rename", "b", "b2"}, "+OK\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:b\r\n$11\r\nrename_"
     "from\r\n*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$26\r\n__keyevent@0__:rename_from\r\n$"
     "1\r\nb\r\n*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:b2\r\n$"
     "9\r\nrename_to\r\n*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$24\r\n__keyevent@0__:rename_"
     "to\r\n$2\r\nb2\r\n"},
    {'B', {"rename", "b2", "b2"}, "+OK\r\n"},
    {'S', {}, ""},
    {'B', {"renamenx", "b2", "c"}, ":0\r\n"},
    {'S', {}, ""},
    {'B', {"renamenx", "b2", "b3"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:b2\r\n$11\r\nrename_"
     "from\r\n*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$26\r\n__keyevent@0__:rename_from\r\n$"
     "2\r\nb2\r\n*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:b3\r\n$"
     "9\r\nrename_to\r\n*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$24\r\n__keyevent@0__:rename_"
     "to\r\n$2\r\nb3\r\n"},
    {'B', {"set", "mv", "1"}, "+OK\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:mv\r\n$3\r\nset\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$2\r\nmv\r\n"},
    {'B', {"move", "mv", "1"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:mv\r\n$9\r\nmove_from\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$24\r\n__keyevent@0__:move_from\r\n$2\r\nmv\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@1__:mv\r\n$7\r\nmove_to\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$22\r\n__keyevent@1__:move_to\r\n$2\r\nmv\r\n"},
    {'B', {"copy", "b3", "cp"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:cp\r\n$7\r\ncopy_to\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$22\r\n__keyevent@0__:copy_to\r\n$2\r\ncp\r\n"},
    {'B', {"copy", "b3", "cp", "replace"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:cp\r\n$7\r\ncopy_to\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$22\r\n__keyevent@0__:copy_to\r\n$2\r\ncp\r\n"},
    {'B', {"copy", "b3", "cp", "db", "2"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@2__:cp\r\n$7\r\ncopy_to\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$22\r\n__keyevent@2__:copy_to\r\n$2\r\ncp\r\n"},
    {'B', {"del", "b3", "cp", "nokey"}, ":2\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:b3\r\n$3\r\ndel\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:del\r\n$2\r\nb3\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:cp\r\n$3\r\ndel\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:del\r\n$2\r\ncp\r\n"},
    {'B', {"unlink", "c"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:c\r\n$3\r\ndel\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:del\r\n$1\r\nc\r\n"},
    {'B', {"select", "1"}, "+OK\r\n"},
    {'S', {}, ""},
    {'B', {"del", "mv"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@1__:mv\r\n$3\r\ndel\r\n*4\r\n$"
     "8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@1__:del\r\n$2\r\nmv\r\n"},
    {'B', {"select", "0"}, "+OK\r\n"},
    {'S', {}, ""},
    {'B', {"config", "set", "notify-keyspace-events", "Egn"}, "+OK\r\n"},
    {'B', {"set", "only", "generic"}, "+OK\r\n"},
    {'B', {"del", "only"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:new\r\n$4\r\nonly\r\n*"
     "4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:del\r\n$4\r\nonly\r\n"},
    {'B', {"config", "set", "notify-keyspace-events", "K$"}, "+OK\r\n"},
    {'B', {"set", "only", "string"}, "+OK\r\n"},
    {'B', {"del", "only"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$19\r\n__keyspace@0__:only\r\n$3\r\nset\r\n"},
};

const Step kConfigSession[] = {
    {'A',
     {"config", "get", "notify-keyspace-events"},
     "*2\r\n$22\r\nnotify-keyspace-events\r\n$0\r\n\r\n"},
    {'A', {"config", "set", "notify-keyspace-events", "KEA"}, "+OK\r\n"},
    {'A',
     {"config", "get", "notify-keyspace-events"},
     "*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n"},
    {'A', {"config", "set", "notify-keyspace-events", "Kgx$lshzetdmn"}, "+OK\r\n"},
    {'A',
     {"config", "get", "notify-keyspace-events"},
     "*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKm\r\n"},
    {'A', {"config", "set", "notify-keyspace-events", "n"}, "+OK\r\n"},
    {'A',
     {"config", "get", "notify-keyspace-events"},
     "*2\r\n$22\r\nnotify-keyspace-events\r\n$1\r\nn\r\n"},
    {'A', {"config", "set", "notify-keyspace-events", "Elm$"}, "+OK\r\n"},
    {'A',
     {"config", "get", "notify-keyspace-events"},
     "*2\r\n$22\r\nnotify-keyspace-events\r\n$4\r\n$lEm\r\n"},
    {'A',
     {"config", "set", "notify-keyspace-events", "Kq"},
     "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid "
     "event class character. Use 'Ag$lshzxeKEtmdn'.\r\n"},
    {'A',
     {"config", "get", "notify-keyspace-events"},
     "*2\r\n$22\r\nnotify-keyspace-events\r\n$4\r\n$lEm\r\n"},
    {'A', {"config", "set", "notify-keyspace-events", ""}, "+OK\r\n"},
    {'A',
     {"config", "get", "notify-keyspace-events"},
     "*2\r\n$22\r\nnotify-keyspace-events\r\n$0\r\n\r\n"},
    {'A',
     {"config", "get", "client-output-buffer-limit"},
     "*2\r\n$26\r\nclient-output-buffer-limit\r\n$67\r\nnormal 0 0 0 slave 268435456 67108864 60 "
     "pubsub 33554432 8388608 60\r\n"},
    {'A', {"config", "set", "client-output-buffer-limit", "pubsub 1mb 512k 10"}, "+OK\r\n"},
    {'A',
     {"config", "get", "client-output-buffer-limit"},
     "*2\r\n$26\r\nclient-output-buffer-limit\r\n$65\r\nnormal 0 0 0 slave 268435456 67108864 60 "
     "pubsub 1048576 512000 10\r\n"},
    {'A',
     {"config", "set", "client-output-buffer-limit", "pubsub 1mb 512k"},
     "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong "
     "number of arguments in buffer limit configuration.\r\n"},
    {'A',
     {"config", "set", "client-output-buffer-limit", "foo 1 1 1"},
     "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid "
     "client class specified in buffer limit configuration.\r\n"},
    {'A',
     {"config", "set", "client-output-buffer-limit", "pubsub x 1 1"},
     "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error "
     "in hard, soft or soft_seconds setting in buffer limit configuration.\r\n"},
    {'A',
     {"config", "set", "client-output-buffer-limit", "pubsub 1 1 -1"},
     "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error "
     "in hard, soft or soft_seconds setting in buffer limit configuration.\r\n"},
    {'A',
     {"config", "set", "client-output-buffer-limit",
      "replica 1 2 3 normal 4 5 6 pubsub 0 0 0 foo 1 1 1"},
     "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid "
     "client class specified in buffer limit configuration.\r\n"},
    {'A',
     {"config", "get", "client-output-buffer-limit"},
     "*2\r\n$26\r\nclient-output-buffer-limit\r\n$65\r\nnormal 0 0 0 slave 268435456 67108864 60 "
     "pubsub 1048576 512000 10\r\n"},
    {'A', {"config", "set", "client-output-buffer-limit", "replica 1 2 3 pubsub 7 8 9"}, "+OK\r\n"},
    {'A',
     {"config", "get", "client-output-buffer-limit"},
     "*2\r\n$26\r\nclient-output-buffer-limit\r\n$37\r\nnormal 0 0 0 slave 1 2 3 pubsub 7 8 9\r\n"},
    {'A',
     {"config", "set", "client-output-buffer-limit",
      "slave 268435456 67108864 60 pubsub 32mb 8mb 60"},
     "+OK\r\n"},
    {'A',
     {"config", "get", "client-output-buffer-limit"},
     "*2\r\n$26\r\nclient-output-buffer-limit\r\n$67\r\nnormal 0 0 0 slave 268435456 67108864 60 "
     "pubsub 33554432 8388608 60\r\n"},
};

const Step kKeyMissSession[] = {
    {'B', {"config", "set", "notify-keyspace-events", "Em"}, "+OK\r\n"},
    {'S',
     {"psubscribe", "__keyevent@*"},
     "*3\r\n$10\r\npsubscribe\r\n$12\r\n__keyevent@*\r\n:1\r\n"},
    {'B', {"set", "str", "v"}, "+OK\r\n"},
    {'S', {}, ""},
    {'B', {"get", "nokey"}, "$-1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$"
     "5\r\nnokey\r\n"},
    {'B', {"exists", "nokey", "str"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$"
     "5\r\nnokey\r\n"},
    {'B', {"getdel", "nokey"}, "$-1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$"
     "5\r\nnokey\r\n"},
    {'B', {"strlen", "nokey"}, ":0\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$"
     "5\r\nnokey\r\n"},
    {'B', {"set", "nokey", "1", "get"}, "$-1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$"
     "5\r\nnokey\r\n"},
    {'B', {"incr", "nokey2"}, ":1\r\n"},
    {'S', {}, ""},
    {'B', {"type", "nokey3"}, "+none\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$"
     "6\r\nnokey3\r\n"},
    {'B', {"ttl", "nokey4"}, ":-2\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$"
     "6\r\nnokey4\r\n"},
    {'B', {"mget", "m1", "str", "m2"}, "*3\r\n$-1\r\n$1\r\nv\r\n$-1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$2\r\nm1\r\n*"
     "4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$2\r\nm2\r\n"},
    {'B', {"getrange", "zz", "0", "1"}, "$0\r\n\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$"
     "2\r\nzz\r\n"},
    {'B', {"append", "zz", "1"}, ":1\r\n"},
    {'S', {}, ""},
    {'B', {"object", "encoding", "qq"}, "$-1\r\n"},
    {'S', {}, ""},
    {'B', {"dump", "qq"}, "$-1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$"
     "2\r\nqq\r\n"},
    {'B', {"touch", "qq", "str"}, ":1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$"
     "2\r\nqq\r\n"},
    {'B', {"lcs", "q1", "q2"}, "$0\r\n\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$2\r\nq1\r\n*"
     "4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$2\r\nq2\r\n"},
    {'B', {"bitcount", "q"}, ":0\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$1\r\nq\r\n"},
    {'B', {"getbit", "q", "1"}, ":0\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$1\r\nq\r\n"},
    {'B', {"bitop", "or", "dst", "q3", "q4"}, ":0\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$2\r\nq3\r\n*"
     "4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$2\r\nq4\r\n"},
    {'B', {"bitfield_ro", "q5", "get", "u8", "0"}, "*1\r\n:0\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$"
     "2\r\nq5\r\n"},
    {'B', {"getex", "q"}, "$-1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$1\r\nq\r\n"},
    {'B', {"getset", "q7", "v"}, "$-1\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$"
     "2\r\nq7\r\n"},
    {'B', {"copy", "q8", "q9"}, ":0\r\n"},
    {'S',
     {},
     "*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$22\r\n__keyevent@0__:keymiss\r\n$"
     "2\r\nq8\r\n"},
    {'B', {"persist", "q8"}, ":0\r\n"},
    {'S', {}, ""},
};

// ---- captured sessions --------------------------------------------------------------------

TEST_F(PubSubTest, Resp2SessionMatchesRedis) {
  replay(kResp2Session);
}

TEST_F(PubSubTest, Resp3SessionMatchesRedis) {
  replay(kResp3Session);
}

TEST_F(PubSubTest, KeyspaceNotificationsMatchRedis) {
  replay(kKeyspaceSession);
}

TEST_F(PubSubTest, ConfigMatchesRedis) {
  replay(kConfigSession);
}

TEST_F(PubSubTest, KeyMissEventsMatchRedis) {
  replay(kKeyMissSession);
}

// ---- introspection --------------------------------------------------------------------------

TEST_F(PubSubTest, PubsubChannelsListsEveryActiveChannelOnce) {
  run('A', {"SUBSCRIBE", "news", "sport", "weather"});
  run('B', {"SUBSCRIBE", "news"});
  run('C', {"SSUBSCRIBE", "shard"});
  std::string all = run('D', {"PUBSUB", "CHANNELS"});
  for (std::string_view channel : {"$4\r\nnews\r\n", "$5\r\nsport\r\n", "$7\r\nweather\r\n"}) {
    EXPECT_NE(all.find(channel), std::string::npos) << all;
  }
  EXPECT_TRUE(all.starts_with("*3\r\n")) << all;
  EXPECT_EQ(run('D', {"PUBSUB", "CHANNELS", "[nw]*"}).size(), all.size() - 11) << "sport left out";
  EXPECT_EQ(run('D', {"PUBSUB", "NUMSUB", "news"}), "*2\r\n$4\r\nnews\r\n:2\r\n");
  EXPECT_EQ(run('D', {"PUBSUB", "SHARDCHANNELS"}), "*1\r\n$5\r\nshard\r\n");
  peers_.erase('A');  // a disconnect leaves every channel
  EXPECT_EQ(run('D', {"PUBSUB", "CHANNELS"}), "*1\r\n$4\r\nnews\r\n");
  EXPECT_EQ(run('D', {"PUBLISH", "news", "x"}), ":1\r\n");
}

TEST_F(PubSubTest, InfoCountsChannelsPatternsAndOutput) {
  run('A', {"SUBSCRIBE", "a", "b"});
  run('B', {"SUBSCRIBE", "b"});
  run('B', {"PSUBSCRIBE", "p*", "q*"});
  run('C', {"SSUBSCRIBE", "s"});
  run('D', {"PUBLISH", "a", "0123456789"});
  const std::string stats = run('D', {"INFO", "stats"});
  EXPECT_NE(stats.find("\r\npubsub_channels:2\r\npubsub_patterns:2\r\npubsubshard_channels:1\r\n"),
            std::string::npos)
      << stats;
  const std::string clients = run('D', {"INFO", "clients"});
  EXPECT_NE(clients.find("\r\nclient_recent_max_output_buffer:41\r\n"), std::string::npos)
      << clients;
}

// Shard channels have not_key key specs: channels, not keys (Redis 7.0.15's replies).
TEST_F(PubSubTest, ShardChannelsAreNotKeys) {
  for (const std::vector<std::string>& command : {std::vector<std::string>{"ssubscribe", "a", "b"},
                                                  {"sunsubscribe", "a"},
                                                  {"spublish", "a", "m"},
                                                  {"publish", "a", "m"}}) {
    for (const char* sub : {"GETKEYS", "GETKEYSANDFLAGS"}) {
      std::vector<std::string> getkeys = {"COMMAND", sub};
      getkeys.insert(getkeys.end(), command.begin(), command.end());
      EXPECT_EQ(run('A', getkeys), "-ERR The command has no key arguments\r\n")
          << describe(getkeys);
    }
  }
}

TEST_F(PubSubTest, ClientListShowsSubscriptionsAndType) {
  run('A', {"SUBSCRIBE", "a", "b"});
  run('A', {"PSUBSCRIBE", "p*"});
  run('A', {"SSUBSCRIBE", "s"});
  std::string line = run('B', {"CLIENT", "LIST", "TYPE", "pubsub"});
  EXPECT_NE(line.find("id=" + std::to_string(peer('A').state().id) + " "), std::string::npos);
  EXPECT_NE(line.find(" flags=P "), std::string::npos) << line;
  EXPECT_NE(line.find(" sub=2 psub=1 ssub=1 "), std::string::npos) << line;
  EXPECT_EQ(line.find("id=" + std::to_string(peer('B').state().id) + " "), std::string::npos);
  std::string normal = run('B', {"CLIENT", "LIST", "TYPE", "normal"});
  EXPECT_EQ(normal.find("id=" + std::to_string(peer('A').state().id) + " "), std::string::npos);
  EXPECT_NE(normal.find(" sub=0 psub=0 ssub=0 "), std::string::npos) << normal;
  // Messages nobody has read yet are the subscriber's output buffer.
  run('B', {"PUBLISH", "a", "0123456789"});
  line = run('B', {"CLIENT", "LIST", "TYPE", "pubsub"});
  EXPECT_NE(line.find(" oll=1 omem=41 "), std::string::npos) << line;
  EXPECT_EQ(run('B', {"CLIENT", "KILL", "TYPE", "master"}), ":0\r\n");
}

// Subscribers and publishers on every P at once: each delivery PUBLISH counts must arrive
// exactly once in its receiver's output, and everything is unregistered at the end.
TEST_F(PubSubTest, ConcurrentSubscribersAndPublishersAgree) {
  constexpr int kWorkers = 4;
  constexpr int kRounds = 500;
  std::vector<std::unique_ptr<Peer>> workers;
  for (int w = 0; w < kWorkers; ++w) workers.push_back(std::make_unique<Peer>(server_));
  std::vector<long long> counted(kWorkers, 0);
  std::vector<std::string> output(kWorkers);
  goro::run([&] {
    goro::WaitGroup done;
    done.add(kWorkers);
    for (int w = 0; w < kWorkers; ++w) {
      goro::go([&, w] {
        Peer& me = *workers[static_cast<std::size_t>(w)];
        // RESP3 so that PUBLISH may run while subscribed.
        me.run({"HELLO", "3"});
        for (int i = 0; i < kRounds; ++i) {
          const std::string channel = "ch" + std::to_string((i + w) % 8);
          output[w] += me.run({"SUBSCRIBE", channel});
          if (i % 3 == 0) output[w] += me.run({"PSUBSCRIBE", "ch[0-3]"});
          std::string reply = me.run({"PUBLISH", "ch" + std::to_string(i % 8), "m"});
          // Messages to ourselves precede the count, others' may follow it; none has a ':'.
          counted[w] += std::stoll(reply.substr(reply.rfind(':') + 1));
          output[w] += reply;
          if (i % 2 == 0) output[w] += me.run({"UNSUBSCRIBE", channel});
          if (i % 5 == 0) output[w] += me.run({"PUNSUBSCRIBE"});
        }
        output[w] += me.run({"RESET"});
        output[w] += me.received();
        done.done();
      });
    }
    done.wait();
  });
  long long received = 0;
  for (const std::string& out : output) {
    for (std::string_view marker : {"$7\r\nmessage\r\n", "$8\r\npmessage\r\n"}) {
      for (std::size_t at = out.find(marker); at != std::string::npos;
           at = out.find(marker, at + 1)) {
        ++received;
      }
    }
  }
  long long published = 0;
  for (long long n : counted) published += n;
  EXPECT_GT(published, 0);
  EXPECT_EQ(received, published);

  EXPECT_EQ(run('A', {"PUBSUB", "CHANNELS"}), "*0\r\n");
  EXPECT_EQ(run('A', {"PUBSUB", "NUMPAT"}), ":0\r\n");
}

// ---- expiry raises "expired" ------------------------------------------------------------------

TEST_F(PubSubTest, LazyAndActiveExpiryNotifyExpired) {
  run('B', {"CONFIG", "SET", "notify-keyspace-events", "Ex"});
  run('S', {"SUBSCRIBE", "__keyevent@0__:expired"});
  run('B', {"SET", "lazy", "v", "PX", "100"});
  run('B', {"SET", "active", "v", "PX", "100"});
  EXPECT_EQ(peer('S').received(), "");
  advance_ms(200);
  EXPECT_EQ(run('B', {"GET", "lazy"}), "$-1\r\n");
  EXPECT_EQ(peer('S').received(),
            "*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$4\r\nlazy\r\n");
  goro::run([&] {
    while (server_.active_expire_cycle(std::chrono::milliseconds(100)).expired == 0) {
    }
  });
  EXPECT_EQ(peer('S').received(),
            "*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$6\r\nactive\r\n");
}

TEST_F(PubSubTest, NotificationsAreOffByDefault) {
  run('S', {"PSUBSCRIBE", "*"});
  run('B', {"SET", "k", "v"});
  run('B', {"DEL", "k"});
  EXPECT_EQ(peer('S').received(), "");
}

// ---- outbox ordering --------------------------------------------------------------------------

TEST(Outbox, MessagesHeldDuringSubscribeFollowItsConfirmation) {
  Outbox outbox;
  const Outbox::Limit none;
  outbox.hold();
  EXPECT_FALSE(outbox.append("message", none, 0));
  EXPECT_FALSE(outbox.end_command("confirmation;", none, 0));
  EXPECT_EQ(outbox.take_now(), "confirmation;message");
  // Outside a subscription, messages go straight out (before the running command's reply).
  EXPECT_FALSE(outbox.append("message;", none, 0));
  EXPECT_FALSE(outbox.end_command("reply", none, 0));
  EXPECT_EQ(outbox.take_now(), "message;reply");
}

TEST(Outbox, HardLimitDropsAndDiscards) {
  Outbox outbox;
  const Outbox::Limit limit{.hard = 10, .soft = 0, .soft_seconds = 0};
  EXPECT_FALSE(outbox.append("123456789", limit, 0));
  EXPECT_EQ(outbox.pending_bytes(), 9u);
  EXPECT_TRUE(outbox.append("0", limit, 0));
  EXPECT_TRUE(outbox.dropped());
  EXPECT_FALSE(outbox.append("more", limit, 0));
  EXPECT_EQ(outbox.take_now(), "");
}

TEST(Outbox, SoftLimitMustHoldForLongerThanItsSeconds) {
  Outbox outbox;
  const Outbox::Limit limit{.hard = 0, .soft = 4, .soft_seconds = 10};
  EXPECT_FALSE(outbox.append("1234", limit, 0));       // over the soft limit: clock starts
  EXPECT_FALSE(outbox.append("5", limit, 10'000));     // 10 s over: not more than 10 s yet
  EXPECT_EQ(outbox.take_now(), "12345");               // drained: back under the limit
  EXPECT_FALSE(outbox.append("1", limit, 10'500));     // under: the clock resets
  EXPECT_FALSE(outbox.append("2345", limit, 11'000));  // over again: clock restarts
  EXPECT_FALSE(outbox.append("6", limit, 21'000));
  EXPECT_TRUE(outbox.append("7", limit, 22'000));  // 11 s over
  EXPECT_TRUE(outbox.dropped());
}

TEST_F(PubSubTest, SlowSubscriberIsDroppedOthersKeepReceiving) {
  EXPECT_EQ(run('B', {"CONFIG", "SET", "client-output-buffer-limit", "pubsub 1000 0 0"}),
            "+OK\r\n");
  run('S', {"SUBSCRIBE", "ch"});  // never reads
  run('F', {"SUBSCRIBE", "ch"});  // reads everything
  const std::string payload(100, 'x');
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(run('B', {"PUBLISH", "ch", payload}), ":2\r\n");
    EXPECT_EQ(peer('F').received().size(), 133u);
  }
  EXPECT_TRUE(peer('S').state().pubsub->outbox.dropped());
  EXPECT_TRUE(peer('S').state().killed.load());
  EXPECT_FALSE(peer('F').state().pubsub->outbox.dropped());
  // A normal client (no subscription) has no limit by default.
  EXPECT_EQ(run('F', {"UNSUBSCRIBE"}), "*3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n");
  EXPECT_EQ(run('F', {"SET", "big", std::string(5000, 'y')}), "+OK\r\n");
}

TEST_F(PubSubTest, SoftLimitUsesTheServerClock) {
  run('B', {"CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 100 10"});
  run('S', {"SUBSCRIBE", "ch"});
  const std::string payload(100, 'x');
  run('B', {"PUBLISH", "ch", payload});
  advance_ms(10'000);
  run('B', {"PUBLISH", "ch", payload});
  EXPECT_FALSE(peer('S').state().pubsub->outbox.dropped());
  advance_ms(1'000);
  run('B', {"PUBLISH", "ch", payload});
  EXPECT_TRUE(peer('S').state().pubsub->outbox.dropped());
}

// ---- real connections -------------------------------------------------------------------------

// Reads exactly `size` bytes (or what arrived before an error).
std::string read_bytes(goro::net::Conn& conn, std::size_t size) {
  std::string out;
  char buf[4096];
  while (out.size() < size) {
    auto n = conn.read(std::span(buf, std::min(sizeof buf, size - out.size())));
    if (!n) break;
    out.append(buf, *n);
  }
  return out;
}

std::string read_to_eof(goro::net::Conn& conn) {
  std::string out;
  char buf[4096];
  for (auto n = conn.read(buf); n; n = conn.read(buf)) out.append(buf, *n);
  return out;
}

void send(goro::net::Conn& conn, std::string_view data) {
  ASSERT_TRUE(conn.write(std::span(data.data(), data.size())));
}

TEST(PubSubConnections, MessageReachesSubscriberBlockedInRead) {
  Server server;
  goro::run([&] {
    auto listener = goro::net::listen("tcp", "127.0.0.1:0");
    ASSERT_TRUE(listener);
    const std::string address = listener->addr();
    goro::go([&server, l = *listener]() mutable { accept_loop(server, l, ""); });
    auto subscriber = goro::net::dial("tcp", address);
    auto publisher = goro::net::dial("tcp", address);
    ASSERT_TRUE(subscriber && publisher);
    // A pipeline: the reply before SUBSCRIBE, the confirmation and the subscribed-mode PING
    // come back in order.
    send(*subscriber, "PING\r\nSUBSCRIBE news\r\nPING\r\n");
    const std::string expected =
        "+PONG\r\n*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n";
    EXPECT_EQ(read_bytes(*subscriber, expected.size()), expected);
    // The subscriber's goroutine is now parked in read; the message must still arrive.
    for (int i = 0; i < 3; ++i) {
      send(*publisher, "PUBLISH news hello\r\n");
      EXPECT_EQ(read_bytes(*publisher, 4), ":1\r\n");
      const std::string message = "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n";
      EXPECT_EQ(read_bytes(*subscriber, message.size()), message);
    }
    // QUIT: the reply is written, then the connection closes, after leaving the channel.
    send(*subscriber, "QUIT\r\n");
    EXPECT_EQ(read_to_eof(*subscriber), "+OK\r\n");
    send(*publisher, "PUBLISH news hello\r\n");
    EXPECT_EQ(read_bytes(*publisher, 4), ":0\r\n");
    (void)publisher->close();
    (void)listener->close();
    while (server.clients().size() > 0) goro::sleep(std::chrono::milliseconds(1));
  });
}

TEST(PubSubConnections, SubscriberThatNeverReadsIsDisconnected) {
  Server server;
  goro::run([&] {
    auto listener = goro::net::listen("tcp", "127.0.0.1:0");
    ASSERT_TRUE(listener);
    const std::string address = listener->addr();
    goro::go([&server, l = *listener]() mutable { accept_loop(server, l, ""); });
    auto slow = goro::net::dial("tcp", address);
    auto publisher = goro::net::dial("tcp", address);
    ASSERT_TRUE(slow && publisher);
    send(*publisher, "CONFIG SET client-output-buffer-limit \"pubsub 1mb 0 0\"\r\n");
    EXPECT_EQ(read_bytes(*publisher, 5), "+OK\r\n");
    send(*slow, "SUBSCRIBE flood\r\n");
    const std::string confirmation = "*3\r\n$9\r\nsubscribe\r\n$5\r\nflood\r\n:1\r\n";
    EXPECT_EQ(read_bytes(*slow, confirmation.size()), confirmation);
    // Publish until the slow subscriber is gone; socket buffers absorb some megabytes first.
    const std::string command = "PUBLISH flood " + std::string(64 * 1024, 'x') + "\r\n";
    for (int i = 0; i < 100'000; ++i) {
      send(*publisher, command);
      std::string reply = read_bytes(*publisher, 4);
      if (reply == ":0\r\n") break;
      ASSERT_EQ(reply, ":1\r\n");
    }
    send(*publisher, "PUBSUB NUMSUB flood\r\n");
    const std::string numsub = "*2\r\n$5\r\nflood\r\n:0\r\n";
    EXPECT_EQ(read_bytes(*publisher, numsub.size()), numsub);
    (void)slow->close();
    (void)publisher->close();
    (void)listener->close();
    while (server.clients().size() > 0) goro::sleep(std::chrono::milliseconds(1));
  });
}

}  // namespace
}  // namespace gorodis::testing
