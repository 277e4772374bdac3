// tests/arch/switch_test.cpp — checks the bare context switch (arch/switch_*.S and
// Context::prepare in arch/context.cpp) with nothing else of the runtime and no GoogleTest, so
// that it also cross-builds for AArch64 with only a cross compiler and runs under qemu-user
// (scripts/check-aarch64.sh). On the host it runs in CTest as arch_switch_test. It checks:
//  * a fresh context receives its argument, starts on a 16-byte-aligned stack (even when the
//    stack top handed to prepare is not aligned), on its own stack;
//  * switching back and forth many times preserves every callee-saved register (x86-64: rbx,
//    rbp, r12-r15; AArch64: x19-x28, x29, d8-d15): each side keeps many integer and floating-point
//    values live across the switch while the other side fills those registers with garbage;
//  * floating point works in a fresh context and after switches (the FP environment is intact);
//  * contexts switch directly among each other (a ring), not only to and from main.
// Exits non-zero with a message on the first failure.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include <sys/mman.h>

#include "runtime/arch/context.hpp"

namespace {

using goro::rt::arch::Context;
using goro::rt::arch::SanitizerFiber;

int failures = 0;

#define CHECK(cond, ...)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                            \
      std::fprintf(stderr, "\n");                                                   \
      if (++failures > 20) std::exit(1);                                            \
    }                                                                               \
  } while (0)

// One context: a stack of its own (or the thread's, for main) plus sanitizer bookkeeping.
struct Coro {
  Context ctx;
  SanitizerFiber fiber;
  unsigned char* stack = nullptr;
  std::size_t stack_size = 0;
};

Coro main_coro;

void switch_to(Coro& from, Coro& to) {
  goro::rt::arch::sanitizer_before_switch(from.fiber, to.fiber, false);
  goro_switch(&from.ctx.sp, to.ctx.sp);
  goro::rt::arch::sanitizer_after_switch(from.fiber);
}

// `misalign` shifts the stack top handed to prepare off 16-byte alignment.
void start(Coro& c, void (*entry)(void*), void* arg, std::size_t misalign = 0) {
  // A fresh mapping each time (never freed: the test is short), set up the way the runtime
  // sets up goroutine stacks.
  c.stack_size = 64 * 1024;
  void* mem =
      mmap(nullptr, c.stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    std::perror("mmap");
    std::exit(1);
  }
  c.stack = static_cast<unsigned char*>(mem);
  goro::rt::arch::sanitizer_fiber_init(c.fiber, c.stack, c.stack_size - misalign);
  c.ctx.prepare(c.stack + c.stack_size - misalign, entry, arg);
}

// Every fresh context begins here (sanitizer_after_switch is the first thing a new context does
// in the runtime too).
#define ENTER(self) goro::rt::arch::sanitizer_after_switch((self).fiber)

// Overwrites every callee-saved register with garbage. The compiler saves them in this frame's
// prologue and restores them only when the function returns, so for as long as the caller of
// this function keeps switching, the registers the other side sees after its switch returns are
// whatever goro_switch restored, not what the compiler left there.
[[gnu::noinline]] void clobber_callee_saved(std::uint64_t garbage) {
#if defined(__x86_64__)
  asm volatile(
      "movq %0, %%rbx\n\tmovq %0, %%r12\n\tmovq %0, %%r13\n\t"
      "movq %0, %%r14\n\tmovq %0, %%r15\n\t"
      :
      : "r"(garbage)
      : "rbx", "r12", "r13", "r14", "r15");
#elif defined(__aarch64__)
  asm volatile(
      "mov x19, %0\n\tmov x20, %0\n\tmov x21, %0\n\tmov x22, %0\n\tmov x23, %0\n\t"
      "mov x24, %0\n\tmov x25, %0\n\tmov x26, %0\n\tmov x27, %0\n\tmov x28, %0\n\t"
      "fmov d8, %0\n\tfmov d9, %0\n\tfmov d10, %0\n\tfmov d11, %0\n\t"
      "fmov d12, %0\n\tfmov d13, %0\n\tfmov d14, %0\n\tfmov d15, %0\n\t"
      :
      : "r"(garbage)
      : "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "d8", "d9", "d10",
        "d11", "d12", "d13", "d14", "d15");
#endif
}

// A switch where the registers are set explicitly in assembly right before goro_switch and read
// right after, so that nothing but goro_switch can have preserved them (the compiler-driven
// test below depends on which registers the compiler picks).
struct RegSnapshot {
  std::uint64_t x[12];  // x86-64: rbx rbp r12-r15; AArch64: x19-x29
  std::uint64_t d[8];   // AArch64: d8-d15 (bits)
};

[[gnu::noinline]] void switch_with_known_registers(Coro& from, Coro& to, std::uint64_t seed,
                                                   RegSnapshot& out) {
  goro::rt::arch::sanitizer_before_switch(from.fiber, to.fiber, false);
#if defined(__x86_64__)
  register void** rdi asm("rdi") = &from.ctx.sp;
  register void* rsi asm("rsi") = to.ctx.sp;
  // Every other register is clobbered: the operands come through memory.
  struct {
    std::uint64_t seed;
    RegSnapshot* out;
  } in{seed, &out};
  register void* rdx asm("rdx") = &in;
  // Steps over the red zone, aligns the stack for the call and saves rbp by hand (it may be the
  // frame pointer and then cannot be named as a clobber); rbp is loaded last in case the
  // compiler put an operand there.
  asm volatile(
      "movq 0(%%rdx), %%rcx\n\t"
      "movq %%rsp, %%rax\n\t"
      "subq $128, %%rsp\n\t"
      "andq $-16, %%rsp\n\t"
      "pushq %%rax\n\tpushq %%rbp\n\tpushq 8(%%rdx)\n\tpushq %%rax\n\t"
      "leaq 1(%%rcx), %%rbx\n\tleaq 3(%%rcx), %%r12\n\tleaq 4(%%rcx), %%r13\n\t"
      "leaq 5(%%rcx), %%r14\n\tleaq 6(%%rcx), %%r15\n\tleaq 2(%%rcx), %%rbp\n\t"
      "callq goro_switch\n\t"
      "movq 8(%%rsp), %%rax\n\t"
      "movq %%rbx, 0(%%rax)\n\tmovq %%rbp, 8(%%rax)\n\tmovq %%r12, 16(%%rax)\n\t"
      "movq %%r13, 24(%%rax)\n\tmovq %%r14, 32(%%rax)\n\tmovq %%r15, 40(%%rax)\n\t"
      "movq 16(%%rsp), %%rbp\n\t"
      "movq 24(%%rsp), %%rsp\n\t"
      : "+r"(rdi), "+r"(rsi), "+r"(rdx)
      :  // `in` is read through rdx; the "memory" clobber orders its stores before the asm
      : "rax", "rbx", "rcx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "memory", "cc",
        "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
#elif defined(__aarch64__)
  register void** x0 asm("x0") = &from.ctx.sp;
  register void* x1 asm("x1") = to.ctx.sp;
  register RegSnapshot* x2 asm("x2") = &out;
  register std::uint64_t x3 asm("x3") = seed;
  // x29 cannot be named as a clobber; save it (and x2, the output pointer) by hand.
  asm volatile(
      "stp x29, x2, [sp, #-16]!\n\t"
      "add x19, x3, #1\n\tadd x20, x3, #2\n\tadd x21, x3, #3\n\tadd x22, x3, #4\n\t"
      "add x23, x3, #5\n\tadd x24, x3, #6\n\tadd x25, x3, #7\n\tadd x26, x3, #8\n\t"
      "add x27, x3, #9\n\tadd x28, x3, #10\n\tadd x29, x3, #11\n\t"
      "add x4, x3, #12\n\tfmov d8, x4\n\tadd x4, x3, #13\n\tfmov d9, x4\n\t"
      "add x4, x3, #14\n\tfmov d10, x4\n\tadd x4, x3, #15\n\tfmov d11, x4\n\t"
      "add x4, x3, #16\n\tfmov d12, x4\n\tadd x4, x3, #17\n\tfmov d13, x4\n\t"
      "add x4, x3, #18\n\tfmov d14, x4\n\tadd x4, x3, #19\n\tfmov d15, x4\n\t"
      "bl goro_switch\n\t"
      "ldr x2, [sp, #8]\n\t"
      "stp x19, x20, [x2, #0]\n\tstp x21, x22, [x2, #16]\n\tstp x23, x24, [x2, #32]\n\t"
      "stp x25, x26, [x2, #48]\n\tstp x27, x28, [x2, #64]\n\tstr x29, [x2, #80]\n\t"
      "stp d8, d9, [x2, #96]\n\tstp d10, d11, [x2, #112]\n\t"
      "stp d12, d13, [x2, #128]\n\tstp d14, d15, [x2, #144]\n\t"
      "ldr x29, [sp], #16\n\t"
      : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
      :
      : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
        "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x30", "memory", "cc",
        "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13",
        "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26",
        "v27", "v28", "v29", "v30", "v31");
#endif
  goro::rt::arch::sanitizer_after_switch(from.fiber);
}

// --- fresh context: argument, alignment, frame-pointer chain ---------------------------------

struct FreshResult {
  void* arg = nullptr;
  std::uintptr_t local_addr = 0;
  double fp = 0;
  bool ran = false;
};
Coro fresh;

[[gnu::noinline]] std::uintptr_t aligned_local_address() {
  // The compiler trusts the ABI's 16-byte stack alignment and does not realign for this local,
  // so its address shows the alignment the context started with.
  alignas(16) volatile unsigned char buf[16];
  buf[0] = 1;
  std::uintptr_t addr = reinterpret_cast<std::uintptr_t>(&buf[0]);
  return addr;
}

void fresh_entry(void* arg) {
  ENTER(fresh);
  auto* r = static_cast<FreshResult*>(arg);
  r->arg = arg;
  r->ran = true;
  r->local_addr = aligned_local_address();
  volatile double x = 2.0;
  r->fp = std::sqrt(x) * 3.0 + std::sin(static_cast<double>(x));
  switch_to(fresh, main_coro);
  std::abort();  // never resumed
}

void test_fresh_context() {
  for (std::size_t misalign : {std::size_t{0}, std::size_t{1}, std::size_t{8}, std::size_t{12}}) {
    FreshResult r;
    start(fresh, fresh_entry, &r, misalign);
    switch_to(main_coro, fresh);
    CHECK(r.ran, "fresh context did not run (misalign %zu)", misalign);
    CHECK(r.arg == &r, "argument %p, expected %p", r.arg, static_cast<void*>(&r));
    CHECK(r.local_addr % 16 == 0, "16-byte-aligned local at %#zx (misalign %zu)",
          static_cast<std::size_t>(r.local_addr), misalign);
    auto lo = reinterpret_cast<std::uintptr_t>(fresh.stack);
    CHECK(r.local_addr > lo && r.local_addr < lo + fresh.stack_size,
          "fresh context does not run on its own stack");
    volatile double x = 2.0;
    double expected = std::sqrt(x) * 3.0 + std::sin(static_cast<double>(x));
    CHECK(r.fp == expected, "floating point in a fresh context: %.17g, expected %.17g", r.fp,
          expected);
  }
}

// --- ping-pong with many live values ---------------------------------------------------------

constexpr int kRounds = 200000;
Coro pong;
volatile std::uint64_t seed_main = 0x9e3779b97f4a7c15ull;
volatile std::uint64_t seed_pong = 0xc2b2ae3d27d4eb4full;

// OPAQUE hides a value's origin from the optimizer, so that it cannot recompute the value after
// the switch instead of keeping it live.
#if defined(__x86_64__)
#define OPAQUE_F(v) asm volatile("" : "+x"(v))
#else
#define OPAQUE_F(v) asm volatile("" : "+w"(v))
#endif
#define OPAQUE_I(v) asm volatile("" : "+r"(v))

// Sixteen integers and twelve doubles that stay live across each switch: more than the
// caller-saved registers can hold, so the compiler keeps them in callee-saved registers (or
// spills them to this context's own stack, which must then survive too).
#define LIVE_VALUES(seed, i)                                                                      \
  std::uint64_t a0 = (seed) + (i), a1 = a0 * 3, a2 = a0 ^ 0x55, a3 = a0 + 7, a4 = a1 * 5,         \
                a5 = a2 + a3, a6 = a0 << 3, a7 = a1 ^ a2, a8 = a3 * a3, a9 = a4 + 11,             \
                a10 = a5 ^ a6, a11 = a7 + 13, a12 = a8 * 17, a13 = a9 - 1, a14 = a0 >> 2,         \
                a15 = a10 + a11;                                                                  \
  double f0 = static_cast<double>(i) + 0.5, f1 = f0 * 1.25, f2 = f0 + 3.75, f3 = f1 * f2,         \
         f4 = f0 - 9.0, f5 = f3 / 7.0, f6 = f4 * f4, f7 = f5 + f6, f8 = f0 * 0.001, f9 = f1 - f8, \
         f10 = f2 * 2.0, f11 = f9 + f10;                                                          \
  OPAQUE_I(a0);                                                                                   \
  OPAQUE_I(a1);                                                                                   \
  OPAQUE_I(a2);                                                                                   \
  OPAQUE_I(a3);                                                                                   \
  OPAQUE_I(a4);                                                                                   \
  OPAQUE_I(a5);                                                                                   \
  OPAQUE_I(a6);                                                                                   \
  OPAQUE_I(a7);                                                                                   \
  OPAQUE_I(a8);                                                                                   \
  OPAQUE_I(a9);                                                                                   \
  OPAQUE_I(a10);                                                                                  \
  OPAQUE_I(a11);                                                                                  \
  OPAQUE_I(a12);                                                                                  \
  OPAQUE_I(a13);                                                                                  \
  OPAQUE_I(a14);                                                                                  \
  OPAQUE_I(a15);                                                                                  \
  OPAQUE_F(f0);                                                                                   \
  OPAQUE_F(f1);                                                                                   \
  OPAQUE_F(f2);                                                                                   \
  OPAQUE_F(f3);                                                                                   \
  OPAQUE_F(f4);                                                                                   \
  OPAQUE_F(f5);                                                                                   \
  OPAQUE_F(f6);                                                                                   \
  OPAQUE_F(f7);                                                                                   \
  OPAQUE_F(f8);                                                                                   \
  OPAQUE_F(f9);                                                                                   \
  OPAQUE_F(f10);                                                                                  \
  OPAQUE_F(f11)

#define SUM_LIVE_VALUES()                                                                \
  (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15 + \
   static_cast<std::uint64_t>(f0 + f1 + f2 + f3 + f4 + f5 + f6 + f7 + f8 + f9 + f10 + f11))

[[gnu::noinline]] std::uint64_t expected_sum(std::uint64_t seed, int i) {
  LIVE_VALUES(seed, i);
  return SUM_LIVE_VALUES();
}

int pong_errors = 0;

void pong_entry(void*) {
  ENTER(pong);
  for (int i = 0;; i++) {
    LIVE_VALUES(seed_pong, i);
    clobber_callee_saved(0xdeadbeefdeadbeefull ^ static_cast<std::uint64_t>(i));
    switch_to(pong, main_coro);
    if (SUM_LIVE_VALUES() != expected_sum(seed_pong, i)) pong_errors++;
  }
}

void test_ping_pong() {
  start(pong, pong_entry, nullptr);
  int errors = 0;
  for (int i = 0; i < kRounds; i++) {
    LIVE_VALUES(seed_main, i);
    clobber_callee_saved(0x0123456789abcdefull + static_cast<std::uint64_t>(i));
    switch_to(main_coro, pong);
    if (SUM_LIVE_VALUES() != expected_sum(seed_main, i)) errors++;
  }
  CHECK(errors == 0, "%d of %d rounds lost live values in main", errors, kRounds);
  CHECK(pong_errors == 0, "%d of %d rounds lost live values in the other context", pong_errors,
        kRounds);
}

// --- exact register check --------------------------------------------------------------------

Coro regs_peer;

void regs_peer_entry(void*) {
  ENTER(regs_peer);
  for (std::uint64_t i = 0;; i++) {
    RegSnapshot ignored;
    switch_with_known_registers(regs_peer, main_coro, 0xbad0000000000000ull + i * 64, ignored);
  }
}

void test_exact_registers() {
  start(regs_peer, regs_peer_entry, nullptr);
  for (std::uint64_t round = 0; round < 1000; round++) {
    std::uint64_t seed = 0x1000 + round * 256;
    RegSnapshot got{};
    switch_with_known_registers(main_coro, regs_peer, seed, got);
#if defined(__x86_64__)
    const char* names[] = {"rbx", "rbp", "r12", "r13", "r14", "r15"};
    for (int k = 0; k < 6; k++)
      CHECK(got.x[k] == seed + 1 + k, "%s = %#llx after a switch, expected %#llx", names[k],
            static_cast<unsigned long long>(got.x[k]),
            static_cast<unsigned long long>(seed + 1 + k));
#elif defined(__aarch64__)
    for (int k = 0; k < 11; k++)
      CHECK(got.x[k] == seed + 1 + k, "x%d = %#llx after a switch, expected %#llx", 19 + k,
            static_cast<unsigned long long>(got.x[k]),
            static_cast<unsigned long long>(seed + 1 + k));
    for (int k = 0; k < 8; k++)
      CHECK(got.d[k] == seed + 12 + k, "d%d = %#llx after a switch, expected %#llx", 8 + k,
            static_cast<unsigned long long>(got.d[k]),
            static_cast<unsigned long long>(seed + 12 + k));
#endif
    if (failures) break;
  }
}

// --- a ring of contexts switching directly to each other --------------------------------------

constexpr int kRing = 8;
constexpr int kLaps = 2000;
Coro ring[kRing];
double ring_acc[kRing];

void ring_entry(void* arg) {
  auto k = static_cast<int>(reinterpret_cast<std::intptr_t>(arg));
  ENTER(ring[k]);
  double acc = 0;
  for (int lap = 0; lap < kLaps; lap++) {
    acc += std::sqrt(static_cast<double>(lap * kRing + k));
    Coro& next = k + 1 < kRing ? ring[k + 1] : main_coro;
    switch_to(ring[k], next);
  }
  ring_acc[k] = acc;
  Coro& next = k + 1 < kRing ? ring[k + 1] : main_coro;
  switch_to(ring[k], next);
  std::abort();
}

void test_ring() {
  for (int k = 0; k < kRing; k++)
    start(ring[k], ring_entry, reinterpret_cast<void*>(static_cast<std::intptr_t>(k)));
  for (int lap = 0; lap <= kLaps; lap++) switch_to(main_coro, ring[0]);
  for (int k = 0; k < kRing; k++) {
    double expected = 0;
    for (int lap = 0; lap < kLaps; lap++)
      expected += std::sqrt(static_cast<double>(lap * kRing + k));
    CHECK(ring_acc[k] == expected, "ring context %d computed %.17g, expected %.17g", k, ring_acc[k],
          expected);
  }
}

}  // namespace

int main() {
  goro::rt::arch::sanitizer_thread_fiber_init(main_coro.fiber);
  test_fresh_context();
  test_ping_pong();
  test_exact_registers();
  test_ring();
  if (failures) {
    std::fprintf(stderr, "switch_test: %d failure(s)\n", failures);
    return 1;
  }
  std::printf("switch_test: all checks passed\n");
  return 0;
}
