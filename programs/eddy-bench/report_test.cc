// eddy-bench's tallies and reports: the measured window, misses and errors, medians and ratios.
#include "report.h"

#include "recorder.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace eddy::bench {
namespace {

using mcbp::ResponseStatus;
using std::chrono::microseconds;

TEST(RecorderTest, CountsOnlyWhatWasSentAndAnsweredInsideTheWindow) {
    const TimePoint begin = Clock::now();
    const Window window{.begin = begin, .end = begin + std::chrono::seconds(10)};
    Recorder recorder(window);
    const auto at = [begin](int ms) { return begin + std::chrono::milliseconds(ms); };
    recorder.completed(OpKind::Get, ResponseStatus::Success, at(-1), at(1));        // warm-up
    recorder.completed(OpKind::Get, ResponseStatus::Success, at(9999), at(10001));  // too late
    recorder.completed(OpKind::Get, ResponseStatus::Success, at(1), at(2));
    recorder.completed(OpKind::Get, ResponseStatus::KeyEnoent, at(1), at(3));
    recorder.completed(OpKind::Delete, ResponseStatus::KeyEnoent, at(1), at(3));
    recorder.completed(OpKind::Set, ResponseStatus::KeyEnoent, at(1), at(3));  // an error
    recorder.completed(OpKind::Set, ResponseStatus::Etmpfail, at(1), at(3));
    recorder.completed(OpKind::Set, ResponseStatus::Etmpfail, at(2), at(3));
    EXPECT_EQ(3u, recorder.measured());
    RunResult result;
    recorder.addTo(result);
    EXPECT_EQ(3u, result.ops);
    EXPECT_EQ(2u, result.by_kind[0].count);
    EXPECT_EQ(1u, result.by_kind[0].misses);
    EXPECT_EQ(1u, result.by_kind[2].misses);
    EXPECT_EQ(0u, result.by_kind[1].count);
    EXPECT_EQ(3u, result.errorCount());
    EXPECT_EQ(2u, result.errors.at("ETMPFAIL")) << "errors by status name";
    EXPECT_EQ(1u, result.errors.at("KEY_ENOENT"));
    EXPECT_EQ(3u, result.latency.count());
    EXPECT_EQ(2'000'000u, result.latency.max());
}

RunResult runOf(const std::string& server, double ops_per_sec, uint64_t latency_us,
                std::optional<double> cpu_seconds) {
    RunResult run;
    run.server = server;
    run.seconds = 1;
    run.ops = static_cast<uint64_t>(ops_per_sec);
    Histogram latency;
    latency.record(microseconds(latency_us));
    latency.addTo(run.latency);
    run.server_cpu_seconds = cpu_seconds;
    return run;
}

TEST(ReportTest, ComparesTheMediansOfEachServersRuns) {
    const std::vector<RunResult> a = {runOf("a", 100, 100, 0.002), runOf("a", 300, 300, 0.003),
                                      runOf("a", 200, 200, 0.004)};
    const std::vector<RunResult> b = {runOf("b", 400, 50, 0.004), runOf("b", 100, 60, 0.001),
                                      runOf("b", 1000, 40, 0.002)};
    const Comparison comparison = compare(a, b);
    EXPECT_DOUBLE_EQ(200, comparison.a.ops_per_sec);
    EXPECT_DOUBLE_EQ(400, comparison.b.ops_per_sec);
    EXPECT_DOUBLE_EQ(0.5, comparison.ops_ratio);
    EXPECT_NEAR(200.0 / 50.0, comparison.p99_ratio, 0.5) << "histogram buckets are 1/16 wide";
    ASSERT_TRUE(comparison.cpu_ratio);
    // Medians of CPU µs per op: a {20, 10, 20} → 20; b {10, 10, 2} → 10.
    EXPECT_DOUBLE_EQ(2.0, *comparison.cpu_ratio);
    const std::string text = formatComparison(comparison);
    EXPECT_NE(std::string::npos, text.find("ratio A/B")) << text;
    const auto json = comparisonJson(comparison);
    EXPECT_DOUBLE_EQ(0.5, json["ops_per_sec_ratio"].get<double>());
}

TEST(ReportTest, WithoutCpuOnEveryRunThereIsNoCpuRatio) {
    const Comparison comparison =
        compare({runOf("a", 1, 1, std::nullopt)}, {runOf("b", 1, 1, 0.5)});
    EXPECT_FALSE(comparison.cpu_ratio);
}

TEST(ReportTest, RunJsonHasEveryFigure) {
    RunResult run = runOf("127.0.0.1:11210", 1000, 120, 0.01);
    run.errors["ETMPFAIL"] = 2;
    const auto json = runJson(run);
    EXPECT_EQ("127.0.0.1:11210", json["server"]);
    EXPECT_DOUBLE_EQ(1000, json["ops_per_sec"].get<double>());
    EXPECT_NEAR(10.0, json["server_cpu_us_per_op"].get<double>(), 1e-9);
    EXPECT_EQ(2, json["errors"]["ETMPFAIL"]);
    for (const char* key : {"p50", "p99", "p99.9", "max"}) {
        EXPECT_TRUE(json["latency_us"].contains(key)) << key;
    }
    EXPECT_TRUE(json["operations"].contains("get"));
    EXPECT_NE(std::string::npos, formatRun(run).find("error ETMPFAIL: 2"));
}

TEST(ProcessCpuTest, ReadsThisProcess) {
    const std::optional<double> cpu = processCpuSeconds(static_cast<int>(::getpid()));
    ASSERT_TRUE(cpu);
    EXPECT_GE(*cpu, 0.0);
    EXPECT_FALSE(processCpuSeconds(-1));
}

}  // namespace
}  // namespace eddy::bench
