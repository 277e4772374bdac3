// hello: the smallest goro program — goroutines reporting back over a channel.
#include <goro/goro.hpp>

#include <cstdio>

int main() {
  return goro::run([] {
    goro::Chan<int> done(0);
    for (int i = 0; i < 4; i++) {
      goro::go([done, i]() mutable {
        std::printf("hello from goroutine %lld (worker %d)\n",
                    static_cast<long long>(goro::goroutine_id()), i);
        done.send(i);
      });
    }
    int sum = 0;
    for (int i = 0; i < 4; i++) sum += *done.recv();
    std::printf("all 4 workers reported (sum %d), GOMAXPROCS=%d\n", sum, goro::gomaxprocs(0));
  });
}
