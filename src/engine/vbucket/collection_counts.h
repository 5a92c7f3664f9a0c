// eddy — a vbucket's counters per collection: live documents, and the reads, stores and deletes
// that reached it.
//
// Owns: CollectionCounts, one set of counters per collection id seen in the vbucket, and
// collectionOf(), the collection of an engine key (its leading LEB128 id).
//
// Semantics. `items` counts live documents, whether their record is in memory or (full
// eviction) on disk only: the vbucket adds one when a key becomes live (a new document, a
// revived tombstone, a document loaded at warm-up) and removes one when a live document becomes
// a tombstone (delete, expiry, the ephemeral pager). Eviction does not change it. The sum over
// every collection is the vbucket's live document count. The operation counters count what the
// bucket's key operations did (a read, a store of any kind, a delete), hit or miss. reset()
// (FLUSH) zeroes the item counts; forget() drops a collection whose documents were purged.
//
// Implementation. The default collection, which most documents live in, has its own counters,
// changed without a lock; other collections' counters live in a small vector, created on first
// use and read and changed only under its mutex.
//
// Thread contract: thread-safe. Counters are relaxed atomics: STAT reads them while they move.
#pragma once

#include "collections/manifest.h"
#include "common/mutex.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::engine {

/// The collection of an engine key: its canonical LEB128 prefix (the default collection when it
/// has none, as in keys written by some unit tests).
[[nodiscard]] collections::CollectionId collectionOf(std::string_view key);

/// One collection's counters, as read.
struct CollectionTotals {
    int64_t items = 0;
    uint64_t ops_get = 0;
    uint64_t ops_store = 0;
    uint64_t ops_delete = 0;

    CollectionTotals& operator+=(const CollectionTotals& other) {
        items += other.items;
        ops_get += other.ops_get;
        ops_store += other.ops_store;
        ops_delete += other.ops_delete;
        return *this;
    }
    bool operator==(const CollectionTotals&) const = default;
};

class CollectionCounts {
public:
    enum class Op : uint8_t {
        Get,
        Store,
        Delete
    };

    CollectionCounts() = default;
    CollectionCounts(const CollectionCounts&) = delete;
    CollectionCounts& operator=(const CollectionCounts&) = delete;
    ~CollectionCounts() = default;

    /// A document of `key`'s collection became live (+1) or stopped being live (-1).
    void addItems(std::string_view key, int64_t delta) {
        add(collectionOf(key), &Entry::items, delta);
    }
    /// A key operation of kind `op` on `key`.
    void countOp(std::string_view key, Op op);

    /// The counters of collection `id` (zero if never seen).
    [[nodiscard]] CollectionTotals totals(collections::CollectionId id) const EXCLUDES(mutex_);
    /// Calls `visit` for every collection seen, the default one first.
    void forEach(
        const std::function<void(collections::CollectionId, const CollectionTotals&)>& visit) const
        EXCLUDES(mutex_);
    /// FLUSH: every item count goes to zero (the operation counters stay).
    void resetItems() EXCLUDES(mutex_);
    /// Forgets collection `id` (its documents were purged) and returns its item count then.
    int64_t forget(collections::CollectionId id) EXCLUDES(mutex_);

private:
    struct Entry {
        std::atomic<int64_t> items{0};
        std::atomic<uint64_t> ops_get{0};
        std::atomic<uint64_t> ops_store{0};
        std::atomic<uint64_t> ops_delete{0};
    };
    static CollectionTotals read(const Entry& entry);
    /// Adds `delta` to one counter of `id` (created if needed). Another collection's entry is
    /// changed under the mutex, so forget() may destroy it at any time.
    template <typename T>
    void add(collections::CollectionId id, std::atomic<T> Entry::*counter, T delta)
        EXCLUDES(mutex_) {
        if (id == collections::kDefaultCollection) {
            (default_.*counter).fetch_add(delta, std::memory_order_relaxed);
            return;
        }
        MutexLock lock(mutex_);
        (other(id).*counter).fetch_add(delta, std::memory_order_relaxed);
    }
    /// The entry of a collection other than the default one, created if needed.
    Entry& other(collections::CollectionId id) REQUIRES(mutex_);

    Entry default_;
    mutable Mutex mutex_;
    std::vector<std::pair<collections::CollectionId, std::unique_ptr<Entry>>> others_
        GUARDED_BY(mutex_);
};

}  // namespace eddy::engine
