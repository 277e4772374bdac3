// test_util.hpp — helpers shared by the test binaries.
#pragma once

#include "goro/runtime.hpp"

namespace goro_test {

// Runs body as goroutine 1 of a fresh goro::run with GOMAXPROCS set to procs.
template <class F>
void run_with_procs(int procs, F body) {
  goro::run([&] {
    goro::gomaxprocs(procs);
    body();
  });
}

}  // namespace goro_test
