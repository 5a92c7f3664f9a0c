// CheckpointManager: memory recovery (checkpoint removal, item expelling) and reset.
#include "engine/checkpoint/checkpoint_manager.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace eddy::engine {

RemovedCheckpoints CheckpointManager::removeClosedUnrefCheckpoints() {
    RemovedCheckpoints out;
    Checkpoint::Footprint removed;
    MutexLock lock(mutex_);
    // Only from the front: a checkpoint behind a referenced one is still to be read.
    while (checkpoints_.size() > 1) {
        std::unique_ptr<Checkpoint>& oldest = checkpoints_.front();
        if (oldest->isOpen() || oldest->numCursors() != 0) {
            break;
        }
        out.num_items += oldest->numItems();
        removed.memory += oldest->memoryUsage();
        removed.values += oldest->queuedValuesMemory();
        out.checkpoints.push_back(std::move(oldest));
        checkpoints_.pop_front();
    }
    out.memory = removed.memory;
    accountLocked(removed, {});
    return out;
}

ExpelledItems CheckpointManager::expelUnreferencedItems() {
    // Declared first so the expelled items are destroyed after the lock is released.
    Checkpoint::Queue expelled;
    ExpelledItems out;
    MutexLock lock(mutex_);
    if (!config_.expel_enabled) {
        return out;
    }
    Checkpoint& oldest = *checkpoints_.front();
    std::vector<Cursor*> resident;
    for (auto& [name, cursor] : cursors_) {
        if (cursor.checkpoint->get() == &oldest) {
            resident.push_back(&cursor);
        }
    }
    const auto holds_cursor = [&resident](Checkpoint::Position position) {
        return std::any_of(resident.begin(), resident.end(), [position](const Cursor* cursor) {
            return cursor->position == position;
        });
    };
    if (holds_cursor(oldest.begin())) {
        return out;
    }
    // Everything up to and including the first node a cursor rests on has been read by every
    // cursor (all others are further on, or in later checkpoints).
    Checkpoint::Position last = oldest.begin();
    size_t data_items = 0;
    for (auto it = std::next(oldest.begin());
         it != oldest.end() && (*it)->op() != QueueOp::CheckpointEnd; ++it) {
        last = it;
        if (!(*it)->isMeta()) {
            ++data_items;
        }
        if (holds_cursor(it)) {
            break;
        }
    }
    if (last == oldest.begin()) {
        return out;
    }
    for (Cursor* cursor : resident) {
        if (cursor->position == last) {
            cursor->position = oldest.begin();
            cursor->offset = 0;
        } else {
            cursor->offset -= data_items;
        }
    }
    const Checkpoint::ExpelResult result = oldest.expelThrough(last, expelled);
    accountLocked({result.memory, result.values}, {});
    out.num_items = result.num_items;
    out.memory = result.memory;
    advanceCursorsInLocked(oldest);
    return out;
}

RemovedCheckpoints CheckpointManager::clear(int64_t high_seqno) {
    RemovedCheckpoints out;
    Checkpoint::Footprint removed;
    MutexLock lock(mutex_);
    for (auto& checkpoint : checkpoints_) {
        out.num_items += checkpoint->numItems();
        removed.memory += checkpoint->memoryUsage();
        removed.values += checkpoint->queuedValuesMemory();
        out.checkpoints.push_back(std::move(checkpoint));
    }
    checkpoints_.clear();
    out.memory = removed.memory;
    accountLocked(removed, {});
    high_seqno_ = high_seqno;
    openCheckpointLocked(SnapshotRange{high_seqno + 1, high_seqno}, CheckpointType::Memory);
    for (auto& [name, cursor] : cursors_) {
        cursor.last_read_seqno = high_seqno;
        cursor.reset_pending = true;
        placeCursorLocked(cursor, checkpoints_.begin());
    }
    return out;
}

}  // namespace eddy::engine
