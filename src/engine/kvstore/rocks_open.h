// eddy — opening (or creating) the RocksDB database behind RocksKVStore, and turning RocksDB
// statuses into KVStoreError messages that name the directory and say what to do.
//
// Owns: RocksDatabase (the open DB and its column-family handles, closed by its destructor),
// openRocksDatabase() with the checks of docs/storage_format.md ("Opening"): the directory is
// usable, holds nothing or an eddy store of a format version it reads, and is not corrupt; a
// version-1 store is upgraded to kFormatVersion before it returns (rocks_upgrade.h).
//
// Thread contract: openRocksDatabase() is a free function safe from any thread; a
// RocksDatabase's handles are immutable after it returns (RocksDB's DB is itself thread-safe);
// it is destroyed by one thread once nobody uses it. createFamily() and dropFamily() are for
// the opening thread only, before the database is shared.
#pragma once

#include "engine/kvstore/kvstore.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/status.h>

#include <memory>
#include <string>
#include <string_view>

namespace eddy::engine {

class RocksDatabase {
public:
    RocksDatabase() = default;
    RocksDatabase(const RocksDatabase&) = delete;
    RocksDatabase& operator=(const RocksDatabase&) = delete;
    /// Destroys the handles and closes the database (errors on close are ignored: every
    /// commit was already written to the WAL).
    ~RocksDatabase();

    /// Creates the column family `name` with eddy's options for it and returns its handle
    /// (also kept in `handles`). Throws KVStoreError.
    rocksdb::ColumnFamilyHandle* createFamily(const std::string& path, std::string_view name);
    /// Drops the column family of `handle` (its data goes with it), destroys the handle and
    /// sets it to null. Throws KVStoreError.
    void dropFamily(const std::string& path, rocksdb::ColumnFamilyHandle*& handle);

    std::unique_ptr<rocksdb::DB> db;
    /// The version-2 families (the KVStore's data) and the version-independent ones.
    rocksdb::ColumnFamilyHandle* documents = nullptr;
    rocksdb::ColumnFamilyHandle* by_seqno = nullptr;
    rocksdb::ColumnFamilyHandle* vbstate = nullptr;
    rocksdb::ColumnFamilyHandle* meta = nullptr;
    /// Version 1's document families: only while opening a store that still has them.
    rocksdb::ColumnFamilyHandle* v1_docs = nullptr;
    rocksdb::ColumnFamilyHandle* v1_seqnos = nullptr;
    /// Every handle opened ("default" included), for the destructor.
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    /// What createFamily() configures a family with.
    RocksKVStoreOptions options;
    std::shared_ptr<rocksdb::Cache> cache;
};

/// Opens the store in `path` (see the header comment). Throws KVStoreError.
[[nodiscard]] std::unique_ptr<RocksDatabase> openRocksDatabase(const std::string& path,
                                                               const RocksKVStoreOptions& options);

/// The message for a failed RocksDB call: names the path and the operation, and for corruption
/// and a held lock says what to do.
[[nodiscard]] std::string describeStatus(const std::string& path, std::string_view doing,
                                         const rocksdb::Status& status);

/// Throws KVStoreError(describeStatus(...)) unless `status` is ok.
void checkStatus(const std::string& path, std::string_view doing, const rocksdb::Status& status);

/// The message for a record that does not decode: the store is corrupt.
[[nodiscard]] std::string describeBadRecord(const std::string& path, std::string_view what);

}  // namespace eddy::engine
