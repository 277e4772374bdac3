// stack.cpp — goroutine stacks (Go: runtime/stack.go).
//
// Go grows stacks by copying, which needs the compiler's help (every function checks for room
// and pointers into the stack can be relocated). C++ code cannot be moved, so goro gives each
// goroutine a fixed reservation, large by default (256 KiB), and lets the kernel commit pages
// only when they are first touched: a goroutine that never goes deep costs one or two pages.
//
// Layout of a stack: [guard page (PROT_NONE) | usable ........ top]. A fault in the guard page is
// a stack overflow (signal.cpp prints "goroutine N: stack overflow" instead of a bare SIGSEGV).
//
// The map-count budget: each guarded stack is two kernel VMAs (the guard and the usable part
// cannot merge), and Linux caps a process at vm.max_map_count VMAs (65530 by default). A
// million goroutines would need two million. So only the first quarter of that budget gets
// guard pages; later stacks are carved 64 at a time out of one big mapping (one VMA for all of
// them) and carry a canary instead: the lowest kCanaryBytes must stay zero, and the scheduler
// checks them each time such a goroutine switches out. The canary is zero so that checking it
// only ever maps the kernel's shared zero page: an untouched canary costs no memory.
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

struct StackCache {
  Lock lock;
  // Free stacks by exact usable size; the default size dominates.
  std::vector<Stack> hot;         // committed, LIFO: the front holds the longest unused
  std::size_t hot_low_water = 0;  // smallest hot.size() since the last scavenge
  std::vector<Stack> cold;        // madvised
  // Unguarded stacks not yet handed out from the current chunk.
  char* chunk_next = nullptr;
  std::size_t chunk_left = 0;
  std::size_t chunk_stack_size = 0;
  std::size_t guarded_mapped = 0;
  std::size_t unguarded_mapped = 0;
  std::size_t guard_budget = read_max_map_count() / 8;  // two VMAs each: a quarter of the map
};

StackCache& cache() {
  static StackCache* c = new StackCache;  // lives as long as the process: stacks outlive run()
  return *c;
}

[[noreturn]] void out_of_stack_memory() {
  fatal("out of memory allocating stack");
}

Stack map_guarded(std::size_t size) {
  std::size_t page = page_size();
  void* base = mmap(nullptr, size + page, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) out_of_stack_memory();
  if (mprotect(base, page, PROT_NONE) != 0) out_of_stack_memory();
  Stack s;
  s.lo = static_cast<char*>(base) + page;
  s.hi = s.lo + size;
  s.guarded = true;
  return s;
}

// REQUIRES: c.lock held.
Stack carve_unguarded(StackCache& c, std::size_t size) {
  std::size_t slot = size + round_to_pages(kCanaryBytes);
  if (c.chunk_left == 0 || c.chunk_stack_size != size) {
    void* base = mmap(nullptr, slot * kChunkStacks, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (base == MAP_FAILED) out_of_stack_memory();
    c.chunk_next = static_cast<char*>(base);
    c.chunk_left = kChunkStacks;
    c.chunk_stack_size = size;
  }
  Stack s;
  s.lo = c.chunk_next + (slot - size);
  s.hi = s.lo + size;
  s.canary = true;
  c.chunk_next += slot;
  c.chunk_left--;
  c.unguarded_mapped++;
  return s;
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
    if (c.guarded_mapped >= c.guard_budget) return carve_unguarded(c, size);
    c.guarded_mapped++;
  }
  return map_guarded(size);
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
  return StackStats{c.guarded_mapped, c.unguarded_mapped, c.hot.size(), c.cold.size(),
                    c.guard_budget};
}

}  // namespace goro::rt
