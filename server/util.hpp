// util.hpp — number/string conversions and glob matching with Redis's exact rules.
//
// Redis replies are byte-compared by clients and test suites, so every conversion here follows
// the corresponding routine in Redis's util.c: string2ll is strict (no spaces, no '+', no leading
// zeros, "-0" rejected) so that a value round-trips to the same bytes; long doubles are parsed
// with strtold and printed either with %.17Lg ("auto") or %.17Lf with trailing zeros trimmed
// ("human", used by INCRBYFLOAT). None of these functions allocate except the ones returning
// std::string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gorodis {

// Strict decimal parse of a signed 64-bit integer (Redis string2ll). Returns nullopt for empty
// input, surrounding spaces, a leading '+', leading zeros, "-0", or overflow.
std::optional<long long> parse_int64(std::string_view text);

// strtoul-style parse for SCAN cursors: optional leading '-'/'+' accepted and wrapped like C's
// strtoul, but no leading whitespace and no trailing bytes (Redis parseScanCursorOrReply).
std::optional<unsigned long long> parse_cursor(std::string_view text);

// Long double parse with Redis string2ld rules: rejects empty, leading space, trailing bytes,
// NaN, and out-of-range values. Inputs of 5 KiB or more are rejected as Redis does.
std::optional<long double> parse_long_double(std::string_view text);

// Double parse with Redis string2d rules (used for float arguments).
std::optional<double> parse_double(std::string_view text);

// A spin-wait hint to the CPU (x86 pause, ARM yield); nothing elsewhere.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Decimal rendering of a signed 64-bit integer into `out` (at least 21 bytes); returns length.
std::size_t format_int64(long long value, char* out);
std::string int64_to_string(long long value);

// Redis ld2string LD_STR_HUMAN: "%.17Lf" with trailing zeros (and a trailing '.') removed,
// "-0" printed as "0", infinities as "inf"/"-inf".
std::string long_double_to_human_string(long double value);

// Redis addReplyDouble's "%.17g" with "inf"/"-inf" for infinities.
std::string double_to_string(double value);

// Glob-style match (Redis stringmatchlen): '*', '?', '[...]' with ranges and '^' negation,
// '\' escapes. `nocase` folds ASCII case.
bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

// ASCII case-insensitive equality (Redis strcasecmp on option names).
bool iequals(std::string_view a, std::string_view b);
// Writes all of `bytes` to `fd` (retrying short writes and EINTR); false on an error (errno
// set). A blocking system call: call it inside goro::blocking from a goroutine.
bool write_fully(int fd, std::string_view bytes);

}  // namespace gorodis
