// arch/context.cpp — building fresh contexts for arch/switch_*.S. See context.hpp.
#include "runtime/arch/context.hpp"

#include <pthread.h>

#include <cstdint>
#include <cstring>

namespace goro::rt::arch {

void Context::prepare(void* stack_hi, void (*entry)(void*), void* arg) {
  auto top = reinterpret_cast<std::uintptr_t>(stack_hi) & ~std::uintptr_t{15};
#if defined(__x86_64__)
  // After `ret` pops the trampoline's address the stack pointer must be 16-byte aligned
  // (frame + 56 == top - 16), so the trampoline's `call` gives entry the alignment the ABI
  // promises.
  auto* frame = reinterpret_cast<void**>(top - 72);
  frame[0] = nullptr;                                         // r15
  frame[1] = nullptr;                                         // r14
  frame[2] = arg;                                             // r13
  frame[3] = reinterpret_cast<void*>(entry);                  // r12
  frame[4] = nullptr;                                         // rbx
  frame[5] = nullptr;                                         // rbp: ends frame-pointer chains
  frame[6] = reinterpret_cast<void*>(&goro_context_trampoline);  // return address
  frame[7] = nullptr;
  sp = frame;
#elif defined(__aarch64__)
  auto* frame = reinterpret_cast<void**>(top - 176);
  std::memset(frame, 0, 176);
  frame[0] = reinterpret_cast<void*>(entry);                     // x19
  frame[1] = arg;                                                // x20
  frame[11] = reinterpret_cast<void*>(&goro_context_trampoline);  // x30
  sp = frame;
#else
#error "goro: no context switch for this architecture"
#endif
}

void sanitizer_thread_fiber_init(SanitizerFiber& fiber) {
#if GORO_ASAN
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* lo = nullptr;
    std::size_t size = 0;
    pthread_attr_getstack(&attr, &lo, &size);
    pthread_attr_destroy(&attr);
    fiber.stack_lo = lo;
    fiber.stack_size = size;
  }
#endif
#if GORO_TSAN
  fiber.tsan_fiber = __tsan_get_current_fiber();
  fiber.owns_tsan_fiber = false;
#endif
  (void)fiber;
}

}  // namespace goro::rt::arch
