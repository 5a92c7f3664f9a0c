// BucketPersistence: opening the store and warm-up (bucket_persistence.h). Phase one reads the
// vbucket states at construction; phase two loads the documents, one READER task per shard.
#include "engine/bucket_persistence.h"
#include "engine/store_directory.h"
#include "engine/vbucket/warmup_budget.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace eddy::engine {

namespace {

namespace fs = std::filesystem;

int64_t steadyNowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

void BucketPersistence::openStore() {
    const std::string& directory = env_.directory;
    std::error_code error;
    fs::create_directories(directory, error);
    if (error) {
        throw KVStoreError(
            fmt::format("{}: cannot create the bucket directory: {} (create it, "
                        "fix its permissions or choose another data directory)",
                        directory, error.message()));
    }
    const fs::path store_path = fs::path(directory) / kStoreDirectoryName;
    const bool had_store = fs::exists(store_path, error);
    clean_start_ = !had_store || hasCleanShutdownMarker(directory);
    // RocksDB's memtables live outside the quota: keep them small next to it.
    RocksKVStoreOptions options;
    constexpr uint64_t kMinWriteBuffer = 4 << 20;
    constexpr uint64_t kMaxWriteBuffer = 64 << 20;
    options.write_buffer_size =
        std::clamp(env_.configuration.getMaxSize() / 16, kMinWriteBuffer, kMaxWriteBuffer);
    store_ = openRocksKVStore(store_path.string(), options);
    // From here on, stopping without the final flush is an unclean shutdown.
    removeCleanShutdownMarker(directory);

    size_t num_shards = env_.configuration.getMaxNumShards();
    if (num_shards == 0) {
        num_shards =
            env_.executor != nullptr
                ? std::max<size_t>(env_.executor->numThreads(executor::TaskGroup::Writer), 1)
                : 1;
    }
    dirty_ = std::make_unique<DirtyVBuckets>(env_.configuration.getMaxVbuckets());
    dirty_->markAll();  // the first runs persist every vbucket's state
    for (size_t shard = 0; shard < num_shards; ++shard) {
        auto entry = std::make_unique<Shard>();
        entry->flusher = std::make_unique<Flusher>(*store_, shard, num_shards, env_.dropped);
        entry->fetcher = std::make_unique<BgFetcher>(*store_, env_.server);
        shards_.push_back(std::move(entry));
    }
    // Documents load on READER tasks; key operations wait for them (TemporaryFailure).
    ready_.store(false, std::memory_order_release);
}

std::vector<StoredVBucket> BucketPersistence::restoredVBuckets(HybridLogicalClock& clock) {
    std::vector<StoredVBucket> out;
    if (!enabled()) {
        return out;
    }
    warmup_.started_ns.store(steadyNowNs());
    for (const Vbid id : store_->listVBuckets()) {
        if (id.get() >= env_.configuration.getMaxVbuckets()) {
            spdlog::warn("{}: vbucket {} is beyond max_vbuckets ({}); it is not loaded",
                         store_->path(), id.get(), env_.configuration.getMaxVbuckets());
            continue;
        }
        const auto state = store_->getVBucketState(id);
        if (!state) {
            continue;
        }
        StoredVBucket stored{id, state->state, {}};
        RestoredVBucket& restored = stored.restored;
        restored.high_seqno = state->high_seqno;
        restored.purge_seqno = state->purge_seqno;
        restored.max_cas = state->max_cas;
        restored.failover = state->failover;
        if (restored.failover.empty()) {
            restored.failover = FailoverTable(env_.configuration.getMaxFailoverEntries()).entries();
        }
        // Changes acknowledged but not flushed may be gone: that history is a new branch.
        restored.new_branch = !clean_start_;
        clock.observe(state->max_cas);
        out.push_back(std::move(stored));
        bump(warmup_.vbuckets);
    }
    if (!clean_start_) {
        spdlog::warn(
            "{}: the previous run did not shut down cleanly; every vbucket starts a new "
            "failover branch",
            store_->path());
    }
    return out;
}

void BucketPersistence::warmupInline() {
    for (size_t shard = 0; shard < shards_.size(); ++shard) {
        warmupShard(shard);
    }
}

void BucketPersistence::warmupShard(size_t shard) {
    try {
        loadShard(shard);
    } catch (const std::exception& error) {
        // The bucket must not serve a partial data set: it stays unavailable (ETMPFAIL, no port
        // file) and says why.
        spdlog::critical(
            "warm-up of shard {} failed: {}; the bucket stays unavailable; restore "
            "or move the data directory away and restart",
            shard, error.what());
        return;
    }
    if (warmup_.shards_done.fetch_add(1) + 1 == shards_.size()) {
        warmup_.finished_ns.store(steadyNowNs());
        ready_.store(true, std::memory_order_release);
        spdlog::info("warm-up done: {} vbuckets, {} documents ({} values resident)",
                     warmup_.vbuckets.load(), warmup_.keys.load(), warmup_.values.load());
    }
}

void BucketPersistence::loadShard(size_t shard) {
    const auto in_shard = [&](const VBucket& vbucket) {
        return vbucket.id().get() % shards_.size() == shard;
    };
    // Which values come back with their keys: WarmupBudget (warmup, warmup_min_*_threshold).
    uint64_t documents = 0;
    if (WarmupBudget::countsDocuments(env_.configuration)) {
        env_.vbuckets.forEach([&](VBucket& vbucket) {
            if (in_shard(vbucket)) {
                store_->scanByKey(vbucket.id(), [&documents](DiskDocument&& document) {
                    documents += document.deleted ? 0 : 1;
                    return true;
                });
            }
        });
    }
    const WarmupBudget budget(env_.configuration, documents);
    uint64_t values_loaded = 0;
    env_.vbuckets.forEach([&](VBucket& vbucket) {
        if (!in_shard(vbucket)) {
            return;
        }
        store_->scanByKey(vbucket.id(), [&](DiskDocument&& document) {
            if (document.deleted) {
                return true;  // tombstones stay on disk only
            }
            if (env_.dropped != nullptr && env_.dropped->containsKey(document.key)) {
                return true;  // a dropped collection's: the flusher purges it
            }
            const LoadedDocument loaded =
                viewOf(document, budget.loadValue(env_.memory.memUsed(), values_loaded));
            vbucket.loadDocument(loaded);
            bump(warmup_.keys);
            if (loaded.resident) {
                bump(warmup_.values);
                ++values_loaded;
            }
            return true;
        });
    });
}

}  // namespace eddy::engine
