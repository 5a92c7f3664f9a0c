// eddy-dcpdrain — its command line.
//
// Owns: Options (everything the command line sets), parseVbucketList() ("0,1,5-9") and
// parseCommandLine(), which fills Options with CLI11 and says when the program must exit
// instead of running (help: 0; any bad option: 2, after a one-line message on stderr).
// Thread contract: pure functions; called once from main.
#pragma once

#include "client/connection.h"
#include "tool_common.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::dcpdrain {

/// The flow-control window used unless --buffer-size says otherwise (kv_engine's static
/// dcp_conn_buffer_size).
inline constexpr uint32_t kDefaultBufferSize = 10 * 1024 * 1024;

struct Options {
    client::Endpoint server{"127.0.0.1", 11210};
    /// -u / -P (resolved: environment and prompt applied).
    tools::Login login;
    /// --tls / --cacert; nullopt = plain.
    std::optional<client::TlsOptions> tls;
    /// DCP connection name; empty = "eddy-dcpdrain:<pid>" (filled in by main).
    std::string name;
    /// Sorted, without duplicates; nullopt = every active vbucket.
    std::optional<std::vector<uint16_t>> vbuckets;
    /// connection_buffer_size; 0 = no flow control.
    uint32_t buffer_size = kDefaultBufferSize;
    /// Seconds; set = enable_noop true and set_noop_interval.
    std::optional<uint32_t> noop_interval;
    bool no_value = false;
    /// Streams stay open (end seqno 2^64-1) until SIGINT/SIGTERM.
    bool forever = false;
    /// Resume from and save to this JSON file; empty = start every vbucket at 0, save nothing.
    std::string positions_file;
    bool json = false;
};

/// "0,1,5-9" → {0, 1, 5, 6, 7, 8, 9}: comma-separated ids and inclusive ranges, spaces allowed
/// around items, result sorted and without duplicates. Throws std::invalid_argument naming the
/// bad item (empty, not a number, over 65535, or a range whose end is before its start).
[[nodiscard]] std::vector<uint16_t> parseVbucketList(std::string_view text);

/// Parses the command line into `options`. nullopt: run. A value: exit with it (0 after --help,
/// 2 for a bad option, whose message has been written to stderr).
[[nodiscard]] std::optional<int> parseCommandLine(int argc, const char* const* argv,
                                                  Options& options);

}  // namespace eddy::dcpdrain
