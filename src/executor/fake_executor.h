// eddy — FakeExecutor: a deterministic, single-threaded executor for unit tests.
//
// Owns: an ExecutorPoolIface with no threads and a manual clock. Scheduled tasks wait until the
// test runs them, one at a time, on the test's own thread:
//
//     FakeExecutor executor;
//     executor.registerTaskable(bucket);
//     engine.doSomethingThatSchedules(executor);            // e.g. returns would_block
//     executor.runNextTask(TaskGroup::NonIO, "StatCheckpointTask");
//
// runNextTask(group, name) moves the due tasks of the group to its ready queue, takes the first
// (lowest priority number, then earliest wake time, then first queued), checks that its
// description() or taskName() is `name`, and runs it. A missing or different task is reported
// with std::logic_error naming what was expected and what was found, and nothing runs. After
// run() the task is requeued or dropped exactly as by ExecutorPool (same TaskTable). Time moves
// only with advanceTime(): a task snoozed for 10 s is due once the clock has advanced 10 s.
// Run statistics and taskHistograms() are timed on this clock too: a run's scheduling delay is
// how far the clock had moved past its wake time, and its runtime is how far run() itself
// advanced the clock (0 unless it calls advanceTime()), so tests can assert exact values.
// An exception thrown by run() drops the task and is rethrown to the test.
//
// Thread contract: thread-safe like ExecutorPool (tasks may schedule, wake, snooze and cancel
// from inside run(); other threads may too), but tasks only ever run inside runNextTask(), on
// the calling thread. The clock is an atomic, so now() never takes the mutex.
#pragma once

#include "executor/executor_base.h"
#include "executor/task_id.h"

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::executor {

class FakeExecutor final : public detail::ExecutorBase {
public:
    /// The clock starts at TimePoint{} (the epoch of Clock).
    FakeExecutor() = default;
    ~FakeExecutor() override;
    FakeExecutor(const FakeExecutor&) = delete;
    FakeExecutor& operator=(const FakeExecutor&) = delete;

    /// Runs the next due task of `group`, which must be named `expected_name` (its
    /// description() or its task id's name). Returns what its run() returned. Throws
    /// std::logic_error if no task of the group is due or the next one has another name.
    bool runNextTask(TaskGroup group, std::string_view expected_name) EXCLUDES(mutex_);
    /// Same, whatever the task's name.
    bool runNextTask(TaskGroup group) EXCLUDES(mutex_);

    /// The description() of the task runNextTask(group) would run, if one is due.
    [[nodiscard]] std::optional<std::string> nextTaskName(TaskGroup group) EXCLUDES(mutex_);

    /// Moves the clock forward; tasks whose wake time is reached become due.
    void advanceTime(Clock::duration d);

    /// Waiting tasks of `group` that are due now / due later (a running task is in neither).
    [[nodiscard]] size_t readyCount(TaskGroup group) const EXCLUDES(mutex_);
    [[nodiscard]] size_t futureCount(TaskGroup group) const EXCLUDES(mutex_);
    /// No task is scheduled (waiting or running).
    [[nodiscard]] bool isEmpty() const { return numTasks() == 0; }

    /// Refuses new tasks and cancels every task (the destructor does it too).
    void shutdown() { cancelEverything(); }

    /// One per group, notionally: the test's thread.
    [[nodiscard]] size_t numThreads(TaskGroup) const override { return 1; }
    [[nodiscard]] TimePoint now() const override {
        return TimePoint(Clock::duration(now_ns_.load(std::memory_order_acquire)));
    }

private:
    void onQueueChanged(TaskGroup) override REQUIRES(mutex_) {}
    bool runNext(TaskGroup group, std::optional<std::string_view> expected_name) EXCLUDES(mutex_);

    std::atomic<int64_t> now_ns_{0};
};

}  // namespace eddy::executor
