// netpoll_epoll.cpp — the netpoller's Linux backend (Go: runtime/netpoll_epoll.go).
//
// One epoll instance for the process, created on first use. Descriptors are registered once,
// edge-triggered for read, write and hang-up: readiness is then reported once per change and the
// generic half (netpoll.cpp) remembers it in the PollDesc, so no re-arming system call is needed
// per operation. An eventfd registered in the same instance lets another thread interrupt an M
// blocked in epoll_wait (netpoll_break), e.g. when an earlier timer is added; a flag coalesces
// concurrent breaks into one write.
//
// Timeouts use epoll_pwait2 (nanoseconds) where the kernel has it, so timers are not rounded up
// to whole milliseconds; older kernels fall back to epoll_wait.
#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>

#include "runtime/netpoll.hpp"
#include "runtime/sched.hpp"

namespace goro::rt {
namespace {

int epfd = -1;
int wakefd = -1;
std::atomic<bool> inited{false};
std::atomic<std::uint32_t> wake_pending{0};
std::atomic<bool> have_pwait2{true};
char wake_cookie;  // its address marks the eventfd's events

int wait_events(epoll_event* events, int max, std::int64_t delay_ns) {
  if (delay_ns >= 0 && have_pwait2.load(std::memory_order_relaxed)) {
    struct timespec ts {
      static_cast<time_t>(delay_ns / 1'000'000'000), static_cast<long>(delay_ns % 1'000'000'000)
    };
    int n = epoll_pwait2(epfd, events, max, &ts, nullptr);
    if (n >= 0 || errno != ENOSYS) return n;
    have_pwait2.store(false, std::memory_order_relaxed);
  }
  int timeout_ms = -1;
  if (delay_ns == 0) {
    timeout_ms = 0;
  } else if (delay_ns > 0) {
    // Round up: waking early would just spin through the scheduler again.
    std::int64_t ms = (delay_ns + 999'999) / 1'000'000;
    timeout_ms = ms > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(ms);
  }
  return epoll_wait(epfd, events, max, timeout_ms);
}

}  // namespace

void netpoll_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) fatal("netpoll_init: epoll_create1 failed");
    wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wakefd < 0) fatal("netpoll_init: eventfd failed");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &wake_cookie;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev) != 0) fatal("netpoll_init: epoll_ctl failed");
    inited.store(true, std::memory_order_release);
  });
}

bool netpoll_inited() {
  return inited.load(std::memory_order_acquire);
}

int netpoll_open(int fd, PollDesc* pd) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = pd;
  return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : errno;
}

int netpoll_close(int fd) {
  epoll_event ev{};
  return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &ev) == 0 ? 0 : errno;
}

void netpoll_break() {
  if (!netpoll_inited()) return;
  std::uint32_t expected = 0;
  if (!wake_pending.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) return;
  std::uint64_t one = 1;
  for (;;) {
    ssize_t n = write(wakefd, &one, sizeof one);
    if (n == sizeof one || errno == EAGAIN) return;
    if (errno != EINTR) fatal("netpoll_break: eventfd write failed");
  }
}

G* netpoll(std::int64_t delay_ns, int* count) {
  *count = 0;
  if (!netpoll_inited()) return nullptr;
  epoll_event events[128];
  int n;
  for (;;) {
    n = wait_events(events, 128, delay_ns);
    if (n >= 0) break;
    if (errno != EINTR) fatal("netpoll: epoll_wait failed");
    // A signal: return so the caller recomputes its timeout (Go does the same).
    if (delay_ns > 0) return nullptr;
  }
  G* list = nullptr;
  for (int i = 0; i < n; i++) {
    const epoll_event& ev = events[i];
    if (ev.data.ptr == &wake_cookie) {
      // Only a blocking poll consumes the break; a non-blocking one leaves it for the M that
      // actually sleeps (Go: netpollBreak semantics).
      if (delay_ns != 0) {
        std::uint64_t value;
        while (read(wakefd, &value, sizeof value) < 0 && errno == EINTR) {
        }
        wake_pending.store(0, std::memory_order_release);
      }
      continue;
    }
    int mode = 0;
    if (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) mode += 'r';
    if (ev.events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) mode += 'w';
    if (mode != 0)
      netpoll_ready(&list, count, static_cast<PollDesc*>(ev.data.ptr), mode,
                    (ev.events & EPOLLERR) != 0, (ev.events & (EPOLLRDHUP | EPOLLHUP)) != 0);
  }
  return list;
}

}  // namespace goro::rt
