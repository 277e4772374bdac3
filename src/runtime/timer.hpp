// timer.hpp — the runtime's timers (Go: runtime/time.go). See timer.cpp for the design.
//
// A Timer lives in the 4-ary heap of one P. When it fires, `fn(arg, seq, delay_ns)` runs on a
// scheduler stack of whichever M is servicing that P's timers: it must not block, park or throw
// (typically it readies a goroutine, does a non-blocking channel send, or spawns a goroutine).
// Timers are not owned by the runtime: the caller keeps the Timer alive until timer_stop returns
// or, for a one-shot timer, until `fn` has returned.
#pragma once

#include <atomic>
#include <cstdint>

namespace goro::rt {

struct P;

struct Timer {
  std::int64_t when = 0;    // nanotime() at which to fire
  std::int64_t period = 0;  // > 0: re-armed at when + period after each firing (tickers)
  void (*fn)(void* arg, std::uintptr_t seq, std::int64_t delay_ns) = nullptr;
  void* arg = nullptr;
  std::uintptr_t seq = 0;

  // Owned by timer.cpp.
  std::atomic<P*> owner{nullptr};  // heap holding it; nullptr when not pending
  std::int32_t heap_index = -1;
  std::atomic<std::uint32_t> running{0};  // fn executing (timer_stop can wait on it)
};

// Starts t (t->when, fn, arg, seq set). REQUIRES: t is not pending.
void timer_add(Timer* t);
// Stops t. Returns true if it was pending (so it will not fire), false if it already fired or
// was stopped. Does not wait for a running fn.
bool timer_stop(Timer* t);
// Waits until no fn call of t is in progress; after timer_stop, call this before freeing t.
void timer_sync(Timer* t);
// Changes when t fires (and its period), starting it if stopped; returns whether it was pending.
bool timer_reset(Timer* t, std::int64_t when, std::int64_t period);

}  // namespace goro::rt
