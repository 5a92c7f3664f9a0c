// eddy — ExecutorPoolIface: what the engine and the daemon see of an executor.
//
// Owns: the interface implemented by ExecutorPool (threads, real clock) and FakeExecutor
// (no threads, manual clock, for deterministic unit tests). Code that schedules background work
// takes an ExecutorPoolIface& so tests can hand it the fake.
//
// Semantics (both implementations):
//   - schedule(task): the task is due after its initial sleep. Refused (the task becomes Dead
//     and never runs) if its owner is not registered or the executor is shut down, or if the
//     task was cancelled before. Scheduling a task that is already scheduled is a programmer
//     error (std::logic_error).
//   - wake(uid): due now; if it is running, it runs once more right after (if run() returns
//     true), whatever it snoozed to.
//   - snooze(uid, d): next wake time now + d. From the task's own run(): only sets the time of
//     the next run. From elsewhere: moves a waiting task, or sets the time of the next run of a
//     running one and drops a wake() that arrived during that run (the later call wins).
//   - cancel(uid): Dead at once; not run again; a running run() finishes.
//   The three return false if no scheduled task has that uid (finished, cancelled, unknown).
//   - unregisterTaskable(owner): refuses the owner's future schedules, cancels its tasks, and
//     returns once none of them is running and the executor has released them all (so none of
//     the owner's task code, run() or destructor, runs on an executor thread afterwards).
//     Calling it from one of the owner's own tasks would wait forever: std::logic_error. It
//     blocks, so the caller must not hold a lock that the owner's tasks take.
//
// Thread contract: every member function is callable from any thread, including from inside a
// task's run(). Implementations never run task code while holding a lock of theirs.
#pragma once

#include "executor/task.h"
#include "executor/task_histograms.h"
#include "executor/task_id.h"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace eddy::executor {

class Taskable;

class ExecutorPoolIface {
public:
    virtual ~ExecutorPoolIface() = default;

    /// Hands `task` to the executor; returns task->uid().
    virtual uint64_t schedule(std::shared_ptr<Task> task) = 0;
    virtual bool wake(uint64_t uid) = 0;
    virtual bool snooze(uint64_t uid, Clock::duration d) = 0;
    virtual bool cancel(uint64_t uid) = 0;

    /// Idempotent. Tasks are accepted only for registered owners.
    virtual void registerTaskable(Taskable& owner) = 0;
    /// See the file comment. Unknown owners are fine (nothing to do).
    virtual void unregisterTaskable(Taskable& owner) = 0;

    /// Threads serving `group`.
    [[nodiscard]] virtual size_t numThreads(TaskGroup group) const = 0;
    /// Tasks scheduled and not yet dropped (waiting, due or running).
    [[nodiscard]] virtual size_t numTasks() const = 0;
    /// The executor's clock: wake times are on it.
    [[nodiscard]] virtual TimePoint now() const = 0;

    /// Run-time and scheduling-delay histograms per task id, of every run on this executor,
    /// timed on its clock (see task_histograms.h).
    [[nodiscard]] virtual const TaskHistograms& taskHistograms() const = 0;
    /// Forgets the values of taskHistograms().
    virtual void resetTaskHistograms() = 0;
};

}  // namespace eddy::executor
