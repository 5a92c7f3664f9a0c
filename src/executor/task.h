// eddy — Task: one unit of background work run by an executor.
//
// Owns: the Task base class. A task is created by its owner (a Taskable), handed to an executor
// with ExecutorPoolIface::schedule(), and then runs on a thread of its group (taskGroup(id))
// whenever it is due: first after its initial sleep, then each time run() returns true, after
// the snooze time set during that run (no snooze: at once). run() returning false, cancel() or
// the owner's unregistration ends it: it never runs again and the executor drops its reference.
//
// Semantics of the controls, from any thread:
//   - snooze(d) inside run(): the next run is due d after now (the last call wins). Outside
//     run(): moves a waiting task to now + d (same as ExecutorPoolIface::snooze(uid, d)).
//   - wakeUp(): due now. Called while run() executes, it guarantees one more run right after
//     this one (if run() returns true), even if run() snoozed itself: no wake-up is lost.
//   - cancel(): state becomes Dead at once; a waiting task is removed, a running run() finishes
//     and is not run again.
// Before schedule(), snooze() and wakeUp() set the initial sleep instead.
//
// Invariants: a task is scheduled on at most one executor, once; it never runs on two threads
// at once; Dead is final. uid() is unique in the process and never reused.
//
// Thread contract: id, uid, owner and flags are immutable. state, wake time, the executor link
// and the run statistics are atomics, readable from any thread; they are written only by the
// executor that holds the task (under that executor's mutex, or by the one thread running it),
// except that cancel() may set Dead from any thread and that, before schedule(), snooze() and
// wakeUp() write the initial sleep (call them on the scheduling thread). run() is called by one
// thread at a time, with no executor lock held; so is the destructor when the executor drops
// the last reference. The executor must outlive every call made on its tasks.
#pragma once

#include "executor/task_id.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace eddy::executor {

class ExecutorPoolIface;
class Taskable;

namespace detail {
class TaskTable;
}  // namespace detail

/// The executors' clock. FakeExecutor keeps its own time on the same scale.
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

/// Longest snooze: "until woken". Longer requests are clamped to it.
inline constexpr Clock::duration kSnoozeForever = std::chrono::hours(24 * 365 * 100);

enum class TaskState : uint8_t {
    Snoozed,  ///< not running: waiting for its wake time, due, or not yet scheduled
    Running,  ///< run() is executing on an executor thread right now
    Dead,     ///< finished or cancelled; never runs again
};

std::string_view toString(TaskState state);

class Task {
public:
    /// `initial_sleep`: delay from schedule() to the first run. `complete_before_shutdown` is
    /// recorded for the engine's shutdown logic; the executor treats all tasks alike.
    Task(Taskable& owner, TaskId id, Clock::duration initial_sleep = Clock::duration::zero(),
         bool complete_before_shutdown = false);
    virtual ~Task();
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;

    /// The work. true: run again after the snooze time; false: done. An exception ends the task
    /// (the real pool logs it; FakeExecutor rethrows it to the test).
    virtual bool run() = 0;

    /// What this task is doing, for logs and FakeExecutor::runNextTask. Default: taskName(id()).
    [[nodiscard]] virtual std::string description() const;

    /// A run longer than this is logged as slow. Default: one second.
    [[nodiscard]] virtual std::chrono::microseconds maxExpectedDuration() const;

    /// Sets the next wake time to now + `d` (see the file comment).
    template <class Rep, class Period>
    void snooze(std::chrono::duration<Rep, Period> d) {
        snooze(std::chrono::duration<double>(d).count());
    }
    /// Seconds; negative or NaN means now, more than kSnoozeForever means kSnoozeForever.
    void snooze(double seconds);

    /// Makes the task due now (see the file comment).
    void wakeUp();

    /// Ends the task: Dead at once; it will not run again. A running run() finishes.
    void cancel();

    /// The task whose run() is executing on the calling thread, or nullptr.
    [[nodiscard]] static Task* current();

    [[nodiscard]] TaskState state() const { return state_.load(std::memory_order_acquire); }
    [[nodiscard]] bool isDead() const { return state() == TaskState::Dead; }
    [[nodiscard]] uint64_t uid() const { return uid_; }
    [[nodiscard]] TaskId id() const { return id_; }
    [[nodiscard]] TaskGroup group() const { return taskGroup(id_); }
    [[nodiscard]] int priority() const { return taskPriority(id_); }
    [[nodiscard]] Taskable& owner() const { return owner_; }
    [[nodiscard]] bool completeBeforeShutdown() const { return complete_before_shutdown_; }

    /// When the task is (or was last) due, on its executor's clock. Meaningful once scheduled.
    [[nodiscard]] TimePoint wakeTime() const {
        return TimePoint(Clock::duration(wake_ns_.load(std::memory_order_acquire)));
    }

    // Statistics, updated after every run, timed on the executor's clock (FakeExecutor: its
    // manual clock, so a run takes no time unless run() advances it); readable from any thread.
    // The executor also adds each run to its per-task-id histograms (taskHistograms()).
    [[nodiscard]] uint64_t numRuns() const { return runs_.load(std::memory_order_relaxed); }
    [[nodiscard]] std::chrono::nanoseconds lastRuntime() const { return load(last_runtime_ns_); }
    [[nodiscard]] std::chrono::nanoseconds maxRuntime() const { return load(max_runtime_ns_); }
    [[nodiscard]] std::chrono::nanoseconds totalRuntime() const { return load(total_runtime_ns_); }
    /// Start of the last run minus its wake time: how long it waited for a thread.
    [[nodiscard]] std::chrono::nanoseconds lastSchedulingDelay() const {
        return load(last_delay_ns_);
    }
    [[nodiscard]] std::chrono::nanoseconds maxSchedulingDelay() const {
        return load(max_delay_ns_);
    }

private:
    friend class detail::TaskTable;

    static std::chrono::nanoseconds load(const std::atomic<int64_t>& ns) {
        return std::chrono::nanoseconds(ns.load(std::memory_order_relaxed));
    }
    /// Sets the task current() returns on this thread; returns the previous one.
    static Task* exchangeCurrent(Task* task);
    void recordRun(std::chrono::nanoseconds scheduling_delay, std::chrono::nanoseconds runtime);

    Taskable& owner_;
    const TaskId id_;
    const uint64_t uid_;
    const bool complete_before_shutdown_;

    std::atomic<TaskState> state_{TaskState::Snoozed};
    /// The executor holding the task, from schedule() until it is dropped; then nullptr.
    std::atomic<ExecutorPoolIface*> executor_{nullptr};
    /// Delay from schedule() to the first run (nanoseconds).
    std::atomic<int64_t> initial_sleep_ns_;
    /// Wake time as nanoseconds since the executor clock's epoch.
    std::atomic<int64_t> wake_ns_{0};

    std::atomic<uint64_t> runs_{0};
    std::atomic<int64_t> last_runtime_ns_{0};
    std::atomic<int64_t> max_runtime_ns_{0};
    std::atomic<int64_t> total_runtime_ns_{0};
    std::atomic<int64_t> last_delay_ns_{0};
    std::atomic<int64_t> max_delay_ns_{0};
};

}  // namespace eddy::executor
