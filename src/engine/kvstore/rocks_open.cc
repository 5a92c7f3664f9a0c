#include "engine/kvstore/rocks_open.h"

#include "common/errno_string.h"
#include "engine/kvstore/disk_format.h"

#include <fmt/format.h>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include <unistd.h>

namespace eddy::engine {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBlockCacheBytes = size_t{32} * 1024 * 1024;
constexpr size_t kSmallFamilyBufferBytes = size_t{4} * 1024 * 1024;

/// What the user can do with a directory eddy will not use.
constexpr std::string_view kMoveAway =
    "point eddy at an empty or missing directory, or move this one away";

[[noreturn]] void fail(const std::string& message) {
    throw KVStoreError(message);
}

rocksdb::DBOptions dbOptions(bool create) {
    rocksdb::DBOptions options;
    options.create_if_missing = create;
    options.create_missing_column_families = create;
    options.error_if_exists = false;
    options.paranoid_checks = true;
    options.max_background_jobs = 4;
    options.bytes_per_sync = 1024 * 1024;
    options.keep_log_file_num = 4;
    return options;
}

rocksdb::ColumnFamilyOptions familyOptions(std::string_view name,
                                           const RocksKVStoreOptions& options,
                                           const std::shared_ptr<rocksdb::Cache>& cache) {
    rocksdb::ColumnFamilyOptions family;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    if (name == disk::kDocsFamily) {
        // Point reads of keys that are not on disk (background fetches of new keys) skip the
        // data blocks.
        table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
        family.write_buffer_size = options.write_buffer_size;
    } else if (name == disk::kSeqnosFamily) {
        family.write_buffer_size = options.write_buffer_size;
    } else {
        family.write_buffer_size = std::min(options.write_buffer_size, kSmallFamilyBufferBytes);
    }
    family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return family;
}

/// The directory exists (created when allowed), is a directory, and is readable and writable.
/// Returns whether it already holds a RocksDB store (a CURRENT file).
bool checkDirectory(const std::string& path, const RocksKVStoreOptions& options) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
        fail(
            fmt::format("{}: cannot access the store directory: {}; give the user running eddy "
                        "access to it and its parents, or choose another directory",
                        path, ec.message()));
    }
    if (!fs::exists(status)) {
        if (!options.create_if_missing) {
            fail(fmt::format("{}: the store directory does not exist (and creating it is off)",
                             path));
        }
        fs::create_directories(path, ec);
        if (ec) {
            fail(fmt::format("{}: cannot create the store directory: {}", path, ec.message()));
        }
        return false;
    }
    if (!fs::is_directory(status)) {
        fail(fmt::format("{}: exists but is not a directory; {}", path, kMoveAway));
    }
    if (::access(path.c_str(), R_OK | W_OK | X_OK) != 0) {
        const int error = errno;
        fail(
            fmt::format("{}: cannot read and write the store directory: {}; give the user "
                        "running eddy read/write access to it, or choose another directory",
                        path, errnoString(error)));
    }
    bool has_current = false;
    std::vector<std::string> others;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name == "CURRENT") {
            has_current = true;
        } else if (others.size() < 3) {
            others.push_back(name);
        }
    }
    if (ec) {
        fail(fmt::format("{}: cannot list the store directory: {}", path, ec.message()));
    }
    if (!has_current && !others.empty()) {
        fail(
            fmt::format("{}: not an eddy store: the directory holds other files ({}) and no "
                        "RocksDB store; {}",
                        path, fmt::join(others, ", "), kMoveAway));
    }
    return has_current;
}

/// The families of an existing store; throws unless they are exactly eddy's (plus "default").
std::vector<std::string> existingFamilies(const std::string& path) {
    std::vector<std::string> names;
    checkStatus(path, "listing the column families",
                rocksdb::DB::ListColumnFamilies(dbOptions(false), path, &names));
    const std::vector<std::string_view> ours = {rocksdb::kDefaultColumnFamilyName,
                                                disk::kDocsFamily, disk::kSeqnosFamily,
                                                disk::kVBStateFamily, disk::kMetaFamily};
    bool foreign = names.size() != ours.size();
    for (const std::string& name : names) {
        foreign = foreign || std::find(ours.begin(), ours.end(), name) == ours.end();
    }
    if (foreign) {
        fail(fmt::format("{}: a RocksDB store, but not an eddy one (column families: {}); {}", path,
                         fmt::join(names, ", "), kMoveAway));
    }
    return names;
}

bool familyIsEmpty(const std::string& path, rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), cf));
    it->SeekToFirst();
    checkStatus(path, "reading the store", it->status());
    return !it->Valid();
}

void writeIdentity(const std::string& path, RocksDatabase& store) {
    rocksdb::WriteBatch batch;
    batch.Put(store.meta, disk::kMagicKey, disk::kMagic);
    batch.Put(store.meta, disk::kFormatVersionKey, disk::encodeFormatVersion(disk::kFormatVersion));
    batch.Put(store.meta, disk::kCreatedByKey, "eddy " EDDY_VERSION);
    rocksdb::WriteOptions write;
    write.sync = true;
    checkStatus(path, "writing the format version", store.db->Write(write, &batch));
}

/// Checks the identity marker and the format version; writes them into a new store (or one
/// whose creation stopped before they were written: every family still empty).
void checkIdentity(const std::string& path, RocksDatabase& store, bool created) {
    std::string magic;
    rocksdb::Status status =
        store.db->Get(rocksdb::ReadOptions(), store.meta, disk::kMagicKey, &magic);
    if (status.IsNotFound()) {
        const bool empty = created || (familyIsEmpty(path, *store.db, store.meta) &&
                                       familyIsEmpty(path, *store.db, store.docs) &&
                                       familyIsEmpty(path, *store.db, store.seqnos) &&
                                       familyIsEmpty(path, *store.db, store.vbstate));
        if (!empty) {
            fail(
                fmt::format("{}: not an eddy store: it has eddy's column families but no "
                            "identity marker; {}",
                            path, kMoveAway));
        }
        writeIdentity(path, store);
        return;
    }
    checkStatus(path, "reading the identity marker", status);
    if (magic != disk::kMagic) {
        fail(fmt::format("{}: not an eddy store: its identity marker is not \"{}\"; {}", path,
                         disk::kMagic, kMoveAway));
    }
    std::string version_bytes;
    status =
        store.db->Get(rocksdb::ReadOptions(), store.meta, disk::kFormatVersionKey, &version_bytes);
    if (status.IsNotFound()) {
        fail(describeBadRecord(path, "the format version is missing"));
    }
    checkStatus(path, "reading the format version", status);
    const std::optional<uint32_t> version = disk::decodeFormatVersion(version_bytes);
    if (!version) {
        fail(describeBadRecord(path, "the format version is unreadable"));
    }
    if (*version != disk::kFormatVersion) {
        fail(
            fmt::format("{}: store format version {}, this eddy reads version {}; move the "
                        "directory away or open it with the eddy release that wrote it (see "
                        "docs/storage_format.md, \"Changing the format\")",
                        path, *version, disk::kFormatVersion));
    }
}

}  // namespace

RocksDatabase::~RocksDatabase() {
    if (!db) {
        return;
    }
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
        static_cast<void>(db->DestroyColumnFamilyHandle(handle));
    }
    static_cast<void>(db->Close());
    db.reset();
}

std::unique_ptr<RocksDatabase> openRocksDatabase(const std::string& path,
                                                 const RocksKVStoreOptions& options) {
    const bool existing = checkDirectory(path, options);
    if (!existing && !options.create_if_missing) {
        fail(fmt::format("{}: the directory holds no store (and creating one is off)", path));
    }
    std::vector<std::string> names;
    if (existing) {
        names = existingFamilies(path);
    } else {
        names = {rocksdb::kDefaultColumnFamilyName, std::string(disk::kDocsFamily),
                 std::string(disk::kSeqnosFamily), std::string(disk::kVBStateFamily),
                 std::string(disk::kMetaFamily)};
    }
    const std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(kBlockCacheBytes);
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    families.reserve(names.size());
    for (const std::string& name : names) {
        families.emplace_back(name, familyOptions(name, options, cache));
    }

    auto store = std::make_unique<RocksDatabase>();
    rocksdb::DB* raw = nullptr;
    const rocksdb::Status status =
        rocksdb::DB::Open(dbOptions(!existing), path, families, &store->handles, &raw);
    store->db.reset(raw);
    checkStatus(path, existing ? "opening the store" : "creating the store", status);
    for (rocksdb::ColumnFamilyHandle* handle : store->handles) {
        const std::string& name = handle->GetName();
        if (name == disk::kDocsFamily) {
            store->docs = handle;
        } else if (name == disk::kSeqnosFamily) {
            store->seqnos = handle;
        } else if (name == disk::kVBStateFamily) {
            store->vbstate = handle;
        } else if (name == disk::kMetaFamily) {
            store->meta = handle;
        }
    }
    checkIdentity(path, *store, !existing);
    return store;
}

std::string describeStatus(const std::string& path, std::string_view doing,
                           const rocksdb::Status& status) {
    const std::string text = status.ToString();
    if (status.IsCorruption()) {
        return fmt::format(
            "{}: the store is corrupt ({} failed: {}); restore the directory from "
            "a backup, or move it away to start empty (its data is then lost on "
            "this node)",
            path, doing, text);
    }
    if (status.IsIOError() && text.find("LOCK") != std::string::npos) {
        return fmt::format(
            "{}: the store is in use by another process or another open store "
            "({} failed: {}); stop the other user or choose another directory",
            path, doing, text);
    }
    if (status.IsIOError() && status.IsNoSpace()) {
        return fmt::format("{}: out of disk space ({} failed: {}); free space on its file system",
                           path, doing, text);
    }
    return fmt::format("{}: {} failed: {}", path, doing, text);
}

void checkStatus(const std::string& path, std::string_view doing, const rocksdb::Status& status) {
    if (!status.ok()) {
        throw KVStoreError(describeStatus(path, doing, status));
    }
}

std::string describeBadRecord(const std::string& path, std::string_view what) {
    return fmt::format(
        "{}: the store is corrupt ({}); restore the directory from a backup, or "
        "move it away to start empty (its data is then lost on this node)",
        path, what);
}

}  // namespace eddy::engine
