// goro/io.hpp — buffered reading and writing (Go: package bufio, and io.ReadFull).
//
// BufReader and BufWriter wrap anything that reads or writes like a goro::net::Conn:
//
//     Reader: r.read(std::span<char>)        -> goro::Result<std::size_t>
//             (at least 1 byte, or an error; Errc::eof at the end)
//     Writer: w.write(std::span<const char>) -> goro::Result<std::size_t>
//
// They hold a reference, not a copy: the wrapped object must outlive them. Errors are values
// (goro/result.hpp); a read error is reported once, after the data buffered before it, as in Go.
// Neither type is safe for concurrent use by several goroutines (Go's bufio is not either).
//
//     goro::io::BufReader in(conn);
//     goro::io::BufWriter out(conn);
//     while (auto line = in.read_line()) {
//       out.write_string(*line);
//       out.write_string("\n");
//       if (!out.flush()) break;
//     }
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "goro/result.hpp"

namespace goro::io {

template <class R>
concept Reader = requires(R& r, std::span<char> buf) {
  { r.read(buf) } -> std::same_as<Result<std::size_t>>;
};

template <class W>
concept Writer = requires(W& w, std::span<const char> data) {
  { w.write(data) } -> std::same_as<Result<std::size_t>>;
};

// A non-owning, type-erased reference to a Reader (Go: the io.Reader interface value).
class ReaderRef {
 public:
  template <Reader R>
  requires(!std::same_as<R, ReaderRef>)  // copying a ReaderRef must not wrap the copy source
      ReaderRef(R& r)
  noexcept  // NOLINT: implicit, so BufReader(conn) works
      : obj_(&r), read_([](void* o, std::span<char> b) { return static_cast<R*>(o)->read(b); }) {}
  Result<std::size_t> read(std::span<char> buf) const { return read_(obj_, buf); }

 private:
  void* obj_;
  Result<std::size_t> (*read_)(void*, std::span<char>);
};

// A non-owning, type-erased reference to a Writer (Go: the io.Writer interface value).
class WriterRef {
 public:
  template <Writer W>
  requires(!std::same_as<W, WriterRef>) WriterRef(W& w)
  noexcept  // NOLINT: implicit, so BufWriter(conn) works
      : obj_(&w),
        write_([](void* o, std::span<const char> d) { return static_cast<W*>(o)->write(d); }) {}
  Result<std::size_t> write(std::span<const char> data) const { return write_(obj_, data); }

 private:
  void* obj_;
  Result<std::size_t> (*write_)(void*, std::span<const char>);
};

inline constexpr std::size_t kDefaultBufferSize = 4096;

// Go: io.ReadFull. Fills buf: Errc::eof if the input ended before the first byte,
// Errc::unexpected_eof if it ended after some.
Result<void> read_full(ReaderRef r, std::span<char> buf);

// Go: bufio.Reader.
class BufReader {
 public:
  // REQUIRES: size > 0; r outlives this BufReader.
  explicit BufReader(ReaderRef r, std::size_t size = kDefaultBufferSize);
  BufReader(BufReader&&) noexcept = default;
  BufReader& operator=(BufReader&&) noexcept = default;

  // Go: Read. Returns buffered data if any, else reads once from the source (directly into buf
  // when buf is at least as large as the buffer).
  Result<std::size_t> read(std::span<char> buf);
  // Go: io.ReadFull on this reader.
  Result<void> read_exact(std::span<char> buf);
  // The next n bytes as a string.
  Result<std::string> read_exact(std::size_t n);

  // Go: Peek. The next n bytes without consuming them; the view is valid until the next call
  // on this reader. Errc::buffer_full if n exceeds the buffer size.
  Result<std::string_view> peek(std::size_t n);

  // Go: ReadSlice. Up to and including the first `delim`, as a view into the buffer valid until
  // the next call. Errc::buffer_full if the buffer fills without a delimiter. Unlike Go, a
  // failed call consumes nothing: the bytes stay buffered for read() and friends.
  Result<std::string_view> read_slice(char delim);
  // Go: ReadString. Up to and including the first `delim`, of any length. If the input ends
  // (or fails) after some bytes but before a delimiter, those bytes are returned without one and
  // the error comes with the next call.
  Result<std::string> read_until(char delim);
  // A line without its "\n" or "\r\n" (Go: bufio.Scanner with ScanLines). A last line without a
  // newline is returned as is; then Errc::eof.
  Result<std::string> read_line();

  // Bytes that can be read without touching the source (Go: Buffered).
  std::size_t buffered() const noexcept { return w_ - r_; }
  std::size_t size() const noexcept { return size_; }

 private:
  void fill();
  std::error_code take_error();

  ReaderRef src_;
  std::unique_ptr<char[]> buf_;
  std::size_t size_;
  std::size_t r_ = 0;  // read position
  std::size_t w_ = 0;  // write position
  std::error_code err_;
};

// Go: bufio.Writer. Data goes out when the buffer is full or on flush(); destroying a
// BufWriter does not flush. After a write error every call fails with that error.
class BufWriter {
 public:
  // REQUIRES: size > 0; w outlives this BufWriter.
  explicit BufWriter(WriterRef w, std::size_t size = kDefaultBufferSize);
  BufWriter(BufWriter&&) noexcept = default;
  BufWriter& operator=(BufWriter&&) noexcept = default;

  // Go: Write. Returns data.size() unless an error occurred. A write larger than the free space
  // in an empty buffer goes straight to the destination.
  Result<std::size_t> write(std::span<const char> data);
  // Go: WriteString.
  Result<std::size_t> write_string(std::string_view s) { return write(std::span(s)); }
  // Go: Flush. Writes the buffered data out.
  Result<void> flush();

  std::size_t buffered() const noexcept { return n_; }
  std::size_t available() const noexcept { return size_ - n_; }

 private:
  WriterRef dst_;
  std::unique_ptr<char[]> buf_;
  std::size_t size_;
  std::size_t n_ = 0;
  std::error_code err_;
};

}  // namespace goro::io
