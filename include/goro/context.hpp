// goro/context.hpp — cancellation, deadlines and request-scoped values across goroutines
// (Go: package context).
//
// A Context is a cheap, copyable, immutable handle to a node in a tree rooted at background().
// Deriving (with_cancel, with_deadline, with_timeout, with_value) makes a child node; cancelling
// a node cancels its whole subtree, never its parent. A goroutine watches for cancellation by
// receiving from done() (typically as one case of goro::select) and then reads err():
//
//     auto [ctx, cancel] = goro::with_timeout(parent, 100ms);
//     goro::select(goro::recv_case(results, [&](auto r) { ... }),
//                  goro::recv_case(ctx.done(), [&](auto) { return ctx.err(); }));
//     cancel();  // releases the child's resources; always call it, as in Go
//
// err() is a std::error_code in category "context": ContextErrc::canceled ("context canceled")
// or ContextErrc::deadline_exceeded ("context deadline exceeded", which also compares equal to
// std::errc::timed_out); it is empty (false) until the context is done.
//
// Rules carried over from Go: call the CancelFunc of every derived context when its work is done
// (until then the parent keeps the child alive); pass Contexts by value or const reference, and
// do not store them in long-lived structures; values are for request-scoped data, not options.
#pragma once

#include <memory>
#include <optional>
#include <system_error>
#include <type_traits>

#include "goro/chan.hpp"
#include "goro/time.hpp"

namespace goro {

enum class ContextErrc {
  canceled = 1,       // Go: context.Canceled
  deadline_exceeded,  // Go: context.DeadlineExceeded
};

// The category of ContextErrc; name() is "context".
const std::error_category& context_category() noexcept;

inline std::error_code make_error_code(ContextErrc e) noexcept {
  return {static_cast<int>(e), context_category()};
}

}  // namespace goro

template <>
struct std::is_error_code_enum<goro::ContextErrc> : std::true_type {};

namespace goro {

class Context;

namespace detail {
struct ContextNode;  // context.cpp
Context with_value(const Context& parent, const void* key, std::shared_ptr<const void> value);
}  // namespace detail

// A key for Context values, identified by its address (Go: an unexported key type). T is the
// type of the value stored under it, so lookups are type-safe. Typically a namespace-scope
// constant: `inline const goro::ContextKey<std::string> kRequestId;`
template <class T>
class ContextKey {
 public:
  constexpr ContextKey() = default;
  ContextKey(const ContextKey&) = delete;
  ContextKey& operator=(const ContextKey&) = delete;
};

class Context {
 public:
  // background(): never canceled, no deadline, no values.
  Context() noexcept = default;

  // A channel closed when this context is cancelled or its deadline passes; the nil channel
  // (never ready) for a context that can never be done.
  Chan<Unit> done() const;
  // Empty until done() is closed, then why (see the header comment).
  std::error_code err() const;
  // When this context will be done at the latest, if it has a deadline.
  std::optional<Time> deadline() const;

  // The value stored under `key` by the nearest with_value ancestor, or nullptr. The pointer
  // stays valid as long as this Context (or any context derived from it) exists.
  template <class T>
  const T* value(const ContextKey<T>& key) const {
    return static_cast<const T*>(find_value(&key));
  }

 private:
  friend struct detail::ContextNode;
  explicit Context(std::shared_ptr<detail::ContextNode> node) noexcept : node_(std::move(node)) {}
  const void* find_value(const void* key) const;

  std::shared_ptr<detail::ContextNode> node_;
};

// The root context (Go: context.Background).
inline Context background() noexcept {
  return Context();
}

// Cancels the context it came with, and all contexts derived from it, with
// ContextErrc::canceled (Go: context.CancelFunc). Idempotent; safe to call from any goroutine
// and to copy. REQUIRES: called by a goroutine.
class CancelFunc {
 public:
  CancelFunc() noexcept = default;  // cancels nothing
  void operator()() const;

 private:
  friend struct detail::ContextNode;
  explicit CancelFunc(std::shared_ptr<detail::ContextNode> node) noexcept
      : node_(std::move(node)) {}
  std::shared_ptr<detail::ContextNode> node_;
};

// A derived context and the function that cancels it: `auto [ctx, cancel] = with_cancel(p);`
struct WithCancel {
  Context ctx;
  CancelFunc cancel;
};

// A child of parent that is done when cancel is called or parent is done, whichever is first
// (Go: context.WithCancel).
WithCancel with_cancel(const Context& parent);

// A child that is also done at `deadline` with ContextErrc::deadline_exceeded (Go:
// context.WithDeadline). If parent's deadline is earlier, that one governs. A deadline in the
// past gives a context that is done already.
WithCancel with_deadline(const Context& parent, Time deadline);

// with_deadline(parent, now() + timeout) (Go: context.WithTimeout).
WithCancel with_timeout(const Context& parent, Duration timeout);

// A child carrying `value` under `key` (Go: context.WithValue); shadows the same key higher up.
template <class T, class V>
Context with_value(const Context& parent, const ContextKey<T>& key, V&& value) {
  return detail::with_value(parent, &key, std::make_shared<const T>(std::forward<V>(value)));
}

}  // namespace goro
