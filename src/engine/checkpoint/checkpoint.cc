#include "engine/checkpoint/checkpoint.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>

namespace eddy::engine {

std::string_view toString(CheckpointState state) {
    return state == CheckpointState::Open ? "open" : "closed";
}

std::string_view toString(CheckpointType type) {
    return type == CheckpointType::Memory ? "memory" : "disk";
}

Checkpoint::Checkpoint(uint64_t id, CheckpointType type, SnapshotRange snapshot,
                       int64_t prior_seqno)
    : id_(id), type_(type), snapshot_(snapshot), high_seqno_(prior_seqno) {
    pushBack(QueuedItem::makeMeta(QueueOp::CheckpointStart, prior_seqno));
}

void Checkpoint::pushBack(QueuedItemPtr item) {
    queued_items_bytes_ += item->size();
    queued_values_bytes_ += item->valueSize();
    if (!item->isMeta()) {
        ++num_items_;
        high_seqno_ = item->bySeqno();
        snapshot_.end = std::max(snapshot_.end, item->bySeqno());
    }
    queue_.push_back(std::move(item));
}

std::optional<Checkpoint::Position> Checkpoint::find(std::string_view key) const {
    auto found = key_index_.find(key);
    if (found == key_index_.end()) {
        return std::nullopt;
    }
    return found->second;
}

Checkpoint::Position Checkpoint::append(QueuedItemPtr item) {
    if (!isOpen()) {
        throw std::logic_error("Checkpoint::append: checkpoint " + std::to_string(id_) +
                               " is closed");
    }
    if (item->isMeta()) {
        pushBack(std::move(item));
        return std::prev(queue_.end());
    }
    if (item->bySeqno() <= high_seqno_) {
        throw std::logic_error("Checkpoint::append: seqno " + std::to_string(item->bySeqno()) +
                               " not above " + std::to_string(high_seqno_));
    }
    if (key_index_.find(std::string_view(item->key())) != key_index_.end()) {
        throw std::logic_error("Checkpoint::append: key already indexed, use replace()");
    }
    const std::string& key = item->key();
    pushBack(std::move(item));
    const Position position = std::prev(queue_.end());
    indexKey(key, position);
    return position;
}

Checkpoint::Position Checkpoint::replace(Position old, QueuedItemPtr item) {
    if (!isOpen() || item->isMeta() || item->bySeqno() <= high_seqno_) {
        throw std::logic_error("Checkpoint::replace: closed checkpoint, meta item or old seqno");
    }
    const auto indexed = key_index_.find(std::string_view((*old)->key()));
    if (indexed == key_index_.end() || indexed->second != old) {
        throw std::logic_error("Checkpoint::replace: the old position is not indexed");
    }
    queued_items_bytes_ -= (*old)->size();
    queued_values_bytes_ -= (*old)->valueSize();
    --num_items_;
    pushBack(std::move(item));
    indexed->second = std::prev(queue_.end());
    queue_.erase(old);
    return indexed->second;
}

QueuedItemPtr Checkpoint::queue(QueuedItemPtr item,
                                const std::function<void(Position)>& before_unlink) {
    if (!isOpen() || item->isMeta() || item->bySeqno() <= high_seqno_) {
        throw std::logic_error("Checkpoint::queue: closed checkpoint, meta item or old seqno");
    }
    // One lookup: a new key gets its entry, a known one has it updated in place.
    const std::string_view key(item->key());
    auto [entry, added] = key_index_.try_emplace(std::string(key), queue_.end());
    if (added) {
        key_index_key_bytes_ += heapBytesOf(key);
        pushBack(std::move(item));
        entry->second = std::prev(queue_.end());
        return nullptr;
    }
    const Position old = entry->second;
    before_unlink(old);
    QueuedItemPtr displaced = *old;
    queued_items_bytes_ -= displaced->size();
    queued_values_bytes_ -= displaced->valueSize();
    --num_items_;
    pushBack(std::move(item));
    entry->second = std::prev(queue_.end());
    queue_.erase(old);
    return displaced;
}

void Checkpoint::indexKey(std::string_view key, Position position) {
    key_index_.emplace(std::string(key), position);
    key_index_key_bytes_ += heapBytesOf(key);
}

void Checkpoint::clearIndex() {
    KeyIndex().swap(key_index_);
    key_index_key_bytes_ = 0;
}

void Checkpoint::close(int64_t high_seqno) {
    if (!isOpen()) {
        throw std::logic_error("Checkpoint::close: checkpoint " + std::to_string(id_) +
                               " is already closed");
    }
    pushBack(QueuedItem::makeMeta(QueueOp::CheckpointEnd, high_seqno));
    state_ = CheckpointState::Closed;
    clearIndex();
}

Checkpoint::ExpelResult Checkpoint::expelThrough(Position last, Queue& sink) {
    const size_t before = memoryUsage();
    ExpelResult result;
    const Position first = std::next(queue_.begin());
    const Position stop = std::next(last);
    for (Position it = first; it != stop; ++it) {
        const QueuedItem& item = **it;
        if (item.op() == QueueOp::CheckpointStart || item.op() == QueueOp::CheckpointEnd) {
            throw std::logic_error("Checkpoint::expelThrough: range holds a boundary item");
        }
        queued_items_bytes_ -= item.size();
        queued_values_bytes_ -= item.valueSize();
        result.values += item.valueSize();
        if (item.isMeta()) {
            continue;
        }
        ++result.num_items;
        --num_items_;
        expelled_through_ = std::max(expelled_through_, item.bySeqno());
        auto indexed = key_index_.find(std::string_view(item.key()));
        if (indexed != key_index_.end() && indexed->second == it) {
            key_index_key_bytes_ -= heapBytesOf(indexed->first);
            key_index_.erase(indexed);
        }
    }
    sink.splice(sink.end(), queue_, first, stop);
    if (key_index_.empty()) {
        clearIndex();  // give back the bucket array too
    }
    result.memory = before - memoryUsage();
    return result;
}

void Checkpoint::resetSnapshot(SnapshotRange snapshot, CheckpointType type) {
    if (num_items_ != 0) {
        throw std::logic_error("Checkpoint::resetSnapshot: checkpoint holds items");
    }
    snapshot_ = snapshot;
    type_ = type;
}

}  // namespace eddy::engine
