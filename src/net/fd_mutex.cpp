// fd_mutex.cpp — see fd_mutex.hpp for the design.
//
// Invariants (under lock_): refs_ counts incref/rwlock holders; held_[side] is true while a
// goroutine owns that side, and the side passes directly to the head of queue_[side] on unlock
// (its reference transfers with it), so a queued goroutine never races a newcomer. Once closed_,
// both queues are empty and stay empty.
#include "net/fd_mutex.hpp"

#include "runtime/proc.hpp"
#include "runtime/sched.hpp"

namespace goro::net::detail {

struct FdMutex::Waiter {
  rt::G* g;
  Waiter* next = nullptr;
  bool granted = false;  // written by the waker before ready(g)
};

namespace {

bool unlock_commit(rt::G*, void* lock) {
  static_cast<rt::Lock*>(lock)->unlock();
  return true;
}

}  // namespace

bool FdMutex::incref() {
  lock_.lock();
  const bool ok = !closed_;
  if (ok) refs_++;
  lock_.unlock();
  return ok;
}

bool FdMutex::decref() {
  lock_.lock();
  if (refs_ <= 0) rt::fatal("net: FdMutex reference count underflow");
  const bool last = --refs_ == 0 && closed_;
  lock_.unlock();
  return last;
}

bool FdMutex::rwlock(bool read) {
  lock_.lock();
  if (closed_) {
    lock_.unlock();
    return false;
  }
  refs_++;
  if (!held_[read]) {
    held_[read] = true;
    lock_.unlock();
    return true;
  }
  // Queue behind the holder; our reference is kept while we wait (close drops it for us).
  Waiter self{rt::getg()};
  Queue& q = queue_[read];
  (q.tail ? q.tail->next : q.head) = &self;
  q.tail = &self;
  rt::park(&unlock_commit, &lock_, rt::WaitReason::kSemacquire);
  return self.granted;
}

bool FdMutex::rwunlock(bool read) {
  lock_.lock();
  Queue& q = queue_[read];
  rt::G* next = nullptr;
  if (Waiter* w = q.head) {
    q.head = w->next;
    if (q.head == nullptr) q.tail = nullptr;
    w->granted = true;
    next = w->g;
    refs_--;  // ours; the waiter's reference now backs the side it holds
  } else {
    held_[read] = false;
    refs_--;
  }
  const bool last = refs_ == 0 && closed_;
  lock_.unlock();
  if (next != nullptr) rt::ready(next);
  return last;
}

bool FdMutex::incref_and_close() {
  lock_.lock();
  if (closed_) {
    lock_.unlock();
    return false;
  }
  closed_ = true;
  refs_++;
  Waiter* woken[2] = {queue_[0].head, queue_[1].head};
  for (Waiter* w : woken) {
    for (; w != nullptr; w = w->next) refs_--;  // they fail and hold nothing
  }
  queue_[0] = Queue{};
  queue_[1] = Queue{};
  lock_.unlock();
  for (Waiter* w : woken) {
    while (w != nullptr) {
      Waiter* next = w->next;  // w lives on a stack that may unwind once readied
      rt::ready(w->g);
      w = next;
    }
  }
  return true;
}

void FdMutex::mark_destroyed() {
  lock_.lock();
  destroyed_ = true;
  rt::G* closer = closer_;
  closer_ = nullptr;
  lock_.unlock();
  if (closer != nullptr) rt::ready(closer);
}

void FdMutex::wait_destroyed() {
  rt::G* self = rt::getg();
  if (self == nullptr) return;
  lock_.lock();
  if (destroyed_) {
    lock_.unlock();
    return;
  }
  closer_ = self;
  rt::park(&unlock_commit, &lock_, rt::WaitReason::kSemacquire);
}

}  // namespace goro::net::detail
