// eddy — the collections a bucket has dropped: no document of theirs may be written again, and
// what they left in memory and on disk is purged.
//
// Owns: DroppedCollections, the set of dropped collection ids and its generation.
//
// Semantics. The set only grows (a dropped id is never used again: the collections manager
// refuses a manifest that brings one back). generation() counts the add() calls that added
// something; a purge that started at generation g has purged every id dropped up to g. Whoever
// reads contains() after an add() returned sees the new ids (release/acquire), so a writer that
// checks under a hash-table stripe, after a purge took and released that stripe, cannot put a
// document of a dropped collection back.
//
// Implementation. contains() is one atomic load while nothing was ever dropped, and one more
// for the default collection; any other id is looked up under a shared lock.
//
// Thread contract: thread-safe.
#pragma once

#include "collections/manifest.h"
#include "common/mutex.h"

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::engine {

class DroppedCollections {
public:
    DroppedCollections() = default;
    DroppedCollections(const DroppedCollections&) = delete;
    DroppedCollections& operator=(const DroppedCollections&) = delete;
    ~DroppedCollections() = default;

    /// Adds `ids`; true if one of them was not dropped before (the generation then advances).
    bool add(std::span<const collections::CollectionId> ids) EXCLUDES(mutex_);

    [[nodiscard]] bool contains(collections::CollectionId id) const EXCLUDES(mutex_);
    /// Whether an engine key (collection id first) belongs to a dropped collection.
    [[nodiscard]] bool containsKey(std::string_view key) const;
    /// True while nothing was ever dropped (the common case, checked first).
    [[nodiscard]] bool empty() const { return generation() == 0; }

    [[nodiscard]] uint64_t generation() const {
        return generation_.load(std::memory_order_acquire);
    }
    /// Every dropped id, in increasing order.
    [[nodiscard]] std::vector<collections::CollectionId> ids() const EXCLUDES(mutex_);
    /// The key prefix (canonical LEB128) of every dropped id, in the order of ids().
    [[nodiscard]] std::vector<std::string> keyPrefixes() const EXCLUDES(mutex_);

private:
    std::atomic<uint64_t> generation_{0};
    std::atomic<bool> default_dropped_{false};
    mutable SharedMutex mutex_;
    /// Sorted.
    std::vector<collections::CollectionId> ids_ GUARDED_BY(mutex_);
};

}  // namespace eddy::engine
