// eddy-bench — results as text and JSON, and the A/B comparison.
//
// Owns: formatRun() (a run as a few aligned lines), runJson(), Comparison (the medians of each
// server's runs and their ratios) with compare(), formatComparison() and comparisonJson().
//
// Semantics. Latency percentiles are HistogramSnapshot::percentile() of the merged histograms,
// so within 1/16 above the true value (common/histogram.h), in microseconds. A ratio is A's
// median over B's (ops/s above 1: A is faster; CPU per op and latency below 1: A is cheaper).
// Medians, not means: a run disturbed by the shared machine moves a median least.
//
// Thread contract: pure functions.
#pragma once

#include "options.h"
#include "recorder.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace eddy::bench {

[[nodiscard]] std::string formatRun(const RunResult& result);
[[nodiscard]] nlohmann::ordered_json runJson(const RunResult& result);

/// The medians of one server's runs.
struct Medians {
    std::string server;
    double ops_per_sec = 0;
    double p50_us = 0;
    double p99_us = 0;
    double p999_us = 0;
    std::optional<double> cpu_us_per_op;
};

struct Comparison {
    Medians a;
    Medians b;
    double ops_ratio = 0;
    double p99_ratio = 0;
    std::optional<double> cpu_ratio;
};

/// `a_runs` and `b_runs` are the two servers' measured runs (at least one each).
[[nodiscard]] Comparison compare(const std::vector<RunResult>& a_runs,
                                 const std::vector<RunResult>& b_runs);
[[nodiscard]] std::string formatComparison(const Comparison& comparison);
[[nodiscard]] nlohmann::ordered_json comparisonJson(const Comparison& comparison);

/// The settings of the run, for the JSON result.
[[nodiscard]] nlohmann::ordered_json settingsJson(const Options& options);

}  // namespace eddy::bench
