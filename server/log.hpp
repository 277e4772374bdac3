// log.hpp — Redis-style log lines: "pid:M 27 Nov 2026 10:00:00.123 * message".
//
// The level character is Redis's ('.' debug, '-' verbose, '*' notice, '#' warning); lines
// below the configured loglevel are dropped. Output goes to the logfile setting's file (opened
// in append mode on first use) or to standard output when it is empty. Safe from any goroutine
// or thread; a line is written whole.
#pragma once

#include <string_view>

#include "config.hpp"

namespace gorodis {

// Directs logging at `settings` (level and logfile). Call once before serving.
void log_init(const Settings& settings);
void log(LogLevel level, std::string_view message);

}  // namespace gorodis
