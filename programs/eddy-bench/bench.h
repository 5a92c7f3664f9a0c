// eddy-bench — the whole program once the command line is parsed.
//
// Owns: runBench(): connect to each target, populate it, run the measured rounds (one server:
// `rounds` runs only with --compare, else one run; two servers: A, B, A, B, ...), print each
// run and the comparison on `out`, write the JSON result where --json says.
//
// JSON result: {"settings": {...}, "runs": [{"round": r, ...run}...], "comparison": {...}} with
// the comparison only for two servers (report.h has the fields).
//
// Exit codes (tools' convention): 0 when every run completed without errors; 1 when a server
// could not be reached, a connection was lost, or any answer was an error status.
//
// Thread contract: called once, on the main thread; `stop` may be set by a signal handler.
#pragma once

#include "options.h"

#include <atomic>
#include <ostream>

namespace eddy::bench {

[[nodiscard]] int runBench(const Options& options, std::ostream& out, std::ostream& err,
                           const std::atomic<bool>& stop);

}  // namespace eddy::bench
