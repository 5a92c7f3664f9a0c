// eddy — EpBucket's default, persistence and warmup STAT keys (item counts, operation counters,
// memory, checkpoints, flushers, fetches and warm-up progress).
#include "engine/ep_bucket_engine.h"
#include "engine/stats/vbucket_stats.h"

#include <array>

namespace eddy::engine {

namespace {

void emitNumber(const AddStatFn& add_stat, std::string_view name, uint64_t number) {
    stats::addNumber(add_stat, name, number);
}

}  // namespace

void EpBucket::addDefaultStats(const AddStatFn& add_stat) const {
    auto emit = [&add_stat](std::string_view name, uint64_t number) {
        emitNumber(add_stat, name, number);
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
    vbuckets_.forEach([&](VBucket& vbucket) {
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
    auto total = [this](std::atomic<uint64_t> OpCounters::*counter) {
        uint64_t sum = 0;
        for (const auto& shard : counters_) {
            sum += (shard.*counter).load(std::memory_order_relaxed);
        }
        return sum;
    };
    auto tasks = [this](std::atomic<uint64_t> MemoryTaskCounters::*counter) {
        return (task_counters_.*counter).load(std::memory_order_relaxed);
    };
    const uint64_t mem_used = memory_.memUsed();
    const uint64_t quota = configuration_.getMaxSize();

    emit("curr_items", active_items);
    emit("curr_items_tot", all_items);
    emit("total_items", total(&OpCounters::total_items));
    emit("bytes", mem_used);
    emit("limit_maxbytes", quota);
    emit("mem_used", mem_used);
    emit("ep_max_size", quota);
    emit("ep_mem_low_wat", configuration_.memLowWatBytes());
    emit("ep_mem_high_wat", configuration_.memHighWatBytes());
    emit("ep_mutation_mem_threshold", configuration_.getMutationMemThreshold());
    emit("ep_kv_size", kv_size);
    emit("ep_value_size", static_cast<uint64_t>(std::max<int64_t>(memory_.values.total(), 0)));
    emit("ep_meta_data_memory",
         static_cast<uint64_t>(std::max<int64_t>(memory_.hash_tables.total(), 0)));
    emit("ep_checkpoint_memory", memory_.checkpointMemory());
    emit("ep_checkpoint_memory_overhead",
         static_cast<uint64_t>(std::max<int64_t>(memory_.checkpoint_overhead.total(), 0)));
    emit("ep_checkpoint_memory_quota",
         static_cast<uint64_t>(static_cast<double>(quota) *
                               configuration_.getCheckpointMemoryRatio()));
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
    emit("ep_num_value_ejects", persistence_counters_.value_ejects.load(std::memory_order_relaxed));
    emit("ep_num_non_resident", non_resident);
    emit("ep_num_pager_runs", tasks(&MemoryTaskCounters::pager_runs));
    emit("ep_num_expiry_pager_runs", tasks(&MemoryTaskCounters::expiry_pager_runs));
    emit("vb_active_auto_delete_count", tasks(&MemoryTaskCounters::auto_deletes));
    emit("ep_tombstones_purged", tasks(&MemoryTaskCounters::tombstones_purged));
    emit("ep_tmp_oom_errors", total(&OpCounters::tmp_oom_errors));
    emit("ep_oom_errors", total(&OpCounters::oom_errors));
    emit("expired_items", expired);
    emit("ep_max_vbuckets", vbuckets_.capacity());
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
    if (persistent()) {
        addPersistenceStats(add_stat);
    }
    addDcpAggregates(add_stat);
}

void EpBucket::addPersistenceStats(const AddStatFn& add_stat) const {
    const auto load = [](const std::atomic<uint64_t>& counter) {
        return counter.load(std::memory_order_relaxed);
    };
    uint64_t queued = 0;
    vbuckets_.forEach([&queued](VBucket& vbucket) {
        queued += vbucket.checkpointManager().numItemsForCursor(kPersistenceCursorName);
    });
    size_t fetches_waiting = 0;
    for (const auto& shard : shards_) {
        fetches_waiting += shard->fetcher->pending();
    }
    const KVStoreStats store = store_->stats();
    emitNumber(add_stat, "ep_diskqueue_items", queued);
    emitNumber(add_stat, "ep_queue_size", queued);
    emitNumber(add_stat, "ep_total_persisted", load(persistence_counters_.items_persisted));
    emitNumber(add_stat, "ep_flusher_commits", load(persistence_counters_.flusher_commits));
    emitNumber(add_stat, "ep_flusher_failed_commits",
               load(persistence_counters_.flusher_failed_commits));
    emitNumber(add_stat, "ep_bg_fetches", load(persistence_counters_.bg_fetches));
    emitNumber(add_stat, "ep_bg_fetched", load(persistence_counters_.bg_fetched));
    emitNumber(add_stat, "ep_bg_fetch_queue", fetches_waiting);
    emitNumber(add_stat, "ep_num_shards", shards_.size());
    emitNumber(add_stat, "ep_compactions", load(persistence_counters_.compactions));
    emitNumber(add_stat, "ep_tombstones_purged_on_disk",
               load(persistence_counters_.tombstones_purged_on_disk));
    emitNumber(add_stat, "ep_db_data_size", store.live_data_size);
    emitNumber(add_stat, "ep_db_file_size", store.disk_size);
    add_stat("ep_warmup_state", warmed_up_.load() ? "done" : "loading data");
}

void EpBucket::addWarmupStats(const AddStatFn& add_stat) const {
    const bool done = warmed_up_.load(std::memory_order_acquire);
    add_stat("ep_warmup", persistent() ? "enabled" : "disabled");
    add_stat("ep_warmup_state", done ? "done" : "loading data");
    add_stat("ep_warmup_oom", "0");
    add_stat("ep_warmup_clean_shutdown", clean_start_ ? "true" : "false");
    emitNumber(add_stat, "ep_warmup_vbuckets", warmup_.vbuckets.load());
    emitNumber(add_stat, "ep_warmup_key_count", warmup_.keys.load());
    emitNumber(add_stat, "ep_warmup_value_count", warmup_.values.load());
    emitNumber(add_stat, "ep_warmup_shards_done", warmup_.shards_done.load());
    emitNumber(add_stat, "ep_warmup_shards", shards_.size());
    const int64_t started = warmup_.started_ns.load();
    const int64_t finished = warmup_.finished_ns.load();
    if (finished != 0 && started != 0) {
        emitNumber(add_stat, "ep_warmup_time", static_cast<uint64_t>((finished - started) / 1000));
    }
}

}  // namespace eddy::engine
