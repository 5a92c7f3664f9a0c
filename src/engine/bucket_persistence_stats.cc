// BucketPersistence: what it reports to STAT (the persistence keys of the default group, and
// the warmup, kvstore and prev-vbucket groups).
#include "engine/bucket_persistence.h"
#include "engine/stats/vbucket_stats.h"

#include <fmt/format.h>

#include <map>

namespace eddy::engine {

namespace {

void emit(const AddStatFn& add_stat, std::string_view name, uint64_t number) {
    stats::addNumber(add_stat, name, number);
}

uint64_t load(const std::atomic<uint64_t>& counter) {
    return counter.load(std::memory_order_relaxed);
}

}  // namespace

void BucketPersistence::addStats(const AddStatFn& add_stat) const {
    if (!enabled()) {
        return;
    }
    uint64_t queued = 0;
    env_.vbuckets.forEach([&queued](VBucket& vbucket) {
        queued += vbucket.checkpointManager().numItemsForCursor(kPersistenceCursorName);
    });
    size_t fetches_waiting = 0;
    for (const auto& shard : shards_) {
        fetches_waiting += shard->fetcher->pending();
    }
    const KVStoreStats store = store_->stats();
    emit(add_stat, "ep_diskqueue_items", queued);
    emit(add_stat, "ep_queue_size", queued);
    emit(add_stat, "ep_total_persisted", load(counters_.items_persisted));
    emit(add_stat, "ep_flusher_commits", load(counters_.flusher_commits));
    emit(add_stat, "ep_flusher_failed_commits", load(counters_.flusher_failed_commits));
    emit(add_stat, "ep_bg_fetches", load(counters_.bg_fetches));
    emit(add_stat, "ep_bg_fetched", load(counters_.bg_fetched));
    emit(add_stat, "ep_bg_fetch_queue", fetches_waiting);
    emit(add_stat, "ep_num_shards", shards_.size());
    emit(add_stat, "ep_compactions", load(counters_.compactions));
    emit(add_stat, "ep_tombstones_purged_on_disk", load(counters_.tombstones_purged_on_disk));
    emit(add_stat, "ep_db_data_size", store.live_data_size);
    emit(add_stat, "ep_db_file_size", store.disk_size);
    add_stat("ep_warmup_state", ready() ? "done" : "loading data");
}

void BucketPersistence::addWarmupStats(const AddStatFn& add_stat) const {
    add_stat("ep_warmup", enabled() ? "enabled" : "disabled");
    add_stat("ep_warmup_state", ready() ? "done" : "loading data");
    add_stat("ep_warmup_oom", "0");
    add_stat("ep_warmup_clean_shutdown", clean_start_ ? "true" : "false");
    emit(add_stat, "ep_warmup_vbuckets", warmup_.vbuckets.load());
    emit(add_stat, "ep_warmup_key_count", warmup_.keys.load());
    emit(add_stat, "ep_warmup_value_count", warmup_.values.load());
    emit(add_stat, "ep_warmup_shards_done", warmup_.shards_done.load());
    emit(add_stat, "ep_warmup_shards", shards_.size());
    const int64_t started = warmup_.started_ns.load();
    const int64_t finished = warmup_.finished_ns.load();
    if (finished != 0 && started != 0) {
        emit(add_stat, "ep_warmup_time", static_cast<uint64_t>((finished - started) / 1000));
    }
}

Status BucketPersistence::addKVStoreStats(const AddStatFn& add_stat) const {
    if (!enabled()) {
        return Status::NotSupported;
    }
    const KVStoreStats store = store_->stats(/*list_files=*/true);  // a task: may list
    const auto kv = [&add_stat](std::string_view name, uint64_t value) {
        stats::addNumber(add_stat, fmt::format("ep_kvstore:{}", name), value);
    };
    add_stat("ep_kvstore:path", store_->path());
    kv("num_shards", shards_.size());
    kv("num_vbuckets", store_->listVBuckets().size());
    kv("commits", store.commits);
    kv("documents_written", store.documents_written);
    kv("bytes_written", store.bytes_written);
    kv("gets", store.gets);
    kv("scans", store.scans);
    kv("live_data_size", store.live_data_size);
    kv("disk_size", store.disk_size);
    return Status::Success;
}

Status BucketPersistence::addPersistedStates(const AddStatFn& add_stat) const {
    // The persisted state of every vbucket on disk; the current one of a vbucket not
    // persisted yet (or of every vbucket, without a store).
    std::map<uint16_t, VBucketState> states;
    if (store_ != nullptr) {
        for (const Vbid id : store_->listVBuckets()) {
            if (const auto state = store_->getVBucketState(id)) {
                states.emplace(id.get(), state->state);
            }
        }
    }
    env_.vbuckets.forEach(
        [&states](VBucket& vbucket) { states.emplace(vbucket.id().get(), vbucket.state()); });
    for (const auto& [id, state] : states) {
        add_stat(fmt::format("vb_{}", id), toString(state));
    }
    return Status::Success;
}

}  // namespace eddy::engine
