// bitops_test.cpp — bitmap commands against replies captured from Redis 7.0.15 (including
// BITFIELD's overflow quirks), plus bit-exact checks on binary data.
#include "server_test_util.hpp"

namespace gorodis::testing {
namespace {

using namespace std::string_literals;

// Captured from redis-server 7.0.15 (RESP2), replayed in order on a fresh server.
const Exchange kBitExchanges[] = {
    {{"setbit"s, "b"s, "7"s, "1"s}, ":0\r\n"s},
    {{"setbit"s, "b"s, "7"s, "1"s}, ":1\r\n"s},
    {{"setbit"s, "b"s, "7"s, "0"s}, ":1\r\n"s},
    {{"setbit"s, "b"s, "100"s, "1"s}, ":0\r\n"s},
    {{"get"s, "b"s}, "$13\r\n\000\000\000\000\000\000\000\000\000\000\000\000\010\r\n"s},
    {{"strlen"s, "b"s}, ":13\r\n"s},
    {{"object"s, "encoding"s, "b"s}, "$3\r\nraw\r\n"s},
    {{"getbit"s, "b"s, "100"s}, ":1\r\n"s},
    {{"getbit"s, "b"s, "101"s}, ":0\r\n"s},
    {{"getbit"s, "b"s, "100000"s}, ":0\r\n"s},
    {{"getbit"s, "nokey"s, "0"s}, ":0\r\n"s},
    {{"setbit"s, "b"s, "-1"s, "1"s}, "-ERR bit offset is not an integer or out of range\r\n"s},
    {{"setbit"s, "b"s, "4294967296"s, "1"s},
     "-ERR bit offset is not an integer or out of range\r\n"s},
    {{"setbit"s, "b"s, "x"s, "1"s}, "-ERR bit offset is not an integer or out of range\r\n"s},
    {{"setbit"s, "b"s, "1"s, "2"s}, "-ERR bit is not an integer or out of range\r\n"s},
    {{"setbit"s, "b"s, "1"s, "-1"s}, "-ERR bit is not an integer or out of range\r\n"s},
    {{"getbit"s, "b"s, "x"s}, "-ERR bit offset is not an integer or out of range\r\n"s},
    {{"set"s, "s"s, "foobar"s}, "+OK\r\n"s},
    {{"bitcount"s, "s"s}, ":26\r\n"s},
    {{"bitcount"s, "s"s, "0"s, "0"s}, ":4\r\n"s},
    {{"bitcount"s, "s"s, "1"s, "1"s}, ":6\r\n"s},
    {{"bitcount"s, "s"s, "1"s, "1"s, "byte"s}, ":6\r\n"s},
    {{"bitcount"s, "s"s, "5"s, "30"s, "bit"s}, ":17\r\n"s},
    {{"bitcount"s, "s"s, "-1"s, "-1"s}, ":4\r\n"s},
    {{"bitcount"s, "s"s, "-1"s, "-3"s}, ":0\r\n"s},
    {{"bitcount"s, "s"s, "0"s, "-1"s, "bit"s}, ":26\r\n"s},
    {{"bitcount"s, "s"s, "0"s, "-1"s, "foo"s}, "-ERR syntax error\r\n"s},
    {{"bitcount"s, "s"s, "0"s}, "-ERR syntax error\r\n"s},
    {{"bitcount"s, "s"s, "0"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"bitcount"s, "nokey"s, "0"s, "-1"s}, ":0\r\n"s},
    {{"set"s, "n"s, "123"s}, "+OK\r\n"s},
    {{"bitcount"s, "n"s}, ":10\r\n"s},
    {{"getbit"s, "n"s, "2"s}, ":1\r\n"s},
    {{"set"s, "p"s, "\\xff\\xf0\\x00"s}, "+OK\r\n"s},
    {{"bitpos"s, "p"s, "0"s}, ":0\r\n"s},
    {{"bitpos"s, "p"s, "1"s}, ":1\r\n"s},
    {{"bitpos"s, "p"s, "0"s, "2"s}, ":16\r\n"s},
    {{"bitpos"s, "p"s, "1"s, "2"s}, ":17\r\n"s},
    {{"bitpos"s, "p"s, "1"s, "2"s, "-1"s, "byte"s}, ":17\r\n"s},
    {{"bitpos"s, "p"s, "0"s, "0"s, "-1"s, "bit"s}, ":0\r\n"s},
    {{"bitpos"s, "p"s, "1"s, "7"s, "15"s, "bit"s}, ":9\r\n"s},
    {{"bitpos"s, "p"s, "0"s, "1"s, "1"s}, ":8\r\n"s},
    {{"bitpos"s, "p"s, "2"s}, "-ERR The bit argument must be 1 or 0.\r\n"s},
    {{"bitpos"s, "p"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"bitpos"s, "nokey"s, "0"s}, ":0\r\n"s},
    {{"bitpos"s, "nokey"s, "1"s}, ":-1\r\n"s},
    {{"set"s, "ones"s, "\\xff\\xff"s}, "+OK\r\n"s},
    {{"bitpos"s, "ones"s, "0"s}, ":0\r\n"s},
    {{"bitpos"s, "ones"s, "0"s, "0"s, "-1"s}, ":0\r\n"s},
    {{"bitpos"s, "ones"s, "0"s, "1"s}, ":8\r\n"s},
    {{"bitpos"s, "ones"s, "0"s, "3"s, "15"s, "bit"s}, ":6\r\n"s},
    {{"bitpos"s, "ones"s, "0"s, "0"s, "1"s, "foo"s}, "-ERR syntax error\r\n"s},
    {{"set"s, "zero"s, ""s}, "+OK\r\n"s},
    {{"bitpos"s, "zero"s, "0"s}, ":-1\r\n"s},
    {{"bitpos"s, "zero"s, "1"s}, ":-1\r\n"s},
    {{"set"s, "k1"s, "foobar"s}, "+OK\r\n"s},
    {{"set"s, "k2"s, "abcdef"s}, "+OK\r\n"s},
    {{"bitop"s, "and"s, "dest"s, "k1"s, "k2"s}, ":6\r\n"s},
    {{"get"s, "dest"s}, "$6\r\n`bc`ab\r\n"s},
    {{"bitop"s, "or"s, "dest"s, "k1"s, "k2"s}, ":6\r\n"s},
    {{"get"s, "dest"s}, "$6\r\ngoofev\r\n"s},
    {{"bitop"s, "xor"s, "dest"s, "k1"s, "k2"s, "nokey"s}, ":6\r\n"s},
    {{"get"s, "dest"s}, "$6\r\n\007\r\014\006\004\024\r\n"s},
    {{"bitop"s, "not"s, "dest"s, "k1"s}, ":6\r\n"s},
    {{"get"s, "dest"s}, "$6\r\n\231\220\220\235\236\215\r\n"s},
    {{"bitop"s, "not"s, "dest"s, "k1"s, "k2"s},
     "-ERR BITOP NOT must be called with a single source key.\r\n"s},
    {{"bitop"s, "nand"s, "dest"s, "k1"s}, "-ERR syntax error\r\n"s},
    {{"bitop"s, "and"s, "dest"s, "nokey"s, "nokey2"s}, ":0\r\n"s},
    {{"exists"s, "dest"s}, ":0\r\n"s},
    {{"bitop"s, "or"s, "dest"s, "k1"s, "n"s}, ":6\r\n"s},
    {{"bitfield"s, "bf"s, "set"s, "u8"s, "0"s, "255"s, "get"s, "u8"s, "0"s, "incrby"s, "u8"s, "0"s,
      "10"s},
     "*3\r\n:0\r\n:255\r\n:9\r\n"s},
    {{"bitfield"s, "bf"s,       "overflow"s, "sat"s,    "incrby"s, "u8"s, "0"s,
      "1000"s,     "overflow"s, "fail"s,     "incrby"s, "u8"s,     "0"s,  "1"s,
      "overflow"s, "wrap"s,     "incrby"s,   "i8"s,     "0"s,      "200"s},
     "*3\r\n:255\r\n$-1\r\n:-57\r\n"s},
    {{"bitfield"s, "bf"s, "get"s, "i4"s, "#1"s, "set"s, "i4"s, "#1"s, "-8"s, "get"s, "u4"s, "4"s},
     "*3\r\n:7\r\n:7\r\n:8\r\n"s},
    {{"bitfield"s, "bf"s, "get"s, "u64"s, "0"s},
     "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"s},
    {{"bitfield"s, "bf"s, "get"s, "i64"s, "0"s}, "*1\r\n:-4035225266123964416\r\n"s},
    {{"bitfield"s, "bf"s, "get"s, "u63"s, "0"s}, "*1\r\n:7205759403792793600\r\n"s},
    {{"bitfield"s, "bf"s, "get"s, "x8"s, "0"s},
     "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"s},
    {{"bitfield"s, "bf"s, "get"s, "i0"s, "0"s},
     "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"s},
    {{"bitfield"s, "bf"s, "get"s, "i8"s, "-1"s},
     "-ERR bit offset is not an integer or out of range\r\n"s},
    {{"bitfield"s, "bf"s, "overflow"s, "foo"s}, "-ERR Invalid OVERFLOW type specified\r\n"s},
    {{"bitfield"s, "bf"s, "foo"s}, "-ERR syntax error\r\n"s},
    {{"bitfield"s, "bf"s, "set"s, "i8"s, "0"s, "x"s},
     "-ERR value is not an integer or out of range\r\n"s},
    {{"bitfield"s, "bf"s, "set"s, "i8"s, "0"s, "-9223372036854775808"s, "set"s, "u8"s, "8"s, "-1"s},
     "*2\r\n:-56\r\n:0\r\n"s},
    {{"bitfield"s, "bf"s, "overflow"s, "sat"s, "set"s, "i8"s, "0"s, "-9223372036854775808"s, "set"s,
      "u8"s, "8"s, "-1"s},
     "*2\r\n:0\r\n:255\r\n"s},
    {{"bitfield"s, "nokey2"s, "get"s, "u8"s, "0"s}, "*1\r\n:0\r\n"s},
    {{"exists"s, "nokey2"s}, ":0\r\n"s},
    {{"bitfield_ro"s, "bf"s, "get"s, "u8"s, "0"s, "get"s, "i16"s, "4"s}, "*2\r\n:127\r\n:-16\r\n"s},
    {{"bitfield_ro"s, "bf"s, "set"s, "u8"s, "0"s, "1"s},
     "-ERR BITFIELD_RO only supports the GET subcommand\r\n"s},
    {{"bitfield_ro"s, "bf"s, "incrby"s, "u8"s, "0"s, "1"s},
     "-ERR BITFIELD_RO only supports the GET subcommand\r\n"s},
    {{"bitfield"s, "s"s, "set"s, "u8"s, "0"s, "1"s}, "*1\r\n:102\r\n"s},
    {{"get"s, "s"s}, "$6\r\n\001oobar\r\n"s},
    {{"object"s, "encoding"s, "s"s}, "$3\r\nraw\r\n"s},
};

TEST(Bitops, MatchRedisByteForByte) {
  TestServer server;
  server.replay(kBitExchanges);
}

TEST(Bitops, BinaryRangesAndPositions) {
  TestServer server;
  server.run({"SET", "p", std::string("\xff\xf0\x00", 3)});
  EXPECT_EQ(server.run({"BITPOS", "p", "0"}), ":12\r\n");
  EXPECT_EQ(server.run({"BITPOS", "p", "1", "2"}), ":-1\r\n");
  EXPECT_EQ(server.run({"BITPOS", "p", "0", "0", "1"}), ":12\r\n");
  EXPECT_EQ(server.run({"BITPOS", "p", "0", "0", "0"}), ":-1\r\n");
  EXPECT_EQ(server.run({"BITPOS", "p", "1", "9", "-1", "BIT"}), ":9\r\n");
  EXPECT_EQ(server.run({"BITCOUNT", "p", "4", "11", "BIT"}), ":8\r\n");
  server.run({"SET", "ones", std::string("\xff\xff", 2)});
  EXPECT_EQ(server.run({"BITPOS", "ones", "0"}), ":16\r\n");
  EXPECT_EQ(server.run({"BITPOS", "ones", "0", "0", "-1"}), ":-1\r\n");
  EXPECT_EQ(server.run({"SETBIT", "grow", "23", "1"}), ":0\r\n");
  EXPECT_EQ(server.run({"GET", "grow"}), std::string("$3\r\n\x00\x00\x01\r\n", 9));
  EXPECT_EQ(server.run({"BITOP", "NOT", "inv", "grow"}), ":3\r\n");
  EXPECT_EQ(server.run({"GET", "inv"}), std::string("$3\r\n\xff\xff\xfe\r\n", 9));
}

TEST(Bitops, BitfieldSignedArithmetic) {
  TestServer server;
  EXPECT_EQ(server.run({"BITFIELD", "f", "SET", "i5", "0", "15", "INCRBY", "i5", "0", "1"}),
            "*2\r\n:0\r\n:-16\r\n");
  EXPECT_EQ(server.run({"BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "i5", "0", "-100"}),
            "*1\r\n:-16\r\n");
  EXPECT_EQ(server.run({"BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "i5", "0", "-1"}),
            "*1\r\n$-1\r\n");
  EXPECT_EQ(server.run({"BITFIELD", "f", "SET", "i64", "8", "-1", "GET", "u63", "8"}),
            "*2\r\n:0\r\n:9223372036854775807\r\n");
}

}  // namespace
}  // namespace gorodis::testing
