// resp.cpp — see resp.hpp for the contract. The multibulk state machine mirrors Redis's
// processMultibulkBuffer so that the same byte streams produce the same errors at the same
// points: a length line is only parsed once its "\r" and one following byte are buffered, and
// the two bytes after a bulk payload are skipped without being checked (as Redis does).
#include "resp.hpp"

#include <cctype>
#include <cstring>
#include <optional>

#include "util.hpp"

namespace gorodis {

namespace {

bool is_hex_digit(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

bool is_c_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// Resolves a backslash escape inside double quotes (the character after '\').
char unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

}  // namespace

bool split_inline_arguments(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  // sdssplitargs works on a C string: a NUL byte ends the input.
  line = line.substr(0, line.find('\0'));
  std::size_t p = 0;
  auto at = [&](std::size_t i) { return i < line.size() ? line[i] : '\0'; };
  while (true) {
    while (p < line.size() && is_c_space(line[p])) ++p;
    if (p >= line.size()) return true;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    std::string current;
    while (!done) {
      char c = at(p);
      if (in_double) {
        if (c == '\\' && at(p + 1) == 'x' && is_hex_digit(at(p + 2)) && is_hex_digit(at(p + 3))) {
          current.push_back(static_cast<char>(hex_value(at(p + 2)) * 16 + hex_value(at(p + 3))));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          ++p;
          current.push_back(unescape(line[p]));
        } else if (c == '"') {
          if (at(p + 1) != '\0' && !is_c_space(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          current.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          current.push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !is_c_space(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          current.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            current.push_back(c);
            break;
        }
      }
      if (p < line.size()) ++p;
    }
    out.push_back(std::move(current));
  }
}

void RequestParser::append(std::string_view bytes) {
  compact();
  buffer_.append(bytes);
}

void RequestParser::compact() {
  if (command_start_ == 0 || command_start_ < buffer_.size() / 2) return;
  buffer_.erase(0, command_start_);
  cursor_ -= command_start_;
  for (ArgumentSpan& span : spans_) span.offset -= command_start_;
  command_start_ = 0;
}

ParseStatus RequestParser::fail(std::string_view message) {
  failed_ = true;
  error_reply_.clear();
  if (!message.empty()) {
    error_reply_.append("-ERR ").append(message).append("\r\n");
  }
  return ParseStatus::kProtocolError;
}

ParseStatus RequestParser::next(std::vector<std::string_view>& argv) {
  argv.clear();
  if (failed_) return ParseStatus::kProtocolError;
  while (true) {
    if (pending_bytes() > limits_.query_buffer_limit) return fail({});
    if (multibulk_remaining_ == 0 && cursor_ == buffer_.size()) return ParseStatus::kNeedMore;
    bool multibulk = multibulk_remaining_ > 0 || buffer_[cursor_] == '*';
    ParseStatus status = multibulk ? parse_multibulk(argv) : parse_inline(argv);
    if (status != ParseStatus::kCommandReady || !argv.empty()) return status;
    // An empty command ("*0", "*-1", a blank inline line) is consumed silently.
  }
}

std::optional<ParseStatus> RequestParser::read_header(char prefix, std::string_view too_big,
                                                      std::optional<long long>& number) {
  // Fast path for the header every well-formed request is made of ("*3\r\n", "$5\r\n"): the
  // prefix, a canonical non-negative number of at most 18 digits (no overflow), CRLF, read in
  // one pass. Anything else (incomplete, signed, malformed, too long) takes the general path,
  // which gives the same numbers and the error texts.
  const char* const begin = buffer_.data() + cursor_;
  const char* const end = buffer_.data() + buffer_.size();
  if (end - begin >= 4 && begin[0] == prefix && begin[1] >= '0' && begin[1] <= '9') {
    constexpr std::ptrdiff_t kMaxFastDigits = 18;
    const char* p = begin + 1;
    long long value = 0;
    while (p < end && *p >= '0' && *p <= '9' && p - begin <= kMaxFastDigits) {
      value = value * 10 + (*p - '0');
      ++p;
    }
    const bool canonical = begin[1] != '0' || p == begin + 2;  // "0", never "01"
    if (canonical && end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
      number = value;
      cursor_ = static_cast<std::size_t>(p + 2 - buffer_.data());
      return std::nullopt;
    }
  }
  const void* cr = std::memchr(buffer_.data() + cursor_, '\r', buffer_.size() - cursor_);
  if (cr == nullptr) {
    if (buffer_.size() - cursor_ > limits_.max_inline_size) return fail(too_big);
    return ParseStatus::kNeedMore;
  }
  const auto line_end = static_cast<std::size_t>(static_cast<const char*>(cr) - buffer_.data());
  if (line_end + 1 >= buffer_.size()) return ParseStatus::kNeedMore;
  if (buffer_[cursor_] != prefix) {
    return fail(std::string("Protocol error: expected '") + prefix + "', got '" + buffer_[cursor_] +
                "'");
  }
  number = parse_int64(std::string_view(buffer_).substr(cursor_ + 1, line_end - (cursor_ + 1)));
  cursor_ = line_end + 2;
  return std::nullopt;
}

ParseStatus RequestParser::parse_multibulk(std::vector<std::string_view>& argv) {
  if (multibulk_remaining_ == 0) {
    std::optional<long long> count;
    if (auto status = read_header('*', "Protocol error: too big mbulk count string", count))
      return *status;
    if (!count || *count > limits_.max_multibulk_length) {
      return fail("Protocol error: invalid multibulk length");
    }
    if (auth_required_ && *count > limits_.unauthenticated_multibulk_length) {
      return fail("Protocol error: unauthenticated multibulk length");
    }
    if (*count <= 0) {
      command_start_ = cursor_;
      return ParseStatus::kCommandReady;  // empty command, skipped by next()
    }
    multibulk_remaining_ = *count;
    bulk_length_ = -1;
    spans_.clear();
  }
  while (multibulk_remaining_ > 0) {
    if (bulk_length_ < 0) {
      std::optional<long long> length;
      if (auto status = read_header('$', "Protocol error: too big bulk count string", length))
        return *status;
      if (!length || *length < 0 || *length > limits_.max_bulk_length) {
        return fail("Protocol error: invalid bulk length");
      }
      if (auth_required_ && *length > limits_.unauthenticated_bulk_length) {
        return fail("Protocol error: unauthenticated bulk length");
      }
      bulk_length_ = *length;
    }
    if (buffer_.size() - cursor_ < static_cast<std::size_t>(bulk_length_) + 2) {
      return ParseStatus::kNeedMore;
    }
    spans_.push_back({cursor_, static_cast<std::size_t>(bulk_length_)});
    cursor_ += static_cast<std::size_t>(bulk_length_) + 2;
    bulk_length_ = -1;
    --multibulk_remaining_;
  }
  argv.reserve(spans_.size());
  for (const ArgumentSpan& span : spans_) {
    argv.emplace_back(buffer_.data() + span.offset, span.length);
  }
  command_start_ = cursor_;
  return ParseStatus::kCommandReady;
}

ParseStatus RequestParser::parse_inline(std::vector<std::string_view>& argv) {
  const void* lf = std::memchr(buffer_.data() + cursor_, '\n', buffer_.size() - cursor_);
  if (lf == nullptr) {
    if (buffer_.size() - cursor_ > limits_.max_inline_size) {
      return fail("Protocol error: too big inline request");
    }
    return ParseStatus::kNeedMore;
  }
  std::size_t newline = static_cast<std::size_t>(static_cast<const char*>(lf) - buffer_.data());
  std::size_t line_end = newline;
  if (line_end > cursor_ && buffer_[line_end - 1] == '\r') --line_end;
  std::string_view line = std::string_view(buffer_).substr(cursor_, line_end - cursor_);
  if (!split_inline_arguments(line, inline_arguments_)) {
    return fail("Protocol error: unbalanced quotes in request");
  }
  cursor_ = newline + 1;
  command_start_ = cursor_;
  argv.assign(inline_arguments_.begin(), inline_arguments_.end());
  return ParseStatus::kCommandReady;
}

void ReplyBuilder::header(char type, long long count) {
  char digits[21];
  out_.push_back(type);
  out_.append(digits, format_int64(count, digits));
  out_.append("\r\n");
}

void ReplyBuilder::simple_string(std::string_view text) {
  out_.push_back('+');
  out_.append(text);
  out_.append("\r\n");
}

void ReplyBuilder::error(std::string_view message) {
  out_.push_back('-');
  std::size_t start = out_.size();
  out_.append(message);
  for (std::size_t i = start; i < out_.size(); ++i) {
    if (out_[i] == '\r' || out_[i] == '\n') out_[i] = ' ';
  }
  if (error_observer_ != nullptr) {
    error_observer_->error_reply(std::string_view(out_).substr(start));
  }
  ++error_count_;
  out_.append("\r\n");
}

void ReplyBuilder::integer(long long value) {
  header(':', value);
}

void ReplyBuilder::bulk(std::string_view data) {
  header('$', static_cast<long long>(data.size()));
  out_.append(data);
  out_.append("\r\n");
}

void ReplyBuilder::null() {
  if (protocol_ >= 3) {
    out_.append("_\r\n");
  } else {
    out_.append("$-1\r\n");
  }
}

void ReplyBuilder::null_array() {
  if (protocol_ >= 3) {
    out_.append("_\r\n");
  } else {
    out_.append("*-1\r\n");
  }
}

void ReplyBuilder::array_header(std::size_t count) {
  header('*', static_cast<long long>(count));
}

void ReplyBuilder::map_header(std::size_t pairs) {
  if (protocol_ >= 3) {
    header('%', static_cast<long long>(pairs));
  } else {
    header('*', static_cast<long long>(pairs * 2));
  }
}

void ReplyBuilder::set_header(std::size_t count) {
  header(protocol_ >= 3 ? '~' : '*', static_cast<long long>(count));
}

void ReplyBuilder::push_header(std::size_t count) {
  header(protocol_ >= 3 ? '>' : '*', static_cast<long long>(count));
}

void ReplyBuilder::double_value(double value) {
  std::string text = double_to_string(value);
  if (protocol_ >= 3) {
    out_.push_back(',');
    out_.append(text);
    out_.append("\r\n");
  } else {
    bulk(text);
  }
}

void ReplyBuilder::boolean(bool value) {
  if (protocol_ >= 3) {
    out_.append(value ? "#t\r\n" : "#f\r\n");
  } else {
    integer(value ? 1 : 0);
  }
}

void ReplyBuilder::verbatim(std::string_view format, std::string_view text) {
  if (protocol_ < 3) {
    bulk(text);
    return;
  }
  header('=', static_cast<long long>(format.size() + 1 + text.size()));
  out_.append(format);
  out_.push_back(':');
  out_.append(text);
  out_.append("\r\n");
}

void ReplyBuilder::big_number(std::string_view digits) {
  if (protocol_ < 3) {
    bulk(digits);
    return;
  }
  out_.push_back('(');
  out_.append(digits);
  out_.append("\r\n");
}

void ReplyBuilder::bulk_array(const std::vector<std::string_view>& items) {
  array_header(items.size());
  for (std::string_view item : items) bulk(item);
}

std::string ReplyBuilder::take() {
  std::string result = std::move(out_);
  out_.clear();
  return result;
}

}  // namespace gorodis
