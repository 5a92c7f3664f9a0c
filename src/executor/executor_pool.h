// eddy — ExecutorPool: the threads that run every background task of the process.
//
// Owns: one ExecutorPool per process, shared by all buckets and the daemon (each a Taskable).
// Tasks run in four groups with their own threads: Writer, Reader, AuxIO and NonIO (see
// task_id.h); a task always runs on a thread of its group, so a slow disk write never delays a
// background fetch a command is waiting for.
//
// Design. All scheduling state is one detail::TaskTable behind one mutex: a table of tasks by
// uid (for wake/snooze/cancel) and, per group, a future queue ordered by wake time and a ready
// queue ordered by priority, then wake time, then queueing order. A worker thread, with the
// mutex held, moves the due tasks of its group from the future to the ready queue, takes the
// first ready task, marks it Running and runs it with the mutex released. With nothing ready it
// sleeps on its group's condition variable until the earliest wake time of the group, or until
// a schedule, wake, snooze or re-queue changes the group's queues (no polling, no busy wait).
// When run() returns true the task goes back to the queues at the wake time it snoozed to (now
// if it did not snooze or was woken during the run); false, an exception or cancellation drop
// it, and the pool releases its shared_ptr outside the lock. A running task is in no queue,
// hence never runs on two threads at once. Run statistics (runs, runtimes, scheduling delay)
// are kept in each Task, and per task id in histograms (taskHistograms()).
//
// Shutdown: shutdown() (also run by the destructor) refuses new tasks, cancels every task, lets
// running ones finish and joins the threads; pending tasks never run.
//
// Lock order: shutdown_mutex_ before mutex_ (ExecutorBase), declared with ACQUIRED_BEFORE and
// checked by clang's -Wthread-safety-beta. mutex_ is a leaf: no task code runs
// under it and nothing else is acquired while holding it, so callers may hold their own locks.
// Thread contract: every public member is thread-safe and may be called from inside a task,
// except shutdown() and the destructor (not from a pool thread: they join the threads).
#pragma once

#include "common/mutex.h"
#include "executor/executor_base.h"
#include "executor/task_id.h"

#include <array>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

namespace eddy::executor {

class ExecutorPool final : public detail::ExecutorBase {
public:
    /// Threads per group; each must be at least 1. Defaults suit a small (2-core) machine.
    struct Config {
        size_t num_writers = 2;
        size_t num_readers = 2;
        size_t num_auxio = 1;
        size_t num_nonio = 2;
    };

    ExecutorPool() : ExecutorPool(Config{}) {}
    /// Starts the threads. Throws std::invalid_argument if a group has no thread.
    explicit ExecutorPool(Config config);
    ~ExecutorPool() override;
    ExecutorPool(const ExecutorPool&) = delete;
    ExecutorPool& operator=(const ExecutorPool&) = delete;

    /// Idempotent; see the file comment. Throws std::logic_error on a pool thread.
    void shutdown() EXCLUDES(shutdown_mutex_, mutex_);

    [[nodiscard]] size_t numThreads(TaskGroup group) const override;
    [[nodiscard]] TimePoint now() const override { return Clock::now(); }

private:
    void onQueueChanged(TaskGroup group) override REQUIRES(mutex_);
    void workerLoop(TaskGroup group, size_t index);
    /// Blocks until a task of `group` is due (returns it, Running) or the pool closes (nullptr).
    /// Cancelled tasks met on the way go to `released`; rather than sleep with some there, it
    /// returns nullptr early so that the caller release()s them and calls again.
    std::shared_ptr<Task> nextTask(TaskGroup group, detail::TaskTable::Released& released)
        EXCLUDES(mutex_);

    const std::array<size_t, kNumTaskGroups> num_threads_;
    /// Idle workers of a group wait here (with mutex_).
    std::array<std::condition_variable, kNumTaskGroups> group_cv_;

    Mutex shutdown_mutex_ ACQUIRED_BEFORE(mutex_);
    std::vector<std::thread> threads_ GUARDED_BY(shutdown_mutex_);
};

}  // namespace eddy::executor
