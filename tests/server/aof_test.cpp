// aof_test.cpp — what of the AOF a Server without files can show: its configuration parameters
// and BGREWRITEAOF's command metadata against replies captured from redis-server 7.0.15, the
// RESP encoding of logged commands, and the forms handlers give for relative or random effects
// (the files, crashes and interoperability are in aof_py_test.py).
#include "aof.hpp"
#include "server_test_util.hpp"

namespace gorodis::testing {
namespace {

using namespace std::string_literals;

// Captured from redis-server 7.0.15 (raw socket, RESP2), replayed in order.
const Exchange kAofExchanges[] = {
    {{"config"s, "get"s, "appendfsync"s}, "*2\r\n$11\r\nappendfsync\r\n$8\r\neverysec\r\n"s},
    {{"config"s, "set"s, "appendfsync"s, "bogus"s},
     "-ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be "
     "one of the following: everysec, always, no\r\n"s},
    {{"config"s, "set"s, "appendfsync"s, "ALWAYS"s}, "+OK\r\n"s},
    {{"config"s, "get"s, "appendfsync"s}, "*2\r\n$11\r\nappendfsync\r\n$6\r\nalways\r\n"s},
    {{"config"s, "set"s, "appendfilename"s, "x"s},
     "-ERR CONFIG SET failed (possibly related to argument 'appendfilename') - can't set "
     "immutable config\r\n"s},
    {{"config"s, "set"s, "appenddirname"s, "y"s},
     "-ERR CONFIG SET failed (possibly related to argument 'appenddirname') - can't set "
     "immutable config\r\n"s},
    {{"config"s, "get"s, "appendfilename"s},
     "*2\r\n$14\r\nappendfilename\r\n$14\r\nappendonly.aof\r\n"s},
    {{"config"s, "get"s, "appenddirname"s},
     "*2\r\n$13\r\nappenddirname\r\n$13\r\nappendonlydir\r\n"s},
    {{"config"s, "get"s, "auto-aof-rewrite-percentage"s},
     "*2\r\n$27\r\nauto-aof-rewrite-percentage\r\n$3\r\n100\r\n"s},
    {{"config"s, "get"s, "auto-aof-rewrite-min-size"s},
     "*2\r\n$25\r\nauto-aof-rewrite-min-size\r\n$8\r\n67108864\r\n"s},
    {{"config"s, "set"s, "auto-aof-rewrite-min-size"s, "1mb"s}, "+OK\r\n"s},
    {{"config"s, "get"s, "auto-aof-rewrite-min-size"s},
     "*2\r\n$25\r\nauto-aof-rewrite-min-size\r\n$7\r\n1048576\r\n"s},
    {{"config"s, "get"s, "aof-load-truncated"s},
     "*2\r\n$18\r\naof-load-truncated\r\n$3\r\nyes\r\n"s},
    {{"config"s, "set"s, "appendonly"s, "maybe"s},
     "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be "
     "'yes' or 'no'\r\n"s},
    {{"command"s, "info"s, "bgrewriteaof"s},
     "*1\r\n*10\r\n$12\r\nbgrewriteaof\r\n:1\r\n*3\r\n+admin\r\n+noscript\r\n+no_async_loading"
     "\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n"s},
    {{"bgrewriteaof"s, "x"s}, "-ERR wrong number of arguments for 'bgrewriteaof' command\r\n"s},
    {{"command"s, "docs"s, "bgrewriteaof"s},
     "*2\r\n$12\r\nbgrewriteaof\r\n*8\r\n$7\r\nsummary\r\n$43\r\nAsynchronously rewrite the "
     "append-only file\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\n"
     "complexity\r\n$4\r\nO(1)\r\n"s},
};

TEST(Aof, ConfigurationAndMetadataMatchRedis) {
  TestServer server;
  server.replay(kAofExchanges);
}

TEST(Aof, EncodesCommandsAsRespArrays) {
  std::string out;
  const std::string_view argv[] = {"SET", "k", "", "a\r\nb"};
  encode_command(out, argv);
  EXPECT_EQ(out, "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n$4\r\na\r\nb\r\n");
}

// Runs `command` and returns what the AOF would log for it, one string per logged command.
std::vector<std::string> logged(TestServer& server, const std::vector<std::string>& command) {
  std::vector<std::string_view> argv(command.begin(), command.end());
  ReplyBuilder reply(2);
  CommandContext ctx{
      server.server(), server.client(), argv, reply, *CommandTable::instance().resolve(argv),
      server.now_ms()};
  ctx.command.handler(ctx);
  std::vector<std::string> forms;
  for (const LoggedCommand& form : logged_forms(ctx, 0)) forms.push_back(form.resp);
  return forms;
}

std::string resp(std::initializer_list<std::string_view> argv) {
  std::string out;
  encode_command(out, std::span(argv.begin(), argv.size()));
  return out;
}

TEST(Aof, RelativeAndRandomEffectsAreLoggedAsAbsoluteOnes) {
  TestServer server;
  const std::string at = std::to_string(server.now_ms() + 10000);
  EXPECT_EQ(logged(server, {"set", "k", "v", "ex", "10"}),
            std::vector{resp({"SET", "k", "v", "PXAT", at})});
  EXPECT_EQ(logged(server, {"setex", "k", "10", "v"}),
            std::vector{resp({"SET", "k", "v", "PXAT", at})});
  EXPECT_EQ(logged(server, {"expire", "k", "10"}), std::vector{resp({"PEXPIREAT", "k", at})});
  EXPECT_EQ(logged(server, {"getex", "k", "px", "10000"}),
            std::vector{resp({"PEXPIREAT", "k", at})});
  EXPECT_EQ(logged(server, {"pexpire", "k", "-1"}), std::vector{resp({"DEL", "k"})});
  EXPECT_EQ(logged(server, {"incrbyfloat", "f", "1.5"}),
            std::vector{resp({"SET", "f", "1.5", "KEEPTTL"})});
  EXPECT_EQ(logged(server, {"hincrbyfloat", "h", "x", "2.5"}),
            std::vector{resp({"HSET", "h", "x", "2.5"})});
  server.run({"sadd", "s", "only"});
  EXPECT_EQ(logged(server, {"spop", "s"}), std::vector{resp({"SREM", "s", "only"})});
  server.run({"sadd", "s", "a", "b"});
  EXPECT_EQ(logged(server, {"spop", "s", "5"}), std::vector{resp({"DEL", "s"})});
  server.run({"rpush", "l", "a", "b"});
  EXPECT_EQ(logged(server, {"blpop", "l", "0"}), std::vector{resp({"LPOP", "l"})});
  EXPECT_EQ(logged(server, {"brpoplpush", "l", "m", "0"}),
            std::vector{resp({"RPOPLPUSH", "l", "m"})});
  server.run({"zadd", "z", "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(logged(server, {"bzpopmin", "nokey", "z", "0"}),
            std::vector{resp({"ZPOPMIN", "z", "1"})});
  EXPECT_EQ(logged(server, {"bzpopmax", "z", "0"}), std::vector{resp({"ZPOPMAX", "z", "1"})});
  EXPECT_EQ(logged(server, {"bzmpop", "0", "2", "nokey", "z", "min", "count", "5"}),
            std::vector{resp({"ZPOPMIN", "z", "5"})});
  EXPECT_EQ(logged(server, {"set", "plain", "v"}), std::vector{resp({"set", "plain", "v"})});
}

}  // namespace
}  // namespace gorodis::testing
