// goro/goro.hpp — the umbrella header: Go's runtime as a C++ library.
//
//   #include <goro/goro.hpp>
//   int main() {
//     return goro::run([] {
//       goro::Chan<int> ch(0);
//       goro::go([ch]() mutable { ch.send(42); });
//       std::printf("%d\n", *ch.recv());
//     });
//   }
#pragma once

#include "goro/chan.hpp"
#include "goro/context.hpp"
#include "goro/errgroup.hpp"
#include "goro/io.hpp"
#include "goro/local.hpp"
#include "goro/net.hpp"
#include "goro/panic.hpp"
#include "goro/result.hpp"
#include "goro/runtime.hpp"
#include "goro/select.hpp"
#include "goro/sync.hpp"
#include "goro/time.hpp"
