#include "executor/task.h"

#include "executor/executor_pool_iface.h"

#include <algorithm>
#include <utility>

namespace eddy::executor {

namespace {

std::atomic<uint64_t> next_uid{1};

/// Raises `target` to `value` if it is lower (relaxed: statistics only).
void storeMax(std::atomic<int64_t>& target, int64_t value) {
    int64_t seen = target.load(std::memory_order_relaxed);
    while (seen < value && !target.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
}

Clock::duration clampSnooze(double seconds) {
    constexpr double kMaxSeconds =
        std::chrono::duration_cast<std::chrono::duration<double>>(kSnoozeForever).count();
    if (!(seconds > 0.0)) {  // negative, zero or NaN
        return Clock::duration::zero();
    }
    if (seconds >= kMaxSeconds) {
        return kSnoozeForever;
    }
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

int64_t clampInitialSleep(Clock::duration d) {
    return std::clamp(d, Clock::duration::zero(), kSnoozeForever).count();
}

}  // namespace

std::string_view toString(TaskState state) {
    switch (state) {
    case TaskState::Snoozed: return "snoozed";
    case TaskState::Running: return "running";
    case TaskState::Dead: return "dead";
    }
    return "unknown";
}

Task::Task(Taskable& owner, TaskId id, Clock::duration initial_sleep, bool complete_before_shutdown)
    : owner_(owner),
      id_(id),
      uid_(next_uid.fetch_add(1, std::memory_order_relaxed)),
      complete_before_shutdown_(complete_before_shutdown),
      initial_sleep_ns_(clampInitialSleep(initial_sleep)) {}

Task::~Task() = default;

std::string Task::description() const {
    return std::string(taskName(id_));
}

std::chrono::microseconds Task::maxExpectedDuration() const {
    return std::chrono::seconds(1);
}

void Task::snooze(double seconds) {
    const Clock::duration d = clampSnooze(seconds);
    if (ExecutorPoolIface* executor = executor_.load(std::memory_order_acquire)) {
        executor->snooze(uid_, d);
    } else if (!isDead()) {
        initial_sleep_ns_.store(d.count(), std::memory_order_relaxed);
    }
}

void Task::wakeUp() {
    if (ExecutorPoolIface* executor = executor_.load(std::memory_order_acquire)) {
        executor->wake(uid_);
    } else if (!isDead()) {
        initial_sleep_ns_.store(0, std::memory_order_relaxed);
    }
}

void Task::cancel() {
    state_.store(TaskState::Dead, std::memory_order_release);
    if (ExecutorPoolIface* executor = executor_.load(std::memory_order_acquire)) {
        executor->cancel(uid_);
    }
}

namespace {
thread_local Task* tl_current_task = nullptr;
}  // namespace

Task* Task::current() {
    return tl_current_task;
}

Task* Task::exchangeCurrent(Task* task) {
    return std::exchange(tl_current_task, task);
}

void Task::recordRun(std::chrono::nanoseconds scheduling_delay, std::chrono::nanoseconds runtime) {
    const int64_t delay = std::max<int64_t>(0, scheduling_delay.count());
    const int64_t ran = std::max<int64_t>(0, runtime.count());
    last_delay_ns_.store(delay, std::memory_order_relaxed);
    storeMax(max_delay_ns_, delay);
    last_runtime_ns_.store(ran, std::memory_order_relaxed);
    storeMax(max_runtime_ns_, ran);
    total_runtime_ns_.fetch_add(ran, std::memory_order_relaxed);
    runs_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace eddy::executor
