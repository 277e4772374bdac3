// command_table_test.cpp — the command table and everything derived from it: dispatch errors,
// COMMAND INFO/DOCS/GETKEYS/LIST, against replies captured from Redis 7.0.15.
#include "command_table.hpp"
#include "server_test_util.hpp"

namespace gorodis::testing {
namespace {

using namespace std::string_literals;

// Captured from redis-server 7.0.15 (RESP2), replayed in order on a fresh server.
const Exchange
    kCommandExchanges[] =
        {
            {{"set"s, "hello"s, "hello"s}, "+OK\r\n"s},
            {{"set"s, "num"s, "12345"s}, "+OK\r\n"s},
            {{"set"s, "s100"s,
              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"s},
             "+OK\r\n"s},
            {{"set"s, "n5"s, "12345678901234567890"s}, "+OK\r\n"s},
            {{"object"s, "help"s},
             "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n+    Return the kind of internal representation used in order to store the value\r\n+    associated with a <key>.\r\n+FREQ <key>\r\n+    Return the access frequency index of the <key>. The returned integer is\r\n+    proportional to the logarithm of the recent access frequency of the key.\r\n+IDLETIME <key>\r\n+    Return the idle time of the <key>, that is the approximated number of\r\n+    seconds elapsed since the last access to the key.\r\n+REFCOUNT <key>\r\n+    Return the number of references of the value associated with the specified\r\n+    <key>.\r\n+HELP\r\n+    Prints this help.\r\n"s},
            {{"memory"s, "usage"s, "hello"s}, ":64\r\n"s},
            {{"memory"s, "usage"s, "num"s}, ":48\r\n"s},
            {{"memory"s, "usage"s, "s100"s}, ":160\r\n"s},
            {{"memory"s, "usage"s, "n5"s}, ":80\r\n"s},
            {{"memory"s, "usage"s, "nokey"s}, "$-1\r\n"s},
            {{"memory"s, "usage"s, "hello"s, "samples"s, "x"s},
             "-ERR value is not an integer or out of range\r\n"s},
            {{"memory"s, "usage"s, "hello"s, "samples"s, "-1"s}, "-ERR syntax error\r\n"s},
            {{"memory"s, "usage"s, "hello"s, "samples"s, "0"s}, ":64\r\n"s},
            {{"memory"s, "usage"s, "hello"s, "foo"s}, "-ERR syntax error\r\n"s},
            {{"object"s, "foo"s}, "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n"s},
            {{"object"s}, "-ERR wrong number of arguments for 'object' command\r\n"s},
            {{"object"s, "encoding"s},
             "-ERR wrong number of arguments for 'object|encoding' command\r\n"s},
            {{"object"s, "encoding"s, "nokey"s}, "$-1\r\n"s},
            {{"object"s, "refcount"s, "hello"s}, ":1\r\n"s},
            {{"object"s, "refcount"s, "num"s}, ":1\r\n"s},
            {{"object"s, "freq"s, "hello"s},
             "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"s},
            {{"object"s, "idletime"s, "nokey"s}, "$-1\r\n"s},
            {{"command"s, "getkeys"s, "get"s, "a"s}, "*1\r\n$1\r\na\r\n"s},
            {{"command"s, "getkeys"s, "get"s, "a"s, "b"s},
             "-ERR Invalid number of arguments specified for command\r\n"s},
            {{"command"s, "getkeys"s, "ping"s, "x"s}, "-ERR The command has no key arguments\r\n"s},
            {{"command"s, "getkeys"s, "foo"s, "x"s}, "-ERR Invalid command specified\r\n"s},
            {{"command"s, "getkeys"s, "mset"s, "a"s, "b"s, "c"s, "d"s},
             "*2\r\n$1\r\na\r\n$1\r\nc\r\n"s},
            {{"command"s, "getkeys"s, "mset"s, "a"s, "b"s, "c"s}, "*2\r\n$1\r\na\r\n$1\r\nc\r\n"s},
            {{"command"s, "getkeys"s, "bitop"s, "and"s, "d"s, "a"s, "b"s},
             "*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n"s},
            {{"command"s, "getkeys"s, "object"s, "encoding"s, "x"s}, "*1\r\n$1\r\nx\r\n"s},
            {{"command"s, "getkeys"s, "rename"s, "a"s, "b"s}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n"s},
            {{"command"s, "getkeysandflags"s, "set"s, "a"s, "b"s},
             "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+OW\r\n+update\r\n"s},
            {{"command"s, "getkeysandflags"s, "rename"s, "a"s, "b"s},
             "*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb\r\n*2\r\n+OW\r\n+update\r\n"s},
            {{"command"s, "getkeysandflags"s, "copy"s, "a"s, "b"s, "db"s, "1"s},
             "*2\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n*2\r\n$1\r\nb\r\n*2\r\n+OW\r\n+update\r\n"s},
            {{"command"s, "info"s, "get"s, "set"s, "object|encoding"s, "nosuch"s, "bitop"s, "mset"s,
              "rename"s, "copy"s, "lcs"s},
             "*9\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$3\r\nset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@write\r\n+@string\r\n+@slow\r\n*0\r\n*1\r\n*8\r\n$5\r\nnotes\r\n$48\r\nRW and ACCESS due to the optional `GET` argument\r\n$5\r\nflags\r\n*4\r\n+RW\r\n+access\r\n+update\r\n+variable_flags\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$15\r\nobject|encoding\r\n:3\r\n*1\r\n+readonly\r\n:2\r\n:2\r\n:1\r\n*3\r\n+@keyspace\r\n+@read\r\n+@slow\r\n*1\r\n$23\r\nnondeterministic_output\r\n*1\r\n*6\r\n$5\r\nflags\r\n*1\r\n+RO\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n$-1\r\n*10\r\n$5\r\nbitop\r\n:-4\r\n*2\r\n+write\r\n+denyoom\r\n:2\r\n:-1\r\n:1\r\n*3\r\n+@write\r\n+@bitmap\r\n+@slow\r\n*0\r\n*2\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:3\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$4\r\nmset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:2\r\n*3\r\n+@write\r\n+@string\r\n+@slow\r\n*2\r\n$26\r\nrequest_policy:multi_shard\r\n$29\r\nresponse_policy:all_succeeded\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:2\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$6\r\nrename\r\n:3\r\n*1\r\n+write\r\n:1\r\n:2\r\n:1\r\n*3\r\n+@keyspace\r\n+@write\r\n+@slow\r\n*0\r\n*2\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$4\r\ncopy\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:2\r\n:1\r\n*3\r\n+@keyspace\r\n+@write\r\n+@slow\r\n*0\r\n*2\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$3\r\nlcs\r\n:-3\r\n*1\r\n+readonly\r\n:1\r\n:2\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"s},
            {{"command"s, "info"s, "del"s},
             "*1\r\n*10\r\n$3\r\ndel\r\n:-2\r\n*1\r\n+write\r\n:1\r\n:-1\r\n:1\r\n*3\r\n+@keyspace\r\n+@write\r\n+@slow\r\n*2\r\n$26\r\nrequest_policy:multi_shard\r\n$23\r\nresponse_policy:agg_sum\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RM\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"s},
            {{"command"s, "list"s, "foo"s}, "-ERR syntax error\r\n"s},
            {{"command"s, "list"s, "filterby"s, "module"s, "x"s}, "*0\r\n"s},
            {{"command"s, "list"s, "filterby"s, "aclcat"s, "nosuch"s}, "*0\r\n"s},
            {{"command"s, "help"s},
             "*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+(no subcommand)\r\n+    Return details about all Redis commands.\r\n+COUNT\r\n+    Return the total number of commands in this Redis server.\r\n+LIST\r\n+    Return a list of all commands in this Redis server.\r\n+INFO [<command-name> ...]\r\n+    Return details about multiple Redis commands.\r\n+    If no command names are given, documentation details for all\r\n+    commands are returned.\r\n+DOCS [<command-name> ...]\r\n+    Return documentation details about multiple Redis commands.\r\n+    If no command names are given, documentation details for all\r\n+    commands are returned.\r\n+GETKEYS <full-command>\r\n+    Return the keys from a full Redis command.\r\n+GETKEYSANDFLAGS <full-command>\r\n+    Return the keys and the access flags from a full Redis command.\r\n+HELP\r\n+    Prints this help.\r\n"s},
            {{"hello"s, "x"s}, "-ERR Protocol version is not an integer or out of range\r\n"s},
            {{"hello"s, "4"s}, "-NOPROTO unsupported protocol version\r\n"s},
            {{"hello"s, "2"s, "setname"s, "a b"s},
             "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"s},
            {{"hello"s, "2"s, "foo"s}, "-ERR Syntax error in HELLO option 'foo'\r\n"s},
            {{"hello"s, "2"s, "auth"s, "foo"s, "bar"s},
             "-WRONGPASS invalid username-password pair or user is disabled.\r\n"s},
};

TEST(CommandTable, IntrospectionMatchesRedis) {
  TestServer server;
  server.replay(kCommandExchanges);
}

TEST(CommandTable, EveryCommandIsDispatchable) {
  for (const CommandSpec& command : CommandTable::instance().commands()) {
    if (command.subcommands.empty() || command.name == "command") {
      EXPECT_NE(command.handler, nullptr) << command.name;
    }
    for (const CommandSpec& sub : command.subcommands) {
      EXPECT_NE(sub.handler, nullptr) << sub.full_name;
      EXPECT_EQ(sub.full_name, std::string(command.name) + "|" + std::string(sub.name));
    }
  }
}

TEST(CommandTable, LegacyKeyRangeDerivedFromKeySpecs) {
  const CommandTable& table = CommandTable::instance();
  auto range = [&](std::string_view name) {
    const CommandSpec* command = table.find(name);
    return std::tuple{command->legacy_first_key, command->legacy_last_key, command->legacy_key_step,
                      (command->flags & kMovableKeys) != 0};
  };
  EXPECT_EQ(range("get"), std::tuple(1, 1, 1, false));
  EXPECT_EQ(range("mset"), std::tuple(1, -1, 2, false));
  EXPECT_EQ(range("rename"), std::tuple(1, 2, 1, false));
  EXPECT_EQ(range("bitop"), std::tuple(2, -1, 1, false));
  EXPECT_EQ(range("lcs"), std::tuple(1, 2, 1, false));
  EXPECT_EQ(range("ping"), std::tuple(0, 0, 0, false));
  const CommandSpec* set = table.find("SET");
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(CommandTable::acl_category_names(*set),
            (std::vector<std::string_view>{"@write", "@string", "@slow"}));
}

TEST(CommandTable, DispatchErrorsMatchRedis) {
  TestServer server;
  std::string a(100, 'a');
  std::string b(100, 'b');
  EXPECT_EQ(server.run({"foo", a, b, "c"}),
            "-ERR unknown command 'foo', with args beginning with: '" + a + "' '" +
                std::string(25, 'b') + "' \r\n");
  EXPECT_EQ(server.run({std::string(200, 'x')}),
            "-ERR unknown command '" + std::string(128, 'x') + "', with args beginning with: \r\n");
  EXPECT_EQ(server.run({"foo", "a\r\nb"}),
            "-ERR unknown command 'foo', with args beginning with: 'a  b' \r\n");
  EXPECT_EQ(server.run({"GeT"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(server.run({"object", "ENCODING"}),
            "-ERR wrong number of arguments for 'object|encoding' command\r\n");
  EXPECT_EQ(server.run({"OBJECT", "foo", "bar"}),
            "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n");
}

TEST(CommandTable, Resp3CommandInfoUsesSetsAndMaps) {
  TestServer server;
  EXPECT_EQ(server.run({"HELLO", "3"}).substr(0, 3), "%7\r");
  EXPECT_EQ(
      server.run({"COMMAND", "INFO", "get"}),
      "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@"
      "read\r\n"
      "+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\n"
      "begin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n"
      "$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n"
      ":0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n");
  EXPECT_EQ(
      server.run({"COMMAND", "GETKEYSANDFLAGS", "rename", "a", "b"}),
      "*2\r\n*2\r\n$1\r\na\r\n~3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb\r\n~2\r\n+OW\r\n"
      "+update\r\n");
  EXPECT_EQ(
      server.run({"COMMAND", "DOCS", "get"}),
      "%1\r\n$3\r\nget\r\n%4\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\n"
      "since\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n");
  EXPECT_EQ(server.run({"COMMAND", "COUNT"}),
            ":" + std::to_string(CommandTable::instance().commands().size()) + "\r\n");
  EXPECT_EQ(server.run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "object|*"}).substr(0, 4),
            "*5\r\n");
}

}  // namespace
}  // namespace gorodis::testing
