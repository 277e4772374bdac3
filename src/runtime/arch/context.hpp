// arch/context.hpp — the machine-level context switch, fenced off from the scheduler
// (Go: the gogo/mcall assembly in asm_amd64.s and asm_arm64.s).
//
// A context is just a saved stack pointer: goro_switch pushes the callee-saved registers and
// the return address on the current stack, stores the stack pointer, loads the other one and
// pops. Everything caller-saved is already spilled by the compiler at the call, so this is the
// least a switch can do (about 15 instructions).
//
// Rejected alternatives, measured on the 2-vCPU dev VM (build-bench/bench/goro_micro
// --benchmark_filter=Switch, one switch each way; 2026-11-27): ours 2.5 ns, Boost.Context's
// jump_fcontext 4.7 ns, glibc swapcontext 161 ns.
//  * ucontext (swapcontext): a sigprocmask system call per switch.
//  * Boost.Context fcontext: same idea, but also saves/restores the x87 control word and MXCSR
//    on every switch and returns a transfer record; ours keeps the floating-point environment
//    per thread (goroutines must not change rounding modes). Ours also resumes with pop + jmp,
//    not ret: the return predictor is always wrong across contexts.
//
// Sanitizers: ASan must be told which stack is current (__sanitizer_start/finish_switch_fiber)
// or it reports false stack-buffer overflows after a switch; TSan keeps a shadow state per fiber
// (__tsan_create/switch_to_fiber). SanitizerFiber holds that state; the hooks compile to nothing
// in normal builds.
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define GORO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GORO_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define GORO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GORO_TSAN 1
#endif
#endif

#if GORO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if GORO_TSAN
#include <sanitizer/tsan_interface.h>
#endif

extern "C" {
// Saves the current context into *save_sp and resumes the context whose stack pointer is
// `resume_sp`. Returns when something switches back to *save_sp.
void goro_switch(void** save_sp, void* resume_sp);
// First instruction of a new context: calls goro_context_entry(arg) with the value prepared by
// Context::prepare and never returns.
void goro_context_trampoline();
}

namespace goro::rt::arch {

struct Context {
  void* sp = nullptr;

  // Prepares a fresh context on the stack [stack_lo, stack_hi) that, when switched to, calls
  // entry(arg). entry must never return.
  void prepare(void* stack_hi, void (*entry)(void*), void* arg);
};

// Per-context sanitizer state (empty in normal builds).
struct SanitizerFiber {
#if GORO_ASAN
  void* fake_stack = nullptr;
  const void* stack_lo = nullptr;  // for the target of a switch
  std::size_t stack_size = 0;
#endif
#if GORO_TSAN
  void* tsan_fiber = nullptr;
  bool owns_tsan_fiber = false;
#endif
};

// Called right before goro_switch away from `from` to `to`. `from_exits` when the current
// context will never be resumed (its fake stack can be freed).
inline void sanitizer_before_switch(SanitizerFiber& from, SanitizerFiber& to, bool from_exits) {
#if GORO_ASAN
  __sanitizer_start_switch_fiber(from_exits ? nullptr : &from.fake_stack, to.stack_lo,
                                 to.stack_size);
#endif
#if GORO_TSAN
  __tsan_switch_to_fiber(to.tsan_fiber, 0);
#endif
  (void)from;
  (void)to;
  (void)from_exits;
}

// Called first thing after a switch lands in `self` (also at a new context's first entry).
inline void sanitizer_after_switch(SanitizerFiber& self) {
#if GORO_ASAN
  __sanitizer_finish_switch_fiber(self.fake_stack, nullptr, nullptr);
#endif
  (void)self;
}

// Sets up `fiber` for a goroutine stack [lo, lo + size).
inline void sanitizer_fiber_init(SanitizerFiber& fiber, void* lo, std::size_t size) {
#if GORO_ASAN
  // A reused stack still carries the shadow of frames that never returned (the previous
  // goroutine's last switch); g++'s ASan does not clear it for new locals.
  __asan_unpoison_memory_region(lo, size);
  fiber.stack_lo = lo;
  fiber.stack_size = size;
#endif
#if GORO_TSAN
  if (!fiber.tsan_fiber) {
    fiber.tsan_fiber = __tsan_create_fiber(0);
    fiber.owns_tsan_fiber = true;
  }
#endif
  (void)fiber;
  (void)lo;
  (void)size;
}

// Sets up `fiber` for the calling OS thread's own stack (an M's scheduler context).
void sanitizer_thread_fiber_init(SanitizerFiber& fiber);

inline void sanitizer_fiber_destroy(SanitizerFiber& fiber) {
#if GORO_TSAN
  if (fiber.owns_tsan_fiber) __tsan_destroy_fiber(fiber.tsan_fiber);
  fiber.tsan_fiber = nullptr;
  fiber.owns_tsan_fiber = false;
#endif
  (void)fiber;
}

}  // namespace goro::rt::arch
