#include "executor/fake_executor.h"

#include <fmt/format.h>

#include <stdexcept>
#include <utility>

namespace eddy::executor {

FakeExecutor::~FakeExecutor() {
    cancelEverything();
}

bool FakeExecutor::runNextTask(TaskGroup group, std::string_view expected_name) {
    return runNext(group, expected_name);
}

bool FakeExecutor::runNextTask(TaskGroup group) {
    return runNext(group, std::nullopt);
}

std::optional<std::string> FakeExecutor::nextTaskName(TaskGroup group) {
    std::shared_ptr<Task> next;
    {
        MutexLock lock(mutex_);
        next = table_.peekReady(group, now());
    }
    if (!next) {
        return std::nullopt;
    }
    return next->description();
}

bool FakeExecutor::runNext(TaskGroup group, std::optional<std::string_view> expected_name) {
    const std::string expected =
        expected_name ? fmt::format("'{}'", *expected_name) : std::string("any task");
    std::shared_ptr<Task> candidate;
    size_t not_due = 0;
    {
        MutexLock lock(mutex_);
        candidate = table_.peekReady(group, now());
        not_due = table_.notDueCount(group, now());
    }
    if (!candidate) {
        throw std::logic_error(
            fmt::format("FakeExecutor::runNextTask: expected {} in group {}, but no task of the "
                        "group is due ({} waiting for a later time)",
                        expected, toString(group), not_due));
    }
    const std::string description = candidate->description();
    if (expected_name && description != *expected_name &&
        taskName(candidate->id()) != *expected_name) {
        throw std::logic_error(
            fmt::format("FakeExecutor::runNextTask: expected {} in group {}, but the next task "
                        "is '{}' ({})",
                        expected, toString(group), description, taskName(candidate->id())));
    }
    std::shared_ptr<Task> task;
    detail::TaskTable::Released released;
    {
        MutexLock lock(mutex_);
        task = table_.takeReady(group, now(), released, candidate->uid());
    }
    release(released);
    candidate.reset();  // execute() must hold the only reference outside the table
    if (!task) {
        throw std::logic_error(
            fmt::format("FakeExecutor::runNextTask: task '{}' was cancelled or replaced by "
                        "another thread before it could run",
                        description));
    }
    const auto outcome = execute(std::move(task), /*log_errors=*/false);
    if (outcome.error) {
        std::rethrow_exception(outcome.error);
    }
    return outcome.again;
}

void FakeExecutor::advanceTime(Clock::duration d) {
    if (d < Clock::duration::zero()) {
        throw std::invalid_argument("FakeExecutor::advanceTime: time does not go backwards");
    }
    now_ns_.fetch_add(d.count(), std::memory_order_acq_rel);
}

size_t FakeExecutor::readyCount(TaskGroup group) const {
    MutexLock lock(mutex_);
    return table_.dueCount(group, now());
}

size_t FakeExecutor::futureCount(TaskGroup group) const {
    MutexLock lock(mutex_);
    return table_.notDueCount(group, now());
}

}  // namespace eddy::executor
