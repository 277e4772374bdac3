// resp_test.cpp — the request parser (multibulk, inline, incremental feeding, every protocol
// error with Redis's exact text) and the RESP2/RESP3 reply builder.
#include <gtest/gtest.h>

#include <cmath>

#include "resp.hpp"

namespace gorodis {
namespace {

struct Parsed {
  std::vector<std::vector<std::string>> commands;
  ParseStatus last = ParseStatus::kNeedMore;
  std::string error;
};

// Feeds `input` in chunks of `chunk` bytes, collecting commands until more input is needed or
// an error occurs.
Parsed parse(std::string_view input, std::size_t chunk = 1 << 20, ProtocolLimits limits = {}) {
  RequestParser parser(limits);
  Parsed result;
  std::vector<std::string_view> argv;
  for (std::size_t offset = 0; offset < input.size(); offset += chunk) {
    parser.append(input.substr(offset, chunk));
    while (true) {
      result.last = parser.next(argv);
      if (result.last == ParseStatus::kCommandReady) {
        result.commands.emplace_back(argv.begin(), argv.end());
        continue;
      }
      if (result.last == ParseStatus::kProtocolError) {
        result.error = parser.error_reply();
        return result;
      }
      break;
    }
  }
  return result;
}

using Args = std::vector<std::string>;
using namespace std::string_literals;

TEST(RequestParser, MultibulkWholeAndByteByByte) {
  const std::string input =
      "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$11\r\nwith\r\nCRLF!\r\n*1\r\n$4\r\nPING\r\n";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{7}, input.size()}) {
    Parsed parsed = parse(input, chunk);
    ASSERT_EQ(parsed.commands.size(), 2u) << chunk;
    EXPECT_EQ(parsed.commands[0], (Args{"SET", "key", "with\r\nCRLF!"}));
    EXPECT_EQ(parsed.commands[1], (Args{"PING"}));
    EXPECT_EQ(parsed.last, ParseStatus::kNeedMore);
  }
}

TEST(RequestParser, BinaryAndEmptyArguments) {
  const std::string input = "*3\r\n$0\r\n\r\n$3\r\n\x00\xff\x01\r\n$1\r\n*\r\n"s;
  Parsed parsed = parse(input);
  ASSERT_EQ(parsed.commands.size(), 1u);
  EXPECT_EQ(parsed.commands[0], (Args{"", std::string("\x00\xff\x01", 3), "*"}));
}

TEST(RequestParser, EmptyCommandsAreSkipped) {
  Parsed parsed = parse("*0\r\n*-1\r\n\r\n   \r\n*1\r\n$4\r\nPING\r\n");
  ASSERT_EQ(parsed.commands.size(), 1u);
  EXPECT_EQ(parsed.commands[0], (Args{"PING"}));
}

TEST(RequestParser, InlineCommandsAndQuoting) {
  Parsed parsed =
      parse("set a b\r\nGET  \"a\\x41\\n\\\"q\\\"\" 'it\\'s' x\n  echo \"\"\r\necho \"\\xZZ\"\n");
  ASSERT_EQ(parsed.commands.size(), 4u);
  EXPECT_EQ(parsed.commands[0], (Args{"set", "a", "b"}));
  EXPECT_EQ(parsed.commands[1], (Args{"GET", "aA\n\"q\"", "it's", "x"}));
  EXPECT_EQ(parsed.commands[2], (Args{"echo", ""}));
  EXPECT_EQ(parsed.commands[3], (Args{"echo", "xZZ"}));
  Parsed partial = parse("PING");
  EXPECT_TRUE(partial.commands.empty());
  EXPECT_EQ(partial.last, ParseStatus::kNeedMore);
}

TEST(RequestParser, InlineSplitRules) {
  std::vector<std::string> out;
  EXPECT_TRUE(split_inline_arguments("a \"b c\" 'd e'", out));
  EXPECT_EQ(out, (Args{"a", "b c", "d e"}));
  EXPECT_TRUE(split_inline_arguments("\"\\t\\r\\b\\a\\\\\"", out));
  EXPECT_EQ(out, (Args{"\t\r\b\a\\"}));
  EXPECT_TRUE(split_inline_arguments(std::string("a\0b", 3), out));  // NUL ends the line
  EXPECT_EQ(out, (Args{"a"}));
  EXPECT_FALSE(split_inline_arguments("\"unterminated", out));
  EXPECT_FALSE(split_inline_arguments("'unterminated", out));
  EXPECT_FALSE(split_inline_arguments("\"a\"b", out));
  EXPECT_FALSE(split_inline_arguments("'a'b", out));
}

TEST(RequestParser, ProtocolErrorsMatchRedis) {
  struct Case {
    std::string input;
    std::string reply;
  };
  const std::string kInvalidMultibulk = "-ERR Protocol error: invalid multibulk length\r\n";
  const std::string kInvalidBulk = "-ERR Protocol error: invalid bulk length\r\n";
  const Case cases[] = {
      {"*abc\r\n", kInvalidMultibulk},
      {"*2147483648\r\n", kInvalidMultibulk},
      {"*1x\r\n", kInvalidMultibulk},
      {"*+1\r\n", kInvalidMultibulk},
      {"*1\r\n$-1\r\n", kInvalidBulk},
      {"*1\r\n$536870913\r\n", kInvalidBulk},
      {"*1\r\n$abc\r\n", kInvalidBulk},
      {"*1\r\n$01\r\n", kInvalidBulk},
      // Around the parser's fast path for canonical numbers of up to 18 digits: the general
      // path must judge what it declines exactly as before.
      {"*1\r\n$00\r\n", kInvalidBulk},
      {"*01\r\n", kInvalidMultibulk},
      {"*1\r\n$999999999999999999\r\n", kInvalidBulk},    // 18 digits, over the limit
      {"*1\r\n$9223372036854775807\r\n", kInvalidBulk},   // 19 digits
      {"*1\r\n$99999999999999999999\r\n", kInvalidBulk},  // overflows int64
      {"*1\r\n$-0\r\n", kInvalidBulk},
      {"*1\r\nx3\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n"},
      {"*2\r\n$1\r\na\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"},
      {"set \"a b\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
      {"get \"a\"x\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
      {"*" + std::string(70000, '1'), "-ERR Protocol error: too big mbulk count string\r\n"},
      {"*1\r\n$" + std::string(70000, '1'), "-ERR Protocol error: too big bulk count string\r\n"},
      {std::string(70000, 'a'), "-ERR Protocol error: too big inline request\r\n"},
  };
  for (const Case& c : cases) {
    for (std::size_t chunk : {std::size_t{1}, c.input.size()}) {
      if (chunk == 1 && c.input.size() > 1000) continue;
      Parsed parsed = parse(c.input, chunk);
      EXPECT_EQ(parsed.last, ParseStatus::kProtocolError) << c.input.substr(0, 40);
      EXPECT_EQ(parsed.error, c.reply) << c.input.substr(0, 40);
    }
  }
}

TEST(RequestParser, LongLengthLinesWaitForTheirTerminator) {
  // Up to 64 KiB without "\r" is still a request in progress, not an error.
  Parsed parsed = parse("*" + std::string(60000, '1'));
  EXPECT_EQ(parsed.last, ParseStatus::kNeedMore);
  Parsed count_only = parse("*3\r");
  EXPECT_EQ(count_only.last, ParseStatus::kNeedMore);
}

TEST(RequestParser, ConfiguredLimits) {
  ProtocolLimits limits;
  limits.max_multibulk_length = 1024 * 1024;
  limits.max_bulk_length = 16;
  EXPECT_EQ(parse("*1048576\r\n", 1 << 20, limits).last, ParseStatus::kNeedMore);
  EXPECT_EQ(parse("*1048577\r\n", 1 << 20, limits).error,
            "-ERR Protocol error: invalid multibulk length\r\n");
  EXPECT_EQ(parse("*1\r\n$16\r\n", 1 << 20, limits).last, ParseStatus::kNeedMore);
  EXPECT_EQ(parse("*1\r\n$17\r\n", 1 << 20, limits).error,
            "-ERR Protocol error: invalid bulk length\r\n");
}

TEST(RequestParser, DefaultMultibulkLimitIsIntMax) {
  // Redis 7.0.15: "*2147483647" waits for the elements, "*2147483648" is refused.
  EXPECT_EQ(parse("*2147483647\r\n").last, ParseStatus::kNeedMore);
  EXPECT_EQ(parse("*2147483648\r\n").error, "-ERR Protocol error: invalid multibulk length\r\n");
}

TEST(RequestParser, UnauthenticatedClientsGetTighterLimits) {
  // Redis 7.0.15 with requirepass set, before AUTH: at most 10 elements and 16384-byte bulks;
  // an over-INT_MAX count or over-proto-max-bulk-len bulk still gets the "invalid" errors.
  auto unauthenticated = [](std::string_view input) {
    RequestParser parser;
    parser.set_auth_required(true);
    parser.append(input);
    std::vector<std::string_view> argv;
    ParseStatus status = parser.next(argv);
    return status == ParseStatus::kProtocolError ? parser.error_reply() : std::string("wait");
  };
  EXPECT_EQ(unauthenticated("*10\r\n"), "wait");
  EXPECT_EQ(unauthenticated("*11\r\n"),
            "-ERR Protocol error: unauthenticated multibulk length\r\n");
  EXPECT_EQ(unauthenticated("*2147483648\r\n"),
            "-ERR Protocol error: invalid multibulk length\r\n");
  EXPECT_EQ(unauthenticated("*1\r\n$16384\r\n"), "wait");
  EXPECT_EQ(unauthenticated("*1\r\n$16385\r\n"),
            "-ERR Protocol error: unauthenticated bulk length\r\n");
  EXPECT_EQ(unauthenticated("*1\r\n$536870913\r\n"),
            "-ERR Protocol error: invalid bulk length\r\n");
  // Once authenticated (the flag is read at each length line), the usual limits apply.
  RequestParser parser;
  std::vector<std::string_view> argv;
  parser.set_auth_required(true);
  parser.append("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*11\r\n");
  ASSERT_EQ(parser.next(argv), ParseStatus::kCommandReady);
  parser.set_auth_required(false);
  EXPECT_EQ(parser.next(argv), ParseStatus::kNeedMore);
}

TEST(RequestParser, LimitsChangeBetweenCommands) {
  RequestParser parser;
  std::vector<std::string_view> argv;
  parser.append("*1\r\n$20\r\n01234567890123456789\r\n");
  ASSERT_EQ(parser.next(argv), ParseStatus::kCommandReady);
  ProtocolLimits limits;
  limits.max_bulk_length = 19;
  parser.set_limits(limits);
  parser.append("*1\r\n$20\r\n");
  EXPECT_EQ(parser.next(argv), ParseStatus::kProtocolError);
  EXPECT_EQ(parser.error_reply(), "-ERR Protocol error: invalid bulk length\r\n");
}

TEST(RequestParser, QueryBufferLimitClosesWithoutReply) {
  ProtocolLimits limits;
  limits.query_buffer_limit = 100;
  RequestParser parser(limits);
  std::vector<std::string_view> argv;
  parser.append("*1\r\n$200\r\n");
  EXPECT_EQ(parser.next(argv), ParseStatus::kNeedMore);
  parser.append(std::string(95, 'x'));
  EXPECT_EQ(parser.next(argv), ParseStatus::kProtocolError);
  EXPECT_EQ(parser.error_reply(), "");
  // The error state is sticky.
  parser.append("*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(parser.next(argv), ParseStatus::kProtocolError);
}

TEST(RequestParser, ConsumedInputIsReleased) {
  RequestParser parser;
  std::vector<std::string_view> argv;
  for (int i = 0; i < 10000; ++i) {
    parser.append("*1\r\n$4\r\nPING\r\n");
    ASSERT_EQ(parser.next(argv), ParseStatus::kCommandReady);
    ASSERT_EQ(argv.size(), 1u);
    EXPECT_EQ(parser.pending_bytes(), 0u);
  }
}

TEST(ReplyBuilder, Resp2) {
  ReplyBuilder reply(2);
  reply.simple_string("OK");
  reply.error("ERR bad\r\nthing");
  reply.integer(-42);
  reply.bulk("hi");
  reply.null();
  reply.null_array();
  reply.array_header(2);
  reply.map_header(2);
  reply.set_header(1);
  reply.push_header(3);
  reply.double_value(1.5);
  reply.double_value(0.1);
  reply.double_value(-HUGE_VAL);
  reply.boolean(true);
  reply.verbatim("txt", "some text");
  reply.big_number("1234567890123456789012345");
  EXPECT_EQ(reply.take(),
            "+OK\r\n-ERR bad  thing\r\n:-42\r\n$2\r\nhi\r\n$-1\r\n*-1\r\n*2\r\n*4\r\n*1\r\n*3\r\n"
            "$3\r\n1.5\r\n$19\r\n0.10000000000000001\r\n$4\r\n-inf\r\n:1\r\n$9\r\nsome text\r\n"
            "$25\r\n1234567890123456789012345\r\n");
  EXPECT_TRUE(reply.buffer().empty());
}

TEST(ReplyBuilder, Resp3) {
  ReplyBuilder reply(3);
  reply.null();
  reply.null_array();
  reply.map_header(2);
  reply.set_header(1);
  reply.push_header(3);
  reply.double_value(1.5);
  reply.double_value(HUGE_VAL);
  reply.boolean(false);
  reply.verbatim("txt", "some text");
  reply.big_number("1234567890123456789012345");
  EXPECT_EQ(reply.take(),
            "_\r\n_\r\n%2\r\n~1\r\n>3\r\n,1.5\r\n,inf\r\n#f\r\n=13\r\ntxt:some text\r\n"
            "(1234567890123456789012345\r\n");
}

TEST(ReplyBuilder, ErrorsAreReportedAndCounted) {
  struct Recorder : ErrorReplyObserver {
    std::vector<std::string> messages;
    void error_reply(std::string_view message) override { messages.emplace_back(message); }
  } recorder;
  ReplyBuilder reply;
  reply.error("ERR not observed");
  reply.set_error_observer(&recorder);
  reply.array_header(2);
  reply.error("ERR first\r\nline");
  reply.error("WRONGTYPE second");
  EXPECT_EQ(recorder.messages, (std::vector<std::string>{"ERR first  line", "WRONGTYPE second"}));
  EXPECT_EQ(reply.take_error_count(), 3u);
  EXPECT_EQ(reply.take_error_count(), 0u);
}

}  // namespace
}  // namespace gorodis
