// eddy — the executor's STAT keys (executor_stats.h).
#include "engine/stats/executor_stats.h"

#include "common/histogram_json.h"
#include "engine/stats/vbucket_stats.h"
#include "executor/task_id.h"

#include <fmt/format.h>

namespace eddy::engine::stats {

namespace {

executor::TaskId idAt(size_t index) {
    return static_cast<executor::TaskId>(index);
}

}  // namespace

void addTaskStats(const executor::ExecutorPoolIface& executor, const AddStatFn& add) {
    addNumber(add, "ep_tasks:num_tasks", executor.numTasks());
    const executor::TaskHistograms& histograms = executor.taskHistograms();
    for (size_t i = 0; i < executor::kNumTaskIds; ++i) {
        const executor::TaskId id = idAt(i);
        const HistogramSnapshot runtime = histograms.runtime(id);
        if (runtime.count() == 0) {
            continue;
        }
        const HistogramSnapshot delay = histograms.schedulingDelay(id);
        const std::string prefix = fmt::format("ep_tasks:{}:", executor::taskName(id));
        add(prefix + "group", executor::toString(executor::taskGroup(id)));
        addNumber(add, prefix + "priority",
                  static_cast<uint64_t>(std::max(executor::taskPriority(id), 0)));
        addNumber(add, prefix + "runs", runtime.count());
        addNumber(add, prefix + "total_runtime_ns", runtime.sum());
        addNumber(add, prefix + "max_runtime_ns", runtime.max());
        addNumber(add, prefix + "max_scheduling_delay_ns", delay.max());
    }
}

void addTaskHistograms(const executor::ExecutorPoolIface& executor, HistogramKind kind,
                       const AddStatFn& add) {
    const executor::TaskHistograms& histograms = executor.taskHistograms();
    for (size_t i = 0; i < executor::kNumTaskIds; ++i) {
        const executor::TaskId id = idAt(i);
        const HistogramSnapshot histogram = kind == HistogramKind::Runtime
                                                ? histograms.runtime(id)
                                                : histograms.schedulingDelay(id);
        if (histogram.count() > 0) {
            add(executor::taskName(id), histogramJson(histogram));
        }
    }
}

void addWorkloadStats(const executor::ExecutorPoolIface* executor, size_t shards,
                      const AddStatFn& add) {
    const auto threads = [executor](executor::TaskGroup group) -> uint64_t {
        return executor != nullptr ? executor->numThreads(group) : 0;
    };
    addNumber(add, "ep_workload:num_readers", threads(executor::TaskGroup::Reader));
    addNumber(add, "ep_workload:num_writers", threads(executor::TaskGroup::Writer));
    addNumber(add, "ep_workload:num_auxio", threads(executor::TaskGroup::AuxIO));
    addNumber(add, "ep_workload:num_nonio", threads(executor::TaskGroup::NonIO));
    addNumber(add, "ep_workload:num_shards", shards);
}

}  // namespace eddy::engine::stats
