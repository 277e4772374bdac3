// net.cpp — the goro::net API: listen, dial, accept and the handle classes (Go: net/dial.go,
// net/tcpsock*.go, net/unixsock*.go, net/udpsock*.go, net/sock_posix.go).
//
// This file turns network names into sockets with the right options and wraps them in NetFd
// (fd.cpp), which does all I/O. Socket defaults are Go's: every socket is non-blocking and
// close-on-exec from creation (SOCK_NONBLOCK | SOCK_CLOEXEC, so no window in which a fork could
// inherit it); listeners set SO_REUSEADDR; IPv6 sockets are dual-stack unless the network is
// "tcp6"/"udp6"; UDP sockets may broadcast; TCP connections get TCP_NODELAY and a 15 s
// keep-alive. The listen backlog asks for the most the kernel allows (it clamps to somaxconn).
//
// Rejected: closing in the handles' destructors one by one (copies would close each other's
// socket; the shared NetFd closes when the last handle goes); exceptions for I/O errors.
#include "goro/net.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "net/fd.hpp"
#include "net/sockaddr.hpp"
#include "runtime/netpoll_desc.hpp"
#include "runtime/sched.hpp"

namespace goro::net {

using detail::errno_code;
using detail::NetFd;
using detail::SockAddr;

namespace {

constexpr std::chrono::seconds kDefaultKeepAlive{15};

std::error_code invalid() {
  return std::make_error_code(std::errc::invalid_argument);
}

// A deadline as a runtime nanotime: 0 for none, -1 for one already past.
std::int64_t to_nanotime(TimePoint t) {
  if (t == kNoDeadline) return 0;
  const TimePoint now = Clock::now();
  if (t <= now) return -1;
  const std::int64_t left = std::chrono::duration_cast<std::chrono::nanoseconds>(t - now).count();
  const std::int64_t base = rt::nanotime();
  return left > INT64_MAX - base ? INT64_MAX : base + left;
}

Result<void> apply_keepalive_period(NetFd& fd, std::chrono::seconds period) {
  const int secs = static_cast<int>(std::max<std::int64_t>(period.count(), 1));
  if (auto r = fd.set_option(IPPROTO_TCP, TCP_KEEPINTVL, secs); !r) return r;
  return fd.set_option(IPPROTO_TCP, TCP_KEEPIDLE, secs);
}

// Go's defaults for a new TCP connection; errors are ignored as in Go.
void tcp_defaults(NetFd& fd) {
  if (fd.family() == AF_UNIX || fd.sotype() != SOCK_STREAM) return;
  (void)fd.set_option(IPPROTO_TCP, TCP_NODELAY, 1);
  (void)fd.set_option(SOL_SOCKET, SO_KEEPALIVE, 1);
  (void)apply_keepalive_period(fd, kDefaultKeepAlive);
}

// A new socket for addr, registered with the poller, with the per-family defaults.
Result<std::shared_ptr<NetFd>> new_socket(const detail::Network& network, const SockAddr& addr) {
  const int family = addr.family();
  const int s = ::socket(family, network.sotype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) return errno_code(rt::errno_value());
  auto fd = NetFd::open(s, family, network.sotype);
  if (!fd) return fd;
  if (family == AF_INET6) {
    auto r = (*fd)->set_option(IPPROTO_IPV6, IPV6_V6ONLY, network.family == AF_INET6 ? 1 : 0);
    if (!r) return r.error();
  }
  if (family != AF_UNIX && network.sotype == SOCK_DGRAM) {
    (void)(*fd)->set_option(SOL_SOCKET, SO_BROADCAST, 1);
  }
  return fd;
}

// Socket + bind (+ listen for streams) on the first address `address` resolves to.
Result<std::shared_ptr<NetFd>> bound_socket(const detail::Network& network,
                                            std::string_view address) {
  auto addrs = detail::resolve(network, address, /*passive=*/true);
  if (!addrs) return addrs.error();
  const SockAddr& addr = addrs->front();
  auto fd = new_socket(network, addr);
  if (!fd) return fd;
  NetFd& f = **fd;
  if (addr.family() != AF_UNIX && network.sotype == SOCK_STREAM) {
    if (auto r = f.set_option(SOL_SOCKET, SO_REUSEADDR, 1); !r) return r.error();
  }
  if (::bind(f.sysfd(), addr.get(), addr.len) < 0) return errno_code(rt::errno_value());
  if (network.sotype == SOCK_STREAM && ::listen(f.sysfd(), INT_MAX) < 0) {
    return errno_code(rt::errno_value());
  }
  f.set_addrs(detail::sock_name(f.sysfd()), SockAddr{});
  // A Unix listener owns the file it created (Go: UnixListener unlinks it on Close).
  if (addr.family() == AF_UNIX && network.sotype == SOCK_STREAM && address.front() != '@') {
    f.set_unlink_on_close(std::string(address));
  }
  return fd;
}

}  // namespace

// ---- detail::Socket ----

namespace detail {

Socket::Socket(std::shared_ptr<NetFd> fd) noexcept : fd_(std::move(fd)) {}

Result<void> Socket::close() {
  return fd_ ? fd_->close() : invalid();
}

std::string Socket::local_addr() const {
  return fd_ ? format_addr(fd_->local()) : "";
}

int Socket::sysfd() const {
  return fd_ ? fd_->sysfd() : -1;
}

Result<void> Socket::set_deadline(TimePoint t, int mode) {
  return fd_ ? fd_->set_deadline(to_nanotime(t), mode) : invalid();
}
Result<void> Socket::set_deadline(TimePoint t) {
  return set_deadline(t, rt::kPollReadWrite);
}
Result<void> Socket::set_read_deadline(TimePoint t) {
  return set_deadline(t, rt::kPollRead);
}
Result<void> Socket::set_write_deadline(TimePoint t) {
  return set_deadline(t, rt::kPollWrite);
}

Result<void> Socket::set_read_buffer(int bytes) {
  return fd_ ? fd_->set_option(SOL_SOCKET, SO_RCVBUF, bytes) : invalid();
}
Result<void> Socket::set_write_buffer(int bytes) {
  return fd_ ? fd_->set_option(SOL_SOCKET, SO_SNDBUF, bytes) : invalid();
}

}  // namespace detail

// ---- Conn ----

Result<std::size_t> Conn::read(std::span<char> buf) {
  return fd_ ? fd_->read(buf) : invalid();
}

Result<std::size_t> Conn::write(std::span<const char> data) {
  return fd_ ? fd_->write(data) : invalid();
}

Result<void> Conn::close_write() {
  return fd_ ? fd_->shutdown(SHUT_WR) : invalid();
}
Result<void> Conn::close_read() {
  return fd_ ? fd_->shutdown(SHUT_RD) : invalid();
}

std::string Conn::remote_addr() const {
  return fd_ ? detail::format_addr(fd_->remote()) : "";
}

Result<void> Conn::set_nodelay(bool on) {
  return fd_ ? fd_->set_option(IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0) : invalid();
}

Result<void> Conn::set_keepalive(bool on) {
  return fd_ ? fd_->set_option(SOL_SOCKET, SO_KEEPALIVE, on ? 1 : 0) : invalid();
}

Result<void> Conn::set_keepalive_period(std::chrono::seconds period) {
  return fd_ ? apply_keepalive_period(*fd_, period) : invalid();
}

Result<void> Conn::set_linger(int seconds) {
  if (!fd_) return invalid();
  linger l{seconds >= 0 ? 1 : 0, seconds >= 0 ? seconds : 0};
  return fd_->set_option(SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

// ---- Listener ----

Result<Conn> Listener::accept() {
  if (!fd_) return invalid();
  auto fd = fd_->accept();
  if (!fd) return fd.error();
  tcp_defaults(**fd);
  return Conn(std::move(*fd));
}

// ---- PacketConn ----

Result<Datagram> PacketConn::read_from(std::span<char> buf) {
  if (!fd_) return invalid();
  SockAddr from;
  auto n = fd_->read_from(buf, &from);
  if (!n) return n.error();
  return Datagram{*n, detail::format_addr(from)};
}

Result<std::size_t> PacketConn::write_to(std::span<const char> data, std::string_view addr) {
  if (!fd_) return invalid();
  detail::Network network{fd_->family(), SOCK_DGRAM};
  if (network.family == AF_INET6) network.family = AF_UNSPEC;  // dual-stack takes IPv4 too
  auto to = detail::resolve(network, addr, /*passive=*/false);
  if (!to) return to.error();
  return fd_->write_to(data, to->front());
}

// ---- package functions ----

Result<Listener> listen(std::string_view network, std::string_view address) {
  auto net = detail::parse_network(network);
  if (!net) return net.error();
  if (net->sotype != SOCK_STREAM) return Errc::unknown_network;
  auto fd = bound_socket(*net, address);
  if (!fd) return fd.error();
  return Listener(std::move(*fd));
}

Result<PacketConn> listen_packet(std::string_view network, std::string_view address) {
  auto net = detail::parse_network(network);
  if (!net) return net.error();
  if (net->sotype != SOCK_DGRAM) return Errc::unknown_network;
  auto fd = bound_socket(*net, address);
  if (!fd) return fd.error();
  return PacketConn(std::move(*fd));
}

namespace {

Result<Conn> dial_deadline(std::string_view network, std::string_view address,
                           std::int64_t deadline_ns) {
  auto net = detail::parse_network(network);
  if (!net) return net.error();
  auto addrs = detail::resolve(*net, address, /*passive=*/false);
  if (!addrs) return addrs.error();
  std::error_code first_error;
  for (const SockAddr& addr : *addrs) {
    auto fd = new_socket(*net, addr);
    Result<void> r = fd ? (*fd)->connect(addr, deadline_ns) : Result<void>(fd.error());
    if (r) {
      (*fd)->set_addrs(detail::sock_name((*fd)->sysfd()), addr);
      tcp_defaults(**fd);
      return Conn(std::move(*fd));
    }
    if (!first_error) first_error = r.error();
    if (r.error() == Errc::timeout) break;  // the deadline covers all attempts
  }
  return first_error;
}

}  // namespace

Result<Conn> dial(std::string_view network, std::string_view address) {
  return dial_deadline(network, address, 0);
}

Result<Conn> dial_timeout(std::string_view network, std::string_view address,
                          std::chrono::nanoseconds timeout) {
  // As in Go: zero means no timeout, a negative one has already passed.
  if (timeout.count() == 0) return dial_deadline(network, address, 0);
  const std::int64_t now = rt::nanotime();
  const std::int64_t t = timeout.count();
  return dial_deadline(network, address,
                       t > INT64_MAX - now ? INT64_MAX : std::max<std::int64_t>(now + t, 1));
}

Result<Conn> from_fd(int fd) {
  int sotype = 0;
  int family = 0;
  socklen_t len = sizeof(sotype);
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &sotype, &len) < 0) {
    const int err = rt::errno_value();
    ::close(fd);
    return errno_code(err);
  }
  len = sizeof(family);
  const int flags = ::fcntl(fd, F_GETFL);
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) < 0 || flags < 0 ||
      ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || ::fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
    const int err = rt::errno_value();
    ::close(fd);
    return errno_code(err);
  }
  auto nfd = NetFd::open(fd, family, sotype);
  if (!nfd) return nfd.error();
  (*nfd)->set_addrs(detail::sock_name(fd), detail::peer_name(fd));
  tcp_defaults(**nfd);
  return Conn(std::move(*nfd));
}

}  // namespace goro::net
