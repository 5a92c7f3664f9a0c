// EpBucket: the store. Opening it and restoring the vbuckets, warm-up, the flushers and
// background fetchers, SEQNO_PERSISTENCE, OBSERVE_SEQNO, compaction and the final flush.
#include "common/clock.h"
#include "engine/bucket_tasks.h"
#include "engine/ep_bucket_engine.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>

#include <fcntl.h>
#include <unistd.h>

namespace eddy::engine {

namespace {

namespace fs = std::filesystem;

/// Written at the end of a clean shutdown, removed at start-up: its absence with a store
/// present means the last run ended without flushing everything.
constexpr std::string_view kCleanShutdownMarker = "clean_shutdown";
/// The RocksDB store inside the bucket's directory.
constexpr std::string_view kStoreDirectory = "store";
/// Flush rounds at shutdown before giving up on a store that keeps failing.
constexpr int kMaxShutdownFlushRounds = 100;

int64_t steadyNowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// Makes a directory entry change (creation or removal of the marker) durable.
void syncDirectory(const fs::path& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

/// Keeps a compaction's outcome for the command that asked for it; the task writes the status,
/// the re-driven command reads it (the task never touches the cookie).
struct CompactionOutcome {
    std::atomic<Status> status{Status::Success};
};

class CompactionStorage final : public EngineStorage {
public:
    explicit CompactionStorage(std::shared_ptr<CompactionOutcome> shared)
        : outcome(std::move(shared)) {}
    const std::shared_ptr<CompactionOutcome> outcome;
};

}  // namespace

void EpBucket::openStore() {
    if (isEphemeral()) {
        return;
    }
    std::string directory = configuration_.getDbname();
    if (directory.empty()) {
        directory = config_.data_dir;
    }
    if (directory.empty()) {
        return;  // unit tests: a persistent bucket that writes nothing
    }
    std::error_code error;
    fs::create_directories(directory, error);
    if (error) {
        throw KVStoreError(
            fmt::format("{}: cannot create the bucket directory: {} (create it, "
                        "fix its permissions or choose another data directory)",
                        directory, error.message()));
    }
    const fs::path marker = fs::path(directory) / kCleanShutdownMarker;
    const fs::path store_path = fs::path(directory) / kStoreDirectory;
    const bool had_store = fs::exists(store_path, error);
    clean_start_ = !had_store || fs::exists(marker, error);
    // RocksDB's memtables live outside the quota: keep them small next to it.
    RocksKVStoreOptions options;
    constexpr uint64_t kMinWriteBuffer = 4 << 20;
    constexpr uint64_t kMaxWriteBuffer = 64 << 20;
    options.write_buffer_size =
        std::clamp(configuration_.getMaxSize() / 16, kMinWriteBuffer, kMaxWriteBuffer);
    store_ = openRocksKVStore(store_path.string(), options);
    // From here on, stopping without the final flush is an unclean shutdown.
    fs::remove(marker, error);
    syncDirectory(directory);

    size_t num_shards = configuration_.getMaxNumShards();
    if (num_shards == 0) {
        num_shards =
            config_.executor != nullptr
                ? std::max<size_t>(config_.executor->numThreads(executor::TaskGroup::Writer), 1)
                : 1;
    }
    dirty_ = std::make_unique<DirtyVBuckets>(vbuckets_.capacity());
    dirty_->markAll();  // the first runs persist every vbucket's state
    for (size_t shard = 0; shard < num_shards; ++shard) {
        auto entry = std::make_unique<Shard>();
        entry->flusher = std::make_unique<Flusher>(*store_, shard, num_shards);
        entry->fetcher = std::make_unique<BgFetcher>(*store_, server_);
        shards_.push_back(std::move(entry));
    }

    warmup_.started_ns.store(steadyNowNs());
    for (const Vbid id : store_->listVBuckets()) {
        if (id.get() >= vbuckets_.capacity()) {
            spdlog::warn("{}: vbucket {} is beyond max_vbuckets ({}); it is not loaded",
                         store_->path(), id.get(), vbuckets_.capacity());
            continue;
        }
        const auto state = store_->getVBucketState(id);
        if (!state) {
            continue;
        }
        RestoredVBucket restored;
        restored.high_seqno = state->high_seqno;
        restored.purge_seqno = state->purge_seqno;
        restored.max_cas = state->max_cas;
        restored.failover = state->failover;
        if (restored.failover.empty()) {
            restored.failover = FailoverTable(configuration_.getMaxFailoverEntries()).entries();
        }
        // Changes acknowledged but not flushed may be gone: that history is a new branch.
        restored.new_branch = !clean_start_;
        clock_.observe(state->max_cas);
        auto vbucket = makeVBucket(id, state->state, &restored);
        if (!clean_start_) {
            vbucket->checkpointManager().queueSetVbucketState();  // persist the new branch
        }
        vbuckets_.set(std::move(vbucket));
        bump(warmup_.vbuckets);
    }
    if (!clean_start_) {
        spdlog::warn(
            "{}: the previous run did not shut down cleanly; every vbucket starts a new "
            "failover branch",
            store_->path());
    }
    // Documents load on READER tasks; key operations wait for them (TemporaryFailure).
    warmed_up_.store(config_.executor == nullptr, std::memory_order_release);
}

void EpBucket::warmupShard(size_t shard) {
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
        warmed_up_.store(true, std::memory_order_release);
        spdlog::info("warm-up done: {} vbuckets, {} documents ({} values resident)",
                     warmup_.vbuckets.load(), warmup_.keys.load(), warmup_.values.load());
    }
}

void EpBucket::loadShard(size_t shard) {
    const uint64_t value_limit = static_cast<uint64_t>(
        static_cast<double>(configuration_.memHighWatBytes()) *
        static_cast<double>(configuration_.getWarmupMinMemoryThreshold()) / 100.0);
    vbuckets_.forEach([&](VBucket& vbucket) {
        if (vbucket.id().get() % shards_.size() != shard) {
            return;
        }
        store_->scanByKey(vbucket.id(), [&](DiskDocument&& document) {
            if (document.deleted) {
                return true;  // tombstones stay on disk only
            }
            const LoadedDocument loaded = viewOf(document, memory_.memUsed() < value_limit);
            vbucket.loadDocument(loaded);
            bump(warmup_.keys);
            if (loaded.resident) {
                bump(warmup_.values);
            }
            return true;
        });
    });
}

void EpBucket::startPersistenceTasks(executor::ExecutorPoolIface& executor) {
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    for (size_t index = 0; index < shards_.size(); ++index) {
        Shard& shard = *shards_[index];
        shard.flusher_task = std::make_shared<PeriodicTask>(
            *this, executor::TaskId::FlusherTask,
            fmt::format("Running a flusher loop: shard {}", index),
            [&shard]() -> executor::Clock::duration {
                const int64_t sleep = shard.flusher_sleep_ms.load();
                return sleep < 0 ? executor::kSnoozeForever : milliseconds(sleep);
            },
            [this, &shard] { runFlusher(shard); });
        executor.schedule(shard.flusher_task);
        shard.fetcher_task = std::make_shared<PeriodicTask>(
            *this, executor::TaskId::MultiBGFetcherTask,
            fmt::format("Batching background fetch: shard {}", index),
            []() -> executor::Clock::duration { return executor::kSnoozeForever; },
            [this, &shard] { runBgFetcher(shard); });
        executor.schedule(shard.fetcher_task);
        executor.schedule(std::make_shared<OneShotTask>(*this, executor::TaskId::WarmupTask,
                                                        fmt::format("Warming up shard {}", index),
                                                        [this, index] { warmupShard(index); }));
    }
    executor.schedule(std::make_shared<PeriodicTask>(
        *this, executor::TaskId::CompactVBucketTask, "Compacting every vbucket",
        [this] {
            const uint64_t interval = configuration_.getAutoCompactionInterval();
            return seconds(interval == 0 ? 3600 : interval);  // 0: disabled, look again later
        },
        [this] {
            if (configuration_.getAutoCompactionInterval() != 0) {
                compactAll();
            }
        }));
}

void EpBucket::notifyFlusher(Vbid id) {
    if (!persistent()) {
        return;
    }
    dirty_->mark(id);
    Shard& shard = shardOf(id);
    if (shard.flusher_task && !shard.flush_requested.exchange(true, std::memory_order_acq_rel)) {
        shard.flusher_task->wakeUp();
    }
}

void EpBucket::runFlusher(Shard& shard) {
    shard.flush_requested.store(false, std::memory_order_release);
    if (persistence_stopped_.load(std::memory_order_acquire)) {
        // STOP_PERSISTENCE: the dirty marks stay; START_PERSISTENCE wakes the flusher.
        shard.flusher_sleep_ms.store(-1);
        return;
    }
    std::vector<Vbid> deletions;
    {
        MutexLock lock(shard.deletions_mutex);
        deletions.swap(shard.deletions);
    }
    for (size_t i = 0; i < deletions.size(); ++i) {
        if (vbuckets_.get(deletions[i])) {
            continue;  // created again: its first batch (a reset) wipes the old data
        }
        try {
            store_->deleteVBucket(deletions[i]);
        } catch (const KVStoreError& error) {
            spdlog::error("deleting vbucket {} from disk failed, will retry: {}",
                          deletions[i].get(), error.what());
            MutexLock lock(shard.deletions_mutex);
            shard.deletions.insert(shard.deletions.begin(), deletions.begin() + i, deletions.end());
            shard.flusher_sleep_ms.store(1000);
            return;  // nothing newer may be written before the deletion
        }
    }
    const size_t limit =
        std::max<uint64_t>(configuration_.getFlusherTotalBatchLimit() / shards_.size(), 1);
    const Flusher::Result result = shard.flusher->flush(vbuckets_, *dirty_, limit);
    if (result.failed) {
        bump(persistence_counters_.flusher_failed_commits);
    } else if (!result.persisted.empty()) {
        bump(persistence_counters_.flusher_commits);
    }
    bump(persistence_counters_.items_persisted, result.documents);
    for (const auto& [id, seqno] : result.persisted) {
        persisted(id, seqno);
    }
    shard.flusher_sleep_ms.store(result.failed ? 1000 : result.more ? 0 : -1);
}

Status EpBucket::fetchFromDisk(CookieIface& cookie, Vbid id, std::string_view key) {
    if (!persistent()) {
        return Status::Failed;  // nothing is evicted without a store
    }
    auto vbucket = vbuckets_.get(id);
    if (!vbucket) {
        return Status::NotMyVbucket;
    }
    bump(persistence_counters_.bg_fetches);
    Shard& shard = shardOf(id);
    shard.fetcher->add(std::move(vbucket), key, cookie);
    if (!shard.fetcher_task) {
        runBgFetcher(shard);  // no executor (unit tests): fetch and notify now
    } else if (!shard.fetch_requested.exchange(true, std::memory_order_acq_rel)) {
        shard.fetcher_task->wakeUp();
    }
    return Status::WouldBlock;
}

void EpBucket::runBgFetcher(Shard& shard) {
    shard.fetch_requested.store(false, std::memory_order_release);
    const BgFetcher::Result result = shard.fetcher->run(vbuckets_);
    bump(persistence_counters_.bg_fetched, result.restored);
    // Restored values count against the quota like any write: past the high watermark the
    // pager makes room again now rather than at its next period.
    if (result.restored != 0 &&
        memory_.memUsed() > limits_.high_watermark.load(std::memory_order_relaxed)) {
        wake(item_pager_, pager_wake_requested_);
    }
}

void EpBucket::persisted(Vbid id, uint64_t seqno) {
    release(
        [id, seqno](const CookieIface&, const PendingOp& op) {
            return op.kind == PendingOp::Kind::SeqnoPersistence && op.vbucket == id &&
                   op.seqno <= seqno;
        },
        Status::Success);
}

Status EpBucket::seqnoPersistence(CookieIface& cookie, Vbid id, uint64_t seqno) {
    if (!persistent()) {
        return Status::NotSupported;
    }
    Status refusal = Status::Success;
    auto vbucket = active(cookie, id, refusal);
    if (!vbucket) {
        return refusal;
    }
    if (vbucket->persistedSeqno() >= seqno) {
        return Status::Success;
    }
    {
        // The flusher raises the persisted seqno before it takes this lock to release waiters,
        // so a wait parked here is either satisfied now or released later.
        MutexLock lock(pending_mutex_);
        if (vbucket->persistedSeqno() >= seqno) {
            return Status::Success;
        }
        PendingOp op;
        op.vbucket = id;
        op.deadline =
            executorNow() + std::chrono::seconds(configuration_.getSeqnoPersistenceTimeout());
        op.kind = PendingOp::Kind::SeqnoPersistence;
        op.seqno = seqno;
        pending_[&cookie] = op;
    }
    notifyFlusher(id);
    return Status::WouldBlock;
}

Status EpBucket::observeSeqno(CookieIface&, Vbid id, uint64_t vbucket_uuid,
                              ObserveSeqnoResult& out) {
    if (!warmed_up_.load(std::memory_order_acquire)) {
        return Status::TemporaryFailure;
    }
    auto vbucket = vbuckets_.get(id);
    if (!vbucket) {
        return Status::NotMyVbucket;
    }
    const std::vector<FailoverEntry> entries = vbucket->failoverEntries();
    out.vbucket_uuid = entries.front().vb_uuid;
    out.last_persisted_seqno = persistent() ? vbucket->persistedSeqno() : 0;
    out.current_seqno = vbucket->highSeqno();
    if (vbucket_uuid == out.vbucket_uuid) {
        return Status::Success;
    }
    // An older branch: it ended where the next newer one began.
    for (size_t i = 1; i < entries.size(); ++i) {
        if (entries[i].vb_uuid == vbucket_uuid) {
            out.failed_over = true;
            out.old_vbucket_uuid = vbucket_uuid;
            out.old_branch_last_seqno = entries[i - 1].by_seqno;
            return Status::Success;
        }
    }
    return Status::KeyNotFound;
}

Status EpBucket::compactDatabase(CookieIface& cookie, const CompactRequest& request) {
    if (!persistent()) {
        return Status::NotSupported;
    }
    if (auto parked = cookie.takeEngineStorage()) {
        if (auto* done = dynamic_cast<CompactionStorage*>(parked.get())) {
            return done->outcome->status.load();
        }
    }
    if (!warmed_up_.load(std::memory_order_acquire)) {
        return Status::TemporaryFailure;
    }
    if (!vbuckets_.get(request.vbucket)) {
        return Status::NotMyVbucket;
    }
    const uint32_t now = config_.now ? config_.now() : clock::unixNow();
    const uint64_t age = configuration_.getPersistentMetadataPurgeAge();
    uint32_t purge_before = now > age ? static_cast<uint32_t>(now - age) : 0;
    if (request.drop_deletes) {
        purge_before = std::numeric_limits<uint32_t>::max();
    } else if (request.purge_before_ts != 0) {
        purge_before = static_cast<uint32_t>(
            std::min<uint64_t>(request.purge_before_ts, std::numeric_limits<uint32_t>::max()));
    }
    auto outcome = std::make_shared<CompactionOutcome>();
    auto compact = [this, id = request.vbucket, purge_before, outcome] {
        try {
            const CompactionResult result = store_->compact(id, purge_before);
            if (auto vbucket = vbuckets_.get(id)) {
                vbucket->setPurgeSeqno(static_cast<uint64_t>(result.purge_seqno));
            }
            bump(persistence_counters_.compactions);
            bump(persistence_counters_.tombstones_purged_on_disk, result.tombstones_purged);
        } catch (const KVStoreError& error) {
            spdlog::error("compaction of vbucket {} failed: {}", id.get(), error.what());
            outcome->status.store(Status::Failed);
        }
    };
    if (config_.executor == nullptr) {
        compact();
        return outcome->status.load();
    }
    {
        MutexLock lock(pending_mutex_);
        PendingOp op;
        op.vbucket = request.vbucket;
        op.deadline = executor::TimePoint::max();
        op.kind = PendingOp::Kind::Compaction;
        op.token = outcome.get();
        pending_[&cookie] = op;
    }
    cookie.setEngineStorage(std::make_unique<CompactionStorage>(outcome));
    config_.executor->schedule(std::make_shared<OneShotTask>(
        *this, executor::TaskId::CompactVBucketTask,
        fmt::format("Compact DB file {}", request.vbucket.get()), [this, compact, outcome] {
            compact();
            // The command runs again and reads the outcome from its engine storage.
            release(
                [token = outcome.get()](const CookieIface&, const PendingOp& op) {
                    return op.kind == PendingOp::Kind::Compaction && op.token == token;
                },
                Status::Success);
        }));
    return Status::WouldBlock;
}

void EpBucket::compactAll() {
    const uint32_t now = config_.now ? config_.now() : clock::unixNow();
    const uint64_t age = configuration_.getPersistentMetadataPurgeAge();
    const uint32_t purge_before = now > age ? static_cast<uint32_t>(now - age) : 0;
    vbuckets_.forEach([&](VBucket& vbucket) {
        try {
            const CompactionResult result = store_->compact(vbucket.id(), purge_before);
            vbucket.setPurgeSeqno(static_cast<uint64_t>(result.purge_seqno));
            bump(persistence_counters_.compactions);
            bump(persistence_counters_.tombstones_purged_on_disk, result.tombstones_purged);
        } catch (const KVStoreError& error) {
            spdlog::error("compaction of vbucket {} failed: {}", vbucket.id().get(), error.what());
        }
    });
}

void EpBucket::flushAndClose() {
    if (!persistent()) {
        return;
    }
    persistence_stopped_.store(false, std::memory_order_release);  // shutdown persists all
    bool clean = false;
    for (int round = 0; round < kMaxShutdownFlushRounds && !clean; ++round) {
        clean = true;
        dirty_->markAll();  // whatever is left, wherever it is
        for (const auto& shard : shards_) {
            runFlusher(*shard);
            const int64_t sleep = shard->flusher_sleep_ms.load();
            clean = clean && sleep < 0;
        }
        if (!clean) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    const fs::path directory = fs::path(store_->path()).parent_path();
    if (!clean) {
        spdlog::error(
            "{}: shutting down with changes not persisted; the next start will be "
            "treated as after a crash",
            store_->path());
        return;
    }
    // Only now is every acknowledged change on disk.
    std::ofstream(directory / kCleanShutdownMarker) << "clean\n";
    syncDirectory(directory);
}

}  // namespace eddy::engine
