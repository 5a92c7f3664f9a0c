#include "engine/vbucket/collection_counts.h"

#include "protocol/leb128.h"

#include <algorithm>

namespace eddy::engine {

collections::CollectionId collectionOf(std::string_view key) {
    if (!key.empty() && static_cast<uint8_t>(key.front()) < 0x80) {
        return static_cast<uint8_t>(key.front());  // one byte: ids below 128
    }
    const auto prefix = mcbp::decodeLeb128(key);
    return prefix ? prefix->value : collections::kDefaultCollection;
}

void CollectionCounts::countOp(std::string_view key, Op op) {
    const collections::CollectionId id = collectionOf(key);
    switch (op) {
    case Op::Get: add(id, &Entry::ops_get, uint64_t{1}); break;
    case Op::Store: add(id, &Entry::ops_store, uint64_t{1}); break;
    case Op::Delete: add(id, &Entry::ops_delete, uint64_t{1}); break;
    }
}

CollectionTotals CollectionCounts::read(const Entry& entry) {
    return {entry.items.load(std::memory_order_relaxed),
            entry.ops_get.load(std::memory_order_relaxed),
            entry.ops_store.load(std::memory_order_relaxed),
            entry.ops_delete.load(std::memory_order_relaxed)};
}

CollectionCounts::Entry& CollectionCounts::other(collections::CollectionId id) {
    const auto found = std::find_if(others_.begin(), others_.end(),
                                    [id](const auto& each) { return each.first == id; });
    if (found != others_.end()) {
        return *found->second;
    }
    return *others_.emplace_back(id, std::make_unique<Entry>()).second;
}

CollectionTotals CollectionCounts::totals(collections::CollectionId id) const {
    if (id == collections::kDefaultCollection) {
        return read(default_);
    }
    MutexLock lock(mutex_);
    for (const auto& [each, counters] : others_) {
        if (each == id) {
            return read(*counters);
        }
    }
    return {};
}

void CollectionCounts::forEach(
    const std::function<void(collections::CollectionId, const CollectionTotals&)>& visit) const {
    visit(collections::kDefaultCollection, read(default_));
    std::vector<std::pair<collections::CollectionId, CollectionTotals>> others;
    {
        MutexLock lock(mutex_);
        others.reserve(others_.size());
        for (const auto& [id, counters] : others_) {
            others.emplace_back(id, read(*counters));
        }
    }
    for (const auto& [id, totals] : others) {
        visit(id, totals);
    }
}

void CollectionCounts::resetItems() {
    default_.items.store(0, std::memory_order_relaxed);
    MutexLock lock(mutex_);
    for (const auto& each : others_) {
        each.second->items.store(0, std::memory_order_relaxed);
    }
}

int64_t CollectionCounts::forget(collections::CollectionId id) {
    if (id == collections::kDefaultCollection) {
        const int64_t items = default_.items.exchange(0, std::memory_order_relaxed);
        default_.ops_get.store(0, std::memory_order_relaxed);
        default_.ops_store.store(0, std::memory_order_relaxed);
        default_.ops_delete.store(0, std::memory_order_relaxed);
        return items;
    }
    MutexLock lock(mutex_);
    const auto found = std::find_if(others_.begin(), others_.end(),
                                    [id](const auto& each) { return each.first == id; });
    if (found == others_.end()) {
        return 0;
    }
    const int64_t items = found->second->items.load(std::memory_order_relaxed);
    others_.erase(found);
    return items;
}

}  // namespace eddy::engine
