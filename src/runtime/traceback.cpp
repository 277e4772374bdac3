// traceback.cpp — goroutine dumps in Go's format (Go: traceback.go).
//
//   goroutine 7 [chan receive, 2 minutes]:
//   goro::rt::park(...)
//   	/work/main/src/runtime/sched.cpp:1170 +0x4e
//   ...
//   created by worker_pool() in goroutine 1
//   	/work/main/examples/pool.cpp:31 +0x92
//
// A parked goroutine's registers are in its saved context (arch/switch_*.S: the callee-saved
// registers and the resume address at the saved stack pointer); libunwind walks on from there
// with the DWARF call-frame information, so code built without frame pointers unwinds too. The
// walk stops at goro_context_trampoline, which marks itself as the outermost frame. Symbols and
// source lines come from elfutils' libdwfl, loaded lazily on the first dump. A goroutine running
// on another thread cannot be walked safely: it is shown like Go does ("stack unavailable").
#define UNW_LOCAL_ONLY
#include <cxxabi.h>
#include <elfutils/libdwfl.h>
#include <libunwind.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <ostream>
#include <string>

#include "goro/runtime.hpp"
#include "runtime/proc.hpp"

namespace goro::rt {
namespace {

constexpr int kMaxFrames = 100;

const char* const kWaitReasonNames[] = {
    "",
    "chan receive",
    "chan send",
    "chan receive (nil chan)",
    "chan send (nil chan)",
    "select",
    "select (no cases)",
    "sleep",
    "semacquire",
    "sync.Mutex.Lock",
    "sync.RWMutex.RLock",
    "sync.RWMutex.Lock",
    "sync.WaitGroup.Wait",
    "sync.Cond.Wait",
    "IO wait",
    "timer goroutine (idle)",
    "preempted",
    "locked to thread",
};
static_assert(sizeof kWaitReasonNames / sizeof kWaitReasonNames[0] ==
              static_cast<std::size_t>(WaitReason::kCount));

struct Symbolizer {
  std::mutex mu;
  Dwfl* dwfl = nullptr;

  Symbolizer() {
    static char* debuginfo_path = nullptr;
    static const Dwfl_Callbacks callbacks = {dwfl_linux_proc_find_elf, dwfl_standard_find_debuginfo,
                                             nullptr, &debuginfo_path};
    dwfl = dwfl_begin(&callbacks);
    if (dwfl && (dwfl_linux_proc_report(dwfl, getpid()) != 0 ||
                 dwfl_report_end(dwfl, nullptr, nullptr) != 0)) {
      dwfl_end(dwfl);
      dwfl = nullptr;
    }
  }

  // Appends "function(...)\n\tfile:line +0xoff\n" for pc (a return address unless exact).
  void describe(std::string& out, std::uintptr_t pc, bool exact) {
    std::lock_guard<std::mutex> guard(mu);
    std::uintptr_t lookup = exact ? pc : pc - 1;
    const char* name = nullptr;
    const char* file = nullptr;
    int line = 0;
    std::uintptr_t offset = 0;
    Dwfl_Module* module = dwfl ? dwfl_addrmodule(dwfl, lookup) : nullptr;
    if (module) {
      GElf_Off off = 0;
      GElf_Sym sym;
      name = dwfl_module_addrinfo(module, lookup, &off, &sym, nullptr, nullptr, nullptr);
      offset = pc - (lookup - off);
      if (Dwfl_Line* dl = dwfl_module_getsrc(module, lookup))
        file = dwfl_lineinfo(dl, nullptr, &line, nullptr, nullptr, nullptr);
    }
    append_name(out, name);
    out += "(...)\n\t";
    char buf[64];
    if (file) {
      out += file;
      std::snprintf(buf, sizeof buf, ":%d +0x%lx\n", line, static_cast<unsigned long>(offset));
    } else {
      std::snprintf(buf, sizeof buf, "?:0 pc=0x%lx\n", static_cast<unsigned long>(pc));
    }
    out += buf;
  }

  void append_name(std::string& out, const char* name) {
    if (!name) {
      out += "?";
      return;
    }
    int status = 0;
    char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    if (status == 0 && demangled) {
      // Drop the parameter list: the dump adds "(...)" like Go's elided arguments.
      std::string s = demangled;
      std::free(demangled);
      std::size_t depth = 0, cut = std::string::npos;
      for (std::size_t i = s.size(); i-- > 0;) {
        if (s[i] == ')') depth++;
        if (s[i] == '(' && --depth == 0) {
          cut = i;
          break;
        }
      }
      if (cut != std::string::npos && cut > 0 && s.back() == ')') s.resize(cut);
      out += s;
    } else {
      out += name;
    }
  }
};

Symbolizer& symbolizer() {
  static Symbolizer* s = new Symbolizer;
  return *s;
}

void walk(std::string& out, unw_cursor_t* cursor) {
  int frames = 0;
  bool first = true;
  do {
    unw_word_t ip = 0;
    if (unw_get_reg(cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
    if (frames++ == kMaxFrames) {
      out += "...additional frames elided...\n";
      break;
    }
    symbolizer().describe(out, ip, first);
    first = false;
  } while (unw_step(cursor) > 0);
}

void walk_saved(std::string& out, const G* gp) {
  if (gp->stack.empty()) return;  // spawned lazily and not started yet: no frames
#if defined(__x86_64__)
  auto* frame = static_cast<std::uintptr_t*>(gp->context.sp);
  unw_context_t uc;
  std::memset(&uc, 0, sizeof uc);
  greg_t* r = uc.uc_mcontext.gregs;
  r[REG_R15] = static_cast<greg_t>(frame[0]);
  r[REG_R14] = static_cast<greg_t>(frame[1]);
  r[REG_R13] = static_cast<greg_t>(frame[2]);
  r[REG_R12] = static_cast<greg_t>(frame[3]);
  r[REG_RBX] = static_cast<greg_t>(frame[4]);
  r[REG_RBP] = static_cast<greg_t>(frame[5]);
  r[REG_RIP] = static_cast<greg_t>(frame[6]);
  r[REG_RSP] = static_cast<greg_t>(reinterpret_cast<std::uintptr_t>(frame + 7));
  unw_cursor_t cursor;
  if (unw_init_local(&cursor, &uc) != 0) return;
  // frame[6] is a return address into the caller of goro_switch, not an exact pc.
  int frames = 0;
  do {
    unw_word_t ip = 0;
    if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
    if (frames++ == kMaxFrames) {
      out += "...additional frames elided...\n";
      break;
    }
    symbolizer().describe(out, ip, false);
  } while (unw_step(&cursor) > 0);
#else
  (void)gp;
  out += "\tstack unavailable on this architecture\n";
#endif
}

void header(std::string& out, const G* gp, bool current) {
  char buf[160];
  GStatus status = gp->status.load(std::memory_order_relaxed);
  std::string state;
  if (current || status == GStatus::kRunning) {
    state = "running";
  } else if (status == GStatus::kRunnable) {
    state = "runnable";
  } else if (status == GStatus::kBlocking) {
    state = "syscall";
  } else {
    state = wait_reason_string(gp->wait_reason);
    std::int64_t waited = coarse_now() - gp->wait_since_ns;
    std::int64_t minutes = waited / 60'000'000'000;
    if (gp->wait_since_ns != 0 && minutes >= 1) {
      std::snprintf(buf, sizeof buf, ", %lld minute%s", static_cast<long long>(minutes),
                    minutes == 1 ? "" : "s");
      state += buf;
    }
  }
  if (gp->lockedm) state += ", locked to thread";
  std::snprintf(buf, sizeof buf, "goroutine %lld [", static_cast<long long>(gp->id));
  out += buf;
  out += state;
  out += "]:\n";
  if (gp->name) {
    out += "\t[name: ";
    out += gp->name;
    out += "]\n";
  }
}

void created_by(std::string& out, const G* gp) {
  if (!gp->created_by_pc) return;
  out += "created by ";
  std::string where;
  symbolizer().describe(where, reinterpret_cast<std::uintptr_t>(gp->created_by_pc), false);
  // describe() gave "name(...)\n\tfile:line": splice " in goroutine N" after the name.
  std::size_t paren = where.find("(...)\n");
  char buf[64];
  std::snprintf(buf, sizeof buf, " in goroutine %lld\n", static_cast<long long>(gp->parent_id));
  if (paren != std::string::npos) where.replace(paren, 6, buf);
  out += where;
}

bool is_live(GStatus s) {
  return s != GStatus::kDead && s != GStatus::kIdle;
}

void append_others(std::string& out, const G* current) {
  std::lock_guard<Lock> guard(allg_lock);
  for (G* gp = allg; gp; gp = gp->alllink) {
    if (gp == current || !is_live(gp->status.load(std::memory_order_acquire)) || gp->id == 0)
      continue;
    header(out, gp, false);
    GStatus status = gp->status.load(std::memory_order_acquire);
    if (status == GStatus::kRunning || status == GStatus::kBlocking)
      out += "\tgoroutine running on other thread; stack unavailable\n";
    else
      walk_saved(out, gp);
    created_by(out, gp);
    out += "\n";
  }
}

void write_all(int fd, const std::string& s) {
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string dump_string(G* current, unw_context_t* current_context, bool signal_frame) {
  std::string out;
  if (current) {
    header(out, current, true);
    unw_cursor_t cursor;
    int rc = signal_frame ? unw_init_local2(&cursor, current_context, UNW_INIT_SIGNAL_FRAME)
                          : unw_init_local(&cursor, current_context);
    if (rc == 0) walk(out, &cursor);
    created_by(out, current);
    out += "\n";
  }
  append_others(out, current);
  return out;
}

const char* wait_reason_string(WaitReason reason) {
  auto i = static_cast<std::size_t>(reason);
  return i < static_cast<std::size_t>(WaitReason::kCount) ? kWaitReasonNames[i] : "unknown";
}

void traceback_init() {
  unw_context_t uc;
  unw_getcontext(&uc);
  unw_cursor_t cursor;
  unw_init_local(&cursor, &uc);
}

void dump_all(int fd, G* current) {
  unw_context_t uc;
  unw_getcontext(&uc);
  write_all(fd, dump_string(current, &uc, false));
}

void dump_from_signal(int fd, G* current, void* ucontext) {
  write_all(fd, dump_string(current, static_cast<unw_context_t*>(ucontext), true));
}

}  // namespace goro::rt

namespace goro {

void dump_goroutines(std::ostream& out) {
  unw_context_t uc;
  unw_getcontext(&uc);
  out << rt::dump_string(rt::getg(), &uc, false);
}

}  // namespace goro
