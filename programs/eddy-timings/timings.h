// eddy-timings — latency histograms as the server reports them, and how they are printed.
//
// Owns: Timings (one histogram: name, count, sum, min, max and its non-empty buckets),
// parseTimings() (the server's JSON form), percentile(), formatDuration() (nanoseconds in
// human units), barLength(), formatTimings() (the text block of one histogram) and
// timingsJson() (the parsed data plus the computed mean and percentiles).
//
// Semantics. The server's form of a histogram is
//   {"count":N,"sum_ns":S,"min_ns":a,"max_ns":b,"buckets":[[lower_ns,upper_ns,count],...]}
// with only the non-empty buckets, each [lower, upper) in nanoseconds, lowest first.
// percentile(p) works like the server's HistogramSnapshot::percentile(): the rank is
// ceil(p/100 * total) (at least 1, total = the sum of the bucket counts), and the result is the
// largest value of the bucket holding that rank (upper - 1, since upper is exclusive), capped at
// max_ns and never below min_ns. The rank is computed in exact integer arithmetic from p in parts
// per million (p * 10000, rounded), so p99.9 of 1000 samples is the 999th value, not the 1000th.
//
// Thread contract: pure functions over caller-owned values.
#pragma once

#include "common/histogram.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::tools::timings {

/// The percentiles every report shows.
inline constexpr std::array<double, 4> kPercentiles{50.0, 90.0, 99.0, 99.9};

/// The width a whole report line may take (the bars fill what the text leaves of it).
inline constexpr size_t kLineWidth = 80;

struct Timings {
    std::string name;
    uint64_t count = 0;
    uint64_t sum_ns = 0;
    uint64_t min_ns = 0;
    uint64_t max_ns = 0;
    /// Non-empty buckets, lowest first.
    std::vector<HistogramBucket> buckets;

    /// sum_ns / count; 0 when empty.
    [[nodiscard]] double mean() const;
    /// The sum of the bucket counts (equal to count unless the server's snapshot raced).
    [[nodiscard]] uint64_t bucketTotal() const;
};

/// Parses the server's JSON for histogram `name`. Throws std::invalid_argument naming the
/// problem: not JSON, a missing or non-integer field, a bucket that is not three integers with
/// lower < upper, or buckets out of order or overlapping.
[[nodiscard]] Timings parseTimings(std::string name, std::string_view json);

/// See the file comment. 0 for a histogram without samples.
[[nodiscard]] uint64_t percentile(const Timings& timings, double p);

/// "p50", "p99.9".
[[nodiscard]] std::string percentileLabel(double p);

/// `ns` with three significant digits in the largest unit that keeps it at or above 1:
/// "512 ns", "1.50 µs", "12.3 ms", "250 ms", "2.00 s". Whole nanoseconds below 1000 are exact.
[[nodiscard]] std::string formatDuration(double ns);

/// Columns of '#' for a bucket of `count` when the largest bucket has `largest` and gets
/// `width`: count * width / largest rounded to nearest, at least 1 for a non-empty bucket.
[[nodiscard]] size_t barLength(uint64_t count, uint64_t largest, size_t width);

/// The text block of one histogram: a header line (name and count), a line with min, mean and
/// max, a line with the percentiles, then one line per bucket: "[lower, upper)", the count, its
/// percentage, the cumulative percentage and a bar, the whole line within kLineWidth columns.
[[nodiscard]] std::string formatTimings(const Timings& timings);

/// The parsed fields plus "mean_ns" and "percentiles": {"p50": ns, ...}; buckets as
/// [[lower, upper, count], ...].
[[nodiscard]] nlohmann::ordered_json timingsJson(const Timings& timings);

}  // namespace eddy::tools::timings
