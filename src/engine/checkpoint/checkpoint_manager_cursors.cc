// CheckpointManager: cursor registration, reading, removal and the cursor queries.
#include "engine/checkpoint/checkpoint_manager.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace eddy::engine {

void CheckpointManager::placeCursorLocked(Cursor& cursor, CheckpointList::iterator checkpoint) {
    cursor.checkpoint = checkpoint;
    cursor.position = (*checkpoint)->begin();
    cursor.offset = 0;
    (*checkpoint)->addCursor();
}

void CheckpointManager::advanceLocked(Cursor& cursor) {
    for (;;) {
        const Checkpoint& checkpoint = **cursor.checkpoint;
        if (checkpoint.isOpen()) {
            return;
        }
        const auto next = std::next(cursor.position);
        if (next != checkpoint.end() && (*next)->op() != QueueOp::CheckpointEnd) {
            return;
        }
        // Finished a closed checkpoint; the open one is always last, so a next one exists.
        (*cursor.checkpoint)->removeCursor();
        placeCursorLocked(cursor, std::next(cursor.checkpoint));
    }
}

void CheckpointManager::advanceCursorsInLocked(const Checkpoint& checkpoint) {
    for (auto& [name, cursor] : cursors_) {
        if (cursor.checkpoint->get() == &checkpoint) {
            advanceLocked(cursor);
        }
    }
}

void CheckpointManager::eraseCursorLocked(CursorMap::iterator cursor) {
    (*cursor->second.checkpoint)->removeCursor();
    cursors_.erase(cursor);
}

CursorRegistration CheckpointManager::registerCursorBySeqno(const std::string& name,
                                                            int64_t last_seqno_received,
                                                            bool droppable) {
    if (name.empty()) {
        throw std::invalid_argument("CheckpointManager::registerCursorBySeqno: empty name");
    }
    MutexLock lock(mutex_);
    if (auto existing = cursors_.find(name); existing != cursors_.end()) {
        eraseCursorLocked(existing);
    }

    CursorRegistration result;
    int64_t start_after = last_seqno_received;
    const int64_t lowest = lowestAvailableSeqnoLocked();
    if (start_after + 1 < lowest) {
        start_after = lowest - 1;
        result.backfill_needed = true;
    }
    start_after = std::min(start_after, high_seqno_);
    result.next_seqno = start_after + 1;

    // The first checkpoint with a data item above start_after (the open one at the latest).
    auto checkpoint = checkpoints_.begin();
    while (!(*checkpoint)->isOpen() && (*checkpoint)->highSeqno() <= start_after) {
        ++checkpoint;
    }
    Cursor& cursor = cursors_[name];
    cursor.name = name;
    cursor.droppable = droppable;
    cursor.last_read_seqno = start_after;
    placeCursorLocked(cursor, checkpoint);
    // Step over every node at or below start_after (never onto the CheckpointEnd item).
    const Checkpoint& target = **checkpoint;
    for (auto next = std::next(cursor.position);
         next != target.end() && (*next)->op() != QueueOp::CheckpointEnd &&
         (*next)->bySeqno() <= start_after;
         ++next) {
        cursor.position = next;
        if (!(*next)->isMeta()) {
            ++cursor.offset;
        }
    }
    advanceLocked(cursor);
    return result;
}

bool CheckpointManager::removeCursor(std::string_view name) {
    MutexLock lock(mutex_);
    auto cursor = cursors_.find(name);
    if (cursor == cursors_.end()) {
        return false;
    }
    eraseCursorLocked(cursor);
    return true;
}

bool CheckpointManager::dropCursor(std::string_view name) {
    MutexLock lock(mutex_);
    auto cursor = cursors_.find(name);
    if (cursor == cursors_.end() || !cursor->second.droppable) {
        return false;
    }
    eraseCursorLocked(cursor);
    return true;
}

std::optional<ItemsForCursor> CheckpointManager::getItemsForCursor(std::string_view name,
                                                                   size_t limit) {
    MutexLock lock(mutex_);
    auto found = cursors_.find(name);
    if (found == cursors_.end()) {
        return std::nullopt;
    }
    Cursor& cursor = found->second;
    ItemsForCursor out;
    for (;;) {
        advanceLocked(cursor);
        const Checkpoint& checkpoint = **cursor.checkpoint;
        const auto next = std::next(cursor.position);
        if (next == checkpoint.end()) {
            break;  // the tail of the open checkpoint
        }
        const QueuedItemPtr& item = *next;
        const bool meta = item->isMeta();
        if (!meta && out.num_items >= limit) {
            break;
        }
        if (out.snapshots.empty() || out.snapshots.back().checkpoint_id != checkpoint.id()) {
            CursorSnapshot snapshot;
            snapshot.checkpoint_id = checkpoint.id();
            snapshot.type = checkpoint.type();
            snapshot.checkpoint_start = cursor.last_read_seqno < checkpoint.snapshot().start;
            snapshot.range.start =
                std::max(checkpoint.snapshot().start, cursor.last_read_seqno + 1);
            snapshot.range.end = checkpoint.type() == CheckpointType::Disk
                                     ? checkpoint.snapshot().end
                                     : snapshot.range.start - 1;
            out.snapshots.push_back(std::move(snapshot));
        }
        CursorSnapshot& snapshot = out.snapshots.back();
        snapshot.items.push_back(item);
        cursor.position = next;
        if (!meta) {
            ++cursor.offset;
            ++out.num_items;
            cursor.last_read_seqno = item->bySeqno();
            if (snapshot.type == CheckpointType::Memory) {
                snapshot.range.end = item->bySeqno();
            }
        }
    }
    // Empty snapshots cannot arise: one is created only together with its first item.
    out.more_available = numItemsForCursorLocked(cursor) > 0;
    out.reset = std::exchange(cursor.reset_pending, false);
    out.last_read_seqno = std::max(cursor.last_read_seqno, (*cursor.position)->bySeqno());
    return out;
}

std::optional<ItemsForCursor> CheckpointManager::getItemsForPersistence(size_t limit) {
    return getItemsForCursor(kPersistenceCursorName, limit);
}

size_t CheckpointManager::numItemsForCursorLocked(const Cursor& cursor) const {
    size_t remaining = (*cursor.checkpoint)->numItems() - cursor.offset;
    for (auto it = std::next(cursor.checkpoint); it != checkpoints_.end(); ++it) {
        remaining += (*it)->numItems();
    }
    return remaining;
}

size_t CheckpointManager::numItemsForCursor(std::string_view name) const {
    MutexLock lock(mutex_);
    const auto cursor = cursors_.find(name);
    return cursor == cursors_.end() ? 0 : numItemsForCursorLocked(cursor->second);
}

CursorInfo CheckpointManager::cursorInfoLocked(const Cursor& cursor) const {
    return CursorInfo{cursor.name, cursor.droppable, (*cursor.checkpoint)->id(),
                      cursor.last_read_seqno, numItemsForCursorLocked(cursor)};
}

std::optional<CursorInfo> CheckpointManager::cursorInfo(std::string_view name) const {
    MutexLock lock(mutex_);
    const auto cursor = cursors_.find(name);
    if (cursor == cursors_.end()) {
        return std::nullopt;
    }
    return cursorInfoLocked(cursor->second);
}

std::vector<CursorInfo> CheckpointManager::cursors() const {
    MutexLock lock(mutex_);
    std::vector<CursorInfo> out;
    out.reserve(cursors_.size());
    for (const auto& [name, cursor] : cursors_) {
        out.push_back(cursorInfoLocked(cursor));
    }
    return out;
}

std::vector<std::string> CheckpointManager::droppableCursorsInOldestCheckpoint() const {
    MutexLock lock(mutex_);
    std::vector<std::string> out;
    const Checkpoint* oldest = checkpoints_.front().get();
    for (const auto& [name, cursor] : cursors_) {
        if (cursor.droppable && cursor.checkpoint->get() == oldest) {
            out.push_back(name);
        }
    }
    return out;
}

}  // namespace eddy::engine
