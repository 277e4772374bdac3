// goro/local.hpp — goroutine-local storage, the replacement for thread_local in goroutine code.
//
// A goroutine may move between OS threads at any blocking goro call, so a `thread_local` value
// seen before the call may belong to another goroutine after it. GoroutineLocal<T> gives each
// goroutine its own T, created on first access (value-initialized) and destroyed when the
// goroutine exits. Go has no counterpart (it passes context.Context instead).
//
//   goro::GoroutineLocal<RequestStats> stats;   // usually a global or static
//   stats->bytes += n;                          // this goroutine's instance
#pragma once

#include <cstddef>

namespace goro {

namespace detail {
std::size_t local_key_new();
void* local_get(std::size_t key);
void local_set(std::size_t key, void* value, void (*destroy)(void*));
}  // namespace detail

template <class T>
class GoroutineLocal {
 public:
  GoroutineLocal() : key_(detail::local_key_new()) {}
  GoroutineLocal(const GoroutineLocal&) = delete;
  GoroutineLocal& operator=(const GoroutineLocal&) = delete;

  // The calling goroutine's value. REQUIRES: called from a goroutine.
  T& get() const {
    if (void* p = detail::local_get(key_)) return *static_cast<T*>(p);
    T* value = new T();
    detail::local_set(key_, value, [](void* p) { delete static_cast<T*>(p); });
    return *value;
  }
  T* operator->() const { return &get(); }
  T& operator*() const { return get(); }

 private:
  std::size_t key_;
};

}  // namespace goro
