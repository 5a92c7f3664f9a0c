#include "engine/flusher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_set>

namespace eddy::engine {

namespace {

DiskDocument toDisk(const QueuedItem& item) {
    DiskDocument document;
    document.key = item.key();
    document.value = std::string(item.value());
    document.by_seqno = item.bySeqno();
    document.rev_seqno = item.revSeqno();
    document.cas = item.cas();
    document.flags = item.flags();
    document.expiry = item.expiry();
    document.datatype = item.datatype();
    document.deleted = item.op() != QueueOp::Mutation;
    return document;
}

}  // namespace

Flusher::Flusher(KVStore& store, size_t shard, size_t num_shards, const DroppedCollections* dropped)
    : store_(store),
      shard_(shard),
      num_shards_(std::max<size_t>(num_shards, 1)),
      dropped_(dropped) {}

std::optional<FlushBatch> Flusher::collect(VBucket& vbucket, size_t limit, bool& more) const {
    auto read = vbucket.checkpointManager().getItemsForPersistence(limit);
    if (!read) {
        return std::nullopt;
    }
    more = more || read->more_available;
    FlushBatch batch;
    batch.vbucket = vbucket.id();
    batch.reset = read->reset;
    if (batch.reset) {
        // Read after the cursor reported the reset, so it covers that reset (or a later one,
        // whose older data this batch's deletion wipes as well).
        batch.reset_generation = vbucket.resetsRequested();
    }
    bool state_changed = false;
    // Everything up to the cursor's position has now been handed to a batch (this one or an
    // earlier one), which is the high seqno this batch's state records.
    const int64_t high = read->last_read_seqno;
    SnapshotRange range{high, high};
    std::vector<const QueuedItem*> items;
    bool filtered = false;
    for (const CursorSnapshot& snapshot : read->snapshots) {
        for (const QueuedItemPtr& item : snapshot.items) {
            if (item->isMeta()) {
                state_changed = state_changed || item->op() == QueueOp::SetVbucketState;
                continue;
            }
            if (dropped_ != nullptr && dropped_->containsKey(item->key())) {
                filtered = true;  // its collection's documents are purged, never written again
                continue;
            }
            items.push_back(item.get());
        }
        if (snapshot.range.end >= snapshot.range.start) {
            range = snapshot.range;
        }
    }
    // Changes that were all filtered out still move the persisted high seqno: the batch then
    // writes the vbucket's state alone.
    if (items.empty() && !state_changed && !batch.reset && !filtered) {
        return std::nullopt;
    }
    // A key may appear in several checkpoints: only its latest version goes to disk.
    std::unordered_set<std::string_view> seen;
    std::vector<const QueuedItem*> latest;
    latest.reserve(items.size());
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
        if (seen.insert(std::string_view((*it)->key())).second) {
            latest.push_back(*it);
        }
    }
    batch.documents.reserve(latest.size());
    for (auto it = latest.rbegin(); it != latest.rend(); ++it) {
        batch.documents.push_back(toDisk(**it));
    }

    PersistedVBucketState& state = batch.state;
    state.state = vbucket.state();
    state.high_seqno = high;
    state.snapshot_start = std::min(range.start, high);
    state.snapshot_end = std::max(range.end, high);
    state.purge_seqno = static_cast<int64_t>(vbucket.purgeSeqno());
    state.max_cas = vbucket.maxCas();
    state.failover = vbucket.failoverEntries();
    return batch;
}

void Flusher::markPersisted(VBucket& vbucket, const FlushBatch& batch) {
    for (const DiskDocument& document : batch.documents) {
        vbucket.markPersisted(document.key, document.by_seqno);
    }
    vbucket.setPersistedSeqno(static_cast<uint64_t>(batch.state.high_seqno));
    if (batch.reset) {
        vbucket.setResetsPersisted(batch.reset_generation);
    }
}

void Flusher::forget(Vbid vbucket) {
    std::erase_if(retry_,
                  [vbucket](const Pending& pending) { return pending.batch.vbucket == vbucket; });
}

Flusher::Result Flusher::flush(const VBucketMap& vbuckets, DirtyVBuckets& dirty, size_t limit) {
    // Read before any batch of this flush: every batch written below filters at least these.
    const uint64_t dropped_generation = dropped_ != nullptr ? dropped_->generation() : 0;
    Result result = flushBatches(vbuckets, dirty, limit);
    if (!result.failed && dropped_generation > purged_generation_) {
        purgeDropped(vbuckets, dropped_generation, result);
    }
    return result;
}

void Flusher::purgeDropped(const VBucketMap& vbuckets, uint64_t generation, Result& result) {
    const std::vector<std::string> prefixes = dropped_->keyPrefixes();
    try {
        for (size_t index = shard_; index < vbuckets.capacity(); index += num_shards_) {
            const Vbid id(static_cast<uint16_t>(index));
            if (vbuckets.get(id) && store_.purgePrefixes(id, prefixes) > 0) {
                ++result.vbuckets_purged;
            }
        }
    } catch (const std::exception& error) {
        spdlog::error("flusher {}: purging dropped collections failed, will retry: {}", shard_,
                      error.what());
        result.purge_failed = true;
        result.more = true;
        return;
    }
    purged_generation_ = generation;
    if (result.vbuckets_purged > 0) {
        spdlog::info("flusher {}: documents of dropped collections purged from {} vbuckets", shard_,
                     result.vbuckets_purged);
    }
}

Flusher::Result Flusher::flushBatches(const VBucketMap& vbuckets, DirtyVBuckets& dirty,
                                      size_t limit) {
    Result result;
    std::vector<Pending> pending = std::move(retry_);
    retry_.clear();
    // Kept batches of a vbucket that was deleted (and maybe created again) since must never
    // reach the disk.
    std::erase_if(pending, [&vbuckets](const Pending& kept) {
        return vbuckets.get(kept.batch.vbucket) != kept.vbucket;
    });
    size_t taken = 0;
    for (const Pending& kept : pending) {
        taken += kept.batch.documents.size();
    }
    for (size_t index = shard_; index < dirty.capacity(); index += num_shards_) {
        const Vbid id(static_cast<uint16_t>(index));
        if (!dirty.take(id)) {
            continue;
        }
        auto vbucket = vbuckets.get(id);
        if (!vbucket) {
            continue;
        }
        if (taken >= limit) {
            dirty.mark(id);  // next run
            result.more = true;
            continue;
        }
        bool more = false;
        if (auto batch = collect(*vbucket, limit - taken, more)) {
            taken += batch->documents.size();
            pending.push_back({vbucket, std::move(*batch)});
        }
        if (more) {
            dirty.mark(id);
            result.more = true;
        }
    }
    if (pending.empty()) {
        return result;
    }
    std::vector<FlushBatch> batches;
    batches.reserve(pending.size());
    for (Pending& entry : pending) {
        batches.push_back(std::move(entry.batch));
    }
    try {
        store_.commit(std::span<const FlushBatch>(batches));
    } catch (const std::exception& error) {
        ++failed_commits_;
        spdlog::error("flusher {}: commit of {} vbucket batches failed, will retry: {}", shard_,
                      batches.size(), error.what());
        for (size_t i = 0; i < batches.size(); ++i) {
            pending[i].batch = std::move(batches[i]);
        }
        retry_ = std::move(pending);
        result.failed = true;
        result.more = true;
        return result;
    }
    ++commits_;
    for (size_t i = 0; i < batches.size(); ++i) {
        const FlushBatch& batch = batches[i];
        result.documents += batch.documents.size();
        // Only the vbucket object the changes came from, and only while it is still the one
        // in the map (a vbucket deleted meanwhile has nothing left to mark).
        const auto current = vbuckets.get(batch.vbucket);
        if (current && current == pending[i].vbucket) {
            markPersisted(*current, batch);
            result.persisted.emplace_back(batch.vbucket,
                                          static_cast<uint64_t>(batch.state.high_seqno));
        }
    }
    return result;
}

}  // namespace eddy::engine
