// fd.cpp — socket system calls on top of the poller (Go: internal/poll/fd_unix.go,
// net/fd_unix.go).
//
// Every I/O method follows Go's loop: take the direction (FdMutex), poll_reset (fails at once
// on a closed descriptor or an expired deadline, and drops a stale readiness report), then try
// the non-blocking system call; on EAGAIN park in poll_wait and try again; EINTR retries at once.
// Because the socket is registered edge-triggered, "try first, wait only on EAGAIN" is what
// makes a readiness report that arrives between the call and the wait safe: poll_wait consumes it
// instead of sleeping.
//
// Closing follows Go too: close() marks FdMutex closed, evicts the PollDesc (blocked calls wake
// with Errc::closed), and the descriptor is destroyed (PollDesc unregistered, then close(2)) by
// whoever drops the last reference, so a system call never runs on a descriptor number that a
// concurrent open may have reused.
#include "net/fd.hpp"

#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/netpoll_desc.hpp"
#include "runtime/sched.hpp"

namespace goro::net::detail {

namespace {

std::error_code poll_error(rt::PollResult r) {
  return make_error_code(r == rt::PollResult::kTimeout ? Errc::timeout : Errc::closed);
}

}  // namespace

// An operation in progress: a reference, or a reference plus one direction.
class NetFd::Op {
 public:
  enum Kind { kRef, kRead, kWrite };
  Op(NetFd* fd, Kind kind)
      : fd_(fd),
        kind_(kind),
        ok_(kind == kRef ? fd->mu_.incref() : fd->mu_.rwlock(kind == kRead)) {}
  Op(const Op&) = delete;
  Op& operator=(const Op&) = delete;
  ~Op() {
    if (!ok_) return;
    const bool last = kind_ == kRef ? fd_->mu_.decref() : fd_->mu_.rwunlock(kind_ == kRead);
    if (last) fd_->destroy();
  }
  bool ok() const { return ok_; }

 private:
  NetFd* fd_;
  Kind kind_;
  bool ok_;
};

Result<std::shared_ptr<NetFd>> NetFd::open(int sysfd, int family, int sotype) {
  int err = 0;
  rt::PollDesc* pd = rt::poll_open(sysfd, &err);
  if (pd == nullptr) {
    ::close(sysfd);
    return errno_code(err);
  }
  std::shared_ptr<NetFd> fd(new NetFd(sysfd, family, sotype));
  fd->pd_ = pd;
  return fd;
}

NetFd::~NetFd() {
  if (!mu_.incref_and_close()) return;  // close() already ran to completion
  rt::poll_evict(pd_);
  if (mu_.decref()) destroy();
}

void NetFd::destroy() {
  rt::poll_close(pd_);
  ::close(sysfd_);  // on Linux the descriptor is released even if this reports EINTR
  if (!unlink_path_.empty()) ::unlink(unlink_path_.c_str());
  mu_.mark_destroyed();
}

template <class Attempt>
Result<std::size_t> NetFd::retry(int mode, Attempt attempt) {
  if (rt::PollResult r = rt::poll_reset(pd_, mode); r != rt::PollResult::kOk) {
    return poll_error(r);
  }
  for (;;) {
    const ssize_t n = attempt();
    if (n >= 0) return static_cast<std::size_t>(n);
    const int err = rt::errno_value();
    if (err == EINTR) continue;
    if (err != EAGAIN && err != EWOULDBLOCK) return errno_code(err);
    if (rt::PollResult r = rt::poll_wait(pd_, mode); r != rt::PollResult::kOk) {
      return poll_error(r);
    }
  }
}

Result<std::size_t> NetFd::read(std::span<char> buf) {
  Op op(this, Op::kRead);
  if (!op.ok()) return Errc::closed;
  // A zero-byte read would look like EOF; Go returns at once too.
  if (buf.empty()) return std::size_t{0};
  if (read_drained_ && !rt::poll_hangup_seen(pd_)) {
    // The previous read emptied the receive queue, and it ran after a poll_reset: any data that
    // arrived since was reported to the poll descriptor (the kernel signals every arrival on an
    // edge-triggered registration). So wait for that report first instead of paying for a read
    // that would fail with EAGAIN (Go always tries the read; on a request/response connection
    // that is one wasted system call per message). A pending EOF or reset raises no new report,
    // hence the hang-up check. A stale report only makes the read below try and fall back to
    // the usual wait.
    if (rt::PollResult r = rt::poll_wait(pd_, rt::kPollRead); r != rt::PollResult::kOk) {
      return poll_error(r);
    }
  }
  auto n = retry(rt::kPollRead, [&] { return ::read(sysfd_, buf.data(), buf.size()); });
  read_drained_ = sotype_ == SOCK_STREAM && n.ok() && *n > 0 && *n < buf.size();
  if (n.ok() && *n == 0 && sotype_ != SOCK_DGRAM) return Errc::eof;
  return n;
}

Result<std::size_t> NetFd::write(std::span<const char> data) {
  Op op(this, Op::kWrite);
  if (!op.ok()) return Errc::closed;
  std::size_t done = 0;
  do {  // at least once: an empty write on a datagram socket sends an empty datagram
    auto n = retry(rt::kPollWrite, [&] {
      return ::send(sysfd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    });
    if (!n) return n.error();
    if (*n == 0 && done < data.size()) return Errc::unexpected_eof;
    done += *n;
  } while (done < data.size());
  return done;
}

Result<std::size_t> NetFd::read_from(std::span<char> buf, SockAddr* from) {
  Op op(this, Op::kRead);
  if (!op.ok()) return Errc::closed;
  return retry(rt::kPollRead, [&] {
    from->len = sizeof(from->storage);
    return ::recvfrom(sysfd_, buf.data(), buf.size(), 0, from->get(), &from->len);
  });
}

Result<std::size_t> NetFd::write_to(std::span<const char> data, const SockAddr& to) {
  Op op(this, Op::kWrite);
  if (!op.ok()) return Errc::closed;
  return retry(rt::kPollWrite, [&] {
    return ::sendto(sysfd_, data.data(), data.size(), MSG_NOSIGNAL, to.get(), to.len);
  });
}

Result<std::shared_ptr<NetFd>> NetFd::accept() {
  Op op(this, Op::kRead);
  if (!op.ok()) return Errc::closed;
  SockAddr peer;
  auto s = retry(rt::kPollRead, [&]() -> ssize_t {
    for (;;) {
      peer.len = sizeof(peer.storage);
      int s = ::accept4(sysfd_, peer.get(), &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      // The connection died in the backlog: not the listener's problem (Go ignores it too).
      if (s < 0 && rt::errno_value() == ECONNABORTED) continue;
      return s;
    }
  });
  if (!s) return s.error();
  const int sysfd = static_cast<int>(*s);
  auto fd = open(sysfd, family_, sotype_);
  if (fd) (*fd)->set_addrs(sock_name(sysfd), peer);
  return fd;
}

Result<void> NetFd::connect(const SockAddr& to, std::int64_t deadline_ns) {
  const int rc = ::connect(sysfd_, to.get(), to.len);
  const int err = rc == 0 ? 0 : rt::errno_value();
  if (rc == 0 || err == EISCONN) return {};
  // EINTR: the connect goes on asynchronously; wait for it like for EINPROGRESS.
  if (err != EINPROGRESS && err != EALREADY && err != EINTR) return errno_code(err);
  if (deadline_ns != 0) rt::poll_set_deadline(pd_, deadline_ns, rt::kPollWrite);
  Result<void> result;
  for (;;) {
    if (rt::PollResult r = rt::poll_wait(pd_, rt::kPollWrite); r != rt::PollResult::kOk) {
      result = poll_error(r);
      break;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(sysfd_, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = rt::errno_value();
    if (err == EINPROGRESS || err == EALREADY || err == EINTR) continue;  // not yet (spurious)
    if (err != 0 && err != EISCONN) result = errno_code(err);
    break;
  }
  if (deadline_ns != 0) rt::poll_set_deadline(pd_, 0, rt::kPollWrite);
  return result;
}

Result<void> NetFd::close() {
  if (!mu_.incref_and_close()) return Errc::closed;
  rt::poll_evict(pd_);
  if (mu_.decref()) destroy();
  mu_.wait_destroyed();
  return {};
}

Result<void> NetFd::shutdown(int how) {
  Op op(this, Op::kRef);
  if (!op.ok()) return Errc::closed;
  if (::shutdown(sysfd_, how) < 0) return errno_code(rt::errno_value());
  return {};
}

Result<void> NetFd::set_deadline(std::int64_t deadline_ns, int mode) {
  Op op(this, Op::kRef);
  if (!op.ok()) return Errc::closed;
  rt::poll_set_deadline(pd_, deadline_ns, mode);
  return {};
}

Result<void> NetFd::set_option(int level, int name, const void* value, socklen_t len) {
  Op op(this, Op::kRef);
  if (!op.ok()) return Errc::closed;
  if (::setsockopt(sysfd_, level, name, value, len) < 0) return errno_code(rt::errno_value());
  return {};
}

SockAddr sock_name(int sysfd) {
  SockAddr a;
  a.len = sizeof(a.storage);
  if (::getsockname(sysfd, a.get(), &a.len) < 0) a.len = 0;
  return a;
}

SockAddr peer_name(int sysfd) {
  SockAddr a;
  a.len = sizeof(a.storage);
  if (::getpeername(sysfd, a.get(), &a.len) < 0) a.len = 0;
  return a;
}

}  // namespace goro::net::detail
