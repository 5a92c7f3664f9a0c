// eddy-bench — its command line.
//
// Owns: Target (a server to load, with its login and process id), Options (everything the
// command line sets), parseDuration() ("10s", "500ms", "2m", "30") and parseCommandLine(),
// which fills Options with CLI11 and says when the program must exit instead of running
// (--help: 0; a bad option: 2, after a one-line message on the error stream).
//
// Thread contract: pure functions; called once from main.
#pragma once

#include "client/connection.h"
#include "tool_common.h"
#include "workload.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::bench {

struct Target {
    client::Endpoint endpoint{"127.0.0.1", 11210};
    /// As given on the command line, for reports.
    std::string name;
    /// Empty user: no authentication (memcached, or eddyd's development default).
    tools::Login login;
    std::string bucket = "default";
    /// The server's process, for CPU time per operation; nullopt: not measured.
    std::optional<int> pid;
};

struct Options {
    /// One server, or two with --compare (the first is A, the second B).
    std::vector<Target> targets;
    uint32_t threads = 2;
    /// In total, spread over the threads as evenly as possible.
    uint32_t connections = 16;
    uint32_t depth = 1;
    WorkloadSpec workload;
    double zipf_theta = 0.99;
    std::string key_prefix = "eddy-bench:";
    /// 0: every key to vbucket 0.
    uint16_t vbuckets = 1024;
    std::chrono::milliseconds duration{10000};
    /// Measured operations; 0 = run for `duration`.
    uint64_t ops = 0;
    std::chrono::milliseconds warmup{1000};
    bool populate = true;
    /// A/B pairs with --compare.
    uint32_t rounds = 3;
    /// Where the JSON result goes; empty: nowhere; "-": standard output.
    std::string json_path;
    bool progress = true;
    uint64_t seed = 1;
};

/// "10s", "500ms", "2m", "1h" or a bare number of seconds. Throws tools::UsageError naming
/// `what` and the problem.
[[nodiscard]] std::chrono::milliseconds parseDuration(std::string_view text, std::string_view what);

/// Fills `options` from argv. nullopt: run. A value: exit with it (help went to `out`, an error
/// to `err`).
[[nodiscard]] std::optional<int> parseCommandLine(int argc, const char* const* argv,
                                                  Options& options, std::ostream& out,
                                                  std::ostream& err);

}  // namespace eddy::bench
