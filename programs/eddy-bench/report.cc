// eddy-bench — results as text and JSON (report.h).
#include "report.h"

#include <fmt/format.h>

#include <algorithm>

namespace eddy::bench {

namespace {

double micros(uint64_t ns) {
    return double(ns) / 1e3;
}

nlohmann::ordered_json latencyJson(const HistogramSnapshot& latency) {
    return {{"p50", micros(latency.percentile(50))},
            {"p99", micros(latency.percentile(99))},
            {"p99.9", micros(latency.percentile(99.9))},
            {"max", micros(latency.max())},
            {"mean", latency.mean() / 1e3}};
}

std::string latencyText(const HistogramSnapshot& latency) {
    return fmt::format("p50 {:.0f}  p99 {:.0f}  p99.9 {:.0f}  max {:.0f} µs",
                       micros(latency.percentile(50)), micros(latency.percentile(99)),
                       micros(latency.percentile(99.9)), micros(latency.max()));
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const size_t middle = values.size() / 2;
    return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

Medians mediansOf(const std::vector<RunResult>& runs) {
    Medians out;
    out.server = runs.front().server;
    std::vector<double> ops;
    std::vector<double> p50;
    std::vector<double> p99;
    std::vector<double> p999;
    std::vector<double> cpu;
    for (const RunResult& run : runs) {
        ops.push_back(run.opsPerSecond());
        p50.push_back(micros(run.latency.percentile(50)));
        p99.push_back(micros(run.latency.percentile(99)));
        p999.push_back(micros(run.latency.percentile(99.9)));
        if (const auto per_op = run.cpuMicrosPerOp()) {
            cpu.push_back(*per_op);
        }
    }
    out.ops_per_sec = median(ops);
    out.p50_us = median(p50);
    out.p99_us = median(p99);
    out.p999_us = median(p999);
    if (cpu.size() == runs.size()) {
        out.cpu_us_per_op = median(cpu);
    }
    return out;
}

double ratio(double a, double b) {
    return b > 0 ? a / b : 0;
}

nlohmann::ordered_json mediansJson(const Medians& medians) {
    nlohmann::ordered_json out = {{"server", medians.server},
                                  {"ops_per_sec", medians.ops_per_sec},
                                  {"p50_us", medians.p50_us},
                                  {"p99_us", medians.p99_us},
                                  {"p99.9_us", medians.p999_us}};
    if (medians.cpu_us_per_op) {
        out["server_cpu_us_per_op"] = *medians.cpu_us_per_op;
    }
    return out;
}

}  // namespace

std::string formatRun(const RunResult& result) {
    std::string out = fmt::format("{}: {:.0f} ops/s ({} ops in {:.2f} s)\n", result.server,
                                  result.opsPerSecond(), result.ops, result.seconds);
    out += fmt::format("  all     {}\n", latencyText(result.latency));
    for (size_t i = 0; i < kNumOpKinds; ++i) {
        const OpResult& op = result.by_kind[i];
        if (op.count == 0) {
            continue;
        }
        out += fmt::format("  {:<7} {}  ({} ops, {} misses)\n", toString(static_cast<OpKind>(i)),
                           latencyText(op.latency), op.count, op.misses);
    }
    if (const auto cpu = result.cpuMicrosPerOp()) {
        out += fmt::format("  server CPU {:.2f} µs per op\n", *cpu);
    }
    for (const auto& [status, count] : result.errors) {
        out += fmt::format("  error {}: {}\n", status, count);
    }
    if (result.connection_errors > 0) {
        out += fmt::format("  connections lost: {} (first: {})\n", result.connection_errors,
                           result.first_connection_error);
    }
    return out;
}

nlohmann::ordered_json runJson(const RunResult& result) {
    nlohmann::ordered_json out = {{"server", result.server},
                                  {"seconds", result.seconds},
                                  {"ops", result.ops},
                                  {"ops_per_sec", result.opsPerSecond()},
                                  {"latency_us", latencyJson(result.latency)}};
    nlohmann::ordered_json kinds = nlohmann::ordered_json::object();
    for (size_t i = 0; i < kNumOpKinds; ++i) {
        const OpResult& op = result.by_kind[i];
        kinds[std::string(toString(static_cast<OpKind>(i)))] = {
            {"ops", op.count}, {"misses", op.misses}, {"latency_us", latencyJson(op.latency)}};
    }
    out["operations"] = kinds;
    out["errors"] = result.errors;
    out["connection_errors"] = result.connection_errors;
    if (result.server_cpu_seconds) {
        out["server_cpu_seconds"] = *result.server_cpu_seconds;
        out["server_cpu_us_per_op"] = result.cpuMicrosPerOp().value_or(0);
    }
    return out;
}

Comparison compare(const std::vector<RunResult>& a_runs, const std::vector<RunResult>& b_runs) {
    Comparison out;
    out.a = mediansOf(a_runs);
    out.b = mediansOf(b_runs);
    out.ops_ratio = ratio(out.a.ops_per_sec, out.b.ops_per_sec);
    out.p99_ratio = ratio(out.a.p99_us, out.b.p99_us);
    if (out.a.cpu_us_per_op && out.b.cpu_us_per_op) {
        out.cpu_ratio = ratio(*out.a.cpu_us_per_op, *out.b.cpu_us_per_op);
    }
    return out;
}

std::string formatComparison(const Comparison& comparison) {
    auto cpu = [](const std::optional<double>& value) {
        return value ? fmt::format("{:.2f}", *value) : std::string("-");
    };
    std::string out = "median over the rounds   ops/s   p50 µs   p99 µs   CPU µs/op\n";
    for (const Medians* medians : {&comparison.a, &comparison.b}) {
        out += fmt::format("  {:<20} {:>9.0f} {:>8.0f} {:>8.0f} {:>11}\n", medians->server,
                           medians->ops_per_sec, medians->p50_us, medians->p99_us,
                           cpu(medians->cpu_us_per_op));
    }
    out += fmt::format("  {:<20} {:>9.2f} {:>8.2f} {:>8.2f} {:>11}\n", "ratio A/B",
                       comparison.ops_ratio, ratio(comparison.a.p50_us, comparison.b.p50_us),
                       comparison.p99_ratio, cpu(comparison.cpu_ratio));
    return out;
}

nlohmann::ordered_json comparisonJson(const Comparison& comparison) {
    nlohmann::ordered_json out = {{"a", mediansJson(comparison.a)},
                                  {"b", mediansJson(comparison.b)},
                                  {"ops_per_sec_ratio", comparison.ops_ratio},
                                  {"p99_ratio", comparison.p99_ratio}};
    if (comparison.cpu_ratio) {
        out["server_cpu_per_op_ratio"] = *comparison.cpu_ratio;
    }
    return out;
}

nlohmann::ordered_json settingsJson(const Options& options) {
    const WorkloadSpec& workload = options.workload;
    return {
        {"threads", options.threads},
        {"connections", options.connections},
        {"depth", options.depth},
        {"mix", fmt::format("{}:{}:{}", workload.mix.get, workload.mix.set, workload.mix.del)},
        {"keys", workload.keys},
        {"distribution", workload.distribution == KeyDistribution::Zipfian ? "zipfian" : "uniform"},
        {"value_size", fmt::format("{}-{}", workload.values.min, workload.values.max)},
        {"vbuckets", options.vbuckets},
        {"duration_ms", options.duration.count()},
        {"ops", options.ops},
        {"warmup_ms", options.warmup.count()},
        {"rounds", options.rounds}};
}

}  // namespace eddy::bench
