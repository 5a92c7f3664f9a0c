// eddy-bench — where a thread's operations come from in each phase of a run.
//
// Owns: Window (the measured interval of a run), MixedSource (the measured phase: a Workload's
// operations until the window closes or a quota of measured operations is sent) and
// PopulateSource (the populate phase: one SET of each key of a range, in order).
//
// Semantics. A request sent before window.begin is warm-up: it is sent like any other, and the
// recorder leaves its answer out. MixedSource counts toward its quota only requests sent inside
// the window, and sends nothing once the window has closed.
//
// Thread contract: each source belongs to one LoadThread.
#pragma once

#include "load_connection.h"
#include "workload.h"

#include <cstdint>
#include <optional>
#include <random>

namespace eddy::bench {

/// The measured interval: requests sent from `begin` and answered before `end` count.
struct Window {
    TimePoint begin;
    /// TimePoint::max() when the run ends by operation count.
    TimePoint end = TimePoint::max();
};

class MixedSource final : public OperationSource {
public:
    /// `quota`: measured operations to send; 0 = until window.end.
    MixedSource(const Workload& workload, Window window, uint64_t quota);

    std::optional<Operation> next(TimePoint now) override;

private:
    Workload workload_;
    Window window_;
    uint64_t quota_;
    uint64_t measured_sent_ = 0;
};

class PopulateSource final : public OperationSource {
public:
    /// SETs of keys [first, last) with sizes drawn from `values`.
    PopulateSource(uint64_t first, uint64_t last, ValueSizes values, uint64_t seed);

    std::optional<Operation> next(TimePoint now) override;

private:
    uint64_t next_;
    uint64_t last_;
    ValueSizes values_;
    std::mt19937_64 random_;
};

}  // namespace eddy::bench
