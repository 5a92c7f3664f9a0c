#include "executor/executor_base.h"

#include "executor/taskable.h"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace eddy::executor::detail {

namespace {

std::string describe(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown exception";
    }
}

}  // namespace

uint64_t ExecutorBase::schedule(std::shared_ptr<Task> task) {
    if (!task) {
        throw std::invalid_argument("ExecutorPool::schedule: null task");
    }
    TaskTable::ScheduleResult result;
    {
        MutexLock lock(mutex_);
        result = table_.schedule(task, *this, now());
        if (result == TaskTable::ScheduleResult::Queued) {
            onQueueChanged(task->group());
        }
    }
    if (result == TaskTable::ScheduleResult::Refused) {
        spdlog::warn(
            "executor: refused task '{}' (uid {}) of '{}': owner not registered or executor "
            "shut down",
            task->description(), task->uid(), task->owner().name());
    }
    return task->uid();
}

bool ExecutorBase::wake(uint64_t uid) {
    MutexLock lock(mutex_);
    Task* task = table_.wake(uid, now());
    if (task == nullptr) {
        return false;
    }
    if (task->state() != TaskState::Running) {  // a running task is in no queue
        onQueueChanged(task->group());
    }
    return true;
}

bool ExecutorBase::snooze(uint64_t uid, Clock::duration d) {
    MutexLock lock(mutex_);
    Task* task = table_.snooze(uid, d, now());
    if (task == nullptr) {
        return false;
    }
    if (task->state() != TaskState::Running) {  // a running task is in no queue
        onQueueChanged(task->group());
    }
    return true;
}

bool ExecutorBase::cancel(uint64_t uid) {
    TaskTable::Released released;
    bool found = false;
    {
        MutexLock lock(mutex_);
        found = table_.cancel(uid, released);
    }
    release(released);
    return found;
}

void ExecutorBase::registerTaskable(Taskable& owner) {
    MutexLock lock(mutex_);
    table_.addOwner(owner);
}

void ExecutorBase::unregisterTaskable(Taskable& owner) {
    if (Task* current = Task::current(); current != nullptr && &current->owner() == &owner) {
        throw std::logic_error("unregisterTaskable('" + owner.name() +
                               "') called from one of its own tasks would wait for itself");
    }
    TaskTable::Released released;
    {
        MutexLock lock(mutex_);
        table_.cancelOwner(owner, released);
    }
    release(released);
    // Wait for the owner's running tasks to end and be released. None can be added meanwhile:
    // the owner is no longer registered.
    MutexLock lock(mutex_);
    while (table_.hasTasksOf(owner)) {
        waitOn(idle_cv_, mutex_);
    }
}

size_t ExecutorBase::numTasks() const {
    MutexLock lock(mutex_);
    return table_.size();
}

TaskTable::RunOutcome ExecutorBase::execute(std::shared_ptr<Task> task, bool log_errors) {
    auto outcome = TaskTable::run(*task, *this);
    histograms_.record(task->id(), outcome.scheduling_delay, outcome.runtime);
    if (outcome.runtime > task->maxExpectedDuration()) {
        spdlog::warn("executor: slow task '{}' (uid {}) ran for {} us, expected at most {} us",
                     task->description(), task->uid(),
                     std::chrono::duration_cast<std::chrono::microseconds>(outcome.runtime).count(),
                     task->maxExpectedDuration().count());
    }
    if (outcome.error && log_errors) {
        spdlog::error("executor: task '{}' (uid {}) threw and is dropped: {}", task->description(),
                      task->uid(), describe(outcome.error));
    }
    TaskTable::Released released;
    {
        MutexLock lock(mutex_);
        if (table_.finishRun(*task, outcome.again, now(), released)) {
            onQueueChanged(task->group());
        }
    }
    task.reset();  // before release(): the entry is forgotten only once no reference is left here
    release(released);
    return outcome;
}

void ExecutorBase::release(TaskTable::Released& released) {
    if (released.empty()) {
        return;
    }
    std::vector<uint64_t> uids;
    uids.reserve(released.size());
    for (const auto& task : released) {
        uids.push_back(task->uid());
    }
    released.clear();  // task destructors run here, with no executor lock held
    MutexLock lock(mutex_);
    for (uint64_t uid : uids) {
        table_.forget(uid);
    }
    idle_cv_.notify_all();
}

void ExecutorBase::cancelEverything() {
    TaskTable::Released released;
    {
        MutexLock lock(mutex_);
        table_.close();
        table_.cancelAll(released);
    }
    release(released);
}

}  // namespace eddy::executor::detail
