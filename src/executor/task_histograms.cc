// eddy — TaskHistograms: run-time and scheduling-delay histograms per task id.
//
// Owns: the out-of-line parts of task_histograms.h.
// Thread contract: as task_histograms.h.
#include "executor/task_histograms.h"

namespace eddy::executor {

TaskHistograms::TaskHistograms() : rows_(new Row[kNumTaskIds]) {}

void TaskHistograms::reset() {
    for (size_t i = 0; i < kNumTaskIds; ++i) {
        rows_[i].runtime.reset();
        rows_[i].scheduling_delay.reset();
    }
}

}  // namespace eddy::executor
