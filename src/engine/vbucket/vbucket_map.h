// eddy — a bucket's vbuckets by id.
//
// Owns: VBucketMap, max_vbuckets slots (1024 by default), each empty or holding a VBucket.
// Requests look a vbucket up on every key operation, so each slot has its own mutex (held only
// to copy the shared pointer): lookups of different vbuckets never contend, and a vbucket
// removed by DEL_VBUCKET stays alive until its last in-flight user drops it.
// Thread contract: thread-safe.
#pragma once

#include "common/mutex.h"
#include "eddy/types.h"
#include "engine/vbucket/vbucket.h"

#include <cstddef>
#include <functional>
#include <memory>

namespace eddy::engine {

class VBucketMap {
public:
    explicit VBucketMap(size_t max_vbuckets = 1024);

    [[nodiscard]] size_t capacity() const { return capacity_; }

    /// The vbucket, or nullptr if the id is out of range or no vbucket exists there.
    [[nodiscard]] std::shared_ptr<VBucket> get(Vbid id) const;

    /// Puts `vbucket` in its slot (replacing whatever was there). False if its id is out of range.
    bool set(std::shared_ptr<VBucket> vbucket);

    /// Empties the slot; returns what was there.
    std::shared_ptr<VBucket> remove(Vbid id);

    /// Calls `visitor` for every existing vbucket, in id order (no slot lock held during calls).
    void forEach(const std::function<void(VBucket&)>& visitor) const;

    /// Number of existing vbuckets.
    [[nodiscard]] size_t count() const;

private:
    struct alignas(64) Slot {
        /// A leaf, held only to copy or exchange the pointer: a replaced or removed vbucket is
        /// released after it (set() drops `previous` unlocked; remove() hands it to the caller).
        mutable Mutex mutex;
        std::shared_ptr<VBucket> vbucket GUARDED_BY(mutex);
    };

    const size_t capacity_;
    std::unique_ptr<Slot[]> slots_;
};

}  // namespace eddy::engine
