// util.cpp — see util.hpp. Glob matching is a recursive matcher with a nesting bound: Redis
// 7 caps recursion depth so that a pattern like "a*a*a*...b" cannot take exponential time and
// stack; once a '*' fails to match the remainder anywhere, no later position can match either,
// so the search stops ("skip longer matches").
#include "util.hpp"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace gorodis {

std::optional<long long> parse_int64(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::size_t pos = 0;
  bool negative = false;
  if (text.size() == 1 && text[0] == '0') return 0;
  if (text[0] == '-') {
    negative = true;
    pos = 1;
    if (text.size() == 1) return std::nullopt;
  }
  if (text[pos] < '1' || text[pos] > '9') return std::nullopt;
  unsigned long long magnitude = 0;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c < '0' || c > '9') return std::nullopt;
    unsigned digit = static_cast<unsigned>(c - '0');
    if (magnitude > (std::numeric_limits<unsigned long long>::max() - digit) / 10) {
      return std::nullopt;
    }
    magnitude = magnitude * 10 + digit;
  }
  constexpr unsigned long long kMaxPositive = std::numeric_limits<long long>::max();
  if (negative) {
    if (magnitude > kMaxPositive + 1) return std::nullopt;
    return static_cast<long long>(0ULL - magnitude);
  }
  if (magnitude > kMaxPositive) return std::nullopt;
  return static_cast<long long>(magnitude);
}

std::optional<unsigned long long> parse_cursor(std::string_view text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(copy.c_str(), &end, 10);
  if (end != copy.c_str() + copy.size() || errno == ERANGE) return std::nullopt;
  return value;
}

std::optional<long double> parse_long_double(std::string_view text) {
  constexpr std::size_t kMaxLongDoubleChars = 5 * 1024;
  if (text.empty() || text.size() >= kMaxLongDoubleChars) return std::nullopt;
  if (std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  long double value = std::strtold(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  if (errno == ERANGE && (value == HUGE_VALL || value == -HUGE_VALL || value == 0)) {
    return std::nullopt;
  }
  if (std::isnan(value)) return std::nullopt;
  return value;
}

std::optional<double> parse_double(std::string_view text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  if (errno == ERANGE && (value == HUGE_VAL || value == -HUGE_VAL || value == 0)) {
    return std::nullopt;
  }
  if (std::isnan(value)) return std::nullopt;
  return value;
}

std::size_t format_int64(long long value, char* out) {
  // libstdc++'s to_chars writes two digits per step; 20 characters fit any long long.
  constexpr std::size_t kMaxLength = 20;
  return static_cast<std::size_t>(std::to_chars(out, out + kMaxLength, value).ptr - out);
}

std::string int64_to_string(long long value) {
  char buffer[21];
  return std::string(buffer, format_int64(value, buffer));
}

std::string long_double_to_human_string(long double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[5 * 1024];
  int length = std::snprintf(buffer, sizeof(buffer), "%.17Lf", value);
  if (length <= 0 || static_cast<std::size_t>(length) >= sizeof(buffer)) return {};
  std::string_view text(buffer, static_cast<std::size_t>(length));
  if (text.find('.') != std::string_view::npos) {
    while (text.back() == '0') text.remove_suffix(1);
    if (text.back() == '.') text.remove_suffix(1);
  }
  if (text == "-0") return "0";
  return std::string(text);
}

std::string double_to_string(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  int length = std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return std::string(buffer, static_cast<std::size_t>(length));
}

namespace {

char fold(char c, bool nocase) {
  return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Matches a '[...]' class starting after '['; advances `p` to the closing ']' (or the end).
bool match_class(std::string_view pattern, std::size_t& p, char c, bool nocase) {
  bool negate = p < pattern.size() && pattern[p] == '^';
  if (negate) ++p;
  bool matched = false;
  while (p < pattern.size() && pattern[p] != ']') {
    if (pattern[p] == '\\' && p + 1 < pattern.size()) {
      ++p;
      if (fold(pattern[p], nocase) == fold(c, nocase)) matched = true;
    } else if (p + 2 < pattern.size() && pattern[p + 1] == '-') {
      unsigned char start = static_cast<unsigned char>(fold(pattern[p], nocase));
      unsigned char end = static_cast<unsigned char>(fold(pattern[p + 2], nocase));
      if (start > end) std::swap(start, end);
      unsigned char value = static_cast<unsigned char>(fold(c, nocase));
      if (value >= start && value <= end) matched = true;
      p += 2;
    } else if (fold(pattern[p], nocase) == fold(c, nocase)) {
      matched = true;
    }
    ++p;
  }
  if (p >= pattern.size()) --p;  // unterminated class: Redis treats the end as its close
  return negate ? !matched : matched;
}

// `skip_longer` is set when the tail cannot match at any later text position either.
bool glob_match_impl(std::string_view pattern, std::string_view text, bool nocase,
                     bool& skip_longer, int nesting) {
  constexpr int kMaxNesting = 1000;
  if (nesting > kMaxNesting) return false;
  std::size_t p = 0;
  std::size_t s = 0;
  while (p < pattern.size() && s < text.size()) {
    switch (pattern[p]) {
      case '*':
        while (p + 1 < pattern.size() && pattern[p + 1] == '*') ++p;
        if (p + 1 == pattern.size()) return true;
        for (; s < text.size(); ++s) {
          if (glob_match_impl(pattern.substr(p + 1), text.substr(s), nocase, skip_longer,
                              nesting + 1)) {
            return true;
          }
          if (skip_longer) return false;
        }
        skip_longer = true;
        return false;
      case '?':
        ++s;
        break;
      case '[': {
        ++p;
        if (!match_class(pattern, p, text[s], nocase)) return false;
        ++s;
        break;
      }
      case '\\':
        if (p + 1 < pattern.size()) ++p;
        [[fallthrough]];
      default:
        if (fold(pattern[p], nocase) != fold(text[s], nocase)) return false;
        ++s;
        break;
    }
    ++p;
    if (s == text.size()) {
      // Only reached after consuming text: like Redis, an initially empty text never matches
      // a non-empty pattern, not even "*" (callers special-case the match-all pattern).
      while (p < pattern.size() && pattern[p] == '*') ++p;
      break;
    }
  }
  return p == pattern.size() && s == text.size();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text, bool nocase) {
  bool skip_longer = false;
  return glob_match_impl(pattern, text, nocase, skip_longer, 0);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool write_fully(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace gorodis
