// eddy — the scheduling state shared by ExecutorPool and FakeExecutor (internal).
//
// Owns: detail::TaskTable, every scheduled task by uid plus, per group, a future queue ordered
// by wake time and a ready queue ordered by (priority, wake time, queueing order). Each entry is
// in exactly one place: the future queue, the ready queue, or "running" (in no queue), which is
// what makes it impossible for a task to run on two threads at once. The table also knows the
// registered owners and whether it is closed (shut down), and it performs every transition of a
// task's state and executor link.
//
// A task leaves the table in two steps, so that a task's destructor never runs under an
// executor lock and yet unregisterTaskable() can promise that none of an owner's code runs
// after it returns: when it finishes, is cancelled while waiting, or its owner is unregistered,
// its entry becomes "releasing" and its shared_ptr is handed to the caller in a Released list;
// the caller destroys the pointers after unlocking and then forget()s the entries. A cancelled
// running task takes the same path when its run ends.
//
// Thread contract: none of its own. The owning executor guards it with its mutex (GUARDED_BY);
// the one exception is the static run(), which touches no table state and is called unlocked.
#pragma once

#include "executor/task.h"
#include "executor/task_id.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace eddy::executor {

class ExecutorPoolIface;
class Taskable;

namespace detail {

class TaskTable {
public:
    using Released = std::vector<std::shared_ptr<Task>>;

    enum class ScheduleResult {
        Queued,
        Refused,      ///< owner not registered or table closed: the task is now Dead
        AlreadyDead,  ///< cancelled (or finished) before: not queued
    };

    void addOwner(const Taskable& owner) { owners_.insert(&owner); }

    /// Stops accepting tasks for good (shutdown).
    void close() { closed_ = true; }
    [[nodiscard]] bool isClosed() const { return closed_; }

    /// Queues `task` at now + its initial sleep and links it to `executor`. Throws
    /// std::logic_error if the task is already linked to an executor.
    ScheduleResult schedule(const std::shared_ptr<Task>& task, ExecutorPoolIface& executor,
                            TimePoint now);

    /// These return the task (so the caller knows its group) or nullptr if no live task has
    /// `uid`. See ExecutorPoolIface for the semantics.
    Task* wake(uint64_t uid, TimePoint now);
    Task* snooze(uint64_t uid, Clock::duration d, TimePoint now);

    /// Marks the task Dead; if it is waiting, moves it into `released` (a running one is
    /// released when its run ends). False if no task has `uid`, or it is running and was
    /// already cancelled.
    bool cancel(uint64_t uid, Released& released);

    /// Unregisters `owner` and cancels its tasks; waiting ones are moved into `released`.
    void cancelOwner(const Taskable& owner, Released& released);
    /// Cancels every task; waiting ones are moved into `released`.
    void cancelAll(Released& released);
    /// True while any task of `owner` is in the table: waiting, running or being released.
    [[nodiscard]] bool hasTasksOf(const Taskable& owner) const;
    /// Removes the entry of a task handed out in a Released list, once its pointer is gone.
    void forget(uint64_t uid);

    /// The task `group` would run next at `now` (due tasks are first moved to the ready queue).
    std::shared_ptr<Task> peekReady(TaskGroup group, TimePoint now);
    /// Takes the next task of `group` due at `now` and marks it Running; nullptr if none (or, if
    /// `only_uid` is non-zero, if the next one is not that task). Dead tasks met on the way are
    /// dropped into `released`.
    std::shared_ptr<Task> takeReady(TaskGroup group, TimePoint now, Released& released,
                                    uint64_t only_uid = 0);

    /// Ends a run started by takeReady(): requeues the task at its wake time (now if it was
    /// woken meanwhile or its wake time has passed) if `again` and it is still alive, and
    /// returns true; otherwise moves it into `released` and returns false.
    bool finishRun(Task& task, bool again, TimePoint now, Released& released);

    [[nodiscard]] bool hasReady(TaskGroup group) const;
    [[nodiscard]] std::optional<TimePoint> earliestFuture(TaskGroup group) const;
    /// Waiting tasks of `group` that are due at `now` / not yet due.
    [[nodiscard]] size_t dueCount(TaskGroup group, TimePoint now) const;
    [[nodiscard]] size_t notDueCount(TaskGroup group, TimePoint now) const;
    /// Live tasks: waiting, due or running (not those being released).
    [[nodiscard]] size_t size() const { return entries_.size() - releasing_; }

    struct RunOutcome {
        bool again = false;                            ///< what run() returned (false if it threw)
        std::exception_ptr error;                      ///< what run() threw
        std::chrono::nanoseconds runtime{0};           ///< on `executor`'s clock
        std::chrono::nanoseconds scheduling_delay{0};  ///< start of the run minus the wake time
    };
    /// Calls task.run() on this thread with Task::current() set, catching any exception, and
    /// records the run statistics in the task, timing the run on `executor`'s clock (now()
    /// before and after). Call with no lock held.
    static RunOutcome run(Task& task, const ExecutorPoolIface& executor);

private:
    enum class Where {
        Future,
        Ready,
        Running,
        Releasing,
    };

    struct Entry {
        std::shared_ptr<Task> task;  ///< null once Releasing
        const Taskable* owner = nullptr;
        Where where = Where::Future;
        int64_t wake_ns = 0;        ///< the queue key's wake time
        uint64_t sequence = 0;      ///< the queue key's tie-breaker: order of queueing
        bool wake_pending = false;  ///< woken while running: run again at once
    };

    // (wake, sequence, uid) and (priority, wake, sequence, uid).
    using FutureKey = std::tuple<int64_t, uint64_t, uint64_t>;
    using ReadyKey = std::tuple<int, int64_t, uint64_t, uint64_t>;
    struct Queues {
        std::set<FutureKey> future;
        std::set<ReadyKey> ready;
    };

    Queues& queuesOf(const Task& task) { return queues_[groupIndex(task.group())]; }
    void enqueue(uint64_t uid, Entry& entry, int64_t wake_ns, int64_t now_ns);
    void dequeue(uint64_t uid, Entry& entry);
    void promoteDue(TaskGroup group, int64_t now_ns);
    /// Marks the entry's task Dead, unlinks it, moves it to `released` and makes the entry
    /// Releasing. The entry must be in no queue.
    void drop(Entry& entry, Released& released);
    /// The entry of a live (not Releasing) task, or nullptr.
    Entry* findLive(uint64_t uid);
    void cancelMatching(const Taskable* owner, Released& released);

    std::unordered_map<uint64_t, Entry> entries_;
    std::array<Queues, kNumTaskGroups> queues_;
    std::unordered_set<const Taskable*> owners_;
    size_t releasing_ = 0;  ///< entries in state Releasing
    uint64_t next_sequence_ = 0;
    bool closed_ = false;
};

}  // namespace detail
}  // namespace eddy::executor
