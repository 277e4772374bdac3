// arch/tls.hpp — the two thread-local words of the runtime: the thread's M and the goroutine it
// is running (Go keeps g in a register or TLS slot for the same reason: getg() is on every
// path). Fenced off here because reading them safely needs a line of assembly per platform.
//
// The hazard. A goroutine can park on one thread and resume on another. A compiler sees
// goro_switch as an ordinary call on one thread, so it may compute a thread-local variable's
// address once (the thread pointer plus an offset) and reuse it after the call, reading the old
// thread's variable. Reading through asm volatile with a memory clobber makes every read load
// the thread pointer afresh, and keeps the read in order with the switch (a call may write
// memory, so it cannot move across one).
//
// On x86-64 the read is the initial-exec sequence (the variable's offset from the GOT, then one
// %fs-relative load): valid in an executable and in a shared object loaded at start-up, and
// three instructions inline instead of a call. Elsewhere the reads are out-of-line functions
// (sched.cpp) behind the same compiler barrier.
//
// Writers (sched.cpp) are plain stores: they run on an M's own scheduler stack (g0), which never
// changes threads.
#pragma once

namespace goro::rt {
struct M;
struct G;
}  // namespace goro::rt

extern "C" {
// The calling thread's M (nullptr on threads the runtime did not start).
extern __thread goro::rt::M* goro_tls_m;
// The goroutine this thread is running (nullptr on g0 and on foreign threads).
extern __thread goro::rt::G* goro_tls_g;
}

namespace goro::rt::arch {

#if defined(__x86_64__)
#define GORO_TLS_LOAD(var, out) \
  asm volatile("movq " #var "@gottpoff(%%rip), %0\n\tmovq %%fs:(%0), %0" : "=r"(out) : : "memory")
inline M* tls_m() {
  M* m;
  GORO_TLS_LOAD(goro_tls_m, m);
  return m;
}
inline G* tls_g() {
  G* g;
  GORO_TLS_LOAD(goro_tls_g, g);
  return g;
}
#undef GORO_TLS_LOAD
#else
M* tls_m();
G* tls_g();
#endif

}  // namespace goro::rt::arch
