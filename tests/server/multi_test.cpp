// multi_test.cpp — MULTI EXEC DISCARD WATCH UNWATCH: every error path and reply shape against
// exchanges captured from redis-server 7.0.15 (two connections where WATCH needs a writer),
// WATCH's per-key precision inside one shard, expiry, FLUSHDB and SWAPDB, and races between
// goroutines on several Ps: WATCH never misses a change, and no reader sees half a transaction.
#include <atomic>
#include <map>

#include "goro/goro.hpp"
#include "goro/sync.hpp"
#include "server_test_util.hpp"

namespace gorodis::testing {
namespace {

using namespace std::string_literals;

// One exchange of a two-connection session: `client` 1 or 2 sends `command` and gets `reply`.
// Client 0 is not a connection: the step advances the clock by command[0] milliseconds (where
// the capture slept).
struct Step {
  int client;
  std::vector<std::string> command;
  std::string reply;
};

std::string run_as(Server& server, ClientState& client, const std::vector<std::string>& command) {
  std::vector<std::string_view> argv(command.begin(), command.end());
  ReplyBuilder reply(client.protocol);
  server.execute(client, argv, reply);
  return reply.take();
}

// A TestServer (client 1) plus a second connection (client 2).
class TwoClients {
 public:
  explicit TwoClients(int protocol = 2) {
    other_.id = server_.server().next_client_id();
    server_.client().protocol = protocol;
    other_.protocol = protocol;
  }

  std::string run(int client, const std::vector<std::string>& command) {
    return run_as(server_.server(), client == 1 ? server_.client() : other_, command);
  }

  void replay(std::span<const Step> steps) {
    for (const Step& step : steps) {
      if (step.client == 0) {
        server_.advance_ms(std::stoll(step.command[0]));
        continue;
      }
      EXPECT_EQ(run(step.client, step.command), step.reply)
          << "client " << step.client << ": " << describe(step.command);
    }
  }

  TestServer& server() { return server_; }
  ClientState& other() { return other_; }

 private:
  TestServer server_;
  ClientState other_;
};

// Captured from redis-server 7.0.15 (RESP2), replayed in order on a fresh server.
const Step kErrorPaths[] = {
    // outside MULTI
    {1, {"exec"s}, "-ERR EXEC without MULTI\r\n"s},
    {1, {"discard"s}, "-ERR DISCARD without MULTI\r\n"s},
    {1, {"unwatch"s}, "+OK\r\n"s},
    {1, {"watch"s}, "-ERR wrong number of arguments for 'watch' command\r\n"s},
    {1,
     {"exec"s, "x"s},
     "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n"s},
    {1, {"discard"s, "x"s}, "-ERR wrong number of arguments for 'discard' command\r\n"s},
    // nested MULTI and WATCH inside MULTI are errors that do not flag the transaction
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"multi"s}, "-ERR MULTI calls can not be nested\r\n"s},
    {1, {"set"s, "a"s, "1"s}, "+QUEUED\r\n"s},
    {1, {"watch"s, "a"s}, "-ERR WATCH inside MULTI is not allowed\r\n"s},
    {1, {"exec"s}, "*1\r\n+OK\r\n"s},
    // runtime errors inside EXEC do not roll back
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"set"s, "a"s, "1"s}, "+QUEUED\r\n"s},
    {1, {"incr"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"setrange"s, "a"s, "-1"s, "x"s}, "+QUEUED\r\n"s},
    {1, {"incrby"s, "a"s, "notanumber"s}, "+QUEUED\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1,
     {"exec"s},
     "*5\r\n+OK\r\n:2\r\n-ERR offset is out of range\r\n-ERR value is not an integer or out of range\r\n$1\r\n2\r\n"s},
    {1, {"get"s, "a"s}, "$1\r\n2\r\n"s},
    // queue-time errors abort EXEC
    {1, {"multi"s}, "+OK\r\n"s},
    {1,
     {"nosuchcmd"s, "x"s},
     "-ERR unknown command 'nosuchcmd', with args beginning with: 'x' \r\n"s},
    {1, {"set"s, "a"s}, "-ERR wrong number of arguments for 'set' command\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "-EXECABORT Transaction discarded because of previous errors.\r\n"s},
    {1, {"get"s, "a"s}, "$1\r\n2\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"config"s, "foo"s}, "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n"s},
    {1, {"exec"s}, "-EXECABORT Transaction discarded because of previous errors.\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"shutdown"s}, "-ERR Command not allowed inside a transaction\r\n"s},
    {1, {"exec"s}, "-EXECABORT Transaction discarded because of previous errors.\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"discard"s, "x"s}, "-ERR wrong number of arguments for 'discard' command\r\n"s},
    {1, {"exec"s}, "-EXECABORT Transaction discarded because of previous errors.\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"multi"s, "x"s}, "-ERR wrong number of arguments for 'multi' command\r\n"s},
    {1, {"exec"s}, "-EXECABORT Transaction discarded because of previous errors.\r\n"s},
    // a refused EXEC aborts at once
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"set"s, "a"s, "2"s}, "+QUEUED\r\n"s},
    {1,
     {"exec"s, "x"s},
     "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n"s},
    {1, {"exec"s}, "-ERR EXEC without MULTI\r\n"s},
    {1, {"get"s, "a"s}, "$1\r\n2\r\n"s},
    // DISCARD
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"set"s, "a"s, "3"s}, "+QUEUED\r\n"s},
    {1, {"discard"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "$1\r\n2\r\n"s},
    {1, {"exec"s}, "-ERR EXEC without MULTI\r\n"s},
    // empty and keyless transactions
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"exec"s}, "*0\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"echo"s, "hi"s}, "+QUEUED\r\n"s},
    {1, {"unwatch"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*3\r\n+PONG\r\n$2\r\nhi\r\n+OK\r\n"s},
    // RESET ends the transaction
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"set"s, "a"s, "4"s}, "+QUEUED\r\n"s},
    {1, {"reset"s}, "+RESET\r\n"s},
    {1, {"exec"s}, "-ERR EXEC without MULTI\r\n"s},
    {1, {"get"s, "a"s}, "$1\r\n2\r\n"s},
    // SELECT inside MULTI
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"select"s, "3"s}, "+QUEUED\r\n"s},
    {1, {"set"s, "s"s, "1"s}, "+QUEUED\r\n"s},
    {1, {"select"s, "99"s}, "+QUEUED\r\n"s},
    {1, {"select"s, "0"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*4\r\n+OK\r\n+OK\r\n-ERR DB index is out of range\r\n+OK\r\n"s},
    {1, {"select"s, "3"s}, "+OK\r\n"s},
    {1, {"get"s, "s"s}, "$1\r\n1\r\n"s},
    {1, {"select"s, "0"s}, "+OK\r\n"s},
    // whole-keyspace commands inside MULTI
    {1, {"flushdb"s}, "+OK\r\n"s},
    {1, {"set"s, "k1"s, "v1"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"dbsize"s}, "+QUEUED\r\n"s},
    {1, {"keys"s, "k*"s}, "+QUEUED\r\n"s},
    {1, {"randomkey"s}, "+QUEUED\r\n"s},
    {1, {"move"s, "k1"s, "5"s}, "+QUEUED\r\n"s},
    {1, {"copy"s, "s"s, "s2"s, "db"s, "3"s}, "+QUEUED\r\n"s},
    {1, {"swapdb"s, "0"s, "3"s}, "+QUEUED\r\n"s},
    {1, {"get"s, "s"s}, "+QUEUED\r\n"s},
    {1, {"dbsize"s}, "+QUEUED\r\n"s},
    {1, {"flushdb"s}, "+QUEUED\r\n"s},
    {1, {"swapdb"s, "0"s, "3"s}, "+QUEUED\r\n"s},
    {1, {"flushall"s}, "+QUEUED\r\n"s},
    {1, {"dbsize"s}, "+QUEUED\r\n"s},
    {1,
     {"exec"s},
     "*12\r\n:1\r\n*1\r\n$2\r\nk1\r\n$2\r\nk1\r\n:1\r\n:0\r\n+OK\r\n$1\r\n1\r\n:1\r\n+OK\r\n+OK\r\n+OK\r\n:0\r\n"s},
};

const Step kWatch[] = {
    // WATCH is per key: a write to another key does not abort
    {1, {"set"s, "a"s, "1"s}, "+OK\r\n"s},
    {1, {"watch"s, "a"s, "b"s}, "+OK\r\n"s},
    {2, {"set"s, "c"s, "3"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n$1\r\n1\r\n"s},
    // ... a write to a watched key does
    {1, {"watch"s, "a"s, "b"s}, "+OK\r\n"s},
    {2, {"set"s, "b"s, "2"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    // the watching client's own write counts too
    {1, {"watch"s, "a"s}, "+OK\r\n"s},
    {1, {"set"s, "a"s, "5"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    // reads do not count; rewriting the same value does
    {1, {"watch"s, "a"s}, "+OK\r\n"s},
    {2, {"get"s, "a"s}, "$1\r\n5\r\n"s},
    {2, {"touch"s, "a"s}, ":1\r\n"s},
    {2, {"exists"s, "a"s}, ":1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n$1\r\n5\r\n"s},
    {1, {"watch"s, "a"s}, "+OK\r\n"s},
    {2, {"set"s, "a"s, "5"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    // EXEC, UNWATCH, DISCARD and an aborted EXEC all unwatch
    {1, {"watch"s, "a"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n$1\r\n5\r\n"s},
    {2, {"set"s, "a"s, "6"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n$1\r\n6\r\n"s},
    {1, {"watch"s, "a"s}, "+OK\r\n"s},
    {2, {"set"s, "a"s, "7"s}, "+OK\r\n"s},
    {1, {"unwatch"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n$1\r\n7\r\n"s},
    {1, {"watch"s, "a"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"discard"s}, "+OK\r\n"s},
    {2, {"set"s, "a"s, "8"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n$1\r\n8\r\n"s},
    {1, {"watch"s, "a"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"nosuchcmd"s}, "-ERR unknown command 'nosuchcmd', with args beginning with: \r\n"s},
    {1, {"exec"s}, "-EXECABORT Transaction discarded because of previous errors.\r\n"s},
    {2, {"set"s, "a"s, "9"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n$1\r\n9\r\n"s},
    {1, {"watch"s, "a"s}, "+OK\r\n"s},
    {2, {"set"s, "a"s, "10"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {2, {"set"s, "a"s, "11"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n$2\r\n11\r\n"s},
    // a queued UNWATCH runs inside EXEC, too late to matter
    {1, {"watch"s, "a"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"unwatch"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+OK\r\n"s},
    // RESET unwatches
    {1, {"watch"s, "a"s}, "+OK\r\n"s},
    {1, {"reset"s}, "+RESET\r\n"s},
    {2, {"set"s, "a"s, "12"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n$2\r\n12\r\n"s},
    // deletion; deleting or expiring a missing key is no change
    {1, {"watch"s, "a"s}, "+OK\r\n"s},
    {2, {"del"s, "a"s}, ":1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "nokey"s}, "+OK\r\n"s},
    {2, {"del"s, "nokey"s}, ":0\r\n"s},
    {2, {"expire"s, "nokey"s, "100"s}, ":0\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"watch"s, "nokey"s}, "+OK\r\n"s},
    {2, {"set"s, "nokey"s, "1"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    // TTL changes count; PERSIST of a key without TTL does not
    {1, {"set"s, "e"s, "1"s}, "+OK\r\n"s},
    {1, {"watch"s, "e"s}, "+OK\r\n"s},
    {2, {"expire"s, "e"s, "100"s}, ":1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "e"s}, "+OK\r\n"s},
    {2, {"persist"s, "e"s}, ":1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "e"s}, "+OK\r\n"s},
    {2, {"persist"s, "e"s}, ":0\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    // RENAME touches both keys
    {1, {"set"s, "r"s, "1"s}, "+OK\r\n"s},
    {1, {"watch"s, "r2"s}, "+OK\r\n"s},
    {2, {"rename"s, "r"s, "r2"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "r2"s}, "+OK\r\n"s},
    {2, {"rename"s, "r2"s, "r"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    // watching after the client turned dirty changes nothing
    {1, {"watch"s, "a"s}, "+OK\r\n"s},
    {2, {"set"s, "a"s, "13"s}, "+OK\r\n"s},
    {1, {"watch"s, "zz"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    // a key is watched in the database it was watched in
    {1, {"set"s, "w"s, "1"s}, "+OK\r\n"s},
    {1, {"select"s, "2"s}, "+OK\r\n"s},
    {1, {"watch"s, "w"s}, "+OK\r\n"s},
    {1, {"select"s, "0"s}, "+OK\r\n"s},
    {2, {"set"s, "w"s, "2"s}, "+OK\r\n"s},
    {1, {"select"s, "2"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"select"s, "0"s}, "+OK\r\n"s},
    {1, {"watch"s, "w"s}, "+OK\r\n"s},
    {2, {"select"s, "2"s}, "+OK\r\n"s},
    {2, {"set"s, "w"s, "3"s}, "+OK\r\n"s},
    {2, {"select"s, "0"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    // FLUSHDB / FLUSHALL touch watched keys that existed
    {1, {"set"s, "k"s, "1"s}, "+OK\r\n"s},
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"flushdb"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"flushdb"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"set"s, "k"s, "1"s}, "+OK\r\n"s},
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"flushall"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"set"s, "k"s, "1"s}, "+OK\r\n"s},
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"select"s, "1"s}, "+OK\r\n"s},
    {2, {"flushdb"s}, "+OK\r\n"s},
    {2, {"select"s, "0"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    // SWAPDB touches watched keys present in either database
    {1, {"flushall"s}, "+OK\r\n"s},
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"swapdb"s, "0"s, "1"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {2, {"select"s, "1"s}, "+OK\r\n"s},
    {2, {"set"s, "k"s, "x"s}, "+OK\r\n"s},
    {2, {"select"s, "0"s}, "+OK\r\n"s},
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"swapdb"s, "0"s, "1"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"swapdb"s, "0"s, "1"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"flushall"s}, "+OK\r\n"s},
    {1, {"set"s, "k"s, "v"s}, "+OK\r\n"s},
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"swapdb"s, "1"s, "2"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    // MOVE and COPY
    {1, {"flushall"s}, "+OK\r\n"s},
    {1, {"set"s, "m"s, "1"s}, "+OK\r\n"s},
    {1, {"watch"s, "m"s}, "+OK\r\n"s},
    {2, {"move"s, "m"s, "1"s}, ":1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"select"s, "1"s}, "+OK\r\n"s},
    {1, {"watch"s, "m"s}, "+OK\r\n"s},
    {2, {"move"s, "m"s, "1"s}, ":0\r\n"s},
    {2, {"select"s, "1"s}, "+OK\r\n"s},
    {2, {"move"s, "m"s, "0"s}, ":1\r\n"s},
    {2, {"select"s, "0"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"select"s, "0"s}, "+OK\r\n"s},
    {1, {"watch"s, "m2"s}, "+OK\r\n"s},
    {2, {"copy"s, "m"s, "m2"s}, ":1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
};

// Captured from redis-server 7.0.15: which writes of the string family touch a watched key.
const Step kWatchWrites[] = {
    {1, {"set"s, "n"s, "1"s}, "+OK\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"incr"s, "n"s}, ":2\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"incrbyfloat"s, "n"s, "1.5"s}, "$3\r\n3.5\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"append"s, "n"s, "x"s}, ":4\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"append"s, "n"s, "\"\""s}, ":6\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"setrange"s, "n"s, "0"s, "z"s}, ":6\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"setbit"s, "n"s, "1"s, "1"s}, ":1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"setbit"s, "n"s, "1"s, "1"s}, ":1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"getex"s, "n"s, "ex"s, "100"s}, "$6\r\nz.5x\"\"\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"getex"s, "n"s, "persist"s}, "$6\r\nz.5x\"\"\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"getex"s, "n"s}, "$6\r\nz.5x\"\"\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"getdel"s, "n"s}, "$6\r\nz.5x\"\"\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"setnx"s, "n"s, "1"s}, ":1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"setnx"s, "n"s, "2"s}, ":0\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"set"s, "n"s, "3"s, "nx"s}, "$-1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"mset"s, "n"s, "4"s, "o"s, "4"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"msetnx"s, "n"s, "5"s, "p"s, "5"s}, ":0\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"bitop"s, "not"s, "n"s, "o"s}, ":1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"bitfield"s, "n"s, "set"s, "u8"s, "0"s, "1"s}, "*1\r\n:203\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"bitfield"s, "n"s, "get"s, "u8"s, "0"s}, "*1\r\n:1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"watch"s, "n"s}, "+OK\r\n"s},
    {2, {"pexpireat"s, "n"s, "1"s}, ":1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"set"s, "d"s, "1"s}, "+OK\r\n"s},
    {1, {"watch"s, "d"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"watch"s, "d"s}, "+OK\r\n"s},
    {2, {"expire"s, "d"s, "0"s}, ":1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"set"s, "d"s, "1"s}, "+OK\r\n"s},
    {1, {"watch"s, "d"s}, "+OK\r\n"s},
    {2, {"set"s, "d"s, "2"s, "keepttl"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "d"s}, "+OK\r\n"s},
    {2, {"psetex"s, "d"s, "100"s, "x"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"watch"s, "d"s}, "+OK\r\n"s},
    {2, {"unlink"s, "d"s}, ":1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
};

// Captured with real sleeps and active expiry off; replayed with the manual clock.
const Step kWatchExpiry[] = {
    // a watched key whose TTL passes before EXEC aborts it, accessed or not
    {1, {"set"s, "t"s, "1"s, "px"s, "100"s}, "+OK\r\n"s},
    {1, {"watch"s, "t"s}, "+OK\r\n"s},
    {0, {"200"s}, ""s},  // the clock advances 200 ms
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"set"s, "t"s, "1"s, "px"s, "100"s}, "+OK\r\n"s},
    {1, {"watch"s, "t"s}, "+OK\r\n"s},
    {0, {"200"s}, ""s},  // the clock advances 200 ms
    {2, {"get"s, "t"s}, "$-1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"set"s, "t"s, "1"s, "px"s, "100"s}, "+OK\r\n"s},
    {1, {"watch"s, "t"s}, "+OK\r\n"s},
    {0, {"200"s}, ""s},  // the clock advances 200 ms
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "t"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    // a key already expired when watched does not abort, and its deletion is no change
    {1, {"set"s, "t"s, "1"s, "px"s, "100"s}, "+OK\r\n"s},
    {0, {"200"s}, ""s},  // the clock advances 200 ms
    {1, {"watch"s, "t"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"set"s, "t"s, "1"s, "px"s, "100"s}, "+OK\r\n"s},
    {0, {"200"s}, ""s},  // the clock advances 200 ms
    {1, {"watch"s, "t"s}, "+OK\r\n"s},
    {2, {"get"s, "t"s}, "$-1\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"set"s, "t"s, "1"s, "px"s, "100"s}, "+OK\r\n"s},
    {0, {"200"s}, ""s},  // the clock advances 200 ms
    {1, {"watch"s, "t"s}, "+OK\r\n"s},
    {2, {"del"s, "t"s}, ":0\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"set"s, "t"s, "1"s, "px"s, "100"s}, "+OK\r\n"s},
    {0, {"200"s}, ""s},  // the clock advances 200 ms
    {1, {"watch"s, "t"s}, "+OK\r\n"s},
    {2, {"flushdb"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    // ... but writing it again is
    {1, {"set"s, "t"s, "1"s, "px"s, "100"s}, "+OK\r\n"s},
    {0, {"200"s}, ""s},  // the clock advances 200 ms
    {1, {"watch"s, "t"s}, "+OK\r\n"s},
    {2, {"set"s, "t"s, "2"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"set"s, "t"s, "1"s, "px"s, "100"s}, "+OK\r\n"s},
    {0, {"200"s}, ""s},  // the clock advances 200 ms
    {1, {"watch"s, "t"s}, "+OK\r\n"s},
    {2, {"get"s, "t"s}, "$-1\r\n"s},
    {2, {"set"s, "t"s, "2"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    // SWAPDB with expired keys
    {1, {"flushall"s}, "+OK\r\n"s},
    {2, {"select"s, "1"s}, "+OK\r\n"s},
    {2, {"set"s, "k"s, "v"s, "px"s, "100"s}, "+OK\r\n"s},
    {0, {"200"s}, ""s},  // the clock advances 200 ms
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"swapdb"s, "0"s, "1"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"flushall"s}, "+OK\r\n"s},
    {2, {"set"s, "k"s, "v"s}, "+OK\r\n"s},
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"swapdb"s, "0"s, "1"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"flushall"s}, "+OK\r\n"s},
    {1, {"set"s, "k"s, "v"s, "px"s, "100"s}, "+OK\r\n"s},
    {0, {"200"s}, ""s},  // the clock advances 200 ms
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"swapdb"s, "0"s, "1"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"flushall"s}, "+OK\r\n"s},
    {1, {"set"s, "k"s, "v"s, "px"s, "100"s}, "+OK\r\n"s},
    {2, {"set"s, "k"s, "w"s, "px"s, "100"s}, "+OK\r\n"s},
    {0, {"200"s}, ""s},  // the clock advances 200 ms
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"swapdb"s, "0"s, "1"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*1\r\n+PONG\r\n"s},
    {1, {"flushall"s}, "+OK\r\n"s},
    {1, {"set"s, "k"s, "v"s, "px"s, "100"s}, "+OK\r\n"s},
    {0, {"200"s}, ""s},  // the clock advances 200 ms
    {2, {"set"s, "k"s, "w"s}, "+OK\r\n"s},
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"swapdb"s, "0"s, "1"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"flushall"s}, "+OK\r\n"s},
    {1, {"set"s, "k"s, "v"s}, "+OK\r\n"s},
    {1, {"watch"s, "k"s}, "+OK\r\n"s},
    {2, {"swapdb"s, "0"s, "1"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"ping"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*-1\r\n"s},
    {1, {"flushall"s}, "+OK\r\n"s},
    // inside EXEC the clock stands still
    {1, {"set"s, "t"s, "1"s, "px"s, "100"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"pttl"s, "t"s}, "+QUEUED\r\n"s},
    {1, {"get"s, "t"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "*2\r\n:100\r\n$1\r\n1\r\n"s},
};

// Captured after HELLO 3 on both connections.
const Step kResp3[] = {
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"set"s, "a"s, "1"s}, "+QUEUED\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"get"s, "missing"s}, "+QUEUED\r\n"s},
    {1, {"incr"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"setrange"s, "a"s, "-1"s, "x"s}, "+QUEUED\r\n"s},
    {1, {"config"s, "get"s, "maxclients"s}, "+QUEUED\r\n"s},
    {1,
     {"exec"s},
     "*6\r\n+OK\r\n$1\r\n1\r\n_\r\n:2\r\n-ERR offset is out of range\r\n%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n"s},
    {1, {"watch"s, "a"s}, "+OK\r\n"s},
    {2, {"set"s, "a"s, "2"s}, "+OK\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"get"s, "a"s}, "+QUEUED\r\n"s},
    {1, {"exec"s}, "_\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1, {"nosuchcmd"s}, "-ERR unknown command 'nosuchcmd', with args beginning with: \r\n"s},
    {1, {"exec"s}, "-EXECABORT Transaction discarded because of previous errors.\r\n"s},
    {1, {"exec"s}, "-ERR EXEC without MULTI\r\n"s},
    {1, {"multi"s}, "+OK\r\n"s},
    {1,
     {"exec"s, "x"s},
     "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n"s},
};

TEST(Multi, ErrorPathsAndReplies) {
  TwoClients clients;
  clients.replay(kErrorPaths);
}

TEST(Multi, Watch) {
  TwoClients clients;
  clients.replay(kWatch);
}

TEST(Multi, WatchWrites) {
  TwoClients clients;
  clients.replay(kWatchWrites);
}

TEST(Multi, WatchExpiry) {
  TwoClients clients;
  clients.replay(kWatchExpiry);
}

TEST(Multi, Resp3) {
  TwoClients clients(3);
  clients.replay(kResp3);
}

// Captured from redis-server 7.0.15 with requirepass set, before AUTH: a refused EXEC keeps
// the NOAUTH code in its reason.
TEST(Multi, ExecRefusedForAuthentication) {
  TestServer server;
  server.client().authenticated = false;
  EXPECT_EQ(server.run({"exec"}),
            "-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n");
  EXPECT_EQ(server.run({"multi"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(server.run({"exec", "x"}),
            "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
            "command\r\n");
}

// Two distinct keys of the same shard of database 0, or of different shards.
std::pair<std::string, std::string> key_pair(Server& server, bool same_shard) {
  Db& db = server.db(0);
  const std::string first = "key:0";
  for (int i = 1;; ++i) {
    std::string second = "key:" + std::to_string(i);
    if ((db.shard_of(second) == db.shard_of(first)) == same_shard) return {first, second};
  }
}

// Redis watches keys, not shards: a write to another key of the watched key's shard must not
// abort the transaction, and a write to the key itself must.
TEST(Multi, WatchIsPerKeyWithinAShard) {
  TwoClients clients;
  auto [watched, neighbour] = key_pair(clients.server().server(), true);
  EXPECT_EQ(clients.run(1, {"watch", watched}), "+OK\r\n");
  EXPECT_EQ(clients.run(2, {"set", neighbour, "1"}), "+OK\r\n");
  EXPECT_EQ(clients.run(2, {"del", neighbour}), ":1\r\n");
  EXPECT_EQ(clients.run(1, {"multi"}), "+OK\r\n");
  EXPECT_EQ(clients.run(1, {"set", watched, "mine"}), "+QUEUED\r\n");
  EXPECT_EQ(clients.run(1, {"exec"}), "*1\r\n+OK\r\n");
  EXPECT_EQ(clients.run(1, {"watch", watched}), "+OK\r\n");
  EXPECT_EQ(clients.run(2, {"append", watched, "!"}), ":5\r\n");
  EXPECT_EQ(clients.run(1, {"multi"}), "+OK\r\n");
  EXPECT_EQ(clients.run(1, {"set", watched, "lost"}), "+QUEUED\r\n");
  EXPECT_EQ(clients.run(1, {"exec"}), "*-1\r\n");
  EXPECT_EQ(clients.run(1, {"get", watched}), "$5\r\nmine!\r\n");
}

// Several clients watching one key all turn dirty; unwatching leaves no registry entry behind.
TEST(Multi, WatchersOfOneKeyAndRegistryCleanup) {
  TwoClients clients;
  Server& server = clients.server().server();
  ClientState third;
  third.id = server.next_client_id();
  EXPECT_EQ(clients.run(1, {"watch", "k", "j"}), "+OK\r\n");
  EXPECT_EQ(run_as(server, third, {"watch", "k"}), "+OK\r\n");
  EXPECT_EQ(clients.run(2, {"set", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(clients.run(1, {"multi"}), "+OK\r\n");
  EXPECT_EQ(clients.run(1, {"exec"}), "*-1\r\n");
  EXPECT_EQ(run_as(server, third, {"multi"}), "+OK\r\n");
  EXPECT_EQ(run_as(server, third, {"exec"}), "*-1\r\n");
  {
    ClientState closing;
    closing.id = server.next_client_id();
    EXPECT_EQ(run_as(server, closing, {"watch", "k", "z"}), "+OK\r\n");
  }  // the connection closes: it unwatches
  Db& db = server.db(0);
  for (std::size_t i = 0; i < db.shard_count(); ++i) {
    EXPECT_TRUE(db.shard(i).watchers.empty()) << "shard " << i;
  }
}

// Commands that lock for themselves (LockPolicy::kManual) run inside EXEC, which already holds
// every shard for them, without locking again (goro::Mutex is not recursive: this would hang),
// and see the transaction's earlier writes.
TEST(Multi, QueuedCommandsRunWithEveryLockTheyNeed) {
  TwoClients clients;
  EXPECT_EQ(clients.run(1, {"multi"}), "+OK\r\n");
  EXPECT_EQ(clients.run(1, {"set", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(clients.run(1, {"info", "keyspace"}), "+QUEUED\r\n");
  EXPECT_EQ(clients.run(1, {"scan", "0", "count", "100"}), "+QUEUED\r\n");
  EXPECT_EQ(clients.run(1, {"debug", "populate", "3"}), "+QUEUED\r\n");
  EXPECT_EQ(clients.run(1, {"dbsize"}), "+QUEUED\r\n");
  EXPECT_EQ(
      clients.run(1, {"exec"}),
      "*5\r\n+OK\r\n$44\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n*2\r\n$1\r\n0\r\n"
      "*1\r\n$1\r\na\r\n+OK\r\n:4\r\n");
}

// CLIENT LIST/INFO show Redis's transaction state: flags x (in MULTI) and d (a watched key
// changed), multi=<queued commands> (-1 outside MULTI); the block runs still inside MULTI.
TEST(Multi, ClientListShowsTransactionState) {
  TwoClients clients;
  auto info = [&] { return clients.run(1, {"client", "info"}); };
  EXPECT_NE(info().find(" flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 "), std::string::npos);
  EXPECT_EQ(clients.run(1, {"watch", "x"}), "+OK\r\n");
  EXPECT_EQ(clients.run(2, {"set", "x", "1"}), "+OK\r\n");
  EXPECT_NE(info().find(" flags=d db=0 sub=0 psub=0 ssub=0 multi=-1 "), std::string::npos);
  EXPECT_EQ(clients.run(1, {"multi"}), "+OK\r\n");
  EXPECT_EQ(clients.run(1, {"set", "y", "1"}), "+QUEUED\r\n");
  ClientRegistry& registry = clients.server().server().clients();
  ASSERT_TRUE(registry.add(clients.server().client(), 10));
  std::string listed = clients.run(2, {"client", "list"});
  registry.remove(clients.server().client());
  // Like Redis, a transaction that can only abort stores nothing: multi=0.
  EXPECT_NE(listed.find(" flags=xd db=0 sub=0 psub=0 ssub=0 multi=0 "), std::string::npos)
      << listed;
  EXPECT_EQ(clients.run(1, {"discard"}), "+OK\r\n");
  EXPECT_EQ(clients.run(1, {"multi"}), "+OK\r\n");
  EXPECT_EQ(clients.run(1, {"set", "y", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(clients.run(1, {"client", "info"}), "+QUEUED\r\n");
  std::string block = clients.run(1, {"exec"});
  EXPECT_NE(block.find(" flags=x db=0 sub=0 psub=0 ssub=0 multi=2 "), std::string::npos) << block;
  EXPECT_NE(block.find(" cmd=exec "), std::string::npos) << block;
  EXPECT_NE(info().find(" flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 "), std::string::npos);
}

// CLIENT PAUSE WRITE holds back an EXEC whose queue holds a write, as Redis does, and lets
// one with only reads through.
TEST(Multi, PauseWriteHoldsBackExecWithWrites) {
  TestServer server;
  PauseState& pause = server.server().pause();
  pause.mode.store(PauseState::kWrite);
  pause.end_ms.store(server.now_ms() + 1000);
  const CommandSpec& exec = *CommandTable::instance().find("exec");
  EXPECT_EQ(server.run({"multi"}), "+OK\r\n");
  EXPECT_EQ(server.run({"get", "a"}), "+QUEUED\r\n");
  EXPECT_FALSE(pause.blocks(exec, server.client(), server.now_ms()));
  EXPECT_EQ(server.run({"set", "a", "1"}), "+QUEUED\r\n");
  EXPECT_TRUE(pause.blocks(exec, server.client(), server.now_ms()));
  EXPECT_EQ(server.run({"discard"}), "+OK\r\n");
  EXPECT_FALSE(pause.blocks(exec, server.client(), server.now_ms()));
}

// Parses the two bulk strings of an MGET/EXEC-of-two-GETs reply ("$-1" for a missing key).
std::pair<std::string, std::string> two_bulks(const std::string& reply) {
  std::vector<std::string> values;
  std::size_t pos = reply.find("\r\n") + 2;
  while (pos < reply.size()) {
    std::size_t end = reply.find("\r\n", pos);
    long long length = std::stoll(reply.substr(pos + 1, end - pos - 1));
    pos = end + 2;
    if (length < 0) {
      values.emplace_back("(nil)");
      continue;
    }
    values.push_back(reply.substr(pos, static_cast<std::size_t>(length)));
    pos += static_cast<std::size_t>(length) + 2;
  }
  EXPECT_EQ(values.size(), 2u) << reply;
  values.resize(2);
  return {values[0], values[1]};
}

// Check-and-set with WATCH from goroutines on several Ps while others touch the counters
// without changing them: every successful EXEC must have seen the latest value, so each
// counter ends equal to its number of successful EXECs (a missed change loses an increment).
TEST(Multi, WatchNeverMissesAChangeUnderContention) {
  constexpr int kCounters = 3;
  constexpr int kIncrementers = 6;
  constexpr int kIncrementsEach = 150;
  TestServer server;
  Server& core = server.server();
  std::atomic<long long> successes[kCounters] = {};
  std::atomic<long long> aborts{0};
  std::atomic<bool> stop{false};
  goro::run([&] {
    goro::gomaxprocs(4);
    goro::WaitGroup incrementers;
    goro::WaitGroup toucher;
    incrementers.add(kIncrementers);
    toucher.add(1);
    for (int w = 0; w < kIncrementers; ++w) {
      goro::go([&, w] {
        ClientState client;
        client.id = core.next_client_id();
        for (int i = 0; i < kIncrementsEach; ++i) {
          const int c = (w + i) % kCounters;
          const std::string key = "counter:" + std::to_string(c);
          for (;;) {
            run_as(core, client, {"WATCH", key});
            std::string got = run_as(core, client, {"GET", key});
            long long value = 0;
            if (got != "$-1\r\n") value = std::stoll(got.substr(got.find("\r\n") + 2));
            goro::yield();  // let the others interleave between the read and the write
            run_as(core, client, {"MULTI"});
            run_as(core, client, {"SET", key, std::to_string(value + 1)});
            if (run_as(core, client, {"EXEC"}) == "*1\r\n+OK\r\n") {
              successes[c].fetch_add(1);
              break;
            }
            aborts.fetch_add(1);
            goro::yield();
          }
        }
        incrementers.done();
      });
    }
    // Writes that change nothing a counter's value depends on: TTL set and removed, and
    // writes to other keys.
    goro::go([&] {
      ClientState client;
      client.id = core.next_client_id();
      for (long long n = 0; !stop.load(); ++n) {
        const std::string key = "counter:" + std::to_string(n % kCounters);
        run_as(core, client, {"EXPIRE", key, "1000"});
        run_as(core, client, {"PERSIST", key});
        run_as(core, client, {"SET", "noise:" + std::to_string(n % 64), "x"});
        goro::yield();
      }
      toucher.done();
    });
    incrementers.wait();
    stop.store(true);
    toucher.wait();
  });
  long long total = 0;
  for (int c = 0; c < kCounters; ++c) {
    const long long expected = successes[c].load();
    total += expected;
    EXPECT_EQ(server.run({"GET", "counter:" + std::to_string(c)}),
              "$" + std::to_string(std::to_string(expected).size()) + "\r\n" +
                  std::to_string(expected) + "\r\n");
  }
  EXPECT_EQ(total, kIncrementers * kIncrementsEach);
  RecordProperty("aborted_execs", static_cast<int>(aborts.load()));
}

// Writers set two keys of different shards to the same value in one transaction (key-only,
// or whole-keyspace because of a queued DEBUG); readers on other Ps read both at once, with
// MGET or a transaction of two GETs, and must never see them differ.
TEST(Multi, NoClientSeesHalfATransaction) {
  constexpr int kWriters = 3;
  constexpr int kReaders = 3;
  constexpr int kWritesEach = 400;
  constexpr int kFillers = 8;
  TestServer server;
  Server& core = server.server();
  // Plain variables, not a structured binding: clang 14 cannot capture those in a lambda.
  const auto keys = key_pair(core, false);
  const std::string& a = keys.first;
  const std::string& b = keys.second;
  std::atomic<int> torn{0};
  std::atomic<long long> reads{0};
  std::atomic<bool> stop{false};
  goro::run([&] {
    goro::gomaxprocs(4);
    goro::WaitGroup writers;
    goro::WaitGroup readers;
    writers.add(kWriters);
    readers.add(kReaders);
    for (int w = 0; w < kWriters; ++w) {
      goro::go([&, w] {
        ClientState client;
        client.id = core.next_client_id();
        for (int i = 0; i < kWritesEach; ++i) {
          const std::string value = std::to_string(w) + ":" + std::to_string(i);
          run_as(core, client, {"MULTI"});
          run_as(core, client, {"SET", a, value});
          // Widen the window between the two writes: key-only fillers, or a whole-keyspace
          // DEBUG SLEEP 0, which parks the goroutine in the middle of its EXEC.
          for (int f = 0; f < kFillers; ++f) run_as(core, client, {"INCR", "filler"});
          if (i % 4 == 0) run_as(core, client, {"DEBUG", "SLEEP", "0"});
          run_as(core, client, {"SET", b, value});
          std::string reply = run_as(core, client, {"EXEC"});
          const std::string expected =
              "*" + std::to_string(kFillers + 2 + (i % 4 == 0)) + "\r\n+OK\r\n";
          EXPECT_TRUE(reply.starts_with(expected)) << reply;
        }
        writers.done();
      });
    }
    for (int r = 0; r < kReaders; ++r) {
      goro::go([&, r] {
        ClientState client;
        client.id = core.next_client_id();
        while (!stop.load()) {
          std::string reply;
          if (r % 2 == 0) {
            reply = run_as(core, client, {"MGET", a, b});
          } else {
            run_as(core, client, {"MULTI"});
            run_as(core, client, {"GET", a});
            run_as(core, client, {"GET", b});
            reply = run_as(core, client, {"EXEC"});
          }
          auto [first, second] = two_bulks(reply);
          if (first != second) torn.fetch_add(1);
          reads.fetch_add(1);
          goro::yield();
        }
        readers.done();
      });
    }
    writers.wait();
    stop.store(true);
    readers.wait();
  });
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

}  // namespace
}  // namespace gorodis::testing
