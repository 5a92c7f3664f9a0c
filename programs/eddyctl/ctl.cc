// eddyctl — the control command-line tool (see ctl.h).
#include "ctl.h"

#include "protocol/encode.h"
#include "tool_common.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <utility>

namespace eddy::tools::ctl {

namespace {

constexpr std::string_view kTool = "eddyctl";

constexpr std::array<std::pair<std::string_view, uint32_t>, 4> kParamTypes{{
    {"flush_param", 1},
    {"checkpoint_param", 3},
    {"dcp_param", 4},
    {"vbucket_param", 5},
}};

constexpr std::array<std::pair<std::string_view, uint32_t>, 4> kVbucketStates{{
    {"active", 1},
    {"replica", 2},
    {"pending", 3},
    {"dead", 4},
}};

constexpr std::string_view kUsage =
    "set <flush_param|checkpoint_param|dcp_param|vbucket_param> KEY VALUE | verbosity LEVEL | "
    "vbucket get|set|delete VB [STATE] | persistence stop|start | tls reload | "
    "tls create-dev-certificate [--dir DIR] [--force] | bucket create NAME [CONFIG] | "
    "bucket delete NAME [--keep-data] [--force] | bucket list | user ...";

/// Carries out a `user` command on the files, then asks the server to reload them.
int runUserCommand(const Options& options, std::ostream& out, std::ostream& err) {
    try {
        out << applyUserCommand(*options.user_command, options.files) << '\n';
    } catch (const std::runtime_error& error) {
        err << kTool << ": " << error.what() << '\n';
        return kExitFailure;
    }
    if (!options.user_command->changesFiles()) {
        return kExitOk;
    }
    try {
        client::Connection connection =
            connectTool(options.server, options.tls, kTool, options.login, {});
        for (const auto opcode :
             {mcbp::ClientOpcode::IsaslRefresh, mcbp::ClientOpcode::RbacRefresh}) {
            const client::Packet response = connection.execute({.opcode = opcode}, kToolTimeout);
            if (response.status() != mcbp::ResponseStatus::Success) {
                err << kTool << ": the files are changed, but the server did not reload them: "
                    << describeError(response) << '\n';
                return kExitFailure;
            }
        }
        out << "the server reloaded its users\n";
    } catch (const client::Error& error) {
        err << kTool << ": the files are changed; the server was not told (" << error.what()
            << "): it reads them at its next start or ISASL_REFRESH/RBAC_REFRESH\n";
    }
    out.flush();
    return kExitOk;
}

/// Throws UsageError unless `words` has exactly `count` words: "<usage>".
void expectWords(const std::vector<std::string>& words, size_t count, std::string_view usage) {
    if (words.size() != count) {
        throw UsageError(fmt::format("{} arguments; usage: {}",
                                     words.size() < count ? "missing" : "too many", usage));
    }
}

uint16_t parseVbucket(const std::string& text) {
    return static_cast<uint16_t>(parseUnsigned(text, 0xffff, "vbucket"));
}

std::string encodeUint32(uint32_t value) {
    std::string out;
    mcbp::appendUint32(out, value);
    return out;
}

Command makeCommand(CommandKind kind, mcbp::ClientOpcode opcode, std::string description) {
    Command command;
    command.kind = kind;
    command.request.opcode = opcode;
    command.description = std::move(description);
    return command;
}

Command parseVbucketCommand(const std::vector<std::string>& words) {
    if (words.size() < 2) {
        throw UsageError("missing arguments; usage: vbucket get|set|delete VB [STATE]");
    }
    const std::string& action = words[1];
    if (action == "get") {
        expectWords(words, 3, "vbucket get VB");
        const uint16_t vbucket = parseVbucket(words[2]);
        Command command = makeCommand(CommandKind::GetVbucket, mcbp::ClientOpcode::GetVbucket,
                                      fmt::format("get vbucket {}", vbucket));
        command.request.vbucket = vbucket;
        return command;
    }
    if (action == "set") {
        expectWords(words, 4, "vbucket set VB active|replica|pending|dead");
        const uint16_t vbucket = parseVbucket(words[2]);
        const auto state = vbucketStateByName(words[3]);
        if (!state) {
            throw UsageError(fmt::format(
                "vbucket set: unknown state '{}' (active, replica, pending or dead)", words[3]));
        }
        Command command =
            makeCommand(CommandKind::SetVbucket, mcbp::ClientOpcode::SetVbucket,
                        fmt::format("set vbucket {} to {}", vbucket, vbucketStateName(*state)));
        command.request.vbucket = vbucket;
        command.request.extras = encodeUint32(*state);
        return command;
    }
    if (action == "delete") {
        expectWords(words, 3, "vbucket delete VB");
        const uint16_t vbucket = parseVbucket(words[2]);
        Command command = makeCommand(CommandKind::DeleteVbucket, mcbp::ClientOpcode::DelVbucket,
                                      fmt::format("delete vbucket {}", vbucket));
        command.request.vbucket = vbucket;
        return command;
    }
    throw UsageError(fmt::format("vbucket: unknown action '{}' (get, set or delete)", action));
}

constexpr std::string_view kBucketUsage =
    "bucket create NAME [CONFIG] | bucket delete NAME [--keep-data] [--force] | bucket list";

/// Throws UsageError if `word` looks like an option ("--..."), which `action` does not take.
void rejectOption(std::string_view action, const std::string& word) {
    if (word.starts_with("--")) {
        throw UsageError(fmt::format("bucket {}: unknown option '{}'", action, word));
    }
}

/// `word` as a bucket name: throws UsageError if it is empty or an option. The server checks
/// the characters and the length.
const std::string& bucketName(std::string_view action, const std::string& word) {
    rejectOption(action, word);
    if (word.empty()) {
        throw UsageError(fmt::format("bucket {}: empty bucket name", action));
    }
    return word;
}

Command parseBucketCommand(const std::vector<std::string>& words) {
    if (words.size() < 2) {
        throw UsageError(fmt::format("missing arguments; usage: {}", kBucketUsage));
    }
    const std::string& action = words[1];
    if (action == "create") {
        if (words.size() < 3 || words.size() > 4) {
            throw UsageError(fmt::format("{} arguments; usage: bucket create NAME [CONFIG]",
                                         words.size() < 3 ? "missing" : "too many"));
        }
        const std::string& name = bucketName(action, words[2]);
        const std::string config = words.size() == 4 ? words[3] : std::string();
        rejectOption(action, config);
        Command command = makeCommand(CommandKind::CreateBucket, mcbp::ClientOpcode::CreateBucket,
                                      fmt::format("bucket create {}", name));
        command.select_bucket = false;
        command.request.key = name;
        // The engine type, a NUL, then the bucket parameters.
        command.request.value = std::string("ep") + '\0' + config;
        return command;
    }
    if (action == "delete") {
        std::vector<std::string> names;
        nlohmann::json options = nlohmann::json::object();
        for (size_t i = 2; i < words.size(); ++i) {
            const std::string& word = words[i];
            if (word == "--keep-data") {
                options["keep_data"] = true;
            } else if (word == "--force") {
                options["force"] = true;
            } else if (word.starts_with("--")) {
                throw UsageError(fmt::format(
                    "bucket delete: unknown option '{}' (--keep-data or --force)", word));
            } else {
                names.push_back(word);
            }
        }
        if (names.size() != 1) {
            throw UsageError(
                fmt::format("{} arguments; usage: bucket delete NAME [--keep-data] [--force]",
                            names.empty() ? "missing" : "too many"));
        }
        const std::string& name = bucketName(action, names.front());
        Command command = makeCommand(CommandKind::DeleteBucket, mcbp::ClientOpcode::DeleteBucket,
                                      fmt::format("bucket delete {}", name));
        command.select_bucket = false;
        command.request.key = name;
        // Sent as plain bytes: the server reads the JSON without the JSON datatype.
        if (!options.empty()) {
            command.request.value = options.dump();
        }
        return command;
    }
    if (action == "list") {
        expectWords(words, 2, "bucket list");
        Command command =
            makeCommand(CommandKind::ListBuckets, mcbp::ClientOpcode::ListBuckets, "bucket list");
        command.select_bucket = false;
        return command;
    }
    throw UsageError(fmt::format("bucket: unknown action '{}' (create, delete or list)", action));
}

/// The space-separated names of a LIST_BUCKETS answer, one per line.
std::string bucketLines(std::string_view names) {
    std::string lines;
    size_t start = 0;
    while (start < names.size()) {
        size_t end = names.find(' ', start);
        if (end == std::string_view::npos) {
            end = names.size();
        }
        if (end > start) {
            if (!lines.empty()) {
                lines += '\n';
            }
            lines += names.substr(start, end - start);
        }
        start = end + 1;
    }
    return lines;
}

}  // namespace

std::optional<uint32_t> paramType(std::string_view name) {
    for (const auto& [type_name, type] : kParamTypes) {
        if (type_name == name) {
            return type;
        }
    }
    return std::nullopt;
}

std::optional<uint32_t> vbucketStateByName(std::string_view name) {
    for (const auto& [state_name, state] : kVbucketStates) {
        if (state_name == name) {
            return state;
        }
    }
    return std::nullopt;
}

std::string vbucketStateName(uint32_t state) {
    for (const auto& [state_name, value] : kVbucketStates) {
        if (value == state) {
            return std::string(state_name);
        }
    }
    return fmt::format("unknown state {}", state);
}

Command parseCommand(const std::vector<std::string>& words) {
    if (words.empty()) {
        throw UsageError(fmt::format("no command; usage: {}", kUsage));
    }
    const std::string& name = words.front();
    if (name == "set") {
        expectWords(words, 4,
                    "set <flush_param|checkpoint_param|dcp_param|vbucket_param> KEY VALUE");
        const auto type = paramType(words[1]);
        if (!type) {
            throw UsageError(fmt::format(
                "set: unknown parameter type '{}' (flush_param, checkpoint_param, dcp_param or "
                "vbucket_param)",
                words[1]));
        }
        if (words[2].empty()) {
            throw UsageError("set: empty parameter name");
        }
        Command command = makeCommand(CommandKind::SetParam, mcbp::ClientOpcode::SetParam,
                                      fmt::format("set {} {} = {}", words[1], words[2], words[3]));
        command.request.extras = encodeUint32(*type);
        command.request.key = words[2];
        command.request.value = words[3];
        return command;
    }
    if (name == "verbosity") {
        expectWords(words, 2, "verbosity LEVEL");
        const auto level = static_cast<uint32_t>(parseUnsigned(words[1], 0xffffffff, "verbosity"));
        Command command = makeCommand(CommandKind::Verbosity, mcbp::ClientOpcode::Verbosity,
                                      fmt::format("verbosity {}", level));
        command.request.extras = encodeUint32(level);
        return command;
    }
    if (name == "vbucket") {
        return parseVbucketCommand(words);
    }
    if (name == "persistence") {
        expectWords(words, 2, "persistence stop|start");
        if (words[1] == "stop") {
            return makeCommand(CommandKind::StopPersistence, mcbp::ClientOpcode::StopPersistence,
                               "persistence stop");
        }
        if (words[1] == "start") {
            return makeCommand(CommandKind::StartPersistence, mcbp::ClientOpcode::StartPersistence,
                               "persistence start");
        }
        throw UsageError(fmt::format("persistence: '{}' is neither stop nor start", words[1]));
    }
    if (name == "bucket") {
        return parseBucketCommand(words);
    }
    if (name == "tls") {
        if (words.size() >= 2 && words[1] == "create-dev-certificate") {
            throw UsageError("tls create-dev-certificate writes files and is not a server command");
        }
        expectWords(words, 2, "tls reload | tls create-dev-certificate [--dir DIR] [--force]");
        if (words[1] == "reload") {
            return makeCommand(CommandKind::TlsReload, mcbp::ClientOpcode::SslCertsRefresh,
                               "tls reload");
        }
        throw UsageError(
            fmt::format("tls: unknown action '{}' (reload or create-dev-certificate)", words[1]));
    }
    throw UsageError(fmt::format("unknown command '{}'; usage: {}", name, kUsage));
}

Outcome formatOutcome(const Command& command, const client::Packet& response) {
    if (response.status() != mcbp::ResponseStatus::Success) {
        return {false, fmt::format("{}: {}", command.description, describeError(response))};
    }
    if (command.kind == CommandKind::GetVbucket) {
        if (response.value.size() != 4) {
            return {false, fmt::format("{}: the answer has {} bytes, not a 4-byte state",
                                       command.description, response.value.size())};
        }
        return {true, fmt::format("vbucket {}: {}", command.request.vbucket,
                                  vbucketStateName(mcbp::readUint32(response.value, 0)))};
    }
    if (command.kind == CommandKind::ListBuckets) {
        return {true, bucketLines(response.value)};
    }
    if (command.kind == CommandKind::TlsReload) {
        return {true, fmt::format("{}: ok (new TLS connections get the reloaded certificate)",
                                  command.description)};
    }
    return {true, fmt::format("{}: ok", command.description)};
}

int runCommand(client::Connection& connection, const Command& command, std::ostream& out,
               std::ostream& err) {
    try {
        const client::Packet response = connection.execute(command.request, kToolTimeout);
        const Outcome outcome = formatOutcome(command, response);
        if (!outcome.ok) {
            err << kTool << ": " << outcome.text << '\n';
            return kExitFailure;
        }
        if (!outcome.text.empty()) {
            out << outcome.text << '\n';
        }
        out.flush();
        return kExitOk;
    } catch (const client::Error& error) {
        err << kTool << ": " << command.description << ": " << error.what() << '\n';
        return kExitFailure;
    }
}

std::optional<int> parseCommandLine(int argc, const char* const* argv, Options& options,
                                    std::ostream& out, std::ostream& err) {
    CLI::App app{"eddyctl: changes settings, vbucket states and buckets of an eddy server"};
    std::string server(kDefaultServer);
    TlsFlags tls;
    configureApp(app, server);
    addLoginOptions(app, options.login);
    addTlsOptions(app, tls);
    std::string data_dir = "./data";
    app.add_option("--data-dir", data_dir,
                   "user commands: the server's data directory, where users.json and rbac.json "
                   "are (default ./data)");
    app.add_option("--password-file", options.files.passwords,
                   "user commands: the password database (default DATA_DIR/users.json)");
    app.add_option("--rbac-file", options.files.rbac,
                   "user commands: the RBAC database (default DATA_DIR/rbac.json)");
    // Everything from the command on is the command's (values such as -1 included).
    app.prefix_command();
    app.footer(
        "Commands:\n"
        "  set <flush_param|checkpoint_param|dcp_param|vbucket_param> KEY VALUE\n"
        "  verbosity LEVEL\n"
        "  vbucket get VB\n"
        "  vbucket set VB <active|replica|pending|dead>\n"
        "  vbucket delete VB\n"
        "  persistence <stop|start>\n"
        "  tls reload\n"
        "  tls create-dev-certificate [--dir DIR] [--force]   (default DIR ./data/tls)\n"
        "  bucket create NAME [CONFIG]   (CONFIG: key=value;key=value)\n"
        "  bucket delete NAME [--keep-data] [--force]\n"
        "  bucket list\n"
        "  collection list | collection create SCOPE.COLLECTION | collection drop "
        "SCOPE.COLLECTION\n"
        "      (each with [--bucket NAME], default 'default')\n"
        "  user add USER [--password PW] [--bucket NAME=PRIV,...]... [--global PRIV,...]\n"
        "  user passwd USER [--password PW] | user del USER | user list\n"
        "Exit status: 0 ok, 1 server or connection error, 2 bad usage.\n");
    if (const auto exit_code = parseApp(app, argc, argv, out, err)) {
        return exit_code;
    }
    try {
        options.server = parseServer(server);
        options.tls = resolveTls(tls);
        const std::vector<std::string> words = app.remaining();
        if (words.size() >= 2 && words[0] == "tls" && words[1] == "create-dev-certificate") {
            // Writes files only: no login, no password prompt.
            options.dev_certificate = parseDevCertificateCommand(
                std::vector<std::string>(words.begin() + 2, words.end()));
            return std::nullopt;
        }
        resolveLogin(options.login);
        if (!words.empty() && words.front() == "user") {
            options.user_command =
                parseUserCommand(std::vector<std::string>(words.begin() + 1, words.end()));
            if (options.files.passwords.empty()) {
                options.files.passwords = data_dir + "/users.json";
            }
            if (options.files.rbac.empty()) {
                options.files.rbac = data_dir + "/rbac.json";
            }
        } else if (!words.empty() && words.front() == "collection") {
            options.collection_command =
                parseCollectionCommand(std::vector<std::string>(words.begin() + 1, words.end()));
        } else {
            options.command = parseCommand(words);
        }
    } catch (const UsageError& error) {
        err << kTool << ": " << error.what() << '\n';
        return kExitUsage;
    }
    return std::nullopt;
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    Options options;
    if (const auto exit_code = parseCommandLine(argc, argv, options, out, err)) {
        return *exit_code;
    }
    if (options.user_command) {
        return runUserCommand(options, out, err);
    }
    if (options.dev_certificate) {
        try {
            out << createDevCertificate(*options.dev_certificate) << '\n';
            out.flush();
            return kExitOk;
        } catch (const std::runtime_error& error) {
            err << kTool << ": " << error.what() << '\n';
            return kExitFailure;
        }
    }
    try {
        if (options.collection_command) {
            client::Connection connection =
                connectTool(options.server, options.tls, kTool, options.login,
                            options.collection_command->bucket);
            return runCollectionCommand(connection, *options.collection_command, out, err);
        }
        client::Connection connection =
            connectTool(options.server, options.tls, kTool, options.login,
                        options.command.select_bucket ? "default" : "");
        return runCommand(connection, options.command, out, err);
    } catch (const client::Error& error) {
        err << kTool << ": " << error.what() << '\n';
        return kExitFailure;
    }
}

}  // namespace eddy::tools::ctl
