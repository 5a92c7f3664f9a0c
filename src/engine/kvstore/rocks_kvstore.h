// eddy — the RocksDB implementation of KVStore (layout: docs/storage_format.md).
//
// Owns: RocksKVStore, one RocksDB database in one directory with the column families documents
// (by key), by_seqno (by seqno, pointing at the key), vbstate and meta (format version 2; a
// version-1 store is upgraded when opened). Keys are opaque bytes (the engine's, which start
// with the collection id). A commit is one WriteBatch written with sync; it never reads, so an
// overwritten document leaves a stale by_seqno entry behind that scans skip (the document's
// current by_seqno differs) and compact() removes.
//
// Semantics beyond KVStore's:
// - rollback() refuses (false) for a vbucket with no persisted state, a negative seqno, or a
//   seqno below the purge seqno (purged tombstones above it could not be restored); rolling
//   back to or above the high seqno changes nothing and succeeds. On success the snapshot
//   becomes {seqno, seqno}; max_cas, the purge seqno and the failover log are kept.
// - compact() also removes stale by_seqno entries; it reclaims no disk space itself (RocksDB's
//   background compaction drops deleted entries later).
//
// Thread contract: thread-safe, as KVStore says. Per vbucket (striped by id), a Stripe's
// `write` mutex serialises the writes of a commit and of purgePrefixes with those of compact,
// rollback and deleteVBucket, and its `maintenance` mutex serialises those three with each
// other (compact
// reads a snapshot without `write`, then re-checks what it purges under it); `maintenance` is
// taken before `write`, never the reverse; nothing else is locked while either is held, and no
// callback runs under them. Reads take no eddy lock (a scan reads one RocksDB snapshot).
// Counters are relaxed atomics.
#pragma once

#include "common/mutex.h"
#include "engine/kvstore/kvstore.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Status;
class WriteBatch;
struct WriteOptions;
}  // namespace rocksdb

namespace eddy::engine {

class RocksDatabase;

class RocksKVStore final : public KVStore {
public:
    /// Opens the store; throws KVStoreError as openRocksKVStore() documents.
    RocksKVStore(std::string directory, const RocksKVStoreOptions& options);
    ~RocksKVStore() override;
    RocksKVStore(const RocksKVStore&) = delete;
    RocksKVStore& operator=(const RocksKVStore&) = delete;

    void commit(const FlushBatch& batch) override;
    /// One write per batch, synced once, after the last: a batch is still all-or-nothing, and
    /// the sync makes every earlier write of the call durable too (the WAL is sequential).
    void commit(std::span<const FlushBatch> batches) override;
    [[nodiscard]] std::optional<DiskDocument> get(Vbid vbucket, std::string_view key) override;
    void getMulti(Vbid vbucket, std::span<const std::string> keys,
                  const std::function<void(size_t index, DiskDocument&& document)>& found) override;
    void scanBySeqno(Vbid vbucket, int64_t start, int64_t end, const Visitor& visit) override;
    void scanByKey(Vbid vbucket, const Visitor& visit) override;
    [[nodiscard]] std::optional<PersistedVBucketState> getVBucketState(Vbid vbucket) override;
    [[nodiscard]] std::vector<Vbid> listVBuckets() override;
    void deleteVBucket(Vbid vbucket) override;
    [[nodiscard]] bool rollback(Vbid vbucket, int64_t seqno) override;
    CompactionResult compact(Vbid vbucket, uint32_t purge_before) override;
    size_t purgePrefixes(Vbid vbucket, std::span<const std::string> prefixes) override;
    [[nodiscard]] KVStoreStats stats(bool list_files = false) override;
    [[nodiscard]] const std::string& path() const override { return path_; }

private:
    static constexpr size_t kStripes = 1024;

    /// The locks of the vbuckets whose id is congruent modulo kStripes.
    struct Stripe {
        /// Serialises compact, rollback and deleteVBucket; taken before `write`.
        Mutex maintenance ACQUIRED_BEFORE(write);
        /// Held while a commit or a maintenance operation writes.
        Mutex write;
        /// Purge seqnos raised by compact(): a commit carrying a lower one keeps this one (its
        /// state was built before the compaction finished).
        std::unordered_map<uint16_t, int64_t> purge_floor GUARDED_BY(write);
    };

    Stripe& stripe(Vbid vbucket) { return (*stripes_)[vbucket.get() % kStripes]; }

    /// Writes `batch` (synced if `sync` and syncing is not disabled); throws KVStoreError naming
    /// `doing` and the vbucket.
    void write(std::string_view doing, Vbid vbucket, rocksdb::WriteBatch& batch, bool sync = true)
        EXCLUDES(write_mutex_);
    void commitOne(const FlushBatch& batch, bool sync);
    /// DB::Write and nothing else, never inlined: in a ThreadSanitizer report about memory
    /// RocksDB touches while it merges concurrent writers into one write group (its hand-off
    /// is uninstrumented), the innermost eddy frame is then write(), which does nothing else,
    /// so `race:eddy::engine::RocksKVStore::write(` suppresses exactly those reports.
    [[gnu::noinline]] static rocksdb::Status writeToRocksDb(rocksdb::DB& db,
                                                            const rocksdb::WriteOptions& options,
                                                            rocksdb::WriteBatch& batch);
    /// Decodes a documents-family record or throws KVStoreError (corruption).
    DiskDocument decode(Vbid vbucket, std::string_view key, std::string_view bytes) const;
    std::optional<PersistedVBucketState> readState(Vbid vbucket);
    /// Deletes every key of the vbucket in `family` into `batch`.
    void deleteAll(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* family, Vbid vbucket);

    const std::string path_;
    const bool sync_;
    std::unique_ptr<RocksDatabase> store_;

    const std::unique_ptr<std::array<Stripe, kStripes>> stripes_;
    /// Serialises every DB::Write (a leaf lock, taken inside a stripe's `write`). RocksDB would
    /// otherwise merge concurrent writers into one group in code ThreadSanitizer cannot see into;
    /// the flushers write once per run each, so that grouping would gain little.
    Mutex write_mutex_ ACQUIRED_AFTER(Stripe::write);

    std::atomic<uint64_t> commits_{0};
    std::atomic<uint64_t> documents_written_{0};
    std::atomic<uint64_t> bytes_written_{0};
    std::atomic<uint64_t> gets_{0};
    std::atomic<uint64_t> scans_{0};
};

}  // namespace eddy::engine
