// tests/install/main.cpp — the smallest consumer of goro built outside goro's own tree: checks
// that goro::goro from find_package(goro) (installed) or add_subdirectory compiles and links
// (static library plus its private libunwind/libdw) and runs goroutines and a channel.
#include <goro/goro.hpp>

#include <cstdio>

int main() {
  int sum = 0;
  int rc = goro::run([&sum] {
    goro::Chan<int> ch(0);
    for (int i = 1; i <= 10; i++) goro::go([ch, i]() mutable { ch.send(i); });
    for (int i = 0; i < 10; i++) sum += *ch.recv();
  });
  if (rc != 0 || sum != 55) {
    std::fprintf(stderr, "consumer: run returned %d, sum %d (expected 0, 55)\n", rc, sum);
    return 1;
  }
  std::printf("consumer: ok (sum %d)\n", sum);
  return 0;
}
