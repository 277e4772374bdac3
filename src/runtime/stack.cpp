// stack.cpp — goroutine stacks (Go: runtime/stack.go).
//
// Go grows stacks by copying, which needs the compiler's help (every function checks for room
// and pointers into the stack can be relocated). C++ code cannot be moved, so goro gives each
// goroutine a fixed reservation, large by default (256 KiB), and lets the kernel commit pages
// only when they are first touched: a goroutine that never goes deep costs one or two pages.
//
// Layout of a stack: [guard page | usable ........ top]. Stacks of the default size are carved
// 64 at a time out of one mapping (a chunk: one mmap, one VMA; fewer if that would exceed
// 32 MiB, so that a large GORO_STACK_SIZE does not reserve gigabytes at once), so that a burst of
// new goroutines pays one mmap per chunk; other sizes get a chunk of one.
//
// The guard page, in order of preference:
//   * a guard region (MADV_GUARD_INSTALL, Linux 6.13+): the kernel faults any access to the page
//     without a separate VMA, so every stack gets one. Installed for a whole chunk at once with
//     process_madvise(PIDFD_SELF) where the kernel has it (6.15+: one system call per chunk,
//     ~0.5 us per stack), else one madvise per stack (~0.9 us). madvise takes the mm lock only
//     for reading, so it does not stall the page faults of the other threads.
//   * mprotect(PROT_NONE) on older kernels. Each guarded stack is then two VMAs (the guard splits
//     its chunk), and Linux caps a process at vm.max_map_count VMAs (65530 by default): a million
//     goroutines would need two million. So only a quarter of that budget gets guard pages; later
//     stacks carry a canary instead: the lowest kCanaryBytes of the page below the stack must
//     stay zero, and the scheduler checks them each time such a goroutine switches out. The
//     canary is zero so that checking it only ever maps the kernel's shared zero page.
// Either way a fault in the guard page is a stack overflow (signal.cpp prints "goroutine N:
// stack overflow" instead of a bare SIGSEGV).
// Rejected: a mapping and an mprotect per stack (the design before 2026-11-29) — two system
// calls that take the mm lock for writing, ~3.2 us per stack and growing with the VMA count; at
// GOMAXPROCS=2 one thread's mprotect and the other's page faults queued on that lock (skynet:
// ~16,000 such calls, ~6,000 context switches, 220-440 ms against 200 ms without them).
//
// Caching: a first touch of a fresh page costs 1-13 us on the project's VMs (a read of the
// canary page ~0.7 us, a first write ~2 us on 2026-11-28), so stacks are never mapped per
// goroutine on the hot path. A dead goroutine's stack goes to its P's stack cache (sched.cpp,
// "Lazy stacks"); stacks released here (the overflow of those caches) go to a global cache and
// stay committed, so they are reused without faults. Returning memory is left to sysmon
// (stack_scavenge, like Go's scavenger): once per period it madvise(MADV_DONTNEED)s the stacks that
// sat unused in the cache for the whole period, beyond a reserve of kHotStacks. Rejected: madvise
// in stack_free itself — a burst of goroutine exits then paid a system call and a cross-CPU TLB
// shootdown per stack, and the next burst refaulted every page (half of the spawn benchmark's
// time). Mappings are never unmapped: VMAs are the scarce resource and reuse keeps the count
// stable.
#include "runtime/stack.hpp"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "runtime/lock.hpp"
#include "runtime/sched.hpp"

namespace goro::rt {
namespace {

constexpr std::size_t kHotStacks = 4096;
constexpr std::size_t kChunkStacks = 64;
constexpr std::size_t kChunkBytes = 32 << 20;  // fewer stacks per chunk when they are large

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

std::size_t round_to_pages(std::size_t n) {
  std::size_t page = page_size();
  return (n + page - 1) / page * page;
}

std::size_t read_max_map_count() {
  std::size_t value = 65530;
  if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
    unsigned long v = 0;
    if (std::fscanf(f, "%lu", &v) == 1 && v > 0) value = v;
    std::fclose(f);
  }
  return value;
}

enum class GuardMethod { kUnprobed, kGuardRegion, kMprotect };

struct StackCache {
  Lock lock;
  // Free stacks by exact usable size; the default size dominates.
  std::vector<Stack> hot;         // committed, LIFO: the front holds the longest unused
  std::size_t hot_low_water = 0;  // smallest hot.size() since the last scavenge
  std::vector<Stack> cold;        // madvised
  std::vector<Stack> fresh;       // carved from a chunk and never used: no page touched yet
  GuardMethod method = GuardMethod::kUnprobed;
  bool batch_install = true;  // process_madvise(PIDFD_SELF) works (or was not tried yet)
  std::size_t guarded_mapped = 0;
  std::size_t unguarded_mapped = 0;
  std::size_t guard_budget = read_max_map_count() / 8;  // kMprotect: two VMAs each, a quarter
};

StackCache& cache() {
  static StackCache* c = new StackCache;  // lives as long as the process: stacks outlive run()
  return *c;
}

[[noreturn]] void out_of_stack_memory() {
  fatal("out of memory allocating stack");
}

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102  // Linux 6.13 <linux/mman.h>; Debian 12's headers predate it
#define MADV_GUARD_REMOVE 103
#endif
constexpr int kPidfdSelf = -10000;  // PIDFD_SELF (Linux 6.15 <linux/pidfd.h>)

// Whether the kernel has guard regions: tried once on a scratch page.
bool guard_regions_supported() {
  std::size_t page = page_size();
  void* probe = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (probe == MAP_FAILED) return false;
  bool ok = madvise(probe, page, MADV_GUARD_INSTALL) == 0;
  munmap(probe, page);
  return ok;
}

// Makes the page below each stack a guard region. Returns false if the kernel refused; the
// guards already installed (the batch may have done some) are removed again, since the
// fallback may make these canary stacks, whose canary page must stay readable.
bool install_guard_regions(StackCache& c, const Stack* stacks, std::size_t n) {
  std::size_t page = page_size();
  bool batch;
  {
    std::lock_guard<Lock> guard(c.lock);
    batch = c.batch_install;
  }
  if (batch && n > 1) {
    iovec ranges[kChunkStacks];
    for (std::size_t i = 0; i < n; i++) ranges[i] = iovec{stacks[i].lo - page, page};
    // PIDFD_SELF, not a pidfd of getpid(): a forked child must never advise its parent.
    long done = syscall(SYS_process_madvise, kPidfdSelf, ranges, n, MADV_GUARD_INSTALL, 0);
    if (done == static_cast<long>(n * page)) return true;
    std::lock_guard<Lock> guard(c.lock);
    c.batch_install = false;  // installing a guard twice is harmless: redo them one by one
  }
  for (std::size_t i = 0; i < n; i++) {
    if (madvise(stacks[i].lo - page, page, MADV_GUARD_INSTALL) != 0) {
      for (std::size_t j = 0; j < n; j++) madvise(stacks[j].lo - page, page, MADV_GUARD_REMOVE);
      return false;
    }
  }
  return true;
}

// Maps a chunk of n stacks of `size` usable bytes and guards them; returns the first and
// leaves the others in c.fresh. Runs outside c.lock: the system calls take microseconds.
Stack map_chunk(StackCache& c, std::size_t size, std::size_t n) {
  std::size_t page = page_size();
  std::size_t slot = page + size;
  auto* base =
      static_cast<char*>(mmap(nullptr, slot * n, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0));
  if (base == MAP_FAILED) out_of_stack_memory();
  Stack stacks[kChunkStacks];
  for (std::size_t i = 0; i < n; i++) {
    stacks[i].lo = base + i * slot + page;
    stacks[i].hi = stacks[i].lo + size;
  }
  GuardMethod method;
  {
    std::lock_guard<Lock> guard(c.lock);
    method = c.method;
  }
  if (method == GuardMethod::kUnprobed) {
    method = guard_regions_supported() ? GuardMethod::kGuardRegion : GuardMethod::kMprotect;
    std::lock_guard<Lock> guard(c.lock);
    if (c.method == GuardMethod::kUnprobed) c.method = method;
    method = c.method;
  }
  if (method == GuardMethod::kGuardRegion && !install_guard_regions(c, stacks, n)) {
    std::lock_guard<Lock> guard(c.lock);
    c.method = method = GuardMethod::kMprotect;  // refused after the probe said yes (seccomp)
  }
  std::size_t guarded = n;
  if (method == GuardMethod::kMprotect) {
    {
      std::lock_guard<Lock> guard(c.lock);
      std::size_t left = c.guard_budget - std::min(c.guard_budget, c.guarded_mapped);
      guarded = std::min(n, left);
      c.guarded_mapped += guarded;  // reserved now so that two threads cannot overspend
    }
    for (std::size_t i = 0; i < guarded; i++)
      if (mprotect(stacks[i].lo - page, page, PROT_NONE) != 0) out_of_stack_memory();
  }
  for (std::size_t i = 0; i < n; i++) {
    stacks[i].guarded = i < guarded;
    stacks[i].canary = !stacks[i].guarded;
  }
  std::lock_guard<Lock> guard(c.lock);
  if (method == GuardMethod::kGuardRegion) c.guarded_mapped += n;
  c.unguarded_mapped += n - guarded;
  c.fresh.insert(c.fresh.end(), stacks + 1, stacks + n);
  return stacks[0];
}

bool take_cached(std::vector<Stack>& list, std::size_t size, Stack* out) {
  for (std::size_t i = list.size(); i-- > 0;) {
    if (list[i].size() == size) {
      *out = list[i];
      list[i] = list.back();
      list.pop_back();
      return true;
    }
  }
  return false;
}

}  // namespace

std::size_t default_stack_size() {
  static const std::size_t size = [] {
    std::size_t n = 256 * 1024;
    if (const char* env = std::getenv("GORO_STACK_SIZE")) {
      long long v = std::atoll(env);
      if (v >= 16 * 1024) n = static_cast<std::size_t>(v);
    }
    return round_to_pages(n);
  }();
  return size;
}

Stack stack_alloc(std::size_t size) {
  size = round_to_pages(size < 16 * 1024 ? 16 * 1024 : size);
  StackCache& c = cache();
  {
    std::lock_guard<Lock> guard(c.lock);
    Stack s;
    if (take_cached(c.hot, size, &s)) {
      c.hot_low_water = std::min(c.hot_low_water, c.hot.size());
      return s;
    }
    if (take_cached(c.cold, size, &s)) return s;
    if (take_cached(c.fresh, size, &s)) return s;
  }
  std::size_t per_chunk =
      std::clamp<std::size_t>(kChunkBytes / (size + page_size()), 1, kChunkStacks);
  return map_chunk(c, size, size == default_stack_size() ? per_chunk : 1);
}

void stack_free(const Stack* stacks, std::size_t n) {
  if (n == 0) return;
  StackCache& c = cache();
  std::lock_guard<Lock> guard(c.lock);
  c.hot.insert(c.hot.end(), stacks, stacks + n);
}

std::size_t stack_take_cached(std::size_t size, Stack* out, std::size_t n) {
  size = round_to_pages(size < 16 * 1024 ? 16 * 1024 : size);
  StackCache& c = cache();
  std::lock_guard<Lock> guard(c.lock);
  std::size_t taken = 0;
  while (taken < n && take_cached(c.hot, size, &out[taken])) taken++;
  c.hot_low_water = std::min(c.hot_low_water, c.hot.size());
  return taken;
}

void stack_scavenge() {
  StackCache& c = cache();
  std::vector<Stack> release;
  {
    std::lock_guard<Lock> guard(c.lock);
    std::size_t idle = std::min(c.hot_low_water, c.hot.size());
    if (idle > kHotStacks) {
      std::size_t n = idle - kHotStacks;
      release.assign(c.hot.begin(), c.hot.begin() + static_cast<std::ptrdiff_t>(n));
      c.hot.erase(c.hot.begin(), c.hot.begin() + static_cast<std::ptrdiff_t>(n));
    }
    c.hot_low_water = c.hot.size();
  }
  for (const Stack& stack : release) {
    // Keep the mapping (and so the VMA count) for reuse. A canary stack's canary bytes read
    // back as zero afterwards, as the canary requires.
    char* lo = stack.canary ? stack.lo - round_to_pages(kCanaryBytes) : stack.lo;
    madvise(lo, static_cast<std::size_t>(stack.hi - lo), MADV_DONTNEED);
  }
  if (release.empty()) return;
  std::lock_guard<Lock> guard(c.lock);
  c.cold.insert(c.cold.end(), release.begin(), release.end());
}

bool stack_canary_broken(const Stack& stack) {
  if (!stack.canary) return false;
  const auto* words = reinterpret_cast<const std::uint64_t*>(stack.lo - kCanaryBytes);
  std::uint64_t any = 0;
  for (std::size_t i = 0; i < kCanaryBytes / 8; i++) any |= words[i];
  return any != 0;
}

bool stack_guard_contains(const Stack& stack, const void* addr) {
  if (!stack.guarded) return false;
  auto* a = static_cast<const char*>(addr);
  return a >= stack.lo - page_size() && a < stack.lo;
}

StackStats stack_stats() {
  StackCache& c = cache();
  std::lock_guard<Lock> guard(c.lock);
  return StackStats{c.guarded_mapped, c.unguarded_mapped, c.hot.size(),
                    c.cold.size(),    c.fresh.size(),     c.method == GuardMethod::kGuardRegion,
                    c.guard_budget};
}

void stack_use_mprotect_guards(std::size_t budget) {
  StackCache& c = cache();
  std::lock_guard<Lock> guard(c.lock);
  c.method = GuardMethod::kMprotect;
  c.guard_budget = budget;
}

}  // namespace goro::rt
