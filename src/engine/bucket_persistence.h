// eddy — a persistent bucket's storage side: the store, its shards, flushers, background
// fetchers, warm-up, compaction and the clean-shutdown marker.
//
// Concept. The store (a KVStore in <directory>/store) is split into shards: vbucket v belongs
// to shard v % shards, each with a Flusher on a WRITER task and a BgFetcher on a READER task.
// A change wakes its shard's flusher (vbucketChanged); a read of an evicted value parks the
// cookie on the shard's fetcher (fetch). Warm-up has two phases: restoredVBuckets() reads the
// vbucket states at construction (the owner creates the vbuckets), then one READER task per
// shard loads the documents; until every shard is done ready() is false and key operations
// answer TemporaryFailure. SEQNO_PERSISTENCE waits are parked in ParkedCommands and released by
// the flusher; COMPACT_DB runs on a WRITER task and releases its command by token.
// flushAndClose() (shutdown) flushes what is left and writes the clean-shutdown marker, whose
// absence at the next start means a crash: every vbucket then starts a new failover branch.
//
// Without a directory (an ephemeral bucket, or unit tests) nothing is stored: enabled() is
// false, ready() is true, and every method is a no-op or answers NotSupported.
//
// Thread contract: thread-safe. Front-end threads call fetch, seqnoPersistence, compact,
// vbucketChanged, vbucketDeleted and the stats; each flusher and fetcher runs on one executor
// thread at a time; flushAndClose runs on the destroying thread after the executor has stopped
// this bucket's tasks. Members are immutable after construction, atomics, or guarded by a
// shard's deletions_mutex.
#pragma once

#include "common/mutex.h"
#include "eddy/engine_iface.h"
#include "engine/bg_fetcher.h"
#include "engine/config/configuration.h"
#include "engine/flusher.h"
#include "engine/hash/hlc.h"
#include "engine/kvstore/kvstore.h"
#include "engine/op_counters.h"
#include "engine/parked_commands.h"
#include "engine/vbucket/bucket_memory.h"
#include "engine/vbucket/dropped_collections.h"
#include "engine/vbucket/vbucket_map.h"
#include "executor/executor_pool_iface.h"
#include "executor/task.h"
#include "executor/taskable.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace eddy::engine {

/// Warm-up's progress, for STAT warmup.
struct WarmupProgress {
    std::atomic<uint64_t> vbuckets{0};
    std::atomic<uint64_t> keys{0};
    std::atomic<uint64_t> values{0};
    std::atomic<uint64_t> shards_done{0};
    std::atomic<int64_t> started_ns{0};
    std::atomic<int64_t> finished_ns{0};
};

/// What the flushers, fetchers and compactions have done, for STAT.
struct PersistenceCounters {
    std::atomic<uint64_t> flusher_commits{0};
    std::atomic<uint64_t> flusher_failed_commits{0};
    std::atomic<uint64_t> items_persisted{0};
    std::atomic<uint64_t> bg_fetches{0};
    std::atomic<uint64_t> bg_fetched{0};
    std::atomic<uint64_t> compactions{0};
    std::atomic<uint64_t> tombstones_purged_on_disk{0};

    void reset();
};

/// A vbucket the store holds, to be created at start.
struct StoredVBucket {
    Vbid id;
    VBucketState state;
    RestoredVBucket restored;
};

class BucketPersistence {
public:
    struct Environment {
        ServerApi& server;
        const config::Configuration& configuration;
        const BucketMemory& memory;
        VBucketMap& vbuckets;
        ParkedCommands& parked;
        /// Owner of the tasks, for the executor's bookkeeping.
        executor::Taskable& taskable;
        /// None: unit tests; warm-up, fetches and compactions run inline.
        executor::ExecutorPoolIface* executor = nullptr;
        /// The bucket's directory; empty: nothing is stored.
        std::string directory;
        /// Unix seconds (compaction's purge age).
        std::function<uint32_t()> now;
        /// Called after a background fetch restored values (memory may need paging).
        std::function<void()> values_restored;
        /// The bucket's dropped collections, whose documents the flushers purge; null: none.
        const DroppedCollections* dropped = nullptr;
    };

    /// Opens the store when the environment names a directory. Throws KVStoreError with the
    /// path and the fix when it cannot.
    explicit BucketPersistence(Environment environment);
    BucketPersistence(const BucketPersistence&) = delete;
    BucketPersistence& operator=(const BucketPersistence&) = delete;
    ~BucketPersistence();

    [[nodiscard]] bool enabled() const { return store_ != nullptr; }
    /// False while warm-up loads documents.
    [[nodiscard]] bool ready() const { return ready_.load(std::memory_order_acquire); }
    /// Whether the previous run ended with a clean shutdown (true without a store).
    [[nodiscard]] bool cleanStart() const { return clean_start_; }

    /// Warm-up, phase one: the vbuckets on disk (their states, failover logs, purge seqnos);
    /// observes their max CAS in `clock`.
    [[nodiscard]] std::vector<StoredVBucket> restoredVBuckets(HybridLogicalClock& clock);
    /// Warm-up, phase two, and the flusher, fetcher and auto-compaction tasks. Without an
    /// executor call warmupInline() instead.
    void startTasks(executor::ExecutorPoolIface& executor);
    void warmupInline();

    /// A change was queued into `id`'s checkpoints (or its state changed): wakes its flusher.
    void vbucketChanged(Vbid id);
    /// `id` left the vbucket map: its flusher deletes it from disk before writing anything newer.
    void vbucketDeleted(Vbid id);
    /// Collections were dropped: wakes every flusher, which purges their documents from disk.
    void collectionsDropped();

    /// Parks `cookie` until `key`'s document is back from disk: WouldBlock (NotMyVbucket if the
    /// vbucket went meanwhile).
    [[nodiscard]] Status fetch(CookieIface& cookie, Vbid id, std::string_view key);
    /// The connection of `cookie` is closing: its fetches are cancelled and it is notified.
    void disconnect(CookieIface& cookie);
    /// Whether `cookie` waits for a fetch (the blocked-command watchdog).
    [[nodiscard]] bool fetching(const CookieIface& cookie) const;

    /// SEQNO_PERSISTENCE: Success when `seqno` of `vbucket` is on disk, else WouldBlock until it
    /// is (or seqno_persistence_timeout passes).
    [[nodiscard]] Status seqnoPersistence(CookieIface& cookie, VBucket& vbucket, uint64_t seqno);
    /// COMPACT_DB: WouldBlock while a WRITER task compacts; the re-drive returns its outcome.
    [[nodiscard]] Status compact(CookieIface& cookie, const CompactRequest& request);
    /// STOP_PERSISTENCE / START_PERSISTENCE.
    [[nodiscard]] Status setPersistence(bool enabled);
    /// Shutdown: flushes everything left, then records a clean shutdown.
    void flushAndClose();
    /// Shutdown that drops what is not persisted (the bucket is deleted with `force`): logs it,
    /// writes nothing, and leaves no clean-shutdown marker.
    void closeWithoutFlush();

    // Stats.
    /// The persistence keys of the default group.
    void addStats(const AddStatFn& add_stat) const;
    void addWarmupStats(const AddStatFn& add_stat) const;
    /// STAT kvstore (lists the store's files: a background task).
    [[nodiscard]] Status addKVStoreStats(const AddStatFn& add_stat) const;
    /// STAT prev-vbucket: the persisted states (a background task).
    [[nodiscard]] Status addPersistedStates(const AddStatFn& add_stat) const;
    [[nodiscard]] bool persistenceStopped() const {
        return stopped_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] size_t numShards() const { return shards_.size(); }
    /// Null without a store.
    [[nodiscard]] KVStore* store() const { return store_.get(); }
    void resetCounters() { counters_.reset(); }

private:
    /// A storage shard: its flusher and background fetcher and their tasks.
    struct Shard {
        std::unique_ptr<Flusher> flusher;
        std::unique_ptr<BgFetcher> fetcher;
        std::shared_ptr<executor::Task> flusher_task;
        std::shared_ptr<executor::Task> fetcher_task;
        /// A wake-up is pending (saves repeated wake calls from every write).
        std::atomic<bool> flush_requested{false};
        std::atomic<bool> fetch_requested{false};
        /// How long the flusher sleeps after its run: 0 when changes are left, -1 forever.
        std::atomic<int64_t> flusher_sleep_ms{0};
        Mutex deletions_mutex;
        /// Vbuckets to delete from disk before the next flush (DEL_VBUCKET).
        std::vector<Vbid> deletions GUARDED_BY(deletions_mutex);
    };

    void openStore();
    void warmupShard(size_t shard);
    void loadShard(size_t shard);
    Shard& shardOf(Vbid id) { return *shards_[id.get() % shards_.size()]; }
    void runFlusher(Shard& shard);
    /// Deletes the vbuckets DEL_VBUCKET queued; false if one failed (retried later).
    bool deleteQueuedVBuckets(Shard& shard);
    void runBgFetcher(Shard& shard);
    /// Compacts one vbucket; false (logged) if the store failed.
    bool compactVBucket(Vbid id, uint32_t purge_before);
    /// Tombstones deleted before this time are purged: now minus persistent_metadata_purge_age.
    [[nodiscard]] uint32_t purgeBefore() const;
    /// Time as the executor sees it (a FakeExecutor's clock in tests): deadlines of parked
    /// commands are measured on it, since the executor's task checks them.
    [[nodiscard]] executor::TimePoint executorNow() const;
    void compactAll();
    /// Completes the SEQNO_PERSISTENCE waits that `seqno` satisfies.
    void persisted(Vbid id, uint64_t seqno);

    const Environment env_;
    std::unique_ptr<KVStore> store_;
    std::vector<std::unique_ptr<Shard>> shards_;
    /// The vbuckets with changes not yet read by their flusher.
    std::unique_ptr<DirtyVBuckets> dirty_;
    /// STOP_PERSISTENCE: the flushers leave the checkpoints alone until START_PERSISTENCE.
    std::atomic<bool> stopped_{false};
    std::atomic<bool> ready_{true};
    bool clean_start_ = true;
    WarmupProgress warmup_;
    PersistenceCounters counters_;
};

}  // namespace eddy::engine
