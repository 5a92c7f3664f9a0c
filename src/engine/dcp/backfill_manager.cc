#include "engine/dcp/backfill_manager.h"

#include "engine/dcp/active_stream.h"
#include "engine/kvstore/kvstore.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace eddy::engine::dcp {

namespace {

QueuedItemPtr fromDisk(DiskDocument&& document) {
    QueuedItem::Fields fields;
    fields.key = std::move(document.key);
    if (!document.value.empty()) {
        fields.value = Blob::make(document.value);
    }
    fields.rev_seqno = document.rev_seqno;
    fields.cas = document.cas;
    fields.flags = document.flags;
    fields.expiry = document.expiry;
    fields.datatype = document.datatype;
    fields.op = document.deleted ? QueueOp::Deletion : QueueOp::Mutation;
    return QueuedItem::make(std::move(fields), document.by_seqno);
}

QueuedItemPtr fromRecord(const StoredValue& record) {
    QueuedItem::Fields fields;
    fields.key = std::string(record.key());
    fields.value = record.value();
    fields.rev_seqno = record.revSeqno();
    fields.cas = record.cas();
    fields.flags = record.flags();
    fields.expiry = record.expiry();
    fields.datatype = record.datatype();
    fields.op = record.isDeleted() ? QueueOp::Deletion : QueueOp::Mutation;
    return QueuedItem::make(std::move(fields), record.bySeqno());
}

}  // namespace

void BackfillManager::schedule(std::shared_ptr<ActiveStream> stream, uint64_t start, uint64_t end) {
    auto job = std::make_unique<Job>();
    job->stream = std::move(stream);
    job->next = start;
    job->end = end;
    MutexLock lock(mutex_);
    jobs_.push_back(std::move(job));
}

void BackfillManager::cancelAll() {
    std::deque<std::unique_ptr<Job>> dropped;
    {
        MutexLock lock(mutex_);
        dropped.swap(jobs_);
        for (const auto& job : dropped) {
            if (job->started) {
                --active_;
                running_total_.fetch_sub(1, std::memory_order_relaxed);
            }
        }
    }
    // The streams (and the records an ephemeral snapshot held) are released here, unlocked.
}

BackfillManager::Counts BackfillManager::counts() const {
    MutexLock lock(mutex_);
    return {.active = active_, .pending = jobs_.size() + running_ - active_};
}

void BackfillManager::finish(const Job& job) {
    MutexLock lock(mutex_);
    --running_;
    if (job.started) {
        --active_;
        running_total_.fetch_sub(1, std::memory_order_relaxed);
    }
}

BackfillRun BackfillManager::run(const BackfillLimits& limits, bool sequential,
                                 const std::function<bool()>& buffer_full,
                                 const std::function<void(size_t bytes)>& buffered) {
    std::unique_ptr<Job> job;
    {
        MutexLock lock(mutex_);
        if (jobs_.empty()) {
            return BackfillRun::Idle;
        }
        job = std::move(jobs_.front());
        jobs_.pop_front();
        ++running_;
    }
    const auto requeue = [&](bool front) {
        MutexLock lock(mutex_);
        --running_;
        if (front) {
            jobs_.push_front(std::move(job));
        } else {
            jobs_.push_back(std::move(job));
        }
    };
    if (buffer_full()) {
        requeue(true);
        return BackfillRun::Paused;
    }
    const VBucket& vbucket = *job->stream->vbucket();
    if (store_ != nullptr && (vbucket.persistedSeqno() < job->end || vbucket.storeResetPending())) {
        requeue(true);
        return BackfillRun::Retry;
    }
    if (!job->started) {
        if (!job->stream->backfillStart(job->end)) {
            finish(*job);
            return BackfillRun::More;
        }
        job->started = true;
        MutexLock lock(mutex_);
        ++active_;
        running_total_.fetch_add(1, std::memory_order_relaxed);
    }
    ChunkResult result = ChunkResult::Done;
    try {
        result = store_ != nullptr ? readDisk(*job, limits, buffer_full, buffered)
                                   : readMemory(*job, limits, buffer_full, buffered);
    } catch (const KVStoreError& error) {
        spdlog::warn("dcp backfill of vbucket {}: {}", vbucket.id().get(), error.what());
        job->stream->backfillFailed();
        finish(*job);
        return BackfillRun::More;
    }
    switch (result) {
    case ChunkResult::Done: job->stream->backfillComplete(job->end); [[fallthrough]];
    case ChunkResult::Dropped: finish(*job); break;
    case ChunkResult::More: requeue(sequential); break;
    }
    return BackfillRun::More;
}

BackfillManager::ChunkResult BackfillManager::readDisk(
    Job& job, const BackfillLimits& limits, const std::function<bool()>& buffer_full,
    const std::function<void(size_t bytes)>& buffered) {
    size_t items = 0;
    size_t bytes = 0;
    bool stopped = false;
    bool dropped = false;
    store_->scanBySeqno(
        job.stream->vbucketId(), static_cast<int64_t>(job.next), static_cast<int64_t>(job.end),
        [&](DiskDocument&& document) {
            const auto seqno = static_cast<uint64_t>(document.by_seqno);
            bytes += document.key.size() + document.value.size();
            size_t queued = 0;
            if (!job.stream->backfillItem(fromDisk(std::move(document)), queued)) {
                dropped = true;
                return false;
            }
            buffered(queued);
            job.next = seqno + 1;
            if (++items >= limits.scan_items || bytes >= limits.scan_bytes || buffer_full()) {
                stopped = true;
                return false;
            }
            return true;
        });
    if (dropped) {
        return ChunkResult::Dropped;
    }
    return stopped && job.next <= job.end ? ChunkResult::More : ChunkResult::Done;
}

BackfillManager::ChunkResult BackfillManager::readMemory(
    Job& job, const BackfillLimits& limits, const std::function<bool()>& buffer_full,
    const std::function<void(size_t bytes)>& buffered) {
    if (!job.snapshotted) {
        const auto first = static_cast<int64_t>(job.next);
        const auto last = static_cast<int64_t>(job.end);
        job.stream->vbucket()->hashTable().visit(
            [&](const HashBucketLock& /*lock*/, StoredValue& record) {
                if (record.bySeqno() >= first && record.bySeqno() <= last) {
                    job.records.push_back(fromRecord(record));
                }
            });
        std::sort(job.records.begin(), job.records.end(),
                  [](const QueuedItemPtr& a, const QueuedItemPtr& b) {
                      return a->bySeqno() < b->bySeqno();
                  });
        job.snapshotted = true;
    }
    size_t items = 0;
    size_t bytes = 0;
    while (job.position < job.records.size()) {
        QueuedItemPtr& record = job.records[job.position++];
        bytes += record->key().size() + record->valueSize();
        size_t queued = 0;
        if (!job.stream->backfillItem(std::move(record), queued)) {
            return ChunkResult::Dropped;
        }
        buffered(queued);
        if (++items >= limits.scan_items || bytes >= limits.scan_bytes || buffer_full()) {
            break;
        }
    }
    return job.position < job.records.size() ? ChunkResult::More : ChunkResult::Done;
}

}  // namespace eddy::engine::dcp
