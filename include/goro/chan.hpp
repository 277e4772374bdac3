// goro/chan.hpp — channels (Go: `chan T`, runtime/chan.go).
//
// A goro::Chan<T> is a handle to a channel, with the reference semantics of a Go channel value:
// copies share one channel, the channel lives until the last handle goes, and a
// default-constructed handle is the nil channel. Sends and receives follow Go exactly:
//  * Chan<T>(0) is unbuffered: a send completes only when a receiver takes the value, which is
//    moved straight from the sender's frame into the receiver's result.
//  * Chan<T>(n) buffers up to n values in a ring; senders block while it is full, receivers
//    while it is empty. Blocked senders and receivers are served first-come, first-served.
//  * close() wakes every blocked goroutine: receivers drain what is buffered and then get
//    std::nullopt; blocked and later senders panic with "send on closed channel".
//  * A nil channel never becomes ready: send and recv on it block forever (the runtime reports
//    a deadlock if nothing else can run), try_send/try_recv fail, select never picks it.
//
// Design. The template is a thin, type-safe shell: the algorithm (locking, wait queues, the
// ring, parking) is compiled once in src/runtime/chan.cpp and works on untyped element
// pointers. Per element type it needs three operations, gathered in a constant ElemOps table:
// move a value into a buffer slot, destroy a slot, and move a value into a receiver's
// std::optional<T>. So T need not be trivially copyable; it must be nothrow move constructible,
// because values move while the channel's lock is held, where an exception could not be undone.
// Rejected: a fully templated channel (Go compiles the runtime once too; a template would put
// the parking protocol into every user translation unit); std::function or virtual dispatch for
// the element operations (a table of plain function pointers is the same thing without
// allocation).
//
// The handle is one pointer with an intrusive reference count (not std::shared_ptr: that
// would add a second allocation or a control block for no benefit).
//
// `Chan<goro::Unit>` is the analogue of Go's `chan struct{}`: its buffer has no storage, so a
// buffered Chan<Unit> is just a counter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace goro {

// The empty value, for channels that only signal (Go: struct{}).
struct Unit {
  friend constexpr bool operator==(Unit, Unit) noexcept { return true; }
};

namespace rt {
struct G;
}

namespace detail {

struct hchan;  // src/runtime/chan.hpp

// How the type-erased core handles the elements of one channel type. Every operation is
// noexcept: they run under the channel's lock.
struct ElemOps {
  std::size_t size;   // bytes per buffer slot; 0 means no storage (Unit)
  std::size_t align;  // alignment of a buffer slot
  // Move-constructs a T from *value into the raw buffer slot.
  void (*store)(void* slot, void* value) noexcept;
  // Destroys the T in a buffer slot (after its value was delivered).
  void (*destroy)(void* slot) noexcept;
  // Move-constructs the value *value into the receiver's std::optional<T> *out.
  void (*deliver)(void* out, void* value) noexcept;
};

template <class T>
constexpr ElemOps make_elem_ops() {
  if constexpr (std::is_same_v<T, Unit>) {
    return {0, 1, [](void*, void*) noexcept {}, [](void*) noexcept {},
            [](void* out, void*) noexcept { static_cast<std::optional<Unit>*>(out)->emplace(); }};
  } else {
    return {sizeof(T), alignof(T),
            [](void* slot, void* value) noexcept {
              ::new (slot) T(std::move(*static_cast<T*>(value)));
            },
            [](void* slot) noexcept { static_cast<T*>(slot)->~T(); },
            [](void* out, void* value) noexcept {
              static_cast<std::optional<T>*>(out)->emplace(std::move(*static_cast<T*>(value)));
            }};
  }
}

template <class T>
inline constexpr ElemOps kElemOps = make_elem_ops<T>();

// A goroutine waiting on one channel (Go: sudog). It lives in the waiting goroutine's frame —
// goroutine stacks never move — and is linked into the channel's send or receive queue.
// While it is queued, its fields are protected by the lock of the channel it waits on.
struct Waiter {
  rt::G* g = nullptr;
  Waiter* next = nullptr;  // queue links
  Waiter* prev = nullptr;
  // A sender's T to move from, or a receiver's std::optional<T> to fill.
  void* elem = nullptr;
  // Part of a select: whoever completes it must first win g->select_done.
  bool is_select = false;
  // Set by the waker: true if a value was exchanged, false if the channel was closed.
  bool success = false;
};

// The core, in chan.cpp. `c` may be nullptr (the nil channel) unless stated otherwise.
// REQUIRES for every blocking call: it is made by a goroutine.
hchan* chan_make(const ElemOps* ops, std::size_t capacity);
void chan_retain(hchan* c) noexcept;   // REQUIRES: c != nullptr
void chan_release(hchan* c) noexcept;  // REQUIRES: c != nullptr
// Sends the T at `value`, moving from it only if the send happens. With `block` false, returns
// false instead of blocking. Throws goro::Panic("send on closed channel").
bool chan_send(hchan* c, void* value, bool block);
enum class RecvStatus : std::uint8_t { kWouldBlock, kClosed, kReceived };
// Receives into the empty std::optional<T> at `out`. kWouldBlock only when `block` is false.
RecvStatus chan_recv(hchan* c, void* out, bool block);
void chan_close(hchan* c);
std::size_t chan_len(const hchan* c) noexcept;
std::size_t chan_cap(const hchan* c) noexcept;

struct ChanAccess;

}  // namespace detail

// The result of Chan<T>::try_recv_status.
template <class T>
struct TryRecv {
  std::optional<T> value;  // engaged if a value was received
  bool closed = false;     // true if nothing was received because the channel is closed and empty
};

// A channel of T values. Every operation is safe to call from any goroutine concurrently, on
// the same or different handles. The operations are const: constness belongs to the handle,
// not to the channel it refers to (like a const std::shared_ptr to a mutable object).
//
// REQUIRES: T is an object type, nothrow move constructible and nothrow destructible, and its
// move constructor and destructor neither block nor touch this channel (they run under the
// channel's lock).
// REQUIRES: a handle outlives every call made through it (as for any C++ object); other copies
// may come and go freely.
template <class T>
class Chan {
  static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                "Chan<T>: T must be a non-const object type");
  static_assert(std::is_nothrow_move_constructible_v<T> && std::is_nothrow_destructible_v<T>,
                "Chan<T>: T must be nothrow move constructible and nothrow destructible");

 public:
  // The nil channel.
  Chan() noexcept = default;

  // A new channel with a buffer of `capacity` values; 0 makes it unbuffered.
  // Throws goro::Panic("makechan: size out of range") if the buffer cannot be sized.
  explicit Chan(std::size_t capacity) : c_(detail::chan_make(&detail::kElemOps<T>, capacity)) {}

  Chan(const Chan& other) noexcept : c_(other.c_) {
    if (c_ != nullptr) detail::chan_retain(c_);
  }
  Chan(Chan&& other) noexcept : c_(std::exchange(other.c_, nullptr)) {}
  Chan& operator=(Chan other) noexcept {
    std::swap(c_, other.c_);
    return *this;
  }
  ~Chan() {
    if (c_ != nullptr) detail::chan_release(c_);
  }

  // Sends `value`, blocking until a receiver takes it or there is room in the buffer
  // (Go: ch <- value). Throws goro::Panic("send on closed channel"), also when the channel is
  // closed while this send waits. On a nil channel, blocks forever.
  void send(T value) const { detail::chan_send(c_, &value, true); }

  // Receives a value, blocking until one is available (Go: v, ok := <-ch). Returns
  // std::nullopt once the channel is closed and its buffer drained. On a nil channel, blocks
  // forever.
  std::optional<T> recv() const {
    std::optional<T> out;
    detail::chan_recv(c_, &out, true);
    return out;
  }

  // Sends `value` if that can be done without blocking (Go: select with a default case) and
  // returns true; `value` is then moved-from. Returns false otherwise and leaves `value`
  // untouched, so the caller still owns it. The rvalue overload has the same contract: passing
  // std::move(v) does not lose v on failure. Never blocks, so it may also be called outside a
  // goroutine (for example from a timer callback). Throws goro::Panic("send on closed channel").
  bool try_send(T& value) const { return detail::chan_send(c_, &value, false); }
  bool try_send(T&& value) const { return detail::chan_send(c_, &value, false); }

  // Receives a value if one is available without blocking. std::nullopt means "not now" or
  // "closed and drained"; try_recv_status tells which. Never blocks.
  std::optional<T> try_recv() const { return try_recv_status().value; }
  TryRecv<T> try_recv_status() const {
    TryRecv<T> result;
    result.closed = detail::chan_recv(c_, &result.value, false) == detail::RecvStatus::kClosed;
    return result;
  }

  // Closes the channel (Go: close(ch)). Buffered values can still be received. Throws
  // goro::Panic("close of closed channel") or goro::Panic("close of nil channel").
  void close() const { detail::chan_close(c_); }

  // The number of values buffered now, and the buffer's size (0 for a nil channel).
  std::size_t len() const noexcept { return detail::chan_len(c_); }
  std::size_t cap() const noexcept { return detail::chan_cap(c_); }

  // Handles are equal when they refer to the same channel (or are both nil).
  friend bool operator==(const Chan& a, const Chan& b) noexcept { return a.c_ == b.c_; }

  // `for (T v : ch)` receives until the channel is closed and drained (Go: for v := range ch).
  // Each element is yielded as an rvalue, so `for (T v : ch)` moves it into v and
  // `for (auto&& v : ch)` binds to it in place.
  class Iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;

    T&& operator*() { return std::move(*current_); }
    Iterator& operator++() {
      current_ = chan_->recv();
      return *this;
    }
    friend bool operator==(const Iterator& it, std::default_sentinel_t) noexcept {
      return !it.current_.has_value();
    }

   private:
    friend class Chan;
    explicit Iterator(const Chan* chan) : chan_(chan), current_(chan->recv()) {}

    const Chan* chan_;
    std::optional<T> current_;
  };
  // Receives the first element (so it blocks like the first iteration of a Go range loop).
  Iterator begin() const { return Iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  friend struct detail::ChanAccess;

  detail::hchan* c_ = nullptr;
};

namespace detail {
// Lets select.hpp reach a handle's channel without making it public API.
struct ChanAccess {
  template <class T>
  static hchan* get(const Chan<T>& ch) noexcept {
    return ch.c_;
  }
};
}  // namespace detail

}  // namespace goro
