// eddy-timings — the latency-histogram command-line tool (like mctimings), as a library.
//
// Owns: Options (what the command line sets), parseCommandLine(), opcode naming for --opcode
// (opcodeByName(), opcodeDisplayName()), cmdTimerRequest() (the GET_CMD_TIMER request for one
// opcode), runTimings() (fetch, filter and print over a given connection) and run(), the whole
// tool, which main() calls.
//
// Semantics. `eddy-timings [-h host:port] [-j] [GROUP] [NAME...]`: GROUP is "timings" (the
// default: per-opcode command latencies), "runtimes" or "scheduler" (per-task run times and
// scheduling delays); a first word that is not a group name is taken as a NAME. The tool sends
// STAT GROUP; each pair is one histogram (key = its name, value = its JSON, see timings.h).
// NAMEs keep only the histograms so named (case-insensitive). `--opcode NAME` (repeatable)
// instead asks GET_CMD_TIMER (0xf3) once per opcode. Histograms without samples are skipped; a
// NAME or opcode that has none is noted on the error stream. -j prints one JSON object keyed by
// histogram name (see timingsJson()). Exit codes: 0 printed; 1 the server has no such group or
// command, answered with an error or sent a histogram that cannot be parsed, or the connection
// failed; 2 bad command line.
//
// Thread contract: pure functions, except runTimings() and run(), which block on the network.
#pragma once

#include "client/connection.h"
#include "timings.h"
#include "tool_common.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::tools::timings {

/// The stat groups that hold histograms.
inline constexpr std::array<std::string_view, 3> kGroups{"timings", "runtimes", "scheduler"};

struct Options {
    client::Endpoint server{"127.0.0.1", 11210};
    /// -u / -P (resolved: environment and prompt applied).
    Login login;
    /// --tls / --cacert; nullopt = plain.
    std::optional<client::TlsOptions> tls;
    std::string group{"timings"};
    /// Histogram names to keep (empty = all).
    std::vector<std::string> names;
    /// Opcodes to ask GET_CMD_TIMER about (empty = use the stat group).
    std::vector<uint8_t> opcodes;
    bool json = false;
};

/// Parses the command line into `options`. nullopt: run. A value: exit with it (kExitOk after
/// --help; kExitUsage for a bad option, after a message on `err`).
[[nodiscard]] std::optional<int> parseCommandLine(int argc, const char* const* argv,
                                                  Options& options, std::ostream& out,
                                                  std::ostream& err);

/// The opcode an --opcode argument names: a name from the opcode table in any case ("GET",
/// "get", "dcp_mutation") or a byte as "0x00".."0xff". nullopt for anything else.
[[nodiscard]] std::optional<uint8_t> opcodeByName(std::string_view name);

/// "GET", "DCP_MUTATION": the table name in upper case; "0xNN" for a byte without a name.
[[nodiscard]] std::string opcodeDisplayName(uint8_t opcode);

/// GET_CMD_TIMER for `opcode`: extras = the opcode byte, key = "" (the selected bucket).
[[nodiscard]] client::Request cmdTimerRequest(uint8_t opcode);

/// Fetches what `options` ask for over `connection` and prints it to `out`; errors and notes
/// go to `err`. Returns the exit code.
[[nodiscard]] int runTimings(client::Connection& connection, const Options& options,
                             std::ostream& out, std::ostream& err);

/// The whole tool: parse, connect, runTimings(). Returns the exit code.
[[nodiscard]] int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace eddy::tools::timings
