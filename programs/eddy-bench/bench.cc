// eddy-bench — the program's phases (bench.h).
#include "bench.h"

#include "report.h"
#include "target_run.h"

#include <fmt/format.h>

#include <exception>
#include <fstream>
#include <memory>
#include <vector>

namespace eddy::bench {

namespace {

constexpr std::string_view kTool = "eddy-bench";

bool clean(const RunResult& result) {
    return result.errorCount() == 0 && result.connection_errors == 0;
}

/// Populates every target, then runs the rounds; may throw what a phase throws.
int runRounds(const Options& options, const std::vector<std::unique_ptr<TargetRun>>& targets,
              Progress& progress, std::ostream& out, std::ostream& err,
              const std::atomic<bool>& stop) {
    bool ok = true;
    if (options.populate) {
        for (const auto& target : targets) {
            const RunResult stored = target->populate(progress, stop);
            out << fmt::format("{}: stored {} keys in {:.1f} s\n", stored.server, stored.ops,
                               stored.seconds);
            if (!clean(stored)) {
                out << formatRun(stored);
                ok = false;
            }
        }
    }
    const bool comparing = targets.size() == 2;
    const uint32_t rounds = comparing ? options.rounds : 1;
    std::vector<std::vector<RunResult>> runs(targets.size());
    nlohmann::ordered_json runs_json = nlohmann::ordered_json::array();
    for (uint32_t round = 1; round <= rounds && !stop.load(); ++round) {
        for (size_t t = 0; t < targets.size() && !stop.load(); ++t) {
            const char side = t == 0 ? 'A' : 'B';
            const std::string label = comparing
                                          ? fmt::format("{} {} round {}/{}", side,
                                                        targets[t]->target().name, round, rounds)
                                          : targets[t]->target().name;
            RunResult result = targets[t]->measure(label, round, progress, stop);
            out << (comparing ? fmt::format("round {} {}: ", round, side) : "") << formatRun(result)
                << std::flush;
            ok = ok && clean(result);
            nlohmann::ordered_json json = runJson(result);
            json["round"] = round;
            runs_json.push_back(std::move(json));
            runs[t].push_back(std::move(result));
        }
    }
    nlohmann::ordered_json document = {{"settings", settingsJson(options)}, {"runs", runs_json}};
    if (comparing && !runs[0].empty() && !runs[1].empty()) {
        const Comparison comparison = compare(runs[0], runs[1]);
        out << formatComparison(comparison);
        document["comparison"] = comparisonJson(comparison);
    }
    if (options.json_path == "-") {
        out << document.dump(2) << "\n";
    } else if (!options.json_path.empty()) {
        std::ofstream file(options.json_path);
        file << document.dump(2) << "\n";
        if (!file) {
            err << kTool << ": cannot write " << options.json_path << "\n";
            return tools::kExitFailure;
        }
    }
    return ok && !stop.load() ? tools::kExitOk : tools::kExitFailure;
}

}  // namespace

int runBench(const Options& options, std::ostream& out, std::ostream& err,
             const std::atomic<bool>& stop) {
    Progress progress(err, options.progress);
    std::vector<std::unique_ptr<TargetRun>> targets;
    try {
        for (const Target& target : options.targets) {
            targets.push_back(std::make_unique<TargetRun>(options, target));
        }
        return runRounds(options, targets, progress, out, err, stop);
    } catch (const std::exception& error) {
        progress.done();
        err << kTool << ": " << error.what() << "\n";
        return tools::kExitFailure;
    }
}

}  // namespace eddy::bench
