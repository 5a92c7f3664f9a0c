// RocksKVStore: deleteVBucket, rollback, compact, purgePrefixes and stats (the rest is in
// rocks_kvstore.cc).

#include "engine/kvstore/disk_format.h"
#include "engine/kvstore/rocks_iterator.h"
#include "engine/kvstore/rocks_kvstore.h"
#include "engine/kvstore/rocks_open.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <utility>

namespace eddy::engine {
namespace {

/// Keys looked up per MultiGet by rollback and compact.
constexpr size_t kLookupBatch = 256;

/// Looks `keys` up in `family` (the latest state) in batches; calls `each(index, bytes)` with
/// the stored bytes of every key found (bytes are valid during the call only).
template <typename Each>
void lookUp(const std::string& path, rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family,
            const std::vector<std::string>& keys, Each&& each) {
    std::vector<rocksdb::Slice> slices;
    std::vector<rocksdb::PinnableSlice> values(kLookupBatch);
    std::vector<rocksdb::Status> statuses(kLookupBatch);
    for (size_t first = 0; first < keys.size(); first += kLookupBatch) {
        const size_t count = std::min(kLookupBatch, keys.size() - first);
        slices.assign(keys.begin() + static_cast<ptrdiff_t>(first),
                      keys.begin() + static_cast<ptrdiff_t>(first + count));
        db.MultiGet(rocksdb::ReadOptions(), family, count, slices.data(), values.data(),
                    statuses.data());
        for (size_t i = 0; i < count; ++i) {
            if (!statuses[i].IsNotFound()) {
                checkStatus(path, "reading documents", statuses[i]);
                each(first + i, values[i].ToStringView());
            }
            values[i].Reset();
        }
    }
}

rocksdb::Slice slice(const disk::SeqnoKey& key) {
    return {key.data(), key.size()};
}
rocksdb::Slice slice(const disk::VbidBytes& key) {
    return {key.data(), key.size()};
}

}  // namespace

void RocksKVStore::deleteAll(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* family,
                             Vbid vbucket) {
    const disk::VbidBytes prefix = disk::vbucketPrefix(vbucket);
    if (const std::optional<disk::VbidBytes> end = disk::vbucketPrefixEnd(vbucket)) {
        checkStatus(path_, "deleting a vbucket",
                    batch.DeleteRange(family, slice(prefix), slice(*end)));
        return;
    }
    // The last vbucket id has no successor prefix: delete its keys one by one.
    BoundedIterator it(path_, *store_->db, family, vbucket,
                       std::string_view(prefix.data(), prefix.size()), std::nullopt);
    for (; it.valid(); it.next()) {
        checkStatus(path_, "deleting a vbucket", batch.Delete(family, it.key()));
    }
}

void RocksKVStore::deleteVBucket(Vbid vbucket) {
    Stripe& locks = stripe(vbucket);
    MutexLock maintenance(locks.maintenance);
    MutexLock lock(locks.write);
    rocksdb::WriteBatch batch;
    deleteAll(batch, store_->documents, vbucket);
    deleteAll(batch, store_->by_seqno, vbucket);
    checkStatus(path_, "deleting a vbucket",
                batch.Delete(store_->vbstate, slice(disk::vbstateKey(vbucket))));
    write("deleting", vbucket, batch);
    locks.purge_floor.erase(vbucket.get());
}

size_t RocksKVStore::purgePrefixes(Vbid vbucket, std::span<const std::string> prefixes) {
    // The write lock only, as a commit: a compaction running meanwhile finds the purged
    // documents missing, which it treats as it treats stale entries, so the flusher that calls
    // this need not wait for a whole compaction scan.
    MutexLock lock(stripe(vbucket).write);
    rocksdb::WriteBatch batch;
    size_t purged = 0;
    for (const std::string& prefix : prefixes) {
        const std::string lower = disk::docKey(vbucket, prefix);
        // The first key after every key that starts with `lower`; none when `lower` is all 0xff
        // bytes, which no collection prefix is (its last byte is below 0x80).
        std::optional<std::string> upper = disk::prefixEnd(lower);
        BoundedIterator it(path_, *store_->db, store_->documents, vbucket, lower, upper);
        if (!it.valid() || !it.key().starts_with(lower)) {
            continue;  // nothing stored under this prefix
        }
        ++purged;
        if (upper) {
            checkStatus(path_, "purging a collection",
                        batch.DeleteRange(store_->documents, lower, *upper));
            continue;
        }
        for (; it.valid() && it.key().starts_with(lower); it.next()) {
            checkStatus(path_, "purging a collection", batch.Delete(store_->documents, it.key()));
        }
    }
    if (batch.Count() > 0) {
        write("purging collections of", vbucket, batch);
    }
    return purged;
}

bool RocksKVStore::rollback(Vbid vbucket, int64_t seqno) {
    Stripe& locks = stripe(vbucket);
    MutexLock maintenance(locks.maintenance);
    // Held throughout: nothing may be committed to this vbucket while it rolls back.
    MutexLock lock(locks.write);
    std::optional<PersistedVBucketState> state = readState(vbucket);
    if (!state || seqno < 0 || seqno < state->purge_seqno) {
        return false;
    }

    // Every seqno-index entry above `seqno` (stale ones included) and the key it names.
    std::vector<disk::SeqnoKey> entries;
    std::vector<std::string> doc_keys;
    const disk::SeqnoKey lower = disk::seqnoKey(vbucket, static_cast<uint64_t>(seqno) + 1);
    for (BoundedIterator it(path_, *store_->db, store_->by_seqno, vbucket,
                            std::string_view(lower.data(), lower.size()), std::nullopt);
         it.valid(); it.next()) {
        const std::optional<uint64_t> entry_seqno = disk::seqnoOfKey(it.key());
        if (!entry_seqno) {
            throw KVStoreError(describeBadRecord(path_, "a seqno-index key is malformed"));
        }
        entries.push_back(disk::seqnoKey(vbucket, *entry_seqno));
        doc_keys.push_back(disk::docKey(vbucket, it.value()));
    }
    if (entries.empty() && seqno >= state->high_seqno) {
        return true;
    }

    // The current versions above `seqno` go; each must be a first version (nothing older lost).
    rocksdb::WriteBatch batch;
    bool refused = false;
    lookUp(path_, *store_->db, store_->documents, doc_keys,
           [&](size_t index, std::string_view bytes) {
               const std::optional<disk::DocMeta> meta = disk::decodeDocMeta(bytes);
               if (!meta) {
                   throw KVStoreError(describeBadRecord(path_, "a document header is malformed"));
               }
               const std::optional<uint64_t> entry_seqno =
                   disk::seqnoOfKey(std::string_view(entries[index].data(), entries[index].size()));
               if (meta->by_seqno != static_cast<int64_t>(*entry_seqno)) {
                   return;  // a stale entry: the current version is newer (and visited too)
               }
               if (meta->rev_seqno != 1 || meta->deleted) {
                   refused = true;
                   return;
               }
               checkStatus(path_, "rolling back", batch.Delete(store_->documents, doc_keys[index]));
           });
    if (refused) {
        return false;
    }
    for (const disk::SeqnoKey& entry : entries) {
        checkStatus(path_, "rolling back", batch.Delete(store_->by_seqno, slice(entry)));
    }
    state->high_seqno = std::min(state->high_seqno, seqno);
    state->snapshot_start = state->high_seqno;
    state->snapshot_end = state->high_seqno;
    checkStatus(path_, "rolling back",
                batch.Put(store_->vbstate, slice(disk::vbstateKey(vbucket)),
                          disk::encodeVBucketState(*state)));
    write("rolling back", vbucket, batch);
    return true;
}

CompactionResult RocksKVStore::compact(Vbid vbucket, uint32_t purge_before) {
    Stripe& locks = stripe(vbucket);
    MutexLock maintenance(locks.maintenance);

    // 1. Without blocking commits, from one snapshot: the current seqno of every document, the
    //    tombstones old enough to purge, and the seqno-index entries no document is at.
    rocksdb::ManagedSnapshot snapshot(store_->db.get());
    const disk::VbidBytes prefix = disk::vbucketPrefix(vbucket);
    const std::string_view prefix_view(prefix.data(), prefix.size());
    std::vector<int64_t> current;
    std::vector<std::string> purgeable;
    std::vector<int64_t> purgeable_seqnos;
    for (BoundedIterator it(path_, *store_->db, store_->documents, vbucket, prefix_view,
                            std::nullopt, snapshot.snapshot());
         it.valid(); it.next()) {
        const std::optional<disk::DocMeta> meta = disk::decodeDocMeta(it.value());
        if (!meta) {
            throw KVStoreError(describeBadRecord(path_, "a document header is malformed"));
        }
        current.push_back(meta->by_seqno);
        if (meta->deleted && meta->expiry < purge_before) {
            purgeable.emplace_back(it.key());
            purgeable_seqnos.push_back(meta->by_seqno);
        }
    }
    std::sort(current.begin(), current.end());

    rocksdb::WriteBatch batch;
    for (BoundedIterator it(path_, *store_->db, store_->by_seqno, vbucket, prefix_view,
                            std::nullopt, snapshot.snapshot());
         it.valid(); it.next()) {
        const std::optional<uint64_t> seqno = disk::seqnoOfKey(it.key());
        if (!seqno) {
            throw KVStoreError(describeBadRecord(path_, "a seqno-index key is malformed"));
        }
        // Stale once means stale for good: commits only add higher seqnos, and rollback and
        // deleteVBucket (which could reuse one) are excluded by the maintenance lock.
        if (!std::binary_search(current.begin(), current.end(), static_cast<int64_t>(*seqno))) {
            checkStatus(path_, "compacting", batch.Delete(store_->by_seqno, it.key()));
        }
    }

    // 2. Under the write lock: purge the tombstones that are still the current version, and
    //    raise the purge seqno in the same batch.
    MutexLock lock(locks.write);
    CompactionResult result;
    int64_t highest_purged = 0;
    lookUp(path_, *store_->db, store_->documents, purgeable,
           [&](size_t index, std::string_view bytes) {
               const std::optional<disk::DocMeta> meta = disk::decodeDocMeta(bytes);
               if (!meta || !meta->deleted || meta->by_seqno != purgeable_seqnos[index]) {
                   return;  // rewritten since the snapshot
               }
               checkStatus(path_, "compacting", batch.Delete(store_->documents, purgeable[index]));
               checkStatus(path_, "compacting",
                           batch.Delete(store_->by_seqno,
                                        slice(disk::seqnoKey(
                                            vbucket, static_cast<uint64_t>(meta->by_seqno)))));
               ++result.tombstones_purged;
               highest_purged = std::max(highest_purged, meta->by_seqno);
           });
    std::optional<PersistedVBucketState> state = readState(vbucket);
    if (state) {
        if (highest_purged > state->purge_seqno) {
            state->purge_seqno = highest_purged;
            checkStatus(path_, "compacting",
                        batch.Put(store_->vbstate, slice(disk::vbstateKey(vbucket)),
                                  disk::encodeVBucketState(*state)));
            locks.purge_floor[vbucket.get()] = highest_purged;
        }
        result.purge_seqno = state->purge_seqno;
    } else {
        result.purge_seqno = highest_purged;
    }
    if (batch.Count() > 0) {
        write("compacting", vbucket, batch);
    }
    return result;
}

KVStoreStats RocksKVStore::stats(bool list_files) {
    KVStoreStats out;
    out.commits = commits_.load(std::memory_order_relaxed);
    out.documents_written = documents_written_.load(std::memory_order_relaxed);
    out.bytes_written = bytes_written_.load(std::memory_order_relaxed);
    out.gets = gets_.load(std::memory_order_relaxed);
    out.scans = scans_.load(std::memory_order_relaxed);

    rocksdb::DB& db = *store_->db;
    uint64_t value = 0;
    // Live data: what SST files hold after dropping overwritten versions (RocksDB's estimate),
    // plus what the memtables hold (not yet in any SST file).
    if (db.GetAggregatedIntProperty(rocksdb::DB::Properties::kEstimateLiveDataSize, &value)) {
        out.live_data_size += value;
    }
    if (db.GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &value)) {
        out.live_data_size += value;
    }
    // Disk: every SST file (including ones awaiting deletion), plus the live write-ahead logs
    // when the caller lets us list them.
    if (db.GetAggregatedIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &value)) {
        out.disk_size += value;
    }
    rocksdb::VectorLogPtr wal_files;
    if (list_files && db.GetSortedWalFiles(wal_files).ok()) {
        for (const auto& file : wal_files) {
            out.disk_size += file->SizeFileBytes();
        }
    }
    return out;
}

}  // namespace eddy::engine
