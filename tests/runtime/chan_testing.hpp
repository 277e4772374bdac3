// chan_testing.hpp — helpers shared by the channel and select tests.
//
// The tests never wait for "long enough": when a test needs goroutines to be blocked on a
// channel before it acts (say, to close it under waiting senders), it yields until the
// channel's wait queue holds that many waiters, reading the queue under the channel's lock.
// A queued waiter is past every check it makes before parking, so the test's next step
// necessarily meets it blocked.
#pragma once

#include <cstddef>

#include "goro/chan.hpp"
#include "goro/runtime.hpp"
#include "runtime/chan.hpp"

namespace goro_test {

// Runs body as goroutine 1 with GOMAXPROCS set to procs, restoring the previous setting.
template <class F>
void run_with_procs(int procs, F body) {
  goro::run([&] {
    struct Restore {
      int previous;
      ~Restore() { goro::gomaxprocs(previous); }
    } restore{goro::gomaxprocs(procs)};
    body();
  });
}

enum class Queue { kSenders, kReceivers };

template <class T>
std::size_t waiters(const goro::Chan<T>& ch, Queue queue) {
  goro::detail::hchan* c = goro::detail::ChanAccess::get(ch);
  c->lock.lock();
  const std::size_t n = (queue == Queue::kSenders ? c->sendq : c->recvq).size();
  c->lock.unlock();
  return n;
}

// Yields until at least n goroutines wait in ch's queue.
template <class T>
void wait_for_waiters(const goro::Chan<T>& ch, Queue queue, std::size_t n) {
  while (waiters(ch, queue) < n) goro::yield();
}

}  // namespace goro_test
