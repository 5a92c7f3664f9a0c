// eddy — the hybrid logical clock that issues CAS values.
//
// Owns: HybridLogicalClock. A CAS is a 64-bit nanosecond wall-clock reading with its low 16 bits
// used as a logical counter: nextCas() returns max(now, last + 1), so values are strictly
// increasing per clock even when the wall clock stalls or steps back, and stay close to real
// time (Couchbase uses the same shape, which lets a CAS double as a last-modified time).
// observe() folds in a CAS seen from elsewhere (a replica's mutation), so later CAS values
// stay above it.
// Thread contract: thread-safe (one atomic, compare-and-swap loop).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

namespace eddy::engine {

class HybridLogicalClock {
public:
    /// @param now_ns wall clock in nanoseconds since the Unix epoch (tests inject their own)
    explicit HybridLogicalClock(std::function<uint64_t()> now_ns = {});

    /// The next CAS: strictly greater than every value this clock has returned or observed.
    [[nodiscard]] uint64_t nextCas();

    /// Makes later CAS values greater than `cas`.
    void observe(uint64_t cas);

    /// The greatest value returned or observed so far.
    [[nodiscard]] uint64_t maxCas() const { return max_.load(std::memory_order_acquire); }

private:
    std::function<uint64_t()> now_ns_;
    std::atomic<uint64_t> max_{0};
};

}  // namespace eddy::engine
