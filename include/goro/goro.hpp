// goro/goro.hpp — the umbrella header: Go's runtime as a C++ library.
//
//   #include <goro/goro.hpp>
//   int main() {
//     return goro::run([] {
//       goro::Chan<int> ch;
//       goro::go([ch]() mutable { ch.send(42); });
//       std::printf("%d\n", *ch.recv());
//     });
//   }
#pragma once

#include "goro/local.hpp"
#include "goro/panic.hpp"
#include "goro/runtime.hpp"
#if __has_include("goro/chan.hpp")
#include "goro/chan.hpp"
#endif
#if __has_include("goro/select.hpp")
#include "goro/select.hpp"
#endif
#if __has_include("goro/sync.hpp")
#include "goro/sync.hpp"
#endif
#if __has_include("goro/time.hpp")
#include "goro/time.hpp"
#endif
#if __has_include("goro/context.hpp")
#include "goro/context.hpp"
#endif
#if __has_include("goro/net.hpp")
#include "goro/net.hpp"
#endif
#if __has_include("goro/io.hpp")
#include "goro/io.hpp"
#endif
