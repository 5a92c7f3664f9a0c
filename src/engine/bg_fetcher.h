// eddy — the background fetcher: reads evicted values (and, with full eviction, evicted
// documents) back from disk.
//
// Owns: BgFetcher, one per storage shard. A key operation that finds a document's value
// evicted (or, with full eviction, a key not in memory that the disk may have) returns
// would_block after add(vbucket, key, cookie); the shard's READER task then calls run(), which
// takes every queued key, reads them with one KVStore::getMulti per vbucket, puts what it read
// back into the vbucket (VBucket::restoreFetched: the value, the document, or a tombstone saying
// the key is not on disk) and notifies every waiting cookie with Success, so the front end runs
// the operation again and finds the key in memory; one still not resolved gets
// TemporaryFailure instead, so a command never fetches in a loop. A cookie whose connection
// went away is taken out by
// cancel() and never notified. A read error notifies the waiting cookies with Failed.
//
// Thread contract: add(), cancel() and pending() may be called from any thread; run() by one
// thread at a time (the shard's task). The queue is guarded by mutex_; run() reads the disk and
// notifies with no lock held. It never touches a cookie except to notify it (ARCHITECTURE §1).
#pragma once

#include "common/mutex.h"
#include "eddy/engine_iface.h"
#include "engine/kvstore/kvstore.h"
#include "engine/vbucket/vbucket_map.h"

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace eddy::engine {

/// A view of a document read from disk, for VBucket::loadDocument / restoreFetched (valid while
/// `document` lives).
[[nodiscard]] LoadedDocument viewOf(const DiskDocument& document, bool resident = true);

class BgFetcher {
public:
    BgFetcher(KVStore& store, ServerApi& server);

    /// Queues a fetch of `key` for `cookie`. Returns true if the queue was empty before (the
    /// caller wakes the task).
    bool add(std::shared_ptr<VBucket> vbucket, std::string_view key, CookieIface& cookie)
        EXCLUDES(mutex_);

    /// Forgets `cookie` (its connection closed); true if it was waiting. The caller notifies it.
    bool cancel(const CookieIface& cookie) EXCLUDES(mutex_);

    struct Result {
        size_t keys = 0;
        size_t restored = 0;
    };
    /// Serves every queued fetch.
    Result run(const VBucketMap& vbuckets) EXCLUDES(mutex_);

    [[nodiscard]] size_t pending() const EXCLUDES(mutex_);
    /// Whether `cookie` waits in the queue (not yet taken by run()).
    [[nodiscard]] bool waits(const CookieIface& cookie) const EXCLUDES(mutex_);

private:
    /// The keys waiting for one vbucket object (a vbucket deleted and created again under the
    /// same id is another object: what was read for the old one must not go into the new one).
    struct Entry {
        std::shared_ptr<VBucket> vbucket;
        std::map<std::string, std::vector<CookieIface*>, std::less<>> keys;
    };
    using Queue = std::map<const VBucket*, Entry>;

    /// Reads `keys` and puts what the disk has into `vbucket`; keys that still need a fetch
    /// afterwards (the read raced with an eviction or reset) are read again, a few times.
    void fetch(VBucket& vbucket, const std::vector<std::string>& keys, Result& result);

    KVStore& store_;
    ServerApi& server_;
    mutable Mutex mutex_;
    Queue queue_ GUARDED_BY(mutex_);
};

}  // namespace eddy::engine
