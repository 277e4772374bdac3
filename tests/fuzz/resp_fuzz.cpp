// resp_fuzz.cpp — libFuzzer target for gorodis's RESP request parser.
//
// The input is split into chunks at positions chosen by its first byte, so the fuzzer explores
// incremental feeding as well as whole buffers. Checked invariants: the parser never crashes
// or reads out of bounds (run under ASan), a ready command is never empty, a protocol error is
// sticky, and every error reply is a single "-ERR ...\r\n" line (or empty for the query-buffer
// limit). Small limits make the limit paths reachable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "resp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 16;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  gorodis::ProtocolLimits limits;
  limits.max_bulk_length = 1024;
  limits.max_inline_size = 256;
  limits.query_buffer_limit = 4096;
  gorodis::RequestParser parser(limits);
  std::vector<std::string_view> argv;
  bool failed = false;
  for (std::size_t offset = 0; offset < input.size(); offset += chunk) {
    parser.append(input.substr(offset, chunk));
    while (true) {
      gorodis::ParseStatus status = parser.next(argv);
      if (status == gorodis::ParseStatus::kCommandReady) {
        if (failed || argv.empty()) std::abort();
        std::size_t total = 0;
        for (std::string_view arg : argv) total += arg.size();  // touch every byte's range
        (void)total;
        continue;
      }
      if (status == gorodis::ParseStatus::kProtocolError) {
        const std::string& reply = parser.error_reply();
        if (!reply.empty() &&
            (reply.rfind("-ERR ", 0) != 0 || reply.find("\r\n") != reply.size() - 2)) {
          std::abort();
        }
        failed = true;
      } else if (failed) {
        std::abort();
      }
      break;
    }
  }
  return 0;
}
