// CheckpointManager: construction, the write path (queueing, checkpoint creation) and queries.
// Cursor reads live in checkpoint_manager_cursors.cc, memory recovery in
// checkpoint_manager_recovery.cc.
#include "engine/checkpoint/checkpoint_manager.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace eddy::engine {

CheckpointManager::CheckpointManager(CheckpointConfig config, int64_t high_seqno,
                                     CheckpointManagerOptions options)
    : options_(options), config_(config), high_seqno_(high_seqno) {
    MutexLock lock(mutex_);
    openCheckpointLocked(SnapshotRange{high_seqno + 1, high_seqno}, CheckpointType::Memory);
    if (!options_.persistence_cursor) {
        return;
    }
    Cursor& persistence = cursors_[std::string(kPersistenceCursorName)];
    persistence.name = std::string(kPersistenceCursorName);
    persistence.droppable = false;
    persistence.last_read_seqno = high_seqno;
    persistence.reset_pending = options_.start_with_reset;
    placeCursorLocked(persistence, checkpoints_.begin());
}

CheckpointManager::~CheckpointManager() {
    MutexLock lock(mutex_);
    Checkpoint::Footprint held;
    for (const auto& checkpoint : checkpoints_) {
        const auto footprint = checkpoint->footprint();
        held.memory += footprint.memory;
        held.values += footprint.values;
    }
    accountLocked(held, {});
}

void CheckpointManager::setConfig(const CheckpointConfig& config) {
    MutexLock lock(mutex_);
    config_ = config;
}

CheckpointConfig CheckpointManager::config() const {
    MutexLock lock(mutex_);
    return config_;
}

void CheckpointManager::accountLocked(Checkpoint::Footprint before, Checkpoint::Footprint after) {
    // Unsigned wrap-around makes this right for shrinking too.
    memory_usage_.store(
        memory_usage_.load(std::memory_order_relaxed) + (after.memory - before.memory),
        std::memory_order_relaxed);
    const auto memory_delta =
        static_cast<int64_t>(after.memory) - static_cast<int64_t>(before.memory);
    if (options_.memory != nullptr) {
        options_.memory->add(memory_delta);
    }
    if (options_.overhead != nullptr) {
        options_.overhead->add(memory_delta - (static_cast<int64_t>(after.values) -
                                               static_cast<int64_t>(before.values)));
    }
}

int64_t CheckpointManager::queueDirty(QueuedItem::Fields fields) {
    if (!isDataOp(fields.op)) {
        throw std::invalid_argument("CheckpointManager::queueDirty: meta operation " +
                                    std::string(toString(fields.op)));
    }
    QueuedItemPtr displaced;  // destroyed after the lock is released
    MutexLock lock(mutex_);
    const int64_t seqno = high_seqno_ + 1;
    displaced = queueLocked(QueuedItem::make(std::move(fields), seqno));
    return seqno;
}

void CheckpointManager::queueReplicated(QueuedItem::Fields fields, int64_t by_seqno) {
    if (!isDataOp(fields.op)) {
        throw std::invalid_argument("CheckpointManager::queueReplicated: meta operation " +
                                    std::string(toString(fields.op)));
    }
    QueuedItemPtr displaced;  // destroyed after the lock is released
    MutexLock lock(mutex_);
    if (by_seqno <= high_seqno_) {
        throw std::invalid_argument("CheckpointManager::queueReplicated: seqno " +
                                    std::to_string(by_seqno) + " not above the high seqno " +
                                    std::to_string(high_seqno_));
    }
    displaced = queueLocked(QueuedItem::make(std::move(fields), by_seqno));
}

QueuedItemPtr CheckpointManager::queueLocked(QueuedItemPtr item) {
    maybeCloseOpenCheckpointLocked();
    Checkpoint& open = openLocked();
    const Checkpoint::Footprint before = open.footprint();
    const int64_t seqno = item->bySeqno();
    // De-duplication: the cursors of the open checkpoint are fixed up before the old node goes.
    // The lambda runs inside open.queue(), under mutex_ still held here (which the analysis
    // cannot follow into the lambda).
    QueuedItemPtr displaced = open.queue(
        std::move(item), [this, &open](Checkpoint::Position old) NO_THREAD_SAFETY_ANALYSIS {
            CursorMap& cursors = cursors_;
            const int64_t old_seqno = (*old)->bySeqno();
            for (auto& [name, cursor] : cursors) {
                if (cursor.checkpoint->get() != &open) {
                    continue;
                }
                // Meta items carry the seqno of the data item before them, so the old item is at or
                // before the cursor's node exactly when its seqno is not above that node's.
                if ((*cursor.position)->bySeqno() >= old_seqno) {
                    --cursor.offset;
                    if (cursor.position == old) {
                        cursor.position = std::prev(cursor.position);
                    }
                }
            }
        });
    high_seqno_ = seqno;
    accountLocked(before, open.footprint());
    return displaced;
}

void CheckpointManager::maybeCloseOpenCheckpointLocked() {
    const Checkpoint& open = openLocked();
    if (open.type() != CheckpointType::Memory || open.numItems() == 0) {
        return;
    }
    if (open.numItems() < config_.max_items && open.memoryUsage() < config_.max_size_bytes) {
        return;
    }
    if (checkpoints_.size() >= std::max<size_t>(config_.max_checkpoints, 1)) {
        return;
    }
    // A replica's memory snapshot may not be complete yet: the new checkpoint takes the rest
    // of its range.
    const SnapshotRange rest{high_seqno_ + 1, std::max(high_seqno_, open.snapshot().end)};
    openLocked().setSnapshotEnd(high_seqno_);
    openCheckpointLocked(rest, CheckpointType::Memory);
}

void CheckpointManager::openCheckpointLocked(SnapshotRange range, CheckpointType type) {
    if (!checkpoints_.empty()) {
        Checkpoint& old = openLocked();
        const Checkpoint::Footprint before = old.footprint();
        old.close(high_seqno_);
        accountLocked(before, old.footprint());
    }
    checkpoints_.push_back(
        std::make_unique<Checkpoint>(next_checkpoint_id_++, type, range, high_seqno_));
    accountLocked({}, openLocked().footprint());
    if (checkpoints_.size() > 1) {
        advanceCursorsInLocked(**std::prev(checkpoints_.end(), 2));
    }
}

void CheckpointManager::queueSetVbucketState() {
    MutexLock lock(mutex_);
    Checkpoint& open = openLocked();
    const Checkpoint::Footprint before = open.footprint();
    open.append(QueuedItem::makeMeta(QueueOp::SetVbucketState, high_seqno_));
    accountLocked(before, open.footprint());
}

uint64_t CheckpointManager::createNewCheckpoint() {
    MutexLock lock(mutex_);
    if (openLocked().numItems() != 0) {
        openCheckpointLocked(SnapshotRange{high_seqno_ + 1, high_seqno_}, CheckpointType::Memory);
    }
    return openLocked().id();
}

uint64_t CheckpointManager::createSnapshot(SnapshotRange range, CheckpointType type) {
    MutexLock lock(mutex_);
    if (range.start <= high_seqno_ || range.end < range.start) {
        throw std::invalid_argument("CheckpointManager::createSnapshot: bad range [" +
                                    std::to_string(range.start) + ", " + std::to_string(range.end) +
                                    "] after high seqno " + std::to_string(high_seqno_));
    }
    Checkpoint& open = openLocked();
    if (open.numItems() == 0) {
        open.resetSnapshot(range, type);
    } else {
        openCheckpointLocked(range, type);
    }
    return openLocked().id();
}

size_t CheckpointManager::numCheckpoints() const {
    MutexLock lock(mutex_);
    return checkpoints_.size();
}

size_t CheckpointManager::numItemsLocked() const {
    size_t total = 0;
    for (const auto& checkpoint : checkpoints_) {
        total += checkpoint->numItems();
    }
    return total;
}

size_t CheckpointManager::numItems() const {
    MutexLock lock(mutex_);
    return numItemsLocked();
}

size_t CheckpointManager::numOpenCheckpointItems() const {
    MutexLock lock(mutex_);
    return checkpoints_.back()->numItems();
}

int64_t CheckpointManager::highSeqno() const {
    MutexLock lock(mutex_);
    return high_seqno_;
}

uint64_t CheckpointManager::openCheckpointId() const {
    MutexLock lock(mutex_);
    return checkpoints_.back()->id();
}

SnapshotRange CheckpointManager::openSnapshotRange() const {
    MutexLock lock(mutex_);
    return checkpoints_.back()->snapshot();
}

int64_t CheckpointManager::lowestAvailableSeqnoLocked() const {
    // The oldest checkpoint holds every change after the high seqno at its creation (the seqno
    // of its CheckpointStart item), except what was expelled from its front.
    const Checkpoint& oldest = *checkpoints_.front();
    return std::max((*oldest.begin())->bySeqno(), oldest.expelledThrough()) + 1;
}

int64_t CheckpointManager::lowestAvailableSeqno() const {
    MutexLock lock(mutex_);
    return lowestAvailableSeqnoLocked();
}

std::vector<CheckpointInfo> CheckpointManager::checkpoints() const {
    MutexLock lock(mutex_);
    std::vector<CheckpointInfo> out;
    out.reserve(checkpoints_.size());
    for (const auto& checkpoint : checkpoints_) {
        out.push_back(CheckpointInfo{checkpoint->id(), checkpoint->state(), checkpoint->type(),
                                     checkpoint->snapshot(), checkpoint->numItems(),
                                     checkpoint->numCursors(), checkpoint->memoryUsage()});
    }
    return out;
}

void CheckpointManager::addStats(std::string_view prefix, const AddStatFn& add_stat) const {
    std::vector<std::pair<std::string, std::string>> stats;
    const auto add = [&stats, prefix](std::string_view key, auto value) {
        std::string name(prefix);
        name.append(key);
        if constexpr (std::is_convertible_v<decltype(value), std::string_view>) {
            stats.emplace_back(std::move(name), std::string(value));
        } else {
            stats.emplace_back(std::move(name), std::to_string(value));
        }
    };
    {
        MutexLock lock(mutex_);
        const Checkpoint& open = *checkpoints_.back();
        add("open_checkpoint_id", open.id());
        add("last_closed_checkpoint_id",
            checkpoints_.size() > 1 ? (*std::prev(checkpoints_.end(), 2))->id() : uint64_t{0});
        add("num_conn_cursors", cursors_.size());
        add("num_checkpoint_items", numItemsLocked());
        add("num_open_checkpoint_items", open.numItems());
        add("num_checkpoints", checkpoints_.size());
        const auto persistence = cursors_.find(kPersistenceCursorName);
        add("num_items_for_persistence", persistence == cursors_.end()
                                             ? size_t{0}
                                             : numItemsForCursorLocked(persistence->second));
        add("mem_usage", memoryUsage());
        for (const auto& [name, cursor] : cursors_) {
            const std::string base = name + ":";
            add(base + "cursor_checkpoint_id", (*cursor.checkpoint)->id());
            add(base + "cursor_seqno", cursor.last_read_seqno);
            add(base + "num_items_for_cursor", numItemsForCursorLocked(cursor));
            add(base + "droppable", cursor.droppable ? std::string_view("true") : "false");
        }
        for (const auto& checkpoint : checkpoints_) {
            const std::string base = "id_" + std::to_string(checkpoint->id()) + ":";
            add(base + "state", toString(checkpoint->state()));
            add(base + "type", toString(checkpoint->type()));
            add(base + "num_items", checkpoint->numItems());
            add(base + "num_cursors", checkpoint->numCursors());
            add(base + "snap_start", checkpoint->snapshot().start);
            add(base + "snap_end", checkpoint->snapshot().end);
            add(base + "mem_usage_queued_items", checkpoint->queuedItemsMemory());
            add(base + "mem_usage_queue_overhead", checkpoint->queueOverhead());
            add(base + "mem_usage_key_index_overhead", checkpoint->keyIndexOverhead());
        }
    }
    for (const auto& [key, value] : stats) {
        add_stat(key, value);
    }
}

}  // namespace eddy::engine
