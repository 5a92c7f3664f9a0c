// eddy — the storage back end of a persistent bucket.
//
// Owns: KVStore, the interface the flusher, the background fetcher, warm-up, DCP backfill and
// compaction use to reach disk, and the records that cross it: DiskDocument (one document
// version as stored), PersistedVBucketState (what a vbucket must remember across a restart) and
// FlushBatch (one vbucket's documents and state, committed atomically).
//
// Semantics.
// - A store holds, per vbucket, the latest version of every key it was given (live or a
//   tombstone) and the vbucket's state. commit() writes a whole batch, documents and state, in
//   one atomic, durable step: after it returns the batch survives a crash; after a crash during
//   it, either all of the batch is there or none of it.
// - Reads see every committed batch. get() and getMulti() return tombstones too (deleted set);
//   scanBySeqno() visits the current version of every document whose by-seqno lies in the
//   range, in seqno order (a document overwritten later is visited at its newer seqno only, if
//   that is in range); scanByKey() visits every current document of a vbucket in key order.
// - rollback(vb, seqno) removes the documents whose current version is above `seqno`, when that
//   loses nothing older (see the method); compact() purges old tombstones and advances the
//   vbucket's purge seqno; purgePrefixes() removes the documents of dropped collections.
// - Errors (I/O, corruption) throw KVStoreError; its message names the store's path.
//
// Thread contract: thread-safe. Any number of threads may read while others commit; commits of
// different vbuckets may run concurrently; a single vbucket is committed by one flusher at a
// time (the caller's guarantee). Callbacks run on the calling thread and must not call back
// into the store.
#pragma once

#include "eddy/types.h"
#include "engine/vbucket/failover_table.h"
#include "engine/vbucket/vbucket_state.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::engine {

/// One version of a document as stored on disk.
struct DiskDocument {
    std::string key;
    /// Empty for a tombstone.
    std::string value;
    int64_t by_seqno = 0;
    uint64_t rev_seqno = 0;
    Cas cas = 0;
    uint32_t flags = 0;
    /// Absolute expiry in Unix seconds (0 = never); for a tombstone, its delete time.
    uint32_t expiry = 0;
    uint8_t datatype = 0;
    bool deleted = false;

    bool operator==(const DiskDocument&) const = default;
};

/// What a vbucket must remember across a restart, written with every flush batch.
struct PersistedVBucketState {
    VBucketState state = VBucketState::Dead;
    /// The highest seqno persisted.
    int64_t high_seqno = 0;
    /// The snapshot the vbucket was in at high_seqno (a replica may stop mid-snapshot).
    int64_t snapshot_start = 0;
    int64_t snapshot_end = 0;
    /// Tombstones at or below this seqno may have been purged.
    int64_t purge_seqno = 0;
    /// The largest CAS persisted (the clock must not go back after a restart).
    Cas max_cas = 0;
    /// The failover log, newest entry first.
    std::vector<FailoverEntry> failover;

    bool operator==(const PersistedVBucketState&) const = default;
};

/// One vbucket's changes and new state, committed atomically.
struct FlushBatch {
    Vbid vbucket;
    /// At most one version per key, in increasing seqno order; tombstones have `deleted` set.
    std::vector<DiskDocument> documents;
    PersistedVBucketState state;
    /// Forget everything stored for the vbucket first, in the same atomic write (the vbucket
    /// was flushed, or is a new vbucket whose id may have older data on disk).
    bool reset = false;
    /// With `reset`: the vbucket's resetsRequested() when the batch was read (the flusher
    /// reports it back once the batch is on disk; the store ignores it).
    uint64_t reset_generation = 0;
};

struct CompactionResult {
    size_t tombstones_purged = 0;
    /// The vbucket's purge seqno afterwards.
    int64_t purge_seqno = 0;
};

struct KVStoreStats {
    uint64_t commits = 0;
    uint64_t documents_written = 0;
    uint64_t bytes_written = 0;
    uint64_t gets = 0;
    uint64_t scans = 0;
    /// RocksDB's own estimates (0 when the back end has none).
    uint64_t live_data_size = 0;
    uint64_t disk_size = 0;
};

class KVStoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class KVStore {
public:
    /// Return false from a scan callback to stop the scan.
    using Visitor = std::function<bool(DiskDocument&& document)>;

    virtual ~KVStore() = default;

    /// Writes the batch's documents and state atomically and durably (synced to disk before it
    /// returns).
    virtual void commit(const FlushBatch& batch) = 0;

    /// commit() for several vbuckets at once: each batch is still all-or-nothing, and all are
    /// durable when it returns. The default commits them one by one; a store may sync once for
    /// all of them.
    virtual void commit(std::span<const FlushBatch> batches) {
        for (const FlushBatch& batch : batches) {
            commit(batch);
        }
    }

    /// The stored version of `key` (a tombstone included), or nullopt.
    [[nodiscard]] virtual std::optional<DiskDocument> get(Vbid vbucket, std::string_view key) = 0;

    /// get() for many keys at once (the background fetcher's batch); calls `found` with the
    /// index into `keys` of every key that has a stored version.
    virtual void getMulti(
        Vbid vbucket, std::span<const std::string> keys,
        const std::function<void(size_t index, DiskDocument&& document)>& found) = 0;

    /// Visits the current version of every document with start <= by_seqno <= end, in seqno
    /// order, tombstones included.
    virtual void scanBySeqno(Vbid vbucket, int64_t start, int64_t end, const Visitor& visit) = 0;

    /// Visits every current document of the vbucket (tombstones included) in key order.
    virtual void scanByKey(Vbid vbucket, const Visitor& visit) = 0;

    [[nodiscard]] virtual std::optional<PersistedVBucketState> getVBucketState(Vbid vbucket) = 0;
    /// The vbuckets that have a persisted state, in id order.
    [[nodiscard]] virtual std::vector<Vbid> listVBuckets() = 0;
    /// Forgets the vbucket: documents and state.
    virtual void deleteVBucket(Vbid vbucket) = 0;

    /// Removes every document whose current version has a seqno above `seqno` and sets the
    /// persisted high seqno to `seqno`. Only possible when no such document replaced an older
    /// version (rev_seqno 1 and not deleted): older versions are not kept, so otherwise nothing
    /// changes and it returns false (the caller then rolls back to 0: deleteVBucket).
    [[nodiscard]] virtual bool rollback(Vbid vbucket, int64_t seqno) = 0;

    /// Purges tombstones deleted before `purge_before` (Unix seconds), and anything else stale,
    /// and raises the vbucket's purge seqno to the highest purged tombstone's seqno.
    virtual CompactionResult compact(Vbid vbucket, uint32_t purge_before) = 0;

    /// Removes every document (tombstones too) of the vbucket whose key starts with one of
    /// `prefixes` (the key prefixes of dropped collections), in one atomic, durable write; their
    /// seqno-index entries become stale, for scans to skip and compact() to remove. Returns how
    /// many of the prefixes had documents (a prefix with none costs a seek and writes nothing).
    /// The caller must not commit keys with these prefixes again.
    virtual size_t purgePrefixes(Vbid vbucket, std::span<const std::string> prefixes) = 0;

    /// `list_files`: disk_size also counts files the store must list a directory to find
    /// (RocksDB's write-ahead logs); without it the call reads counters and properties only,
    /// cheap enough for the default STAT group.
    [[nodiscard]] virtual KVStoreStats stats(bool list_files = false) = 0;
    /// The directory the store lives in (for messages).
    [[nodiscard]] virtual const std::string& path() const = 0;
};

struct RocksKVStoreOptions {
    /// Create the directory (and the store) when missing.
    bool create_if_missing = true;
    /// Memtable size per column family; small values make tests flush to SST files sooner.
    size_t write_buffer_size = 64 * 1024 * 1024;
    /// Skip fsync on commit (benchmarks of the non-durable path only; never in the server).
    bool disable_sync = false;
    /// Entries per batch when a format-version-1 store is upgraded at open (a batch also ends
    /// at 4 MiB; docs/storage_format.md, "Changing the format"). Tests make it small.
    size_t upgrade_batch_entries = 4096;
    /// For tests only (leave it empty): called by the upgrade of a version-1 store after each
    /// batch it has written and synced, with the number of copy batches this open has written;
    /// `version_written` is true once, after the batch that wrote format version 2 (the
    /// version-1 families are not dropped yet). A crash test kills the process from here.
    std::function<void(uint64_t batches, bool version_written)> upgrade_test_hook;
};

/// Opens (creating when allowed and missing) a RocksDB store in `directory`, upgrading a
/// format-version-1 store to version 2 in place first (logged; resumable after a crash).
/// Throws KVStoreError naming the path and what to do when the directory is unreadable, holds
/// a format version this eddy does not read or another kind of data, or is corrupt.
[[nodiscard]] std::unique_ptr<KVStore> openRocksKVStore(const std::string& directory,
                                                        const RocksKVStoreOptions& options = {});

}  // namespace eddy::engine
