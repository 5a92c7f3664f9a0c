// eddy — a vbucket's in-memory change log and the cursors that read it.
//
// Owns: CheckpointManager (one per vbucket): the vbucket's list of checkpoints, its seqno
// counter and its named cursors (the flusher's "persistence" cursor and one per DCP stream).
//
// Semantics.
//
// Seqnos. On an active vbucket the manager assigns seqnos: queueDirty() gives each change the
// high seqno plus one and returns it, so the order of seqnos is the order of the log. A replica
// queues the active's seqnos with queueReplicated() (each above the high seqno).
//
// Checkpoints. The newest checkpoint is open and takes every change; the others are closed.
// A change to a key whose data item is still in the open checkpoint de-duplicates it: the older
// item leaves the queue and the new one, with its new seqno, goes to the tail. There is no
// de-duplication across checkpoints, nor against items already expelled. Before a change is
// queued, an open Memory checkpoint that holds at least one item and has reached max_items items
// or max_size_bytes of accounted memory is closed and a new one opened, as long as fewer than
// max_checkpoints exist (past that the open checkpoint keeps growing until memory recovery frees
// old ones). Disk checkpoints (a replica's disk snapshot) are never split. createNewCheckpoint()
// closes the open checkpoint regardless of max_checkpoints unless it holds no items.
//
// Cursors. A cursor is a named reader of the log; it has delivered every change up to its
// position. getItemsForCursor() hands out what follows, oldest first, grouped per checkpoint
// (CursorSnapshot: the checkpoint's id and type, a snapshot range, whether it starts the
// checkpoint), and moves the cursor past it. A cursor that finishes a closed checkpoint moves
// into the next one at once, so finished checkpoints stop being referenced without another read.
// registerCursorBySeqno(name, s) places a cursor so that it next delivers the first change above
// s. If memory no longer reaches back to s + 1 (checkpoints were removed or items expelled) the
// cursor starts at the lowest seqno still in memory and the answer says a backfill of
// [s + 1, next_seqno - 1] from disk is needed. A seqno above the high seqno is treated as the
// high seqno (the DCP layer rejects or rolls back such requests before registering).
//
// The de-duplication rule with cursors. De-duplication always happens in the open checkpoint,
// wherever cursors are. A cursor that has not reached the old item never sees it: it reads the
// new version instead, at its new seqno (the old seqno is a gap it never delivers). A cursor
// that has already delivered the old item delivers the new one later, as a new change. A cursor
// resting on the old item's node steps back to the previous node, which it had also delivered.
// Hence:
//   I1. every cursor delivers data items in strictly increasing seqno order, each at most once,
//       and misses a seqno above its start only when that item was de-duplicated before the
//       cursor reached it (a newer version of the same key, delivered later, replaced it);
//       only clear() moves cursors back (a vbucket reset);
//   I2. a checkpoint never holds two items for one key while open, so one CursorSnapshot never
//       carries two versions of a key; successive snapshots a cursor gets from one Memory
//       checkpoint have disjoint ranges (each starts after the last seqno the cursor delivered
//       and ends at the last one it delivers); a Disk checkpoint is one snapshot: its range is
//       reported whole on every read and a later read continues it;
//   I3. a checkpoint that holds a cursor is never removed, and expelling removes only items
//       every cursor has delivered;
//   I4. memoryUsage() equals the sum of the checkpoints' accounting (Checkpoint::memoryUsage),
//       and is back at the empty-manager value once all items are gone.
//
// Memory recovery (run by background tasks, never on a front-end thread):
// removeClosedUnrefCheckpoints() detaches the closed checkpoints at the front of the list that
// no cursor is in and returns them, so the caller destroys them outside the lock (queueDirty
// never frees a checkpoint). expelUnreferencedItems() removes from the front of the oldest
// checkpoint the items every cursor has delivered (when expel_enabled); run it after removal.
// Droppable cursors (DCP; the stream then backfills from disk) can be dropped with dropCursor();
// droppableCursorsInOldestCheckpoint() names the ones pinning the oldest checkpoint.
//
// Meta items. Every checkpoint starts with a CheckpointStart item and a closed one ends with a
// CheckpointEnd item; cursors never receive those. queueSetVbucketState() queues a
// SetVbucketState item, which cursors do receive, in queue order (DCP skips it, the flusher
// persists the state). Meta items are not counted in any item count.
//
// Implementation. One mutex guards everything. Checkpoints live in a std::list of unique_ptr so
// a cursor can hold an iterator to its checkpoint; within it, the cursor holds an iterator to the
// last node it processed (Checkpoint::Position), the number of data items up to that node, and
// the last seqno it delivered. Because meta items carry the seqno of the data item before them,
// "is this data item at or before the cursor" is one seqno comparison, which de-duplication uses
// to keep each cursor's count exact. Expelling the node a cursor rests on moves that cursor back
// to the CheckpointStart node; every node still after it is one the cursor has not read. A
// de-duplicated item and expelled items are released after the lock is dropped. memoryUsage() is
// an atomic mirror of the accounted sum, updated under the lock and readable without it.
//
// Thread contract: every public method is thread-safe (guarded by mutex_); memoryUsage() takes no
// lock. mutex_ is a leaf lock: nothing else is locked and no callback runs while it is held
// (addStats() calls its callback after releasing it). Detached checkpoints belong to the caller.
#pragma once

#include "common/mutex.h"
#include "common/sharded_counter.h"
#include "engine/checkpoint/checkpoint.h"
#include "engine/checkpoint/queued_item.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::engine {

struct CheckpointConfig {
    /// An open Memory checkpoint is closed once it accounts this many bytes...
    size_t max_size_bytes = 10 * 1024 * 1024;
    /// ...or holds this many data items...
    size_t max_items = 10'000;
    /// ...unless this many checkpoints exist already (the open one included).
    size_t max_checkpoints = 10;
    /// Whether expelUnreferencedItems() does anything.
    bool expel_enabled = true;
};

inline constexpr std::string_view kPersistenceCursorName = "persistence";

/// What a manager is given at construction and keeps for its life.
struct CheckpointManagerOptions {
    /// Register the non-droppable persistence cursor (persistent buckets; an ephemeral bucket
    /// has none, so its checkpoints are freed as soon as its DCP cursors pass them).
    bool persistence_cursor = true;
    /// Bucket-wide tallies the manager adds its accounting changes to; each may be null and
    /// must outlive the manager. `memory` gets memoryUsage() (the checkpoint budget), `overhead`
    /// the same without the value bytes (values are shared with the hash table and charged where
    /// they are allocated).
    ShardedCounter* memory = nullptr;
    ShardedCounter* overhead = nullptr;
    /// The persistence cursor's first read reports `reset` (a new vbucket: whatever the store
    /// holds for its id is from an earlier life and must go).
    bool start_with_reset = false;
};

struct CursorRegistration {
    /// The lowest seqno the cursor can deliver: it delivers every change above
    /// next_seqno - 1 that is still in the log (de-duplicated seqnos excepted).
    int64_t next_seqno = 0;
    /// True when next_seqno is above the requested seqno + 1: the caller must read
    /// [requested + 1, next_seqno - 1] from disk.
    bool backfill_needed = false;
};

/// What one cursor read returned from one checkpoint.
struct CursorSnapshot {
    uint64_t checkpoint_id = 0;
    CheckpointType type = CheckpointType::Memory;
    /// Memory: from just after the cursor's previous position (the checkpoint's start if this
    /// read enters it) to the last data item returned; a read returning only meta items has an
    /// empty range (end < start). Disk: the checkpoint's whole range, start raised past what
    /// the cursor already delivered.
    SnapshotRange range;
    /// True when these are the first items of this checkpoint the cursor delivers.
    bool checkpoint_start = false;
    /// Data items and SetVbucketState meta items, in queue order.
    std::vector<QueuedItemPtr> items;
};

struct ItemsForCursor {
    std::vector<CursorSnapshot> snapshots;
    /// Data items returned (meta items excluded).
    size_t num_items = 0;
    /// Whether the cursor has data items left after this read.
    bool more_available = false;
    /// The log was reset (clear(), or a new vbucket whose options ask for it) since the
    /// cursor's previous read: everything the cursor delivered before is void, and these items
    /// are all that follow the reset. Reported once.
    bool reset = false;
    /// The last seqno the cursor has delivered, after this read (meta items carry the seqno
    /// before them, so a read of meta items only reports where the log stands).
    int64_t last_read_seqno = 0;
};

struct RemovedCheckpoints {
    std::vector<std::unique_ptr<Checkpoint>> checkpoints;
    size_t num_items = 0;  ///< data items they hold
    size_t memory = 0;     ///< accounted bytes released from the manager
};

struct ExpelledItems {
    size_t num_items = 0;  ///< data items expelled
    size_t memory = 0;     ///< accounted bytes released
};

struct CursorInfo {
    std::string name;
    bool droppable = false;
    uint64_t checkpoint_id = 0;
    /// The last seqno the cursor delivered (or was registered at).
    int64_t last_read_seqno = 0;
    /// Data items the cursor has not read yet.
    size_t num_items_remaining = 0;
};

struct CheckpointInfo {
    uint64_t id = 0;
    CheckpointState state = CheckpointState::Open;
    CheckpointType type = CheckpointType::Memory;
    SnapshotRange range;
    size_t num_items = 0;
    size_t num_cursors = 0;
    size_t memory = 0;
};

class CheckpointManager {
public:
    using AddStatFn = std::function<void(std::string_view key, std::string_view value)>;

    /// A manager whose seqnos continue after `high_seqno` (0 for a new vbucket), with one open
    /// Memory checkpoint (id 1) and (unless options say otherwise) the non-droppable persistence
    /// cursor at `high_seqno`.
    explicit CheckpointManager(CheckpointConfig config = {}, int64_t high_seqno = 0,
                               CheckpointManagerOptions options = {});
    ~CheckpointManager();
    CheckpointManager(const CheckpointManager&) = delete;
    CheckpointManager& operator=(const CheckpointManager&) = delete;

    void setConfig(const CheckpointConfig& config) EXCLUDES(mutex_);
    [[nodiscard]] CheckpointConfig config() const EXCLUDES(mutex_);

    // Writing.

    /// Queues a change (fields.op: Mutation, Deletion or Expiration) with the next seqno, which
    /// it returns. Throws std::invalid_argument for a meta op.
    int64_t queueDirty(QueuedItem::Fields fields) EXCLUDES(mutex_);

    /// Replica: queues a change with the active's seqno, which must be above highSeqno()
    /// (std::invalid_argument otherwise).
    void queueReplicated(QueuedItem::Fields fields, int64_t by_seqno) EXCLUDES(mutex_);

    /// Queues a SetVbucketState meta item into the open checkpoint.
    void queueSetVbucketState() EXCLUDES(mutex_);

    /// Closes the open checkpoint and opens a new Memory one; returns the open checkpoint's id.
    /// An open checkpoint without data items is kept instead.
    uint64_t createNewCheckpoint() EXCLUDES(mutex_);

    /// Replica: the next items belong to the snapshot `range` (start above highSeqno(),
    /// end >= start) of `type`: a new open checkpoint takes them (or the open one, if it has no
    /// data items, is given that range and type). Returns the open checkpoint's id. Throws
    /// std::invalid_argument for a bad range.
    uint64_t createSnapshot(SnapshotRange range, CheckpointType type) EXCLUDES(mutex_);

    /// Vbucket reset: detaches every checkpoint, restarts the log after `high_seqno` with a new
    /// open checkpoint and moves every cursor to its start (as if registered at `high_seqno`);
    /// each cursor's next read reports `reset`.
    [[nodiscard]] RemovedCheckpoints clear(int64_t high_seqno) EXCLUDES(mutex_);

    // Cursors.

    /// Registers (or re-registers, replacing) the cursor `name` to deliver the changes after
    /// `last_seqno_received`.
    CursorRegistration registerCursorBySeqno(const std::string& name, int64_t last_seqno_received,
                                             bool droppable) EXCLUDES(mutex_);

    /// Removes a cursor (any kind, the persistence cursor included). False if it did not exist.
    bool removeCursor(std::string_view name) EXCLUDES(mutex_);

    /// Removes a droppable cursor (memory recovery). False if it does not exist or is not
    /// droppable.
    bool dropCursor(std::string_view name) EXCLUDES(mutex_);

    /// Up to `limit` data items (plus the meta items among them) after the cursor, which moves
    /// past them. nullopt if the cursor does not exist (for example, it was dropped).
    [[nodiscard]] std::optional<ItemsForCursor> getItemsForCursor(
        std::string_view name, size_t limit = std::numeric_limits<size_t>::max()) EXCLUDES(mutex_);

    /// getItemsForCursor for the persistence cursor.
    [[nodiscard]] std::optional<ItemsForCursor> getItemsForPersistence(
        size_t limit = std::numeric_limits<size_t>::max()) EXCLUDES(mutex_);

    /// Data items the cursor has not read; 0 if it does not exist.
    [[nodiscard]] size_t numItemsForCursor(std::string_view name) const EXCLUDES(mutex_);

    [[nodiscard]] std::optional<CursorInfo> cursorInfo(std::string_view name) const
        EXCLUDES(mutex_);
    /// Every cursor, by name.
    [[nodiscard]] std::vector<CursorInfo> cursors() const EXCLUDES(mutex_);

    /// Names of the droppable cursors in the oldest checkpoint.
    [[nodiscard]] std::vector<std::string> droppableCursorsInOldestCheckpoint() const
        EXCLUDES(mutex_);

    // Memory recovery.

    /// Detaches the closed checkpoints at the front that no cursor is in.
    [[nodiscard]] RemovedCheckpoints removeClosedUnrefCheckpoints() EXCLUDES(mutex_);

    /// Removes from the front of the oldest checkpoint the items every cursor has read.
    ExpelledItems expelUnreferencedItems() EXCLUDES(mutex_);

    // Queries.

    /// Accounted bytes of all checkpoints; lock-free.
    [[nodiscard]] size_t memoryUsage() const {
        return memory_usage_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] size_t numCheckpoints() const EXCLUDES(mutex_);
    /// Data items in all checkpoints.
    [[nodiscard]] size_t numItems() const EXCLUDES(mutex_);
    [[nodiscard]] size_t numOpenCheckpointItems() const EXCLUDES(mutex_);
    [[nodiscard]] int64_t highSeqno() const EXCLUDES(mutex_);
    [[nodiscard]] uint64_t openCheckpointId() const EXCLUDES(mutex_);
    /// The open checkpoint's snapshot range.
    [[nodiscard]] SnapshotRange openSnapshotRange() const EXCLUDES(mutex_);
    /// Every change with a seqno at or above this is still in memory (or was de-duplicated).
    [[nodiscard]] int64_t lowestAvailableSeqno() const EXCLUDES(mutex_);
    /// Every checkpoint, oldest first.
    [[nodiscard]] std::vector<CheckpointInfo> checkpoints() const EXCLUDES(mutex_);

    /// Emits the checkpoint stats, each key prefixed with `prefix` (e.g. "vb_0:"): manager-wide
    /// keys, then per cursor "<name>:..." and per checkpoint "id_<cid>:...".
    void addStats(std::string_view prefix, const AddStatFn& add_stat) const EXCLUDES(mutex_);

private:
    using CheckpointList = std::list<std::unique_ptr<Checkpoint>>;

    struct Cursor {
        std::string name;
        bool droppable = false;
        CheckpointList::iterator checkpoint;
        /// The last node processed in *checkpoint.
        Checkpoint::Position position;
        /// Data items in *checkpoint from its start through `position`.
        size_t offset = 0;
        int64_t last_read_seqno = 0;
        /// clear() ran since the last read.
        bool reset_pending = false;
    };
    using CursorMap = std::map<std::string, Cursor, std::less<>>;

    Checkpoint& openLocked() REQUIRES(mutex_) { return *checkpoints_.back(); }
    /// Queues a data item; returns the item it de-duplicated, if any, for the caller to
    /// release once the lock is dropped.
    [[nodiscard]] QueuedItemPtr queueLocked(QueuedItemPtr item) REQUIRES(mutex_);
    void maybeCloseOpenCheckpointLocked() REQUIRES(mutex_);
    void openCheckpointLocked(SnapshotRange range, CheckpointType type) REQUIRES(mutex_);
    /// Adds after - before to memory_usage_ and the bucket-wide tallies.
    void accountLocked(Checkpoint::Footprint before, Checkpoint::Footprint after) REQUIRES(mutex_);

    void placeCursorLocked(Cursor& cursor, CheckpointList::iterator checkpoint) REQUIRES(mutex_);
    /// Moves a cursor that has finished a closed checkpoint into the next one (repeatedly).
    void advanceLocked(Cursor& cursor) REQUIRES(mutex_);
    void advanceCursorsInLocked(const Checkpoint& checkpoint) REQUIRES(mutex_);
    void eraseCursorLocked(CursorMap::iterator cursor) REQUIRES(mutex_);
    [[nodiscard]] size_t numItemsForCursorLocked(const Cursor& cursor) const REQUIRES(mutex_);
    [[nodiscard]] CursorInfo cursorInfoLocked(const Cursor& cursor) const REQUIRES(mutex_);
    [[nodiscard]] int64_t lowestAvailableSeqnoLocked() const REQUIRES(mutex_);
    [[nodiscard]] size_t numItemsLocked() const REQUIRES(mutex_);

    const CheckpointManagerOptions options_;
    /// A leaf. Lock order (across objects, written here): taken while holding a hash-table
    /// stripe of the vbucket (every change is queued under its key's stripe), a stream's
    /// ActiveStream::mutex_ (cursor reads) or the vbucket's state_mutex_ (VBucket::setState,
    /// needsRollback and reset read the high seqno under it).
    mutable Mutex mutex_;
    CheckpointConfig config_ GUARDED_BY(mutex_);
    CheckpointList checkpoints_ GUARDED_BY(mutex_);
    CursorMap cursors_ GUARDED_BY(mutex_);
    int64_t high_seqno_ GUARDED_BY(mutex_);
    uint64_t next_checkpoint_id_ GUARDED_BY(mutex_) = 1;
    std::atomic<size_t> memory_usage_{0};
};

}  // namespace eddy::engine
