// fd.hpp — a socket shared by goroutines and registered with the poller (Go: net/fd_posix.go's
// netFD together with internal/poll/fd_unix.go's FD).
//
// NetFd is the one object behind every goro::net handle (Conn, Listener, PacketConn hold a
// shared_ptr to it). Its methods are safe to call from several goroutines at once: FdMutex keeps
// the descriptor open while any call is inside it and serializes each direction; the PollDesc
// parks a goroutine whose system call would block. Every method returns errors as values.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>

#include "goro/result.hpp"
#include "net/fd_mutex.hpp"
#include "net/sockaddr.hpp"

namespace goro::rt {
struct PollDesc;
}

namespace goro::net::detail {

inline std::error_code errno_code(int err) {
  return {err, std::system_category()};
}

class NetFd {
 public:
  // Registers sysfd (non-blocking, close-on-exec) with the poller and takes ownership of it; on
  // failure sysfd is closed.
  static Result<std::shared_ptr<NetFd>> open(int sysfd, int family, int sotype);

  NetFd(const NetFd&) = delete;
  NetFd& operator=(const NetFd&) = delete;
  // Closes the descriptor if close() was not called. REQUIRES: no call in progress.
  ~NetFd();

  // Go: FD.Read. 0 bytes and Errc::eof at the end of a stream.
  Result<std::size_t> read(std::span<char> buf);
  // Go: FD.Write. Writes everything or fails.
  Result<std::size_t> write(std::span<const char> data);
  // Go: FD.ReadFrom / FD.WriteTo, for datagram sockets.
  Result<std::size_t> read_from(std::span<char> buf, SockAddr* from);
  Result<std::size_t> write_to(std::span<const char> data, const SockAddr& to);
  // Go: FD.Accept. The new socket is registered, with its addresses set.
  Result<std::shared_ptr<NetFd>> accept();
  // Go: netFD.connect. Non-blocking connect, then waits for writability and reads SO_ERROR;
  // deadline_ns (a nanotime, 0 for none) bounds the wait. REQUIRES: not yet shared.
  Result<void> connect(const SockAddr& to, std::int64_t deadline_ns);

  // Go: FD.Close: fails with Errc::closed if already closed; wakes every blocked call (they fail
  // with Errc::closed) and returns once the descriptor is really closed.
  Result<void> close();
  Result<void> shutdown(int how);
  // Go: FD.SetDeadline and friends; see rt::poll_set_deadline for deadline_ns.
  Result<void> set_deadline(std::int64_t deadline_ns, int mode);
  Result<void> set_option(int level, int name, const void* value, socklen_t len);
  Result<void> set_option(int level, int name, int value) {
    return set_option(level, name, &value, sizeof(value));
  }

  // Addresses, fixed before the NetFd is shared (set_addrs) and readable after close.
  void set_addrs(const SockAddr& local, const SockAddr& remote) {
    local_ = local;
    remote_ = remote;
  }
  // A Unix listener's socket file, removed when the descriptor is destroyed. REQUIRES: not yet
  // shared.
  void set_unlink_on_close(std::string path) { unlink_path_ = std::move(path); }
  const SockAddr& local() const { return local_; }
  const SockAddr& remote() const { return remote_; }
  int family() const { return family_; }
  int sotype() const { return sotype_; }
  int sysfd() const { return sysfd_; }

 private:
  NetFd(int sysfd, int family, int sotype) : sysfd_(sysfd), family_(family), sotype_(sotype) {}

  class Op;
  template <class Attempt>
  Result<std::size_t> retry(int mode, Attempt attempt);
  void destroy();

  const int sysfd_;
  const int family_;
  const int sotype_;
  rt::PollDesc* pd_ = nullptr;
  FdMutex mu_;
  // The last read of this stream socket returned less than asked: the receive queue was empty
  // then. Only the goroutine holding the read lock touches it.
  bool read_drained_ = false;
  SockAddr local_;
  SockAddr remote_;
  std::string unlink_path_;
};

// getsockname/getpeername; an empty SockAddr on failure (an unconnected socket has no peer).
SockAddr sock_name(int sysfd);
SockAddr peer_name(int sysfd);

}  // namespace goro::net::detail
