// chan_testing.hpp — helpers shared by the channel and select tests.
//
// The tests never wait for "long enough": when a test needs goroutines to be blocked on a
// channel before it acts (say, to close it under waiting senders), it yields until the
// channel's wait queue holds that many waiters, reading the queue under the channel's lock.
// A queued waiter is past every check it makes before parking, so the test's next step
// necessarily meets it blocked.
//
// Goroutines are started through a Group, which also waits for them: goroutines that are still
// around when goro::run returns are abandoned (as in Go), and the channel handles their closures
// hold would then show up as leaks under LeakSanitizer.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include "goro/chan.hpp"
#include "goro/runtime.hpp"
#include "runtime/chan.hpp"
#include "test_util.hpp"

namespace goro_test {

// Starts goroutines and waits until each has finished with everything it captured (a
// sync.WaitGroup made of a channel). REQUIRES: wait() is called before the Group goes away.
class Group {
 public:
  template <class F>
  void go(F body) {
    started_++;
    goro::go([this, body = std::optional<F>(std::move(body))]() mutable {
      (*body)();
      body.reset();  // release the captures before reporting, so wait() means "all gone"
      done_.send({});
    });
  }
  void wait() {
    for (; started_ > 0; started_--) done_.recv();
  }

 private:
  goro::Chan<goro::Unit> done_{0};
  std::size_t started_ = 0;
};

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
