// eddy-stats — the STAT command-line tool (see stats_tool.h).
#include "stats_tool.h"

#include "eddy/stat_groups.h"

#include <fmt/format.h>

#include <exception>

namespace eddy::tools::stats {

namespace {

constexpr std::string_view kTool = "eddy-stats";

}  // namespace

std::optional<int> parseCommandLine(int argc, const char* const* argv, Options& options,
                                    std::ostream& out, std::ostream& err) {
    CLI::App app{
        "eddy-stats: prints a stat group of an eddy server (STAT), as an aligned table or as "
        "JSON"};
    std::string server(kDefaultServer);
    std::vector<std::string> words;
    TlsFlags tls;
    configureApp(app, server);
    addLoginOptions(app, options.login);
    addTlsOptions(app, tls);
    app.add_option("-b,--bucket", options.bucket,
                   "bucket to read, selected after logging in with -u (default: default)");
    app.add_flag("-j,--json", options.json, "print one JSON object (integers as numbers)");
    app.add_option("group", words,
                   "GROUP [ARG...]: the stat group and its arguments, e.g. 'vbucket-details 0'; "
                   "none or 'all' = the default group");
    // The server's stat-group table (docs/stats.md) lists the groups.
    std::string groups = "Groups: all (the default group)";
    for (const StatGroupInfo& info : allStatGroups()) {
        if (!info.name.empty()) {
            groups += info.args.empty() ? fmt::format(", {}", info.name)
                                        : fmt::format(", {} {}", info.name, info.args);
        }
    }
    app.footer(groups + ".\nExit status: 0 ok, 1 server or connection error, 2 bad usage.\n");
    if (const auto exit_code = parseApp(app, argc, argv, out, err)) {
        return exit_code;
    }
    try {
        options.server = parseServer(server);
        options.tls = resolveTls(tls);
        resolveLogin(options.login);
        if (options.login.user.empty() && options.bucket != kBucketName) {
            throw UsageError(fmt::format(
                "-b {} needs -u: a connection that does not log in uses the bucket the server "
                "gives unauthenticated connections",
                options.bucket));
        }
        if (!words.empty()) {
            options.group = words.front();
            options.args.assign(words.begin() + 1, words.end());
        }
        (void)statKey(options.group, options.args);
    } catch (const UsageError& error) {
        err << kTool << ": " << error.what() << '\n';
        return kExitUsage;
    }
    return std::nullopt;
}

std::string statKey(const std::string& group, const std::vector<std::string>& args) {
    if (group.empty() || group == "all") {
        if (!args.empty()) {
            throw UsageError(fmt::format("the default group ('{}') takes no arguments", group));
        }
        return {};
    }
    std::string key = group;
    for (const auto& arg : args) {
        key += ' ';
        key += arg;
    }
    return key;
}

std::string formatStats(const StatRows& rows) {
    return formatTable(rows);
}

nlohmann::ordered_json statsJson(const StatRows& rows) {
    return statRowsToJson(rows);
}

int runStats(client::Connection& connection, const Options& options, std::ostream& out,
             std::ostream& err) {
    std::string key;
    try {
        key = statKey(options.group, options.args);
    } catch (const UsageError& error) {
        err << kTool << ": " << error.what() << '\n';
        return kExitUsage;
    }
    StatsReply reply;
    try {
        reply = fetchStats(connection, key);
    } catch (const client::Error& error) {
        err << kTool << ": " << error.what() << '\n';
        return kExitFailure;
    }
    if (reply.failure) {
        if (reply.failure->status() == mcbp::ResponseStatus::KeyEnoent) {
            err << kTool << ": unknown stat group '" << options.group << "'\n";
        } else {
            err << kTool << ": STAT '" << key << "': " << describeError(*reply.failure) << '\n';
        }
        return kExitFailure;
    }
    const StatRows& rows = reply.rows;
    if (options.json) {
        out << statsJson(rows).dump() << '\n';
    } else {
        out << formatStats(rows);
    }
    out.flush();
    return kExitOk;
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    Options options;
    if (const auto exit_code = parseCommandLine(argc, argv, options, out, err)) {
        return *exit_code;
    }
    try {
        client::Connection connection =
            connectTool(options.server, options.tls, kTool, options.login, options.bucket);
        return runStats(connection, options, out, err);
    } catch (const client::Error& error) {
        err << kTool << ": " << error.what() << '\n';
        return kExitFailure;
    }
}

}  // namespace eddy::tools::stats
