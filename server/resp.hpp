// resp.hpp — the RESP wire format: an incremental request parser and a reply builder.
//
// Request parsing follows Redis's processInputBuffer: a request starting with '*' is a
// multibulk array of bulk strings; anything else is an "inline" command, one line split with
// sdssplitargs quoting rules. The parser owns one growable byte buffer; the connection layer
// appends what it reads and calls next() until it answers kNeedMore. A complete command's
// arguments are string_views into the parser's own storage, valid until the next call to any
// non-const member; bulk arguments are never copied.
//
// Limits exist to bound what one client can make the server buffer: a bulk length above
// proto-max-bulk-len (512 MB), a multibulk count above max_multibulk_len, a length line or
// inline request longer than 64 KiB without its terminator, or more than
// client-query-buffer-limit (1 GB) of unconsumed input. Each protocol error comes with the exact
// Redis error reply; after it the connection must send that reply and close, as Redis does.
// The query-buffer overflow has no reply (Redis closes the client silently).
//
// Cost model: parsing is linear in the bytes consumed. Consumed bytes are dropped lazily, when
// they make up at least half the buffer, so a pipelined burst is compacted O(1) times per
// doubling rather than once per command.
//
// The ReplyBuilder appends replies in RESP2 or RESP3 to a std::string. In RESP2 the RESP3-only
// types degrade the way Redis degrades them: null -> $-1 (or *-1 for null arrays), map -> flat
// array of 2n, set/push -> array, double -> bulk string in %.17g, boolean -> :1/:0,
// verbatim -> bulk string, big number -> bulk string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gorodis {

struct ProtocolLimits {
  // Largest accepted bulk argument (Redis proto-max-bulk-len).
  long long max_bulk_length = 512LL * 1024 * 1024;
  // Largest accepted multibulk element count. Redis 7.0 accepts up to INT_MAX (it no longer
  // preallocates argv from the count); older releases used 1024*1024.
  long long max_multibulk_length = 2147483647LL;
  // The same two for a client that still has to authenticate (Redis 7.0's fix for
  // CVE-2021-32675: "Protocol error: unauthenticated multibulk length" / "... bulk length").
  long long unauthenticated_multibulk_length = 10;
  long long unauthenticated_bulk_length = 16384;
  // Most unconsumed input a client may accumulate (Redis client-query-buffer-limit).
  std::size_t query_buffer_limit = 1024ULL * 1024 * 1024;
  // Longest length line or inline request awaited without its terminator (PROTO_INLINE_MAX_SIZE).
  std::size_t max_inline_size = 64 * 1024;
};

enum class ParseStatus {
  kNeedMore,       // no complete command buffered; read more bytes and call next() again
  kCommandReady,   // argv holds one command (never empty)
  kProtocolError,  // send error_reply() (if not empty) and close the connection
};

// Splits one inline request line by Redis sdssplitargs rules: whitespace separates arguments;
// "double quotes" support \n \r \t \b \a \\ \" and \xHH escapes; 'single quotes' support \';
// a closing quote must be followed by whitespace or the end. Returns false on unbalanced quotes.
bool split_inline_arguments(std::string_view line, std::vector<std::string>& out);

class RequestParser {
 public:
  explicit RequestParser(ProtocolLimits limits = {}) : limits_(limits) {}

  // Replaces the limits (CONFIG SET proto-max-bulk-len / client-query-buffer-limit); they apply
  // from the next length line parsed.
  void set_limits(const ProtocolLimits& limits) { limits_ = limits; }
  // Whether the client has yet to authenticate, which selects the tighter limits (Redis
  // authRequired, evaluated when each length line is parsed).
  void set_auth_required(bool required) { auth_required_ = required; }

  // Appends bytes read from the connection.
  void append(std::string_view bytes);

  // Parses the next command. On kCommandReady `argv` holds views valid until the next
  // non-const call. On kProtocolError the parser stays in the error state.
  ParseStatus next(std::vector<std::string_view>& argv);

  // The complete error reply (e.g. "-ERR Protocol error: invalid bulk length\r\n"), or empty
  // when the connection must be closed without a reply.
  const std::string& error_reply() const { return error_reply_; }

  // Bytes buffered but not yet consumed by a returned command.
  std::size_t pending_bytes() const { return buffer_.size() - command_start_; }

 private:
  // Reads the header line at cursor_, "<prefix><number>\r\n" ("*3", "$5"). Returns a status to
  // hand back (need more bytes, or a protocol error, with `too_big` if the line outgrows the
  // inline limit), or nullopt once the line is consumed; `number` is then its value (nullopt if
  // not a number).
  std::optional<ParseStatus> read_header(char prefix, std::string_view too_big,
                                         std::optional<long long>& number);
  ParseStatus parse_multibulk(std::vector<std::string_view>& argv);
  ParseStatus parse_inline(std::vector<std::string_view>& argv);
  ParseStatus fail(std::string_view message);
  void compact();

  struct ArgumentSpan {
    std::size_t offset;
    std::size_t length;
  };

  ProtocolLimits limits_;
  std::string buffer_;
  std::size_t command_start_ = 0;  // first byte of the command being parsed
  std::size_t cursor_ = 0;         // next byte to examine
  // Multibulk state: elements still expected (0 = between commands), current bulk length
  // (-1 = length line not read yet), and the spans of the arguments read so far.
  long long multibulk_remaining_ = 0;
  long long bulk_length_ = -1;
  std::vector<ArgumentSpan> spans_;
  std::vector<std::string> inline_arguments_;
  std::string error_reply_;
  bool failed_ = false;
  bool auth_required_ = false;
};

// Told about every error reply a ReplyBuilder writes (INFO errorstats, failed_calls).
class ErrorReplyObserver {
 public:
  // `message` is the error text as written, without the leading '-'.
  virtual void error_reply(std::string_view message) = 0;

 protected:
  ~ErrorReplyObserver() = default;
};

class ReplyBuilder {
 public:
  explicit ReplyBuilder(int protocol = 2) : protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int protocol) { protocol_ = protocol; }
  // Where error() reports each error (nullptr: nowhere).
  void set_error_observer(ErrorReplyObserver* observer) { error_observer_ = observer; }
  // How many errors error() wrote since the previous call (Redis compares
  // stat_total_error_replies before and after a call to find failed calls).
  std::uint64_t take_error_count() { return std::exchange(error_count_, 0); }

  void simple_string(std::string_view text);
  // `message` includes the error code, e.g. "ERR syntax error" or "WRONGTYPE ...". CR and LF
  // are replaced by spaces, as Redis does, so the reply stays one protocol line.
  void error(std::string_view message);
  void integer(long long value);
  void bulk(std::string_view data);
  void null();        // missing value: $-1 in RESP2, _ in RESP3
  void null_array();  // missing aggregate: *-1 in RESP2, _ in RESP3
  void array_header(std::size_t count);
  void map_header(std::size_t pairs);
  void set_header(std::size_t count);
  void push_header(std::size_t count);
  void double_value(double value);
  void boolean(bool value);
  // `format` is the three-letter verbatim type, e.g. "txt".
  void verbatim(std::string_view format, std::string_view text);
  void big_number(std::string_view digits);
  void bulk_array(const std::vector<std::string_view>& items);
  void ok() { simple_string("OK"); }

  std::string& buffer() { return out_; }
  const std::string& buffer() const { return out_; }
  // Returns the accumulated bytes and clears the builder.
  std::string take();

 private:
  void header(char type, long long count);

  int protocol_;
  std::string out_;
  ErrorReplyObserver* error_observer_ = nullptr;
  std::uint64_t error_count_ = 0;
};

}  // namespace gorodis
