// sockaddr.hpp — network names to socket addresses and back (Go: net/ipsock.go SplitHostPort,
// net/lookup.go, net/sockaddr_posix.go, and the String methods of TCPAddr/UDPAddr/UnixAddr).
//
// Part of the platform fence: only src/net sees sockaddr structures. See sockaddr.cpp.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>
#include <vector>

#include "goro/result.hpp"

namespace goro::net::detail {

// A network name parsed: "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix", "unixgram".
struct Network {
  int family = AF_UNSPEC;  // AF_UNSPEC ("tcp", "udp": either IP family), AF_INET, AF_INET6, AF_UNIX
  int sotype = SOCK_STREAM;
  bool ip() const { return family != AF_UNIX; }
};
Result<Network> parse_network(std::string_view network);

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t len = 0;  // 0: unknown or unnamed
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
};

// Go's address strings: "127.0.0.1:80", "[::1]:80", "[fe80::1%eth0]:80" (an IPv4-mapped IPv6
// address prints as IPv4, as in Go), a Unix socket's path ("@name" for the abstract namespace),
// "" for an unnamed address.
std::string format_addr(const SockAddr& addr);

// The socket addresses `address` names on `network`, in the order to try them. `passive`:
// for listening (an empty host is the wildcard address) rather than dialing (an empty host is
// the local system). Literal IP addresses and numeric ports never block; host and service names
// go through getaddrinfo inside goro::blocking. REQUIRES for names: called by a goroutine.
Result<std::vector<SockAddr>> resolve(const Network& network, std::string_view address,
                                      bool passive);

}  // namespace goro::net::detail
