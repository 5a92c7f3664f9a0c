// eddy — the first in-memory bucket.
//
// Owns: createMemoryBucket(), the factory of an EngineIface that keeps documents in a striped,
// lock-protected hash table in memory, with CAS, flags, datatype and expiry checked on access.
// It never blocks and never returns WouldBlock. The eventually-persistent engine (vbuckets,
// checkpoints, persistence) replaces it.
// Thread contract: the returned engine is thread-safe (see memory_bucket.cc for the locking).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "eddy/engine_iface.h"

namespace eddy::engine {

struct MemoryBucketConfig {
    /// Largest value a document may reach (also through APPEND/PREPEND): TooBig beyond it.
    size_t max_value_size = 20 * 1024 * 1024;
    /// Clock in Unix seconds; tests substitute their own.
    std::function<uint32_t()> now;
};

[[nodiscard]] std::unique_ptr<EngineIface> createMemoryBucket(ServerApi& server,
                                                              MemoryBucketConfig config);

}  // namespace eddy::engine
