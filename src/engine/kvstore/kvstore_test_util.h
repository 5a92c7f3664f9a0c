// eddy — helpers for the KVStore tests: a temporary directory, document and batch builders,
// scan collectors and a raw (read-only) look into a store's column families.
// Thread contract: TempDir is used by one thread; the free functions are reentrant.
#pragma once

#include "engine/kvstore/disk_format.h"
#include "engine/kvstore/kvstore.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace eddy::engine::test {

/// A fresh directory under /tmp, removed (with everything in it) on destruction.
class TempDir {
public:
    TempDir() {
        std::string pattern = "/tmp/eddy-kvstore-test-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(path_, ec)) {
            std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_all,
                                         std::filesystem::perm_options::add, ec);
        }
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::string& path() const { return path_; }
    /// A path inside the directory.
    [[nodiscard]] std::string sub(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

/// The directory of a death test in the "threadsafe" style, whose child re-runs the test body
/// in a new process (where a new TempDir would be another directory): the test process makes a
/// TempDir and hands its path to the child through the environment.
class DeathTestDir {
public:
    DeathTestDir() {
        if (const char* inherited = std::getenv(kVariable)) {
            path_ = inherited;
            child_ = true;
        } else {
            dir_ = std::make_unique<TempDir>();
            path_ = dir_->path();
            // Set by the test's thread before any death test starts a child or another thread.
            ::setenv(kVariable, path_.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
        }
    }
    ~DeathTestDir() {
        if (!child_) {
            ::unsetenv(kVariable);  // NOLINT(concurrency-mt-unsafe): as in the constructor
        }
    }
    DeathTestDir(const DeathTestDir&) = delete;
    DeathTestDir& operator=(const DeathTestDir&) = delete;

    /// True in the death-test child: set-up already done by the parent must not be redone.
    [[nodiscard]] bool inChild() const { return child_; }
    [[nodiscard]] std::string sub(const std::string& name) const { return path_ + "/" + name; }

private:
    static constexpr const char* kVariable = "EDDY_KVSTORE_DEATH_TEST_DIR";
    std::unique_ptr<TempDir> dir_;
    std::string path_;
    bool child_ = false;
};

inline DiskDocument doc(std::string key, int64_t seqno, std::string value = "v",
                        uint64_t rev_seqno = 1) {
    DiskDocument out;
    out.key = std::move(key);
    out.value = std::move(value);
    out.by_seqno = seqno;
    out.rev_seqno = rev_seqno;
    out.cas = 1000 + static_cast<uint64_t>(seqno);
    out.flags = 0xdeadbeef;
    out.expiry = 0;
    out.datatype = datatype::kJson;
    return out;
}

inline DiskDocument tombstone(std::string key, int64_t seqno, uint32_t delete_time,
                              uint64_t rev_seqno = 2) {
    DiskDocument out = doc(std::move(key), seqno, "", rev_seqno);
    out.deleted = true;
    out.expiry = delete_time;
    out.datatype = datatype::kRaw;
    return out;
}

inline PersistedVBucketState stateAt(int64_t high_seqno,
                                     VBucketState state = VBucketState::Active) {
    PersistedVBucketState out;
    out.state = state;
    out.high_seqno = high_seqno;
    out.snapshot_start = high_seqno;
    out.snapshot_end = high_seqno;
    out.max_cas = 1000 + static_cast<uint64_t>(high_seqno);
    out.failover = {{0x1234, 0}};
    return out;
}

/// A batch whose state's high seqno is the last document's seqno (or `high` when given).
inline FlushBatch batchOf(Vbid vbucket, std::vector<DiskDocument> documents,
                          std::optional<int64_t> high = std::nullopt) {
    FlushBatch out;
    out.vbucket = vbucket;
    const int64_t last = documents.empty() ? 0 : documents.back().by_seqno;
    out.documents = std::move(documents);
    out.state = stateAt(high.value_or(last));
    return out;
}

inline std::vector<DiskDocument> scanSeqnos(KVStore& store, Vbid vbucket, int64_t start = 0,
                                            int64_t end = INT64_MAX) {
    std::vector<DiskDocument> out;
    store.scanBySeqno(vbucket, start, end, [&](DiskDocument&& document) {
        out.push_back(std::move(document));
        return true;
    });
    return out;
}

inline std::vector<int64_t> seqnosOf(const std::vector<DiskDocument>& documents) {
    std::vector<int64_t> out;
    out.reserve(documents.size());
    for (const DiskDocument& document : documents) {
        out.push_back(document.by_seqno);
    }
    return out;
}

inline std::vector<std::string> keysOf(const std::vector<DiskDocument>& documents) {
    std::vector<std::string> out;
    out.reserve(documents.size());
    for (const DiskDocument& document : documents) {
        out.push_back(document.key);
    }
    return out;
}

inline std::vector<DiskDocument> scanKeys(KVStore& store, Vbid vbucket) {
    std::vector<DiskDocument> out;
    store.scanByKey(vbucket, [&](DiskDocument&& document) {
        out.push_back(std::move(document));
        return true;
    });
    return out;
}

/// Every (key, value) of one column family of a closed store, read with plain RocksDB.
inline std::vector<std::pair<std::string, std::string>> rawEntries(const std::string& path,
                                                                   std::string_view family) {
    std::vector<std::string> names;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    families.reserve(names.size());
    for (const std::string& name : names) {
        families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    const rocksdb::Status status =
        rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, families, &handles, &raw);
    EXPECT_TRUE(status.ok()) << status.ToString();
    std::vector<std::pair<std::string, std::string>> out;
    if (!status.ok()) {
        return out;
    }
    std::unique_ptr<rocksdb::DB> db(raw);
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
        if (handle->GetName() == family) {
            std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handle));
            for (it->SeekToFirst(); it->Valid(); it->Next()) {
                out.emplace_back(it->key().ToString(), it->value().ToString());
            }
        }
    }
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
        static_cast<void>(db->DestroyColumnFamilyHandle(handle));
    }
    return out;
}

}  // namespace eddy::engine::test
