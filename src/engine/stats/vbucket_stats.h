// eddy — the per-vbucket and per-document STAT keys.
//
// Owns: the functions that write one vbucket's part of the vbucket, vbucket-details,
// vbucket-seqno, hash, checkpoint and failovers groups, and one document's key/vkey metadata.
// Every key of a vbucket starts with vbucketPrefix(id) ("vb_<id>:"), except the bare state key
// "vb_<id>" of vbucket and vbucket-details. Numbers are decimal.
//
// Thread contract: thread-safe as VBucket is; the functions only read it (through its own
// locks) and call `add` on the calling thread. They run on the front end or on a stat task.
#pragma once

#include "eddy/engine_iface.h"
#include "engine/kvstore/kvstore.h"
#include "engine/vbucket/vbucket.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::engine::stats {

/// "vb_<id>:".
[[nodiscard]] std::string vbucketPrefix(Vbid id);
/// Writes `value` as a decimal number.
void addNumber(const AddStatFn& add, std::string_view key, uint64_t value);

/// vbucket: "vb_<id>" = state.
void addVBucketState(const VBucket& vbucket, const AddStatFn& add);
/// vbucket-details: the state, seqnos, item counts, hash table and checkpoint figures.
void addVBucketDetails(const VBucket& vbucket, const AddStatFn& add);
/// vbucket-seqno: high, absolute high, persisted, purge and max visible seqnos, uuid.
void addVBucketSeqnos(const VBucket& vbucket, const AddStatFn& add);
/// hash: the hash table's size, locks, counts and memory.
void addHashStats(const VBucket& vbucket, const AddStatFn& add);
/// checkpoint: the state, then CheckpointManager::addStats under the vbucket's prefix.
void addCheckpointStats(const VBucket& vbucket, const AddStatFn& add);
/// failovers: num_entries, then <n>:id and <n>:seq per entry, newest (0) first.
void addFailoverStats(const VBucket& vbucket, const AddStatFn& add);

/// One document's metadata, copied out of the hash table (or read from disk). `cas` is the
/// real CAS, also for a locked document.
struct KeyMetadata {
    bool dirty = false;
    bool resident = true;
    bool locked = false;
    uint32_t expiry = 0;
    uint32_t flags = 0;
    Cas cas = 0;
    uint8_t datatype = 0;
    int64_t by_seqno = 0;
    uint64_t rev_seqno = 0;
    /// The value when resident (a copy of the blob's bytes).
    std::string value;
};

/// The live, unexpired document `key` as memory holds it, or nullopt (absent, deleted or
/// expired at `now`). Never changes the document (an expired one is not turned into a
/// tombstone here).
[[nodiscard]] std::optional<KeyMetadata> keyInMemory(VBucket& vbucket, std::string_view key,
                                                     uint32_t now);
/// The same from a stored version.
[[nodiscard]] KeyMetadata keyOnDisk(const DiskDocument& document);

/// key: key_is_dirty, key_is_resident, key_is_locked, key_exptime, key_flags, key_cas,
/// key_datatype, key_by_seqno, key_rev_seqno, key_vb_state. A locked document's CAS reads as
/// kLockedCas, as GET shows it.
void addKeyStats(const KeyMetadata& key, VBucketState state, const AddStatFn& add);

/// vkey's verdict: what the disk holds compared with memory. "valid", "dirty" (not persisted
/// yet), "item_deleted" (no live version on disk), "cas_mismatch", "flags_mismatch",
/// "exptime_mismatch", "length_mismatch", "data_mismatch" (resident values only).
[[nodiscard]] std::string_view verifyKey(const KeyMetadata& memory,
                                         const std::optional<DiskDocument>& disk);

}  // namespace eddy::engine::stats
