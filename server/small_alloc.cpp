// small_alloc.cpp — see small_alloc.hpp for the size classes and the per-thread caches.
#include "small_alloc.hpp"

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include "memory.hpp"

namespace gorodis::small_alloc {

namespace {

constexpr std::size_t kGranule = 8;
constexpr std::size_t kClasses = kMaxPooledSize / kGranule;
constexpr std::size_t kBlockBytes = 64 * 1024;

struct FreeObject {
  FreeObject* next;
};

struct ThreadCache {
  FreeObject* free[kClasses] = {};
  char* next = nullptr;  // unused part of the current block
  char* end = nullptr;
};

thread_local ThreadCache cache;

// Every block ever allocated; never freed (see the header). Blocks come straight from malloc:
// used memory (memory.hpp) counts the pool's live objects instead, so that freeing them lowers
// it.
std::mutex registry_mutex;
std::vector<char*>& registry() {
  static auto* blocks = new std::vector<char*>();
  return *blocks;
}

std::size_t class_of(std::size_t bytes) {
  return (bytes + kGranule - 1) / kGranule - 1;
}

char* carve(std::size_t bytes) {
  if (static_cast<std::size_t>(cache.end - cache.next) < bytes) {
    // The rest of the old block (under kMaxPooledSize bytes) stays unused.
    auto* block = static_cast<char*>(std::malloc(kBlockBytes));
    if (block == nullptr) throw std::bad_alloc();
    cache.next = block;
    cache.end = block + kBlockBytes;
    std::lock_guard lock(registry_mutex);
    registry().push_back(block);
  }
  char* object = cache.next;
  cache.next += bytes;
  return object;
}

}  // namespace

std::size_t allocation_size(std::size_t bytes) {
  return !kPooled || bytes > kMaxPooledSize ? bytes : (class_of(bytes) + 1) * kGranule;
}

// Never inlined: goroutines migrate between threads at blocking calls, and a caller that
// inlined us could keep one thread's cache address across such a call (goro/runtime.hpp's
// thread-local rule). Called afresh, each call finds its own thread's cache.
[[gnu::noinline]] void* allocate(std::size_t bytes) {
  if (!kPooled || bytes > kMaxPooledSize) return ::operator new(bytes);
  std::size_t size_class = class_of(bytes);
  memory::add(static_cast<std::int64_t>((size_class + 1) * kGranule));
  if (FreeObject* object = cache.free[size_class]) {
    cache.free[size_class] = object->next;
    return object;
  }
  return carve((size_class + 1) * kGranule);
}

[[gnu::noinline]] void deallocate(void* pointer, std::size_t bytes) noexcept {
  if (!kPooled || bytes > kMaxPooledSize) {
    ::operator delete(pointer);
    return;
  }
  std::size_t size_class = class_of(bytes);
  memory::add(-static_cast<std::int64_t>((size_class + 1) * kGranule));
  auto* object = static_cast<FreeObject*>(pointer);
  object->next = cache.free[size_class];
  cache.free[size_class] = object;
}

}  // namespace gorodis::small_alloc
