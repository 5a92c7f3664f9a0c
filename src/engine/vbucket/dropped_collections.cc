#include "engine/vbucket/dropped_collections.h"

#include "engine/vbucket/collection_counts.h"
#include "protocol/leb128.h"

#include <algorithm>

namespace eddy::engine {

bool DroppedCollections::add(std::span<const collections::CollectionId> ids) {
    WriterLock lock(mutex_);
    bool added = false;
    for (const collections::CollectionId id : ids) {
        const auto at = std::lower_bound(ids_.begin(), ids_.end(), id);
        if (at != ids_.end() && *at == id) {
            continue;
        }
        ids_.insert(at, id);
        added = true;
        if (id == collections::kDefaultCollection) {
            default_dropped_.store(true, std::memory_order_release);
        }
    }
    if (added) {
        generation_.fetch_add(1, std::memory_order_acq_rel);
    }
    return added;
}

bool DroppedCollections::contains(collections::CollectionId id) const {
    if (empty()) {
        return false;
    }
    if (id == collections::kDefaultCollection) {
        return default_dropped_.load(std::memory_order_acquire);
    }
    ReaderLock lock(mutex_);
    return std::binary_search(ids_.begin(), ids_.end(), id);
}

bool DroppedCollections::containsKey(std::string_view key) const {
    return !empty() && contains(collectionOf(key));
}

std::vector<collections::CollectionId> DroppedCollections::ids() const {
    ReaderLock lock(mutex_);
    return ids_;
}

std::vector<std::string> DroppedCollections::keyPrefixes() const {
    const std::vector<collections::CollectionId> dropped = ids();
    std::vector<std::string> prefixes;
    prefixes.reserve(dropped.size());
    for (const collections::CollectionId id : dropped) {
        prefixes.emplace_back(mcbp::encodeLeb128(id).view());
    }
    return prefixes;
}

}  // namespace eddy::engine
