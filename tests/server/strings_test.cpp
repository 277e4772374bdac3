// strings_test.cpp — string commands against replies captured from Redis 7.0.15, plus the
// encodings and edge cases that need a controlled clock or protocol.
#include "server_test_util.hpp"

namespace gorodis::testing {
namespace {

using namespace std::string_literals;

// Captured from redis-server 7.0.15 (RESP2), replayed in order on a fresh server.
const Exchange kStringExchanges[] = {
    {{"set"s, "a"s, "hello"s}, "+OK\r\n"s},
    {{"get"s, "a"s}, "$5\r\nhello\r\n"s},
    {{"object"s, "encoding"s, "a"s}, "$6\r\nembstr\r\n"s},
    {{"set"s, "n"s, "12345"s}, "+OK\r\n"s},
    {{"object"s, "encoding"s, "n"s}, "$3\r\nint\r\n"s},
    {{"object"s, "refcount"s, "n"s}, ":1\r\n"s},
    {{"set"s, "big"s, "123456789012345678901234567890123456789012345678"s}, "+OK\r\n"s},
    {{"object"s, "encoding"s, "big"s}, "$3\r\nraw\r\n"s},
    {{"set"s, "e"s, "12345678901234567890123456789012345678901234"s}, "+OK\r\n"s},
    {{"object"s, "encoding"s, "e"s}, "$6\r\nembstr\r\n"s},
    {{"set"s, "e2"s, "123456789012345678901234567890123456789012345"s}, "+OK\r\n"s},
    {{"object"s, "encoding"s, "e2"s}, "$3\r\nraw\r\n"s},
    {{"set"s, "neg"s, "-0"s}, "+OK\r\n"s},
    {{"object"s, "encoding"s, "neg"s}, "$6\r\nembstr\r\n"s},
    {{"set"s, "z"s, "007"s}, "+OK\r\n"s},
    {{"object"s, "encoding"s, "z"s}, "$6\r\nembstr\r\n"s},
    {{"append"s, "a"s, "world"s}, ":10\r\n"s},
    {{"object"s, "encoding"s, "a"s}, "$3\r\nraw\r\n"s},
    {{"get"s, "a"s}, "$10\r\nhelloworld\r\n"s},
    {{"strlen"s, "a"s}, ":10\r\n"s},
    {{"strlen"s, "n"s}, ":5\r\n"s},
    {{"strlen"s, "nokey"s}, ":0\r\n"s},
    {{"incr"s, "n"s}, ":12346\r\n"s},
    {{"incr"s, "n"s}, ":12347\r\n"s},
    {{"incrby"s, "n"s, "-100000"s}, ":-87653\r\n"s},
    {{"decr"s, "n"s}, ":-87654\r\n"s},
    {{"decrby"s, "n"s, "5"s}, ":-87659\r\n"s},
    {{"incr"s, "a"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"incrby"s, "n"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"set"s, "m"s, "9223372036854775807"s}, "+OK\r\n"s},
    {{"incr"s, "m"s}, "-ERR increment or decrement would overflow\r\n"s},
    {{"set"s, "m"s, "-9223372036854775808"s}, "+OK\r\n"s},
    {{"decr"s, "m"s}, "-ERR increment or decrement would overflow\r\n"s},
    {{"decrby"s, "m"s, "9223372036854775807"s}, "-ERR increment or decrement would overflow\r\n"s},
    {{"incrbyfloat"s, "f"s, "1.5"s}, "$3\r\n1.5\r\n"s},
    {{"incrbyfloat"s, "f"s, "1e3"s}, "$6\r\n1001.5\r\n"s},
    {{"incrbyfloat"s, "f"s, "-1001.5"s}, "$1\r\n0\r\n"s},
    {{"get"s, "f"s}, "$1\r\n0\r\n"s},
    {{"object"s, "encoding"s, "f"s}, "$6\r\nembstr\r\n"s},
    {{"incrbyfloat"s, "f"s, "0.1"s}, "$3\r\n0.1\r\n"s},
    {{"incrbyfloat"s, "f"s, "0.2"s}, "$3\r\n0.3\r\n"s},
    {{"incrbyfloat"s, "f"s, "3.0e3"s}, "$22\r\n3000.30000000000000004\r\n"s},
    {{"incrbyfloat"s, "f"s, "abc"s}, "-ERR value is not a valid float\r\n"s},
    {{"incrbyfloat"s, "f"s, "inf"s}, "-ERR increment would produce NaN or Infinity\r\n"s},
    {{"incrbyfloat"s, "a"s, "1"s}, "-ERR value is not a valid float\r\n"s},
    {{"incrbyfloat"s, "f"s, " 1"s}, "-ERR value is not a valid float\r\n"s},
    {{"incrbyfloat"s, "f"s, "5.0000000000000001"s}, "$22\r\n3005.30000000000000004\r\n"s},
    {{"set"s, "f2"s, "1"s}, "+OK\r\n"s},
    {{"incrbyfloat"s, "f2"s, "1"s}, "$1\r\n2\r\n"s},
    {{"object"s, "encoding"s, "f2"s}, "$6\r\nembstr\r\n"s},
    {{"set"s, "s"s, "10"s}, "+OK\r\n"s},
    {{"incrbyfloat"s, "s"s, "1"s}, "$2\r\n11\r\n"s},
    {{"set"s, "x"s, "1"s, "nx"s}, "+OK\r\n"s},
    {{"set"s, "x"s, "2"s, "nx"s}, "$-1\r\n"s},
    {{"set"s, "x"s, "3"s, "xx"s}, "+OK\r\n"s},
    {{"get"s, "x"s}, "$1\r\n3\r\n"s},
    {{"set"s, "y"s, "1"s, "xx"s}, "$-1\r\n"s},
    {{"set"s, "x"s, "1"s, "nx"s, "xx"s}, "-ERR syntax error\r\n"s},
    {{"set"s, "x"s, "1"s, "xx"s, "nx"s}, "-ERR syntax error\r\n"s},
    {{"set"s, "x"s, "1"s, "ex"s, "10"s, "px"s, "100"s}, "-ERR syntax error\r\n"s},
    {{"set"s, "x"s, "1"s, "ex"s, "10"s, "keepttl"s}, "-ERR syntax error\r\n"s},
    {{"set"s, "x"s, "1"s, "keepttl"s, "ex"s, "10"s}, "-ERR syntax error\r\n"s},
    {{"set"s, "x"s, "1"s, "ex"s, "0"s}, "-ERR invalid expire time in 'set' command\r\n"s},
    {{"set"s, "x"s, "1"s, "ex"s, "-1"s}, "-ERR invalid expire time in 'set' command\r\n"s},
    {{"set"s, "x"s, "1"s, "ex"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"set"s, "x"s, "1"s, "px"s, "9223372036854775807"s},
     "-ERR invalid expire time in 'set' command\r\n"s},
    {{"set"s, "x"s, "1"s, "ex"s, "9223372036854775"s},
     "-ERR invalid expire time in 'set' command\r\n"s},
    {{"set"s, "x"s, "1"s, "exat"s, "0"s}, "-ERR invalid expire time in 'set' command\r\n"s},
    {{"set"s, "x"s, "1"s, "ex"s}, "-ERR syntax error\r\n"s},
    {{"set"s, "x"s, "1"s, "foo"s}, "-ERR syntax error\r\n"s},
    {{"set"s, "x"s, "1"s, "get"s}, "$1\r\n3\r\n"s},
    {{"set"s, "x"s, "2"s, "nx"s, "get"s}, "$1\r\n1\r\n"s},
    {{"set"s, "x"s, "3"s, "xx"s, "get"s}, "$1\r\n1\r\n"s},
    {{"set"s, "newkey"s, "3"s, "xx"s, "get"s}, "$-1\r\n"s},
    {{"set"s, "newkey"s, "3"s, "nx"s, "get"s}, "$-1\r\n"s},
    {{"set"s, "x"s, "1"s, "ex"s, "100"s, "ex"s, "200"s}, "+OK\r\n"s},
    {{"ttl"s, "x"s}, ":200\r\n"s},
    {{"set"s, "x"s, "1"s, "keepttl"s}, "+OK\r\n"s},
    {{"ttl"s, "x"s}, ":200\r\n"s},
    {{"set"s, "x"s, "2"s}, "+OK\r\n"s},
    {{"ttl"s, "x"s}, ":-1\r\n"s},
    {{"setnx"s, "x"s, "5"s}, ":0\r\n"s},
    {{"setnx"s, "x2"s, "5"s}, ":1\r\n"s},
    {{"setex"s, "se"s, "100"s, "v"s}, "+OK\r\n"s},
    {{"ttl"s, "se"s}, ":100\r\n"s},
    {{"setex"s, "se"s, "0"s, "v"s}, "-ERR invalid expire time in 'setex' command\r\n"s},
    {{"setex"s, "se"s, "-5"s, "v"s}, "-ERR invalid expire time in 'setex' command\r\n"s},
    {{"setex"s, "se"s, "x"s, "v"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"psetex"s, "pse"s, "100000"s, "v"s}, "+OK\r\n"s},
    {{"pttl"s, "pse"s}, ":100000\r\n"s},
    {{"psetex"s, "pse"s, "0"s, "v"s}, "-ERR invalid expire time in 'psetex' command\r\n"s},
    {{"getset"s, "x"s, "new"s}, "$1\r\n2\r\n"s},
    {{"getset"s, "nokey2"s, "v"s}, "$-1\r\n"s},
    {{"getdel"s, "x"s}, "$3\r\nnew\r\n"s},
    {{"getdel"s, "x"s}, "$-1\r\n"s},
    {{"getex"s, "nokey"s}, "$-1\r\n"s},
    {{"getex"s, "nokey"s, "ex"s, "0"s}, "$-1\r\n"s},
    {{"getex"s, "se"s}, "$1\r\nv\r\n"s},
    {{"getex"s, "se"s, "persist"s}, "$1\r\nv\r\n"s},
    {{"ttl"s, "se"s}, ":-1\r\n"s},
    {{"getex"s, "se"s, "ex"s, "100"s}, "$1\r\nv\r\n"s},
    {{"ttl"s, "se"s}, ":100\r\n"s},
    {{"getex"s, "se"s, "px"s, "100"s, "persist"s}, "-ERR syntax error\r\n"s},
    {{"getex"s, "se"s, "persist"s, "px"s, "100"s}, "-ERR syntax error\r\n"s},
    {{"getex"s, "se"s, "exat"s, "1"s}, "$1\r\nv\r\n"s},
    {{"exists"s, "se"s}, ":0\r\n"s},
    {{"getex"s, "a"s, "foo"s}, "-ERR syntax error\r\n"s},
    {{"getex"s, "a"s, "ex"s, "0"s}, "-ERR invalid expire time in 'getex' command\r\n"s},
    {{"mset"s, "k1"s, "v1"s, "k2"s, "v2"s}, "+OK\r\n"s},
    {{"mset"s, "k1"s, "v1"s, "k2"s}, "-ERR wrong number of arguments for 'mset' command\r\n"s},
    {{"mget"s, "k1"s, "k2"s, "nokey"s, "a"s},
     "*4\r\n$2\r\nv1\r\n$2\r\nv2\r\n$-1\r\n$10\r\nhelloworld\r\n"s},
    {{"msetnx"s, "k1"s, "x"s, "k3"s, "y"s}, ":0\r\n"s},
    {{"msetnx"s, "k3"s, "x"s, "k4"s, "y"s}, ":1\r\n"s},
    {{"mget"s, "k3"s, "k4"s}, "*2\r\n$1\r\nx\r\n$1\r\ny\r\n"s},
    {{"setrange"s, "sr"s, "5"s, "hello"s}, ":10\r\n"s},
    {{"get"s, "sr"s}, "$10\r\n\000\000\000\000\000hello\r\n"s},
    {{"object"s, "encoding"s, "sr"s}, "$3\r\nraw\r\n"s},
    {{"setrange"s, "sr"s, "0"s, "XX"s}, ":10\r\n"s},
    {{"get"s, "sr"s}, "$10\r\nXX\000\000\000hello\r\n"s},
    {{"setrange"s, "sr"s, "-1"s, "x"s}, "-ERR offset is out of range\r\n"s},
    {{"setrange"s, "sr"s, "536870912"s, "x"s},
     "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"s},
    {{"setrange"s, "sr"s, "536870911"s, ""s}, ":10\r\n"s},
    {{"setrange"s, "nokey5"s, "10"s, ""s}, ":0\r\n"s},
    {{"exists"s, "nokey5"s}, ":0\r\n"s},
    {{"setrange"s, "n"s, "0"s, "9"s}, ":6\r\n"s},
    {{"getrange"s, "a"s, "0"s, "-1"s}, "$10\r\nhelloworld\r\n"s},
    {{"getrange"s, "a"s, "0"s, "2"s}, "$3\r\nhel\r\n"s},
    {{"getrange"s, "a"s, "-3"s, "-1"s}, "$3\r\nrld\r\n"s},
    {{"getrange"s, "a"s, "-1"s, "-3"s}, "$0\r\n\r\n"s},
    {{"getrange"s, "a"s, "5"s, "2"s}, "$0\r\n\r\n"s},
    {{"getrange"s, "a"s, "100"s, "200"s}, "$0\r\n\r\n"s},
    {{"getrange"s, "a"s, "-100"s, "100"s}, "$10\r\nhelloworld\r\n"s},
    {{"getrange"s, "nokey"s, "0"s, "-1"s}, "$0\r\n\r\n"s},
    {{"getrange"s, "n"s, "0"s, "1"s}, "$2\r\n98\r\n"s},
    {{"getrange"s, "a"s, "x"s, "1"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"substr"s, "a"s, "1"s, "3"s}, "$3\r\nell\r\n"s},
    {{"lcs"s, "a"s, "b"s}, "$0\r\n\r\n"s},
    {{"set"s, "l1"s, "ohmytext"s}, "+OK\r\n"s},
    {{"set"s, "l2"s, "mynewtext"s}, "+OK\r\n"s},
    {{"lcs"s, "l1"s, "l2"s}, "$6\r\nmytext\r\n"s},
    {{"lcs"s, "l1"s, "l2"s, "len"s}, ":6\r\n"s},
    {{"lcs"s, "l1"s, "l2"s, "idx"s},
     "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"s},
    {{"lcs"s, "l1"s, "l2"s, "idx"s, "minmatchlen"s, "4"s},
     "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n"s},
    {{"lcs"s, "l1"s, "l2"s, "idx"s, "withmatchlen"s},
     "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"s},
    {{"lcs"s, "l1"s, "l2"s, "idx"s, "len"s},
     "-ERR If you want both the length and indexes, please just use IDX.\r\n"s},
    {{"lcs"s, "l1"s, "l2"s, "foo"s}, "-ERR syntax error\r\n"s},
    {{"lcs"s, "l1"s, "l2"s, "minmatchlen"s, "x"s},
     "-ERR value is not an integer or out of range\r\n"s},
    {{"lcs"s, "l1"s, "nokey"s}, "$0\r\n\r\n"s},
    {{"lcs"s, "nokey1"s, "nokey2"s, "idx"s}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"s},
    {{"set"s, "l3"s, "abcdefgh"s}, "+OK\r\n"s},
    {{"set"s, "l4"s, "xbcdxxfgx"s}, "+OK\r\n"s},
    {{"lcs"s, "l3"s, "l4"s, "idx"s, "withmatchlen"s, "minmatchlen"s, "2"s},
     "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:5\r\n:6\r\n*2\r\n:6\r\n:7\r\n:2\r\n*3\r\n*2\r\n:1\r\n:3\r\n*2\r\n:1\r\n:3\r\n:3\r\n$3\r\nlen\r\n:5\r\n"s},
    {{"get"s}, "-ERR wrong number of arguments for 'get' command\r\n"s},
    {{"set"s}, "-ERR wrong number of arguments for 'set' command\r\n"s},
    {{"unknowncmd"s, "a"s, "b"s, "c"s},
     "-ERR unknown command 'unknowncmd', with args beginning with: 'a' 'b' 'c' \r\n"s},
};

TEST(Strings, MatchRedisByteForByte) {
  TestServer server;
  server.replay(kStringExchanges);
}

TEST(Strings, EncodingsFollowRedis) {
  TestServer server;
  auto encoding = [&](const std::string& key) { return server.run({"OBJECT", "ENCODING", key}); };
  server.run({"SET", "int", "-9223372036854775808"});
  EXPECT_EQ(encoding("int"), "$3\r\nint\r\n");
  server.run({"SET", "plus", "+1"});
  EXPECT_EQ(encoding("plus"), "$6\r\nembstr\r\n");
  server.run({"SET", "long", std::string(45, 'x')});
  EXPECT_EQ(encoding("long"), "$3\r\nraw\r\n");
  server.run({"SETRANGE", "short", "0", "ab"});
  EXPECT_EQ(encoding("short"), "$3\r\nraw\r\n");
  server.run({"INCRBYFLOAT", "float", "2"});
  EXPECT_EQ(encoding("float"), "$6\r\nembstr\r\n");
  server.run({"SET", "shared", "9999"});
  EXPECT_EQ(server.run({"OBJECT", "REFCOUNT", "shared"}), ":2147483647\r\n");
  server.run({"SET", "unshared", "10000"});
  EXPECT_EQ(server.run({"OBJECT", "REFCOUNT", "unshared"}), ":1\r\n");
}

TEST(Strings, Resp3NullsAndLengthLimit) {
  TestServer server;
  server.client().protocol = 3;
  EXPECT_EQ(server.run({"GET", "missing"}), "_\r\n");
  EXPECT_EQ(server.run({"MGET", "missing"}), "*1\r\n_\r\n");
  EXPECT_EQ(server.run({"SET", "k", "v", "NX", "GET"}), "_\r\n");
  TestServer limited;
  // Below CONFIG SET's 1mb minimum, to keep the strings short.
  limited.server().settings().proto_max_bulk_len.store(10);
  limited.run({"SET", "k", "123456789"});
  EXPECT_EQ(limited.run({"APPEND", "k", "ab"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  EXPECT_EQ(limited.run({"SETRANGE", "k", "9", "ab"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  EXPECT_EQ(limited.run({"SETRANGE", "k", "8", "ab"}), ":10\r\n");
}

TEST(Strings, SetExpireOptionsUseTheCommandClock) {
  TestServer server;
  EXPECT_EQ(server.run({"SET", "k", "v", "PX", "1500"}), "+OK\r\n");
  EXPECT_EQ(server.run({"PTTL", "k"}), ":1500\r\n");
  EXPECT_EQ(server.run({"SET", "k", "v", "EXAT", std::to_string(server.now_ms() / 1000 + 10)}),
            "+OK\r\n");
  EXPECT_EQ(server.run({"TTL", "k"}), ":10\r\n");
  EXPECT_EQ(server.run({"SET", "k", "v", "PXAT", std::to_string(server.now_ms() + 1)}), "+OK\r\n");
  server.advance_ms(1);
  EXPECT_EQ(server.run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(server.run({"SETEX", "k", "9223372036854775", "v"}),
            "-ERR invalid expire time in 'setex' command\r\n");
  // GETEX checks the expire time only once the key is found (a missing key is just nil).
  EXPECT_EQ(server.run({"GETEX", "k", "EX", "0"}), "$-1\r\n");
  EXPECT_EQ(server.run({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(server.run({"GETEX", "k", "EX", "0"}),
            "-ERR invalid expire time in 'getex' command\r\n");
}

TEST(Strings, IncrementsAreExact) {
  TestServer server;
  EXPECT_EQ(server.run({"INCRBYFLOAT", "f", "10.5"}), "$4\r\n10.5\r\n");
  EXPECT_EQ(server.run({"INCRBYFLOAT", "f", "-0.5"}), "$2\r\n10\r\n");
  EXPECT_EQ(server.run({"INCRBYFLOAT", "f", "1e"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(server.run({"INCRBY", "i", "9223372036854775807"}), ":9223372036854775807\r\n");
  EXPECT_EQ(server.run({"INCR", "i"}), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(server.run({"DECRBY", "i", "-9223372036854775808"}),
            "-ERR decrement would overflow\r\n");
}

}  // namespace
}  // namespace gorodis::testing
