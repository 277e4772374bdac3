// lzf.cpp — see lzf.hpp. The hash table holds positions (0 = empty; position 0 itself is never
// a usable reference, exactly as liblzf requires ref > in_data), so no pointer arithmetic
// leaves the input.
#include "lzf.hpp"

#include <cstdint>
#include <vector>

namespace gorodis {

namespace {

constexpr unsigned kHashLog = 16;
constexpr std::size_t kHashSize = std::size_t{1} << kHashLog;
constexpr std::size_t kMaxLiteral = 1 << 5;
constexpr std::size_t kMaxOffset = 1 << 13;
constexpr std::size_t kMaxReference = (1 << 8) + (1 << 3);

std::uint32_t first_hash(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 8) | p[1];
}
std::uint32_t next_hash(std::uint32_t h, const std::uint8_t* p) {
  return (h << 8) | p[2];
}
std::size_t hash_slot(std::uint32_t h) {
  return ((h >> (3 * 8 - kHashLog)) - h * 5) & (kHashSize - 1);
}

}  // namespace

std::optional<std::string> lzf_compress(std::string_view input, std::size_t max_output) {
  const auto* in = reinterpret_cast<const std::uint8_t*>(input.data());
  const std::size_t in_len = input.size();
  if (in_len < 3 || max_output == 0) return std::nullopt;
  // Slack past max_output absorbs the transient run-start byte; the checks below are liblzf's.
  std::vector<std::uint8_t> out(max_output + 4);
  std::vector<std::uint32_t> table(kHashSize, 0);
  std::size_t ip = 0;
  std::size_t op = 1;  // out[0] is the control byte of the first literal run
  std::size_t literal = 0;
  auto close_run = [&] { out[op - literal - 1] = static_cast<std::uint8_t>(literal - 1); };
  auto emit_literal = [&] {
    ++literal;
    out[op++] = in[ip++];
    if (literal == kMaxLiteral) {
      close_run();
      literal = 0;
      ++op;
    }
  };
  std::uint32_t hash = first_hash(in);
  while (ip + 2 < in_len) {
    hash = next_hash(hash, in + ip);
    std::size_t slot = hash_slot(hash);
    std::size_t ref = table[slot];
    table[slot] = static_cast<std::uint32_t>(ip);
    std::size_t offset = ip - ref - 1;
    if (ref > 0 && offset < kMaxOffset && in[ref] == in[ip] && in[ref + 1] == in[ip + 1] &&
        in[ref + 2] == in[ip + 2]) {
      std::size_t length = 2;
      std::size_t max_length = std::min(in_len - ip - length, kMaxReference);
      close_run();
      if (literal == 0) --op;
      if (op + 3 + 1 >= max_output) return std::nullopt;
      // liblzf first compares up to 16 bytes unconditionally when max_length > 16, which can
      // extend a match to the very end of the input; keep that so output matches byte for byte.
      bool mismatch = false;
      if (max_length > 16) {
        for (int i = 0; i < 16 && !mismatch; ++i) {
          ++length;
          mismatch = in[ref + length] != in[ip + length];
        }
      }
      if (!mismatch) {
        do {
          ++length;
        } while (length < max_length && in[ref + length] == in[ip + length]);
      }
      length -= 2;  // now the match length minus 2 ... plus the first byte below
      ++ip;
      if (length < 7) {
        out[op++] = static_cast<std::uint8_t>((offset >> 8) + (length << 5));
      } else {
        out[op++] = static_cast<std::uint8_t>((offset >> 8) + (7 << 5));
        out[op++] = static_cast<std::uint8_t>(length - 7);
      }
      out[op++] = static_cast<std::uint8_t>(offset);
      literal = 0;
      ++op;
      ip += length + 1;
      if (ip + 2 >= in_len) break;
      // Hash the last two positions of the match so later data can refer into it.
      ip -= 2;
      hash = first_hash(in + ip);
      for (int i = 0; i < 2; ++i) {
        hash = next_hash(hash, in + ip);
        table[hash_slot(hash)] = static_cast<std::uint32_t>(ip);
        ++ip;
      }
    } else {
      if (op >= max_output) return std::nullopt;
      emit_literal();
    }
  }
  if (op + 3 > max_output) return std::nullopt;
  while (ip < in_len) emit_literal();
  close_run();
  if (literal == 0) --op;
  return std::string(reinterpret_cast<const char*>(out.data()), op);
}

std::optional<std::string> lzf_decompress(std::string_view input, std::size_t output_length) {
  const auto* in = reinterpret_cast<const std::uint8_t*>(input.data());
  const std::size_t in_len = input.size();
  std::string out(output_length, '\0');
  std::size_t ip = 0;
  std::size_t op = 0;
  while (ip < in_len) {
    std::size_t control = in[ip++];
    if (control < 32) {
      std::size_t run = control + 1;
      if (op + run > output_length || ip + run > in_len) return std::nullopt;
      out.replace(op, run, input.substr(ip, run));
      op += run;
      ip += run;
      continue;
    }
    std::size_t length = control >> 5;
    std::size_t back = ((control & 0x1f) << 8) + 1;
    if (ip >= in_len) return std::nullopt;
    if (length == 7) {
      length += in[ip++];
      if (ip >= in_len) return std::nullopt;
    }
    back += in[ip++];
    if (op + length + 2 > output_length || back > op) return std::nullopt;
    for (std::size_t i = 0; i < length + 2; ++i, ++op) out[op] = out[op - back];
  }
  if (op != output_length) return std::nullopt;
  return out;
}

}  // namespace gorodis
