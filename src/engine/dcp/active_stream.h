// eddy — one DCP stream: the changes of one vbucket, from a start seqno to an end seqno, for one
// producer connection.
//
// Owns: ActiveStream, the stream's state machine, its ready queue of messages waiting for the
// front end, and its checkpoint cursor.
//
// Semantics (kv_engine-brief §4.3).
//   Pending → start() → Backfilling | InMemory;  Backfilling → backfillComplete() → InMemory
//   (or ends: DiskOnly, or the end seqno reached);  any → endStream(reason) → Dead.
// start() registers a droppable checkpoint cursor at the start seqno. If the checkpoints no
// longer reach back to start + 1, the stream backfills [start + 1, next_seqno − 1] (capped at
// the end seqno) through its producer's BackfillManager: one Disk snapshot marker, then the
// changes in seqno order; then it switches to the cursor, whose first change is next_seqno, so
// there is no gap and no duplicate. In memory, processCheckpointItems() (the producer's NONIO
// task) moves what the cursor returns into the ready queue, one Memory marker per checkpoint
// read (with the Checkpoint flag when the read starts a checkpoint) followed by its changes.
// The first marker of a stream starts at min(request snap_start, its own start), so a consumer
// resuming inside a partial snapshot sees one snapshot covering it.
// A stream whose request had a collections filter carries only those collections' changes:
// the producer skips the others as it sends (wants()), and when the change it skips is the
// last of the snapshot last sent, it sends SEQNO_ADVANCED so that the consumer still learns
// that the snapshot is complete. A backfill whose disk snapshot ends on a seqno no longer on
// disk (its key changed again) queues a SeqnoAdvanced message for that end itself; the
// producer sends it to collections connections only, as kv_engine does.
// A change above the end seqno is never queued; once the stream has read up to its end seqno it
// queues STREAM_END OK. DiskOnly streams backfill up to min(end, what is on disk) and end.
// If memory recovery drops the cursor, the next read finds it gone: a stream whose connection
// declared supports_cursor_dropping re-registers and backfills from its last read seqno;
// otherwise it ends with Slow. A reset of the vbucket's log (FLUSH) ends it with StateChanged.
// The ready queue holds at most about kMaxReadyBytes of memory-phase messages: past that the
// stream stops reading its cursor until the front end has drained it, so a slow consumer pins
// checkpoints (and may have its cursor dropped) instead of growing the queue without bound.
//
// Thread contract: thread-safe; one mutex (mutex_) guards the state. Lock order: a stream's
// mutex may be held while taking its vbucket's checkpoint lock (a leaf); never while taking a
// hash-table stripe, the connection map's locks or its producer's stream map lock. The producer
// is notified (markReady, scheduleCheckpointProcessing, scheduleBackfill) after mutex_ is
// released.
#pragma once

#include "common/mutex.h"
#include "eddy/dcp_iface.h"
#include "engine/dcp/dcp_message.h"
#include "engine/vbucket/vbucket.h"

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::engine::dcp {

class DcpProducer;

enum class StreamState : uint8_t {
    Pending,
    Backfilling,
    InMemory,
    Dead,
};

[[nodiscard]] std::string_view toString(StreamState state);

class ActiveStream : public std::enable_shared_from_this<ActiveStream> {
public:
    /// Memory-phase messages a stream queues before it waits for the front end.
    static constexpr size_t kMaxReadyBytes = 2 * 1024 * 1024;
    /// Changes taken from the cursor per read.
    static constexpr size_t kItemsPerRead = 64;

    /// `end_seqno` is already resolved (ToLatest applied); `disk_limit` is the highest seqno a
    /// DiskOnly stream may read (what is persisted, or the high seqno of an ephemeral bucket).
    ActiveStream(DcpProducer& producer, std::shared_ptr<VBucket> vbucket,
                 const DcpStreamRequest& request, uint64_t end_seqno, uint64_t disk_limit,
                 std::string cursor_name);
    ~ActiveStream();
    ActiveStream(const ActiveStream&) = delete;
    ActiveStream& operator=(const ActiveStream&) = delete;

    [[nodiscard]] Vbid vbucketId() const { return vbid_; }
    /// Whether the stream carries changes of `key`'s collection (its request's filter).
    [[nodiscard]] bool wants(std::string_view key) const;
    [[nodiscard]] bool filtered() const { return filter_.has_value(); }
    /// The end seqno of the last snapshot marker handed to the front end.
    [[nodiscard]] uint64_t lastSentSnapshotEnd() const EXCLUDES(mutex_);
    [[nodiscard]] uint32_t opaque() const { return opaque_; }
    [[nodiscard]] const std::shared_ptr<VBucket>& vbucket() const { return vbucket_; }
    [[nodiscard]] StreamState state() const EXCLUDES(mutex_);
    [[nodiscard]] bool isDead() const EXCLUDES(mutex_);

    /// Registers the cursor and starts the first phase (see the file comment).
    void start() EXCLUDES(mutex_);

    /// Front end: the next message to send, or nullptr. `more` tells whether others follow
    /// (if not, the stream asks its producer to be marked ready again when it has one).
    [[nodiscard]] std::unique_ptr<DcpMessage> next(bool& more) EXCLUDES(mutex_);

    /// NONIO: moves what the cursor has into the ready queue. True if the cursor has more.
    bool processCheckpointItems(size_t max_items) EXCLUDES(mutex_);
    /// Whether new changes may be waiting in the checkpoints; cleared by the processor. Set by
    /// notifyChanges() from any thread (the vbucket's change path).
    void notifyChanges();

    // Backfill callbacks (AUXIO). Each returns false once the stream no longer wants items.
    bool backfillStart(uint64_t range_end) EXCLUDES(mutex_);
    /// Queues one backfilled change; `queued_bytes` is what it adds to the connection's buffered
    /// backfill bytes (0 if dropped).
    bool backfillItem(QueuedItemPtr item, size_t& queued_bytes) EXCLUDES(mutex_);
    void backfillComplete(uint64_t range_end) EXCLUDES(mutex_);
    /// The backfill could not read the store.
    void backfillFailed() EXCLUDES(mutex_);

    /// Ends the stream: queues STREAM_END(reason) and stops reading. No-op if already dead.
    void endStream(eddy::dcp::StreamEndReason reason) EXCLUDES(mutex_);
    /// What a dropped ready queue held of backfilled messages.
    struct Released {
        size_t bytes = 0;
        size_t items = 0;
    };
    /// Ends the stream without a STREAM_END (client close without the control, disconnect):
    /// drops the ready queue and returns the backfilled messages it held.
    Released closeSilently() EXCLUDES(mutex_);

    /// Appends this stream's stats, keys prefixed with `prefix` ("eq_dcpq:<name>:stream_<vb>_").
    void addStats(std::string_view prefix, const AddStatFn& add_stat) const EXCLUDES(mutex_);
    /// Messages waiting and changes the cursor has not read yet.
    [[nodiscard]] size_t itemsRemaining() const EXCLUDES(mutex_);
    [[nodiscard]] size_t readyQueueSize() const EXCLUDES(mutex_);

private:
    /// Pushes a message; true if the stream was not marked ready before (the caller tells the
    /// producer once the lock is dropped).
    bool pushLocked(std::unique_ptr<DcpMessage> message) REQUIRES(mutex_);
    /// The marker start for a snapshot beginning at `start` (the first one reaches back to the
    /// request's snapshot start).
    uint64_t markerStartLocked(uint64_t start) REQUIRES(mutex_);
    /// Registers the cursor at last_read_seqno_ and picks the phase; returns the backfill range
    /// to schedule (end < start if none).
    std::pair<uint64_t, uint64_t> registerCursorLocked() REQUIRES(mutex_);
    bool endStreamLocked(eddy::dcp::StreamEndReason reason) REQUIRES(mutex_);
    struct Followup;
    /// Queues a marker and the changes (up to the end seqno) of each snapshot read.
    void queueSnapshotsLocked(ItemsForCursor& items, Followup& followup) REQUIRES(mutex_);
    void removeCursorLocked() REQUIRES(mutex_);
    /// What to do after the lock is dropped.
    struct Followup {
        bool ready = false;
        bool process = false;
        uint64_t backfill_start = 1;
        uint64_t backfill_end = 0;
    };
    void apply(const Followup& followup);

    DcpProducer& producer_;
    const std::shared_ptr<VBucket> vbucket_;
    const Vbid vbid_;
    const uint32_t opaque_;
    const uint32_t flags_;
    const uint64_t start_seqno_;
    const uint64_t end_seqno_;
    const uint64_t vb_uuid_;
    const uint64_t request_snap_start_;
    const uint64_t request_snap_end_;
    const uint64_t disk_limit_;
    const std::string cursor_name_;
    /// Sorted collection ids; nullopt: every collection.
    const std::optional<std::vector<uint32_t>> filter_;

    std::atomic<bool> changes_pending_{false};

    /// Lock order (across objects, so written here rather than declared): after the producer's
    /// DcpProducer::mutex_; before the vbucket's CheckpointManager mutex (cursor registration,
    /// reads and removal happen under it). Never held while taking a hash-table stripe, a
    /// DcpConnMap lock or any producer lock; the producer is called after it is released.
    mutable Mutex mutex_;
    StreamState state_ GUARDED_BY(mutex_) = StreamState::Pending;
    std::deque<std::unique_ptr<DcpMessage>> ready_ GUARDED_BY(mutex_);
    size_t ready_bytes_ GUARDED_BY(mutex_) = 0;
    /// Marked in the producer's ready list (or being served by the front end).
    bool in_ready_list_ GUARDED_BY(mutex_) = false;
    bool cursor_registered_ GUARDED_BY(mutex_) = false;
    /// The processor stopped at kMaxReadyBytes: next() reschedules it below half of that.
    bool waiting_for_drain_ GUARDED_BY(mutex_) = false;
    bool first_marker_sent_ GUARDED_BY(mutex_) = false;
    /// The highest seqno queued (or covered by a queued marker's read).
    uint64_t last_read_seqno_ GUARDED_BY(mutex_);
    uint64_t last_sent_seqno_ GUARDED_BY(mutex_);
    uint64_t last_sent_snap_end_ GUARDED_BY(mutex_) = 0;
    /// The snapshot of the last marker queued.
    uint64_t cur_snap_start_ GUARDED_BY(mutex_) = 0;
    uint64_t cur_snap_end_ GUARDED_BY(mutex_) = 0;
    uint32_t cur_snap_flags_ GUARDED_BY(mutex_) = 0;
    /// The seqno of the last change a backfill queued (0: none yet).
    uint64_t last_backfilled_seqno_ GUARDED_BY(mutex_) = 0;
    uint64_t backfill_items_ GUARDED_BY(mutex_) = 0;
    uint64_t backfill_sent_ GUARDED_BY(mutex_) = 0;
    uint64_t memory_items_ GUARDED_BY(mutex_) = 0;
    uint64_t memory_sent_ GUARDED_BY(mutex_) = 0;
    uint64_t backfills_ GUARDED_BY(mutex_) = 0;
    uint64_t cursor_drops_ GUARDED_BY(mutex_) = 0;
    eddy::dcp::StreamEndReason end_reason_ GUARDED_BY(mutex_) = eddy::dcp::StreamEndReason::Ok;
};

}  // namespace eddy::engine::dcp
