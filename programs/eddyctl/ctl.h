// eddyctl — the control command-line tool (like cbepctl / mcctl), as a library.
//
// Owns: Command (one request the command line asks for, with the text that reports it),
// Options, parseCommandLine() (argv → Options), parseCommand() (the words after the options →
// Command), formatOutcome() (the server's answer → the line printed), runCommand() (send, wait,
// print over a given connection) and run(), the whole tool, which main() calls. The wire
// numbers of parameter types and vbucket states are here too.
//
// Semantics. Commands and the request each becomes:
//   set <flush_param|checkpoint_param|dcp_param|vbucket_param> KEY VALUE
//       SET_PARAM (0x82): extras = the type as 4 bytes (1, 3, 4, 5), key = KEY, value = VALUE
//   verbosity LEVEL               VERBOSITY (0x1b): extras = LEVEL as 4 bytes
//   vbucket get VB                GET_VBUCKET (0x3e); the answer is the state as 4 bytes
//   vbucket set VB STATE          SET_VBUCKET (0x3d): extras = the state as 4 bytes
//                                 (active 1, replica 2, pending 3, dead 4)
//   vbucket delete VB             DEL_VBUCKET (0x3f)
//   persistence stop|start        STOP_PERSISTENCE (0x80) / START_PERSISTENCE (0x81)
//   tls reload                    SSL_CERTS_REFRESH (0xf2): the server reads its TLS
//                                 certificate and key files again
//   bucket create NAME [CONFIG]   CREATE_BUCKET (0x85): key = NAME, value = "ep" NUL CONFIG
//                                 (the bucket parameters as "key=value;key=value", may be empty)
//   bucket delete NAME [--keep-data] [--force]
//                                 DELETE_BUCKET (0x86): key = NAME, value = nothing without
//                                 flags, else a JSON object with the flags given as booleans:
//                                 {"keep_data":true} (the files stay), {"force":true} (with
//                                 keep_data: what is queued is not persisted first)
//   bucket list                   LIST_BUCKETS (0x87); the answer is the names the user may see,
//                                 space-separated, printed one per line (nothing for none)
//   user add|passwd|del|list ...  edits the password and RBAC files (--data-dir, or
//                                 --password-file / --rbac-file), then ISASL_REFRESH (0xf1) and
//                                 RBAC_REFRESH (0xf7) so the server reloads them (user_commands.h);
//                                 a server that cannot be reached is reported, the files stay
//   collection list|create|drop ...  reads the bucket's manifest and sets a changed one
//                                 (collection_commands.h)
//   tls create-dev-certificate [--dir DIR] [--force]
//                                 writes a self-signed certificate and its key; no server
//                                 (tls_commands.h)
// VB (0..65535) goes in the request header's vbucket field. Success prints what was done
// ("set checkpoint_param chk_max_items = 500: ok", "vbucket 3: active") on the output stream
// and exits 0; an error status prints the same description, the status name and the XERROR
// context on the error stream and exits 1. A bad command line exits 2 without connecting.
// After logging in (-u) the tool selects the bucket "default", except for the bucket commands,
// which work on the node.
// --tls / --cacert FILE connect with TLS (tool_common.h).
//
// Thread contract: pure functions, except runCommand() and run(), which block on the network.
#pragma once

#include "client/connection.h"
#include "collection_commands.h"
#include "tls_commands.h"
#include "tool_common.h"
#include "user_commands.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::tools::ctl {

enum class CommandKind {
    SetParam,
    Verbosity,
    GetVbucket,
    SetVbucket,
    DeleteVbucket,
    StopPersistence,
    StartPersistence,
    TlsReload,
    CreateBucket,
    DeleteBucket,
    ListBuckets,
};

/// One command, ready to send.
struct Command {
    CommandKind kind = CommandKind::SetParam;
    client::Request request;
    /// What the command does, for the report: "set checkpoint_param chk_max_items = 500".
    std::string description;
    /// Whether to select the bucket "default" after logging in. False for the bucket commands,
    /// which need no bucket (and whose bucket may not exist).
    bool select_bucket = true;
};

/// The SET_PARAM type of "flush_param" (1), "checkpoint_param" (3), "dcp_param" (4),
/// "vbucket_param" (5); nullopt for any other word.
[[nodiscard]] std::optional<uint32_t> paramType(std::string_view name);

/// The wire value of "active" (1), "replica" (2), "pending" (3), "dead" (4); nullopt otherwise.
[[nodiscard]] std::optional<uint32_t> vbucketStateByName(std::string_view name);
/// The name of a wire state ("active"...), or "unknown state N".
[[nodiscard]] std::string vbucketStateName(uint32_t state);

/// `words` (the command and its arguments, options removed) → the command. Throws UsageError
/// naming the problem: no or an unknown command, missing or extra arguments, an unknown
/// parameter type or vbucket state, a vbucket or level that is not a number in range.
[[nodiscard]] Command parseCommand(const std::vector<std::string>& words);

/// What an answer means for the user.
struct Outcome {
    bool ok = false;
    std::string text;
};

/// The report of `command` answered by `response`: "<description>: ok" (for vbucket get,
/// "vbucket N: <state>"; for bucket list, the names one per line, empty for none) when it
/// succeeded, else "<description>: <STATUS> (<context>)". A GET_VBUCKET answer whose value is
/// not 4 bytes is not ok either.
[[nodiscard]] Outcome formatOutcome(const Command& command, const client::Packet& response);

/// Sends `command`, prints its outcome (to `out` on success, else to `err`; an empty text
/// prints nothing) and returns the exit code. Connection failures are printed and give kExitFailure
/// too.
[[nodiscard]] int runCommand(client::Connection& connection, const Command& command,
                             std::ostream& out, std::ostream& err);

struct Options {
    client::Endpoint server{"127.0.0.1", 11210};
    /// -u / -P (resolved: environment and prompt applied).
    Login login;
    /// --tls / --cacert; nullopt = plain.
    std::optional<client::TlsOptions> tls;
    Command command;
    /// Set for `user ...` (user_commands.h), which edits `files` instead of sending `command`.
    std::optional<UserCommand> user_command;
    UserFiles files;
    /// Set for `collection ...`, which reads and sets the bucket's manifest.
    std::optional<CollectionCommand> collection_command;
    /// Set for `tls create-dev-certificate`, which writes files and sends nothing.
    std::optional<DevCertificateCommand> dev_certificate;
};

/// Parses `eddyctl [-h host:port] COMMAND ...` into `options` (the command with parseCommand()).
/// nullopt: run. A value: exit with it (kExitOk after --help; kExitUsage for a bad option or
/// command, after a message on `err`).
[[nodiscard]] std::optional<int> parseCommandLine(int argc, const char* const* argv,
                                                  Options& options, std::ostream& out,
                                                  std::ostream& err);

/// The whole tool: parseCommandLine(), connect, runCommand(). Returns the exit code.
[[nodiscard]] int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace eddy::tools::ctl
