// goro/result.hpp — errors as values for I/O (Go: the `(T, error)` return pair, io.EOF,
// os.ErrDeadlineExceeded, net.ErrClosed).
//
// Every goro I/O call returns a `goro::Result<T>`: either a value or a std::error_code, never an
// exception. Errors from the operating system are errno values in std::system_category, so they
// compare with std::errc the standard way:
//
//     auto n = conn.read(buf);
//     if (!n) {
//       if (n.error() == goro::net::Errc::eof) ...             // peer closed its side
//       else if (n.error() == goro::net::Errc::timeout) ...    // deadline passed
//       else if (n.error() == std::errc::connection_reset) ... // errno ECONNRESET
//     }
//
// goro's own conditions (goro::net::Errc, category "goro") carry Go's messages: "EOF",
// "i/o timeout", "use of closed network connection". A deadline timeout also compares equal to
// std::errc::timed_out, the way Go's deadline error answers Timeout() like ETIMEDOUT does.
//
// Rejected: a bare `std::expected` (C++23, not available to this C++20 library); returning a
// pair like Go (forces every caller to look at a meaningless value on error).
#pragma once

#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace goro {

namespace net {

// goro's own error conditions. The values are stable (they are what error_code::value() shows).
enum class Errc {
  eof = 1,          // Go io.EOF: orderly end of input
  unexpected_eof,   // Go io.ErrUnexpectedEOF: input ended inside a fixed-size read
  timeout,          // Go os.ErrDeadlineExceeded ("i/o timeout"); also dial_timeout
  closed,           // Go net.ErrClosed ("use of closed network connection")
  unknown_network,  // Go net.UnknownNetworkError: not "tcp", "unix", ...
  invalid_address,  // Go net.AddrError: "missing port in address" and the like
  host_not_found,   // Go "no such host" (getaddrinfo found nothing)
  buffer_full,      // Go bufio.ErrBufferFull: peek/read_slice larger than the buffer
  no_progress,      // Go io.ErrNoProgress: a reader/writer keeps moving 0 bytes, no error
};

// The category of goro::net::Errc; name() is "goro".
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace net

// A value of type T or an error (Go: `(T, error)`). REQUIRES for value(): ok().
template <class T>
class [[nodiscard]] Result {
 public:
  static_assert(!std::is_same_v<std::remove_cv_t<T>, std::error_code>,
                "Result<std::error_code> is ambiguous");

  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(std::error_code error) : v_(std::in_place_index<1>, error) {}
  template <class E, std::enable_if_t<std::is_error_code_enum_v<E>, int> = 0>
  Result(E error) : v_(std::in_place_index<1>, make_error_code(error)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  // Throws std::system_error if !ok(): reading a failed result is a bug in the caller, not an
  // I/O error.
  T& value() & { return check(), *std::get_if<0>(&v_); }
  const T& value() const& { return check(), *std::get_if<0>(&v_); }
  T&& value() && { return check(), std::move(*std::get_if<0>(&v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  // The error; a default (false) error_code when ok().
  std::error_code error() const noexcept {
    const std::error_code* e = std::get_if<1>(&v_);
    return e ? *e : std::error_code();
  }

 private:
  void check() const {
    if (!ok()) throw std::system_error(*std::get_if<1>(&v_), "goro::Result::value");
  }

  std::variant<T, std::error_code> v_;
};

// Success or an error (Go: a lone `error` return). A default-constructed Result<void> is ok.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(std::error_code error) : error_(error) {}
  template <class E, std::enable_if_t<std::is_error_code_enum_v<E>, int> = 0>
  Result(E error) : error_(make_error_code(error)) {}

  bool ok() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return ok(); }
  std::error_code error() const noexcept { return error_; }

 private:
  std::error_code error_;
};

}  // namespace goro

template <>
struct std::is_error_code_enum<goro::net::Errc> : std::true_type {};
