// goro/panic.hpp — Go-style panics.
//
// goro reports misuse the way Go does: a `goro::Panic` exception carrying Go's message (for
// example "send on closed channel"). Caught, it is an ordinary exception (Go: recover). If it
// escapes a goroutine, the program prints "panic: <message>" with a goroutine dump and exits with
// status 2, like any exception escaping a goroutine.
#pragma once

#include <stdexcept>
#include <string>

namespace goro {

class Panic : public std::runtime_error {
 public:
  explicit Panic(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace goro
