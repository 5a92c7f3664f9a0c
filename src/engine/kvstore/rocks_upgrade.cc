#include "engine/kvstore/rocks_upgrade.h"

#include "engine/kvstore/disk_format.h"

#include <fmt/format.h>
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

namespace eddy::engine {
namespace {

/// A batch also ends once its keys and values reach this many bytes.
constexpr size_t kBatchBytes = size_t{4} * 1024 * 1024;
/// Progress is logged every this many batches (262,144 entries at the default batch size).
constexpr uint64_t kLogEveryBatches = 64;
/// Read-ahead of the sequential scans of the version-1 families.
constexpr size_t kReadaheadBytes = size_t{2} * 1024 * 1024;

class Upgrade {
public:
    Upgrade(const std::string& path, RocksDatabase& store, const RocksKVStoreOptions& options)
        : path_(path),
          store_(store),
          hook_(options.upgrade_test_hook),
          batch_entries_(options.upgrade_batch_entries == 0 ? 1 : options.upgrade_batch_entries) {}

    void run() {
        const auto start = std::chrono::steady_clock::now();
        if (store_.documents == nullptr) {
            store_.documents = store_.createFamily(path_, disk::kDocumentsFamily);
        }
        if (store_.by_seqno == nullptr) {
            store_.by_seqno = store_.createFamily(path_, disk::kBySeqnoFamily);
        }
        const std::optional<std::string> docs_done = readMeta(disk::kUpgradeDocsCopiedKey);
        const std::optional<std::string> seqnos_done = readMeta(disk::kUpgradeSeqnosCopiedKey);
        uint64_t estimate = 0;
        static_cast<void>(
            store_.db->GetIntProperty(store_.v1_docs, "rocksdb.estimate-num-keys", &estimate));
        spdlog::info(
            "{}: upgrading the store from format version 1 to 2 (every document key gains the "
            "default collection's prefix 0x00; about {} documents): copying into new column "
            "families in batches of up to {} entries{}",
            path_, estimate, batch_entries_,
            docs_done || seqnos_done ? ", resuming after the last batch an earlier run copied"
                                     : "");

        copy(store_.v1_docs, disk::kUpgradeDocsCopiedKey, docs_done, documents_,
             [this](std::string_view key, std::string_view value, rocksdb::WriteBatch& batch) {
                 const std::optional<std::string> new_key = disk::upgradeV1DocsKey(key);
                 if (!new_key || !disk::decodeDocMeta(value)) {
                     throw KVStoreError(describeBadRecord(
                         path_, fmt::format("a document of the version-1 family {} ({}-byte key, "
                                            "{}-byte record) is malformed",
                                            disk::kV1DocsFamily, key.size(), value.size())));
                 }
                 return batch.Put(store_.documents, *new_key, value);
             });
        copy(store_.v1_seqnos, disk::kUpgradeSeqnosCopiedKey, seqnos_done, index_entries_,
             [this](std::string_view key, std::string_view value, rocksdb::WriteBatch& batch) {
                 if (key.size() != disk::kSeqnoKeySize) {
                     throw KVStoreError(describeBadRecord(
                         path_, fmt::format("a key of the version-1 family {} is malformed",
                                            disk::kV1SeqnosFamily)));
                 }
                 return batch.Put(store_.by_seqno, key, disk::upgradeV1DocumentKey(value));
             });

        // The switch: from here on the store is version 2, whatever happens next.
        rocksdb::WriteBatch flip;
        checkStatus(path_, "upgrading the store",
                    flip.Put(store_.meta, disk::kFormatVersionKey,
                             disk::encodeFormatVersion(disk::kFormatVersion)));
        checkStatus(path_, "upgrading the store",
                    flip.Delete(store_.meta, disk::kUpgradeDocsCopiedKey));
        checkStatus(path_, "upgrading the store",
                    flip.Delete(store_.meta, disk::kUpgradeSeqnosCopiedKey));
        write(flip);
        if (hook_) {
            hook_(batches_, true);
        }
        dropVersion1Families(path_, store_);

        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        spdlog::info(
            "{}: upgraded the store to format version 2: {} documents and {} seqno-index "
            "entries copied by this open in {} batches, {:.1f} s",
            path_, documents_, index_entries_, batches_, took.count());
    }

private:
    std::optional<std::string> readMeta(std::string_view key) {
        std::string value;
        const rocksdb::Status status =
            store_.db->Get(rocksdb::ReadOptions(), store_.meta, key, &value);
        if (status.IsNotFound()) {
            return std::nullopt;
        }
        checkStatus(path_, "reading the upgrade's progress", status);
        return value;
    }

    /// Copies the version-1 family `source` from after the key `done` (from its first key when
    /// nullopt); `convert` adds one entry's Put (into the version-2 family) to the batch. Each
    /// batch also puts the last source key it holds under `progress_key`. Adds the number of
    /// entries copied to `copied`.
    template <typename Convert>
    void copy(rocksdb::ColumnFamilyHandle* source, std::string_view progress_key,
              const std::optional<std::string>& done, uint64_t& copied, Convert&& convert) {
        rocksdb::ReadOptions read;
        read.fill_cache = false;
        read.readahead_size = kReadaheadBytes;
        std::unique_ptr<rocksdb::Iterator> it(store_.db->NewIterator(read, source));
        if (done) {
            it->Seek(*done);
            if (it->Valid() && it->key() == rocksdb::Slice(*done)) {
                it->Next();
            }
        } else {
            it->SeekToFirst();
        }
        rocksdb::WriteBatch batch;
        size_t entries = 0;
        size_t bytes = 0;
        std::string last;
        const auto flush = [&] {
            checkStatus(path_, "upgrading the store", batch.Put(store_.meta, progress_key, last));
            write(batch);
            copied += entries;
            ++batches_;
            batch.Clear();
            entries = 0;
            bytes = 0;
            if (hook_) {
                hook_(batches_, false);
            }
            if (batches_ % kLogEveryBatches == 0) {
                spdlog::info(
                    "{}: upgrading to format version 2: {} documents and {} seqno-index "
                    "entries copied so far",
                    path_, documents_, index_entries_);
            }
        };
        for (; it->Valid(); it->Next()) {
            const std::string_view key = it->key().ToStringView();
            const std::string_view value = it->value().ToStringView();
            checkStatus(path_, "upgrading the store", convert(key, value, batch));
            last.assign(key);
            ++entries;
            bytes += key.size() + value.size();
            if (entries >= batch_entries_ || bytes >= kBatchBytes) {
                flush();
            }
        }
        checkStatus(path_, "upgrading the store (reading the version-1 data)", it->status());
        if (entries > 0) {
            flush();
        }
    }

    void write(rocksdb::WriteBatch& batch) {
        rocksdb::WriteOptions options;
        options.sync = true;
        checkStatus(path_, "upgrading the store", store_.db->Write(options, &batch));
    }

    const std::string& path_;
    RocksDatabase& store_;
    const std::function<void(uint64_t, bool)>& hook_;
    const size_t batch_entries_;
    uint64_t batches_ = 0;
    uint64_t documents_ = 0;
    uint64_t index_entries_ = 0;
};

}  // namespace

void upgradeFromVersion1(const std::string& path, RocksDatabase& store,
                         const RocksKVStoreOptions& options) {
    Upgrade(path, store, options).run();
}

void dropVersion1Families(const std::string& path, RocksDatabase& store) {
    for (rocksdb::ColumnFamilyHandle** family : {&store.v1_docs, &store.v1_seqnos}) {
        if (*family != nullptr) {
            const std::string name = (*family)->GetName();
            store.dropFamily(path, *family);
            spdlog::info("{}: dropped the version-1 column family {} (the store is version 2)",
                         path, name);
        }
    }
}

}  // namespace eddy::engine
