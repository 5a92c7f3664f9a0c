#include "daemon/command_timings.h"

namespace eddy::daemon {

CommandTimings::~CommandTimings() {
    for (auto& histogram : histograms_) {
        delete histogram.load(std::memory_order_acquire);
    }
}

void CommandTimings::record(uint8_t opcode, std::chrono::nanoseconds elapsed) {
    Histogram* histogram = histograms_[opcode].load(std::memory_order_relaxed);
    if (histogram == nullptr) {
        histogram = new Histogram();
        histograms_[opcode].store(histogram, std::memory_order_release);
    }
    histogram->record(elapsed);
}

bool CommandTimings::addTo(uint8_t opcode, HistogramSnapshot& into) const {
    const Histogram* histogram = histograms_[opcode].load(std::memory_order_acquire);
    if (histogram == nullptr) {
        return false;
    }
    histogram->addTo(into);
    return true;
}

void CommandTimings::reset() {
    for (auto& slot : histograms_) {
        if (Histogram* histogram = slot.load(std::memory_order_acquire)) {
            histogram->reset();
        }
    }
}

}  // namespace eddy::daemon
