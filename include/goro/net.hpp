// goro/net.hpp — TCP, UDP and Unix sockets for goroutines (Go: package net).
//
// The calls look blocking, as in Go: a goroutine that reads from a connection with no data parks
// in the runtime's network poller (epoll) and its thread runs other goroutines meanwhile, so a
// server simply runs one goroutine per connection:
//
//     auto ln = goro::net::listen("tcp", "127.0.0.1:6379");
//     if (!ln) return fail(ln.error());
//     for (;;) {
//       auto conn = ln->accept();
//       if (!conn) continue;
//       goro::go([c = std::move(*conn)]() mutable { serve(c); });
//     }
//
// Errors are values (goro/result.hpp): Errc::eof at the end of a stream, Errc::timeout after a
// deadline, Errc::closed after close(), errno values (std::errc::connection_reset, ...)
// otherwise. Nothing here throws.
//
// Handles. Conn, Listener and PacketConn are cheap handles to one shared socket, like Go's
// *TCPConn: copies refer to the same socket, and any goroutine holding a handle may call any
// method at any time — e.g. close() from one goroutine wakes another blocked in read() with
// Errc::closed. The socket is closed by close() or when the last handle goes away. A
// default-constructed handle refers to nothing; its methods fail with std::errc::invalid_argument.
// Concurrent reads (or writes) on one socket are serialized, each whole, as in Go.
//
// Addresses are Go's strings: "127.0.0.1:6379", "[::1]:80", ":0" (all interfaces when
// listening, the local system when dialing), a host name ("localhost:80", resolved with
// getaddrinfo on a thread of its own, see goro::blocking), a Unix socket path, or "@name" for a
// Linux abstract Unix socket. Networks: "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix",
// "unixgram".
//
// Deadlines (Go: SetDeadline) are absolute steady_clock time points applying to all calls in
// progress and future ones: a call still waiting when the deadline passes fails with
// Errc::timeout, and so does every call until the deadline is moved (the socket stays usable).
// A deadline already past times calls out at once; kNoDeadline removes it.
//
// REQUIRES for every call that may wait (all but the address getters): called by a goroutine,
// inside goro::run.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "goro/result.hpp"

namespace goro::net {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
// No deadline (Go: the zero time.Time).
inline constexpr TimePoint kNoDeadline = TimePoint::max();

namespace detail {
class NetFd;

// What every handle has: closing, the local address, deadlines, socket buffer sizes.
class Socket {
 public:
  // True if the handle refers to a socket (even a closed one).
  explicit operator bool() const noexcept { return fd_ != nullptr; }

  // Closes the socket; calls blocked on it in other goroutines fail with Errc::closed. Returns
  // once the descriptor is closed. Errc::closed if already closed (Go: Close).
  Result<void> close();
  // The local address ("127.0.0.1:6379"; "" if unnamed). Stays valid after close.
  std::string local_addr() const;
  // The descriptor number, for display (a server's client list) and diagnostics; -1 for an
  // empty handle. The number stays the same after close, when the kernel may reuse it. Do not
  // read, write or close it: the handle owns it (Go: SyscallConn().Control's fd).
  int sysfd() const;

  // Go: SetDeadline, SetReadDeadline, SetWriteDeadline.
  Result<void> set_deadline(TimePoint t);
  Result<void> set_read_deadline(TimePoint t);
  Result<void> set_write_deadline(TimePoint t);
  // Go: SetReadBuffer / SetWriteBuffer (SO_RCVBUF / SO_SNDBUF, in bytes).
  Result<void> set_read_buffer(int bytes);
  Result<void> set_write_buffer(int bytes);

 protected:
  Socket() = default;
  explicit Socket(std::shared_ptr<NetFd> fd) noexcept;
  Result<void> set_deadline(TimePoint t, int mode);

  std::shared_ptr<NetFd> fd_;
};
}  // namespace detail

// A stream connection (TCP or Unix), or a connected datagram socket (Go: net.Conn, TCPConn,
// UnixConn).
class Conn : private detail::Socket {
 public:
  Conn() = default;
  // For goro's own use (listen, dial, from_fd build these).
  explicit Conn(std::shared_ptr<detail::NetFd> fd) noexcept : Socket(std::move(fd)) {}

  using Socket::operator bool;
  using Socket::close;
  using Socket::local_addr;
  using Socket::set_deadline;
  using Socket::set_read_buffer;
  using Socket::set_read_deadline;
  using Socket::set_write_buffer;
  using Socket::set_write_deadline;
  using Socket::sysfd;

  // Reads what is available, at least 1 byte, waiting until some is. At the end of a stream:
  // Errc::eof. An empty buf returns 0 at once. (Go: Read.)
  Result<std::size_t> read(std::span<char> buf);
  // Writes all of data, waiting for buffer space as needed; returns data.size(). On failure
  // part of data may have been sent. (Go: Write.)
  Result<std::size_t> write(std::span<const char> data);
  // Shuts down the sending (receiving) side; the peer reads EOF. (Go: CloseWrite, CloseRead.)
  Result<void> close_write();
  Result<void> close_read();
  // The peer's address. Stays valid after close.
  std::string remote_addr() const;

  // TCP options (Go: TCPConn.SetNoDelay, SetKeepAlive, SetKeepAlivePeriod, SetLinger). TCP
  // connections start with no-delay on and keep-alive on at a 15 s period, as in Go.
  // set_linger(0) makes close() reset the connection (RST) instead of a graceful FIN.
  Result<void> set_nodelay(bool on);
  Result<void> set_keepalive(bool on);
  Result<void> set_keepalive_period(std::chrono::seconds period);
  Result<void> set_linger(int seconds);
};

// A listening stream socket (Go: net.Listener, TCPListener, UnixListener).
class Listener : private detail::Socket {
 public:
  Listener() = default;
  explicit Listener(std::shared_ptr<detail::NetFd> fd) noexcept : Socket(std::move(fd)) {}

  using Socket::operator bool;
  using Socket::close;  // a Unix listener also removes its socket file
  using Socket::set_deadline;

  // Waits for and returns the next connection. After close: Errc::closed (also for a goroutine
  // blocked in accept at the time). Errors such as EMFILE are returned; the listener stays open.
  Result<Conn> accept();
  // The address it listens on, with the port the kernel chose for ":0" (Go: Addr).
  std::string addr() const { return local_addr(); }
};

// A datagram received by PacketConn::read_from.
struct Datagram {
  std::size_t size = 0;  // bytes stored in the buffer (the rest of a longer datagram is lost)
  std::string from;      // sender's address
};

// An unconnected datagram socket (Go: net.PacketConn, UDPConn).
class PacketConn : private detail::Socket {
 public:
  PacketConn() = default;
  explicit PacketConn(std::shared_ptr<detail::NetFd> fd) noexcept : Socket(std::move(fd)) {}

  using Socket::operator bool;
  using Socket::close;
  using Socket::local_addr;
  using Socket::set_deadline;
  using Socket::set_read_buffer;
  using Socket::set_read_deadline;
  using Socket::set_write_buffer;
  using Socket::set_write_deadline;

  // Waits for one datagram (Go: ReadFrom).
  Result<Datagram> read_from(std::span<char> buf);
  // Sends data as one datagram to addr, an address string as for dial (Go: WriteTo).
  Result<std::size_t> write_to(std::span<const char> data, std::string_view addr);
};

// Go: net.Listen. network: "tcp", "tcp4", "tcp6" or "unix".
Result<Listener> listen(std::string_view network, std::string_view address);
// Go: net.ListenPacket. network: "udp", "udp4", "udp6" or "unixgram".
Result<PacketConn> listen_packet(std::string_view network, std::string_view address);
// Go: net.Dial. Tries each address the name resolves to until one connects.
Result<Conn> dial(std::string_view network, std::string_view address);
// Go: net.DialTimeout. The timeout bounds the connection attempts (name resolution is not
// interruptible); when it passes: Errc::timeout.
Result<Conn> dial_timeout(std::string_view network, std::string_view address,
                          std::chrono::nanoseconds timeout);
// Wraps a connected socket (e.g. inherited, or from socketpair) in a Conn, making it
// non-blocking and close-on-exec (Go: net.FileConn, without the dup). Takes ownership of fd: the
// Conn closes it, also on failure. Fails with std::errc::not_a_socket for other descriptors.
Result<Conn> from_fd(int fd);

}  // namespace goro::net
