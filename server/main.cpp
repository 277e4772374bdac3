// main.cpp — the gorodis executable: options like redis-server, the start banner, listeners,
// and the hand-over to goro (one goroutine per listener, one per connection; networking.cpp).
//
//     gorodis [/path/to/redis.conf] [--port 6379] [--bind 127.0.0.1] [--requirepass pw] ...
//
// As with redis-server, each `--name value...` becomes the config line `name value...`, appended
// after the config file's contents, so the file and the command line accept the same
// parameters (config.cpp's table) and fail with the same FATAL CONFIG FILE ERROR report.
//
// Process set-up like redis-server's: daemonize (before any thread exists), the pid file,
// transparent huge pages off (disable-thp).
//
// SIGTERM and SIGINT are blocked in every thread and taken by one plain thread with sigwait,
// which hands them to the cron (request_shutdown): the shutdown, with its save, then runs in a
// goroutine, as the shard locks require, the way Redis's serverCron acts on shutdown_asap.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "aof.hpp"
#include "config.hpp"
#include "goro/net.hpp"
#include "goro/runtime.hpp"
#include "log.hpp"
#include "memory.hpp"
#include "networking.hpp"
#include "rdb.hpp"
#include "server.hpp"

namespace {

using namespace gorodis;

constexpr std::string_view kUsage =
    "Usage: ./gorodis [/path/to/redis.conf] [options] [-]\n"
    "       ./gorodis - (read config from stdin)\n"
    "       ./gorodis -v or --version\n"
    "       ./gorodis -h or --help\n\n"
    "Examples:\n"
    "       ./gorodis (run the server with default config)\n"
    "       ./gorodis /etc/redis/6379.conf\n"
    "       ./gorodis --port 7777\n"
    "       ./gorodis /etc/myredis.conf --loglevel verbose --requirepass secret\n";

// Reads the configuration (file, stdin, options) into `settings`; returns the process exit
// status to use, or -1 to go on.
int configure(int argc, char** argv, Settings& settings, bool& have_file) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "-v" || args[0] == "--version")) {
    std::cout << "gorodis v=0.1.0 (Redis 7.0.15 compatible) bits=64\n";
    return 0;
  }
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    std::cout << kUsage;
    return 0;
  }
  std::string config;
  std::string args_file_path;
  have_file = !args.empty() && !args[0].starts_with("--");
  if (have_file) {
    std::string path(args[0]);
    args_file_path = path;
    std::stringstream contents;
    if (path == "-") {
      contents << std::cin.rdbuf();
    } else {
      std::ifstream file(path);
      if (!file) {
        std::cerr << "Fatal error, can't open config file '" << path << "': No such file or "
                  << "directory\n";
        return 1;
      }
      contents << file.rdbuf();
    }
    config = contents.str() + "\n";
    args.erase(args.begin());
  }
  std::string error;
  if (!args.empty() && !options_to_config(args, config, error)) {
    std::cerr << "gorodis: " << error << "\n" << kUsage;
    return 1;
  }
  if (have_file && args_file_path != "-") {
    // Absolute, and resolved now: the file's `dir` changes the working directory.
    char* absolute = realpath(args_file_path.c_str(), nullptr);
    if (absolute != nullptr) {
      settings.config_file.set(absolute);
      std::free(absolute);
    }
  }
  error = load_config(settings, config);
  if (!error.empty()) {
    std::cerr << error;
    return 1;
  }
  return -1;
}

// "host:port" for goro::net::listen from a Redis bind address ("*", "::1", "-127.0.0.1").
std::string listen_address(std::string address, long long port) {
  if (address == "*") address = "0.0.0.0";
  if (address == "::*") address = "::";
  if (address.find(':') != std::string::npos) address = "[" + address + "]";
  return address + ":" + std::to_string(port);
}

[[noreturn]] void fail(const std::string& message) {
  log(LogLevel::kWarning, message);
  std::exit(1);
}

// Redis daemonize(): the parent exits at once; the child leaves the terminal's session and
// sends its standard streams to /dev/null. Must run before any thread exists: fork copies only
// the calling thread.
void daemonize() {
  const pid_t child = fork();
  if (child < 0) fail(std::string("Can't fork into the background: ") + std::strerror(errno));
  if (child > 0) std::_Exit(0);
  setsid();
  const int null = open("/dev/null", O_RDWR);
  if (null < 0) return;
  for (int fd = 0; fd <= 2; ++fd) dup2(null, fd);
  if (null > 2) close(null);
}

// Redis createPidFile: a failure is only logged.
void create_pidfile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    log(LogLevel::kWarning, std::string("Failed to write PID file: ") + std::strerror(errno));
    return;
  }
  std::fprintf(file, "%d\n", static_cast<int>(getpid()));
  std::fclose(file);
}

}  // namespace

// Redis loadDataFromDisk: the AOF when appendonly is yes, else the RDB file in `dir`, if there
// is one; a damaged file stops start-up.
void load_data_at_startup(Server& server) {
  if (server.aof().start()) return;
  const auto started = std::chrono::steady_clock::now();
  bool loaded = false;
  if (auto error = load_snapshot(server, server.settings().dbfilename.get(), loaded)) {
    fail("Fatal error loading the DB: " + *error + ". Exiting.");
  }
  if (!loaded) return;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char text[64];
  std::snprintf(text, sizeof text, "DB loaded from disk: %.3f seconds", seconds);
  log(LogLevel::kNotice, text);
}

int main(int argc, char** argv) {
  auto settings = std::make_unique<Settings>();
  bool have_file = false;
  if (int status = configure(argc, argv, *settings, have_file); status >= 0) return status;
  if (settings->daemonize.load()) {
    daemonize();
    // Redis's default when daemonized without one.
    if (settings->pidfile.get().empty()) settings->pidfile.set("/var/run/redis.pid");
  }
  log_init(*settings);
  if (std::string pidfile = settings->pidfile.get(); !pidfile.empty()) create_pidfile(pidfile);
  // Redis disables transparent huge pages for itself by default: with them, a sparse heap
  // (and every goroutine stack touched once) takes whole 2 MB pages of RSS.
  if (settings->disable_thp.load()) prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);

  // A file size limit (ulimit -f) makes an AOF or RDB write fail with EFBIG, which the
  // persistence code reports and retries; it must not kill the server with SIGXFSZ.
  signal(SIGXFSZ, SIG_IGN);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ServerConfig config;
  config.databases = static_cast<int>(settings->databases.load());
  Server server(config, system_unix_micros, std::move(settings));
  Settings& live = server.settings();

  std::thread([&server, stop_signals] {
    for (;;) {
      int signal = 0;
      sigwait(&stop_signals, &signal);
      request_shutdown(server, signal);
    }
  }).detach();

  return goro::run([&server, &live, have_file]() -> int {
    log(LogLevel::kWarning, "oO0OoO0OoO0Oo gorodis is starting oO0OoO0OoO0Oo");
    log(LogLevel::kWarning, "gorodis version=0.1.0 (Redis 7.0.15 compatible), bits=64, pid=" +
                                std::to_string(getpid()) + ", GOMAXPROCS=" +
                                std::to_string(goro::gomaxprocs(0)) + ", just started");
    log(LogLevel::kWarning, have_file ? "Configuration loaded"
                                      : "Warning: no config file specified, using the default "
                                        "config. In order to specify a config file use "
                                        "./gorodis /path/to/redis.conf");
    std::vector<std::pair<goro::net::Listener, std::string>> listeners;
    const long long port = live.port.load();
    if (port != 0) {
      for (std::string address : live.bind.get()) {
        const bool optional = address.starts_with("-");
        if (optional) address.erase(0, 1);
        auto listener = goro::net::listen("tcp", listen_address(address, port));
        if (!listener) {
          if (optional) continue;
          fail("Warning: Could not create server TCP listening socket " +
               listen_address(address, port) + ": " + listener.error().message());
        }
        listeners.emplace_back(std::move(*listener), std::string());
      }
    }
    if (std::string path = live.unixsocket.get(); !path.empty()) {
      unlink(path.c_str());
      auto listener = goro::net::listen("unix", path);
      if (!listener) fail("Failed opening Unix socket: " + listener.error().message());
      if (long long perm = live.unixsocketperm.load(); perm != 0) {
        chmod(path.c_str(), static_cast<mode_t>(perm));
      }
      listeners.emplace_back(std::move(*listener), path);
    }
    if (listeners.empty()) fail("Configured to not listen anywhere, exiting.");
    log(LogLevel::kNotice, "Running mode=standalone, port=" + std::to_string(port) + ".");
    start_server_cron(server);
    log(LogLevel::kNotice, "Server initialized");
    server.startup_memory().store(memory::used());
    load_data_at_startup(server);
    log(LogLevel::kNotice, "Ready to accept connections");
    for (std::size_t i = 1; i < listeners.size(); ++i) {
      goro::go([&server, listener = listeners[i].first, path = listeners[i].second] {
        accept_loop(server, listener, path);
      });
    }
    accept_loop(server, listeners[0].first, listeners[0].second);
    return 0;
  });
}
