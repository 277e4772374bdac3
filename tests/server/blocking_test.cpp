// blocking_test.cpp — the blocking list commands with real goroutines: each blocked client is a
// goroutine inside Server::execute, as a connection's would be. Checked: FIFO order of many
// waiters, one push of several elements serving several waiters, timeouts (RESP2 and RESP3 nil
// shapes), CLIENT UNBLOCK (TIMEOUT and ERROR), BLMOVE chains, a waiter on several keys, BLMPOP
// with COUNT, the WRONGTYPE of a BLMOVE destination found when served, keys of the wrong type,
// no blocking inside EXEC, and many concurrent pushers and waiters each element delivered once.
// Waits for "the client is blocked" poll the wait queues (no timing thresholds).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "blocking.hpp"
#include "goro/goro.hpp"
#include "goro/time.hpp"
#include "server.hpp"

namespace gorodis {
namespace {

class Client {
 public:
  Client(Server& server, int protocol = 2) : server_(server) {
    state_.id = server.next_client_id();
    state_.protocol = protocol;
    server.clients().add(state_, 1000);
  }
  ~Client() { server_.clients().remove(state_); }

  std::string run(std::vector<std::string> command) {
    std::vector<std::string_view> argv(command.begin(), command.end());
    ReplyBuilder reply(state_.protocol);
    server_.execute(state_, argv, reply);
    return reply.take();
  }

  // Runs `command` in its own goroutine; the reply arrives on replies().
  void start(std::vector<std::string> command) {
    goro::go([this, command = std::move(command)] { replies_.send(run(command)); });
  }
  std::string next_reply() { return *replies_.recv(); }
  bool has_reply() const { return replies_.len() > 0; }
  std::uint64_t id() const { return state_.id; }
  ClientState& state() { return state_; }

 private:
  Server& server_;
  ClientState state_;
  goro::Chan<std::string> replies_{16};
};

// How many clients wait on `key` of database 0.
std::size_t waiters(Server& server, const std::string& key) {
  Db& db = server.db(0);
  ShardLocks locks;
  locks.add_key(db, key);
  locks.lock();
  Shard& shard = db.shard(db.shard_of(key));
  auto queue = shard.blocked.find(key);
  return queue == shard.blocked.end() ? 0 : queue->second.size();
}

void wait_for_waiters(Server& server, const std::string& key, std::size_t count) {
  while (waiters(server, key) != count) goro::sleep(std::chrono::microseconds(200));
}

std::string pair_reply(const std::string& key, const std::string& value) {
  return "*2\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$" +
         std::to_string(value.size()) + "\r\n" + value + "\r\n";
}

template <class F>
void in_goroutines(F body) {
  goro::run([&] { body(); });
}

TEST(BlockingTest, WaitersAreServedInArrivalOrder) {
  in_goroutines([] {
    Server server;
    Client pusher(server);
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 6; ++i) {
      clients.push_back(std::make_unique<Client>(server));
      clients.back()->start({"blpop", "q", "0"});
      wait_for_waiters(server, "q", clients.size());
    }
    // One push of several elements serves as many waiters, oldest first.
    EXPECT_EQ(pusher.run({"rpush", "q", "a", "b", "c", "d"}), ":4\r\n");
    EXPECT_EQ(clients[0]->next_reply(), pair_reply("q", "a"));
    EXPECT_EQ(clients[1]->next_reply(), pair_reply("q", "b"));
    EXPECT_EQ(clients[2]->next_reply(), pair_reply("q", "c"));
    EXPECT_EQ(clients[3]->next_reply(), pair_reply("q", "d"));
    EXPECT_EQ(waiters(server, "q"), 2u);
    EXPECT_FALSE(clients[4]->has_reply());
    EXPECT_EQ(pusher.run({"exists", "q"}), ":0\r\n");
    EXPECT_EQ(pusher.run({"lpush", "q", "e", "f", "g"}), ":3\r\n");
    EXPECT_EQ(clients[4]->next_reply(), pair_reply("q", "g"));
    EXPECT_EQ(clients[5]->next_reply(), pair_reply("q", "f"));
    EXPECT_EQ(pusher.run({"lrange", "q", "0", "-1"}), "*1\r\n$1\r\ne\r\n");
    EXPECT_EQ(waiters(server, "q"), 0u);
  });
}

TEST(BlockingTest, TimeoutsReplyNil) {
  in_goroutines([] {
    Server server;
    Client resp2(server);
    Client resp3(server, 3);
    EXPECT_EQ(resp2.run({"blpop", "q", "0.01"}), "*-1\r\n");
    EXPECT_EQ(resp2.run({"blmove", "q", "d", "left", "left", "0.001"}), "*-1\r\n");
    EXPECT_EQ(resp3.run({"brpop", "q", "r", "0.01"}), "_\r\n");
    EXPECT_EQ(resp3.run({"blmpop", "0.01", "1", "q", "left"}), "_\r\n");
    EXPECT_EQ(waiters(server, "q"), 0u);
    EXPECT_EQ(waiters(server, "r"), 0u);
    // Argument errors are answered at once.
    EXPECT_EQ(resp2.run({"blpop", "q", "-1"}), "-ERR timeout is negative\r\n");
    EXPECT_EQ(resp2.run({"blpop", "q", "1e16"}), "-ERR timeout is negative\r\n");
    EXPECT_EQ(resp2.run({"blpop", "q", "x"}), "-ERR timeout is not a float or out of range\r\n");
  });
}

TEST(BlockingTest, ClientUnblock) {
  in_goroutines([] {
    Server server;
    Client admin(server);
    Client blocked(server);
    EXPECT_EQ(admin.run({"client", "unblock", std::to_string(blocked.id())}), ":0\r\n");
    blocked.start({"blpop", "q", "0"});
    wait_for_waiters(server, "q", 1);
    EXPECT_EQ(admin.run({"client", "unblock", std::to_string(blocked.id()), "timeout"}), ":1\r\n");
    EXPECT_EQ(blocked.next_reply(), "*-1\r\n");
    blocked.start({"blmpop", "0", "2", "q", "r", "left"});
    wait_for_waiters(server, "r", 1);
    EXPECT_EQ(admin.run({"client", "unblock", std::to_string(blocked.id()), "ERROR"}), ":1\r\n");
    EXPECT_EQ(blocked.next_reply(), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    EXPECT_EQ(waiters(server, "q"), 0u);
    EXPECT_EQ(waiters(server, "r"), 0u);
    EXPECT_EQ(admin.run({"client", "unblock", std::to_string(blocked.id()), "error"}), ":0\r\n");
    EXPECT_EQ(admin.run({"client", "unblock", "1", "later"}),
              "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
    // The element pushed after an unblock stays in the list.
    EXPECT_EQ(admin.run({"rpush", "q", "x"}), ":1\r\n");
    EXPECT_EQ(admin.run({"llen", "q"}), ":1\r\n");
  });
}

TEST(BlockingTest, MoveChainsAndSeveralKeys) {
  in_goroutines([] {
    Server server;
    Client pusher(server);
    Client first(server);
    Client second(server);
    Client last(server);
    first.start({"blmove", "a", "b", "left", "right", "0"});
    wait_for_waiters(server, "a", 1);
    second.start({"brpoplpush", "b", "c", "0"});
    wait_for_waiters(server, "b", 1);
    last.start({"blpop", "x", "c", "y", "0"});
    wait_for_waiters(server, "y", 1);
    EXPECT_EQ(pusher.run({"rpush", "a", "v"}), ":1\r\n");
    EXPECT_EQ(first.next_reply(), "$1\r\nv\r\n");
    EXPECT_EQ(second.next_reply(), "$1\r\nv\r\n");
    EXPECT_EQ(last.next_reply(), pair_reply("c", "v"));
    EXPECT_EQ(pusher.run({"exists", "a", "b", "c"}), ":0\r\n");
    // The waiter on several keys left every queue.
    EXPECT_EQ(waiters(server, "x"), 0u);
    EXPECT_EQ(waiters(server, "y"), 0u);
  });
}

TEST(BlockingTest, BlmpopCountAndTypes) {
  in_goroutines([] {
    Server server;
    Client pusher(server);
    Client waiter(server);
    waiter.start({"blmpop", "0", "2", "a", "b", "right", "count", "3"});
    wait_for_waiters(server, "b", 1);
    // A key of another type does not serve a list waiter; the list that replaces it does.
    EXPECT_EQ(pusher.run({"set", "a", "text"}), "+OK\r\n");
    EXPECT_EQ(waiters(server, "a"), 1u);
    EXPECT_FALSE(waiter.has_reply());
    EXPECT_EQ(pusher.run({"rpush", "b", "1", "2"}), ":2\r\n");
    EXPECT_EQ(waiter.next_reply(), "*2\r\n$1\r\nb\r\n*2\r\n$1\r\n2\r\n$1\r\n1\r\n");
    EXPECT_EQ(waiters(server, "a"), 0u);
    // A BLMOVE whose destination turned out to hold another type gets WRONGTYPE, and the
    // element stays where it was.
    waiter.start({"blmove", "s", "a", "left", "left", "0"});
    wait_for_waiters(server, "s", 1);
    EXPECT_EQ(pusher.run({"rpush", "s", "x"}), ":1\r\n");
    EXPECT_EQ(waiter.next_reply(),
              "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    EXPECT_EQ(pusher.run({"lrange", "s", "0", "-1"}), "*1\r\n$1\r\nx\r\n");
  });
}

TEST(BlockingTest, NoBlockingInsideExec) {
  in_goroutines([] {
    Server server;
    Client client(server);
    client.state().no_blocking = true;
    EXPECT_EQ(client.run({"blpop", "q", "0"}), "*-1\r\n");
    EXPECT_EQ(client.run({"blmove", "q", "d", "left", "left", "0"}), "*-1\r\n");
    EXPECT_EQ(client.run({"blmpop", "0", "1", "q", "left"}), "*-1\r\n");
    EXPECT_EQ(client.run({"rpush", "q", "a"}), ":1\r\n");
    EXPECT_EQ(client.run({"brpop", "q", "0"}), pair_reply("q", "a"));
    EXPECT_EQ(waiters(server, "q"), 0u);
  });
}

// Keys created by other means than a push (RENAME, COPY, SWAPDB) wake waiters too.
TEST(BlockingTest, KeysCreatedByKeyspaceCommands) {
  in_goroutines([] {
    Server server;
    Client admin(server);
    Client waiter(server);
    waiter.start({"blpop", "target", "0"});
    wait_for_waiters(server, "target", 1);
    EXPECT_EQ(admin.run({"rpush", "source", "r"}), ":1\r\n");
    EXPECT_EQ(admin.run({"rename", "source", "target"}), "+OK\r\n");
    EXPECT_EQ(waiter.next_reply(), pair_reply("target", "r"));
    waiter.start({"blpop", "target", "0"});
    wait_for_waiters(server, "target", 1);
    EXPECT_EQ(admin.run({"rpush", "source", "c"}), ":1\r\n");
    EXPECT_EQ(admin.run({"copy", "source", "target"}), ":1\r\n");
    EXPECT_EQ(waiter.next_reply(), pair_reply("target", "c"));
    waiter.start({"blpop", "target", "0"});
    wait_for_waiters(server, "target", 1);
    EXPECT_EQ(admin.run({"select", "1"}), "+OK\r\n");
    EXPECT_EQ(admin.run({"rpush", "target", "s"}), ":1\r\n");
    EXPECT_EQ(admin.run({"swapdb", "0", "1"}), "+OK\r\n");
    EXPECT_EQ(waiter.next_reply(), pair_reply("target", "s"));
  });
}

// Many waiters and pushers at once: every element is delivered exactly once.
TEST(BlockingTest, ConcurrentPushersAndWaiters) {
  in_goroutines([] {
    Server server;
    constexpr int kWaiters = 40;
    constexpr int kPushers = 8;
    std::vector<std::unique_ptr<Client>> waiting;
    for (int i = 0; i < kWaiters; ++i) {
      waiting.push_back(std::make_unique<Client>(server));
      // Each waits on a key that gets pushes and one that never does.
      waiting.back()->start(
          {"blpop", "x" + std::to_string(i % 3), "k" + std::to_string(i % 5), "0"});
    }
    std::vector<std::unique_ptr<Client>> pushers;
    goro::Chan<goro::Unit> done(kPushers);
    for (int p = 0; p < kPushers; ++p) {
      pushers.push_back(std::make_unique<Client>(server));
      // The client itself, not pushers[p]: the vector may still grow while this runs.
      goro::go([&, p, pusher = pushers.back().get()] {
        for (int i = p; i < kWaiters; i += kPushers) {
          pusher->run({"rpush", "k" + std::to_string(i % 5), "v" + std::to_string(i)});
        }
        done.send(goro::Unit{});
      });
    }
    for (int p = 0; p < kPushers; ++p) done.recv();
    std::set<std::string> values;
    for (auto& client : waiting) {
      std::string reply = client->next_reply();
      values.insert(reply.substr(reply.rfind("$")));
    }
    EXPECT_EQ(values.size(), static_cast<std::size_t>(kWaiters));
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(pushers[0]->run({"exists", "k" + std::to_string(i)}), ":0\r\n");
      EXPECT_EQ(waiters(server, "k" + std::to_string(i)), 0u);
    }
  });
}

}  // namespace
}  // namespace gorodis
