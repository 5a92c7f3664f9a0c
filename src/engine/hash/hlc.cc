#include "engine/hash/hlc.h"

#include <chrono>

namespace eddy::engine {

namespace {

constexpr uint64_t kLogicalBits = 0xffff;

uint64_t wallClockNs() {
    using namespace std::chrono;
    return static_cast<uint64_t>(
        duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace

HybridLogicalClock::HybridLogicalClock(std::function<uint64_t()> now_ns)
    : now_ns_(now_ns ? std::move(now_ns) : std::function<uint64_t()>(wallClockNs)) {}

uint64_t HybridLogicalClock::nextCas() {
    // The physical part drops its low 16 bits, which become the logical counter.
    const uint64_t physical = now_ns_() & ~kLogicalBits;
    uint64_t last = max_.load(std::memory_order_relaxed);
    while (true) {
        const uint64_t next = physical > last ? physical : last + 1;
        if (max_.compare_exchange_weak(last, next, std::memory_order_acq_rel,
                                       std::memory_order_relaxed)) {
            return next;
        }
    }
}

void HybridLogicalClock::observe(uint64_t cas) {
    uint64_t last = max_.load(std::memory_order_relaxed);
    while (cas > last && !max_.compare_exchange_weak(last, cas, std::memory_order_acq_rel,
                                                     std::memory_order_relaxed)) {
    }
}

}  // namespace eddy::engine
