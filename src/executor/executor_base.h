// eddy — the part of ExecutorPoolIface common to ExecutorPool and FakeExecutor (internal).
//
// Owns: detail::ExecutorBase, a TaskTable behind one mutex plus the operations that do not
// depend on how tasks are run: schedule, wake, snooze, cancel, owner registration and the
// unregistration wait, and execute(), which runs one task taken from the table, records its
// run time and scheduling delay in the per-task-id histograms, and settles it.
// Subclasses supply the clock (now()), the thread count, and onQueueChanged(), called with the
// mutex held whenever a group's queues gained or moved a task, so idle threads re-examine them.
//
// Lock order: mutex_ is a leaf. Nothing else is acquired while it is held, no task code (run,
// description, destructor) runs under it, and now() and onQueueChanged() must not take it. Any
// caller may therefore hold its own locks while calling in.
// Thread contract: all public members are thread-safe; table_ is GUARDED_BY(mutex_); idle_cv_
// is waited on with mutex_ and signalled whenever tasks leave the table; histograms_ is
// lock-free (recorded by whichever thread ran the task, read by anyone).
#pragma once

#include "common/mutex.h"
#include "executor/executor_pool_iface.h"
#include "executor/task_table.h"

#include <condition_variable>
#include <cstdint>
#include <memory>

namespace eddy::executor::detail {

class ExecutorBase : public ExecutorPoolIface {
public:
    uint64_t schedule(std::shared_ptr<Task> task) override EXCLUDES(mutex_);
    bool wake(uint64_t uid) override EXCLUDES(mutex_);
    bool snooze(uint64_t uid, Clock::duration d) override EXCLUDES(mutex_);
    bool cancel(uint64_t uid) override EXCLUDES(mutex_);
    void registerTaskable(Taskable& owner) override EXCLUDES(mutex_);
    void unregisterTaskable(Taskable& owner) override EXCLUDES(mutex_);
    [[nodiscard]] size_t numTasks() const override EXCLUDES(mutex_);
    [[nodiscard]] const TaskHistograms& taskHistograms() const override { return histograms_; }
    void resetTaskHistograms() override { histograms_.reset(); }

protected:
    /// A group's queues changed: wake whoever waits for them. Called with mutex_ held.
    virtual void onQueueChanged(TaskGroup group) REQUIRES(mutex_) = 0;

    /// Runs `task` (just taken with table_.takeReady; the caller keeps no other reference) on
    /// this thread, then requeues or releases it. Logs slow runs, and exceptions if
    /// `log_errors`.
    TaskTable::RunOutcome execute(std::shared_ptr<Task> task, bool log_errors) EXCLUDES(mutex_);

    /// Destroys the pointers in `released` (unlocked), then forgets their entries.
    void release(TaskTable::Released& released) EXCLUDES(mutex_);

    /// Closes the table and cancels every task; waiting ones are released here, running ones
    /// when their run ends.
    void cancelEverything() EXCLUDES(mutex_);

    mutable Mutex mutex_;
    TaskTable table_ GUARDED_BY(mutex_);
    /// Signalled when tasks leave the table (unregisterTaskable waits on it).
    std::condition_variable idle_cv_;

private:
    /// Recorded by execute() after every run; lock-free (not guarded by mutex_).
    TaskHistograms histograms_;
};

}  // namespace eddy::executor::detail
