// eddy — a bucket's collections as the engine sees them: which are dropped, purging what they
// left, and the `collections` and `scopes` STAT groups.
//
// Concept. The manifest is held by a collections::Manager, shared with the front end (which
// checks every command's collection against it). The engine keeps the set of dropped
// collections (DroppedCollections): read from the Manager at construction, so warm-up loads
// nothing of theirs, and grown by the Manager's drop listener. A drop is purged in two places:
// memory, by a NONIO task that walks every vbucket's hash table (VBucket::purgeCollections:
// records and counts), and disk, by the flushers (Flusher: purgePrefixes once every batch they
// write filters the dropped collections). Neither runs on a front-end thread.
//
// The stat groups combine the manifest (names, scopes) with every vbucket's CollectionCounts:
// items from active vbucket only (kv_engine's collection item count), operations from all.
// Keys follow kv_engine's cbstats form: "0x<scope id>:0x<collection id>:<stat>" for a
// collection, "0x<scope id>:<stat>" for a scope, and manifest_uid when every collection or
// scope is listed.
//
// Thread contract: thread-safe. The drop listener runs on the thread of the Manager's set()
// (an AuxIO task), the purge on a NONIO task, the stat collectors on the stat tasks. stop()
// removes the listener; the bucket calls it first when it is destroyed.
#pragma once

#include "collections/manager.h"
#include "common/mutex.h"
#include "eddy/engine_iface.h"
#include "engine/vbucket/dropped_collections.h"
#include "engine/vbucket/vbucket_map.h"
#include "executor/executor_pool_iface.h"
#include "executor/taskable.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace eddy::engine {

class BucketCollections {
public:
    struct Environment {
        /// The bucket's manifest holder (shared with the front end); null: a memory-only one of
        /// its own (unit tests).
        std::shared_ptr<collections::Manager> manager;
        VBucketMap& vbuckets;
        executor::Taskable& taskable;
        /// None: a drop is purged from memory inline, on the listener's thread.
        executor::ExecutorPoolIface* executor = nullptr;
        /// Wakes the flushers to purge the store (nothing without a store).
        std::function<void()> purge_store;
    };

    explicit BucketCollections(Environment environment);
    BucketCollections(const BucketCollections&) = delete;
    BucketCollections& operator=(const BucketCollections&) = delete;
    ~BucketCollections();

    /// Starts listening for drops (once the vbuckets exist).
    void start();
    /// Stops listening; once it returns no listener call is running.
    void stop();

    [[nodiscard]] const DroppedCollections& dropped() const { return dropped_; }

    /// STAT collections [scope.collection]: KeyNotFound for an unknown or malformed name.
    [[nodiscard]] Status addCollectionStats(std::string_view name, const AddStatFn& add_stat) const;
    /// STAT scopes [scope]: KeyNotFound for an unknown name.
    [[nodiscard]] Status addScopeStats(std::string_view name, const AddStatFn& add_stat) const;

private:
    /// The drop listener: records the ids, then purges memory (a task) and the store.
    void onDrop(const std::vector<collections::CollectionId>& ids);
    /// Removes the dropped collections' records from every vbucket's memory (the purge task's
    /// body) and logs what it removed.
    void purgeMemory() EXCLUDES(purge_mutex_);

    Environment env_;
    DroppedCollections dropped_;
    /// One purge at a time: each purge forgets the counts of the records it removed, which
    /// another purge removing some of them concurrently would get wrong.
    Mutex purge_mutex_;
};

}  // namespace eddy::engine
