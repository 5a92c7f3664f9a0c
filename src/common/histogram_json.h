// eddy — a latency histogram as the JSON the `timings`, `runtimes` and `scheduler` stat groups
// and GET_CMD_TIMER return.
//
// Form: {"count":N,"sum_ns":S,"min_ns":a,"max_ns":b,"buckets":[[lower,upper,count],...]} with
// only the non-empty buckets, each the half-open range [lower, upper) in nanoseconds
// (docs/stats.md). eddy-timings reads it back.
//
// Thread contract: pure function.
#pragma once

#include "common/histogram.h"

#include <string>

namespace eddy {

[[nodiscard]] std::string histogramJson(const HistogramSnapshot& snapshot);

}  // namespace eddy
