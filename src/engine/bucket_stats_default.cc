// BucketStats: the default group, composed from what each part of the bucket reports, and the
// memory group.
#include "engine/bucket_stats.h"
#include "engine/stats/vbucket_stats.h"

#include <fmt/format.h>

#include <array>

namespace eddy::engine {

void BucketStats::addDefaultStats(const AddStatFn& add_stat) const {
    auto emit = [&add_stat](std::string_view name, uint64_t number) {
        stats::addNumber(add_stat, name, number);
    };
    uint64_t active_items = 0;
    uint64_t all_items = 0;
    uint64_t kv_size = 0;
    uint64_t expired = 0;
    uint64_t checkpoints = 0;
    uint64_t checkpoint_items = 0;
    uint64_t non_resident = 0;
    std::array<uint64_t, 5> by_state{};
    std::array<uint64_t, 5> checkpoint_memory_by_state{};
    env_.vbuckets.forEach([&](VBucket& vbucket) {
        const HashTable& table = vbucket.hashTable();
        // Full eviction: documents on disk only are items too.
        const uint64_t live = table.numItems() - table.numDeleted() + vbucket.numEvicted();
        all_items += live;
        if (vbucket.state() == VBucketState::Active) {
            active_items += live;
        }
        kv_size += table.memoryUsed();
        non_resident += table.numNonResident() + vbucket.numEvicted();
        expired += vbucket.numExpired();
        const auto state = static_cast<size_t>(vbucket.state());
        ++by_state[state];
        const CheckpointManager& manager = vbucket.checkpointManager();
        checkpoints += manager.numCheckpoints();
        checkpoint_items += manager.numItems();
        checkpoint_memory_by_state[state] += manager.memoryUsage();
    });
    auto total = [this](BucketOpCounters::Member counter) { return env_.counters.total(counter); };
    auto tasks = [this](std::atomic<uint64_t> MemoryTaskCounters::*counter) {
        return (env_.memory_manager.counters().*counter).load(std::memory_order_relaxed);
    };
    const uint64_t mem_used = env_.memory.memUsed();
    const uint64_t quota = env_.configuration.getMaxSize();

    emit("curr_items", active_items);
    emit("curr_items_tot", all_items);
    emit("total_items", total(&OpCounters::total_items));
    emit("bytes", mem_used);
    emit("limit_maxbytes", quota);
    emit("mem_used", mem_used);
    emit("ep_max_size", quota);
    emit("ep_mem_low_wat", env_.configuration.memLowWatBytes());
    emit("ep_mem_high_wat", env_.configuration.memHighWatBytes());
    emit("ep_mutation_mem_threshold", env_.configuration.getMutationMemThreshold());
    emit("ep_kv_size", kv_size);
    emit("ep_value_size", static_cast<uint64_t>(std::max<int64_t>(env_.memory.values.total(), 0)));
    emit("ep_meta_data_memory",
         static_cast<uint64_t>(std::max<int64_t>(env_.memory.hash_tables.total(), 0)));
    emit("ep_checkpoint_memory", env_.memory.checkpointMemory());
    emit("ep_checkpoint_memory_overhead",
         static_cast<uint64_t>(std::max<int64_t>(env_.memory.checkpoint_overhead.total(), 0)));
    emit("ep_checkpoint_memory_quota",
         static_cast<uint64_t>(static_cast<double>(quota) *
                               env_.configuration.getCheckpointMemoryRatio()));
    emit("vb_active_checkpoint_memory",
         checkpoint_memory_by_state[static_cast<size_t>(VBucketState::Active)]);
    emit("vb_replica_checkpoint_memory",
         checkpoint_memory_by_state[static_cast<size_t>(VBucketState::Replica)]);
    emit("vb_pending_checkpoint_memory",
         checkpoint_memory_by_state[static_cast<size_t>(VBucketState::Pending)]);
    emit("ep_num_checkpoints", checkpoints);
    emit("ep_num_checkpoint_items", checkpoint_items);
    emit("ep_items_rm_from_checkpoints", tasks(&MemoryTaskCounters::items_rm_from_checkpoints));
    emit("ep_items_expelled_from_checkpoints", tasks(&MemoryTaskCounters::items_expelled));
    emit("ep_cursors_dropped", tasks(&MemoryTaskCounters::cursors_dropped));
    emit("ep_num_checkpoint_remover_runs", tasks(&MemoryTaskCounters::checkpoint_remover_runs));
    emit("ep_num_value_ejects", tasks(&MemoryTaskCounters::value_ejects));
    emit("ep_num_non_resident", non_resident);
    emit("ep_num_pager_runs", tasks(&MemoryTaskCounters::pager_runs));
    emit("ep_num_expiry_pager_runs", tasks(&MemoryTaskCounters::expiry_pager_runs));
    emit("vb_active_auto_delete_count", tasks(&MemoryTaskCounters::auto_deletes));
    emit("ep_tombstones_purged", tasks(&MemoryTaskCounters::tombstones_purged));
    emit("ep_tmp_oom_errors", total(&OpCounters::tmp_oom_errors));
    emit("ep_oom_errors", total(&OpCounters::oom_errors));
    emit("expired_items", expired);
    emit("ep_max_vbuckets", env_.vbuckets.capacity());
    emit("vb_active_num", by_state[static_cast<size_t>(VBucketState::Active)]);
    emit("vb_replica_num", by_state[static_cast<size_t>(VBucketState::Replica)]);
    emit("vb_pending_num", by_state[static_cast<size_t>(VBucketState::Pending)]);
    emit("vb_dead_num", by_state[static_cast<size_t>(VBucketState::Dead)]);
    emit("ep_expired_access", expired);
    emit("cmd_get", total(&OpCounters::cmd_get));
    emit("get_hits", total(&OpCounters::get_hits));
    emit("get_misses", total(&OpCounters::get_misses));
    emit("cmd_set", total(&OpCounters::cmd_set));
    emit("delete_hits", total(&OpCounters::delete_hits));
    emit("delete_misses", total(&OpCounters::delete_misses));
    emit("incr_hits", total(&OpCounters::incr_hits));
    emit("incr_misses", total(&OpCounters::incr_misses));
    emit("decr_hits", total(&OpCounters::decr_hits));
    emit("decr_misses", total(&OpCounters::decr_misses));
    emit("cas_hits", total(&OpCounters::cas_hits));
    emit("cas_misses", total(&OpCounters::cas_misses));
    emit("cas_badval", total(&OpCounters::cas_badval));
    emit("touch_hits", total(&OpCounters::touch_hits));
    emit("touch_misses", total(&OpCounters::touch_misses));
    emit("cmd_touch", total(&OpCounters::cmd_touch));
    emit("cmd_flush", total(&OpCounters::cmd_flush));
    emit("cmd_lock", total(&OpCounters::cmd_lock));
    emit("ep_num_not_my_vbuckets", total(&OpCounters::not_my_vbucket));
    env_.persistence.addStats(add_stat);
    env_.dcp.addAggregates(add_stat);
    emit("ep_persistence_stopped", env_.persistence.persistenceStopped() ? 1 : 0);
}

void BucketStats::addMemoryStats(const AddStatFn& add_stat) const {
    const auto emit = [&add_stat](std::string_view name, uint64_t value) {
        stats::addNumber(add_stat, name, value);
    };
    const auto clamped = [](int64_t value) {
        return static_cast<uint64_t>(std::max<int64_t>(value, 0));
    };
    const auto load = [](const std::atomic<uint64_t>& value) {
        return value.load(std::memory_order_relaxed);
    };
    const uint64_t oom = env_.counters.total(&OpCounters::oom_errors);
    const uint64_t tmp_oom = env_.counters.total(&OpCounters::tmp_oom_errors);
    const MemoryLimits& limits = env_.memory_manager.limits();
    const uint64_t mem_used = env_.memory.memUsed();
    const uint64_t quota = load(limits.quota);
    emit("mem_used", mem_used);
    emit("bytes", mem_used);
    emit("ep_max_size", quota);
    emit("ep_mem_headroom", quota > mem_used ? quota - mem_used : 0);
    emit("ep_mem_low_wat", env_.configuration.memLowWatBytes());
    emit("ep_mem_high_wat", env_.configuration.memHighWatBytes());
    add_stat("ep_mem_low_wat_percent", fmt::format("{}", env_.configuration.getMemLowWat()));
    add_stat("ep_mem_high_wat_percent", fmt::format("{}", env_.configuration.getMemHighWat()));
    emit("ep_mutation_mem_threshold", env_.configuration.getMutationMemThreshold());
    emit("ep_mem_write_limit", load(limits.write_limit));
    emit("ep_value_size", clamped(env_.memory.values.total()));
    emit("ep_meta_data_memory", clamped(env_.memory.hash_tables.total()));
    emit("ep_checkpoint_memory", env_.memory.checkpointMemory());
    emit("ep_checkpoint_memory_overhead", clamped(env_.memory.checkpoint_overhead.total()));
    emit("ep_checkpoint_memory_quota", load(limits.checkpoint_budget));
    emit("ep_checkpoint_memory_upper_mark", load(limits.checkpoint_upper_mark));
    emit("ep_oom_errors", oom);
    emit("ep_tmp_oom_errors", tmp_oom);
}

}  // namespace eddy::engine
