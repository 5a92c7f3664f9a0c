// eddy — one document as a vbucket's hash table keeps it.
//
// Owns: StoredValue, the in-memory record of a key: its value (a shared Blob, absent when the
// value has been evicted or the document is deleted), CAS, revision seqno, by-seqno, flags,
// expiry, datatype, lock expiry (GET_LOCKED) and the dirty / deleted bits. Chained in a hash
// bucket through `next_`.
//
// Thread contract: guarded by the hash-table lock stripe of its key; read or written only by a
// holder of that stripe (HashTable hands out a HashBucketLock as the witness). The value Blob
// may be shared beyond the lock (it is immutable).
#pragma once

#include "eddy/types.h"
#include "engine/hash/blob.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace eddy::engine {

class StoredValue {
public:
    StoredValue(std::string_view key, BlobPtr value, uint32_t flags, uint32_t expiry,
                uint8_t datatype)
        : key_(key),
          value_(std::move(value)),
          flags_(flags),
          expiry_(expiry),
          datatype_(datatype) {}

    [[nodiscard]] std::string_view key() const { return key_; }

    [[nodiscard]] const BlobPtr& value() const { return value_; }
    /// Replaces the value (a mutation, or a background fetch restoring an evicted one).
    void setValue(BlobPtr value) { value_ = std::move(value); }
    /// Drops the value but keeps the metadata (value eviction). False if already absent.
    bool ejectValue();
    [[nodiscard]] bool isResident() const { return static_cast<bool>(value_); }

    [[nodiscard]] Cas cas() const { return cas_; }
    void setCas(Cas cas) { cas_ = cas; }
    [[nodiscard]] uint64_t revSeqno() const { return rev_seqno_; }
    void setRevSeqno(uint64_t rev) { rev_seqno_ = rev; }
    [[nodiscard]] int64_t bySeqno() const { return by_seqno_; }
    void setBySeqno(int64_t seqno) { by_seqno_ = seqno; }
    [[nodiscard]] uint32_t flags() const { return flags_; }
    void setFlags(uint32_t flags) { flags_ = flags; }
    /// Absolute expiry in Unix seconds, 0 = never.
    [[nodiscard]] uint32_t expiry() const { return expiry_; }
    void setExpiry(uint32_t expiry) { expiry_ = expiry; }
    [[nodiscard]] uint8_t datatype() const { return datatype_; }
    void setDatatype(uint8_t datatype) { datatype_ = datatype; }

    /// GET_LOCKED: locked until this Unix second (0 = not locked).
    [[nodiscard]] uint32_t lockExpiry() const { return lock_expiry_; }
    void setLockExpiry(uint32_t until) { lock_expiry_ = until; }
    [[nodiscard]] bool isLocked(uint32_t now) const {
        return lock_expiry_ != 0 && now < lock_expiry_;
    }

    [[nodiscard]] bool isDeleted() const { return deleted_; }
    /// Marks the document deleted (a tombstone): the value goes, the metadata stays.
    void markDeleted();
    /// Makes a tombstone live again (a store over a deleted document).
    void markLive() { deleted_ = false; }

    /// How often the document was read lately, for the item pager: new documents start at
    /// kInitialFrequency, each read raises it by one (up to kMaxFrequency), each pager pass
    /// lowers it by one; the pager evicts documents at 0, so the never-read go first.
    static constexpr uint8_t kInitialFrequency = 2;
    static constexpr uint8_t kMaxFrequency = 15;
    [[nodiscard]] uint8_t frequency() const { return frequency_; }
    void markAccessed() {
        if (frequency_ < kMaxFrequency) {
            ++frequency_;
        }
    }
    void decayFrequency() {
        if (frequency_ > 0) {
            --frequency_;
        }
    }

    /// Changed since the flusher last persisted it.
    [[nodiscard]] bool isDirty() const { return dirty_; }
    void markDirty() { dirty_ = true; }
    void markClean() { dirty_ = false; }

    /// Bytes this record occupies (metadata, key, value).
    [[nodiscard]] size_t footprint() const;
    /// Bytes of the record without its value.
    [[nodiscard]] size_t metadataFootprint() const;

private:
    friend class HashTable;

    std::string key_;
    BlobPtr value_;
    Cas cas_ = 0;
    uint64_t rev_seqno_ = 1;
    int64_t by_seqno_ = 0;
    uint32_t flags_ = 0;
    uint32_t expiry_ = 0;
    uint32_t lock_expiry_ = 0;
    uint8_t datatype_ = 0;
    uint8_t frequency_ = kInitialFrequency;
    bool deleted_ = false;
    bool dirty_ = true;
    std::unique_ptr<StoredValue> next_;  // the next record in the same hash bucket
};

}  // namespace eddy::engine
