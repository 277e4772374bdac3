// goro/runtime.hpp — goroutines and the scheduler (Go: the `go` statement, package runtime).
//
// goro runs goroutines M:N on a G-M-P work-stealing scheduler modelled on Go's runtime/proc.go.
// A goroutine is a function with its own stack; `goro::go` starts one and returns at once. The
// program's first goroutine is the function passed to `goro::run`.
//
// Rules for goroutine code (see docs/ARCHITECTURE.md, "Thread-local state"):
//  * A goroutine may resume on a different OS thread after any goro call that can block
//    (channel operations, locks, sleep, I/O, yield). Do not hold a `thread_local` reference, a
//    pthread/std::mutex or any thread-affine resource across such a call. Use
//    `goro::GoroutineLocal<T>` for per-goroutine state, goro::Mutex for locks, or pin the
//    goroutine with `lock_os_thread()`.
//  * Long blocking system calls or foreign calls belong inside `goro::blocking(f)` so that the
//    scheduler can hand this goroutine's P to another thread while it waits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

namespace goro {

// Options for a new goroutine (Go has none; these are for C++ code that needs deep stacks).
struct GoOptions {
  // Usable stack size in bytes; 0 takes the default (GORO_STACK_SIZE, else 256 KiB). The size is
  // reserved, not committed: pages are only backed by memory once touched.
  std::size_t stack_size = 0;
  // A label shown in goroutine dumps. Must outlive the goroutine (a string literal is typical).
  const char* name = nullptr;
};

namespace detail {
// A reserved goroutine whose closure is being constructed in place on its own stack.
struct SpawnSlot {
  void* g;
  void* closure;  // sizeof/alignof as requested; construct the closure here
};
using ClosureFn = void (*)(void* closure);
SpawnSlot spawn_begin(const GoOptions* options, std::size_t size, std::size_t align);
// Makes the goroutine runnable: `invoke` runs the closure and must destroy it.
void spawn_commit(SpawnSlot slot, ClosureFn invoke);
// Returns a reserved goroutine if constructing its closure threw.
void spawn_abort(SpawnSlot slot);
int run_main(ClosureFn invoke, void* closure);
void blocking_enter();
void blocking_exit();

template <class Fn>
void invoke_and_destroy(void* closure) {
  Fn* fn = static_cast<Fn*>(closure);
  struct Destroy {
    Fn* fn;
    ~Destroy() { fn->~Fn(); }
  } destroy{fn};
  (*fn)();
}
}  // namespace detail

// Starts the runtime, runs `main` as goroutine 1 and returns `main`'s result (0 for a void
// `main`) once it returns, like a Go program ends when main.main returns. GOMAXPROCS is read from
// the environment (default: the number of CPUs). Goroutines still blocked when `main` returns are
// abandoned, as in Go. REQUIRES: not called from a goroutine; at most one `run` at a time.
template <class F>
int run(F&& main) {
  using Fn = std::decay_t<F>;
  if constexpr (std::is_void_v<std::invoke_result_t<Fn&>>) {
    Fn fn(std::forward<F>(main));
    return detail::run_main([](void* p) { (*static_cast<Fn*>(p))(); }, &fn);
  } else {
    struct Frame {
      Fn fn;
      int result;
    } frame{Fn(std::forward<F>(main)), 0};
    return detail::run_main(
               [](void* p) {
                 auto* f = static_cast<Frame*>(p);
                 f->result = static_cast<int>(f->fn());
               },
               &frame) == 0
               ? frame.result
               : 2;
  }
}

// Starts `f` in a new goroutine (Go: `go f()`). `f` is moved onto the new goroutine's stack; no
// heap allocation. The new goroutine runs next on this P (Go's runnext). When this P's run queue
// is full, the caller then yields (unlike Go), so a spawning loop lets the goroutines it made
// run instead of piling them up (see sched.cpp). REQUIRES: inside `run`.
template <class F>
void go(const GoOptions& options, F&& f) {
  using Fn = std::decay_t<F>;
  detail::SpawnSlot slot = detail::spawn_begin(&options, sizeof(Fn), alignof(Fn));
  try {
    ::new (slot.closure) Fn(std::forward<F>(f));
  } catch (...) {
    detail::spawn_abort(slot);
    throw;
  }
  detail::spawn_commit(slot, &detail::invoke_and_destroy<Fn>);
}

template <class F>
void go(F&& f) {
  go(GoOptions{}, std::forward<F>(f));
}

// Yields the processor, letting other goroutines run (Go: runtime.Gosched). This goroutine goes
// to the global run queue and resumes later.
void yield();

// The current goroutine's id (1 for main); 0 when not called from a goroutine.
std::int64_t goroutine_id();

// The number of goroutines that currently exist (Go: runtime.NumGoroutine).
std::int64_t num_goroutine();

// Sets the number of Ps (threads running goroutine code at once) and returns the previous
// setting; n <= 0 only queries (Go: runtime.GOMAXPROCS).
int gomaxprocs(int n);

// Wires the calling goroutine to its current OS thread: it runs only there, and no other
// goroutine runs there, until as many unlock_os_thread calls as lock_os_thread calls
// (Go: runtime.LockOSThread).
void lock_os_thread();
void unlock_os_thread();

// Runs `f`, a call that may block its OS thread (file I/O, getaddrinfo, a foreign library),
// without stalling the scheduler: if it lasts more than ~20 us, sysmon hands this goroutine's P
// to another thread; when `f` returns, the goroutine takes a P again or waits for one (Go: the
// entersyscall/exitsyscall protocol). `f` must not call goro functions that can block.
template <class F>
decltype(auto) blocking(F&& f) {
  struct Exit {
    ~Exit() { detail::blocking_exit(); }
  };
  detail::blocking_enter();
  Exit exit;
  return std::forward<F>(f)();
}

// Writes every goroutine in Go's traceback format: "goroutine 7 [chan receive, 2 minutes]:",
// its stack (symbolized) and "created by ...". Also printed on SIGQUIT.
void dump_goroutines(std::ostream& out);

// Gives the goroutine a name shown in dumps (must outlive the goroutine).
void set_goroutine_name(const char* name);

}  // namespace goro
