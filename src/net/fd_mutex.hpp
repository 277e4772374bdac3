// fd_mutex.hpp — lifetime and serialization of a shared socket (Go: internal/poll/fd_mutex.go).
//
// A descriptor shared by several goroutines must not be closed (and its number reused by an
// unrelated open) while one of them is inside a system call on it, and the poller allows one
// waiter per direction. FdMutex counts the operations in progress (references) and gives each
// direction to one goroutine at a time: reads and accepts take the read side, writes and
// connects the write side, everything else (deadlines, options, shutdown) only a reference.
// Closing marks the mutex closed at once (new operations fail, queued ones wake and fail) and
// the descriptor is destroyed by whoever drops the last reference; the closer waits for that.
//
// Rejected: Go's single lock-free 64-bit word with counters and semaphores (its fast path saves
// one uncontended lock; here a runtime Lock guards a small state and intrusive FIFO queues of
// parked goroutines, which is simpler to reason about and cheap next to a system call).
#pragma once

#include "runtime/lock.hpp"

namespace goro::rt {
struct G;
}

namespace goro::net::detail {

class FdMutex {
 public:
  FdMutex() = default;
  FdMutex(const FdMutex&) = delete;
  FdMutex& operator=(const FdMutex&) = delete;

  // Takes a reference. False if closed.
  bool incref();
  // Drops a reference. True if the mutex is closed and this was the last reference: the caller
  // must destroy the descriptor.
  bool decref();

  // Takes a reference and the read (or write) side, parking behind the current holder. False if
  // closed, before or while waiting. REQUIRES: called by a goroutine if it may have to wait.
  bool rwlock(bool read);
  // Releases the side (handing it to the next waiter) and the reference; returns like decref.
  bool rwunlock(bool read);

  // Marks the mutex closed and takes a reference; wakes every goroutine queued in rwlock (they
  // fail). False if it was already closed.
  bool incref_and_close();

  // The descriptor has been destroyed: wakes the goroutine in wait_destroyed (Go: csema).
  void mark_destroyed();
  // Parks until mark_destroyed. REQUIRES: at most one caller (the one whose incref_and_close
  // succeeded); returns at once when not called by a goroutine.
  void wait_destroyed();

 private:
  struct Waiter;
  struct Queue {
    Waiter* head = nullptr;
    Waiter* tail = nullptr;
  };

  rt::Lock lock_;
  int refs_ = 0;
  bool closed_ = false;
  bool destroyed_ = false;
  bool held_[2] = {false, false};  // [0] write side, [1] read side
  Queue queue_[2];
  rt::G* closer_ = nullptr;
};

}  // namespace goro::net::detail
