// eddy — log-linear latency histograms with nanosecond precision.
//
// Owns: Histogram (lock-free recording), HistogramSnapshot (a plain copy to read, merge and
// print) and PerThreadHistogram (one Histogram per writing thread, merged on read). They back
// the `timings`, `runtimes` and `scheduler` stat groups and the executor's per-task-id timings.
//
// Semantics. Values are non-negative integers (nanoseconds). Buckets are grouped per power of
// two and each power is split into kSubBuckets (16) linear sub-buckets, like HdrHistogram: a
// bucket [lower, upper) is at most lower/16 wide, so a value reported from a bucket is within
// 1/16 (6.25 %) of the true one. Values below 32 get exact buckets of width 1. The highest
// tracked value is kMaxTrackable (2^41 - 1 ns, about 36 minutes); larger values are counted in
// the last bucket, while sum, min and max keep the exact value. percentile(p) is the largest
// value of the bucket holding that rank, capped at max(): never below the true sample and at
// most 1/16 above it.
//
// Implementation: the bucket index is shift * 16 + (v >> shift), where shift is the position of
// the highest set bit minus 4 (at least 0): one countl_zero, shifts and an add, no division.
// record() is two relaxed fetch_adds (bucket, sum) and relaxed loads of min and max, which are
// updated with a compare-and-swap only when a new extreme arrives.
//
// Thread contract: Histogram is thread-safe and lock-free; record() may race with snapshot()
// and reset(). A snapshot taken while records are in flight is a consistent-enough picture
// (each bucket, the sum, min and max are read atomically but not all at one instant); one taken
// when no record is in flight is exact. reset() racing with record() may keep or drop the racing
// record's parts. HistogramSnapshot is a plain value (no synchronisation: one thread at a time).
// PerThreadHistogram: see its class comment.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace eddy {

/// One bucket of a histogram: `count` values v with lower <= v < upper.
struct HistogramBucket {
    uint64_t lower = 0;
    uint64_t upper = 0;
    uint64_t count = 0;

    friend bool operator==(const HistogramBucket&, const HistogramBucket&) = default;
};

/// The bucket layout, shared by Histogram and HistogramSnapshot.
struct HistogramLayout {
    /// log2 of the number of linear sub-buckets per power of two.
    static constexpr unsigned kSubBucketBits = 4;
    static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;
    /// Highest set bit of the largest tracked value.
    static constexpr unsigned kMaxBit = 40;
    static constexpr uint64_t kMaxTrackable = (uint64_t{2} << kMaxBit) - 1;
    static constexpr size_t kNumBuckets = (kMaxBit - kSubBucketBits + 2) * kSubBuckets;

    /// The bucket `value` is counted in (values above kMaxTrackable: the last one).
    static constexpr size_t bucketIndex(uint64_t value) {
        const uint64_t v = value < kMaxTrackable ? value : kMaxTrackable;
        const int top_bit = 63 - std::countl_zero(v | 1);
        const int shift = top_bit > int{kSubBucketBits} ? top_bit - int{kSubBucketBits} : 0;
        return (static_cast<size_t>(shift) << kSubBucketBits) + static_cast<size_t>(v >> shift);
    }
    /// Smallest value of bucket `index` (< kNumBuckets).
    static constexpr uint64_t bucketLower(size_t index) {
        const unsigned shift = shiftOf(index);
        return (index - (size_t{shift} << kSubBucketBits)) << shift;
    }
    /// One past the largest value of bucket `index` (< kNumBuckets).
    static constexpr uint64_t bucketUpper(size_t index) {
        return bucketLower(index) + (uint64_t{1} << shiftOf(index));
    }

private:
    static constexpr unsigned shiftOf(size_t index) {
        return index < 2 * kSubBuckets ? 0 : static_cast<unsigned>(index >> kSubBucketBits) - 1;
    }
};

/// A copy of a histogram's state: read it, merge others into it, print it.
class HistogramSnapshot {
public:
    HistogramSnapshot() = default;

    [[nodiscard]] uint64_t count() const { return count_; }
    [[nodiscard]] uint64_t sum() const { return sum_; }
    /// Smallest / largest recorded value (exact); 0 when empty.
    [[nodiscard]] uint64_t min() const { return count_ == 0 ? 0 : min_; }
    [[nodiscard]] uint64_t max() const { return max_; }
    /// sum / count; 0 when empty.
    [[nodiscard]] double mean() const;
    /// `p` in percent (clamped to [0, 100]): the largest value of the bucket holding the value
    /// of rank ceil(p / 100 * count) (at least 1), capped at max(). 0 when empty.
    [[nodiscard]] uint64_t percentile(double p) const;

    /// The non-empty buckets, lowest first.
    [[nodiscard]] std::vector<HistogramBucket> buckets() const;
    /// Count of bucket `index` (< HistogramLayout::kNumBuckets).
    [[nodiscard]] uint64_t bucketCount(size_t index) const { return counts_[index]; }

    /// Adds `other`'s values: as if every value recorded there had been recorded here.
    void merge(const HistogramSnapshot& other);
    void reset() { *this = HistogramSnapshot(); }

private:
    friend class Histogram;

    std::array<uint64_t, HistogramLayout::kNumBuckets> counts_{};
    uint64_t count_ = 0;
    uint64_t sum_ = 0;
    uint64_t min_ = std::numeric_limits<uint64_t>::max();
    uint64_t max_ = 0;
};

/// A histogram many threads may record into at once (see the file comment). Aligned to a cache
/// line so that two histograms never share one.
class alignas(64) Histogram {
public:
    Histogram() = default;
    Histogram(const Histogram&) = delete;
    Histogram& operator=(const Histogram&) = delete;

    /// Counts one value, in nanoseconds. Lock-free; relaxed ordering (it orders nothing else).
    void record(uint64_t ns) {
        counts_[HistogramLayout::bucketIndex(ns)].fetch_add(1, std::memory_order_relaxed);
        sum_.fetch_add(ns, std::memory_order_relaxed);
        if (ns < min_.load(std::memory_order_relaxed)) {
            storeMin(ns);
        }
        if (ns > max_.load(std::memory_order_relaxed)) {
            storeMax(ns);
        }
    }
    /// Negative durations count as 0.
    void record(std::chrono::nanoseconds d) { record(d.count() > 0 ? uint64_t(d.count()) : 0); }

    [[nodiscard]] HistogramSnapshot snapshot() const;
    /// Adds this histogram's values to `into` (what snapshot() does from an empty snapshot).
    void addTo(HistogramSnapshot& into) const;
    /// Forgets every value.
    void reset();

private:
    void storeMin(uint64_t ns);
    void storeMax(uint64_t ns);

    std::array<std::atomic<uint64_t>, HistogramLayout::kNumBuckets> counts_{};
    std::atomic<uint64_t> sum_{0};
    std::atomic<uint64_t> min_{std::numeric_limits<uint64_t>::max()};
    std::atomic<uint64_t> max_{0};
};

/// A histogram written by many threads on hot paths (the front-end threads' command timings):
/// one Histogram per writing thread, merged on read, so that two writers never share a cache
/// line as long as there are no more live writing threads than shards.
///
/// Thread contract: thread-safe. Each thread is given a process-wide slot the first time it
/// records into any PerThreadHistogram: the lowest slot no live thread holds; it gives the slot
/// back when it exits. A thread records into shard (slot % shards), so with at most `shards`
/// live recording threads each has a shard to itself; beyond that, threads share shards, which
/// stays correct (atomic increments) but contends. snapshot() and reset() may run on any thread
/// at any time, with the same guarantees as Histogram's.
class PerThreadHistogram {
public:
    static constexpr size_t kDefaultShards = 16;

    /// `shards` at least 1.
    explicit PerThreadHistogram(size_t shards = kDefaultShards);
    PerThreadHistogram(const PerThreadHistogram&) = delete;
    PerThreadHistogram& operator=(const PerThreadHistogram&) = delete;

    void record(uint64_t ns) { myShard().record(ns); }
    void record(std::chrono::nanoseconds d) { myShard().record(d); }

    /// All shards merged.
    [[nodiscard]] HistogramSnapshot snapshot() const;
    void reset();
    [[nodiscard]] size_t numShards() const { return num_shards_; }

    /// The calling thread's slot (taken on first call; see the class comment).
    [[nodiscard]] static size_t threadSlot() {
        thread_local ThreadSlot slot;
        return slot.index;
    }

private:
    /// Holds a slot for the life of its thread.
    struct ThreadSlot {
        ThreadSlot();
        ~ThreadSlot();
        ThreadSlot(const ThreadSlot&) = delete;
        ThreadSlot& operator=(const ThreadSlot&) = delete;
        const size_t index;
    };

    Histogram& myShard() {
        const size_t slot = threadSlot();
        return shards_[slot < num_shards_ ? slot : slot % num_shards_];
    }

    const size_t num_shards_;
    std::unique_ptr<Histogram[]> shards_;
};

}  // namespace eddy
