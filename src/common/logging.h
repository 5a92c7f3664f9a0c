// eddy — process-wide logging set-up.
//
// Owns: the verbosity → spdlog level mapping. Logging itself is spdlog's (spdlog::info, ...),
// whose default logger is thread-safe; this file only configures it at start-up and on
// VERBOSITY.
// Thread contract: setVerbosity() may be called from any thread (spdlog levels are atomic).
#pragma once

namespace eddy::logging {

/// 0 = warnings and errors, 1 = info, 2 = debug, 3+ = trace.
void setVerbosity(int level);

/// Logs to stderr with thread ids and timestamps; call once at start-up.
void initialize(int verbosity);

}  // namespace eddy::logging
