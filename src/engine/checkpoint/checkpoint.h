// eddy — one checkpoint: a contiguous stretch of a vbucket's change log.
//
// Owns: Checkpoint, an ordered queue of QueuedItemPtr covering one snapshot range of seqnos,
// with a key index for de-duplication while it is open, and its memory accounting.
//
// Semantics. Every vbucket has a list of checkpoints; the newest is Open and takes new changes,
// the others are Closed and never change again except by losing items from their front
// (expelling). A Memory checkpoint holds changes made on this node (or received in a memory
// snapshot); a Disk checkpoint holds a disk snapshot received by a replica, which is consistent
// only at its end, so readers must treat its whole range as one snapshot.
//
// Queue shape: the first node is always a CheckpointStart meta item (never removed while the
// checkpoint lives: cursors rest on it); a closed checkpoint's last node is a CheckpointEnd meta
// item. Between them, data items in increasing seqno order and possibly SetVbucketState meta
// items. While the checkpoint is open, the key index maps every key with a data item in the
// queue to that item's node, so a key is in the queue at most once.
//
// Implementation: std::list, because nodes never move: a cursor is an iterator to the last node
// it has processed and stays valid while other nodes are added or removed, expelling removes a
// prefix without touching the rest, and de-duplication unlinks one node from the middle. The key
// index owns a copy of each key (short keys fit in the string itself), so queueing a change is
// one index lookup whether it is a new key or a de-duplication (the entry is updated in place),
// and comparing keys touches no queued item; closing the checkpoint frees the index.
//
// Memory accounting is kept exactly for what it measures: sizeof(Checkpoint), plus size() of
// every queued item, plus kQueueNodeBytes per queue node, plus kKeyIndexEntryBytes per index
// entry, the heap bytes of keys too long for the string itself, and one pointer per index
// bucket. The per-node and per-entry constants estimate the
// allocator's share of list and hash-map nodes.
//
// Thread contract: none of its own. While it belongs to a CheckpointManager every access happens
// under that manager's mutex; once detached (removeClosedUnrefCheckpoints, clear) it belongs to
// the holder of the unique_ptr, whose destruction frees the items.
#pragma once

#include "engine/checkpoint/queued_item.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace eddy::engine {

enum class CheckpointState : uint8_t {
    Open,
    Closed
};
enum class CheckpointType : uint8_t {
    Memory,
    Disk
};

[[nodiscard]] std::string_view toString(CheckpointState state);
[[nodiscard]] std::string_view toString(CheckpointType type);

/// An inclusive seqno range; empty when end < start.
struct SnapshotRange {
    int64_t start = 0;
    int64_t end = 0;
    bool operator==(const SnapshotRange&) const = default;
};

class Checkpoint {
public:
    using Queue = std::list<QueuedItemPtr>;
    /// A node of the queue; stays valid until that node is removed.
    using Position = Queue::const_iterator;

    /// Estimated bytes of one list node besides the item it points to.
    static constexpr size_t kQueueNodeBytes = 2 * sizeof(void*) + sizeof(QueuedItemPtr);
    /// Estimated bytes of one key-index node (next pointer, key, position, cached hash).
    static constexpr size_t kKeyIndexEntryBytes =
        sizeof(void*) + sizeof(std::string) + sizeof(Position) + sizeof(size_t);
    /// Keys longer than this live on the heap (libstdc++'s in-string buffer).
    static constexpr size_t kInlineKeyBytes = 15;

    /// An open checkpoint whose CheckpointStart item carries `prior_seqno` (the vbucket's high
    /// seqno when it is created).
    Checkpoint(uint64_t id, CheckpointType type, SnapshotRange snapshot, int64_t prior_seqno);
    Checkpoint(const Checkpoint&) = delete;
    Checkpoint& operator=(const Checkpoint&) = delete;

    [[nodiscard]] uint64_t id() const { return id_; }
    [[nodiscard]] CheckpointState state() const { return state_; }
    [[nodiscard]] bool isOpen() const { return state_ == CheckpointState::Open; }
    [[nodiscard]] CheckpointType type() const { return type_; }
    [[nodiscard]] SnapshotRange snapshot() const { return snapshot_; }
    /// Seqno of the last data item ever appended, or the prior seqno if there was none.
    [[nodiscard]] int64_t highSeqno() const { return high_seqno_; }
    /// Highest seqno expelled from this checkpoint, 0 if nothing was.
    [[nodiscard]] int64_t expelledThrough() const { return expelled_through_; }
    /// Data items in the queue (meta items are not counted).
    [[nodiscard]] size_t numItems() const { return num_items_; }
    /// Meta items in the queue.
    [[nodiscard]] size_t numMetaItems() const { return queue_.size() - num_items_; }
    [[nodiscard]] size_t numKeyIndexEntries() const { return key_index_.size(); }

    /// The CheckpointStart node.
    [[nodiscard]] Position begin() const { return queue_.begin(); }
    [[nodiscard]] Position end() const { return queue_.end(); }

    /// The node holding `key`'s data item, if the key is indexed (open checkpoints only).
    [[nodiscard]] std::optional<Position> find(std::string_view key) const;

    /// Appends `item` to an open checkpoint. A data item's key must not be indexed yet (use
    /// replace()); its seqno must exceed highSeqno(). Returns the new node.
    Position append(QueuedItemPtr item);

    /// De-duplication: unlinks the data item at `old` and appends `item` (same key) instead,
    /// reusing the index entry. No cursor may rest on `old`. Returns the new node.
    Position replace(Position old, QueuedItemPtr item);

    /// Queues a data item into an open checkpoint with de-duplication, in one pass over the key
    /// index: a new key is appended; for a key already queued, `before_unlink` is called with
    /// the old node (no cursor may rest on it afterwards), the new item goes to the tail and the
    /// old item is unlinked and returned, for the caller to release outside its lock. The seqno
    /// must exceed highSeqno().
    QueuedItemPtr queue(QueuedItemPtr item, const std::function<void(Position)>& before_unlink);

    /// Appends the CheckpointEnd item (seqno = the vbucket's high seqno), marks the checkpoint
    /// closed and frees the key index.
    void close(int64_t high_seqno);

    struct ExpelResult {
        size_t num_items = 0;  ///< data items
        size_t memory = 0;     ///< bytes of accounted memory released
        size_t values = 0;     ///< the value bytes within `memory`
    };
    /// Moves the nodes after begin() up to and including `last` into `sink` (which the caller
    /// destroys, ideally outside any lock). `last` must not be begin() or a CheckpointEnd item,
    /// and no cursor may rest on the moved nodes.
    ExpelResult expelThrough(Position last, Queue& sink);

    /// Gives a checkpoint without data items a new snapshot range and type.
    void resetSnapshot(SnapshotRange snapshot, CheckpointType type);
    /// Shrinks the snapshot end (an open memory checkpoint being closed early).
    void setSnapshotEnd(int64_t end) { snapshot_.end = end; }

    [[nodiscard]] size_t numCursors() const { return num_cursors_; }
    void addCursor() { ++num_cursors_; }
    void removeCursor() { --num_cursors_; }

    // Memory accounting.
    [[nodiscard]] size_t queuedItemsMemory() const { return queued_items_bytes_; }
    [[nodiscard]] size_t queueOverhead() const { return queue_.size() * kQueueNodeBytes; }
    [[nodiscard]] size_t keyIndexOverhead() const {
        return key_index_.size() * kKeyIndexEntryBytes + key_index_key_bytes_ +
               key_index_.bucket_count() * sizeof(void*);
    }
    [[nodiscard]] size_t memoryUsage() const {
        return sizeof(Checkpoint) + queuedItemsMemory() + queueOverhead() + keyIndexOverhead();
    }
    /// The value bytes within queuedItemsMemory() (values are shared with the hash table).
    [[nodiscard]] size_t queuedValuesMemory() const { return queued_values_bytes_; }
    /// Both figures at once, for the manager's accounting.
    struct Footprint {
        size_t memory = 0;
        size_t values = 0;
    };
    [[nodiscard]] Footprint footprint() const { return {memoryUsage(), queuedValuesMemory()}; }

private:
    /// Hashes std::string and std::string_view alike, so lookups need no key copy.
    struct KeyHash {
        // The standard spells this marker in snake case; unordered_map looks for this name.
        using is_transparent = void;  // NOLINT(readability-identifier-naming)
        size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
    };
    using KeyIndex = std::unordered_map<std::string, Position, KeyHash, std::equal_to<>>;

    static size_t heapBytesOf(std::string_view key) {
        return key.size() > kInlineKeyBytes ? key.size() + 1 : 0;
    }
    void pushBack(QueuedItemPtr item);
    void indexKey(std::string_view key, Position position);
    void clearIndex();

    const uint64_t id_;
    CheckpointState state_ = CheckpointState::Open;
    CheckpointType type_;
    SnapshotRange snapshot_;
    int64_t high_seqno_;
    int64_t expelled_through_ = 0;
    size_t num_items_ = 0;
    size_t num_cursors_ = 0;
    size_t queued_items_bytes_ = 0;
    size_t queued_values_bytes_ = 0;
    Queue queue_;
    KeyIndex key_index_;
    /// Heap bytes of the index's long keys.
    size_t key_index_key_bytes_ = 0;
};

}  // namespace eddy::engine
