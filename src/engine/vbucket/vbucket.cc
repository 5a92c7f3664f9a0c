#include "engine/vbucket/vbucket.h"

#include "common/clock.h"
#include "xattr/blob.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <string>

namespace eddy::engine {

namespace {

constexpr size_t kMaxCounterDigits = 20;
constexpr uint32_t kNoCreateExptime = 0xffffffff;

std::optional<uint64_t> parseCounter(std::string_view text) {
    if (text.empty() || text.size() > kMaxCounterDigits) {
        return std::nullopt;
    }
    uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

/// What a vbucket made without the bucket's parameters reads: every parameter at its default.
const config::Configuration& defaultParameters() {
    static const config::Configuration kDefaults;
    return kDefaults;
}

HashTable::Config tableConfig(HashTable::Config config, BucketMemory* memory) {
    config.memory = memory != nullptr ? &memory->hash_tables : nullptr;
    return config;
}

CheckpointManagerOptions checkpointOptions(const VBucketConfig& config, BucketMemory* memory,
                                           bool restored) {
    CheckpointManagerOptions options;
    options.persistence_cursor = config.persistence_cursor;
    // A new vbucket's first flush wipes whatever an earlier vbucket of that id left on disk.
    options.start_with_reset = !restored;
    if (memory != nullptr) {
        options.memory = &memory->checkpoints;
        options.overhead = &memory->checkpoint_overhead;
    }
    return options;
}

}  // namespace

VBucket::VBucket(Vbid id, VBucketState state, const VBucketConfig& config,
                 HybridLogicalClock& clock, std::function<uint32_t()> now, BucketMemory* memory,
                 const RestoredVBucket* restored)
    : id_(id),
      config_(config),
      parameters_(config.parameters != nullptr ? *config.parameters : defaultParameters()),
      clock_(clock),
      now_(now ? std::move(now) : std::function<uint32_t()>(clock::unixNow)),
      memory_(memory),
      table_(tableConfig(config.hash_table, memory)),
      checkpoints_(config.checkpoint, restored != nullptr ? restored->high_seqno : 0,
                   checkpointOptions(config, memory, restored != nullptr)),
      state_(state),
      failover_(restored != nullptr ? FailoverTable(restored->failover, config.max_failover_entries)
                                    : FailoverTable(config.max_failover_entries)) {
    if (config.full_eviction) {
        bloom_ = std::make_unique<BloomFilter>(config.bloom_filter_bits);
        if (memory_ != nullptr) {
            memory_->hash_tables.add(static_cast<int64_t>(bloom_->bytes()));
        }
    }
    MutexLock lock(state_mutex_);
    if (restored != nullptr) {
        persisted_seqno_.store(static_cast<uint64_t>(restored->high_seqno));
        max_cas_.store(restored->max_cas);
        purge_seqno_.store(static_cast<uint64_t>(restored->purge_seqno));
        if (restored->new_branch) {
            failover_.createEntry(static_cast<uint64_t>(restored->high_seqno));
        }
    }
    uuid_.store(failover_.latest().vb_uuid, std::memory_order_release);
}

VBucket::~VBucket() {
    if (bloom_ && memory_ != nullptr) {
        memory_->hash_tables.sub(static_cast<int64_t>(bloom_->bytes()));
    }
}

bool VBucket::mustFetch(const HashBucketLock& lock, std::string_view key) {
    if (dropped(key)) {
        return false;  // purged from disk, or about to be: nothing to fetch
    }
    // With bfilter_enabled=false every key not in memory is looked up on disk.
    return bloom_ && table_.findLocked(lock, key) == nullptr &&
           (!parameters_.getBfilterEnabled() || bloom_->mayContain(key));
}

VBucketResult VBucket::absent(const HashBucketLock& lock, std::string_view key) {
    return mustFetch(lock, key) ? VBucketResult::bgFetch() : Status::KeyNotFound;
}

void VBucket::noteCas(Cas cas) {
    Cas seen = max_cas_.load(std::memory_order_relaxed);
    while (cas > seen && !max_cas_.compare_exchange_weak(seen, cas, std::memory_order_acq_rel)) {
    }
}

std::unique_ptr<StoredValue> VBucket::cleanRecord(const LoadedDocument& document, bool resident) {
    auto record =
        std::make_unique<StoredValue>(document.key, resident ? makeBlob(document.value) : BlobPtr(),
                                      document.flags, document.expiry, document.datatype);
    record->setCas(document.cas);
    record->setBySeqno(document.by_seqno);
    record->setRevSeqno(document.rev_seqno);
    record->markClean();
    return record;
}

void VBucket::setState(VBucketState state) {
    MutexLock lock(state_mutex_);
    const VBucketState previous = state_.load(std::memory_order_acquire);
    if (state == VBucketState::Active && previous != VBucketState::Active) {
        failover_.createEntry(highSeqno());
        uuid_.store(failover_.latest().vb_uuid, std::memory_order_release);
    }
    state_.store(state, std::memory_order_release);
}

std::vector<FailoverEntry> VBucket::failoverEntries() const {
    MutexLock lock(state_mutex_);
    return failover_.entries();
}

RollbackDecision VBucket::needsRollback(const StreamPosition& position) const {
    MutexLock lock(state_mutex_);
    return failover_.needsRollback(position, highSeqno(), purgeSeqno());
}

std::string VBucket::failoverLogWire() const {
    MutexLock lock(state_mutex_);
    return failover_.toWire();
}

StoredValue* VBucket::findLive(const HashBucketLock& lock, std::string_view key, uint32_t now) {
    StoredValue* record = table_.findLocked(lock, key);
    if (record == nullptr || record->isDeleted() || dropped(key)) {
        return nullptr;  // a dropped collection's documents are gone, purged or not yet
    }
    if (clock::isExpired(record->expiry(), now)) {
        MutationInfo ignored;
        tombstone(lock, *record, QueueOp::Expiration, now, ignored);
        expired_.fetch_add(1, std::memory_order_relaxed);
        return nullptr;
    }
    return record;
}

BlobPtr VBucket::makeBlob(std::string_view bytes) {
    return Blob::make(bytes, memory_ != nullptr ? &memory_->values : nullptr);
}

void VBucket::stamp(StoredValue& record, QueueOp op, MutationInfo& info) {
    record.setCas(clock_.nextCas());
    QueuedItem::Fields fields;
    fields.key = std::string(record.key());
    fields.value = record.value();
    fields.rev_seqno = record.revSeqno();
    fields.cas = record.cas();
    fields.flags = record.flags();
    fields.expiry = record.expiry();
    fields.datatype = record.datatype();
    fields.op = op;
    const int64_t seqno = checkpoints_.queueDirty(std::move(fields));
    record.setBySeqno(seqno);
    record.markDirty();
    info = {record.cas(), static_cast<uint64_t>(seqno), uuid()};
    noteCas(record.cas());
    if (on_change_) {
        on_change_();
    }
}

void VBucket::tombstone(const HashBucketLock& lock, StoredValue& record, QueueOp op, uint32_t now,
                        MutationInfo& info) {
    table_.markDeletedLocked(lock, record);
    collections_.addItems(record.key(), -1);
    record.setRevSeqno(record.revSeqno() + 1);
    record.setExpiry(now);  // a tombstone's expiry is its delete time
    stamp(record, op, info);
}

void VBucket::install(const HashBucketLock& lock, StoredValue* existing, std::string_view key,
                      BlobPtr value, uint32_t flags, uint32_t expiry, uint8_t datatype,
                      MutationInfo& info) {
    expiry = withMaxTtl(expiry, now_());
    StoredValue* record = existing != nullptr ? existing : table_.findLocked(lock, key);
    if (record == nullptr) {
        record = &table_.insertLocked(
            lock, std::make_unique<StoredValue>(key, std::move(value), flags, expiry, datatype));
        collections_.addItems(key, +1);
    } else {
        if (record->isDeleted()) {
            table_.reviveLocked(lock, *record, std::move(value));
            collections_.addItems(key, +1);
        } else {
            table_.setValueLocked(lock, *record, std::move(value));
        }
        record->setFlags(flags);
        record->setExpiry(expiry);
        record->setDatatype(datatype);
        record->setLockExpiry(0);
        record->setRevSeqno(record->revSeqno() + 1);
    }
    stamp(*record, QueueOp::Mutation, info);
}

Document VBucket::copyOf(const StoredValue& record, bool hide_cas) {
    return {std::string(record.key()),
            record.value(),
            record.flags(),
            record.expiry(),
            hide_cas ? kLockedCas : record.cas(),
            record.datatype(),
            record.bySeqno(),
            record.revSeqno()};
}

Status VBucket::checkLock(const StoredValue& record, Cas cas, uint32_t now) const {
    return record.isLocked(now) && cas != record.cas() ? Status::Locked : Status::Success;
}

uint32_t VBucket::withMaxTtl(uint32_t expiry, uint32_t now) const {
    const uint64_t max_ttl = parameters_.getMaxTtl();
    if (max_ttl == 0) {
        return expiry;
    }
    const auto bound = static_cast<uint32_t>(
        std::min<uint64_t>(uint64_t{now} + max_ttl, std::numeric_limits<uint32_t>::max()));
    return expiry == 0 || expiry > bound ? bound : expiry;
}

size_t VBucket::expireDueItems() {
    const uint32_t now = now_();
    size_t expired = 0;
    table_.visit([&](const HashBucketLock& lock, StoredValue& record) {
        if (!record.isDeleted() && clock::isExpired(record.expiry(), now)) {
            MutationInfo ignored;
            tombstone(lock, record, QueueOp::Expiration, now, ignored);
            ++expired;
        }
    });
    expired_.fetch_add(expired, std::memory_order_relaxed);
    return expired;
}

PageOutResult VBucket::deleteColdItems(const std::function<bool(size_t value_bytes)>& stop) {
    const uint32_t now = now_();
    PageOutResult result;
    bool stopped = false;
    table_.visit([&](const HashBucketLock& lock, StoredValue& record) {
        if (stopped || record.isDeleted() || record.isLocked(now)) {
            return;
        }
        ++result.visited;
        if (record.frequency() == 0) {
            result.value_bytes += record.value() ? record.value()->footprint() : 0;
            MutationInfo ignored;
            tombstone(lock, record, QueueOp::Deletion, now, ignored);
            ++result.evicted;
            stopped = stop(result.value_bytes);
        } else {
            record.decayFrequency();
        }
    });
    return result;
}

size_t VBucket::purgeTombstones(uint32_t deleted_before) {
    int64_t highest = 0;
    const size_t purged = table_.eraseIf([deleted_before, &highest](const StoredValue& record) {
        if (!record.isDeleted() || record.expiry() > deleted_before) {
            return false;
        }
        highest = std::max(highest, record.bySeqno());
        return true;
    });
    // A DCP consumer whose snapshot starts at or below this may have missed those deletions.
    if (highest > 0 && static_cast<uint64_t>(highest) > purgeSeqno()) {
        setPurgeSeqno(static_cast<uint64_t>(highest));
    }
    return purged;
}

CollectionPurgeResult VBucket::purgeCollections(
    std::span<const collections::CollectionId> dropped) {
    CollectionPurgeResult result;
    // Live records removed per collection: the rest of a collection's count is on disk only.
    std::vector<std::pair<collections::CollectionId, int64_t>> in_memory;
    result.records = table_.eraseIf([&](const StoredValue& record) {
        const collections::CollectionId id = collectionOf(record.key());
        if (!std::binary_search(dropped.begin(), dropped.end(), id)) {
            return false;
        }
        if (!record.isDeleted()) {
            const auto found = std::find_if(in_memory.begin(), in_memory.end(),
                                            [id](const auto& each) { return each.first == id; });
            if (found == in_memory.end()) {
                in_memory.emplace_back(id, 1);
            } else {
                ++found->second;
            }
        }
        return true;
    });
    // A fetch in flight may have read a document that is gone now: it must not insert it.
    fetch_epoch_.fetch_add(1, std::memory_order_acq_rel);
    for (const collections::CollectionId id : dropped) {
        const int64_t items = collections_.forget(id);
        result.items += items;
        const auto found = std::find_if(in_memory.begin(), in_memory.end(),
                                        [id](const auto& each) { return each.first == id; });
        const int64_t on_disk_only = items - (found == in_memory.end() ? 0 : found->second);
        if (bloom_ && on_disk_only > 0) {
            uint64_t evicted = evicted_.load(std::memory_order_relaxed);
            uint64_t left = 0;
            do {
                left = evicted - std::min<uint64_t>(evicted, static_cast<uint64_t>(on_disk_only));
            } while (!evicted_.compare_exchange_weak(evicted, left, std::memory_order_relaxed));
        }
    }
    return result;
}

void VBucket::markPersisted(std::string_view key, int64_t seqno) {
    auto lock = table_.lockBucket(key);
    StoredValue* record = table_.findLocked(lock, key);
    if (record == nullptr || record->bySeqno() != seqno) {
        return;  // changed again since: that newer version is still dirty
    }
    if (record->isDeleted()) {
        // The tombstone is on disk; memory need not keep it.
        const std::unique_ptr<StoredValue> gone = table_.unlinkLocked(lock, *record);
        return;
    }
    record->markClean();
    if (bloom_) {
        bloom_->add(key);
    }
}

bool VBucket::needsFetch(std::string_view key) {
    auto lock = table_.lockBucket(key);
    const StoredValue* record = table_.findLocked(lock, key);
    if (record == nullptr) {
        return mustFetch(lock, key);
    }
    return !record->isDeleted() && !record->isResident();
}

void VBucket::loadDocument(const LoadedDocument& document) {
    auto lock = table_.lockBucket(document.key);
    // Checked under the stripe: a purge that ran before this took it cannot miss the record.
    if (dropped(document.key)) {
        return;  // the flusher purges it from disk
    }
    if (bloom_) {
        bloom_->add(document.key);
    }
    if (table_.findLocked(lock, document.key) != nullptr) {
        return;
    }
    clock_.observe(document.cas);
    noteCas(document.cas);
    table_.insertLocked(lock, cleanRecord(document, document.resident));
    collections_.addItems(document.key, +1);
}

PageOutResult VBucket::ejectColdValues(const std::function<bool(size_t value_bytes)>& stop) {
    if (bloom_) {
        return evictColdRecords(stop);
    }
    const uint32_t now = now_();
    PageOutResult result;
    bool stopped = false;
    table_.visit([&](const HashBucketLock& lock, StoredValue& record) {
        if (stopped || record.isDeleted() || record.isDirty() || !record.isResident() ||
            record.isLocked(now)) {
            return;
        }
        ++result.visited;
        if (record.frequency() != 0) {
            record.decayFrequency();
            return;
        }
        const size_t bytes = record.value()->footprint();
        if (table_.ejectValueLocked(lock, record)) {
            result.value_bytes += bytes;
            ++result.evicted;
            stopped = stop(result.value_bytes);
        }
    });
    return result;
}

PageOutResult VBucket::evictColdRecords(const std::function<bool(size_t bytes)>& stop) {
    const uint32_t now = now_();
    PageOutResult result;
    bool stopped = false;
    table_.eraseIf([&](StoredValue& record) {
        if (stopped || record.isDirty() || record.isLocked(now)) {
            return false;
        }
        ++result.visited;
        if (record.frequency() != 0) {
            record.decayFrequency();
            return false;
        }
        // A fetch in flight may have read an older version of this key: it must read again.
        fetch_epoch_.fetch_add(1, std::memory_order_acq_rel);
        result.value_bytes += record.footprint();
        if (record.isDeleted()) {
            return true;  // a clean tombstone only says "not on disk": the filter or disk knows
        }
        ++result.evicted;
        evicted_.fetch_add(1, std::memory_order_relaxed);
        stopped = stop(result.value_bytes);
        return true;
    });
    return result;
}

bool VBucket::restoreFetched(std::string_view key, const LoadedDocument* stored, bool deleted,
                             uint64_t epoch) {
    auto lock = table_.lockBucket(key);
    if (dropped(key)) {
        return true;  // nothing of a dropped collection comes back (and mustFetch() says so)
    }
    StoredValue* record = table_.findLocked(lock, key);
    if (record != nullptr) {
        // Value eviction, or someone brought the key back meanwhile.
        if (stored != nullptr && !deleted && !record->isDeleted() && !record->isResident() &&
            record->bySeqno() == stored->by_seqno) {
            table_.setValueLocked(lock, *record, makeBlob(stored->value));
        }
        return true;
    }
    if (!bloom_ || fetch_epoch_.load(std::memory_order_acquire) != epoch) {
        return false;  // read before a reset or an eviction: possibly stale, read again
    }
    if (stored != nullptr && !deleted) {
        table_.insertLocked(lock, cleanRecord(*stored, true));
        // It was counted as evicted (a live document on disk only); now it is in memory.
        uint64_t evicted = evicted_.load(std::memory_order_relaxed);
        while (evicted > 0 &&
               !evicted_.compare_exchange_weak(evicted, evicted - 1, std::memory_order_relaxed)) {
        }
        return true;
    }
    // Not on disk (or a tombstone): remember that, as a clean tombstone, so the operation that
    // asked does not fetch again.
    auto absent = std::make_unique<StoredValue>(key, BlobPtr(), 0, 0, 0);
    absent->markDeleted();
    if (stored != nullptr) {
        absent->setBySeqno(stored->by_seqno);
        absent->setRevSeqno(stored->rev_seqno);
        absent->setCas(stored->cas);
    }
    absent->markClean();
    table_.insertLocked(lock, std::move(absent));
    return true;
}

void VBucket::reset() {
    // A fetch that started before this must not bring old data back.
    fetch_epoch_.fetch_add(1, std::memory_order_acq_rel);
    // The counts go with the records, under every stripe: a write that follows counts anew.
    table_.clear([this] { collections_.resetItems(); });
    if (bloom_) {
        // Everything goes, on disk too: nothing may be fetched back from the old data. After
        // table_.clear() no pager pass and no flusher can count or add an old key again.
        bloom_->clear();
        evicted_.store(0, std::memory_order_relaxed);
    }
    resets_requested_.fetch_add(1, std::memory_order_acq_rel);
    // Destroyed here, outside the manager's lock.
    const RemovedCheckpoints removed = checkpoints_.clear(checkpoints_.highSeqno());
    MutexLock lock(state_mutex_);
    failover_.restart(highSeqno());
    uuid_.store(failover_.latest().vb_uuid, std::memory_order_release);
}

VBucketResult VBucket::get(std::string_view key, Document& out, bool expire) {
    const uint32_t now = now_();
    auto lock = table_.lockBucket(key);
    StoredValue* record = nullptr;
    if (expire) {
        record = findLive(lock, key, now);
    } else if (StoredValue* found = table_.findLocked(lock, key);
               found != nullptr && !found->isDeleted() && !clock::isExpired(found->expiry(), now)) {
        record = found;
    }
    if (record == nullptr) {
        return absent(lock, key);
    }
    if (!record->isResident()) {
        return VBucketResult::bgFetch();
    }
    record->markAccessed();
    out = copyOf(*record, record->isLocked(now));
    return Status::Success;
}

VBucketResult VBucket::getMeta(std::string_view key, ItemMeta& out) {
    const uint32_t now = now_();
    auto lock = table_.lockBucket(key);
    // findLive() turns an expired document into a tombstone, which is then what is reported.
    StoredValue* record = findLive(lock, key, now);
    if (record == nullptr) {
        record = table_.findLocked(lock, key);
    }
    if (record == nullptr) {
        return absent(lock, key);
    }
    // A tombstone without a seqno is a remembered miss (restoreFetched), not a deletion.
    if (record->isDeleted() && record->bySeqno() == 0) {
        return Status::KeyNotFound;
    }
    out.deleted = record->isDeleted();
    out.flags = record->flags();
    out.expiry = record->expiry();
    out.cas = !out.deleted && record->isLocked(now) ? kLockedCas : record->cas();
    out.rev_seqno = record->revSeqno();
    out.datatype = record->datatype();
    return Status::Success;
}

VBucketResult VBucket::getAndTouch(std::string_view key, uint32_t exptime, Document& out,
                                   MutationInfo& info) {
    const uint32_t now = now_();
    auto lock = table_.lockBucket(key);
    StoredValue* record = findLive(lock, key, now);
    if (record == nullptr) {
        return absent(lock, key);
    }
    if (record->isLocked(now)) {
        return Status::Locked;
    }
    if (!record->isResident()) {
        return VBucketResult::bgFetch();
    }
    record->setExpiry(withMaxTtl(clock::expiryFromProtocol(exptime, now), now));
    record->setRevSeqno(record->revSeqno() + 1);
    record->markAccessed();
    stamp(*record, QueueOp::Mutation, info);
    out = copyOf(*record, false);
    return Status::Success;
}

VBucketResult VBucket::store(const StoreRequest& request, MutationInfo& info) {
    // Read here, not copied at construction: SET_PARAM max_item_size applies to the next write.
    const uint64_t max_value_size = parameters_.getMaxItemSize();
    if (request.value.size() > max_value_size) {
        return Status::TooBig;
    }
    if (request.semantics == StoreSemantics::Add && request.cas != 0) {
        return Status::InvalidArguments;
    }
    const std::string_view key = request.key.bytes();
    const uint32_t now = now_();
    auto lock = table_.lockBucket(key);
    if (dropped(key)) {
        return Status::TemporaryFailure;
    }
    StoredValue* record = findLive(lock, key, now);
    const bool append =
        request.semantics == StoreSemantics::Append || request.semantics == StoreSemantics::Prepend;
    if (record == nullptr) {
        // Full eviction: every store semantic needs to know what the disk has (ADD, REPLACE,
        // CAS, APPEND; a plain SET for the revision and the item count).
        if (mustFetch(lock, key)) {
            return VBucketResult::bgFetch();
        }
        if (append) {
            return Status::NotStored;
        }
        if (request.cas != 0 || request.semantics == StoreSemantics::Replace) {
            return Status::KeyNotFound;
        }
    } else {
        if (const Status locked = checkLock(*record, request.cas, now); locked != Status::Success) {
            return locked;
        }
        if (request.cas != 0 && request.cas != record->cas()) {
            return Status::KeyExists;
        }
        if (request.semantics == StoreSemantics::Add) {
            return Status::KeyExists;
        }
    }
    if (append) {
        if (!record->isResident()) {
            return VBucketResult::bgFetch();
        }
        const std::string_view old = record->value() ? record->value()->view() : std::string_view{};
        if (old.size() + request.value.size() > max_value_size) {
            return Status::TooBig;
        }
        // The bytes go around the body; the xattr section stays in front.
        const size_t body_offset =
            (record->datatype() & datatype::kXattr) != 0 ? xattr::bodyOffset(old) : 0;
        std::string joined;
        joined.reserve(old.size() + request.value.size());
        joined.append(old.substr(0, body_offset));
        if (request.semantics == StoreSemantics::Append) {
            joined.append(old.substr(body_offset)).append(request.value);
        } else {
            joined.append(request.value).append(old.substr(body_offset));
        }
        install(lock, record, key, makeBlob(joined), record->flags(), record->expiry(),
                record->datatype(), info);
        return Status::Success;
    }
    const uint32_t expiry = request.preserve_ttl && record != nullptr
                                ? record->expiry()
                                : clock::expiryFromProtocol(request.exptime, now);
    if (request.preserve_xattrs && record != nullptr &&
        (record->datatype() & datatype::kXattr) != 0 &&
        (request.datatype & datatype::kXattr) == 0) {
        // A new body from a client that does not speak xattrs keeps the document's xattrs.
        if (!record->isResident()) {
            return VBucketResult::bgFetch();
        }
        const std::string_view old = record->value()->view();
        const std::string_view section = old.substr(0, xattr::bodyOffset(old));
        if (section.size() + request.value.size() > max_value_size) {
            return Status::TooBig;
        }
        std::string joined;
        joined.reserve(section.size() + request.value.size());
        joined.append(section).append(request.value);
        install(lock, record, key, makeBlob(joined), request.flags, expiry,
                request.datatype | datatype::kXattr, info);
        return Status::Success;
    }
    install(lock, record, key, makeBlob(request.value), request.flags, expiry, request.datatype,
            info);
    return Status::Success;
}

VBucketResult VBucket::remove(std::string_view key, Cas cas, MutationInfo& info) {
    const uint32_t now = now_();
    auto lock = table_.lockBucket(key);
    StoredValue* record = findLive(lock, key, now);
    if (record == nullptr) {
        return absent(lock, key);
    }
    if (const Status locked = checkLock(*record, cas, now); locked != Status::Success) {
        return locked;
    }
    if (cas != 0 && cas != record->cas()) {
        return Status::KeyExists;
    }
    tombstone(lock, *record, QueueOp::Deletion, now, info);
    return Status::Success;
}

VBucketResult VBucket::arithmetic(const ArithmeticRequest& request, uint64_t& value,
                                  MutationInfo& info, bool& created) {
    created = false;
    const std::string_view key = request.key.bytes();
    const uint32_t now = now_();
    auto lock = table_.lockBucket(key);
    if (dropped(key)) {
        return Status::TemporaryFailure;
    }
    StoredValue* record = findLive(lock, key, now);
    if (record == nullptr) {
        if (mustFetch(lock, key)) {
            return VBucketResult::bgFetch();
        }
        if (request.exptime == kNoCreateExptime) {
            return Status::KeyNotFound;
        }
        value = request.initial;
        created = true;
        install(lock, nullptr, key, makeBlob(std::to_string(value)), 0,
                clock::expiryFromProtocol(request.exptime, now), datatype::kRaw, info);
        return Status::Success;
    }
    if (record->isLocked(now)) {
        return Status::Locked;
    }
    if (!record->isResident()) {
        return VBucketResult::bgFetch();
    }
    // The counter is the body; an xattr section in front of it stays as it is.
    const std::string_view old = record->value() ? record->value()->view() : std::string_view{};
    const size_t body_offset =
        (record->datatype() & datatype::kXattr) != 0 ? xattr::bodyOffset(old) : 0;
    const auto current = parseCounter(old.substr(body_offset));
    if (!current) {
        return Status::DeltaBadValue;
    }
    if (request.increment) {
        value = *current + request.delta;  // wraps modulo 2^64, as memcached does
    } else {
        value = request.delta > *current ? 0 : *current - request.delta;
    }
    std::string updated(old.substr(0, body_offset));
    updated += std::to_string(value);
    install(lock, record, key, makeBlob(updated), record->flags(), record->expiry(),
            record->datatype(), info);
    return Status::Success;
}

VBucketResult VBucket::getLocked(std::string_view key, uint32_t lock_seconds, Document& out) {
    if (lock_seconds == 0 || lock_seconds > config_.max_lock_seconds) {
        lock_seconds = config_.default_lock_seconds;
    }
    const uint32_t now = now_();
    auto lock = table_.lockBucket(key);
    StoredValue* record = findLive(lock, key, now);
    if (record == nullptr) {
        return absent(lock, key);
    }
    if (record->isLocked(now)) {
        return Status::Locked;
    }
    if (!record->isResident()) {
        return VBucketResult::bgFetch();
    }
    // Locking is not a mutation (no seqno), but the new CAS is the key to the lock.
    record->setCas(clock_.nextCas());
    record->setLockExpiry(now + lock_seconds);
    out = copyOf(*record, false);
    return Status::Success;
}

VBucketResult VBucket::unlock(std::string_view key, Cas cas) {
    const uint32_t now = now_();
    auto lock = table_.lockBucket(key);
    StoredValue* record = findLive(lock, key, now);
    if (record == nullptr) {
        return absent(lock, key);
    }
    if (!record->isLocked(now)) {
        return Status::LockedTmpfail;
    }
    if (cas != record->cas()) {
        return Status::Locked;
    }
    record->setLockExpiry(0);
    return Status::Success;
}

}  // namespace eddy::engine
