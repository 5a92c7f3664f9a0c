// eddy — the backfills of one DCP producer connection: reading what a stream needs from disk
// (or, for an ephemeral bucket, from the hash table) before it can follow the checkpoints.
//
// Owns: BackfillManager, the queue of one producer's pending backfills and the reading of them
// in bounded chunks, on the producer's AUXIO task.
//
// Semantics. schedule() queues a backfill of [start, end] for a stream. Each run() takes the
// first backfill and reads one chunk: at most dcp_scan_item_limit items or dcp_scan_byte_limit
// bytes, then gives the thread back. A persistent backfill first waits (run() answers Retry)
// until the vbucket's persisted seqno reaches the range end: a change leaves the checkpoints
// only after the flusher has read it, and is on disk a moment later; after a FLUSH it also waits
// until the store has dropped the old documents. The disk scan visits the
// current version of each document in the range (a document changed since is skipped there and
// arrives at its new seqno from the checkpoints). An ephemeral backfill snapshots the hash
// table's records in the range, ordered by seqno, on its first run, and hands them out in
// chunks. The stream gets one backfillStart (its Disk marker), the items, then
// backfillComplete; a failed read ends the stream with BackfillFail. While the connection
// buffers dcp_backfill_byte_limit bytes of backfilled messages, run() answers Paused; the
// producer resumes it when the front end has sent enough of them. Order: round-robin between
// streams (default) or one stream at a time (backfill_order=sequential).
//
// Thread contract: schedule(), cancel(), counts() from any thread; run() on the producer's
// AUXIO task only (one run at a time). mutex_ is a leaf lock; stream callbacks and store reads
// happen without it.
#pragma once

#include "common/mutex.h"
#include "engine/checkpoint/queued_item.h"

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace eddy::engine {
class KVStore;
}

namespace eddy::engine::dcp {

class ActiveStream;

struct BackfillLimits {
    size_t scan_items = 4096;
    size_t scan_bytes = 4 * 1024 * 1024;
};

enum class BackfillRun : uint8_t {
    Idle,    ///< nothing queued
    More,    ///< run again now
    Retry,   ///< waiting for the flusher: run again shortly
    Paused,  ///< the connection's backfill buffer is full: run again once it drains
    /// the bucket's memory use is above backfill_mem_threshold: run again in a while
    MemoryFull,
};

class BackfillManager {
public:
    struct Counts {
        size_t active = 0;   ///< started, not finished
        size_t pending = 0;  ///< queued, not started
    };

    /// `store` is null for an ephemeral bucket (backfills read the hash table); `running` is
    /// the bucket's count of started, unfinished backfills (ep_dcp_num_running_backfills).
    BackfillManager(KVStore* store, std::atomic<uint64_t>& running)
        : store_(store), running_total_(running) {}

    void schedule(std::shared_ptr<ActiveStream> stream, uint64_t start, uint64_t end)
        EXCLUDES(mutex_);
    /// One chunk of the first backfill. `buffer_full` is asked between items.
    BackfillRun run(const BackfillLimits& limits, bool sequential,
                    const std::function<bool()>& buffer_full,
                    const std::function<void(size_t bytes)>& buffered) EXCLUDES(mutex_);
    /// Drops every queued backfill (disconnect).
    void cancelAll() EXCLUDES(mutex_);
    [[nodiscard]] Counts counts() const EXCLUDES(mutex_);

private:
    struct Job {
        std::shared_ptr<ActiveStream> stream;
        uint64_t next = 0;
        uint64_t end = 0;
        bool started = false;
        /// Ephemeral: the records of the range, by seqno, and how many were handed out.
        bool snapshotted = false;
        std::vector<QueuedItemPtr> records;
        size_t position = 0;
    };
    enum class ChunkResult : uint8_t {
        Done,
        More,
        Dropped,
    };

    ChunkResult readDisk(Job& job, const BackfillLimits& limits,
                         const std::function<bool()>& buffer_full,
                         const std::function<void(size_t bytes)>& buffered);
    ChunkResult readMemory(Job& job, const BackfillLimits& limits,
                           const std::function<bool()>& buffer_full,
                           const std::function<void(size_t bytes)>& buffered);
    void finish(const Job& job) EXCLUDES(mutex_);

    KVStore* const store_;
    std::atomic<uint64_t>& running_total_;
    mutable Mutex mutex_;
    std::deque<std::unique_ptr<Job>> jobs_ GUARDED_BY(mutex_);
    /// The job run() holds (not in jobs_ meanwhile).
    size_t running_ GUARDED_BY(mutex_) = 0;
    size_t active_ GUARDED_BY(mutex_) = 0;
};

}  // namespace eddy::engine::dcp
