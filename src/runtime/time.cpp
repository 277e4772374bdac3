// time.cpp — goro/time.hpp on top of the runtime timers (Go: time/sleep.go, time/tick.go and
// the timeSleep/sendTime/goFunc parts of runtime/time.go).
//
// sleep parks the goroutine on its own G::sleep_timer, which is added to the timer heap by the
// park commit, i.e. after the goroutine's registers are saved, so the wake-up can never overtake
// the park (Go: resetForSleep). One allocation per goroutine, on its first sleep, none after.
//
// Timer, Ticker, after and after_func share one heap object, TimerState: the runtime Timer,
// the channel (capacity 1) and/or the after_func callback, and a reference count. References
// are held by the user's handle and by the runtime while the timer is armed ("armed
// reference": taken when the timer is added, given back by whoever makes it not pending: a
// successful timer_stop, or the callback of a one-shot timer when it fires). So an after(d)
// channel or a discarded after_func Timer keeps its state alive exactly until it fires.
//
// Freeing: the runtime touches a Timer after its callback returns (running--), so a callback
// must not free its own state. If the last reference goes inside a callback, the state is
// pushed onto a lock-free "retired" list instead and freed by the next TimerState allocation
// once its `running` count is zero; a last reference dropped by a goroutine waits for the
// callback (timer_sync, a few instructions) and frees at once. Rejected: spawning a goroutine
// per firing just to free the state (a goroutine start per after() is far more than a push).
//
// stop() waits for a callback already running (timer_sync), so when it returns false the
// expiry is fully delivered and when it returns, a Ticker sends nothing more: Go's runtime gives
// the same guarantee by waiting on timerRunning in deltimer/modtimer.
// proc.hpp (which includes sched.hpp) first: G declares its sleep_timer as `struct Timer*`,
// which would bind to goro::Timer if goro/time.hpp came first.
#include "runtime/proc.hpp"
#include "runtime/sched.hpp"
#include "runtime/timer.hpp"

#include <cstdint>
#include <limits>

#include "goro/panic.hpp"
#include "goro/runtime.hpp"
#include "goro/time.hpp"

namespace goro::detail {

struct TimerState {
  rt::Timer timer;
  std::atomic<int> refs{1};  // the creator's
  Chan<Time> channel;        // Timer(d), Ticker, after: capacity 1; after_func: nil
  std::shared_ptr<AfterFuncCallback> callback;  // after_func only
  TimerState* next_retired = nullptr;
};

}  // namespace goro::detail

namespace goro {
namespace {

using detail::TimerState;

std::atomic<TimerState*> retired_states{nullptr};

void retire(TimerState* s) {
  s->next_retired = retired_states.load(std::memory_order_relaxed);
  while (!retired_states.compare_exchange_weak(s->next_retired, s, std::memory_order_release,
                                               std::memory_order_relaxed)) {
  }
}

// Frees the retired states whose callbacks have returned; the others go back on the list.
void reclaim_retired() {
  if (retired_states.load(std::memory_order_relaxed) == nullptr) return;
  TimerState* s = retired_states.exchange(nullptr, std::memory_order_acquire);
  while (s != nullptr) {
    TimerState* next = s->next_retired;
    if (s->timer.running.load(std::memory_order_acquire) == 0) {
      delete s;
    } else {
      retire(s);
    }
    s = next;
  }
}

TimerState* new_state() {
  reclaim_retired();
  return new TimerState;
}

// Drops a reference from a goroutine.
void release(TimerState* s) {
  if (s->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  rt::timer_sync(&s->timer);
  delete s;
}

// Drops the armed reference from inside the state's own timer callback.
void release_in_callback(TimerState* s) {
  if (s->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) retire(s);
}

std::int64_t when_after(Duration d) {
  const std::int64_t now_ns = rt::nanotime();
  const std::int64_t ns = d.count();
  if (ns <= 0) return now_ns;
  return ns > std::numeric_limits<std::int64_t>::max() - now_ns
             ? std::numeric_limits<std::int64_t>::max()
             : now_ns + ns;
}

Time fired_at(std::int64_t delay_ns) {
  return Time(Duration(rt::nanotime() - delay_ns));
}

using TimerFn = void (*)(void* arg, std::uintptr_t seq, std::int64_t delay_ns);

void arm(TimerState* s, TimerFn fn, std::int64_t when, std::int64_t period) {
  s->refs.fetch_add(1, std::memory_order_relaxed);
  s->timer.fn = fn;
  s->timer.arg = s;
  s->timer.when = when;
  s->timer.period = period;
  rt::timer_add(&s->timer);
}

// Timer callbacks: they run on a scheduler stack and must not block (Go: sendTime, goFunc).
void send_time_once(void* arg, std::uintptr_t, std::int64_t delay_ns) {
  auto* s = static_cast<TimerState*>(arg);
  s->channel.try_send(fired_at(delay_ns));
  release_in_callback(s);
}

void send_tick(void* arg, std::uintptr_t, std::int64_t delay_ns) {
  // Dropped if the previous tick has not been received: a slow receiver gets no backlog.
  static_cast<TimerState*>(arg)->channel.try_send(fired_at(delay_ns));
}

void start_after_func_goroutine(void* arg, std::uintptr_t, std::int64_t) {
  auto* s = static_cast<TimerState*>(arg);
  go([callback = s->callback] { callback->run(); });
  release_in_callback(s);
}

void wake_sleeper(void* g, std::uintptr_t, std::int64_t) {
  rt::ready(static_cast<rt::G*>(g));
}

bool add_sleep_timer(rt::G*, void* timer) {
  rt::timer_add(static_cast<rt::Timer*>(timer));
  return true;
}

// Stops an armed state; after it, no callback of s runs. Returns whether it was pending.
bool stop_state(TimerState* s) {
  const bool was_pending = rt::timer_stop(&s->timer);
  if (was_pending) s->refs.fetch_sub(1, std::memory_order_relaxed);  // never the last: ours
  rt::timer_sync(&s->timer);  // a one-shot that just fired, or a ticker mid-tick
  return was_pending;
}

}  // namespace

Time now() {
  return Time(Duration(rt::nanotime()));
}

void sleep(Duration d) {
  if (d <= Duration::zero()) return;
  rt::G* gp = rt::getg();
  if (gp == nullptr) rt::fatal("goro::sleep called outside a goroutine");
  rt::Timer* t = gp->sleep_timer;
  if (t == nullptr) {
    t = new rt::Timer;
    t->fn = wake_sleeper;
    t->arg = gp;
    gp->sleep_timer = t;
  } else {
    rt::timer_sync(t);  // the last wake-up's callback may still be returning
  }
  t->when = when_after(d);
  rt::park(add_sleep_timer, t, rt::WaitReason::kSleep);
}

Chan<Time> after(Duration d) {
  TimerState* s = new_state();
  s->channel = Chan<Time>(1);
  Chan<Time> channel = s->channel;
  arm(s, send_time_once, when_after(d), 0);
  release(s);  // the armed reference keeps it until it fires
  return channel;
}

// ---- Timer ----------------------------------------------------------------------------------

Timer::Timer(Duration d) : state_(new_state()) {
  state_->channel = Chan<Time>(1);
  arm(state_, send_time_once, when_after(d), 0);
}

Timer Timer::start_after_func(Duration d, std::shared_ptr<detail::AfterFuncCallback> callback) {
  Timer timer;
  timer.state_ = new_state();
  timer.state_->callback = std::move(callback);
  arm(timer.state_, start_after_func_goroutine, when_after(d), 0);
  return timer;
}

Timer::~Timer() {
  if (state_ != nullptr) release(state_);
}

const Chan<Time>& Timer::c() const {
  return state_->channel;
}

bool Timer::stop() {
  return stop_state(state_);
}

bool Timer::reset(Duration d) {
  const bool was_active = stop_state(state_);
  arm(state_, state_->timer.fn, when_after(d), 0);
  return was_active;
}

// ---- Ticker ---------------------------------------------------------------------------------

namespace {
std::int64_t checked_period(Duration period) {
  if (period <= Duration::zero()) throw Panic("non-positive interval for NewTicker");
  return period.count();
}
}  // namespace

Ticker::Ticker(Duration period) {
  const std::int64_t period_ns = checked_period(period);
  state_ = new_state();
  state_->channel = Chan<Time>(1);
  arm(state_, send_tick, when_after(period), period_ns);
}

Ticker::~Ticker() {
  if (state_ == nullptr) return;
  stop_state(state_);
  release(state_);
}

const Chan<Time>& Ticker::c() const {
  return state_->channel;
}

void Ticker::stop() {
  stop_state(state_);
}

void Ticker::reset(Duration period) {
  const std::int64_t period_ns = checked_period(period);
  stop_state(state_);
  arm(state_, send_tick, when_after(period), period_ns);
}

}  // namespace goro
