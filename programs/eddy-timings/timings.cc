// eddy-timings — parsing, percentiles and the text and JSON forms of a histogram (see timings.h).
#include "timings.h"

#include "tool_common.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace eddy::tools::timings {

namespace {

uint64_t requireUnsigned(const nlohmann::json& object, const char* field) {
    const auto found = object.find(field);
    if (found == object.end()) {
        throw std::invalid_argument(fmt::format("no \"{}\"", field));
    }
    if (!found->is_number_unsigned()) {
        throw std::invalid_argument(fmt::format("\"{}\" is not a whole number", field));
    }
    return found->get<uint64_t>();
}

size_t decimalDigits(uint64_t value) {
    size_t digits = 1;
    while (value >= 10) {
        value /= 10;
        ++digits;
    }
    return digits;
}

/// `part` of `whole` in percent; 0 when `whole` is 0.
double percentOf(uint64_t part, uint64_t whole) {
    return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

double Timings::mean() const {
    return count == 0 ? 0.0 : static_cast<double>(sum_ns) / static_cast<double>(count);
}

uint64_t Timings::bucketTotal() const {
    uint64_t total = 0;
    for (const auto& bucket : buckets) {
        total += bucket.count;
    }
    return total;
}

Timings parseTimings(std::string name, std::string_view json) {
    const auto parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_object()) {
        throw std::invalid_argument("not a JSON object");
    }
    Timings timings;
    timings.name = std::move(name);
    timings.count = requireUnsigned(parsed, "count");
    timings.sum_ns = requireUnsigned(parsed, "sum_ns");
    timings.min_ns = requireUnsigned(parsed, "min_ns");
    timings.max_ns = requireUnsigned(parsed, "max_ns");
    const auto buckets = parsed.find("buckets");
    if (buckets == parsed.end() || !buckets->is_array()) {
        throw std::invalid_argument("no \"buckets\" array");
    }
    uint64_t previous_upper = 0;
    for (const auto& bucket : *buckets) {
        if (!bucket.is_array() || bucket.size() != 3 ||
            !std::all_of(bucket.begin(), bucket.end(),
                         [](const nlohmann::json& part) { return part.is_number_unsigned(); })) {
            throw std::invalid_argument(
                fmt::format("bucket {} is not [lower_ns, upper_ns, count]", bucket.dump()));
        }
        const HistogramBucket parsed_bucket{.lower = bucket[0].get<uint64_t>(),
                                            .upper = bucket[1].get<uint64_t>(),
                                            .count = bucket[2].get<uint64_t>()};
        if (parsed_bucket.lower >= parsed_bucket.upper) {
            throw std::invalid_argument(
                fmt::format("bucket {} does not end after it starts", bucket.dump()));
        }
        if (parsed_bucket.lower < previous_upper) {
            throw std::invalid_argument(
                fmt::format("bucket {} is out of order or overlaps the one before", bucket.dump()));
        }
        previous_upper = parsed_bucket.upper;
        timings.buckets.push_back(parsed_bucket);
    }
    return timings;
}

uint64_t percentile(const Timings& timings, double p) {
    const uint64_t total = timings.bucketTotal();
    if (total == 0) {
        return timings.count == 0 ? 0 : timings.max_ns;
    }
    if (!(p > 0.0)) {  // also NaN
        p = 0.0;
    }
    constexpr uint64_t kMillion = 1000000;
    const auto ppm = static_cast<uint64_t>(std::llround(std::min(p, 100.0) * 10000.0));
    // ceil(ppm * total / 1e6) without overflow: total = whole * 1e6 + rest.
    const uint64_t whole = total / kMillion;
    const uint64_t rest = total % kMillion;
    const uint64_t rank =
        std::clamp<uint64_t>(ppm * whole + (ppm * rest + kMillion - 1) / kMillion, 1, total);
    uint64_t seen = 0;
    for (const auto& bucket : timings.buckets) {
        seen += bucket.count;
        if (seen >= rank) {
            return std::max(std::min(bucket.upper - 1, timings.max_ns), timings.min_ns);
        }
    }
    return timings.max_ns;  // not reached: rank <= total
}

std::string percentileLabel(double p) {
    return fmt::format("p{}", p);
}

std::string formatDuration(double ns) {
    if (!(ns > 0.0)) {
        return "0 ns";
    }
    if (ns < 999.5) {
        return fmt::format("{:.0f} ns", ns);
    }
    static constexpr std::array<std::pair<double, std::string_view>, 3> kUnits{
        {{1e3, "µs"}, {1e6, "ms"}, {1e9, "s"}}};
    for (size_t i = 0; i < kUnits.size(); ++i) {
        const double value = ns / kUnits[i].first;
        if (value >= 999.5 && i + 1 < kUnits.size()) {
            continue;
        }
        if (value < 9.995) {
            return fmt::format("{:.2f} {}", value, kUnits[i].second);
        }
        if (value < 99.95) {
            return fmt::format("{:.1f} {}", value, kUnits[i].second);
        }
        return fmt::format("{:.0f} {}", value, kUnits[i].second);
    }
    return {};  // not reached: the last unit always returns
}

size_t barLength(uint64_t count, uint64_t largest, size_t width) {
    if (count == 0 || largest == 0) {
        return 0;
    }
    const double scaled =
        static_cast<double>(count) * static_cast<double>(width) / static_cast<double>(largest);
    return std::clamp<size_t>(static_cast<size_t>(std::llround(scaled)), 1, width);
}

std::string formatTimings(const Timings& timings) {
    std::string out = fmt::format("{} ({} sample{})\n", timings.name, timings.count,
                                  timings.count == 1 ? "" : "s");
    out += fmt::format(
        "    min {}   mean {}   max {}\n", formatDuration(static_cast<double>(timings.min_ns)),
        formatDuration(timings.mean()), formatDuration(static_cast<double>(timings.max_ns)));
    std::string separator = "    ";
    for (const double p : kPercentiles) {
        out += fmt::format("{}{} {}", separator, percentileLabel(p),
                           formatDuration(static_cast<double>(percentile(timings, p))));
        separator = "   ";
    }
    out += '\n';

    const uint64_t total = timings.bucketTotal();
    uint64_t largest = 0;
    for (const auto& bucket : timings.buckets) {
        largest = std::max(largest, bucket.count);
    }
    // "    [  2.00 µs,   2.12 µs)  COUNT  PPP.PP%  CCC.CC%  ###..."
    constexpr size_t kDurationWidth = 7;  // the longest formatDuration() below 10^4 s
    const size_t count_width = decimalDigits(largest);
    const size_t text_width =
        4 + 1 + kDurationWidth + 2 + kDurationWidth + 1 + 2 + count_width + 2 + 7 + 2 + 7 + 2;
    const size_t bar_width = text_width < kLineWidth - 10 ? kLineWidth - text_width : 10;
    uint64_t cumulative = 0;
    for (const auto& bucket : timings.buckets) {
        cumulative += bucket.count;
        out += fmt::format(
            "    [{}, {})  {:>{}}  {:>6.2f}%  {:>6.2f}%  {}\n",
            padLeft(formatDuration(static_cast<double>(bucket.lower)), kDurationWidth),
            padLeft(formatDuration(static_cast<double>(bucket.upper)), kDurationWidth),
            bucket.count, count_width, percentOf(bucket.count, total), percentOf(cumulative, total),
            std::string(barLength(bucket.count, largest, bar_width), '#'));
    }
    return out;
}

nlohmann::ordered_json timingsJson(const Timings& timings) {
    nlohmann::ordered_json percentiles = nlohmann::ordered_json::object();
    for (const double p : kPercentiles) {
        percentiles[percentileLabel(p)] = percentile(timings, p);
    }
    nlohmann::ordered_json buckets = nlohmann::ordered_json::array();
    for (const auto& bucket : timings.buckets) {
        buckets.push_back({bucket.lower, bucket.upper, bucket.count});
    }
    return nlohmann::ordered_json{
        {"count", timings.count},       {"sum_ns", timings.sum_ns},
        {"min_ns", timings.min_ns},     {"max_ns", timings.max_ns},
        {"mean_ns", timings.mean()},    {"percentiles", std::move(percentiles)},
        {"buckets", std::move(buckets)}};
}

}  // namespace eddy::tools::timings
