#include "common/histogram_json.h"

#include <fmt/format.h>

#include <iterator>

namespace eddy {

std::string histogramJson(const HistogramSnapshot& snapshot) {
    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it, R"({{"count":{},"sum_ns":{},"min_ns":{},"max_ns":{},"buckets":[)",
                   snapshot.count(), snapshot.sum(), snapshot.min(), snapshot.max());
    bool first = true;
    for (const HistogramBucket& bucket : snapshot.buckets()) {
        fmt::format_to(it, "{}[{},{},{}]", first ? "" : ",", bucket.lower, bucket.upper,
                       bucket.count);
        first = false;
    }
    out += "]}";
    return out;
}

}  // namespace eddy
