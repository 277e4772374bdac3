// stack.hpp — goroutine stacks (Go: runtime/stack.go). See stack.cpp for the design.
#pragma once

#include <cstddef>
#include <cstdint>

namespace goro::rt {

struct Stack {
  char* lo = nullptr;    // lowest usable address (just above the guard page or the canary)
  char* hi = nullptr;    // one past the highest address; the stack grows down from here
  bool guarded = false;  // a guard page (any access faults) lies just below lo
  bool canary = false;   // no guard page: the kCanaryBytes below lo must stay zero

  std::size_t size() const { return static_cast<std::size_t>(hi - lo); }
  bool empty() const { return lo == nullptr; }
};

constexpr std::size_t kCanaryBytes = 64;

// The default usable stack size (GORO_STACK_SIZE in bytes, else 256 KiB), page-rounded.
std::size_t default_stack_size();

// Returns a stack of at least `size` usable bytes, from a cache when one is free.
// Never returns an empty stack: it dies with "fatal error: out of memory allocating stack".
Stack stack_alloc(std::size_t size);
// Gives n stacks back to the caches; they may be reused by the next stack_alloc.
void stack_free(const Stack* stacks, std::size_t n);
// Moves up to n free stacks of `size` usable bytes whose pages are still committed into out,
// most recently freed first; returns how many. Never maps memory.
std::size_t stack_take_cached(std::size_t size, Stack* out, std::size_t n);

// Returns to the OS the pages of cached stacks that stayed unused since the previous call,
// beyond a reserve. Called by sysmon about once a second.
void stack_scavenge();

// True if an unguarded stack's canary was overwritten (a stack overflow).
bool stack_canary_broken(const Stack& stack);

// If `addr` lies in the guard page of `stack`.
bool stack_guard_contains(const Stack& stack, const void* addr);

// Statistics for schedtrace and tests.
struct StackStats {
  std::size_t guarded_mapped;    // stacks with a guard page that exist (free or in use)
  std::size_t unguarded_mapped;  // stacks that rely on a canary
  std::size_t cached_hot;        // free stacks whose pages are still committed
  std::size_t cached_cold;       // free stacks returned to the OS with madvise
  std::size_t fresh;             // free stacks carved from a chunk, never used
  bool guard_regions;            // guards are MADV_GUARD_INSTALL regions (no budget applies)
  std::size_t guard_budget;      // mprotect guards: guarded stacks allowed before canaries
};
StackStats stack_stats();

// Makes every later chunk use mprotect guards and canaries, as on kernels without guard regions,
// with room for `budget` guarded stacks. For tests of that path: call before goro::run.
void stack_use_mprotect_guards(std::size_t budget);

}  // namespace goro::rt
