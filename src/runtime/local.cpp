// local.cpp — goroutine-local storage (goro/local.hpp).
//
// Go has no goroutine-local storage on purpose; C++ code ported to goroutines often needs a
// replacement for thread_local (see the TLS rule in sched.cpp), so goro offers a small one. Each
// GoroutineLocal<T> takes a process-wide key; a goroutine's values live in a small vector
// hanging off its G, created on first use and destroyed (in reverse order of creation) when the
// goroutine exits. Lookup is a linear scan: goroutines use few keys, and a scan of a handful of
// entries beats hashing.
#include <atomic>
#include <vector>

#include "goro/local.hpp"
#include "runtime/proc.hpp"

namespace goro::rt {

struct LocalSlots {
  struct Entry {
    std::size_t key;
    void* value;
    void (*destroy)(void*);
  };
  std::vector<Entry> entries;
};

void destroy_goroutine_locals(G* gp) {
  LocalSlots* slots = gp->locals;
  if (!slots) return;
  // A destructor may itself touch goroutine-locals: detach first, then destroy.
  while (!slots->entries.empty()) {
    LocalSlots::Entry e = slots->entries.back();
    slots->entries.pop_back();
    e.destroy(e.value);
  }
  gp->locals = nullptr;
  delete slots;
}

}  // namespace goro::rt

namespace goro::detail {

std::size_t local_key_new() {
  static std::atomic<std::size_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

void* local_get(std::size_t key) {
  rt::G* gp = rt::getg();
  if (!gp) rt::fatal("GoroutineLocal used outside a goroutine");
  if (!gp->locals) return nullptr;
  for (auto& e : gp->locals->entries)
    if (e.key == key) return e.value;
  return nullptr;
}

void local_set(std::size_t key, void* value, void (*destroy)(void*)) {
  rt::G* gp = rt::getg();
  if (!gp) rt::fatal("GoroutineLocal used outside a goroutine");
  if (!gp->locals) gp->locals = new rt::LocalSlots;
  gp->locals->entries.push_back({key, value, destroy});
}

}  // namespace goro::detail
