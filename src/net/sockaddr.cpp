// sockaddr.cpp — parsing network names and addresses, resolving them, printing them back.
//
// Address syntax is Go's: "host:port" with IPv6 literals in brackets ("[::1]:80",
// "[fe80::1%eth0]:80"), an empty host (":80"), a Unix socket path, or "@name" for Linux's
// abstract namespace. Literals are parsed here with inet_pton so the common case (a server
// listening on "127.0.0.1:6379", a client dialing an IP) never blocks a thread; anything else
// goes to getaddrinfo inside goro::blocking so its DNS traffic costs a thread, not a P.
//
// Family choice follows Go: listening on "tcp" with an empty or unspecified host listens on the
// IPv6 wildcard with IPV6_V6ONLY off (one socket for both families), falling back to 0.0.0.0
// where the kernel has no IPv6; listening on a host name takes its first IPv4 address if it has
// one. Dialing tries every address in resolver order (the caller does that), and an empty host
// means the local system.
//
// Rejected: getaddrinfo(AI_NUMERICHOST) for literals (may read /etc/gai.conf, and is still a
// library call with locks that we would rather keep off goroutine stacks); Go's full
// happy-eyeballs dialing (races IPv4 against IPv6; sequential attempts are enough here).
#include "net/sockaddr.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstring>

#include "goro/runtime.hpp"

namespace goro::net::detail {

namespace {

struct HostPort {
  std::string_view host;
  std::string_view port;
};

// Go: net.SplitHostPort.
Result<HostPort> split_host_port(std::string_view address) {
  std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return Errc::invalid_address;  // missing port
  HostPort hp{address.substr(0, colon), address.substr(colon + 1)};
  if (!hp.host.empty() && hp.host.front() == '[') {
    if (hp.host.back() != ']') return Errc::invalid_address;
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  } else if (hp.host.find(':') != std::string_view::npos) {
    return Errc::invalid_address;  // too many colons: an IPv6 literal needs brackets
  }
  if (hp.host.find_first_of("[]") != std::string_view::npos) return Errc::invalid_address;
  return hp;
}

// A numeric port, or -1 if `port` is not a number in range.
int numeric_port(std::string_view port) {
  int value = -1;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value < 0 || value > 65535) {
    return -1;
  }
  return value;
}

SockAddr make_ip4(const in_addr& ip, int port) {
  SockAddr a;
  auto* sin = reinterpret_cast<sockaddr_in*>(&a.storage);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(static_cast<std::uint16_t>(port));
  sin->sin_addr = ip;
  a.len = sizeof(sockaddr_in);
  return a;
}

SockAddr make_ip6(const in6_addr& ip, std::uint32_t scope, int port) {
  SockAddr a;
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(static_cast<std::uint16_t>(port));
  sin6->sin6_addr = ip;
  sin6->sin6_scope_id = scope;
  a.len = sizeof(sockaddr_in6);
  return a;
}

// Parses an IP literal (IPv6 may carry a "%zone"); false if `host` is not one.
bool parse_ip_literal(const std::string& host, int port, SockAddr* out) {
  in_addr ip4;
  if (inet_pton(AF_INET, host.c_str(), &ip4) == 1) {
    *out = make_ip4(ip4, port);
    return true;
  }
  std::string addr = host;
  std::uint32_t scope = 0;
  if (std::size_t pct = host.find('%'); pct != std::string::npos) {
    addr = host.substr(0, pct);
    std::string zone = host.substr(pct + 1);
    scope = if_nametoindex(zone.c_str());
    if (scope == 0) std::from_chars(zone.data(), zone.data() + zone.size(), scope);
  }
  in6_addr ip6;
  if (inet_pton(AF_INET6, addr.c_str(), &ip6) != 1) return false;
  *out = make_ip6(ip6, scope, port);
  return true;
}

bool kernel_has_ipv6() {
  static const bool has = [] {
    int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    ::close(fd);
    return true;
  }();
  return has;
}

bool family_fits(const Network& network, int family) {
  return network.family == AF_UNSPEC || network.family == family;
}

Result<std::vector<SockAddr>> resolve_unix(std::string_view path) {
  SockAddr a;
  auto* sun = reinterpret_cast<sockaddr_un*>(&a.storage);
  sun->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(sun->sun_path)) return Errc::invalid_address;
  std::memcpy(sun->sun_path, path.data(), path.size());
  if (path.front() == '@') sun->sun_path[0] = '\0';  // abstract namespace: no trailing NUL
  a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() +
                                 (path.front() == '@' ? 0 : 1));
  return std::vector<SockAddr>{a};
}

// The address used for an empty host: the wildcard when listening, the local system when
// dialing.
std::vector<SockAddr> empty_host(const Network& network, int port, bool passive) {
  const bool v6 =
      network.family == AF_INET6 || (network.family == AF_UNSPEC && passive && kernel_has_ipv6());
  if (v6) return {make_ip6(passive ? in6addr_any : in6addr_loopback, 0, port)};
  in_addr ip{htonl(passive ? INADDR_ANY : INADDR_LOOPBACK)};
  return {make_ip4(ip, port)};
}

Result<std::vector<SockAddr>> lookup(const Network& network, const std::string& host,
                                     const std::string& port, bool passive) {
  addrinfo hints{};
  hints.ai_family = network.family;
  hints.ai_socktype = network.sotype;
  hints.ai_flags = AI_ADDRCONFIG;
  if (host.empty()) hints.ai_flags |= AI_PASSIVE;
  addrinfo* list = nullptr;
  int rc = goro::blocking([&] {
    return ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &list);
  });
  if (rc == EAI_SYSTEM) return std::error_code(errno, std::system_category());
  if (rc != 0) return Errc::host_not_found;
  std::vector<SockAddr> out;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
        ai->ai_addrlen > sizeof(sockaddr_storage))
      continue;
    SockAddr a;
    std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
    a.len = ai->ai_addrlen;
    out.push_back(a);
  }
  ::freeaddrinfo(list);
  if (out.empty()) return Errc::host_not_found;
  if (passive) {
    // Go listens on a name's first IPv4 address when it has one.
    for (const SockAddr& a : out) {
      if (a.family() == AF_INET) return std::vector<SockAddr>{a};
    }
    out.resize(1);
  }
  return out;
}

}  // namespace

Result<Network> parse_network(std::string_view network) {
  struct Entry {
    std::string_view name;
    Network network;
  };
  static constexpr Entry kNetworks[] = {
      {"tcp", {AF_UNSPEC, SOCK_STREAM}}, {"tcp4", {AF_INET, SOCK_STREAM}},
      {"tcp6", {AF_INET6, SOCK_STREAM}}, {"udp", {AF_UNSPEC, SOCK_DGRAM}},
      {"udp4", {AF_INET, SOCK_DGRAM}},   {"udp6", {AF_INET6, SOCK_DGRAM}},
      {"unix", {AF_UNIX, SOCK_STREAM}},  {"unixgram", {AF_UNIX, SOCK_DGRAM}},
  };
  for (const Entry& e : kNetworks) {
    if (e.name == network) return e.network;
  }
  return Errc::unknown_network;
}

std::string format_addr(const SockAddr& addr) {
  char ip[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
  switch (addr.len == 0 ? AF_UNSPEC : addr.family()) {
    case AF_INET: {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(&addr.storage);
      inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
      return std::string(ip) + ":" + std::to_string(ntohs(sin->sin_port));
    }
    case AF_INET6: {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&addr.storage);
      const int port = ntohs(sin6->sin6_port);
      if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
        inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], ip, sizeof(ip));
        return std::string(ip) + ":" + std::to_string(port);
      }
      inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
      std::string out = std::string("[") + ip;
      if (sin6->sin6_scope_id != 0) {
        char zone[IF_NAMESIZE];
        out += '%';
        out += if_indextoname(sin6->sin6_scope_id, zone) ? std::string(zone)
                                                         : std::to_string(sin6->sin6_scope_id);
      }
      return out + "]:" + std::to_string(port);
    }
    case AF_UNIX: {
      const auto* sun = reinterpret_cast<const sockaddr_un*>(&addr.storage);
      std::size_t n = addr.len - offsetof(sockaddr_un, sun_path);
      if (n == 0) return "";
      if (sun->sun_path[0] == '\0') return "@" + std::string(sun->sun_path + 1, n - 1);
      return std::string(sun->sun_path, strnlen(sun->sun_path, n));
    }
    default:
      return "";
  }
}

Result<std::vector<SockAddr>> resolve(const Network& network, std::string_view address,
                                      bool passive) {
  if (!network.ip()) return resolve_unix(address);
  auto hp = split_host_port(address);
  if (!hp) return hp.error();
  const std::string host(hp->host);
  const std::string service(hp->port);
  int port = numeric_port(service);
  if (port < 0) {
    if (service.empty()) return Errc::invalid_address;
    return lookup(network, host, service, passive);  // a service name ("http")
  }
  if (host.empty()) return empty_host(network, port, passive);
  SockAddr literal;
  if (parse_ip_literal(host, port, &literal)) {
    if (!family_fits(network, literal.family())) return Errc::invalid_address;
    // Go listens on both families for "tcp"/"udp" on 0.0.0.0, as for an empty host.
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&literal.storage);
    if (passive && network.family == AF_UNSPEC && literal.family() == AF_INET &&
        sin->sin_addr.s_addr == htonl(INADDR_ANY)) {
      return empty_host(network, port, passive);
    }
    return std::vector<SockAddr>{literal};
  }
  return lookup(network, host, service, passive);
}

}  // namespace goro::net::detail
