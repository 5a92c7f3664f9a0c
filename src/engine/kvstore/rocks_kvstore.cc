#include "engine/kvstore/rocks_kvstore.h"

#include "engine/kvstore/disk_format.h"
#include "engine/kvstore/rocks_iterator.h"
#include "engine/kvstore/rocks_open.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace eddy::engine {
namespace {

/// Documents looked up per MultiGet while scanning by seqno.
constexpr size_t kScanBatch = 128;

/// Bytes a document adds to a commit's WriteBatch, about (for the reservation).
size_t batchBytes(const DiskDocument& document) {
    return 2 * (document.key.size() + disk::kVbidSize) + disk::kDocHeaderSize +
           disk::kSeqnoKeySize + document.value.size() + 24;
}

}  // namespace

RocksKVStore::RocksKVStore(std::string directory, const RocksKVStoreOptions& options)
    : path_(std::move(directory)),
      sync_(!options.disable_sync),
      store_(openRocksDatabase(path_, options)),
      stripes_(std::make_unique<std::array<Stripe, kStripes>>()) {}

RocksKVStore::~RocksKVStore() = default;

rocksdb::Status RocksKVStore::writeToRocksDb(rocksdb::DB& db, const rocksdb::WriteOptions& options,
                                             rocksdb::WriteBatch& batch) {
    return db.Write(options, &batch);
}

void RocksKVStore::write(std::string_view doing, Vbid vbucket, rocksdb::WriteBatch& batch,
                         bool sync) {
    rocksdb::WriteOptions options;
    options.sync = sync_ && sync;
    MutexLock lock(write_mutex_);
    const rocksdb::Status status = writeToRocksDb(*store_->db, options, batch);
    if (!status.ok()) {
        throw KVStoreError(
            describeStatus(path_, fmt::format("{} vbucket {}", doing, vbucket.get()), status));
    }
}

DiskDocument RocksKVStore::decode(Vbid vbucket, std::string_view key,
                                  std::string_view bytes) const {
    DiskDocument document;
    if (!disk::decodeDocument(key, bytes, document)) {
        throw KVStoreError(describeBadRecord(
            path_, fmt::format("the record of a document of vbucket {} ({} bytes) is malformed",
                               vbucket.get(), bytes.size())));
    }
    return document;
}

void RocksKVStore::commit(const FlushBatch& batch) {
    commitOne(batch, true);
}

void RocksKVStore::commit(std::span<const FlushBatch> batches) {
    for (size_t i = 0; i < batches.size(); ++i) {
        commitOne(batches[i], i + 1 == batches.size());
    }
}

void RocksKVStore::commitOne(const FlushBatch& batch, bool sync) {
    const Vbid vbucket = batch.vbucket;
    const disk::VbidBytes prefix = disk::vbucketPrefix(vbucket);
    const rocksdb::Slice prefix_slice(prefix.data(), prefix.size());

    size_t reserve = 64 + disk::kVBStateHeaderSize + 16 * batch.state.failover.size();
    for (const DiskDocument& document : batch.documents) {
        reserve += batchBytes(document);
    }
    // Documents go in in key order: RocksDB's memtable inserts a key next to the one before it
    // cheaply, and each by_seqno entry already follows the previous one.
    std::vector<const DiskDocument*> by_key;
    by_key.reserve(batch.documents.size());
    for (const DiskDocument& document : batch.documents) {
        if (document.by_seqno < 0) {
            throw std::invalid_argument(
                fmt::format("{}: commit of vbucket {}: negative by_seqno {}", path_, vbucket.get(),
                            document.by_seqno));
        }
        by_key.push_back(&document);
    }
    std::stable_sort(by_key.begin(), by_key.end(),
                     [](const DiskDocument* a, const DiskDocument* b) { return a->key < b->key; });
    rocksdb::WriteBatch write_batch(reserve);
    // A vbucket that has no state on disk has no documents either (every commit writes both):
    // only a known one needs wiping. Range deletions go first: the puts that follow in the same
    // batch come after them.
    if (batch.reset && readState(vbucket).has_value()) {
        deleteAll(write_batch, store_->documents, vbucket);
        deleteAll(write_batch, store_->by_seqno, vbucket);
    }
    for (const DiskDocument* document : by_key) {
        const disk::DocHeader header = disk::encodeDocHeader(*document);
        const rocksdb::Slice key_parts[] = {prefix_slice, rocksdb::Slice(document->key)};
        const rocksdb::Slice value_parts[] = {rocksdb::Slice(header.data(), header.size()),
                                              rocksdb::Slice(document->value)};
        checkStatus(path_, "building a commit",
                    write_batch.Put(store_->documents, rocksdb::SliceParts(key_parts, 2),
                                    rocksdb::SliceParts(value_parts, 2)));
    }
    for (const DiskDocument& document : batch.documents) {
        const disk::SeqnoKey seqno_key =
            disk::seqnoKey(vbucket, static_cast<uint64_t>(document.by_seqno));
        checkStatus(
            path_, "building a commit",
            write_batch.Put(store_->by_seqno, rocksdb::Slice(seqno_key.data(), seqno_key.size()),
                            rocksdb::Slice(document.key)));
    }
    const disk::VbidBytes state_key = disk::vbstateKey(vbucket);
    const rocksdb::Slice state_slice(state_key.data(), state_key.size());
    checkStatus(
        path_, "building a commit",
        write_batch.Put(store_->vbstate, state_slice, disk::encodeVBucketState(batch.state)));
    {
        Stripe& locks = stripe(vbucket);
        MutexLock lock(locks.write);
        if (batch.reset) {
            locks.purge_floor.erase(vbucket.get());
        }
        const auto floor = locks.purge_floor.find(vbucket.get());
        if (floor != locks.purge_floor.end() && floor->second > batch.state.purge_seqno) {
            // The state was built before a compaction raised the purge seqno: keep the raised
            // one (the later Put of the same key wins).
            PersistedVBucketState state = batch.state;
            state.purge_seqno = floor->second;
            checkStatus(
                path_, "building a commit",
                write_batch.Put(store_->vbstate, state_slice, disk::encodeVBucketState(state)));
        }
        write("committing", vbucket, write_batch, sync);
    }
    commits_.fetch_add(1, std::memory_order_relaxed);
    documents_written_.fetch_add(batch.documents.size(), std::memory_order_relaxed);
    bytes_written_.fetch_add(write_batch.GetDataSize(), std::memory_order_relaxed);
}

std::optional<DiskDocument> RocksKVStore::get(Vbid vbucket, std::string_view key) {
    gets_.fetch_add(1, std::memory_order_relaxed);
    rocksdb::PinnableSlice value;
    const rocksdb::Status status = store_->db->Get(rocksdb::ReadOptions(), store_->documents,
                                                   disk::docKey(vbucket, key), &value);
    if (status.IsNotFound()) {
        return std::nullopt;
    }
    checkStatus(path_, "reading a document", status);
    return decode(vbucket, key, value.ToStringView());
}

void RocksKVStore::getMulti(
    Vbid vbucket, std::span<const std::string> keys,
    const std::function<void(size_t index, DiskDocument&& document)>& found) {
    gets_.fetch_add(keys.size(), std::memory_order_relaxed);
    if (keys.empty()) {
        return;
    }
    std::vector<std::string> disk_keys;
    disk_keys.reserve(keys.size());
    for (const std::string& key : keys) {
        disk_keys.push_back(disk::docKey(vbucket, key));
    }
    std::vector<rocksdb::Slice> slices(disk_keys.begin(), disk_keys.end());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    store_->db->MultiGet(rocksdb::ReadOptions(), store_->documents, slices.size(), slices.data(),
                         values.data(), statuses.data());
    for (size_t i = 0; i < keys.size(); ++i) {
        if (statuses[i].IsNotFound()) {
            continue;
        }
        checkStatus(path_, "reading documents", statuses[i]);
        DiskDocument document = decode(vbucket, keys[i], values[i].ToStringView());
        values[i].Reset();
        found(i, std::move(document));
    }
}

void RocksKVStore::scanBySeqno(Vbid vbucket, int64_t start, int64_t end, const Visitor& visit) {
    scans_.fetch_add(1, std::memory_order_relaxed);
    start = std::max<int64_t>(start, 0);
    if (end < start) {
        return;
    }
    rocksdb::ManagedSnapshot snapshot(store_->db.get());
    const disk::SeqnoKey lower = disk::seqnoKey(vbucket, static_cast<uint64_t>(start));
    const disk::SeqnoKey upper = disk::seqnoKey(vbucket, static_cast<uint64_t>(end) + 1);
    BoundedIterator it(path_, *store_->db, store_->by_seqno, vbucket,
                       std::string_view(lower.data(), lower.size()),
                       std::string(upper.data(), upper.size()), snapshot.snapshot());

    rocksdb::ReadOptions read;
    read.snapshot = snapshot.snapshot();
    std::vector<int64_t> seqnos;
    std::vector<std::string> keys;
    std::vector<rocksdb::Slice> slices;
    std::vector<rocksdb::PinnableSlice> values(kScanBatch);
    std::vector<rocksdb::Status> statuses(kScanBatch);
    seqnos.reserve(kScanBatch);
    keys.reserve(kScanBatch);

    // Looks the batch's documents up; visits those still current at the entry's seqno.
    const auto drain = [&]() -> bool {
        slices.clear();
        for (const std::string& key : keys) {
            slices.emplace_back(key);
        }
        store_->db->MultiGet(read, store_->documents, slices.size(), slices.data(), values.data(),
                             statuses.data());
        bool more = true;
        for (size_t i = 0; i < keys.size(); ++i) {
            if (more && !statuses[i].IsNotFound()) {
                checkStatus(path_, "scanning by seqno", statuses[i]);
                const std::string_view bytes = values[i].ToStringView();
                if (disk::bySeqnoOf(bytes) == seqnos[i]) {
                    more = visit(
                        decode(vbucket, std::string_view(keys[i]).substr(disk::kVbidSize), bytes));
                }
            }
            values[i].Reset();
        }
        seqnos.clear();
        keys.clear();
        return more;
    };

    for (; it.valid(); it.next()) {
        const std::optional<uint64_t> seqno = disk::seqnoOfKey(it.key());
        if (!seqno) {
            throw KVStoreError(describeBadRecord(
                path_, fmt::format("a seqno-index key of vbucket {} is malformed", vbucket.get())));
        }
        seqnos.push_back(static_cast<int64_t>(*seqno));
        keys.push_back(disk::docKey(vbucket, it.value()));
        if (keys.size() == kScanBatch && !drain()) {
            return;
        }
    }
    if (!keys.empty()) {
        static_cast<void>(drain());
    }
}

void RocksKVStore::scanByKey(Vbid vbucket, const Visitor& visit) {
    scans_.fetch_add(1, std::memory_order_relaxed);
    const disk::VbidBytes prefix = disk::vbucketPrefix(vbucket);
    BoundedIterator it(path_, *store_->db, store_->documents, vbucket,
                       std::string_view(prefix.data(), prefix.size()), std::nullopt);
    for (; it.valid(); it.next()) {
        if (!visit(decode(vbucket, it.keySuffix(), it.value()))) {
            return;
        }
    }
}

std::optional<PersistedVBucketState> RocksKVStore::readState(Vbid vbucket) {
    const disk::VbidBytes key = disk::vbstateKey(vbucket);
    rocksdb::PinnableSlice value;
    const rocksdb::Status status = store_->db->Get(rocksdb::ReadOptions(), store_->vbstate,
                                                   rocksdb::Slice(key.data(), key.size()), &value);
    if (status.IsNotFound()) {
        return std::nullopt;
    }
    checkStatus(path_, "reading a vbucket state", status);
    std::optional<PersistedVBucketState> state = disk::decodeVBucketState(value.ToStringView());
    if (!state) {
        throw KVStoreError(describeBadRecord(
            path_, fmt::format("the state record of vbucket {} is malformed", vbucket.get())));
    }
    return state;
}

std::optional<PersistedVBucketState> RocksKVStore::getVBucketState(Vbid vbucket) {
    return readState(vbucket);
}

std::vector<Vbid> RocksKVStore::listVBuckets() {
    std::vector<Vbid> out;
    std::unique_ptr<rocksdb::Iterator> it(
        store_->db->NewIterator(rocksdb::ReadOptions(), store_->vbstate));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const std::optional<Vbid> vbucket = disk::vbucketOfKey(it->key().ToStringView());
        if (!vbucket || it->key().size() != disk::kVbidSize) {
            throw KVStoreError(describeBadRecord(path_, "a vbucket-state key is malformed"));
        }
        out.push_back(*vbucket);
    }
    checkStatus(path_, "listing vbuckets", it->status());
    return out;
}

std::unique_ptr<KVStore> openRocksKVStore(const std::string& directory,
                                          const RocksKVStoreOptions& options) {
    return std::make_unique<RocksKVStore>(directory, options);
}

}  // namespace eddy::engine
