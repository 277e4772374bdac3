// goro_micro — micro-benchmarks of the costs under the workloads (Google Benchmark; prints
// figures, asserts nothing about time). Not part of WORKLOADS.md: these isolate what the
// anchor workloads mix together.
//
//   BM_SpawnFinish/procs:P     go() + run + exit of a goroutine that only calls wg.done(),
//                              in batches of 1000 waited for with a WaitGroup (the inner loop
//                              of the spawn workload); per_goroutine = time per goroutine.
//   BM_YieldRoundTrip/procs:P  goroutine 1 calls goro::yield() while a second goroutine yields
//                              in a loop: at P=1 one iteration is a round trip through the
//                              scheduler (main -> partner -> main, two switches via g0 and the
//                              global run queue); at P=2 both run in parallel and the figure is
//                              the cost of one yield under contention on the global queue.
//   BM_Switch{Goro,Fcontext,Ucontext}
//                              a raw switch to a second context on its own stack and back, no
//                              scheduler: goro_switch (src/runtime/arch/context.hpp, the switch
//                              goro uses), Boost.Context's jump_fcontext (what Boost.Fiber uses)
//                              and glibc swapcontext. per_switch = time per one-way switch. These
//                              back the choice of goro's own switch (context.hpp).
//
// Everything runs inside goro::run (the runtime starts once per process); the goroutine
// benchmarks set GOMAXPROCS with goro::gomaxprocs before measuring. Wall-clock time
// (UseRealTime): CPU time is meaningless for a thread that parks.
#include <benchmark/benchmark.h>
#include <ucontext.h>

#include <atomic>
#include <boost/context/detail/fcontext.hpp>
#include <cstddef>
#include <goro/runtime.hpp>
#include <goro/sync.hpp>
#include <vector>

#include "runtime/arch/context.hpp"

namespace {

constexpr std::size_t kSwitchStack = 64 * 1024;

// Reports `per_iteration` events per benchmark iteration as a time per event.
void per_event(benchmark::State& state, const char* name, double per_iteration) {
  state.counters[name] =
      benchmark::Counter(double(state.iterations()) * per_iteration,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// ------------------------------------------------------------------ goroutines

constexpr int kSpawnBatch = 1000;

void BM_SpawnFinish(benchmark::State& state) {
  goro::gomaxprocs(static_cast<int>(state.range(0)));
  goro::WaitGroup wg;
  for (auto _ : state) {
    wg.add(kSpawnBatch);
    for (int i = 0; i < kSpawnBatch; ++i) goro::go([&wg] { wg.done(); });
    wg.wait();
  }
  per_event(state, "per_goroutine", kSpawnBatch);
}
BENCHMARK(BM_SpawnFinish)->ArgName("procs")->Arg(1)->Arg(2)->UseRealTime();

void BM_YieldRoundTrip(benchmark::State& state) {
  goro::gomaxprocs(static_cast<int>(state.range(0)));
  std::atomic<bool> stop{false};
  goro::WaitGroup wg;
  wg.add(1);
  goro::go([&stop, &wg] {
    while (!stop.load(std::memory_order_relaxed)) goro::yield();
    wg.done();
  });
  for (auto _ : state) goro::yield();
  stop.store(true, std::memory_order_relaxed);
  wg.wait();
}
BENCHMARK(BM_YieldRoundTrip)->ArgName("procs")->Arg(1)->Arg(2)->UseRealTime();

// ------------------------------------------------------------------ raw context switches

// Each bounce context switches straight back to the benchmark loop forever; it is abandoned
// (never resumed) when the benchmark ends, and its stack freed.

struct GoroPair {
  goro::rt::arch::Context loop, bounce;
};

[[noreturn]] void goro_bounce(void* arg) {
  auto* pair = static_cast<GoroPair*>(arg);
  for (;;) goro_switch(&pair->bounce.sp, pair->loop.sp);
}

void BM_SwitchGoro(benchmark::State& state) {
  std::vector<char> stack(kSwitchStack);
  GoroPair pair;
  pair.bounce.prepare(stack.data() + stack.size(), goro_bounce, &pair);
  for (auto _ : state) goro_switch(&pair.loop.sp, pair.bounce.sp);
  per_event(state, "per_switch", 2);
}
BENCHMARK(BM_SwitchGoro)->UseRealTime();

namespace bctx = boost::context::detail;

[[noreturn]] void fcontext_bounce(bctx::transfer_t t) {
  for (;;) t = bctx::jump_fcontext(t.fctx, nullptr);
}

void BM_SwitchFcontext(benchmark::State& state) {
  std::vector<char> stack(kSwitchStack);
  bctx::fcontext_t bounce =
      bctx::make_fcontext(stack.data() + stack.size(), stack.size(), fcontext_bounce);
  for (auto _ : state) bounce = bctx::jump_fcontext(bounce, nullptr).fctx;
  per_event(state, "per_switch", 2);
}
BENCHMARK(BM_SwitchFcontext)->UseRealTime();

struct UcontextPair {
  ucontext_t loop, bounce;
};
UcontextPair* g_ucontext_pair = nullptr;  // makecontext passes only int arguments

[[noreturn]] void ucontext_bounce() {
  for (;;) swapcontext(&g_ucontext_pair->bounce, &g_ucontext_pair->loop);
}

void BM_SwitchUcontext(benchmark::State& state) {
  std::vector<char> stack(kSwitchStack);
  UcontextPair pair;
  g_ucontext_pair = &pair;
  getcontext(&pair.bounce);
  pair.bounce.uc_stack.ss_sp = stack.data();
  pair.bounce.uc_stack.ss_size = stack.size();
  pair.bounce.uc_link = nullptr;
  makecontext(&pair.bounce, ucontext_bounce, 0);
  for (auto _ : state) swapcontext(&pair.loop, &pair.bounce);
  per_event(state, "per_switch", 2);
}
BENCHMARK(BM_SwitchUcontext)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  return goro::run([] {
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
  });
}
