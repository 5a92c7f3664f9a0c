// eddy — the first in-memory bucket.
//
// Owns: createMemoryBucket(), the factory of an EngineIface that keeps documents in a striped,
// lock-protected hash table in memory, with CAS, flags, datatype and expiry checked on access.
// It never blocks and never returns WouldBlock. The eventually-persistent engine (vbuckets,
// checkpoints, persistence) replaces it.
// Locking: keys are spread over 64 shards; each shard's Mutex guards that shard's map and byte
// total, and every command on a key runs entirely under its shard's lock (so CAS checks,
// add/replace, append, arithmetic and touch are atomic per key). No call holds two shard locks.
// CAS and operation counters are atomics outside the shards. The full essay, with the STAT
// definitions, opens memory_bucket.cc.
// Thread contract: the returned engine is thread-safe; every method may be called concurrently.
#pragma once

#include "eddy/engine_iface.h"

#include <cstddef>
#include <functional>
#include <memory>

namespace eddy::engine {

struct MemoryBucketConfig {
    /// Largest value a document may reach (also through APPEND/PREPEND): TooBig beyond it.
    size_t max_value_size = size_t{20} * 1024 * 1024;
    /// Clock in Unix seconds; tests substitute their own.
    std::function<uint32_t()> now;
};

[[nodiscard]] std::unique_ptr<EngineIface> createMemoryBucket(ServerApi& server,
                                                              MemoryBucketConfig config);

}  // namespace eddy::engine
