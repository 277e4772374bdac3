// memory.cpp — see memory.hpp. Replaces the global operator new and delete (all forms) of any
// program linking gorodis_core: the server binary and the tests, which therefore measure the
// same figures. Sanitized builds install the sanitizer's malloc hooks instead (memory.hpp).
#include "memory.hpp"

#include <malloc.h>
#ifdef GORODIS_MEMORY_HOOKS
#include <sanitizer/allocator_interface.h>
#endif

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>

namespace gorodis::memory {

namespace {

constexpr std::size_t kStripes = 32;

struct alignas(64) Stripe {
  std::atomic<std::int64_t> bytes{0};
};

constinit Stripe stripes[kStripes];
constinit std::atomic<unsigned> next_stripe{0};
constinit std::atomic<std::size_t> peak_bytes{0};
// The calling thread's stripe, kStripes until its first allocation.
constinit thread_local unsigned thread_stripe = kStripes;

// Never inlined (goro/runtime.hpp's thread-local rule): each call finds its own thread's
// stripe, whichever thread the goroutine runs on by then.
[[gnu::noinline]] Stripe& own_stripe() {
  if (thread_stripe == kStripes) {
    thread_stripe = next_stripe.fetch_add(1, std::memory_order_relaxed) % kStripes;
  }
  return stripes[thread_stripe];
}

#ifndef GORODIS_MEMORY_HOOKS
void count_block(void* block) {
  own_stripe().bytes.fetch_add(static_cast<std::int64_t>(malloc_usable_size(block)),
                               std::memory_order_relaxed);
}

void uncount_block(void* block) {
  own_stripe().bytes.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(block)),
                               std::memory_order_relaxed);
}

void* allocate(std::size_t bytes) {
  void* block = std::malloc(bytes == 0 ? 1 : bytes);
  if (block != nullptr) count_block(block);
  return block;
}

void* allocate_aligned(std::size_t bytes, std::align_val_t alignment) {
  void* block = nullptr;
  const std::size_t align = std::max(static_cast<std::size_t>(alignment), sizeof(void*));
  if (posix_memalign(&block, align, bytes == 0 ? 1 : bytes) != 0) return nullptr;
  count_block(block);
  return block;
}

void* allocate_or_throw(void* block) {
  if (block == nullptr) throw std::bad_alloc();
  return block;
}
#endif

}  // namespace

std::size_t used() {
  std::int64_t sum = 0;
  for (const Stripe& stripe : stripes) sum += stripe.bytes.load(std::memory_order_relaxed);
  const std::size_t bytes = sum > 0 ? static_cast<std::size_t>(sum) : 0;
  std::size_t seen = peak_bytes.load(std::memory_order_relaxed);
  while (bytes > seen && !peak_bytes.compare_exchange_weak(seen, bytes)) {
  }
  return bytes;
}

std::size_t peak() {
  return peak_bytes.load(std::memory_order_relaxed);
}

void reset_peak() {
  peak_bytes.store(0, std::memory_order_relaxed);
}

void add(std::int64_t delta) {
  own_stripe().bytes.fetch_add(delta, std::memory_order_relaxed);
}

#ifdef GORODIS_MEMORY_HOOKS

namespace {

void on_malloc(const volatile void* block, std::size_t) {
  add(static_cast<std::int64_t>(__sanitizer_get_allocated_size(block)));
}

void on_free(const volatile void* block) {
  add(-static_cast<std::int64_t>(__sanitizer_get_allocated_size(block)));
}

[[maybe_unused]] const int hooks_installed =
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);

}  // namespace

void* counted_malloc(std::size_t bytes) {
  return std::malloc(bytes);
}

void* counted_realloc(void* block, std::size_t bytes) {
  return std::realloc(block, bytes);
}

void counted_free(void* block) noexcept {
  std::free(block);
}

}  // namespace gorodis::memory

#else

void* counted_malloc(std::size_t bytes) {
  return allocate(bytes);
}

void* counted_realloc(void* block, std::size_t bytes) {
  if (block == nullptr) return allocate(bytes);
  const auto before = static_cast<std::int64_t>(malloc_usable_size(block));
  void* resized = std::realloc(block, bytes == 0 ? 1 : bytes);
  if (resized == nullptr) return nullptr;  // the old block stays, still counted
  add(static_cast<std::int64_t>(malloc_usable_size(resized)) - before);
  return resized;
}

void counted_free(void* block) noexcept {
  if (block == nullptr) return;
  uncount_block(block);
  std::free(block);
}

}  // namespace gorodis::memory

// The replaced global allocation functions. The sized and nothrow forms share the plain ones'
// accounting: a block's size is always read back from the allocator.
void* operator new(std::size_t bytes) {
  return gorodis::memory::allocate_or_throw(gorodis::memory::counted_malloc(bytes));
}
void* operator new[](std::size_t bytes) {
  return gorodis::memory::allocate_or_throw(gorodis::memory::counted_malloc(bytes));
}
void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept {
  return gorodis::memory::counted_malloc(bytes);
}
void* operator new[](std::size_t bytes, const std::nothrow_t&) noexcept {
  return gorodis::memory::counted_malloc(bytes);
}
void* operator new(std::size_t bytes, std::align_val_t alignment) {
  return gorodis::memory::allocate_or_throw(gorodis::memory::allocate_aligned(bytes, alignment));
}
void* operator new[](std::size_t bytes, std::align_val_t alignment) {
  return gorodis::memory::allocate_or_throw(gorodis::memory::allocate_aligned(bytes, alignment));
}
void* operator new(std::size_t bytes, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return gorodis::memory::allocate_aligned(bytes, alignment);
}
void* operator new[](std::size_t bytes, std::align_val_t alignment,
                     const std::nothrow_t&) noexcept {
  return gorodis::memory::allocate_aligned(bytes, alignment);
}
void operator delete(void* block) noexcept {
  gorodis::memory::counted_free(block);
}
void operator delete[](void* block) noexcept {
  gorodis::memory::counted_free(block);
}
void operator delete(void* block, std::size_t) noexcept {
  gorodis::memory::counted_free(block);
}
void operator delete[](void* block, std::size_t) noexcept {
  gorodis::memory::counted_free(block);
}
void operator delete(void* block, const std::nothrow_t&) noexcept {
  gorodis::memory::counted_free(block);
}
void operator delete[](void* block, const std::nothrow_t&) noexcept {
  gorodis::memory::counted_free(block);
}
void operator delete(void* block, std::align_val_t) noexcept {
  gorodis::memory::counted_free(block);
}
void operator delete[](void* block, std::align_val_t) noexcept {
  gorodis::memory::counted_free(block);
}
void operator delete(void* block, std::size_t, std::align_val_t) noexcept {
  gorodis::memory::counted_free(block);
}
void operator delete[](void* block, std::size_t, std::align_val_t) noexcept {
  gorodis::memory::counted_free(block);
}
void operator delete(void* block, std::align_val_t, const std::nothrow_t&) noexcept {
  gorodis::memory::counted_free(block);
}
void operator delete[](void* block, std::align_val_t, const std::nothrow_t&) noexcept {
  gorodis::memory::counted_free(block);
}

#endif  // GORODIS_MEMORY_HOOKS
