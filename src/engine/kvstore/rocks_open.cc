#include "engine/kvstore/rocks_open.h"

#include "common/errno_string.h"
#include "engine/kvstore/disk_format.h"
#include "engine/kvstore/rocks_upgrade.h"

#include <fmt/format.h>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <array>
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
    if (name == disk::kDocumentsFamily || name == disk::kV1DocsFamily) {
        // Point reads of keys that are not on disk (background fetches of new keys) skip the
        // data blocks.
        table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
        family.write_buffer_size = options.write_buffer_size;
    } else if (name == disk::kBySeqnoFamily || name == disk::kV1SeqnosFamily) {
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

/// The column families of a new store (version 2).
const std::array<std::string_view, 5> kFamilies = {rocksdb::kDefaultColumnFamilyName,
                                                   disk::kDocumentsFamily, disk::kBySeqnoFamily,
                                                   disk::kVBStateFamily, disk::kMetaFamily};
/// Every family an eddy store may have: version 2's and version 1's document families (a store
/// has both while an upgrade runs).
const std::array<std::string_view, 7> kKnownFamilies = {rocksdb::kDefaultColumnFamilyName,
                                                        disk::kDocumentsFamily,
                                                        disk::kBySeqnoFamily,
                                                        disk::kVBStateFamily,
                                                        disk::kMetaFamily,
                                                        disk::kV1DocsFamily,
                                                        disk::kV1SeqnosFamily};
/// What every eddy store has, whatever its version and however far its upgrade went.
const std::array<std::string_view, 3> kRequiredFamilies = {rocksdb::kDefaultColumnFamilyName,
                                                           disk::kVBStateFamily, disk::kMetaFamily};

std::string versionRefused(const std::string& path, uint32_t version) {
    return fmt::format(
        "{}: store format version {}, this eddy reads versions {} and {} (it upgrades version "
        "{} to {} when it opens it); move the directory away or open it with the eddy release "
        "that wrote it (see docs/storage_format.md, \"Changing the format\")",
        path, version, disk::kUpgradableFormatVersion, disk::kFormatVersion,
        disk::kUpgradableFormatVersion, disk::kFormatVersion);
}

bool readable(uint32_t version) {
    return version == disk::kFormatVersion || version == disk::kUpgradableFormatVersion;
}

/// The format version of a store whose families are not those of a version eddy reads, if it
/// is an eddy store of another version (its meta family says so); read-only.
std::optional<uint32_t> otherVersion(const std::string& path,
                                     const std::vector<std::string>& names) {
    if (std::find(names.begin(), names.end(), disk::kMetaFamily) == names.end()) {
        return std::nullopt;
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    families.reserve(names.size());
    for (const std::string& name : names) {
        families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::OpenForReadOnly(dbOptions(false), path, families, &handles, &raw).ok()) {
        return std::nullopt;
    }
    std::unique_ptr<rocksdb::DB> db(raw);
    std::optional<uint32_t> version;
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
        std::string magic;
        std::string bytes;
        if (handle->GetName() == disk::kMetaFamily &&
            db->Get(rocksdb::ReadOptions(), handle, disk::kMagicKey, &magic).ok() &&
            magic == disk::kMagic &&
            db->Get(rocksdb::ReadOptions(), handle, disk::kFormatVersionKey, &bytes).ok()) {
            version = disk::decodeFormatVersion(bytes);
        }
    }
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
        static_cast<void>(db->DestroyColumnFamilyHandle(handle));
    }
    return version;
}

/// The families of an existing store; throws unless they are eddy's (plus "default"): no
/// other family, and at least the ones every version has. Which document families the store
/// must have depends on its version (checkIdentity()).
std::vector<std::string> existingFamilies(const std::string& path) {
    std::vector<std::string> names;
    checkStatus(path, "listing the column families",
                rocksdb::DB::ListColumnFamilies(dbOptions(false), path, &names));
    bool foreign = false;
    for (const std::string& name : names) {
        foreign = foreign || std::find(kKnownFamilies.begin(), kKnownFamilies.end(), name) ==
                                 kKnownFamilies.end();
    }
    for (const std::string_view name : kRequiredFamilies) {
        foreign = foreign || std::find(names.begin(), names.end(), name) == names.end();
    }
    if (foreign) {
        // A later eddy may have other families: say so rather than "not an eddy store".
        const std::optional<uint32_t> version = otherVersion(path, names);
        if (version && !readable(*version)) {
            fail(versionRefused(path, *version));
        }
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

bool everyFamilyIsEmpty(const std::string& path, RocksDatabase& store) {
    return std::all_of(store.handles.begin(), store.handles.end(),
                       [&](rocksdb::ColumnFamilyHandle* handle) {
                           return familyIsEmpty(path, *store.db, handle);
                       });
}

/// The document family `handle` of a store of format `version` must exist.
void requireFamily(const std::string& path, const rocksdb::ColumnFamilyHandle* handle,
                   std::string_view name, uint32_t version) {
    if (handle == nullptr) {
        fail(describeBadRecord(path, fmt::format("format version {}, but the column family {} "
                                                 "is missing",
                                                 version, name)));
    }
}

/// Checks the identity marker and the format version (upgrading a version-1 store, dropping
/// the version-1 families a finished upgrade left); writes them into a new store (or one whose
/// creation stopped before they were written: every family still empty).
void checkIdentity(const std::string& path, RocksDatabase& store, bool created,
                   const RocksKVStoreOptions& options) {
    std::string magic;
    rocksdb::Status status =
        store.db->Get(rocksdb::ReadOptions(), store.meta, disk::kMagicKey, &magic);
    if (status.IsNotFound()) {
        if (!created && !everyFamilyIsEmpty(path, store)) {
            fail(
                fmt::format("{}: not an eddy store: it has eddy's column families but no "
                            "identity marker; {}",
                            path, kMoveAway));
        }
        // A creation cut short (possibly by an older eddy, with version 1's families): every
        // family is empty, so it is given version 2's families before the identity says so.
        if (store.documents == nullptr) {
            store.documents = store.createFamily(path, disk::kDocumentsFamily);
        }
        if (store.by_seqno == nullptr) {
            store.by_seqno = store.createFamily(path, disk::kBySeqnoFamily);
        }
        for (rocksdb::ColumnFamilyHandle** family : {&store.v1_docs, &store.v1_seqnos}) {
            if (*family != nullptr) {
                store.dropFamily(path, *family);
            }
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
    if (*version == disk::kFormatVersion) {
        requireFamily(path, store.documents, disk::kDocumentsFamily, *version);
        requireFamily(path, store.by_seqno, disk::kBySeqnoFamily, *version);
        dropVersion1Families(path, store);
        return;
    }
    if (*version == disk::kUpgradableFormatVersion) {
        requireFamily(path, store.v1_docs, disk::kV1DocsFamily, *version);
        requireFamily(path, store.v1_seqnos, disk::kV1SeqnosFamily, *version);
        upgradeFromVersion1(path, store, options);
        return;
    }
    fail(versionRefused(path, *version));
}

}  // namespace

rocksdb::ColumnFamilyHandle* RocksDatabase::createFamily(const std::string& path,
                                                         std::string_view name) {
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    checkStatus(
        path, fmt::format("creating the column family {}", name),
        db->CreateColumnFamily(familyOptions(name, options, cache), std::string(name), &handle));
    handles.push_back(handle);
    return handle;
}

void RocksDatabase::dropFamily(const std::string& path, rocksdb::ColumnFamilyHandle*& handle) {
    const std::string name = handle->GetName();
    checkStatus(path, fmt::format("dropping the column family {}", name),
                db->DropColumnFamily(handle));
    handles.erase(std::remove(handles.begin(), handles.end(), handle), handles.end());
    checkStatus(path, fmt::format("closing the column family {}", name),
                db->DestroyColumnFamilyHandle(handle));
    handle = nullptr;
}

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
        names.assign(kFamilies.begin(), kFamilies.end());
    }
    auto store = std::make_unique<RocksDatabase>();
    store->options = options;
    store->cache = rocksdb::NewLRUCache(kBlockCacheBytes);
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    families.reserve(names.size());
    for (const std::string& name : names) {
        families.emplace_back(name, familyOptions(name, options, store->cache));
    }

    rocksdb::DB* raw = nullptr;
    const rocksdb::Status status =
        rocksdb::DB::Open(dbOptions(!existing), path, families, &store->handles, &raw);
    store->db.reset(raw);
    checkStatus(path, existing ? "opening the store" : "creating the store", status);
    for (rocksdb::ColumnFamilyHandle* handle : store->handles) {
        const std::string& name = handle->GetName();
        if (name == disk::kDocumentsFamily) {
            store->documents = handle;
        } else if (name == disk::kBySeqnoFamily) {
            store->by_seqno = handle;
        } else if (name == disk::kVBStateFamily) {
            store->vbstate = handle;
        } else if (name == disk::kMetaFamily) {
            store->meta = handle;
        } else if (name == disk::kV1DocsFamily) {
            store->v1_docs = handle;
        } else if (name == disk::kV1SeqnosFamily) {
            store->v1_seqnos = handle;
        }
    }
    checkIdentity(path, *store, !existing, options);
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
