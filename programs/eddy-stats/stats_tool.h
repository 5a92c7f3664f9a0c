// eddy-stats — the STAT command-line tool (like cbstats / mcstat), as a library.
//
// Owns: Options (what the command line sets), parseCommandLine(), statKey() (GROUP and its
// arguments → the STAT key), formatStats()/statsJson() (the two output forms), runStats()
// (one STAT over a given connection, printed) and run(), the whole tool, which main() calls.
//
// Semantics. `eddy-stats [-h host:port] [-b bucket] [-j] [GROUP [ARG...]]` sends STAT with the
// key "GROUP ARG..." (joined by single spaces). No GROUP, or "all", is the default group (key
// ""). The pairs are printed in the order the server sent them: an aligned two-column table,
// or with -j one JSON object (keys in the same order) whose integer values are JSON numbers. With
// -u the tool logs in and selects the bucket -b (default "default"); without -u it does not log in
// and uses the bucket the server gives unauthenticated connections, so another -b is a usage
// error there. Exit codes: 0 printed; 1 unknown
// stat group (KEY_ENOENT), another error status, or a connection failure; 2 bad command line.
//
// Thread contract: pure functions, except runStats() and run(), which block on the network.
#pragma once

#include "client/connection.h"
#include "tool_common.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace eddy::tools::stats {

/// The bucket -b names unless told otherwise.
inline constexpr std::string_view kBucketName = "default";

struct Options {
    client::Endpoint server{"127.0.0.1", 11210};
    /// -u / -P (resolved: environment and prompt applied).
    Login login;
    /// --tls / --cacert; nullopt = plain.
    std::optional<client::TlsOptions> tls;
    /// -b: the bucket selected after logging in.
    std::string bucket{kBucketName};
    /// GROUP as typed ("" when none was given).
    std::string group;
    std::vector<std::string> args;
    bool json = false;
};

/// Parses the command line into `options`. nullopt: run. A value: exit with it (kExitOk after
/// --help; kExitUsage for a bad option or bucket, after a message on `err`).
[[nodiscard]] std::optional<int> parseCommandLine(int argc, const char* const* argv,
                                                  Options& options, std::ostream& out,
                                                  std::ostream& err);

/// The STAT key for `group` and its `args`: "" for no group or "all" (which takes no
/// arguments: UsageError otherwise), else the words joined by single spaces.
[[nodiscard]] std::string statKey(const std::string& group, const std::vector<std::string>& args);

/// The aligned table (see formatTable()).
[[nodiscard]] std::string formatStats(const StatRows& rows);
/// One JSON object (see statRowsToJson()).
[[nodiscard]] nlohmann::ordered_json statsJson(const StatRows& rows);

/// Sends the STAT `options` ask for over `connection` and prints the result to `out`, or an
/// error to `err`. Returns the exit code.
[[nodiscard]] int runStats(client::Connection& connection, const Options& options,
                           std::ostream& out, std::ostream& err);

/// The whole tool: parse, connect, runStats(). Returns the exit code.
[[nodiscard]] int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace eddy::tools::stats
