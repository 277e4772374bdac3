// small_alloc.hpp — a size-class allocator for the small objects that aggregate values hold by
// the million (a set's member nodes, intset blobs), where malloc's overhead dominates.
//
// Why: glibc's malloc adds an 8-byte header to every chunk and rounds it up to 16 bytes (32 at
// least), so a 31-byte member node occupies 48 bytes; Redis, on jemalloc, pays about what it
// asks for. Here sizes round up to 8 bytes only, with no header: the caller says the size again
// when freeing (every user knows it: a node from its length byte, an intset from its header).
//
// Design: 32 size classes (8..256 bytes); each OS thread keeps, per class, a free list of freed
// objects, and carves new objects from its current 64 KiB block. No locks on the hot path:
// allocate and free touch only the calling thread's cache; goroutines never park inside them,
// and they are never inlined, so no caller holds a thread's cache across a migration. Per-thread
// rather than per-goroutine (goro::GoroutineLocal): a connection's goroutine would strand its
// free lists when it exits.
// An object freed by another thread than the one that allocated it simply joins that thread's
// free list. Larger requests go to operator new.
//
// Cost: O(1) allocate/free. Blocks are never returned to the system (freed objects are reused
// by later allocations of the same class instead), and every block stays listed in a global
// registry so that leak checkers see it as reachable. Rejected: a per-set arena (HashTable frees
// nodes with `delete`, which cannot find the arena), a global mutex-protected pool (serializes
// writers of different shards) and linking jemalloc (a process-wide change).
//
// Address-sanitized builds bypass the pool (plain operator new/delete), so ASan keeps checking
// every node individually.
#pragma once

#include <cstddef>

namespace gorodis::small_alloc {

inline constexpr std::size_t kMaxPooledSize = 256;

// Whether requests are pooled: address-sanitized builds pass them to operator new, so that
// ASan checks every object on its own.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kPooled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kPooled = false;
#else
inline constexpr bool kPooled = true;
#endif
#else
inline constexpr bool kPooled = true;
#endif

// Memory for `bytes` (> 0) bytes, 8-byte aligned.
void* allocate(std::size_t bytes);
// Frees what allocate(bytes) returned; `bytes` must be the same.
void deallocate(void* pointer, std::size_t bytes) noexcept;
// The bytes actually set aside for a request of `bytes` (for memory accounting; `bytes` itself
// where the pool is bypassed: sanitized builds and requests over kMaxPooledSize).
std::size_t allocation_size(std::size_t bytes);

}  // namespace gorodis::small_alloc
