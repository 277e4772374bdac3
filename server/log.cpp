// log.cpp — see log.hpp.
#include "log.hpp"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace gorodis {

namespace {

std::mutex log_mutex;
const Settings* log_settings = nullptr;
std::FILE* log_file = nullptr;

}  // namespace

void log_init(const Settings& settings) {
  std::lock_guard lock(log_mutex);
  log_settings = &settings;
  std::string path = settings.logfile.get();
  log_file = path.empty() ? stdout : std::fopen(path.c_str(), "a");
  if (log_file == nullptr) log_file = stdout;
}

void log(LogLevel level, std::string_view message) {
  if (log_settings != nullptr && static_cast<int>(level) < log_settings->loglevel.load()) return;
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm local;
  localtime_r(&tv.tv_sec, &local);
  char stamp[64];
  std::size_t n = std::strftime(stamp, sizeof stamp, "%d %b %Y %H:%M:%S", &local);
  std::snprintf(stamp + n, sizeof stamp - n, ".%03d", static_cast<int>(tv.tv_usec / 1000));
  static constexpr char kMarks[] = {'.', '-', '*', '#'};
  std::lock_guard lock(log_mutex);
  std::FILE* out = log_file != nullptr ? log_file : stdout;
  std::fprintf(out, "%d:M %s %c %.*s\n", static_cast<int>(getpid()), stamp,
               kMarks[static_cast<int>(level)], static_cast<int>(message.size()), message.data());
  std::fflush(out);
}

}  // namespace gorodis
