// goro_workloads — goro's versions of the anchor workloads (../shared/anchors/WORKLOADS.md),
// measured exactly like the Go reference (anchors/go/bench/main.go) and the Boost.Fiber one
// (anchors/boost-fiber/bench.cpp), so that bench/compare.sh can put the three side by side.
//
//   goro_workloads -w <workload> [-procs P] [-n COUNT]
//
// One workload per process. P is GOMAXPROCS: -procs sets the GOMAXPROCS environment variable
// before goro::run (without it the environment or the CPU count decides, as in Go); the line
// prints goro::gomaxprocs(0). Each figure is one stdout line
//
//   workload=<name> impl=goro procs=<P> metric=<metric> value=<number> unit=<unit>
//
// with WORKLOADS.md's metric names and decimals. Diagnostics (ring's winner, idle-mem's VmRSS
// values) go to stderr. -n replaces the workload's size (skynet's leaves, a power of 10; spawn's
// goroutines; pingpong's round trips; ring's hops) for profiling runs under valgrind, where the
// full sizes take minutes; the checks follow the new size. -ring T replaces ring's 503
// goroutines (to tell memory-bound from instruction-bound hops; bench/README, session 8). Exit
// status: 0 on success, 1 when the
// workload's correctness check fails (after a "... CHECK FAILED: <why>" line on stderr), 2 on a
// usage error.
//
// Mapping of WORKLOADS.md onto goro: `go f()` is goro::go, `make(chan T, C)` is
// goro::Chan<T>(C), `close`/`v, ok := <-ch` are close()/recv() (std::nullopt once closed),
// select is goro::select over four recv_cases, sync.Mutex/WaitGroup are goro::Mutex/WaitGroup,
// time.Sleep is goro::sleep. Closures capture channels by value (a handle copy), like a Go
// closure keeps a channel alive; everything the timed region needs is allocated before START.
#include <goro/chan.hpp>
#include <goro/runtime.hpp>
#include <goro/select.hpp>
#include <goro/sync.hpp>
#include <goro/time.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using I64Chan = goro::Chan<std::int64_t>;

const char* g_name = "";
int g_procs = 0;
std::int64_t g_count = 0;   // -n, 0 if not given
std::int64_t g_ring = 503;  // -ring: ring's goroutines (WORKLOADS.md's T)

// The workload's size: WORKLOADS.md's, unless -n replaced it.
std::int64_t size_or(std::int64_t standard) {
  return g_count > 0 ? g_count : standard;
}

// ------------------------------------------------------------------ shared helpers

void emit(const char* metric, double value, int decimals, const char* unit) {
  std::printf("workload=%s impl=goro procs=%d metric=%s value=%.*f unit=%s\n", g_name, g_procs,
              metric, decimals, value, unit);
  std::fflush(stdout);
}

[[noreturn]] void fail(const char* fmt, ...) {
  std::fflush(stdout);
  std::fprintf(stderr, "workload=%s impl=goro procs=%d CHECK FAILED: ", g_name, g_procs);
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  std::_Exit(1);  // other goroutines may still be running
}

double ns_per(Clock::duration d, double n) {
  return double(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()) / n;
}
double ms_of(Clock::duration d) {
  return ns_per(d, 1e6);
}

// Go's `wg.Add(n); for i in 0..n-1: go { body(i); wg.Done() }`. Each goroutine gets its own
// copy of `body` (a closure of references, like the Go one).
template <class Body>
void go_each(goro::WaitGroup& wg, std::int64_t n, Body body) {
  wg.add(static_cast<int>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    goro::go([&wg, body, i] {
      body(i);
      wg.done();
    });
  }
}

// ------------------------------------------------------------------ skynet

void skynet_node(const I64Chan& out, std::int64_t num, std::int64_t size) {
  if (size == 1) {
    out.send(num);
    return;
  }
  I64Chan rc(0);
  const std::int64_t sub = size / 10;
  for (std::int64_t i = 0; i < 10; ++i)
    goro::go([rc, num = num + i * sub, sub] { skynet_node(rc, num, sub); });
  std::int64_t sum = 0;
  for (int i = 0; i < 10; ++i) sum += *rc.recv();
  out.send(sum);
}

void w_skynet() {
  const std::int64_t leaves = size_or(1000000), want = leaves * (leaves - 1) / 2;
  I64Chan c(0);
  auto t0 = Clock::now();
  goro::go([c, leaves] { skynet_node(c, 0, leaves); });
  std::int64_t sum = *c.recv();
  auto el = Clock::now() - t0;
  if (sum != want) fail("sum %lld, want %lld", (long long)sum, (long long)want);
  emit("wall_ms", ms_of(el), 3, "ms");
}

// ------------------------------------------------------------------ spawn

void w_spawn() {
  const std::int64_t N = size_or(1000000);
  std::vector<unsigned char> ran(N, 0);
  goro::WaitGroup wg;
  auto t0 = Clock::now();
  go_each(wg, N, [&ran](std::int64_t i) { ran[i] = 1; });
  wg.wait();
  auto el = Clock::now() - t0;
  for (std::int64_t i = 0; i < N; ++i)
    if (ran[i] != 1) fail("goroutine %lld did not run", (long long)i);
  emit("ns_per_goroutine", ns_per(el, N), 1, "ns");
}

// ------------------------------------------------------------------ pingpong

void w_pingpong() {
  const std::int64_t N = size_or(1000000);
  I64Chan ping(0), pong(0);
  std::int64_t bad = 0;
  goro::WaitGroup wg;
  wg.add(2);
  auto t0 = Clock::now();
  goro::go([ping, pong, &wg] {  // B: echoes v+1 until ping is closed
    for (std::int64_t v : ping) pong.send(v + 1);
    wg.done();
  });
  goro::go([ping, pong, &bad, &wg, N] {  // A: drives N round trips
    for (std::int64_t i = 0; i < N; ++i) {
      ping.send(i);
      if (*pong.recv() != i + 1) ++bad;
    }
    ping.close();
    wg.done();
  });
  wg.wait();
  auto el = Clock::now() - t0;
  if (bad != 0) fail("%lld wrong replies", (long long)bad);
  emit("ns_per_roundtrip", ns_per(el, N), 1, "ns");
}

// ------------------------------------------------------------------ ring

void w_ring() {
  const std::int64_t T = g_ring;
  const std::int64_t HOPS = size_or(10000000);
  std::vector<I64Chan> chans;
  for (std::int64_t i = 0; i < T; ++i) chans.emplace_back(0);
  I64Chan winner(1);
  goro::WaitGroup wg;
  go_each(wg, T, [&chans, &winner, T](std::int64_t i) {  // goroutine k = i + 1
    const I64Chan& in = chans[i];
    const I64Chan& out = chans[(i + 1) % T];
    while (std::optional<std::int64_t> t = in.recv()) {
      if (*t == 0) {
        winner.send(i + 1);
        return;
      }
      out.send(*t - 1);
    }
  });
  auto t0 = Clock::now();
  chans[0].send(HOPS);
  std::int64_t id = *winner.recv();
  auto el = Clock::now() - t0;
  for (const auto& c : chans) c.close();  // release the 502 goroutines still blocked in recv
  wg.wait();
  const std::int64_t want = HOPS % T + 1;
  if (id != want) fail("winner %lld, want %lld", (long long)id, (long long)want);
  std::fprintf(stderr, "ring: token ended at goroutine %lld\n", (long long)id);
  emit("ns_per_hop", ns_per(el, HOPS), 1, "ns");
}

// ------------------------------------------------------------------ mpmc

void w_mpmc() {
  constexpr std::int64_t NP = 4, NC = 4, ITEMS = 10000000, PER = ITEMS / NP;
  I64Chan ch(1024);
  std::array<std::int64_t, NC> sums{}, counts{};
  goro::WaitGroup pwg, cwg;
  auto t0 = Clock::now();
  go_each(pwg, NP, [&ch](std::int64_t p) {
    for (std::int64_t k = 0; k < PER; ++k) ch.send(p * PER + k);
  });
  go_each(cwg, NC, [&ch, &sums, &counts](std::int64_t c) {
    std::int64_t s = 0, n = 0;
    for (std::int64_t v : ch) {
      s += v;
      ++n;
    }
    sums[c] = s;
    counts[c] = n;
  });
  pwg.wait();
  ch.close();
  cwg.wait();
  auto el = Clock::now() - t0;
  std::int64_t s = 0, n = 0;
  for (std::int64_t c = 0; c < NC; ++c) {
    s += sums[c];
    n += counts[c];
  }
  const std::int64_t want = ITEMS * (ITEMS - 1) / 2;
  if (n != ITEMS || s != want)
    fail("received %lld items summing to %lld, want %lld items summing to %lld", (long long)n,
         (long long)s, (long long)ITEMS, (long long)want);
  emit("ns_per_item", ns_per(el, ITEMS), 1, "ns");
}

// ------------------------------------------------------------------ select

void w_select() {
  constexpr std::int64_t NP = 4, PER = 1000000, TOTAL = NP * PER;
  std::array<I64Chan, NP> chs{I64Chan(0), I64Chan(0), I64Chan(0), I64Chan(0)};
  std::int64_t sum = 0;
  std::array<std::int64_t, NP> counts{};
  goro::WaitGroup wg;
  wg.add(1);
  auto t0 = Clock::now();
  for (std::int64_t p = 0; p < NP; ++p) {
    goro::go([ch = chs[p], p] {
      for (std::int64_t k = 0; k < PER; ++k) ch.send(p * PER + k);
    });
  }
  goro::go([&chs, &sum, &counts, &wg] {
    std::optional<std::int64_t> v;
    auto take = [&v](std::optional<std::int64_t> got) { v = got; };
    for (std::int64_t got = 0; got < TOTAL; ++got) {
      std::size_t p = goro::select(goro::recv_case(chs[0], take), goro::recv_case(chs[1], take),
                                   goro::recv_case(chs[2], take), goro::recv_case(chs[3], take));
      if (!v) fail("channel %zu closed", p);
      sum += *v;
      ++counts[p];
    }
    wg.done();
  });
  wg.wait();
  auto el = Clock::now() - t0;
  for (std::int64_t p = 0; p < NP; ++p)
    if (counts[p] != PER)
      fail("channel %lld delivered %lld messages, want %lld", (long long)p, (long long)counts[p],
           (long long)PER);
  const std::int64_t want = TOTAL * (TOTAL - 1) / 2;
  if (sum != want) fail("sum %lld, want %lld", (long long)sum, (long long)want);
  emit("ns_per_message", ns_per(el, TOTAL), 1, "ns");
}

// ------------------------------------------------------------------ mutex

void w_mutex() {
  constexpr std::int64_t G = 8, PER = 1250000;
  goro::Mutex mu;
  std::int64_t counter = 0;
  goro::WaitGroup wg;
  auto t0 = Clock::now();
  go_each(wg, G, [&mu, &counter](std::int64_t) {
    for (std::int64_t k = 0; k < PER; ++k) {
      mu.lock();
      ++counter;
      mu.unlock();
    }
  });
  wg.wait();
  auto el = Clock::now() - t0;
  if (counter != G * PER) fail("counter %lld, want %lld", (long long)counter, (long long)(G * PER));
  emit("ns_per_lock", ns_per(el, double(G * PER)), 1, "ns");
}

// ------------------------------------------------------------------ idle-mem

// The kB value of the "VmRSS:" line of /proc/self/status.
long vmrss_kib() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) fail("cannot open /proc/self/status");
  char line[256];
  long v = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) {
      v = std::strtol(line + 6, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  if (v < 0) fail("no VmRSS line in /proc/self/status");
  return v;
}

void w_idle_mem() {
  constexpr std::int64_t N = 100000;
  const long before = vmrss_kib();
  goro::Chan<int> ch(0);
  goro::WaitGroup started, exited;
  std::atomic<std::int64_t> saw_close{0};
  started.add(static_cast<int>(N));
  go_each(exited, N, [&ch, &started, &saw_close](std::int64_t) {
    started.done();
    if (!ch.recv()) saw_close.fetch_add(1);
  });
  started.wait();
  goro::sleep(std::chrono::milliseconds(100));  // let every goroutine park in the receive
  const long after = vmrss_kib();
  ch.close();
  exited.wait();
  if (saw_close.load() != N)
    fail("%lld goroutines saw the close, want %lld", (long long)saw_close.load(), (long long)N);
  std::fprintf(stderr, "idle-mem: VmRSS before %ld KiB, after %ld KiB\n", before, after);
  emit("rss_bytes_per_goroutine", double((after - before) * 1024) / N, 0, "bytes");
}

// ------------------------------------------------------------------ timers

std::uint64_t splitmix64(std::uint64_t& state) {
  state += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The p-th percentile (nearest rank) of ascending xs: 1-based rank ceil(p * n / 100).
std::int64_t nearest_rank(const std::vector<std::int64_t>& xs, std::int64_t p) {
  std::int64_t k = (p * std::int64_t(xs.size()) + 99) / 100;
  return xs[std::max<std::int64_t>(k, 1) - 1];
}

void w_timers() {
  constexpr std::int64_t N = 100000;
  constexpr std::uint64_t kMaxUs = 100000, kSeed = 42, kDurSumUs = 4993258756ULL;
  std::vector<std::chrono::microseconds> durs(N);
  std::uint64_t state = kSeed, sum_us = 0;
  for (auto& d : durs) {
    std::uint64_t us = splitmix64(state) % kMaxUs;
    sum_us += us;
    d = std::chrono::microseconds(us);
  }
  if (sum_us != kDurSumUs)
    fail("durations sum to %llu us, want %llu: generator differs", (unsigned long long)sum_us,
         (unsigned long long)kDurSumUs);
  std::vector<std::int64_t> late(N);
  goro::WaitGroup wg;
  auto t0 = Clock::now();
  go_each(wg, N, [&durs, &late](std::int64_t i) {
    const auto d = durs[i];
    const auto s = Clock::now();
    goro::sleep(d);
    late[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - s - d).count();
  });
  wg.wait();
  auto el = Clock::now() - t0;
  for (std::int64_t i = 0; i < N; ++i)
    if (late[i] < 0) fail("goroutine %lld woke %lld ns early", (long long)i, (long long)-late[i]);
  std::sort(late.begin(), late.end());
  emit("wall_ms", ms_of(el), 3, "ms");
  emit("late_p50_us", double(nearest_rank(late, 50)) / 1e3, 1, "us");
  emit("late_p99_us", double(nearest_rank(late, 99)) / 1e3, 1, "us");
}

// ------------------------------------------------------------------ main

struct Workload {
  const char* name;
  void (*fn)();
};
constexpr Workload kWorkloads[] = {
    {"skynet", w_skynet}, {"spawn", w_spawn},       {"pingpong", w_pingpong},
    {"ring", w_ring},     {"mpmc", w_mpmc},         {"select", w_select},
    {"mutex", w_mutex},   {"idle-mem", w_idle_mem}, {"timers", w_timers},
};

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s -w <workload> [-procs P] [-n COUNT] [-ring T]; workloads:", argv0);
  for (const auto& w : kWorkloads) std::fprintf(stderr, " %s", w.name);
  std::fputc('\n', stderr);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  const Workload* workload = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "-w" || arg == "--w") && i + 1 < argc) {
      const char* name = argv[++i];
      for (const auto& w : kWorkloads)
        if (std::strcmp(name, w.name) == 0) workload = &w;
      if (!workload) usage(argv[0]);
    } else if ((arg == "-procs" || arg == "--procs") && i + 1 < argc) {
      const char* procs = argv[++i];
      if (std::atoi(procs) < 1) usage(argv[0]);
      setenv("GOMAXPROCS", procs, 1);
    } else if (arg == "-n" && i + 1 < argc) {
      g_count = std::atoll(argv[++i]);
      if (g_count < 1) usage(argv[0]);
    } else if (arg == "-ring" && i + 1 < argc) {
      g_ring = std::atoll(argv[++i]);
      if (g_ring < 2) usage(argv[0]);
    } else {
      usage(argv[0]);
    }
  }
  if (!workload) usage(argv[0]);
  g_name = workload->name;
  return goro::run([workload] {
    g_procs = goro::gomaxprocs(0);
    workload->fn();
  });
}
