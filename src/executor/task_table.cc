#include "executor/task_table.h"

#include "executor/executor_pool_iface.h"
#include "executor/taskable.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

namespace eddy::executor::detail {

namespace {

int64_t toNs(TimePoint t) {
    return t.time_since_epoch().count();
}

/// now + d without overflow (d is at most kSnoozeForever, but be safe).
int64_t wakeAfter(int64_t now_ns, Clock::duration d) {
    const int64_t delta = std::max<int64_t>(0, d.count());
    if (now_ns > std::numeric_limits<int64_t>::max() - delta) {
        return std::numeric_limits<int64_t>::max();
    }
    return now_ns + delta;
}

}  // namespace

TaskTable::ScheduleResult TaskTable::schedule(const std::shared_ptr<Task>& task,
                                              ExecutorPoolIface& executor, TimePoint now) {
    if (task->executor_.load(std::memory_order_acquire) != nullptr) {
        throw std::logic_error(fmt::format("task {} (uid {}) is already scheduled",
                                           taskName(task->id()), task->uid()));
    }
    if (closed_ || !owners_.contains(&task->owner())) {
        task->state_.store(TaskState::Dead, std::memory_order_release);
        return ScheduleResult::Refused;
    }
    if (task->isDead()) {
        return ScheduleResult::AlreadyDead;
    }
    ExecutorPoolIface* expected = nullptr;
    if (!task->executor_.compare_exchange_strong(expected, &executor, std::memory_order_acq_rel)) {
        throw std::logic_error(fmt::format("task {} (uid {}) is being scheduled twice",
                                           taskName(task->id()), task->uid()));
    }
    const int64_t now_ns = toNs(now);
    const auto sleep = Clock::duration(task->initial_sleep_ns_.load(std::memory_order_relaxed));
    auto [it, inserted] = entries_.try_emplace(task->uid());
    it->second.task = task;
    it->second.owner = &task->owner();
    enqueue(task->uid(), it->second, wakeAfter(now_ns, sleep), now_ns);
    return ScheduleResult::Queued;
}

TaskTable::Entry* TaskTable::findLive(uint64_t uid) {
    auto it = entries_.find(uid);
    if (it == entries_.end() || it->second.where == Where::Releasing) {
        return nullptr;
    }
    return &it->second;
}

Task* TaskTable::wake(uint64_t uid, TimePoint now) {
    Entry* found = findLive(uid);
    if (found == nullptr || found->task->isDead()) {
        return nullptr;
    }
    Entry& entry = *found;
    switch (entry.where) {
    case Where::Running: entry.wake_pending = true; break;
    case Where::Ready: break;      // already due
    case Where::Releasing: break;  // not reached (findLive)
    case Where::Future:
        dequeue(uid, entry);
        enqueue(uid, entry, toNs(now), toNs(now));
        break;
    }
    return entry.task.get();
}

Task* TaskTable::snooze(uint64_t uid, Clock::duration d, TimePoint now) {
    Entry* found = findLive(uid);
    if (found == nullptr || found->task->isDead()) {
        return nullptr;
    }
    Entry& entry = *found;
    Task& task = *entry.task;
    const int64_t wake_ns = wakeAfter(toNs(now), d);
    if (entry.where == Where::Running) {
        task.wake_ns_.store(wake_ns, std::memory_order_release);
        if (Task::current() != &task) {
            entry.wake_pending = false;  // a later outside snooze overrides an earlier wake
        }
    } else {
        dequeue(uid, entry);
        enqueue(uid, entry, wake_ns, toNs(now));
    }
    return &task;
}

bool TaskTable::cancel(uint64_t uid, Released& released) {
    Entry* found = findLive(uid);
    if (found == nullptr) {
        return false;
    }
    Entry& entry = *found;
    const TaskState before =
        entry.task->state_.exchange(TaskState::Dead, std::memory_order_acq_rel);
    if (entry.where == Where::Running) {
        return before != TaskState::Dead;  // it leaves when its run ends
    }
    // Waiting (possibly already marked Dead by Task::cancel(), which then calls here).
    dequeue(uid, entry);
    drop(entry, released);
    return true;
}

void TaskTable::cancelOwner(const Taskable& owner, Released& released) {
    owners_.erase(&owner);
    cancelMatching(&owner, released);
}

void TaskTable::cancelAll(Released& released) {
    cancelMatching(nullptr, released);
}

void TaskTable::cancelMatching(const Taskable* owner, Released& released) {
    for (auto& [uid, entry] : entries_) {
        if ((owner != nullptr && entry.owner != owner) || entry.where == Where::Releasing) {
            continue;
        }
        entry.task->state_.store(TaskState::Dead, std::memory_order_release);
        if (entry.where != Where::Running) {  // a running one leaves in finishRun()
            dequeue(uid, entry);
            drop(entry, released);
        }
    }
}

void TaskTable::forget(uint64_t uid) {
    auto it = entries_.find(uid);
    if (it != entries_.end() && it->second.where == Where::Releasing) {
        entries_.erase(it);
        --releasing_;
    }
}

bool TaskTable::hasTasksOf(const Taskable& owner) const {
    for (const auto& [uid, entry] : entries_) {
        if (entry.owner == &owner) {
            return true;
        }
    }
    return false;
}

std::shared_ptr<Task> TaskTable::peekReady(TaskGroup group, TimePoint now) {
    promoteDue(group, toNs(now));
    const auto& ready = queues_[groupIndex(group)].ready;
    if (ready.empty()) {
        return nullptr;
    }
    return entries_.at(std::get<3>(*ready.begin())).task;
}

std::shared_ptr<Task> TaskTable::takeReady(TaskGroup group, TimePoint now, Released& released,
                                           uint64_t only_uid) {
    promoteDue(group, toNs(now));
    auto& ready = queues_[groupIndex(group)].ready;
    while (!ready.empty()) {
        const uint64_t uid = std::get<3>(*ready.begin());
        if (only_uid != 0 && uid != only_uid) {
            return nullptr;
        }
        Entry& entry = entries_.at(uid);
        ready.erase(ready.begin());
        TaskState expected = TaskState::Snoozed;
        if (!entry.task->state_.compare_exchange_strong(expected, TaskState::Running,
                                                        std::memory_order_acq_rel)) {
            // Cancelled by Task::cancel(), whose call into the executor has not arrived yet.
            drop(entry, released);
            continue;
        }
        entry.where = Where::Running;
        entry.wake_pending = false;  // this run serves any wake-up so far
        return entry.task;
    }
    return nullptr;
}

bool TaskTable::finishRun(Task& task, bool again, TimePoint now, Released& released) {
    auto it = entries_.find(task.uid());
    if (it == entries_.end() || it->second.where != Where::Running) {
        throw std::logic_error(fmt::format("finishRun: task {} (uid {}) is not running",
                                           taskName(task.id()), task.uid()));
    }
    Entry& entry = it->second;
    TaskState expected = TaskState::Running;
    const bool keep = again && !closed_ &&
                      task.state_.compare_exchange_strong(expected, TaskState::Snoozed,
                                                          std::memory_order_acq_rel);
    if (!keep) {
        drop(entry, released);
        return false;
    }
    const int64_t now_ns = toNs(now);
    int64_t wake_ns = task.wake_ns_.load(std::memory_order_acquire);
    if (entry.wake_pending || wake_ns < now_ns) {
        wake_ns = now_ns;
    }
    entry.wake_pending = false;
    enqueue(task.uid(), entry, wake_ns, now_ns);
    return true;
}

bool TaskTable::hasReady(TaskGroup group) const {
    return !queues_[groupIndex(group)].ready.empty();
}

std::optional<TimePoint> TaskTable::earliestFuture(TaskGroup group) const {
    const auto& future = queues_[groupIndex(group)].future;
    if (future.empty()) {
        return std::nullopt;
    }
    return TimePoint(Clock::duration(std::get<0>(*future.begin())));
}

size_t TaskTable::dueCount(TaskGroup group, TimePoint now) const {
    const Queues& queues = queues_[groupIndex(group)];
    return queues.ready.size() + (queues.future.size() - notDueCount(group, now));
}

size_t TaskTable::notDueCount(TaskGroup group, TimePoint now) const {
    const auto& future = queues_[groupIndex(group)].future;
    const int64_t now_ns = toNs(now);
    size_t due = 0;
    for (auto it = future.begin(); it != future.end() && std::get<0>(*it) <= now_ns; ++it) {
        ++due;
    }
    return future.size() - due;
}

TaskTable::RunOutcome TaskTable::run(Task& task, const ExecutorPoolIface& executor) {
    RunOutcome outcome;
    const TimePoint start = executor.now();
    outcome.scheduling_delay = std::max(std::chrono::nanoseconds::zero(),
                                        std::chrono::nanoseconds(start - task.wakeTime()));
    Task* previous = Task::exchangeCurrent(&task);
    try {
        outcome.again = task.run();
    } catch (...) {
        outcome.error = std::current_exception();
        outcome.again = false;
    }
    Task::exchangeCurrent(previous);
    outcome.runtime = std::max(std::chrono::nanoseconds::zero(),
                               std::chrono::nanoseconds(executor.now() - start));
    task.recordRun(outcome.scheduling_delay, outcome.runtime);
    return outcome;
}

void TaskTable::enqueue(uint64_t uid, Entry& entry, int64_t wake_ns, int64_t now_ns) {
    Task& task = *entry.task;
    task.wake_ns_.store(wake_ns, std::memory_order_release);
    entry.wake_ns = wake_ns;
    entry.sequence = next_sequence_++;
    Queues& queues = queuesOf(task);
    if (wake_ns <= now_ns) {
        entry.where = Where::Ready;
        queues.ready.emplace(task.priority(), wake_ns, entry.sequence, uid);
    } else {
        entry.where = Where::Future;
        queues.future.emplace(wake_ns, entry.sequence, uid);
    }
}

void TaskTable::dequeue(uint64_t uid, Entry& entry) {
    Queues& queues = queuesOf(*entry.task);
    switch (entry.where) {
    case Where::Future: queues.future.erase({entry.wake_ns, entry.sequence, uid}); break;
    case Where::Ready:
        queues.ready.erase({entry.task->priority(), entry.wake_ns, entry.sequence, uid});
        break;
    case Where::Running:
    case Where::Releasing: break;
    }
}

void TaskTable::promoteDue(TaskGroup group, int64_t now_ns) {
    Queues& queues = queues_[groupIndex(group)];
    while (!queues.future.empty() && std::get<0>(*queues.future.begin()) <= now_ns) {
        const auto [wake_ns, sequence, uid] = *queues.future.begin();
        queues.future.erase(queues.future.begin());
        Entry& entry = entries_.at(uid);
        entry.where = Where::Ready;
        queues.ready.emplace(entry.task->priority(), wake_ns, sequence, uid);
    }
}

void TaskTable::drop(Entry& entry, Released& released) {
    entry.task->state_.store(TaskState::Dead, std::memory_order_release);
    entry.task->executor_.store(nullptr, std::memory_order_release);
    released.push_back(std::move(entry.task));
    entry.where = Where::Releasing;
    ++releasing_;
}

}  // namespace eddy::executor::detail
