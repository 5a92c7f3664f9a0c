// eddy — what the command-line tools (eddy-stats, eddy-timings, eddyctl) share.
//
// Owns: the exit-code convention (kExitOk/kExitFailure/kExitUsage), UsageError, the CLI11 set-up
// every tool uses (-h is the server, help is --help only) and the parse step that turns --help
// and bad options into exit codes, the login (-u/-P) and TLS (--tls/--cacert) options,
// whole-number parsing for command arguments, the aligned key/value table, the stat-value → JSON
// conversion, fetchStats(), the description of a failed response (status name plus the XERROR
// error context) and connectTool(), which opens a client Connection (plain or TLS) and
// negotiates HELLO under the tool's name.
//
// Semantics. Every tool exits 0 when it did what was asked, 1 when the connection or the server
// failed it, 2 for a bad command line. Messages on the error stream start with "<tool>: ". Each
// tool's logic takes its output and error streams as parameters, so that main() stays a one-line
// call and tests can run the whole tool in-process.
//
// Thread contract: pure functions over caller-owned values, except connectTool(), which blocks
// on the network like every Connection call.
#pragma once

#include "client/connection.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::tools {

/// The tool did what was asked.
inline constexpr int kExitOk = 0;
/// The connection or the server failed (or refused) the request.
inline constexpr int kExitFailure = 1;
/// The command line is wrong; nothing was sent.
inline constexpr int kExitUsage = 2;

/// The default server of every tool.
inline constexpr std::string_view kDefaultServer = "127.0.0.1:11210";

/// How long a tool waits to connect and for each answer.
inline constexpr client::Connection::Milliseconds kToolTimeout{10000};

/// A bad command line: the tool prints what() and exits with kExitUsage.
class UsageError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Key/value pairs in the order a server sent them (STAT).
using StatRows = std::vector<std::pair<std::string, std::string>>;

/// Who a tool logs in as. An empty user means no authentication (a server with
/// unauthenticated access enabled, as the development default is).
struct Login {
    std::string user;
    std::string password;
};

/// Reads one line from /dev/tty with echo off, after writing `prompt` there; "" when there is
/// no terminal.
[[nodiscard]] std::string promptSecret(const std::string& prompt);

/// -u,--user and -P,--password. The user defaults to $EDDY_USER; the password to
/// $EDDY_PASSWORD, else it is asked for on the terminal (resolveLogin()).
void addLoginOptions(CLI::App& app, Login& login);

/// Fills in what the command line left out of `login` from the environment, then (a user
/// without a password) from a prompt on /dev/tty without echo. Throws UsageError when a user is
/// given and no password can be had.
void resolveLogin(Login& login);

/// --tls and --cacert as given on the command line.
struct TlsFlags {
    bool tls = false;
    std::string ca_file;
};

/// --tls (connect with TLS, verifying the server's certificate against the system's trust
/// store) and --cacert FILE (verify against the PEM certificates in FILE instead; implies --tls).
/// The port stays the -h port: a server's TLS port is usually 11207.
void addTlsOptions(CLI::App& app, TlsFlags& flags);

/// The TLS options the flags ask for: nullopt for neither --tls nor --cacert. Throws UsageError
/// when the --cacert file cannot be opened.
[[nodiscard]] std::optional<client::TlsOptions> resolveTls(const TlsFlags& flags);

/// The settings every tool shares: --help only (-h is the server, as in the memcached tools),
/// and the -h,--host option writing into `server`.
void configureApp(CLI::App& app, std::string& server);

/// Runs app.parse(). nullopt: go on. A value: exit with it (kExitOk after --help, whose text went
/// to `out`; kExitUsage for a bad option, after CLI11's message on `err`).
[[nodiscard]] std::optional<int> parseApp(CLI::App& app, int argc, const char* const* argv,
                                          std::ostream& out, std::ostream& err);

/// The -h argument as an endpoint (default port 11210); throws UsageError naming the problem.
[[nodiscard]] client::Endpoint parseServer(std::string_view text);

/// A decimal whole number from 0 to `max` (no sign, no spaces, nothing after it). Throws
/// UsageError: "<what>: 'text' is not a number from 0 to <max>".
[[nodiscard]] uint64_t parseUnsigned(std::string_view text, uint64_t max, std::string_view what);

/// `value` as a JSON number when all of it is a decimal integer that fits in 64 bits
/// ("-12", "0", "18446744073709551615"), else as a JSON string. Numbers with a leading '+' or
/// leading zeros ("007", "-0") stay strings: they are probably identifiers, not quantities.
[[nodiscard]] nlohmann::json statValueToJson(std::string_view value);

/// One JSON object from `rows`, keys in the order of `rows` (values as statValueToJson() makes
/// them). A key sent twice keeps its first place and its last value.
[[nodiscard]] nlohmann::ordered_json statRowsToJson(const StatRows& rows);

/// Columns a terminal gives `text` (UTF-8): one per code point; no wide characters are expected.
[[nodiscard]] size_t displayWidth(std::string_view text);
/// `text` padded with spaces on the right / left to `width` columns (never truncated).
[[nodiscard]] std::string padRight(std::string_view text, size_t width);
[[nodiscard]] std::string padLeft(std::string_view text, size_t width);

/// Two aligned columns: each key padded to the longest key, one space, the value; one line per
/// row, in the order given. An empty value leaves just the key (no trailing spaces).
[[nodiscard]] std::string formatTable(const StatRows& rows);

/// The status of `response` by name ("KEY_ENOENT"), or "status 0x1234" for an unknown one.
[[nodiscard]] std::string statusText(const client::Packet& response);

/// What the body of a failed response says: the "context" (and "ref") of an XERROR body
/// {"error":{"context":...,"ref":...}}, or the body itself when it is other short text
/// (at most 1024 bytes), or "" when it is empty, binary or long.
[[nodiscard]] std::string errorContext(const client::Packet& response);

/// statusText(), then the error context in parentheses if there is one:
/// "EINVAL (Unknown parameter 'x')".
[[nodiscard]] std::string describeError(const client::Packet& response);

/// What a STAT brought: the pairs, or the response that refused the group.
struct StatsReply {
    StatRows rows;
    /// The failed response (any status but Success); rows is then empty.
    std::optional<client::Packet> failure;
};

/// Sends STAT `key` and collects every pair up to the terminating empty one, in order. Unlike
/// Connection::stats() it hands back a failed response whole, so that the caller can report
/// its status and error context. Throws client::Error when the connection fails or the group
/// does not complete within kToolTimeout.
[[nodiscard]] StatsReply fetchStats(client::Connection& connection, std::string_view key);

/// Connects to `server` (kToolTimeout), with TLS when `tls` is set (resolveTls()), and sends
/// HELLO with `agent` as the name, asking for XERROR (error bodies with a JSON context); a
/// server that refuses HELLO is still used. With a user in `login`, authenticates
/// (SCRAM-SHA512) and selects `bucket` (if not empty). Throws client::Error when the connection,
/// the TLS handshake, the authentication or the selection fails.
[[nodiscard]] client::Connection connectTool(const client::Endpoint& server,
                                             const std::optional<client::TlsOptions>& tls,
                                             std::string_view agent, const Login& login,
                                             std::string_view bucket = "default");

}  // namespace eddy::tools
