// eddy-dcpdrain — drains DCP streams from a server and reports what came and how fast.
//
// Usage: eddy-dcpdrain [-h host:port] [--name NAME] [--vbuckets 0,1,5-9] [--buffer-size BYTES]
//                      [--noop-interval S] [--no-value] [--forever] [--positions FILE] [--json]
//
// A live progress line goes to stderr (when it is a terminal, at most four times a second); the
// summary goes to stdout as a table, or as one JSON object with --json. With --positions the
// positions reached are saved at the end of the run, on SIGINT/SIGTERM and when the connection
// breaks, and the next run resumes from them. Exit status: 0 when every vbucket was drained (or
// the run was interrupted by a signal), 1 for connection errors and vbuckets that could not be
// streamed, 2 for bad options or an unreadable positions file.

#include "client/connection.h"
#include "drain.h"
#include "options.h"
#include "positions.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#include <signal.h>
#include <unistd.h>

namespace {

std::atomic<bool> g_stop{false};

void onSignal(int /*signal*/) {
    g_stop.store(true);
}

void installSignalHandlers() {
    struct sigaction action {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    // A second signal kills the process the usual way.
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

/// The carriage-return status line on stderr; does nothing unless stderr is a terminal.
class ProgressLine {
public:
    ProgressLine() : enabled_(isatty(STDERR_FILENO) == 1) {}

    void show(const std::string& text) {
        if (!enabled_) {
            return;
        }
        const size_t pad = width_ > text.size() ? width_ - text.size() : 0;
        std::fprintf(stderr, "\r%s%*s", text.c_str(), static_cast<int>(pad), "");
        std::fflush(stderr);
        width_ = text.size();
    }

    /// Ends the line so that later output starts on a fresh one.
    void finish() {
        if (enabled_ && width_ > 0) {
            std::fputc('\n', stderr);
            width_ = 0;
        }
    }

private:
    bool enabled_;
    size_t width_ = 0;
};

bool savePositionsReporting(const eddy::dcpdrain::Options& options,
                            const eddy::dcpdrain::Positions& positions) {
    if (options.positions_file.empty()) {
        return true;
    }
    try {
        eddy::dcpdrain::savePositions(options.positions_file, positions);
        return true;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "eddy-dcpdrain: --positions %s\n", error.what());
        return false;
    }
}

}  // namespace

int main(int argc, char** argv) {
    using namespace eddy::dcpdrain;
    Options options;
    if (const auto exit_code = parseCommandLine(argc, argv, options)) {
        return *exit_code;
    }
    if (options.name.empty()) {
        options.name = fmt::format("eddy-dcpdrain:{}", getpid());
    }
    Positions positions;
    if (!options.positions_file.empty()) {
        try {
            positions = loadPositions(options.positions_file);
        } catch (const std::exception& error) {
            std::fprintf(stderr, "eddy-dcpdrain: --positions %s\n", error.what());
            return 2;
        }
    }
    installSignalHandlers();

    ProgressLine progress;
    Summary summary;
    try {
        eddy::client::Connection connection =
            eddy::tools::connectTool(options.server, options.tls, "eddy-dcpdrain", options.login);
        Drainer drainer(connection, options, positions);
        summary =
            drainer.run(g_stop, [&](const Progress& now) { progress.show(formatProgress(now)); });
    } catch (const eddy::client::Error& error) {
        progress.finish();
        savePositionsReporting(options, positions);
        std::fprintf(stderr, "eddy-dcpdrain: %s\n", error.what());
        return 1;
    }
    progress.finish();
    const bool saved = savePositionsReporting(options, positions);

    if (options.json) {
        std::printf("%s\n", summaryJson(summary).dump().c_str());
    } else {
        std::fputs(formatSummaryTable(summary).c_str(), stdout);
    }
    std::fflush(stdout);
    for (const auto& warning : summary.warnings) {
        std::fprintf(stderr, "eddy-dcpdrain: warning: %s\n", warning.c_str());
    }
    for (const auto& failure : summary.failures) {
        std::fprintf(stderr, "eddy-dcpdrain: %s\n", failure.c_str());
    }
    if (summary.interrupted) {
        std::fprintf(stderr, "eddy-dcpdrain: interrupted after %.1f s\n", summary.seconds);
    }
    return summary.failures.empty() && saved ? 0 : 1;
}
