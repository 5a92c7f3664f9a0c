// eddy — log-linear latency histograms: snapshots, merging and the per-thread slot registry.
//
// Owns: the out-of-line parts of histogram.h, and the process-wide registry of thread slots
// used by PerThreadHistogram (the lowest free slot is handed to a thread on its first record and
// returned when the thread exits).
// Thread contract: as histogram.h; the slot registry is guarded by its mutex and is never
// destroyed, so threads exiting after static destruction can still return their slot.
#include "common/histogram.h"

#include "common/mutex.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace eddy {

namespace {

class SlotRegistry {
public:
    size_t acquire() EXCLUDES(mutex_) {
        MutexLock lock(mutex_);
        auto free = std::find(used_.begin(), used_.end(), false);
        const auto slot = static_cast<size_t>(free - used_.begin());
        if (free == used_.end()) {
            used_.push_back(true);
        } else {
            *free = true;
        }
        return slot;
    }

    void release(size_t slot) EXCLUDES(mutex_) {
        MutexLock lock(mutex_);
        used_[slot] = false;
    }

private:
    Mutex mutex_;
    std::vector<bool> used_ GUARDED_BY(mutex_);
};

SlotRegistry& slotRegistry() {
    static auto* registry = new SlotRegistry();  // never destroyed: see the file comment
    return *registry;
}

}  // namespace

// --- HistogramSnapshot -------------------------------------------------------------------

double HistogramSnapshot::mean() const {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

uint64_t HistogramSnapshot::percentile(double p) const {
    if (count_ == 0) {
        return 0;
    }
    if (!(p > 0.0)) {  // also NaN
        p = 0.0;
    }
    p = std::min(p, 100.0);
    const auto wanted = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
    const uint64_t rank = std::clamp<uint64_t>(wanted, 1, count_);
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            return std::min(HistogramLayout::bucketUpper(i) - 1, max_);
        }
    }
    return max_;  // not reached: the counts add up to count_
}

std::vector<HistogramBucket> HistogramSnapshot::buckets() const {
    std::vector<HistogramBucket> result;
    for (size_t i = 0; i < counts_.size(); ++i) {
        if (counts_[i] != 0) {
            result.push_back(HistogramBucket{.lower = HistogramLayout::bucketLower(i),
                                             .upper = HistogramLayout::bucketUpper(i),
                                             .count = counts_[i]});
        }
    }
    return result;
}

void HistogramSnapshot::merge(const HistogramSnapshot& other) {
    for (size_t i = 0; i < counts_.size(); ++i) {
        counts_[i] += other.counts_[i];
    }
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
}

// --- Histogram ---------------------------------------------------------------------------

HistogramSnapshot Histogram::snapshot() const {
    HistogramSnapshot result;
    addTo(result);
    return result;
}

void Histogram::addTo(HistogramSnapshot& into) const {
    uint64_t count = 0;
    size_t first = counts_.size();
    size_t last = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
        const uint64_t n = counts_[i].load(std::memory_order_relaxed);
        if (n != 0) {
            into.counts_[i] += n;
            count += n;
            first = std::min(first, i);
            last = i;
        }
    }
    if (count == 0) {
        return;
    }
    into.count_ += count;
    into.sum_ += sum_.load(std::memory_order_relaxed);
    // Exact when no record is in flight. Otherwise min_/max_ may lag the buckets (a racing
    // record counted, its extreme not yet stored): bound them by the buckets seen.
    const uint64_t min_bound = first + 1 == counts_.size()
                                   ? std::numeric_limits<uint64_t>::max()  // clamped values
                                   : HistogramLayout::bucketUpper(first) - 1;
    const uint64_t min = std::min(min_.load(std::memory_order_relaxed), min_bound);
    const uint64_t max =
        std::max(max_.load(std::memory_order_relaxed), HistogramLayout::bucketLower(last));
    into.min_ = std::min(into.min_, min);
    into.max_ = std::max(into.max_, max);
}

void Histogram::reset() {
    for (auto& bucket : counts_) {
        bucket.store(0, std::memory_order_relaxed);
    }
    sum_.store(0, std::memory_order_relaxed);
    min_.store(std::numeric_limits<uint64_t>::max(), std::memory_order_relaxed);
    max_.store(0, std::memory_order_relaxed);
}

void Histogram::storeMin(uint64_t ns) {
    uint64_t seen = min_.load(std::memory_order_relaxed);
    while (ns < seen && !min_.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
    }
}

void Histogram::storeMax(uint64_t ns) {
    uint64_t seen = max_.load(std::memory_order_relaxed);
    while (ns > seen && !max_.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
    }
}

// --- PerThreadHistogram ------------------------------------------------------------------

PerThreadHistogram::ThreadSlot::ThreadSlot() : index(slotRegistry().acquire()) {}

PerThreadHistogram::ThreadSlot::~ThreadSlot() {
    slotRegistry().release(index);
}

PerThreadHistogram::PerThreadHistogram(size_t shards)
    : num_shards_(shards), shards_(shards == 0 ? nullptr : new Histogram[shards]) {
    if (shards == 0) {
        throw std::invalid_argument("PerThreadHistogram: at least one shard");
    }
}

HistogramSnapshot PerThreadHistogram::snapshot() const {
    HistogramSnapshot result;
    for (size_t i = 0; i < num_shards_; ++i) {
        shards_[i].addTo(result);
    }
    return result;
}

void PerThreadHistogram::reset() {
    for (size_t i = 0; i < num_shards_; ++i) {
        shards_[i].reset();
    }
}

}  // namespace eddy
