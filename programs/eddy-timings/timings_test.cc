// eddy-timings — tests of histogram parsing, percentiles, units, bars and the two output forms.
#include "timings.h"

#include "tool_common.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace eddy::tools::timings {
namespace {

/// 100 samples: 50 in [1000, 1064), 40 in [2048, 2176), 9 in [8192, 8704), 1 in [1 s, ...).
constexpr std::string_view kSample =
    R"({"count":100,"sum_ns":1000310000,"min_ns":1010,"max_ns":1000000000,)"
    R"("buckets":[[1000,1064,50],[2048,2176,40],[8192,8704,9],[973078528,1006632960,1]]})";

TEST(TimingsParseTest, ReadsTheServerForm) {
    const Timings timings = parseTimings("GET", kSample);
    EXPECT_EQ(timings.name, "GET");
    EXPECT_EQ(timings.count, 100u);
    EXPECT_EQ(timings.sum_ns, 1000310000u);
    EXPECT_EQ(timings.min_ns, 1010u);
    EXPECT_EQ(timings.max_ns, 1000000000u);
    ASSERT_EQ(timings.buckets.size(), 4u);
    EXPECT_EQ(timings.buckets[1], (HistogramBucket{2048, 2176, 40}));
    EXPECT_EQ(timings.bucketTotal(), 100u);
    EXPECT_DOUBLE_EQ(timings.mean(), 10003100.0);
}

TEST(TimingsParseTest, EmptyHistogram) {
    const Timings timings =
        parseTimings("SET", R"({"count":0,"sum_ns":0,"min_ns":0,"max_ns":0,"buckets":[]})");
    EXPECT_EQ(timings.count, 0u);
    EXPECT_TRUE(timings.buckets.empty());
    EXPECT_EQ(timings.mean(), 0.0);
    EXPECT_EQ(percentile(timings, 50), 0u);
}

TEST(TimingsParseTest, ExtraFieldsAreIgnored) {
    EXPECT_NO_THROW((void)parseTimings(
        "x", R"({"count":1,"sum_ns":5,"min_ns":5,"max_ns":5,"buckets":[[5,6,1]],"p50":5})"));
}

TEST(TimingsParseTest, Rejects) {
    for (const char* bad : {
             "",
             "not json",
             "[]",
             R"({"sum_ns":0,"min_ns":0,"max_ns":0,"buckets":[]})",
             R"({"count":-1,"sum_ns":0,"min_ns":0,"max_ns":0,"buckets":[]})",
             R"({"count":1.5,"sum_ns":0,"min_ns":0,"max_ns":0,"buckets":[]})",
             R"({"count":"1","sum_ns":0,"min_ns":0,"max_ns":0,"buckets":[]})",
             R"({"count":0,"sum_ns":0,"min_ns":0,"max_ns":0})",
             R"({"count":0,"sum_ns":0,"min_ns":0,"max_ns":0,"buckets":{}})",
             R"({"count":1,"sum_ns":0,"min_ns":0,"max_ns":0,"buckets":[[1,2]]})",
             R"({"count":1,"sum_ns":0,"min_ns":0,"max_ns":0,"buckets":[[1,2,3,4]]})",
             R"({"count":1,"sum_ns":0,"min_ns":0,"max_ns":0,"buckets":[[2,2,1]]})",
             R"({"count":1,"sum_ns":0,"min_ns":0,"max_ns":0,"buckets":[[1,"2",1]]})",
             R"({"count":2,"sum_ns":0,"min_ns":0,"max_ns":0,"buckets":[[4,8,1],[1,2,1]]})",
             R"({"count":2,"sum_ns":0,"min_ns":0,"max_ns":0,"buckets":[[4,8,1],[6,9,1]]})",
         }) {
        EXPECT_THROW((void)parseTimings("x", bad), std::invalid_argument) << bad;
    }
}

TEST(TimingsPercentileTest, UpperBoundOfTheBucketHoldingTheRank) {
    const Timings timings = parseTimings("GET", kSample);
    EXPECT_EQ(percentile(timings, 0), 1063u);     // rank 1
    EXPECT_EQ(percentile(timings, 50), 1063u);    // rank 50: last of the first bucket
    EXPECT_EQ(percentile(timings, 50.5), 2175u);  // rank 51
    EXPECT_EQ(percentile(timings, 90), 2175u);
    EXPECT_EQ(percentile(timings, 99), 8703u);
    // The top bucket's bound is above max: capped at max.
    EXPECT_EQ(percentile(timings, 99.9), 1000000000u);
    EXPECT_EQ(percentile(timings, 100), 1000000000u);
    EXPECT_EQ(percentile(timings, 250), 1000000000u);
}

TEST(TimingsPercentileTest, RankIsExactForFractionalPercentiles) {
    // 1000 samples: 999 in [10, 11), 1 in [100, 101). p99.9 is rank 999 (not 1000, which a
    // floating-point 99.9 / 100 * 1000 would round up to).
    const Timings timings = parseTimings(
        "x",
        R"({"count":1000,"sum_ns":10090,"min_ns":10,"max_ns":100,"buckets":[[10,11,999],[100,101,1]]})");
    EXPECT_EQ(percentile(timings, 99.9), 10u);
    EXPECT_EQ(percentile(timings, 99.95), 100u);
}

TEST(TimingsPercentileTest, NeverBelowMinNorAboveMax) {
    // A single bucket [1000, 2000) whose samples are all 1500.
    const Timings timings = parseTimings(
        "x", R"({"count":3,"sum_ns":4500,"min_ns":1500,"max_ns":1500,"buckets":[[1000,2000,3]]})");
    EXPECT_EQ(percentile(timings, 50), 1500u);
    // Inconsistent input (min above the bucket) still reports at least min.
    const Timings odd = parseTimings(
        "x", R"({"count":1,"sum_ns":50,"min_ns":50,"max_ns":60,"buckets":[[10,20,1]]})");
    EXPECT_EQ(percentile(odd, 50), 50u);
}

TEST(TimingsPercentileTest, CountWithoutBucketsReportsMax) {
    const Timings timings =
        parseTimings("x", R"({"count":4,"sum_ns":40,"min_ns":5,"max_ns":20,"buckets":[]})");
    EXPECT_EQ(percentile(timings, 50), 20u);
}

TEST(TimingsFormatTest, Labels) {
    EXPECT_EQ(percentileLabel(50), "p50");
    EXPECT_EQ(percentileLabel(99), "p99");
    EXPECT_EQ(percentileLabel(99.9), "p99.9");
}

TEST(TimingsFormatTest, Durations) {
    EXPECT_EQ(formatDuration(0), "0 ns");
    EXPECT_EQ(formatDuration(-5), "0 ns");
    EXPECT_EQ(formatDuration(1), "1 ns");
    EXPECT_EQ(formatDuration(512), "512 ns");
    EXPECT_EQ(formatDuration(999), "999 ns");
    EXPECT_EQ(formatDuration(1000), "1.00 µs");
    EXPECT_EQ(formatDuration(1500), "1.50 µs");
    EXPECT_EQ(formatDuration(9994), "9.99 µs");
    EXPECT_EQ(formatDuration(9996), "10.0 µs");
    EXPECT_EQ(formatDuration(12345), "12.3 µs");
    EXPECT_EQ(formatDuration(250000), "250 µs");
    EXPECT_EQ(formatDuration(999400), "999 µs");
    EXPECT_EQ(formatDuration(999600), "1.00 ms");
    EXPECT_EQ(formatDuration(12300000), "12.3 ms");
    EXPECT_EQ(formatDuration(2e9), "2.00 s");
    EXPECT_EQ(formatDuration(90e9), "90.0 s");
    EXPECT_EQ(formatDuration(2199e9), "2199 s");
    EXPECT_EQ(formatDuration(123456.0 * 1e9), "123456 s");
}

TEST(TimingsFormatTest, DurationsFitSevenColumns) {
    for (double ns = 1; ns < 1e13; ns *= 1.37) {
        EXPECT_LE(displayWidth(formatDuration(ns)), 7u) << ns << " → " << formatDuration(ns);
    }
}

TEST(TimingsFormatTest, Bars) {
    EXPECT_EQ(barLength(0, 100, 30), 0u);
    EXPECT_EQ(barLength(100, 100, 30), 30u);
    EXPECT_EQ(barLength(50, 100, 30), 15u);
    EXPECT_EQ(barLength(1, 100, 30), 1u);    // rounds to 0, but a bucket with samples shows
    EXPECT_EQ(barLength(49, 100, 30), 15u);  // 14.7 rounds to 15
    EXPECT_EQ(barLength(5, 0, 30), 0u);
    EXPECT_EQ(barLength(UINT64_MAX, UINT64_MAX, 36), 36u);
}

TEST(TimingsFormatTest, TextBlock) {
    const Timings timings = parseTimings("GET", kSample);
    const std::string text = formatTimings(timings);
    std::istringstream lines(text);
    std::string line;
    std::vector<std::string> all;
    while (std::getline(lines, line)) {
        all.push_back(line);
    }
    ASSERT_EQ(all.size(), 3u + 4u) << text;
    EXPECT_EQ(all[0], "GET (100 samples)");
    EXPECT_EQ(all[1], "    min 1.01 µs   mean 10.0 ms   max 1.00 s");
    EXPECT_EQ(all[2], "    p50 1.06 µs   p90 2.17 µs   p99 8.70 µs   p99.9 1.00 s");
    const std::string first = "    [1.00 µs, 1.06 µs)  50   50.00%   50.00%  #";
    EXPECT_EQ(all[3].substr(0, first.size()), first);
    const std::string last = "    [ 973 ms,  1.01 s)   1    1.00%  100.00%  #";
    EXPECT_EQ(all[6], last);
    size_t longest_bar = 0;
    for (size_t i = 3; i < all.size(); ++i) {
        EXPECT_LE(displayWidth(all[i]), kLineWidth) << all[i];
        const size_t bar = all[i].size() - all[i].find_last_not_of('#') - 1;
        EXPECT_GE(bar, 1u) << all[i];
        longest_bar = std::max(longest_bar, bar);
    }
    // The largest bucket's bar reaches the last column.
    EXPECT_EQ(displayWidth(all[3]), kLineWidth);
    EXPECT_EQ(longest_bar, kLineWidth - 46);
}

TEST(TimingsFormatTest, HugeCountsStillFitTheLine) {
    const Timings timings = parseTimings(
        "x",
        R"({"count":18446744073709551615,"sum_ns":0,"min_ns":1,"max_ns":1,"buckets":[[1,2,18446744073709551615]]})");
    const std::string text = formatTimings(timings);
    const std::string last = text.substr(text.rfind('\n', text.size() - 2) + 1);
    EXPECT_LE(displayWidth(last) - 1, kLineWidth) << last;  // minus the newline
}

TEST(TimingsFormatTest, Json) {
    const Timings timings = parseTimings("GET", kSample);
    const auto json = timingsJson(timings);
    EXPECT_EQ(json["count"], 100);
    EXPECT_EQ(json["sum_ns"], 1000310000);
    EXPECT_EQ(json["min_ns"], 1010);
    EXPECT_EQ(json["max_ns"], 1000000000);
    EXPECT_DOUBLE_EQ(json["mean_ns"].get<double>(), 10003100.0);
    EXPECT_EQ(json["percentiles"].dump(),
              R"({"p50":1063,"p90":2175,"p99":8703,"p99.9":1000000000})");
    EXPECT_EQ(json["buckets"].dump(),
              "[[1000,1064,50],[2048,2176,40],[8192,8704,9],[973078528,1006632960,1]]");
}

}  // namespace
}  // namespace eddy::tools::timings
