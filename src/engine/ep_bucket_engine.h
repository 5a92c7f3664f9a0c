// eddy — the vbucket-aware bucket's engine class (internal to src/engine).
//
// Owns: EpBucket, the EngineIface behind createEpBucket() (ep_bucket.h describes what clients
// see), with its parts spread over
//   ep_bucket.cc         key operations, vbucket commands, SET_PARAM, pending vbuckets;
//   ep_bucket_memory.cc  the memory quota: write admission, the item pager, checkpoint memory
//                        recovery, the ephemeral tombstone purger, configuration listeners;
//   ep_bucket_persistence.cc  the store: warm-up, flushers, background fetches,
//                        SEQNO_PERSISTENCE, OBSERVE_SEQNO, compaction, the final flush;
//   ep_bucket_dcp.cc     DcpIface (the producer side of DCP, src/engine/dcp/), the
//                        ConnManager task, STOP/START_PERSISTENCE;
//   ep_bucket_stats.cc   the default and warmup STAT groups;
//   ep_bucket_stat_groups.cc  STAT dispatch over the stat-group table and every other group,
//                        the slow ones collected on background stat tasks
//                        (engine/stats/background_stat_task.h).
//
// Persistence. A persistent bucket with a data directory keeps a KVStore there, split into
// shards (vbucket v in shard v % shards), each with a Flusher on a WRITER task and a BgFetcher on
// a READER task. A change wakes its shard's flusher; a read of an evicted value parks the cookie
// on the shard's fetcher. At start-up warm-up restores the vbuckets from disk, then loads the
// documents on READER tasks; until it finishes key operations answer TemporaryFailure.
// Destroying the bucket stops the tasks, flushes everything left and records a clean shutdown.
//
// Memory. Every vbucket charges one BucketMemory. mem_used is compared with the quota
// (max_size) on every write: above mutation_mem_threshold percent a write fails with
// TemporaryFailure (NoMemory for an ephemeral fail_new_data bucket, where nothing will free
// memory), and above the checkpoint budget (checkpoint_memory_ratio of the quota) with
// TemporaryFailure too. Deletions are admitted up to the quota itself (and the budget). Above
// mem_high_wat a write wakes the item pager; above the checkpoint recovery upper mark it wakes
// the checkpoint remover. Both run on NONIO. So mem_used exceeds the quota by at most one
// operation per front-end thread.
//
// Thread contract: thread-safe. Front-end threads call the EngineIface methods; NONIO threads
// run the tasks; configuration listeners run on whichever thread made the change. Members are
// either immutable after construction, atomics, internally synchronised (VBucketMap, VBucket,
// BucketMemory, Configuration) or guarded by pending_mutex_.
#pragma once

#include "common/mutex.h"
#include "eddy/stat_groups.h"
#include "engine/bg_fetcher.h"
#include "engine/config/configuration.h"
#include "engine/dcp/dcp_conn_map.h"
#include "engine/ep_bucket.h"
#include "engine/flusher.h"
#include "engine/kvstore/kvstore.h"
#include "engine/stats/background_stat_task.h"
#include "engine/vbucket/bucket_memory.h"
#include "engine/vbucket/vbucket_map.h"
#include "executor/task.h"
#include "executor/taskable.h"

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace eddy::engine {

/// Operation counters for STAT, spread over shards (by vbucket) so that threads working on
/// different vbuckets do not share a cache line. Relaxed: only read for STAT.
struct alignas(64) OpCounters {
    std::atomic<uint64_t> total_items{0};
    std::atomic<uint64_t> cmd_get{0};
    std::atomic<uint64_t> get_hits{0};
    std::atomic<uint64_t> get_misses{0};
    std::atomic<uint64_t> cmd_set{0};
    std::atomic<uint64_t> delete_hits{0};
    std::atomic<uint64_t> delete_misses{0};
    std::atomic<uint64_t> incr_hits{0};
    std::atomic<uint64_t> incr_misses{0};
    std::atomic<uint64_t> decr_hits{0};
    std::atomic<uint64_t> decr_misses{0};
    std::atomic<uint64_t> cas_hits{0};
    std::atomic<uint64_t> cas_misses{0};
    std::atomic<uint64_t> cas_badval{0};
    std::atomic<uint64_t> touch_hits{0};
    std::atomic<uint64_t> touch_misses{0};
    std::atomic<uint64_t> cmd_touch{0};
    std::atomic<uint64_t> cmd_flush{0};
    std::atomic<uint64_t> cmd_lock{0};
    std::atomic<uint64_t> not_my_vbucket{0};
    std::atomic<uint64_t> tmp_oom_errors{0};
    std::atomic<uint64_t> oom_errors{0};
};

/// The byte limits write admission compares with, derived from the configuration and kept
/// current by its listeners, so that a write reads a few atomics instead of recomputing them.
struct MemoryLimits {
    std::atomic<uint64_t> quota{0};
    /// mutation_mem_threshold percent of the quota.
    std::atomic<uint64_t> write_limit{0};
    std::atomic<uint64_t> high_watermark{0};
    /// checkpoint_memory_ratio of the quota, and its recovery upper mark.
    std::atomic<uint64_t> checkpoint_budget{0};
    std::atomic<uint64_t> checkpoint_upper_mark{0};
};

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
    std::atomic<uint64_t> value_ejects{0};
    std::atomic<uint64_t> compactions{0};
    std::atomic<uint64_t> tombstones_purged_on_disk{0};
};

/// What the memory tasks have done, for STAT.
struct MemoryTaskCounters {
    std::atomic<uint64_t> pager_runs{0};
    std::atomic<uint64_t> expiry_pager_runs{0};
    std::atomic<uint64_t> auto_deletes{0};
    std::atomic<uint64_t> tombstones_purged{0};
    std::atomic<uint64_t> items_rm_from_checkpoints{0};
    std::atomic<uint64_t> items_expelled{0};
    std::atomic<uint64_t> cursors_dropped{0};
    std::atomic<uint64_t> checkpoint_remover_runs{0};
};

inline void bump(std::atomic<uint64_t>& counter, uint64_t by = 1) {
    counter.fetch_add(by, std::memory_order_relaxed);
}

class EpBucket final : public EngineIface, public DcpIface, public executor::Taskable {
public:
    EpBucket(ServerApi& server, EpBucketConfig config);
    ~EpBucket() override;

    [[nodiscard]] std::string name() const override { return "bucket default"; }

    Status get(CookieIface& cookie, DocKey key, Vbid id, ItemPtr& out) override;
    Status getReplica(CookieIface& cookie, DocKey key, Vbid id, ItemPtr& out) override;
    Status getAndTouch(CookieIface& cookie, DocKey key, Vbid id, uint32_t exptime,
                       ItemPtr& out) override;
    Status store(CookieIface& cookie, const StoreRequest& request, MutationResult& result) override;
    Status remove(CookieIface& cookie, DocKey key, Vbid id, Cas cas,
                  MutationResult& result) override;
    Status arithmetic(CookieIface& cookie, const ArithmeticRequest& request, uint64_t& value,
                      MutationResult& result) override;
    Status flush(CookieIface& cookie) override;
    Status getLocked(CookieIface& cookie, DocKey key, Vbid id, uint32_t lock_seconds,
                     ItemPtr& out) override;
    Status unlock(CookieIface& cookie, DocKey key, Vbid id, Cas cas) override;
    Status setVBucketState(CookieIface& cookie, Vbid id, uint32_t wire_state) override;
    Status getVBucketState(CookieIface& cookie, Vbid id, uint32_t& state) override;
    Status deleteVBucket(CookieIface& cookie, Vbid id) override;
    Status getAllVbSeqnos(CookieIface& cookie, uint32_t state,
                          std::vector<VBucketSeqno>& out) override;
    Status getStats(CookieIface& cookie, std::string_view group, std::string_view value,
                    const AddStatFn& add_stat) override;
    Status setParameter(CookieIface& cookie, uint32_t category, std::string_view key,
                        std::string_view value, std::string& message) override;
    [[nodiscard]] bool isReady() const override {
        return warmed_up_.load(std::memory_order_acquire);
    }
    Status seqnoPersistence(CookieIface& cookie, Vbid vbucket, uint64_t seqno) override;
    Status observeSeqno(CookieIface& cookie, Vbid vbucket, uint64_t vbucket_uuid,
                        ObserveSeqnoResult& out) override;
    Status compactDatabase(CookieIface& cookie, const CompactRequest& request) override;
    Status unknownCommand(CookieIface& cookie, const EngineCommand& command,
                          const EngineResponseFn& respond) override;
    void disconnect(CookieIface& cookie) override;
    [[nodiscard]] DcpIface* dcp() override;

    // DcpIface (ep_bucket_dcp.cc)
    Status open(CookieIface& cookie, std::string_view name, uint32_t flags,
                std::string& message) override;
    Status control(CookieIface& cookie, std::string_view key, std::string_view value, bool snappy,
                   std::string& message) override;
    Status streamRequest(CookieIface& cookie, const DcpStreamRequest& request,
                         DcpStreamResponse& out, std::string& message) override;
    Status getFailoverLog(CookieIface& cookie, Vbid vbucket, std::string& out) override;
    Status closeStream(CookieIface& cookie, Vbid vbucket) override;
    Status bufferAcknowledgement(CookieIface& cookie, uint32_t bytes) override;
    Status response(CookieIface& cookie, uint8_t opcode, uint16_t status, uint32_t opaque) override;
    Status step(CookieIface& cookie, DcpMessageSink& sink) override;

private:
    /// A command parked in the bucket: waiting for a pending vbucket to change state, for a
    /// seqno to be persisted, for a compaction, or for a stat task. Compactions and stat tasks
    /// are released only by their own task (matched by token) or a disconnect, never by a
    /// vbucket state change; a stat wait has no deadline (its task always ends).
    struct PendingOp {
        enum class Kind : uint8_t {
            VBucketState,
            SeqnoPersistence,
            Compaction,
            StatTask
        };
        Vbid vbucket;
        executor::TimePoint deadline;
        Kind kind = Kind::VBucketState;
        uint64_t seqno = 0;
        /// Compaction, StatTask: identifies the task that completes it.
        const void* token = nullptr;
    };

    /// A storage shard: its flusher and background fetcher and their tasks.
    struct Shard {
        std::unique_ptr<Flusher> flusher;
        std::unique_ptr<BgFetcher> fetcher;
        std::shared_ptr<executor::Task> flusher_task;
        std::shared_ptr<executor::Task> fetcher_task;
        /// A wake-up is pending (saves repeated wake calls from every write).
        std::atomic<bool> flush_requested{false};
        std::atomic<bool> fetch_requested{false};
        /// How long the flusher sleeps after its run: 0 when changes are left.
        std::atomic<int64_t> flusher_sleep_ms{0};
        Mutex deletions_mutex;
        /// Vbuckets to delete from disk before the next flush (DEL_VBUCKET).
        std::vector<Vbid> deletions GUARDED_BY(deletions_mutex);
    };

    // ep_bucket.cc
    void startTasks(executor::ExecutorPoolIface& executor);
    std::shared_ptr<VBucket> makeVBucket(Vbid id, VBucketState state,
                                         const RestoredVBucket* restored = nullptr);
    std::shared_ptr<VBucket> active(CookieIface& cookie, Vbid id, Status& refusal);
    bool park(CookieIface& cookie, const VBucket& vbucket) EXCLUDES(pending_mutex_);
    using PendingSelector = std::function<bool(const CookieIface&, const PendingOp&)>;
    /// Completes the parked cookies `select` picks with `status` (notified outside the lock).
    void release(const PendingSelector& select, Status status) EXCLUDES(pending_mutex_);
    void releaseVBucket(Vbid id);
    void timeOutPendingOps();
    executor::TimePoint executorNow() const;
    OpCounters& countersFor(Vbid id) { return counters_[id.get() % kCounterShards]; }

    // ep_bucket_memory.cc
    [[nodiscard]] bool isEphemeral() const;
    /// Success, or the refusal of a write (and its counting) when memory is short.
    Status admitWrite(OpCounters& counters);
    /// The same for a deletion, which is admitted up to the quota itself.
    Status admitDelete(OpCounters& counters);
    void runItemPager();
    void runCheckpointRemover();
    void purgeTombstones();
    void expireItems();
    /// Recomputes limits_ from the configuration.
    void refreshLimits();
    /// Checkpoint limits from the current configuration.
    CheckpointConfig checkpointConfig() const;
    void listenToConfiguration();
    void wake(const std::shared_ptr<executor::Task>& task, std::atomic<bool>& requested);

    // ep_bucket_persistence.cc
    [[nodiscard]] bool persistent() const { return store_ != nullptr; }
    /// Opens the store (if the bucket persists) and restores the vbuckets it holds.
    void openStore();
    /// Loads the documents of `shard`'s vbuckets (a READER task, or the constructor).
    void warmupShard(size_t shard);
    void loadShard(size_t shard);
    void startPersistenceTasks(executor::ExecutorPoolIface& executor);
    Shard& shardOf(Vbid id) { return *shards_[id.get() % shards_.size()]; }
    /// A change was queued into `id`'s checkpoints: wakes its flusher.
    void notifyFlusher(Vbid id);
    void runFlusher(Shard& shard);
    /// Parks `cookie` until `key`'s value is back from disk; WouldBlock.
    Status fetchFromDisk(CookieIface& cookie, Vbid id, std::string_view key);
    void runBgFetcher(Shard& shard);
    void compactAll();
    /// Flushes every shard until nothing is left (shutdown), then records a clean shutdown.
    void flushAndClose();
    /// Completes SEQNO_PERSISTENCE waits that `persisted` satisfies.
    void persisted(Vbid id, uint64_t seqno);

    // ep_bucket_dcp.cc
    /// The producer of the cookie's connection, or nullptr (not a DCP connection).
    static dcp::DcpProducer* producerOf(CookieIface& cookie);
    void startDcpTasks(executor::ExecutorPoolIface& executor);
    void addDcpAggregates(const AddStatFn& add_stat) const;
    /// STOP_PERSISTENCE / START_PERSISTENCE.
    Status setPersistence(bool enabled);

    // ep_bucket_stats.cc
    void addDefaultStats(const AddStatFn& add_stat) const;
    void addPersistenceStats(const AddStatFn& add_stat) const;
    void addWarmupStats(const AddStatFn& add_stat) const;

    // ep_bucket_stat_groups.cc
    /// The re-drive of a background group: the result the parked task gathered (written
    /// through `add_stat`), WouldBlock if it is not done yet, or nullopt when nothing (or
    /// something for another request, now dropped) was parked.
    std::optional<Status> resumeStats(CookieIface& cookie, const StatGroupInfo& group,
                                      std::string_view args, const AddStatFn& add_stat);
    /// A group collected on a task (`id`): the first call parks a StatTaskHolder in the cookie,
    /// schedules the task and returns WouldBlock; the call after its notification writes what
    /// `collector` gathered and returns its status. Without an executor: inline.
    Status backgroundStats(CookieIface& cookie, const StatGroupInfo& group, std::string_view args,
                           executor::TaskId id, stats::StatCollector collector,
                           const AddStatFn& add_stat);
    /// A "[vb]" group: one vbucket inline (NotMyVbucket if it does not exist), or every vbucket,
    /// on a task (`id`) when the group runs in the background.
    Status perVBucketStats(CookieIface& cookie, const StatGroupInfo& group, std::string_view args,
                           std::optional<Vbid> vbucket, executor::TaskId id,
                           void (*add)(const VBucket&, const AddStatFn&),
                           const AddStatFn& add_stat);
    /// These take the cookie's address only as the key of pending_ (never dereferenced: the
    /// cookie may be gone by the time a task asks).
    void parkForStats(CookieIface* cookie, const void* token) EXCLUDES(pending_mutex_);
    /// Whether `cookie` is still parked for the task `token`.
    bool waitsForStats(CookieIface* cookie, const void* token) EXCLUDES(pending_mutex_);
    /// Takes `cookie` out of pending_ if it is parked for `token`; true if it was (the caller
    /// then completes it).
    bool unparkStats(CookieIface* cookie, const void* token) EXCLUDES(pending_mutex_);
    /// Completes the commands still parked for the stat tasks `tokens` (TemporaryFailure).
    void abandonStats(const stats::StatTaskRegistry::Tokens& tokens);
    void addMemoryStats(const AddStatFn& add_stat) const;
    /// prev-vbucket (a READER task): the persisted states, or the current ones without a store.
    Status addPrevVBucketStates(const AddStatFn& add_stat) const;
    /// kvstore (a NONIO task).
    Status addKVStoreStats(const AddStatFn& add_stat) const;
    Status keyStats(Vbid id, std::string_view key, const AddStatFn& add_stat);
    Status vkeyStats(CookieIface& cookie, const StatGroupInfo& group, std::string_view args,
                     Vbid id, std::string_view key, const AddStatFn& add_stat);
    /// STAT reset: zeroes the operation, persistence and memory-task counters and the
    /// executor's task histograms.
    void resetStats();
    [[nodiscard]] uint32_t unixNow() const;
    /// The bucket's uuid: read from the data directory's bucket_uuid file, or made (128 random
    /// bits, 32 hex digits) and written there; only made, for a bucket without a directory.
    static std::string loadOrMakeUuid(const EpBucketConfig& config,
                                      const config::Configuration& configuration);

    static constexpr size_t kCounterShards = 16;

    ServerApi& server_;
    const EpBucketConfig config_;
    config::Configuration configuration_;
    const VBucketConfig vbucket_config_;
    HybridLogicalClock clock_;
    Mutex pending_mutex_;
    std::unordered_map<CookieIface*, PendingOp> pending_ GUARDED_BY(pending_mutex_);
    /// Declared before vbuckets_: every vbucket charges it until destroyed.
    BucketMemory memory_;
    /// DCP producers and the streams of each vbucket; declared before vbuckets_, whose change
    /// listeners notify it.
    dcp::DcpConnMap dcp_conns_;
    std::atomic<uint64_t> dcp_running_backfills_{0};
    /// STOP_PERSISTENCE: the flushers leave the checkpoints alone until START_PERSISTENCE.
    std::atomic<bool> persistence_stopped_{false};
    /// The store, when the bucket persists; declared before vbuckets_ (fetchers read both).
    std::unique_ptr<KVStore> store_;
    std::vector<std::unique_ptr<Shard>> shards_;
    /// The vbuckets with changes not yet read by their flusher (persistent buckets).
    std::unique_ptr<DirtyVBuckets> dirty_;
    VBucketMap vbuckets_;
    /// False until warm-up has loaded every document.
    std::atomic<bool> warmed_up_{true};
    /// Whether the previous run of this bucket's store ended cleanly.
    bool clean_start_ = true;
    WarmupProgress warmup_;
    PersistenceCounters persistence_counters_;
    std::array<OpCounters, kCounterShards> counters_;
    MemoryTaskCounters task_counters_;
    MemoryLimits limits_;
    std::vector<config::Configuration::ListenerId> listeners_;
    /// Set once at start (startTasks), read by writers to wake them.
    std::shared_ptr<executor::Task> item_pager_;
    std::shared_ptr<executor::Task> checkpoint_remover_;
    /// A wake-up was asked for and the task has not run since (saves repeated wake calls).
    std::atomic<bool> pager_wake_requested_{false};
    std::atomic<bool> remover_wake_requested_{false};
    /// Made or read once, at construction (STAT uuid).
    const std::string uuid_ = loadOrMakeUuid(config_, configuration_);
    /// Stat tasks that have not run. Declared last, so destroyed first: after the destructor
    /// has unregistered from the executor, which drops the tasks that never ran; their commands
    /// are then completed with TemporaryFailure (abandonStats).
    stats::StatTaskRegistry stat_tasks_{
        [this](const stats::StatTaskRegistry::Tokens& tokens) { abandonStats(tokens); }};
};

}  // namespace eddy::engine
