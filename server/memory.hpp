// memory.hpp — used-memory accounting (Redis zmalloc_used_memory) cheap enough to read before
// every command.
//
// What is counted: every block handed out by the global operator new (replaced in memory.cpp,
// so the keyspace, the values, the runtime's structures and every std container are counted),
// by the listpack's malloc/realloc/free (counted_* below), and the live objects of the
// small-object pool (small_alloc.hpp: its objects, not its 64 KiB blocks, so that freeing a
// set's members lowers the figure as it does under Redis's jemalloc). Each block counts its
// usable size (malloc_usable_size), which is what the allocator really set aside for it, as
// zmalloc counts. Not counted, as in Redis: goroutine stacks and other direct mmaps (they show
// in RSS and the fragmentation ratio), and malloc calls made inside libc itself.
//
// Design: striped counters. Each OS thread adds to one of kStripes cache-line-sized atomic
// counters (assigned round-robin on its first allocation), so allocating threads do not
// bounce one cache line between cores; a stripe may go negative (a block freed by another
// thread than the one that allocated it) but the sum is exact. Reading sums the stripes:
// kStripes relaxed loads, a few tens of nanoseconds, cheap enough for the maxmemory check
// before each command. Cost per allocation: malloc_usable_size (reads the chunk header) and
// one uncontended relaxed fetch_add.
//
// Rejected: glibc mallinfo2() per command (walks every arena under its lock: microseconds,
// serializing); one global atomic counter (every allocation of every thread would contend on
// one cache line); interposing malloc/free themselves (glibc has a dozen allocation entry
// points, several of which call each other internally; missing one corrupts the count); a
// per-goroutine counter (goroutines migrate and die; the per-thread stripe is safe because the
// accounting functions never park and are never inlined into a caller that could).
#pragma once

#include <cstddef>
#include <cstdint>

// Clang links its sanitizer runtimes statically, with their own operator new (GCC's are shared
// libraries, which the replacement overrides like libstdc++'s).
#if defined(__clang__) && defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define GORODIS_MEMORY_HOOKS 1
#endif
#if __has_feature(thread_sanitizer)
#define GORODIS_MEMORY_HOOKS_MISS_NEW 1
#endif
#endif

namespace gorodis::memory {

// Clang's sanitizer runtimes own operator new (it cannot be replaced there): such builds count
// through the sanitizer's malloc/free hooks instead, which see every
// malloc, the small-object pool's blocks included (the figure is then a little higher).
// ThreadSanitizer's runtime (LLVM 14) reports malloc but not operator new to the hooks: under it
// used memory misses most allocations, and eviction cannot be checked (kCountsEverything).
#ifdef GORODIS_MEMORY_HOOKS
inline constexpr bool kCountsMallocHooks = true;
#else
inline constexpr bool kCountsMallocHooks = false;
#endif
#ifdef GORODIS_MEMORY_HOOKS_MISS_NEW
inline constexpr bool kCountsEverything = false;
#else
inline constexpr bool kCountsEverything = true;
#endif

// Bytes currently allocated (the sum of the stripes, never below 0). Also raises the peak.
std::size_t used();
// The highest used() observed (by used() itself, INFO and the maxmemory check).
std::size_t peak();
void reset_peak();
// Adds `delta` bytes (negative: freed) to the calling thread's stripe; for allocators that do
// not go through operator new (small_alloc's pooled objects).
void add(std::int64_t delta);

// malloc / realloc / free, counted (the listpack's blobs, which realloc in place).
void* counted_malloc(std::size_t bytes);
void* counted_realloc(void* block, std::size_t bytes);
void counted_free(void* block) noexcept;

}  // namespace gorodis::memory
