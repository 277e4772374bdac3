// errors.cpp — the "goro" error category behind goro::net::Errc (Go: io.EOF,
// io.ErrUnexpectedEOF, os.ErrDeadlineExceeded, net.ErrClosed, net.AddrError and friends).
//
// The messages are Go's, so logs read the same. Errc::timeout maps to the portable condition
// std::errc::timed_out (Go: such errors report Timeout() == true, like ETIMEDOUT does).
#include <string>

#include "goro/result.hpp"

namespace goro::net {

namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "goro"; }

  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::eof:
        return "EOF";
      case Errc::unexpected_eof:
        return "unexpected EOF";
      case Errc::timeout:
        return "i/o timeout";
      case Errc::closed:
        return "use of closed network connection";
      case Errc::unknown_network:
        return "unknown network";
      case Errc::invalid_address:
        return "invalid address";
      case Errc::host_not_found:
        return "no such host";
      case Errc::buffer_full:
        return "bufio: buffer full";
      case Errc::no_progress:
        return "multiple Read calls return no data or error";
    }
    return "unknown goro error " + std::to_string(value);
  }

  std::error_condition default_error_condition(int value) const noexcept override {
    if (static_cast<Errc>(value) == Errc::timeout) return std::errc::timed_out;
    return {value, *this};
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const Category category;
  return category;
}

}  // namespace goro::net
