// BucketPersistence: opening the store, the flushers and background fetchers,
// SEQNO_PERSISTENCE, compaction, STOP/START_PERSISTENCE and the final flush
// (bucket_persistence.h). Warm-up is in bucket_warmup.cc, the stats in
// bucket_persistence_stats.cc.
#include "engine/bucket_persistence.h"

#include "common/clock.h"
#include "engine/bucket_tasks.h"
#include "engine/store_directory.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <thread>

namespace eddy::engine {

namespace {

/// Flush rounds at shutdown before giving up on a store that keeps failing.
constexpr int kMaxShutdownFlushRounds = 100;
/// How long a flusher waits before retrying a failed commit or vbucket deletion.
constexpr int64_t kRetryAfterFailureMs = 1000;

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

void PersistenceCounters::reset() {
    for (std::atomic<uint64_t>* counter :
         {&flusher_commits, &flusher_failed_commits, &items_persisted, &bg_fetches, &bg_fetched,
          &compactions, &tombstones_purged_on_disk}) {
        counter->store(0, std::memory_order_relaxed);
    }
}

BucketPersistence::BucketPersistence(Environment environment) : env_(std::move(environment)) {
    if (!env_.directory.empty()) {
        openStore();
    }
}

BucketPersistence::~BucketPersistence() = default;

void BucketPersistence::startTasks(executor::ExecutorPoolIface& executor) {
    if (!enabled()) {
        return;
    }
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    for (size_t index = 0; index < shards_.size(); ++index) {
        Shard& shard = *shards_[index];
        shard.flusher_task = std::make_shared<PeriodicTask>(
            env_.taskable, executor::TaskId::FlusherTask,
            fmt::format("Running a flusher loop: shard {}", index),
            [&shard]() -> executor::Clock::duration {
                const int64_t sleep = shard.flusher_sleep_ms.load();
                return sleep < 0 ? executor::kSnoozeForever : milliseconds(sleep);
            },
            [this, &shard] { runFlusher(shard); });
        executor.schedule(shard.flusher_task);
        shard.fetcher_task = std::make_shared<PeriodicTask>(
            env_.taskable, executor::TaskId::MultiBGFetcherTask,
            fmt::format("Batching background fetch: shard {}", index),
            []() -> executor::Clock::duration { return executor::kSnoozeForever; },
            [this, &shard] { runBgFetcher(shard); });
        executor.schedule(shard.fetcher_task);
        executor.schedule(std::make_shared<OneShotTask>(env_.taskable, executor::TaskId::WarmupTask,
                                                        fmt::format("Warming up shard {}", index),
                                                        [this, index] { warmupShard(index); }));
    }
    executor.schedule(std::make_shared<PeriodicTask>(
        env_.taskable, executor::TaskId::CompactVBucketTask, "Compacting every vbucket",
        [this] {
            const uint64_t interval = env_.configuration.getAutoCompactionInterval();
            return seconds(interval == 0 ? 3600 : interval);  // 0: disabled, look again later
        },
        [this] {
            if (env_.configuration.getAutoCompactionInterval() != 0) {
                compactAll();
            }
        }));
}

void BucketPersistence::vbucketChanged(Vbid id) {
    if (!enabled()) {
        return;
    }
    dirty_->mark(id);
    Shard& shard = shardOf(id);
    if (shard.flusher_task && !shard.flush_requested.exchange(true, std::memory_order_acq_rel)) {
        shard.flusher_task->wakeUp();
    }
}

void BucketPersistence::collectionsDropped() {
    if (!enabled()) {
        return;
    }
    for (const auto& shard : shards_) {
        if (shard->flusher_task &&
            !shard->flush_requested.exchange(true, std::memory_order_acq_rel)) {
            shard->flusher_task->wakeUp();
        }
    }
}

void BucketPersistence::vbucketDeleted(Vbid id) {
    if (!enabled()) {
        return;
    }
    // The shard's flusher deletes it from disk (unless a vbucket of that id exists again by
    // then: its first batch wipes the old data itself).
    Shard& shard = shardOf(id);
    {
        MutexLock lock(shard.deletions_mutex);
        shard.deletions.push_back(id);
    }
    vbucketChanged(id);
}

bool BucketPersistence::deleteQueuedVBuckets(Shard& shard) {
    std::vector<Vbid> deletions;
    {
        MutexLock lock(shard.deletions_mutex);
        deletions.swap(shard.deletions);
    }
    for (size_t i = 0; i < deletions.size(); ++i) {
        if (env_.vbuckets.get(deletions[i])) {
            continue;  // created again: its first batch (a reset) wipes the old data
        }
        try {
            store_->deleteVBucket(deletions[i]);
        } catch (const KVStoreError& error) {
            spdlog::error("deleting vbucket {} from disk failed, will retry: {}",
                          deletions[i].get(), error.what());
            MutexLock lock(shard.deletions_mutex);
            shard.deletions.insert(shard.deletions.begin(), deletions.begin() + i, deletions.end());
            return false;
        }
    }
    return true;
}

void BucketPersistence::runFlusher(Shard& shard) {
    shard.flush_requested.store(false, std::memory_order_release);
    if (stopped_.load(std::memory_order_acquire)) {
        // STOP_PERSISTENCE: the dirty marks stay; START_PERSISTENCE wakes the flusher.
        shard.flusher_sleep_ms.store(-1);
        return;
    }
    if (!deleteQueuedVBuckets(shard)) {
        shard.flusher_sleep_ms.store(kRetryAfterFailureMs);
        return;  // nothing newer may be written before the deletion
    }
    const size_t limit =
        std::max<uint64_t>(env_.configuration.getFlusherTotalBatchLimit() / shards_.size(), 1);
    const Flusher::Result result = shard.flusher->flush(env_.vbuckets, *dirty_, limit);
    if (result.failed) {
        bump(counters_.flusher_failed_commits);
    } else if (!result.persisted.empty()) {
        bump(counters_.flusher_commits);
    }
    bump(counters_.items_persisted, result.documents);
    for (const auto& [id, seqno] : result.persisted) {
        persisted(id, seqno);
    }
    shard.flusher_sleep_ms.store(result.failed || result.purge_failed ? kRetryAfterFailureMs
                                 : result.more                        ? 0
                                                                      : -1);
}

Status BucketPersistence::fetch(CookieIface& cookie, Vbid id, std::string_view key) {
    if (!enabled()) {
        // Nothing is evicted without a store: a vbucket asking for a fetch here is a bug.
        spdlog::error("vbucket {} asked for a background fetch in a bucket without a store",
                      id.get());
        return Status::Failed;
    }
    auto vbucket = env_.vbuckets.get(id);
    if (!vbucket) {
        return Status::NotMyVbucket;
    }
    bump(counters_.bg_fetches);
    Shard& shard = shardOf(id);
    shard.fetcher->add(std::move(vbucket), key, cookie);
    if (!shard.fetcher_task) {
        runBgFetcher(shard);  // no executor (unit tests): fetch and notify now
    } else if (!shard.fetch_requested.exchange(true, std::memory_order_acq_rel)) {
        shard.fetcher_task->wakeUp();
    }
    return Status::WouldBlock;
}

void BucketPersistence::disconnect(CookieIface& cookie) {
    for (const auto& shard : shards_) {
        if (shard->fetcher->cancel(cookie)) {
            env_.server.notifyIoComplete(cookie, Status::Disconnect);
        }
    }
}

bool BucketPersistence::fetching(const CookieIface& cookie) const {
    return std::any_of(shards_.begin(), shards_.end(),
                       [&cookie](const auto& shard) { return shard->fetcher->waits(cookie); });
}

void BucketPersistence::runBgFetcher(Shard& shard) {
    shard.fetch_requested.store(false, std::memory_order_release);
    const BgFetcher::Result result = shard.fetcher->run(env_.vbuckets);
    bump(counters_.bg_fetched, result.restored);
    if (result.restored != 0 && env_.values_restored) {
        env_.values_restored();
    }
}

void BucketPersistence::persisted(Vbid id, uint64_t seqno) {
    env_.parked.releaseIf(
        [id, seqno](const Wait& wait) {
            return wait.kind == Wait::Kind::SeqnoPersistence && wait.vbucket == id &&
                   wait.seqno <= seqno;
        },
        Status::Success);
}

Status BucketPersistence::seqnoPersistence(CookieIface& cookie, VBucket& vbucket, uint64_t seqno) {
    if (!enabled()) {
        return Status::NotSupported;
    }
    Wait wait;
    wait.kind = Wait::Kind::SeqnoPersistence;
    wait.vbucket = vbucket.id();
    wait.seqno = seqno;
    wait.deadline =
        executorNow() + std::chrono::seconds(env_.configuration.getSeqnoPersistenceTimeout());
    // The flusher raises the persisted seqno before it releases waiters (which takes the
    // registry's lock), so a wait parked here is either satisfied now or released later.
    if (!env_.parked.park(cookie, wait,
                          [&vbucket, seqno] { return vbucket.persistedSeqno() < seqno; })) {
        return Status::Success;
    }
    vbucketChanged(vbucket.id());
    return Status::WouldBlock;
}

executor::TimePoint BucketPersistence::executorNow() const {
    return env_.executor != nullptr ? env_.executor->now() : executor::Clock::now();
}

uint32_t BucketPersistence::purgeBefore() const {
    const uint32_t now = env_.now ? env_.now() : clock::unixNow();
    const uint64_t age = env_.configuration.getPersistentMetadataPurgeAge();
    return now > age ? static_cast<uint32_t>(now - age) : 0;
}

bool BucketPersistence::compactVBucket(Vbid id, uint32_t purge_before) {
    try {
        const CompactionResult result = store_->compact(id, purge_before);
        if (auto vbucket = env_.vbuckets.get(id)) {
            vbucket->setPurgeSeqno(static_cast<uint64_t>(result.purge_seqno));
        }
        bump(counters_.compactions);
        bump(counters_.tombstones_purged_on_disk, result.tombstones_purged);
        return true;
    } catch (const KVStoreError& error) {
        spdlog::error("compaction of vbucket {} failed: {}", id.get(), error.what());
        return false;
    }
}

Status BucketPersistence::compact(CookieIface& cookie, const CompactRequest& request) {
    if (!enabled()) {
        return Status::NotSupported;
    }
    if (auto parked = cookie.takeEngineStorage()) {
        if (auto* done = dynamic_cast<CompactionStorage*>(parked.get())) {
            return done->outcome->status.load();
        }
    }
    if (!ready()) {
        return Status::TemporaryFailure;
    }
    if (!env_.vbuckets.get(request.vbucket)) {
        return Status::NotMyVbucket;
    }
    uint32_t purge_before = purgeBefore();
    if (request.drop_deletes) {
        purge_before = std::numeric_limits<uint32_t>::max();
    } else if (request.purge_before_ts != 0) {
        purge_before = static_cast<uint32_t>(
            std::min<uint64_t>(request.purge_before_ts, std::numeric_limits<uint32_t>::max()));
    }
    auto outcome = std::make_shared<CompactionOutcome>();
    auto compact = [this, id = request.vbucket, purge_before, outcome] {
        if (!compactVBucket(id, purge_before)) {
            outcome->status.store(Status::Failed);
        }
    };
    if (env_.executor == nullptr) {
        compact();
        return outcome->status.load();
    }
    Wait compaction;
    compaction.kind = Wait::Kind::Compaction;
    compaction.vbucket = request.vbucket;
    compaction.token = outcome.get();
    env_.parked.park(cookie, compaction);
    cookie.setEngineStorage(std::make_unique<CompactionStorage>(outcome));
    env_.executor->schedule(std::make_shared<OneShotTask>(
        env_.taskable, executor::TaskId::CompactVBucketTask,
        fmt::format("Compact DB file {}", request.vbucket.get()), [this, compact, outcome] {
            compact();
            // The command runs again and reads the outcome from its engine storage.
            env_.parked.releaseIf(
                [token = outcome.get()](const Wait& wait) {
                    return wait.kind == Wait::Kind::Compaction && wait.token == token;
                },
                Status::Success);
        }));
    return Status::WouldBlock;
}

void BucketPersistence::compactAll() {
    const uint32_t purge_before = purgeBefore();
    env_.vbuckets.forEach(
        [&](VBucket& vbucket) { (void)compactVBucket(vbucket.id(), purge_before); });
}

Status BucketPersistence::setPersistence(bool enabled) {
    if (!this->enabled()) {
        return Status::NotSupported;
    }
    stopped_.store(!enabled, std::memory_order_release);
    spdlog::info("persistence {}", enabled ? "started" : "stopped");
    if (enabled) {
        dirty_->markAll();
        for (const auto& shard : shards_) {
            if (shard->flusher_task) {
                shard->flusher_task->wakeUp();
            }
        }
    }
    return Status::Success;
}

void BucketPersistence::flushAndClose() {
    if (!enabled()) {
        return;
    }
    stopped_.store(false, std::memory_order_release);  // shutdown persists all
    bool clean = false;
    for (int round = 0; round < kMaxShutdownFlushRounds && !clean; ++round) {
        clean = true;
        dirty_->markAll();  // whatever is left, wherever it is
        for (const auto& shard : shards_) {
            runFlusher(*shard);
            clean = clean && shard->flusher_sleep_ms.load() < 0;
        }
        if (!clean) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    if (!clean) {
        spdlog::error(
            "{}: shutting down with changes not persisted; the next start will be "
            "treated as after a crash",
            store_->path());
        return;
    }
    // Only now is every acknowledged change on disk.
    writeCleanShutdownMarker(env_.directory);
}

void BucketPersistence::closeWithoutFlush() {
    if (!enabled()) {
        return;
    }
    spdlog::info("{}: closed without persisting what was queued (forced deletion)", store_->path());
}

}  // namespace eddy::engine
