// eddy — unit tests of Histogram, HistogramSnapshot and PerThreadHistogram.
#include "common/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace eddy {
namespace {

using Layout = HistogramLayout;

/// Every value within `radius` of each power of two (and 0..radius), up to kMaxTrackable.
std::vector<uint64_t> valuesAroundPowersOfTwo(uint64_t radius) {
    std::set<uint64_t> values;
    for (uint64_t v = 0; v <= radius; ++v) {
        values.insert(v);
    }
    for (unsigned bit = 1; bit <= Layout::kMaxBit + 1; ++bit) {
        const uint64_t power = uint64_t{1} << bit;
        for (uint64_t v = power - std::min(power, radius); v <= power + radius; ++v) {
            if (v <= Layout::kMaxTrackable) {
                values.insert(v);
            }
        }
    }
    return {values.begin(), values.end()};
}

TEST(HistogramLayoutTest, EveryValueLandsInABucketThatContainsIt) {
    for (uint64_t v : valuesAroundPowersOfTwo(40)) {
        const size_t index = Layout::bucketIndex(v);
        ASSERT_LT(index, Layout::kNumBuckets) << v;
        EXPECT_LE(Layout::bucketLower(index), v) << v;
        EXPECT_LT(v, Layout::bucketUpper(index)) << v;
        // Relative error bound: the bucket is at most lower/16 wide (exact below 32).
        const uint64_t width = Layout::bucketUpper(index) - Layout::bucketLower(index);
        if (v < 2 * Layout::kSubBuckets) {
            EXPECT_EQ(1u, width) << v;
        } else {
            EXPECT_LE(width * Layout::kSubBuckets, Layout::bucketLower(index)) << v;
        }
    }
}

TEST(HistogramLayoutTest, BucketsTileTheRangeWithoutGapsOrOverlaps) {
    EXPECT_EQ(0u, Layout::bucketLower(0));
    for (size_t i = 1; i < Layout::kNumBuckets; ++i) {
        ASSERT_EQ(Layout::bucketUpper(i - 1), Layout::bucketLower(i)) << i;
        ASSERT_EQ(i, Layout::bucketIndex(Layout::bucketLower(i))) << i;
        ASSERT_EQ(i, Layout::bucketIndex(Layout::bucketUpper(i) - 1)) << i;
    }
    EXPECT_EQ(Layout::kMaxTrackable + 1, Layout::bucketUpper(Layout::kNumBuckets - 1));
}

TEST(HistogramLayoutTest, ValuesAboveTheRangeGoToTheLastBucket) {
    const size_t last = Layout::kNumBuckets - 1;
    EXPECT_EQ(last, Layout::bucketIndex(Layout::kMaxTrackable));
    EXPECT_EQ(last, Layout::bucketIndex(Layout::kMaxTrackable + 1));
    EXPECT_EQ(last, Layout::bucketIndex(UINT64_MAX));

    Histogram histogram;
    histogram.record(UINT64_MAX / 2);
    const auto snapshot = histogram.snapshot();
    EXPECT_EQ(1u, snapshot.count());
    EXPECT_EQ(1u, snapshot.bucketCount(last));
    EXPECT_EQ(UINT64_MAX / 2, snapshot.max()) << "min, max and sum keep the exact value";
    EXPECT_EQ(UINT64_MAX / 2, snapshot.min());
    EXPECT_EQ(UINT64_MAX / 2, snapshot.sum());
}

TEST(HistogramTest, EmptySnapshot) {
    Histogram histogram;
    const auto snapshot = histogram.snapshot();
    EXPECT_EQ(0u, snapshot.count());
    EXPECT_EQ(0u, snapshot.sum());
    EXPECT_EQ(0u, snapshot.min());
    EXPECT_EQ(0u, snapshot.max());
    EXPECT_EQ(0.0, snapshot.mean());
    EXPECT_EQ(0u, snapshot.percentile(50));
    EXPECT_TRUE(snapshot.buckets().empty());
}

TEST(HistogramTest, CountSumMinMaxMeanAndBuckets) {
    Histogram histogram;
    for (uint64_t v : {5, 7, 7, 1000, 1001}) {
        histogram.record(v);
    }
    histogram.record(std::chrono::nanoseconds(-3));  // counts as 0
    const auto snapshot = histogram.snapshot();
    EXPECT_EQ(6u, snapshot.count());
    EXPECT_EQ(2020u, snapshot.sum());
    EXPECT_EQ(0u, snapshot.min());
    EXPECT_EQ(1001u, snapshot.max());
    EXPECT_DOUBLE_EQ(2020.0 / 6, snapshot.mean());
    // 1000 and 1001 share the bucket [992, 1024).
    const std::vector<HistogramBucket> expected = {
        {.lower = 0, .upper = 1, .count = 1},
        {.lower = 5, .upper = 6, .count = 1},
        {.lower = 7, .upper = 8, .count = 2},
        {.lower = 992, .upper = 1024, .count = 2},
    };
    EXPECT_EQ(expected, snapshot.buckets());
    EXPECT_EQ(0u, snapshot.percentile(0));
    EXPECT_EQ(7u, snapshot.percentile(50));      // rank 3: a 7, in the exact bucket [7, 8)
    EXPECT_EQ(1001u, snapshot.percentile(90));   // bucket [992, 1024), capped at max
    EXPECT_EQ(1001u, snapshot.percentile(100));  // = max
    EXPECT_EQ(1001u, snapshot.percentile(250));  // clamped to 100
}

TEST(HistogramTest, PercentilesAgreeWithSortedSamplesWithinTheRelativeError) {
    std::mt19937_64 rng(12345);
    // Log-uniform between 1 ns and ~1 s, the shape of latencies.
    std::uniform_real_distribution<double> exponent(0.0, 30.0);
    std::vector<uint64_t> samples(100'000);
    Histogram histogram;
    for (auto& sample : samples) {
        sample = static_cast<uint64_t>(std::exp2(exponent(rng)));
        histogram.record(sample);
    }
    std::sort(samples.begin(), samples.end());
    const auto snapshot = histogram.snapshot();
    ASSERT_EQ(samples.size(), snapshot.count());
    EXPECT_EQ(samples.front(), snapshot.min());
    EXPECT_EQ(samples.back(), snapshot.max());
    for (double p : {0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
        const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * samples.size()));
        const uint64_t truth = samples[std::max<size_t>(rank, 1) - 1];
        const uint64_t reported = snapshot.percentile(p);
        EXPECT_GE(reported, truth) << "p" << p;
        EXPECT_LE(static_cast<double>(reported),
                  static_cast<double>(truth) * (1.0 + 1.0 / Layout::kSubBuckets))
            << "p" << p;
    }
}

TEST(HistogramTest, MergeEqualsRecordingBoth) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<uint64_t> value(0, 10'000'000);
    Histogram a;
    Histogram b;
    Histogram both;
    for (int i = 0; i < 10'000; ++i) {
        const uint64_t v = value(rng);
        (i % 3 == 0 ? a : b).record(v);
        both.record(v);
    }
    auto merged = a.snapshot();
    merged.merge(b.snapshot());
    const auto expected = both.snapshot();
    EXPECT_EQ(expected.count(), merged.count());
    EXPECT_EQ(expected.sum(), merged.sum());
    EXPECT_EQ(expected.min(), merged.min());
    EXPECT_EQ(expected.max(), merged.max());
    EXPECT_EQ(expected.buckets(), merged.buckets());
    EXPECT_EQ(expected.percentile(99), merged.percentile(99));

    HistogramSnapshot empty;
    merged.merge(empty);
    EXPECT_EQ(expected.min(), merged.min()) << "merging an empty snapshot changes nothing";
    EXPECT_EQ(expected.buckets(), merged.buckets());
}

TEST(HistogramTest, ResetForgetsEverything) {
    Histogram histogram;
    histogram.record(10);
    histogram.record(1'000'000);
    histogram.reset();
    auto snapshot = histogram.snapshot();
    EXPECT_EQ(0u, snapshot.count());
    EXPECT_EQ(0u, snapshot.sum());
    EXPECT_EQ(0u, snapshot.max());
    EXPECT_TRUE(snapshot.buckets().empty());
    histogram.record(500);
    snapshot = histogram.snapshot();
    EXPECT_EQ(1u, snapshot.count());
    EXPECT_EQ(500u, snapshot.min());
    EXPECT_EQ(500u, snapshot.max());

    snapshot.reset();
    EXPECT_EQ(0u, snapshot.count());
    EXPECT_EQ(0u, snapshot.min());
}

constexpr int kThreads = 4;
constexpr uint64_t kPerThread = 50'000;

/// Thread t records t*1000 + (i % 1000) for i < kPerThread.
template <class H>
void recordConcurrently(H& histogram) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&histogram, t] {
            for (uint64_t i = 0; i < kPerThread; ++i) {
                histogram.record(static_cast<uint64_t>(t) * 1000 + i % 1000);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
}

template <class H>
void expectExactConcurrentTotals(const H& histogram) {
    const auto snapshot = histogram.snapshot();
    EXPECT_EQ(kThreads * kPerThread, snapshot.count());
    uint64_t sum = 0;
    for (uint64_t t = 0; t < kThreads; ++t) {
        sum += (kPerThread / 1000) * (t * 1000 * 1000 + 999 * 1000 / 2);
    }
    EXPECT_EQ(sum, snapshot.sum());
    EXPECT_EQ(0u, snapshot.min());
    EXPECT_EQ((kThreads - 1) * 1000 + 999u, snapshot.max());
}

TEST(HistogramTest, ConcurrentRecordingSumsExactly) {
    Histogram histogram;
    recordConcurrently(histogram);
    expectExactConcurrentTotals(histogram);
}

TEST(PerThreadHistogramTest, ConcurrentRecordingSumsExactly) {
    PerThreadHistogram histogram;
    recordConcurrently(histogram);
    expectExactConcurrentTotals(histogram);
}

TEST(PerThreadHistogramTest, MoreThreadsThanShardsShareShards) {
    PerThreadHistogram histogram(2);
    recordConcurrently(histogram);
    expectExactConcurrentTotals(histogram);
}

TEST(PerThreadHistogramTest, SnapshotWhileRecording) {
    PerThreadHistogram histogram;
    std::atomic<bool> done{false};
    std::thread reader([&] {
        uint64_t last = 0;
        while (!done.load()) {
            const auto snapshot = histogram.snapshot();
            EXPECT_GE(snapshot.count(), last) << "counts only grow";
            last = snapshot.count();
            if (snapshot.count() != 0) {
                EXPECT_LE(snapshot.min(), snapshot.max());
            }
        }
    });
    recordConcurrently(histogram);
    done = true;
    reader.join();
    expectExactConcurrentTotals(histogram);
}

TEST(PerThreadHistogramTest, ThreadsGetDistinctSlotsAndReturnThemWhenTheyExit) {
    const size_t mine = PerThreadHistogram::threadSlot();
    EXPECT_EQ(mine, PerThreadHistogram::threadSlot()) << "a thread keeps its slot";
    size_t first = 0;
    size_t second = 0;
    std::thread([&] { first = PerThreadHistogram::threadSlot(); }).join();
    std::thread([&] { second = PerThreadHistogram::threadSlot(); }).join();
    EXPECT_NE(mine, first);
    EXPECT_EQ(first, second) << "an exited thread's slot is reused";

    // Two live threads at once hold different slots.
    std::atomic<int> arrived{0};
    size_t a = 0;
    size_t b = 0;
    auto hold = [&arrived](size_t& slot) {
        slot = PerThreadHistogram::threadSlot();
        arrived.fetch_add(1);
        while (arrived.load() < 2) {
            std::this_thread::yield();
        }
    };
    std::thread ta(hold, std::ref(a));
    std::thread tb(hold, std::ref(b));
    ta.join();
    tb.join();
    EXPECT_NE(a, b);
    EXPECT_NE(mine, a);
    EXPECT_NE(mine, b);
}

TEST(PerThreadHistogramTest, ResetAndZeroShards) {
    PerThreadHistogram histogram(3);
    EXPECT_EQ(3u, histogram.numShards());
    histogram.record(42);
    histogram.record(std::chrono::microseconds(3));
    EXPECT_EQ(2u, histogram.snapshot().count());
    EXPECT_EQ(3042u, histogram.snapshot().sum());
    histogram.reset();
    EXPECT_EQ(0u, histogram.snapshot().count());
    EXPECT_THROW(PerThreadHistogram(0), std::invalid_argument);
}

}  // namespace
}  // namespace eddy
