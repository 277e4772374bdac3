// bzpop_test.cpp — BZPOPMIN, BZPOPMAX and BZMPOP on their non-blocking paths against replies
// captured from redis-server 7.0.15 (raw socket, RESP2 and RESP3): pops from the first existing
// key, the reply shapes (RESP3 scores as doubles), empty-set deletion, WRONGTYPE only when no
// earlier key exists, the order of argument checks (BZPOPMIN: timeout first; BZMPOP: numkeys,
// MIN|MAX and COUNT before the timeout, the timeout before the keys' types), timeout parsing
// (ceil to milliseconds, so -0.0001 is 0), nil at once inside EXEC, COMMAND INFO/GETKEYS. Each
// table runs with listpack and with skiplist sets. Blocking itself is covered with real clients
// in bzpop_py_test.py. Keys that would block are never used here: a TestServer client is not a
// connection.
#include "server_test_util.hpp"

namespace gorodis::testing {
namespace {

using namespace std::string_literals;

const Exchange kBzpopExchanges[] = {
    {{"zadd"s, "z"s, "1"s, "a"s, "2"s, "b"s, "3"s, "c"s}, ":3\r\n"s},
    {{"bzpopmin"s, "z"s, "0"s}, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"s},
    {{"bzpopmax"s, "z"s, "0"s}, "*3\r\n$1\r\nz\r\n$1\r\nc\r\n$1\r\n3\r\n"s},
    {{"bzpopmin"s, "nokey"s, "z"s, "0"s}, "*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n"s},
    {{"exists"s, "z"s}, ":0\r\n"s},
    {{"zadd"s, "z1"s, "1.5"s, "a"s}, ":1\r\n"s},
    {{"zadd"s, "z2"s, "5"s,  "x"s, "6"s,  "y"s,  "-inf"s, "ninf"s, "inf"s, "pinf"s, "7"s,
      "e1"s,   "8"s,  "e2"s, "9"s, "e3"s, "10"s, "e4"s,   "11"s,   "e5"s,  "12"s,   "e6"s},
     ":10\r\n"s},
    {{"bzpopmax"s, "nokey"s, "z2"s, "z1"s, "0"s}, "*3\r\n$2\r\nz2\r\n$4\r\npinf\r\n$3\r\ninf\r\n"s},
    {{"bzpopmin"s, "nokey"s, "z2"s, "z1"s, "0"s},
     "*3\r\n$2\r\nz2\r\n$4\r\nninf\r\n$4\r\n-inf\r\n"s},
    {{"bzpopmax"s, "z1"s, "0.5"s}, "*3\r\n$2\r\nz1\r\n$1\r\na\r\n$3\r\n1.5\r\n"s},
    {{"bzpopmin"s, "z2"s, "1e10"s}, "*3\r\n$2\r\nz2\r\n$1\r\nx\r\n$1\r\n5\r\n"s},
    {{"exists"s, "z1"s}, ":0\r\n"s},
    {{"set"s, "str"s, "x"s}, "+OK\r\n"s},
    {{"bzpopmin"s, "str"s, "0"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"bzpopmin"s, "nokey"s, "str"s, "z2"s, "0"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"bzpopmin"s, "z2"s, "str"s, "0"s}, "*3\r\n$2\r\nz2\r\n$1\r\ny\r\n$1\r\n6\r\n"s},
    {{"bzpopmax"s, "str"s, "z2"s, "0"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"bzpopmin"s, "z2"s, "abc"s}, "-ERR timeout is not a float or out of range\r\n"s},
    {{"bzpopmin"s, "z2"s, "-1"s}, "-ERR timeout is negative\r\n"s},
    {{"bzpopmin"s, "z2"s, "-0.0001"s}, "*3\r\n$2\r\nz2\r\n$2\r\ne1\r\n$1\r\n7\r\n"s},
    {{"bzpopmin"s, "z2"s, "nan"s}, "-ERR timeout is not a float or out of range\r\n"s},
    {{"bzpopmin"s, "z2"s, "inf"s}, "-ERR timeout is negative\r\n"s},
    {{"bzpopmin"s, "z2"s, "1e400"s}, "-ERR timeout is negative\r\n"s},
    {{"bzpopmin"s, "z2"s, ""s}, "-ERR timeout is not a float or out of range\r\n"s},
    {{"bzpopmin"s, "z2"s, " 1"s}, "-ERR timeout is not a float or out of range\r\n"s},
    {{"bzpopmin"s, "z2"s, "0x10"s}, "*3\r\n$2\r\nz2\r\n$2\r\ne2\r\n$1\r\n8\r\n"s},
    {{"bzpopmin"s, "str"s, "abc"s}, "-ERR timeout is not a float or out of range\r\n"s},
    {{"bzpopmin"s, "str"s, "-1"s}, "-ERR timeout is negative\r\n"s},
    {{"bzpopmin"s, "z2"s}, "-ERR wrong number of arguments for 'bzpopmin' command\r\n"s},
    {{"bzpopmax"s, "z2"s}, "-ERR wrong number of arguments for 'bzpopmax' command\r\n"s},
    {{"bzpopmin"s}, "-ERR wrong number of arguments for 'bzpopmin' command\r\n"s},
    {{"del"s, "z2"s}, ":1\r\n"s},
    {{"zadd"s, "z2"s, "1"s, "a"s, "2"s, "b"s, "3"s, "c"s, "4"s, "d"s}, ":4\r\n"s},
    {{"bzmpop"s, "0"s, "2"s, "nokey"s, "z2"s, "min"s},
     "*2\r\n$2\r\nz2\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"s},
    {{"bzmpop"s, "0"s, "2"s, "nokey"s, "z2"s, "max"s, "count"s, "2"s},
     "*2\r\n$2\r\nz2\r\n*2\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"s},
    {{"bzmpop"s, "0.1"s, "1"s, "z2"s, "min"s, "count"s, "10"s},
     "*2\r\n$2\r\nz2\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"s},
    {{"exists"s, "z2"s}, ":0\r\n"s},
    {{"zadd"s, "z3"s, "1"s, "a"s, "2"s, "b"s, "3"s, "c"s}, ":3\r\n"s},
    {{"bzmpop"s, "0"s, "1"s, "z3"s, "MAX"s, "COUNT"s, "1"s},
     "*2\r\n$2\r\nz3\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"s},
    {{"bzmpop"s, "0"s, "2"s, "str"s, "z3"s, "min"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"bzmpop"s, "0"s, "2"s, "z3"s, "str"s, "min"s},
     "*2\r\n$2\r\nz3\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"s},
    {{"bzmpop"s, "0"s, "0"s, "z3"s, "min"s}, "-ERR numkeys should be greater than 0\r\n"s},
    {{"bzmpop"s, "0"s, "-1"s, "z3"s, "min"s}, "-ERR numkeys should be greater than 0\r\n"s},
    {{"bzmpop"s, "0"s, "x"s, "z3"s, "min"s}, "-ERR numkeys should be greater than 0\r\n"s},
    {{"bzmpop"s, "0"s, "2"s, "z3"s, "min"s}, "-ERR syntax error\r\n"s},
    {{"bzmpop"s, "0"s, "1"s, "z3"s, "foo"s}, "-ERR syntax error\r\n"s},
    {{"bzmpop"s, "0"s, "1"s, "z3"s, "min"s, "count"s}, "-ERR syntax error\r\n"s},
    {{"bzmpop"s, "0"s, "1"s, "z3"s, "min"s, "count"s, "0"s},
     "-ERR count should be greater than 0\r\n"s},
    {{"bzmpop"s, "0"s, "1"s, "z3"s, "min"s, "count"s, "-1"s},
     "-ERR count should be greater than 0\r\n"s},
    {{"bzmpop"s, "0"s, "1"s, "z3"s, "min"s, "count"s, "x"s},
     "-ERR count should be greater than 0\r\n"s},
    {{"bzmpop"s, "0"s, "1"s, "z3"s, "min"s, "count"s, "1"s, "count"s, "1"s},
     "-ERR syntax error\r\n"s},
    {{"bzmpop"s, "0"s, "1"s, "z3"s, "min"s, "foo"s, "1"s}, "-ERR syntax error\r\n"s},
    {{"bzmpop"s, "abc"s, "1"s, "z3"s, "min"s}, "-ERR timeout is not a float or out of range\r\n"s},
    {{"bzmpop"s, "-1"s, "1"s, "z3"s, "min"s}, "-ERR timeout is negative\r\n"s},
    {{"bzmpop"s, "abc"s, "0"s, "z3"s, "min"s}, "-ERR numkeys should be greater than 0\r\n"s},
    {{"bzmpop"s, "abc"s, "1"s, "z3"s, "foo"s}, "-ERR syntax error\r\n"s},
    {{"bzmpop"s, "-1"s, "1"s, "z3"s, "min"s, "count"s, "0"s},
     "-ERR count should be greater than 0\r\n"s},
    {{"bzmpop"s, "-1"s, "1"s, "str"s, "min"s}, "-ERR timeout is negative\r\n"s},
    {{"bzmpop"s, "0"s, "1"s, "z3"s}, "-ERR wrong number of arguments for 'bzmpop' command\r\n"s},
    {{"bzmpop"s, "0"s, "1"s, "z3"s, "min"s, "count"s, "9223372036854775807"s},
     "*2\r\n$2\r\nz3\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"s},
    {{"exists"s, "z3"s}, ":0\r\n"s},
    {{"multi"s}, "+OK\r\n"s},
    {{"bzpopmin"s, "nokey"s, "0"s}, "+QUEUED\r\n"s},
    {{"bzpopmax"s, "nokey"s, "nokey2"s, "0"s}, "+QUEUED\r\n"s},
    {{"bzmpop"s, "0"s, "1"s, "nokey"s, "min"s}, "+QUEUED\r\n"s},
    {{"zadd"s, "z4"s, "1"s, "a"s}, "+QUEUED\r\n"s},
    {{"bzpopmin"s, "z4"s, "0"s}, "+QUEUED\r\n"s},
    {{"exec"s}, "*5\r\n*-1\r\n*-1\r\n*-1\r\n:1\r\n*3\r\n$2\r\nz4\r\n$1\r\na\r\n$1\r\n1\r\n"s},
    {{"command"s, "info"s, "bzpopmin"s, "bzpopmax"s, "bzmpop"s},
     "*3\r\n*10\r\n$8\r\nbzpopmin\r\n:-3\r\n*4\r\n+write\r\n+noscript\r\n+blocking\r\n+fast\r\n:1\r\n:-2\r\n:1\r\n*4\r\n+@write\r\n+@sortedset\r\n+@fast\r\n+@blocking\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-2\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$8\r\nbzpopmax\r\n:-3\r\n*4\r\n+write\r\n+noscript\r\n+blocking\r\n+fast\r\n:1\r\n:-2\r\n:1\r\n*4\r\n+@write\r\n+@sortedset\r\n+@fast\r\n+@blocking\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-2\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$6\r\nbzmpop\r\n:-5\r\n*3\r\n+write\r\n+blocking\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n*4\r\n+@write\r\n+@sortedset\r\n+@slow\r\n+@blocking\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n*6\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n*0\r\n"s},
    {{"command"s, "getkeys"s, "bzpopmin"s, "a"s, "b"s, "c"s, "0"s},
     "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"s},
    {{"command"s, "getkeys"s, "bzmpop"s, "0"s, "2"s, "a"s, "b"s, "min"s, "count"s, "1"s},
     "*2\r\n$1\r\na\r\n$1\r\nb\r\n"s},
};

// Captured after HELLO 3.
const Exchange kBzpopResp3Exchanges[] = {
    {{"zadd"s, "z"s, "1"s, "a"s, "2.5"s, "b"s, "3"s, "c"s}, ":3\r\n"s},
    {{"bzpopmin"s, "z"s, "0"s}, "*3\r\n$1\r\nz\r\n$1\r\na\r\n,1\r\n"s},
    {{"bzpopmax"s, "nokey"s, "z"s, "0"s}, "*3\r\n$1\r\nz\r\n$1\r\nc\r\n,3\r\n"s},
    {{"zadd"s, "z"s, "inf"s, "i"s, "-inf"s, "ni"s}, ":2\r\n"s},
    {{"bzpopmax"s, "z"s, "0"s}, "*3\r\n$1\r\nz\r\n$1\r\ni\r\n,inf\r\n"s},
    {{"bzpopmin"s, "z"s, "0"s}, "*3\r\n$1\r\nz\r\n$2\r\nni\r\n,-inf\r\n"s},
    {{"bzmpop"s, "0"s, "1"s, "z"s, "min"s}, "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"s},
    {{"zadd"s, "z"s, "7"s, "q"s}, ":1\r\n"s},
    {{"bzmpop"s, "0"s, "2"s, "nokey"s, "z"s, "max"s, "count"s, "5"s},
     "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nq\r\n,7\r\n"s},
    {{"multi"s}, "+OK\r\n"s},
    {{"bzpopmin"s, "nokey"s, "0"s}, "+QUEUED\r\n"s},
    {{"bzmpop"s, "0"s, "1"s, "nokey"s, "min"s}, "+QUEUED\r\n"s},
    {{"exec"s}, "*2\r\n_\r\n_\r\n"s},
    {{"bzpopmin"s, "z"s, "abc"s}, "-ERR timeout is not a float or out of range\r\n"s},
};

void replay_both_encodings(std::span<const Exchange> exchanges, int protocol) {
  for (const char* max_entries : {"128", "0"}) {
    TestServer server;
    EXPECT_EQ(server.run({"config", "set", "zset-max-listpack-entries", max_entries}), "+OK\r\n");
    server.client().protocol = protocol;
    server.replay(exchanges);
  }
}

TEST(Bzpop, MatchesRedisResp2) {
  replay_both_encodings(kBzpopExchanges, 2);
}

TEST(Bzpop, MatchesRedisResp3) {
  replay_both_encodings(kBzpopResp3Exchanges, 3);
}

}  // namespace
}  // namespace gorodis::testing
