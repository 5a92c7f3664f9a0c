// eddy — the flusher: moves a shard's changes from checkpoints to disk.
//
// Owns: Flusher, one per storage shard (vbucket v belongs to shard v % num_shards). flush()
// reads the persistence cursor of every vbucket of its shard, turns the changes into one
// FlushBatch per vbucket (the latest version of each key, with the vbucket's state), commits
// them all in one atomic, durable KVStore write, and then marks what it wrote as persisted:
// each document that is still at the persisted version becomes clean (evictable) or, for a
// tombstone, leaves memory, and the vbucket's persisted seqno advances. A failed commit keeps
// its batches and retries them first on the next flush (the changes left the cursor already),
// so nothing is lost or reordered; the persisted seqno does not move until they are written.
// A batch belongs to the vbucket object it was read from: if that vbucket was deleted (and
// perhaps created again under its id) the batch is dropped, never written or marked. A reset
// vbucket (FLUSH, or a new one) sends a batch with `reset` set, which wipes the stored data in
// the same atomic write as the changes that follow the reset.
//
// Dropped collections. A change to a key of a dropped collection is never written. After a
// flush whose batches were all read once the set of dropped collections had reached some
// generation (the batches kept from a failed commit included, as they are written first), the
// flusher removes the documents of every dropped collection from each vbucket of its shard
// (KVStore::purgePrefixes): nothing it writes later can bring them back. A purge that fails is
// retried on the next flush; at start-up (generation 1 when collections were dropped before)
// the first flush purges what a crash left.
//
// Thread contract: flush() is called by one thread at a time (its shard's WRITER task, or the
// bucket's shutdown after that task has stopped); everything else it touches is thread-safe.
#pragma once

#include "engine/kvstore/kvstore.h"
#include "engine/vbucket/dropped_collections.h"
#include "engine/vbucket/vbucket_map.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace eddy::engine {

/// Which vbuckets have changes their flusher has not read yet: a change marks its vbucket
/// (after queueing it), the flusher takes the mark before it reads, so it visits only those.
/// Thread contract: thread-safe (one atomic flag per vbucket id).
class DirtyVBuckets {
public:
    explicit DirtyVBuckets(size_t capacity)
        : capacity_(capacity), flags_(std::make_unique<std::atomic<bool>[]>(capacity)) {}

    void mark(Vbid id) { flags_[id.get()].store(true, std::memory_order_release); }
    /// True (and clears the mark) if `id` was marked.
    bool take(Vbid id) { return flags_[id.get()].exchange(false, std::memory_order_acq_rel); }
    void markAll() {
        for (size_t id = 0; id < capacity_; ++id) {
            flags_[id].store(true, std::memory_order_release);
        }
    }
    [[nodiscard]] size_t capacity() const { return capacity_; }

private:
    const size_t capacity_;
    std::unique_ptr<std::atomic<bool>[]> flags_;
};

class Flusher {
public:
    /// `dropped` (may be null: nothing is ever dropped) must outlive the flusher.
    Flusher(KVStore& store, size_t shard, size_t num_shards,
            const DroppedCollections* dropped = nullptr);

    struct Result {
        /// Changes written (documents after de-duplication).
        size_t documents = 0;
        /// Whether the shard's cursors still have changes (the limit was reached).
        bool more = false;
        /// Whether the commit failed (its batches are kept for the next flush).
        bool failed = false;
        /// Each vbucket whose persisted seqno moved, with the new value.
        std::vector<std::pair<Vbid, uint64_t>> persisted;
        /// Vbuckets from which documents of dropped collections were purged.
        size_t vbuckets_purged = 0;
        /// Whether that purge failed (retried on the next flush; the commit, if any, stands).
        bool purge_failed = false;
    };

    /// Flushes up to about `limit` changes of the shard's vbuckets that `dirty` marks (and
    /// marks again those it could not finish).
    Result flush(const VBucketMap& vbuckets, DirtyVBuckets& dirty, size_t limit);

    /// Drops kept (failed) batches of `vbucket`, which is being deleted from disk: they must
    /// not be written after the deletion.
    void forget(Vbid vbucket);

    [[nodiscard]] size_t shard() const { return shard_; }
    [[nodiscard]] bool owns(Vbid vbucket) const { return vbucket.get() % num_shards_ == shard_; }

    /// Commits and documents written so far, for STAT.
    [[nodiscard]] uint64_t commits() const { return commits_; }
    [[nodiscard]] uint64_t failedCommits() const { return failed_commits_; }

private:
    /// A batch and the vbucket object it was read from (a vbucket deleted and created again
    /// under the same id is another object, which this batch must not mark).
    struct Pending {
        std::shared_ptr<VBucket> vbucket;
        FlushBatch batch;
    };

    /// The batches of the dirty vbuckets, committed (flush() without the purge).
    Result flushBatches(const VBucketMap& vbuckets, DirtyVBuckets& dirty, size_t limit);
    /// The batch of one vbucket's pending changes, or nullopt when it has none.
    std::optional<FlushBatch> collect(VBucket& vbucket, size_t limit, bool& more) const;
    /// Purges the dropped collections from every vbucket of the shard; on success they are
    /// purged up to `generation`.
    void purgeDropped(const VBucketMap& vbuckets, uint64_t generation, Result& result);
    /// Marks a committed batch persisted in memory.
    static void markPersisted(VBucket& vbucket, const FlushBatch& batch);

    KVStore& store_;
    const size_t shard_;
    const size_t num_shards_;
    const DroppedCollections* const dropped_;
    /// The generation of dropped_ whose collections this shard has purged from the store.
    uint64_t purged_generation_ = 0;
    /// Batches whose commit failed, retried first.
    std::vector<Pending> retry_;
    uint64_t commits_ = 0;
    uint64_t failed_commits_ = 0;
};

}  // namespace eddy::engine
