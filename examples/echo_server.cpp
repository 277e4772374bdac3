// echo_server — the "echo" workload's server (anchor: shared/anchors/go/echoserver/main.go).
//
// One goroutine per accepted connection, a 4 KiB read buffer, every byte read is written back;
// TCP_NODELAY is on (goro::net's default, like Go's). Prints "listening <host:port>" as its
// first stdout line once it accepts connections, then serves until killed. GOMAXPROCS from the
// environment sets the number of Ps.
//
// Usage: GOMAXPROCS=1 echo_server -addr 127.0.0.1:0
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "goro/net.hpp"
#include "goro/runtime.hpp"
#include "goro/time.hpp"

namespace {

void serve(goro::net::Conn c) {
  std::array<char, 4096> buf;
  for (;;) {
    auto n = c.read(buf);
    if (!n) break;
    if (!c.write(std::span(buf.data(), *n))) break;
  }
  (void)c.close();
}

int usage(const char* why) {
  std::fprintf(stderr, "echo_server: %s\nusage: echo_server [-addr host:port]\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string addr = "127.0.0.1:0";  // port 0 picks a free port
  for (int i = 1; i < argc; i++) {
    std::string_view arg = argv[i];
    if (arg.starts_with("--")) arg.remove_prefix(1);  // Go's flag package accepts both
    if (arg == "-addr" && i + 1 < argc) {
      addr = argv[++i];
    } else if (arg.starts_with("-addr=")) {
      addr = arg.substr(6);
    } else {
      return usage(("unknown flag " + std::string(arg)).c_str());
    }
  }
  return goro::run([&]() -> int {
    auto ln = goro::net::listen("tcp", addr);
    if (!ln) {
      std::fprintf(stderr, "echo_server: %s\n", ln.error().message().c_str());
      return 1;
    }
    std::printf("listening %s\n", ln->addr().c_str());
    std::fflush(stdout);
    for (;;) {
      auto c = ln->accept();
      if (!c) {
        std::fprintf(stderr, "echo_server: accept: %s\n", c.error().message().c_str());
        goro::sleep(std::chrono::milliseconds(10));
        continue;
      }
      goro::go([c = std::move(*c)]() mutable { serve(std::move(c)); });
    }
  });
}
