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

Flusher::Flusher(KVStore& store, size_t shard, size_t num_shards)
    : store_(store), shard_(shard), num_shards_(std::max<size_t>(num_shards, 1)) {}

std::optional<FlushBatch> Flusher::collect(VBucket& vbucket, size_t limit, bool& more) {
    auto read = vbucket.checkpointManager().getItemsForPersistence(limit);
    if (!read) {
        return std::nullopt;
    }
    more = more || read->more_available;
    FlushBatch batch;
    batch.vbucket = vbucket.id();
    bool state_changed = false;
    int64_t high = static_cast<int64_t>(vbucket.persistedSeqno());
    SnapshotRange range{high, high};
    Cas max_cas = 0;
    for (const CursorSnapshot& snapshot : read->snapshots) {
        for (const QueuedItemPtr& item : snapshot.items) {
            if (item->isMeta()) {
                state_changed = state_changed || item->op() == QueueOp::SetVbucketState;
                continue;
            }
            batch.documents.push_back(toDisk(*item));
            high = std::max(high, item->bySeqno());
            max_cas = std::max(max_cas, item->cas());
        }
        if (snapshot.range.end >= snapshot.range.start) {
            range = snapshot.range;
        }
    }
    if (batch.documents.empty() && !state_changed) {
        return std::nullopt;
    }
    // A key may appear in several checkpoints: only its latest version goes to disk.
    std::unordered_set<std::string_view> seen;
    std::vector<DiskDocument> latest;
    latest.reserve(batch.documents.size());
    for (auto it = batch.documents.rbegin(); it != batch.documents.rend(); ++it) {
        if (seen.insert(it->key).second) {
            latest.push_back(std::move(*it));
        }
    }
    std::reverse(latest.begin(), latest.end());
    batch.documents = std::move(latest);

    PersistedVBucketState& state = batch.state;
    state.state = vbucket.state();
    state.high_seqno = high;
    state.snapshot_start = std::min(range.start, high);
    state.snapshot_end = std::max(range.end, high);
    state.purge_seqno = static_cast<int64_t>(vbucket.purgeSeqno());
    state.max_cas = max_cas;
    state.failover = vbucket.failoverEntries();
    return batch;
}

void Flusher::markPersisted(VBucket& vbucket, const FlushBatch& batch) {
    for (const DiskDocument& document : batch.documents) {
        vbucket.markPersisted(document.key, document.by_seqno);
    }
    vbucket.setPersistedSeqno(static_cast<uint64_t>(batch.state.high_seqno));
}

Flusher::Result Flusher::flush(const VBucketMap& vbuckets, size_t limit) {
    Result result;
    std::vector<FlushBatch> batches = std::move(retry_);
    retry_.clear();
    size_t taken = 0;
    for (const FlushBatch& batch : batches) {
        taken += batch.documents.size();
    }
    vbuckets.forEach([&](VBucket& vbucket) {
        if (!owns(vbucket.id())) {
            return;
        }
        if (taken >= limit) {
            result.more = result.more || vbucket.checkpointManager().numItemsForCursor(
                                             kPersistenceCursorName) != 0;
            return;
        }
        if (auto batch = collect(vbucket, limit - taken, result.more)) {
            taken += batch->documents.size();
            batches.push_back(std::move(*batch));
        }
    });
    if (batches.empty()) {
        return result;
    }
    try {
        store_.commit(std::span<const FlushBatch>(batches));
    } catch (const KVStoreError& error) {
        ++failed_commits_;
        spdlog::error("flusher {}: commit of {} vbucket batches failed, will retry: {}", shard_,
                      batches.size(), error.what());
        retry_ = std::move(batches);
        result.failed = true;
        result.more = true;
        return result;
    }
    ++commits_;
    for (const FlushBatch& batch : batches) {
        result.documents += batch.documents.size();
        // A vbucket deleted meanwhile has nothing left to mark.
        if (auto vbucket = vbuckets.get(batch.vbucket)) {
            markPersisted(*vbucket, batch);
            result.persisted.emplace_back(batch.vbucket,
                                          static_cast<uint64_t>(batch.state.high_seqno));
        }
    }
    return result;
}

}  // namespace eddy::engine
