// eddy — a bucket's memory manager: the quota, its watermarks, and the tasks that free memory.
//
// Concept. Every vbucket charges one BucketMemory (ADR 0005). The manager compares mem_used
// with limits derived from the configuration on every write: above mutation_mem_threshold
// percent of the quota a write fails with TemporaryFailure (NoMemory in an ephemeral
// fail_new_data bucket, where nothing will free memory), above the checkpoint budget
// (checkpoint_memory_ratio of the quota) with TemporaryFailure too; deletions are admitted up to
// the quota itself. Above mem_high_wat a write wakes the item pager, above the checkpoint
// recovery upper mark the checkpoint remover. So mem_used exceeds the quota by at most one
// operation per front-end thread.
//
// Owns: the limits (kept current by configuration listeners), the item pager, the expiry pager
// (first run at exp_pager_initial_run_time, rescheduled when its parameters change:
// expiry_pager_schedule.h), the checkpoint remover, the ephemeral tombstone purger and the
// hash-table resizer (all NONIO PeriodicTasks), the checkpoint limits given to every vbucket, and
// the counters of what these tasks did.
//
// Invariants: limits_ always reflects the configuration (each parameter it derives from has a
// listener); a wake-up flag is set from the wake request until the task's next run, so a storm
// of writes wakes a task once.
//
// Thread contract: thread-safe. admitWrite/admitDelete run on front-end threads; the tasks on
// NONIO threads, one run at a time each; listeners on whichever thread changed the
// configuration. stop() (before destruction) removes the listeners; the owner unregisters the
// tasks from the executor.
#pragma once

#include "engine/checkpoint/checkpoint_manager.h"
#include "engine/config/configuration.h"
#include "engine/op_counters.h"
#include "engine/vbucket/bucket_memory.h"
#include "engine/vbucket/vbucket_map.h"
#include "executor/executor_pool_iface.h"
#include "executor/task.h"
#include "executor/taskable.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace eddy::engine {

/// What the memory tasks have done, for STAT.
struct MemoryTaskCounters {
    std::atomic<uint64_t> pager_runs{0};
    std::atomic<uint64_t> expiry_pager_runs{0};
    std::atomic<uint64_t> auto_deletes{0};
    std::atomic<uint64_t> value_ejects{0};
    std::atomic<uint64_t> tombstones_purged{0};
    std::atomic<uint64_t> items_rm_from_checkpoints{0};
    std::atomic<uint64_t> items_expelled{0};
    std::atomic<uint64_t> cursors_dropped{0};
    std::atomic<uint64_t> checkpoint_remover_runs{0};

    void reset();
};

/// The byte limits write admission compares with, derived from the configuration.
struct MemoryLimits {
    std::atomic<uint64_t> quota{0};
    /// mutation_mem_threshold percent of the quota.
    std::atomic<uint64_t> write_limit{0};
    std::atomic<uint64_t> high_watermark{0};
    /// checkpoint_memory_ratio of the quota, and its recovery upper mark.
    std::atomic<uint64_t> checkpoint_budget{0};
    std::atomic<uint64_t> checkpoint_upper_mark{0};
};

class MemoryManager {
public:
    struct Environment {
        config::Configuration& configuration;
        BucketMemory& memory;
        VBucketMap& vbuckets;
        /// The bucket keeps its documents on disk: the pager ejects clean values (or whole
        /// clean documents) instead of deleting documents.
        bool ejects_to_disk = false;
        /// Unix seconds (tombstone purge ages).
        std::function<uint32_t()> now;
        /// How often the resizer fits every hash table to its item count.
        std::chrono::seconds resizer_interval{5};
    };

    explicit MemoryManager(Environment environment);
    MemoryManager(const MemoryManager&) = delete;
    MemoryManager& operator=(const MemoryManager&) = delete;

    /// Schedules the tasks (owned by `owner` for the executor's bookkeeping).
    void startTasks(executor::ExecutorPoolIface& executor, executor::Taskable& owner);
    /// Removes the configuration listeners; call before the vbuckets go.
    void stop();

    /// Success, or the refusal of a write (counted in `counters`) when memory is short.
    [[nodiscard]] Status admitWrite(OpCounters& counters);
    /// The same for a deletion, which is admitted up to the quota itself.
    [[nodiscard]] Status admitDelete(OpCounters& counters);
    /// Values came back from disk: wakes the pager if that put memory above the high watermark.
    void valuesRestored();

    /// Checkpoint limits for a vbucket, from the current configuration.
    [[nodiscard]] CheckpointConfig checkpointConfig() const;

    [[nodiscard]] const MemoryLimits& limits() const { return limits_; }
    [[nodiscard]] MemoryTaskCounters& counters() { return counters_; }
    [[nodiscard]] const MemoryTaskCounters& counters() const { return counters_; }

    // The tasks' work, public so that unit tests can run a pass without an executor.
    void runItemPager();
    void runCheckpointRemover();
    void purgeTombstones();
    void expireItems();

private:
    [[nodiscard]] bool isEphemeral() const;
    void refreshLimits();
    void listenToConfiguration();
    static void wake(const std::shared_ptr<executor::Task>& task, std::atomic<bool>& requested);
    /// Moves the expiry pager's next run to expiryPagerDelay() from now: at its scheduling and
    /// after a change of exp_pager_stime, exp_pager_initial_run_time or exp_pager_enabled.
    void rescheduleExpiryPager();

    const Environment env_;
    MemoryLimits limits_;
    MemoryTaskCounters counters_;
    std::vector<config::Configuration::ListenerId> listeners_;
    /// Set once by startTasks, before any write can wake them.
    std::shared_ptr<executor::Task> item_pager_;
    std::shared_ptr<executor::Task> checkpoint_remover_;
    std::shared_ptr<executor::Task> expiry_pager_;
    /// A wake-up was asked for and the task has not run since.
    std::atomic<bool> pager_wake_requested_{false};
    std::atomic<bool> remover_wake_requested_{false};
};

}  // namespace eddy::engine
