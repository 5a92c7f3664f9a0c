// eddy-timings — the latency-histogram command-line tool (see timings_tool.h).
#include "timings_tool.h"

#include "protocol/opcode.h"
#include "tool_common.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace eddy::tools::timings {

namespace {

constexpr std::string_view kTool = "eddy-timings";

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool isGroup(std::string_view word) {
    return std::find(kGroups.begin(), kGroups.end(), word) != kGroups.end();
}

/// The histograms of `options.group`, filtered by `options.names`; nullopt after an error that
/// ends the run (already reported).
std::optional<std::vector<Timings>> fromStatGroup(client::Connection& connection,
                                                  const Options& options, std::ostream& err,
                                                  bool& failed) {
    StatsReply reply = fetchStats(connection, options.group);
    if (reply.failure) {
        const auto status = reply.failure->status();
        if (status == mcbp::ResponseStatus::KeyEnoent ||
            status == mcbp::ResponseStatus::NotSupported) {
            err << kTool << ": the server does not provide the '" << options.group
                << "' stat group: " << describeError(*reply.failure) << '\n';
        } else {
            err << kTool << ": STAT '" << options.group << "': " << describeError(*reply.failure)
                << '\n';
        }
        return std::nullopt;
    }
    const StatRows& rows = reply.rows;
    std::vector<Timings> histograms;
    std::vector<bool> found(options.names.size(), false);
    for (const auto& [key, value] : rows) {
        if (!options.names.empty()) {
            bool wanted = false;
            for (size_t i = 0; i < options.names.size(); ++i) {
                if (equalsIgnoringCase(key, options.names[i])) {
                    found[i] = true;
                    wanted = true;
                }
            }
            if (!wanted) {
                continue;
            }
        }
        try {
            histograms.push_back(parseTimings(key, value));
        } catch (const std::invalid_argument& error) {
            err << kTool << ": cannot read the histogram '" << key << "': " << error.what() << '\n';
            failed = true;
        }
    }
    for (size_t i = 0; i < options.names.size(); ++i) {
        if (!found[i]) {
            err << kTool << ": no timings named '" << options.names[i] << "' in '" << options.group
                << "'\n";
        }
    }
    return histograms;
}

/// One GET_CMD_TIMER per opcode; nullopt after an error that ends the run (already reported).
std::optional<std::vector<Timings>> fromCmdTimer(client::Connection& connection,
                                                 const Options& options, std::ostream& err,
                                                 bool& failed) {
    std::vector<Timings> histograms;
    for (const uint8_t opcode : options.opcodes) {
        const std::string name = opcodeDisplayName(opcode);
        const client::Packet response = connection.execute(cmdTimerRequest(opcode), kToolTimeout);
        switch (response.status()) {
        case mcbp::ResponseStatus::Success:
            try {
                histograms.push_back(parseTimings(name, response.value));
            } catch (const std::invalid_argument& error) {
                err << kTool << ": cannot read the histogram of " << name << ": " << error.what()
                    << '\n';
                failed = true;
            }
            break;
        case mcbp::ResponseStatus::KeyEnoent: histograms.push_back(Timings{.name = name}); break;
        case mcbp::ResponseStatus::UnknownCommand:
        case mcbp::ResponseStatus::NotSupported:
            err << kTool << ": the server does not support GET_CMD_TIMER ("
                << describeError(response) << "); try without --opcode\n";
            return std::nullopt;
        default:
            err << kTool << ": GET_CMD_TIMER " << name << ": " << describeError(response) << '\n';
            failed = true;
            break;
        }
    }
    return histograms;
}

}  // namespace

std::optional<int> parseCommandLine(int argc, const char* const* argv, Options& options,
                                    std::ostream& out, std::ostream& err) {
    CLI::App app{
        "eddy-timings: prints latency histograms of an eddy server: command timings per opcode "
        "(timings), task run times (runtimes) or task scheduling delays (scheduler)"};
    std::string server(kDefaultServer);
    std::vector<std::string> words;
    std::vector<std::string> opcodes;
    TlsFlags tls;
    configureApp(app, server);
    addLoginOptions(app, options.login);
    addTlsOptions(app, tls);
    app.add_flag("-j,--json", options.json,
                 "print one JSON object: the histograms with their mean and percentiles");
    app.add_option("--opcode", opcodes,
                   "ask GET_CMD_TIMER for this opcode (a name such as GET or 0xNN); repeatable")
        ->allow_extra_args(false);
    app.add_option("words", words,
                   "[GROUP] [NAME...]: timings (default), runtimes or scheduler, then the "
                   "histograms to show (default: all with samples)");
    app.footer("Exit status: 0 ok, 1 server or connection error, 2 bad usage.\n");
    if (const auto exit_code = parseApp(app, argc, argv, out, err)) {
        return exit_code;
    }
    try {
        options.server = parseServer(server);
        options.tls = resolveTls(tls);
        resolveLogin(options.login);
        auto word = words.begin();
        if (word != words.end() && isGroup(*word)) {
            options.group = *word++;
        }
        options.names.assign(word, words.end());
        for (const auto& text : opcodes) {
            const auto opcode = opcodeByName(text);
            if (!opcode) {
                throw UsageError(fmt::format("--opcode: no opcode named '{}'", text));
            }
            options.opcodes.push_back(*opcode);
        }
        if (!options.opcodes.empty() && options.group != "timings") {
            throw UsageError(fmt::format("--opcode reads command timings; it does not go with '{}'",
                                         options.group));
        }
        if (!options.opcodes.empty() && !options.names.empty()) {
            throw UsageError("give either --opcode or histogram names, not both");
        }
    } catch (const UsageError& error) {
        err << kTool << ": " << error.what() << '\n';
        return kExitUsage;
    }
    return std::nullopt;
}

std::optional<uint8_t> opcodeByName(std::string_view name) {
    for (const auto& info : mcbp::clientOpcodes()) {
        if (equalsIgnoringCase(info.name, name)) {
            return static_cast<uint8_t>(info.opcode);
        }
    }
    if (name.size() > 2 && (name.substr(0, 2) == "0x" || name.substr(0, 2) == "0X")) {
        unsigned value = 0;
        const std::string_view digits = name.substr(2);
        const auto [stop, error] =
            std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
        if (error == std::errc() && stop == digits.data() + digits.size() && value <= 0xff) {
            return static_cast<uint8_t>(value);
        }
    }
    return std::nullopt;
}

std::string opcodeDisplayName(uint8_t opcode) {
    const auto name = mcbp::opcodeName(opcode);
    if (!name) {
        return fmt::format("0x{:02x}", opcode);
    }
    std::string upper(*name);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return upper;
}

client::Request cmdTimerRequest(uint8_t opcode) {
    client::Request request;
    request.opcode = mcbp::ClientOpcode::GetCmdTimer;
    request.extras.push_back(static_cast<char>(opcode));
    return request;
}

int runTimings(client::Connection& connection, const Options& options, std::ostream& out,
               std::ostream& err) {
    bool failed = false;
    std::optional<std::vector<Timings>> histograms;
    try {
        histograms = options.opcodes.empty() ? fromStatGroup(connection, options, err, failed)
                                             : fromCmdTimer(connection, options, err, failed);
    } catch (const client::Error& error) {
        err << kTool << ": " << error.what() << '\n';
        return kExitFailure;
    }
    if (!histograms) {
        return kExitFailure;
    }
    const bool named = !options.names.empty() || !options.opcodes.empty();
    nlohmann::ordered_json json = nlohmann::ordered_json::object();
    size_t printed = 0;
    for (const auto& timings : *histograms) {
        if (timings.count == 0) {
            if (named) {
                err << kTool << ": " << timings.name << ": no samples\n";
            }
            continue;
        }
        if (options.json) {
            json[timings.name] = timingsJson(timings);
        } else {
            out << (printed > 0 ? "\n" : "") << formatTimings(timings);
        }
        ++printed;
    }
    if (options.json) {
        out << json.dump() << '\n';
    } else if (printed == 0 && !named && !failed) {
        err << kTool << ": no samples in '" << options.group << "'\n";
    }
    out.flush();
    return failed ? kExitFailure : kExitOk;
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    Options options;
    if (const auto exit_code = parseCommandLine(argc, argv, options, out, err)) {
        return *exit_code;
    }
    try {
        client::Connection connection =
            connectTool(options.server, options.tls, kTool, options.login);
        return runTimings(connection, options, out, err);
    } catch (const client::Error& error) {
        err << kTool << ": " << error.what() << '\n';
        return kExitFailure;
    }
}

}  // namespace eddy::tools::timings
