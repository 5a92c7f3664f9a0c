// eddy — an iterator over one vbucket's keys in one column family, from a lower key to an
// optional exclusive upper key (set as RocksDB's iterate_upper_bound, so RocksDB stops at the
// end of the range instead of reading into the next vbucket).
//
// Owns: BoundedIterator, the RocksDB iterator and the bound it points into.
// Thread contract: one thread at a time (like rocksdb::Iterator).
#pragma once

#include "eddy/types.h"
#include "engine/kvstore/disk_format.h"
#include "engine/kvstore/rocks_open.h"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::engine {

class BoundedIterator {
public:
    /// Positions at the first key >= `lower` of `vbucket`; stops before `upper` (exclusive; the
    /// vbucket's end when nullopt). `snapshot` may be null (the latest state).
    BoundedIterator(const std::string& path, rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family,
                    Vbid vbucket, std::string_view lower, std::optional<std::string> upper,
                    const rocksdb::Snapshot* snapshot = nullptr)
        : path_(path), prefix_(disk::vbucketPrefix(vbucket)), upper_(std::move(upper)) {
        if (!upper_) {
            if (const auto end = disk::vbucketPrefixEnd(vbucket)) {
                upper_.emplace(end->data(), end->size());
            }
        }
        if (upper_) {
            upper_slice_ = rocksdb::Slice(*upper_);
            options_.iterate_upper_bound = &upper_slice_;
        }
        options_.snapshot = snapshot;
        it_.reset(db.NewIterator(options_, family));
        it_->Seek(rocksdb::Slice(lower.data(), lower.size()));
    }
    BoundedIterator(const BoundedIterator&) = delete;
    BoundedIterator& operator=(const BoundedIterator&) = delete;

    /// True while positioned on a key of the range; throws KVStoreError if RocksDB failed.
    [[nodiscard]] bool valid() {
        if (it_->Valid()) {
            const rocksdb::Slice key = it_->key();
            return key.size() >= prefix_.size() &&
                   std::string_view(key.data(), prefix_.size()) ==
                       std::string_view(prefix_.data(), prefix_.size());
        }
        checkStatus(path_, "iterating", it_->status());
        return false;
    }
    void next() { it_->Next(); }
    /// The key without the vbucket prefix.
    [[nodiscard]] std::string_view keySuffix() const {
        const rocksdb::Slice key = it_->key();
        return {key.data() + prefix_.size(), key.size() - prefix_.size()};
    }
    [[nodiscard]] std::string_view key() const { return it_->key().ToStringView(); }
    [[nodiscard]] std::string_view value() const { return it_->value().ToStringView(); }

private:
    const std::string& path_;
    const disk::VbidBytes prefix_;
    std::optional<std::string> upper_;
    rocksdb::Slice upper_slice_;
    rocksdb::ReadOptions options_;
    std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace eddy::engine
