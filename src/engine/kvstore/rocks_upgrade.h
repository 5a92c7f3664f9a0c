// eddy — the in-place upgrade of a format-version-1 store to version 2 (docs/storage_format.md,
// "Changing the format"): every document key gains the default collection's prefix 0x00.
//
// Owns: upgradeFromVersion1() and dropVersion1Families(). Version 2 keeps the documents and the
// seqno index in new column families (documents, by_seqno), so the family a key is in says its
// encoding, and a crash at any point leaves a store the next open finishes:
//   1. create documents and by_seqno (if missing);
//   2. copy docs into documents (key: vbucket + 0x00 + key), then seqnos into by_seqno (value:
//      0x00 + key), in synced batches of at most RocksKVStoreOptions::upgrade_batch_entries
//      entries or 4 MiB; each batch also records in meta the last source key it copied, and
//      the next open resumes after it (re-copying an entry would write the same bytes again);
//   3. one synced batch writes format_version = 2 and removes the two progress keys;
//   4. drop docs and seqnos (a version-2 store that still has either only drops it).
// vbstate and meta are kept as they are. Logged with spdlog (start, every 64 batches, end).
//
// Thread contract: called by the opening thread, before the store is shared.
#pragma once

#include "engine/kvstore/kvstore.h"
#include "engine/kvstore/rocks_open.h"

#include <string>

namespace eddy::engine {

/// Upgrades the open version-1 `store` (its docs, seqnos, vbstate and meta handles set;
/// documents and by_seqno set if they exist) to version 2. Afterwards the store is a version-2
/// one with documents and by_seqno set and no version-1 family. Throws KVStoreError (a
/// malformed version-1 key or record is corruption).
void upgradeFromVersion1(const std::string& path, RocksDatabase& store,
                         const RocksKVStoreOptions& options);

/// Drops the version-1 families that a version-2 store still has (an upgrade stopped after it
/// wrote the version); logs when there is one.
void dropVersion1Families(const std::string& path, RocksDatabase& store);

}  // namespace eddy::engine
