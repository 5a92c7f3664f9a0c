// eddy — helpers shared by the checkpoint unit tests.
#pragma once

#include "engine/checkpoint/checkpoint_manager.h"
#include "engine/checkpoint/queued_item.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::engine::test {

inline QueuedItem::Fields change(std::string key, std::string_view value = "value",
                                 QueueOp op = QueueOp::Mutation) {
    QueuedItem::Fields fields;
    fields.key = std::move(key);
    fields.value = Blob::make(value);
    fields.cas = 42;
    fields.op = op;
    return fields;
}

/// Seqnos of the data items of a read, in order.
inline std::vector<int64_t> seqnos(const ItemsForCursor& read) {
    std::vector<int64_t> out;
    for (const auto& snapshot : read.snapshots) {
        for (const auto& item : snapshot.items) {
            if (!item->isMeta()) {
                out.push_back(item->bySeqno());
            }
        }
    }
    return out;
}

/// Keys of the data items of a read, in order.
inline std::vector<std::string> keys(const ItemsForCursor& read) {
    std::vector<std::string> out;
    for (const auto& snapshot : read.snapshots) {
        for (const auto& item : snapshot.items) {
            if (!item->isMeta()) {
                out.push_back(item->key());
            }
        }
    }
    return out;
}

/// Sum of the per-checkpoint accounting, to compare with memoryUsage().
inline size_t sumOfCheckpointMemory(const CheckpointManager& manager) {
    size_t total = 0;
    for (const auto& info : manager.checkpoints()) {
        total += info.memory;
    }
    return total;
}

/// Drains a cursor completely.
inline ItemsForCursor drain(CheckpointManager& manager, const std::string& cursor) {
    return manager.getItemsForCursor(cursor).value();
}

/// A config that starts a new checkpoint every `max_items` items (and keeps up to 100).
inline CheckpointConfig itemsPerCheckpoint(size_t max_items) {
    CheckpointConfig out;
    out.max_items = max_items;
    out.max_checkpoints = 100;
    return out;
}

/// Queues keys key<first>..key<last> (one seqno each, all distinct keys).
inline void queueRange(CheckpointManager& manager, int first, int last) {
    for (int i = first; i <= last; ++i) {
        manager.queueDirty(change("key" + std::to_string(i)));
    }
}

}  // namespace eddy::engine::test
