// goro/errgroup.hpp — a group of goroutines working on subtasks of one task, where the first
// failure fails the task (Go: golang.org/x/sync/errgroup).
//
//     goro::ErrGroup group(ctx);  // group.context() is cancelled by the first error
//     group.set_limit(8);         // at most 8 running at once (optional)
//     for (auto& url : urls)
//       group.go([&, url] { return fetch(group.context(), url); });  // returns std::error_code
//     if (std::error_code err = group.wait()) ...
//
// A subtask is a callable returning std::error_code (empty means success) or void (always
// succeeds). The first non-empty error is kept and, for a group made with a Context, cancels
// the group's context so the other subtasks can stop early; later errors are dropped. wait()
// returns that first error once every subtask has returned, and cancels the group's context.
//
// Design: Go's errgroup over goro primitives — a WaitGroup for completion, a Once to keep the
// first error, a buffered Chan<Unit> of `limit` tokens for the concurrency limit (send to take
// a token: blocks when full). Header-only: all of it is the template go().
// An exception escaping a subtask is not an error value: it ends the program like an uncaught
// exception in any goroutine (Go's errgroup does not recover panics either).
#pragma once

#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "goro/chan.hpp"
#include "goro/context.hpp"
#include "goro/panic.hpp"
#include "goro/runtime.hpp"
#include "goro/sync.hpp"

namespace goro {

class ErrGroup {
 public:
  // A group without a context: errors are only collected (Go: a zero errgroup.Group).
  ErrGroup() = default;
  // A group whose context() derives from parent and is cancelled by the first error or by
  // wait() (Go: errgroup.WithContext).
  explicit ErrGroup(const Context& parent) {
    auto [ctx, cancel] = with_cancel(parent);
    ctx_ = std::move(ctx);
    cancel_ = std::move(cancel);
  }
  ErrGroup(const ErrGroup&) = delete;
  ErrGroup& operator=(const ErrGroup&) = delete;
  // REQUIRES: wait() has returned (the goroutines refer to the group).
  ~ErrGroup() = default;

  // The group's context (background() for a group made without one).
  const Context& context() const { return ctx_; }

  // Limits the number of subtasks running at once to n; n < 0 removes the limit (Go:
  // SetLimit). REQUIRES: no subtask is running (panics otherwise, as Go does).
  void set_limit(int n) {
    if (tokens_.len() != 0)
      throw Panic("errgroup: modify limit while " + std::to_string(tokens_.len()) +
                  " goroutines in the group are still active");
    tokens_ = n < 0 ? Chan<Unit>() : Chan<Unit>(static_cast<std::size_t>(n));
    limited_ = n >= 0;
  }

  // Runs f in a new goroutine, first waiting for a free slot if a limit is set (Go: Go).
  template <class F>
  void go(F&& f) {
    if (limited_) tokens_.send(Unit{});
    start(std::forward<F>(f));
  }

  // Runs f in a new goroutine only if a slot is free now; returns whether it did (Go: TryGo).
  template <class F>
  bool try_go(F&& f) {
    if (limited_ && !tokens_.try_send(Unit{})) return false;
    start(std::forward<F>(f));
    return true;
  }

  // Waits for every subtask, cancels the group's context, and returns the first error (Go: Wait).
  std::error_code wait() {
    done_.wait();
    cancel_();
    return first_error_;
  }

 private:
  template <class F>
  void start(F&& f) {
    done_.add(1);
    goro::go([this, f = std::forward<F>(f)]() mutable {
      struct Finish {
        ErrGroup* group;
        ~Finish() {
          if (group->limited_) group->tokens_.try_recv();
          group->done_.done();
        }
      } finish{this};
      if constexpr (std::is_void_v<std::invoke_result_t<decltype(f)&>>) {
        f();
      } else {
        if (std::error_code err = f()) record(err);
      }
    });
  }

  void record(std::error_code err) {
    first_error_once_.do_once([&] {
      first_error_ = err;
      cancel_();
    });
  }

  WaitGroup done_;
  Once first_error_once_;
  std::error_code first_error_;  // written once under first_error_once_, read after done_.wait()
  Context ctx_;
  CancelFunc cancel_;  // cancels nothing for a group without a context
  Chan<Unit> tokens_;  // a token per running subtask when limited
  bool limited_ = false;
};

}  // namespace goro
