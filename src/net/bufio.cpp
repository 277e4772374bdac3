// bufio.cpp — BufReader and BufWriter (Go: bufio/bufio.go, io.ReadFull).
//
// BufReader keeps unread bytes in buf_[r_, w_). fill() slides them to the front and reads once
// from the source; a source error is parked in err_ and handed out (once) only when the caller
// needs more than the buffered bytes, so data that arrived before an EOF is never lost. A source
// that returns 0 bytes without an error 100 times in a row is reported as Errc::no_progress
// rather than spinning forever (Go: maxConsecutiveEmptyReads).
//
// BufWriter appends to buf_[0, n_) and writes the whole buffer out when the next write does
// not fit; an error sticks, as in Go, because the destination's state is unknown afterwards.
//
// Rejected: templates over the source type (every user would compile this file; the one
// indirect call per system call that ReaderRef costs is noise); growing the buffer in
// read_slice (a peer could make us buffer without bound; read_until accumulates instead).
#include <algorithm>
#include <cstring>

#include "goro/io.hpp"

namespace goro::io {

namespace {

constexpr int kMaxEmptyReads = 100;

using net::Errc;

Result<void> write_all(WriterRef w, std::span<const char> data) {
  while (!data.empty()) {
    auto n = w.write(data);
    if (!n) return n.error();
    if (*n == 0) return Errc::no_progress;
    data = data.subspan(std::min(*n, data.size()));
  }
  return {};
}

}  // namespace

Result<void> read_full(ReaderRef r, std::span<char> buf) {
  std::size_t got = 0;
  int empty = 0;
  while (got < buf.size()) {
    auto n = r.read(buf.subspan(got));
    if (!n) {
      if (n.error() == Errc::eof && got > 0) return Errc::unexpected_eof;
      return n.error();
    }
    if (*n == 0 && ++empty >= kMaxEmptyReads) return Errc::no_progress;
    got += *n;
  }
  return {};
}

// ---- BufReader ----

BufReader::BufReader(ReaderRef r, std::size_t size) : src_(r), buf_(new char[size]), size_(size) {}

std::error_code BufReader::take_error() {
  std::error_code e = err_;
  err_.clear();
  return e;
}

void BufReader::fill() {
  if (r_ > 0) {
    std::memmove(buf_.get(), buf_.get() + r_, w_ - r_);
    w_ -= r_;
    r_ = 0;
  }
  for (int i = 0; i < kMaxEmptyReads; i++) {
    auto n = src_.read(std::span(buf_.get() + w_, size_ - w_));
    if (!n) {
      err_ = n.error();
      return;
    }
    w_ += *n;
    if (*n > 0) return;
  }
  err_ = make_error_code(Errc::no_progress);
}

Result<std::size_t> BufReader::read(std::span<char> buf) {
  if (buf.empty()) {
    if (buffered() > 0) return std::size_t{0};
    if (err_) return take_error();
    return std::size_t{0};
  }
  if (r_ == w_) {
    if (err_) return take_error();
    // Large read into an empty buffer: skip the copy.
    if (buf.size() >= size_) return src_.read(buf);
    r_ = w_ = 0;
    fill();
    if (r_ == w_) return take_error();
  }
  const std::size_t n = std::min(buf.size(), buffered());
  std::memcpy(buf.data(), buf_.get() + r_, n);
  r_ += n;
  return n;
}

Result<void> BufReader::read_exact(std::span<char> buf) {
  return read_full(*this, buf);
}

Result<std::string> BufReader::read_exact(std::size_t n) {
  std::string out(n, '\0');
  if (auto r = read_exact(std::span(out)); !r) return r.error();
  return out;
}

Result<std::string_view> BufReader::peek(std::size_t n) {
  if (n > size_) return Errc::buffer_full;
  while (buffered() < n && !err_) fill();
  if (buffered() < n) return take_error();
  return std::string_view(buf_.get() + r_, n);
}

Result<std::string_view> BufReader::read_slice(char delim) {
  std::size_t searched = 0;  // bytes after r_ already known not to hold delim
  for (;;) {
    const char* start = buf_.get() + r_;
    if (const void* hit = std::memchr(start + searched, delim, buffered() - searched)) {
      const std::size_t len = static_cast<const char*>(hit) - start + 1;
      r_ += len;
      return std::string_view(start, len);
    }
    if (err_) return take_error();
    if (buffered() == size_) return Errc::buffer_full;
    searched = buffered();
    fill();  // moves the unread bytes to the front; `searched` stays relative to r_
  }
}

Result<std::string> BufReader::read_until(char delim) {
  std::string out;
  for (;;) {
    auto slice = read_slice(delim);
    if (slice) {
      out.append(*slice);
      return out;
    }
    // No delimiter yet: keep what is buffered and look further.
    out.append(buf_.get() + r_, buffered());
    r_ = w_;
    if (slice.error() == Errc::buffer_full) continue;
    if (out.empty()) return slice.error();
    err_ = slice.error();  // delivered by the next call, after these bytes
    return out;
  }
}

Result<std::string> BufReader::read_line() {
  auto line = read_until('\n');
  if (line && !line->empty() && line->back() == '\n') {
    line->pop_back();
    if (!line->empty() && line->back() == '\r') line->pop_back();
  }
  return line;
}

// ---- BufWriter ----

BufWriter::BufWriter(WriterRef w, std::size_t size) : dst_(w), buf_(new char[size]), size_(size) {}

Result<void> BufWriter::flush() {
  if (err_) return err_;
  if (n_ == 0) return {};
  if (auto r = write_all(dst_, std::span<const char>(buf_.get(), n_)); !r) {
    err_ = r.error();
    return r;
  }
  n_ = 0;
  return {};
}

Result<std::size_t> BufWriter::write(std::span<const char> data) {
  const std::size_t total = data.size();
  while (data.size() > available()) {
    if (err_) return err_;
    if (n_ == 0) {
      // Large write, empty buffer: write directly to avoid the copy.
      if (auto r = write_all(dst_, data); !r) {
        err_ = r.error();
        return err_;
      }
      return total;
    }
    const std::size_t n = available();
    std::memcpy(buf_.get() + n_, data.data(), n);
    n_ += n;
    data = data.subspan(n);
    if (auto r = flush(); !r) return r.error();
  }
  if (err_) return err_;
  std::memcpy(buf_.get() + n_, data.data(), data.size());
  n_ += data.size();
  return total;
}

}  // namespace goro::io
