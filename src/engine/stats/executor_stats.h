// eddy — the executor's STAT keys: the tasks, runtimes, scheduler and workload groups.
//
// Owns: the functions writing what an ExecutorPoolIface exposes. The executor has no list of
// its tasks, so `tasks` reports the number scheduled plus, per task id that has run, its run
// count and times from the per-id histograms. `runtimes` and `scheduler` write one key per task
// id with samples: the task id's name, whose value is the histogram as JSON
// (common/histogram_json.h):
//   {"count":N,"sum_ns":S,"min_ns":a,"max_ns":b,"buckets":[[lower,upper,count],...]}
// with only the non-empty buckets, lowest first (a bucket counts values lower <= v < upper).
//
// Thread contract: thread-safe (the executor's accessors are); `add` is called on the calling
// thread.
#pragma once

#include "eddy/engine_iface.h"
#include "executor/executor_pool_iface.h"

#include <cstddef>

namespace eddy::engine::stats {

/// tasks: ep_tasks:num_tasks, then per task id with runs ep_tasks:<Name>:group, :priority,
/// :runs, :total_runtime_ns, :max_runtime_ns, :max_scheduling_delay_ns.
void addTaskStats(const executor::ExecutorPoolIface& executor, const AddStatFn& add);

enum class HistogramKind {
    Runtime,
    SchedulingDelay,
};
/// runtimes / scheduler: <Name> = histogramJson(...) per task id with samples.
void addTaskHistograms(const executor::ExecutorPoolIface& executor, HistogramKind kind,
                       const AddStatFn& add);

/// workload: ep_workload:num_readers, :num_writers, :num_auxio, :num_nonio (threads per group,
/// 0 without an executor) and :num_shards.
void addWorkloadStats(const executor::ExecutorPoolIface* executor, size_t shards,
                      const AddStatFn& add);

}  // namespace eddy::engine::stats
