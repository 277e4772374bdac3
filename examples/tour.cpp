// tour: the README's API tour as a program — channels, WaitGroup, range, select with a context
// and a timer, and a blocking call.
#include <goro/goro.hpp>

#include <chrono>
#include <cstdio>

int main() {
  return goro::run([] {
    goro::Chan<int> results(16);  // buffered channel (0 = unbuffered)
    goro::WaitGroup wg;
    for (int i = 0; i < 10; i++) {
      wg.add(1);
      goro::go([=, &wg]() mutable {  // like `go f()`: no heap allocation
        results.send(i * i);
        wg.done();
      });
    }
    goro::go([&] {
      wg.wait();
      results.close();
    });
    int sum = 0;
    for (int v : results) sum += v;  // range until closed
    auto [ctx, cancel] = goro::with_timeout(goro::background(), std::chrono::milliseconds(50));
    std::size_t which =
        goro::select(goro::recv_case(ctx.done(), [](auto) {}),
                     goro::recv_case(goro::after(std::chrono::seconds(1)), [](auto) {}));
    cancel();
    std::FILE* file = goro::blocking([] { return std::fopen("/etc/hostname", "r"); });
    if (file) std::fclose(file);
    std::printf("sum of squares %d; select chose case %zu (the context's deadline)\n", sum, which);
  });
}
