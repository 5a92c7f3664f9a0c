// eddy — Google Benchmark: latency histogram record() and snapshot().
//
// Owns: BM_HistogramRecord (one Histogram, one thread), BM_SharedHistogramRecord (one Histogram
// shared by all benchmark threads: the contention PerThreadHistogram avoids),
// BM_PerThreadHistogramRecord (1 and 2 threads) and BM_PerThreadHistogramSnapshot (the cost of
// a read, merging 16 shards). Values are log-uniform between 1 ns and ~1 s, precomputed so the
// loop measures record() alone.
// Thread contract: Google Benchmark runs each benchmark's threads together; the histograms are
// the thread-safe ones under test.

#include "common/histogram.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace {

using eddy::Histogram;
using eddy::PerThreadHistogram;

constexpr size_t kValues = 4096;  // a power of two: the loop masks instead of dividing

const std::vector<uint64_t>& values() {
    static const std::vector<uint64_t> kAll = [] {
        std::mt19937_64 rng(42);
        std::uniform_real_distribution<double> exponent(0.0, 30.0);
        std::vector<uint64_t> v(kValues);
        for (auto& value : v) {
            value = static_cast<uint64_t>(std::exp2(exponent(rng)));
        }
        return v;
    }();
    return kAll;
}

template <class H>
void recordLoop(benchmark::State& state, H& histogram) {
    const std::vector<uint64_t>& v = values();
    size_t i = static_cast<size_t>(state.thread_index()) * 1021;
    for (auto _ : state) {
        histogram.record(v[i++ & (kValues - 1)]);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_HistogramRecord(benchmark::State& state) {
    static Histogram histogram;
    recordLoop(state, histogram);
}
BENCHMARK(BM_HistogramRecord);

void BM_SharedHistogramRecord(benchmark::State& state) {
    static Histogram histogram;
    recordLoop(state, histogram);
}
BENCHMARK(BM_SharedHistogramRecord)->Threads(2)->UseRealTime();

void BM_PerThreadHistogramRecord(benchmark::State& state) {
    static PerThreadHistogram histogram;
    recordLoop(state, histogram);
}
BENCHMARK(BM_PerThreadHistogramRecord)->Threads(1)->Threads(2)->UseRealTime();

void BM_PerThreadHistogramSnapshot(benchmark::State& state) {
    static PerThreadHistogram histogram;
    for (uint64_t value : values()) {
        histogram.record(value);
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(histogram.snapshot());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PerThreadHistogramSnapshot);

}  // namespace

BENCHMARK_MAIN();
