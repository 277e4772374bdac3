// signal.cpp — fatal errors, panics and the signals the runtime handles (Go: panic.go's throw
// and fatalpanic, signal_unix.go).
//
//  * fatal(msg): "fatal error: msg", every goroutine's stack, exit status 2 (Go: throw).
//  * An exception escaping a goroutine: "panic: what()", the dump, exit status 2.
//  * SIGSEGV/SIGBUS in a goroutine's guard page: "goroutine N: stack overflow" and its stack.
//    The handler runs on a per-thread alternate stack, since the faulting one is exhausted.
//    Any other SIGSEGV is reported like Go's nil dereference panic.
//  * SIGQUIT: sysmon prints every goroutine and exits with status 2, as a Go program does. The
//    handler only sets a flag: dumping needs locks and memory that a handler cannot use.
// Only one thread reports: a second fatal error while one is being printed waits forever, so
// two reports never interleave.
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>

#include "runtime/proc.hpp"

namespace goro::rt {

extern std::atomic<bool> sigquit_pending;

namespace {

constexpr std::size_t kAltStackSize = 256 * 1024;
std::atomic<bool> dying{false};

void write_str(const char* s) {
  std::size_t len = std::strlen(s);
  while (len > 0) {
    ssize_t n = write(2, s, len);
    if (n <= 0) return;
    s += n;
    len -= static_cast<std::size_t>(n);
  }
}

// Claims the right to print the one fatal report of this process.
void begin_dying() {
  if (dying.exchange(true)) {
    for (;;) pause();
  }
}

void fault_handler(int sig, siginfo_t* info, void* ucontext) {
  G* gp = getg();
  begin_dying();
  char buf[256];
  if (gp && stack_guard_contains(gp->stack, info->si_addr)) {
    std::snprintf(buf, sizeof buf, "goroutine %lld: stack overflow\n\n",
                  static_cast<long long>(gp->id));
    write_str(buf);
    write_str("fatal error: stack overflow\n\n");
  } else {
    write_str("panic: runtime error: invalid memory address or nil pointer dereference\n");
    std::snprintf(buf, sizeof buf, "[signal %s: %s code=%d addr=%p]\n\n",
                  sig == SIGSEGV ? "SIGSEGV" : "SIGBUS",
                  sig == SIGSEGV ? "segmentation violation" : "bus error", info->si_code,
                  info->si_addr);
    write_str(buf);
  }
  dump_from_signal(2, gp, ucontext);
  _exit(2);
}

void sigquit_handler(int) {
  sigquit_pending.store(true);
  if (sched) sched->sysmon_wake.wakeup();
}

}  // namespace

void fatal(const char* message) {
  begin_dying();
  std::fflush(stdout);
  std::fprintf(stderr, "fatal error: %s\n\n", message);
  std::fflush(stderr);
  dump_all(2, getg());
  _exit(2);
}

void fatal_panic(const char* what) {
  begin_dying();
  std::fflush(stdout);
  std::fprintf(stderr, "panic: %s\n\n", what);
  std::fflush(stderr);
  dump_all(2, getg());
  _exit(2);
}

void signals_install() {
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  struct sigaction sa{};
  sa.sa_sigaction = fault_handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, nullptr);
  sigaction(SIGBUS, &sa, nullptr);
  struct sigaction quit{};
  quit.sa_handler = sigquit_handler;
  quit.sa_flags = SA_RESTART;
  sigemptyset(&quit.sa_mask);
  sigaction(SIGQUIT, &quit, nullptr);
}

void signals_thread_init(M* m) {
  if (!m->altstack) {
    void* mem = mmap(nullptr, kAltStackSize, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) return;
    m->altstack = mem;
  }
  stack_t ss{};
  ss.ss_sp = m->altstack;
  ss.ss_size = kAltStackSize;
  sigaltstack(&ss, nullptr);
}

}  // namespace goro::rt
