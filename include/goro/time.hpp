// goro/time.hpp — sleeping, timers and tickers for goroutines (Go: package time's Sleep, After,
// NewTimer, AfterFunc, NewTicker; runtime/time.go underneath).
//
// Time is the monotonic clock (std::chrono::steady_clock, which on Linux is CLOCK_MONOTONIC like
// the runtime's nanotime), so deadlines are immune to wall-clock changes. Durations are
// std::chrono::nanoseconds; any integer std::chrono duration converts implicitly.
//
// Everything here is driven by the runtime's per-P timer heaps (src/runtime/timer.cpp): a
// sleeping goroutine parks on its own timer, and Timer/Ticker deliver into a channel with
// capacity 1 by a non-blocking send from the timer callback, exactly like Go before 1.23:
//  * Timer: one value when it expires. stop() does not drain the channel, so to reuse a timer
//    whose value may be pending, do `if (!t.stop()) t.c().try_recv();` before reset().
//  * Ticker: a value every period; a receiver that falls behind finds one tick waiting and the
//    rest dropped, never a backlog.
// A guarantee shared by all of them: nothing fires early. A timer for d fires when the monotonic
// clock has advanced by at least d (and usually very little more).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "goro/chan.hpp"

namespace goro {

using Clock = std::chrono::steady_clock;
using Time = Clock::time_point;
using Duration = std::chrono::nanoseconds;

// The current time on goro's clock.
Time now();

// Parks the calling goroutine for at least d (Go: time.Sleep). d <= 0 returns at once.
// REQUIRES: called by a goroutine.
void sleep(Duration d);

// A channel that receives the time once d has elapsed (Go: time.After). The timer cannot be
// stopped; prefer Timer when it should be (for example a timeout abandoned early in a loop).
Chan<Time> after(Duration d);

namespace detail {
struct TimerState;  // time.cpp

// The callback of an after_func timer, shared by every goroutine that runs it.
struct AfterFuncCallback {
  virtual ~AfterFuncCallback() = default;
  virtual void run() = 0;
};
template <class F>
struct AfterFuncCallbackFor final : AfterFuncCallback {
  explicit AfterFuncCallbackFor(F f) : f(std::move(f)) {}
  void run() override { f(); }
  F f;
};
}  // namespace detail

// A single event (Go: *time.Timer). Timer(d) sends the time on c() once d has elapsed;
// after_func(d, f) runs f in a new goroutine instead.
//
// The handle is move-only. Destroying it does NOT stop the timer (as in Go, where dropping an
// AfterFunc timer's handle does not cancel f): call stop() for that.
// REQUIRES: one goroutine at a time calls a given Timer's methods (c()'s channel itself may be
// used by any number).
class Timer {
 public:
  Timer() noexcept = default;  // no timer: every method but the destructor REQUIRES one
  explicit Timer(Duration d);
  Timer(Timer&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  Timer& operator=(Timer other) noexcept {
    std::swap(state_, other.state_);
    return *this;
  }
  ~Timer();

  // Whether this handle holds a timer (false when default-constructed or moved from).
  explicit operator bool() const noexcept { return state_ != nullptr; }

  // The channel the expiry time is sent on; the nil channel for an after_func timer.
  const Chan<Time>& c() const;

  // Prevents the timer from firing (Go: Stop). Returns true if that stopped it, false if it had
  // already expired or been stopped. When it returns false after expiry, the expiry has been
  // fully delivered: the value is in c() (unless received) or f's goroutine was started.
  bool stop();

  // Makes the timer expire after d from now (Go: Reset); returns true if it had been active.
  // Does not drain c(): see the header comment.
  bool reset(Duration d);

 private:
  template <class F>
  friend Timer after_func(Duration d, F&& f);
  static Timer start_after_func(Duration d, std::shared_ptr<detail::AfterFuncCallback> callback);

  detail::TimerState* state_ = nullptr;
};

// Calls f() in its own goroutine once d has elapsed (Go: time.AfterFunc); the returned Timer
// can stop or reset it, and its c() is the nil channel. After a reset, f runs again; each run
// is its own goroutine. f is moved into storage shared by the timer and those goroutines, so it
// lives as long as any of them needs it; a run calls it as an lvalue.
template <class F>
Timer after_func(Duration d, F&& f) {
  using Fn = std::decay_t<F>;
  return Timer::start_after_func(
      d, std::make_shared<detail::AfterFuncCallbackFor<Fn>>(Fn(std::forward<F>(f))));
}

// Delivers the time on c() every period (Go: *time.Ticker). The channel holds one tick: ticks
// are dropped for a slow receiver. Unlike Go's, destroying a Ticker stops it.
class Ticker {
 public:
  // REQUIRES: period > 0 (throws goro::Panic("non-positive interval for NewTicker")).
  explicit Ticker(Duration period);
  Ticker(Ticker&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  Ticker& operator=(Ticker other) noexcept {
    std::swap(state_, other.state_);
    return *this;
  }
  ~Ticker();

  const Chan<Time>& c() const;
  // Stops the ticks; a tick already in c() stays there (Go: Stop).
  void stop();
  // Stops and restarts with a new period; the next tick comes after `period` from now
  // (Go: Reset). REQUIRES: period > 0.
  void reset(Duration period);

 private:
  detail::TimerState* state_ = nullptr;
};

}  // namespace goro
