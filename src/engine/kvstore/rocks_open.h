// eddy — opening (or creating) the RocksDB database behind RocksKVStore, and turning RocksDB
// statuses into KVStoreError messages that name the directory and say what to do.
//
// Owns: RocksDatabase (the open DB and its column-family handles, closed by its destructor),
// openRocksDatabase() with the checks of docs/storage_format.md ("Opening"): the directory is
// usable, holds nothing or an eddy store of format version kFormatVersion, and is not corrupt.
//
// Thread contract: openRocksDatabase() is a free function safe from any thread; a
// RocksDatabase's handles are immutable after it returns (RocksDB's DB is itself thread-safe);
// it is destroyed by one thread once nobody uses it.
#pragma once

#include "engine/kvstore/kvstore.h"

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

    std::unique_ptr<rocksdb::DB> db;
    rocksdb::ColumnFamilyHandle* docs = nullptr;
    rocksdb::ColumnFamilyHandle* seqnos = nullptr;
    rocksdb::ColumnFamilyHandle* vbstate = nullptr;
    rocksdb::ColumnFamilyHandle* meta = nullptr;
    /// Every handle opened ("default" included), for the destructor.
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
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
