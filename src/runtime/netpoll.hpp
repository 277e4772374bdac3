// netpoll.hpp — the network poller's two halves (Go: runtime/netpoll.go + netpoll_epoll.go).
//
// The platform half (netpoll_epoll.cpp, behind this fence) owns the epoll instance and knows
// nothing about goroutines beyond handing events to the generic half. The generic half
// (netpoll.cpp) owns PollDesc: per-descriptor read/write wait states, deadlines and the parked
// goroutines, and decides whom an event wakes. The scheduler calls netpoll() when it looks for
// work and blocks in it when idle.
#pragma once

#include <cstdint>

namespace goro::rt {

struct G;
struct PollDesc;  // defined by netpoll.cpp

// ---- platform half (netpoll_epoll.cpp) ----
// Creates the process's epoll instance and its wake-up eventfd; idempotent and thread-safe.
void netpoll_init();
bool netpoll_inited();
// Registers fd edge-triggered for read, write and hang-up, with pd as the event's cookie.
// Returns 0 or an errno value.
int netpoll_open(int fd, PollDesc* pd);
int netpoll_close(int fd);
// Interrupts a netpoll() blocked in epoll_wait (Go: netpollBreak).
void netpoll_break();
// Polls for ready descriptors: delay_ns < 0 blocks until an event or netpoll_break, 0 returns at
// once, > 0 waits at most that long. Returns the goroutines made runnable, linked through
// G::schedlink, and their number in *count.
G* netpoll(std::int64_t delay_ns, int* count);

// ---- generic half (netpoll.cpp) ----
// Called by the platform half for an event on pd. mode: 'r', 'w' or 'r' + 'w'. `error` is set
// for EPOLLERR. Appends the goroutines to wake to *list (through schedlink) and counts them.
void netpoll_ready(G** list, int* count, PollDesc* pd, int mode, bool error, bool hangup);
// Whether any goroutine is parked in the poller (the scheduler then keeps an M in netpoll
// instead of declaring a deadlock).
bool netpoll_any_waiters();
// Forgets every goroutine parked in the poller: they are abandoned with the goro::run that
// created them, and a late event must not ready a G the next run has recycled.
void netpoll_abandon();

}  // namespace goro::rt
