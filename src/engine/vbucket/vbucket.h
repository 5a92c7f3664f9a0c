// eddy — one vbucket: a partition of a bucket's key space with its own state and history.
//
// Semantics. A VBucket holds the documents of its keys in a HashTable (live records and
// tombstones), numbers every change with a by-seqno (strictly increasing within the vbucket;
// highSeqno() is the last one), stamps it with a CAS from the bucket's hybrid logical clock, and
// names its current history branch with the failover table (a new entry each time it becomes
// active). Key operations follow memcached/Couchbase semantics: CAS checks, add/replace/append/
// prepend, counters, touch, expiry checked on access (an expired document becomes a tombstone,
// with its own seqno, the first time anyone looks), and GET_LOCKED: a locked document hides its
// CAS from readers (they see kLockedCas), refuses mutations that do not carry the lock's CAS
// (Locked), and unlocks on such a mutation, on UNLOCK with that CAS, or when the lock expires.
//
// Whether the vbucket may serve a request (state active, replica for GET_REPLICA) is decided by
// the caller (the bucket), which also maps vbucket-level results to client statuses.
//
// Every change (mutation, deletion, expiry) is queued into the vbucket's CheckpointManager,
// which gives it its seqno; the flusher and DCP streams read the changes from there. A tombstone
// keeps the time of its deletion in its expiry field (what DCP sends as the delete time and
// what the tombstone purger ages).
//
// Parameters: the bucket's live Configuration is read at each use, so a SET_PARAM applies to the
// next operation: max_item_size bounds every stored value (TooBig), max_ttl bounds the expiry of
// every write (a document written with no expiry or a later one expires max_ttl seconds after
// the write, as in kv_engine), and bfilter_enabled (full eviction) decides whether the Bloom
// filter may spare a disk read for a key not in memory (the filter is kept up to date either
// way, so turning it back on needs no rebuild).
//
// Collections: every key starts with its collection id. CollectionCounts keeps each collection's
// live documents (and the bucket counts its operations there). A key of a dropped collection
// (VBucketConfig::dropped) is never written, loaded or fetched back: a store or counter on one
// answers TemporaryFailure (a command that passed the front end's collection check just before
// the drop; its retry gets UnknownCollection there), and purgeCollections() removes what the
// collection left in memory.
//
// Memory: with a BucketMemory, values, records and checkpoints are charged to it (see
// bucket_memory.h). The item pager's passes (pageOut) and the ephemeral tombstone purger
// (purgeTombstones) free memory from here.
//
// Implementation. Each operation holds its key's hash-table stripe for its whole
// read-modify-write, so it is atomic per key, and queues its change into the checkpoint while
// still holding it (the checkpoint lock is a leaf lock taken inside the stripe), so per key the
// seqno order is the order of changes. State and failover table are guarded by state_mutex_
// (the state is also mirrored in an atomic for the lock-free read on every request).
//
// Thread contract: thread-safe.
#pragma once

#include "common/mutex.h"
#include "eddy/engine_iface.h"
#include "engine/checkpoint/checkpoint_manager.h"
#include "engine/config/configuration.h"
#include "engine/hash/hash_table.h"
#include "engine/hash/hlc.h"
#include "engine/vbucket/bloom_filter.h"
#include "engine/vbucket/bucket_memory.h"
#include "engine/vbucket/collection_counts.h"
#include "engine/vbucket/dropped_collections.h"
#include "engine/vbucket/failover_table.h"
#include "engine/vbucket/vbucket_result.h"
#include "engine/vbucket/vbucket_state.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::engine {

/// The CAS a reader sees for a locked document.
inline constexpr Cas kLockedCas = ~Cas{0};

struct VBucketConfig {
    HashTable::Config hash_table;
    size_t max_failover_entries = FailoverTable::kDefaultMaxEntries;
    /// The bucket's parameters, read at every use (max_item_size, max_ttl, bfilter_enabled);
    /// must outlive the vbucket. Null = every parameter at its default.
    const config::Configuration* parameters = nullptr;
    /// GET_LOCKED: lock time when the request asks for 0, and the most it may ask for.
    uint32_t default_lock_seconds = 15;
    uint32_t max_lock_seconds = 30;
    CheckpointConfig checkpoint;
    /// Persistent buckets: checkpoints keep every change until the flusher's cursor passes it.
    bool persistence_cursor = true;
    /// item_eviction_policy=full_eviction (with a store): the pager may drop whole clean
    /// documents, and an operation on a key not in memory looks on disk first unless the
    /// vbucket's Bloom filter says the disk cannot have it.
    bool full_eviction = false;
    /// Bits of that Bloom filter.
    size_t bloom_filter_bits = 128 * 1024;
    /// The bucket's dropped collections (must outlive the vbucket); null: none is ever dropped.
    const DroppedCollections* dropped = nullptr;
};

/// What a vbucket resumes from after a restart (warm-up reads it from disk).
struct RestoredVBucket {
    int64_t high_seqno = 0;
    Cas max_cas = 0;
    int64_t purge_seqno = 0;
    /// Newest first; must not be empty.
    std::vector<FailoverEntry> failover;
    /// Start a new failover branch at high_seqno (the previous shutdown was not clean, so
    /// changes after the last persisted one may be lost).
    bool new_branch = false;
};

/// One document read from disk at warm-up.
struct LoadedDocument {
    std::string_view key;
    /// Resident only when `resident`; otherwise the value stays on disk (fetched on demand).
    std::string_view value;
    bool resident = true;
    uint32_t flags = 0;
    uint32_t expiry = 0;
    Cas cas = 0;
    uint8_t datatype = 0;
    int64_t by_seqno = 0;
    uint64_t rev_seqno = 0;
};

/// What one item-pager pass over a vbucket did.
struct PageOutResult {
    size_t visited = 0;
    size_t evicted = 0;
    /// Bytes of the values the hash table let go (freed unless a checkpoint still holds them).
    size_t value_bytes = 0;
};

/// What purgeCollections() removed from one vbucket.
struct CollectionPurgeResult {
    /// Records (documents and tombstones) removed from memory.
    size_t records = 0;
    /// Live documents of the dropped collections, in memory or on disk only.
    int64_t items = 0;
};

/// A copy of one document version, taken under the lock (the value bytes are shared).
struct Document {
    std::string key;
    BlobPtr value;
    uint32_t flags = 0;
    uint32_t expiry = 0;
    Cas cas = 0;
    uint8_t datatype = 0;
    int64_t by_seqno = 0;
    uint64_t rev_seqno = 0;
};

/// What a mutation reports (for MutationSeqno extras and DCP).
struct MutationInfo {
    Cas cas = 0;
    uint64_t seqno = 0;
    uint64_t vbucket_uuid = 0;
};

class VBucket {
public:
    /// `memory` (may be null) is charged with this vbucket's memory and must outlive it;
    /// `restored` (may be null) continues a vbucket read from disk.
    VBucket(Vbid id, VBucketState state, const VBucketConfig& config, HybridLogicalClock& clock,
            std::function<uint32_t()> now, BucketMemory* memory = nullptr,
            const RestoredVBucket* restored = nullptr);
    ~VBucket();
    VBucket(const VBucket&) = delete;
    VBucket& operator=(const VBucket&) = delete;

    [[nodiscard]] Vbid id() const { return id_; }
    [[nodiscard]] VBucketState state() const { return state_.load(std::memory_order_acquire); }
    /// Changes the state; becoming active starts a new failover branch at the high seqno.
    void setState(VBucketState state) EXCLUDES(state_mutex_);

    [[nodiscard]] uint64_t highSeqno() const {
        return static_cast<uint64_t>(checkpoints_.highSeqno());
    }
    /// The uuid of the current branch.
    [[nodiscard]] uint64_t uuid() const { return uuid_.load(std::memory_order_acquire); }
    [[nodiscard]] std::vector<FailoverEntry> failoverEntries() const EXCLUDES(state_mutex_);
    /// The failover log in DCP wire form.
    [[nodiscard]] std::string failoverLogWire() const EXCLUDES(state_mutex_);
    /// Whether a DCP stream request from `position` must roll back (FailoverTable's rules
    /// against this vbucket's high and purge seqnos).
    [[nodiscard]] RollbackDecision needsRollback(const StreamPosition& position) const
        EXCLUDES(state_mutex_);

    [[nodiscard]] HashTable& hashTable() { return table_; }
    [[nodiscard]] const HashTable& hashTable() const { return table_; }
    [[nodiscard]] CheckpointManager& checkpointManager() { return checkpoints_; }
    [[nodiscard]] const CheckpointManager& checkpointManager() const { return checkpoints_; }

    /// KeyNotFound if absent, deleted or expired. An expired document is turned into a
    /// tombstone unless `expire` is false (a replica's documents expire through its active).
    VBucketResult get(std::string_view key, Document& out, bool expire = true);
    /// GET_META: the metadata of the live document, or of its tombstone (`deleted`); an
    /// expired document becomes a tombstone first. KeyNotFound if it never existed (or its
    /// tombstone was purged); a background fetch if only the disk can tell. A locked document
    /// shows kLockedCas.
    VBucketResult getMeta(std::string_view key, ItemMeta& out);
    /// Sets a new expiry (TOUCH, GAT): a mutation, with a new CAS and seqno.
    VBucketResult getAndTouch(std::string_view key, uint32_t exptime, Document& out,
                              MutationInfo& info);
    VBucketResult store(const StoreRequest& request, MutationInfo& info);
    VBucketResult remove(std::string_view key, Cas cas, MutationInfo& info);
    /// INCREMENT / DECREMENT; `created` tells whether the counter did not exist before.
    VBucketResult arithmetic(const ArithmeticRequest& request, uint64_t& value, MutationInfo& info,
                             bool& created);
    /// GET_LOCKED for `lock_seconds` (0 = the default; more than the maximum = InvalidArguments).
    /// Locked if it already is. The returned CAS unlocks it.
    VBucketResult getLocked(std::string_view key, uint32_t lock_seconds, Document& out);
    /// UNLOCK: Locked if `cas` is not the lock's CAS, LockedTmpfail if the document is not
    /// locked, KeyNotFound if absent.
    VBucketResult unlock(std::string_view key, Cas cas);

    /// Turns every live document whose expiry has passed into a tombstone (the expiry pager's
    /// sweep; readers do the same lazily on access). Returns how many.
    size_t expireDueItems();

    /// Item pager, one pass of whole-document eviction (ephemeral auto_delete): every live,
    /// unlocked document whose access frequency is 0 is deleted (a Deletion is queued, so DCP
    /// sees it); the others have their frequency lowered by one. `stop` is asked after each
    /// deletion with the value bytes released so far and ends the pass when it says enough.
    PageOutResult deleteColdItems(const std::function<bool(size_t value_bytes)>& stop);

    /// Ephemeral tombstone purger: removes tombstones deleted at or before `deleted_before`
    /// (Unix seconds) from the hash table. Returns how many.
    size_t purgeTombstones(uint32_t deleted_before);

    /// FLUSH: forgets every document and every queued change; seqnos go on from the high seqno,
    /// on a new history (a failover table of one fresh entry: DCP consumers of the old one
    /// roll back to 0). With a store, what it holds goes with the flusher's next batch.
    void reset() EXCLUDES(state_mutex_);
    /// Resets so far, and the flusher's record of those whose store deletion is on disk.
    [[nodiscard]] uint64_t resetsRequested() const {
        return resets_requested_.load(std::memory_order_acquire);
    }
    void setResetsPersisted(uint64_t resets) {
        resets_persisted_.store(resets, std::memory_order_release);
    }
    /// A reset whose deletion has not reached the store yet: a disk read may see old data.
    [[nodiscard]] bool storeResetPending() const {
        return resets_persisted_.load(std::memory_order_acquire) < resetsRequested();
    }

    // Persistence (persistent buckets).

    /// The highest seqno the flusher has persisted.
    [[nodiscard]] uint64_t persistedSeqno() const {
        return persisted_seqno_.load(std::memory_order_acquire);
    }
    /// Raises the persisted seqno (never lowers it). One writer: the vbucket's flusher.
    void setPersistedSeqno(uint64_t seqno) {
        if (seqno > persisted_seqno_.load(std::memory_order_acquire)) {
            persisted_seqno_.store(seqno, std::memory_order_release);
        }
    }
    /// The largest CAS of any change queued (or restored from disk), for the persisted state.
    [[nodiscard]] Cas maxCas() const { return max_cas_.load(std::memory_order_acquire); }

    /// Called after every change queued into the checkpoints (a persistent bucket wakes its
    /// flusher), on the thread that made it, with the key's stripe held: it must be quick and
    /// take no lock that is held while calling into this vbucket. Set before the vbucket is
    /// shared.
    void setChangeListener(std::function<void()> listener) { on_change_ = std::move(listener); }
    /// Tombstones at or below this seqno may have been purged from disk.
    [[nodiscard]] uint64_t purgeSeqno() const {
        return purge_seqno_.load(std::memory_order_acquire);
    }
    void setPurgeSeqno(uint64_t seqno) { purge_seqno_.store(seqno, std::memory_order_release); }

    /// The flusher persisted `key` at `seqno`: if that is still its current version the record
    /// becomes clean (evictable), and a persisted tombstone leaves memory altogether.
    void markPersisted(std::string_view key, int64_t seqno);

    /// A background fetch found `key` on disk as `stored` (nullptr: not there). A record
    /// without its value (value eviction) gets it back if it is still that version. With full
    /// eviction, a key not in memory is brought back: the document, clean, or a clean tombstone
    /// that records that the key does not exist (so the operation that asked runs without
    /// another fetch). True if the key is now in memory. `epoch` is fetchEpoch() from before the
    /// disk read: if the vbucket was reset or evicted a document since, the read may be stale
    /// and nothing is inserted (false).
    bool restoreFetched(std::string_view key, const LoadedDocument* stored, bool deleted,
                        uint64_t epoch);
    /// Changes whenever what the disk may hold for a key stops being what a read started
    /// earlier would see (a reset, a full eviction).
    [[nodiscard]] uint64_t fetchEpoch() const {
        return fetch_epoch_.load(std::memory_order_acquire);
    }

    /// Full eviction: live documents that are on disk only (counted in curr_items).
    [[nodiscard]] uint64_t numEvicted() const { return evicted_.load(std::memory_order_relaxed); }

    /// Whether a read of `key` must fetch from disk: a live document without its value, or (full
    /// eviction) a key not in memory that the disk may have.
    [[nodiscard]] bool needsFetch(std::string_view key);

    /// Warm-up: inserts a clean document read from disk (ignored if the key is in memory).
    void loadDocument(const LoadedDocument& document);

    /// Item pager, value eviction: drops the values of clean, unlocked documents whose access
    /// frequency is 0 (they stay on disk), lowering the others' frequency; `stop` as for
    /// deleteColdItems. With full eviction the whole record goes (and clean tombstones too).
    PageOutResult ejectColdValues(const std::function<bool(size_t value_bytes)>& stop);

    /// Removes every record of the collections `dropped` (sorted ids, each already in the
    /// DroppedCollections this vbucket checks), one stripe at a time, and forgets their counts;
    /// with full eviction, their documents on disk only stop counting as evicted. The purge
    /// task runs it after a drop; the store's copies are the flusher's to purge.
    CollectionPurgeResult purgeCollections(std::span<const collections::CollectionId> dropped);
    /// Live documents and operations per collection.
    [[nodiscard]] const CollectionCounts& collectionCounts() const { return collections_; }
    [[nodiscard]] CollectionCounts& collectionCounts() { return collections_; }

    /// Expired documents turned into tombstones so far.
    [[nodiscard]] uint64_t numExpired() const { return expired_.load(std::memory_order_relaxed); }

private:
    /// Full eviction: `key` is not in memory and the disk may have it (a fetch must come first).
    [[nodiscard]] bool mustFetch(const HashBucketLock& lock, std::string_view key);
    /// What an operation answers for a key with no live record: bgFetch() when mustFetch,
    /// otherwise KeyNotFound.
    [[nodiscard]] VBucketResult absent(const HashBucketLock& lock, std::string_view key);
    /// Whether `key` belongs to a dropped collection.
    [[nodiscard]] bool dropped(std::string_view key) const {
        return config_.dropped != nullptr && config_.dropped->containsKey(key);
    }
    /// Raises maxCas() to `cas` if it is larger.
    void noteCas(Cas cas);
    /// A clean record of a document read from disk (with its value when `resident`).
    [[nodiscard]] std::unique_ptr<StoredValue> cleanRecord(const LoadedDocument& document,
                                                           bool resident);
    PageOutResult evictColdRecords(const std::function<bool(size_t bytes)>& stop);
    /// The live, unexpired record of `key`, or nullptr; expires it on the way if due.
    StoredValue* findLive(const HashBucketLock& lock, std::string_view key, uint32_t now);
    /// Stamps a changed record with a new CAS, queues the change `op` (which gives its seqno),
    /// marks the record dirty and fills `info`. The caller set its revision.
    void stamp(StoredValue& record, QueueOp op, MutationInfo& info);
    /// A new value blob charged to the bucket's value memory.
    [[nodiscard]] BlobPtr makeBlob(std::string_view bytes);
    /// Writes `value` (and the metadata in `request`-like form) into the live record or the
    /// tombstone of the key, or a new record; stamps it.
    void install(const HashBucketLock& lock, StoredValue* existing, std::string_view key,
                 BlobPtr value, uint32_t flags, uint32_t expiry, uint8_t datatype,
                 MutationInfo& info);
    /// Turns `record` into a tombstone with a new seqno; `op` is Deletion or Expiration.
    void tombstone(const HashBucketLock& lock, StoredValue& record, QueueOp op, uint32_t now,
                   MutationInfo& info);
    static Document copyOf(const StoredValue& record, bool hide_cas);
    Status checkLock(const StoredValue& record, Cas cas, uint32_t now) const;
    /// `expiry` (absolute, 0 = never) bounded by max_ttl for a write made at `now`.
    [[nodiscard]] uint32_t withMaxTtl(uint32_t expiry, uint32_t now) const;

    const Vbid id_;
    const VBucketConfig config_;
    const config::Configuration& parameters_;
    HybridLogicalClock& clock_;
    const std::function<uint32_t()> now_;
    BucketMemory* const memory_;
    HashTable table_;
    CheckpointManager checkpoints_;
    CollectionCounts collections_;
    std::atomic<uint64_t> expired_{0};
    std::atomic<uint64_t> persisted_seqno_{0};
    std::atomic<Cas> max_cas_{0};
    /// Full eviction only: the keys on disk.
    std::unique_ptr<BloomFilter> bloom_;
    std::atomic<uint64_t> evicted_{0};
    std::atomic<uint64_t> fetch_epoch_{0};
    std::atomic<uint64_t> resets_requested_{0};
    std::atomic<uint64_t> resets_persisted_{0};
    std::function<void()> on_change_;
    std::atomic<uint64_t> purge_seqno_{0};
    std::atomic<VBucketState> state_;
    /// The current branch's uuid, mirrored from failover_ for lock-free reads.
    std::atomic<uint64_t> uuid_{0};
    mutable Mutex state_mutex_;
    FailoverTable failover_ GUARDED_BY(state_mutex_);
};

}  // namespace eddy::engine
