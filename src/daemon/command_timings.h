// eddy — how long the commands of one front-end thread took, per opcode.
//
// Owns: CommandTimings, one latency Histogram per opcode byte, created the first time that
// opcode completes on the thread. A command's time runs from the moment its frame is taken
// off the input buffer to the moment its response is queued (or, for a command that blocked,
// the moment the resumed command completes), so it includes time spent waiting for the engine.
//
// Thread contract: record() only on the owning front-end thread (the FrontEnd's loop);
// addTo() and reset() from any thread (the histograms are relaxed atomics, and the pointer to
// each is published with release/acquire). Histograms are freed with the object.
#pragma once

#include "common/histogram.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace eddy::daemon {

class CommandTimings {
public:
    CommandTimings() = default;
    ~CommandTimings();
    CommandTimings(const CommandTimings&) = delete;
    CommandTimings& operator=(const CommandTimings&) = delete;

    /// Owner thread.
    void record(uint8_t opcode, std::chrono::nanoseconds elapsed);
    /// Adds `opcode`'s histogram (if any) to `into`; false if the opcode never completed here.
    bool addTo(uint8_t opcode, HistogramSnapshot& into) const;
    void reset();

private:
    std::array<std::atomic<Histogram*>, 256> histograms_{};
};

}  // namespace eddy::daemon
