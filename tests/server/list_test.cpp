// list_test.cpp — list commands against replies captured from redis-server 7.0.15, replayed in
// order on a fresh server: every command with its options and edge cases (negative and
// out-of-range indexes, empty results, count 0, WRONGTYPE, key deletion when a list empties,
// error texts), RESP3 null shapes, the key specs and COMMAND GETKEYS of LMPOP's keynum spec, the
// blocking commands where they need not block (errors, ready keys), and lists whose small node
// bound (list-max-listpack-size 3) makes them span many nodes.
#include "server_test_util.hpp"
#include "t_list.hpp"

namespace gorodis::testing {
namespace {

using namespace std::string_literals;

// Pushes, ranges, indexes, pops (with and without count) and WRONGTYPE for every command.
const Exchange kBasicExchanges[] = {
    {{"lpush"s, "l"s, "a"s, "b"s, "c"s}, ":3\r\n"s},
    {{"rpush"s, "l"s, "d"s, "e"s}, ":5\r\n"s},
    {{"llen"s, "l"s}, ":5\r\n"s},
    {{"lrange"s, "l"s, "0"s, "-1"s},
     "*5\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n"s},
    {{"lrange"s, "l"s, "1"s, "2"s}, "*2\r\n$1\r\nb\r\n$1\r\na\r\n"s},
    {{"lrange"s, "l"s, "-2"s, "-1"s}, "*2\r\n$1\r\nd\r\n$1\r\ne\r\n"s},
    {{"lrange"s, "l"s, "-100"s, "100"s},
     "*5\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n"s},
    {{"lrange"s, "l"s, "5"s, "10"s}, "*0\r\n"s},
    {{"lrange"s, "l"s, "3"s, "1"s}, "*0\r\n"s},
    {{"lrange"s, "l"s, "-1"s, "-3"s}, "*0\r\n"s},
    {{"lrange"s, "l"s, "0"s, "0"s}, "*1\r\n$1\r\nc\r\n"s},
    {{"lrange"s, "nokey"s, "0"s, "-1"s}, "*0\r\n"s},
    {{"lrange"s, "l"s, "x"s, "1"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"lrange"s, "l"s, "0"s, "y"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"object"s, "encoding"s, "l"s}, "$9\r\nquicklist\r\n"s},
    {{"type"s, "l"s}, "+list\r\n"s},
    {{"lpushx"s, "nokey"s, "a"s}, ":0\r\n"s},
    {{"rpushx"s, "nokey"s, "a"s}, ":0\r\n"s},
    {{"exists"s, "nokey"s}, ":0\r\n"s},
    {{"lpushx"s, "l"s, "x"s, "y"s}, ":7\r\n"s},
    {{"rpushx"s, "l"s, "z"s}, ":8\r\n"s},
    {{"lrange"s, "l"s, "0"s, "-1"s},
     "*8\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nz\r\n"s},
    {{"llen"s, "nokey"s}, ":0\r\n"s},
    {{"lindex"s, "l"s, "0"s}, "$1\r\ny\r\n"s},
    {{"lindex"s, "l"s, "-1"s}, "$1\r\nz\r\n"s},
    {{"lindex"s, "l"s, "100"s}, "$-1\r\n"s},
    {{"lindex"s, "l"s, "-100"s}, "$-1\r\n"s},
    {{"lindex"s, "l"s, "abc"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"lindex"s, "nokey"s, "0"s}, "$-1\r\n"s},
    {{"lset"s, "l"s, "0"s, "first"s}, "+OK\r\n"s},
    {{"lset"s, "l"s, "-1"s, "last"s}, "+OK\r\n"s},
    {{"lset"s, "l"s, "100"s, "x"s}, "-ERR index out of range\r\n"s},
    {{"lset"s, "l"s, "-100"s, "x"s}, "-ERR index out of range\r\n"s},
    {{"lset"s, "nokey"s, "0"s, "x"s}, "-ERR no such key\r\n"s},
    {{"lset"s, "l"s, "abc"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"lrange"s, "l"s, "0"s, "-1"s},
     "*8\r\n$5\r\nfirst\r\n$1\r\nx\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n$4\r\nlast\r\n"s},
    {{"rpush"s, "n"s, "1"s, "-2"s, "300000"s, "9223372036854775807"s, "-9223372036854775808"s,
      "007"s, "1.5"s, "\"\""s},
     ":8\r\n"s},
    {{"lrange"s, "n"s, "0"s, "-1"s},
     "*8\r\n$1\r\n1\r\n$2\r\n-2\r\n$6\r\n300000\r\n$19\r\n9223372036854775807\r\n$20\r\n-9223372036854775808\r\n$3\r\n007\r\n$3\r\n1.5\r\n$2\r\n\"\"\r\n"s},
    {{"lindex"s, "n"s, "3"s}, "$19\r\n9223372036854775807\r\n"s},
    {{"lpop"s, "l"s}, "$5\r\nfirst\r\n"s},
    {{"rpop"s, "l"s}, "$4\r\nlast\r\n"s},
    {{"lpop"s, "l"s, "2"s}, "*2\r\n$1\r\nx\r\n$1\r\nc\r\n"s},
    {{"rpop"s, "l"s, "2"s}, "*2\r\n$1\r\ne\r\n$1\r\nd\r\n"s},
    {{"lpop"s, "l"s, "0"s}, "*0\r\n"s},
    {{"rpop"s, "l"s, "0"s}, "*0\r\n"s},
    {{"lpop"s, "l"s, "-1"s}, "-ERR value is out of range, must be positive\r\n"s},
    {{"lpop"s, "l"s, "abc"s}, "-ERR value is out of range, must be positive\r\n"s},
    {{"lpop"s, "nokey"s}, "$-1\r\n"s},
    {{"rpop"s, "nokey"s}, "$-1\r\n"s},
    {{"lpop"s, "nokey"s, "2"s}, "*-1\r\n"s},
    {{"lpop"s, "nokey"s, "0"s}, "*-1\r\n"s},
    {{"lpop"s, "nokey"s, "-1"s}, "-ERR value is out of range, must be positive\r\n"s},
    {{"lpop"s, "l"s, "1"s, "2"s}, "-ERR wrong number of arguments for 'lpop' command\r\n"s},
    {{"lrange"s, "l"s, "0"s, "-1"s}, "*2\r\n$1\r\nb\r\n$1\r\na\r\n"s},
    {{"lpop"s, "l"s, "100"s}, "*2\r\n$1\r\nb\r\n$1\r\na\r\n"s},
    {{"exists"s, "l"s}, ":0\r\n"s},
    {{"rpush"s, "one"s, "x"s}, ":1\r\n"s},
    {{"rpop"s, "one"s, "5"s}, "*1\r\n$1\r\nx\r\n"s},
    {{"exists"s, "one"s}, ":0\r\n"s},
    {{"set"s, "s"s, "v"s}, "+OK\r\n"s},
    {{"lpush"s, "s"s, "a"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"rpush"s, "s"s, "a"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"lpushx"s, "s"s, "a"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"rpushx"s, "s"s, "a"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"lpop"s, "s"s}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"rpop"s, "s"s}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"lpop"s, "s"s, "2"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"llen"s, "s"s}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"lrange"s, "s"s, "0"s, "1"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"lindex"s, "s"s, "0"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"lset"s, "s"s, "0"s, "a"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"linsert"s, "s"s, "before"s, "a"s, "b"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"lrem"s, "s"s, "0"s, "a"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"ltrim"s, "s"s, "0"s, "1"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"lpos"s, "s"s, "a"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"lmove"s, "s"s, "l"s, "left"s, "left"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"rpoplpush"s, "s"s, "l"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"lmpop"s, "1"s, "s"s, "left"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"get"s, "s"s}, "$1\r\nv\r\n"s},
};

// LINSERT, LREM, LTRIM, LPOS, LMOVE/RPOPLPUSH and LMPOP with their options and errors.
const Exchange kMoreExchanges[] = {
    {{"rpush"s, "l"s, "a"s, "b"s, "c"s, "b"s, "a"s}, ":5\r\n"s},
    {{"linsert"s, "l"s, "before"s, "b"s, "X"s}, ":6\r\n"s},
    {{"linsert"s, "l"s, "after"s, "b"s, "Y"s}, ":7\r\n"s},
    {{"linsert"s, "l"s, "after"s, "a"s, "Z"s}, ":8\r\n"s},
    {{"linsert"s, "l"s, "before"s, "nothere"s, "Q"s}, ":-1\r\n"s},
    {{"linsert"s, "l"s, "middle"s, "b"s, "Q"s}, "-ERR syntax error\r\n"s},
    {{"linsert"s, "nokey"s, "before"s, "a"s, "b"s}, ":0\r\n"s},
    {{"exists"s, "nokey"s}, ":0\r\n"s},
    {{"lrange"s, "l"s, "0"s, "-1"s},
     "*8\r\n$1\r\na\r\n$1\r\nZ\r\n$1\r\nX\r\n$1\r\nb\r\n$1\r\nY\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"s},
    {{"lrem"s, "l"s, "0"s, "b"s}, ":2\r\n"s},
    {{"lrem"s, "l"s, "1"s, "a"s}, ":1\r\n"s},
    {{"lrem"s, "l"s, "-1"s, "Z"s}, ":1\r\n"s},
    {{"lrem"s, "l"s, "0"s, "nothere"s}, ":0\r\n"s},
    {{"lrem"s, "l"s, "x"s, "a"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"lrem"s, "nokey"s, "0"s, "a"s}, ":0\r\n"s},
    {{"lrange"s, "l"s, "0"s, "-1"s}, "*4\r\n$1\r\nX\r\n$1\r\nY\r\n$1\r\nc\r\n$1\r\na\r\n"s},
    {{"rpush"s, "r"s, "a"s, "b"s, "a"s, "c"s, "a"s, "d"s, "a"s}, ":7\r\n"s},
    {{"lrem"s, "r"s, "-2"s, "a"s}, ":2\r\n"s},
    {{"lrange"s, "r"s, "0"s, "-1"s},
     "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\nd\r\n"s},
    {{"lrem"s, "r"s, "2"s, "a"s}, ":2\r\n"s},
    {{"lrange"s, "r"s, "0"s, "-1"s}, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"s},
    {{"lrem"s, "r"s, "0"s, "b"s}, ":1\r\n"s},
    {{"lrem"s, "r"s, "0"s, "c"s}, ":1\r\n"s},
    {{"lrem"s, "r"s, "0"s, "d"s}, ":1\r\n"s},
    {{"exists"s, "r"s}, ":0\r\n"s},
    {{"rpush"s, "t"s, "0"s, "1"s, "2"s, "3"s, "4"s, "5"s, "6"s, "7"s, "8"s, "9"s}, ":10\r\n"s},
    {{"ltrim"s, "t"s, "1"s, "-2"s}, "+OK\r\n"s},
    {{"lrange"s, "t"s, "0"s, "-1"s},
     "*8\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n"s},
    {{"ltrim"s, "t"s, "-3"s, "100"s}, "+OK\r\n"s},
    {{"lrange"s, "t"s, "0"s, "-1"s}, "*3\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n"s},
    {{"ltrim"s, "t"s, "0"s, "0"s}, "+OK\r\n"s},
    {{"lrange"s, "t"s, "0"s, "-1"s}, "*1\r\n$1\r\n6\r\n"s},
    {{"ltrim"s, "t"s, "x"s, "0"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"ltrim"s, "nokey"s, "0"s, "1"s}, "+OK\r\n"s},
    {{"ltrim"s, "t"s, "5"s, "1"s}, "+OK\r\n"s},
    {{"exists"s, "t"s}, ":0\r\n"s},
    {{"rpush"s, "t"s, "a"s, "b"s, "c"s}, ":3\r\n"s},
    {{"ltrim"s, "t"s, "-100"s, "-50"s}, "+OK\r\n"s},
    {{"exists"s, "t"s}, ":0\r\n"s},
    {{"rpush"s, "t"s, "a"s, "b"s, "c"s}, ":3\r\n"s},
    {{"ltrim"s, "t"s, "2"s, "1"s}, "+OK\r\n"s},
    {{"exists"s, "t"s}, ":0\r\n"s},
    {{"rpush"s, "p"s, "a"s, "b"s, "c"s, "1"s, "2"s, "3"s, "c"s, "c"s}, ":8\r\n"s},
    {{"lpos"s, "p"s, "c"s}, ":2\r\n"s},
    {{"lpos"s, "p"s, "c"s, "rank"s, "2"s}, ":6\r\n"s},
    {{"lpos"s, "p"s, "c"s, "rank"s, "-1"s}, ":7\r\n"s},
    {{"lpos"s, "p"s, "c"s, "rank"s, "-2"s}, ":6\r\n"s},
    {{"lpos"s, "p"s, "c"s, "rank"s, "5"s}, "$-1\r\n"s},
    {{"lpos"s, "p"s, "c"s, "count"s, "0"s}, "*3\r\n:2\r\n:6\r\n:7\r\n"s},
    {{"lpos"s, "p"s, "c"s, "count"s, "2"s}, "*2\r\n:2\r\n:6\r\n"s},
    {{"lpos"s, "p"s, "c"s, "count"s, "2"s, "rank"s, "2"s}, "*2\r\n:6\r\n:7\r\n"s},
    {{"lpos"s, "p"s, "c"s, "count"s, "0"s, "rank"s, "-1"s}, "*3\r\n:7\r\n:6\r\n:2\r\n"s},
    {{"lpos"s, "p"s, "c"s, "maxlen"s, "2"s}, "$-1\r\n"s},
    {{"lpos"s, "p"s, "c"s, "maxlen"s, "3"s}, ":2\r\n"s},
    {{"lpos"s, "p"s, "c"s, "count"s, "0"s, "maxlen"s, "7"s}, "*2\r\n:2\r\n:6\r\n"s},
    {{"lpos"s, "p"s, "c"s, "rank"s, "-1"s, "maxlen"s, "1"s}, ":7\r\n"s},
    {{"lpos"s, "p"s, "c"s, "rank"s, "-1"s, "maxlen"s, "2"s, "count"s, "0"s}, "*2\r\n:7\r\n:6\r\n"s},
    {{"lpos"s, "p"s, "1"s}, ":3\r\n"s},
    {{"lpos"s, "p"s, "nothere"s}, "$-1\r\n"s},
    {{"lpos"s, "p"s, "nothere"s, "count"s, "0"s}, "*0\r\n"s},
    {{"lpos"s, "p"s, "nothere"s, "count"s, "5"s}, "*0\r\n"s},
    {{"lpos"s, "nokey"s, "a"s}, "$-1\r\n"s},
    {{"lpos"s, "nokey"s, "a"s, "count"s, "0"s}, "*0\r\n"s},
    {{"lpos"s, "p"s, "c"s, "rank"s, "0"s},
     "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n"s},
    {{"lpos"s, "p"s, "c"s, "rank"s, "-9223372036854775808"s}, ":7\r\n"s},
    {{"lpos"s, "p"s, "c"s, "rank"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"lpos"s, "p"s, "c"s, "count"s, "-1"s}, "-ERR COUNT can't be negative\r\n"s},
    {{"lpos"s, "p"s, "c"s, "count"s, "x"s}, "-ERR COUNT can't be negative\r\n"s},
    {{"lpos"s, "p"s, "c"s, "maxlen"s, "-1"s}, "-ERR MAXLEN can't be negative\r\n"s},
    {{"lpos"s, "p"s, "c"s, "maxlen"s, "x"s}, "-ERR MAXLEN can't be negative\r\n"s},
    {{"lpos"s, "p"s, "c"s, "foo"s, "1"s}, "-ERR syntax error\r\n"s},
    {{"lpos"s, "p"s, "c"s, "rank"s}, "-ERR syntax error\r\n"s},
    {{"lpos"s, "p"s, "c"s, "count"s}, "-ERR syntax error\r\n"s},
    {{"lpos"s, "p"s, "c"s, "maxlen"s}, "-ERR syntax error\r\n"s},
    {{"rpush"s, "src"s, "1"s, "2"s, "3"s}, ":3\r\n"s},
    {{"lmove"s, "src"s, "dst"s, "left"s, "right"s}, "$1\r\n1\r\n"s},
    {{"lmove"s, "src"s, "dst"s, "right"s, "left"s}, "$1\r\n3\r\n"s},
    {{"lrange"s, "src"s, "0"s, "-1"s}, "*1\r\n$1\r\n2\r\n"s},
    {{"lrange"s, "dst"s, "0"s, "-1"s}, "*2\r\n$1\r\n3\r\n$1\r\n1\r\n"s},
    {{"lmove"s, "src"s, "src"s, "left"s, "right"s}, "$1\r\n2\r\n"s},
    {{"lrange"s, "src"s, "0"s, "-1"s}, "*1\r\n$1\r\n2\r\n"s},
    {{"lmove"s, "src"s, "dst"s, "up"s, "left"s}, "-ERR syntax error\r\n"s},
    {{"lmove"s, "src"s, "dst"s, "left"s, "down"s}, "-ERR syntax error\r\n"s},
    {{"lmove"s, "nokey"s, "dst"s, "left"s, "left"s}, "$-1\r\n"s},
    {{"lmove"s, "src"s, "dst"s, "left"s, "left"s}, "$1\r\n2\r\n"s},
    {{"exists"s, "src"s}, ":0\r\n"s},
    {{"lrange"s, "dst"s, "0"s, "-1"s}, "*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n"s},
    {{"rpoplpush"s, "dst"s, "dst"s}, "$1\r\n1\r\n"s},
    {{"lrange"s, "dst"s, "0"s, "-1"s}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"s},
    {{"rpoplpush"s, "dst"s, "newl"s}, "$1\r\n3\r\n"s},
    {{"rpoplpush"s, "nokey"s, "dst"s}, "$-1\r\n"s},
    {{"lrange"s, "newl"s, "0"s, "-1"s}, "*1\r\n$1\r\n3\r\n"s},
    {{"set"s, "str"s, "v"s}, "+OK\r\n"s},
    {{"lmove"s, "dst"s, "str"s, "left"s, "left"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"rpoplpush"s, "dst"s, "str"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"lrange"s, "dst"s, "0"s, "-1"s}, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"s},
    {{"lmove"s, "nokey"s, "str"s, "left"s, "left"s}, "$-1\r\n"s},
    {{"rpush"s, "m1"s, "a"s, "b"s, "c"s}, ":3\r\n"s},
    {{"rpush"s, "m2"s, "x"s, "y"s, "z"s}, ":3\r\n"s},
    {{"lmpop"s, "2"s, "nokey"s, "m1"s, "left"s}, "*2\r\n$2\r\nm1\r\n*1\r\n$1\r\na\r\n"s},
    {{"lmpop"s, "2"s, "nokey"s, "m1"s, "right"s, "count"s, "10"s},
     "*2\r\n$2\r\nm1\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n"s},
    {{"exists"s, "m1"s}, ":0\r\n"s},
    {{"lmpop"s, "2"s, "m1"s, "m2"s, "right"s, "count"s, "2"s},
     "*2\r\n$2\r\nm2\r\n*2\r\n$1\r\nz\r\n$1\r\ny\r\n"s},
    {{"lmpop"s, "2"s, "m1"s, "m2"s, "right"s, "count"s, "0"s},
     "-ERR count should be greater than 0\r\n"s},
    {{"lmpop"s, "1"s, "nokey"s, "left"s}, "*-1\r\n"s},
    {{"lmpop"s, "1"s, "nokey"s, "left"s, "count"s, "2"s}, "*-1\r\n"s},
    {{"lmpop"s, "0"s, "m2"s, "left"s}, "-ERR numkeys should be greater than 0\r\n"s},
    {{"lmpop"s, "-1"s, "m2"s, "left"s}, "-ERR numkeys should be greater than 0\r\n"s},
    {{"lmpop"s, "x"s, "m2"s, "left"s}, "-ERR numkeys should be greater than 0\r\n"s},
    {{"lmpop"s, "3"s, "m2"s, "left"s}, "-ERR syntax error\r\n"s},
    {{"lmpop"s, "2"s, "m2"s, "left"s}, "-ERR syntax error\r\n"s},
    {{"lmpop"s, "1"s, "m2"s, "up"s}, "-ERR syntax error\r\n"s},
    {{"lmpop"s, "1"s, "m2"s, "left"s, "count"s}, "-ERR syntax error\r\n"s},
    {{"lmpop"s, "1"s, "m2"s, "left"s, "count"s, "0"s}, "-ERR count should be greater than 0\r\n"s},
    {{"lmpop"s, "1"s, "m2"s, "left"s, "count"s, "-1"s}, "-ERR count should be greater than 0\r\n"s},
    {{"lmpop"s, "1"s, "m2"s, "left"s, "count"s, "x"s}, "-ERR count should be greater than 0\r\n"s},
    {{"lmpop"s, "1"s, "m2"s, "left"s, "count"s, "1"s, "count"s, "1"s}, "-ERR syntax error\r\n"s},
    {{"lmpop"s, "1"s, "m2"s, "left"s, "foo"s}, "-ERR syntax error\r\n"s},
    {{"lmpop"s, "1"s, "m2"s, "left"s, "count"s, "1"s, "extra"s}, "-ERR syntax error\r\n"s},
    {{"lmpop"s, "2"s, "str"s, "m2"s, "left"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"lmpop"s, "2"s, "m2"s, "str"s, "left"s}, "*2\r\n$2\r\nm2\r\n*1\r\n$1\r\nx\r\n"s},
    {{"lmpop"s, "1"s, "m2"s}, "-ERR wrong number of arguments for 'lmpop' command\r\n"s},
    {{"lmpop"s, "1"s}, "-ERR wrong number of arguments for 'lmpop' command\r\n"s},
    {{"lrange"s, "m2"s, "0"s, "-1"s}, "*0\r\n"s},
    {{"lmpop"s, "1"s, "m2"s, "left"s, "COUNT"s, "5"s}, "*-1\r\n"s},
};

// COMMAND INFO/GETKEYS, and a list of many 3-element nodes (inserts split, edits span nodes).
const Exchange kNodeExchanges[] =
    {
        {{"command"s, "info"s, "lpush"s, "lpop"s, "llen"s, "lrange"s, "lset"s, "linsert"s, "lrem"s,
          "ltrim"s, "lpos"s, "lmove"s, "rpoplpush"s, "lmpop"s},
         "*12\r\n*10\r\n$5\r\nlpush\r\n:-3\r\n*3\r\n+write\r\n+denyoom\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@write\r\n+@list\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+insert\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$4\r\nlpop\r\n:-2\r\n*2\r\n+write\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@write\r\n+@list\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$4\r\nllen\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@list\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*1\r\n+RO\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$6\r\nlrange\r\n:4\r\n*1\r\n+readonly\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@list\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$4\r\nlset\r\n:4\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@write\r\n+@list\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$7\r\nlinsert\r\n:5\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@write\r\n+@list\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+insert\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$4\r\nlrem\r\n:4\r\n*1\r\n+write\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@write\r\n+@list\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$5\r\nltrim\r\n:4\r\n*1\r\n+write\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@write\r\n+@list\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$4\r\nlpos\r\n:-3\r\n*1\r\n+readonly\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@list\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$5\r\nlmove\r\n:5\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:2\r\n:1\r\n*3\r\n+@write\r\n+@list\r\n+@slow\r\n*0\r\n*2\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+insert\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$9\r\nrpoplpush\r\n:3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:2\r\n:1\r\n*3\r\n+@write\r\n+@list\r\n+@slow\r\n*0\r\n*2\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+insert\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$5\r\nlmpop\r\n:-4\r\n*2\r\n+write\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@write\r\n+@list\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n*6\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n*0\r\n"s},
        {{"command"s, "getkeys"s, "lmpop"s, "2"s, "a"s, "b"s, "left"s, "count"s, "1"s},
         "*2\r\n$1\r\na\r\n$1\r\nb\r\n"s},
        {{"command"s, "getkeys"s, "lmpop"s, "1"s, "a"s, "right"s}, "*1\r\n$1\r\na\r\n"s},
        {{"command"s, "getkeys"s, "lmove"s, "a"s, "b"s, "left"s, "right"s},
         "*2\r\n$1\r\na\r\n$1\r\nb\r\n"s},
        {{"command"s, "getkeysandflags"s, "lmpop"s, "2"s, "a"s, "b"s, "left"s},
         "*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n"s},
        {{"command"s, "getkeys"s, "lmpop"s, "3"s, "a"s, "b"s, "left"s},
         "*3\r\n$1\r\na\r\n$1\r\nb\r\n$4\r\nleft\r\n"s},
        {{"config"s, "set"s, "list-max-listpack-size"s, "3"s}, "+OK\r\n"s},
        {{"rpush"s, "big"s, "0"s,  "1"s,  "2"s,  "3"s,  "4"s,  "5"s,  "6"s,  "7"s,  "8"s,
          "9"s,     "10"s,  "11"s, "12"s, "13"s, "14"s, "15"s, "16"s, "17"s, "18"s, "19"s},
         ":20\r\n"s},
        {{"linsert"s, "big"s, "before"s, "10"s, "a"s}, ":21\r\n"s},
        {{"linsert"s, "big"s, "after"s, "4"s, "b"s}, ":22\r\n"s},
        {{"linsert"s, "big"s, "before"s, "0"s, "c"s}, ":23\r\n"s},
        {{"linsert"s, "big"s, "after"s, "19"s, "d"s}, ":24\r\n"s},
        {{"lrange"s, "big"s, "0"s, "-1"s},
         "*24\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\nb\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$1\r\n9\r\n$1\r\na\r\n$2\r\n10\r\n$2\r\n11\r\n$2\r\n12\r\n$2\r\n13\r\n$2\r\n14\r\n$2\r\n15\r\n$2\r\n16\r\n$2\r\n17\r\n$2\r\n18\r\n$2\r\n19\r\n$1\r\nd\r\n"s},
        {{"lindex"s, "big"s, "11"s}, "$1\r\n9\r\n"s},
        {{"lindex"s, "big"s, "-12"s}, "$1\r\na\r\n"s},
        {{"lset"s, "big"s, "12"s, "e"s}, "+OK\r\n"s},
        {{"lrem"s, "big"s, "0"s, "e"s}, ":1\r\n"s},
        {{"lrem"s, "big"s, "-1"s, "3"s}, ":1\r\n"s},
        {{"ltrim"s, "big"s, "2"s, "-3"s}, "+OK\r\n"s},
        {{"lrange"s, "big"s, "0"s, "-1"s},
         "*18\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n4\r\n$1\r\nb\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$1\r\n9\r\n$2\r\n10\r\n$2\r\n11\r\n$2\r\n12\r\n$2\r\n13\r\n$2\r\n14\r\n$2\r\n15\r\n$2\r\n16\r\n$2\r\n17\r\n$2\r\n18\r\n"s},
        {{"lpos"s, "big"s, "7"s}, ":6\r\n"s},
        {{"lpos"s, "big"s, "7"s, "rank"s, "-1"s}, ":6\r\n"s},
        {{"lrange"s, "big"s, "3"s, "9"s},
         "*7\r\n$1\r\nb\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$1\r\n9\r\n$2\r\n10\r\n"s},
        {{"lrange"s, "big"s, "-9"s, "-3"s},
         "*7\r\n$2\r\n10\r\n$2\r\n11\r\n$2\r\n12\r\n$2\r\n13\r\n$2\r\n14\r\n$2\r\n15\r\n$2\r\n16\r\n"s},
        {{"lmove"s, "big"s, "big"s, "right"s, "left"s}, "$2\r\n18\r\n"s},
        {{"lrange"s, "big"s, "0"s, "-1"s},
         "*18\r\n$2\r\n18\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n4\r\n$1\r\nb\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$1\r\n9\r\n$2\r\n10\r\n$2\r\n11\r\n$2\r\n12\r\n$2\r\n13\r\n$2\r\n14\r\n$2\r\n15\r\n$2\r\n16\r\n$2\r\n17\r\n"s},
        {{"config"s, "set"s, "list-max-listpack-size"s, "-2"s}, "+OK\r\n"s},
        {{"config"s, "get"s, "list-max-listpack-size"s},
         "*2\r\n$22\r\nlist-max-listpack-size\r\n$2\r\n-2\r\n"s},
        {{"config"s, "set"s, "list-max-ziplist-size"s, "5"s}, "+OK\r\n"s},
        {{"config"s, "get"s, "list-max-listpack-size"s},
         "*2\r\n$22\r\nlist-max-listpack-size\r\n$1\r\n5\r\n"s},
        {{"config"s, "set"s, "list-max-listpack-size"s, "-2"s}, "+OK\r\n"s},
};

// After HELLO 3: the null shapes of missing keys, and the list settings.
const Exchange kResp3Exchanges[] = {
    {{"lpop"s, "nokey"s}, "_\r\n"s},
    {{"lpop"s, "nokey"s, "2"s}, "_\r\n"s},
    {{"rpop"s, "nokey"s, "0"s}, "_\r\n"s},
    {{"lindex"s, "nokey"s, "0"s}, "_\r\n"s},
    {{"lmpop"s, "1"s, "nokey"s, "left"s}, "_\r\n"s},
    {{"lmove"s, "nokey"s, "d"s, "left"s, "left"s}, "_\r\n"s},
    {{"rpush"s, "l"s, "a"s, "b"s}, ":2\r\n"s},
    {{"lpop"s, "l"s, "5"s}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n"s},
    {{"lrange"s, "l"s, "0"s, "-1"s}, "*0\r\n"s},
    {{"lpos"s, "nokey"s, "a"s}, "_\r\n"s},
    {{"lpos"s, "nokey"s, "a"s, "count"s, "0"s}, "*0\r\n"s},
    {{"config"s, "get"s, "list-max-*"s},
     "%2\r\n$21\r\nlist-max-ziplist-size\r\n$2\r\n-2\r\n$22\r\nlist-max-listpack-size\r\n$2\r\n-2\r\n"s},
    {{"config"s, "set"s, "list-max-listpack-size"s, "abc"s},
     "-ERR CONFIG SET failed (possibly related to argument 'list-max-listpack-size') - argument couldn't be parsed into an integer\r\n"s},
    {{"config"s, "set"s, "list-compress-depth"s, "-1"s},
     "-ERR CONFIG SET failed (possibly related to argument 'list-compress-depth') - argument must be between 0 and 2147483647 inclusive\r\n"s},
    {{"config"s, "set"s, "list-compress-depth"s, "2"s}, "+OK\r\n"s},
    {{"config"s, "get"s, "list-compress-depth"s},
     "%1\r\n$19\r\nlist-compress-depth\r\n$1\r\n2\r\n"s},
    {{"config"s, "set"s, "list-compress-depth"s, "0"s}, "+OK\r\n"s},
};

// The blocking commands' argument errors and their non-blocking paths (a key is ready), and
// CLIENT UNBLOCK of clients that are not blocked.
const Exchange kBlockingExchanges[] = {
    {{"blpop"s, "nokey"s, "-1"s}, "-ERR timeout is negative\r\n"s},
    {{"blpop"s, "nokey"s, "abc"s}, "-ERR timeout is not a float or out of range\r\n"s},
    {{"blpop"s, "nokey"s, "inf"s}, "-ERR timeout is negative\r\n"s},
    {{"blpop"s, "nokey"s, "nan"s}, "-ERR timeout is not a float or out of range\r\n"s},
    {{"blpop"s, "nokey"s, "1e400"s}, "-ERR timeout is negative\r\n"s},
    {{"blpop"s, "nokey"s, "9223372036854775807"s}, "-ERR timeout is negative\r\n"s},
    {{"blpop"s, "nokey"s, "1e16"s}, "-ERR timeout is negative\r\n"s},
    {{"blpop"s, "nokey"s, ""s}, "-ERR timeout is not a float or out of range\r\n"s},
    {{"client"s, "unblock"s, "999"s, "foo"s},
     "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"s},
    {{"client"s, "unblock"s, "999"s}, ":0\r\n"s},
    {{"client"s, "unblock"s, "abc"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"client"s, "unblock"s, "999"s, "timeout"s}, ":0\r\n"s},
    {{"client"s, "unblock"s, "999"s, "error"s}, ":0\r\n"s},
    {{"client"s, "unblock"s, "-1"s}, ":0\r\n"s},
    {{"client"s, "unblock"s, "1"s, "timeout"s, "x"s},
     "-ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.\r\n"s},
    {{"blmpop"s, "0"s, "0"s, "nokey"s, "left"s}, "-ERR numkeys should be greater than 0\r\n"s},
    {{"blmpop"s, "0"s, "2"s, "nokey"s, "left"s}, "-ERR syntax error\r\n"s},
    {{"blmpop"s, "-1"s, "1"s, "nokey"s, "left"s}, "-ERR timeout is negative\r\n"s},
    {{"blmpop"s, "x"s, "1"s, "nokey"s, "left"s},
     "-ERR timeout is not a float or out of range\r\n"s},
    {{"blmpop"s, "0"s, "1"s, "nokey"s, "up"s}, "-ERR syntax error\r\n"s},
    {{"blmpop"s, "0"s, "1"s, "nokey"s, "left"s, "count"s, "0"s},
     "-ERR count should be greater than 0\r\n"s},
    {{"blmove"s, "a"s, "b"s, "up"s, "left"s, "0"s}, "-ERR syntax error\r\n"s},
    {{"blmove"s, "a"s, "b"s, "left"s, "left"s, "-1"s}, "-ERR timeout is negative\r\n"s},
    {{"brpoplpush"s, "a"s, "b"s, "-1"s}, "-ERR timeout is negative\r\n"s},
    {{"set"s, "s"s, "v"s}, "+OK\r\n"s},
    {{"blpop"s, "nokey"s, "s"s, "0"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"blpop"s, "s"s, "nokey"s, "0"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"blmove"s, "s"s, "d"s, "left"s, "left"s, "0"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"blmpop"s, "0"s, "2"s, "s"s, "l"s, "left"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"rpush"s, "l"s, "a"s, "b"s, "c"s, "d"s, "e"s}, ":5\r\n"s},
    {{"blpop"s, "nokey"s, "l"s, "0"s}, "*2\r\n$1\r\nl\r\n$1\r\na\r\n"s},
    {{"brpop"s, "l"s, "nokey"s, "0"s}, "*2\r\n$1\r\nl\r\n$1\r\ne\r\n"s},
    {{"blpop"s, "l"s, "l"s, "0"s}, "*2\r\n$1\r\nl\r\n$1\r\nb\r\n"s},
    {{"blmove"s, "l"s, "l"s, "right"s, "left"s, "0"s}, "$1\r\nd\r\n"s},
    {{"brpoplpush"s, "l"s, "d"s, "0"s}, "$1\r\nc\r\n"s},
    {{"blmove"s, "l"s, "s"s, "left"s, "left"s, "0"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"blmpop"s, "0"s, "2"s, "nokey"s, "l"s, "right"s, "count"s, "2"s},
     "*2\r\n$1\r\nl\r\n*1\r\n$1\r\nd\r\n"s},
    {{"rpush"s, "l"s, "y"s, "z"s}, ":2\r\n"s},
    {{"blmpop"s, "0"s, "1"s, "l"s, "left"s, "count"s, "10"s},
     "*2\r\n$1\r\nl\r\n*2\r\n$1\r\ny\r\n$1\r\nz\r\n"s},
    {{"exists"s, "l"s}, ":0\r\n"s},
    {{"command"s, "info"s, "blpop"s, "blmove"s, "brpoplpush"s, "blmpop"s, "client|unblock"s},
     "*5\r\n*10\r\n$5\r\nblpop\r\n:-3\r\n*3\r\n+write\r\n+noscript\r\n+blocking\r\n:1\r\n:-2\r\n:1\r\n*4\r\n+@write\r\n+@list\r\n+@slow\r\n+@blocking\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-2\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$6\r\nblmove\r\n:6\r\n*4\r\n+write\r\n+denyoom\r\n+noscript\r\n+blocking\r\n:1\r\n:2\r\n:1\r\n*4\r\n+@write\r\n+@list\r\n+@slow\r\n+@blocking\r\n*0\r\n*2\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+insert\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$10\r\nbrpoplpush\r\n:4\r\n*4\r\n+write\r\n+denyoom\r\n+noscript\r\n+blocking\r\n:1\r\n:2\r\n:1\r\n*4\r\n+@write\r\n+@list\r\n+@slow\r\n+@blocking\r\n*0\r\n*2\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+insert\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$6\r\nblmpop\r\n:-5\r\n*3\r\n+write\r\n+blocking\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n*4\r\n+@write\r\n+@list\r\n+@slow\r\n+@blocking\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n*6\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n*0\r\n*10\r\n$14\r\nclient|unblock\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*4\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"s},
    {{"command"s, "getkeys"s, "blmpop"s, "0"s, "2"s, "a"s, "b"s, "left"s},
     "*2\r\n$1\r\na\r\n$1\r\nb\r\n"s},
    {{"command"s, "getkeys"s, "blpop"s, "a"s, "b"s, "c"s, "0"s},
     "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"s},
};

TEST(ListTest, CommandsMatchRedis) {
  TestServer server;
  server.replay(kBasicExchanges);
  server.replay(kMoreExchanges);
}

TEST(ListTest, ManyNodesAndMetadataMatchRedis) {
  TestServer server;
  server.replay(kNodeExchanges);
}

TEST(ListTest, BlockingCommandsWithoutBlockingMatchRedis) {
  TestServer server;
  server.replay(kBlockingExchanges);
}

TEST(ListTest, Resp3MatchesRedis) {
  TestServer server;
  server.run({"hello", "3"});
  server.replay(kResp3Exchanges);
}

// A list's node bound is fixed when it is created: CONFIG SET affects new lists only.
TEST(ListTest, NodeBoundIsTakenAtCreation) {
  TestServer server;
  EXPECT_EQ(server.run({"config", "set", "list-max-listpack-size", "2"}), "+OK\r\n");
  EXPECT_EQ(server.run({"rpush", "small", "a", "b", "c", "d", "e"}), ":5\r\n");
  EXPECT_EQ(server.run({"config", "set", "list-max-ziplist-size", "-2"}), "+OK\r\n");
  EXPECT_EQ(server.run({"rpush", "large", "a", "b", "c", "d", "e"}), ":5\r\n");
  EXPECT_EQ(server.run({"rpush", "small", "f"}), ":6\r\n");
  auto nodes = [&](const char* key) {
    Entry* entry = server.server().db(0).lookup(key, server.now_ms());
    return entry->value.as<ListValue>().list().node_count();
  };
  EXPECT_EQ(nodes("small"), 3u);
  EXPECT_EQ(nodes("large"), 1u);
  EXPECT_EQ(server.run({"object", "encoding", "small"}), "$9\r\nquicklist\r\n");
}

// Elements of every listpack encoding survive the round trip through a list unchanged.
TEST(ListTest, ElementsKeepTheirBytes) {
  TestServer server;
  const std::vector<std::string> values = {""s,
                                           "0"s,
                                           "-1"s,
                                           "127"s,
                                           "128"s,
                                           "-4096"s,
                                           "4095"s,
                                           "32767"s,
                                           "-32768"s,
                                           "8388607"s,
                                           "2147483648"s,
                                           "9223372036854775807"s,
                                           "-9223372036854775808"s,
                                           "9223372036854775808"s,
                                           "01"s,
                                           "+1"s,
                                           " 1"s,
                                           "1.0"s,
                                           std::string(63, 'x'),
                                           std::string(64, 'y'),
                                           std::string(4095, 'z'),
                                           std::string(4096, 'w'),
                                           std::string(70000, 'v'),
                                           "a\0b"s};
  std::vector<std::string> command = {"rpush", "l"};
  command.insert(command.end(), values.begin(), values.end());
  EXPECT_EQ(server.run(command), ":" + std::to_string(values.size()) + "\r\n");
  std::string expected = "*" + std::to_string(values.size()) + "\r\n";
  for (const std::string& value : values) {
    expected += "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  }
  EXPECT_EQ(server.run({"lrange", "l", "0", "-1"}), expected);
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(server.run({"lindex", "l", std::to_string(i)}),
              "$" + std::to_string(values[i].size()) + "\r\n" + values[i] + "\r\n");
  }
}

// COPY gives an independent list; MEMORY USAGE grows with the list.
TEST(ListTest, CopyAndMemoryUsage) {
  TestServer server;
  EXPECT_EQ(server.run({"rpush", "a", "1", "2", "3"}), ":3\r\n");
  EXPECT_EQ(server.run({"copy", "a", "b"}), ":1\r\n");
  EXPECT_EQ(server.run({"rpop", "a"}), "$1\r\n3\r\n");
  EXPECT_EQ(server.run({"lrange", "b", "0", "-1"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  auto usage = [&](const char* key) {
    std::string reply = server.run({"memory", "usage", key});
    return std::stoll(reply.substr(1));
  };
  const long long before = usage("b");
  for (int i = 0; i < 100; ++i) server.run({"rpush", "b", std::string(100, 'x')});
  EXPECT_GT(usage("b"), before + 100 * 100);
}

}  // namespace
}  // namespace gorodis::testing
