// eddy — the per-vbucket and per-document STAT keys (vbucket_stats.h).
#include "engine/stats/vbucket_stats.h"

#include "common/clock.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace eddy::engine::stats {

namespace {

std::string_view yesNo(bool value) {
    return value ? "true" : "false";
}

/// Writes "<prefix><name>" = value.
class PrefixedAdder {
public:
    PrefixedAdder(const AddStatFn& add, Vbid id) : add_(add), prefix_(vbucketPrefix(id)) {}

    void operator()(std::string_view name, uint64_t value) { addNumber(add_, key(name), value); }
    void text(std::string_view name, std::string_view value) { add_(key(name), value); }

private:
    const std::string& key(std::string_view name) {
        key_.assign(prefix_);
        key_.append(name);
        return key_;
    }

    const AddStatFn& add_;
    const std::string prefix_;
    std::string key_;
};

std::string stateKey(Vbid id) {
    return fmt::format("vb_{}", id.get());
}

}  // namespace

std::string vbucketPrefix(Vbid id) {
    return fmt::format("vb_{}:", id.get());
}

void addNumber(const AddStatFn& add, std::string_view key, uint64_t value) {
    std::array<char, 24> digits{};
    const auto printed = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    add(key, std::string_view(digits.data(), static_cast<size_t>(printed.ptr - digits.data())));
}

void addVBucketState(const VBucket& vbucket, const AddStatFn& add) {
    add(stateKey(vbucket.id()), toString(vbucket.state()));
}

void addVBucketDetails(const VBucket& vbucket, const AddStatFn& add) {
    addVBucketState(vbucket, add);
    PrefixedAdder emit(add, vbucket.id());
    const HashTable& table = vbucket.hashTable();
    const CheckpointManager& checkpoints = vbucket.checkpointManager();
    const uint64_t records = table.numItems();
    const uint64_t tombstones = table.numDeleted();
    emit("high_seqno", vbucket.highSeqno());
    emit("last_persisted_seqno", vbucket.persistedSeqno());
    emit("purge_seqno", vbucket.purgeSeqno());
    emit("uuid", vbucket.uuid());
    emit("max_cas", vbucket.maxCas());
    // Live documents: records that are not tombstones, plus (full eviction) those on disk only.
    emit("num_items", records - std::min(records, tombstones) + vbucket.numEvicted());
    emit("num_tombstones", tombstones);
    emit("num_non_resident", table.numNonResident() + vbucket.numEvicted());
    emit("num_evicted", vbucket.numEvicted());
    emit("num_expired", vbucket.numExpired());
    emit("ht_size", table.size());
    emit("ht_num_locks", table.numLocks());
    emit("ht_memory", table.memoryUsed());
    emit("ht_metadata_memory", table.metadataMemory());
    emit("ht_num_resizes", table.numResizes());
    emit("checkpoint_memory", checkpoints.memoryUsage());
    emit("num_checkpoints", checkpoints.numCheckpoints());
    emit("num_checkpoint_items", checkpoints.numItems());
    emit("queue_size", checkpoints.numItemsForCursor(kPersistenceCursorName));
    emit("failover_entries", vbucket.failoverEntries().size());
}

void addVBucketSeqnos(const VBucket& vbucket, const AddStatFn& add) {
    PrefixedAdder emit(add, vbucket.id());
    const uint64_t high = vbucket.highSeqno();
    emit("high_seqno", high);
    emit("abs_high_seqno", high);
    emit("last_persisted_seqno", vbucket.persistedSeqno());
    emit("uuid", vbucket.uuid());
    emit("purge_seqno", vbucket.purgeSeqno());
    // No synchronous writes: every seqno is visible.
    emit("max_visible_seqno", high);
}

void addHashStats(const VBucket& vbucket, const AddStatFn& add) {
    PrefixedAdder emit(add, vbucket.id());
    const HashTable& table = vbucket.hashTable();
    emit.text("state", toString(vbucket.state()));
    emit("size", table.size());
    emit("locks", table.numLocks());
    emit("reported", table.numItems());
    emit("deleted", table.numDeleted());
    emit("non_resident", table.numNonResident());
    emit("mem_size", table.memoryUsed());
    emit("metadata_size", table.metadataMemory());
    emit("resized", table.numResizes());
}

void addCheckpointStats(const VBucket& vbucket, const AddStatFn& add) {
    const std::string prefix = vbucketPrefix(vbucket.id());
    add(prefix + "state", toString(vbucket.state()));
    vbucket.checkpointManager().addStats(prefix, add);
}

void addFailoverStats(const VBucket& vbucket, const AddStatFn& add) {
    PrefixedAdder emit(add, vbucket.id());
    const std::vector<FailoverEntry> entries = vbucket.failoverEntries();
    emit("num_entries", entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
        emit(fmt::format("{}:id", i), entries[i].vb_uuid);
        emit(fmt::format("{}:seq", i), entries[i].by_seqno);
    }
}

std::optional<KeyMetadata> keyInMemory(VBucket& vbucket, std::string_view key, uint32_t now) {
    HashTable& table = vbucket.hashTable();
    const HashBucketLock lock = table.lockBucket(key);
    const StoredValue* record = table.findLocked(lock, key);
    if (record == nullptr || record->isDeleted() || clock::isExpired(record->expiry(), now)) {
        return std::nullopt;
    }
    KeyMetadata out;
    out.dirty = record->isDirty();
    out.resident = record->isResident();
    out.locked = record->isLocked(now);
    out.expiry = record->expiry();
    out.flags = record->flags();
    out.cas = record->cas();
    out.datatype = record->datatype();
    out.by_seqno = record->bySeqno();
    out.rev_seqno = record->revSeqno();
    if (record->value()) {
        out.value.assign(record->value()->view());
    }
    return out;
}

KeyMetadata keyOnDisk(const DiskDocument& document) {
    KeyMetadata out;
    out.dirty = false;
    out.resident = false;
    out.expiry = document.expiry;
    out.flags = document.flags;
    out.cas = document.cas;
    out.datatype = document.datatype;
    out.by_seqno = document.by_seqno;
    out.rev_seqno = document.rev_seqno;
    out.value = document.value;
    return out;
}

void addKeyStats(const KeyMetadata& key, VBucketState state, const AddStatFn& add) {
    add("key_is_dirty", yesNo(key.dirty));
    add("key_is_resident", yesNo(key.resident));
    add("key_is_locked", yesNo(key.locked));
    addNumber(add, "key_exptime", key.expiry);
    addNumber(add, "key_flags", key.flags);
    addNumber(add, "key_cas", key.locked ? kLockedCas : key.cas);
    addNumber(add, "key_datatype", key.datatype);
    addNumber(add, "key_by_seqno", static_cast<uint64_t>(std::max<int64_t>(key.by_seqno, 0)));
    addNumber(add, "key_rev_seqno", key.rev_seqno);
    add("key_vb_state", toString(state));
}

std::string_view verifyKey(const KeyMetadata& memory, const std::optional<DiskDocument>& disk) {
    if (memory.dirty) {
        return "dirty";
    }
    if (!disk || disk->deleted) {
        return "item_deleted";
    }
    if (disk->cas != memory.cas) {
        return "cas_mismatch";
    }
    if (disk->flags != memory.flags) {
        return "flags_mismatch";
    }
    if (disk->expiry != memory.expiry) {
        return "exptime_mismatch";
    }
    if (memory.resident) {
        if (disk->value.size() != memory.value.size()) {
            return "length_mismatch";
        }
        if (disk->value != memory.value) {
            return "data_mismatch";
        }
    }
    return "valid";
}

}  // namespace eddy::engine::stats
