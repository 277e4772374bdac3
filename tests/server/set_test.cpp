// set_test.cpp — set commands against replies captured from Redis 7.0.15 (RESP2 and RESP3,
// command metadata included), property checks for the random commands (SPOP, SRANDMEMBER), the
// SSCAN guarantee across resizes, encodings and conversions, and the key positions that make
// the dispatcher lock every key of the multi-key commands.
#include <atomic>
#include <map>
#include <random>
#include <set>

#include "goro/runtime.hpp"
#include "goro/sync.hpp"
#include "server_test_util.hpp"
#include "t_set.hpp"

namespace gorodis::testing {
namespace {

using namespace std::string_literals;

// Captured from redis-server 7.0.15 (RESP2), replayed in order on a fresh server. Replies with
// several members use integer sets, whose (intset) order is deterministic.
const Exchange kSetExchanges[] = {
    {{"sadd"s, "s"s, "1"s, "2"s, "3"s}, ":3\r\n"s},
    {{"sadd"s, "s"s, "3"s, "4"s}, ":1\r\n"s},
    {{"scard"s, "s"s}, ":4\r\n"s},
    {{"object"s, "encoding"s, "s"s}, "$6\r\nintset\r\n"s},
    {{"smembers"s, "s"s}, "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"s},
    {{"sismember"s, "s"s, "2"s}, ":1\r\n"s},
    {{"sismember"s, "s"s, "x"s}, ":0\r\n"s},
    {{"sismember"s, "nokey"s, "1"s}, ":0\r\n"s},
    {{"smismember"s, "s"s, "1"s, "x"s, "4"s}, "*3\r\n:1\r\n:0\r\n:1\r\n"s},
    {{"srem"s, "s"s, "1"s, "x"s}, ":1\r\n"s},
    {{"smembers"s, "s"s}, "*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"s},
    {{"sadd"s, "s"s, "a"s}, ":1\r\n"s},
    {{"object"s, "encoding"s, "s"s}, "$9\r\nhashtable\r\n"s},
    {{"srem"s, "s"s, "a"s}, ":1\r\n"s},
    {{"object"s, "encoding"s, "s"s}, "$9\r\nhashtable\r\n"s},
    {{"sadd"s, "i"s, "10"s, "-5"s, "100000"s, "-9223372036854775808"s, "9223372036854775807"s},
     ":5\r\n"s},
    {{"smembers"s, "i"s},
     "*5\r\n$20\r\n-9223372036854775808\r\n$2\r\n-5\r\n$2\r\n10\r\n$6\r\n100000\r\n$19\r\n9223372036854775807\r\n"s},
    {{"memory"s, "usage"s, "i"s}, ":96\r\n"s},
    {{"memory"s, "usage"s, "s"s}, ":232\r\n"s},
    {{"sadd"s, "big"s, "1"s}, ":1\r\n"s},
    {{"config"s, "set"s, "set-max-intset-entries"s, "4"s}, "+OK\r\n"s},
    {{"config"s, "get"s, "set-max-intset-entries"s},
     "*2\r\n$22\r\nset-max-intset-entries\r\n$1\r\n4\r\n"s},
    {{"sadd"s, "big"s, "2"s, "3"s, "4"s}, ":3\r\n"s},
    {{"object"s, "encoding"s, "big"s}, "$6\r\nintset\r\n"s},
    {{"sadd"s, "big"s, "5"s}, ":1\r\n"s},
    {{"object"s, "encoding"s, "big"s}, "$9\r\nhashtable\r\n"s},
    {{"config"s, "set"s, "set-max-intset-entries"s, "512"s}, "+OK\r\n"s},
    {{"config"s, "set"s, "set-max-intset-entries"s, "-1"s},
     "-ERR CONFIG SET failed (possibly related to argument 'set-max-intset-entries') - argument must be between 0 and 9223372036854775807 inclusive\r\n"s},
    {{"config"s, "set"s, "set-max-intset-entries"s, "x"s},
     "-ERR CONFIG SET failed (possibly related to argument 'set-max-intset-entries') - argument couldn't be parsed into an integer\r\n"s},
    {{"sadd"s, "a"s, "1"s, "2"s, "3"s, "4"s, "5"s, "6"s}, ":6\r\n"s},
    {{"sadd"s, "b"s, "4"s, "5"s, "6"s, "7"s, "8"s}, ":5\r\n"s},
    {{"sadd"s, "c"s, "5"s, "6"s, "9"s}, ":3\r\n"s},
    {{"sinter"s, "a"s, "b"s, "c"s}, "*2\r\n$1\r\n5\r\n$1\r\n6\r\n"s},
    {{"sinter"s, "a"s, "b"s, "nokey"s}, "*0\r\n"s},
    {{"sintercard"s, "3"s, "a"s, "b"s, "c"s}, ":2\r\n"s},
    {{"sintercard"s, "2"s, "a"s, "b"s, "limit"s, "2"s}, ":2\r\n"s},
    {{"sintercard"s, "2"s, "a"s, "b"s, "limit"s, "0"s}, ":3\r\n"s},
    {{"sinterstore"s, "d"s, "a"s, "b"s}, ":3\r\n"s},
    {{"smembers"s, "d"s}, "*3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n"s},
    {{"object"s, "encoding"s, "d"s}, "$6\r\nintset\r\n"s},
    {{"sunion"s, "a"s, "b"s, "c"s},
     "*9\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$1\r\n9\r\n"s},
    {{"sunionstore"s, "u"s, "a"s, "b"s, "c"s, "nokey"s}, ":9\r\n"s},
    {{"smembers"s, "u"s},
     "*9\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$1\r\n9\r\n"s},
    {{"sdiff"s, "a"s, "b"s}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"sdiff"s, "a"s, "b"s, "c"s}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"sdiff"s, "a"s, "a"s}, "*0\r\n"s},
    {{"sdiff"s, "a"s, "nokey"s, "b"s}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"sdiff"s, "nokey"s, "a"s}, "*0\r\n"s},
    {{"sdiffstore"s, "dd"s, "a"s, "b"s}, ":3\r\n"s},
    {{"smembers"s, "dd"s}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"sdiffstore"s, "dd"s, "a"s, "a"s}, ":0\r\n"s},
    {{"exists"s, "dd"s}, ":0\r\n"s},
    {{"sinterstore"s, "d"s, "a"s, "nokey"s}, ":0\r\n"s},
    {{"exists"s, "d"s}, ":0\r\n"s},
    {{"set"s, "str"s, "x"s}, "+OK\r\n"s},
    {{"sadd"s, "str"s, "1"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"srem"s, "str"s, "1"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"smembers"s, "str"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"scard"s, "str"s}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"sismember"s, "str"s, "1"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"sinterstore"s, "str"s, "a"s, "b"s}, ":3\r\n"s},
    {{"type"s, "str"s}, "+set\r\n"s},
    {{"sunionstore"s, "str"s, "a"s}, ":6\r\n"s},
    {{"smembers"s, "str"s},
     "*6\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n"s},
    {{"expire"s, "str"s, "100"s}, ":1\r\n"s},
    {{"sdiffstore"s, "str"s, "a"s, "b"s}, ":3\r\n"s},
    {{"ttl"s, "str"s}, ":-1\r\n"s},
    {{"smove"s, "a"s, "b"s, "1"s}, ":1\r\n"s},
    {{"smove"s, "a"s, "b"s, "1"s}, ":0\r\n"s},
    {{"smembers"s, "a"s}, "*5\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n"s},
    {{"smembers"s, "b"s},
     "*6\r\n$1\r\n1\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n"s},
    {{"smove"s, "a"s, "newset"s, "2"s}, ":1\r\n"s},
    {{"smembers"s, "newset"s}, "*1\r\n$1\r\n2\r\n"s},
    {{"object"s, "encoding"s, "newset"s}, "$6\r\nintset\r\n"s},
    {{"smove"s, "a"s, "a"s, "3"s}, ":1\r\n"s},
    {{"smove"s, "a"s, "a"s, "99"s}, ":0\r\n"s},
    {{"sadd"s, "one"s, "1"s}, ":1\r\n"s},
    {{"smove"s, "one"s, "b"s, "1"s}, ":1\r\n"s},
    {{"exists"s, "one"s}, ":0\r\n"s},
    {{"smove"s, "b"s, "str"s, "4"s}, ":1\r\n"s},
    {{"sadd"s, "m"s, "x"s}, ":1\r\n"s},
    {{"smove"s, "b"s, "m"s, "4"s}, ":0\r\n"s},
    {{"object"s, "encoding"s, "m"s}, "$9\r\nhashtable\r\n"s},
    {{"smembers"s, "b"s}, "*5\r\n$1\r\n1\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n"s},
    {{"spop"s, "nokey"s}, "$-1\r\n"s},
    {{"spop"s, "nokey"s, "2"s}, "*0\r\n"s},
    {{"spop"s, "b"s, "0"s}, "*0\r\n"s},
    {{"srandmember"s, "nokey"s}, "$-1\r\n"s},
    {{"srandmember"s, "nokey"s, "2"s}, "*0\r\n"s},
    {{"srandmember"s, "b"s, "0"s}, "*0\r\n"s},
    {{"srandmember"s, "b"s, "100"s},
     "*5\r\n$1\r\n1\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n"s},
    {{"srandmember"s, "b"s, "2"s, "3"s}, "-ERR syntax error\r\n"s},
    {{"spop"s, "b"s, "2"s, "3"s}, "-ERR syntax error\r\n"s},
    {{"spop"s, "b"s, "-1"s}, "-ERR value is out of range, must be positive\r\n"s},
    {{"srandmember"s, "b"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"sadd"s, "pop"s, "1"s, "2"s, "3"s}, ":3\r\n"s},
    {{"spop"s, "pop"s, "3"s}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"exists"s, "pop"s}, ":0\r\n"s},
    {{"sadd"s, "pop"s, "1"s, "2"s, "3"s}, ":3\r\n"s},
    {{"spop"s, "pop"s, "10"s}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"sadd"s, "pop"s, "7"s}, ":1\r\n"s},
    {{"spop"s, "pop"s}, "$1\r\n7\r\n"s},
    {{"exists"s, "pop"s}, ":0\r\n"s},
    {{"sscan"s, "nokey"s, "0"s}, "*2\r\n$1\r\n0\r\n*0\r\n"s},
    {{"sscan"s, "a"s, "0"s},
     "*2\r\n$1\r\n0\r\n*4\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n"s},
    {{"sscan"s, "a"s, "17"s, "count"s, "1"s},
     "*2\r\n$1\r\n0\r\n*4\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n"s},
    {{"sscan"s, "a"s, "0"s, "match"s, "5*"s}, "*2\r\n$1\r\n0\r\n*1\r\n$1\r\n5\r\n"s},
    {{"sscan"s, "a"s, "0"s, "match"s, "*"s},
     "*2\r\n$1\r\n0\r\n*4\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n"s},
    {{"sscan"s, "a"s, "0"s, "count"s, "0"s}, "-ERR syntax error\r\n"s},
    {{"sscan"s, "a"s, "0"s, "type"s, "set"s}, "-ERR syntax error\r\n"s},
    {{"sscan"s, "a"s, "x"s}, "-ERR invalid cursor\r\n"s},
    {{"sscan"s, "a"s, "0"s, "match"s}, "-ERR syntax error\r\n"s},
    {{"sscan"s, "str"s, "0"s},
     "*2\r\n$1\r\n0\r\n*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"s},
    {{"sadd"s, "e"s, ""s}, ":1\r\n"s},
    {{"smembers"s, "e"s}, "*1\r\n$0\r\n\r\n"s},
    {{"sismember"s, "e"s, ""s}, ":1\r\n"s},
    {{"srem"s, "e"s, ""s}, ":1\r\n"s},
    {{"exists"s, "e"s}, ":0\r\n"s},
    {{"object"s, "encoding"s, "e"s}, "$-1\r\n"s},
    {{"sadd"s, "neg"s, "-0"s, "007"s, "+1"s, " 1"s}, ":4\r\n"s},
    {{"object"s, "encoding"s, "neg"s}, "$9\r\nhashtable\r\n"s},
    {{"scard"s, "neg"s}, ":4\r\n"s},
    {{"sadd"s, "q"s, "1"s}, ":1\r\n"s},
    {{"sadd"s, "q"s, "-1"s}, ":1\r\n"s},
    {{"sadd"s, "q"s, "32768"s}, ":1\r\n"s},
    {{"sadd"s, "q"s, "-2147483649"s}, ":1\r\n"s},
    {{"smembers"s, "q"s}, "*4\r\n$11\r\n-2147483649\r\n$2\r\n-1\r\n$1\r\n1\r\n$5\r\n32768\r\n"s},
    {{"memory"s, "usage"s, "q"s}, ":96\r\n"s},
    {{"sintercard"s, "1"s, "q"s, "limit"s, "2"s}, ":2\r\n"s},
    {{"sadd"s, "h"s, "x"s, "y"s}, ":2\r\n"s},
    {{"memory"s, "usage"s, "h"s}, ":200\r\n"s},
    {{"memory"s, "usage"s, "h"s, "samples"s, "0"s}, ":200\r\n"s},
};

// Captured from redis-server 7.0.15 after HELLO 3.
const Exchange kSetResp3Exchanges[] = {
    {{"sadd"s, "s"s, "1"s, "2"s, "3"s}, ":3\r\n"s},
    {{"smembers"s, "s"s}, "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"smembers"s, "nokey"s}, "~0\r\n"s},
    {{"sinter"s, "s"s, "nokey"s}, "~0\r\n"s},
    {{"sinter"s, "s"s, "s"s}, "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"sunion"s, "s"s, "nokey"s}, "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"sdiff"s, "nokey"s, "s"s}, "~0\r\n"s},
    {{"sdiff"s, "s"s, "nokey"s}, "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"spop"s, "nokey"s}, "_\r\n"s},
    {{"spop"s, "nokey"s, "2"s}, "~0\r\n"s},
    {{"spop"s, "s"s, "0"s}, "~0\r\n"s},
    {{"srandmember"s, "nokey"s}, "_\r\n"s},
    {{"srandmember"s, "nokey"s, "2"s}, "*0\r\n"s},
    {{"srandmember"s, "s"s, "0"s}, "*0\r\n"s},
    {{"srandmember"s, "s"s, "5"s}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"sadd"s, "one"s, "x"s}, ":1\r\n"s},
    {{"srandmember"s, "one"s, "-3"s}, "*3\r\n$1\r\nx\r\n$1\r\nx\r\n$1\r\nx\r\n"s},
    {{"srandmember"s, "one"s, "1"s}, "*1\r\n$1\r\nx\r\n"s},
    {{"srandmember"s, "one"s}, "$1\r\nx\r\n"s},
    {{"smismember"s, "s"s, "1"s, "9"s}, "*2\r\n:1\r\n:0\r\n"s},
    {{"sscan"s, "s"s, "0"s}, "*2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"sintercard"s, "1"s, "s"s}, ":3\r\n"s},
    {{"sinterstore"s, "d"s, "s"s}, ":3\r\n"s},
    {{"sunionstore"s, "d"s, "s"s, "nokey"s}, ":3\r\n"s},
    {{"spop"s, "s"s, "5"s}, "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"exists"s, "s"s}, ":0\r\n"s},
    {{"command"s, "info"s, "sintercard"s},
     "*1\r\n*10\r\n$10\r\nsintercard\r\n:-3\r\n~2\r\n+readonly\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n~3\r\n+@read\r\n+@set\r\n+@slow\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n%3\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n~0\r\n"s},
    {{"command"s, "info"s, "sinterstore"s},
     "*1\r\n*10\r\n$11\r\nsinterstore\r\n:-3\r\n~2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:1\r\n~3\r\n+@write\r\n+@set\r\n+@slow\r\n~0\r\n~2\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RW\r\n+update\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"s},
    {{"command"s, "info"s, "smove"s},
     "*1\r\n*10\r\n$5\r\nsmove\r\n:4\r\n~2\r\n+write\r\n+fast\r\n:1\r\n:2\r\n:1\r\n~3\r\n+@write\r\n+@set\r\n+@fast\r\n~0\r\n~2\r\n%3\r\n$5\r\nflags\r\n~3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RW\r\n+insert\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"s},
    {{"command"s, "getkeys"s, "sintercard"s, "2"s, "a"s, "b"s, "limit"s, "1"s},
     "*2\r\n$1\r\na\r\n$1\r\nb\r\n"s},
    {{"command"s, "getkeys"s, "sintercard"s, "3"s, "a"s, "b"s},
     "-ERR Invalid arguments specified for command\r\n"s},
    {{"command"s, "getkeys"s, "sinterstore"s, "d"s, "a"s, "b"s},
     "*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n"s},
    {{"command"s, "getkeysandflags"s, "smove"s, "a"s, "b"s, "m"s},
     "*2\r\n*2\r\n$1\r\na\r\n~3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb\r\n~2\r\n+RW\r\n+insert\r\n"s},
    {{"command"s, "getkeysandflags"s, "sdiffstore"s, "d"s, "a"s, "b"s},
     "*3\r\n*2\r\n$1\r\nd\r\n~2\r\n+OW\r\n+update\r\n*2\r\n$1\r\na\r\n~2\r\n+RO\r\n+access\r\n*2\r\n$1\r\nb\r\n~2\r\n+RO\r\n+access\r\n"s},
    {{"command"s, "info"s, "sadd"s, "srem"s, "smembers"s, "sismember"s, "smismember"s, "scard"s,
      "spop"s, "srandmember"s},
     "*8\r\n*10\r\n$4\r\nsadd\r\n:-3\r\n~3\r\n+write\r\n+denyoom\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@write\r\n+@set\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RW\r\n+insert\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$4\r\nsrem\r\n:-3\r\n~2\r\n+write\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@write\r\n+@set\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RW\r\n+delete\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$8\r\nsmembers\r\n:2\r\n~1\r\n+readonly\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@set\r\n+@slow\r\n~1\r\n$29\r\nnondeterministic_output_order\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$9\r\nsismember\r\n:3\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@set\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~1\r\n+RO\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$10\r\nsmismember\r\n:-3\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@set\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$5\r\nscard\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@set\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~1\r\n+RO\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$4\r\nspop\r\n:-2\r\n~2\r\n+write\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@write\r\n+@set\r\n+@fast\r\n~1\r\n$23\r\nnondeterministic_output\r\n~1\r\n%3\r\n$5\r\nflags\r\n~3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$11\r\nsrandmember\r\n:-2\r\n~1\r\n+readonly\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@set\r\n+@slow\r\n~1\r\n$23\r\nnondeterministic_output\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"s},
    {{"command"s, "info"s, "sunion"s, "sunionstore"s, "sdiff"s, "sdiffstore"s, "sscan"s, "sinter"s},
     "*6\r\n*10\r\n$6\r\nsunion\r\n:-2\r\n~1\r\n+readonly\r\n:1\r\n:-1\r\n:1\r\n~3\r\n+@read\r\n+@set\r\n+@slow\r\n~1\r\n$29\r\nnondeterministic_output_order\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$11\r\nsunionstore\r\n:-3\r\n~2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:1\r\n~3\r\n+@write\r\n+@set\r\n+@slow\r\n~0\r\n~2\r\n%3\r\n$5\r\nflags\r\n~2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$5\r\nsdiff\r\n:-2\r\n~1\r\n+readonly\r\n:1\r\n:-1\r\n:1\r\n~3\r\n+@read\r\n+@set\r\n+@slow\r\n~1\r\n$29\r\nnondeterministic_output_order\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$10\r\nsdiffstore\r\n:-3\r\n~2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:1\r\n~3\r\n+@write\r\n+@set\r\n+@slow\r\n~0\r\n~2\r\n%3\r\n$5\r\nflags\r\n~2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$5\r\nsscan\r\n:-3\r\n~1\r\n+readonly\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@set\r\n+@slow\r\n~1\r\n$23\r\nnondeterministic_output\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$6\r\nsinter\r\n:-2\r\n~1\r\n+readonly\r\n:1\r\n:-1\r\n:1\r\n~3\r\n+@read\r\n+@set\r\n+@slow\r\n~1\r\n$29\r\nnondeterministic_output_order\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"s},
};

TEST(Sets, MatchRedisExchanges) {
  TestServer server;
  server.replay(kSetExchanges);
}

TEST(Sets, MatchRedisResp3Exchanges) {
  TestServer server;
  server.client().protocol = 3;
  server.replay(kSetResp3Exchanges);
}

// The bulk strings of a flat array or set reply ("*3\r\n$1\r\na\r\n...").
std::vector<std::string> bulks(const std::string& reply) {
  std::vector<std::string> items;
  std::size_t pos = reply.find("\r\n");
  EXPECT_TRUE(reply[0] == '*' || reply[0] == '~') << reply;
  const std::size_t count = std::stoul(reply.substr(1, pos - 1));
  pos += 2;
  for (std::size_t i = 0; i < count; ++i) {
    EXPECT_EQ(reply[pos], '$') << reply;
    std::size_t end = reply.find("\r\n", pos);
    std::size_t length = std::stoul(reply.substr(pos + 1, end - pos - 1));
    items.push_back(reply.substr(end + 2, length));
    pos = end + 2 + length + 2;
  }
  EXPECT_EQ(pos, reply.size()) << reply;
  return items;
}

std::set<std::string> members_of(TestServer& server, const std::string& key) {
  std::vector<std::string> items = bulks(server.run({"smembers", key}));
  return {items.begin(), items.end()};
}

std::string encoding_of(TestServer& server, const std::string& key) {
  std::string reply = server.run({"object", "encoding", key});
  return reply.substr(reply.find("\r\n") + 2, reply.size() - reply.find("\r\n") - 4);
}

// Fills `key` with `size` members: integers ("0".."size-1"), or strings ("m0"...).
std::set<std::string> fill(TestServer& server, const std::string& key, int size, bool integers) {
  std::set<std::string> members;
  std::vector<std::string> command = {"sadd", key};
  for (int i = 0; i < size; ++i) {
    command.push_back(integers ? std::to_string(i) : "m" + std::to_string(i));
    members.insert(command.back());
  }
  server.run(command);
  return members;
}

// SPOP with a count, through both of Redis's strategies (pop one by one while the remainder is
// large, rebuild from the remainder otherwise), on both encodings.
TEST(Sets, SpopWithCountReturnsDistinctMembersAndRemovesThem) {
  for (bool integers : {true, false}) {
    for (int count : {1, 3, 20, 80, 99, 100, 150}) {
      TestServer server;
      std::set<std::string> before = fill(server, "s", 100, integers);
      std::vector<std::string> popped = bulks(server.run({"spop", "s", std::to_string(count)}));
      const std::size_t expected = std::min<std::size_t>(count, before.size());
      ASSERT_EQ(popped.size(), expected) << count;
      std::set<std::string> distinct(popped.begin(), popped.end());
      EXPECT_EQ(distinct.size(), popped.size()) << "duplicates for count " << count;
      for (const std::string& member : popped) EXPECT_TRUE(before.count(member)) << member;
      std::set<std::string> after = members_of(server, "s");
      EXPECT_EQ(after.size() + popped.size(), before.size());
      for (const std::string& member : popped) EXPECT_FALSE(after.count(member)) << member;
      if (after.empty()) {
        EXPECT_EQ(server.run({"exists", "s"}), ":0\r\n");
      } else {
        EXPECT_EQ(server.run({"scard", "s"}), ":" + std::to_string(after.size()) + "\r\n");
      }
    }
  }
}

// Redis rebuilds the set from the members that stay when most of it is popped, so a hash table
// of integers comes back as an intset.
TEST(Sets, SpopRebuildStartsOverAsIntset) {
  TestServer server;
  server.run({"config", "set", "set-max-intset-entries", "10"});
  fill(server, "s", 20, true);
  EXPECT_EQ(encoding_of(server, "s"), "hashtable");
  EXPECT_EQ(bulks(server.run({"spop", "s", "18"})).size(), 18u);
  EXPECT_EQ(encoding_of(server, "s"), "intset");
  EXPECT_EQ(members_of(server, "s").size(), 2u);
}

TEST(Sets, SpopKeepsTheTtl) {
  TestServer server;
  fill(server, "s", 100, false);
  server.run({"expire", "s", "1000"});
  bulks(server.run({"spop", "s", "90"}));  // the rebuild strategy
  bulks(server.run({"spop", "s", "1"}));   // the one-by-one strategy
  EXPECT_EQ(server.run({"ttl", "s"}), ":1000\r\n");
}

TEST(Sets, SpopSingleDrainsTheSet) {
  for (bool integers : {true, false}) {
    TestServer server;
    std::set<std::string> before = fill(server, "s", 30, integers);
    std::set<std::string> popped;
    for (int i = 0; i < 30; ++i) {
      std::string reply = server.run({"spop", "s"});
      ASSERT_EQ(reply[0], '$');
      popped.insert(reply.substr(reply.find("\r\n") + 2, reply.size() - reply.find("\r\n") - 4));
    }
    EXPECT_EQ(popped, before);
    EXPECT_EQ(server.run({"exists", "s"}), ":0\r\n");
    EXPECT_EQ(server.run({"spop", "s"}), "$-1\r\n");
  }
}

// SRANDMEMBER with a positive count: distinct members through each strategy (whole set,
// sampling what to drop, rejection sampling); the set is untouched.
TEST(Sets, SrandmemberPositiveCountIsDistinct) {
  for (bool integers : {true, false}) {
    for (int count : {1, 2, 10, 40, 99, 100, 1000}) {
      TestServer server;
      std::set<std::string> before = fill(server, "s", 100, integers);
      std::vector<std::string> drawn =
          bulks(server.run({"srandmember", "s", std::to_string(count)}));
      ASSERT_EQ(drawn.size(), std::min<std::size_t>(count, 100)) << count;
      std::set<std::string> distinct(drawn.begin(), drawn.end());
      EXPECT_EQ(distinct.size(), drawn.size()) << "duplicates for count " << count;
      for (const std::string& member : drawn) EXPECT_TRUE(before.count(member)) << member;
      EXPECT_EQ(members_of(server, "s"), before);
    }
  }
}

// A negative count draws independently: exactly |count| members, repetitions allowed, and
// (over many draws) every member shows up.
TEST(Sets, SrandmemberNegativeCountRepeats) {
  for (bool integers : {true, false}) {
    TestServer server;
    std::set<std::string> before = fill(server, "s", 5, integers);
    std::vector<std::string> drawn = bulks(server.run({"srandmember", "s", "-500"}));
    ASSERT_EQ(drawn.size(), 500u);
    std::map<std::string, int> histogram;
    for (const std::string& member : drawn) {
      EXPECT_TRUE(before.count(member)) << member;
      ++histogram[member];
    }
    EXPECT_EQ(histogram.size(), before.size());
  }
  TestServer server;
  server.run({"sadd", "one", "x"});
  EXPECT_EQ(server.run({"srandmember", "one", "-3"}), "*3\r\n$1\r\nx\r\n$1\r\nx\r\n$1\r\nx\r\n");
}

// Members are drawn (nearly) uniformly from a hash table too, whatever their bucket's chain
// length: drawing a bucket, then a member of its chain, would give a member sharing its bucket
// half the chance of one alone. The shard's generator is seeded, so the counts are fixed.
TEST(Sets, SrandmemberIsFairOnHashTables) {
  for (int size : {10, 50, 300}) {
    TestServer server;
    fill(server, "s", size, false);
    const int draws = size * 400;
    std::map<std::string, int> histogram;
    for (const std::string& member :
         bulks(server.run({"srandmember", "s", std::to_string(-draws)}))) {
      ++histogram[member];
    }
    ASSERT_EQ(histogram.size(), static_cast<std::size_t>(size));
    for (const auto& [member, count] : histogram) {
      EXPECT_GT(count, 300) << member << " of " << size;
      EXPECT_LT(count, 500) << member << " of " << size;
    }
  }
}

TEST(Sets, SrandmemberSingleIsAMember) {
  for (bool integers : {true, false}) {
    TestServer server;
    std::set<std::string> before = fill(server, "s", 50, integers);
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {
      std::string reply = server.run({"srandmember", "s"});
      std::string member =
          reply.substr(reply.find("\r\n") + 2, reply.size() - reply.find("\r\n") - 4);
      EXPECT_TRUE(before.count(member)) << member;
      seen.insert(member);
    }
    EXPECT_EQ(seen, before);
  }
}

// Redis 7.0's encoding rules: intset up to set-max-intset-entries integers; one more member,
// or any non-integer, converts for good; computed results start over as intsets.
TEST(Sets, EncodingConversions) {
  TestServer server;
  fill(server, "ints", 512, true);
  EXPECT_EQ(encoding_of(server, "ints"), "intset");
  server.run({"sadd", "ints", "512"});
  EXPECT_EQ(encoding_of(server, "ints"), "hashtable");
  server.run({"srem", "ints", "512", "511"});
  EXPECT_EQ(encoding_of(server, "ints"), "hashtable");
  EXPECT_EQ(server.run({"scard", "ints"}), ":511\r\n");
  // The intersection of hash tables of integers is stored as an intset.
  server.run({"sadd", "other", "1", "2", "x"});
  EXPECT_EQ(server.run({"sinterstore", "dst", "ints", "other"}), ":2\r\n");
  EXPECT_EQ(encoding_of(server, "dst"), "intset");
  EXPECT_EQ(server.run({"sunionstore", "all", "ints", "other"}), ":512\r\n");
  EXPECT_EQ(encoding_of(server, "all"), "hashtable");
  EXPECT_EQ(server.run({"sdiffstore", "d", "ints", "other"}), ":509\r\n");
  EXPECT_EQ(encoding_of(server, "d"), "intset");
  // Every member survives a conversion, as text.
  std::set<std::string> members = members_of(server, "ints");
  EXPECT_TRUE(members.count("0") && members.count("510") && !members.count("511"));
}

// A set value is deep-copied (COPY), and the copy converts independently.
TEST(Sets, CopyIsIndependent) {
  TestServer server;
  server.run({"sadd", "a", "1", "2", "x"});
  EXPECT_EQ(server.run({"copy", "a", "b"}), ":1\r\n");
  server.run({"srem", "b", "x"});
  EXPECT_EQ(members_of(server, "a"), (std::set<std::string>{"1", "2", "x"}));
  EXPECT_EQ(members_of(server, "b"), (std::set<std::string>{"1", "2"}));
}

// SDIFF's two algorithms (probe the others vs. copy then remove) give the same result.
TEST(Sets, DifferenceAlgorithmsAgree) {
  TestServer server;
  fill(server, "big", 300, false);
  server.run({"sadd", "small", "m1", "m2", "m3", "zz"});
  // |small| * 2 sets is less work than |small| + |big|: probing.
  EXPECT_EQ(members_of(server, "small").size(), 4u);
  std::vector<std::string> probe = bulks(server.run({"sdiff", "small", "big"}));
  EXPECT_EQ(probe, std::vector<std::string>{"zz"});
  // |big| * 3 sets is more than twice the sum of the sizes: copy and remove.
  std::vector<std::string> removed = bulks(server.run({"sdiff", "big", "small", "small"}));
  std::set<std::string> expected;
  for (int i = 0; i < 300; ++i) {
    if (i < 1 || i > 3) expected.insert("m" + std::to_string(i));
  }
  EXPECT_EQ(std::set<std::string>(removed.begin(), removed.end()), expected);
}

// SSCAN of a hash table returns every member present throughout, while the table grows
// (several doublings, rehashing under way) or shrinks between calls.
TEST(Sets, SscanDuringGrowthAndShrinkLosesNothing) {
  for (bool grow : {true, false}) {
    TestServer server;
    std::set<std::string> stable = fill(server, "s", 200, false);
    if (!grow) {
      std::vector<std::string> command = {"sadd", "s"};
      for (int i = 0; i < 3000; ++i) command.push_back("doomed" + std::to_string(i));
      server.run(command);
    }
    std::set<std::string> seen;
    std::string cursor = "0";
    int step = 0;
    do {
      std::string reply = server.run({"sscan", "s", cursor, "count", "7"});
      // *2 $<n> cursor *<k> ...
      std::size_t first = reply.find("\r\n", 4);
      std::size_t cursor_end = reply.find("\r\n", first + 2);
      cursor = reply.substr(first + 2, cursor_end - first - 2);
      for (const std::string& member : bulks(reply.substr(cursor_end + 2))) seen.insert(member);
      std::vector<std::string> change = {grow ? "sadd" : "srem", "s"};
      for (int i = 0; i < 40; ++i) {
        change.push_back((grow ? "added" : "doomed") + std::to_string(step * 40 + i));
      }
      server.run(change);
      ++step;
    } while (cursor != "0");
    for (const std::string& member : stable) EXPECT_TRUE(seen.count(member)) << member;
    EXPECT_GT(step, 5);
  }
}

// An intset is returned whole by one SSCAN call, whatever the cursor and COUNT.
TEST(Sets, SscanOfIntsetIsOneCall) {
  TestServer server;
  fill(server, "s", 100, true);
  std::string reply = server.run({"sscan", "s", "12345", "count", "1"});
  EXPECT_EQ(reply.substr(0, 11), "*2\r\n$1\r\n0\r\n");
  EXPECT_EQ(bulks(reply.substr(11)).size(), 100u);
  reply = server.run({"sscan", "s", "0", "match", "9*"});
  EXPECT_EQ(bulks(reply.substr(11)).size(), 11u);  // 9, 90..99
}

// The key positions the dispatcher locks: every key of every multi-key set command.
TEST(Sets, KeySpecsNameEveryKey) {
  const CommandTable& table = CommandTable::instance();
  auto positions = [&](std::vector<std::string_view> argv) {
    std::vector<std::size_t> out;
    for (const KeyReference& key : CommandTable::keys_of(*table.find(argv[0]), argv)) {
      out.push_back(key.position);
    }
    return out;
  };
  using V = std::vector<std::size_t>;
  EXPECT_EQ(positions({"sintercard", "3", "a", "b", "c", "limit", "5"}), (V{2, 3, 4}));
  EXPECT_EQ(positions({"sintercard", "1", "a", "b"}), (V{2}));
  EXPECT_EQ(positions({"sintercard", "4", "a", "b"}), V{});
  EXPECT_EQ(positions({"sintercard", "x", "a"}), V{});
  EXPECT_EQ(positions({"sinterstore", "d", "a", "b"}), (V{1, 2, 3}));
  EXPECT_EQ(positions({"sunionstore", "d", "a"}), (V{1, 2}));
  EXPECT_EQ(positions({"sdiffstore", "d", "a", "b", "c"}), (V{1, 2, 3, 4}));
  EXPECT_EQ(positions({"sinter", "a", "b", "c"}), (V{1, 2, 3}));
  EXPECT_EQ(positions({"sunion", "a", "b"}), (V{1, 2}));
  EXPECT_EQ(positions({"sdiff", "a", "b"}), (V{1, 2}));
  EXPECT_EQ(positions({"smove", "a", "b", "m"}), (V{1, 2}));
}

// In-place modifications touch the key for WATCH; no-ops do not.
TEST(Sets, WritesMarkTheKeyModified) {
  TestServer server;
  server.run({"sadd", "s", "1", "2"});
  ClientState watcher;
  auto watcher_runs = [&](std::vector<std::string_view> argv) {
    ReplyBuilder reply;
    server.server().execute(watcher, argv, reply);
  };
  auto changes = [&](std::vector<std::string> command) {
    watcher_runs({"watch", "s"});
    server.run(command);
    const bool touched = watcher.multi.watch_dirty.load();
    watcher_runs({"unwatch"});
    return touched;
  };
  EXPECT_TRUE(changes({"sadd", "s", "3"}));
  EXPECT_FALSE(changes({"sadd", "s", "3"}));
  EXPECT_TRUE(changes({"srem", "s", "3"}));
  EXPECT_FALSE(changes({"srem", "s", "3"}));
  EXPECT_TRUE(changes({"spop", "s"}));
  EXPECT_FALSE(changes({"srandmember", "s", "2"}));
  EXPECT_FALSE(changes({"smembers", "s"}));
}

// Multi-key commands hold every key's shard at once. Members live in exactly one of ten sets
// (spread over shards) while one goroutine SMOVEs them around and another, on the other P,
// takes SUNIONSTOREs and SINTERCARDs of them; one that locked fewer shards could see a member in
// flight twice or not at all. Every union must count each member exactly once. (How much the
// two overlap is up to the scheduler, so a locking bug shows up often, not always; the key
// positions themselves are checked exactly by KeySpecsNameEveryKey.)
TEST(Sets, MultiKeyCommandsSeeConsistentSets) {
  TestServer server;
  constexpr int kSets = 10;
  constexpr int kMembers = 200;
  std::vector<std::string> names;
  for (int i = 0; i < kSets; ++i) names.push_back("set" + std::to_string(i));
  for (int m = 0; m < kMembers; ++m) {
    server.run({"sadd", names[m % kSets], "member" + std::to_string(m)});
  }
  std::atomic<bool> checked{false};
  int bad_unions = 0;
  auto run = [&](ClientState& client, std::vector<std::string_view> argv) {
    ReplyBuilder reply;
    server.server().execute(client, argv, reply);
    return reply.take();
  };
  auto mover = [&] {
    ClientState client;
    std::mt19937 rng(1);
    while (!checked.load()) {
      std::string member = "member" + std::to_string(rng() % kMembers);
      run(client, {"smove", names[rng() % kSets], names[rng() % kSets], member});
    }
  };
  auto checker = [&] {
    ClientState client;
    std::vector<std::string_view> union_all = {"sunionstore", "dst"};
    for (const std::string& name : names) union_all.push_back(name);
    for (int i = 0; i < 3000; ++i) {
      if (run(client, union_all) != ":" + std::to_string(kMembers) + "\r\n") ++bad_unions;
      if (run(client, {"sintercard", "2", names[i % kSets], names[(i + 1) % kSets]}) != ":0\r\n") {
        ++bad_unions;
      }
    }
    checked = true;
  };
  goro::run([&] {
    goro::WaitGroup done;
    done.add(2);
    goro::go([&] {
      mover();
      done.done();
    });
    goro::go([&] {
      checker();
      done.done();
    });
    done.wait();
  });
  EXPECT_EQ(bad_unions, 0);
  std::set<std::string> all;
  for (const std::string& name : names) {
    for (const std::string& member : members_of(server, name)) {
      EXPECT_TRUE(all.insert(member).second);
    }
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kMembers));
}

}  // namespace
}  // namespace gorodis::testing
