// netpoll_desc.hpp — the generic poller's interface for descriptor code (Go: the
// runtime_poll* functions that internal/poll/fd_poll_runtime.go links to).
//
// A PollDesc ties one non-blocking descriptor to the poller: at most one goroutine waits for
// reading and one for writing (the caller serializes each direction, as Go's fdMutex does).
// Lifecycle: poll_open -> any number of poll_reset/poll_wait/poll_set_deadline -> poll_evict
// (wakes every waiter; later waits fail with kClosed) -> poll_close once no operation can touch
// the PollDesc any more -> close(fd). netpoll.cpp opens with the design.
#pragma once

#include <cstdint>

namespace goro::rt {

struct PollDesc;

// Outcome of a wait (Go: pollNoError, pollErrClosing, pollErrTimeout).
enum class PollResult : std::uint8_t {
  kOk,       // the descriptor may be ready: retry the system call
  kClosed,   // poll_evict was called: the descriptor is being closed
  kTimeout,  // the deadline for this direction has passed
};

// Modes, as in Go: 'r', 'w', or 'r' + 'w' for both directions.
inline constexpr int kPollRead = 'r';
inline constexpr int kPollWrite = 'w';
inline constexpr int kPollReadWrite = 'r' + 'w';

// Starts the poller if needed and registers fd (non-blocking) with it. Returns nullptr and sets
// *error to an errno value on failure.
PollDesc* poll_open(int fd, int* error);

// Unregisters the descriptor and recycles pd. REQUIRES: poll_evict(pd) was called and no
// goroutine is in poll_wait on pd; fd still open (it is closed after this returns).
void poll_close(PollDesc* pd);

// Checks pd before an I/O attempt in `mode` and forgets a readiness notification left over from
// an earlier operation (Go: poll_runtime_pollReset). kOk means: go ahead with the system call.
PollResult poll_reset(PollDesc* pd, int mode);

// Parks the calling goroutine until pd is ready in `mode` (one of kPollRead, kPollWrite), the
// deadline passes, or pd is evicted. A readiness notification that arrived since the last
// poll_reset is consumed without parking. REQUIRES: called by a goroutine; no other goroutine
// waits on pd in the same mode.
PollResult poll_wait(PollDesc* pd, int mode);

// Whether the poller has ever reported a hang-up (peer shutdown) or an error on pd. A reader
// that emptied a stream socket after a poll_reset may wait for readiness without trying the
// system call again only if this is false: an EOF or reset reported before that poll_reset
// raises no further notification. (See the proof in netpoll.cpp.)
bool poll_hangup_seen(PollDesc* pd);

// Sets the deadline of `mode` (kPollRead, kPollWrite or kPollReadWrite) to the nanotime()
// `deadline_ns`; 0 clears it. A deadline not in the future expires at once, waking a waiter with
// kTimeout. A later deadline makes the direction usable again.
void poll_set_deadline(PollDesc* pd, std::int64_t deadline_ns, int mode);

// Marks pd closing and wakes both waiters; every later poll_reset/poll_wait returns kClosed
// (Go: poll_runtime_pollUnblock). REQUIRES: called once per poll_open.
void poll_evict(PollDesc* pd);

}  // namespace goro::rt
