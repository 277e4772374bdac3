// goro/select.hpp — waiting on several channel operations at once (Go: the select statement,
// runtime/select.go).
//
//   std::size_t which = goro::select(
//       goro::recv_case(requests, [&](std::optional<Request> r) { ... }),
//       goro::send_case(results, std::move(result), [&] { ... }),
//       goro::default_case([&] { ... }));
//
// select performs exactly one of its cases, then runs that case's callback and returns the
// case's position in the argument list. Like Go:
//  * If several cases are ready, one is chosen uniformly at random, so no case starves.
//  * Without a default case, select blocks until some case can proceed; with one, it runs the
//    default case instead of blocking.
//  * A receive from a closed channel is ready: its callback gets std::nullopt.
//  * A send on a closed channel, if chosen, throws goro::Panic("send on closed channel").
//  * A case on a nil channel never fires. A select with no cases, or only nil channels and no
//    default, blocks forever.
//
// Design. The cases become an array of untyped descriptors on the caller's stack, together
// with the scratch arrays and the per-case waiters the algorithm needs, so a select allocates
// nothing. The algorithm itself (Go's selectgo) is compiled once in src/runtime/select.cpp and
// only reports which case won; the callback runs here, after every channel lock is released, so
// callbacks may use channels freely (including the same ones).
// Rejected: std::function callbacks (allocation, and nothing to gain since the set of cases is
// known at compile time); an index-only API without callbacks (the received value would need a
// typed out-parameter per case anyway).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

#include "goro/chan.hpp"

namespace goro {

namespace detail {

enum class CaseKind : std::uint8_t { kSend, kRecv, kDefault };

// One case as the core sees it.
struct SelectCase {
  hchan* chan = nullptr;  // nullptr: a nil channel, or the default case
  void* elem = nullptr;   // a send's T, or a receive's std::optional<T>
  CaseKind kind = CaseKind::kDefault;
  Waiter waiter;  // queued on `chan` while the select blocks
};

// Go: selectgo. Performs one of the `count` cases and returns its index; returns the default
// case's index if there is one and nothing was ready. `order` is scratch for 2 * count
// indices. Throws goro::Panic("send on closed channel"). REQUIRES: count <= 65535, at most one
// default case; a goroutine calls it unless a default case is present.
std::size_t select_go(SelectCase* cases, std::uint16_t* order, std::size_t count);

// The case types. Build them with recv_case/send_case/default_case inside the select call.
template <class T, class F>
struct RecvCase {
  hchan* chan;
  F on_recv;
  std::optional<T> value;

  void describe(SelectCase& c) {
    c.chan = chan;
    c.elem = &value;
    c.kind = CaseKind::kRecv;
  }
  void fire() { on_recv(std::move(value)); }
};

template <class T, class F>
struct SendCase {
  hchan* chan;
  T value;
  F on_sent;

  void describe(SelectCase& c) {
    c.chan = chan;
    c.elem = &value;
    c.kind = CaseKind::kSend;
  }
  void fire() { on_sent(); }
};

template <class F>
struct DefaultCase {
  F on_default;

  void describe(SelectCase& c) { c.kind = CaseKind::kDefault; }
  void fire() { on_default(); }
};

template <class C>
inline constexpr bool kIsDefaultCase = false;
template <class F>
inline constexpr bool kIsDefaultCase<DefaultCase<F>> = true;

}  // namespace detail

// A case receiving from `ch`; on success runs on_recv(std::optional<T>) — std::nullopt if the
// channel is closed. REQUIRES: ch outlives the select call (the case refers to its channel
// without holding a reference count, so build cases inside the select(...) call).
template <class T, class F>
detail::RecvCase<T, std::decay_t<F>> recv_case(const Chan<T>& ch, F&& on_recv) {
  static_assert(std::is_invocable_v<std::decay_t<F>&, std::optional<T>&&>,
                "recv_case: the callback must accept a std::optional<T>");
  return {detail::ChanAccess::get(ch), std::forward<F>(on_recv), std::nullopt};
}

// A case sending `value` on `ch`; if it is chosen, value is sent and on_sent() runs. If another
// case is chosen, value is destroyed with the case. REQUIRES: as for recv_case.
template <class T, class F>
detail::SendCase<T, std::decay_t<F>> send_case(const Chan<T>& ch, std::type_identity_t<T> value,
                                               F&& on_sent) {
  static_assert(std::is_invocable_v<std::decay_t<F>&>,
                "send_case: the callback takes no arguments");
  return {detail::ChanAccess::get(ch), std::move(value), std::forward<F>(on_sent)};
}

// The case run when no other case is ready (Go: default).
template <class F>
detail::DefaultCase<std::decay_t<F>> default_case(F&& on_default) {
  static_assert(std::is_invocable_v<std::decay_t<F>&>,
                "default_case: the callback takes no arguments");
  return {std::forward<F>(on_default)};
}

// Runs one ready case (blocking until one is ready unless a default case is given) and returns
// its position among `cases`. REQUIRES: at most one default case; called from a goroutine unless
// a default case is present.
template <class... Cases>
std::size_t select(Cases&&... cases) {
  constexpr std::size_t kCount = sizeof...(Cases);
  static_assert((detail::kIsDefaultCase<std::remove_cvref_t<Cases>> + ... + 0) <= 1,
                "select: at most one default case");
  static_assert(kCount <= 65535, "select: too many cases");

  std::array<detail::SelectCase, kCount> table;
  std::array<std::uint16_t, 2 * kCount> order;
  [[maybe_unused]] std::size_t i = 0;
  (cases.describe(table[i++]), ...);
  const std::size_t chosen = detail::select_go(table.data(), order.data(), kCount);
  i = 0;
  ((i++ == chosen ? cases.fire() : void()), ...);
  return chosen;
}

}  // namespace goro
