#include "executor/executor_pool.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

#include <pthread.h>

namespace eddy::executor {

namespace {

/// The pool whose worker loop runs on this thread, if any.
thread_local const ExecutorPool* tl_worker_of = nullptr;

std::array<size_t, kNumTaskGroups> threadCounts(const ExecutorPool::Config& config) {
    std::array<size_t, kNumTaskGroups> counts{};
    counts[groupIndex(TaskGroup::Writer)] = config.num_writers;
    counts[groupIndex(TaskGroup::Reader)] = config.num_readers;
    counts[groupIndex(TaskGroup::AuxIO)] = config.num_auxio;
    counts[groupIndex(TaskGroup::NonIO)] = config.num_nonio;
    for (TaskGroup group : kAllTaskGroups) {
        if (counts[groupIndex(group)] == 0) {
            throw std::invalid_argument(fmt::format(
                "ExecutorPool: the {} group needs at least one thread", toString(group)));
        }
    }
    return counts;
}

}  // namespace

ExecutorPool::ExecutorPool(Config config) : num_threads_(threadCounts(config)) {
    MutexLock lock(shutdown_mutex_);
    try {
        for (TaskGroup group : kAllTaskGroups) {
            for (size_t i = 0; i < num_threads_[groupIndex(group)]; ++i) {
                threads_.emplace_back([this, group, i] { workerLoop(group, i); });
            }
        }
    } catch (...) {
        cancelEverything();
        {
            MutexLock table_lock(mutex_);
            for (auto& cv : group_cv_) {
                cv.notify_all();
            }
        }
        for (auto& thread : threads_) {
            thread.join();
        }
        throw;
    }
}

ExecutorPool::~ExecutorPool() {
    shutdown();
}

void ExecutorPool::shutdown() {
    if (tl_worker_of == this) {
        throw std::logic_error("ExecutorPool::shutdown called from one of its own threads");
    }
    MutexLock lock(shutdown_mutex_);
    cancelEverything();
    {
        MutexLock table_lock(mutex_);
        for (auto& cv : group_cv_) {
            cv.notify_all();
        }
    }
    for (auto& thread : threads_) {
        thread.join();
    }
    threads_.clear();
}

size_t ExecutorPool::numThreads(TaskGroup group) const {
    return num_threads_[groupIndex(group)];
}

void ExecutorPool::onQueueChanged(TaskGroup group) {
    group_cv_[groupIndex(group)].notify_one();
}

void ExecutorPool::workerLoop(TaskGroup group, size_t index) {
    tl_worker_of = this;
    const std::string name = fmt::format("eddy-{}-{}", toString(group), index);
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    while (true) {
        detail::TaskTable::Released released;
        std::shared_ptr<Task> task = nextTask(group, released);
        const bool released_some = !released.empty();
        release(released);
        if (task) {
            (void)execute(std::move(task), /*log_errors=*/true);
        } else if (!released_some) {
            return;  // shut down
        }
    }
}

std::shared_ptr<Task> ExecutorPool::nextTask(TaskGroup group,
                                             detail::TaskTable::Released& released) {
    std::condition_variable& cv = group_cv_[groupIndex(group)];
    MutexLock lock(mutex_);
    while (!table_.isClosed()) {
        if (auto task = table_.takeReady(group, now(), released)) {
            if (table_.hasReady(group)) {
                cv.notify_one();  // more work: let another idle thread of the group take it
            }
            return task;
        }
        if (!released.empty()) {
            return nullptr;  // release them (unlocked) before sleeping
        }
        if (auto next = table_.earliestFuture(group)) {
            waitUntil(cv, mutex_, *next);
        } else {
            waitOn(cv, mutex_);
        }
    }
    return nullptr;
}

}  // namespace eddy::executor
