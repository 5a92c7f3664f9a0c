// eddy — the vbucket-aware bucket's engine class (internal to src/engine): a façade.
//
// EpBucket implements EngineIface by routing each command to the part that owns its concern:
//
//   part                 owns                                               header
//   VBucketMap           the vbuckets (state, documents, checkpoints)       vbucket/vbucket_map.h
//   ParkedCommands       every command parked in the bucket (pending       parked_commands.h
//                        vbuckets, SEQNO_PERSISTENCE, compaction, STAT
//                        tasks) and its exactly-once notification
//   BucketPersistence    the store, shards, flushers, background fetches,   bucket_persistence.h
//                        warm-up, compaction, the clean-shutdown marker
//   MemoryManager        the quota, watermarks, write admission, the item   memory_manager.h
//                        and expiry pagers, checkpoint memory recovery, the
//                        tombstone purger and the hash-table resizer
//   BucketDcp            DcpIface: DCP producers and their streams         bucket_dcp.h
//   BucketStats          STAT dispatch over the stat-group table, the       bucket_stats.h
//                        default group, the background groups, the uuid
//   BucketOpCounters     cmd_get, get_hits, ... (what the key ops count)    op_counters.h
//   BucketCollections    the dropped collections and their purge from       bucket_collections.h
//                        memory; the collections and scopes stat groups
//
// What the façade itself does: the key operations (ep_bucket_kv.cc: find the active vbucket,
// admit the write, run the VBucket operation, map its VBucketResult to a Status in one place,
// count), the vbucket commands, SET_PARAM, disconnect, and the bucket's life (ep_bucket.cc).
//
// Life. Construction: the configuration, the parts in member order, then the vbuckets (restored
// from the store, or all active), then the drop listener and the tasks. Destruction
// (~EpBucket), in this order and written out there: the collections' drop listener and the
// configuration listeners removed; unregistered from the executor (waits for
// a running task of this bucket, drops the rest); the commands of stat tasks that never ran
// completed; everything left flushed and the clean-shutdown marker written (unless
// abandonUnpersisted() said to drop it); then members go in
// reverse order: the vbuckets before the parts they call back (persistence, DCP) and before the
// BucketMemory they charge.
//
// Thread contract: thread-safe. Front-end threads call the EngineIface methods; executor threads
// run the parts' tasks; configuration listeners run on the thread that made the change. The
// façade's own members are immutable after construction; every part is thread-safe.
#pragma once

#include "engine/bucket_collections.h"
#include "engine/bucket_dcp.h"
#include "engine/bucket_persistence.h"
#include "engine/bucket_stats.h"
#include "engine/config/configuration.h"
#include "engine/ep_bucket.h"
#include "engine/memory_manager.h"
#include "engine/op_counters.h"
#include "engine/parked_commands.h"
#include "engine/vbucket/bucket_memory.h"
#include "engine/vbucket/vbucket_map.h"
#include "executor/taskable.h"

#include <memory>
#include <string>
#include <vector>

namespace eddy::engine {

class EpBucket final : public EngineIface, public executor::Taskable {
public:
    EpBucket(ServerApi& server, EpBucketConfig config);
    ~EpBucket() override;

    [[nodiscard]] std::string name() const override { return "bucket default"; }

    // Key operations (ep_bucket_kv.cc).
    Status get(CookieIface& cookie, DocKey key, Vbid id, ItemPtr& out) override;
    Status getReplica(CookieIface& cookie, DocKey key, Vbid id, ItemPtr& out) override;
    Status getAndTouch(CookieIface& cookie, DocKey key, Vbid id, uint32_t exptime,
                       ItemPtr& out) override;
    Status store(CookieIface& cookie, const StoreRequest& request, MutationResult& result) override;
    Status remove(CookieIface& cookie, DocKey key, Vbid id, Cas cas,
                  MutationResult& result) override;
    Status arithmetic(CookieIface& cookie, const ArithmeticRequest& request, uint64_t& value,
                      MutationResult& result) override;
    Status getLocked(CookieIface& cookie, DocKey key, Vbid id, uint32_t lock_seconds,
                     ItemPtr& out) override;
    Status unlock(CookieIface& cookie, DocKey key, Vbid id, Cas cas) override;
    Status getMeta(CookieIface& cookie, DocKey key, Vbid id, ItemMeta& out) override;

    // The rest (ep_bucket.cc).
    Status flush(CookieIface& cookie) override;
    Status setVBucketState(CookieIface& cookie, Vbid id, uint32_t wire_state) override;
    Status getVBucketState(CookieIface& cookie, Vbid id, uint32_t& state) override;
    Status deleteVBucket(CookieIface& cookie, Vbid id) override;
    Status getAllVbSeqnos(CookieIface& cookie, uint32_t state,
                          std::vector<VBucketSeqno>& out) override;
    [[nodiscard]] std::vector<uint8_t> vbucketStates() const override;
    using EngineIface::getStats;
    Status getStats(CookieIface& cookie, const StatGroupInfo& group, const StatArgs& args,
                    const AddStatFn& add_stat) override;
    Status setParameter(CookieIface& cookie, uint32_t category, std::string_view key,
                        std::string_view value, std::string& message) override;
    [[nodiscard]] bool isReady() const override { return persistence_.ready(); }
    Status seqnoPersistence(CookieIface& cookie, Vbid vbucket, uint64_t seqno) override;
    Status observeSeqno(CookieIface& cookie, Vbid vbucket, uint64_t vbucket_uuid,
                        ObserveSeqnoResult& out) override;
    Status compactDatabase(CookieIface& cookie, const CompactRequest& request) override;
    Status unknownCommand(CookieIface& cookie, const EngineCommand& command,
                          const EngineResponseFn& respond) override;
    void disconnect(CookieIface& cookie) override;
    /// What ParkedCommands (or a background fetcher) holds the cookie for.
    [[nodiscard]] std::string describeWait(const CookieIface& cookie) override;
    [[nodiscard]] DcpIface* dcp() override;
    /// The destructor closes the store without flushing what is queued and without the
    /// clean-shutdown marker (a restart over the files warms up as after a crash).
    void abandonUnpersisted() override { abandon_unpersisted_ = true; }

private:
    void startTasks(executor::ExecutorPoolIface& executor);
    std::shared_ptr<VBucket> makeVBucket(Vbid id, VBucketState state,
                                         const RestoredVBucket* restored = nullptr);
    /// The vbucket if it exists and is active. Otherwise nullptr with `refusal` set:
    /// WouldBlock when the vbucket is pending (the cookie is parked until the state changes or
    /// pending_op_timeout passes), NotMyVbucket when it is missing or in another state,
    /// TemporaryFailure during warm-up.
    std::shared_ptr<VBucket> active(CookieIface& cookie, Vbid id, Status& refusal);
    /// active(), then memory admission for a write (a deletion's rules when `deletion`): the
    /// vbucket a change may go to, or nullptr with `refusal` set.
    std::shared_ptr<VBucket> writable(CookieIface& cookie, Vbid id, OpCounters& counters,
                                      bool deletion, Status& refusal);
    /// The one place a VBucketResult becomes a Status: a needed fetch parks the cookie on the
    /// shard's background fetcher (WouldBlock; it is notified when the document is back).
    Status toStatus(CookieIface& cookie, Vbid id, std::string_view key, VBucketResult result);
    /// Counts a finished key operation in its collection's counters (CollectionCounts).
    void countCollectionOp(VBucket& vbucket, std::string_view key, Status status,
                           CollectionCounts::Op op) const;
    /// `id` changed state or went: its parked commands run again and see that.
    void releaseVBucket(Vbid id);
    /// Hands a vbucket that left the map to a NONIO task, which frees it there.
    void freeLater(std::shared_ptr<VBucket> vbucket);
    [[nodiscard]] bool isEphemeral() const;
    /// Where a persistent bucket keeps its files (empty: nothing is stored).
    [[nodiscard]] std::string directory() const;
    [[nodiscard]] executor::TimePoint executorNow() const;

    ServerApi& server_;
    const EpBucketConfig config_;
    config::Configuration configuration_;
    HybridLogicalClock clock_;
    ParkedCommands parked_;
    /// Declared before vbuckets_: every vbucket charges it until destroyed.
    BucketMemory memory_;
    BucketOpCounters counters_;
    /// Declared before persistence_ (warm-up and the flushers read the dropped collections)
    /// and vbuckets_ (every vbucket checks them); it holds a reference to vbuckets_ that it uses
    /// only after construction.
    BucketCollections collections_;
    /// Declared before vbuckets_, whose change listeners call them; they hold a reference to
    /// vbuckets_ that they use only after construction.
    BucketPersistence persistence_;
    BucketDcp dcp_;
    VBucketMap vbuckets_;
    MemoryManager memory_manager_;
    /// Made from the configuration once memory_manager_ gives the checkpoint limits.
    const VBucketConfig vbucket_config_;
    BucketStats stats_;
    /// Set by abandonUnpersisted() on the thread that destroys the bucket, read by the
    /// destructor on that thread.
    bool abandon_unpersisted_ = false;
};

}  // namespace eddy::engine
