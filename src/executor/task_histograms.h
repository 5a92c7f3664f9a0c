// eddy — TaskHistograms: run-time and scheduling-delay histograms per task id.
//
// Owns: for every TaskId (each row of task_ids.def.h), a Histogram of how long run() took and
// a Histogram of how long the task waited for a thread once due (start of the run minus its
// wake time). Each executor holds one and records into it after every run of every task, on
// the executor's own clock (the manual clock for FakeExecutor). They feed the `runtimes` and
// `scheduler` stat groups. Per id, not per task: a stats reader sees every FlusherTask of every
// bucket together, and a task that is scheduled anew for each run still accumulates.
//
// Semantics: negative durations count as 0. reset() forgets every value of every id.
//
// Thread contract: thread-safe and lock-free (Histogram's guarantees): executor threads record
// concurrently while any thread takes snapshots or resets.
#pragma once

#include "common/histogram.h"
#include "executor/task_id.h"

#include <chrono>
#include <memory>

namespace eddy::executor {

class TaskHistograms {
public:
    TaskHistograms();
    TaskHistograms(const TaskHistograms&) = delete;
    TaskHistograms& operator=(const TaskHistograms&) = delete;

    /// Counts one run of a task with id `id`.
    void record(TaskId id, std::chrono::nanoseconds scheduling_delay,
                std::chrono::nanoseconds runtime) {
        Row& row = rows_[index(id)];
        row.scheduling_delay.record(scheduling_delay);
        row.runtime.record(runtime);
    }

    /// How long the runs of tasks with id `id` took.
    [[nodiscard]] HistogramSnapshot runtime(TaskId id) const {
        return rows_[index(id)].runtime.snapshot();
    }
    /// How long tasks with id `id` waited for a thread once due.
    [[nodiscard]] HistogramSnapshot schedulingDelay(TaskId id) const {
        return rows_[index(id)].scheduling_delay.snapshot();
    }

    void reset();

private:
    struct Row {
        Histogram runtime;
        Histogram scheduling_delay;
    };

    static constexpr size_t index(TaskId id) { return static_cast<size_t>(id); }

    /// kNumTaskIds rows (a few hundred KiB: on the heap, so an executor fits on a stack).
    std::unique_ptr<Row[]> rows_;
};

}  // namespace eddy::executor
